"""Routes of the supervision centre in the console, mounted at /console/supervision/."""

from django.urls import path, re_path

from liuquan.supervision import dashboard_views, views

app_name = "supervision"
urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    re_path(
        r"^report/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.(?P<fmt>xlsx|pdf)$",
        dashboard_views.monthly_report,
        name="report",
    ),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/assign/", views.assign, name="assign"),
    path("alerts/<int:alert_id>/check/", views.report_check, name="check"),
    path("alerts/<int:alert_id>/answer/", views.answer, name="answer"),
    path("unit-alerts/", views.unit_alerts, name="unit_alerts"),
    path("alerts/<int:alert_id>/dismiss/", views.dismiss, name="dismiss"),
    path("alerts/<int:alert_id>/confirm/", views.confirm, name="confirm"),
    path("alerts/<int:alert_id>/dispose/", views.dispose, name="dispose"),
    path("alerts/<int:alert_id>/close/", views.close, name="close"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<str:rule>/", views.set_rule, name="set_rule"),
]
