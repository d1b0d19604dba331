"""Cases through their actions: opened only under a published power and flow, moved step by step by the
posts the flow names, refused (and recorded) when a move breaks the flow, on the law's working-day clock,
and on the public ledger without the applicant's personal data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from liuquan.calendars import queries as calendar_queries
from liuquan.cases import actions
from liuquan.cases.actions import CaseRefused
from liuquan.cases.models import Breach, Case, CaseEvent, CaseStatus, CaseStep, Rating
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from liuquan.core.testing import World, unsealed
from liuquan.flows.spec import Flow, Transition, TransitionKind
from liuquan.ledger import audit
from liuquan.ledger.models import Entry
from tests.cases.conftest import (
    APPLICANT,
    MONDAY,
    complete,
    give_posts,
    hire,
    open_licence,
    open_penalty,
    publish_flow,
    snapshot,
)
from tests.clock import SHANGHAI, Clock

LICENCE_PATH = [
    ("clerk", "accept", "pass"),
    ("reviewer", "review", "pass"),
    ("leader", "decide", "grant"),
    ("clerk", "deliver", "done"),
]
PENALTY_PATH = [
    ("clerk", "file_case", "pass"),
    ("clerk", "investigate", "pass"),
    ("reviewer", "review", "pass"),
    ("clerk", "notify", "pass"),
    ("leader", "legal_review", "pass"),
    ("head", "decide", "penalize"),
    ("clerk", "deliver", "execute"),
    ("reviewer", "execute", "done"),
]


def run(world: World, case: Case, path: list[tuple[str, str, str]]) -> Case:
    for key, step, outcome in path:
        case = complete(world, case, key, step, outcome)
    return case


def due(start: dt.date, days: int, *, natural: bool = False) -> dt.date:
    return calendar_queries.due_date(start, days, natural=natural).due


def ledger_clean() -> None:
    assert audit.verify_records()[1] == []


def with_review_correction(flow: Flow) -> Flow:
    """The template plus 补正 found during 审查 (back to 受理), so a 补正 meets a running case clock."""
    extra = Transition("review", "correct", "accept", TransitionKind.CORRECTION, "需补正")
    return replace(flow, transitions=(*flow.transitions, extra))


def with_extension_at_once(flow: Flow) -> Flow:
    """延期 that takes effect at the 审查 step itself, on the head's word given with it."""
    extra = Transition("review", "extend_now", "review", TransitionKind.EXTEND, "延期")
    return replace(flow, transitions=(*flow.transitions, extra))


# A full case ---------------------------------------------------------------------------------------


