"""三重一大 in the demo city: 晋中市财政局 publishes its catalogue of major matters and holds two 局务会议
today — in the first its 局长 asks to speak first and is refused, and an appointment is put to a secret
ballot; the second opens without a quorum and decides once a deputy arrives. Its payments and
appointments are then imported as the office would, with a planted split payment, a large payment with
no decision, one citing a decision number that does not exist and an appointment no meeting decided.
The supervision sweep that follows raises those alerts. Fictional people, fictional amounts."""

from __future__ import annotations

import contextlib
import csv
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from liuquan.decisions import actions, imports
from liuquan.decisions.actions import DecisionRefused, MatterInput
from liuquan.decisions.models import Catalogue, Decision, Topic
from liuquan.decisions.rules import Category, Choice, PreStep, VoteBase
from liuquan.org import actions as org_actions
from liuquan.org.models import Person, Unit

CZJ = "140700-CZJ"
BODY = "局务会议"
MATTERS = [
    MatterInput(
        "JC-01",
        Category.DECISION,
        "制定本市财政资金管理重大政策措施",
        BODY,
        pre_steps=(PreStep.LEGALITY,),
        basis="重大行政决策程序暂行条例第二十五条；本局议事规则第四条",
    ),
    MatterInput(
        "RS-01",
        Category.PERSONNEL,
        "科级干部任免",
        BODY,
        secret=True,
        pre_steps=(PreStep.INQUIRY,),
        basis="本局议事规则第六条：人事任免无记名投票",
    ),
    MatterInput(
        "XM-01",
        Category.PROJECT,
        "100万元以上项目安排",
        BODY,
        threshold=Decimal("1000000"),
        basis="本局议事规则第五条",
    ),
    MatterInput(
        "ZJ-01",
        Category.FUNDS,
        "50万元以上资金使用",
        BODY,
        threshold=Decimal("500000"),
        vote_base=VoteBase.ENTITLED,
        basis="本局议事规则第五条",
    ),
]


def _topic(
    actor: Person, unit: Unit, code: str, title: str, summary: str = "", amount: str | None = None
) -> Topic:
    return actions.do_propose_topic(
        actor=actor,
        unit=unit,
        matter_code=code,
        title=title,
        materials=f"{title}：方案及说明",
        public_summary=summary,
        amount=Decimal(amount) if amount else None,
    )


def _hold(
    secretary: Person,
    unit: Unit,
    members: list[Person],
    held_at: datetime,
    topics: list[Topic],
    arriving: tuple[Person, ...] = (),
) -> Decision:
    """One meeting: everyone but `arriving` signs in. With latecomers the first statement is refused for
    want of a quorum and they sign in after it; without, the principal asks to speak first and is
    refused (末位表态). Then statements with the principal last, votes, the count, final minutes."""
    meeting = actions.do_convene(actor=secretary, unit=unit, body=BODY, held_at=held_at, topics=topics)
    principal, *others = members
    for person in members:
        if person not in arriving:
            actions.do_sign_in(actor=secretary, meeting=meeting, person=person)
    decisions = []
    for item in meeting.items.order_by("position"):
        with contextlib.suppress(DecisionRefused):  # refused, and on the record
            speaker = others[0] if arriving else principal
            actions.do_state(
                actor=secretary, item=item, person=speaker, position=Choice.AGREE, reasons="同意"
            )
        for person in arriving:
            actions.do_sign_in(actor=secretary, meeting=meeting, person=person)
        arriving = ()
        stated = set(item.statements.values_list("person_id", flat=True))
        for person in [*others, principal]:
            if person.pk not in stated:
                actions.do_state(
                    actor=secretary,
                    item=item,
                    person=person,
                    position=Choice.AGREE,
                    reasons="材料齐全，程序合规，同意",
                )
        secret = item.topic.matter.secret
        for person in members:
            actions.do_vote(
                actor=person if secret else secretary, item=item, voter=person, choice=Choice.AGREE
            )
        decisions.append(actions.do_count(actor=secretary, item=item))
    actions.do_close_meeting(actor=secretary, meeting=meeting)
    actions.do_freeze_minutes(actor=secretary, meeting=meeting)
    return decisions[0]


