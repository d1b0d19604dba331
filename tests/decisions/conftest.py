"""A 民政局 whose leadership team is five: the principal (head), the world's deputy and three more
deputies; its office clerk keeps the minutes. Its catalogue of major matters is published."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from liuquan.core.testing import PASSWORD, World
from liuquan.decisions import actions
from liuquan.decisions.actions import MatterInput
from liuquan.decisions.models import Topic
from liuquan.decisions.rules import Category, PreStep, VoteBase
from liuquan.org import actions as org_actions
from tests.clock import SHANGHAI, Clock

# A Tuesday morning in term time, not near a holiday.
TUESDAY = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
BODY = "局务会议"

MATTERS = [
    MatterInput(
        "JC-01",
        Category.DECISION,
        "制定本系统重大政策措施",
        BODY,
        pre_steps=(PreStep.PUBLIC_COMMENT, PreStep.LEGALITY),
    ),
    MatterInput("RS-01", Category.PERSONNEL, "科级干部任免", BODY, secret=True, pre_steps=(PreStep.INQUIRY,)),
    MatterInput("XM-01", Category.PROJECT, "100万元以上项目安排", BODY, threshold=Decimal("1000000")),
    MatterInput(
        "ZJ-01",
        Category.FUNDS,
        "50万元以上资金使用",
        BODY,
        threshold=Decimal("500000"),
        vote_base=VoteBase.ENTITLED,
    ),
]


@pytest.fixture
def clock(clock: Clock) -> Clock:
    clock.set(TUESDAY)
    return clock


@pytest.fixture
def board(world: World, clock: Clock) -> World:
    for name in ("dep2", "dep3", "dep4"):
        person = org_actions.do_create_person(
            actor=world.system, username=name, full_name=f"副局长{name}", unit=world.dept_a, password=PASSWORD
        )
        world.people[name] = person
        org_actions.do_appoint_leader(
            actor=world.system, unit=world.dept_a, person=person, rank="deputy", title="副局长"
        )
    catalogue = actions.do_open_catalogue(actor=world.person("head"), unit=world.dept_a)
    for matter in MATTERS:
        actions.do_set_matter(actor=world.person("head"), catalogue=catalogue, matter=matter)
    actions.do_publish_catalogue(actor=world.person("head"), catalogue=catalogue)
    return world


MEMBERS = ("head", "leader", "dep2", "dep3", "dep4")  # head is the principal


def personnel_topic(world: World, title: str = "任命某同志为办公室主任", summary: str = "") -> Topic:
    """An appointment proposed by the deputy, its 考察 done: ready to be tabled (a secret ballot)."""
    topic = actions.do_propose_topic(
        actor=world.person("leader"),
        unit=world.dept_a,
        matter_code="RS-01",
        title=title,
        materials="考察材料",
        public_summary=summary,
    )
    actions.do_record_step(
        actor=world.person("clerk"),
        topic=topic,
        kind=PreStep.INQUIRY,
        started=dt.date(2026, 11, 2),
        ended=dt.date(2026, 11, 6),
    )
    return topic
