from django.urls import path

from liuquan.flows import views

app_name = "flows"
urlpatterns = [
    path("<str:code>/<str:item_code>/flow/", views.flow_page, name="page"),
    path("<str:code>/<str:item_code>/flow/bpmn/", views.bpmn_page, name="bpmn"),
    path("<str:code>/<str:item_code>/<str:kind>.<str:fmt>", views.flow_file, name="file"),
]
