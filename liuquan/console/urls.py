from django.urls import path

from liuquan.console import lists, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/oversight/", views.assign_oversight, name="assign_oversight"),
    path("oversight/<int:oversight_id>/end/", views.end_oversight, name="end_oversight"),
    path("oversight/exceptions/", views.oversight_exceptions, name="exceptions"),
    path("lists/", lists.index, name="lists"),
    path("lists/<str:code>/", lists.unit_lists, name="unit_lists"),
    path("lists/<str:code>/new/", lists.create_edition, name="create_edition"),
    path("lists/<str:code>/import/", lists.import_lists, name="import_lists"),
    path("lists/<str:code>/import/confirm/", lists.confirm_import, name="confirm_import"),
    path("lists/<str:code>/<int:number>/", lists.edition_detail, name="edition"),
    path("lists/<str:code>/<int:number>/move/", lists.move_edition, name="move_edition"),
    path("lists/<str:code>/<int:number>/comment/", lists.comment_edition, name="comment_edition"),
    path("lists/<str:code>/<int:number>/remaining/", lists.decide_remaining, name="decide_remaining"),
    path("lists/<str:code>/<int:number>/items/<str:item_code>/", lists.edition_item, name="edition_item"),
]
