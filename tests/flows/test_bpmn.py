"""BPMN 2.0 export and import: the OMG schema, references, round trips, real tools' files, hostile files."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from liuquan.flows.bpmn import (
    MAX_BPMN_BYTES,
    NS_BPMN,
    NS_LQ,
    BpmnError,
    check_diagram,
    check_references,
    from_bpmn,
    parse_bpmn,
    to_bpmn,
    validate_bpmn,
)
from liuquan.flows.bpmn_common import Note, duration_days, guess_step_kind, outcome_from_condition
from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Gateway,
    Limit,
    RiskLevel,
    RiskPoint,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.flows.templates import TEMPLATE_CATEGORIES, template_for

FIXTURES = Path(__file__).parent / "bpmn_fixtures"
XSD_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "bpmn-xsd"
NS = {
    "bpmn": NS_BPMN,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "lq": NS_LQ,
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
T = TransitionKind


@pytest.fixture(scope="module")
def xsd_dir() -> Path:
    if not (XSD_DIR / "BPMN20.xsd").exists():
        pytest.skip(f"the OMG BPMN 2.0 XSD is not at {XSD_DIR} (it lives in shared/data beside the repo)")
    return XSD_DIR


def licensing_flow() -> Flow:
    steps = (
        Step("accept", "受理", StepKind.ACCEPT, "受理岗", Limit(5), note="行政许可法第三十二条"),
        Step("review", "审查", StepKind.REVIEW, "审查岗", Limit(10)),
        Step("hearing", "听证", StepKind.HEARING, "", Limit(20, DayKind.NATURAL), suspends_clock=True),
        Step("decide", "决定", StepKind.DECIDE, "分管领导", Limit(5), meeting=True),
        Step("deliver", "送达", StepKind.DELIVER, "受理岗", Limit(10), publicity=True),
    )
    transitions = (
        Transition("accept", "pass", "review", T.NEXT, "受理"),
        Transition("accept", "refuse", END, T.REJECT, "不予受理", "不属于本机关职权范围"),
        Transition("accept", "correct", "accept", T.CORRECTION, "需补正"),
        Transition("review", "pass", "decide", T.NEXT, "审查通过"),
        Transition("review", "extend", "review", T.EXTEND, "延期"),
        Transition("review", "hearing", "hearing", T.SUSPEND, "需听证"),
        Transition("hearing", "done", "decide", T.NEXT, "听证结束"),
        Transition("decide", "grant", "deliver", T.NEXT, "准予许可"),
        Transition("decide", "refuse", END, T.REJECT, "不予许可"),
        Transition("decide", "return", "review", T.RETURN, "退回重审"),
        Transition("deliver", "done", END, T.NEXT, "送达完毕"),
    )
    return Flow(
        name="某某行政许可",
        category="licensing",
        steps=steps,
        transitions=transitions,
        case_limit=Limit(20),
        extension=Limit(10),
        separation=(SeparationGroup("受理与决定分离", ("accept", "decide"), "行政许可法第四十八条"),),
        risks=(
            RiskPoint(
                "accept", "选择性受理", "对符合条件的申请不予受理", RiskLevel.HIGH, "一次性告知", "受理岗"
            ),
        ),
        description="依申请办理",
        posts=("受理岗", "审查岗"),
    )


def penalty_flow() -> Flow:
    names = [
        ("file_case", "立案", StepKind.FILE_CASE, "执法岗"),
        ("investigate", "调查取证", StepKind.INVESTIGATE, "执法岗"),
        ("legal_review", "法制审核", StepKind.LEGAL_REVIEW, "法制审核岗"),
        ("notify", "告知", StepKind.NOTIFY, "执法岗"),
        ("hearing", "听证", StepKind.HEARING, "听证主持岗"),
        ("decide", "决定", StepKind.DECIDE, "负责人"),
        ("deliver", "送达", StepKind.DELIVER, "执法岗"),
        ("execute", "执行", StepKind.EXECUTE, "执行岗"),
    ]
    steps = tuple(Step(key, name, kind, post, Limit(7, DayKind.NATURAL)) for key, name, kind, post in names)
    chain = [key for key, *_ in names]
    transitions = [Transition(a, "pass", b_, T.NEXT, "通过") for a, b_ in itertools.pairwise(chain)]
    transitions += [
        Transition("file_case", "drop", END, T.TERMINATE, "不予立案"),
        Transition("legal_review", "return", "investigate", T.RETURN, "退回补充调查"),
        Transition("notify", "waive", "decide", T.NEXT, "放弃听证", "当事人未在五日内申请听证"),
        Transition("execute", "done", END, T.NEXT, "执行完毕"),
    ]
    return Flow(
        "一般程序行政处罚", "penalty", steps, tuple(transitions), case_limit=Limit(90, DayKind.NATURAL)
    )


def en(notes: list[Note]) -> list[str]:
    """The English of import messages: what these tests pin (the Chinese is checked where it matters)."""
    return [note.en for note in notes]


def by_local_name(root: etree._Element, name: str) -> list[etree._Element]:
    return list(root.findall(f".//bpmn:{name}", NS))


def process_doc(body: str, *, extra: str = "") -> bytes:
    """A minimal document around a process body (prefix bpmn:)."""
    return (
        f'<bpmn:definitions xmlns:bpmn="{NS_BPMN}" id="d" targetNamespace="urn:test" {extra}>'
        f'<bpmn:process id="p" name="测试">{body}</bpmn:process></bpmn:definitions>'
    ).encode()


# --- export ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flow", [licensing_flow(), penalty_flow()], ids=["licensing", "penalty"])
def test_export_validates_against_the_omg_schema_and_references(flow: Flow, xsd_dir: Path) -> None:
    assert validate_bpmn(to_bpmn(flow), xsd_dir) == []


@pytest.mark.parametrize("category", TEMPLATE_CATEGORIES)
def test_every_template_exports_valid_and_reads_back_equal(category: str, xsd_dir: Path) -> None:
    flow = template_for(category)
    data = to_bpmn(flow)
    assert validate_bpmn(data, xsd_dir) == []
    result = from_bpmn(data, category=category)
    assert (result.problems, result.unmapped, result.warnings) == ([], [], [])
    assert result.flow == flow


def test_export_has_a_pool_lanes_tasks_gateways_ends_and_timers() -> None:
    flow = licensing_flow()
    root = etree.fromstring(to_bpmn(flow, process_id="Licensing_1", name="许可流程图"))
    [participant] = by_local_name(root, "participant")
    assert participant.get("processRef") == "Licensing_1" and participant.get("name") == "许可流程图"
    lanes = by_local_name(root, "lane")
    assert [lane.get("name") for lane in lanes] == ["受理岗", "审查岗", "分管领导", "未指定岗位"]
    in_lane = {ref.text: lane.get("name") for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)}
    tasks = by_local_name(root, "userTask")
    assert [task.get("name") for task in tasks] == ["受理", "审查", "听证", "决定", "送达"]
    assert in_lane[tasks[2].get("id")] == "未指定岗位" and in_lane[tasks[4].get("id")] == "受理岗"
    # every flow node sits in exactly one lane
    nodes = [
        el
        for el in root.find("bpmn:process", NS)
        if el.get("id") and el.find("bpmn:incoming", NS) is not None
    ]
    assert all(node.get("id") in in_lane for node in nodes)
    # accept, review and decide have several ways on: one gateway each; hearing and deliver have one
    gateways = by_local_name(root, "exclusiveGateway")
    assert len(gateways) == 3
    gateway_flows = [
        f for f in by_local_name(root, "sequenceFlow") if f.get("sourceRef") == gateways[0].get("id")
    ]
    assert [(f.get("name"), f.find("bpmn:conditionExpression", NS).text) for f in gateway_flows] == [
        ("受理", "pass"),
        ("不予受理", "refuse"),
        ("需补正", "correct"),
    ]
    assert all(
        f.find("bpmn:conditionExpression", NS).get(XSI_TYPE) == "bpmn:tFormalExpression"
        for f in gateway_flows
    )
    assert sorted(end.get("name") for end in by_local_name(root, "endEvent")) == ["不予办理", "办结"]
    timers = by_local_name(root, "boundaryEvent")
    assert len(timers) == 5
    hearing_timer = next(t for t in timers if t.get("attachedToRef") == tasks[2].get("id"))
    assert hearing_timer.findtext("bpmn:timerEventDefinition/bpmn:timeDuration", namespaces=NS) == "P20D"
    assert hearing_timer.find(".//lq:limit", NS).attrib == {"days": "20", "kind": "natural"}
    assert hearing_timer.get("cancelActivity") == "false"


def test_export_draws_every_element_left_to_right_in_lane_bands() -> None:
    root = etree.fromstring(to_bpmn(licensing_flow()))
    bounds = {
        shape.get("bpmnElement"): {k: float(v) for k, v in shape.find("dc:Bounds", NS).attrib.items()}
        for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")
    }
    shapes = {shape.get("bpmnElement"): shape for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    lanes = by_local_name(root, "lane")
    assert all(shapes[lane.get("id")].get("isHorizontal") == "true" for lane in lanes)
    assert shapes["Participant_1"].get("isHorizontal") == "true"
    for lane in lanes:
        band = bounds[lane.get("id")]
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            box = bounds[ref.text]
            assert band["y"] <= box["y"] and box["y"] + box["height"] <= band["y"] + band["height"]
    task_x = [bounds[task.get("id")]["x"] for task in by_local_name(root, "userTask")]
    assert task_x == sorted(task_x) and len(set(task_x)) == len(task_x)
    edges = list(root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"))
    assert len(edges) == len(by_local_name(root, "sequenceFlow"))
    assert all(len(edge.findall("di:waypoint", NS)) >= 2 for edge in edges)


def test_export_of_a_flow_without_steps_is_still_valid(xsd_dir: Path) -> None:
    assert validate_bpmn(to_bpmn(Flow("空", "other", (), ())), xsd_dir) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transitions": (Transition("accept", "x", "nowhere"),)}, "unknown step"),
        ({"steps": (Step("a", "甲", StepKind.OTHER), Step("a", "乙", StepKind.OTHER))}, "unique"),
        ({"steps": (Step(END, "甲", StepKind.OTHER),), "transitions": ()}, "unique"),
        ({"name": "bad\x00name"}, "cannot be written as XML"),
    ],
)
def test_export_refuses_a_flow_it_cannot_write(change: dict[str, object], message: str) -> None:
    flow = dataclasses.replace(licensing_flow(), **change)  # type: ignore[arg-type]
    with pytest.raises(BpmnError, match=message):
        to_bpmn(flow)


@pytest.mark.parametrize(
    "process_id", ["Definitions_1", "Collaboration_1", "LaneSet_1", "Flow_1", "Task_accept"]
)
def test_any_process_id_that_is_an_xml_name_gives_unique_ids(process_id: str, xsd_dir: Path) -> None:
    data = to_bpmn(licensing_flow(), process_id=process_id)
    assert validate_bpmn(data, xsd_dir) == []
    assert etree.fromstring(data).find("bpmn:process", NS).get("id") == process_id


def test_export_refuses_a_process_id_that_is_not_an_xml_name() -> None:
    with pytest.raises(BpmnError, match="not an XML name"):
        to_bpmn(licensing_flow(), process_id="1 process")


def test_step_keys_that_are_not_xml_names_still_get_unique_ids(xsd_dir: Path) -> None:
    steps = (
        Step("受理 1", "受理", StepKind.ACCEPT),
        Step("Task_x", "审查", StepKind.REVIEW),
        Step("x_di", "决定", StepKind.DECIDE),
    )
    transitions = (
        Transition("受理 1", "pass", "Task_x"),
        Transition("Task_x", "pass", "x_di"),
        Transition("x_di", "pass", END),
    )
    flow = Flow("键", "other", steps, transitions)
    data = to_bpmn(flow)
    assert validate_bpmn(data, xsd_dir) == []
    assert from_bpmn(data, category="other").flow == flow


# --- reference and diagram checks ------------------------------------------------------------------


def _broken(xpath: str, attribute: str | None, value: str) -> etree._Element:
    root = etree.fromstring(to_bpmn(licensing_flow()))
    element = root.xpath(xpath, namespaces=NS)[0]
    if attribute is None:
        element.text = value
    else:
        element.set(attribute, value)
    return root


def test_the_reference_check_passes_a_clean_export() -> None:
    root = etree.fromstring(to_bpmn(licensing_flow()))
    assert check_references(root) == [] and check_diagram(root) == []


@pytest.mark.parametrize(
    ("xpath", "attribute", "value", "message"),
    [
        ("//bpmn:sequenceFlow[2]", "targetRef", "Task_gone", 'targetRef "Task_gone" resolves to no element'),
        ("//bpmn:lane[1]/bpmn:flowNodeRef[1]", None, "Flow_1", "not a flow node"),
        ("//bpmn:boundaryEvent[1]", "attachedToRef", "Gateway_accept", "not an activity"),
        ("//bpmn:participant", "processRef", "Collaboration_1", "not a process"),
        ("//bpmn:userTask[1]/bpmn:outgoing[1]", None, "Flow_1", "has sourceRef"),
        ("//bpmn:userTask[1]/bpmn:incoming[1]", None, "Lane_1", "not a sequence flow"),
        ("//bpmn:exclusiveGateway[1]", "default", "Flow_1", "does not leave it"),
        ("//bpmndi:BPMNShape[3]", "bpmnElement", "Nowhere", 'bpmnElement "Nowhere" resolves to no element'),
        ("//bpmndi:BPMNEdge[1]", "bpmnElement", "Task_accept", "not a flow or association"),
        ("//bpmndi:BPMNPlane", "bpmnElement", "Lane_1", "not a process or collaboration"),
        ("//bpmn:userTask[2]", "id", "Task_accept", 'id "Task_accept" is used more than once'),
    ],
)
def test_the_reference_check_catches_a_broken_reference(
    xpath: str, attribute: str | None, value: str, message: str
) -> None:
    errors = check_references(_broken(xpath, attribute, value))
    assert any(message in error for error in errors), errors


def test_the_diagram_check_catches_missing_di_and_unlisted_flows() -> None:
    root = etree.fromstring(to_bpmn(licensing_flow()))
    shape = root.xpath("//bpmndi:BPMNShape[@bpmnElement='Task_review']", namespaces=NS)[0]
    shape.getparent().remove(shape)
    listed = root.xpath("//bpmn:userTask[@id='Task_accept']/bpmn:incoming[1]", namespaces=NS)[0]
    listed.getparent().remove(listed)
    errors = check_diagram(root)
    assert 'userTask "Task_review" has 0 diagram elements, not 1' in errors
    assert 'userTask "Task_accept" does not list sequenceFlow "Flow_1" as incoming' in errors


def test_validate_reports_schema_errors(xsd_dir: Path) -> None:
    root = etree.fromstring(to_bpmn(licensing_flow()))
    root.find("bpmn:process", NS).set("isExecutable", "perhaps")
    errors = validate_bpmn(etree.tostring(root), xsd_dir)
    assert any("isExecutable" in error for error in errors)


# --- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("flow", [licensing_flow(), penalty_flow()], ids=["licensing", "penalty"])
def test_round_trip_gives_back_the_same_flow(flow: Flow) -> None:
    result = from_bpmn(to_bpmn(flow), category=flow.category)
    assert (result.problems, result.unmapped, result.warnings) == ([], [], [])
    assert result.flow == flow


def test_the_name_argument_wins_and_the_category_is_the_callers() -> None:
    result = from_bpmn(to_bpmn(licensing_flow()), category="other", name="新名称")
    assert result.flow is not None and (result.flow.name, result.flow.category) == ("新名称", "other")
    assert any('exported as category "licensing"' in warning for warning in en(result.warnings))


def test_without_our_extensions_or_documentation_the_flow_is_guessed_back_from_names() -> None:
    """What a tool that drops unknown extension elements and documentation would hand back: only the
    timers' names ("5个工作日") still say the day kind."""
    root = etree.fromstring(to_bpmn(licensing_flow()))
    for element in [*root.iter(f"{{{NS_LQ}}}*"), *root.iter(f"{{{NS_BPMN}}}documentation")]:
        element.getparent().remove(element)
    result = from_bpmn(etree.tostring(root), category="licensing")
    flow = result.flow
    assert flow is not None and en(result.problems) == []
    original = licensing_flow()
    assert [(s.name, s.kind, s.post) for s in flow.steps] == [
        (s.name, s.kind, s.post) for s in original.steps
    ]
    assert flow.steps[2].suspends_clock  # 听证 stops the clock
    assert [s.limit for s in flow.steps] == [s.limit for s in original.steps]
    assert not any("natural days" in warning for warning in en(result.warnings))
    accept = [(t.outcome, t.target, t.kind, t.label) for t in flow.outgoing(flow.steps[0].key)]
    assert accept == [
        ("pass", "task_review", T.NEXT, "受理"),
        ("refuse", END, T.REJECT, "不予受理"),
        ("correct", "task_accept", T.CORRECTION, "需补正"),
    ]
    review = {t.outcome: t.kind for t in flow.outgoing("task_review")}
    assert review == {"pass": T.NEXT, "extend": T.EXTEND, "hearing": T.SUSPEND}
    assert [(t.outcome, t.kind) for t in flow.outgoing("task_hearing")] == [("听证结束", T.NEXT)]
    decide = {t.outcome: t.kind for t in flow.outgoing("task_decide")}
    assert decide == {"grant": T.NEXT, "refuse": T.REJECT, "return": T.RETURN}
    deliver = flow.outgoing("task_deliver")
    assert [(t.outcome, t.label, t.target) for t in deliver] == [("送达完毕", "送达完毕", END)]
    assert flow.posts == ("受理岗", "审查岗", "分管领导")


