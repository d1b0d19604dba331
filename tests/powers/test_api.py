"""The power-list API: editions, moves, dispositions, comments and the diff, with the error contract."""

from __future__ import annotations

from typing import Any

from django.test import Client

from liuquan.core.testing import api_json, login
from liuquan.powers import actions
from liuquan.powers.models import Disposition
from tests.powers.test_lists import item


def post(client: Client, url: str, body: dict[str, Any], method: str = "post"):
    return getattr(client, method)(url, body, content_type="application/json")


def test_a_list_is_reviewed_and_published_through_the_api(world):
    clerk = login(Client(), world.person("clerk"))
    office = login(Client(), world.person("reform_office"))
    unit = world.dept_a.code
    made = post(clerk, f"/api/v1/lists/{unit}/editions", {})
    assert made.status_code == 201
    number = api_json(made)["number"]
    actions.do_add_items(
        actor=world.person("clerk"),
        edition=world.dept_a.list_editions.get(number=number),
        items=[item("A1"), item("A2")],
    )
    base = f"/api/v1/lists/{unit}/editions/{number}"
    assert api_json(post(clerk, base + "/move", {"move": "submit"}))["status"] == "first_review"

    refused = post(clerk, base + "/items/A1/disposition", {"kind": "keep", "reason": "保留"}, "put")
    assert refused.status_code == 403 and api_json(refused)["error"] == "forbidden"
    bad = post(office, base + "/items/A1/disposition", {"kind": "merge", "reason": "并入"}, "put")
    assert bad.status_code == 400 and api_json(bad)["detail"]["field"] == "target_code"
    missing = post(office, base + "/items/ZZ/disposition", {"kind": "keep", "reason": "保留"}, "put")
    assert missing.status_code == 404

    merged = post(
        office,
        base + "/items/A2/disposition",
        {"kind": "merge", "reason": "并入A1", "target_code": "A1"},
        "put",
    )
    assert api_json(merged)["kind_name"] == "合并"
    post(office, base + "/items/A1/disposition", {"kind": "keep", "reason": "依据充分"}, "put")
    assert post(office, base + "/comments", {"text": "二审通过", "item": "A1"}).status_code == 201
    for move in ("pass_first", "confirm", "publish"):
        answer = post(office, base + "/move", {"move": move})
        assert answer.status_code == 200, api_json(answer)
    conflict = post(office, base + "/move", {"move": "publish"})
    assert conflict.status_code == 409

    detail = api_json(clerk.get(base))
    assert detail["status"] == "published" and detail["allowed_moves"] == []
    assert {row["code"]: row["disposition"]["kind"] for row in detail["items"]} == {
        "A1": "keep",
        "A2": "merge",
    }
    assert detail["comments"][0]["item"] == "A1"
    diff = {row["code"]: row for row in api_json(clerk.get(base + "/diff"))}
    assert diff["A1"]["change"] == "added" and diff["A2"]["change"] == "removed"
    assert diff["A2"]["reason"] == "并入A1"
    assert Disposition.objects.count() == 2


def test_drafts_stay_private_in_the_api(world):
    edition = actions.do_create_edition(actor=world.person("clerk"), unit=world.dept_a)
    url = f"/api/v1/lists/{world.dept_a.code}/editions"
    other = login(Client(), world.person("clerk_b"))
    assert api_json(other.get(url)) == []
    assert other.get(f"{url}/{edition.number}").status_code == 403
    assert Client().get(url).status_code == 401
    assert len(api_json(login(Client(), world.person("clerk")).get(url))) == 1
