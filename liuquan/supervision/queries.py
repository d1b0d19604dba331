"""Reads of supervision: alerts within a supervisor's reach, one alert with its handling, rule settings."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, InvalidInput, NotFound
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Region, Role
from liuquan.supervision import catalog, rules
from liuquan.supervision.actions import SUPERVISORS, heads_unit, is_supervisor
from liuquan.supervision.models import ENDED, Alert, AlertLevel, AlertStatus, RuleSetting, cards

ACTIVE = "active"  # the status filter's "not yet ended" (open, being checked, confirmed, disposed)


def alerts_for(person: Person) -> QuerySet[Alert]:
    """Alerts of the units a 纪检 or 审计 person supervises (none for anyone else)."""
    if not person.is_active:
        return Alert.objects.none()
    scope = org_queries.scope_of(person, SUPERVISORS)
    if not (scope.everything or scope.unit_ids or scope.region_prefixes):
        return Alert.objects.none()
    return Alert.objects.filter(scope.unit_filter("unit__")).select_related("unit", "assignee", "case")


# What a unit's heads see of the alerts against it: those confirmed, and what became of them.
SHOWN_TO_UNIT = (AlertStatus.CONFIRMED, AlertStatus.DISPOSED, AlertStatus.CLOSED)


def unit_alerts_for(person: Person) -> QuerySet[Alert]:
    """The confirmed alerts against the units `person` heads (负责人), to read and answer (申辩)."""
    if not person.is_active:
        return Alert.objects.none()
    scope = org_queries.scope_of(person, frozenset({Role.HEAD}))
    if not (scope.everything or scope.unit_ids or scope.region_prefixes):
        return Alert.objects.none()
    return (
        Alert.objects.filter(scope.unit_filter("unit__"), status__in=SHOWN_TO_UNIT)
        .filter(cards())
        .select_related("unit", "case")
    )


def every_alert() -> QuerySet[Alert]:
    """All alerts, for the operator at the server's console (`liuquan supervise alerts` without --as)."""
    return Alert.objects.select_related("unit", "assignee", "case")


def check_alert_reader(person: Person) -> None:
    """Alerts are for 纪检 and 审计 only: anyone else (a clerk, a unit head, a data steward) is refused."""
    if not (person.is_active and org_queries.roles_of(person) & SUPERVISORS):
        raise Forbidden(
            "只有纪检、审计人员可以查看预警", message_en="Only inspectors and auditors see alerts"
        )


def filter_alerts(
    alerts: QuerySet[Alert],
    *,
    status: str = "",
    level: str = "",
    rule: str = "",
    unit: str = "",
) -> QuerySet[Alert]:
    """`alerts` narrowed as the console's filters, the CLI and the API ask: a status (or "active": not
    ended), a level, a rule, a unit code. An unknown status, level or rule is an error naming it."""
    if status == ACTIVE:
        alerts = alerts.exclude(status__in=list(ENDED))
    elif status:
        if status not in AlertStatus.values:
            raise InvalidInput(
                f"未知的预警状态 {status}", message_en=f"Unknown status {status}", field="status"
            )
        alerts = alerts.filter(status=status)
    if level:
        if level not in AlertLevel.values:
            raise InvalidInput(f"未知的预警等级 {level}", message_en=f"Unknown level {level}", field="level")
        alerts = alerts.filter(level=level)
    if rule:
        if rule not in catalog.RULES:
            raise InvalidInput(f"未知的规则 {rule}", message_en=f"Unknown rule {rule}", field="rule")
        alerts = alerts.filter(rule=rule)
    if unit:
        alerts = alerts.filter(unit__code=unit)
    return alerts


def alert_row(alert: Alert) -> dict[str, object]:
    """One alert as the CLI and the API list it: every coded value beside its Chinese label."""
    return {
        "id": alert.pk,
        "rule": alert.rule,
        "rule_name": catalog.short_name(alert.rule),
        "level": alert.level,
        "level_name": str(AlertLevel(alert.level).label) if alert.level in AlertLevel.values else alert.level,
        "status": alert.status,
        "status_name": str(AlertStatus(alert.status).label),
        "unit": alert.unit.code,
        "unit_name": alert.unit.name,
        "case": alert.case.number if alert.case else None,
        "subject": alert.subject,
        "raised_at": alert.raised_at,
        "respond_by": alert.respond_by,
        "assignee": alert.assignee.full_name if alert.assignee else None,
    }


def access_alert(person: Person, alert_id: int, *, channel: str) -> Alert:
    alert = (
        Alert.objects.select_related("unit__region", "assignee", "case", "case_step")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(f"没有预警 {alert_id}", message_en=f"No alert {alert_id}", alert=alert_id)
    if is_supervisor(person, alert):
        log_read(person, alert, channel=channel)
        return alert
    if heads_unit(person, alert) and alert.status in SHOWN_TO_UNIT and alert.level != AlertLevel.NOTICE:
        return alert  # the unit's own head reading what is held against it
    raise Forbidden("无权查看该预警", message_en="You may not see this alert", alert=alert_id)


def rule_settings(region: Region | None = None) -> list[dict[str, object]]:
    """Every rule as it holds in `region` (None: the installation's default): its switch and
    parameters, and the scope whose setting that is (a wider scope's, or the defaults)."""
    from liuquan.supervision import sweep

    stored = sweep.stored_settings()
    code = region.code if region else ""
    in_force = {name: sweep.setting_in_force(stored, name, code) for name in rules.REGISTRY}
    rows = RuleSetting.objects.select_related("region").in_bulk(
        [setting.pk for setting in in_force.values() if setting]
    )
    listing = []
    for name, rule in rules.REGISTRY.items():
        setting = in_force[name]
        row = rows[setting.pk] if setting else None
        listing.append(
            {
                "rule": name,
                "name": catalog.short_name(name),
                "description": rule.description,
                "enabled": setting.enabled if setting else True,
                "params": {**rule.defaults, **(setting.params if setting else {})},
                "cures": rule.cures,
                "updated_at": row.updated_at if row else None,
                "note": row.note if row else "",
                "scope": (row.region.name if row.region else "全部单位（默认）") if row else "",
                "inherited": row is not None and (row.region.code if row.region else "") != code,
            }
        )
    return listing


def rule_history(person: Person, *, limit: int = 200) -> QuerySet[RuleSetting]:
    """Rule changes `person` may read, newest first: all for a data steward, else those of the defaults
    and of the regions that contain, or lie inside, the ones they supervise."""
    rows = RuleSetting.objects.select_related("updated_by", "region").order_by("-pk")
    if person.is_superuser:
        return rows[:limit]
    prefixes = org_queries.scope_of(person, SUPERVISORS).region_prefixes
    condition = Q(region__isnull=True)
    for prefix in prefixes:
        condition |= Q(region__code__startswith=prefix)
        for length in (2, 4, 6, 9):  # the regions above: province, city, county, township
            if length < len(prefix):
                condition |= Q(region__code=prefix[:length].ljust(6 if length <= 6 else 9, "0"))
    return rows.filter(condition)[:limit]
