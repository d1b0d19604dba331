from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from liuquan.ledger import views

app_name = "ledger"
urlpatterns = [
    # The checker only reads what it is given; there is no session state a forged post could abuse.
    path("", csrf_exempt(views.home), name="home"),
    path("receipt/<str:subject_type>/<str:subject_id>/", views.record_receipt, name="record_receipt"),
    # The log as C2SP tlog-tiles, for standard transparency-log clients and witnesses.
    path("log/checkpoint", views.tlog_checkpoint, name="tlog_checkpoint"),
    path("log/tile/<path:path>", views.tlog_tile, name="tlog_tile"),
]
