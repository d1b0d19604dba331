"""The console's flow pages: steps and risk points edited in forms, BPMN in, problems, publishing."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liuquan.core.testing import login
from liuquan.flows import actions, queries
from liuquan.flows.models import FlowStatus


def formset(prefix: str, rows: list[dict[str, Any]], initial: int) -> dict[str, Any]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for n, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"{prefix}-{n}-{key}"] = "on"
            elif value not in (False, None):
                data[f"{prefix}-{n}-{key}"] = str(value)
    return data


def test_a_unit_edits_checks_and_publishes_a_flow_in_the_console(flow_world):
    unit = flow_world.dept_a.code
    clerk = login(Client(), flow_world.person("clerk"))
    head = login(Client(), flow_world.person("head"))
    base = f"/console/flows/{unit}/XK001/"
    listing = clerk.get(f"/console/flows/{unit}/")
    assert listing.status_code == 200 and "社会团体成立登记" in listing.content.decode()
    clerk.post(base + "new/")
    draft = queries.get_version(unit, "XK001")
    assert draft.status == FlowStatus.DRAFT
    page = clerk.get(base)
    assert page.status_code == 200 and 'data-testid="steps-form"' in page.content.decode()

    flow = draft.flow
    steps = [
        {
            "key": step.key,
            "post": "" if step.key == "review" else step.post,
            "days": 30 if step.key == "decide" else (step.limit.days if step.limit else None),
            "day_kind": (step.limit.kind.value if step.limit else "working"),
            "meeting": step.key == "decide",
            "publicity": step.publicity,
        }
        for step in flow.steps
    ]
    clerk.post(base + "steps/", formset("steps", steps, len(steps)))
    draft.refresh_from_db()
    review, decide = draft.flow.step("review"), draft.flow.step("decide")
    assert review is not None and decide is not None
    assert review.post == "" and decide.meeting is True
    html = clerk.get(base).content.decode()
    assert "没有指定岗位" in html  # the problem is named with its step

    refused = head.post(base + "publish/", follow=True)
    assert "不能公布" in refused.content.decode() or "没有指定岗位" in refused.content.decode()
    steps[1]["post"] = "审核岗"
    steps = [dict(row, days=5) if row["key"] == "decide" else row for row in steps]
    clerk.post(base + "steps/", formset("steps", steps, len(steps)))

    risks = [
        {
            "step": "accept",
            "point": "刁难申请人",
            "level": "medium",
            "measures": "一次性告知",
            "rule": "repeated_correction",
        },
        {
            "step": "decide",
            "point": "违规审批",
            "level": "high",
            "measures": "集体研究",
            "rule": "no_such_rule",
        },
    ]
    clerk.post(base + "risks/", formset("risks", risks, len(flow.risks)))
    draft.refresh_from_db()
    assert [risk.point for risk in draft.flow.risks] == [
        risk.point for risk in flow.risks
    ]  # bad rule: unchanged
    risks[1]["rule"] = "separation_breach"
    clerk.post(base + "risks/", formset("risks", risks, len(flow.risks)))
    draft.refresh_from_db()
    assert [risk.point for risk in draft.flow.risks] == ["刁难申请人", "违规审批"]

    refused = clerk.post(base + "publish/")  # clerks don't publish: the 403 page, in Chinese
    assert refused.status_code == 403 and "负责人" in refused.content.decode()
    head.post(base + "publish/")
    draft.refresh_from_db()
    assert draft.status == FlowStatus.PUBLISHED
    assert draft.risk_points.count() == 2


def test_bpmn_uploaded_in_the_console_replaces_the_draft(flow_world):
    unit = flow_world.dept_a.code
    clerk = login(Client(), flow_world.person("clerk"))
    base = f"/console/flows/{unit}/CF001/"
    clerk.post(base + "new/")
    exported = clerk.get(base + "draft.bpmn")
    assert exported.status_code == 200
    data = exported.content.replace("调查取证".encode(), "调查取证（现场）".encode())
    clerk.post(base + "bpmn/", {"file": SimpleUploadedFile("cf.bpmn", data)})
    investigate = queries.get_version(unit, "CF001").flow.step("investigate")
    assert investigate is not None and investigate.name == "调查取证（现场）"
    answer = clerk.post(base + "bpmn/", {"file": SimpleUploadedFile("bad.bpmn", b"<not-xml")}, follow=True)
    assert "bad.bpmn" in answer.content.decode()


def test_other_units_cannot_see_or_edit(flow_world):
    actions.do_create_flow(actor=flow_world.person("clerk"), unit=flow_world.dept_a, power_code="JC001")
    other = login(Client(), flow_world.person("clerk_b"))
    assert other.get(f"/console/flows/{flow_world.dept_a.code}/JC001/").status_code == 403
    assert other.get(f"/console/flows/{flow_world.dept_a.code}/").status_code == 403
