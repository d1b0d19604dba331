"""A meeting from the record's side and the attacker's: topics prepared through their steps, quorum,
statements with the principal last (重大行政决策程序暂行条例 art. 30 para. 2), ballots, the computed result,
the register, minutes amended then final — and every refused attempt on the record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.decisions import actions
from liuquan.decisions.actions import DecisionRefused, MatterInput
from liuquan.decisions.models import Ballot, Decision, MeetingStatus, Refusal, TopicStatus
from liuquan.decisions.rules import Category, Choice, PreStep, Ratio
from liuquan.ledger import audit
from tests.decisions.conftest import BODY, MEMBERS, TUESDAY, personnel_topic


def topic(world, code="ZJ-01", title="拨付社会救助专项资金80万元", **extra):
    return actions.do_propose_topic(
        actor=world.person("leader"),
        unit=world.dept_a,
        matter_code=code,
        title=title,
        materials="资金使用方案及测算依据",
        public_summary="同意拨付社会救助专项资金",
        amount=Decimal("800000"),
        **extra,
    )


def convene(world, *topics):
    return actions.do_convene(
        actor=world.person("clerk"), unit=world.dept_a, body=BODY, held_at=TUESDAY, topics=list(topics)
    )


def sign_in(world, meeting, *keys):
    for key in keys:
        actions.do_sign_in(actor=world.person("clerk"), meeting=meeting, person=world.person(key))


def state(world, item, key, position=Choice.AGREE):
    return actions.do_state(
        actor=world.person("clerk"),
        item=item,
        person=world.person(key),
        position=position,
        reasons="理由充分",
    )


def refusals(code):
    return Refusal.objects.filter(code=code).count()


def test_a_whole_meeting_ends_in_the_register_with_a_computed_result(board):
    item = convene(board, topic(board)).items.get()
    meeting = item.meeting
    sign_in(board, meeting, *MEMBERS)
    for key in MEMBERS[1:]:
        state(board, item, key)
    state(board, item, "head")
    for key in MEMBERS:
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    decision = actions.do_count(actor=board.person("clerk"), item=item)
    assert decision.outcome == "passed" and decision.number.startswith(f"{board.dept_a.code}-JC-2026-")
    item.refresh_from_db()
    assert (item.agree, item.base) == (5, 5) and "应到" in item.basis
    assert item.topic.status == TopicStatus.PASSED
    actions.do_close_meeting(actor=board.person("clerk"), meeting=meeting)
    meeting.refresh_from_db()
    assert "结果：通过" in meeting.minutes and meeting.minutes.index("副局长dep4") < meeting.minutes.index(
        "测试head：同意"
    )
    assert audit.verify_records()[1] == []


def test_the_principal_cannot_state_before_the_others_art_30_para_2(board):
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    state(board, item, "leader")
    with pytest.raises(DecisionRefused) as refused:
        state(board, item, "head")
    assert "最后表态" in refused.value.message and refused.value.http_status == 409
    assert refusals("principal_not_last") == 1  # on the record for 纪检
    for key in ("dep2", "dep3", "dep4"):
        state(board, item, key)
    state(board, item, "head")
    with pytest.raises(DecisionRefused):
        state(board, item, "dep2")  # nobody states twice, nor after the principal


def test_an_absent_member_does_not_hold_the_principal_up_and_their_opinion_is_no_vote(board):
    item = convene(board, topic(board)).items.get()
    meeting = item.meeting
    sign_in(board, meeting, "head", "leader", "dep2", "dep3")
    actions.do_record_apology(
        actor=board.person("clerk"), meeting=meeting, person=board.person("dep4"), opinion="同意"
    )
    for key in ("leader", "dep2", "dep3", "head"):
        state(board, item, key)
    with pytest.raises(DecisionRefused) as refused:
        actions.do_vote(
            actor=board.person("clerk"), item=item, voter=board.person("dep4"), choice=Choice.AGREE
        )
    assert refused.value.code == "absent"


def test_a_vote_passes_on_the_members_entitled_not_on_those_present(board):
    """5 members, 3 present, 3 agree: more than half of 实到 but not of 应到 — not passed."""
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, "head", "leader", "dep2")
    for key in ("leader", "dep2", "head"):
        state(board, item, key)
    for key in ("head", "leader"):
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    actions.do_vote(
        actor=board.person("clerk"), item=item, voter=board.person("dep2"), choice=Choice.DISAGREE
    )
    decision = actions.do_count(actor=board.person("clerk"), item=item)
    assert decision.outcome == "rejected"  # 2 of 应到 5 is not more than half


def test_no_quorum_no_statements(board):
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, "head", "leader")  # 2 of 5
    with pytest.raises(DecisionRefused) as refused:
        state(board, item, "leader")
    assert refused.value.code == "no_quorum" and refusals("no_quorum") == 1


def test_a_recused_member_cannot_state_or_vote(board):
    prepared = topic(board)
    actions.do_declare_interest(actor=board.person("dep2"), topic=prepared, reason="配偶系资金使用单位负责人")
    item = convene(board, prepared).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    with pytest.raises(DecisionRefused) as refused:
        state(board, item, "dep2")
    assert refused.value.code == "recused"
    for key in ("leader", "dep3", "dep4", "head"):
        state(board, item, key)  # the principal is not held up by the recused member
    with pytest.raises(DecisionRefused):
        actions.do_vote(
            actor=board.person("clerk"), item=item, voter=board.person("dep2"), choice=Choice.AGREE
        )
    for key in ("leader", "dep3", "head"):
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    actions.do_vote(
        actor=board.person("clerk"), item=item, voter=board.person("dep4"), choice=Choice.DISAGREE
    )
    decision = actions.do_count(actor=board.person("clerk"), item=item)
    item.refresh_from_db()
    assert decision.outcome == "passed" and item.base == 4  # the recused member is not 应到


def test_a_secret_ballot_names_nobody_and_only_the_member_casts_it(board):
    personnel = personnel_topic(board, "任命某同志为办公室主任")
    item = convene(board, personnel).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    for key in (*MEMBERS[1:], "head"):
        state(board, item, key)
    with pytest.raises(Forbidden):
        actions.do_vote(
            actor=board.person("clerk"), item=item, voter=board.person("leader"), choice=Choice.AGREE
        )
    for key in MEMBERS:
        actions.do_vote(actor=board.person(key), item=item, voter=board.person(key), choice=Choice.AGREE)
    assert not Ballot.objects.filter(item=item, person__isnull=False).exists()
    decision = actions.do_count(actor=board.person("clerk"), item=item)
    assert decision.public_summary == ""  # personnel details never in the public part


def test_a_topic_missing_a_required_step_cannot_be_tabled_art_25(board):
    policy = topic(board, code="JC-01", title="制定困难群众救助办法")
    with pytest.raises(RuleViolation) as refused:
        convene(board, policy)
    assert "公众参与" in refused.value.message and "合法性审查" in refused.value.message
    actions.do_record_step(
        actor=board.person("clerk"),
        topic=policy,
        kind=PreStep.PUBLIC_COMMENT,
        started=dt.date(2026, 9, 1),
        ended=dt.date(2026, 9, 20),
    )
    actions.do_record_step(
        actor=board.person("clerk"),
        topic=policy,
        kind=PreStep.LEGALITY,
        started=dt.date(2026, 10, 12),
        ended=dt.date(2026, 10, 14),
    )
    with pytest.raises(RuleViolation) as short:
        convene(board, policy)
    assert "第十五条" in short.value.message and "第二十六条" in short.value.message
    actions.do_record_step(
        actor=board.person("clerk"),
        topic=policy,
        kind=PreStep.PUBLIC_COMMENT,
        started=dt.date(2026, 9, 1),
        ended=dt.date(2026, 10, 8),
    )
    actions.do_record_step(
        actor=board.person("clerk"),
        topic=policy,
        kind=PreStep.LEGALITY,
        started=dt.date(2026, 10, 12),
        ended=dt.date(2026, 10, 22),
    )
    assert convene(board, policy).items.get().topic == policy


def test_final_minutes_cannot_be_edited_and_the_attempt_is_recorded(board, clock):
    item = convene(board, topic(board)).items.get()
    meeting = item.meeting
    sign_in(board, meeting, *MEMBERS)
    for key in (*MEMBERS[1:], "head"):
        state(board, item, key)
    for key in MEMBERS:
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    actions.do_count(actor=board.person("clerk"), item=item)
    actions.do_close_meeting(actor=board.person("clerk"), meeting=meeting)
    actions.do_amend_minutes(
        actor=board.person("clerk"), meeting=meeting, text=meeting.minutes + "\n（文字修订）"
    )
    clock.set(TUESDAY + dt.timedelta(days=4))
    with pytest.raises(DecisionRefused) as refused:
        actions.do_amend_minutes(actor=board.person("clerk"), meeting=meeting, text="改写决定")
    assert refused.value.code == "minutes_frozen" and refusals("minutes_frozen") == 1
    actions.do_freeze_minutes(actor=board.person("inspector"), meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.FROZEN and "改写决定" not in meeting.minutes
    with pytest.raises(DecisionRefused):
        actions.do_state(
            actor=board.person("clerk"),
            item=item,
            person=board.person("dep2"),
            position=Choice.AGREE,
            reasons="补充",
        )


def test_a_decision_changes_only_by_a_new_topic_citing_it(board):
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    for key in (*MEMBERS[1:], "head"):
        state(board, item, key)
    for key in MEMBERS:
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    decision = actions.do_count(actor=board.person("clerk"), item=item)
    change = topic(board, title="调整救助资金拨付额度", cites=decision)
    assert change.cites == decision and Decision.objects.count() == 1


def test_the_catalogue_must_cover_the_four_kinds_and_never_ask_less_than_the_floor(board):
    draft = actions.do_open_catalogue(actor=board.person("head"), unit=board.dept_a)
    with pytest.raises(InvalidInput):
        actions.do_set_matter(
            actor=board.person("head"),
            catalogue=draft,
            matter=MatterInput("RS-02", Category.PERSONNEL, "任免", BODY, quorum=Ratio(1, 2, strict=True)),
        )
    with pytest.raises(InvalidInput):
        actions.do_set_matter(
            actor=board.person("head"),
            catalogue=draft,
            matter=MatterInput(
                "ZJ-02",
                Category.FUNDS,
                "资金",
                BODY,
                threshold=Decimal("1"),
                vote_rule=Ratio(1, 3, strict=False),
            ),
        )
    with pytest.raises(Forbidden):
        actions.do_set_matter(
            actor=board.person("clerk"),
            catalogue=draft,
            matter=MatterInput("ZJ-03", Category.FUNDS, "资金", BODY, threshold=Decimal("1")),
        )
    draft.matters.filter(category="project").delete()
    with pytest.raises(RuleViolation) as refused:
        actions.do_publish_catalogue(actor=board.person("head"), catalogue=draft)
    assert "重大项目安排" in refused.value.message


def test_only_a_member_of_the_leadership_proposes_and_only_the_office_convenes(board):
    with pytest.raises(Forbidden):
        actions.do_propose_topic(
            actor=board.person("clerk"),
            unit=board.dept_a,
            matter_code="ZJ-01",
            title="某资金",
            materials="方案",
        )
    prepared = topic(board)
    with pytest.raises(Forbidden):
        actions.do_convene(
            actor=board.person("leader"), unit=board.dept_a, body=BODY, held_at=TUESDAY, topics=[prepared]
        )
    convene(board, prepared)
    with pytest.raises(Conflict):
        convene(board, prepared)  # a topic on one agenda at a time


def test_a_recusal_after_the_statements_began_is_refused_so_nobody_changes_who_counts(board):
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    state(board, item, "leader")
    with pytest.raises(DecisionRefused) as refused:
        actions.do_declare_interest(actor=board.person("dep2"), topic=item.topic, reason="想起来了")
    assert refused.value.code == "recusal_too_late" and refusals("recusal_too_late") == 1
