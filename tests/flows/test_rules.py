"""The flow validation rules: each check fails a bad flow and passes the fixed one."""

from __future__ import annotations

import datetime
import itertools
import math
from dataclasses import replace
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liuquan.flows.rules import (
    LEGAL_MAXIMA,
    LICENSING_JOINT_HANDLING,
    MAX_WORKING_RUN,
    LegalMax,
    Problem,
    assign_distinct,
    check_flow,
    errors,
    limit_exceeds,
)
from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Limit,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.flows.templates import template_for

W = DayKind.WORKING
N = DayKind.NATURAL


def codes(problems: list[Problem]) -> set[str]:
    return {problem.code for problem in problems}


def find(problems: list[Problem], code: str) -> Problem:
    (problem,) = [p for p in problems if p.code == code]
    return problem


def simple(**changes: Any) -> Flow:
    """A valid two-step flow of the category "other": 受理 → 决定 → end."""
    flow = Flow(
        name="测试流程",
        category="other",
        steps=(
            Step("accept", "受理", StepKind.ACCEPT, "受理岗"),
            Step("decide", "决定", StepKind.DECIDE, "审批岗"),
        ),
        transitions=(
            Transition("accept", "pass", "decide", label="受理"),
            Transition("decide", "pass", END, label="通过"),
        ),
        separation=(SeparationGroup("受理与决定分离", ("accept", "decide")),),
    )
    return replace(flow, **changes)


def with_step(flow: Flow, key: str, **changes: Any) -> Flow:
    return replace(flow, steps=tuple(replace(s, **changes) if s.key == key else s for s in flow.steps))


def without_steps(flow: Flow, *keys: str) -> Flow:
    """The flow with `keys` cut out: a transition into a removed step is redirected to where that step went
    on with its first outcome."""
    onward = {key: flow.outgoing(key)[0].target for key in keys}

    def follow(target: str) -> str:
        while target in onward:
            target = onward[target]
        return target

    return replace(
        flow,
        steps=tuple(s for s in flow.steps if s.key not in keys),
        transitions=tuple(
            replace(t, target=follow(t.target)) for t in flow.transitions if t.source not in keys
        ),
        separation=tuple(
            replace(g, steps=kept)
            for g in flow.separation
            if len(kept := tuple(k for k in g.steps if k not in keys)) >= 2
        ),
        risks=tuple(r for r in flow.risks if r.step not in keys),
    )


def without_group(flow: Flow, name: str) -> Flow:
    return replace(flow, separation=tuple(g for g in flow.separation if g.name != name))


def test_simple_flow_passes() -> None:
    assert check_flow(simple()) == []


# -- structure ---------------------------------------------------------------------------------------


def test_empty_flow() -> None:
    problems = check_flow(simple(steps=(), transitions=(), separation=()))
    assert [(p.code, p.step, p.severity) for p in problems] == [("empty_flow", "", "error")]


def test_duplicate_step_key() -> None:
    flow = simple(steps=(*simple().steps, Step("decide", "复核", StepKind.REVIEW, "审核岗")))
    assert find(check_flow(flow), "duplicate_step").step == "decide"
    assert "duplicate_step" not in codes(check_flow(simple()))


def test_reserved_step_key() -> None:
    flow = simple(
        steps=(*simple().steps, Step(END, "结束", StepKind.OTHER, "受理岗")),
        transitions=(*simple().transitions, Transition(END, "pass", END)),
    )
    assert "reserved_key" in codes(check_flow(flow))


def test_transition_from_unknown_step() -> None:
    flow = simple(transitions=(*simple().transitions, Transition("ghost", "pass", "decide")))
    assert find(check_flow(flow), "unknown_source").step == "ghost"


def test_transition_to_unknown_step() -> None:
    bad = simple(transitions=(Transition("accept", "pass", "review"), Transition("decide", "pass", END)))
    problem = find(check_flow(bad), "unknown_target")
    assert problem.step == "accept" and "review" in problem.message


