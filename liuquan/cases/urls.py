"""Routes of the case pages: the applicant's on the public portal (/cases/…), the staff's in the console
(/console/cases/…). Mounted at the site root, before the portal."""

from django.urls import path

from liuquan.cases import console_views, portal_views

app_name = "cases"
urlpatterns = [
    path("cases/", portal_views.index, name="index"),
    path("cases/apply/<str:unit>/<str:power>/", portal_views.apply, name="apply"),
    path("cases/applied/", portal_views.applied, name="applied"),
    path("cases/track/", portal_views.track, name="track"),
    path("cases/track/<str:number>/", portal_views.track_case, name="track_case"),
    path("cases/track/<str:number>/supplement/", portal_views.supplement, name="supplement"),
    path("cases/track/<str:number>/rate/", portal_views.rate, name="rate"),
    path("cases/track/<str:number>/withdraw/", portal_views.withdraw, name="withdraw"),
    path("console/cases/", console_views.inbox, name="inbox"),
    path("console/cases/<str:number>/", console_views.case_detail, name="case"),
    path("console/cases/<str:number>/claim/", console_views.claim, name="claim"),
    path("console/cases/<str:number>/complete/", console_views.complete, name="complete"),
    path("console/cases/<str:number>/terminate/", console_views.terminate, name="terminate"),
    path("console/cases/<str:number>/reply/", console_views.reply, name="reply"),
    path("console/cases/<str:number>/files/<int:file_id>/", console_views.download, name="file"),
]
