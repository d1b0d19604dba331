"""Admin for data stewards; every save is an org action (and so a journal entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liuquan.core.admin_base import ActionAdmin
from liuquan.org import actions
from liuquan.org.models import Oversight, Person, Post, Region, RoleGrant, Unit


@admin.register(Region)
class RegionAdmin(ActionAdmin[Region]):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "level", "parent"]

    def get_readonly_fields(self, request: Any, obj: Region | None = None) -> list[str]:
        return ["code", "level", "parent"] if obj else []

    def perform(self, *, actor: Any, obj: Region | None, data: dict[str, Any], change: bool) -> Region:
        if obj is not None:
            return actions.do_rename_region(actor=actor, region=obj, name=data["name"])
        return actions.do_create_region(
            actor=actor, code=data["code"], name=data["name"], level=data["level"], parent=data["parent"]
        )


@admin.register(Unit)
class UnitAdmin(ActionAdmin[Unit]):
    list_display = ["code", "name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]
    fields = ["code", "name", "short_name", "kind", "region", "public_phone", "extra_restricted_areas"]

    def get_readonly_fields(self, request: Any, obj: Unit | None = None) -> list[str]:
        return ["code"] if obj else []

    def perform(self, *, actor: Any, obj: Unit | None, data: dict[str, Any], change: bool) -> Unit:
        fields = {
            "name": data["name"],
            "short_name": data["short_name"],
            "kind": data["kind"],
            "region": data["region"],
            "public_phone": data.get("public_phone", ""),
            "extra_restricted_areas": list(data.get("extra_restricted_areas") or []),
        }
        if obj is not None:
            return actions.do_update_unit(actor=actor, unit=obj, **fields)
        return actions.do_create_unit(actor=actor, code=data["code"], **fields)


@admin.register(Post)
class PostAdmin(ActionAdmin[Post]):
    list_display = ["name", "kind", "unit"]
    list_filter = ["kind"]
    search_fields = ["name", "unit__name"]
    fields = ["unit", "name", "kind"]

    def has_change_permission(self, request: Any, obj: Post | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def perform(self, *, actor: Any, obj: Post | None, data: dict[str, Any], change: bool) -> Post:
        return actions.do_create_post(actor=actor, unit=data["unit"], name=data["name"], kind=data["kind"])


@admin.register(Person)
class PersonAdmin(ActionAdmin[Person]):
    list_display = ["username", "full_name", "unit", "is_active"]
    search_fields = ["username", "full_name"]
    fields = ["username", "full_name", "unit", "office_phone", "mobile", "is_active"]

    def get_readonly_fields(self, request: Any, obj: Person | None = None) -> list[str]:
        return ["username"] if obj else []

    def perform(self, *, actor: Any, obj: Person | None, data: dict[str, Any], change: bool) -> Person:
        if obj is not None:
            return actions.do_update_person(
                actor=actor,
                person=obj,
                full_name=data["full_name"],
                unit=data["unit"],
                office_phone=data["office_phone"],
                mobile=data["mobile"],
                is_active=data["is_active"],
            )
        return actions.do_create_person(
            actor=actor,
            username=data["username"],
            full_name=data["full_name"],
            unit=data["unit"],
            office_phone=data["office_phone"],
            mobile=data["mobile"],
        )


@admin.register(RoleGrant)
class RoleGrantAdmin(ActionAdmin[RoleGrant]):
    list_display = ["person", "role", "unit", "region"]
    list_filter = ["role"]
    fields = ["person", "role", "unit", "region"]

    def has_change_permission(self, request: Any, obj: RoleGrant | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def perform(self, *, actor: Any, obj: RoleGrant | None, data: dict[str, Any], change: bool) -> RoleGrant:
        return actions.do_grant_role(
            actor=actor, person=data["person"], role=data["role"], unit=data["unit"], region=data["region"]
        )


@admin.register(Oversight)
class OversightAdmin(ActionAdmin[Oversight]):
    list_display = ["unit", "leader", "area", "is_exception", "assigned_at", "ended_at"]
    list_filter = ["is_exception", "restricted_area"]
    fields = ["unit", "leader", "area", "exception_reason"]
    actions = ["end_selected"]

    def has_change_permission(self, request: Any, obj: Oversight | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def perform(self, *, actor: Any, obj: Oversight | None, data: dict[str, Any], change: bool) -> Oversight:
        return actions.do_assign_oversight(
            actor=actor,
            unit=data["unit"],
            leader=data["leader"],
            area=data["area"],
            exception_reason=data.get("exception_reason") or "",
        )

    @admin.action(description=_("End the selected assignments"))
    def end_selected(self, request: Any, queryset: Any) -> None:
        for row in queryset.filter(ended_at__isnull=True):
            actions.do_end_oversight(actor=request.user, oversight=row)
