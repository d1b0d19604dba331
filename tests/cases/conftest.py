"""A world whose 民政局 runs cases: XK001 (licensing) and CF001 (penalty) have published flows from the
templates, JC001 (inspection) is a published power without a flow; time stands still until a test
moves it, so due dates are exact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from liuquan.cases import actions
from liuquan.cases.models import Case, CaseEvent, CaseStep
from liuquan.core.testing import World
from liuquan.flows import actions as flow_actions
from liuquan.flows.models import ProcessDefinition
from liuquan.org import actions as org_actions
from liuquan.org.models import Person
from tests.clock import SHANGHAI, Clock
from tests.flows.conftest import publish_list, staff
from tests.powers.test_lists import item

# A Monday just before 国庆: 20 working days from here cross the National Day holiday.
MONDAY = dt.datetime(2026, 9, 28, 9, 30, tzinfo=SHANGHAI)

APPLICANT = actions.Applicant(
    name="晋中市平遥县志愿者协会",
    id_number="14072819800101123X",
    phone="13912345678",
    address="平遥县古陶镇南大街88号",
)


@pytest.fixture
def clock(clock: Clock) -> Clock:
    """The root clock, stopped at MONDAY until the test moves it."""
    clock.set(MONDAY)
    return clock


def publish_flow(world: World, code: str, flow: Any = None) -> ProcessDefinition:
    draft = flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code=code)
    if flow is not None:
        flow_actions.do_update_flow(actor=world.person("clerk"), definition=draft, flow=flow(draft.flow))
    flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    return draft


def hire(world: World, username: str, *posts: str) -> Person:
    """A new member of 民政局's staff holding `posts`."""
    person = org_actions.do_create_person(
        actor=world.system, username=username, full_name=f"测试{username}", unit=world.dept_a
    )
    world.people[username] = person
    give_posts(world, username, *posts)
    return person


def give_posts(world: World, key: str, *posts: str) -> None:
    for name in posts:
        post = world.dept_a.posts.get(name=name)
        org_actions.do_assign_post(actor=world.system, post=post, person=world.person(key))


def build_case_world(world: World) -> World:
    publish_list(
        world,
        [
            item("XK001", "社会团体成立登记", "licensing"),
            item("CF001", "对违法殡葬行为的处罚", "penalty"),
            item("JC001", "对养老机构的监督检查", "inspection"),
        ],
    )
    staff(world)
    publish_flow(world, "XK001")
    publish_flow(world, "CF001")
    return world


@pytest.fixture
def case_world(clock: Clock, world: World) -> World:
    return build_case_world(world)


def open_licence(world: World, **kwargs: Any) -> Case:
    options: dict[str, Any] = {"applicant": APPLICANT, "subject": "申请成立志愿者协会"} | kwargs
    return actions.do_open_case(
        actor=world.person("clerk"), unit=world.dept_a, power_code="XK001", **options
    ).case


def open_penalty(world: World) -> Case:
    return actions.do_open_case(
        actor=world.person("clerk"),
        unit=world.dept_a,
        power_code="CF001",
        applicant=actions.Applicant(name="某殡葬服务部"),
        subject="违规销售殡葬用品",
    ).case


def complete(world: World, case: Case, key: str, step: str, outcome: str, **kwargs: Any) -> Case:
    return actions.do_complete_step(actor=world.person(key), case=case, step=step, outcome=outcome, **kwargs)


@dataclass(frozen=True)
class Snapshot:
    case: dict[str, Any]
    steps: int
    events: int


def snapshot(case: Case) -> Snapshot:
    return Snapshot(
        case=dict(Case.objects.filter(pk=case.pk).values().get()),
        steps=CaseStep.objects.filter(case=case).count(),
        events=CaseEvent.objects.filter(case=case).count(),
    )
