"""Writing a Flow as BPMN 2.0 XML with a full diagram (pure; no Django). See liuquan.flows.bpmn."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from liuquan.flows.bpmn_import import (
    NS_BPMN,
    NS_BPMNDI,
    NS_DC,
    NS_DI,
    NS_LQ,
    NS_XSI,
    UNASSIGNED_LANE,
    BpmnError,
    Element,
    b,
    lq,
)
from liuquan.flows.spec import END, DayKind, Flow, Limit, Step, Transition, TransitionKind

EXPORTER_VERSION = "1"
TARGET_NAMESPACE = "urn:liuquan:flows"
NSMAP = {"bpmn": NS_BPMN, "bpmndi": NS_BPMNDI, "dc": NS_DC, "di": NS_DI, "xsi": NS_XSI, "lq": NS_LQ}

# Layout: one column per node left to right (start, the steps in order, the end events), lanes as bands.
POOL_X, POOL_Y, POOL_LABEL = 160, 80, 30
FIRST_COLUMN_X = POOL_X + POOL_LABEL + 40
COLUMN_WIDTH, LANE_HEIGHT = 220, 160
TASK_WIDTH, TASK_HEIGHT, EVENT_SIZE, GATEWAY_SIZE = 100, 80, 36, 50
GATEWAY_OFFSET = 130  # a step's gateway sits in the step's column, right of the task

END_EVENTS = {  # which end event a transition to END goes to, and its name
    TransitionKind.REJECT: ("reject", "不予办理"),
    TransitionKind.TERMINATE: ("terminate", "终止"),
}
NORMAL_END = ("end", "办结")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_KEY_FOR_ID = re.compile(r"[A-Za-z0-9_.-]+")


def _di(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


@dataclass
class _Node:
    id: str
    tag: str  # startEvent, userTask, exclusiveGateway, boundaryEvent, endEvent
    name: str
    lane: int
    column: int
    box: _Box
    step: Step | None = None
    host: str = ""  # a timer's task id


@dataclass
class _Edge:
    id: str
    source: _Node
    target: _Node
    transition: Transition | None = None
    via_gateway: bool = False


class _Ids:
    """Unique XML ids: the wanted one if it is an NCName not yet taken, else a fallback, suffixed if need be."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str, fallback: str = "Element") -> str:
        base = wanted if _NCNAME.fullmatch(wanted) else fallback
        candidate, number = base, 2
        while candidate in self.used:
            candidate, number = f"{base}_{number}", number + 1
        self.used.add(candidate)
        return candidate


def _check(flow: Flow, process_id: str) -> None:
    if not _NCNAME.fullmatch(process_id):
        raise BpmnError(f'process id "{process_id}" is not an XML name (letters, digits, _ . -)')
    keys = [step.key for step in flow.steps]
    if len(set(keys)) != len(keys) or END in keys:
        raise BpmnError(f'step keys must be unique and not "{END}": {keys}')
    for transition in flow.transitions:
        if transition.source not in keys or transition.target not in (*keys, END):
            raise BpmnError(
                f"transition {transition.source} --{transition.outcome}--> {transition.target} names an unknown step"
            )


