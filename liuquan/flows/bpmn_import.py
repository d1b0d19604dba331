"""Reading BPMN 2.0 XML into a Flow (pure; no Django), and the vocabulary the BPMN modules share.

The mapping decisions are written down once, in `liuquan.flows.bpmn`; this module is the reader. It never
raises on bad input: every fatal problem comes back in `ImportResult.problems` (and `flow` is None).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Limit,
    RiskLevel,
    RiskPoint,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

NS_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS_BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
NS_DC = "http://www.omg.org/spec/DD/20100524/DC"
NS_DI = "http://www.omg.org/spec/DD/20100524/DI"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_LQ = "urn:liuquan:bpmn:1"  # our extension elements, inside bpmn:extensionElements

MAX_BPMN_BYTES = 5 * 1024 * 1024  # refused before parsing
UNASSIGNED_LANE = "未指定岗位"  # the lane of steps whose post is ""
MAX_PATH_EXPANSIONS = 10_000  # chains of gateways can fan out exponentially in a hostile file

STEP_TAGS = frozenset({"task", "userTask", "manualTask", "serviceTask"})
TASK_TAGS = STEP_TAGS | {"scriptTask", "sendTask", "receiveTask", "businessRuleTask"}
ACTIVITY_TAGS = TASK_TAGS | {"subProcess", "adHocSubProcess", "transaction", "callActivity"}
EVENT_TAGS = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
)
GATEWAY_TAGS = frozenset(
    {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "eventBasedGateway"}
)
FLOW_NODE_TAGS = ACTIVITY_TAGS | EVENT_TAGS | GATEWAY_TAGS
EDGE_TAGS = frozenset(
    {"sequenceFlow", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation"}
)
# Children of a process that carry no flow of their own and so are neither mapped nor "unmapped".
_QUIET_TAGS = frozenset(
    {"documentation", "extensionElements", "laneSet", "auditing", "monitoring", "property", "ioSpecification"}
    | {"supports", "correlationSubscription", "resourceRole", "performer", "humanPerformer", "potentialOwner"}
)

Element = Any  # lxml ships no type information


class BpmnError(ValueError):
    """A document that cannot be read as BPMN at all, or a Flow that cannot be written as BPMN."""


def b(tag: str) -> str:
    return f"{{{NS_BPMN}}}{tag}"


def lq(tag: str) -> str:
    return f"{{{NS_LQ}}}{tag}"


def bpmn_tag(element: Element) -> str | None:
    """The local name of a BPMN-namespace element; None for comments and other namespaces."""
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return str(qname.localname) if qname.namespace == NS_BPMN else None


def ref_id(value: str | None) -> str:
    """The id a reference names. bpmnElement, processRef and attachedToRef are QNames ("bpmn:Task_1")."""
    return (value or "").strip().rpartition(":")[2]


def describe(element: Element) -> str:
    tag = etree.QName(element).localname if isinstance(element.tag, str) else "node"
    return f'{tag} id="{element.get("id", "")}" name="{clean(element.get("name", ""))}"'


def clean(text: str | None) -> str:
    """A name as shown: modelers wrap long names with newlines; CJK text joins without a space."""
    text = re.sub(r"(?<=[^\x00-\x7f])\s*\n\s*(?=[^\x00-\x7f])", "", text or "")
    return " ".join(text.split())


def lq_extension(element: Element, tag: str) -> Element | None:
    for extensions in element.iterchildren(b("extensionElements")):
        found = extensions.find(lq(tag))
        if found is not None:
            return found
    return None


def documentation(element: Element) -> str:
    texts = ("".join(doc.itertext()).strip() for doc in element.iterchildren(b("documentation")))
    return "\n".join(text for text in texts if text)


def _declares_dtd(data: bytes) -> bool:
    # Dropping NUL bytes makes UTF-16 and UTF-32 markup (with or without a BOM) look like ASCII. A
    # "<!DOCTYPE" inside a comment or CDATA section is refused too: no real BPMN file has one.
    text = data.replace(b"\x00", b"")
    return b"<!DOCTYPE" in text or b"<!ENTITY" in text


def parse_bpmn(data: bytes) -> Element:
    """Parse untrusted bytes into the root `definitions` element, or raise BpmnError.

    Refused before parsing: more than MAX_BPMN_BYTES, and any DOCTYPE or ENTITY declaration (BPMN needs
    neither; they are how billion-laughs and external-entity attacks come in). As a second line the parser
    resolves no entities, loads no DTD, touches no network and keeps libxml2's size and depth limits, and a
    DOCTYPE that got past the byte scan is refused after parsing.
    """
    if len(data) > MAX_BPMN_BYTES:
        raise BpmnError(f"the file is {len(data)} bytes; a BPMN import may be at most {MAX_BPMN_BYTES} bytes")
    if _declares_dtd(data):
        raise BpmnError(
            "refusing a document with a DOCTYPE or ENTITY declaration: BPMN needs neither, "
            "and they can expand entities without bound or read local files"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        message = re.sub(r", line \d+, column \d+$", "", error.msg)
        raise BpmnError(f"not XML: line {line}, column {column}: {message}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BpmnError("refusing a document with a DOCTYPE declaration")
    if not isinstance(root.tag, str) or root.tag != b("definitions"):
        raise BpmnError(f"not a BPMN 2.0 definitions document: root is {root.tag}")
    return root


@dataclass
class ImportResult:
    """What from_bpmn made of a document. `flow` is None exactly when `problems` is not empty."""

    flow: Flow | None
    problems: list[str] = field(default_factory=list)  # fatal: no flow was made
    unmapped: list[str] = field(default_factory=list)  # elements left out, each with tag, id and name
    warnings: list[str] = field(default_factory=list)  # guesses and things dropped that the user should check


def from_bpmn(data: bytes, *, category: str, name: str | None = None) -> ImportResult:
    """Read a BPMN 2.0 document into a Flow. Never raises on bad input: see ImportResult."""
    result = ImportResult(flow=None)
    try:
        root = parse_bpmn(data)
    except BpmnError as error:
        result.problems.append(str(error))
        return result
    _Reader(root, result).read(category=category, name=name)
    if result.problems:
        result.flow = None
    return result


# Checked in order: the first word found in a task's name decides its kind.
_STEP_KIND_WORDS: tuple[tuple[tuple[str, ...], StepKind], ...] = (
    (("法制审核", "法制审查"), StepKind.LEGAL_REVIEW),
    (("上会", "集体讨论", "集体研究"), StepKind.MEETING),
    (("听证",), StepKind.HEARING),
    (("立案",), StepKind.FILE_CASE),
    (("调查", "取证"), StepKind.INVESTIGATE),
    (("告知",), StepKind.NOTIFY),
    (("现场", "核查", "勘验"), StepKind.SITE_CHECK),
    (("公示",), StepKind.PUBLICITY),
    (("送达",), StepKind.DELIVER),
    (("执行",), StepKind.EXECUTE),
    (("受理",), StepKind.ACCEPT),
    (("决定", "审批", "批准"), StepKind.DECIDE),
    (("审查", "审核", "办理"), StepKind.REVIEW),
)
_TRANSITION_KIND_WORDS: tuple[tuple[tuple[str, ...], TransitionKind], ...] = (
    (("不予", "不受理", "不许可", "不批准"), TransitionKind.REJECT),
    (("补正",), TransitionKind.CORRECTION),
    (("延期", "延长"), TransitionKind.EXTEND),
    (("终止",), TransitionKind.TERMINATE),
    (("退回", "返回"), TransitionKind.RETURN),
    # "听证" alone is no sign: "需听证" suspends, "听证结束" goes on. A flow into a clock-stopping step is
    # taken as SUSPEND instead (see _transition).
    (("中止",), TransitionKind.SUSPEND),
)
_CLOCK_STOPPING_WORDS = ("检测", "检验", "专家评审", "鉴定")
_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.-]*")


def guess_step_kind(name: str) -> StepKind:
    for words, kind in _STEP_KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return StepKind.OTHER


def guess_transition_kind(text: str) -> TransitionKind:
    for words, kind in _TRANSITION_KIND_WORDS:
        if any(word in text for word in words):
            return kind
    return TransitionKind.NEXT


def duration_days(text: str) -> int | None:
    """Whole days (rounded up) in an ISO 8601 duration; None for years or months, which vary in length."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        return None
    parts = {key: float(value or 0) for key, value in match.groupdict().items()}
    if parts["years"] or parts["months"]:
        return None
    hours = (parts["weeks"] * 7 + parts["days"]) * 24 + parts["hours"]
    seconds = hours * 3600 + parts["minutes"] * 60 + parts["seconds"]
    return math.ceil(seconds / 86400) if seconds > 0 else None


