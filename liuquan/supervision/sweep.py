"""Running the rules: the periodic sweep (`liuquan supervise sweep`, every minute in production) and the
per-event run after a case moves. Both raise each finding once (alerts are keyed), cure the alerts of
rules that allow it, and move the high-water marks — in one action when anything changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases.models import MADE_GOOD, Breach, Case, CaseStatus, CaseStep, IngestedEvent
from liuquan.cases.watchers import Change
from liuquan.core import rows as core_rows
from liuquan.core.actions import ActRecorder, action
from liuquan.core.calendar import WorkCalendar
from liuquan.flows.models import RiskPoint
from liuquan.ledger import queries as ledger_queries
from liuquan.org import actions as org_actions
from liuquan.org.models import LEVEL_PREFIX_LENGTH, Oversight, Region, RegionLevel, Unit
from liuquan.supervision import rules
from liuquan.supervision.models import Alert, AlertLevel, AlertStatus, RuleSetting, SweepMark, alert_fields

ALERT_SLA_WORKING_DAYS = 5  # a 纪检/审计 person checks an alert within five working days
OPEN_STATUSES = (AlertStatus.OPEN, AlertStatus.CHECKING, AlertStatus.CHECKED)


@dataclass
class SweepResult:
    raised: dict[str, int] = field(default_factory=dict)  # rule → new alerts
    cured: int = 0
    seconds: float = 0.0
    # Marks whose row differs from the ledger (raised or lowered with database access alone): the sweep
    # read from the lower of the two, and says so.
    distrusted: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.raised.values())


@dataclass(frozen=True)
class Setting:
    """One scope's setting of one rule in force: the newest row for that rule and scope."""

    pk: int  # the RuleSetting row
    prefix: str  # the scope's region-code prefix; "" for the installation's default
    enabled: bool
    params: dict[str, Any]


