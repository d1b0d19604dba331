"""BPMN import of real modellers' files (parallel gateways, call activities, event gateways, subprocesses,
several pools, timers, engines' due dates), refusals that name their elements, and exports that survive a
tool which drops liuquan's lq: extensions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from liuquan.flows.bpmn import NS_BPMN, NS_LQ, from_bpmn, to_bpmn, validate_bpmn
from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Gateway,
    Limit,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.flows.templates import TEMPLATE_CATEGORIES, template_for

FIXTURES = Path(__file__).parent / "bpmn_fixtures"
XSD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "bpmn-xsd"
T = TransitionKind


@pytest.fixture(scope="module")
def xsd_dir() -> Path:
    if not (XSD_DIR / "BPMN20.xsd").exists():
        pytest.skip(f"the OMG BPMN 2.0 XSD is not at {XSD_DIR} (it lives in shared/data beside the repo)")
    return XSD_DIR


def process_doc(body: str, *, extra: str = "") -> bytes:
    return (
        f'<bpmn:definitions xmlns:bpmn="{NS_BPMN}" id="d" targetNamespace="urn:test" {extra}>'
        f'<bpmn:process id="p" name="测试">{body}</bpmn:process></bpmn:definitions>'
    ).encode()


def strip_lq(data: bytes) -> bytes:
    """What a modeller that drops unknown extensions hands back: no lq: element or attribute."""
    root = etree.fromstring(data)
    for element in list(root.iter(f"{{{NS_LQ}}}*")):
        element.getparent().remove(element)
    for element in root.iter():
        for attribute in [a for a in element.attrib if a.startswith(f"{{{NS_LQ}}}")]:
            del element.attrib[attribute]
    etree.cleanup_namespaces(root)
    assert NS_LQ.encode() not in etree.tostring(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- a Camunda Modeler file with everything the outside check found dropped or refused -----------------


@pytest.fixture(scope="module")
def everything() -> object:
    return from_bpmn((FIXTURES / "camunda_two_pools_everything.bpmn").read_bytes(), category="licensing")


def test_the_camunda_fixture_is_schema_valid(xsd_dir: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd_dir / "BPMN20.xsd")))
    assert schema.validate(etree.parse(str(FIXTURES / "camunda_two_pools_everything.bpmn"))), schema.error_log


def test_parallel_gateways_become_gateways_joined_by_key(everything: object) -> None:
    flow = everything.flow  # type: ignore[attr-defined]
    assert flow.gateways[:2] == (Gateway("gateway_fork", "会审"), Gateway("gateway_join", ""))
    split = {(t.outcome, t.target, t.kind) for t in flow.outgoing("gateway_fork")}
    assert split == {("go", "activity_credit", T.NEXT), ("go", "activity_inspect", T.NEXT)}
    assert {t.source for t in flow.incoming("gateway_join")} == {"activity_credit", "activity_record"}
    assert [(t.outcome, t.target) for t in flow.outgoing("gateway_join")] == [("go", "activity_decide")]


def test_a_call_activity_becomes_a_call_step_with_the_called_element_unprefixed(everything: object) -> None:
    step = everything.flow.step("activity_credit")  # type: ignore[attr-defined]
    assert (step.kind, step.calls, step.name, step.post) == (StepKind.CALL, "CX001", "信用核查", "审查岗")


def test_an_event_gateway_becomes_a_wait_step_with_a_message_outcome_and_a_timer(everything: object) -> None:
    flow = everything.flow  # type: ignore[attr-defined]
    wait = flow.step("gateway_wait")
    assert (wait.kind, wait.name, wait.post) == (StepKind.WAIT, "等待补正材料", "受理岗")
    assert [(t.outcome, t.target, t.kind, t.label, t.after) for t in flow.outgoing("gateway_wait")] == [
        ("收到补正材料", "activity_review", T.NEXT, "收到补正材料", None),
        ("逾期未补正", END, T.NEXT, "视为撤回", Limit(30, DayKind.NATURAL)),
    ]


def test_subprocess_user_tasks_are_steps_grouped_under_the_subprocess(everything: object) -> None:
    flow = everything.flow  # type: ignore[attr-defined]
    inner = [(s.key, s.group, s.post) for s in flow.steps if s.group]
    assert inner == [("activity_inspect", "现场核查", "审查岗"), ("activity_record", "现场核查", "审查岗")]
    assert ("gateway_fork", "activity_inspect") in {(t.source, t.target) for t in flow.transitions}
    assert [t.target for t in flow.outgoing("activity_record")] == ["gateway_join"]  # the inner end goes on


def test_every_pool_gives_steps_and_a_laneless_pool_is_the_post(everything: object) -> None:
    flow = everything.flow  # type: ignore[attr-defined]
    assert flow.start == "activity_accept"  # the first pool's start
    assert flow.step("activity_score").post == "专家组"
    assert flow.posts == ("受理岗", "审查岗", "负责人", "专家组")
    assert len([s for s in flow.steps if s.kind != StepKind.WAIT]) == 7


def test_due_dates_and_a_duration_under_a_day_are_reported_not_silently_turned_into_one_day(
    everything: object,
) -> None:
    flow = everything.flow  # type: ignore[attr-defined]
    assert flow.step("activity_accept").limit == Limit(5, DayKind.NATURAL)
    assert flow.step("activity_review").limit is None
    warnings = [note.en for note in everything.warnings]  # type: ignore[attr-defined]
    assert any('id="Activity_accept"' in w and "5 natural days" in w for w in warnings)
    assert any('id="Activity_review"' in w and "PT2M" in w and "shorter than a day" in w for w in warnings)
    zh = [note.zh for note in everything.warnings]  # type: ignore[attr-defined]
    assert any("PT2M" in w and "短于一天" in w for w in zh)


def test_the_report_names_every_element_it_could_not_map_with_why(everything: object) -> None:
    unmapped = everything.unmapped  # type: ignore[attr-defined]
    ids = [note.en.split('id="')[1].split('"')[0] for note in unmapped]
    assert ids == ["Event_start"]  # the message flow and the second pool's message start are mapped
    assert "timer start event" in unmapped[0].en and "定时开始事件" in unmapped[0].zh
    assert all(str(note) == note.zh for note in unmapped)


def test_a_flowable_due_date_expression_and_a_timer_date_are_reported() -> None:
    body = """<bpmn:startEvent id="s"/><bpmn:userTask id="a" name="受理" flowable:dueDate="${due}"/>
      <bpmn:intermediateCatchEvent id="w" name="等到开标日"><bpmn:timerEventDefinition>
        <bpmn:timeDate>2025-01-01T09:00:00</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:userTask id="b" name="开标"/><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="w"/>
      <bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="b"/><bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>"""
    result = from_bpmn(process_doc(body, extra='xmlns:flowable="http://flowable.org/bpmn"'), category="other")
    assert result.flow is not None and result.flow.steps[0].limit is None
    assert [(s.key, s.kind) for s in result.flow.steps] == [
        ("a", StepKind.ACCEPT),
        ("w", StepKind.WAIT),
        ("b", StepKind.OTHER),
    ]
    assert result.flow.outgoing("w")[0].after is None
    warnings = [note.en for note in result.warnings]
    assert any('id="a"' in w and "${due}" in w for w in warnings)
    assert any('timer event "w"' in w and "timeDate" in w for w in warnings)


def test_a_timer_catch_event_in_sequence_is_a_wait_step_with_one_timed_transition() -> None:
    body = """<bpmn:startEvent id="s"/><bpmn:task id="a" name="公示"/>
      <bpmn:intermediateCatchEvent id="w" name="公示期"><bpmn:timerEventDefinition>
        <bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:task id="b" name="决定"/><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="w"/>
      <bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="b"/><bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>"""
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is not None and result.unmapped == []
    assert result.flow.outgoing("w") == (Transition("w", "to_b", "b", after=Limit(7, DayKind.NATURAL)),)


# --- refusals name their elements and the real reason ------------------------------------------------


def test_an_inclusive_gateway_is_refused_by_id_and_reason_in_chinese_and_english() -> None:
    body = """<bpmn:startEvent id="s"/><bpmn:task id="a" name="受理"/>
      <bpmn:inclusiveGateway id="Gateway_or" name="按需会签"/><bpmn:task id="b" name="审查"/><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="Gateway_or"/>
      <bpmn:sequenceFlow id="f3" sourceRef="Gateway_or" targetRef="b"/><bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>"""
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is None and len(result.problems) == 1
    [problem] = result.problems
    assert (
        'inclusiveGateway id="Gateway_or" name="按需会签"' in problem.en and "inclusive gateway" in problem.en
    )
    assert "包容网关" in problem.zh and 'id="Gateway_or"' in problem.zh
    assert "can never reach an end" not in problem.en


def test_a_closed_loop_is_refused_naming_the_loop_in_chinese_and_english() -> None:
    result = from_bpmn((FIXTURES / "cycle_no_exit.bpmn").read_bytes(), category="licensing")
    assert result.flow is None
    loop = result.problems[0]
    assert (
        loop.en.startswith("a loop with no way out")
        and 'id="review"' in loop.en
        and 'id="correct"' in loop.en
    )
    assert loop.zh.startswith("闭环没有出口") and 'id="review"' in loop.zh and 'id="correct"' in loop.zh
    assert 'id="accept"' in result.problems[1].en  # leads into the loop


def test_a_task_with_no_way_out_is_refused_by_id() -> None:
    body = """<bpmn:startEvent id="s"/><bpmn:task id="a" name="受理"/><bpmn:task id="b" name="审查"/>
      <bpmn:intermediateThrowEvent id="link" name="转到"><bpmn:linkEventDefinition name="nowhere"/></bpmn:intermediateThrowEvent>
      <bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
      <bpmn:sequenceFlow id="f3" sourceRef="a" targetRef="e"/><bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="link"/>"""
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is None
    assert [note.en for note in result.problems] == [
        'task id="b" name="审查" has no way out: no transition leaves it, so a case there can never reach an end'
    ]
    assert result.problems[0].zh.startswith('任务 task id="b" name="审查" 没有出路')
    assert any('id="link"' in note.en for note in result.unmapped)


# --- exports that survive a modeller without our extensions ------------------------------------------


def rich_flow() -> Flow:
    """A flow with what templates do not use: a parallel split and join, a WAIT step with a message and a
    timer, a one-way timer WAIT, a CALL step, a subprocess group, sanctions, a special-law basis."""
    steps = (
        Step("accept", "受理", StepKind.ACCEPT, "受理岗", Limit(5), note="行政许可法第三十二条"),
        Step("wait", "等待补正", StepKind.WAIT, "受理岗", Limit(30, DayKind.NATURAL)),
        Step("review", "材料审查", StepKind.REVIEW, "审查岗", Limit(10), group="联合审查"),
        Step("credit", "信用核查", StepKind.CALL, "审查岗", calls="330101-XK-001", group="联合审查"),
        Step("site", "现场核查", StepKind.SITE_CHECK, "审查岗", Limit(3), group="联合审查"),
        Step("cool", "冷静期", StepKind.WAIT, "审查岗"),
        Step("extend", "延期审批", StepKind.OTHER, "分管领导", Limit(2)),
        Step("decide", "决定", StepKind.DECIDE, "分管领导", Limit(5), meeting=True),
    )
    transitions = (
        Transition("accept", "pass", "fork", T.NEXT, "受理"),
        Transition("accept", "correct", "wait", T.CORRECTION, "需补正"),
        Transition("wait", "received", "accept", T.NEXT, "收到补正材料"),
        Transition("wait", "timeout", END, T.TERMINATE, "逾期未补正", after=Limit(30, DayKind.NATURAL)),
        Transition("fork", "go", "review"),
        Transition("fork", "go", "credit"),
        Transition("fork", "go", "site"),
        Transition("review", "pass", "join", T.NEXT, "通过"),
        Transition("credit", "pass", "join"),
        Transition("site", "pass", "join"),
        Transition("join", "go", "cool"),
        Transition("cool", "over", "extend", after=Limit(3)),
        Transition("extend", "approve", "decide", T.EXTEND, "同意延期"),
        Transition("decide", "grant", END, T.NEXT, "准予许可"),
        Transition("decide", "refuse", END, T.REJECT, "不予许可", "不符合法定条件"),
    )
    return Flow(
        name="联合审查许可",
        category="licensing",
        steps=steps,
        transitions=transitions,
        case_limit=Limit(20),
        extension=Limit(10),
        separation=(SeparationGroup("受理与决定分离", ("accept", "decide"), "行政许可法第四十八条"),),
        description="依申请办理",
        posts=("受理岗", "审查岗", "分管领导"),
        gateways=(Gateway("fork", "联合审查"), Gateway("join")),
        limit_basis="food_licence",
        max_amount=50000,
    )


def test_the_new_spec_parts_export_valid_and_round_trip(xsd_dir: Path) -> None:
    flow = rich_flow()
    data = to_bpmn(flow)
    assert validate_bpmn(data, xsd_dir) == []
    root = etree.fromstring(data)
    ns = {"bpmn": NS_BPMN}
    assert len(root.findall(".//bpmn:parallelGateway", ns)) == 2
    assert root.find(".//bpmn:eventBasedGateway", ns).get("name") == "等待补正"
    assert root.find(".//bpmn:callActivity", ns).get("calledElement") is None  # no QName: in 调用事项 only
    assert [g.get("value") for g in root.findall(".//bpmn:categoryValue", ns)] == ["联合审查"]
    result = from_bpmn(data, category="licensing")
    assert (result.problems, result.unmapped, result.warnings) == ([], [], [])
    assert result.flow == flow


def strip_cases() -> list[Flow]:
    return [template_for(category) for category in TEMPLATE_CATEGORIES] + [rich_flow()]


@pytest.mark.parametrize("flow", strip_cases(), ids=[*TEMPLATE_CATEGORIES, "rich"])
def test_stripped_of_lq_an_export_reads_back_the_same_flow_and_reports_the_risk_points_lost(
    flow: Flow, xsd_dir: Path
) -> None:
    """A modeller that drops lq: keeps documentation, names and timers: step kinds, limits and day kinds,
    the case limit, extension, separation groups, gateways, groups and transitions all come back. Risk
    points have no standard carrier: the import says how many were lost."""
    data = strip_lq(to_bpmn(flow))
    assert validate_bpmn(data, xsd_dir) == []
    result = from_bpmn(data, category=flow.category)
    assert result.problems == [] and result.unmapped == []
    assert result.flow == dataclasses.replace(flow, risks=())
    lost = [note for note in result.warnings if "risk points" in note.en]
    if flow.risks:
        assert len(lost) == 1 and f"has {len(flow.risks)} risk points" in lost[0].en
        assert f"{len(flow.risks)} 个风险点" in lost[0].zh
        assert len(result.warnings) == 1
    else:
        assert result.warnings == []


def test_the_standard_copy_wins_over_a_stale_lq_copy_and_kinds_are_not_guessed_from_names() -> None:
    """延期审批 is an OTHER step; without lq: a name guess would make it a second 决定."""
    result = from_bpmn(strip_lq(to_bpmn(rich_flow())), category="licensing")
    assert result.flow is not None
    assert [s.kind for s in result.flow.steps if s.key == "extend"] == [StepKind.OTHER]


def test_messages_are_notes_with_chinese_first() -> None:
    result = from_bpmn(b"not xml", category="other")
    [problem] = result.problems
    assert str(problem) == problem.zh and problem.zh.startswith("不是 XML 文件")
    assert problem.en.startswith("not XML")
    assert result.as_dict()["problems"] == [{"zh": problem.zh, "en": problem.en}]


FLOWABLE_NO_LANES = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:flowable="http://flowable.org/bpmn"
    targetNamespace="http://flowable.org/test">
  <process id="licence" name="\xe8\xae\xb8\xe5\x8f\xaf">
    <startEvent id="start"/>
    <userTask id="accept" name="\xe5\x8f\x97\xe7\x90\x86" flowable:candidateGroups="\xe5\x8f\x97\xe7\x90\x86\xe5\xb2\x97,\xe5\x80\xbc\xe7\x8f\xad"/>
    <userTask id="decide" name="\xe5\x86\xb3\xe5\xae\x9a">
      <potentialOwner><resourceAssignmentExpression><formalExpression>\xe5\xae\xa1\xe6\x89\xb9\xe5\xb2\x97</formalExpression></resourceAssignmentExpression></potentialOwner>
    </userTask>
    <userTask id="deliver" name="\xe9\x80\x81\xe8\xbe\xbe" flowable:candidateGroups="${dept}"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
    <sequenceFlow id="f2" sourceRef="accept" targetRef="decide"/>
    <sequenceFlow id="f3" sourceRef="decide" targetRef="deliver"/>
    <sequenceFlow id="f4" sourceRef="deliver" targetRef="end"/>
  </process>
</definitions>"""