def test_duplicate_outcome() -> None:
    flow = simple(transitions=(*simple().transitions, Transition("accept", "pass", END, label="办结")))
    assert find(check_flow(flow), "duplicate_outcome").step == "accept"


def test_dead_end() -> None:
    flow = simple(transitions=(Transition("accept", "pass", "decide"),))
    problem = find(check_flow(flow), "dead_end")
    assert problem.step == "decide"
    assert problem.message == "环节「决定」(decide) 没有后续流转"


def test_unreachable_step() -> None:
    orphan = Step("archive", "归档", StepKind.OTHER, "受理岗")
    flow = simple(
        steps=(*simple().steps, orphan),
        transitions=(*simple().transitions, Transition("archive", "pass", END)),
    )
    assert find(check_flow(flow), "unreachable").step == "archive"
    fixed = replace(flow, transitions=(*flow.transitions, Transition("decide", "archive", "archive")))
    assert check_flow(fixed) == []


def test_loop_without_exit() -> None:
    review = Step("review", "审核", StepKind.REVIEW, "审核岗")
    flow = simple(
        steps=(*simple().steps, review),
        transitions=(
            Transition("accept", "pass", "decide"),
            Transition("decide", "pass", "review"),
            Transition("review", "pass", "decide"),
        ),
    )
    assert {(p.code, p.step) for p in check_flow(flow)} == {
        ("no_exit", "accept"),
        ("no_exit", "decide"),
        ("no_exit", "review"),
    }
    fixed = replace(flow, transitions=(*flow.transitions, Transition("review", "done", END)))
    assert check_flow(fixed) == []


def test_step_without_post() -> None:
    problems = check_flow(with_step(simple(), "decide", post=""))
    problem = find(problems, "no_post")
    assert problem.message == "环节「决定」(decide) 没有指定岗位"
    assert problem.message_en == "step “决定” (decide) has no post"


def test_post_with_nobody() -> None:
    staff = {"受理岗": frozenset({"a"}), "审批岗": frozenset()}
    assert find(check_flow(simple(), staff=staff), "empty_post").step == "decide"
    assert check_flow(simple(), staff={**staff, "审批岗": frozenset({"b"})}) == []


# -- separation -----------------------------------------------------------------------------------------


def test_separation_group_naming_unknown_step() -> None:
    flow = simple(separation=(SeparationGroup("受理与决定分离", ("accept", "decide", "approve")),))
    assert find(check_flow(flow), "separation_unknown_step").step == "approve"


def test_separation_group_with_one_step_warns() -> None:
    flow = simple(separation=(*simple().separation, SeparationGroup("无效", ("decide", "decide"))))
    problem = find(check_flow(flow), "separation_too_small")
    assert problem.severity == "warning" and errors([problem]) == []


def test_separation_unstaffable_when_one_person_holds_both_posts() -> None:
    one = {"受理岗": frozenset({"a"}), "审批岗": frozenset({"a"})}
    problem = find(check_flow(simple(), staff=one), "separation_unstaffable")
    assert problem.step == "decide" and "受理与决定分离" in problem.message
    assert check_flow(simple(), staff={**one, "审批岗": frozenset({"a", "b"})}) == []


def test_separation_on_one_post_needs_as_many_holders_as_steps() -> None:
    flow = with_step(simple(), "decide", post="受理岗")
    assert "separation_unstaffable" in codes(check_flow(flow, staff={"受理岗": frozenset({"a"})}))
    assert check_flow(flow, staff={"受理岗": frozenset({"a", "b"})}) == []


def test_separation_not_judged_without_staff() -> None:
    assert check_flow(with_step(simple(), "decide", post="受理岗")) == []


def test_separation_skips_groups_with_an_empty_post() -> None:
    # the empty post is the finding; a separation finding on top would only repeat it
    problems = check_flow(simple(), staff={"受理岗": frozenset({"a"})})
    assert codes(problems) == {"empty_post"}