_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda key: key != END)
_NAMES = st.text(alphabet="受理审查决定送达听证公示办甲乙ABCxyz", min_size=1, max_size=6)
_LIMITS = st.none() | st.builds(Limit, st.integers(1, 90), st.sampled_from(DayKind))
_POSTS = st.sampled_from(["", "受理岗", "审查岗", "分管领导"])


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    keys = draw(st.lists(_KEYS, min_size=1, max_size=6, unique=True))
    steps = tuple(
        Step(
            key,
            draw(_NAMES),
            draw(st.sampled_from(StepKind)),
            draw(_POSTS),
            draw(_LIMITS),
            draw(st.booleans()),
            draw(st.booleans()),
            draw(st.booleans()),
            draw(st.sampled_from(["", "第三十二条"])),
        )
        for key in keys
    )
    transitions = []
    for index, key in enumerate(keys):
        outcomes = draw(
            st.lists(st.from_regex(r"[a-z]{1,5}", fullmatch=True), min_size=1, max_size=3, unique=True)
        )
        for number, outcome in enumerate(outcomes):
            # the first way on goes forward, so every step can reach the end
            forward = keys[index + 1] if index + 1 < len(keys) else END
            target = forward if number == 0 else draw(st.sampled_from([*keys, END]))
            label = draw(st.sampled_from(["", "通过", "不予许可", "需补正"]))
            condition = draw(st.sampled_from(["", "材料齐全"]))
            transitions.append(Transition(key, outcome, target, draw(st.sampled_from(T)), label, condition))
    members = draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
    return Flow(
        name=draw(_NAMES),
        category="licensing",
        steps=steps,
        transitions=tuple(draw(st.permutations(transitions))),
        case_limit=draw(_LIMITS),
        extension=draw(_LIMITS),
        separation=(SeparationGroup("分离", tuple(members)),) if members else (),
        description=draw(st.sampled_from(["", "说明"])),
        posts=tuple(draw(st.lists(st.sampled_from(["受理岗", "其他岗"]), unique=True))),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flow=flows())
