"""The starting flows per 权力类型 and the statutory numbers they carry."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from liuquan.flows.rules import check_flow, errors
from liuquan.flows.spec import END, DayKind, Flow, Limit, StepKind, TransitionKind
from liuquan.flows.templates import TEMPLATE_CATEGORIES, template_for

ALL_CATEGORIES = (
    "licensing",
    "penalty",
    "coercion",
    "levy",
    "benefit",
    "inspection",
    "confirmation",
    "reward",
    "adjudication",
    "other",
    "public_service",
)


def staffed(flow: Flow, per_post: int, *, shared: bool = False) -> Mapping[str, frozenset[str]]:
    """`per_post` holders for every post: distinct people per post, or one pool shared by all posts."""
    posts = {step.post for step in flow.steps}
    if shared:
        pool = frozenset(f"p{i}" for i in range(per_post))
        return {post: pool for post in posts}
    return {post: frozenset(f"{post}-{i}" for i in range(per_post)) for post in posts}


def step_of_kind(flow: Flow, kind: StepKind) -> str:
    (key,) = [step.key for step in flow.steps if step.kind == kind]
    return key


def paths_avoid(flow: Flow, target: str, avoid: set[str]) -> bool:
    """Whether `target` can be reached from the start without passing any step in `avoid`."""
    seen = {flow.start}
    todo = [flow.start]
    while todo:
        key = todo.pop()
        if key == target:
            return True
        if key in avoid:
            continue
        for transition in flow.outgoing(key):
            if transition.target != END and transition.target not in seen:
                seen.add(transition.target)
                todo.append(transition.target)
    return False


def in_one_group(flow: Flow, *keys: str) -> bool:
    return any(set(keys) <= set(group.steps) for group in flow.separation)


def labels(flow: Flow) -> set[str]:
    return {transition.label for transition in flow.transitions}


# -- every template ---------------------------------------------------------------------------------


def test_every_category_has_a_template() -> None:
    assert set(TEMPLATE_CATEGORIES) == set(ALL_CATEGORIES)


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="no flow template"):
        template_for("bribery")


@pytest.mark.parametrize("category", ALL_CATEGORIES)
@pytest.mark.parametrize(("per_post", "shared"), [(2, False), (3, False), (3, True)])
def test_template_passes_the_rules_when_staffed(category: str, per_post: int, shared: bool) -> None:
    # given a unit with two or three people on each post (or three people holding every post)
    flow = template_for(category)
    # when the flow is checked, then nothing at all is found
    assert check_flow(flow, staff=staffed(flow, per_post, shared=shared)) == []


@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_template_shape(category: str) -> None:
    flow = template_for(category)
    assert flow.category == category
    assert flow.name and flow.transitions
    for step in flow.steps:
        assert re.fullmatch(r"[a-z_]+", step.key), step.key
        assert re.search(r"[\u4e00-\u9fff]", step.name), step.name
        assert step.post, step.key
    for transition in flow.transitions:
        assert re.search(r"[\u4e00-\u9fff]", transition.label), transition
    assert set(flow.lanes()) == {step.post for step in flow.steps}


@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_template_separates_the_first_step_from_the_deciding_step(category: str) -> None:
    flow = template_for(category)
    decides = [step.key for step in flow.steps if step.kind == StepKind.DECIDE]
    assert decides
    for key in decides:
        assert in_one_group(flow, flow.start, key) or (
            # 处罚 and 强制 start with 立案 by the investigators: the investigation is what is separated
            in_one_group(flow, step_of_kind(flow, StepKind.INVESTIGATE), key)
        )


@pytest.mark.parametrize("category", ALL_CATEGORIES)
def test_one_person_unit_cannot_staff_any_template(category: str) -> None:
    flow = template_for(category)
    problems = check_flow(flow, staff=staffed(flow, 1, shared=True))
    assert {problem.code for problem in errors(problems)} == {"separation_unstaffable"}


def test_one_person_unit_fails_the_licensing_separation() -> None:
    flow = template_for("licensing")
    problems = check_flow(flow, staff=staffed(flow, 1, shared=True))
    group_names = [p.message for p in problems if p.code == "separation_unstaffable"]
    assert any("受理、审查、决定分离" in message for message in group_names)


def test_two_person_unit_cannot_staff_the_three_way_licensing_separation() -> None:
    flow = template_for("licensing")
    problems = check_flow(flow, staff=staffed(flow, 2, shared=True))
    assert [(p.code, p.step) for p in problems] == [("separation_unstaffable", "decide")]


# -- 行政许可法 (2019) ----------------------------------------------------------------------------------


def test_licensing_correction_notice_within_5_working_days_art_32() -> None:
    flow = template_for("licensing")
    accept = flow.step("accept")
    assert accept is not None and accept.kind == StepKind.ACCEPT
    assert accept.limit == Limit(5, DayKind.WORKING)
    (correction,) = [t for t in flow.transitions if t.kind == TransitionKind.CORRECTION]
    assert (correction.source, correction.target, correction.label) == ("accept", "accept", "需补正")
    assert "第三十二条" in accept.note


def test_licensing_refusal_to_accept_ends_the_case_art_32() -> None:
    flow = template_for("licensing")
    (refusal,) = [t for t in flow.outgoing("accept") if t.kind == TransitionKind.REJECT]
    assert (refusal.target, refusal.label) == (END, "不予受理")


def test_licensing_decision_within_20_working_days_art_42() -> None:
    assert template_for("licensing").case_limit == Limit(20, DayKind.WORKING)


def test_licensing_extension_10_working_days_with_head_approval_art_42() -> None:
    flow = template_for("licensing")
    assert flow.extension == Limit(10, DayKind.WORKING)
    (extend,) = [t for t in flow.transitions if t.kind == TransitionKind.EXTEND]
    approval = flow.step(extend.target)
    assert approval is not None and approval.post == "负责人"
    assert extend.label == "延期"


def test_licensing_delivery_within_10_working_days_art_44() -> None:
    flow = template_for("licensing")
    deliver = flow.step(step_of_kind(flow, StepKind.DELIVER))
    assert deliver is not None and deliver.limit == Limit(10, DayKind.WORKING)
    # both the grant and the written refusal are delivered
    assert {t.label for t in flow.transitions if t.target == deliver.key} == {"准予许可", "不予许可"}


def test_licensing_hearing_and_expert_review_do_not_count_art_45() -> None:
    flow = template_for("licensing")
    (suspend,) = [t for t in flow.transitions if t.kind == TransitionKind.SUSPEND]
    hearing = flow.step(suspend.target)
    assert hearing is not None and hearing.suspends_clock
    assert hearing.name == "听证/专家评审" and suspend.label == "听证"


def test_licensing_hearing_chaired_by_non_reviewer_art_48() -> None:
    assert in_one_group(template_for("licensing"), "review", "hearing")


def test_licensing_periods_are_working_days_art_82() -> None:
    flow = template_for("licensing")
    limits = [flow.case_limit, flow.extension, *(step.limit for step in flow.steps)]
    assert all(limit.kind == DayKind.WORKING for limit in limits if limit is not None)


def test_licensing_accept_handle_approve_by_different_people() -> None:
    assert in_one_group(template_for("licensing"), "accept", "review", "decide")


def test_licensing_outcomes_are_labelled() -> None:
    assert {"受理", "审查通过", "不予受理", "需补正", "延期", "听证", "不予许可", "准予许可"} <= labels(
        template_for("licensing")
    )


# -- 行政处罚法 (2021) ----------------------------------------------------------------------------------


def test_penalty_notify_before_every_decision_art_44() -> None:
    flow = template_for("penalty")
    assert not paths_avoid(flow, "decide", {step_of_kind(flow, StepKind.NOTIFY)})


def test_penalty_legal_review_before_decision_art_58() -> None:
    flow = template_for("penalty")
    assert not paths_avoid(flow, "decide", {step_of_kind(flow, StepKind.LEGAL_REVIEW)})


def test_penalty_decision_within_90_natural_days_art_60() -> None:
    flow = template_for("penalty")
    assert flow.case_limit == Limit(90, DayKind.NATURAL)
    assert flow.extension is None


def test_penalty_delivery_within_7_working_days_art_61_and_85() -> None:
    flow = template_for("penalty")
    deliver = flow.step(step_of_kind(flow, StepKind.DELIVER))
    assert deliver is not None and deliver.limit == Limit(7, DayKind.WORKING)


def test_penalty_hearing_request_within_5_working_days_art_64_and_85() -> None:
    flow = template_for("penalty")
    notify = flow.step(step_of_kind(flow, StepKind.NOTIFY))
    assert notify is not None and notify.limit == Limit(5, DayKind.WORKING)
    assert {t.label for t in flow.outgoing(notify.key)} >= {"要求听证"}


def test_penalty_hearing_chaired_by_non_investigator_art_64() -> None:
    flow = template_for("penalty")
    assert in_one_group(flow, "investigate", step_of_kind(flow, StepKind.HEARING))


def test_penalty_hearing_counts_towards_the_90_days_art_60() -> None:
    # the statute does not stop the clock for a penalty hearing (unlike 行政许可法 art. 45)
    flow = template_for("penalty")
    hearing = flow.step(step_of_kind(flow, StepKind.HEARING))
    assert hearing is not None and not hearing.suspends_clock
    assert all(t.kind != TransitionKind.SUSPEND for t in flow.transitions)


def test_penalty_fine_decision_separate_from_collection_art_67() -> None:
    assert in_one_group(template_for("penalty"), "decide", "execute")


def test_penalty_fine_paid_within_15_natural_days_art_67_and_85() -> None:
    execute = template_for("penalty").step("execute")
    assert execute is not None and execute.limit == Limit(15, DayKind.NATURAL)


def test_penalty_investigate_decide_execute_by_different_people() -> None:
    assert in_one_group(template_for("penalty"), "investigate", "decide", "execute")


def test_penalty_outcomes_are_labelled() -> None:
    assert {"立案", "不予立案", "要求听证", "作出处罚决定", "不予处罚", "移送司法机关"} <= labels(
        template_for("penalty")
    )


# -- 行政强制法 (2011) ----------------------------------------------------------------------------------


def test_coercion_demand_before_enforcement_decision_art_35() -> None:
    flow = template_for("coercion")
    notify = flow.step(step_of_kind(flow, StepKind.NOTIFY))
    assert notify is not None and notify.name == "催告"
    assert not paths_avoid(flow, "decide", {notify.key})


def test_coercion_ten_day_demand_in_working_days_art_69() -> None:
    notify = template_for("coercion").step("notify")
    assert notify is not None and notify.limit == Limit(10, DayKind.WORKING)


def test_coercion_investigate_decide_execute_by_different_people() -> None:
    assert in_one_group(template_for("coercion"), "investigate", "decide", "execute")


# -- the other categories -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category", ["levy", "benefit", "confirmation", "reward", "adjudication", "other", "public_service"]
)
def test_application_flows_accept_review_decide_deliver(category: str) -> None:
    flow = template_for(category)
    kinds = [step.kind for step in flow.steps if step.kind != StepKind.PUBLICITY]
    assert kinds == [StepKind.ACCEPT, StepKind.REVIEW, StepKind.DECIDE, StepKind.DELIVER]
    assert {t.label for t in flow.outgoing("accept")} == {"受理", "需补正", "不予受理"}
    assert flow.case_limit is None  # no general statute: the unit enters its promised time


@pytest.mark.parametrize("category", ["benefit", "reward"])
def test_benefit_and_reward_are_shown_before_the_decision(category: str) -> None:
    flow = template_for(category)
    publicity = flow.step("publicity")
    assert publicity is not None and publicity.publicity
    assert not paths_avoid(flow, "decide", {"publicity"})


def test_inspection_is_check_then_handle() -> None:
    flow = template_for("inspection")
    assert [step.kind for step in flow.steps[:2]] == [StepKind.SITE_CHECK, StepKind.DECIDE]
    assert in_one_group(flow, "inspect", "handle")
