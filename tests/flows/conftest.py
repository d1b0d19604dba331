"""A world whose 民政局 has a published list (a licensing and a penalty power) and the posts the
templates use, each held by a different person where separation needs it."""

from __future__ import annotations

import pytest

from liuquan.org import actions as org_actions
from liuquan.powers import actions as power_actions
from tests.powers.test_lists import item

# Template post → the world's person holding it in 民政局.
HOLDERS = {
    "受理岗": "clerk",
    "审核岗": "reviewer",
    "审批岗": "leader",
    "负责人": "head",
    "分管领导": "leader",
    "听证主持岗": "leader",
    "执法岗": "clerk",
    "法制审核岗": "leader",
    "执行岗": "reviewer",
}


def publish_list(world, items) -> None:
    clerk, office = world.person("clerk"), world.person("reform_office")
    edition = power_actions.do_create_edition(actor=clerk, unit=world.dept_a)
    power_actions.do_add_items(actor=clerk, edition=edition, items=items)
    power_actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    power_actions.do_move_edition(actor=office, edition=edition, move="pass_first")
    power_actions.do_decide_remaining(actor=office, edition=edition, kind="keep", reason="于法有据")
    power_actions.do_move_edition(actor=office, edition=edition, move="confirm")
    power_actions.do_move_edition(actor=office, edition=edition, move="publish")


def staff(world, unit=None, holders=HOLDERS) -> None:
    unit = unit or world.dept_a
    for name, key in holders.items():
        post = unit.posts.filter(name=name).first() or org_actions.do_create_post(
            actor=world.system, unit=unit, name=name, kind="general"
        )
        if not post.holdings.filter(person=world.person(key), until__isnull=True).exists():
            org_actions.do_assign_post(actor=world.system, post=post, person=world.person(key))


@pytest.fixture
def flow_world(world):
    publish_list(
        world,
        [
            item("XK001", "社会团体成立登记", "licensing"),
            item("CF001", "对违法殡葬行为的处罚", "penalty"),
            item("JC001", "对养老机构的监督检查", "inspection"),
        ],
    )
    staff(world)
    return world
