"""What the public ledger shows is what a logged-out reader may see, and nothing more.

The demo city (lists under review and published, flows, weeks of cases, alerts carried to a 处置) plus a
draft edition with a review comment and a draft flow: every leaf of every ledgered model is read back
through the public entries API, and every piece of text in clear in a leaf must also be readable by a
logged-out visitor on the public pages and the public API. Drafts, comments, cases, staff records and
supervision records therefore appear only as salted commitments, until the action that publishes them
records them again in clear.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

from liuquan.calendars import actions as calendar_actions
from liuquan.cases import actions as case_actions
from liuquan.cases import demo as cases_demo
from liuquan.cases import queries as case_queries
from liuquan.cases.models import Case
from liuquan.core.actions import SEALED
from liuquan.flows import actions as flow_actions
from liuquan.flows import demo as flows_demo
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.queries import flow_in_force
from liuquan.flows.spec import DayKind, Limit
from liuquan.laws import actions as law_actions
from liuquan.ledger import audit, queries, receipt, tree
from liuquan.ledger.models import Entry
from liuquan.org import actions as org_actions
from liuquan.org import demo as org_demo
from liuquan.org.models import Person, Region, Role, RoleGrant, Unit
from liuquan.powers import actions as power_actions
from liuquan.powers import demo as powers_demo
from liuquan.powers import exporting, importer
from liuquan.powers.models import ListEdition, PowerItem
from liuquan.powers.queries import kept_items, latest_published
from liuquan.supervision import actions as supervision_actions
from tests.clock import SHANGHAI, Clock
from tests.decisions import factory as decisions_factory
from tests.laws.corpus_factory import build_corpus

SECRET_ITEM = "草稿中的试点事项甲乙丙"
SECRET_COMMENT = "内部审核意见：依据不足请补充丁戊己"
SECRET_STEP = "草稿流程中的秘密环节庚辛"

# Text that is not content: machine words (enum values), instants and days, digests.
STRUCTURAL = re.compile(
    r"^([a-z][a-z0-9_]*|\d{4}-\d\d-\d\d([T ][\d:.]+([+-]\d\d:\d\d|Z)?)?|[0-9a-f]{64}|[\d.\-]+)$"
)
# Records that republish what the state publishes (the law corpus and the titles its laws go by, the
# State Council's holiday schedule): public whatever pages liuquan has for them.
REPUBLISHED = {"laws.Law", "laws.LawAlias", "laws.LawVersion", "calendars.CalendarYear"}
WHITESPACE = re.compile(r"\s+")
TAGS = re.compile(r"<[^>]+>")


@pytest.fixture
def city(db, clock: Clock) -> None:
    clock.set(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    org_demo.build()
    powers_demo.build()
    flows_demo.build()
    cases_demo.build()


def texts(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys excepted."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def squeeze(text: str) -> str:
    return WHITESPACE.sub("", text)


def public_corpus(client: Client) -> str:
    """Everything a logged-out visitor reads: the public API's answers and the public pages (tags
    stripped, entities decoded), whitespace removed."""
    parts: list[str] = []

    def page(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            parts.extend(texts(json.loads(body)))
        else:
            parts.append(html.unescape(TAGS.sub("", body)))

    for url in (
        "/",
        "/units/",
        "/powers/",
        "/cases/",
        "/api/v1/regions",
        "/api/v1/units",
        "/api/v1/public/special-limits",
        "/api/v1/public/hearing-thresholds",
    ):
        page(url)
    for unit in Unit.objects.order_by("code"):
        page(f"/units/{unit.code}/")
        page(f"/decisions/{unit.code}/")
        page(f"/api/v1/public/decisions/{unit.code}")
        page(f"/api/v1/units/{unit.code}")
        edition = latest_published(unit)
        if edition is None:
            continue
        page(f"/powers/{unit.code}/")
        for number in ListEdition.objects.filter(unit=unit, status="published").values_list(
            "number", flat=True
        ):
            page(f"/powers/{unit.code}/editions/{number}/")
            page(f"/powers/{unit.code}/editions/{number}/download.json")
        kept = set(kept_items(edition))
        for item in PowerItem.objects.filter(edition__unit=unit, edition__status="published"):
            if item in kept:
                page(f"/powers/{unit.code}/{item.code}/")
            if flow_in_force(unit, item.code) is not None:
                page(f"/api/v1/public/flows/{unit.code}/{item.code}")
    return squeeze("\n".join(parts))


def leaves(client: Client) -> Iterator[dict[str, Any]]:
    """Every leaf, read the way any outsider reads them: through the public entries API."""
    size = queries.entry_count()
    for start in range(0, size, 1000):
        response = client.get("/api/v1/ledger/entries", {"start": start, "end": min(size, start + 1000)})
        assert response.status_code == 200
        for row in json.loads(response.content)["entries"]:
            yield json.loads(base64.b64decode(row["data"]))


def exposed(leaf: dict[str, Any], corpus: str) -> list[str]:
    """The texts in clear in `leaf` that no public page or answer shows."""
    found = []
    for text in texts(leaf["state"]):
        value = squeeze(text)
        if value and not STRUCTURAL.match(value) and value not in corpus:
            found.append(text)
    return found


def summary(exposures: dict[Any, list[str]]) -> str:
    """The leaks by subject type, with a few examples each (pytest would cut a dict this size)."""
    by_type: dict[str, list[str]] = {}
    for key, shown in exposures.items():
        by_type.setdefault(str(key).split(":")[0].split(" ")[-1], []).append(f"{key}: {shown}")
    return "\n".join(f"{kind}: {len(rows)} leaves, e.g. {rows[:3]}" for kind, rows in by_type.items())


def test_no_leaf_shows_what_a_logged_out_reader_cannot_see(city, client, tmp_path):
    system = org_actions.system_person()
    office = RoleGrant.objects.filter(role=Role.REFORM_OFFICE, region__code="140700")[0].person
    unit = Unit.objects.get(code="140700-JXW")
    # The law corpus, and a new edition imported from a workbook and under review: an item citing it and
    # a comment on it, nothing published yet.
    law_actions.do_import_corpus(actor=system, root=build_corpus(tmp_path / "laws"))
    # A special-law limit checked against it, and a unit's hearing threshold: public legal data.
    flow_actions.do_register_special_limit(
        actor=office, category="licensing", law="行政许可法", article=42, case=Limit(20, DayKind.WORKING)
    )
    flow_actions.do_set_hearing_threshold(
        actor=system, unit=unit, amount=10_000, basis="某省听证程序规定第三条"
    )
    # A 三重一大 meeting: the catalogue and the decision's public part are public, the deliberation sealed.
    decisions_factory.record_a_meeting(system, unit, timezone.now() + dt.timedelta(hours=1))
    row = [""] * len(exporting.COMMON_HEADER)
    row[:9] = [
        "1",
        SECRET_ITEM,
        "",
        "行政许可",
        "《中华人民共和国行政许可法》第二条",
        unit.name,
        "",
        "市级",
        "",
    ]
    row[9:13] = ["1.受理责任：依法受理", "《中华人民共和国行政许可法》第三十二条", "经办人员", "不依法受理的"]
    book = Workbook()
    book.active.title = "行政许可"
    book.active.append(exporting.COMMON_HEADER)
    book.active.append(row)
    book.save(tmp_path / "list.xlsx")
    edition = importer.do_import(
        actor=office, unit=unit, plans=importer.plan_import([tmp_path / "list.xlsx"], edition=None)
    )
    secret_item = PowerItem.objects.get(edition=edition, name=SECRET_ITEM)
    assert secret_item.citations.filter(outcome="found").exists()
    power_actions.do_comment(actor=office, edition=edition, text=SECRET_COMMENT, item=secret_item)
    # A draft of a new flow version with a renamed step.
    in_force = ProcessDefinition.objects.filter(status=FlowStatus.PUBLISHED).order_by("pk").first()
    assert in_force is not None
    head = Person.objects.get(username=_head_of(in_force.unit))
    draft = flow_actions.do_create_flow(actor=head, unit=in_force.unit, power_code=in_force.power_code)
    flow = draft.flow
    renamed = dataclasses.replace(flow.steps[-1], name=SECRET_STEP)
    flow_actions.do_update_flow(
        actor=head, definition=draft, flow=dataclasses.replace(flow, steps=(*flow.steps[:-1], renamed))
    )
    # The records the demo leaves out: an application with a file, a rating, a rule change, a holiday
    # schedule, an API token, a person mapped for an ingest source (its name there is private).
    from liuquan.cases import ingest
    from liuquan.cases.models import IngestSource

    mapped = IngestSource.objects.select_related("unit").order_by("pk").first()
    assert mapped is not None
    staff_member = Person.objects.filter(unit=mapped.unit, is_active=True).order_by("pk").first()
    assert staff_member is not None
    ingest.do_map_person(actor=system, source=mapped, external="外部工号秘密辰巳", person=staff_member)
    case_actions.do_open_case(
        actor=system,
        unit=in_force.unit,
        power_code=in_force.power_code,
        applicant=case_actions.Applicant(
            name="申请人壬癸", id_number="140702199001011234", phone="13900001111"
        ),
        source="portal",
        files=[("申请书.pdf", "申请书", b"%PDF-1.4 secret", "application/pdf")],
    )
    done = Case.objects.filter(status="done").order_by("pk").first()
    assert done is not None
    case_actions.do_rate(actor=system, case=done, score=2, comment="态度差，差评子丑")
    supervision_actions.do_set_rule(
        actor=system, rule="time_yellow", enabled=True, params={}, note="内部调整理由寅卯"
    )
    calendar_actions.do_set_year(
        actor=system, year=2031, holidays=[dt.date(2031, 1, 1)], workdays=[], source="国务院办公厅通知"
    )
    org_actions.do_create_api_token(actor=system, person=office, label="内部接口辰巳")
    inspector = RoleGrant.objects.filter(role=Role.INSPECTOR, region__code="140700")[0].person
    case_queries.access_case(inspector, done.number, channel="console")  # a logged supervisory read

    corpus = public_corpus(client)
    for secret in (SECRET_ITEM, SECRET_COMMENT, SECRET_STEP):
        assert squeeze(secret) not in corpus  # the detector below is not blind to them
    found = list(leaves(client))
    assert len(found) == Entry.objects.count() > 1000
    subjects = {leaf["subject"]["type"] for leaf in found}
    assert {model._meta.label for model in audit.ledgered_models()} <= subjects
    exposures = {
        f"#{leaf['index']} {leaf['subject']['type']}:{leaf['subject']['id']}": shown
        for leaf in found
        if leaf["subject"]["type"] not in REPUBLISHED and (shown := exposed(leaf, corpus))
    }
    assert exposures == {}, summary(exposures)
    # A detector that cannot fail proves nothing: the secret item's leaf, had it been in clear, is caught.
    item_leaf = next(
        leaf for leaf in found if leaf["subject"] == {"type": "powers.PowerItem", "id": str(secret_item.pk)}
    )
    assert item_leaf["state"] == SEALED and item_leaf["private"]
    assert SECRET_ITEM in exposed({"state": secret_item.ledger_fields()[1]["fields"]}, corpus)

    # Publishing the edition is what makes its content public: the same action records it in clear.
    for move in ("submit", "pass_first"):
        power_actions.do_move_edition(actor=office, edition=edition, move=move)
    power_actions.do_decide_remaining(actor=office, edition=edition, kind="keep", reason="依法保留")
    for move in ("confirm", "publish"):
        power_actions.do_move_edition(actor=office, edition=edition, move=move)
    published = Entry.objects.filter(subject_type="powers.PowerItem", subject_id=str(secret_item.pk)).last()
    assert published is not None and published.action == "powers.move_edition"
    assert published.state["name"] == SECRET_ITEM
    corpus = public_corpus(client)
    assert squeeze(SECRET_ITEM) in corpus and squeeze(SECRET_COMMENT) not in corpus
    exposures = {
        leaf["index"]: shown
        for leaf in leaves(client)
        if leaf["subject"]["type"] not in REPUBLISHED and (shown := exposed(leaf, corpus))
    }
    assert exposures == {}, summary(exposures)
    # The commitments still bind: verify recomputes every record; a receipt of a sealed leaf verifies.
    report = audit.verify_all()
    assert report["lines"] == []
    comment_entry = Entry.objects.filter(subject_type="powers.ReviewComment").last()
    assert comment_entry is not None
    tree.integrate()
    tree.sign_checkpoint(force=True)
    checked = receipt.verify_receipt(queries.receipt(comment_entry.index), tree.verifier())
    assert json.loads(checked.entry_bytes)["state"] == SEALED


def _head_of(unit: Unit) -> str:
    grant = RoleGrant.objects.filter(role=Role.HEAD, unit=unit).select_related("person").first()
    assert grant is not None, unit
    return grant.person.username


def test_region_codes_are_public(city, client):
    # Regions are public (the API lists them): their leaves stay in clear.
    region = Region.objects.get(code="140700")
    entry = Entry.objects.filter(subject_type="org.Region", subject_id=str(region.pk)).last()
    assert entry is not None and entry.state["name"] == region.name


def test_an_edition_is_sealed_until_published(city):
    edition = ListEdition.objects.exclude(status="published").first()
    if edition is None:
        edition = power_actions.do_create_edition(
            actor=RoleGrant.objects.filter(role=Role.REFORM_OFFICE)[0].person,
            unit=Unit.objects.get(code="140700-JXW"),
        )
    entry = Entry.objects.filter(subject_type="powers.ListEdition", subject_id=str(edition.pk)).last()
    assert entry is not None and entry.state == SEALED
