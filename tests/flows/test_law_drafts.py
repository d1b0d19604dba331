"""Eighteen drafts that break the law, each refused with the article it breaks; and the flows the law
allows next to them (so the rules do not refuse by reflex). Article numbers checked against
../shared/data/laws: 行政许可法 (2019-04-23), 行政处罚法 (2021-01-22)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from liuquan.flows.rules import (
    LICENSING_JOINT_HANDLING,
    LegalMax,
    Problem,
    check_flow,
    errors,
    hearing_grounds,
    sanctions_named,
)
from liuquan.flows.spec import DayKind, Flow, Limit, Sanction, SeparationGroup, Transition, TransitionKind
from liuquan.flows.templates import template_for
from tests.flows.test_rules import without_steps

W, N = DayKind.WORKING, DayKind.NATURAL
JOINT = "行政许可法第四十二条第二款"
REGISTERED = {JOINT: replace(LICENSING_JOINT_HANDLING, category="licensing")}


def licensing(**changes) -> Flow:
    return replace(template_for("licensing"), **changes)


def penalty(**changes: Any) -> Flow:
    defaults: dict[str, Any] = {"sanctions": (Sanction.FINE,), "max_amount": 500}
    return replace(template_for("penalty"), **(defaults | changes))


def step(flow: Flow, key: str, **changes) -> Flow:
    return replace(flow, steps=tuple(replace(s, **changes) if s.key == key else s for s in flow.steps))


def refused(flow: Flow, code: str, **options) -> Problem:
    found = [p for p in errors(check_flow(flow, **options)) if p.code == code]
    assert found, f"{code} not among {[p.code for p in check_flow(flow, **options)]}"
    return found[0]


# (name, draft, the problem's code, what its message must cite, options)
DRAFTS: list[tuple[str, Flow, str, str, dict[str, Any]]] = [
    ("licensing_no_case_limit_art_42", licensing(case_limit=None), "no_case_limit", "第四十二条", {}),
    (
        "licensing_25_days_art_42",
        licensing(case_limit=Limit(25, W)),
        "case_limit_over_legal",
        "第四十二条",
        {},
    ),
    (
        "licensing_15_day_extension_art_42",
        licensing(extension=Limit(15, W)),
        "extension_over_legal",
        "第四十二条",
        {},
    ),
    (
        "licensing_15_day_acceptance_art_32",
        step(licensing(), "accept", limit=Limit(15, W)),
        "accept_limit_over_legal",
        "第三十二条",
        {},
    ),
    (
        "licensing_acceptance_in_6_working_days_art_32",
        step(licensing(), "accept", limit=Limit(6, W)),
        "accept_limit_over_legal",
        "第三十二条",
        {},
    ),
    (
        "licensing_delivery_in_12_days_art_44",
        step(licensing(), "deliver", limit=Limit(12, W)),
        "deliver_limit_over_legal",
        "第四十四条",
        {},
    ),
    (
        "licensing_accept_and_decide_by_one_person",
        licensing(separation=()),
        "licensing_accept_decide_not_separated",
        "分岗设权",
        {},
    ),
    (
        "licensing_reviewer_chairs_hearing_art_48",
        licensing(separation=template_for("licensing").separation[:1]),
        "licensing_hearing_not_separated",
        "第四十八条",
        {},
    ),
    (
        "licensing_correction_not_back_to_acceptance_art_32",
        licensing(
            transitions=(
                *template_for("licensing").transitions,
                Transition("review", "correct", "decide", TransitionKind.CORRECTION, "补正"),
            )
        ),
        "correction_not_to_accept",
        "受理",
        {},
    ),
    (
        "licensing_45_days_citing_nothing_registered_art_42",
        licensing(case_limit=Limit(45, W), limit_basis="某某条例第九条"),
        "limit_basis_unknown",
        "未登记",
        {"registered": REGISTERED},
    ),
    (
        "licensing_45_days_without_citing_art_42_para_2",
        licensing(case_limit=Limit(45, W)),
        "case_limit_over_legal",
        "第四十二条",
        {"registered": REGISTERED},
    ),
    (
        "penalty_citing_a_licensing_special_limit_art_60",
        penalty(case_limit=Limit(120, N), limit_basis=JOINT),
        "limit_basis_other_category",
        "不适用",
        {"registered": REGISTERED},
    ),
    ("penalty_no_case_limit_art_60", penalty(case_limit=None), "no_case_limit", "第六十条", {}),
    ("penalty_100_days_art_60", penalty(case_limit=Limit(100, N)), "case_limit_over_legal", "第六十条", {}),
    (
        "penalty_extension_without_basis_art_60",
        penalty(extension=Limit(30, N)),
        "extension_without_basis",
        "第六十条",
        {},
    ),
    (
        "penalty_revoking_a_licence_without_hearing_art_63",
        without_steps(penalty(sanctions=(Sanction.REVOKE_LICENCE,)), "hearing"),
        "penalty_no_hearing",
        "第六十三条",
        {},
    ),
    (
        "penalty_large_fine_without_hearing_art_63",
        without_steps(penalty(max_amount=50_000), "hearing"),
        "penalty_no_hearing",
        "第六十三条",
        {"hearing_threshold": 10_000},
    ),
    (
        "penalty_decision_without_notice_art_44_62",
        without_steps(penalty(), "notify", "hearing"),
        "penalty_decide_without_notify",
        "第四十四条",
        {},
    ),
    (
        "penalty_hearing_before_notice_art_64",
        replace(
            penalty(),
            transitions=(
                *template_for("penalty").transitions,
                Transition("investigate", "hear", "hearing", label="听证"),
            ),
        ),
        "penalty_hearing_before_notify",
        "第六十四条",
        {},
    ),
    (
        "penalty_fine_collected_by_the_decider_art_67",
        penalty(separation=tuple(g for g in template_for("penalty").separation if "execute" not in g.steps)),
        "penalty_decide_execute_not_separated",
        "第六十七条",
        {},
    ),
]


@pytest.mark.parametrize(("name", "draft", "code", "cites", "options"), DRAFTS, ids=[d[0] for d in DRAFTS])
def test_a_law_breaking_draft_is_refused_with_its_article(name, draft, code, cites, options):
    problem = refused(draft, code, **options)
    assert cites in problem.message, problem.message
    assert problem.message_en and problem.message != problem.message_en


def test_at_least_eighteen_drafts():
    assert len(DRAFTS) >= 18 and len({d[0] for d in DRAFTS}) == len(DRAFTS)


def test_the_templates_themselves_pass():
    assert errors(check_flow(licensing())) == []
    assert errors(check_flow(penalty())) == []


def test_joint_handling_in_45_days_passes_when_it_cites_the_registered_art_42_para_2():
    flow = licensing(case_limit=Limit(45, W), extension=Limit(15, W), limit_basis=JOINT)
    assert errors(check_flow(flow, registered=REGISTERED)) == []
    over = licensing(case_limit=Limit(46, W), limit_basis=JOINT)
    problem = refused(over, "case_limit_over_legal", registered=REGISTERED)
    assert "第四十二条第二款" in problem.message


def test_a_special_limit_replaces_the_whole_statute_only_for_its_category():
    other = {"X": LegalMax(case=Limit(30, W), case_basis="某法第八条", category="penalty")}
    assert refused(licensing(limit_basis="X"), "limit_basis_other_category", registered=other)


def test_penalties_art_63_does_not_list_need_no_hearing():
    warning_only = without_steps(
        penalty(sanctions=(Sanction.WARNING, Sanction.CRITICISM), max_amount=None), "hearing"
    )
    assert hearing_grounds(warning_only, None) == []
    assert "penalty_no_hearing" not in [p.code for p in check_flow(warning_only)]


def test_a_fine_below_the_units_threshold_needs_no_hearing_art_63_1_1():
    small = without_steps(penalty(max_amount=2_000), "hearing")
    assert "penalty_no_hearing" not in [p.code for p in check_flow(small, hearing_threshold=10_000)]
    # At the threshold it is 较大数额; with no threshold registered, every fine is taken as one.
    assert refused(
        without_steps(penalty(max_amount=10_000), "hearing"), "penalty_no_hearing", hearing_threshold=10_000
    )
    assert refused(small, "penalty_no_hearing")


def test_a_penalty_flow_that_lists_no_kinds_is_taken_to_need_a_hearing_art_63():
    flow = without_steps(replace(template_for("penalty"), sanctions=()), "hearing")
    problem = refused(flow, "penalty_no_hearing")
    assert "未列明" in problem.message


def test_the_hearing_must_lead_to_a_decision_art_65():
    flow = penalty()
    cut = tuple(
        replace(t, target="execute") if (t.source, t.outcome) == ("hearing", "done") else t
        for t in flow.transitions
    )
    problem = refused(replace(flow, transitions=cut), "penalty_hearing_without_decision")
    assert "第六十五条" in problem.message


def test_separation_groups_still_named_in_the_penalty_template():
    # the art. 67 draft above removes exactly the groups with the execute step
    assert any("execute" in g.steps for g in template_for("penalty").separation)
    assert all(isinstance(g, SeparationGroup) for g in template_for("penalty").separation)


def test_the_penalties_a_basis_names_are_read_from_its_words_art_9():
    text = "《殡葬管理条例》第二十二条：由民政部门责令停止违法行为，没收违法所得，可以并处制造、销售金额1倍以上3倍以下的罚款；情节严重的，吊销营业执照"
    assert sanctions_named(text) == {
        Sanction.CONFISCATE_INCOME,
        Sanction.FINE,
        Sanction.REVOKE_LICENCE,
    }
    assert Sanction.CONFISCATE_PROPERTY in sanctions_named("没收违法所得和用于违法活动的工具，没收非法财物")
    assert sanctions_named("给予警告或者通报批评") == {Sanction.WARNING, Sanction.CRITICISM}


def test_a_flow_may_not_list_fewer_penalties_than_its_basis_to_escape_a_hearing_art_63():
    """The power's basis allows 吊销; the flow claims only 警告 and drops its hearing."""
    flow = without_steps(penalty(sanctions=(Sanction.WARNING,), max_amount=None), "hearing")
    basis = frozenset({Sanction.WARNING, Sanction.REVOKE_LICENCE})
    problem = refused(flow, "sanctions_narrower_than_basis", basis_sanctions=basis)
    assert "吊销许可证件" in problem.message and "第六十三条" in problem.message
    honest = without_steps(penalty(sanctions=(Sanction.WARNING,), max_amount=None), "hearing")
    assert errors(check_flow(honest, basis_sanctions=frozenset({Sanction.WARNING}))) == []
