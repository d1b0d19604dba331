from django.contrib import admin

from liuquan.core.admin_base import ReadOnlyAdmin
from liuquan.core.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin[AccessLog]):
    list_display = ["id", "at", "person", "record_type", "record_id", "channel"]
    list_filter = ["channel", "record_type"]
