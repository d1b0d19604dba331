"""三重一大 against what happened: payments and appointments imported from the unit's files, matched
against the decision register (decisions.records), each fault one alert through the usual lifecycle."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from liuquan.decisions import actions, imports
from liuquan.decisions.models import Decision
from liuquan.decisions.rules import Choice, PreStep
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert, AlertStatus
from tests.decisions.conftest import BODY, MEMBERS, TUESDAY
from tests.decisions.conftest import board as board
from tests.decisions.conftest import clock as clock

FIXTURES = Path(__file__).resolve().parents[1] / "decisions" / "fixtures"
DECISION_RULES = (
    "undecided_major_spending",
    "undecided_appointment",
    "split_below_threshold",
    "decision_by_one",
    "quorum_override",
)


@pytest.fixture(autouse=True)
def _no_event_runs(settings):
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False


def decide(world, code: str, title: str, amount: Decimal | None = None) -> Decision:
    """A topic passed in a whole meeting: everyone present states (the principal last) and agrees."""
    topic = actions.do_propose_topic(
        actor=world.person("leader"),
        unit=world.dept_a,
        matter_code=code,
        title=title,
        materials="方案及依据",
        amount=amount,
    )
    if topic.matter.required_steps:
        for kind in topic.matter.required_steps:
            actions.do_record_step(
                actor=world.person("clerk"),
                topic=topic,
                kind=kind,
                started=TUESDAY.date() - dt.timedelta(days=40),
                ended=TUESDAY.date() - dt.timedelta(days=5),
            )
    clerk = world.person("clerk")
    meeting = actions.do_convene(actor=clerk, unit=world.dept_a, body=BODY, held_at=TUESDAY, topics=[topic])
    item = meeting.items.get()
    for key in MEMBERS:
        actions.do_sign_in(actor=clerk, meeting=meeting, person=world.person(key))
    for key in (*MEMBERS[1:], MEMBERS[0]):
        actions.do_state(
            actor=clerk, item=item, person=world.person(key), position=Choice.AGREE, reasons="同意"
        )
    for key in MEMBERS:
        voter = world.person(key)
        actor = voter if topic.matter.secret else clerk
        actions.do_vote(actor=actor, item=item, voter=voter, choice=Choice.AGREE)
    return actions.do_count(actor=clerk, item=item)


@pytest.fixture
def register(board):
    """The 民政局's register: 0001 a funds decision naming its payee, 0002 a personnel decision."""
    first = decide(board, "ZJ-01", "向晋中市慈善总会拨付社会救助专项资金80万元", Decimal("800000"))
    second = decide(board, "RS-01", "任命张三为社会救助科科长")
    assert [first.number, second.number] == ["140700-MZJ-JC-2026-0001", "140700-MZJ-JC-2026-0002"]
    assert PreStep.INQUIRY in second.item.topic.matter.required_steps
    return board


def load(world, name: str, kind: imports.Kind, tmp_path: Path | None = None) -> int:
    path = FIXTURES / name
    if tmp_path is not None:
        path = Path(shutil.copy(path, tmp_path / name))
    plan = imports.plan_import(path, kind=kind, unit=world.dept_a)
    assert plan.problems == []
    return imports.do_import(actor=world.person("clerk"), plan=plan)


def raised() -> dict[str, int]:
    counts = {rule: Alert.objects.filter(rule=rule).count() for rule in DECISION_RULES}
    return {rule: count for rule, count in counts.items() if count}


def test_a_planted_split_payment_and_an_undecided_appointment_raise_exactly_their_alerts(register):
    assert load(register, "payments.csv", imports.PAYMENTS) == 7
    assert load(register, "appointments.csv", imports.APPOINTMENTS) == 2
    sweep.run_sweep(today=dt.date(2026, 12, 31))
    # A cited decision covers 0101; 0102 matches decision 0001 by its payee; 0103-0105 are one split
    # (55万 in 15 days to one printer, each under 50万); 0107 comes 33 days later: not in it.
    assert raised() == {"split_below_threshold": 1, "undecided_appointment": 1}
    split = Alert.objects.get(rule="split_below_threshold")
    assert split.detail["vouchers"] == ["ZF-2026-0103", "ZF-2026-0104", "ZF-2026-0105"]
    assert split.detail["total"] == "550000.00" and split.level == "yellow"
    assert "宏达" not in split.subject and "宏达" not in str(split.detail)  # no payee on the card
    appointment = Alert.objects.get(rule="undecided_appointment")
    assert "市民发〔2026〕13号" in appointment.subject and "李四" not in appointment.subject
    assert appointment.status == AlertStatus.OPEN and appointment.respond_by is not None


def test_importing_the_same_files_again_adds_nothing_and_raises_nothing_new(register, tmp_path):
    load(register, "payments.csv", imports.PAYMENTS)
    load(register, "appointments.csv", imports.APPOINTMENTS)
    sweep.run_sweep(today=dt.date(2026, 12, 31))
    before = Alert.objects.count()
    assert load(register, "payments.csv", imports.PAYMENTS, tmp_path) == 0
    assert load(register, "appointments.csv", imports.APPOINTMENTS, tmp_path) == 0
    assert sweep.run_sweep(today=dt.date(2026, 12, 31)).total == 0
    assert Alert.objects.count() == before