def test_without_lanes_a_candidate_group_or_potential_owner_is_the_post() -> None:
    result = from_bpmn(FLOWABLE_NO_LANES, category="licensing")
    assert result.flow is not None
    posts = {step.key: step.post for step in result.flow.steps}
    assert posts == {"accept": "受理岗", "decide": "审批岗", "deliver": ""}  # an expression names no post


BOUNDARY_EXITS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="urn:test">
  <process id="p" name="许可">
    <startEvent id="start"/>
    <userTask id="review" name="审查"/>
    <boundaryEvent id="withdrawn" name="申请人撤回终止" attachedToRef="review">
      <messageEventDefinition/>
    </boundaryEvent>
    <boundaryEvent id="problem" name="发现异常" attachedToRef="review">
      <errorEventDefinition/>
    </boundaryEvent>
    <boundaryEvent id="remind" name="催办" attachedToRef="review" cancelActivity="false">
      <messageEventDefinition/>
    </boundaryEvent>
    <userTask id="decide" name="决定"/>
    <userTask id="check" name="现场核查"/>
    <userTask id="notify" name="发送催办"/>
    <endEvent id="end"/>
    <endEvent id="end2"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <sequenceFlow id="f3" sourceRef="decide" targetRef="end"/>
    <sequenceFlow id="f4" sourceRef="withdrawn" targetRef="end"/>
    <sequenceFlow id="f5" sourceRef="problem" targetRef="check"/>
    <sequenceFlow id="f6" sourceRef="check" targetRef="decide"/>
    <sequenceFlow id="f7" sourceRef="remind" targetRef="notify"/>
    <sequenceFlow id="f8" sourceRef="notify" targetRef="end2"/>
  </process>
</definitions>""".encode()


def test_an_interrupting_boundary_event_is_one_more_way_out_of_its_task() -> None:
    result = from_bpmn(BOUNDARY_EXITS, category="other")
    assert result.flow is not None
    out = {(t.outcome, t.target, t.kind) for t in result.flow.outgoing("review")}
    assert ("申请人撤回终止", "end", TransitionKind.TERMINATE) in out
    assert ("发现异常", "check", TransitionKind.NEXT) in out
    assert any(target == "decide" for _, target, _ in out)  # the task's own way out stays
    # A non-interrupting one would run beside the task: not mapped, and said so by id.
    assert any('id="remind"' in note.en for note in result.unmapped)
