"""Reads of supervision: alerts within a supervisor's reach, one alert with its handling, rule settings."""

from __future__ import annotations

from django.db.models import QuerySet

from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, NotFound
from liuquan.org import queries as org_queries
from liuquan.org.models import Person
from liuquan.supervision import rules
from liuquan.supervision.actions import SUPERVISORS, is_supervisor
from liuquan.supervision.models import Alert, RuleSetting


def alerts_for(person: Person) -> QuerySet[Alert]:
    """Alerts of the units a 纪检 or 审计 person supervises (none for anyone else)."""
    if not person.is_active:
        return Alert.objects.none()
    scope = org_queries.scope_of(person, SUPERVISORS)
    if not (scope.everything or scope.unit_ids or scope.region_prefixes):
        return Alert.objects.none()
    return Alert.objects.filter(scope.unit_filter("unit__")).select_related("unit", "assignee", "case")


def access_alert(person: Person, alert_id: int, *, channel: str) -> Alert:
    alert = (
        Alert.objects.select_related("unit__region", "assignee", "case", "case_step")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(f"没有预警 {alert_id}", message_en=f"No alert {alert_id}", alert=alert_id)
    if not is_supervisor(person, alert):
        raise Forbidden("无权查看该预警", message_en="You may not see this alert", alert=alert_id)
    log_read(person, alert, channel=channel)
    return alert


def rule_settings() -> list[dict[str, object]]:
    stored = {row.rule: row for row in RuleSetting.objects.select_related("updated_by")}
    listing = []
    for name, rule in rules.REGISTRY.items():
        row = stored.get(name)
        listing.append(
            {
                "rule": name,
                "description": rule.description,
                "enabled": row.enabled if row else True,
                "params": {**rule.defaults, **(row.params if row else {})},
                "cures": rule.cures,
                "updated_at": row.updated_at if row else None,
                "note": row.note if row else "",
            }
        )
    return listing
