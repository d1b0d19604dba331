"""Parallel branches, WAIT steps and call activities at the level of the flow (pure): the token game the
engine plays, the validation rules that play it over every reachable state, and inlining a called flow."""

from __future__ import annotations

from dataclasses import replace

import pytest

from liuquan.flows import compose, tokens
from liuquan.flows.rules import check_flow, errors
from liuquan.flows.spec import END, DayKind, Gateway, Limit, StepKind, Transition, TransitionKind
from liuquan.flows.templates import template_for
from tests.flows.shapes import calling_licensing, parallel_licensing, waiting_licensing


def index(flow, source: str, outcome: str) -> int:
    return next(n for n, t in enumerate(flow.transitions) if (t.source, t.outcome) == (source, outcome))


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_a_split_opens_every_branch_and_the_join_waits_for_all():
    flow = parallel_licensing()
    split = tokens.advance(flow, ("accept",), index(flow, "accept", "pass"))
    assert split.opened == ("review", "site") and sorted(split.tokens) == ["review", "site"]
    first = tokens.advance(flow, split.tokens, index(flow, "site", "pass"))
    assert first.opened == () and tokens.steps_of(first.tokens) == ("review",)
    both = tokens.advance(flow, first.tokens, index(flow, "review", "pass"))
    assert both.tokens == ("decide",) and both.opened == ("decide",) and not both.ended


def test_a_refusal_in_one_branch_ends_the_case_with_the_other_branches():
    flow = parallel_licensing()
    split = tokens.advance(flow, ("accept",), index(flow, "accept", "pass"))
    refused = tokens.advance(flow, split.tokens, index(flow, "review", "refuse"))
    assert refused.ended and refused.tokens == ()


def test_a_step_without_a_token_cannot_move():
    flow = parallel_licensing()
    with pytest.raises(tokens.TokenError):
        tokens.advance(flow, ("accept",), index(flow, "review", "pass"))


def test_the_parallel_flow_passes_the_rules():
    assert errors(check_flow(parallel_licensing())) == []


def test_a_join_after_an_exclusive_choice_merges_instead_of_waiting_for_ever():
    flow = parallel_licensing()
    # 受理 goes to either branch, not both: the join goes on once nothing running can reach it.
    kept = [
        t for t in flow.transitions if t.source != "split" and (t.source, t.outcome) != ("accept", "pass")
    ]
    choice = (
        *kept,
        Transition("accept", "pass", "review", label="受理"),
        Transition("accept", "site", "site", label="需现场核查"),
    )
    merged = replace(flow, transitions=choice, gateways=(Gateway("join"),))
    assert "parallel_deadlock" not in codes(check_flow(merged))
    at_review = tokens.advance(merged, ("accept",), index(merged, "accept", "pass"))
    assert tokens.advance(merged, at_review.tokens, index(merged, "review", "pass")).tokens == ("decide",)


def test_a_join_waits_while_another_branch_can_still_reach_it_even_by_a_return():
    flow = parallel_licensing()
    back = (*flow.transitions, Transition("site", "again", "site", TransitionKind.RETURN, "重新核查"))
    looped = replace(flow, transitions=back)
    split = tokens.advance(looped, ("accept",), index(looped, "accept", "pass"))
    waiting = tokens.advance(looped, split.tokens, index(looped, "review", "pass"))
    again = tokens.advance(looped, waiting.tokens, index(looped, "site", "again"))
    assert tokens.steps_of(again.tokens) == ("site",) and any(t.startswith("@join#") for t in again.tokens)
    done = tokens.advance(looped, again.tokens, index(looped, "site", "pass"))
    assert done.tokens == ("decide",)


def test_two_branches_into_one_step_without_a_join_are_refused():
    flow = parallel_licensing()
    merged = tuple(replace(t, target="decide") if t.target == "join" else t for t in flow.transitions)
    merged = tuple(t for t in merged if t.source != "join")
    problems = check_flow(replace(flow, transitions=merged, gateways=(Gateway("split"),)))
    assert "parallel_unsafe" in codes(problems)
    assert "decide" in {p.step for p in problems if p.code == "parallel_unsafe"}