def test_a_licence_runs_from_application_to_delivery(case_world, clock):
    opened = actions.do_open_case(
        actor=case_world.person("clerk"),
        unit=case_world.dept_a,
        power_code="XK001",
        applicant=APPLICANT,
        subject="申请成立志愿者协会",
    )
    case = opened.case
    assert case.number == f"140700-MZJ-2026-{case.pk:07d}"
    assert case.status == CaseStatus.OPEN and case.current_step == "accept" and case.due_on is None
    assert actions.find_by_query(case.number, opened.query_code.lower()) == case

    case = complete(case_world, case, "clerk", "accept", "pass")
    accepted = MONDAY.date()
    assert case.accepted_at == MONDAY
    # 行政许可法 art. 42, 82: 20 working days from 受理, across 国庆 2026 (10-01 … 10-07 off, 10-10 worked).
    assert case.due_on == due(accepted, 20) == dt.date(2026, 10, 30)
    assert case.warn_on == due(accepted, 16) == dt.date(2026, 10, 26)
    assert not case.provisional

    clock.advance(days=1)
    case = complete(case_world, case, "reviewer", "review", "pass")
    clock.advance(days=1)
    case = complete(case_world, case, "leader", "decide", "grant")
    clock.advance(days=14)
    case = complete(case_world, case, "clerk", "deliver", "done")

    case.refresh_from_db()
    assert case.status == CaseStatus.DONE and case.current_step == "" and case.result == "done"
    assert case.closed_at == clock() and case.due_on == dt.date(2026, 10, 30)
    steps = list(CaseStep.objects.filter(case=case).order_by("position"))
    assert [(s.step, s.outcome, s.completed_by, s.post) for s in steps] == [
        ("accept", "pass", case_world.person("clerk"), "受理岗"),
        ("review", "pass", case_world.person("reviewer"), "审核岗"),
        ("decide", "grant", case_world.person("leader"), "审批岗"),
        ("deliver", "done", case_world.person("clerk"), "受理岗"),
    ]
    # Each step runs on its own clock from the day it started.
    limits = {"accept": 5, "review": 10, "decide": 5, "deliver": 10}
    for step in steps:
        assert step.due_on == due(step.started_at.astimezone(SHANGHAI).date(), limits[step.step])
    assert list(CaseEvent.objects.filter(case=case).values_list("seq", "kind", "step")) == [
        (1, "opened", ""),
        (2, "step_completed", "accept"),
        (3, "step_completed", "review"),
        (4, "step_completed", "decide"),
        (5, "step_completed", "deliver"),
        (6, "closed", ""),
    ]
    actions_on_record = list(
        Entry.objects.filter(subject_type="cases.Case", subject_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions_on_record == ["cases.open"] + ["cases.complete_step"] * 4
    latest = Entry.objects.filter(subject_type="cases.Case", subject_id=str(case.pk)).last()
    assert latest is not None
    recorded = unsealed(latest, case)  # a case is not public: its leaf commits to it
    assert recorded["status"] == "done" and recorded["due_on"] == "2026-10-30"
    ledger_clean()


def test_a_penalty_case_runs_on_90_natural_days_from_filing(case_world, clock):
    case = open_penalty(case_world)

    case = run(case_world, case, PENALTY_PATH[:1])
    assert case.accepted_at == MONDAY
    assert case.due_on == due(MONDAY.date(), 90, natural=True)  # 行政处罚法 art. 60, 85

    case = run(case_world, case, PENALTY_PATH[1:])
    assert case.status == CaseStatus.DONE
    assert CaseStep.objects.filter(case=case, completed_at__isnull=False).count() == len(PENALTY_PATH)
    ledger_clean()


def test_a_rejected_application_ends_the_case(case_world):
    case = complete(case_world, open_licence(case_world), "clerk", "accept", "refuse")

    assert case.status == CaseStatus.DONE and case.result == "refuse" and case.accepted_at is None
    assert CaseEvent.objects.filter(case=case, kind="closed").exists()


# Refusals ------------------------------------------------------------------------------------------


def _wrong_step(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    case = open_licence(world)
    return case, "leader", "decide", "grant", {}


def _unknown_outcome(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    case = open_licence(world)
    return case, "clerk", "accept", "approve", {}


def _licence_separation(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    give_posts(world, "clerk", "审批岗")
    case = run(world, open_licence(world), LICENCE_PATH[:2])
    return case, "clerk", "decide", "grant", {}


def _penalty_separation(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    give_posts(world, "head", "执法岗")
    path = [("head" if step == "investigate" else key, step, outcome) for key, step, outcome in PENALTY_PATH]
    case = run(world, open_penalty(world), path[:5])
    return case, "head", "decide", "penalize", {}


def _repeated_correction(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    case = complete(world, open_licence(world), "clerk", "accept", "correct")
    return case, "clerk", "accept", "correct", {}


def _step_while_waiting_for_correction(
    world: World, clock: Clock
) -> tuple[Case, str, str, str, dict[str, Any]]:
    case = complete(world, open_licence(world), "clerk", "accept", "correct")
    return case, "clerk", "accept", "pass", {}


def _unapproved_extension(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    publish_flow(world, "XK001", with_extension_at_once)
    case = run(world, open_licence(world), LICENCE_PATH[:1])
    # The deputy is no head of the unit: his word is no approval.
    return case, "reviewer", "review", "extend_now", {"approved_by": world.person("leader")}


def _closed_case(world: World, clock: Clock) -> tuple[Case, str, str, str, dict[str, Any]]:
    case = actions.do_withdraw(actor=world.system, case=open_licence(world), reason="不办了")
    return case, "clerk", "accept", "pass", {}


REFUSALS: dict[str, tuple[Callable[[World, Clock], tuple[Case, str, str, str, dict[str, Any]]], str]] = {
    "a step that is not current": (_wrong_step, "illegal_transition"),
    "an outcome the step does not have": (_unknown_outcome, "illegal_transition"),
    "受理 and 决定 by one person": (_licence_separation, "separation_of_duties"),
    "调查 and 决定 by one person": (_penalty_separation, "separation_of_duties"),
    "a second 补正 with no new submission": (_repeated_correction, "repeated_correction"),
    "going on while the 补正 is unanswered": (_step_while_waiting_for_correction, "illegal_transition"),
    "延期 without the head": (_unapproved_extension, "unapproved_extension"),
    "a withdrawn case": (_closed_case, "case_closed"),
}


@pytest.mark.parametrize("situation", list(REFUSALS))
def test_a_refused_move_changes_nothing_and_is_recorded_for_supervision(case_world, clock, situation):
    given, code = REFUSALS[situation]
    case, key, step, outcome, extra = given(case_world, clock)
    before = snapshot(case)
    breaches = Breach.objects.count()

    with pytest.raises(CaseRefused) as refused:
        complete(case_world, case, key, step, outcome, **extra)

    assert refused.value.code == code and refused.value.http_status == 409
    assert refused.value.detail["case"] == case.number and refused.value.message
    assert snapshot(case) == before
    assert Breach.objects.count() == breaches + 1
    breach = Breach.objects.latest("pk")
    assert (breach.case, breach.unit, breach.person, breach.kind, breach.step, breach.outcome) == (
        case,
        case_world.dept_a,
        case_world.person(key),
        code,
        step,
        outcome,
    )
    assert breach.refused and breach.channel == "console" and breach.message == refused.value.message
    assert Entry.objects.filter(action="cases.refused_attempt", subject_type="cases.Breach").count() == 1
    ledger_clean()


def test_a_person_without_the_steps_post_is_forbidden(case_world):
    case = open_licence(case_world)
    before = snapshot(case)

    for key in ("reviewer", "clerk_b", "head"):
        with pytest.raises(Forbidden):
            complete(case_world, case, key, "accept", "pass")

    # The case is untouched; each attempt is on the record for supervision (越权), refused.
    assert snapshot(case) == before
    attempts = Breach.objects.filter(case=case).order_by("pk")
    assert [(b.kind, b.refused, b.person and b.person.username) for b in attempts] == [
        ("not_authorised", True, case_world.person(key).username) for key in ("reviewer", "clerk_b", "head")
    ]


def test_claiming_a_step_puts_it_in_ones_inbox(case_world):
    hire(case_world, "clerk2", "受理岗")
    case = open_licence(case_world)

    with pytest.raises(Forbidden):
        actions.do_claim_step(actor=case_world.person("reviewer"), case=case)
    row = actions.do_claim_step(actor=case_world.person("clerk"), case=case)
    assert row.step == "accept" and row.assignee == case_world.person("clerk")
    with pytest.raises(Conflict) as taken:
        actions.do_claim_step(actor=case_world.person("clerk2"), case=case)
    assert taken.value.code == "already_claimed"
    assert CaseEvent.objects.filter(case=case, kind="claimed", public=False).count() == 1
    ledger_clean()


# Opening -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "code", "error", "reason"),
    [
        ("dept_a", "NOPE01", RuleViolation, "power_not_published"),  # 清单之外无权力
        ("dept_b", "XK001", RuleViolation, "power_not_published"),  # 财政局 has no published list
        ("dept_a", "JC001", Conflict, "no_published_flow"),  # on the list, but no flow published
    ],
)
def test_a_case_opens_only_under_a_published_power_with_a_published_flow(
    case_world, unit, code, error, reason
):
    entries = Entry.objects.count()

    with pytest.raises(error) as refused:
        actions.do_open_case(
            actor=case_world.person("clerk"),
            unit=getattr(case_world, unit),
            power_code=code,
            applicant=APPLICANT,
        )

    assert refused.value.code == reason
    assert not Case.objects.exists() and Entry.objects.count() == entries


def test_an_applicant_needs_a_name(case_world):
    with pytest.raises(InvalidInput):
        open_licence(case_world, applicant=actions.Applicant(name="  "))
    assert not Case.objects.exists()


# 补正, 延期, 听证 ----------------------------------------------------------------------------------------


def test_a_correction_waits_for_the_applicant_and_a_second_one_needs_a_new_submission(case_world, clock):
    case = complete(case_world, open_licence(case_world), "clerk", "accept", "correct", comment="缺章程草案")

    assert case.status == CaseStatus.CORRECTION and case.corrections == 1 and not case.resubmitted
    assert not CaseStep.objects.filter(case=case, completed_at__isnull=True).exists()
    notice = CaseEvent.objects.get(case=case, kind="correction_requested")
    assert notice.public and "缺章程草案" in notice.text
    with pytest.raises(CaseRefused) as refused:
        complete(case_world, case, "clerk", "accept", "correct", comment="还缺验资报告")
    assert refused.value.code == "repeated_correction"

    clock.advance(days=2)
    case = actions.do_supplement(actor=case_world.system, case=case, note="已补充章程草案")

    assert case.status == CaseStatus.OPEN and case.resubmitted and case.current_step == "accept"
    assert CaseStep.objects.filter(case=case, step="accept", completed_at__isnull=True).count() == 1
    assert CaseEvent.objects.filter(case=case, kind="supplemented").count() == 1
    # The new submission may itself be incomplete: one more 补正 is allowed, then none until it is answered.
    case = complete(case_world, case, "clerk", "accept", "correct", comment="章程草案未签字")
    assert case.status == CaseStatus.CORRECTION and case.corrections == 2
    with pytest.raises(CaseRefused):
        complete(case_world, case, "clerk", "accept", "correct")
    case = actions.do_supplement(actor=case_world.system, case=case, note="已签字")
    case = run(case_world, case, LICENCE_PATH)
    assert case.status == CaseStatus.DONE
    ledger_clean()


def test_a_supplement_answers_only_an_open_correction_and_says_something(case_world):
    case = open_licence(case_world)
    with pytest.raises(Conflict) as refused:
        actions.do_supplement(actor=case_world.system, case=case, note="主动补充")
    assert refused.value.code == "not_in_correction"

    case = complete(case_world, case, "clerk", "accept", "correct")
    with pytest.raises(InvalidInput):
        actions.do_supplement(actor=case_world.system, case=case, note="  ")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CORRECTION


def test_a_correction_pauses_the_case_clock_and_the_supplement_resumes_it(case_world, clock):
    publish_flow(case_world, "XK001", with_review_correction)
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])
    assert (case.due_on, case.warn_on) == (dt.date(2026, 10, 30), dt.date(2026, 10, 26))

    clock.set(dt.datetime(2026, 10, 12, 10, tzinfo=SHANGHAI))
    case = complete(case_world, case, "reviewer", "review", "correct", comment="缺验资报告")

    left = (
        calendar_queries.work_calendar()
        .working_days_between(dt.date(2026, 10, 12), dt.date(2026, 10, 30))
        .days
    )
    assert case.status == CaseStatus.CORRECTION
    assert (case.paused_on, case.days_left) == (dt.date(2026, 10, 12), left)

    clock.set(dt.datetime(2026, 10, 19, 15, tzinfo=SHANGHAI))
    case = actions.do_supplement(actor=case_world.system, case=case, note="已补验资报告")

    assert case.status == CaseStatus.OPEN and case.current_step == "accept"
    assert case.paused_on is None and case.days_left is None
    # A week of 补正 is not counted: both dates move by the working days the pause took.
    assert case.due_on == due(dt.date(2026, 10, 19), left) == dt.date(2026, 11, 6)
    warn_left = calendar_queries.work_calendar().working_days_between(
        dt.date(2026, 10, 12), dt.date(2026, 10, 26)
    )
    assert case.warn_on == due(dt.date(2026, 10, 19), warn_left.days) == dt.date(2026, 11, 2)
    row = CaseStep.objects.get(case=case, step="accept", completed_at__isnull=True)
    assert row.due_on == due(dt.date(2026, 10, 19), 5)
    case = run(case_world, case, LICENCE_PATH)  # accepted again: the case clock does not start over
    assert case.status == CaseStatus.DONE and case.due_on == dt.date(2026, 11, 6)
    ledger_clean()


def test_an_extension_approved_by_the_head_adds_the_flows_ten_working_days(case_world, clock):
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])
    old_due = case.due_on
    assert old_due is not None

    clock.advance(days=14)
    case = complete(case_world, case, "reviewer", "review", "extend", comment="需实地核查")
    assert case.current_step == "extend" and not case.extended and case.due_on == old_due
    with pytest.raises(Forbidden):
        complete(case_world, case, "leader", "extend", "approve")  # only the head (负责人) decides
    case = complete(case_world, case, "head", "extend", "approve")

    assert case.extended and case.current_step == "review"
    assert case.due_on == due(old_due, 10) == dt.date(2026, 11, 13)  # 行政许可法 art. 42
    extended = CaseEvent.objects.get(case=case, kind="extended")
    assert extended.public and extended.person == case_world.person("head")
    assert extended.text == "办理期限延长（经本机关负责人批准）"  # no staff name in what the applicant reads
    case = run(case_world, case, LICENCE_PATH[1:])
    assert case.status == CaseStatus.DONE and case.due_on == dt.date(2026, 11, 13)
    ledger_clean()


def test_a_denied_extension_leaves_the_limit_alone(case_world):
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])
    old_due = case.due_on

    case = complete(case_world, case, "reviewer", "review", "extend")
    case = complete(case_world, case, "head", "extend", "deny")

    assert not case.extended and case.due_on == old_due and case.current_step == "review"


def test_an_extension_at_the_step_itself_takes_the_heads_word(case_world):
    publish_flow(case_world, "XK001", with_extension_at_once)
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])
    old_due = case.due_on
    assert old_due is not None

    case = complete(
        case_world, case, "reviewer", "review", "extend_now", approved_by=case_world.person("head")
    )

    assert case.extended and case.due_on == due(old_due, 10) and case.current_step == "review"
    ledger_clean()