def test_assign_distinct_examples() -> None:
    assert assign_distinct([]) == ()
    assert assign_distinct([{"a", "b"}, {"a"}]) == ("b", "a")
    assert assign_distinct([{"a"}, {"a"}]) is None
    found = assign_distinct([{"a", "b", "c"}, {"a", "b"}, {"a", "b"}])
    assert found is not None and found[0] == "c" and set(found[1:]) == {"a", "b"}


people = st.sampled_from("abcde")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.frozensets(people), max_size=6))
def test_assign_distinct_agrees_with_brute_force(candidates: list[frozenset[str]]) -> None:
    possible = (
        any(
            all(person in options for person, options in zip(choice, candidates, strict=True))
            for choice in itertools.permutations("abcde", len(candidates))
        )
        if len(candidates) <= 5
        else False
    )
    found = assign_distinct(candidates)
    assert (found is not None) == possible
    if found is not None:
        assert len(set(found)) == len(found)
        assert all(person in options for person, options in zip(found, candidates, strict=True))


# -- time limits: day kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "maximum", "expected"),
    [
        (Limit(20, W), Limit(20, W), None),
        (Limit(21, W), Limit(20, W), "error"),
        (Limit(90, N), Limit(90, N), None),
        (Limit(91, N), Limit(90, N), "error"),
        # working against natural: certain above M once N + ⌈N/10⌉ − 1 > M
        (Limit(7, W), Limit(7, N), "warning"),  # 7 working days ordinarily take 9 or more natural days
        (Limit(8, W), Limit(7, N), "error"),
        (Limit(90, W), Limit(90, N), "error"),
        (Limit(5, W), Limit(7, N), None),  # five working days fit in one ordinary week
        (Limit(6, W), Limit(7, N), "warning"),
        (Limit(60, W), Limit(90, N), None),
        # natural against working: at most N − ⌊N/11⌋ working days, never a certain error
        (Limit(20, N), Limit(20, W), None),
        (Limit(22, N), Limit(20, W), None),
        (Limit(23, N), Limit(20, W), "warning"),
        (Limit(60, N), Limit(20, W), "warning"),
    ],
)
def test_limit_exceeds(limit: Limit, maximum: Limit, expected: str | None) -> None:
    assert limit_exceeds(limit, maximum) == expected


def _working_days_from(start: datetime.date, n: int) -> datetime.date:
    """The day the n-th working day after `start` falls on (the start day not counted)."""
    day = start
    while n:
        day += datetime.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def test_max_working_run_matches_the_state_council_schedules() -> None:
    day, run, longest = datetime.date(2004, 1, 1), 0, 0
    while day <= datetime.date(2026, 12, 31):
        run = run + 1 if chinese_calendar.is_workday(day) else 0
        longest = max(longest, run)
        day += datetime.timedelta(days=1)
    assert longest == MAX_WORKING_RUN


@settings(max_examples=300, deadline=None)
@given(
    st.dates(datetime.date(2004, 1, 1), datetime.date(2026, 6, 30)),
    st.integers(1, 60),
    st.integers(1, 120),
)
def test_a_certain_error_holds_on_the_real_calendar(start: datetime.date, n: int, m: int) -> None:
    # whenever N working days are called certainly longer than M natural days, they are, from any start
    if limit_exceeds(Limit(n, W), Limit(m, N)) == "error":
        assert (_working_days_from(start, n) - start).days > m
    # and N natural days never hold more than N − ⌊N/11⌋ working days
    held = sum(chinese_calendar.is_workday(start + datetime.timedelta(days=i)) for i in range(1, m + 1))
    assert held <= m - m // (MAX_WORKING_RUN + 1)
    assert (_working_days_from(start, n) - start).days >= n + math.ceil(n / MAX_WORKING_RUN) - 1


# -- time limits against the law ---------------------------------------------------------------------------


