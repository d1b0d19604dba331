"""The authorization matrix: who may do what, where — as data, and every row tried by everyone.

Each row is one endpoint or console action on one target (a unit's own records, another unit's, a region)
with the people who may use it. The test runs every row for every person of the test city (and for an
anonymous caller) over HTTP: API rows with the person's bearer token, console rows with a real login
session (CSRF checked). Whoever is listed gets the row's success status; anyone else is refused — 401 or
the login page when anonymous, else the row's refusal status — and the refusal changes nothing (each
attempt runs in a savepoint that is rolled back, so the next person meets the same state).

Principals: 民政局 (dept A) staff clerk/reviewer/head/leader, 财政局 (dept B) staff clerk_b/head_b,
改革办 (reform_office), the city's 纪检 and 审计, the county's 纪检 (county_inspector), a village
committee member (village), and anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from liuquan.core.models import AccessLog
from liuquan.core.testing import World, region_inspector
from liuquan.decisions import actions as decision_actions
from liuquan.decisions.actions import MatterInput
from liuquan.decisions.rules import Category, Choice
from liuquan.flows import actions as flow_actions
from liuquan.org import actions as org_actions
from liuquan.powers import actions as power_actions
from liuquan.powers.actions import ItemInput
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert
from tests.cases.conftest import build_case_world, open_licence

ANONYMOUS = "anonymous"
DEPT_A = {"clerk", "reviewer", "head", "leader"}
DEPT_B = {"clerk_b", "head_b"}
SUPERVISORS = {"inspector", "auditor"}
OFFICE = {"reform_office"}
PRINCIPALS = sorted(DEPT_A | DEPT_B | SUPERVISORS | OFFICE | {"county_inspector", "village", ANONYMOUS})
A, B = "140700-MZJ", "140700-CZJ"


@dataclass(frozen=True)
class Row:
    """One endpoint or console action on one target, and who may use it."""

    name: str
    channel: str  # "api" or "console"
    method: str
    path: str  # with {case_id}, {number}, {edition}, {alert}, {leader_place} filled from the scene
    allowed: frozenset[str]
    ok: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    refused: int = 403  # what a signed-in person outside `allowed` gets
    logged: frozenset[str] = frozenset()  # whose request is access-logged (a non-public record read)
    public: bool = False  # anyone, signed in or not


def _row(
    channel: str,
    name: str,
    method: str,
    path: str,
    allowed: set[str],
    ok: int = 200,
    *,
    reads: set[str] | None = None,
    form: dict[str, str] | None = None,  # fields whose names are not Python names
    **body: Any,
) -> Row:
    fields = {**body, **(form or {})}
    logged = _logged(method, allowed, reads)
    return Row(name, channel, method, path, frozenset(allowed), ok, fields, logged=logged)


def api(name: str, method: str, path: str, allowed: set[str], ok: int = 200, **options: Any) -> Row:
    return _row("api", name, method, path, allowed, ok, **options)


def console(name: str, method: str, path: str, allowed: set[str], ok: int = 200, **options: Any) -> Row:
    return _row("console", name, method, path, allowed, ok, **options)


def public(name: str, path: str) -> Row:
    return Row(name, "api" if path.startswith("/api/") else "console", "GET", path, frozenset(), public=True)


def _logged(method: str, allowed: set[str], reads: set[str] | None) -> frozenset[str]:
    """Who leaves an access-log line: those reading a unit's non-public record from outside it (改革办,
    纪检, 审计 over their region), whatever the channel, also when the write they came for is refused
    (`reads`: the record's readers, for a write that opens it first); the unit's own staff never."""
    readers = reads if reads is not None else (allowed if method == "GET" else set())
    return frozenset(readers & (OFFICE | SUPERVISORS))


READ_B = DEPT_B | OFFICE | SUPERVISORS  # another unit's non-public records
READ_A = DEPT_A | OFFICE | SUPERVISORS
MATRIX: list[Row] = [
    # What the public reads: published lists and flows, units with their leaders and 分管.
    public("a unit, public", f"/api/v1/units/{B}"),
    public("a published flow", f"/api/v1/public/flows/{A}/XK001"),
    public("a published list", f"/powers/{A}/"),
    # Organisation: staff lists and 分管 (assigned by the unit's 一把手 or the reform office).
    api("staff list of a unit", "GET", f"/api/v1/units/{B}/staff", READ_B),
    api("one staff record", "GET", "/api/v1/people/clerk-b", READ_B),
    api(
        "oversight of a unit",
        "POST",
        f"/api/v1/units/{B}/oversight",
        OFFICE | {"head_b"},
        201,
        leader="head-b",
        area="办公室",
    ),
    console("unit page with staff", "GET", f"/console/units/{B}/", READ_B),
    console(
        "assign oversight",
        "POST",
        f"/console/units/{B}/oversight/",
        OFFICE | {"head_b"},
        302,
        leader="{leader_place}",
        area="办公室",
    ),
    # Cases: only the holder of the unit's 受理岗 opens one; each step by the holder of its post.
    api(
        "open a case",
        "POST",
        "/api/v1/cases",
        {"clerk"},
        201,
        unit=A,
        power="XK001",
        applicant={"name": "某协会"},
    ),
    api("read a case", "GET", "/api/v1/cases/{case_id}", READ_A),
    api(
        "advance a case",
        "POST",
        "/api/v1/cases/{case_id}/advance",
        {"clerk"},
        reads=READ_A,
        step="accept",
        outcome="pass",
    ),
    console("case page", "GET", "/console/cases/{number}/", READ_A),
    console("claim a step", "POST", "/console/cases/{number}/claim/", {"clerk"}, 302, reads=READ_A),
    # Lists: the unit compiles, the reform office reviews and decides; drafts are read in scope.
    api("read a draft edition", "GET", f"/api/v1/lists/{B}/editions/{{edition}}", READ_B),
    api(
        "open a new edition",
        "POST",
        f"/api/v1/lists/{A}/editions",
        {"clerk", "reviewer", "head"} | OFFICE,
        201,
    ),
    api(
        "pass the first review",
        "POST",
        f"/api/v1/lists/{B}/editions/{{edition}}/move",
        OFFICE,
        reads=READ_B,
        move="pass_first",
    ),
    api(
        "decide an item",
        "PUT",
        f"/api/v1/lists/{B}/editions/{{edition}}/items/CZ001/disposition",
        OFFICE,
        reads=READ_B,
        kind="keep",
        reason="于法有据",
    ),
    api(
        "comment on an edition",
        "POST",
        f"/api/v1/lists/{B}/editions/{{edition}}/comments",
        DEPT_B | OFFICE,
        201,
        reads=READ_B,
        text="请补充依据",
    ),
    console("draft edition page", "GET", f"/console/lists/{B}/{{edition}}/", READ_B),
    console(
        "open a new edition", "POST", f"/console/lists/{A}/new/", {"clerk", "reviewer", "head"} | OFFICE, 302
    ),
    # Flows: the unit's staff draft (not its 分管领导), its head (or the reform office) publishes.
    api("open a draft flow", "POST", f"/api/v1/flows/{A}/JC001", {"clerk", "reviewer", "head"} | OFFICE, 201),
    api("publish a flow", "POST", f"/api/v1/flows/{A}/CF001/draft/publish", {"head"} | OFFICE),
    console("publish a flow", "POST", f"/console/flows/{A}/CF001/publish/", {"head"} | OFFICE, 302),
    # Supervision: 纪检 and 审计 read alerts in scope; rules are set per scope.
    console("alert page", "GET", "/console/supervision/alerts/{alert}/", SUPERVISORS),
    console(
        "switch a rule off for the city",
        "POST",
        "/console/supervision/rules/time_red/",
        {"inspector"},
        302,
        form={"scope": "140700", "time_red-note": "暂停"},
    ),
    # 三重一大: only the meeting's secretary (民政局's clerk who convened it) keeps its record; an open vote
    # may also be recorded by the member casting it.
    api(
        "record a statement",
        "POST",
        "/api/v1/decisions/items/{item_state}/statements",
        {"clerk"},
        person="deputy",
        position="agree",
        reasons="同意",
    ),
    api(
        "record a vote",
        "POST",
        "/api/v1/decisions/items/{item_vote}/votes",
        {"clerk", "leader"},
        voter="deputy",
        choice="agree",
    ),
    api("count the votes", "POST", "/api/v1/decisions/items/{item_count}/count", {"clerk"}),
    api(
        "amend the minutes",
        "PUT",
        "/api/v1/decisions/meetings/{meeting_closed}/minutes",
        {"clerk"},
        text="纪要文字修订",
    ),
    console(
        "switch a rule off for the county",
        "POST",
        "/console/supervision/rules/time_red/",
        {"inspector", "county_inspector"},
        302,
        form={"scope": "140728", "time_red-note": "暂停"},
    ),
]


@dataclass
class Scene:
    world: World
    values: dict[str, Any]
    tokens: dict[str, str]


def build_scene(world: World) -> Scene:
    build_case_world(world)
    case = open_licence(world)
    # An edition of 财政局 in its first review, and a draft flow of 民政局's penalty power.
    clerk_b = world.person("clerk_b")
    edition = power_actions.do_create_edition(actor=clerk_b, unit=world.dept_b)
    power_actions.do_add_items(
        actor=clerk_b,
        edition=edition,
        items=[ItemInput(code="CZ001", name="政府采购投诉处理", category="adjudication")],
    )
    power_actions.do_move_edition(actor=clerk_b, edition=edition, move="submit")
    flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code="CF001")
    # An alert: 财政局's 一把手 put in charge of its finances (五个不直接分管), found by the sweep.
    org_actions.do_assign_oversight(
        actor=world.system,
        unit=world.dept_b,
        leader=world.person("head_b"),
        area="财务",
        exception_reason="副职空缺，报纪委备案",
    )
    sweep.run_sweep()
    alert = Alert.objects.filter(rule="leader_oversight").first()
    assert alert is not None
    decided = _decisions_scene(world)
    region_inspector(world, "county_inspector", world.county)
    tokens = {}
    for key in PRINCIPALS:
        if key != ANONYMOUS:
            tokens[key] = org_actions.do_create_api_token(actor=world.system, person=world.person(key))[1]
    values = {
        "case_id": case.pk,
        "number": case.number,
        "edition": edition.number,
        "alert": alert.pk,
        "leader_place": world.dept_b.leaders.get().pk,
        **decided,
    }
    return Scene(world, values, tokens)


def _decisions_scene(world: World) -> dict[str, int]:
    """民政局's 局务会议 (its head and deputy) in session on three topics — one not yet stated on, one
    stated on, one voted on — and an earlier meeting closed, its minutes open for amendment."""
    head, deputy, clerk = world.person("head"), world.person("leader"), world.person("clerk")
    catalogue = decision_actions.do_open_catalogue(actor=head, unit=world.dept_a)
    for code, category in (
        ("JC-01", Category.DECISION),
        ("RS-01", Category.PERSONNEL),
        ("XM-01", Category.PROJECT),
        ("ZJ-01", Category.FUNDS),
    ):
        threshold = Decimal("500000") if category in (Category.FUNDS, Category.PROJECT) else None
        decision_actions.do_set_matter(
            actor=head,
            catalogue=catalogue,
            matter=MatterInput(code, category, f"事项{code}", "局务会议", threshold=threshold),
        )
    decision_actions.do_publish_catalogue(actor=head, catalogue=catalogue)

    def meeting(count: int) -> Any:
        topics = [
            decision_actions.do_propose_topic(
                actor=deputy, unit=world.dept_a, matter_code="ZJ-01", title=f"资金安排{n}", materials="方案"
            )
            for n in range(count)
        ]
        held = decision_actions.do_convene(
            actor=clerk, unit=world.dept_a, body="局务会议", held_at=timezone.now(), topics=topics
        )
        for person in (head, deputy):
            decision_actions.do_sign_in(actor=clerk, meeting=held, person=person)
        return held

    def stated(item: Any) -> None:
        for person in (deputy, head):
            decision_actions.do_state(
                actor=clerk, item=item, person=person, position=Choice.AGREE, reasons="同意"
            )

    def voted(item: Any) -> None:
        stated(item)
        for person in (head, deputy):
            decision_actions.do_vote(actor=clerk, item=item, voter=person, choice=Choice.AGREE)

    earlier = meeting(1)
    voted(earlier.items.get())
    decision_actions.do_count(actor=clerk, item=earlier.items.get())
    decision_actions.do_close_meeting(actor=clerk, meeting=earlier)
    now = meeting(3)
    first, second, third = now.items.order_by("position")
    stated(second)
    voted(third)
    return {
        "item_state": first.pk,
        "item_vote": second.pk,
        "item_count": third.pk,
        "meeting_closed": earlier.pk,
    }


def fill(template: str, values: dict[str, Any]) -> str:
    return template.format(**values)


def attempt(scene: Scene, row: Row, principal: str) -> tuple[int, bool]:
    """The status `principal` gets, and whether the attempt left an access-log line."""
    before = AccessLog.objects.count()
    status = _request(scene, row, principal)
    return status, AccessLog.objects.count() > before


def _request(scene: Scene, row: Row, principal: str) -> int:
    path = fill(row.path, scene.values)
    body = {
        key: fill(value, scene.values) if isinstance(value, str) else value for key, value in row.body.items()
    }
    if row.channel == "api":
        client = Client()
        headers = {"Authorization": f"Bearer {scene.tokens[principal]}"} if principal != ANONYMOUS else {}
        if row.method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.generic(
                row.method, path, _json(body), content_type="application/json", headers=headers
            )
        return response.status_code
    client = Client(enforce_csrf_checks=True)
    if principal != ANONYMOUS:
        client.force_login(scene.world.person(principal))
    if row.method == "GET":
        response = client.get(path)
    else:
        client.get("/console/" if principal != ANONYMOUS else "/login/")  # a page first: the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = client.post(path, {**body, "csrfmiddlewaretoken": token})
    if principal == ANONYMOUS:
        return (
            401
            if response.status_code == 302 and response["Location"].startswith("/login/")
            else response.status_code
        )
    return response.status_code


def _json(body: dict[str, Any]) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)


def expected(row: Row, principal: str) -> tuple[int, bool]:
    if row.public:
        return 200, False
    if principal == ANONYMOUS:
        return 401, False
    return (row.ok if principal in row.allowed else row.refused), principal in row.logged


def run_isolated(action: Callable[[], tuple[int, bool]]) -> tuple[int, bool]:
    """Run one attempt in a savepoint and roll it back: the next principal meets the same state."""
    savepoint = transaction.savepoint()
    try:
        return action()
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.channel}: {row.name}" for row in MATRIX])
def test_every_principal_gets_exactly_what_the_matrix_says(world, clock, row):
    scene = build_scene(world)
    got = {principal: run_isolated(partial(attempt, scene, row, principal)) for principal in PRINCIPALS}
    want = {principal: expected(row, principal) for principal in PRINCIPALS}
    assert got == want


def test_the_matrix_covers_every_write_endpoint_of_the_api():
    from liuquan.api.api import api as ninja

    schema = ninja.get_openapi_schema()
    writes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }
    # Covered elsewhere: the ledger's receipt checker (public), ingest (a source's own token, tests/cases),
    # ending an oversight and replacing a draft flow (same checks as assigning and opening one).
    elsewhere = {
        ("POST", "/api/v1/ledger/verify"),
        ("POST", "/api/v1/ingest/events"),
        ("POST", "/api/v1/oversight/{oversight_id}/end"),
        ("PUT", "/api/v1/flows/{unit}/{power}/draft"),
    }
    covered = {(row.method, _shape(row.path)) for row in MATRIX if row.channel == "api"}
    assert writes - elsewhere <= covered, sorted(writes - elsewhere - covered)


def _shape(path: str) -> str:
    """A concrete row path in the OpenAPI document's template form."""
    import re

    replacements = [
        (r"^/api/v1/units/[^/]+/", "/api/v1/units/{code}/"),
        (r"^/api/v1/cases/[^/]+/", "/api/v1/cases/{case_id}/"),
        (
            r"^/api/v1/lists/[^/]+/editions/[^/]+/items/[^/]+/",
            "/api/v1/lists/{unit}/editions/{number}/items/{code}/",
        ),
        (r"^/api/v1/lists/[^/]+/editions/[^/]+/", "/api/v1/lists/{unit}/editions/{number}/"),
        (r"^/api/v1/lists/[^/]+/editions$", "/api/v1/lists/{unit}/editions"),
        (r"^/api/v1/flows/[^/]+/[^/]+", "/api/v1/flows/{unit}/{power}"),
        (r"^/api/v1/decisions/items/[^/]+/", "/api/v1/decisions/items/{item_id}/"),
        (r"^/api/v1/decisions/meetings/[^/]+/", "/api/v1/decisions/meetings/{meeting_id}/"),
    ]
    for pattern, replacement in replacements:
        path = re.sub(pattern, replacement, path)
    return path
