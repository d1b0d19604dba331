from django.contrib import admin

from liuquan.core.admin_base import ReadOnlyAdmin
from liuquan.ledger.models import Checkpoint, Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin[Entry]):
    list_display = ["index", "at", "action", "actor", "subject_type", "subject_id"]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id"]
    exclude = ["private_salt"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin[Checkpoint]):
    list_display = ["size", "signed_at"]
