"""Reading BPMN 2.0 XML into a Flow (pure; no Django).

The mapping decisions are written down once, in `liuquan.flows.bpmn`; this module is the reader, with the
shared vocabulary in `bpmn_common`, the fields read from documentation lines, lq: extensions and timers in
`bpmn_fields`, and message flows between pools in `bpmn_messages`. It never raises on bad input: every
fatal problem comes back in `ImportResult.problems` (and `flow` is None). Every message is a `Note` in
Chinese with English alongside.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass

from lxml import etree

from liuquan.flows.bpmn_common import (
    ACTIVITY_TAGS,
    AUTOMATIC_TAGS,
    CLOCK_STOPPING_WORDS,
    DOC_CALLS,
    DOC_GROUP,
    DOC_KEY,
    DOC_KIND,
    DOC_LIMIT,
    DOC_MEETING,
    DOC_OUTCOME,
    DOC_PUBLICITY,
    DOC_SUSPENDS,
    DOC_TRANSITION_KIND,
    EDGE_TAGS,
    FLOW_NODE_TAGS,
    GATEWAY_DOC_LABELS,
    MAX_BPMN_BYTES,
    MAX_PATH_EXPANSIONS,
    NS_BPMN,
    NS_BPMNDI,
    NS_LQ,
    QUIET_TAGS,
    STEP_DOC_LABELS,
    STEP_TAGS,
    SUBPROCESS_TAGS,
    TRANSITION_DOC_LABELS,
    TRANSITION_KIND_NAMES,
    UNASSIGNED_LANE,
    UNMAPPED_OTHER,
    UNMAPPED_WHY,
    WAIT_NAME,
    BpmnError,
    Element,
    ImportResult,
    Note,
    Reporter,
    b,
    bpmn_tag,
    clean,
    describe,
    describe_zh,
    doc_fields,
    duration_days,
    enum_value,
    event_definition,
    ext_limit,
    flag_value,
    guess_step_kind,
    guess_transition_kind,
    lq_extension,
    outcome_from_condition,
    parse_bpmn,
    parse_limit_text,
    ref_id,
)
from liuquan.flows.bpmn_ends import check_ends
from liuquan.flows.bpmn_fields import di_groups as read_di_groups
from liuquan.flows.bpmn_fields import interrupting_exit, read_flow, step_limits, timer_limit
from liuquan.flows.bpmn_fields import lanes as read_lanes
from liuquan.flows.bpmn_messages import Messages, read_messages, split_for_messages
from liuquan.flows.spec import (
    END,
    STEP_KIND_NAMES,
    Gateway,
    GatewayKind,
    Limit,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.flows.tokens import ENDS_CASE

__all__ = [  # the reader, and what callers imported from here before the vocabulary moved out
    "ACTIVITY_TAGS",
    "EDGE_TAGS",
    "FLOW_NODE_TAGS",
    "MAX_BPMN_BYTES",
    "NS_BPMN",
    "NS_BPMNDI",
    "NS_LQ",
    "UNASSIGNED_LANE",
    "BpmnError",
    "Element",
    "ImportResult",
    "Note",
    "bpmn_tag",
    "duration_days",
    "from_bpmn",
    "guess_step_kind",
    "outcome_from_condition",
    "parse_bpmn",
    "ref_id",
]


def from_bpmn(data: bytes, *, category: str, name: str | None = None) -> ImportResult:
    """Read a BPMN 2.0 document into a Flow. Never raises on bad input: see ImportResult."""
    result = ImportResult(flow=None)
    try:
        root = parse_bpmn(data)
    except BpmnError as error:
        result.problems.append(error.note)
        return result
    _Reader(root, result).read(category=category, name=name)
    if result.problems:
        result.flow = None
    return result


@dataclass
class _Path:
    flows: list[Element]  # the sequence flows walked, in order (a subprocess's entry is no flow)
    target: str  # a node id
    via: frozenset[str] = frozenset()  # the pass-through nodes walked


_WAITING_EVENTS = ("timer", "message", "signal", "conditional")


class _Reader(Reporter):
    def __init__(self, root: Element, result: ImportResult) -> None:
        super().__init__(result)
        self.root = root
        self.ids: dict[str, Element] = {}  # every element in the document with an id
        self.nodes: dict[str, Element] = {}  # the imported processes' flow nodes by id, nested ones too
        self.edges: dict[str, list[tuple[Element | None, str]]] = defaultdict(list)  # node → (flow, target)
        self.flows: list[Element] = []
        self.flow_order: dict[int, int] = {}  # id(sequenceFlow element) → document position
        self.passes: set[str] = set()  # nodes a path walks through: exclusive gateways, subprocesses …
        self.ends: set[str] = set()
        self.candidates: list[Element] = []  # what may become a step, in document order
        self.parallel: list[Element] = []
        self.event_gateways: list[Element] = []
        self.catches: list[Element] = []
        self.consumed: set[str] = set()  # catch events read as part of their event gateway's WAIT step
        self.boundaries: list[Element] = []
        self.starts: list[Element] = []  # each imported process's own start events, in pool order
        self.inner_ends: list[Element] = []
        self.subprocesses: list[Element] = []
        self.groups: list[Element] = []
        self.container: dict[str, Element | None] = {}  # node id → the subprocess it is directly in
        self.pool_post: dict[str, str] = {}  # node id → its pool's name, for a pool without lanes
        self.key_of: dict[str, str] = {}  # step or gateway element id → its key
        self.element_of: dict[str, Element] = {}  # key → element
        self.expansions = 0
        self.dropped: dict[str, list[Element]] = defaultdict(list)  # key → unmapped elements its paths hit
        self.message_flows: list[Element] = []
        self.messages = Messages()
        self.pool_of: dict[str, int] = {}  # node id → the index of its pool
        self.pool_of_process: list[Element] = []

    # --- the whole read ----------------------------------------------------------------------------

    def read(self, *, category: str, name: str | None) -> None:
        pools = self._choose_processes()
        if not pools:
            return
        for process, pool in pools:
            laneless = process.find(f"{b('laneSet')}/{b('lane')}") is None
            pool_post = clean(pool.get("name")) if len(pools) > 1 and pool is not None and laneless else ""
            self._index(process, None, pool_post, len(self.pool_of_process))
            self.pool_of_process.append(process)
        if self.result.problems:
            return
        self._link()
        if self.result.problems:
            return
        self.messages = read_messages(self, self.message_flows, self.nodes, self.pool_of)
        self.starts = [start for start in self.starts if start.get("id", "") not in self.messages.starts]
        elements = [el for el in self.candidates if el.get("id", "") not in self.consumed]
        if not elements:
            self.problem(
                "流程中没有可以作为环节的任务（task、userTask、manualTask、serviceTask、callActivity 等）",
                "the process has no task (task, userTask, manualTask or serviceTask) to make a step of",
            )
            return
        lane_of, leaf_lanes = read_lanes(
            self, [*(process for process, _ in pools), *self.subprocesses], self.nodes
        )
        self._assign_keys([*elements, *self.parallel])
        limits = step_limits(
            self, self.boundaries, self.edges, self.nodes, {el.get("id", "") for el in elements}
        )
        di_groups = read_di_groups(self, self.root, self.groups, self.ids, list(self.key_of))
        has_lanes = bool(leaf_lanes)
        steps = {
            el.get("id", ""): self._step(el, lane_of, limits, di_groups, has_lanes=has_lanes)
            for el in elements
        }
        gateways = [
            Gateway(self.key_of[el.get("id", "")], clean(el.get("name")), GatewayKind.PARALLEL)
            for el in self.parallel
        ]
        transitions, message_gateways = self._message_splits(self._transitions(elements, steps), gateways)
        gateways += message_gateways
        if self.result.problems:
            return
        first = self._first_step(steps)
        ordered = [steps[first], *(step for node_id, step in steps.items() if node_id != first)]
        check_ends(self, ordered, gateways, transitions, self.element_of, self.dropped)
        if self.result.problems:
            return
        posts = [post for process, pool in pools for post in self._pool_posts(process, pool, len(pools))]
        self.result.flow = read_flow(
            self, pools, ordered, gateways, transitions, [*leaf_lanes, *posts], category, name
        )

    def _choose_processes(self) -> list[tuple[Element, Element | None]]:
        """Every pool's process (in pool order); with no pool, the first process."""
        self.ids = {el.get("id"): el for el in self.root.iter() if isinstance(el.tag, str) and el.get("id")}
        processes = self.root.findall(b("process"))
        pools: list[tuple[Element, Element | None]] = []
        for collaboration in self.root.findall(b("collaboration")):
            for pool in collaboration.iterchildren(b("participant")):
                target = self.ids.get(ref_id(pool.get("processRef")))
                if target is not None and bpmn_tag(target) == "process":
                    if all(target is not chosen for chosen, _ in pools):
                        pools.append((target, pool))
                else:
                    self.unmapped(
                        pool,
                        "没有流程的泳池（黑盒泳池），其中没有可以作为环节的内容",
                        "a pool with no process (a black box): nothing in it to make steps of",
                    )
            self.message_flows += collaboration.iterchildren(b("messageFlow"))
        if not processes:
            self.problem("文件中没有流程（bpmn:process）", "the document has no bpmn:process")
            return []
        if not pools:
            pools = [(processes[0], None)]
        others = [process for process in processes if all(process is not chosen for chosen, _ in pools)]
        if others:
            chosen_en = ", ".join(describe(process) for process, _ in pools)
            chosen_zh = "、".join(describe_zh(process) for process, _ in pools)
            self.warn(
                f"文件中有 {len(processes)} 个流程，只导入 {chosen_zh}",
                f"the document has {len(processes)} processes; importing {chosen_en} only",
            )
            for other in others:
                self.unmapped(other, "不在任何泳池中的另一个流程", "another process")
        return pools

    def _index(self, container: Element, sub: Element | None, pool_post: str, pool: int) -> None:
        for child in container:
            tag = bpmn_tag(child)
            if tag is None or tag in QUIET_TAGS:
                continue
            node_id = child.get("id", "")
            if tag in FLOW_NODE_TAGS:
                if not node_id or node_id in self.nodes:
                    which_zh, which_en = ("重复的", "a duplicate") if node_id else ("没有", "no")
                    self.problem(
                        f"{describe_zh(child)} 的 id {which_zh}", f"{describe(child)} has {which_en} id"
                    )
                self.nodes[node_id] = child
                self.container[node_id] = sub
                self.pool_of[node_id] = pool
                if pool_post:
                    self.pool_post[node_id] = pool_post
            if tag in STEP_TAGS or tag in ("callActivity", "receiveTask"):
                self.candidates.append(child)
            elif tag in AUTOMATIC_TAGS:
                self.passes.add(node_id)
                self.unmapped(
                    child,
                    "自动任务不由岗位办理，不作为环节；流程从它直接通过",
                    "an automatic task is done by no post, so it makes no step; the flow passes through it",
                )
            elif tag in SUBPROCESS_TAGS:
                self.passes.add(node_id)
                self.subprocesses.append(child)
                self._index(child, child, pool_post, pool)
            elif tag == "exclusiveGateway":
                self.passes.add(node_id)
            elif tag == "parallelGateway":
                self.parallel.append(child)
            elif tag == "inclusiveGateway":
                self.problem(
                    f"{describe_zh(child)}：包容网关走所有条件成立的分支，权力运行流程无法表达“其中几条同时走”；"
                    "请改为排他网关（只走一条）或并行网关（全部都走）",
                    f"{describe(child)}: an inclusive gateway takes every branch whose condition holds, which a "
                    "liuquan flow cannot express; make it an exclusive gateway (one branch) or a parallel "
                    "gateway (every branch)",
                )
            elif tag == "complexGateway":
                self.problem(
                    f"{describe_zh(child)}：复杂网关的分支与汇合由表达式决定，权力运行流程无法表达；"
                    "请改为排他网关或并行网关",
                    f"{describe(child)}: a complex gateway branches and joins by an expression, which a "
                    "liuquan flow cannot express; make it an exclusive or a parallel gateway",
                )
            elif tag == "eventBasedGateway":
                self.event_gateways.append(child)
                self.candidates.append(child)
            elif tag == "intermediateCatchEvent":
                self.catches.append(child)
                self.candidates.append(child)
            elif tag == "intermediateThrowEvent":
                self.passes.add(node_id)
                if event_definition(child)[0] != "link":
                    self.unmapped(
                        child,
                        "抛出事件不等待任何事，流程从它直接通过",
                        "a throw event waits for nothing; the flow passes through it",
                    )
            elif tag == "startEvent":
                if sub is None:
                    self.starts.append(child)
                else:
                    self.passes.add(node_id)
            elif tag == "endEvent":
                if sub is None:
                    self.ends.add(node_id)
                else:
                    self.inner_ends.append(child)
            elif tag == "boundaryEvent":
                self.boundaries.append(child)
            elif tag == "sequenceFlow":
                self.flows.append(child)
            elif tag == "group":
                self.groups.append(child)
            else:
                self.unmapped(child, *UNMAPPED_WHY.get(tag, UNMAPPED_OTHER))

    def _link(self) -> None:
        """Sequence flows become edges; subprocesses, link events and event gateways are wired in."""
        for position, flow in enumerate(self.flows):
            self.flow_order[id(flow)] = position
            flow_id = flow.get("id", "")
            for attribute in ("sourceRef", "targetRef"):
                ref = flow.get(attribute, "")
                if ref in self.nodes:
                    continue
                if ref in self.ids:
                    self.problem(
                        f"顺序流“{flow_id}”的 {attribute}“{ref}”不是本流程的流程节点",
                        f'sequence flow "{flow_id}": {attribute} "{ref}" is no flow node of this process',
                    )
                else:
                    self.problem(
                        f"顺序流“{flow_id}”引用了不存在的 id“{ref}”（{attribute}）",
                        f'sequence flow "{flow_id}" references missing id "{ref}" ({attribute})',
                    )
            self.edges[flow.get("sourceRef", "")].append((flow, flow.get("targetRef", "")))
        self._link_events()
        self._link_subprocesses()
        for gateway in self.event_gateways:
            for _, target in self.edges.get(gateway.get("id", ""), []):
                element = self.nodes.get(target)
                if element is not None and bpmn_tag(element) in ("intermediateCatchEvent", "receiveTask"):
                    self.consumed.add(target)
        for event in self.catches:
            event_id = event.get("id", "")
            kind = event_definition(event)[0]
            if event_id in self.consumed or kind in _WAITING_EVENTS:
                continue
            self.consumed.add(event_id)
            self.passes.add(event_id)
            if kind != "link":
                self.unmapped(
                    event,
                    "只有定时、消息、信号和条件事件表示等待；流程从它直接通过",
                    "only a timer, message, signal or conditional event is a wait; the flow passes through it",
                )

    def _link_events(self) -> None:
        """A link throw event goes on at the link catch event of the same name (an off-page connector)."""
        catches: dict[str, str] = {}
        for event in self.catches:
            kind, definition = event_definition(event)
            if kind == "link":
                catches.setdefault(
                    clean(definition.get("name")) or clean(event.get("name")), event.get("id", "")
                )
        for node_id, element in self.nodes.items():
            kind, definition = event_definition(element)
            if bpmn_tag(element) == "intermediateThrowEvent" and kind == "link":
                target = catches.get(clean(definition.get("name")) or clean(element.get("name")))
                if target is None:
                    self.unmapped(element, "找不到同名的链接捕获事件", "no link catch event has its name")
                else:
                    self.edges[node_id].append((None, target))

    def _link_subprocesses(self) -> None:
        """A subprocess is flattened: a path into it goes on at its start's first node, and its end events
        (and inner nodes with no way on) continue along the subprocess's own outgoing flows."""
        leaving = {
            sub.get("id", ""): list(self.edges.get(sub.get("id", ""), [])) for sub in self.subprocesses
        }
        for sub in self.subprocesses:
            sub_id = sub.get("id", "")
            inner = [
                node for node in sub if bpmn_tag(node) in FLOW_NODE_TAGS and bpmn_tag(node) != "boundaryEvent"
            ]
            if not inner:
                self.edges[sub_id] = leaving[sub_id]
                self.unmapped(
                    sub, "子流程是空的，流程从它直接通过", "an empty subprocess; the flow passes through it"
                )
                continue
            entries = [node for node in inner if bpmn_tag(node) == "startEvent"]
            if not entries:
                entered = {target for node in inner for _, target in self.edges.get(node.get("id", ""), [])}
                entries = [node for node in inner if node.get("id", "") not in entered]
            if bpmn_tag(sub) == "adHocSubProcess":
                self.warn(
                    f"{describe_zh(sub)}：自由子流程中的任务没有先后，按“办理其中之一”读入",
                    f"{describe(sub)}: the tasks of an ad-hoc subprocess have no order; read as alternatives "
                    "(one of them is done)",
                )
            self.edges[sub_id] = [(None, node.get("id", "")) for node in entries]
            for node in inner:
                node_id = node.get("id", "")
                if bpmn_tag(node) == "endEvent":
                    if leaving[sub_id]:
                        self.passes.add(node_id)
                        self.edges[node_id] = leaving[sub_id]
                    else:
                        self.ends.add(node_id)
                elif not self.edges.get(node_id) and bpmn_tag(node) != "startEvent" and leaving[sub_id]:
                    self.edges[node_id] = leaving[sub_id]

    # --- lanes, keys, limits, groups ---------------------------------------------------------------

    def _lane(self, node_id: str, lane_of: dict[str, str]) -> str | None:
        """The node's own lane, else its subprocess's (nested ones too), else its pool's name."""
        current: str | None = node_id
        while current:
            if current in lane_of:
                return lane_of[current]
            sub = self.container.get(current)
            current = sub.get("id", "") if sub is not None else None
        return self.pool_post.get(node_id)

    def _pool_posts(self, process: Element, pool: Element | None, pools: int) -> list[str]:
        laneless = process.find(f"{b('laneSet')}/{b('lane')}") is None
        return [clean(pool.get("name"))] if pools > 1 and pool is not None and laneless else []

    def _wanted_key(self, element: Element) -> str:
        fields, _ = doc_fields(element, GATEWAY_DOC_LABELS)
        if DOC_KEY in fields:
            return fields[DOC_KEY][0]
        ext = lq_extension(element, "step")
        ext = lq_extension(element, "gateway") if ext is None else ext
        return (ext.get("key") or "").strip() if ext is not None else ""

    def _assign_keys(self, elements: list[Element]) -> None:
        wanted = {element.get("id", ""): self._wanted_key(element) for element in elements}
        taken = set(wanted.values())
        used: set[str] = set()
        for element in elements:
            node_id = element.get("id", "")
            key = wanted[node_id]
            if key and (key == END or key in used):
                self.warn(
                    f"{describe_zh(element)}：编码“{key}”保留或已被占用，改由 id 生成",
                    f'{describe(element)}: step key "{key}" is reserved or taken; deriving one from the id',
                )
                key = ""
            if not key:
                base = re.sub(r"[^0-9a-z]+", "_", node_id.lower()).strip("_") or "step"
                base = f"step_{base}" if base[0].isdigit() or base == END else base
                key, number = base, 2
                while key in used or key in taken:
                    key, number = f"{base}_{number}", number + 1
            used.add(key)
            self.key_of[node_id] = key
            self.element_of[key] = element

    # --- steps -------------------------------------------------------------------------------------

    def _step(
        self,
        element: Element,
        lane_of: dict[str, str],
        limits: dict[str, Limit],
        di_groups: dict[str, str],
        *,
        has_lanes: bool,
    ) -> Step:
        node_id, tag = element.get("id", ""), bpmn_tag(element)
        key = self.key_of[node_id]
        ext = lq_extension(element, "step")
        fields, note = doc_fields(element, STEP_DOC_LABELS)
        ours = DOC_KIND in fields  # our own documentation block: what it leaves out is "no"/""
        implied = (
            StepKind.CALL
            if tag == "callActivity"
            else StepKind.WAIT
            if tag in ("eventBasedGateway", "intermediateCatchEvent", "receiveTask")
            else None
        )
        name = clean(element.get("name"))
        if not name and implied == StepKind.WAIT:
            name = WAIT_NAME
        elif not name:
            self.warn(
                f"{describe_zh(element)} 没有名称，环节以编码命名",
                f"{describe(element)} has no name; the step is named after its key",
            )
            name = key
        named_kinds = {text: kind for kind, text in STEP_KIND_NAMES.items()}
        kind = named_kinds.get(fields[DOC_KIND][0]) if ours else None
        kind = kind or (enum_value(ext.get("kind"), StepKind) if ext is not None else None) or implied
        kind = kind or guess_step_kind(name)
        lane = self._lane(node_id, lane_of)
        if lane is None and (performer := self._performer(element)):
            lane = performer
            self.warn(
                f"{describe_zh(element)} 不在泳道中，岗位取自其候选组或处理人「{performer}」，请核对是否为本单位的岗位名称",
                f"{describe(element)} is in no lane; its post is taken from its candidate group or performer "
                f"“{performer}”: check it names a post of the unit",
            )
        if lane is None and has_lanes:
            self.warn(
                f"{describe_zh(element)} 不在任何泳道中，环节没有岗位",
                f"{describe(element)} is in no lane; the step has no post",
            )

        def flag(label: str, attribute: str, guess: bool) -> bool:
            if ours:
                return fields.get(label, ["否"])[0] == "是"
            value = flag_value(ext, attribute)
            return guess if value is None else value

        limit = limits.get(node_id)
        if limit is None and DOC_LIMIT in fields:
            limit = parse_limit_text(fields[DOC_LIMIT][0])
        if limit is None:
            limit = ext_limit(lq_extension(element, "limit"))
        calls = (
            fields[DOC_CALLS][0]
            if DOC_CALLS in fields
            else (ext.get("calls") or "" if ext is not None else "")
        )
        if not calls and not ours and tag == "callActivity":
            calls = ref_id(element.get("calledElement"))
        if ours:
            group = fields.get(DOC_GROUP, [""])[0]
        elif ext is not None and ext.get("group") is not None:
            group = ext.get("group") or ""
        else:
            sub = self.container.get(node_id)
            group = (
                (clean(sub.get("name")) or sub.get("id", ""))
                if sub is not None
                else di_groups.get(node_id, "")
            )
        return Step(
            key=key,
            name=name,
            kind=kind,
            post="" if lane is None or lane == UNASSIGNED_LANE else lane,
            limit=limit,
            meeting=flag(DOC_MEETING, "meeting", kind == StepKind.MEETING),
            publicity=flag(DOC_PUBLICITY, "publicity", "公示" in name),
            suspends_clock=flag(
                DOC_SUSPENDS,
                "suspendsClock",
                kind == StepKind.HEARING or any(word in name for word in CLOCK_STOPPING_WORDS),
            ),
            note=note,
            calls=calls,
            group=group,
        )

    def _performer(self, element: Element) -> str | None:
        """A post for a task outside every lane, from what modellers without lanes write instead: the
        vendors' candidate groups (camunda:, flowable:, activiti:candidateGroups, the first group), else a
        potentialOwner or humanPerformer expression that is a plain name."""
        for attribute, value in element.attrib.items():
            if etree.QName(attribute).localname == "candidateGroups" and value.strip():
                group = str(value).split(",")[0].strip()
                if group and not group.startswith(("$", "#")):
                    return group
        for tag in ("potentialOwner", "humanPerformer"):
            for role in element.iterchildren(b(tag)):
                for expression in role.iter(b("formalExpression")):
                    text = (expression.text or "").strip()
                    if text and not text.startswith(("$", "#")) and "(" not in text:
                        return str(text)
        return None

    # --- transitions -------------------------------------------------------------------------------

    def _paths(self, node_id: str) -> list[_Path]:
        """The paths from a node through pass-through nodes (exclusive gateways, subprocess borders,
        automatic tasks …) to the next node that is not one."""
        paths: list[_Path] = []
        stack: list[tuple[str, list[Element], frozenset[str]]] = [(node_id, [], frozenset())]
        while stack:
            current, flows, seen = stack.pop()
            for flow, target in reversed(self.edges.get(current, [])):
                self.expansions += 1
                if self.expansions > MAX_PATH_EXPANSIONS:
                    if self.expansions == MAX_PATH_EXPANSIONS + 1:
                        self.problem(
                            "排他网关分出的路径太多，无法读取",
                            "the exclusive gateways fan out into too many paths to read",
                        )
                    return []
                path = [*flows, flow] if flow is not None else flows
                if target not in self.passes:
                    paths.append(_Path(path, target, seen))
                elif target in seen:
                    self.warn(
                        f"网关等直通元素绕回“{target}”，中间没有环节；该路径被舍弃",
                        f'exclusive gateways loop back to "{target}" with no task between; path dropped',
                    )
                else:
                    stack.append((target, path, seen | {target}))
        paths.reverse()
        return paths

    def _timer_of(self, event: Element) -> Limit | None:
        kind, timer = event_definition(event)
        if kind != "timer":
            return None
        where = (f"定时事件“{event.get('id', '')}”", f'timer event "{event.get("id", "")}"')
        return timer_limit(self, event, timer, where, None)

    def _transitions(
        self, elements: list[Element], steps: dict[str, Step]
    ) -> list[tuple[Transition, list[Element]]]:
        """The transitions, each with the message flows sent along it."""
        found: list[tuple[tuple[int, int], Transition, list[Element]]] = []
        sources = [*elements, *self.parallel]
        for index, element in enumerate(sources):
            node_id = element.get("id", "")
            key = self.key_of[node_id]
            step = steps.get(node_id)
            routes: list[tuple[_Path, Element | None, Limit | None]] = []
            if bpmn_tag(element) == "eventBasedGateway":
                for _, target in self.edges.get(node_id, []):
                    event = self.nodes.get(target)
                    if target in self.consumed and event is not None:
                        after = self._timer_of(event)
                        routes += [(path, event, after) for path in self._paths(target)]
                    else:
                        routes += [
                            (path, None, None) for path in self._paths(node_id) if path.target == target
                        ]
            elif bpmn_tag(element) == "intermediateCatchEvent":
                after = self._timer_of(element)
                routes = [(path, None, after) for path in self._paths(node_id)]
            else:
                routes = [(path, None, None) for path in self._paths(node_id)]
                # An interrupting boundary event (申请人撤回, 异常) is one more way out of the task.
                for event in self.boundaries:
                    host = ref_id(event.get("attachedToRef"))
                    kind, _ = event_definition(event)
                    if host == node_id and kind != "timer" and interrupting_exit(event, self.edges):
                        routes += [(path, event, None) for path in self._paths(event.get("id", ""))]
            if not self.edges.get(node_id) and step is not None:
                self.warn(
                    f"环节“{step.name}”没有引出的顺序流；按 BPMN 的规定，案件在此结束",
                    f'step "{step.name}" has no outgoing flow; as in BPMN, the case ends there',
                )
                sent = self.messages.carried([node_id])
                found.append(((len(self.flow_order), index), Transition(key, "to_end", END), sent))
                if not routes:
                    continue
            seen: set[Transition] = set()  # paths that differ only in unnamed detours are one transition
            outcomes: dict[str, int] = {}  # outcome → the last number a duplicate got
            for path, event, after in routes:
                transition = self._transition(key, step, path, steps, event, after)
                if transition is None or transition in seen:
                    continue
                seen.add(transition)
                outcome = transition.outcome
                if step is not None and outcome in outcomes:
                    number = outcomes[outcome] + 1
                    while f"{outcome}_{number}" in outcomes:
                        number += 1
                    outcomes[outcome] = number
                    self.warn(
                        f"环节“{step.name}”有两个结果“{outcome}”，后者改名为“{outcome}_{number}”",
                        f'step "{step.name}" has outcome "{outcome}" twice; renamed "{outcome}_{number}"',
                    )
                    transition = dataclasses.replace(transition, outcome=f"{outcome}_{number}")
                outcomes.setdefault(transition.outcome, 1)
                last = self.flow_order.get(id(path.flows[-1]), 0) if path.flows else 0
                ending = [path.target] if path.target in self.ends else []
                sent = self.messages.carried([node_id, *sorted(path.via), *ending])
                found.append(((last, index), transition, sent))
        found.sort(key=lambda item: item[0])
        return [(transition, sent) for _, transition, sent in found]

    def _message_splits(
        self, routed: list[tuple[Transition, list[Element]]], gateways: list[Gateway]
    ) -> tuple[list[Transition], list[Gateway]]:
        """Transitions that send a message starting another pool go through a parallel split that also
        opens that pool's first steps (see bpmn_messages)."""
        openings: dict[str, list[str]] = {}
        for start_id in self.messages.starts:
            for path in self._paths(start_id):
                if path.target in self.key_of:
                    openings.setdefault(start_id, []).append(self.key_of[path.target])
                elif path.target in self.ends:
                    openings.setdefault(start_id, []).append(END)
        taken = {*self.key_of.values(), *(gateway.key for gateway in gateways)}
        transitions, added, carried = split_for_messages(routed, openings, taken)
        for messages in self.messages.starts.values():
            for message in messages:
                if id(message) not in carried:
                    self.unmapped(
                        message,
                        "没有任何流转经过它的发出者（或经过它的流转都以不予办理、终止结束案件），它启动的泳池无从开始",
                        "no transition passes its source (or every one that does ends the case), so the pool "
                        "it starts is never started",
                    )
        return transitions, added

    def _transition(
        self,
        source: str,
        step: Step | None,
        path: _Path,
        steps: dict[str, Step],
        event: Element | None,
        after: Limit | None,
    ) -> Transition | None:
        target_el = self.nodes.get(path.target)
        target_step = steps.get(path.target)
        if path.target in self.key_of:
            target = self.key_of[path.target]
            target_name = target_step.name if target_step is not None else ""
        elif path.target in self.ends:
            target, target_name = END, clean(target_el.get("name")) if target_el is not None else ""
        else:
            if target_el is not None and all(el is not target_el for el in self.dropped[source]):
                self.dropped[source].append(target_el)
                what = describe(target_el)
                self.warn(
                    f"从“{step.name if step else source}”到 {describe_zh(target_el)} 的路径被舍弃：该元素未能转换",
                    f'the path from step "{step.name if step else source}" to {what} is dropped: that element is not mapped',
                )
            return None
        lines = [doc_fields(flow, TRANSITION_DOC_LABELS) for flow in reversed(path.flows)]
        said = next((fields for fields, _ in lines if fields), {})
        exts = (lq_extension(flow, "transition") for flow in reversed(path.flows))
        ours = next((ext for ext in exts if ext is not None), None)
        names = [clean(flow.get("name")) for flow in path.flows if clean(flow.get("name"))]
        conditions = [
            "".join(condition.itertext()).strip()
            for flow in path.flows
            for condition in flow.iterchildren(b("conditionExpression"))
        ]
        condition = next((text for text in reversed(conditions) if text), "")
        told = said.get(DOC_OUTCOME, [""])[0] or (
            (ours.get("outcome") or "").strip() if ours is not None else ""
        )
        label = names[-1] if names else ""
        event_name = clean(event.get("name")) if event is not None else ""
        if not label and event_name and not told:
            label = event_name
        if step is None:  # a gateway's branch
            outcome = told or label or "go"
        else:
            outcome = told or outcome_from_condition(condition) or event_name or label or f"to_{target}"
        kinds = {text: kind for kind, text in TRANSITION_KIND_NAMES.items()}
        kind = kinds.get(said[DOC_TRANSITION_KIND][0]) if DOC_TRANSITION_KIND in said else None
        kind = kind or (enum_value(ours.get("kind"), TransitionKind) if ours is not None else None)
        if kind is None and step is None:
            kind = TransitionKind.NEXT
        if kind is None:
            # "收到补正材料" (a catch event) is no 补正; a boundary event's name is its way out (申请人撤回终止).
            boundary = event_name if event is not None and bpmn_tag(event) == "boundaryEvent" else ""
            kind = guess_transition_kind(" ".join([*names, condition, boundary]))
            if kind == TransitionKind.NEXT and target == END:
                kind = guess_transition_kind(target_name)
            if kind == TransitionKind.NEXT and target_step is not None and target_step.suspends_clock:
                kind = TransitionKind.SUSPEND
            if target == END and self.pool_of.get(path.target) in self.messages.pools and kind in ENDS_CASE:
                self.warn(  # a started pool's end ends its own process, not the case
                    f"{describe_zh(target_el)} 在由消息启动的泳池中，只结束该泳池的分支，不按“{label or target_name}”结束案件",
                    f"{describe(target_el)} is in a pool a message starts: it ends that pool's branch only, "
                    f'not the case as "{label or target_name}" suggests',
                )
                kind = TransitionKind.NEXT
        note = doc_fields(path.flows[-1], TRANSITION_DOC_LABELS)[1] if path.flows else ""
        return Transition(source, outcome, target, kind, label, note, after)

    def _first_step(self, steps: dict[str, Step]) -> str:
        step_ids = list(steps)
        for extra in self.starts[1:]:
            self.unmapped(
                extra,
                "又一个开始事件：流程只从第一个泳池的第一个开始事件开始",
                "a second start event: a flow starts at the first pool's first start event only",
            )
        if len(self.starts) > 1:
            self.warn(
                f"流程有 {len(self.starts)} 个开始事件，从第一个开始",
                f"the process has {len(self.starts)} start events; the first one starts the flow",
            )
        for start in self.starts:
            if event_definition(start)[0] == "timer":
                self.unmapped(
                    start,
                    "定时开始事件的定时不被保留：案件因申请或立案而开始，不按时钟开始；流程从它连接的环节开始",
                    "the timer of a timer start event is not kept: a case starts with an application or a "
                    "filing, not on a clock; the flow starts at the step it leads to",
                )
        if self.starts:
            reached = [path.target for path in self._paths(self.starts[0].get("id", ""))]
            candidates = [target for target in reached if target in steps]
            if not candidates:
                gateways = [target for target in reached if target in self.key_of]
                for gateway in gateways:
                    candidates += [path.target for path in self._paths(gateway) if path.target in steps]
                if candidates:
                    self.warn(
                        "开始事件连到并行网关；流程从环节开始，故从网关后的第一个环节开始",
                        "the start event leads to a parallel gateway; a flow starts at a step, so the first "
                        "step after the gateway starts it",
                    )
            if candidates:
                if len(set(candidates)) > 1:
                    self.warn(
                        "开始事件连到多个环节，从其中第一个开始",
                        "the start event leads to several tasks; the first of them starts the flow",
                    )
                return candidates[0]
            self.warn(
                "开始事件没有连到任何环节，从第一个没有来路的环节开始",
                "the start event leads to no task; the first task without incoming flow starts the flow",
            )
        else:
            self.warn(
                "流程没有开始事件，从第一个没有来路的环节开始",
                "the process has no start event; the first task without incoming flow starts the flow",
            )
        targets = {target for edges in self.edges.values() for _, target in edges}
        return next((node_id for node_id in step_ids if node_id not in targets), step_ids[0])