def test_any_flow_round_trips_and_validates(flow: Flow, xsd_dir: Path) -> None:
    data = to_bpmn(flow)
    assert validate_bpmn(data, xsd_dir) == []
    result = from_bpmn(data, category=flow.category)
    assert en(result.problems) == [] and en(result.unmapped) == []
    assert result.flow == flow


# --- other tools' files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "bpmnio_process_lanes.bpmn",
        "camunda_collaboration.bpmn",
        "default_namespace.bpmn",
        "signavio_semantic.bpmn",
        "unmapped_elements.bpmn",
    ],
)
def test_the_fixtures_are_schema_valid_bpmn(name: str, xsd_dir: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd_dir / "BPMN20.xsd")))
    assert schema.validate(etree.parse(str(FIXTURES / name))), schema.error_log


@pytest.mark.parametrize("name", ["bpmnio_process_lanes.bpmn", "camunda_collaboration.bpmn"])
def test_the_modeler_fixtures_pass_the_full_check(name: str, xsd_dir: Path) -> None:
    assert validate_bpmn((FIXTURES / name).read_bytes(), xsd_dir) == []


def test_bpmn_io_process_with_lanes_and_no_pool() -> None:
    result = from_bpmn(
        (FIXTURES / "bpmnio_process_lanes.bpmn").read_bytes(), category="licensing", name="许可"
    )
    flow = result.flow
    assert flow is not None and en(result.problems) == [] and en(result.unmapped) == []
    assert [(s.key, s.name, s.kind, s.post) for s in flow.steps] == [
        ("activity_0accept", "受理", StepKind.ACCEPT, "窗口受理岗"),
        ("activity_1review", "材料审查", StepKind.REVIEW, "审查岗"),  # the modeler's line break is gone
        ("activity_0decide", "作出许可决定", StepKind.DECIDE, "科长"),
    ]
    assert flow.steps[1].limit == Limit(20, DayKind.NATURAL)
    assert flow.steps[1].note == "对申请材料进行实质审查"
    assert any("P20D read as 20 natural days" in warning for warning in en(result.warnings))
    assert [(t.source, t.outcome, t.target, t.kind, t.label) for t in flow.transitions] == [
        ("activity_0accept", "to_activity_1review", "activity_1review", T.NEXT, ""),
        ("activity_1review", "符合", "activity_0decide", T.NEXT, "符合"),
        ("activity_1review", "不符合", END, T.REJECT, "不符合"),  # the end event is called 不予许可
        ("activity_0decide", "to_end", END, T.NEXT, ""),
    ]
    assert flow.posts == ("窗口受理岗", "审查岗", "科长") and flow.name == "许可"


