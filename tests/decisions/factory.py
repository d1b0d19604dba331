"""One of everything the decision record keeps, through the actions: a published catalogue, a topic
with a pre-decision step and a declared interest, a meeting with an apology, statements (and the
principal's refused attempt to state first), ballots, the computed decision and closed minutes."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from liuquan.decisions import actions, imports
from liuquan.decisions.actions import DecisionRefused, MatterInput
from liuquan.decisions.models import Meeting
from liuquan.decisions.rules import Category, Choice, PreStep
from liuquan.org import actions as org_actions
from liuquan.org.models import LeaderRank, Person, Unit

BODY = "局务会议"


def leadership(system: Person, unit: Unit, size: int = 4) -> list[Person]:
    """The unit's leadership, principal first, topped up with new deputies to `size` members."""
    places = actions.members_of(unit)
    if not any(place.rank == LeaderRank.PRINCIPAL for place in places):
        head = org_actions.do_create_person(
            actor=system, username=f"u{unit.pk}-yibashou", full_name="主要负责人", unit=unit
        )
        org_actions.do_appoint_leader(actor=system, unit=unit, person=head, rank="principal", title="局长")
    for number in range(len(actions.members_of(unit)), size):
        deputy = org_actions.do_create_person(
            actor=system, username=f"u{unit.pk}-fu{number}", full_name=f"副职{number}", unit=unit
        )
        org_actions.do_appoint_leader(actor=system, unit=unit, person=deputy, rank="deputy", title="副局长")
    return [place.person for place in actions.members_of(unit)]


def record_a_meeting(system: Person, unit: Unit, held_at: dt.datetime, *, finish: bool = True) -> Meeting:
    """With `finish` False the meeting stays open after the first statement, with a second topic (a
    funds matter, which needs no step) on its agenda, uncounted."""
    principal, present, recused, absent, *_ = leadership(system, unit)
    catalogue = actions.do_open_catalogue(actor=system, unit=unit)
    for matter in (
        MatterInput("JC-01", Category.DECISION, "制定重大政策措施", BODY, pre_steps=(PreStep.LEGALITY,)),
        MatterInput("RS-01", Category.PERSONNEL, "科级干部任免", BODY, secret=True),
        MatterInput("XM-01", Category.PROJECT, "100万元以上项目", BODY, threshold=Decimal("1000000")),
        MatterInput(
            "ZJ-01",
            Category.FUNDS,
            "50万元以上资金使用",
            BODY,
            threshold=Decimal("500000"),
            basis="本局议事规则第五条",
        ),
    ):
        actions.do_set_matter(actor=system, catalogue=catalogue, matter=matter)
    if not finish:  # a matter of this catalogue alone
        extra = MatterInput("QT-01", Category.FUNDS, "政府采购资金", BODY, threshold=Decimal("2000000"))
        actions.do_set_matter(actor=system, catalogue=catalogue, matter=extra)
    actions.do_publish_catalogue(actor=system, catalogue=catalogue)
    topic = actions.do_propose_topic(
        actor=system,
        unit=unit,
        matter_code="JC-01",
        title="制定困难群众临时救助实施办法",
        materials="办法草案及起草说明",
        public_summary="审议通过困难群众临时救助实施办法",
    )
    actions.do_record_step(
        actor=system,
        topic=topic,
        kind=PreStep.LEGALITY,
        started=held_at.date() - dt.timedelta(days=30),
        ended=held_at.date() - dt.timedelta(days=10),
    )
    actions.do_declare_interest(actor=recused, topic=topic, reason="近亲属参与起草")
    topics = [topic]
    if not finish:
        topics.append(
            actions.do_propose_topic(
                actor=system,
                unit=unit,
                matter_code="ZJ-01",
                title="安排救助资金60万元",
                materials="资金安排方案",
                amount=Decimal("600000"),
            )
        )
    meeting = actions.do_convene(actor=system, unit=unit, body=BODY, held_at=held_at, topics=topics)
    item = meeting.items.get(position=1)
    for person in (principal, present):
        actions.do_sign_in(actor=system, meeting=meeting, person=person)
    actions.do_record_apology(actor=system, meeting=meeting, person=absent, opinion="出差，书面意见：同意")
    with contextlib.suppress(DecisionRefused):  # the principal states last: the attempt is on the record
        actions.do_state(actor=system, item=item, person=principal, position=Choice.AGREE, reasons="先表态")
    actions.do_state(
        actor=system, item=item, person=present, position=Choice.AGREE, reasons="草案经合法性审查"
    )
    if not finish:
        return meeting
    actions.do_state(actor=system, item=item, person=principal, position=Choice.AGREE, reasons="同意")
    for person in (principal, present):
        actions.do_vote(actor=system, item=item, voter=person, choice=Choice.AGREE)
    decision = actions.do_count(actor=system, item=item)
    records(system, unit, decision.number, held_at.date())
    return actions.do_close_meeting(actor=system, meeting=meeting)


def records(system: Person, unit: Unit, cites: str, day: dt.date) -> None:
    """A payment and an appointment of the unit, imported as its office would."""
    with tempfile.TemporaryDirectory() as folder:
        for kind, header, row in (
            (
                imports.PAYMENTS,
                ["凭证号", "日期", "收款人", "金额", "用途", "项目编码", "决策编号"],
                [f"V{unit.pk}-001", day.isoformat(), "某服务公司", "1200.50", "办公用品", "", cites],
            ),
            (
                imports.APPOINTMENTS,
                ["姓名", "职务", "任免日期", "文号", "决策编号"],
                [f"某甲{unit.pk}", "办公室主任", day.isoformat(), f"任〔{unit.pk}〕1号", ""],
            ),
        ):
            path = Path(folder) / f"{kind.name}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([header, row])
            imports.do_import(actor=system, plan=imports.plan_import(path, kind=kind, unit=unit))