def test_a_hearing_suspends_the_case_and_its_end_resumes_it(case_world, clock):
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])

    clock.set(dt.datetime(2026, 10, 12, 10, tzinfo=SHANGHAI))
    case = complete(case_world, case, "reviewer", "review", "hearing")

    assert case.status == CaseStatus.SUSPENDED and case.current_step == "hearing"
    assert case.paused_on == dt.date(2026, 10, 12)
    hearing = CaseStep.objects.get(case=case, step="hearing")
    assert hearing.due_on is None  # 行政许可法 art. 45: not counted
    assert CaseEvent.objects.filter(case=case, kind="suspended").exists()

    clock.set(dt.datetime(2026, 10, 26, 10, tzinfo=SHANGHAI))
    case = complete(case_world, case, "leader", "hearing", "done")

    assert case.status == CaseStatus.OPEN and case.current_step == "decide" and case.paused_on is None
    left = (
        calendar_queries.work_calendar()
        .working_days_between(dt.date(2026, 10, 12), dt.date(2026, 10, 30))
        .days
    )
    assert case.due_on == due(dt.date(2026, 10, 26), left)
    assert CaseEvent.objects.filter(case=case, kind="resumed").exists()
    case = complete(case_world, case, "leader", "decide", "grant")
    assert case.current_step == "deliver"
    ledger_clean()


