"""Reading BPMN 2.0 XML into a Flow (pure; no Django), and the vocabulary the BPMN modules share.

The mapping decisions are written down once, in `liuquan.flows.bpmn`; this module is the reader. It never
raises on bad input: every fatal problem comes back in `ImportResult.problems` (and `flow` is None). Every
message is a `Note` in Chinese with English alongside.
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
    SANCTION_NAMES,
    STEP_KIND_NAMES,
    Call,
    DayKind,
    Flow,
    Gateway,
    GatewayKind,
    Limit,
    RiskLevel,
    RiskPoint,
    Sanction,
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
# Engines' due dates on a user task (camunda:dueDate, flowable:dueDate, activiti:dueDate)
DUE_DATE_NAMESPACES = (
    "http://camunda.org/schema/1.0/bpmn",
    "http://flowable.org/bpmn",
    "http://activiti.org/bpmn",
)

MAX_BPMN_BYTES = 5 * 1024 * 1024  # refused before parsing
UNASSIGNED_LANE = "未指定岗位"  # the lane of steps whose post is ""
MAX_PATH_EXPANSIONS = 10_000  # chains of gateways can fan out exponentially in a hostile file
WAIT_NAME = "等待"  # the name of a WAIT step whose gateway has none
SECONDS_PER_DAY = 86_400

STEP_TAGS = frozenset({"task", "userTask", "manualTask", "serviceTask"})
AUTOMATIC_TAGS = frozenset({"scriptTask", "sendTask", "businessRuleTask"})  # passed through
TASK_TAGS = STEP_TAGS | AUTOMATIC_TAGS | {"receiveTask"}
SUBPROCESS_TAGS = frozenset({"subProcess", "adHocSubProcess", "transaction"})
ACTIVITY_TAGS = TASK_TAGS | SUBPROCESS_TAGS | {"callActivity"}
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
    | {"multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "completionCondition"}
    | {"incoming", "outgoing"}  # a subprocess's own lists, met when its children are read
)
_EVENT_DEFINITIONS = ("timer", "message", "signal", "conditional", "link", "error", "escalation")

TAG_NAMES: dict[str, str] = {  # element kinds as a Chinese reader calls them
    "task": "任务",
    "userTask": "用户任务",
    "manualTask": "人工任务",
    "serviceTask": "服务任务",
    "scriptTask": "脚本任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "businessRuleTask": "业务规则任务",
    "callActivity": "调用活动",
    "subProcess": "子流程",
    "adHocSubProcess": "自由子流程",
    "transaction": "事务子流程",
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件",
    "boundaryEvent": "边界事件",
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "complexGateway": "复杂网关",
    "eventBasedGateway": "事件网关",
    "sequenceFlow": "顺序流",
    "messageFlow": "消息流",
    "association": "关联",
    "dataObject": "数据对象",
    "dataObjectReference": "数据对象引用",
    "dataStoreReference": "数据存储引用",
    "textAnnotation": "文本注释",
    "group": "分组",
    "participant": "泳池",
    "process": "流程",
}

# Transition kinds as written in a sequence flow's documentation line 流转类型：…
TRANSITION_KIND_NAMES: dict[TransitionKind, str] = {
    TransitionKind.NEXT: "通过",
    TransitionKind.REJECT: "不予办理",
    TransitionKind.CORRECTION: "补正",
    TransitionKind.EXTEND: "延期",
    TransitionKind.SUSPEND: "中止计时",
    TransitionKind.RETURN: "退回",
    TransitionKind.TERMINATE: "终止",
}
DAY_KIND_NAMES: dict[DayKind, str] = {DayKind.WORKING: "工作日", DayKind.NATURAL: "自然日"}

# The standard-BPMN carrier: lines "标签：值" in bpmn:documentation, one field a line, in a fixed form any
# tool keeps. Which labels each element may carry, and the form a value must have to be read.
DOC_KEY, DOC_KIND, DOC_LIMIT, DOC_GROUP, DOC_CALLS = "编码", "环节类型", "时限", "分组", "调用事项"
DOC_AFTER = "等待"  # on a timer catch event: how long the wait lasts before it goes on by itself
DOC_MEETING, DOC_PUBLICITY, DOC_SUSPENDS = "上会", "公示", "不计时"
DOC_OUTCOME, DOC_TRANSITION_KIND = "结果", "流转类型"
DOC_CASE_LIMIT, DOC_EXTENSION, DOC_LIMIT_BASIS = "办理时限", "延期时限", "时限依据"
DOC_POSTS, DOC_SEPARATION, DOC_RISKS = "岗位顺序", "分岗设权", "风险点"
DOC_SANCTIONS, DOC_MAX_AMOUNT = "处罚种类", "罚没上限"
_LIMIT_FORM = r"(\d+)个(工作日|自然日)"
_DOC_FORMS: dict[str, re.Pattern[str]] = {
    DOC_KEY: re.compile(r".+"),
    DOC_KIND: re.compile("|".join(STEP_KIND_NAMES.values())),
    DOC_LIMIT: re.compile(_LIMIT_FORM),
    DOC_AFTER: re.compile(_LIMIT_FORM),
    DOC_GROUP: re.compile(r".+"),
    DOC_CALLS: re.compile(r"\S+"),
    DOC_MEETING: re.compile("是|否"),
    DOC_PUBLICITY: re.compile("是|否"),
    DOC_SUSPENDS: re.compile("是|否"),
    DOC_OUTCOME: re.compile(r".+"),
    DOC_TRANSITION_KIND: re.compile("|".join(TRANSITION_KIND_NAMES.values())),
    DOC_CASE_LIMIT: re.compile(_LIMIT_FORM),
    DOC_EXTENSION: re.compile(_LIMIT_FORM),
    DOC_LIMIT_BASIS: re.compile(r"\S+"),
    DOC_POSTS: re.compile(r".*"),
    DOC_SEPARATION: re.compile(r"(?P<name>[^；]*)；环节：(?P<steps>[^；]*)(?:；依据：(?P<basis>.*))?"),
    DOC_RISKS: re.compile(r"(\d+)项.*"),
    DOC_SANCTIONS: re.compile(r"[^、]+(?:、[^、]+)*"),
    DOC_MAX_AMOUNT: re.compile(r"(\d+)元"),
}
STEP_DOC_LABELS = frozenset(
    {DOC_KEY, DOC_KIND, DOC_LIMIT, DOC_GROUP, DOC_CALLS, DOC_MEETING, DOC_PUBLICITY, DOC_SUSPENDS}
    | {DOC_AFTER}  # a one-way WAIT is a timer catch event: its 等待 line is the timer's, not the note's
)
TRANSITION_DOC_LABELS = frozenset({DOC_OUTCOME, DOC_TRANSITION_KIND})
GATEWAY_DOC_LABELS = frozenset({DOC_KEY})
TIMER_DOC_LABELS = frozenset({DOC_LIMIT})
WAIT_TIMER_DOC_LABELS = frozenset({DOC_AFTER})
FLOW_DOC_LABELS = frozenset(
    {DOC_CASE_LIMIT, DOC_EXTENSION, DOC_LIMIT_BASIS, DOC_POSTS, DOC_SEPARATION, DOC_RISKS}
    | {DOC_SANCTIONS, DOC_MAX_AMOUNT}
)
LIST_SEPARATOR = "、"

Element = Any  # lxml ships no type information


@dataclass(frozen=True)
class Note:
    """One import message: Chinese for the interface, English alongside (logs, the CLI's --json)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    def text(self, language: str) -> str:
        """The message in a Django language code's language ("en", "zh-hans")."""
        return self.en if language.startswith("en") else self.zh

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


class BpmnError(ValueError):
    """A document that cannot be read as BPMN at all, or a Flow that cannot be written as BPMN.
    `str()` is English; `zh` says the same in Chinese."""

    def __init__(self, en: str, zh: str = "") -> None:
        super().__init__(en)
        self.zh = zh or en

    @property
    def note(self) -> Note:
        return Note(self.zh, str(self))


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


def describe_zh(element: Element) -> str:
    tag = etree.QName(element).localname if isinstance(element.tag, str) else "node"
    return f"{TAG_NAMES.get(tag, '元素')} {describe(element)}"


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


def doc_fields(element: Element, labels: frozenset[str]) -> tuple[dict[str, list[str]], str]:
    """The "标签：值" lines of an element's documentation that carry one of `labels` in its fixed form, and
    the rest of the documentation (the note) with those lines taken out."""
    fields: dict[str, list[str]] = defaultdict(list)
    texts = []
    for doc in element.iterchildren(b("documentation")):
        kept = []
        for line in "".join(doc.itertext()).split("\n"):
            label, colon, value = line.strip().partition("：")
            if colon and label in labels and _DOC_FORMS[label].fullmatch(value.strip()):
                fields[label].append(value.strip())
            else:
                kept.append(line)
        text = "\n".join(kept).strip()
        if text:
            texts.append(text)
    return dict(fields), "\n".join(texts)


def limit_text(limit: Limit) -> str:
    """ "5个工作日": a limit as documentation lines and timer names write it."""
    return f"{limit.days}个{DAY_KIND_NAMES[limit.kind]}"


def parse_limit_text(text: str) -> Limit | None:
    match = re.fullmatch(_LIMIT_FORM, text.strip())
    if match is None or int(match.group(1)) <= 0:
        return None
    kind = DayKind.WORKING if match.group(2) == "工作日" else DayKind.NATURAL
    return Limit(int(match.group(1)), kind)


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
        raise BpmnError(
            f"the file is {len(data)} bytes; a BPMN import may be at most {MAX_BPMN_BYTES} bytes",
            f"文件有 {len(data)} 字节，导入的 BPMN 文件最多 {MAX_BPMN_BYTES} 字节",
        )
    if _declares_dtd(data):
        raise BpmnError(
            "refusing a document with a DOCTYPE or ENTITY declaration: BPMN needs neither, "
            "and they can expand entities without bound or read local files",
            "拒绝含 DOCTYPE 或 ENTITY 声明的文件：BPMN 不需要它们，而它们可以无限展开实体或读取本机文件",
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        message = re.sub(r", line \d+, column \d+$", "", error.msg)
        raise BpmnError(
            f"not XML: line {line}, column {column}: {message}",
            f"不是 XML 文件：第 {line} 行第 {column} 列：{message}",
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BpmnError("refusing a document with a DOCTYPE declaration", "拒绝含 DOCTYPE 声明的文件")
    if not isinstance(root.tag, str) or root.tag != b("definitions"):
        raise BpmnError(
            f"not a BPMN 2.0 definitions document: root is {root.tag}",
            f"不是 BPMN 2.0 文件（definitions）：根元素是 {root.tag}",
        )
    return root


@dataclass
class ImportResult:
    """What from_bpmn made of a document. `flow` is None exactly when `problems` is not empty."""

    flow: Flow | None
    problems: list[Note] = field(default_factory=list)  # fatal: no flow was made
    unmapped: list[Note] = field(default_factory=list)  # elements left out, each with tag, id, name and why
    warnings: list[Note] = field(
        default_factory=list
    )  # guesses and things dropped that the user should check

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        """The messages as JSON wants them: {"problems": [{"zh", "en"}], "warnings": …, "unmapped": …}."""
        return {
            "problems": [note.as_dict() for note in self.problems],
            "warnings": [note.as_dict() for note in self.warnings],
            "unmapped": [note.as_dict() for note in self.unmapped],
        }


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


def duration_seconds(text: str) -> float | None:
    """Seconds in an ISO 8601 duration; None for years or months (they vary in length) and non-durations."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        return None
    parts = {key: float(value or 0) for key, value in match.groupdict().items()}
    if parts["years"] or parts["months"]:
        return None
    hours = (parts["weeks"] * 7 + parts["days"]) * 24 + parts["hours"]
    seconds = hours * 3600 + parts["minutes"] * 60 + parts["seconds"]
    return seconds if seconds > 0 else None


def duration_days(text: str) -> int | None:
    """Whole days (rounded up) in an ISO 8601 duration of at least one day; None for anything shorter
    (PT2M is no day limit), for years or months, and for what is no duration."""
    seconds = duration_seconds(text)
    if seconds is None or seconds < SECONDS_PER_DAY:
        return None
    return math.ceil(seconds / SECONDS_PER_DAY)


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


def _event_definition(event: Element) -> tuple[str, Element]:
    """The kind of an event ("timer", "message" …, "" for none) and its definition element (None if none)."""
    for kind in _EVENT_DEFINITIONS:
        found = event.find(b(f"{kind}EventDefinition"))
        if found is not None:
            return kind, found
    return "", None


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for neighbour in edges.get(queue.popleft(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return seen


@dataclass
class _Path:
    flows: list[Element]  # the sequence flows walked, in order (a subprocess's entry is no flow)
    target: str  # a node id


_WAITING_EVENTS = ("timer", "message", "signal", "conditional")
_DATA_WHY = (
    "数据不决定案件走向；案件材料在案卷中管理",
    "data decides no path; a case's materials are kept in its file",
)
_NOTE_WHY = (
    "给读者的注释，不影响流程，其文字不保留",
    "a note for readers: it changes no path and its text is not kept",
)
_UNMAPPED_WHY: dict[str, tuple[str, str]] = {
    "dataObject": _DATA_WHY,
    "dataObjectReference": _DATA_WHY,
    "dataStoreReference": _DATA_WHY,
    "dataInput": _DATA_WHY,
    "dataOutput": _DATA_WHY,
    "textAnnotation": _NOTE_WHY,
    "association": _NOTE_WHY,
}
_UNMAPPED_OTHER = ("权力运行流程中没有与它对应的内容", "a liuquan flow has no counterpart for it")


class _Reader:
    def __init__(self, root: Element, result: ImportResult) -> None:
        self.root = root
        self.result = result
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

    # --- messages ----------------------------------------------------------------------------------

    def problem(self, zh: str, en: str) -> None:
        self.result.problems.append(Note(zh, en))

    def warn(self, zh: str, en: str) -> None:
        self.result.warnings.append(Note(zh, en))

    def unmapped(self, element: Element, zh: str = "", en: str = "") -> None:
        self.result.unmapped.append(
            Note(
                describe_zh(element) + (f"：{zh}" if zh else ""),
                describe(element) + (f": {en}" if en else ""),
            )
        )

    # --- the whole read ----------------------------------------------------------------------------

    def read(self, *, category: str, name: str | None) -> None:
        pools = self._choose_processes()
        if not pools:
            return
        for process, pool in pools:
            laneless = process.find(f"{b('laneSet')}/{b('lane')}") is None
            pool_post = clean(pool.get("name")) if len(pools) > 1 and pool is not None and laneless else ""
            self._index(process, None, pool_post)
        if self.result.problems:
            return
        self._link()
        if self.result.problems:
            return
        elements = [el for el in self.candidates if el.get("id", "") not in self.consumed]
        if not elements:
            self.problem(
                "流程中没有可以作为环节的任务（task、userTask、manualTask、serviceTask、callActivity 等）",
                "the process has no task (task, userTask, manualTask or serviceTask) to make a step of",
            )
            return
        lane_of, leaf_lanes = self._lanes([process for process, _ in pools])
        self._assign_keys([*elements, *self.parallel])
        limits = self._limits({el.get("id", "") for el in elements})
        di_groups = self._di_groups()
        has_lanes = bool(leaf_lanes)
        steps = {
            el.get("id", ""): self._step(el, lane_of, limits, di_groups, has_lanes=has_lanes)
            for el in elements
        }
        gateways = [
            Gateway(self.key_of[el.get("id", "")], clean(el.get("name")), GatewayKind.PARALLEL)
            for el in self.parallel
        ]
        transitions = self._transitions(elements, steps)
        if self.result.problems:
            return
        first = self._first_step(steps)
        ordered = [steps[first], *(step for node_id, step in steps.items() if node_id != first)]
        self._check_ends(ordered, gateways, transitions)
        if self.result.problems:
            return
        posts = [post for process, pool in pools for post in self._pool_posts(process, pool, len(pools))]
        self.result.flow = self._flow(
            pools, ordered, gateways, transitions, [*leaf_lanes, *posts], category, name
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
            for message in collaboration.iterchildren(b("messageFlow")):
                self.unmapped(
                    message,
                    "消息流只在泳池之间传递消息，不决定案件走向；权力运行流程中没有对应的流转",
                    "a message flow passes a message between pools and decides no path; a liuquan flow has "
                    "no counterpart",
                )
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

    def _index(self, container: Element, sub: Element | None, pool_post: str) -> None:
        for child in container:
            tag = bpmn_tag(child)
            if tag is None or tag in _QUIET_TAGS:
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
                self._index(child, child, pool_post)
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
                if _event_definition(child)[0] != "link":
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
                self.unmapped(child, *_UNMAPPED_WHY.get(tag, _UNMAPPED_OTHER))

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
            kind = _event_definition(event)[0]
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
            kind, definition = _event_definition(event)
            if kind == "link":
                catches.setdefault(
                    clean(definition.get("name")) or clean(event.get("name")), event.get("id", "")
                )
        for node_id, element in self.nodes.items():
            kind, definition = _event_definition(element)
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

    def _lanes(self, containers: list[Element]) -> tuple[dict[str, str], list[str]]:
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
                            f"泳道“{lane_name}”列出的“{node_id}”不是流程中的节点",
                            f'lane "{lane_name}" lists "{node_id}", which is no flow node of the process',
                        )
                    elif node_id not in lane_of or lane_of[node_id][0] <= depth:
                        lane_of[node_id] = (depth, lane_name)
                children = lane.findall(b("childLaneSet"))
                for child in children:
                    walk(child, depth + 1)
                if not children:
                    leaves.append(lane_name)

        for container in [*containers, *self.subprocesses]:
            for lane_set in container.iterchildren(b("laneSet")):
                walk(lane_set, 0)
        return {node_id: lane for node_id, (_, lane) in lane_of.items()}, leaves

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

    def _limits(self, step_ids: set[str]) -> dict[str, Limit]:
        limits: dict[str, Limit] = {}
        for event in self.boundaries:
            host = ref_id(event.get("attachedToRef"))
            kind, timer = _event_definition(event)
            if host not in step_ids or kind != "timer":
                self.unmapped(
                    event,
                    "只有环节（任务）上的定时器才表示环节的时限",
                    "only a timer on a task becomes a step's time limit",
                )
                continue
            if self.edges.get(event.get("id", "")):
                self.warn(
                    f"定时器 {describe_zh(event)} 引出的顺序流被忽略：时限用于预警，不改变案件走向",
                    f"the flows leaving timer {describe(event)} are ignored: a limit raises alerts, not paths",
                )
            host_name = clean(self.nodes[host].get("name")) or host
            if host in limits:
                self.warn(
                    f"任务“{host_name}”有不止一个定时器，{describe_zh(event)} 被忽略",
                    f'task "{host_name}" has more than one timer; {describe(event)} is ignored',
                )
                continue
            where = (
                f"任务“{host_name}”上的定时器“{event.get('id', '')}”",
                f'timer "{event.get("id", "")}" on task "{host_name}"',
            )
            limit = self._timer_limit(event, timer, where, self.nodes[host])
            if limit is not None:
                limits[host] = limit
        for step_id in sorted(step_ids, key=list(self.nodes).index):
            self._due_date(self.nodes[step_id], limits)
        return limits

    def _due_date(self, task: Element, limits: dict[str, Limit]) -> None:
        """camunda:dueDate and its kin: an ISO duration is the step's limit, in natural days."""
        due = next(
            (task.get(f"{{{ns}}}dueDate") for ns in DUE_DATE_NAMESPACES if task.get(f"{{{ns}}}dueDate")), None
        )
        if due is None:
            return
        task_id, text = task.get("id", ""), due.strip()
        where = (f"{describe_zh(task)} 的 dueDate“{text}”", f'{describe(task)}: dueDate "{text}"')
        if task_id in limits:
            self.warn(
                f"{where[0]}被忽略：该任务已有定时器给出的时限",
                f"{where[1]} is ignored: a timer on the task gives its limit",
            )
            return
        seconds = duration_seconds(text)
        if seconds is None:
            self.warn(
                f"{where[0]}不是以周、日或小时计的时长（是日期、表达式或月、年），环节没有时限",
                f"{where[1]} is no duration in weeks, days or hours (a date, an expression, months or years); "
                "the step gets no time limit",
            )
        elif seconds < SECONDS_PER_DAY:
            self.warn(
                f"{where[0]}短于一天；时限按整日计算，环节没有时限",
                f"{where[1]} is shorter than a day; limits count whole days, so the step gets no time limit",
            )
        else:
            days = math.ceil(seconds / SECONDS_PER_DAY)
            limits[task_id] = Limit(days, DayKind.NATURAL)
            self.warn(
                f"{where[0]}读作 {days} 个自然日（ISO 8601 时长不分工作日）；如指工作日请修改环节时限",
                f"{where[1]} read as {days} natural days (ISO 8601 durations know no working days); change the "
                "step's limit to working days if that is what it means",
            )

    def _timer_limit(
        self, event: Element, timer: Element, where: tuple[str, str], host: Element | None
    ) -> Limit | None:
        """A timer's duration as a limit. The day kind: lq:limit, else the timer's own name or
        documentation ("5个工作日"), else the host step's 时限 line, if they give the same days.
        `host` is the task a boundary timer sits on; None for a timer catch event (a wait), whose day kind
        travels in lq:after and the line 等待：… instead."""
        zh, en = where
        duration = timer.find(b("timeDuration"))
        text = "".join(duration.itertext()).strip() if duration is not None else ""
        if not text:
            other = next((tag for tag in ("timeDate", "timeCycle") if timer.find(b(tag)) is not None), "")
            if other:
                self.warn(
                    f"{zh}给的是 {other}（日期或周期），不是时长（timeDuration），不能作为时限",
                    f"{en} has a {other}, not a duration (timeDuration); it gives no time limit",
                )
            else:
                self.warn(
                    f"{zh}没有时长（timeDuration），不能作为时限",
                    f"{en} has no duration (timeDuration); the step gets no time limit",
                )
            return None
        seconds = duration_seconds(text)
        if seconds is None:
            self.warn(
                f"{zh}：“{text}”不是以周、日或小时计的时长，不能作为时限",
                f'{en}: "{text}" is not a duration in weeks, days or hours; the step gets no time limit',
            )
            return None
        if seconds < SECONDS_PER_DAY:
            self.warn(
                f"{zh}：{text} 短于一天；时限按整日计算，不作为时限（不会当作 1 日）",
                f"{en}: {text} is shorter than a day; limits count whole days, so it gives no time limit "
                "(it is not taken as 1 day)",
            )
            return None
        days = math.ceil(seconds / SECONDS_PER_DAY)
        ours = lq_extension(event, "limit" if host is not None else "after")
        ext = _enum(ours.get("kind"), DayKind) if ours is not None else None
        if ext is not None:
            return Limit(days, ext)
        label = DOC_LIMIT if host is not None else DOC_AFTER
        fields, _ = doc_fields(event, frozenset({label}))
        host_fields = doc_fields(host, STEP_DOC_LABELS)[0] if host is not None else {}
        for said in (clean(event.get("name")), *fields.get(label, []), *host_fields.get(DOC_LIMIT, [])):
            named = parse_limit_text(said)
            if named is not None and named.days == days:
                return named
        self.warn(
            f"{zh}：{text} 读作 {days} 个自然日（ISO 8601 时长不分工作日）；如指工作日请修改时限",
            f"{en}: {text} read as {days} natural days (ISO 8601 durations know no working days); "
            "change the step's limit to working days if that is what it means",
        )
        return Limit(days, DayKind.NATURAL)

    def _di_groups(self) -> dict[str, str]:
        """A bpmn:group is drawn around steps: a node whose shape's centre lies inside a group's shape
        belongs to it (the innermost, if groups nest). The group's name: its category value, else its own."""
        bounds: dict[str, tuple[float, float, float, float]] = {}
        for shape in self.root.iter(f"{{{NS_BPMNDI}}}BPMNShape"):
            box = shape.find(f"{{{NS_DC}}}Bounds")
            try:
                values = tuple(float(box.get(a, "")) for a in ("x", "y", "width", "height"))
            except (AttributeError, ValueError):
                continue
            bounds.setdefault(ref_id(shape.get("bpmnElement")), values)  # type: ignore[arg-type]
        found: dict[str, tuple[float, str]] = {}
        for group in self.groups:
            value = self.ids.get(ref_id(group.get("categoryValueRef")))
            group_name = clean(value.get("value")) if value is not None else ""
            group_name = group_name or clean(group.get("name"))
            box = bounds.get(group.get("id", ""))
            if box is None or not group_name:
                self.unmapped(
                    group,
                    "分组没有名称或没有图形，无法知道哪些环节属于它",
                    "a group without a name or a shape: which steps it holds is unknown",
                )
                continue
            x, y, width, height = box
            for node_id in self.key_of:
                inner = bounds.get(node_id)
                if inner is None:
                    continue
                cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
                inside = x <= cx <= x + width and y <= cy <= y + height
                if inside and (node_id not in found or width * height < found[node_id][0]):
                    found[node_id] = (width * height, group_name)
        return {node_id: group_name for node_id, (_, group_name) in found.items()}

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
        kind = kind or (_enum(ext.get("kind"), StepKind) if ext is not None else None) or implied
        kind = kind or guess_step_kind(name)
        lane = self._lane(node_id, lane_of)
        if lane is None and has_lanes:
            self.warn(
                f"{describe_zh(element)} 不在任何泳道中，环节没有岗位",
                f"{describe(element)} is in no lane; the step has no post",
            )

        def flag(label: str, attribute: str, guess: bool) -> bool:
            if ours:
                return fields.get(label, ["否"])[0] == "是"
            value = _flag(ext, attribute)
            return guess if value is None else value

        limit = limits.get(node_id)
        if limit is None and DOC_LIMIT in fields:
            limit = parse_limit_text(fields[DOC_LIMIT][0])
        if limit is None:
            limit = _ext_limit(lq_extension(element, "limit"))
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
                kind == StepKind.HEARING or any(word in name for word in _CLOCK_STOPPING_WORDS),
            ),
            note=note,
            calls=calls,
            group=group,
        )

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
                    paths.append(_Path(path, target))
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
        kind, timer = _event_definition(event)
        if kind != "timer":
            return None
        where = (f"定时事件“{event.get('id', '')}”", f'timer event "{event.get("id", "")}"')
        return self._timer_limit(event, timer, where, None)

    def _transitions(self, elements: list[Element], steps: dict[str, Step]) -> list[Transition]:
        found: list[tuple[tuple[int, int], Transition]] = []
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
            if not self.edges.get(node_id) and step is not None:
                self.warn(
                    f"环节“{step.name}”没有引出的顺序流；按 BPMN 的规定，案件在此结束",
                    f'step "{step.name}" has no outgoing flow; as in BPMN, the case ends there',
                )
                found.append(((len(self.flow_order), index), Transition(key, "to_end", END)))
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
                found.append(((last, index), transition))
        found.sort(key=lambda item: item[0])
        return [transition for _, transition in found]

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
        kind = kind or (_enum(ours.get("kind"), TransitionKind) if ours is not None else None)
        if kind is None and step is None:
            kind = TransitionKind.NEXT
        if kind is None:
            kind = guess_transition_kind(" ".join([*names, condition]))  # "收到补正材料" is no 补正
            if kind == TransitionKind.NEXT and target == END:
                kind = guess_transition_kind(target_name)
            if kind == TransitionKind.NEXT and target_step is not None and target_step.suspends_clock:
                kind = TransitionKind.SUSPEND
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
            if _event_definition(start)[0] == "timer":
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

    def _check_ends(self, steps: list[Step], gateways: list[Gateway], transitions: list[Transition]) -> None:
        forward: dict[str, set[str]] = defaultdict(set)
        backward: dict[str, set[str]] = defaultdict(set)
        for transition in transitions:
            forward[transition.source].add(transition.target)
            backward[transition.target].add(transition.source)
        keys = [step.key for step in steps] + [gateway.key for gateway in gateways]
        can_end = _reach(END, backward)
        stuck = [key for key in keys if key not in can_end]
        if stuck:
            self._explain_stuck(stuck, forward)
        reached = _reach(steps[0].key, forward)
        for step in steps:
            if step.key not in reached:
                self.warn(
                    f"从开始无法到达环节“{step.name}”", f'step "{step.name}" cannot be reached from the start'
                )

    def _explain_stuck(self, stuck: list[str], forward: dict[str, set[str]]) -> None:
        """Why steps can never end, element by element: a dead end (and what it runs into), a closed loop,
        and the steps that lead only into those."""

        def both(keys: list[str]) -> tuple[str, str]:
            elements = [self.element_of[key] for key in keys]
            return "、".join(describe_zh(el) for el in elements), "; ".join(describe(el) for el in elements)

        limited = stuck[:200]  # a hostile file may have thousands; the first ones say enough
        reach = {key: _reach(key, forward) for key in limited}
        causes: list[str] = []
        for key in limited:
            if key in causes:
                continue
            if not forward.get(key):
                causes.append(key)
                zh, en = both([key])
                dropped = self.dropped.get(key, [])
                if dropped:
                    what_zh = "、".join(describe_zh(el) for el in dropped)
                    what_en = "; ".join(describe(el) for el in dropped)
                    self.problem(
                        f"{zh} 没有出路：它的去向 {what_zh} 未能转换，案件到此既不能继续也不能办结",
                        f"{en} has no way out: its paths lead only to {what_en}, which is not mapped, so a "
                        "case there can never reach an end",
                    )
                else:
                    self.problem(
                        f"{zh} 没有出路：没有任何流转能从它走到结束",
                        f"{en} has no way out: no transition leaves it, so a case there can never reach an end",
                    )
            elif all(key in reach.get(other, set()) for other in reach[key]):
                loop = [other for other in limited if other in reach[key]]  # all reach each other
                causes += loop
                zh, en = both(loop)
                self.problem(
                    f"闭环没有出口：{zh} 只在彼此之间流转，没有一条路通向结束事件",
                    f"a loop with no way out: {en} lead only to each other and can never reach an end",
                )
        rest = [key for key in stuck if key not in causes]
        if rest:
            zh, en = both(rest)
            self.problem(
                f"{zh} 只能走到上面没有出路的环节，永远无法办结",
                f"{en} lead only into the above and can never reach an end",
            )

    # --- the flow ----------------------------------------------------------------------------------

    def _flow(
        self,
        pools: list[tuple[Element, Element | None]],
        steps: list[Step],
        gateways: list[Gateway],
        transitions: list[Transition],
        lanes: list[str],
        category: str,
        name: str | None,
    ) -> Flow:
        process, participant = pools[0]
        ours = lq_extension(process, "flow")
        fields, description = doc_fields(process, FLOW_DOC_LABELS)
        names = [name, ours.get("name") if ours is not None else None, process.get("name")]
        names.append(participant.get("name") if participant is not None else None)
        flow_name = next((clean(n) for n in names if clean(n)), "")
        if not flow_name:
            self.warn(
                "文件没有给流程命名，流程名为“未命名流程”",
                "the document names no process; the flow is called 未命名流程",
            )
            flow_name = "未命名流程"
        if ours is not None and ours.get("category") not in (None, category):
            self.warn(
                f"文件导出时的权力类型是“{ours.get('category')}”，按“{category}”导入",
                f'the document was exported as category "{ours.get("category")}"; importing as "{category}"',
            )
        keys = {step.key for step in steps}
        posts_el = ours.find(lq("posts")) if ours is not None else None
        if DOC_POSTS in fields:
            posts = tuple(post for post in fields[DOC_POSTS][0].split(LIST_SEPARATOR) if post)
        elif posts_el is not None:
            posts = tuple(clean(post.text) for post in posts_el.iterchildren(lq("post")))
        else:
            posts = tuple(dict.fromkeys(lane for lane in lanes if lane and lane != UNASSIGNED_LANE))

        def limit(label: str, tag: str) -> Limit | None:
            if label in fields:
                return parse_limit_text(fields[label][0])
            return _ext_limit(ours.find(lq(tag))) if ours is not None else None

        basis = fields[DOC_LIMIT_BASIS][0] if DOC_LIMIT_BASIS in fields else ""
        basis = basis or ((ours.get("limitBasis") or "") if ours is not None else "")
        amount_text = fields[DOC_MAX_AMOUNT][0].removesuffix("元") if DOC_MAX_AMOUNT in fields else ""
        amount_text = amount_text or ((ours.get("maxAmount") or "") if ours is not None else "")
        return Flow(
            name=flow_name,
            category=category,
            steps=tuple(steps),
            transitions=tuple(transitions),
            case_limit=limit(DOC_CASE_LIMIT, "caseLimit"),
            extension=limit(DOC_EXTENSION, "extensionLimit"),
            separation=self._separation(ours, fields, keys),
            risks=self._risks(ours, fields, keys),
            description=description,
            posts=posts,
            gateways=tuple(gateways),
            limit_basis=basis,
            sanctions=self._sanctions(ours, fields),
            max_amount=int(amount_text) if amount_text.isdigit() else None,
            calls=self._calls(ours, keys),
        )

    def _separation(
        self, ours: Element | None, fields: dict[str, list[str]], keys: set[str]
    ) -> tuple[SeparationGroup, ...]:
        found: list[tuple[str, tuple[str, ...], str]] = []
        if DOC_SEPARATION in fields:
            for line in fields[DOC_SEPARATION]:
                match = _DOC_FORMS[DOC_SEPARATION].fullmatch(line)
                if match is not None:
                    members = tuple(key for key in match.group("steps").split(LIST_SEPARATOR) if key)
                    found.append((match.group("name"), members, match.group("basis") or ""))
        elif ours is not None:
            for group in ours.iterchildren(lq("separation")):
                members = tuple((ref.text or "").strip() for ref in group.iterchildren(lq("stepRef")))
                found.append((group.get("name", ""), members, group.get("basis", "")))
        groups = []
        for group_name, members, basis in found:
            unknown = [member for member in members if member not in keys]
            if unknown:
                self.warn(
                    f"分岗设权“{group_name}”中的环节 {'、'.join(unknown)} 不存在，已去掉",
                    f'separation group "{group_name}" names unknown steps {unknown}; dropped',
                )
            groups.append(SeparationGroup(group_name, tuple(m for m in members if m in keys), basis))
        return tuple(groups)

    def _risks(
        self, ours: Element | None, fields: dict[str, list[str]], keys: set[str]
    ) -> tuple[RiskPoint, ...]:
        if ours is None:
            said = _DOC_FORMS[DOC_RISKS].fullmatch(fields[DOC_RISKS][0]) if DOC_RISKS in fields else None
            if said is not None and int(said.group(1)) > 0:
                self.warn(
                    f"文件记载流程有 {said.group(1)} 个风险点，但它们只保存在 liuquan 的扩展元素（lq:flow）中，"
                    "而该扩展元素已被建模工具删去：风险点未能导入，请重新填写或沿用原版本的风险点",
                    f"the document says the flow has {said.group(1)} risk points, but they live only in "
                    "liuquan's extension element (lq:flow), which the modelling tool removed: they are not "
                    "imported; enter them again or keep those of the version it replaces",
                )
            return ()
        risks = []
        for risk in ours.iterchildren(lq("risk")):
            level = _enum(risk.get("level"), RiskLevel)
            if risk.get("step") not in keys or level is None:
                self.warn(
                    f"风险点“{risk.get('point', '')}”的环节或等级无法识别，已去掉",
                    f'risk point "{risk.get("point", "")}" has an unknown step or level; dropped',
                )
                continue
            names = ("point", "manifestation", "measures", "post", "person", "rule")
            values = {field_name: risk.get(field_name, "") for field_name in names}
            risks.append(RiskPoint(step=risk.get("step"), level=level, **values))
        return tuple(risks)

    def _sanctions(self, ours: Element | None, fields: dict[str, list[str]]) -> tuple[Sanction, ...]:
        named = {text: sanction for sanction, text in SANCTION_NAMES.items()}
        if DOC_SANCTIONS in fields:
            texts = fields[DOC_SANCTIONS][0].split(LIST_SEPARATOR)
            unknown = [text for text in texts if text not in named]
            if unknown:
                self.warn(
                    f"处罚种类 {'、'.join(unknown)} 无法识别，已去掉",
                    f"penalty kinds {unknown} are not known; dropped",
                )
            return tuple(named[text] for text in texts if text in named)
        if ours is None:
            return ()
        values = (_enum(el.get("kind"), Sanction) for el in ours.iterchildren(lq("sanction")))
        return tuple(value for value in values if value is not None)

    def _calls(self, ours: Element | None, keys: set[str]) -> tuple[Call, ...]:
        if ours is None:
            return ()
        calls = []
        for call in ours.iterchildren(lq("call")):
            version = (call.get("version") or "").strip()
            if call.get("step") not in keys or not version.isdigit():
                self.warn(
                    f"调用的子流程“{call.get('power', '')}”的环节或版本无法识别，已去掉",
                    f'called flow "{call.get("power", "")}" has an unknown step or version; dropped',
                )
                continue
            calls.append(
                Call(call.get("step", ""), call.get("power", ""), int(version), call.get("name", ""))
            )
        return tuple(calls)
