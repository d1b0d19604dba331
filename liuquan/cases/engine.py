"""The case engine's rules (pure; no Django): a flow compiled into a step table, and what one completion
of a step does to a case — or why it is refused.

A case is at one step at a time, or at several when a parallel gateway split it into branches (its
tokens: liuquan.flows.tokens). Completing an open step with an outcome follows the flow's transition for
(step, outcome): on to another step, into a gateway, or to the end. A transition with a timer (a WAIT
step's `after`) is taken by the timer alone. The engine refuses an outcome the step does not
have, a step that is not the current one, a person who already did another step of the same
separation group in this case (分岗设权), and a second 补正 unless the applicant's new submission
caused it (行政许可法 art. 32: all missing materials are named at once).

The clock: a case's limit runs in working (or natural) days from the moment the case is accepted; a 补正
pauses it until the applicant answers, a step that suspends the clock (听证, 检测, 专家评审; art. 45)
does not count, and an approved 延期 adds the flow's extension (art. 42). Steps have their own limits
from the moment they start. Due and warning dates are computed once, when a clock starts or changes,
so supervision reads them with an indexed range query instead of recomputing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from liuquan.core.calendar import DueDate, WorkCalendar
from liuquan.flows import tokens
from liuquan.flows.rules import LEGAL_MAXIMA
from liuquan.flows.spec import END, DayKind, Flow, Limit, Step, StepKind, TransitionKind

WARN_SHARE = 0.8  # yellow at 80% of a limit, or one working day before it, whichever comes first


class Refusal(StrEnum):
    ILLEGAL_TRANSITION = "illegal_transition"  # not the current step, or an outcome it does not have
    SEPARATION = "separation_of_duties"  # the same person on two steps that must be separated
    REPEATED_CORRECTION = "repeated_correction"  # a second 补正 not caused by a new submission
    CLOSED = "case_closed"  # the case has ended
    UNAPPROVED_EXTENSION = "unapproved_extension"  # 延期 without the head's approval
    NOT_AUTHORISED = "not_authorised"  # a step taken by someone who does not hold its post (越权)


@dataclass(frozen=True)
class Move:
    """Where one completion leads: the next step (or END), and what happens to the clock."""

    step: str
    outcome: str
    target: str  # a step key or END
    kind: TransitionKind
    label: str
    index: int = field(
        default=-1, compare=False
    )  # the transition's position in the flow (what liuquan.flows.tokens takes)
    after: Limit | None = None  # a timer: taken only when the step's wait has run out

    @property
    def ends(self) -> bool:
        return self.target == END


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    message: str  # Chinese, for people
    message_en: str


@dataclass(frozen=True)
class CaseView:
    """What the engine needs to know about a case to judge a completion."""

    current: (
        str  # the case's tokens as stored: its open step keys, and branches waiting at a join ("" once ended)
    )
    done_by: Mapping[str, frozenset[str]]  # step key → who has completed it in this case (person ids)
    corrections: int  # 补正 requests so far
    resubmitted_since_correction: bool  # the applicant submitted new material since the last 补正
    closed: bool = False
    awaiting_correction: bool = False  # a 补正 notice is out and the applicant has not answered it yet


class StepTable:
    """A flow compiled for the engine: steps by key, transitions by (step, outcome), separation partners."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.steps: dict[str, Step] = {step.key: step for step in flow.steps}
        self.moves: dict[tuple[str, str], Move] = {
            (row.source, row.outcome): Move(
                row.source, row.outcome, row.target, row.kind, row.label, index, row.after
            )
            for index, row in enumerate(flow.transitions)
        }
        partners: dict[str, set[str]] = {key: set() for key in self.steps}
        for group in flow.separation:
            for key in group.steps:
                partners.setdefault(key, set()).update(other for other in group.steps if other != key)
        self.partners = {key: frozenset(others) for key, others in partners.items()}
        self.start = flow.start

    def outcomes(self, step: str) -> list[Move]:
        return [move for (source, _), move in self.moves.items() if source == step]

    def timers(self, step: str) -> list[Move]:
        """The step's timer transitions, soonest first."""
        found = [move for move in self.outcomes(step) if move.after is not None]
        return sorted(found, key=lambda move: (move.after.days if move.after else 0, move.index))

    def step(self, key: str) -> Step:
        return self.steps[key]

    def is_extension_approval(self, key: str) -> bool:
        """A step that EXTEND transitions lead to from elsewhere: completing it onward grants the 延期."""
        return any(
            move.kind is TransitionKind.EXTEND and move.target == key and move.step != key
            for move in self.moves.values()
        )

    def judge(
        self,
        case: CaseView,
        *,
        step: str,
        outcome: str,
        person: str,
        approved: bool = False,
        by_timer: bool = False,
    ) -> Move | Refused:
        """The move a completion makes, or why it is refused."""
        name = self.steps[step].name if step in self.steps else step
        if case.closed or not case.current:
            return Refused(Refusal.CLOSED, "办件已办结或已终止，不能再办理", "The case has ended")
        open_steps = tokens.steps_of(tokens.parse(case.current))
        if step not in open_steps:
            current = "、".join(self.steps[key].name if key in self.steps else key for key in open_steps)
            return Refused(
                Refusal.ILLEGAL_TRANSITION,
                f"办件当前在「{current or '等待并行分支汇合'}」环节，不能办理「{name}」",
                f"The case is at {' '.join(open_steps) or 'a join'}, not {step}",
            )
        move = self.moves.get((step, outcome))
        if move is not None and move.after is not None and not by_timer:
            return Refused(
                Refusal.ILLEGAL_TRANSITION,
                f"「{name}」的“{move.label or move.outcome}”在等待期满后自动流转，不能手工办理",
                f"Outcome {outcome} of {step} is taken by its timer",
            )
        if move is None:
            allowed = "、".join(
                f"{m.outcome}（{m.label}）" if m.label else m.outcome for m in self.outcomes(step)
            )
            return Refused(
                Refusal.ILLEGAL_TRANSITION,
                f"「{name}」环节没有“{outcome}”这一办理结果；可选：{allowed}",
                f"Step {step} has no outcome {outcome}",
            )
        if case.awaiting_correction and move.kind is not TransitionKind.CORRECTION:
            return Refused(
                Refusal.ILLEGAL_TRANSITION,
                f"「{name}」正在等待申请人补正，补正后才能继续办理",
                f"Step {step} waits for the applicant's correction",
            )
        for other in sorted(self.partners.get(step, frozenset())):
            if person in case.done_by.get(other, frozenset()):
                other_name = self.steps[other].name if other in self.steps else other
                return Refused(
                    Refusal.SEPARATION,
                    f"分岗设权：同一人不能既办理「{other_name}」又办理「{name}」",
                    f"Separation of duties: the person who did {other} may not do {step}",
                )
        if move.kind is TransitionKind.CORRECTION and (
            case.awaiting_correction or (case.corrections >= 1 and not case.resubmitted_since_correction)
        ):
            return Refused(
                Refusal.REPEATED_CORRECTION,
                "行政许可法第三十二条：需补正的全部内容应一次告知；申请人未提交新材料，不能再次要求补正",
                "A second correction request is allowed only after a new submission (art. 32)",
            )
        # A 延期 that goes to an approval step (延期审批, the head's) is only a request: the approval is
        # that step's completion. One that stays at the step takes effect at once and needs the head.
        if move.kind is TransitionKind.EXTEND and move.target == move.step and not approved:
            return Refused(
                Refusal.UNAPPROVED_EXTENSION,
                "延长办理期限须经本单位负责人批准（行政许可法第四十二条）",
                "An extension needs the head's approval (art. 42)",
            )
        return move