class _Layout:
    def __init__(self, flow: Flow, process_id: str) -> None:
        self.flow = flow
        self.ids = _Ids()
        self.process_id = self.ids.take(process_id)  # first, so it is kept as given
        fixed = ("Definitions_1", "Collaboration_1", "Participant_1", "LaneSet_1")
        self.definitions_id, self.collaboration_id, self.participant_id, self.lane_set_id = map(
            self.ids.take, fixed
        )
        self.lanes = tuple(dict.fromkeys(flow.lanes())) or ("",)
        lane_of = {post: index for index, post in enumerate(self.lanes)}
        self.nodes: list[_Node] = []
        self.edges: list[_Edge] = []
        first_lane = lane_of[flow.steps[0].post] if flow.steps else 0
        self.start = self._node("Start_1", "startEvent", "开始", first_lane, 0)
        self.tasks: dict[str, _Node] = {}
        for index, step in enumerate(flow.steps):
            wanted = f"Task_{step.key}" if _KEY_FOR_ID.fullmatch(step.key) else "Task"
            task = self._node(wanted, "userTask", step.name, lane_of[step.post], index + 1, step=step)
            self.tasks[step.key] = task
        self.gateways: dict[str, _Node] = {}
        for step in flow.steps:
            if len(flow.outgoing(step.key)) > 1:
                task = self.tasks[step.key]
                gateway_id = task.id.replace("Task", "Gateway", 1)
                self.gateways[step.key] = self._node(
                    gateway_id, "exclusiveGateway", "", task.lane, task.column
                )
        for step in flow.steps:
            if step.limit is not None:
                task = self.tasks[step.key]
                timer = self._node(
                    task.id.replace("Task", "Timer", 1),
                    "boundaryEvent",
                    _limit_name(step.limit),
                    task.lane,
                    task.column,
                )
                timer.host, timer.step = task.id, step
        self.ends: dict[str, _Node] = {}
        for transition in flow.transitions:
            suffix, end_name = END_EVENTS.get(transition.kind, NORMAL_END)
            if transition.target == END and suffix not in self.ends:
                column = len(flow.steps) + 1 + len(self.ends)
                lane = self.tasks[transition.source].lane
                self.ends[suffix] = self._node(f"End_{suffix}", "endEvent", end_name, lane, column)
        if not flow.steps:
            self.ends["end"] = self._node("End_end", "endEvent", NORMAL_END[1], 0, 1)
        self._edges()

    def _node(
        self, wanted: str, tag: str, name: str, lane: int, column: int, step: Step | None = None
    ) -> _Node:
        x, center_y = FIRST_COLUMN_X + column * COLUMN_WIDTH, POOL_Y + lane * LANE_HEIGHT + LANE_HEIGHT / 2
        if tag == "userTask":
            box = _Box(x, center_y - TASK_HEIGHT / 2, TASK_WIDTH, TASK_HEIGHT)
        elif tag == "exclusiveGateway":
            box = _Box(x + GATEWAY_OFFSET, center_y - GATEWAY_SIZE / 2, GATEWAY_SIZE, GATEWAY_SIZE)
        elif tag == "boundaryEvent":  # on the task's bottom edge, towards its right
            top = center_y + TASK_HEIGHT / 2 - EVENT_SIZE / 2
            box = _Box(x + TASK_WIDTH - EVENT_SIZE - 2, top, EVENT_SIZE, EVENT_SIZE)
        else:
            box = _Box(x + (TASK_WIDTH - EVENT_SIZE) / 2, center_y - EVENT_SIZE / 2, EVENT_SIZE, EVENT_SIZE)
        node = _Node(self.ids.take(wanted, tag), tag, name, lane, column, box, step)
        self.nodes.append(node)
        return node

    def _edge(self, source: _Node, target: _Node, transition: Transition | None = None) -> None:
        via = source.tag == "exclusiveGateway"
        self.edges.append(
            _Edge(self.ids.take(f"Flow_{len(self.edges) + 1}"), source, target, transition, via)
        )

    def _edges(self) -> None:
        flow = self.flow
        self._edge(self.start, self.tasks[flow.steps[0].key] if flow.steps else self.ends["end"])
        for key, gateway in self.gateways.items():
            self._edge(self.tasks[key], gateway)
        for transition in flow.transitions:
            source = self.gateways.get(transition.source) or self.tasks[transition.source]
            if transition.target == END:
                target = self.ends[END_EVENTS.get(transition.kind, NORMAL_END)[0]]
            else:
                target = self.tasks[transition.target]
            self._edge(source, target, transition)

    @property
    def width(self) -> float:
        columns = 1 + len(self.flow.steps) + max(len(self.ends), 1)
        return FIRST_COLUMN_X - POOL_X + columns * COLUMN_WIDTH

    def waypoints(self, edge: _Edge, channel: int) -> list[tuple[float, float]]:
        """Adjacent columns join straight or with one elbow; longer jumps run along a lane's bottom edge,
        backward ones (and self loops) along a lane's top edge, offset so parallel runs stay apart."""
        source, target = edge.source.box, edge.target.box
        if target.x >= source.right and (edge.target.column <= edge.source.column + 1):
            if source.cy == target.cy:
                return [(source.right, source.cy), (target.x, target.cy)]
            middle = (source.right + target.x) / 2
            return [
                (source.right, source.cy),
                (middle, source.cy),
                (middle, target.cy),
                (target.x, target.cy),
            ]
        offset = 6 * (channel % 3)
        if target.x >= source.right:
            y = max(source.bottom, target.bottom) + 26 + offset
            return [(source.cx, source.bottom), (source.cx, y), (target.cx, y), (target.cx, target.bottom)]
        y = min(source.y, target.y) - 12 - offset
        return [(source.cx, source.y), (source.cx, y), (target.cx, y), (target.cx, target.y)]