def outcome_from_condition(text: str) -> str:
    """`pass`, `${approved}` or `${outcome == 'pass'}` → "pass"/"approved"/"pass"; "" if none fits."""
    text = re.sub(r"^[$#]\{(.*)\}$", r"\1", text.strip(), flags=re.DOTALL).strip()
    if _IDENTIFIER.fullmatch(text):
        return text
    literal = re.search(r"""==\s*(['"])(.+?)\1""", text)
    return literal.group(2) if literal else ""


def _enum(value: str | None, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return None


def _flag(element: Element | None, attribute: str) -> bool | None:
    value = element.get(attribute) if element is not None else None
    return None if value is None else value.strip().lower() in ("true", "1")


def _ext_limit(element: Element | None) -> Limit | None:
    if element is None:
        return None
    days, kind = (element.get("days") or "").strip(), _enum(element.get("kind"), DayKind)
    if not days.isdigit() or int(days) <= 0 or kind is None:
        return None
    return Limit(int(days), kind)


@dataclass
class _Path:
    flows: list[Element]
    target: str  # a node id


class _Reader:
    def __init__(self, root: Element, result: ImportResult) -> None:
        self.root = root
        self.result = result
        self.ids: dict[str, Element] = {}  # every element in the document with an id
        self.nodes: dict[str, Element] = {}  # the chosen process's flow nodes by id
        self.outgoing: dict[str, list[Element]] = defaultdict(list)
        self.flow_order: dict[int, int] = {}  # id(sequenceFlow element) → document position
        self.gateways: set[str] = set()
        self.ends: set[str] = set()
        self.key_of: dict[str, str] = {}  # task id → step key
        self.expansions = 0
        self.dropped: set[tuple[str, str]] = set()  # (step key, node id) paths already warned about

    def problem(self, message: str) -> None:
        self.result.problems.append(message)

    def warn(self, message: str) -> None:
        self.result.warnings.append(message)

    def unmapped(self, element: Element, why: str = "") -> None:
        self.result.unmapped.append(describe(element) + (f": {why}" if why else ""))

    def read(self, *, category: str, name: str | None) -> None:
        process, participant = self._choose_process()
        if process is None:
            return
        tasks, starts, boundaries = self._index(process)
        if self.result.problems:
            return
        if not tasks:
            self.problem(
                "the process has no task (task, userTask, manualTask or serviceTask) to make a step of"
            )
            return
        lane_of, leaf_lanes = self._lanes(process)
        limits = self._limits(boundaries, tasks)
        steps = self._steps(tasks, lane_of, limits, has_lanes=bool(leaf_lanes))
        transitions = self._transitions(tasks, steps)
        if self.result.problems:
            return
        first = self._first_step(starts, tasks)
        ordered = [steps[first], *(step for task_id, step in steps.items() if task_id != first)]
        self._check_ends(ordered, transitions)
        if self.result.problems:
            return
        self.result.flow = self._flow(process, participant, ordered, transitions, leaf_lanes, category, name)

    def _choose_process(self) -> tuple[Element | None, Element | None]:
        ids = {el.get("id"): el for el in self.root.iter() if isinstance(el.tag, str) and el.get("id")}
        self.ids = ids
        processes = self.root.findall(b("process"))
        chosen, participant = None, None
        for collaboration in self.root.findall(b("collaboration")):
            for pool in collaboration.iterchildren(b("participant")):
                target = ids.get(ref_id(pool.get("processRef")))
                if chosen is None and target is not None and bpmn_tag(target) == "process":
                    chosen, participant = target, pool
                else:
                    self.unmapped(pool, "a pool other than the imported process's")
            for message in collaboration.iterchildren(b("messageFlow")):
                self.unmapped(message)
        if not processes:
            self.problem("the document has no bpmn:process")
            return None, None
        chosen = processes[0] if chosen is None else chosen
        if len(processes) > 1:
            self.warn(f"the document has {len(processes)} processes; importing {describe(chosen)} only")
            for other in processes:
                if other is not chosen:
                    self.unmapped(other, "another process")
        return chosen, participant

    def _index(self, process: Element) -> tuple[list[Element], list[Element], list[Element]]:
        tasks, starts, boundaries, flows = [], [], [], []
        for child in process:
            tag = bpmn_tag(child)
            if tag is None or tag in _QUIET_TAGS:
                continue
            if tag in FLOW_NODE_TAGS:
                node_id = child.get("id", "")
                if not node_id or node_id in self.nodes:
                    self.problem(f"{describe(child)} has {'a duplicate' if node_id else 'no'} id")
                self.nodes[node_id] = child
            if tag in STEP_TAGS:
                tasks.append(child)
            elif tag == "exclusiveGateway":
                self.gateways.add(child.get("id", ""))
            elif tag == "endEvent":
                self.ends.add(child.get("id", ""))
            elif tag == "startEvent":
                starts.append(child)
            elif tag == "boundaryEvent":
                boundaries.append(child)
            elif tag == "sequenceFlow":
                flows.append(child)
            else:
                self.unmapped(child)
        for position, flow in enumerate(flows):
            self.flow_order[id(flow)] = position
            for attribute in ("sourceRef", "targetRef"):
                ref = flow.get(attribute, "")
                flow_id = flow.get("id", "")
                if ref in self.nodes:
                    continue
                if ref in self.ids:
                    self.problem(
                        f'sequence flow "{flow_id}": {attribute} "{ref}" is no flow node of this process'
                    )
                else:
                    self.problem(f'sequence flow "{flow_id}" references missing id "{ref}" ({attribute})')
            self.outgoing[flow.get("sourceRef", "")].append(flow)
        return tasks, starts, boundaries

    def _lanes(self, process: Element) -> tuple[dict[str, str], list[str]]:
        """Each flow node's innermost lane name, and the leaf lanes' names in document order."""
        lane_of: dict[str, tuple[int, str]] = {}
        leaves: list[str] = []

        def walk(lane_set: Element, depth: int) -> None:
            for lane in lane_set.iterchildren(b("lane")):
                lane_name = clean(lane.get("name"))
                for ref in lane.iterchildren(b("flowNodeRef")):
                    node_id = (ref.text or "").strip()
                    if node_id not in self.nodes:
                        self.warn(
                            f'lane "{lane_name}" lists "{node_id}", which is no flow node of the process'
                        )
                    elif node_id not in lane_of or lane_of[node_id][0] <= depth:
                        lane_of[node_id] = (depth, lane_name)
                children = lane.findall(b("childLaneSet"))
                for child in children:
                    walk(child, depth + 1)
                if not children:
                    leaves.append(lane_name)

        for lane_set in process.iterchildren(b("laneSet")):
            walk(lane_set, 0)
        return {node_id: lane for node_id, (_, lane) in lane_of.items()}, leaves

    def _limits(self, boundaries: list[Element], tasks: list[Element]) -> dict[str, Limit]:
        task_ids = {task.get("id") for task in tasks}
        limits: dict[str, Limit] = {}
        for event in boundaries:
            host = ref_id(event.get("attachedToRef"))
            timer = event.find(b("timerEventDefinition"))
            if host not in task_ids or timer is None:
                self.unmapped(event, "only a timer on a task becomes a step's time limit")
                continue
            if self.outgoing.get(event.get("id", "")):
                self.warn(
                    f"the flows leaving timer {describe(event)} are ignored: a limit raises alerts, not paths"
                )
            if host in limits:
                self.warn(f'task "{host}" has more than one timer; {describe(event)} is ignored')
                continue
            limit = self._limit(event, timer, host)
            if limit is not None:
                limits[host] = limit
        return limits

    def _limit(self, event: Element, timer: Element, host: str) -> Limit | None:
        ours = lq_extension(event, "limit")
        kind = _enum(ours.get("kind"), DayKind) if ours is not None else None
        duration = timer.find(b("timeDuration"))
        text = "".join(duration.itertext()).strip() if duration is not None else ""
        where = f'timer "{event.get("id", "")}" on task "{clean(self.nodes[host].get("name")) or host}"'
        if not text:
            self.warn(f"{where} has no duration (timeDuration); the step gets no time limit")
            return None
        days = duration_days(text)
        if days is None:
            self.warn(
                f'{where}: "{text}" is not a duration in weeks, days or hours; the step gets no time limit'
            )
            return None
        if kind is not None:
            return Limit(days, kind)
        self.warn(
            f"{where}: {text} read as {days} natural days (ISO 8601 durations know no working days); "
            "change the step's limit to working days if that is what it means"
        )
        return Limit(days, DayKind.NATURAL)

    def _steps(
        self, tasks: list[Element], lane_of: dict[str, str], limits: dict[str, Limit], *, has_lanes: bool
    ) -> dict[str, Step]:
        ours = {task.get("id"): lq_extension(task, "step") for task in tasks}
        wanted = [(ext.get("key") or "").strip() for ext in ours.values() if ext is not None]
        used: set[str] = set()
        steps: dict[str, Step] = {}
        for task in tasks:
            task_id, ext = task.get("id", ""), ours[task.get("id")]
            key = (ext.get("key") or "").strip() if ext is not None else ""
            if key and (key == END or key in used):
                self.warn(
                    f'{describe(task)}: step key "{key}" is reserved or taken; deriving one from the id'
                )
                key = ""
            if not key:
                base = re.sub(r"[^0-9a-z]+", "_", task_id.lower()).strip("_") or "step"
                base = f"step_{base}" if base[0].isdigit() or base == END else base
                key, number = base, 2
                while key in used or key in wanted:
                    key, number = f"{base}_{number}", number + 1
            used.add(key)
            self.key_of[task_id] = key
            name = clean(task.get("name"))
            if not name:
                self.warn(f"{describe(task)} has no name; the step is named after its key")
                name = key
            kind = _enum(ext.get("kind"), StepKind) if ext is not None else None
            kind = kind or guess_step_kind(name)
            lane = lane_of.get(task_id)
            if lane is None and has_lanes:
                self.warn(f"{describe(task)} is in no lane; the step has no post")
            meeting, publicity, suspends = (_flag(ext, a) for a in ("meeting", "publicity", "suspendsClock"))
            steps[task_id] = Step(
                key=key,
                name=name,
                kind=kind,
                post="" if lane is None or lane == UNASSIGNED_LANE else lane,
                limit=limits.get(task_id),
                meeting=kind == StepKind.MEETING if meeting is None else meeting,
                publicity="公示" in name if publicity is None else publicity,
                suspends_clock=(
                    kind == StepKind.HEARING or any(word in name for word in _CLOCK_STOPPING_WORDS)
                    if suspends is None
                    else suspends
                ),
                note=documentation(task),
            )
        return steps

    def _paths(self, node_id: str) -> list[_Path]:
        """The paths from a node through exclusive gateways to the next node that is not one."""
        paths: list[_Path] = []
        stack: list[tuple[str, list[Element], frozenset[str]]] = [(node_id, [], frozenset())]
        while stack:
            current, flows, seen = stack.pop()
            for flow in reversed(self.outgoing.get(current, [])):
                self.expansions += 1
                if self.expansions > MAX_PATH_EXPANSIONS:
                    if self.expansions == MAX_PATH_EXPANSIONS + 1:
                        self.problem("the exclusive gateways fan out into too many paths to read")
                    return []
                target, path = flow.get("targetRef", ""), [*flows, flow]
                if target not in self.gateways:
                    paths.append(_Path(path, target))
                elif target in seen:
                    self.warn(
                        f'exclusive gateways loop back to "{target}" with no task between; path dropped'
                    )
                else:
                    stack.append((target, path, seen | {target}))
        paths.reverse()
        return paths

    def _transitions(self, tasks: list[Element], steps: dict[str, Step]) -> list[Transition]:
        found: list[tuple[tuple[int, int], Transition]] = []
        for index, task in enumerate(tasks):
            task_id = task.get("id", "")
            step = steps[task_id]
            if not self.outgoing.get(task_id):
                self.warn(f'step "{step.name}" has no outgoing flow; as in BPMN, the case ends there')
                found.append(((len(self.flow_order), index), Transition(step.key, "to_end", END)))
                continue
            seen: set[Transition] = set()  # paths that differ only in unnamed detours are one transition
            outcomes: dict[str, int] = {}  # outcome → the last number a duplicate got
            for path in self._paths(task_id):
                transition = self._transition(step, path, steps)
                if transition is None or transition in seen:
                    continue
                seen.add(transition)
                outcome = transition.outcome
                if outcome in outcomes:
                    number = outcomes[outcome] + 1
                    while f"{outcome}_{number}" in outcomes:
                        number += 1
                    outcomes[outcome] = number
                    self.warn(
                        f'step "{step.name}" has outcome "{outcome}" twice; renamed "{outcome}_{number}"'
                    )
                    transition = dataclasses.replace(transition, outcome=f"{outcome}_{number}")
                outcomes.setdefault(transition.outcome, 1)
                found.append(((self.flow_order[id(path.flows[-1])], index), transition))
        found.sort(key=lambda item: item[0])
        return [transition for _, transition in found]

    def _transition(self, step: Step, path: _Path, steps: dict[str, Step]) -> Transition | None:
        target_el = self.nodes.get(path.target)
        if path.target in steps:
            target, target_name = steps[path.target].key, steps[path.target].name
        elif path.target in self.ends:
            target, target_name = END, clean(target_el.get("name")) if target_el is not None else ""
        else:
            if (step.key, path.target) not in self.dropped:
                self.dropped.add((step.key, path.target))
                what = describe(target_el) if target_el is not None else f'"{path.target}"'
                self.warn(
                    f'the path from step "{step.name}" to {what} is dropped: that element is not mapped'
                )
            return None
        found = (lq_extension(flow, "transition") for flow in reversed(path.flows))
        ours = next((ext for ext in found if ext is not None), None)
        names = [clean(flow.get("name")) for flow in path.flows if clean(flow.get("name"))]
        conditions = [
            "".join(condition.itertext()).strip()
            for flow in path.flows
            for condition in flow.iterchildren(b("conditionExpression"))
        ]
        condition = next((text for text in reversed(conditions) if text), "")
        label = names[-1] if names else ""
        outcome = (ours.get("outcome") or "").strip() if ours is not None else ""
        outcome = outcome or outcome_from_condition(condition) or label or f"to_{target}"
        kind = _enum(ours.get("kind"), TransitionKind) if ours is not None else None
        if kind is None:
            kind = guess_transition_kind(" ".join([*names, condition]))
            if kind == TransitionKind.NEXT and target == END:
                kind = guess_transition_kind(target_name)
            if kind == TransitionKind.NEXT and path.target in steps and steps[path.target].suspends_clock:
                kind = TransitionKind.SUSPEND
        return Transition(step.key, outcome, target, kind, label, documentation(path.flows[-1]))

    def _first_step(self, starts: list[Element], tasks: list[Element]) -> str:
        task_ids: list[str] = [task.get("id", "") for task in tasks]
        if len(starts) > 1:
            self.warn(f"the process has {len(starts)} start events; the first one starts the flow")
            for extra in starts[1:]:
                self.unmapped(extra, "a second start event")
        if starts:
            reached = [
                path.target for path in self._paths(starts[0].get("id", "")) if path.target in task_ids
            ]
            if reached:
                if len(set(reached)) > 1:
                    self.warn("the start event leads to several tasks; the first of them starts the flow")
                return reached[0]
            self.warn(
                "the start event leads to no task; the first task without incoming flow starts the flow"
            )
        else:
            self.warn("the process has no start event; the first task without incoming flow starts the flow")
        targets = {flow.get("targetRef") for flows in self.outgoing.values() for flow in flows}
        return next((task_id for task_id in task_ids if task_id not in targets), task_ids[0])

    def _check_ends(self, steps: list[Step], transitions: list[Transition]) -> None:
        forward: dict[str, set[str]] = defaultdict(set)
        backward: dict[str, set[str]] = defaultdict(set)
        for transition in transitions:
            forward[transition.source].add(transition.target)
            backward[transition.target].add(transition.source)
        can_end = _reach(END, backward)
        stuck = [step for step in steps if step.key not in can_end]
        if stuck:
            names = ", ".join(f"{step.name} ({step.key})" for step in stuck)
            self.problem(f"steps {names} can never reach an end")
        reached = _reach(steps[0].key, forward)
        for step in steps:
            if step.key not in reached:
                self.warn(f'step "{step.name}" cannot be reached from the start')

    def _flow(
        self,
        process: Element,
        participant: Element | None,
        steps: list[Step],
        transitions: list[Transition],
        leaf_lanes: list[str],
        category: str,
        name: str | None,
    ) -> Flow:
        ours = lq_extension(process, "flow")
        names = [name, ours.get("name") if ours is not None else None, process.get("name")]
        names.append(participant.get("name") if participant is not None else None)
        flow_name = next((clean(n) for n in names if clean(n)), "")
        if not flow_name:
            self.warn("the document names no process; the flow is called 未命名流程")
            flow_name = "未命名流程"
        if ours is None:
            posts = tuple(dict.fromkeys(lane for lane in leaf_lanes if lane and lane != UNASSIGNED_LANE))
            return Flow(
                flow_name,
                category,
                tuple(steps),
                tuple(transitions),
                description=documentation(process),
                posts=posts,
            )
        if ours.get("category") not in (None, category):
            self.warn(
                f'the document was exported as category "{ours.get("category")}"; importing as "{category}"'
            )
        posts_el = ours.find(lq("posts"))
        if posts_el is not None:
            posts = tuple(clean(post.text) for post in posts_el.iterchildren(lq("post")))
        else:
            posts = tuple(dict.fromkeys(lane for lane in leaf_lanes if lane and lane != UNASSIGNED_LANE))
        return Flow(
            name=flow_name,
            category=category,
            steps=tuple(steps),
            transitions=tuple(transitions),
            case_limit=_ext_limit(ours.find(lq("caseLimit"))),
            extension=_ext_limit(ours.find(lq("extensionLimit"))),
            separation=self._separation(ours, {step.key for step in steps}),
            risks=self._risks(ours, {step.key for step in steps}),
            description=documentation(process),
            posts=posts,
        )

    def _separation(self, ours: Element, keys: set[str]) -> tuple[SeparationGroup, ...]:
        groups = []
        for group in ours.iterchildren(lq("separation")):
            members = tuple((ref.text or "").strip() for ref in group.iterchildren(lq("stepRef")))
            unknown = [member for member in members if member not in keys]
            if unknown:
                self.warn(
                    f'separation group "{group.get("name", "")}" names unknown steps {unknown}; dropped'
                )
            known = tuple(member for member in members if member in keys)
            groups.append(SeparationGroup(group.get("name", ""), known, group.get("basis", "")))
        return tuple(groups)

    def _risks(self, ours: Element, keys: set[str]) -> tuple[RiskPoint, ...]:
        risks = []
        for risk in ours.iterchildren(lq("risk")):
            level = _enum(risk.get("level"), RiskLevel)
            if risk.get("step") not in keys or level is None:
                self.warn(f'risk point "{risk.get("point", "")}" has an unknown step or level; dropped')
                continue
            fields = ("point", "manifestation", "measures", "post", "person", "rule")
            values = {name: risk.get(name, "") for name in fields}
            risks.append(RiskPoint(step=risk.get("step"), level=level, **values))
        return tuple(risks)


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for neighbour in edges.get(queue.popleft(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return seen
