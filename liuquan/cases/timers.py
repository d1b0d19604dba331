"""Timers of WAIT steps (等待): a transition with `after` (逾期未答复视为无异议, 公示期满 …) is taken by the
system once the step has waited that long, never by a person (cases.engine refuses it). Run by
`liuquan supervise sweep` (every minute in production) and `liuquan cases timers`."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases import engine
from liuquan.cases.actions import _apply, _open_step, _table, _view, change, load_locked, supervise_changes
from liuquan.cases.models import CaseStep
from liuquan.core.actions import action
from liuquan.core.calendar import WorkCalendar
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.spec import DayKind, Flow, Limit
from liuquan.org.actions import system_person


def _timed_steps() -> dict[int, tuple[Flow, frozenset[str]]]:
    """Published (or superseded) flow versions that have WAIT steps with timers: id → (flow, step keys)."""
    found: dict[int, tuple[Flow, frozenset[str]]] = {}
    for definition in ProcessDefinition.objects.exclude(status=FlowStatus.DRAFT).select_related("unit"):
        flow = definition.flow
        keys = frozenset(row.source for row in flow.transitions if row.after is not None)
        if keys:
            found[definition.pk] = (flow, keys)
    return found


def timer_due(calendar: WorkCalendar, started: date, after: Limit) -> date:
    """The last day of a timer's wait; it fires the day after (the start day not counted)."""
    return calendar.due_date(started, after.days, natural=after.kind is DayKind.NATURAL).due


def do_fire_timers(*, now: datetime | None = None) -> int:
    """Take every timer transition whose wait has run out (a WAIT step's `after`: 逾期未答复, 公示期满 …),
    each case in its own action with no actor, as the system. Run by `liuquan supervise sweep` (every
    minute in production) and `liuquan cases timers`; returns how many cases moved."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    timed = _timed_steps()
    if not timed:
        return 0
    calendar = calendar_queries.work_calendar()
    system = system_person()
    waiting = CaseStep.objects.filter(
        completed_at__isnull=True, case__definition_id__in=list(timed)
    ).values_list("case_id", "case__definition_id", "step", "started_at")
    moved = 0
    for case_id, definition_id, key, started in waiting:
        flow, keys = timed[definition_id]
        if key not in keys:
            continue
        move = engine.StepTable(flow).timers(key)[0]
        assert move.after is not None
        if today <= timer_due(calendar, timezone.localtime(started).date(), move.after):
            continue
        with action("cases.timer", actor=system) as act:
            locked = load_locked(case_id)
            row = _open_step(locked, key)
            if row is None or locked.closed:
                continue  # moved on since it was read
            verdict = _table(locked).judge(
                _view(locked, row), step=key, outcome=move.outcome, person="", by_timer=True
            )
            if isinstance(verdict, engine.Refused):
                continue
            _apply(act, locked, row, verdict, actor=None, comment="等待期满，自动流转", at=now)
        moved += 1
        supervise_changes([change(locked, [row])])
    return moved