def test_camunda_collaboration_with_a_timer_without_duration() -> None:
    result = from_bpmn((FIXTURES / "camunda_collaboration.bpmn").read_bytes(), category="penalty")
    flow = result.flow
    assert flow is not None and en(result.problems) == []
    assert flow.name == "一般程序行政处罚"
    assert [(s.name, s.kind, s.post, s.limit) for s in flow.steps] == [
        ("立案", StepKind.FILE_CASE, "执法岗", None),
        ("调查取证", StepKind.INVESTIGATE, "执法岗", None),
        ("法制审核", StepKind.LEGAL_REVIEW, "法制审核岗", None),
        ("作出处罚决定", StepKind.DECIDE, "负责人", None),
    ]
    assert any("has no duration" in warning and "调查取证" in warning for warning in en(result.warnings))
    legal = [(t.outcome, t.target, t.kind, t.label) for t in flow.outgoing("activity_legal")]
    assert legal == [
        ("同意", "activity_decide", T.NEXT, "同意"),
        ("return", "activity_investigate", T.RETURN, "退回补充调查"),  # from ${outcome == 'return'}
    ]
    assert en(result.unmapped) == [
        'participant id="Participant_0applicant" name="当事人": a pool with no process (a black box): '
        "nothing in it to make steps of",
        'messageFlow id="Flow_0report" name="举报": it goes to the first pool\'s start event, where the flow '
        "itself starts: a case starts with an application or a filing, not with a message",
    ]


