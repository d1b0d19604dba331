"""BPMN 2.0 in and out for flows (pure; no Django): export, import, and the checks an export must pass.

The writer lives in `bpmn_export`; the reader in `bpmn_import`, with the shared vocabulary (namespaces,
Note, safe parsing, the documentation-line forms) in `bpmn_common`, what documentation lines, lq: and
timers give in `bpmn_fields`, message flows in `bpmn_messages` and the can-it-end check in `bpmn_ends`.
This module is the one to import from.

Export (`to_bpmn`)
  * A collaboration with one participant (the pool) whose process has a laneSet with one lane per post, in
    `Flow.lanes()` order; the post "" becomes the lane 未指定岗位 (and that lane reads back as "").
  * A startEvent, one node per step (name = step.name, documentation = step.note): a userTask; a CALL step
    a callActivity (calledElement = step.calls when that is an XML QName, else only in 调用事项); a WAIT
    step with several ways on an eventBasedGateway followed by one intermediateCatchEvent per transition
    (a timer with timeDuration P{n}D for a transition with `after`, else a message event), a WAIT step
    with one way on that catch event alone. An exclusiveGateway after each other step with more than one
    outgoing transition (its flows carry name = label and a conditionExpression holding the outcome). Each
    Gateway is a parallelGateway placed after the step leading into it. One endEvent per way of ending
    the flow uses: 办结 (normal), 不予办理 (REJECT), 终止 (TERMINATE).
  * A step's limit on a task is a non-interrupting boundary timer with timeDuration P{n}D, named
    "5个工作日" and documented "时限：5个工作日" (ISO 8601 has no working days; the name and line carry them).
  * Step.group: a bpmn:group (categoryValueRef to a categoryValue named after the group) drawn around the
    group's steps. A group, unlike a subProcess, needs no single entry and exit, so every flow round-trips.
  * Everything twice, so that a modeller which drops unknown extensions (lq:) loses nothing but risk points:
    - lq: extension elements in namespace NS_LQ (urn:liuquan:bpmn:1): lq:step (key, kind, meeting,
      publicity, suspendsClock, calls, group) on each step's node, lq:limit on timers (and on WAIT nodes,
      which cannot hold one), lq:after on a WAIT's timer events, lq:gateway (key, kind), lq:transition
      (outcome, kind) on the flow that enters the transition's target, and lq:flow on the process (name,
      category, limitBasis, maxAmount, case and extension limits, posts, separation groups, risk points,
      sanctions, pinned calls).
    - standard bpmn:documentation lines "标签：值", one field a line, in a documentation element of their
      own after the note's: on a step 编码 / 环节类型（STEP_KIND_NAMES）/ 时限：5个工作日 / 上会：是 / 公示：是 /
      不计时：是 / 分组 / 调用事项, on a timer catch event 等待：3个工作日, on a parallel gateway 编码, on a
      sequence flow 结果：pass / 流转类型（通过、不予办理、补正、延期、中止计时、退回、终止）, on the process
      办理时限 / 延期时限 / 时限依据 / 处罚种类（、-separated）/ 罚没上限：50000元 / 岗位顺序（、-separated,
      always written）/ 分岗设权：名称；环节：accept、decide；依据：… (one line a group) / 风险点：4项（…）.
    Risk points and pinned calls (Flow.calls, made again at publication) live in lq:flow only: free text
    such as 防控措施 holds any punctuation, so no line form would read back safely. The 风险点 line lets an
    import without lq:flow say exactly how many were lost.
  * A full BPMNDI diagram: a shape for the pool, every lane, every flow node and every group, an edge with
    waypoints for every sequence flow; columns left to right in step order, lanes as horizontal bands.

Import (`from_bpmn`) — match by namespace URI, never by prefix
  * Every message (problems, unmapped, warnings) is a `Note(zh, en)`; str() is the Chinese. The console
    shows the person's language, the CLI's `flows import-bpmn --json` prints both.
  * Processes: every pool's process (collaboration participants, in pool order); with no pool, the first
    process. Black-box pools and processes in no pool are unmapped with the reason. The flow starts at the
    first pool's first start event; other start events are unmapped, except those a message starts. With several pools, a pool without lanes gives its tasks post = its name.
    The flow's name: the `name` argument, else lq:flow's, the first process's, its pool's. The category is
    always the caller's (a different exported one is warned about).
  * What a field comes from, first found wins: the standard documentation line (it is what a person can
    see and edit), then lq:, then the BPMN element itself, then a guess. Documentation lines in the fixed
    forms above are taken out of the note; anything else stays in it.
  * Steps, in document order except that the step the start event leads to comes first: task, userTask,
    manualTask, serviceTask; callActivity (CALL, calls = calledElement without its prefix); receiveTask,
    eventBasedGateway (named after the gateway, else 等待) and intermediate catch events in sequence with a
    timer, message, signal or conditional definition (WAIT). Key: 编码 line, lq:step key, else the
    sanitised element id. Kind: 环节类型 line, lq:step, the element (CALL/WAIT), else guessed from the
    Chinese name (`guess_step_kind`). Flags: the lines (absent = no when 环节类型 is there), lq:step, else
    meeting = MEETING, publicity = the name has 公示, suspends_clock = 听证 or 检测/检验/专家评审/鉴定.
    A step's innermost lane is its post (lanes 未指定岗位 or unnamed mean ""); nodes inside a subprocess
    take their own lane, else the subprocess's. A task in no lane takes the first of its engine's
    candidateGroups (camunda:, flowable:, activiti:) or a plain potentialOwner/humanPerformer name, with a
    warning to check it names a post; an expression (${…}) names none.
  * An interrupting boundary event other than a timer (message, signal, error, escalation, conditional)
    with a sequence flow on is one more outcome of its task, named after the event, its kind guessed from
    the event's and the flows' names (申请人撤回终止 → 终止).
  * Message flows (bpmn_messages). One from a task (userTask …, callActivity, receiveTask), a sendTask, a
    throw event or an end event of one pool to the message start event of another pool (not the first:
    the flow itself starts there) starts that pool's process asynchronously: every transition that sends
    it (a task's outgoing transitions, a transition whose path passes the sendTask or throw event or ends
    at the end event) goes into a new spec.Gateway(PARALLEL), keyed after the message flow's id and named
    after it, whose "go" transitions lead on to the transition's old target and to the started pool's
    first step(s). The started pool's end events end their branch only (NEXT to END; a REJECT/TERMINATE
    guessed from a name is turned into NEXT with a warning), so the case ends once both pools are done
    (liuquan.flows.tokens). A transition that ends the case (REJECT/TERMINATE to END) sends nothing: the
    pool would end with the case at once. A message flow into an intermediate message catch event or a
    receive task changes nothing (that WAIT step is completed by staff when the message arrives) and is
    reported among the warnings for information only. Every other message flow (from or to a pool as a
    whole, into a task or a first pool's start, within one pool, from a gateway, or carried by no
    transition) is unmapped with the reason.
  * Flattened, not refused: subProcess, transaction and adHocSubProcess (nested too). Their tasks are
    steps with Step.group = the innermost subprocess's name; a path into one goes on at its start event's
    successors (with no start event: at inner nodes without incoming flow); its end events, and inner
    nodes with no way on, continue along the subprocess's outgoing flows. An ad-hoc subprocess's tasks are
    read as alternatives (warned). A bpmn:group with a name (or categoryValue) and a shape groups the steps
    whose shapes' centres lie inside it.
  * Passed through (a path walks on through them): exclusive gateways (collapsed as before), automatic
    tasks (scriptTask, sendTask, businessRuleTask: unmapped, "the flow passes through it"), throw events,
    catch events with no waiting definition, link events (throw → the catch of the same name).
  * Transitions: step → (pass-through nodes) → X. Outcome: 结果 line, lq:transition, the condition
    (`outcome_from_condition`), a WAIT event's name, the last flow name, else "to_<key>"; from a parallel
    gateway: 结果/lq, the flow name, else "go" (repeats allowed). Kind: 流转类型 line, lq:transition, from a
    gateway NEXT, else guessed from the flow names and condition (不予/补正/延期/终止/退回/中止), else from the
    end event's name, else SUSPEND into a clock-stopping step, else NEXT. An event gateway's transitions
    go from the WAIT step through each catch event to what follows it; a timer event's duration becomes
    Transition.after. Parallel gateways become spec.Gateway(PARALLEL) and transitions name them by key.
    Transitions come in the document order of the flow that enters their target; paths that differ only
    in unnamed detours are one transition; a repeated outcome on one step gets "_2" (warning). Paths are
    walked within MAX_PATH_EXPANSIONS so that a file of chained diamonds cannot blow up.
  * Limits: a boundary timer on a step, timeDuration PnW/PnD/PTnH… rounded up to whole days. Day kind:
    lq:limit, else the timer's name or 时限 line or the step's 时限 line giving the same days ("5个工作日"),
    else NATURAL with a warning (what ISO 8601 says; it errs strict). camunda:/flowable:/activiti:dueDate on
    a task: a duration becomes a natural-day limit with a warning; a date or expression is warned about
    and gives none; a boundary timer wins. A duration under a day (PT2M, PT4H) gives NO limit and a warning
    naming the timer: a limit counts whole days and a minute is not a day. No duration, timeDate,
    timeCycle, months or years: no limit and a warning. Timer start events: the timer is unmapped (a case
    starts with an application or a filing); the start still starts the flow.
  * Unmapped with the reason, and paths into them dropped with a warning: non-interrupting non-timer
    boundary events (they run beside the task), boundary events with no way on, timers not on a step, data objects and stores, text annotations and associations, black-box pools,
    message flows that map to nothing (above), other processes, extra start events, anything else.
  * Fatal problems (ImportResult.problems, flow None; `from_bpmn` never raises on bad input), each naming
    its elements (tag, id, name): not XML (with line and column), a root that is not {NS_BPMN}definitions,
    any DOCTYPE/ENTITY declaration, input over MAX_BPMN_BYTES, no process, no task, a sequence flow naming
    a missing id, a duplicate flow-node id, an inclusive or complex gateway (a flow cannot say "some of
    these branches"), and steps that can never end, explained: a step with no way out (and the unmapped
    elements its paths ran into), a closed loop with no exit (its members), and the steps that lead only
    into those; gateways fanning out past the budget. `parse_bpmn` raises BpmnError (English str(), .zh
    Chinese) for the first four; `to_bpmn` raises BpmnError for a flow it cannot write.

Round trip: from_bpmn(to_bpmn(flow), category=flow.category) == flow. A flow read from several pools is
written as one process: the split a message flow became is an ordinary parallelGateway, the started
pool's steps are lanes named after its post (the pool's name), and no pool or message flow is recreated;
it reads back as the same steps and transitions, its gateways possibly in another order (the export
places each gateway after the step leading into it). With every lq: element removed it
is still == flow except risk points (reported as lost, with their number).

Checks: `check_references` (every reference resolves to an element of the right kind),
`check_diagram` (what bpmn-js needs to import without warnings: ids, incoming/outgoing lists, exactly one
DI element per drawable element) and `validate_bpmn`, which adds the OMG XSD. The XSD directory is an
argument: the app does not ship the schema, tests bring it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from liuquan.flows.bpmn_common import (
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
    Note,
    bpmn_tag,
    parse_bpmn,
    ref_id,
)
from liuquan.flows.bpmn_export import NSMAP, to_bpmn
from liuquan.flows.bpmn_import import from_bpmn

__all__ = [
    "MAX_BPMN_BYTES",
    "NSMAP",
    "NS_BPMN",
    "NS_LQ",
    "UNASSIGNED_LANE",
    "BpmnError",
    "ImportResult",
    "Note",
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
