"""The flows API: public flow in force, drafting, problems and publishing with the error contract."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.test import Client

from liuquan.core.testing import api_json, login
from liuquan.flows import codec
from liuquan.flows.spec import Limit


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def test_a_flow_is_drafted_checked_and_published_through_the_api(flow_world):
    clerk = login(Client(), flow_world.person("clerk"))
    head = login(Client(), flow_world.person("head"))
    base = f"/api/v1/flows/{flow_world.dept_a.code}/XK001"
    assert Client().get(f"/api/v1/public/flows/{flow_world.dept_a.code}/XK001").status_code == 404

    made = send(clerk, "post", base)
    assert made.status_code == 201 and api_json(made)["status"] == "draft"
    flow = codec.decode(api_json(made)["flow"])
    bad = codec.encode(replace(flow, case_limit=Limit(40)))
    assert send(clerk, "put", base + "/draft", {"flow": bad}).status_code == 200
    problems = api_json(clerk.get(base + "/draft/problems"))
    assert "case_limit_over_legal" in {p["code"] for p in problems if p["severity"] == "error"}
    refused = send(head, "post", base + "/draft/publish")
    assert refused.status_code == 422 and api_json(refused)["error"] == "invalid_flow"
    assert api_json(refused)["detail"]["problems"]

    send(clerk, "put", base + "/draft", {"flow": codec.encode(flow)})
    assert send(clerk, "post", base + "/draft/publish").status_code == 403
    published = send(head, "post", base + "/draft/publish")
    assert published.status_code == 200 and api_json(published)["status"] == "published"

    public = Client().get(f"/api/v1/public/flows/{flow_world.dept_a.code}/XK001")
    assert public.status_code == 200 and codec.decode(api_json(public)["flow"]) == flow
    xml = Client().get(f"/api/v1/public/flows/{flow_world.dept_a.code}/XK001/bpmn")
    assert xml.status_code == 200 and b"definitions" in xml.content
    malformed = send(clerk, "post", base, {"flow": {"name": "x", "steps": "no"}})
    assert malformed.status_code == 400 and "steps" in api_json(malformed)["message"]


def test_drafts_are_not_public(flow_world):
    clerk = login(Client(), flow_world.person("clerk"))
    send(clerk, "post", f"/api/v1/flows/{flow_world.dept_a.code}/CF001")
    assert Client().get(f"/api/v1/public/flows/{flow_world.dept_a.code}/CF001?version=1").status_code == 403
    other = login(Client(), flow_world.person("clerk_b"))
    assert api_json(other.get(f"/api/v1/flows/{flow_world.dept_a.code}/CF001/versions")) == []
    assert len(api_json(clerk.get(f"/api/v1/flows/{flow_world.dept_a.code}/CF001/versions"))) == 1