def test_default_namespace_without_lanes_or_diagram() -> None:
    result = from_bpmn((FIXTURES / "default_namespace.bpmn").read_bytes(), category="village")
    flow = result.flow
    assert flow is not None and (result.problems, result.unmapped) == ([], [])
    # flowable:candidateGroups="committee" is the only hint of who reviews: taken as the post, and said so.
    assert [note.en for note in result.warnings] == [
        'userTask id="review" name="村两委审核" is in no lane; its post is taken from its candidate group or '
        "performer “committee”: check it names a post of the unit"
    ]
    assert [(s.key, s.kind, s.post) for s in flow.steps] == [
        ("apply", StepKind.OTHER, ""),
        ("review", StepKind.REVIEW, "committee"),
        ("meeting", StepKind.MEETING, ""),
        ("publish", StepKind.PUBLICITY, ""),
    ]
    assert flow.steps[2].meeting and flow.steps[3].publicity
    assert flow.description == "四议两公开"
    review = [(t.outcome, t.target, t.kind) for t in flow.outgoing("review")]
    assert review == [("agree", "meeting", T.NEXT), ("不同意", END, T.TERMINATE)]


def test_signavio_semantic_prefix_and_nested_lanes() -> None:
    result = from_bpmn((FIXTURES / "signavio_semantic.bpmn").read_bytes(), category="licensing")
    flow = result.flow
    assert flow is not None and en(result.problems) == [] and en(result.unmapped) == []
    assert flow.name == "食品经营许可"
    assert [(s.key, s.kind, s.post) for s in flow.steps] == [
        ("sid_7e1a_accept", StepKind.ACCEPT, "政务服务窗口"),
        ("sid_7e1a_review", StepKind.REVIEW, "审查岗"),  # the innermost lane, not 许可科
        ("sid_7e1a_site", StepKind.SITE_CHECK, "审查岗"),
        ("sid_7e1a_decide", StepKind.DECIDE, "科长"),
        ("sid_7e1a_deliver", StepKind.DELIVER, "政务服务窗口"),
    ]
    assert flow.steps[2].limit == Limit(2, DayKind.NATURAL)  # PT36H, rounded up
    assert flow.posts == ("审查岗", "科长", "政务服务窗口")