def payments_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "more.csv"
    path.write_text(
        "凭证号,日期,收款人,金额,用途,项目编码,决策编号\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return path


def import_file(world, path: Path, kind: imports.Kind = imports.PAYMENTS) -> int:
    plan = imports.plan_import(path, kind=kind, unit=world.dept_a)
    assert plan.problems == []
    return imports.do_import(actor=world.person("clerk"), plan=plan)


def test_undecided_major_spending_only_at_or_above_the_catalogue_threshold_without_a_covering_decision(
    register, tmp_path
):
    """The 民政局's catalogue: 资金 ≥ 50万元 (ZJ-01), 项目 ≥ 100万元 (XM-01)."""
    number = "140700-MZJ-JC-2026-0001"
    import_file(
        register,
        payments_file(
            tmp_path,
            "A1,2026-11-16,某建筑公司,499999.99,办公楼维修,,",  # under 50万: no decision needed
            "A2,2026-11-16,某建筑公司,500000.00,围墙维修,,",  # at 50万, no decision: raised
            f"A3,2026-11-16,某公司,900000.00,社会救助专项资金,,{number}",  # more than decided (80万): raised
            f"A4,2026-11-09,某公司,100000.00,社会救助专项资金,,{number}",  # under the threshold: fine
            f"A5,2026-11-09,晋中市慈善总会,600000.00,社会救助专项资金,,{number}",  # paid before the decision
            "A6,2026-11-16,某科技公司,700000.00,系统建设,XM-2026-01,",  # reaches 资金 (50万): raised
        ),
    )
    sweep.run_sweep(today=dt.date(2026, 11, 30))
    found = {
        alert.detail["voucher"]: alert for alert in Alert.objects.filter(rule="undecided_major_spending")
    }
    assert sorted(found) == ["A2", "A3", "A6"]
    assert all(alert.level == "red" for alert in found.values())
    assert "少于本笔支付" in found["A3"].subject
    # A5 (9 Nov) is before the catalogue came into force (10 Nov): no threshold held it.
    assert raised() == {"undecided_major_spending": 3}


def test_decision_by_one_a_payment_citing_a_number_not_in_the_register(register, tmp_path):
    import_file(
        register, payments_file(tmp_path, "B1,2026-11-16,某公司,600000,设备采购,,140700-MZJ-JC-2026-0099")
    )
    sweep.run_sweep(today=dt.date(2026, 11, 30))
    assert raised() == {"decision_by_one": 1}  # not also undecided_major_spending: one fault, one alert
    assert "不在决策登记簿中" in Alert.objects.get(rule="decision_by_one").subject


def test_decision_by_one_a_passed_decision_with_no_statement_but_the_principals(register):
    from liuquan.decisions.models import Statement

    decision = Decision.objects.get(number="140700-MZJ-JC-2026-0001")
    # A record that reached the register otherwise than through the meeting room: only the head stated.
    Statement.objects.filter(item=decision.item).exclude(person=register.person("head")).delete()
    sweep.run_sweep()
    alert = Alert.objects.get(rule="decision_by_one")
    assert alert.detail["number"] == decision.number
    assert sweep.run_sweep().total == 0


def test_quorum_override_a_topic_refused_for_want_of_quorum_then_decided_in_the_same_meeting(board, clock):
    topic = actions.do_propose_topic(
        actor=board.person("leader"),
        unit=board.dept_a,
        matter_code="ZJ-01",
        title="拨付社会救助专项资金60万元",
        materials="方案",
        amount=Decimal("600000"),
    )
    clerk = board.person("clerk")
    meeting = actions.do_convene(actor=clerk, unit=board.dept_a, body=BODY, held_at=TUESDAY, topics=[topic])
    item = meeting.items.get()
    for key in ("head", "leader"):
        actions.do_sign_in(actor=clerk, meeting=meeting, person=board.person(key))
    with pytest.raises(actions.DecisionRefused):
        actions.do_state(
            actor=clerk, item=item, person=board.person("leader"), position=Choice.AGREE, reasons="同意"
        )
    clock.advance(minutes=5)
    for key in ("dep2", "dep3", "dep4"):
        actions.do_sign_in(actor=clerk, meeting=meeting, person=board.person(key))
    for key in (*MEMBERS[1:], MEMBERS[0]):
        actions.do_state(
            actor=clerk, item=item, person=board.person(key), position=Choice.AGREE, reasons="同意"
        )
    for key in MEMBERS:
        actions.do_vote(actor=clerk, item=item, voter=board.person(key), choice=Choice.AGREE)
    decision = actions.do_count(actor=clerk, item=item)
    sweep.run_sweep()
    assert raised() == {"quorum_override": 1}
    assert Alert.objects.get(rule="quorum_override").detail["number"] == decision.number
    assert sweep.run_sweep().total == 0


def test_a_clean_meeting_record_raises_no_decision_alert(register):
    sweep.run_sweep()
    assert raised() == {}