def test_legal_maxima_table() -> None:
    licensing, penalty = LEGAL_MAXIMA["licensing"], LEGAL_MAXIMA["penalty"]
    assert (licensing.case, licensing.extension, licensing.deliver) == (
        Limit(20, W),
        Limit(10, W),
        Limit(10, W),
    )
    assert (penalty.case, penalty.extension, penalty.deliver) == (Limit(90, N), None, Limit(7, W))


def test_licensing_case_limit_over_20_working_days_art_42() -> None:
    bad = replace(template_for("licensing"), case_limit=Limit(25, W))
    problem = find(check_flow(bad), "case_limit_over_legal")
    assert problem.severity == "error" and "第四十二条" in problem.message
    assert check_flow(replace(bad, case_limit=Limit(15, W))) == []


def test_licensing_extension_over_10_working_days_art_42() -> None:
    bad = replace(template_for("licensing"), extension=Limit(15, W))
    assert find(check_flow(bad), "extension_over_legal").severity == "error"


def test_joint_licensing_may_take_45_plus_15_days_art_42_para_2() -> None:
    flow = replace(template_for("licensing"), case_limit=Limit(45, W), extension=Limit(15, W))
    assert codes(check_flow(flow)) == {"case_limit_over_legal", "extension_over_legal"}
    assert check_flow(flow, legal_max={"licensing": LICENSING_JOINT_HANDLING}) == []


def test_special_law_override_replaces_the_whole_entry() -> None:
    flow = replace(template_for("penalty"), case_limit=Limit(120, N), extension=Limit(30, N))
    assert "case_limit_over_legal" in codes(check_flow(flow))
    longer = LegalMax(case=Limit(120, N), extension=Limit(30, N), deliver=Limit(7, W))
    assert check_flow(flow, legal_max={"penalty": longer}) == []


def test_missing_case_limit_is_an_error_licensing_art_42() -> None:
    problems = check_flow(replace(template_for("licensing"), case_limit=None))
    assert [(p.code, p.severity) for p in problems] == [("no_case_limit", "error")]
    assert "第四十二条" in problems[0].message and "超期" in problems[0].message


def test_missing_case_limit_is_an_error_penalty_art_60() -> None:
    problems = check_flow(replace(template_for("penalty"), case_limit=None))
    assert [(p.code, p.severity) for p in problems] == [("no_case_limit", "error")]
    assert "第六十条" in problems[0].message


def test_penalty_case_limit_over_90_natural_days_art_60() -> None:
    bad = replace(template_for("penalty"), case_limit=Limit(100, N))
    assert find(check_flow(bad), "case_limit_over_legal").severity == "error"
    working = replace(template_for("penalty"), case_limit=Limit(90, W))
    assert find(check_flow(working), "case_limit_over_legal").severity == "error"


def test_penalty_extension_needs_a_basis() -> None:
    flow = replace(template_for("penalty"), extension=Limit(30, N))
    problem = find(check_flow(flow), "extension_without_basis")
    assert problem.severity == "error" and "特别时限依据" in problem.message


def test_licensing_delivery_over_10_working_days_art_44() -> None:
    bad = with_step(template_for("licensing"), "deliver", limit=Limit(12, W))
    problem = find(check_flow(bad), "deliver_limit_over_legal")
    assert problem.step == "deliver" and "第四十四条" in problem.message


def test_penalty_delivery_over_7_working_days_art_61() -> None:
    bad = with_step(template_for("penalty"), "deliver", limit=Limit(10, N))
    assert find(check_flow(bad), "deliver_limit_over_legal").severity == "warning"
    bad = with_step(template_for("penalty"), "deliver", limit=Limit(8, W))
    assert find(check_flow(bad), "deliver_limit_over_legal").severity == "error"


def test_missing_delivery_limit_warns() -> None:
    flow = with_step(template_for("penalty"), "deliver", limit=None)
    assert find(check_flow(flow), "no_deliver_limit").severity == "warning"


def test_negative_limit() -> None:
    assert find(check_flow(with_step(simple(), "decide", limit=Limit(-1))), "negative_limit").step == "decide"
    assert check_flow(with_step(simple(), "decide", limit=Limit(0))) == []