def test_parallel_gateways_a_subprocess_and_a_timer_wait_map_and_the_rest_is_reported_with_why() -> None:
    result = from_bpmn((FIXTURES / "unmapped_elements.bpmn").read_bytes(), category="licensing")
    flow = result.flow
    assert flow is not None and result.problems == []
    assert [(s.key, s.kind, s.group) for s in flow.steps] == [
        ("accept", StepKind.ACCEPT, ""),
        ("review", StepKind.REVIEW, ""),
        ("expertstask", StepKind.OTHER, "专家评审"),  # from inside the subprocess
        ("wait", StepKind.WAIT, ""),  # the timer catch event in sequence
        ("decide", StepKind.DECIDE, ""),
    ]
    assert [(g.key, g.name) for g in flow.gateways] == [("fork", "并行评审"), ("join", "")]
    edges = {(t.source, t.target, t.kind, t.after) for t in flow.transitions}
    assert {
        ("review", "fork", T.NEXT, None),
        ("fork", "expertstask", T.NEXT, None),  # into the subprocess: its start's first task
        ("fork", "join", T.NEXT, None),  # through the script task
        ("expertstask", "join", T.NEXT, None),  # the subprocess's end goes on along its outgoing flow
        ("join", "wait", T.NEXT, None),
        ("wait", "review", T.NEXT, Limit(5, DayKind.NATURAL)),
    } <= edges
    assert en(result.unmapped) == [
        'scriptTask id="Compare" name="自动比对信用记录": an automatic task is done by no post, so it makes '
        "no step; the flow passes through it",
        'dataObject id="DataObject_materials" name="": data decides no path; a case\'s materials are kept in its file',
        'dataObjectReference id="DataRef_materials" name="申请材料": data decides no path; a case\'s materials '
        "are kept in its file",
        'textAnnotation id="Note" name="": a note for readers: it changes no path and its text is not kept',
        'association id="NoteLink" name="": a note for readers: it changes no path and its text is not kept',
    ]
    assert result.unmapped[0].zh.startswith('脚本任务 scriptTask id="Compare"')


def test_a_parallel_gateway_on_the_only_path_becomes_a_gateway_not_a_stuck_step() -> None:
    data = process_doc(
        '<bpmn:startEvent id="s"/><bpmn:task id="a" name="受理"/><bpmn:parallelGateway id="fork"/>'
        '<bpmn:task id="b" name="审查"/><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="fork"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="b"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>'
    )
    result = from_bpmn(data, category="other")
    assert result.flow is not None and result.problems == [] and result.unmapped == []
    assert result.flow.gateways == (Gateway("fork"),)
    assert [(t.source, t.outcome, t.target) for t in result.flow.transitions] == [
        ("a", "to_fork", "fork"),
        ("fork", "go", "b"),
        ("b", "to_end", END),
    ]


# --- malformed and hostile files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("not_xml.bpmn", "not XML: line 1, column 1: Start tag expected"),
        (
            "wrong_namespace.bpmn",
            "not a BPMN 2.0 definitions document: root is {http://schema.omg.org/spec/BPMN/2.0}definitions",
        ),
        ("billion_laughs.bpmn", "refusing a document with a DOCTYPE or ENTITY declaration"),
        ("external_entity.bpmn", "refusing a document with a DOCTYPE or ENTITY declaration"),
        (
            "cycle_no_exit.bpmn",
            'a loop with no way out: task id="review" name="审查"; task id="correct" name="补正材料" lead only '
            "to each other and can never reach an end",
        ),
        ("missing_reference.bpmn", 'sequence flow "f2" references missing id "Activity_gone" (targetRef)'),
    ],
)
def test_a_bad_file_gets_a_clear_problem_and_no_flow(name: str, problem: str) -> None:
    result = from_bpmn((FIXTURES / name).read_bytes(), category="licensing")
    assert result.flow is None
    assert any(entry.startswith(problem) for entry in en(result.problems)), result.problems


