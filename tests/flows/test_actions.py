"""Flows through their actions: only for published powers, validated before publication, immutable once
published, versioned, and BPMN in and out through the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.flows import actions, bpmn, codec, queries, templates
from liuquan.flows.models import FlowStatus, ProcessDefinition, RiskPoint
from liuquan.flows.spec import Limit
from liuquan.ledger import audit
from liuquan.ledger.models import Entry
from liuquan.supervision import catalog
from tests.flows.conftest import publish_list, staff
from tests.powers.test_import import run
from tests.powers.test_lists import item


def counts() -> tuple[int, int, int]:
    return ProcessDefinition.objects.count(), RiskPoint.objects.count(), Entry.objects.count()


def test_a_flow_starts_from_the_template_and_publishes_with_its_risk_map(flow_world):
    clerk, head = flow_world.person("clerk"), flow_world.person("head")
    draft = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="XK001")
    assert draft.status == FlowStatus.DRAFT and draft.source == "template:licensing"
    assert draft.flow.name == "社会团体成立登记" and draft.flow.case_limit == Limit(20)

    report = actions.do_publish_flow(actor=head, definition=draft)

    draft.refresh_from_db()
    assert draft.status == FlowStatus.PUBLISHED and draft.published_at is not None
    assert queries.flow_in_force(flow_world.dept_a, "XK001") == draft
    assert RiskPoint.objects.filter(definition=draft).count() == len(draft.flow.risks) > 0
    assert report.warnings == [] or all(p.severity == "warning" for p in report.warnings)
    assert Entry.objects.filter(action="flows.publish").count() == 1 + len(draft.flow.risks)
    assert audit.verify_records()[1] == []


def test_only_a_published_power_gets_a_flow(flow_world):
    clerk = flow_world.person("clerk")
    with pytest.raises(RuleViolation) as refused:
        actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="NOPE01")
    assert refused.value.code == "power_not_published"
    with pytest.raises(RuleViolation):
        actions.do_create_flow(actor=flow_world.person("clerk_b"), unit=flow_world.dept_b, power_code="XK001")


def test_publishing_an_invalid_flow_is_refused_with_every_problem_and_changes_nothing(flow_world):
    clerk, head = flow_world.person("clerk"), flow_world.person("head")
    draft = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="XK001")
    flow = draft.flow
    broken = replace(
        flow,
        case_limit=Limit(30),  # beyond 行政许可法 art. 42's 20 working days
        separation=(),  # no 受理/决定 separation
        steps=tuple(replace(step, post="") if step.key == "review" else step for step in flow.steps),
    )
    actions.do_update_flow(actor=clerk, definition=draft, flow=broken)
    before = counts()
    with pytest.raises(RuleViolation) as refused:
        actions.do_publish_flow(actor=head, definition=draft)
    codes = {problem["code"] for problem in refused.value.detail["problems"]}
    assert {"case_limit_over_legal", "licensing_accept_decide_not_separated", "no_post"} <= codes
    assert "review" in {problem["step"] for problem in refused.value.detail["problems"]}
    assert counts() == before
    draft.refresh_from_db()
    assert draft.status == FlowStatus.DRAFT


def test_a_unit_whose_staff_cannot_separate_the_steps_cannot_publish(world):
    publish_list(world, [item("XK001", "社会团体成立登记", "licensing")])
    one = {name: "clerk" for name in ("受理岗", "审核岗", "审批岗", "负责人", "听证主持岗")}
    staff(world, holders=one)
    draft = actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code="XK001")
    with pytest.raises(RuleViolation) as refused:
        actions.do_publish_flow(actor=world.person("head"), definition=draft)
    assert "separation_unstaffable" in {p["code"] for p in refused.value.detail["problems"]}


def test_a_published_version_is_immutable_and_a_new_one_supersedes_it(flow_world):
    clerk, head = flow_world.person("clerk"), flow_world.person("head")
    first = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="CF001")
    actions.do_publish_flow(actor=head, definition=first)
    with pytest.raises(Conflict) as refused:
        actions.do_update_flow(actor=clerk, definition=first, flow=first.flow)
    assert refused.value.code == "flow_immutable"
    second = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="CF001")
    assert second.version == 2 and second.source == "copy:v1" and second.based_on == first
    with pytest.raises(Conflict):
        actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="CF001")
    actions.do_publish_flow(actor=head, definition=second)
    first.refresh_from_db()
    assert first.status == FlowStatus.SUPERSEDED and first.flow == second.flow
    assert queries.flow_in_force(flow_world.dept_a, "CF001") == second


def test_who_may_edit_and_publish(flow_world):
    draft = actions.do_create_flow(
        actor=flow_world.person("clerk"), unit=flow_world.dept_a, power_code="JC001"
    )
    with pytest.raises(Forbidden):
        actions.do_publish_flow(actor=flow_world.person("clerk"), definition=draft)
    with pytest.raises(Forbidden):
        actions.do_update_flow(actor=flow_world.person("clerk_b"), definition=draft, flow=draft.flow)
    actions.do_publish_flow(actor=flow_world.person("reform_office"), definition=draft)


def test_bpmn_import_replaces_the_draft_and_keeps_its_risk_points(flow_world):
    clerk = flow_world.person("clerk")
    draft = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="XK001")
    exported = bpmn.to_bpmn(draft.flow)
    result = actions.do_import_bpmn(
        actor=clerk, unit=flow_world.dept_a, power_code="XK001", data=exported, name="x.bpmn"
    )
    assert result.definition.pk == draft.pk
    assert result.definition.flow.steps == draft.flow.steps
    assert result.definition.flow.risks == draft.flow.risks


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b'<definitions xmlns="urn:not-bpmn"><process id="p"/></definitions>',
    ],
)
def test_malformed_bpmn_gets_a_clear_error_and_changes_nothing(flow_world, data):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        actions.do_import_bpmn(
            actor=flow_world.person("clerk"),
            unit=flow_world.dept_a,
            power_code="XK001",
            data=data,
            name="bad.bpmn",
        )
    assert refused.value.message.startswith("bad.bpmn")
    assert counts() == before


def test_the_cli_round_trips_a_flow_through_bpmn(flow_world, capsys, tmp_path):
    head = flow_world.person("head")
    draft = actions.do_create_flow(
        actor=flow_world.person("clerk"), unit=flow_world.dept_a, power_code="CF001"
    )
    actions.do_publish_flow(actor=head, definition=draft)
    out = tmp_path / "cf001.bpmn"
    code, text, _ = run(capsys, "flows", "export-bpmn", "--power", "CF001", str(out))
    assert code == 0 and out.read_bytes().startswith(b"<?xml")
    code, text, err = run(
        capsys, "flows", "import-bpmn", str(out), "--power", "CF001", "--publish", "--actor", "head"
    )
    assert code == 0, err
    assert "v2" in text and "已公布" in text
    second = queries.flow_in_force(flow_world.dept_a, "CF001")
    assert second is not None and second.version == 2
    assert [(s.key, s.post, s.limit) for s in second.flow.steps] == [
        (s.key, s.post, s.limit) for s in draft.flow.steps
    ]
    code, text, _ = run(capsys, "flows", "show", "--power", "CF001")
    assert codec.decode(json.loads(text)) == second.flow
    code, _, err = run(capsys, "flows", "import-bpmn", str(tmp_path / "missing.bpmn"), "--power", "CF001")
    assert code == 2 and "不存在" in err


def test_the_cli_check_lists_problems_and_exits_2(flow_world, capsys, tmp_path):
    draft = actions.do_create_flow(
        actor=flow_world.person("clerk"), unit=flow_world.dept_a, power_code="XK001"
    )
    bad = replace(draft.flow, case_limit=Limit(45))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(codec.encode(bad), ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, "flows", "edit", "--power", "XK001", str(path))
    assert code == 0, err
    code, text, _ = run(capsys, "flows", "check", "--power", "XK001", "--json")
    assert code == 2
    assert "case_limit_over_legal" in {p["code"] for p in json.loads(text)["problems"]}
    path.write_text('{"name": "x", "category": "licensing", "steps": [{"key": "a"}]}', encoding="utf-8")
    code, _, err = run(capsys, "flows", "edit", "--power", "XK001", str(path))
    assert code == 2 and "steps[0].name" in err


def test_a_risk_point_naming_an_unknown_supervision_rule_is_refused(flow_world):
    clerk = flow_world.person("clerk")
    draft = actions.do_create_flow(actor=clerk, unit=flow_world.dept_a, power_code="XK001")
    flow = draft.flow
    assert {risk.rule for risk in flow.risks} - {""} <= set(catalog.RULES)
    bad = replace(flow, risks=(replace(flow.risks[0], rule="no_such_rule"), *flow.risks[1:]))
    with pytest.raises(InvalidInput) as refused:
        actions.do_update_flow(actor=clerk, definition=draft, flow=bad)
    assert "no_such_rule" in refused.value.message and refused.value.detail["field"] == "risks"
    draft.refresh_from_db()
    assert draft.flow == flow


def test_every_template_binds_only_known_rules():
    for category in templates.TEMPLATE_CATEGORIES:
        assert catalog.unknown([risk.rule for risk in templates.template_for(category).risks]) == []