def _limit_name(limit: Limit) -> str:
    return f"{limit.days}个{'工作日' if limit.kind == DayKind.WORKING else '自然日'}"


def _text(parent: Element, tag: str, text: str, **attributes: str) -> Element:
    element = etree.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _limit_element(parent: Element, tag: str, limit: Limit | None) -> None:
    if limit is not None:
        etree.SubElement(parent, lq(tag), days=str(limit.days), kind=str(limit.kind))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def to_bpmn(flow: Flow, *, process_id: str = "Process_1", name: str | None = None) -> bytes:
    """The flow as a BPMN 2.0 document (UTF-8) with a pool, one lane per post and a full diagram.

    Raises BpmnError for a flow that cannot be written: duplicate step keys, a transition naming an unknown
    step, a process id that is no XML name, or text XML cannot hold (control characters).
    """
    _check(flow, process_id)
    layout = _Layout(flow, process_id)
    try:
        root = _document(flow, layout, name or flow.name)
    except ValueError as error:  # lxml refuses strings XML cannot hold
        raise BpmnError(f"the flow cannot be written as XML: {error}") from error
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _document(flow: Flow, layout: _Layout, name: str) -> Element:
    root = etree.Element(b("definitions"), nsmap=NSMAP)
    for attribute, value in (
        ("id", layout.definitions_id),
        ("targetNamespace", TARGET_NAMESPACE),
        ("exporter", "liuquan"),
        ("exporterVersion", EXPORTER_VERSION),
    ):
        root.set(attribute, value)
    collaboration = etree.SubElement(root, b("collaboration"), id=layout.collaboration_id)
    etree.SubElement(
        collaboration, b("participant"), id=layout.participant_id, name=name, processRef=layout.process_id
    )
    process = etree.SubElement(root, b("process"), id=layout.process_id, name=name, isExecutable="false")
    if flow.description:
        _text(process, b("documentation"), flow.description)
    _flow_extension(etree.SubElement(process, b("extensionElements")), flow)
    lane_set = etree.SubElement(process, b("laneSet"), id=layout.lane_set_id)
    lane_ids = [layout.ids.take(f"Lane_{index + 1}") for index in range(len(layout.lanes))]
    for index, post in enumerate(layout.lanes):
        lane = etree.SubElement(lane_set, b("lane"), id=lane_ids[index], name=post or UNASSIGNED_LANE)
        for node in layout.nodes:
            if node.lane == index:
                _text(lane, b("flowNodeRef"), node.id)
    for node in layout.nodes:
        _flow_node(process, node, layout.edges)
    for edge in layout.edges:
        _sequence_flow(process, edge)
    _diagram(root, layout, lane_ids)
    return root


def _flow_extension(extensions: Element, flow: Flow) -> None:
    ours = etree.SubElement(extensions, lq("flow"), name=flow.name, category=flow.category)
    _limit_element(ours, "caseLimit", flow.case_limit)
    _limit_element(ours, "extensionLimit", flow.extension)
    posts = etree.SubElement(ours, lq("posts"))
    for post in flow.posts:
        _text(posts, lq("post"), post)
    for group in flow.separation:
        element = etree.SubElement(ours, lq("separation"), name=group.name, basis=group.basis)
        for key in group.steps:
            _text(element, lq("stepRef"), key)
    for risk in flow.risks:
        etree.SubElement(
            ours,
            lq("risk"),
            step=risk.step,
            point=risk.point,
            manifestation=risk.manifestation,
            level=str(risk.level),
            measures=risk.measures,
            post=risk.post,
            person=risk.person,
            rule=risk.rule,
        )


