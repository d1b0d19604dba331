from django.contrib import admin

from liuquan.core.admin_base import ReadOnlyAdmin
from liuquan.core.models import AccessLog, Act


@admin.register(Act)
class ActAdmin(ReadOnlyAdmin[Act]):
    list_display = ["id", "at", "action", "actor", "subject_type", "subject_id"]
    list_filter = ["action"]
    search_fields = ["subject_id", "action"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin[AccessLog]):
    list_display = ["id", "at", "person", "record_type", "record_id", "channel"]
    list_filter = ["channel", "record_type"]
