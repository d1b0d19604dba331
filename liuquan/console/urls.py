from django.urls import path

from liuquan.console import flows, lists, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("units/<str:code>/oversight/", views.assign_oversight, name="assign_oversight"),
    path("oversight/<int:oversight_id>/end/", views.end_oversight, name="end_oversight"),
    path("oversight/exceptions/", views.oversight_exceptions, name="exceptions"),
    path("calendar/", views.work_calendar, name="calendar"),
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
    path("flows/<str:code>/", flows.unit_flows, name="unit_flows"),
    path("flows/<str:code>/<str:power>/", flows.flow_detail, name="flow"),
    path("flows/<str:code>/<str:power>/new/", flows.new_draft, name="flow_new"),
    path("flows/<str:code>/<str:power>/steps/", flows.save_steps, name="flow_steps"),
    path("flows/<str:code>/<str:power>/risks/", flows.save_risks, name="flow_risks"),
    path("flows/<str:code>/<str:power>/limits/", flows.save_limits, name="flow_limits"),
    path("flows/<str:code>/<str:power>/bpmn/", flows.import_bpmn, name="flow_import_bpmn"),
    path("flows/<str:code>/<str:power>/draft.bpmn", flows.draft_bpmn, name="flow_bpmn"),
    path("flows/<str:code>/<str:power>/publish/", flows.publish, name="flow_publish"),
]
