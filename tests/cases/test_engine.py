"""The case engine's pure rules: what one completion of a step may do (StepTable.judge) and the clocks.

No database: the flows are the licensing and penalty templates, the calendar is the package's.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from liuquan.cases import engine
from liuquan.cases.engine import CaseView, Move, Refusal, Refused, StepTable
from liuquan.core.calendar import WorkCalendar
from liuquan.flows import templates
from liuquan.flows.spec import END, DayKind, Limit, Transition, TransitionKind

CALENDAR = WorkCalendar.with_package_years()
LICENSING = StepTable(templates.template_for("licensing"))
PENALTY = StepTable(templates.template_for("penalty"))


def at(current: str, *, corrections: int = 0, resubmitted: bool = False, awaiting: bool = False, **done):
    """A case at `current`; `done` maps a step key to the people who completed it."""
    return CaseView(
        current=current,
        done_by={key: frozenset(people) for key, people in done.items()},
        corrections=corrections,
        resubmitted_since_correction=resubmitted,
        awaiting_correction=awaiting,
    )


def refusal(verdict: Move | Refused) -> Refusal:
    assert isinstance(verdict, Refused), verdict
    return verdict.reason


# judge -------------------------------------------------------------------------------------------


def test_the_current_step_with_one_of_its_outcomes_moves_the_case_on():
    verdict = LICENSING.judge(at("accept"), step="accept", outcome="pass", person="1")

    assert verdict == Move("accept", "pass", "review", TransitionKind.NEXT, "受理")
    assert isinstance(verdict, Move) and not verdict.ends


def test_the_last_step_ends_the_case():
    verdict = LICENSING.judge(at("deliver"), step="deliver", outcome="done", person="1")

    assert isinstance(verdict, Move) and verdict.ends and verdict.target == END


def test_a_step_that_is_not_the_current_one_is_refused():
    verdict = LICENSING.judge(at("accept"), step="decide", outcome="grant", person="1")

    assert refusal(verdict) is Refusal.ILLEGAL_TRANSITION
    assert isinstance(verdict, Refused) and "受理" in verdict.message and "决定" in verdict.message


def test_an_unknown_step_is_refused():
    assert refusal(LICENSING.judge(at("accept"), step="nope", outcome="pass", person="1")) is (
        Refusal.ILLEGAL_TRANSITION
    )


def test_an_outcome_the_step_does_not_have_is_refused_naming_the_ones_it_has():
    verdict = LICENSING.judge(at("review"), step="review", outcome="grant", person="1")

    assert refusal(verdict) is Refusal.ILLEGAL_TRANSITION
    assert isinstance(verdict, Refused)
    for outcome in ("pass", "hearing", "extend"):
        assert outcome in verdict.message


def test_an_ended_case_refuses_every_completion():
    ended = CaseView(current="", done_by={}, corrections=0, resubmitted_since_correction=False, closed=True)

    assert refusal(LICENSING.judge(ended, step="accept", outcome="pass", person="1")) is Refusal.CLOSED


def test_licensing_the_person_who_accepted_may_not_decide():
    case = at("decide", accept={"7"}, review={"8"})

    assert refusal(LICENSING.judge(case, step="decide", outcome="grant", person="7")) is Refusal.SEPARATION
    assert refusal(LICENSING.judge(case, step="decide", outcome="grant", person="8")) is Refusal.SEPARATION
    assert isinstance(LICENSING.judge(case, step="decide", outcome="grant", person="9"), Move)


def test_penalty_the_investigator_may_not_decide():
    case = at("decide", file_case={"7"}, investigate={"7"}, review={"8"}, legal_review={"9"})

    verdict = PENALTY.judge(case, step="decide", outcome="penalize", person="7")

    assert refusal(verdict) is Refusal.SEPARATION
    assert isinstance(verdict, Refused) and "调查取证" in verdict.message
    # 立案 is not in a separation group: the one who filed the case may decide if someone else investigated.
    other = at("decide", file_case={"7"}, investigate={"8"}, review={"9"}, legal_review={"10"})
    assert isinstance(PENALTY.judge(other, step="decide", outcome="penalize", person="7"), Move)


@given(data=st.data())
def test_no_one_does_two_steps_of_a_separation_group(data):
    table = data.draw(st.sampled_from([LICENSING, PENALTY]))
    group = data.draw(st.sampled_from(table.flow.separation))
    earlier, later = data.draw(st.permutations(group.steps).map(lambda steps: steps[:2]))
    outcome = data.draw(st.sampled_from([move.outcome for move in table.outcomes(later)]))
    case = at(later, **{earlier: {"42"}})  # type: ignore[arg-type]

    assert refusal(table.judge(case, step=later, outcome=outcome, person="42")) is Refusal.SEPARATION
    stranger = table.judge(case, step=later, outcome=outcome, person="43")
    assert not (isinstance(stranger, Refused) and stranger.reason is Refusal.SEPARATION)


def test_a_first_correction_is_allowed():
    verdict = LICENSING.judge(at("accept"), step="accept", outcome="correct", person="1")

    assert isinstance(verdict, Move) and verdict.kind is TransitionKind.CORRECTION
    assert verdict.target == "accept"


def test_a_second_correction_without_a_new_submission_is_refused():
    case = at("accept", corrections=1, resubmitted=False)

    assert refusal(LICENSING.judge(case, step="accept", outcome="correct", person="1")) is (
        Refusal.REPEATED_CORRECTION
    )


def test_a_second_correction_after_a_new_submission_is_allowed():
    case = at("accept", corrections=1, resubmitted=True)

    verdict = LICENSING.judge(case, step="accept", outcome="correct", person="1")

    assert isinstance(verdict, Move) and verdict.kind is TransitionKind.CORRECTION


def test_while_the_applicant_has_not_answered_a_correction_only_a_repeated_request_is_possible_and_refused():
    waiting = at("accept", corrections=1, awaiting=True)

    assert refusal(LICENSING.judge(waiting, step="accept", outcome="correct", person="1")) is (
        Refusal.REPEATED_CORRECTION
    )
    assert refusal(LICENSING.judge(waiting, step="accept", outcome="pass", person="1")) is (
        Refusal.ILLEGAL_TRANSITION
    )


def test_an_extension_request_goes_to_the_heads_approval_step():
    verdict = LICENSING.judge(at("review"), step="review", outcome="extend", person="1")

    assert isinstance(verdict, Move) and verdict.kind is TransitionKind.EXTEND and verdict.target == "extend"
    assert LICENSING.is_extension_approval("extend") and not LICENSING.is_extension_approval("review")


def test_an_extension_taking_effect_at_once_needs_the_heads_approval():
    flow = templates.template_for("licensing")
    at_once = StepTable(
        replace(
            flow,
            transitions=(
                *flow.transitions,
                Transition("review", "extend_now", "review", TransitionKind.EXTEND),
            ),
        )
    )

    assert refusal(at_once.judge(at("review"), step="review", outcome="extend_now", person="1")) is (
        Refusal.UNAPPROVED_EXTENSION
    )
    verdict = at_once.judge(at("review"), step="review", outcome="extend_now", person="1", approved=True)
    assert isinstance(verdict, Move) and verdict.kind is TransitionKind.EXTEND


def test_the_step_table_knows_the_separation_partners():
    assert LICENSING.partners["decide"] == {"accept", "review"}
    assert LICENSING.partners["hearing"] == {"review"}
    assert LICENSING.partners["deliver"] == frozenset()
    assert PENALTY.partners["investigate"] == {"decide", "execute", "hearing", "legal_review"}


# Clocks ------------------------------------------------------------------------------------------

# Days the package has a schedule for, leaving room for the longest limit within 2026.
starts = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 6, 30))
limits = st.builds(Limit, st.integers(min_value=1, max_value=90), st.sampled_from(list(DayKind)))


def last_working_day_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not CALENDAR.is_workday(day).is_workday:
        day -= dt.timedelta(days=1)
    return day


@given(start=starts, limit=limits)
def test_the_due_date_is_the_calendars(start, limit):
    clock = engine.clock(CALENDAR, start, limit)

    assert clock.due == CALENDAR.due_date(start, limit.days, natural=limit.kind is DayKind.NATURAL).due
    assert not clock.provisional


@given(start=starts, limit=limits)
def test_the_warning_is_the_earlier_of_80_percent_and_one_working_day_before(start, limit):
    natural = limit.kind is DayKind.NATURAL
    clock = engine.clock(CALENDAR, start, limit)

    share = CALENDAR.due_date(start, math.ceil(limit.days * 0.8), natural=natural).due
    day_before = max(start, last_working_day_before(clock.due))
    assert clock.warn == min(share, day_before)
    assert start <= clock.warn <= clock.due
    assert clock.warn < clock.due or clock.warn == start  # a warning before the day itself when there is room


def test_warning_examples():
    # 20 working days from Monday 2026-09-28, across 国庆 (10-01 … 10-07 off, Saturday 10-10 worked).
    clock = engine.clock(CALENDAR, dt.date(2026, 9, 28), Limit(20))
    assert (clock.due, clock.warn) == (dt.date(2026, 10, 30), dt.date(2026, 10, 26))  # the 16th working day
    # A short limit: one working day before wins over 80%.
    clock = engine.clock(CALENDAR, dt.date(2026, 11, 2), Limit(2))
    assert (clock.due, clock.warn) == (dt.date(2026, 11, 4), dt.date(2026, 11, 3))
    # 7 natural days from Monday 2026-11-02 end on Monday 11-09; 80% (6 days) is Sunday 11-08, which would
    # only be counted from Monday: the working day before, Friday 11-06, warns in time.
    clock = engine.clock(CALENDAR, dt.date(2026, 11, 2), Limit(7, DayKind.NATURAL))
    assert (clock.due, clock.warn) == (dt.date(2026, 11, 9), dt.date(2026, 11, 6))


def test_a_year_without_a_schedule_makes_the_clock_provisional():
    clock = engine.clock(CALENDAR, dt.date(2026, 12, 20), Limit(20))

    assert clock.due.year == 2027 and clock.provisional and clock.provisional_years == (2027,)


@given(start=starts, limit=limits, offset=st.integers(min_value=0, max_value=200))
def test_remaining_then_clock_round_trips_a_pause(start, limit, offset):
    clock = engine.clock(CALENDAR, start, limit)
    paused_on = min(start + dt.timedelta(days=offset), clock.due)

    left = engine.remaining(CALENDAR, paused_on, clock.due, limit.kind)

    assert engine.clock(CALENDAR, paused_on, Limit(left, limit.kind)).due == clock.due


@given(
    start=starts,
    limit=limits,
    offset=st.integers(min_value=0, max_value=200),
    pause=st.integers(min_value=0, max_value=60),
)
def test_a_resumed_clock_runs_on_by_the_days_it_had_left(start, limit, offset, pause):
    clock = engine.clock(CALENDAR, start, limit)
    paused_on = start + dt.timedelta(days=offset)
    today = paused_on + dt.timedelta(days=pause)

    resumed = engine.resume(CALENDAR, clock, paused_on=paused_on, today=today, kind=limit.kind)

    if pause == 0:
        assert (resumed.due, resumed.warn) == (clock.due, clock.warn)
    natural = limit.kind is DayKind.NATURAL
    for before, after in ((clock.due, resumed.due), (clock.warn, resumed.warn)):
        if before < paused_on:  # already passed when the clock stopped: stays passed
            assert after == before
        else:
            left = engine.remaining(CALENDAR, paused_on, before, limit.kind)
            assert after == CALENDAR.due_date(today, left, natural=natural).due
    assert resumed.warn <= resumed.due


def test_a_clock_overdue_when_paused_stays_overdue():
    clock = engine.clock(CALENDAR, dt.date(2026, 11, 2), Limit(5))  # due 11-09

    resumed = engine.resume(
        CALENDAR, clock, paused_on=dt.date(2026, 11, 12), today=dt.date(2026, 11, 19), kind=DayKind.WORKING
    )

    assert resumed.due == dt.date(2026, 11, 9)


def test_the_case_clock_starts_at_acceptance_or_filing():
    assert engine.starts_case_clock(LICENSING.step("accept"))
    assert engine.starts_case_clock(PENALTY.step("file_case"))
    assert not any(engine.starts_case_clock(LICENSING.step(key)) for key in ("review", "decide", "deliver"))