# Withdraw, terminate, rate ---------------------------------------------------------------------------


def test_the_applicant_may_withdraw_an_open_case_once(case_world):
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])

    case = actions.do_withdraw(actor=case_world.system, case=case, reason="材料需重新准备")

    assert case.status == CaseStatus.WITHDRAWN and case.closed_at is not None and case.current_step == ""
    assert CaseStep.objects.get(case=case, step="review").outcome == "withdrawn"
    assert "材料需重新准备" in CaseEvent.objects.get(case=case, kind="withdrawn").text
    with pytest.raises(Conflict) as refused:
        actions.do_withdraw(actor=case_world.system, case=case)
    assert refused.value.code == "case_closed"
    ledger_clean()


def test_only_the_head_terminates_and_only_with_a_reason(case_world):
    case = run(case_world, open_licence(case_world), LICENCE_PATH[:1])
    before = snapshot(case)

    with pytest.raises(Forbidden):
        actions.do_terminate(actor=case_world.person("clerk"), case=case, reason="申请人已注销")
    with pytest.raises(Forbidden):
        actions.do_terminate(actor=case_world.person("head_b"), case=case, reason="申请人已注销")
    with pytest.raises(InvalidInput):
        actions.do_terminate(actor=case_world.person("head"), case=case, reason=" ")
    assert snapshot(case) == before

    case = actions.do_terminate(actor=case_world.person("head"), case=case, reason="申请人已注销")

    assert case.status == CaseStatus.TERMINATED and case.current_step == ""
    review = CaseStep.objects.get(case=case, step="review")
    assert review.outcome == "terminated" and review.completed_by == case_world.person("head")
    assert "申请人已注销" in CaseEvent.objects.get(case=case, kind="terminated").text
    with pytest.raises(Conflict):
        actions.do_terminate(actor=case_world.person("head"), case=case, reason="再次终止")
    ledger_clean()


