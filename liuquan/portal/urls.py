from django.urls import path

from liuquan.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_list, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
]
