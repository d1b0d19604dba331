"""Running the rules: the periodic sweep (`liuquan supervise sweep`, every minute in production) and the
per-event run after a case moves. Both raise each finding once (alerts are keyed), cure the alerts of
rules that allow it, and move the high-water marks — in one action when anything changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases.models import Breach, Case, CaseStatus, CaseStep
from liuquan.core.actions import ActRecorder, action
from liuquan.core.calendar import WorkCalendar
from liuquan.flows.models import RiskPoint
from liuquan.org import actions as org_actions
from liuquan.org.models import Oversight, Unit
from liuquan.supervision import rules
from liuquan.supervision.models import Alert, AlertStatus, RuleSetting, SweepMark

ALERT_SLA_WORKING_DAYS = 5  # a 纪检/审计 person checks an alert within five working days
OPEN_STATUSES = (AlertStatus.OPEN, AlertStatus.CHECKING)


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=dict)  # rule → new alerts
    cured: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def settings_in_force() -> tuple[list[str], dict[str, dict[str, object]]]:
    """Enabled rules and their parameters (stored settings over the rules' defaults)."""
    stored = {row.rule: row for row in RuleSetting.objects.all()}
    enabled = [name for name in rules.REGISTRY if name not in stored or stored[name].enabled]
    params = {
        name: {**rule.defaults, **(stored[name].params if name in stored else {})}
        for name, rule in rules.REGISTRY.items()
    }
    return enabled, params


def run_sweep(
    *, today: date | None = None, now: datetime | None = None, case_ids: list[int] | None = None
) -> SweepResult:
    """Run every enabled rule over what is new (or over `case_ids` only); raise, cure, move the marks.

    The rules read first; the alerts are then written in one action (re-checked against the keys
    inside it, so two sweeps racing still raise each alert once), and the marks move forward."""
    started = time.perf_counter()
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    enabled, params = settings_in_force()
    result = SweepResult()
    stored = {row.name: row for row in SweepMark.objects.filter(name__in=MARKS)}
    top_step = CaseStep.objects.aggregate(top=Max("pk"))["top"] or 0
    top_breach = Breach.objects.aggregate(top=Max("pk"))["top"] or 0
    ctx = rules.Context(
        today=today,
        now=now,
        calendar=calendar_queries.work_calendar(),
        params=params,
        marks={name: stored[name].value if name in stored else 0 for name in ("step", "breach")},
        since=(stored["clock"].day if "clock" in stored else None) if case_ids is None else None,
        case_ids=case_ids,
    )
    findings = list(rules.all_findings(ctx, enabled))
    cures = _cures(enabled) if case_ids is None else []
    if _new(findings) or cures:
        with action("supervision.sweep", actor=org_actions.system_person()) as act:
            _lock_marks()
            _write(act, _new(findings), cures, today=today, now=now, calendar=ctx.calendar, result=result)
            if case_ids is None:
                _move_marks(top_step, top_breach, today)
    elif case_ids is None:
        with transaction.atomic():
            _lock_marks()
            _move_marks(top_step, top_breach, today)
    result.seconds = time.perf_counter() - started
    return result


MARKS = ("step", "breach", "clock")


def _lock_marks() -> None:
    """Create the marks once, then lock them: sweeps never move them concurrently."""
    for name in MARKS:
        SweepMark.objects.get_or_create(name=name)
    list(SweepMark.objects.select_for_update().filter(name__in=MARKS))


def _move_marks(top_step: int, top_breach: int, today: date) -> None:
    for name, value in (("step", top_step), ("breach", top_breach)):
        SweepMark.objects.filter(name=name, value__lt=value).update(value=value)
    SweepMark.objects.filter(name="clock").update(day=today)


def _new(findings: list[rules.Finding]) -> list[rules.Finding]:
    unique = {finding.key: finding for finding in findings}
    keys = list(unique)
    existing: set[str] = set()
    for start in range(0, len(keys), 900):
        existing.update(Alert.objects.filter(key__in=keys[start : start + 900]).values_list("key", flat=True))
    return [finding for key, finding in unique.items() if key not in existing]


def _cures(enabled: list[str]) -> list[Alert]:
    """Open alerts whose cause is gone, for the rules that allow it."""
    cured: list[Alert] = []
    if "time_yellow" in enabled:
        for alert in Alert.objects.filter(rule="time_yellow", status__in=OPEN_STATUSES).select_related(
            "case_step", "case"
        ):
            step, case = alert.case_step, alert.case
            if step is not None and step.completed_at is not None and step.due_on is not None:
                if timezone.localtime(step.completed_at).date() <= step.due_on:
                    cured.append(alert)
            elif (
                (
                    step is None
                    and case is not None
                    and case.status == CaseStatus.DONE
                    and case.due_on is not None
                )
                and case.closed_at is not None
                and timezone.localtime(case.closed_at).date() <= case.due_on
            ):
                cured.append(alert)
    if "leader_oversight" in enabled:
        ended = set(
            Oversight.objects.filter(is_exception=True, ended_at__isnull=False).values_list("pk", flat=True)
        )
        for alert in Alert.objects.filter(rule="leader_oversight", status__in=OPEN_STATUSES):
            if alert.detail.get("oversight") in ended:
                cured.append(alert)
    if "provisional_calendar" in enabled:
        for alert in Alert.objects.filter(
            rule="provisional_calendar", status__in=OPEN_STATUSES
        ).select_related("case"):
            if alert.case is not None and (alert.case.closed or not alert.case.provisional):
                cured.append(alert)
    return cured


def _write(
    act: ActRecorder,
    fresh: list[rules.Finding],
    cures: list[Alert],
    *,
    today: date,
    now: datetime,
    calendar: WorkCalendar,
    result: SweepResult,
) -> None:
    respond_by = calendar.due_date(today, ALERT_SLA_WORKING_DAYS).due
    risk = _risk_points({(f.definition_id, f.step) for f in fresh if f.definition_id and f.step})
    alerts = []
    for finding in fresh:
        detail = dict(finding.detail)
        point = risk.get((finding.definition_id, finding.step, finding.rule))
        if point:
            detail["risk_point"] = point
        alerts.append(
            Alert(
                rule=finding.rule,
                key=finding.key,
                level=finding.level,
                unit_id=finding.unit_id,
                case_id=finding.case_id,
                case_step_id=finding.case_step_id,
                subject=finding.subject[:300],
                detail=detail,
                raised_at=now,
                status=AlertStatus.OPEN,
                respond_by=respond_by,
            )
        )
        result.raised[finding.rule] = result.raised.get(finding.rule, 0) + 1
    made = _insert(alerts)
    units = _unit_codes({alert.unit_id for alert in made})
    for alert in made:
        alert.unit = units[alert.unit_id]
        act.record(alert)
    for alert in cures:
        alert.status = AlertStatus.CURED
        alert.ended_at = now
        alert.outcome = "原因已消除，自动解除"
        alert.save(update_fields=["status", "ended_at", "outcome"])
        act.record(alert)
    result.cured = len(cures)


COLUMNS = (
    "rule",
    "key",
    "level",
    "unit_id",
    "case_id",
    "case_step_id",
    "subject",
    "detail",
    "raised_at",
    "status",
    "respond_by",
    "outcome",
)


def _insert(alerts: list[Alert]) -> list[Alert]:
    """Insert many alerts in one statement per batch and give them their ids. Plain SQL: a sweep that
    finds ten thousand late steps would spend most of its second building ORM insert statements."""
    if not alerts:
        return []
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(Alert._meta.db_table)
    columns = ", ".join(quote(column) for column in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    detail_field = Alert._meta.get_field("detail")
    stamp = connection.ops.adapt_datetimefield_value(alerts[0].raised_at)
    rows = [
        (
            alert.rule,
            alert.key,
            alert.level,
            alert.unit_id,
            alert.case_id,
            alert.case_step_id,
            alert.subject,
            detail_field.get_db_prep_save(alert.detail, connection),
            stamp,
            alert.status,
            connection.ops.adapt_datefield_value(alert.respond_by),
            "",
        )
        for alert in alerts
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
    keys = [alert.key for alert in alerts]
    ids: dict[str, int] = {}
    for start in range(0, len(keys), 900):
        ids.update(Alert.objects.filter(key__in=keys[start : start + 900]).values_list("key", "pk"))
    for alert in alerts:
        alert.pk = ids[alert.key]
    return alerts


def _unit_codes(ids: set[int]) -> dict[int, Unit]:
    return {unit.pk: unit for unit in Unit.objects.filter(pk__in=ids)}


def _risk_points(pairs: set[tuple[int | None, str]]) -> dict[tuple[int | None, str, str], str]:
    if not pairs:
        return {}
    definitions = {definition for definition, _ in pairs if definition}
    found: dict[tuple[int | None, str, str], str] = {}
    for definition, step, rule, point in (
        RiskPoint.objects.filter(definition_id__in=definitions)
        .exclude(rule="")
        .values_list("definition_id", "step", "rule", "point")
    ):
        found[(definition, step, rule)] = point
    return found


def evaluate_case(case_id: int) -> SweepResult:
    """The per-event run: the rules over one case, right after it moved (called after commit)."""
    if not Case.objects.filter(pk=case_id).exists():
        return SweepResult()
    return run_sweep(case_ids=[case_id])