def test_step_limits_over_the_case_limit_warn() -> None:
    flow = with_step(template_for("licensing"), "decide", limit=Limit(15, W))
    problem = find(check_flow(flow), "step_limits_over_case")
    assert problem.severity == "warning" and errors(check_flow(flow)) == []


def test_step_limits_do_not_count_acceptance_suspension_or_delivery() -> None:
    # 受理 (5) precedes the 20 days, the hearing stops the clock, 送达 (10) follows the decision
    flow = with_step(template_for("licensing"), "hearing", limit=Limit(30, W))
    assert check_flow(flow) == []


def test_step_limits_take_the_longest_branch_not_the_sum_of_all() -> None:
    flow = simple(
        category="other",
        case_limit=Limit(10, W),
        steps=(
            Step("accept", "受理", StepKind.ACCEPT, "受理岗"),
            Step("a", "甲", StepKind.REVIEW, "审核岗", Limit(6, W)),
            Step("b", "乙", StepKind.REVIEW, "审核岗", Limit(6, W)),
            Step("decide", "决定", StepKind.DECIDE, "审批岗", Limit(4, W)),
        ),
        transitions=(
            Transition("accept", "a", "a"),
            Transition("accept", "b", "b"),
            Transition("a", "pass", "decide"),
            Transition("b", "pass", "decide"),
            Transition("decide", "pass", END),
        ),
    )
    assert check_flow(flow) == []
    longer = with_step(flow, "b", limit=Limit(7, W))
    assert codes(check_flow(longer)) == {"step_limits_over_case"}


# -- transition kinds ----------------------------------------------------------------------------------


def test_suspend_into_a_counted_step() -> None:
    bad = with_step(template_for("licensing"), "hearing", suspends_clock=False)
    assert find(check_flow(bad), "suspend_target_counts").step == "review"


def test_extend_without_an_extension() -> None:
    bad = replace(template_for("licensing"), extension=None)
    assert find(check_flow(bad), "extend_without_extension").step == "review"


def test_correction_not_back_to_acceptance() -> None:
    flow = template_for("licensing")
    bad = replace(
        flow,
        transitions=(
            *flow.transitions,
            Transition("review", "correct", "review", TransitionKind.CORRECTION, "需补正"),
        ),
    )
    assert find(check_flow(bad), "correction_not_to_accept").step == "review"


# -- 行政许可 -------------------------------------------------------------------------------------------


def test_licensing_without_acceptance() -> None:
    flow = with_step(template_for("licensing"), "accept", kind=StepKind.REVIEW)
    assert "licensing_no_accept" in codes(check_flow(flow))


def test_licensing_without_decision() -> None:
    flow = with_step(template_for("licensing"), "decide", kind=StepKind.REVIEW)
    assert "licensing_no_decide" in codes(check_flow(flow))


def test_licensing_accept_and_decide_not_separated() -> None:
    bad = without_group(template_for("licensing"), "受理、审查、决定分离")
    assert find(check_flow(bad), "licensing_accept_decide_not_separated").step == "decide"
    fixed = replace(
        bad, separation=(*bad.separation, SeparationGroup("受理与决定分离", ("accept", "decide")))
    )
    assert check_flow(fixed) == []


def test_licensing_hearing_chaired_by_reviewer_art_48() -> None:
    bad = without_group(template_for("licensing"), "审查与听证主持分离")
    assert find(check_flow(bad), "licensing_hearing_not_separated").step == "hearing"


# -- 行政处罚 -------------------------------------------------------------------------------------------


def test_penalty_without_decision() -> None:
    flow = with_step(template_for("penalty"), "decide", kind=StepKind.REVIEW)
    assert "penalty_no_decide" in codes(check_flow(flow))


def test_penalty_without_investigation_warns() -> None:
    flow = with_step(template_for("penalty"), "investigate", kind=StepKind.REVIEW)
    problem = find(check_flow(flow), "penalty_no_investigate")
    assert problem.severity == "warning"