def test_a_finished_case_is_rated_once_and_the_head_replies(case_world):
    case = open_licence(case_world)
    with pytest.raises(Conflict) as early:
        actions.do_rate(actor=case_world.system, case=case, score=5)
    assert early.value.code == "not_done"
    case = run(case_world, case, LICENCE_PATH)
    for score in (0, 6):
        with pytest.raises(InvalidInput):
            actions.do_rate(actor=case_world.system, case=case, score=score)

    rating = actions.do_rate(actor=case_world.system, case=case, score=2, comment="等待时间太长")

    assert rating.is_bad and Rating.objects.get(case=case).comment == "等待时间太长"
    with pytest.raises(Conflict) as again:
        actions.do_rate(actor=case_world.system, case=case, score=5)
    assert again.value.code == "already_rated"
    for key in ("clerk", "head_b"):
        with pytest.raises(Forbidden):
            actions.do_reply_rating(actor=case_world.person(key), rating=rating, reply="收到")
    with pytest.raises(InvalidInput):
        actions.do_reply_rating(actor=case_world.person("head"), rating=rating, reply=" ")

    rating = actions.do_reply_rating(
        actor=case_world.person("head"), rating=rating, reply="已约谈经办人，优化流程"
    )

    rating.refresh_from_db()
    assert rating.reply == "已约谈经办人，优化流程" and rating.replied_by == case_world.person("head")
    ledger_clean()


