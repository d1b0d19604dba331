"""Writing a Flow as BPMN 2.0 XML with a full diagram (pure; no Django). See liuquan.flows.bpmn."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from liuquan.flows.bpmn_common import (
    DOC_AFTER,
    DOC_CALLS,
    DOC_CASE_LIMIT,
    DOC_EXTENSION,
    DOC_GROUP,
    DOC_KEY,
    DOC_KIND,
    DOC_LIMIT,
    DOC_LIMIT_BASIS,
    DOC_MAX_AMOUNT,
    DOC_MEETING,
    DOC_OUTCOME,
    DOC_POSTS,
    DOC_PUBLICITY,
    DOC_RISKS,
    DOC_SANCTIONS,
    DOC_SEPARATION,
    DOC_SUSPENDS,
    DOC_TRANSITION_KIND,
    LIST_SEPARATOR,
    NS_BPMN,
    NS_BPMNDI,
    NS_DC,
    NS_DI,
    NS_LQ,
    NS_XSI,
    TRANSITION_KIND_NAMES,
    UNASSIGNED_LANE,
    BpmnError,
    Element,
    b,
    limit_text,
    lq,
)
from liuquan.flows.spec import (
    END,
    SANCTION_NAMES,
    STEP_KIND_NAMES,
    Flow,
    Gateway,
    Limit,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

EXPORTER_VERSION = "2"
TARGET_NAMESPACE = "urn:liuquan:flows"
NSMAP = {"bpmn": NS_BPMN, "bpmndi": NS_BPMNDI, "dc": NS_DC, "di": NS_DI, "xsi": NS_XSI, "lq": NS_LQ}

# Layout: one column per node left to right (start, the steps in order, the end events), lanes as bands.
POOL_X, POOL_Y, POOL_LABEL = 160, 80, 30
FIRST_COLUMN_X = POOL_X + POOL_LABEL + 40
COLUMN_WIDTH, LANE_HEIGHT = 220, 160
TASK_WIDTH, TASK_HEIGHT, EVENT_SIZE, GATEWAY_SIZE = 100, 80, 36, 50
GATEWAY_OFFSET = 130  # a step's gateway sits in the step's column, right of the task
GROUP_MARGIN = 12

END_EVENTS = {  # which end event a transition to END goes to, and its name
    TransitionKind.REJECT: ("reject", "不予办理"),
    TransitionKind.TERMINATE: ("terminate", "终止"),
}
NORMAL_END = ("end", "办结")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_KEY_FOR_ID = re.compile(r"[A-Za-z0-9_.-]+")
_TASK_TAGS = ("userTask", "callActivity")
_GATEWAY_TAGS = ("exclusiveGateway", "parallelGateway", "eventBasedGateway")


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
    tag: str  # startEvent, userTask, callActivity, exclusiveGateway, parallelGateway, eventBasedGateway,
    # intermediateCatchEvent, boundaryEvent, endEvent
    name: str
    lane: int
    column: int
    box: _Box
    step: Step | None = None  # the step the node is (a task, a WAIT's gateway or event) or times
    host: str = ""  # a timer's task id
    gateway: Gateway | None = None
    after: Limit | None = None  # a WAIT's catch event: how long it waits (None: a message it waits for)


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
        raise BpmnError(
            f'process id "{process_id}" is not an XML name (letters, digits, _ . -)',
            f"流程 id“{process_id}”不是 XML 名称（字母、数字、_ . -）",
        )
    keys = [step.key for step in flow.steps] + [gateway.key for gateway in flow.gateways]
    if len(set(keys)) != len(keys) or END in keys:
        raise BpmnError(
            f'step keys must be unique and not "{END}": {keys}',
            f"环节和网关的编码必须唯一且不能是“{END}”：{keys}",
        )
    for transition in flow.transitions:
        if transition.source not in keys or transition.target not in (*keys, END):
            where = f"{transition.source} --{transition.outcome}--> {transition.target}"
            raise BpmnError(f"transition {where} names an unknown step", f"流转 {where} 指向不存在的环节")


def _wait_events(flow: Flow, step: Step) -> bool:
    """A WAIT step with several ways on is an event gateway with one catch event each; with one, the
    catch event itself."""
    return step.kind == StepKind.WAIT and len(flow.outgoing(step.key)) > 1


def _step_tag(flow: Flow, step: Step) -> str:
    if step.kind == StepKind.WAIT:
        return "eventBasedGateway" if _wait_events(flow, step) else "intermediateCatchEvent"
    return "callActivity" if step.kind == StepKind.CALL else "userTask"


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
        self.tasks: dict[str, _Node] = {}  # step or gateway key → its node
        self.catches: dict[Transition, _Node] = {}  # a WAIT gateway's transition → its catch event
        column = 1
        placed: set[str] = set()
        for step in flow.steps:
            tag = _step_tag(flow, step)
            wanted = f"{'Task' if tag in _TASK_TAGS else 'Wait'}_{step.key}"
            wanted = wanted if _KEY_FOR_ID.fullmatch(step.key) else wanted.partition("_")[0]
            lane = lane_of[step.post]
            self.tasks[step.key] = self._node(wanted, tag, step.name, lane, column, step=step)
            if tag == "intermediateCatchEvent" and flow.outgoing(step.key):
                self.tasks[step.key].after = flow.outgoing(step.key)[0].after
            column += 1
            if _wait_events(flow, step):
                for transition in flow.outgoing(step.key):
                    event = self._node(
                        f"Event_{step.key}_{transition.outcome}",
                        "intermediateCatchEvent",
                        transition.label or transition.outcome,
                        lane,
                        column,
                    )
                    event.after = transition.after
                    self.catches[transition] = event
                    column += 1
            for gateway in flow.gateways:  # a parallel gateway goes right after the step leading into it
                sources = [t.source for t in flow.incoming(gateway.key)]
                if gateway.key not in placed and step.key in sources:
                    placed.add(gateway.key)
                    self._gateway(gateway, lane, column)
                    column += 1
        for gateway in flow.gateways:
            if gateway.key not in placed:
                self._gateway(gateway, first_lane, column)
                column += 1
        self.columns = column
        self.gateways: dict[str, _Node] = {}  # a step with several ways on → its exclusive gateway
        for step in flow.steps:
            if len(flow.outgoing(step.key)) > 1 and step.kind != StepKind.WAIT:
                task = self.tasks[step.key]
                gateway_id = task.id.replace("Task", "Gateway", 1)
                self.gateways[step.key] = self._node(
                    gateway_id, "exclusiveGateway", "", task.lane, task.column
                )
        for step in flow.steps:
            task = self.tasks[step.key]
            if step.limit is not None and task.tag in _TASK_TAGS:
                timer = self._node(
                    task.id.replace("Task", "Timer", 1),
                    "boundaryEvent",
                    limit_text(step.limit),
                    task.lane,
                    task.column,
                )
                timer.host, timer.step = task.id, step
        self.ends: dict[str, _Node] = {}
        for transition in flow.transitions:
            suffix, end_name = END_EVENTS.get(transition.kind, NORMAL_END)
            if transition.target == END and suffix not in self.ends:
                lane = self.tasks[transition.source].lane
                self.ends[suffix] = self._node(
                    f"End_{suffix}", "endEvent", end_name, lane, self.columns + len(self.ends)
                )
        if not flow.steps:
            self.ends["end"] = self._node("End_end", "endEvent", NORMAL_END[1], 0, 1)
        self._edges()

    def _gateway(self, gateway: Gateway, lane: int, column: int) -> None:
        wanted = f"Parallel_{gateway.key}" if _KEY_FOR_ID.fullmatch(gateway.key) else "Parallel"
        node = self._node(wanted, "parallelGateway", gateway.name, lane, column)
        node.gateway = gateway
        self.tasks[gateway.key] = node

    def _node(
        self, wanted: str, tag: str, name: str, lane: int, column: int, step: Step | None = None
    ) -> _Node:
        x, center_y = FIRST_COLUMN_X + column * COLUMN_WIDTH, POOL_Y + lane * LANE_HEIGHT + LANE_HEIGHT / 2
        if tag in _TASK_TAGS:
            box = _Box(x, center_y - TASK_HEIGHT / 2, TASK_WIDTH, TASK_HEIGHT)
        elif tag == "exclusiveGateway":
            box = _Box(x + GATEWAY_OFFSET, center_y - GATEWAY_SIZE / 2, GATEWAY_SIZE, GATEWAY_SIZE)
        elif tag in _GATEWAY_TAGS:
            box = _Box(
                x + (TASK_WIDTH - GATEWAY_SIZE) / 2, center_y - GATEWAY_SIZE / 2, GATEWAY_SIZE, GATEWAY_SIZE
            )
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
            if transition in self.catches:
                self._edge(source, self.catches[transition])
                source = self.catches[transition]
            if transition.target == END:
                target = self.ends[END_EVENTS.get(transition.kind, NORMAL_END)[0]]
            else:
                target = self.tasks[transition.target]
            self._edge(source, target, transition)

    @property
    def width(self) -> float:
        columns = self.columns + max(len(self.ends), 1)
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


def _lines(parent: Element, lines: list[str]) -> None:
    """The standard-BPMN copy of what lq: carries: "标签：值" lines in a documentation of their own."""
    if lines:
        _text(parent, b("documentation"), "\n".join(lines))


def _step_lines(step: Step) -> list[str]:
    lines = [f"{DOC_KEY}：{step.key}", f"{DOC_KIND}：{STEP_KIND_NAMES[step.kind]}"]
    if step.limit is not None:
        lines.append(f"{DOC_LIMIT}：{limit_text(step.limit)}")
    for label, value in (
        (DOC_MEETING, step.meeting),
        (DOC_PUBLICITY, step.publicity),
        (DOC_SUSPENDS, step.suspends_clock),
    ):
        if value:
            lines.append(f"{label}：是")
    if step.group:
        lines.append(f"{DOC_GROUP}：{step.group}")
    if step.calls:
        lines.append(f"{DOC_CALLS}：{step.calls}")
    return lines


def _flow_lines(flow: Flow) -> list[str]:
    lines = []
    if flow.case_limit is not None:
        lines.append(f"{DOC_CASE_LIMIT}：{limit_text(flow.case_limit)}")
    if flow.extension is not None:
        lines.append(f"{DOC_EXTENSION}：{limit_text(flow.extension)}")
    if flow.limit_basis:
        lines.append(f"{DOC_LIMIT_BASIS}：{flow.limit_basis}")
    if flow.sanctions:
        lines.append(f"{DOC_SANCTIONS}：{LIST_SEPARATOR.join(SANCTION_NAMES[s] for s in flow.sanctions)}")
    if flow.max_amount is not None:
        lines.append(f"{DOC_MAX_AMOUNT}：{flow.max_amount}元")
    lines.append(f"{DOC_POSTS}：{LIST_SEPARATOR.join(flow.posts)}")
    for group in flow.separation:
        basis = f"；依据：{group.basis}" if group.basis else ""
        lines.append(f"{DOC_SEPARATION}：{group.name}；环节：{LIST_SEPARATOR.join(group.steps)}{basis}")
    if flow.risks:
        lines.append(f"{DOC_RISKS}：{len(flow.risks)}项（见 lq:flow 扩展元素，标准 BPMN 无处承载）")
    return lines


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
        raise BpmnError(
            f"the flow cannot be written as XML: {error}", f"流程含有 XML 无法保存的字符：{error}"
        ) from error
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
    groups = list(dict.fromkeys(step.group for step in flow.steps if step.group))
    group_ids = [
        (layout.ids.take(f"Group_{i + 1}"), layout.ids.take(f"GroupValue_{i + 1}"))
        for i in range(len(groups))
    ]
    if groups:
        category = etree.SubElement(root, b("category"), id=layout.ids.take("Category_1"))
        for (_, value_id), group in zip(group_ids, groups, strict=True):
            etree.SubElement(category, b("categoryValue"), id=value_id, value=group)
    collaboration = etree.SubElement(root, b("collaboration"), id=layout.collaboration_id)
    etree.SubElement(
        collaboration, b("participant"), id=layout.participant_id, name=name, processRef=layout.process_id
    )
    process = etree.SubElement(root, b("process"), id=layout.process_id, name=name, isExecutable="false")
    if flow.description:
        _text(process, b("documentation"), flow.description)
    _lines(process, _flow_lines(flow))
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
    for group_id, value_id in group_ids:
        etree.SubElement(process, b("group"), id=group_id, categoryValueRef=value_id)
    _diagram(
        root,
        layout,
        lane_ids,
        [(group_id, group) for (group_id, _), group in zip(group_ids, groups, strict=True)],
    )
    return root


def _flow_extension(extensions: Element, flow: Flow) -> None:
    ours = etree.SubElement(extensions, lq("flow"), name=flow.name, category=flow.category)
    if flow.limit_basis:
        ours.set("limitBasis", flow.limit_basis)
    if flow.max_amount is not None:
        ours.set("maxAmount", str(flow.max_amount))
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
    for sanction in flow.sanctions:
        etree.SubElement(ours, lq("sanction"), kind=str(sanction))
    for call in flow.calls:
        etree.SubElement(
            ours, lq("call"), step=call.step, power=call.power, version=str(call.version), name=call.name
        )


def _flow_node(process: Element, node: _Node, edges: list[_Edge]) -> None:
    attributes = {"id": node.id}
    if node.name:
        attributes["name"] = node.name
    if node.tag == "boundaryEvent":
        attributes.update(cancelActivity="false", attachedToRef=node.host)
    step = node.step
    if node.tag == "callActivity" and step is not None and _NCNAME.fullmatch(step.calls):
        attributes["calledElement"] = step.calls  # a QName: a code that is none travels in 调用事项 only
    element = etree.SubElement(process, b(node.tag), attributes)
    if node.tag != "boundaryEvent" and step is not None:
        if step.note:
            _text(element, b("documentation"), step.note)
        after = [f"{DOC_AFTER}：{limit_text(node.after)}"] if node.after is not None else []
        _lines(element, _step_lines(step) + after)
        extensions = etree.SubElement(element, b("extensionElements"))
        etree.SubElement(
            extensions,
            lq("step"),
            key=step.key,
            kind=str(step.kind),
            meeting=_bool(step.meeting),
            publicity=_bool(step.publicity),
            suspendsClock=_bool(step.suspends_clock),
            calls=step.calls,
            group=step.group,
        )
        if node.tag not in _TASK_TAGS:  # no boundary timer can sit on a gateway or an event
            _limit_element(extensions, "limit", step.limit)
        if node.after is not None:
            _limit_element(extensions, "after", node.after)
    elif node.gateway is not None:
        _lines(element, [f"{DOC_KEY}：{node.gateway.key}"])
        etree.SubElement(
            etree.SubElement(element, b("extensionElements")),
            lq("gateway"),
            key=node.gateway.key,
            kind=str(node.gateway.kind),
        )
    elif node.after is not None:
        _lines(element, [f"{DOC_AFTER}：{limit_text(node.after)}"])
        _limit_element(etree.SubElement(element, b("extensionElements")), "after", node.after)
    if node.tag == "boundaryEvent" and step is not None and step.limit is not None:
        # ISO 8601 has no working days: P{n}D carries the number; the name, the documentation line and
        # lq:limit carry the day kind.
        _lines(element, [f"{DOC_LIMIT}：{limit_text(step.limit)}"])
        _limit_element(etree.SubElement(element, b("extensionElements")), "limit", step.limit)
    for edge in edges:
        if edge.target is node:
            _text(element, b("incoming"), edge.id)
    for edge in edges:
        if edge.source is node:
            _text(element, b("outgoing"), edge.id)
    duration = step.limit if node.tag == "boundaryEvent" and step is not None else node.after
    if node.tag in ("boundaryEvent", "intermediateCatchEvent") and duration is not None:
        timer = etree.SubElement(element, b("timerEventDefinition"), id=f"{node.id}_definition")
        _text(
            timer, b("timeDuration"), f"P{duration.days}D", **{f"{{{NS_XSI}}}type": "bpmn:tFormalExpression"}
        )
    elif node.tag == "intermediateCatchEvent":
        etree.SubElement(element, b("messageEventDefinition"), id=f"{node.id}_definition")


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
    kind = TRANSITION_KIND_NAMES[transition.kind]
    _lines(element, [f"{DOC_OUTCOME}：{transition.outcome}", f"{DOC_TRANSITION_KIND}：{kind}"])
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


def _diagram(root: Element, layout: _Layout, lane_ids: list[str], groups: list[tuple[str, str]]) -> None:
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
    for group_id, group in groups:  # drawn around its steps
        boxes = [
            node.box
            for node in layout.nodes
            if node.step is not None and node.step.group == group and node.tag != "boundaryEvent"
        ]
        left, top = min(box.x for box in boxes) - GROUP_MARGIN, min(box.y for box in boxes) - GROUP_MARGIN
        right = max(box.right for box in boxes) + GROUP_MARGIN
        bottom = max(box.bottom for box in boxes) + GROUP_MARGIN
        _shape(plane, ids, group_id, _Box(left, top, right - left, bottom - top))
    channel = 0
    for edge in layout.edges:
        points = layout.waypoints(edge, channel)
        channel += len(points) > 2
        element = etree.SubElement(
            plane, _di(NS_BPMNDI, "BPMNEdge"), id=ids.take(f"{edge.id}_di"), bpmnElement=edge.id
        )
        for x, y in points:
            etree.SubElement(element, _di(NS_DI, "waypoint"), x=_num(x), y=_num(y))