def test_penalty_without_legal_review_warns_art_58() -> None:
    flow = without_steps(template_for("penalty"), "legal_review")
    problems = check_flow(flow)
    assert [(p.code, p.severity) for p in problems] == [("penalty_no_legal_review", "warning")]


def test_penalty_investigate_and_decide_not_separated() -> None:
    flow = template_for("penalty")
    bad = replace(
        flow,
        separation=(
            SeparationGroup("决定与执行分离", ("decide", "execute")),
            *(g for g in flow.separation if g.name != "调查、决定、执行分离"),
        ),
    )
    assert {(p.code, p.step) for p in check_flow(bad)} == {
        ("penalty_investigate_decide_not_separated", "decide")
    }


def test_penalty_hearing_chaired_by_investigator_art_64() -> None:
    bad = without_group(template_for("penalty"), "调查与听证主持分离")
    assert find(check_flow(bad), "penalty_hearing_not_separated").step == "hearing"


def test_penalty_decision_and_collection_not_separated_art_67() -> None:
    flow = template_for("penalty")
    bad = replace(
        flow,
        separation=(
            SeparationGroup("调查与决定分离", ("investigate", "decide")),
            *(g for g in flow.separation if g.name != "调查、决定、执行分离"),
        ),
    )
    assert {(p.code, p.step) for p in check_flow(bad)} == {
        ("penalty_decide_execute_not_separated", "execute")
    }


def test_penalty_decision_without_notice_art_44() -> None:
    flow = template_for("penalty")
    shortcut = replace(
        flow, transitions=(*flow.transitions, Transition("review", "skip", "legal_review", label="直接审核"))
    )
    problem = find(check_flow(shortcut), "penalty_decide_without_notify")
    assert problem.step == "decide" and "第四十四条" in problem.message
    assert find(check_flow(without_steps(flow, "notify", "hearing")), "penalty_decide_without_notify")


# -- robustness ----------------------------------------------------------------------------------------


keys = st.sampled_from(["a", "b", "c", "d", END, ""])


@st.composite
def random_flows(draw: st.DrawFn) -> Flow:
    steps = tuple(
        Step(
            draw(keys),
            draw(st.sampled_from(["受理", "决定", "送达"])),
            draw(st.sampled_from(list(StepKind))),
            draw(st.sampled_from(["", "受理岗", "审批岗"])),
            draw(st.none() | st.builds(Limit, st.integers(-3, 40), st.sampled_from(list(DayKind)))),
            suspends_clock=draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 5)))
    )
    transitions = tuple(
        Transition(
            draw(keys),
            draw(st.sampled_from(["pass", "refuse"])),
            draw(keys),
            draw(st.sampled_from(list(TransitionKind))),
        )
        for _ in range(draw(st.integers(0, 8)))
    )
    groups = tuple(
        SeparationGroup("组", tuple(draw(st.lists(keys, max_size=3)))) for _ in range(draw(st.integers(0, 2)))
    )
    return Flow(
        name="随机",
        category=draw(st.sampled_from(["licensing", "penalty", "other"])),
        steps=steps,
        transitions=transitions,
        case_limit=draw(st.none() | st.builds(Limit, st.integers(0, 100), st.sampled_from(list(DayKind)))),
        extension=draw(st.none() | st.builds(Limit, st.integers(0, 20), st.sampled_from(list(DayKind)))),
        separation=groups,
    )


@settings(max_examples=300, deadline=None)
@given(
    random_flows(), st.none() | st.dictionaries(st.sampled_from(["受理岗", "审批岗"]), st.frozensets(people))
)
def test_check_flow_never_raises(flow: Flow, staff: dict[str, frozenset[str]] | None) -> None:
    problems = check_flow(flow, staff=staff)
    assert all(p.severity in ("error", "warning") and p.message and p.message_en for p in problems)
    assert errors(problems) == [p for p in problems if p.severity == "error"]
