"""Reads of supervision: alerts within a supervisor's reach, one alert with its handling, rule settings."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, NotFound
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Region
from liuquan.supervision import catalog, rules
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
