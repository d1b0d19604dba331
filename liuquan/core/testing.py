"""Test helpers shared by every app's tests: data made through real actions, login helpers, query counts.

Used from tests/ through fixtures in tests/conftest.py; kept in the package so later apps' tests can
build on the same helpers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liuquan.org import actions
from liuquan.org.models import Person, Region, Role, Unit

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    """A small city built through actions: two departments, a township and a village, one person per role."""

    system: Person
    province: Region
    city: Region
    county: Region
    township: Region
    village: Region
    dept_a: Unit  # 市民政局
    dept_b: Unit  # 市财政局
    village_committee: Unit
    people: dict[str, Person]  # role name -> person; "head_b"/"clerk_b" for the second department

    def person(self, key: str) -> Person:
        return self.people[key]


def build_world() -> World:
    system = actions.system_person()
    province = actions.do_create_region(
        actor=system, code="140000", name="山西省", level="province", parent=None
    )
    city = actions.do_create_region(actor=system, code="140700", name="晋中市", level="city", parent=province)
    county = actions.do_create_region(actor=system, code="140728", name="平遥县", level="county", parent=city)
    township = actions.do_create_region(
        actor=system, code="140728204", name="卜宜乡", level="township", parent=county
    )
    village = actions.do_create_region(
        actor=system, code="140728204201", name="南石渠村", level="village", parent=township
    )
    dept_a = actions.do_create_unit(
        actor=system,
        code="140700-MZJ",
        name="晋中市民政局",
        short_name="市民政局",
        kind="government_department",
        region=city,
    )
    dept_b = actions.do_create_unit(
        actor=system,
        code="140700-CZJ",
        name="晋中市财政局",
        short_name="市财政局",
        kind="government_department",
        region=city,
    )
    office = actions.do_create_unit(
        actor=system,
        code="140700-GGB",
        name="晋中市改革办",
        short_name="市改革办",
        kind="party_organ",
        region=city,
    )
    discipline = actions.do_create_unit(
        actor=system,
        code="140700-JW",
        name="中共晋中市纪委",
        short_name="市纪委",
        kind="party_organ",
        region=city,
    )
    audit = actions.do_create_unit(
        actor=system,
        code="140700-SJJ",
        name="晋中市审计局",
        short_name="市审计局",
        kind="government_department",
        region=city,
    )
    committee = actions.do_create_unit(
        actor=system,
        code="140728204201-CWH",
        name="南石渠村民委员会",
        short_name="南石渠村委会",
        kind="village_committee",
        region=village,
    )

    def person(username: str, unit: Unit, role: str, *, region: Region | None = None) -> Person:
        made = actions.do_create_person(
            actor=system,
            username=username,
            full_name=f"测试{username}",
            unit=unit,
            mobile="13400001234",
            password=PASSWORD,
        )
        actions.do_grant_role(
            actor=system, person=made, role=role, unit=None if region else unit, region=region
        )
        return made

    people = {
        Role.REFORM_OFFICE: person("reform", office, Role.REFORM_OFFICE, region=city),
        Role.CLERK: person("clerk", dept_a, Role.CLERK),
        Role.REVIEWER: person("reviewer", dept_a, Role.REVIEWER),
        Role.HEAD: person("head", dept_a, Role.HEAD),
        Role.LEADER: person("deputy", dept_a, Role.LEADER),
        Role.INSPECTOR: person("inspector", discipline, Role.INSPECTOR, region=city),
        Role.AUDITOR: person("auditor", audit, Role.AUDITOR, region=city),
        Role.VILLAGE: person("villager", committee, Role.VILLAGE),
        "head_b": person("head-b", dept_b, Role.HEAD),
        "clerk_b": person("clerk-b", dept_b, Role.CLERK),
    }
    actions.do_appoint_leader(
        actor=system, unit=dept_a, person=people[Role.HEAD], rank="principal", title="局长"
    )
    actions.do_appoint_leader(
        actor=system, unit=dept_a, person=people[Role.LEADER], rank="deputy", title="副局长"
    )
    actions.do_appoint_leader(
        actor=system, unit=dept_b, person=people["head_b"], rank="principal", title="局长"
    )
    return World(
        system=system,
        province=province,
        city=city,
        county=county,
        township=township,
        village=village,
        dept_a=dept_a,
        dept_b=dept_b,
        village_committee=committee,
        people={str(key): value for key, value in people.items()},
    )


def region_inspector(world: World, username: str, region: Region) -> Person:
    """A 纪检 whose reach is `region` (a county's, a village's), kept in `world.people` by `username`."""
    person = actions.do_create_person(
        actor=world.system, username=username, full_name=f"测试{username}", unit=world.village_committee
    )
    actions.do_grant_role(actor=world.system, person=person, role=Role.INSPECTOR, unit=None, region=region)
    world.people[username] = person
    return person


def login(client: Client, person: Person) -> Client:
    client.force_login(person)
    return client


def api_json(response: Any) -> Any:
    return json.loads(response.content.decode())


@contextmanager
def assert_max_queries(limit: int) -> Iterator[CaptureQueriesContext]:
    """Fail when the block runs more than `limit` SQL queries (catches N+1 on list pages)."""
    with CaptureQueriesContext(connection) as context:
        yield context
    count = len(context.captured_queries)
    assert count <= limit, f"{count} queries, expected at most {limit}:\n" + "\n".join(
        query["sql"] for query in context.captured_queries
    )


def unsealed(entry: Any, subject: Any) -> dict[str, Any]:
    """The fields a sealed leaf commits to, checked against `subject` as it is now: the leaf shows only
    that it is sealed, and its commitment opens (with the stored salt) to `subject`'s fields."""
    from liuquan.core.actions import SEALED
    from liuquan.ledger import log

    _public, private = subject.ledger_fields()
    assert entry.state == SEALED, entry.state
    assert entry.content["private"] == log.commitment(bytes(entry.private_salt), private)
    fields: dict[str, Any] = private["fields"]
    return fields
