"""Reads of process flows: the version in force, a unit's staffing by post, and public lookups."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from liuquan.core import rows
from liuquan.core.errors import Forbidden, NotFound
from liuquan.flows import rules
from liuquan.flows.models import FlowStatus, HearingThreshold, ProcessDefinition, RiskPoint, SpecialLimit
from liuquan.flows.spec import DayKind, Limit
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, PostHolding, Unit


def flow_in_force(unit: Unit, power_code: str, *, at: datetime | None = None) -> ProcessDefinition | None:
    """The published version new cases of this power start on (None before the first is published). Its
    stored spec is loaded only when asked for (a published version's flow is decoded once per process);
    plain SQL, as every new case asks. With `at` (a case another system began in the past), the version
    in force then: the newest published by that time (superseded since, perhaps), or the first one when
    none was yet."""
    connection = transaction.get_connection()
    columns, fields = rows.columns(ProcessDefinition, exclude={"spec"})
    table = connection.ops.quote_name(ProcessDefinition._meta.db_table)
    select = (
        f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
        f"WHERE {table}.unit_id = %s AND {table}.power_code = %s"
    )
    issued: list[object] = [FlowStatus.PUBLISHED.value, FlowStatus.SUPERSEDED.value]
    tries: list[tuple[str, list[object], str]]  # (condition, its parameters, version order)
    if at is None:
        tries = [(f"{table}.status = %s", [FlowStatus.PUBLISHED.value], "DESC")]
    else:
        tries = [
            (f"{table}.status IN (%s, %s) AND {table}.published_at <= %s", [*issued, at], "DESC"),
            (f"{table}.status IN (%s, %s)", issued, "ASC"),
        ]
    found = None
    with connection.cursor() as cursor:
        for condition, params, order in tries:
            cursor.execute(
                f"{select} AND {condition} ORDER BY {table}.version {order} LIMIT 1",
                [unit.pk, power_code, *params],
            )
            found = cursor.fetchone()
            if found is not None:
                break
    if found is None:
        return None
    definition = rows.build(ProcessDefinition, fields, found)
    definition.unit = unit
    return definition


def versions_of(unit: Unit, power_code: str) -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.filter(unit=unit, power_code=power_code).order_by("-version")


def flows_of(unit: Unit) -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.filter(unit=unit).order_by("power_code", "-version")


def staff_of(unit: Unit) -> dict[str, frozenset[str]]:
    """Post name → the people currently holding it (as ids), for the separation check."""
    holders: dict[str, set[str]] = defaultdict(set)
    for post in unit.posts.all():
        holders.setdefault(post.name, set())
    for name, person_id in PostHolding.objects.filter(post__unit=unit, until__isnull=True).values_list(
        "post__name", "person_id"
    ):
        holders[name].add(str(person_id))
    return {name: frozenset(people) for name, people in holders.items()}


def get_version(unit_code: str, power_code: str, version: int | None = None) -> ProcessDefinition:
    """A version by number, or the newest one (draft included) when `version` is None."""
    unit = org_queries.get_unit(unit_code)
    rows = versions_of(unit, power_code)
    row = rows.filter(version=version).first() if version is not None else rows.first()
    if row is None:
        which = f"第 {version} 版" if version else "任何"
        raise NotFound(
            f"{unit.name}的事项 {power_code} 没有{which}流程",
            message_en=f"{unit.code} {power_code} has no flow{f' version {version}' if version else ''}",
            power=power_code,
        )
    return row


def access_version(
    person: Person | None, unit_code: str, power_code: str, version: int | None
) -> ProcessDefinition:
    """A published (or superseded) version for anyone; a draft only for those who read the unit's drafts."""
    row = get_version(unit_code, power_code, version)
    if row.status == FlowStatus.DRAFT and (
        person is None or not org_queries.can_read_private(person, row.unit)
    ):
        raise Forbidden(
            f"{row}尚未公布", message_en=f"{row} is not published", power=power_code, version=row.version
        )
    return row


def risk_points_watched_by(rule: str) -> QuerySet[RiskPoint]:
    """Risk points of flows in force that name a supervision rule (what that rule must watch)."""
    return RiskPoint.objects.filter(rule=rule, definition__status=FlowStatus.PUBLISHED).select_related(
        "definition__unit"
    )


def registered_limits() -> dict[str, rules.LegalMax]:
    """The special-law limits (特别时限依据) by key, as the validation rules read them."""
    found: dict[str, rules.LegalMax] = {}
    for row in SpecialLimit.objects.select_related("law"):
        basis = f"{row.law.name}{row.key.removeprefix(row.law.name)}"
        extension = (
            Limit(row.extension_days, DayKind(row.extension_kind or DayKind.WORKING))
            if row.extension_days
            else None
        )
        general = rules.LEGAL_MAXIMA.get(row.category)
        found[row.key] = rules.LegalMax(
            case=Limit(row.case_days, DayKind(row.case_kind)),
            extension=extension,
            deliver=general.deliver if general else None,
            case_basis=basis,
            extension_basis=basis if extension else "",
            deliver_basis=general.deliver_basis if general else "",
            category=row.category,
        )
    return found


def hearing_threshold(unit: Unit) -> int | None:
    """The unit's 较大数额 for hearings (行政处罚法 art. 63), or None when it has registered none."""
    row = HearingThreshold.objects.filter(unit=unit).first()
    return row.amount if row else None