# Clocks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A running limit: its due date and the date its yellow warning starts."""

    due: date
    warn: date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def clock(calendar: WorkCalendar, start: date, limit: Limit, *, share: float = WARN_SHARE) -> Clock:
    """The due and warning dates of `limit` counted from `start` (the start day not counted)."""
    natural = limit.kind is DayKind.NATURAL
    due: DueDate = calendar.due_date(start, limit.days, natural=natural)
    share_days = math.ceil(limit.days * share)
    warn_share = calendar.due_date(start, share_days, natural=natural)
    warn = min(warn_share.due, _working_day_before(calendar, due.due, start))
    years = tuple(sorted(set(due.provisional_years) | set(warn_share.provisional_years)))
    return Clock(due=due.due, warn=warn, provisional_years=years)


def _working_day_before(calendar: WorkCalendar, day: date, start: date) -> date:
    """The last working day before `day`, but not before `start`. (For a natural-day limit, "the day
    before" moved on to a working day would often be the due day itself: no warning at all.)"""
    previous = day - timedelta(days=1)
    while previous > start and not calendar.is_workday(previous).is_workday:
        previous -= timedelta(days=1)
    return max(previous, start)


def remaining(calendar: WorkCalendar, now: date, due: date, kind: DayKind) -> int:
    """Days left on a clock paused at `now` (so it can run on from where it stopped)."""
    if kind is DayKind.NATURAL:
        return max(0, (due - now).days)
    return max(0, calendar.working_days_between(now, due).days)


def resume(calendar: WorkCalendar, paused: Clock, *, paused_on: date, today: date, kind: DayKind) -> Clock:
    """A clock stopped on `paused_on` running again from `today`: a date still ahead at the pause (due,
    warning) is as many days ahead of `today`; a date already passed stays where it was, so a case
    overdue before a pause is still overdue after it."""
    natural = kind is DayKind.NATURAL
    years = set(paused.provisional_years)

    def moved(day: date) -> date:
        if day < paused_on:
            return day
        again = calendar.due_date(today, remaining(calendar, paused_on, day, kind), natural=natural)
        years.update(again.provisional_years)
        return again.due

    due = moved(paused.due)
    warn = min(moved(paused.warn), due)
    return Clock(due=due, warn=warn, provisional_years=tuple(sorted(years)))


def case_limit_clock(
    calendar: WorkCalendar, start: date, limit: Limit, *, extended: Limit | None = None
) -> Clock:
    total = Limit(limit.days + (extended.days if extended else 0), limit.kind)
    return clock(calendar, start, total)


def case_limit_of(flow: Flow) -> Limit | None:
    """The limit a case of `flow` runs on: the flow's own, else the statute's for its category. Flows
    published before a case limit was required (行政许可法 art. 42, 行政处罚法 art. 60) still give their
    cases a due date, so none of them is left unwatched."""
    if flow.case_limit is not None:
        return flow.case_limit
    statute = LEGAL_MAXIMA.get(flow.category)
    return statute.case if statute is not None else None


def first_step(flow: Flow) -> Step:
    return flow.steps[0]


def starts_case_clock(step: Step) -> bool:
    """The case clock starts once this step is done: 受理 for an application, 立案 for a penalty."""
    return step.kind in {StepKind.ACCEPT, StepKind.FILE_CASE}


def accept_step(steps: Sequence[Step]) -> Step | None:
    return next((step for step in steps if step.kind is StepKind.ACCEPT), None)
