"""A Camunda Modeler file with everything in it, imported for an inspection power, published and run:
parallel branches, a called flow, a subprocess, an event gateway with a message and a timer, and a second
pool a message starts. The CLI's import report in both languages."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from liuquan.cases import actions, timers
from liuquan.cases.actions import CaseRefused
from liuquan.cases.models import Case, CaseStatus, CaseStep
from liuquan.core.testing import World
from liuquan.flows import actions as flow_actions
from liuquan.flows.models import ProcessDefinition
from liuquan.supervision import conformance
from tests.cases.conftest import APPLICANT, MONDAY, complete, hire, publish_flow
from tests.clock import Clock
from tests.flows.conftest import HOLDERS, publish_list, staff
from tests.powers.test_lists import item

FIXTURE = Path(__file__).parents[1] / "flows" / "bpmn_fixtures" / "camunda_two_pools_everything.bpmn"
# The fixture calls credit:CX001; here it calls JC002, an inspection power of the same unit with a
# published flow, so publication can inline it.
BPMN = FIXTURE.read_bytes().replace(b'calledElement="credit:CX001"', b'calledElement="JC002"')


@pytest.fixture
def bpmn_world(clock: Clock, world: World) -> World:
    publish_list(
        world,
        [
            item("JC001", "对养老机构的监督检查", "inspection"),
            item("JC002", "对殡葬服务机构的监督检查", "inspection"),
        ],
    )
    staff(world)
    hire(world, "expert")
    staff(world, holders={**HOLDERS, "审查岗": "reviewer", "专家组": "expert"})  # every lane is a post
    publish_flow(world, "JC002")  # the inspection template: it ends normally three ways (clear, close, done)
    return world


def imported(world: World) -> flow_actions.BpmnImport:
    return flow_actions.do_import_bpmn(
        actor=world.person("clerk"), unit=world.dept_a, power_code="JC001", data=BPMN, name=FIXTURE.name
    )


def published(world: World) -> ProcessDefinition:
    draft = imported(world).definition
    flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    draft.refresh_from_db()
    return draft


def open_inspection(world: World) -> Case:
    return actions.do_open_case(
        actor=world.person("clerk"),
        unit=world.dept_a,
        power_code="JC001",
        applicant=APPLICANT,
        subject="对某养老院的检查",
    ).case


def steps_open(case: Case) -> list[str]:
    return sorted(
        CaseStep.objects.filter(case=case, completed_at__isnull=True).values_list("step", flat=True)
    )


def fits(case: Case) -> bool:
    case.refresh_from_db()
    return conformance.judge_paths(case.definition.flow, [(case.pk, case.path)])[case.pk].fits


def to_the_branches(world: World) -> Case:
    """受理 → 等待补正材料 (the message arrives) → 材料审查, which splits: the called 检查, the 现场核查
    subprocess and the 专家组's pool, started by the message 请求评审."""
    case = open_inspection(world)
    complete(world, case, "clerk", "activity_accept", "to_gateway_wait")
    assert steps_open(case) == ["gateway_wait"]
    complete(world, case, "clerk", "gateway_wait", "收到补正材料")
    complete(world, case, "reviewer", "activity_review", "to_gateway_fork")
    assert steps_open(case) == ["activity_credit.inspect", "activity_inspect", "activity_score"]
    return case


def through_the_join(world: World, case: Case) -> None:
    complete(world, case, "clerk", "activity_credit.inspect", "found")  # the called flow
    complete(world, case, "leader", "activity_credit.handle", "close")  # it ends: on to the join
    complete(world, case, "reviewer", "activity_inspect", "to_activity_record")
    with pytest.raises(CaseRefused):  # the join has not fired: the decision cannot be made yet
        complete(world, case, "head", "activity_decide", "to_end")
    complete(world, case, "reviewer", "activity_record", "to_gateway_join")
    assert "activity_decide" in steps_open(case)