def test_a_correction_inside_a_branch_is_refused_art_32():
    flow = parallel_licensing()
    moved = (*flow.transitions, Transition("site", "correct", "accept", TransitionKind.CORRECTION, "需补正"))
    problems = check_flow(replace(flow, transitions=moved))
    assert "parallel_clock_move" in codes(problems)


def test_a_gateway_without_a_way_out_is_named():
    flow = parallel_licensing()
    cut = tuple(t for t in flow.transitions if t.source != "join")
    problems = check_flow(replace(flow, transitions=cut))
    assert ("gateway_unconnected", "join") in {(p.code, p.step) for p in problems}


def test_the_case_limit_counts_the_slower_branch():
    flow = parallel_licensing()
    slow = replace(
        flow,
        steps=tuple(
            replace(s, limit=Limit(19, DayKind.WORKING)) if s.key == "site" else s for s in flow.steps
        ),
    )
    assert "step_limits_over_case" in codes(check_flow(slow))
    assert "step_limits_over_case" not in codes(check_flow(flow))


def test_a_timer_only_on_a_wait_step():
    flow = waiting_licensing()
    assert errors(check_flow(flow)) == []
    timed = tuple(
        replace(t, after=Limit(3, DayKind.WORKING)) if t.source == "review" else t for t in flow.transitions
    )
    assert "timer_not_on_wait" in codes(check_flow(replace(flow, transitions=timed)))


def test_a_call_step_must_name_the_called_power():
    flow = calling_licensing("")
    assert "call_without_flow" in codes(check_flow(flow))


def test_a_called_flow_is_inlined_under_the_call_step_and_its_ends_go_on():
    inspection = template_for("inspection")
    flow, problems = compose.inline(
        calling_licensing("JC001"), {"review": compose.Called("JC001", 3, inspection)}
    )
    assert problems == []
    keys = [s.key for s in flow.steps]
    assert "review" not in keys and "review.inspect" in keys
    assert {s.group for s in flow.steps if s.key.startswith("review.")} == {inspection.name}
    assert flow.calls[0].power == "JC001" and flow.calls[0].version == 3
    into = next(t for t in flow.transitions if (t.source, t.outcome) == ("accept", "pass"))
    assert into.target == "review.inspect"
    clear = next(t for t in flow.transitions if (t.source, t.outcome) == ("review.inspect", "clear"))
    assert (clear.target, clear.kind) == ("decide", TransitionKind.NEXT)
    transfer = next(t for t in flow.transitions if (t.source, t.outcome) == ("review.handle", "transfer"))
    assert (transfer.target, transfer.kind) == (END, TransitionKind.TERMINATE)
    pairs = {g.steps for g in flow.separation if g.name == "受理、审查、决定分离"}
    assert ("accept", "review.handle") in pairs and ("decide", "review.inspect") in pairs
    assert ("accept", "decide") in pairs and not any("review" in steps for steps in pairs)
    assert not any({"review.inspect", "review.recheck"} <= set(steps) for steps in pairs)
    assert not any(s.kind is StepKind.CALL for s in flow.steps)


def test_a_called_flow_ending_where_the_caller_has_no_way_on_is_named():
    caller = calling_licensing("JC001")
    two_ways = (*caller.transitions, Transition("review", "found", "decide", label="发现问题"))
    _, problems = compose.inline(
        replace(caller, transitions=two_ways),
        {"review": compose.Called("JC001", 1, template_for("inspection"))},
    )
    assert problems and problems[0].step == "review" and "没有同名的后续流转" in problems[0].message


def test_a_gateway_key_used_twice_or_by_a_step_is_refused():
    flow = parallel_licensing()
    twice = replace(flow, gateways=(*flow.gateways, Gateway("join", "又一个")))
    assert ("gateway_key_taken", "join") in {(p.code, p.step) for p in check_flow(twice)}
    taken = replace(flow, gateways=(*flow.gateways, Gateway("review")))
    assert ("gateway_key_taken", "review") in {(p.code, p.step) for p in check_flow(taken)}
