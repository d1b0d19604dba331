"""Reads of the organisation, and the access_* functions that fetch and check permission together.

Public records: regions, units, posts, leaders with their titles, and current oversight areas (领导分工 is
published). Non-public: staff contact details, role grants, oversight exception reasons. A unit's own
staff read its non-public records; 改革办, 纪检 and 审计 read those of every unit in their region, and
each read by 纪检 or 审计 is access-logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from liuquan.core.access import log_read, log_reads
from liuquan.core.errors import Forbidden, NotFound
from liuquan.org.models import (
    Leadership,
    Oversight,
    Person,
    PostHolding,
    Region,
    Role,
    RoleGrant,
    Unit,
)

SUPERVISOR_ROLES = frozenset({Role.INSPECTOR, Role.AUDITOR})
# Roles that may change a unit's leadership arrangements (分管): its head and the reform office.
MANAGING_ROLES = frozenset({Role.HEAD, Role.REFORM_OFFICE})


@dataclass(frozen=True)
class Scope:
    """Where a person's non-public reading rights reach, and through which roles."""

    everything: bool
    unit_ids: frozenset[int]
    region_prefixes: frozenset[str]

    def unit_filter(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        condition = Q(**{f"{prefix}pk__in": list(self.unit_ids)}) if self.unit_ids else Q(pk__in=[])
        for region_prefix in self.region_prefixes:
            condition |= Q(**{f"{prefix}region__code__startswith": region_prefix})
        return condition

    def covers(self, unit: Unit) -> bool:
        return (
            self.everything
            or unit.pk in self.unit_ids
            or any(unit.region.code.startswith(p) for p in self.region_prefixes)
        )


def grants_of(person: Person) -> list[RoleGrant]:
    cached: list[RoleGrant] | None = getattr(person, "_grants_cache", None)
    if cached is None:
        cached = list(person.grants.select_related("unit__region", "region"))
        person._grants_cache = cached  # type: ignore[attr-defined]
    return cached


def roles_of(person: Person) -> set[str]:
    return {grant.role for grant in grants_of(person)}


def scope_of(person: Person, roles: frozenset[str] | None = None) -> Scope:
    """The reach of `person`'s grants (limited to `roles` when given)."""
    if not person.is_active or person.is_anonymous:
        return Scope(False, frozenset(), frozenset())
    if person.is_superuser and roles is None:
        return Scope(True, frozenset(), frozenset())
    unit_ids: set[int] = set()
    prefixes: set[str] = set()
    for grant in grants_of(person):
        if roles is not None and grant.role not in roles:
            continue
        if grant.unit_id is not None:
            unit_ids.add(grant.unit_id)
        elif grant.region is not None:
            prefixes.add(grant.region.prefix)
    return Scope(False, frozenset(unit_ids), frozenset(prefixes))


def is_supervisory_read(person: Person, unit: Unit) -> bool:
    """True when `person` reads this unit's non-public records from outside it, and so the read is
    logged: through a 纪检/审计 grant, or a region-wide one (改革办 over every unit of its city), rather
    than as the unit's own staff (a grant on the unit itself, or a post in it)."""
    if person.is_superuser:
        return False
    non_supervisory = frozenset(r for r in Role if r not in SUPERVISOR_ROLES)
    if unit.pk in scope_of(person, non_supervisory).unit_ids:
        return False
    return not PostHolding.objects.filter(person=person, post__unit=unit, until__isnull=True).exists()


def can_read_private(person: Person, unit: Unit) -> bool:
    return scope_of(person).covers(unit)


def can_manage(person: Person, unit: Unit) -> bool:
    """May `person` change the unit's leadership arrangements (分管)? Superusers are data stewards."""
    return person.is_active and (person.is_superuser or scope_of(person, MANAGING_ROLES).covers(unit))


# Public reads --------------------------------------------------------------------------------------


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent").order_by("code")


def units(*, region_code: str | None = None) -> QuerySet[Unit]:
    """All units (public), optionally within one region's subtree, each with its current principal."""
    queryset = Unit.objects.select_related("region").prefetch_related(
        Prefetch(
            "leaders",
            queryset=Leadership.objects.filter(until__isnull=True).select_related("person"),
            to_attr="current_leaders",
        )
    )
    if region_code:
        queryset = queryset.filter(region__code__startswith=get_region(region_code).prefix)
    return queryset.order_by("region__code", "code")


def get_unit(code: str) -> Unit:
    unit = Unit.objects.select_related("region").filter(code=code).first()
    if unit is None:
        raise NotFound(
            f"没有代码为 {code} 的单位", message_en=f"No unit with code {code}", field="unit", value=code
        )
    return unit


def get_region(code: str, *, field: str = "region") -> Region:
    """The region with `code`; NotFound naming `field` (the parameter it came in) otherwise."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(
            f"没有代码为 {code} 的行政区划",
            message_en=f"No region with code {code}",
            field=field,
            value=code,
        )
    return region


def principal_of(unit: Unit) -> Leadership | None:
    return (
        Leadership.objects.filter(unit=unit, rank="principal", until__isnull=True)
        .select_related("person")
        .first()
    )


def current_leaders(unit: Unit) -> list[Leadership]:
    return list(
        Leadership.objects.filter(unit=unit, until__isnull=True)
        .select_related("person")
        .order_by("-rank", "id")  # "principal" sorts after "deputy": principal first
    )


def current_oversights(unit: Unit) -> list[Oversight]:
    return list(
        Oversight.objects.filter(unit=unit, ended_at__isnull=True)
        .select_related("leader")
        .order_by("-leader_rank", "leader_id", "id")
    )


def get_person(username: str) -> Person:
    person = Person.objects.select_related("unit__region").filter(username=username).first()
    if person is None:
        raise NotFound(
            f"没有用户名为 {username} 的人员",
            message_en=f"No person with user name {username}",
            field="person",
            value=username,
        )
    return person


# Access-checked reads of non-public records -------------------------------------------------------


def _refuse_private(unit: Unit) -> Forbidden:
    return Forbidden(
        f"无权查看{unit.name}的非公开信息",
        message_en=f"You may not read non-public records of {unit.name}",
        unit=unit.code,
    )


def access_unit_staff(person: Person, code: str, *, channel: str) -> tuple[Unit, list[Person]]:
    """A unit's staff with private contact details, for those entitled; supervisory reads are logged."""
    unit = get_unit(code)
    if not can_read_private(person, unit):
        raise _refuse_private(unit)
    staff = list(Person.objects.filter(unit=unit).order_by("id"))
    if is_supervisory_read(person, unit):
        log_reads(person, list(staff), channel=channel)
    return unit, staff


def access_person(viewer: Person, username: str, *, channel: str) -> Person:
    """One staff record with private contact details and role grants."""
    person = get_person(username)
    if person.pk == viewer.pk:
        return person
    if person.unit is None or not can_read_private(viewer, person.unit):
        raise Forbidden(
            "无权查看该人员的非公开信息",
            message_en="You may not read this person's non-public record",
            person=username,
        )
    if is_supervisory_read(viewer, person.unit):
        log_read(viewer, person, channel=channel)
    return person


def access_oversights(viewer: Person, code: str, *, channel: str) -> tuple[Unit, list[Oversight]]:
    """A unit's current oversight assignments including exception reasons (non-public)."""
    unit = get_unit(code)
    if not can_read_private(viewer, unit):
        raise _refuse_private(unit)
    rows = current_oversights(unit)
    exceptions: list[Oversight] = [row for row in rows if row.is_exception]
    if exceptions and is_supervisory_read(viewer, unit):
        log_reads(viewer, list(exceptions), channel=channel)
    return unit, rows


def access_oversight_exceptions(viewer: Person, *, channel: str) -> list[Oversight]:
    """Every oversight exception (current and ended) in the viewer's reach, for supervision."""
    scope = scope_of(viewer)
    rows = list(
        Oversight.objects.filter(scope.unit_filter("unit__"), is_exception=True)
        .select_related("unit__region", "leader", "assigned_by", "ended_by")
        .order_by("-assigned_at", "-id")
    )
    supervisory = [row for row in rows if is_supervisory_read(viewer, row.unit)]
    if supervisory:
        log_reads(viewer, list(supervisory), channel=channel)
    return rows


def readable_units(person: Person) -> QuerySet[Unit]:
    """Units whose non-public records the person may read."""
    return units().filter(scope_of(person).unit_filter())


def get_oversight(oversight_id: int) -> Oversight:
    row = (
        Oversight.objects.select_related("unit__region", "leader", "assigned_by")
        .filter(pk=oversight_id)
        .first()
    )
    if row is None:
        raise NotFound(
            f"没有编号为 {oversight_id} 的分管记录",
            message_en=f"No oversight assignment {oversight_id}",
            field="oversight",
            value=oversight_id,
        )
    return row
