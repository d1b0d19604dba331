"""Power lists in the admin are for reading: every change goes through the review actions."""

from django.contrib import admin

from liuquan.core.admin_base import ReadOnlyAdmin
from liuquan.powers.models import Disposition, ListEdition, PowerItem, Responsibility, ReviewComment


@admin.register(ListEdition)
class ListEditionAdmin(ReadOnlyAdmin[ListEdition]):
    list_display = ["unit", "number", "status", "published_at"]
    list_filter = ["status"]


@admin.register(PowerItem)
class PowerItemAdmin(ReadOnlyAdmin[PowerItem]):
    list_display = ["code", "name", "category", "edition"]
    list_filter = ["category"]
    search_fields = ["code", "name"]


@admin.register(Responsibility)
class ResponsibilityAdmin(ReadOnlyAdmin[Responsibility]):
    list_display = ["item", "position", "stage"]


@admin.register(Disposition)
class DispositionAdmin(ReadOnlyAdmin[Disposition]):
    list_display = ["item", "kind", "round", "decided_at"]
    list_filter = ["kind"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin[ReviewComment]):
    list_display = ["edition", "round", "at"]