def test_the_import_names_what_it_could_not_map_and_the_draft_publishes(bpmn_world):
    report = imported(bpmn_world)
    assert [note.en.split('id="')[1].split('"')[0] for note in report.unmapped] == ["Event_start"]
    assert "timer start event" in report.unmapped[0].en and "定时开始事件" in report.unmapped[0].zh
    warned = " ".join(note.en for note in report.warnings)
    assert 'id="Activity_accept"' in warned and 'id="Activity_review"' in warned and "PT2M" in warned
    assert all(note.zh and note.en for note in [*report.unmapped, *report.warnings])
    flow = report.definition.flow
    assert flow.steps[3].key == "activity_credit" and flow.steps[3].calls == "JC002"  # the power code
    assert {gateway.key for gateway in flow.gateways} == {"gateway_fork", "gateway_join", "flow_msg_ask"}
    definition = published(bpmn_world)
    assert definition.status == "published"
    assert [(c.step, c.power) for c in definition.flow.calls] == [("activity_credit", "JC002")]


def test_a_case_runs_through_the_branches_the_called_flow_and_the_subprocess_to_the_end(bpmn_world):
    published(bpmn_world)
    case = to_the_branches(bpmn_world)
    with pytest.raises(CaseRefused):  # the join's successor, before any branch has arrived
        complete(bpmn_world, case, "head", "activity_decide", "to_end")
    through_the_join(bpmn_world, case)
    complete(bpmn_world, case, "expert", "activity_score", "to_end")  # the second pool first
    assert steps_open(case) == ["activity_decide"]
    done = complete(bpmn_world, case, "head", "activity_decide", "to_end")
    assert done.status == CaseStatus.DONE and steps_open(case) == []
    assert fits(case)


def test_the_second_pool_may_finish_after_the_main_branch_and_the_case_waits_for_it(bpmn_world):
    published(bpmn_world)
    case = to_the_branches(bpmn_world)
    through_the_join(bpmn_world, case)
    after_decision = complete(bpmn_world, case, "head", "activity_decide", "to_end")
    assert after_decision.status != CaseStatus.DONE and steps_open(case) == ["activity_score"]
    done = complete(bpmn_world, case, "expert", "activity_score", "to_end")
    assert done.status == CaseStatus.DONE and steps_open(case) == []
    assert fits(case)


def test_the_timer_ends_a_case_whose_material_never_comes(bpmn_world, clock):
    published(bpmn_world)
    case = open_inspection(bpmn_world)
    complete(bpmn_world, case, "clerk", "activity_accept", "to_gateway_wait")
    with pytest.raises(CaseRefused):  # a timed way is taken by the clock, not by staff
        complete(bpmn_world, case, "clerk", "gateway_wait", "逾期未补正")
    clock.set(MONDAY + dt.timedelta(days=30))
    assert timers.do_fire_timers() == 0 and steps_open(case) == ["gateway_wait"]
    clock.set(MONDAY + dt.timedelta(days=32))
    assert timers.do_fire_timers() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.DONE and steps_open(case) == []
    assert CaseStep.objects.get(case=case, step="gateway_wait").outcome == "逾期未补正"
    assert fits(case)


def import_json(world: World, path: Path, out: io.StringIO | None = None) -> Any:
    """`liuquan flows import-bpmn --json` into JC001's draft, as the clerk; its report."""
    out = out or io.StringIO()
    call_command(
        "flows",
        "import-bpmn",
        str(path),
        "--power=JC001",
        f"--unit={world.dept_a.code}",
        f"--actor={world.person('clerk').username}",
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_the_cli_prints_the_import_report_in_chinese_and_english(bpmn_world, tmp_path):
    path = tmp_path / "two_pools.bpmn"
    path.write_bytes(BPMN)
    report = import_json(bpmn_world, path)
    assert report["problems"] == []
    assert [note["en"].split('id="')[1].split('"')[0] for note in report["unmapped"]] == ["Event_start"]
    assert "定时开始事件" in report["unmapped"][0]["zh"]
    assert any("PT2M" in note["en"] and "短于一天" in note["zh"] for note in report["warnings"])
    for note in [*report["unmapped"], *report["warnings"]]:
        assert set(note) == {"zh", "en"} and note["zh"] and note["en"]


def test_the_cli_prints_refusals_in_chinese_and_english(bpmn_world, tmp_path):
    path = tmp_path / "or.bpmn"
    path.write_bytes(BPMN.replace(b"parallelGateway", b"inclusiveGateway"))
    with pytest.raises(Exception):  # noqa: B017, PT011 - the CLI raises the domain error for its exit code
        import_json(bpmn_world, path, out := io.StringIO())
    report = json.loads(out.getvalue())
    assert report["problems"] and (report["warnings"], report["unmapped"]) == ([], [])
    assert any('id="Gateway_fork"' in p["en"] and "包容网关" in p["zh"] for p in report["problems"])
