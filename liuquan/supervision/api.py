"""API endpoints of the e-supervision centre: the alerts in a 纪检 or 审计 person's reach (thin callers of
supervision.queries; the same filters as the console's alert list and `liuquan supervise alerts`)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema

from liuquan.api.auth import AUTH
from liuquan.org.models import Person
from liuquan.supervision import queries

router = Router(tags=["supervision"])

MAX_LIMIT = 500


class AlertOut(Schema):
    id: int
    rule: str
    rule_name: str  # 中文
    level: str
    level_name: str
    status: str
    status_name: str
    unit: str
    unit_name: str
    case: str | None
    subject: str
    raised_at: datetime
    respond_by: date | None
    assignee: str | None


class AlertsOut(Schema):
    count: int
    alerts: list[AlertOut]


class AlertFilter(Schema):
    status: str = ""  # open, checking, confirmed, disposed, closed, dismissed, cured, or active (not ended)
    level: str = ""  # yellow, red, notice
    rule: str = ""
    unit: str = ""  # unit code
    limit: int = 100
    offset: int = 0


@router.get(
    "/supervision/alerts",
    response=AlertsOut,
    auth=AUTH,
    summary="Alerts in the caller's reach (纪检, 审计), newest first, with Chinese labels beside each code",
)
def list_alerts(request: HttpRequest, filters: Query[AlertFilter]) -> AlertsOut:
    person = request.user
    assert isinstance(person, Person)  # guaranteed by AUTH
    queries.check_alert_reader(person)
    alerts = queries.filter_alerts(
        queries.alerts_for(person),
        status=filters.status,
        level=filters.level,
        rule=filters.rule,
        unit=filters.unit,
    ).order_by("-raised_at", "-pk")
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    page = alerts[offset : offset + limit]
    return AlertsOut(
        count=alerts.count(), alerts=[AlertOut.model_validate(queries.alert_row(alert)) for alert in page]
    )
