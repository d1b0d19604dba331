from django.urls import path

from liuquan.console import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/oversight/", views.assign_oversight, name="assign_oversight"),
    path("oversight/<int:oversight_id>/end/", views.end_oversight, name="end_oversight"),
    path("oversight/exceptions/", views.oversight_exceptions, name="exceptions"),
]
