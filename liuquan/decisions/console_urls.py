from django.urls import path

from liuquan.decisions import console_views as views

app_name = "decisions_console"
urlpatterns = [
    path("<str:code>/", views.unit_page, name="unit"),
    path("<str:code>/topics/", views.propose, name="propose"),
    path("<str:code>/meetings/", views.convene, name="convene"),
    path("meetings/<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("meetings/<int:meeting_id>/sign-in/", views.sign_in, name="sign_in"),
    path("meetings/<int:meeting_id>/state/", views.state, name="state"),
    path("meetings/<int:meeting_id>/vote/", views.vote, name="vote"),
    path("meetings/<int:meeting_id>/count/", views.count, name="count"),
    path("meetings/<int:meeting_id>/close/", views.close, name="close"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
]
