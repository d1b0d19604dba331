"""The cases API: open, advance with 409 refusals carrying the engine's reason, the public view."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from liuquan.cases.models import Breach
from liuquan.core.testing import api_json, login
from tests.cases.test_ingest import source  # noqa: F401 - the fixture


def send(client: Client, url: str, body: dict[str, Any]):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_case_through_the_api(source):  # noqa: F811
    world, _, _ = source
    clerk = login(Client(), world.person("clerk"))
    made = send(
        clerk,
        "/api/v1/cases",
        {
            "unit": world.dept_a.code,
            "power": "XK001",
            "applicant": {
                "name": "晋中市青年志愿者协会",
                "id_number": "140702199001011234",
                "phone": "13800000000",
            },
            "subject": "社会团体成立登记",
        },
    )
    assert made.status_code == 201, made.content
    case = api_json(made)
    assert case["current_step"] == "accept" and len(case["query_code"]) == 10
    advance = f"/api/v1/cases/{case['id']}/advance"
    assert send(clerk, advance, {"step": "accept", "outcome": "pass"}).status_code == 200
    reviewer = login(Client(), world.person("reviewer"))
    wrong = send(reviewer, advance, {"step": "decide", "outcome": "grant"})
    assert wrong.status_code == 409 and api_json(wrong)["error"] == "illegal_transition"
    assert send(reviewer, advance, {"step": "review", "outcome": "pass"}).status_code == 200
    # 决定 by the clerk, who did 受理: refused as a separation breach (the clerk also holds no 审批岗 post,
    # so give them the post first to reach the separation check).
    from liuquan.org import actions as org_actions

    post = world.dept_a.posts.get(name="审批岗")
    org_actions.do_assign_post(actor=world.system, post=post, person=world.person("clerk"))
    breach = send(clerk, advance, {"step": "decide", "outcome": "grant"})
    assert breach.status_code == 409 and api_json(breach)["error"] == "separation_of_duties"
    assert Breach.objects.filter(kind="separation_of_duties", refused=True, channel="api").count() == 1
    leader = login(Client(), world.person("leader"))
    assert send(leader, advance, {"step": "decide", "outcome": "grant"}).status_code == 200

    public = Client().get(f"/api/v1/public/cases/{case['number']}", {"code": case["query_code"]})
    assert public.status_code == 200
    text = public.content.decode()
    assert "140702199001011234" not in text and "13800000000" not in text and "测试" not in text
    assert api_json(public)["current_step_name"] == "送达"
    assert Client().get(f"/api/v1/public/cases/{case['number']}", {"code": "WRONG"}).status_code == 404
    other = login(Client(), world.person("clerk_b"))
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 403
