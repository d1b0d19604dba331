from django.urls import path

from liuquan.decisions import views

app_name = "decisions"
urlpatterns = [path("<str:code>/", views.unit_page, name="unit")]
