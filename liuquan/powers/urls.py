from django.urls import path

from liuquan.powers import views

app_name = "powers"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.unit_list, name="unit"),
    path("<str:code>/download.<str:fmt>", views.download, name="download"),
    path("<str:code>/editions/<int:number>/", views.unit_list, name="edition"),
    path("<str:code>/editions/<int:number>/download.<str:fmt>", views.download, name="edition_download"),
    path("<str:code>/<str:item_code>/", views.item_detail, name="item"),
]
