"""The cases API: open, advance with 409 refusals carrying the engine's reason, the public view."""

from __future__ import annotations

import json
from typing import Any

import pytest
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

    public = Client().get(
        f"/api/v1/public/cases/{case['number']}", headers={"X-Query-Code": case["query_code"]}
    )
    assert public.status_code == 200
    text = public.content.decode()
    assert "140702199001011234" not in text and "13800000000" not in text and "测试" not in text
    assert api_json(public)["current_step_name"] == "送达"
    wrong = Client().get(f"/api/v1/public/cases/{case['number']}", headers={"X-Query-Code": "WRONG"})
    assert wrong.status_code == 404
    # A code in the address is refused, right or wrong: addresses end up in logs and histories.
    in_url = Client().get(f"/api/v1/public/cases/{case['number']}", {"code": case["query_code"]})
    assert in_url.status_code == 400 and api_json(in_url)["detail"]["field"] == "code"
    other = login(Client(), world.person("clerk_b"))
    assert other.get(f"/api/v1/cases/{case['id']}").status_code == 403


def _open(client: Client, unit_code: str):
    return send(
        client,
        "/api/v1/cases",
        {"unit": unit_code, "power": "XK001", "applicant": {"name": "某协会"}, "subject": "成立登记"},
    )


def test_only_the_acceptance_post_or_the_applicant_opens_a_case(source):  # noqa: F811
    import datetime as dt

    from liuquan.cases import actions
    from liuquan.cases.models import Case
    from liuquan.core.errors import Forbidden
    from liuquan.org.actions import public_person
    from liuquan.org.models import PostHolding

    world, _, _ = source
    # 纪检, 审计 and 改革办 reach the unit through their region, the reviewer and the head are its own staff:
    # none holds 受理岗, so none may manufacture a case (and with it late steps and alerts) against it.
    for key in ("inspector", "auditor", "reform_office", "reviewer", "head", "clerk_b"):
        refused = _open(login(Client(), world.person(key)), world.dept_a.code)
        assert refused.status_code == 403, (key, refused.content)
        assert json.loads(refused.content)["error"] == "forbidden"
        with pytest.raises(Forbidden):
            actions.do_open_case(
                actor=world.person(key),
                unit=world.dept_a,
                power_code="XK001",
                applicant=actions.Applicant(name="某协会"),
            )
    assert not Case.objects.exists()
    assert _open(login(Client(), world.person("clerk")), world.dept_a.code).status_code == 201
    # The applicant, through the portal's public account, always may.
    actions.do_open_case(
        actor=public_person(),
        unit=world.dept_a,
        power_code="XK001",
        applicant=actions.Applicant(name="某协会"),
    )
    # A holding that has ended no longer counts, even when the row was ended behind the actions' back.
    PostHolding.objects.filter(person=world.person("clerk"), post__name="受理岗").update(
        until=dt.date(2026, 1, 1)
    )
    assert _open(login(Client(), world.person("clerk")), world.dept_a.code).status_code == 403
    assert Case.objects.count() == 2


def test_a_supervisors_api_read_of_a_case_is_logged(source):  # noqa: F811
    from liuquan.core.models import AccessLog

    world, _, _ = source
    made = _open(login(Client(), world.person("clerk")), world.dept_a.code)
    case_id = json.loads(made.content)["id"]
    assert login(Client(), world.person("clerk")).get(f"/api/v1/cases/{case_id}").status_code == 200
    assert not AccessLog.objects.exists()  # the unit's own staff at work
    inspector = login(Client(), world.person("inspector"))
    assert inspector.get(f"/api/v1/cases/{case_id}").status_code == 200
    logged = AccessLog.objects.get()
    assert (logged.person, logged.record_type, logged.record_id, logged.channel) == (
        world.person("inspector"),
        "cases.Case",
        str(case_id),
        "api",
    )
    # 改革办 reads every unit of its city, but from outside each: its reads of applicants' data are logged.
    reform = login(Client(), world.person("reform_office"))
    assert reform.get(f"/api/v1/cases/{case_id}").status_code == 200
    number = json.loads(made.content)["number"]
    assert reform.get(f"/console/cases/{number}/").status_code == 200
    assert sorted(
        AccessLog.objects.filter(person=world.person("reform_office")).values_list("channel", flat=True)
    ) == [
        "api",
        "console",
    ]


def test_the_head_takes_an_extension_at_the_step_through_the_api_art_42(source):  # noqa: F811
    """行政许可法第四十二条: an extension that takes effect at the step needs the head's approval. Through the
    API the post holder cannot vouch for the head (a token speaks for one person), so the head takes the
    extension at the step themselves; the post holder then carries on. The post holder alone is refused."""
    from liuquan.cases import actions
    from liuquan.cases.models import Case
    from tests.cases.conftest import publish_flow
    from tests.cases.test_actions import with_extension_at_once

    world, _, _ = source
    publish_flow(world, "XK001", with_extension_at_once)
    case = actions.do_open_case(
        actor=world.person("clerk"),
        unit=world.dept_a,
        power_code="XK001",
        applicant=actions.Applicant(name="某协会"),
    ).case
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    due = Case.objects.get(pk=case.pk).due_on
    url = f"/api/v1/cases/{case.pk}/advance"
    body = {"step": "review", "outcome": "extend_now", "comment": "需实地核查"}
    refused = send(login(Client(), world.person("reviewer")), url, body)
    assert refused.status_code == 409 and json.loads(refused.content)["error"] == "unapproved_extension"
    vouched = send(
        login(Client(), world.person("reviewer")), url, body | {"approved_by": world.person("head").username}
    )
    assert vouched.status_code == 403  # nobody states another's approval
    done = send(login(Client(), world.person("head")), url, body)
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.extended and case.due_on and due and case.due_on > due and case.current_step == "review"
    # The head approved the extension; the review itself stays the reviewer's.
    assert (
        send(login(Client(), world.person("head")), url, {"step": "review", "outcome": "pass"}).status_code
        == 403
    )