def test_an_external_entity_is_never_read() -> None:
    data = (FIXTURES / "external_entity.bpmn").read_bytes()
    with pytest.raises(BpmnError) as raised:
        parse_bpmn(data)
    assert "root:" not in str(raised.value)
    # even a parser that got past the refusal would not resolve it: the same document in UTF-16
    result = from_bpmn(
        data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"), category="x"
    )
    assert result.flow is None and "DOCTYPE" in en(result.problems)[0]


def test_a_file_over_the_limit_is_refused_before_parsing() -> None:
    data = process_doc("<bpmn:documentation>" + "长" * (MAX_BPMN_BYTES // 3 + 1) + "</bpmn:documentation>")
    assert len(data) > MAX_BPMN_BYTES
    result = from_bpmn(data, category="licensing")
    assert result.flow is None
    assert en(result.problems) == [
        f"the file is {len(data)} bytes; a BPMN import may be at most {MAX_BPMN_BYTES} bytes"
    ]


def test_a_file_at_the_limit_is_read() -> None:
    body = '<bpmn:startEvent id="s"/><bpmn:task id="a" name="受理"/><bpmn:endEvent id="e"/>'
    body += '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/><bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>'
    data = process_doc(body)
    data = data.replace(
        b"</bpmn:definitions>",
        b"<!--" + b"x" * (MAX_BPMN_BYTES - len(data) - 7) + b"-->" + b"</bpmn:definitions>",
    )
    assert len(data) == MAX_BPMN_BYTES
    assert from_bpmn(data, category="other").problems == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "the process has no task"),
        (
            '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>',
            "no task",
        ),
        ('<bpmn:task id="a" name="甲"/><bpmn:task id="a" name="乙"/>', "has a duplicate id"),
        (
            '<bpmn:task id="a" name="甲"/><bpmn:sequenceFlow id="f" targetRef="a"/>',
            'references missing id "" (sourceRef)',
        ),
    ],
)
def test_inline_problems(body: str, problem: str) -> None:
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is None and any(problem in entry for entry in en(result.problems)), result.problems


def test_a_document_without_a_process() -> None:
    data = f'<definitions xmlns="{NS_BPMN}" id="d" targetNamespace="urn:x"/>'.encode()
    assert en(from_bpmn(data, category="other").problems) == ["the document has no bpmn:process"]


# --- import details --------------------------------------------------------------------------------


def test_the_participants_process_is_taken_when_there_are_several() -> None:
    data = f"""<bpmn:definitions xmlns:bpmn="{NS_BPMN}" id="d" targetNamespace="urn:x">
      <bpmn:collaboration id="c"><bpmn:participant id="pool" name="二号" processRef="p2"/></bpmn:collaboration>
      <bpmn:process id="p1" isExecutable="true"><bpmn:task id="x" name="甲"/></bpmn:process>
      <bpmn:process id="p2" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:task id="y" name="受理"/>
        <bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="y"/>
        <bpmn:sequenceFlow id="f2" sourceRef="y" targetRef="e"/></bpmn:process>
    </bpmn:definitions>""".encode()
    result = from_bpmn(data, category="other")
    assert result.flow is not None and [s.key for s in result.flow.steps] == ["y"]
    assert result.flow.name == "二号"
    assert any("2 processes" in warning for warning in en(result.warnings))
    assert en(result.unmapped) == ['process id="p1" name="": another process']


def test_the_start_event_decides_the_first_step_and_gateway_chains_collapse() -> None:
    body = """
      <bpmn:task id="later" name="审查"/><bpmn:task id="first" name="受理"/>
      <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g1"/><bpmn:exclusiveGateway id="g2"/>
      <bpmn:endEvent id="e" name="办结"/><bpmn:endEvent id="no" name="不予受理"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="first"/>
      <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="g1"/>
      <bpmn:sequenceFlow id="f3" name="受理" sourceRef="g1" targetRef="g2"/>
      <bpmn:sequenceFlow id="f4" name="不予受理" sourceRef="g1" targetRef="no"/>
      <bpmn:sequenceFlow id="f5" sourceRef="g2" targetRef="later"/>
      <bpmn:sequenceFlow id="f6" sourceRef="later"  targetRef="e"/>"""
    result = from_bpmn(process_doc(body), category="licensing")
    flow = result.flow
    assert flow is not None and [s.key for s in flow.steps] == ["first", "later"]
    assert [(t.source, t.outcome, t.target, t.kind) for t in flow.transitions] == [
        ("first", "不予受理", END, T.REJECT),  # ordered by the flow that enters the target
        ("first", "受理", "later", T.NEXT),  # through g1 and g2; the named flow gives outcome and label
        ("later", "to_end", END, T.NEXT),
    ]


def test_a_task_without_outgoing_flow_ends_the_case_and_missing_start_is_warned() -> None:
    result = from_bpmn(process_doc('<bpmn:task id="only" name="办理"/>'), category="other")
    assert result.flow is not None
    assert result.flow.transitions == (Transition("only", "to_end", END),)
    assert any("no start event" in warning for warning in en(result.warnings))
    assert any("no outgoing flow" in warning for warning in en(result.warnings))