def test_a_wrong_query_code_finds_nothing(case_world):
    case = open_licence(case_world)

    for number, code in ((case.number, "WRONGCODE2"), (case.number, ""), ("nope", "WRONGCODE2")):
        with pytest.raises(NotFound):
            actions.find_by_query(number, code)


# Personal data -------------------------------------------------------------------------------------


def test_personal_data_never_enters_a_public_ledger_leaf(case_world, clock, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    pdf = b"%PDF-1.7 articles of association"
    case = open_licence(case_world, files=[("章程.pdf", "章程草案", pdf, "application/pdf")])
    case = complete(case_world, case, "clerk", "accept", "correct", comment="缺验资报告")
    case = actions.do_supplement(
        actor=case_world.system, case=case, files=[("验资.pdf", "验资报告", pdf + b"2", "application/pdf")]
    )
    with pytest.raises(CaseRefused):
        complete(case_world, case, "leader", "decide", "grant")
    case = run(case_world, case, LICENCE_PATH)
    actions.do_rate(actor=case_world.system, case=case, score=5, comment="办事快")

    secrets = [APPLICANT.id_number, APPLICANT.phone, APPLICANT.address, "章程.pdf"]
    leaves = [bytes(data) for data in Entry.objects.values_list("data", flat=True)]
    assert len(leaves) > 30
    for secret in secrets:
        forms = {secret.encode(), json.dumps(secret).strip('"').encode()}  # raw UTF-8 and \\u-escaped
        assert not any(form in leaf for leaf in leaves for form in forms), secret
    # They are on the record all the same, privately: the case's leaves commit to them.
    case_leaves = Entry.objects.filter(subject_type="cases.Case", subject_id=str(case.pk))
    assert all(entry.content["private"] for entry in case_leaves)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.applicant_id_number, stored.applicant_phone) == (APPLICANT.id_number, APPLICANT.phone)
    ledger_clean()