def stored_settings() -> dict[str, list[Setting]]:
    """rule → the settings in force, one per scope, most specific first (as 纪检 set them). Plain SQL:
    every case step asks (for its warning share, and whether its per-event run is worth running)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    enabled_field, params_field = (
        RuleSetting._meta.get_field("enabled"),
        RuleSetting._meta.get_field("params"),
    )
    settings_table, region_table = quote(RuleSetting._meta.db_table), quote(Region._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, s.rule, s.enabled, s.params, r.code, r.level FROM {settings_table} s "  # noqa: S608
            f"LEFT JOIN {region_table} r ON r.id = s.region_id ORDER BY s.id"
        )
        found = cursor.fetchall()
    newest: dict[tuple[str, str], Setting] = {}
    for pk, rule, enabled, params, code, level in found:
        prefix = code[: LEVEL_PREFIX_LENGTH[RegionLevel(level)]] if code else ""
        newest[(rule, prefix)] = Setting(
            pk,
            prefix,
            bool(core_rows.convert(enabled_field, enabled, connection)),
            core_rows.convert(params_field, params, connection) or {},
        )
    by_rule: dict[str, list[Setting]] = {}
    for (rule, _prefix), setting in newest.items():
        by_rule.setdefault(rule, []).append(setting)
    for settings in by_rule.values():
        settings.sort(key=lambda setting: len(setting.prefix), reverse=True)
    return by_rule


def setting_in_force(stored: dict[str, list[Setting]], rule: str, region_code: str) -> Setting | None:
    """The setting of `rule` that holds for a unit in region `region_code` ("": the default): the most
    specific scope covering it; None when the rule runs with its defaults."""
    return next((setting for setting in stored.get(rule, ()) if region_code.startswith(setting.prefix)), None)


def setting_for(stored: dict[str, list[Setting]], rule: str, region_code: str) -> tuple[bool, dict[str, Any]]:
    """(enabled, stored parameters) of `rule` for a unit in region `region_code` ("": the default)."""
    setting = setting_in_force(stored, rule, region_code)
    return (setting.enabled, setting.params) if setting else (True, {})


def settings_in_force(region_code: str = "") -> tuple[list[str], dict[str, dict[str, object]]]:
    """Enabled rules and their parameters (stored settings over the rules' defaults) for a unit in
    region `region_code` ("": the installation's default)."""
    return _resolve(stored_settings(), region_code)


def _resolve(
    stored: dict[str, list[Setting]], region_code: str
) -> tuple[list[str], dict[str, dict[str, object]]]:
    enabled, params = [], {}
    for name, rule in rules.REGISTRY.items():
        on, own = setting_for(stored, name, region_code)
        if on:
            enabled.append(name)
        params[name] = {**rule.defaults, **own}
    return enabled, params


@dataclass(frozen=True)
class ScopeGroup:
    """Units that run under the same settings: the rules run once per group, over its units."""

    enabled: list[str]
    params: dict[str, dict[str, object]]
    unit_ids: frozenset[int] | None  # None: every unit (no setting narrower than the default)


def scope_groups() -> list[ScopeGroup]:
    stored = stored_settings()
    if all(setting.prefix == "" for settings in stored.values() for setting in settings):
        return [ScopeGroup(*_resolve(stored, ""), None)]
    groups: dict[str, tuple[list[str], dict[str, dict[str, object]], set[int]]] = {}
    for pk, code in Unit.objects.values_list("pk", "region__code"):
        enabled, params = _resolve(stored, code)
        key = json.dumps([enabled, params], sort_keys=True, default=str)
        groups.setdefault(key, (enabled, params, set()))[2].add(pk)
    return [ScopeGroup(enabled, params, frozenset(units)) for enabled, params, units in groups.values()]


def warn_share(unit_id: int) -> float:
    """time_yellow's share of a limit in the scope of the unit (纪检 may change it), for the clocks the case
    engine starts from then on."""
    stored = stored_settings()
    scoped = any(setting.prefix for setting in stored.get("time_yellow", ()))
    code = Unit.objects.values_list("region__code", flat=True).get(pk=unit_id) if scoped else ""
    _enabled, params = setting_for(stored, "time_yellow", code)
    return float(params.get("share", rules.REGISTRY["time_yellow"].defaults["share"]))


def worth_a_run(changes: list[Change]) -> list[int]:
    """The cases whose change may raise an alert under the per-event rules (late or after-hours
    completions, a return, a breach, a provisional due date); a change that cannot raise one is not
    run. Nothing is lost either way: the periodic sweep reads every step and breach since its marks."""
    params: list[dict[str, object]] | None = None
    wanted = []
    for change in changes:
        if change.breach or change.returned or change.provisional:
            wanted.append(change.case_id)
            continue
        if any(rules.completed_late(at, due) for at, due, _ in change.completed):
            wanted.append(change.case_id)
            continue
        decisions = [at for at, _, decides in change.completed if decides]
        if decisions:
            if params is None:  # whichever scope the case's unit is in: the run itself applies its own
                params = [group.params["after_hours_decision"] for group in scope_groups()]
            calendar = calendar_queries.work_calendar()
            if any(rules.after_hours(at, own, calendar) for at in decisions for own in params):
                wanted.append(change.case_id)
    return wanted


def run_sweep(
    *, today: date | None = None, now: datetime | None = None, case_ids: list[int] | None = None
) -> SweepResult:
    """Run every enabled rule over what is new (or over `case_ids` only); raise, cure, move the marks.

    The rules read first; the alerts are then written in one action (re-checked against the keys
    inside it, so two sweeps racing still raise each alert once), and the marks move forward."""
    started = time.perf_counter()
    now = (now or timezone.now()).astimezone(UTC)  # ledgered as the database gives it back
    today = today or timezone.localtime(now).date()
    groups = scope_groups()
    result = SweepResult()
    # A per-event run reads its cases whole; only the periodic sweep reads from the marks and moves them.
    marks: dict[str, int] = {}
    moves: dict[str, int] = {}
    if case_ids is None:
        marks = _in_force(_marks(), result.distrusted)
        moves = _read_to(now)
    calendar = calendar_queries.work_calendar()
    findings: list[rules.Finding] = []
    cures: list[Alert] = []
    for group in groups:  # one run per set of settings in force, each over its own units
        ctx = rules.Context(
            today=today,
            now=now,
            calendar=calendar,
            params=group.params,
            marks={name: marks[name] for name in ("step", "breach") if name in marks},
            since_time=_as_time(marks["completed"]) if marks.get("completed") else None,
            case_ids=case_ids,
        )
        units = group.unit_ids
        findings += [
            finding
            for finding in rules.all_findings(ctx, group.enabled)
            if units is None or finding.unit_id in units
        ]
        if case_ids is None:
            cures += [alert for alert in _cures(group.enabled) if units is None or alert.unit_id in units]
    # A few findings (a per-event run sees the same ones again and again) are checked against the
    # stored keys first; a sweep's many new ones go straight to INSERT … ON CONFLICT DO NOTHING.
    candidates = _new(findings) if len(findings) <= PRECHECK else _unique(findings)
    wrote = False
    if candidates or cures:
        try:
            with action("supervision.sweep", actor=org_actions.system_person()) as act:
                _lock_marks()
                _write(act, candidates, cures, today=today, now=now, calendar=calendar, result=result)
                if case_ids is None:
                    _move_marks(act, moves)
                wrote = True
        except _NothingNew:
            result.raised.clear()
    if not wrote and case_ids is None:
        try:
            with action("supervision.sweep_marks", actor=org_actions.system_person()) as act:
                _lock_marks()
                if not _move_marks(act, moves):
                    raise _NothingNew
        except _NothingNew:
            pass
    result.seconds = time.perf_counter() - started
    return result


MARKS = ("step", "breach", "completed")
PRECHECK = 200


def _read_to(now: datetime) -> dict[str, int]:
    """How far this sweep reads: the newest step and breach ids, and the latest completion time seen (never
    past now: a step dated in the future must not hide the ones completed before it). Not now itself:
    a quiet minute moves no mark, and records nothing."""
    top = CaseStep.objects.aggregate(step=Max("pk"), completed=Max("completed_at"))
    completed = min(top["completed"], now) if top["completed"] is not None else None
    return {
        "step": top["step"] or 0,
        "breach": Breach.objects.aggregate(top=Max("pk"))["top"] or 0,
        "completed": int(completed.timestamp() * 1_000_000) if completed else 0,
    }


def marks_in_force(distrusted: list[str] | None = None) -> dict[str, int]:
    """Each high-water mark as the sweep may read from it: as stored, unless the row differs from the
    mark's latest sealed entry on the ledger; then the lower of the two (reading again costs a little,
    since alerts are keyed; skipping what lies under a raised mark would be an alert that never fires).
    Each such mark is described in `distrusted`."""
    return _in_force(_marks(), distrusted)


Marks = dict[str, tuple[SweepMark | None, int, int | None]]


def _in_force(read: Marks, distrusted: list[str] | None = None) -> dict[str, int]:
    marks: dict[str, int] = {}
    for name, (_, stored, ledgered) in read.items():
        marks[name] = stored if ledgered is None else min(stored, ledgered)
        if ledgered is not None and stored != ledgered and distrusted is not None:
            distrusted.append(
                f"水位标记 {name} 在数据库中为 {stored}，账本记录为 {ledgered}：本次从 {marks[name]} 读起"
            )
    return marks


def _marks() -> Marks:
    """name → (row, its value, its value on the ledger: None when the two need not agree, i.e. a row the
    migration created that has never moved)."""
    rows = {row.name: row for row in SweepMark.objects.filter(name__in=MARKS)}
    recorded = ledger_queries.recorded_states(SweepMark._meta.label, [str(row.pk) for row in rows.values()])
    marks: Marks = {}
    for name in MARKS:
        row = rows.get(name)
        if row is None:
            marks[name] = (None, 0, None)
            continue
        state = recorded.get(str(row.pk))
        ledgered = None if state is None and row.ledger_initial() else _mark_value(state)
        marks[name] = (row, row.value, ledgered)
    return marks


def _mark_value(state: dict[str, Any] | None) -> int:
    """A mark's value as its leaf records it; anything unreadable counts as nothing read."""
    value = (state or {}).get("value")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _NothingNew(Exception):
    """Every finding was already an alert (raised meanwhile): the sweep's action writes nothing."""


def _unique(findings: list[rules.Finding]) -> list[rules.Finding]:
    return list({finding.key: finding for finding in findings}.values())


def _as_time(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC)


def _lock_marks() -> None:
    """Create the marks once, then lock them: sweeps never move them concurrently."""
    for name in MARKS:
        SweepMark.objects.get_or_create(name=name)
    list(SweepMark.objects.select_for_update().filter(name__in=MARKS))


def _move_marks(act: ActRecorder, moves: dict[str, int]) -> bool:
    """Move the marks (locked) to what this sweep read, recording each that moves: only forward from
    where it may be read from (a concurrent sweep may have moved it further; a row raised outside the
    actions is brought back)."""
    read = _marks()
    in_force = _in_force(read)
    moved = False
    for name, (row, stored, ledgered) in read.items():
        target = max(in_force[name], moves[name])
        if row is None or (stored == target and ledgered in (None, target)):
            continue
        row.value = target
        row.save(update_fields=["value"])
        act.record(row)
        moved = True
    return moved


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
        # Only alerts whose step has been completed or whose case is done can be cured: ask for those.
        candidates = Alert.objects.filter(rule="time_yellow", status__in=OPEN_STATUSES).filter(
            Q(case_step__completed_at__isnull=False) | Q(case_step__isnull=True, case__status=CaseStatus.DONE)
        )
        for alert in candidates.select_related("case_step", "case"):
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
    if "skipped_step" in enabled:
        # A step reported skipped that the other system did after all (a swap seen in two halves): the
        # order breach that replaced it has its own alert; the skip's ends.
        open_skips = list(Alert.objects.filter(rule="skipped_step", status__in=OPEN_STATUSES))
        breach_ids = {alert.detail.get("breach") for alert in open_skips}
        made_good = set(
            Breach.objects.filter(pk__in=[pk for pk in breach_ids if pk], kind=MADE_GOOD).values_list(
                "pk", flat=True
            )
        )
        cured += [alert for alert in open_skips if alert.detail.get("breach") in made_good]
    if "ingest_gap" in enabled:
        # The gap was filled (the waiting events applied): the alert ends by itself.
        gaps = list(Alert.objects.filter(rule="ingest_gap", status__in=OPEN_STATUSES))
        waiting = set(
            IngestedEvent.objects.filter(
                applied=False,
                source_id__in={alert.detail.get("source") for alert in gaps},
                case_id__in={alert.detail.get("source_case") for alert in gaps},
            ).values_list("source_id", "case_id")
        )
        cured += [
            alert
            for alert in gaps
            if (alert.detail.get("source"), alert.detail.get("source_case")) not in waiting
        ]
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
    """Insert the new alerts and record them (from their values: no model instances for thousands of
    rows), and end the cured ones."""
    respond_by = calendar.due_date(today, ALERT_SLA_WORKING_DAYS).due
    risk = _risk_points({(f.definition_id, f.step) for f in fresh if f.definition_id and f.step})
    rows = []
    for finding in fresh:
        detail = dict(finding.detail)
        point = risk.get((finding.definition_id, finding.step, finding.rule))
        if point:
            detail["risk_point"] = point
        rows.append((finding, detail))
    made = _insert(rows, now=now, respond_by=respond_by)
    if not made and not cures:
        raise _NothingNew
    codes = dict(Unit.objects.filter(pk__in={f.unit_id for f, _ in rows}).values_list("pk", "code"))
    for (finding, detail), pk in ((row, made[row[0].key]) for row in rows if row[0].key in made):
        act.record_fields(
            "supervision.Alert",
            pk,
            alert_fields(
                rule=finding.rule,
                key=finding.key,
                level=finding.level,
                unit_code=codes[finding.unit_id],
                case_id=finding.case_id,
                case_step_id=finding.case_step_id,
                subject=finding.subject[:300],
                detail=detail,
                raised_at=now,
                status=AlertStatus.OPEN,
                respond_by=_respond_by(finding, respond_by),
                ended_at=None,
                assignee_id=None,
                outcome="",
            ),
        )
        result.raised[finding.rule] = result.raised.get(finding.rule, 0) + 1
    for alert in cures:
        alert.status = AlertStatus.CURED
        alert.ended_at = now
        alert.outcome = "原因已消除，自动解除"
        alert.save(update_fields=["status", "ended_at", "outcome"])
        act.record(alert)
    result.cured = len(cures)


def _respond_by(finding: rules.Finding, respond_by: date) -> date | None:
    """A card is checked by 纪检 within the handling limit; a notice is the data steward's, with none."""
    return None if finding.level == AlertLevel.NOTICE else respond_by


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


def _insert(
    rows: list[tuple[rules.Finding, dict[str, object]]], *, now: datetime, respond_by: date
) -> dict[str, int]:
    """Insert alerts in one statement per batch, skipping keys that exist (ON CONFLICT DO NOTHING, on
    SQLite and PostgreSQL alike); returns key → id of the rows this call inserted, found by their
    `raised_at` (this sweep's own instant; sweeps are serialised by the marks' lock). Plain SQL: the
    ORM would spend most of a sweep's second building insert statements for ten thousand late steps."""
    if not rows:
        return {}
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(Alert._meta.db_table)
    columns = ", ".join(quote(column) for column in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    stamp = connection.ops.adapt_datetimefield_value(now)
    due = connection.ops.adapt_datefield_value(respond_by)
    values = [
        (
            finding.rule,
            finding.key,
            finding.level,
            finding.unit_id,
            finding.case_id,
            finding.case_step_id,
            finding.subject[:300],
            json.dumps(detail, ensure_ascii=False),
            stamp,
            AlertStatus.OPEN.value,
            None if _respond_by(finding, respond_by) is None else due,
            "",
        )
        for finding, detail in rows
    ]
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({quote('key')}) DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return dict(Alert.objects.filter(raised_at=now).values_list("key", "pk"))


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