def _import(actor: Person, unit: Unit, kind: imports.Kind, header: list[str], rows: list[list[str]]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "导入.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        plan = imports.plan_import(path, kind=kind, unit=unit)
        return imports.do_import(actor=actor, plan=plan)


def build() -> int:
    """The demo's 三重一大 record; 0 when it is there already."""
    unit = Unit.objects.get(code=CZJ)
    if Catalogue.objects.filter(unit=unit).exists():
        return 0
    system = org_actions.system_person()
    members = [place.person for place in actions.members_of(unit)]  # 局长 first, then the deputies
    principal = members[0]
    catalogue = actions.do_open_catalogue(actor=principal, unit=unit)
    for matter in MATTERS:
        actions.do_set_matter(actor=principal, catalogue=catalogue, matter=matter)
    actions.do_publish_catalogue(actor=principal, catalogue=catalogue)
    secretary = next(
        (
            p
            for p in Person.objects.filter(unit=unit, is_active=True).order_by("pk")
            if actions.may_run_meetings(p, unit) and p not in members
        ),
        system,
    )
    proposer = members[1]
    today = timezone.localdate()
    funds = _topic(
        proposer,
        unit,
        "ZJ-01",
        "拨付城乡居民医保财政补助资金300万元",
        "同意拨付城乡居民医保财政补助资金",
        "3000000",
    )
    appointment = _topic(proposer, unit, "RS-01", "任命王某为预算科科长")
    actions.do_record_step(
        actor=secretary,
        topic=appointment,
        kind=PreStep.INQUIRY,
        started=today - timedelta(days=12),
        ended=today - timedelta(days=5),
    )
    morning = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    first = _hold(secretary, unit, members, morning, [funds, appointment])
    assets = _topic(
        proposer, unit, "ZJ-01", "安排国有资产处置专项资金80万元", "同意安排国有资产处置专项资金", "800000"
    )
    _hold(secretary, unit, members, morning + timedelta(hours=6), [assets], arriving=tuple(members[1:]))
    appointed = (
        Decision.objects.filter(unit=unit, category=Category.PERSONNEL)
        .values_list("number", flat=True)
        .first()
        or ""
    )
    day = today.isoformat()
    made = 10 + _import(
        secretary,
        unit,
        imports.PAYMENTS,
        ["凭证号", "日期", "收款人", "金额", "用途", "项目编码", "决策编号"],
        [
            [
                "CZ2026-1101",
                day,
                "晋中市医疗保障局",
                "3000000.00",
                "城乡居民医保财政补助",
                "YB-2026",
                first.number,
            ],
            # 拆分支付: one printer, one purpose, three payments under the 50万元 threshold on one day (the
            # catalogue is in force from today: earlier payments had no threshold to split below).
            [
                "CZ2026-1102",
                day,
                "晋中市某印务有限公司",
                "200000.00",
                "宣传材料印制",
                "",
                "",
            ],
            [
                "CZ2026-1103",
                day,
                "晋中市某印务有限公司",
                "200000.00",
                "宣传材料印制",
                "",
                "",
            ],
            ["CZ2026-1104", day, "晋中市某印务有限公司", "200000.00", "宣传材料印制", "", ""],
            # 大额资金未经集体决策.
            ["CZ2026-1105", day, "晋中市某信息技术有限公司", "900000.00", "信息系统运维", "XX-2026", ""],
            # 引用了登记簿中没有的决策编号.
            [
                "CZ2026-1106",
                day,
                "晋中市某物业服务有限公司",
                "600000.00",
                "办公楼物业服务",
                "",
                f"{CZJ}-JC-2026-9999",
            ],
        ],
    )
    made += _import(
        secretary,
        unit,
        imports.APPOINTMENTS,
        ["姓名", "职务", "任免日期", "文号", "决策编号"],
        [
            ["王某", "预算科科长", day, "市财任〔2026〕12号", appointed],
            ["李某", "国库科副科长", day, "市财任〔2026〕13号", ""],  # 未经集体决策的任免
        ],
    )
    return made
