"""Admin for data stewards: the corpus is read-only here; it changes only by `liuquan laws import`."""

from __future__ import annotations

from django.contrib import admin

from liuquan.core.admin_base import ReadOnlyAdmin
from liuquan.laws.models import Article, Law, LawVersion


@admin.register(Law)
class LawAdmin(ReadOnlyAdmin[Law]):
    list_display = ["name", "level", "category"]
    list_filter = ["level", "category"]
    search_fields = ["name", "aliases__alias"]


@admin.register(LawVersion)
class LawVersionAdmin(ReadOnlyAdmin[LawVersion]):
    list_display = ["law", "publish", "valid_from", "expired", "is_current", "file"]
    list_filter = ["is_current", "expired", "law__level"]
    list_select_related = ["law"]
    search_fields = ["law__name", "file"]
    date_hierarchy = "publish"


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin[Article]):
    list_display = ["__str__", "version", "chapter"]
    list_select_related = ["version__law"]
    search_fields = ["version__law__name", "text"]
    raw_id_fields = ["version"]
