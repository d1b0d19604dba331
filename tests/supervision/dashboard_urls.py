"""The site's routes with the dashboard and report views at the paths the supervision app mounts them
(/console/supervision/ and /console/supervision/report/<yyyy>-<mm>.xlsx|pdf), for the dashboard tests.
The views reverse none of their own names (their links are relative), so no namespace is needed."""

from django.urls import path, re_path

from liuquan.supervision import dashboard_views
from liuquan.urls import urlpatterns as site

urlpatterns = [
    path("console/supervision/", dashboard_views.dashboard),
    re_path(
        r"^console/supervision/report/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.(?P<fmt>xlsx|pdf)$",
        dashboard_views.monthly_report,
    ),
    *site,
]