def test_step_keys_are_sanitised_and_unique() -> None:
    body = (
        '<bpmn:task id="End" name="甲"/><bpmn:task id="end" name="乙"/><bpmn:task id="9-x" name="丙"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="End" targetRef="end"/><bpmn:sequenceFlow id="f2" sourceRef="end" targetRef="9-x"/>'
    )
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is not None
    assert [s.key for s in result.flow.steps] == ["step_end", "step_end_2", "step_9_x"]


@pytest.mark.parametrize(
    ("duration", "days"),
    [
        ("P5D", 5),
        ("P2W", 14),
        ("PT36H", 2),
        ("PT1H", None),  # under a day: no day limit, not 1 day
        ("PT2M", None),
        ("P1DT1H", 2),
        ("p3d", 3),
        ("P1M", None),
        ("P", None),
        ("PT", None),
        ("P0D", None),
        ("${limit}", None),
    ],
)
def test_duration_days(duration: str, days: int | None) -> None:
    assert duration_days(duration) == days


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("pass", "pass"),
        ("${approved}", "approved"),
        ("${outcome == 'pass'}", "pass"),
        ('#{result == "refuse"}', "refuse"),
        ("${!agree}", ""),
        ("", ""),
    ],
)
def test_outcome_from_condition(text: str, outcome: str) -> None:
    assert outcome_from_condition(text) == outcome


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("窗口受理", StepKind.ACCEPT),
        ("材料审核", StepKind.REVIEW),
        ("法制审核", StepKind.LEGAL_REVIEW),
        ("审批", StepKind.DECIDE),
        ("集体讨论决定", StepKind.MEETING),
        ("现场勘验", StepKind.SITE_CHECK),
        ("立案", StepKind.FILE_CASE),
        ("调查取证", StepKind.INVESTIGATE),
        ("告知", StepKind.NOTIFY),
        ("听证", StepKind.HEARING),
        ("强制执行", StepKind.EXECUTE),
        ("送达", StepKind.DELIVER),
        ("归档", StepKind.OTHER),
        ("延期审批", StepKind.OTHER),  # approves more time (许可法 art. 42), not the application
        ("延长期限批准", StepKind.OTHER),
    ],
)
def test_step_kind_guess(name: str, kind: StepKind) -> None:
    assert guess_step_kind(name) == kind


def test_a_timer_with_a_duration_in_months_gives_no_limit() -> None:
    body = """<bpmn:task id="a" name="审查"/><bpmn:boundaryEvent id="t" attachedToRef="a">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P1M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent><bpmn:boundaryEvent id="t2" attachedToRef="a"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>"""
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is not None and result.flow.steps[0].limit is None
    assert any('"P1M" is not a duration' in warning for warning in en(result.warnings))
    assert en(result.unmapped) == [
        'boundaryEvent id="t2" name="": only a timer on a task becomes a step\'s time limit'
    ]


def test_gateways_that_fan_out_without_bound_are_refused_not_walked() -> None:
    """25 diamonds in a row are 2^25 paths from the first task to the second."""
    body = '<bpmn:task id="a" name="甲"/><bpmn:task id="z" name="乙"/><bpmn:endEvent id="e"/>'
    body += '<bpmn:sequenceFlow id="in" sourceRef="a" targetRef="g0"/>'
    for level in range(25):
        body += f'<bpmn:exclusiveGateway id="g{level}"/>'
        body += f'<bpmn:sequenceFlow id="x{level}" sourceRef="g{level}" targetRef="g{level + 1}"/>'
        body += f'<bpmn:sequenceFlow id="y{level}" sourceRef="g{level}" targetRef="g{level + 1}"/>'
    body += '<bpmn:exclusiveGateway id="g25"/><bpmn:sequenceFlow id="out" sourceRef="g25" targetRef="z"/>'
    body += '<bpmn:sequenceFlow id="end" sourceRef="z" targetRef="e"/>'
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is None
    assert en(result.problems) == ["the exclusive gateways fan out into too many paths to read"]


def test_paths_that_differ_only_in_unnamed_detours_are_one_transition() -> None:
    body = '<bpmn:task id="a" name="甲"/><bpmn:endEvent id="e"/>'
    body += '<bpmn:sequenceFlow id="in" sourceRef="a" targetRef="g0"/>'
    for level in range(3):
        body += f'<bpmn:exclusiveGateway id="g{level}"/>'
        body += f'<bpmn:sequenceFlow id="x{level}" sourceRef="g{level}" targetRef="g{level + 1}"/>'
        body += f'<bpmn:sequenceFlow id="y{level}" sourceRef="g{level}" targetRef="g{level + 1}"/>'
    body += '<bpmn:exclusiveGateway id="g3"/><bpmn:sequenceFlow id="out" sourceRef="g3" targetRef="e"/>'
    result = from_bpmn(process_doc(body), category="other")
    assert result.flow is not None and result.flow.transitions == (Transition("a", "to_end", END),)
