"""BPMN 2.0 in and out for flows (pure; no Django): export, import, and the checks an export must pass.

The writer lives in `bpmn_export`, the reader in `bpmn_import`; this module is the one to import from.

Export (`to_bpmn`)
  * A collaboration with one participant (the pool) whose process has a laneSet with one lane per post, in
    `Flow.lanes()` order; the post "" becomes the lane 未指定岗位 (and that lane reads back as "").
  * A startEvent, one userTask per step (name = step.name, documentation = step.note), an exclusiveGateway
    after each step with more than one outgoing transition (its flows carry name = label and a
    conditionExpression holding the outcome), and one endEvent per way of ending that the flow uses:
    办结 (normal), 不予办理 (REJECT), 终止 (TERMINATE).
  * A step's limit is a non-interrupting boundary timer with timeDuration P{n}D. ISO 8601 has no working
    days, so the day kind travels in the timer's lq:limit extension element; a tool that ignores it sees n
    calendar days.
  * Everything BPMN has no place for goes into extension elements in the namespace NS_LQ
    (urn:liuquan:bpmn:1): lq:step (key, kind, meeting, publicity, suspendsClock) on each task,
    lq:transition (outcome, kind) on the flow that ends in the transition's target, lq:limit on timers,
    and lq:flow on the process (name, category, case limit, extension limit, posts, separation groups
    and risk points). Transition conditions go into the sequence flow's documentation, the flow's
    description into the process's.
  * A full BPMNDI diagram: a shape for the pool, every lane and every flow node, an edge with waypoints
    for every sequence flow; columns left to right in step order, lanes as horizontal bands.

Import (`from_bpmn`) — match by namespace URI, never by prefix
  * One process: the first participant's that has a processRef, else the first; others are unmapped
    (with a warning). The flow's name: the `name` argument, else lq:flow's, the process's, the pool's.
    The category is always the caller's (a different exported one is warned about).
  * task, userTask, manualTask and serviceTask become steps, in document order except that the step the
    start event leads to comes first. Key, kind and flags come from lq:step when present; otherwise the
    key is the sanitised element id, the kind is guessed from the Chinese name (`guess_step_kind`),
    meeting = the kind is MEETING, publicity = the name has 公示, suspends_clock = a 听证 step or a name
    with 检测/检验/专家评审/鉴定. A task's innermost lane is its post; lanes 未指定岗位 or with no name mean "".
  * Exclusive gateways are collapsed: step → gateway(s) → X is a transition step → X. Its outcome is
    lq:transition's, else the condition (`outcome_from_condition`), else the last flow name on the path,
    else "to_<key>"; the label is that last name; the kind is lq:transition's, else guessed from the names
    (不予/补正/延期/终止/退回/中止), else from the end event's name, else SUSPEND when the target step
    stops the clock, else NEXT. A flow into an endEvent targets END. A task with no outgoing flow ends the
    case, as in BPMN (with a warning). Transitions come in the document order of the flow that enters
    their target; paths that differ only in unnamed detours are one transition; a repeated outcome on
    one step gets a "_2" suffix (warning). Gateway paths are walked within a budget
    (MAX_PATH_EXPANSIONS) so that a file of chained diamonds cannot blow up.
  * Boundary timers on steps become limits: timeDuration PnW/PnD/PTnH… rounded up to whole days; the
    day kind from lq:limit, else NATURAL with a warning: that is what ISO 8601 says, and it errs strict
    (a deadline counted in natural days comes no later than one in working days). No duration, timeDate,
    timeCycle, or months/years: no limit and a warning.
  * Not mapped, listed in `unmapped` with tag, id and name: other gateways, other tasks, subprocesses,
    call activities, intermediate events, non-timer boundary events, data objects, artifacts, message
    flows, other pools and processes. Paths into them are dropped with a warning.
  * Fatal problems (ImportResult.problems, flow None; `from_bpmn` never raises on bad input): not XML
    (with line and column), a root that is not {NS_BPMN}definitions, any DOCTYPE/ENTITY declaration,
    input over MAX_BPMN_BYTES, no process, no task, a sequence flow naming a missing id, a duplicate
    flow-node id, steps that can never reach an end, gateways fanning out past the budget. `parse_bpmn`
    raises BpmnError for the first four; `to_bpmn` raises BpmnError for a flow it cannot write.

Round trip: from_bpmn(to_bpmn(flow), category=flow.category) == flow, risk points included (they ride in
lq:flow, though BPMN itself has no notion of them).

Checks: `check_references` (every reference resolves to an element of the right kind),
`check_diagram` (what bpmn-js needs to import without warnings: ids, incoming/outgoing lists, exactly one
DI element per drawable element) and `validate_bpmn`, which adds the OMG XSD. The XSD directory is an
argument: the app does not ship the schema, tests bring it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from liuquan.flows.bpmn_export import NSMAP, to_bpmn
from liuquan.flows.bpmn_import import (
    ACTIVITY_TAGS,
    EDGE_TAGS,
    FLOW_NODE_TAGS,
    MAX_BPMN_BYTES,
    NS_BPMN,
    NS_BPMNDI,
    NS_LQ,
    UNASSIGNED_LANE,
    BpmnError,
    Element,
    ImportResult,
    bpmn_tag,
    from_bpmn,
    parse_bpmn,
    ref_id,
)

__all__ = [
    "MAX_BPMN_BYTES",
    "NSMAP",
    "NS_BPMN",
    "NS_LQ",
    "UNASSIGNED_LANE",
    "BpmnError",
    "ImportResult",
    "check_diagram",
    "check_references",
    "from_bpmn",
    "parse_bpmn",
    "to_bpmn",
    "validate_bpmn",
]

_PLANE_TAGS = frozenset({"process", "collaboration", "subProcess", "adHocSubProcess", "transaction"})
_DRAWN_TAGS = FLOW_NODE_TAGS | {"sequenceFlow", "messageFlow", "lane", "participant"}
_SHAPE_TAGS = FLOW_NODE_TAGS | {
    "lane",
    "participant",
    "textAnnotation",
    "group",
    "dataObjectReference",
    "dataStoreReference",
}
_NEEDS_ID = _DRAWN_TAGS | {"process", "collaboration", "laneSet", "childLaneSet"}


def _di_tag(element: Element) -> str | None:
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return str(qname.localname) if qname.namespace == NS_BPMNDI else None


def _label(element: Element) -> str:
    tag = bpmn_tag(element) or _di_tag(element) or "element"
    return f'{tag} "{element.get("id", "")}"'


def _index(root: Element) -> tuple[dict[str, Element], list[str]]:
    ids: dict[str, Element] = {}
    errors = []
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id:
            if element_id in ids:
                errors.append(f'id "{element_id}" is used more than once')
            ids.setdefault(element_id, element)
    return ids, errors


def check_references(root: Element) -> list[str]:
    """Every id reference resolves, to an element of the right kind. Empty list = all good."""
    ids, errors = _index(root)

    def check(
        owner: Element, what: str, value: str | None, kinds: frozenset[str] | None, kind_name: str
    ) -> None:
        target = ids.get(ref_id(value))
        if target is None:
            errors.append(f'{_label(owner)}: {what} "{value or ""}" resolves to no element')
        elif kinds is not None and (bpmn_tag(target) or "") not in kinds:
            errors.append(f'{_label(owner)}: {what} "{value}" is {_label(target)}, not {kind_name}')

    for element in root.iter():
        tag = bpmn_tag(element)
        di_tag = _di_tag(element)
        if tag == "sequenceFlow":
            for attribute in ("sourceRef", "targetRef"):
                check(element, attribute, element.get(attribute), FLOW_NODE_TAGS, "a flow node")
                end = ids.get(element.get(attribute, ""))
                if end is not None and end.getparent() is not element.getparent():
                    errors.append(f"{_label(element)}: {attribute} {_label(end)} is in another process")
        elif tag == "messageFlow":
            for attribute in ("sourceRef", "targetRef"):
                check(element, attribute, element.get(attribute), FLOW_NODE_TAGS | {"participant"}, "a node")
        elif tag == "association":
            for attribute in ("sourceRef", "targetRef"):
                check(element, attribute, element.get(attribute), None, "")
        elif tag in ("sourceRef", "targetRef"):  # data associations name their ends in child elements
            if element.getparent() is not None and bpmn_tag(element.getparent()) in EDGE_TAGS:
                check(element.getparent(), tag, element.text, None, "")
        elif tag == "dataObjectReference" and element.get("dataObjectRef") is not None:
            check(
                element,
                "dataObjectRef",
                element.get("dataObjectRef"),
                frozenset({"dataObject"}),
                "a dataObject",
            )
        elif tag == "flowNodeRef":
            check(element.getparent(), "flowNodeRef", element.text, FLOW_NODE_TAGS, "a flow node")
        elif tag in ("incoming", "outgoing"):
            owner = element.getparent()
            check(owner, tag, element.text, frozenset({"sequenceFlow"}), "a sequence flow")
            flow = ids.get((element.text or "").strip())
            end = "targetRef" if tag == "incoming" else "sourceRef"
            if flow is not None and bpmn_tag(flow) == "sequenceFlow" and flow.get(end) != owner.get("id"):
                errors.append(f"{_label(owner)}: {tag} {_label(flow)} has {end} {flow.get(end)!r}")
        if tag == "participant" and element.get("processRef") is not None:
            check(element, "processRef", element.get("processRef"), frozenset({"process"}), "a process")
        if tag == "boundaryEvent":
            check(element, "attachedToRef", element.get("attachedToRef"), ACTIVITY_TAGS, "an activity")
        if tag is not None and element.get("default") is not None:
            check(element, "default", element.get("default"), frozenset({"sequenceFlow"}), "a sequence flow")
            flow = ids.get(element.get("default", ""))
            if flow is not None and flow.get("sourceRef") != element.get("id"):
                errors.append(f'{_label(element)}: default flow "{element.get("default")}" does not leave it')
        if di_tag == "BPMNShape":
            check(element, "bpmnElement", element.get("bpmnElement"), _SHAPE_TAGS, "a shape's element")
        elif di_tag == "BPMNEdge":
            check(element, "bpmnElement", element.get("bpmnElement"), EDGE_TAGS, "a flow or association")
        elif di_tag == "BPMNPlane":
            check(
                element, "bpmnElement", element.get("bpmnElement"), _PLANE_TAGS, "a process or collaboration"
            )
    return errors


def check_diagram(root: Element) -> list[str]:
    """What bpmn-js needs to import without warnings: every semantic element has an id and exactly one DI
    element, and every flow node lists its incoming and outgoing sequence flows."""
    ids, _ = _index(root)
    errors = []
    drawn: dict[str, int] = {}
    for element in root.iter():
        tag, di_tag = bpmn_tag(element), _di_tag(element)
        if di_tag in ("BPMNShape", "BPMNEdge"):
            if not element.get("id"):
                errors.append(f"a {di_tag} for {element.get('bpmnElement')!r} has no id")
            key = ref_id(element.get("bpmnElement"))
            drawn[key] = drawn.get(key, 0) + 1
        if tag in _NEEDS_ID and not element.get("id"):
            errors.append(f"a {tag} has no id")
    for element_id, element in ids.items():
        tag = bpmn_tag(element)
        if tag in _DRAWN_TAGS and drawn.get(element_id, 0) != 1:
            errors.append(f"{_label(element)} has {drawn.get(element_id, 0)} diagram elements, not 1")
        if tag == "sequenceFlow":
            for end, listing in (("sourceRef", "outgoing"), ("targetRef", "incoming")):
                node = ids.get(element.get(end, ""))
                if node is None:
                    continue  # check_references reports it
                listed = [(ref.text or "").strip() for ref in node.iterchildren(f"{{{NS_BPMN}}}{listing}")]
                if element_id not in listed:
                    errors.append(f"{_label(node)} does not list {_label(element)} as {listing}")
    return errors


@functools.lru_cache(maxsize=4)
def _schema(entry_point: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(entry_point))


def validate_bpmn(data: bytes, xsd_dir: Path) -> list[str]:
    """Schema errors against the OMG XSD (BPMN20.xsd in `xsd_dir`, which imports the rest from beside it),
    then reference and diagram errors. Empty list = valid."""
    try:
        root = parse_bpmn(data)
    except BpmnError as error:
        return [str(error)]
    schema = _schema(str((xsd_dir / "BPMN20.xsd").resolve()))
    errors = [] if schema.validate(root) else [f"line {e.line}: {e.message}" for e in schema.error_log]
    return errors + check_references(root) + check_diagram(root)