def _flow_node(process: Element, node: _Node, edges: list[_Edge]) -> None:
    attributes = {"id": node.id}
    if node.name:
        attributes["name"] = node.name
    if node.tag == "boundaryEvent":
        attributes.update(cancelActivity="false", attachedToRef=node.host)
    element = etree.SubElement(process, b(node.tag), attributes)
    step = node.step
    if node.tag == "userTask" and step is not None:
        if step.note:
            _text(element, b("documentation"), step.note)
        etree.SubElement(
            etree.SubElement(element, b("extensionElements")),
            lq("step"),
            key=step.key,
            kind=str(step.kind),
            meeting=_bool(step.meeting),
            publicity=_bool(step.publicity),
            suspendsClock=_bool(step.suspends_clock),
        )
    if node.tag == "boundaryEvent" and step is not None:
        # ISO 8601 has no working days: P{n}D carries the number, lq:limit the day kind.
        _limit_element(etree.SubElement(element, b("extensionElements")), "limit", step.limit)
    for edge in edges:
        if edge.target is node:
            _text(element, b("incoming"), edge.id)
    for edge in edges:
        if edge.source is node:
            _text(element, b("outgoing"), edge.id)
    if node.tag == "boundaryEvent" and step is not None and step.limit is not None:
        timer = etree.SubElement(element, b("timerEventDefinition"), id=f"{node.id}_definition")
        _text(
            timer,
            b("timeDuration"),
            f"P{step.limit.days}D",
            **{f"{{{NS_XSI}}}type": "bpmn:tFormalExpression"},
        )


def _sequence_flow(process: Element, edge: _Edge) -> None:
    transition = edge.transition
    attributes = {"id": edge.id, "sourceRef": edge.source.id, "targetRef": edge.target.id}
    if transition is not None and transition.label:
        attributes["name"] = transition.label
    element = etree.SubElement(process, b("sequenceFlow"), attributes)
    if transition is None:
        return
    if transition.condition:
        _text(element, b("documentation"), transition.condition)
    etree.SubElement(
        etree.SubElement(element, b("extensionElements")),
        lq("transition"),
        outcome=transition.outcome,
        kind=str(transition.kind),
    )
    if edge.via_gateway:
        _text(
            element,
            b("conditionExpression"),
            transition.outcome,
            **{f"{{{NS_XSI}}}type": "bpmn:tFormalExpression"},
        )


def _shape(plane: Element, ids: _Ids, element_id: str, box: _Box, **attributes: str) -> None:
    shape = etree.SubElement(
        plane,
        _di(NS_BPMNDI, "BPMNShape"),
        id=ids.take(f"{element_id}_di"),
        bpmnElement=element_id,
        **attributes,
    )
    etree.SubElement(
        shape,
        _di(NS_DC, "Bounds"),
        x=_num(box.x),
        y=_num(box.y),
        width=_num(box.width),
        height=_num(box.height),
    )


def _diagram(root: Element, layout: _Layout, lane_ids: list[str]) -> None:
    ids = layout.ids
    diagram = etree.SubElement(root, _di(NS_BPMNDI, "BPMNDiagram"), id=ids.take("BPMNDiagram_1"))
    plane = etree.SubElement(
        diagram, _di(NS_BPMNDI, "BPMNPlane"), id=ids.take("BPMNPlane_1"), bpmnElement=layout.collaboration_id
    )
    pool = _Box(POOL_X, POOL_Y, layout.width, LANE_HEIGHT * len(layout.lanes))
    _shape(plane, ids, layout.participant_id, pool, isHorizontal="true")
    for index, lane_id in enumerate(lane_ids):
        box = _Box(POOL_X + POOL_LABEL, POOL_Y + index * LANE_HEIGHT, pool.width - POOL_LABEL, LANE_HEIGHT)
        _shape(plane, ids, lane_id, box, isHorizontal="true")
    for node in layout.nodes:
        extra = {"isMarkerVisible": "true"} if node.tag == "exclusiveGateway" else {}
        _shape(plane, ids, node.id, node.box, **extra)
    channel = 0
    for edge in layout.edges:
        points = layout.waypoints(edge, channel)
        channel += len(points) > 2
        element = etree.SubElement(
            plane, _di(NS_BPMNDI, "BPMNEdge"), id=ids.take(f"{edge.id}_di"), bpmnElement=edge.id
        )
        for x, y in points:
            etree.SubElement(element, _di(NS_DI, "waypoint"), x=_num(x), y=_num(y))
