"""The vocabulary the BPMN modules share (pure; no Django): namespaces, element kinds, the documentation
line forms, messages (`Note`), safe parsing, and the small readers of names, durations and extensions.

The mapping decisions are written down once, in `liuquan.flows.bpmn`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from liuquan.flows.spec import (
    STEP_KIND_NAMES,
    DayKind,
    Flow,
    Limit,
    StepKind,
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
QUIET_TAGS = frozenset(
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
DOC_FORMS: dict[str, re.Pattern[str]] = {
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
            if colon and label in labels and DOC_FORMS[label].fullmatch(value.strip()):
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
    # 延期审批 approves more time, not the application: a second 决定 would be held to the decision's
    # separation and counted as the end of the case's way (行政许可法 art. 42).
    (("延期", "延长"), StepKind.OTHER),
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
CLOCK_STOPPING_WORDS = ("检测", "检验", "专家评审", "鉴定")
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


def enum_value(value: str | None, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return None


def flag_value(element: Element | None, attribute: str) -> bool | None:
    value = element.get(attribute) if element is not None else None
    return None if value is None else value.strip().lower() in ("true", "1")


def ext_limit(element: Element | None) -> Limit | None:
    if element is None:
        return None
    days, kind = (element.get("days") or "").strip(), enum_value(element.get("kind"), DayKind)
    if not days.isdigit() or int(days) <= 0 or kind is None:
        return None
    return Limit(int(days), kind)


def event_definition(event: Element) -> tuple[str, Element]:
    """The kind of an event ("timer", "message" …, "" for none) and its definition element (None if none)."""
    for kind in _EVENT_DEFINITIONS:
        found = event.find(b(f"{kind}EventDefinition"))
        if found is not None:
            return kind, found
    return "", None


def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for neighbour in edges.get(queue.popleft(), ()):
            if neighbour not in seen:
                seen.add(neighbour)
                queue.append(neighbour)
    return seen


class Reporter:
    """Where the reader's messages go: fatal problems, unmapped elements (each named by tag, id and name)
    and warnings, each a Note in Chinese with English alongside."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result

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


# Why an element of these kinds is left out, for the import report (Chinese, English).
DATA_WHY = (
    "数据不决定案件走向；案件材料在案卷中管理",
    "data decides no path; a case's materials are kept in its file",
)
NOTE_WHY = (
    "给读者的注释，不影响流程，其文字不保留",
    "a note for readers: it changes no path and its text is not kept",
)
UNMAPPED_WHY: dict[str, tuple[str, str]] = {
    "dataObject": DATA_WHY,
    "dataObjectReference": DATA_WHY,
    "dataStoreReference": DATA_WHY,
    "dataInput": DATA_WHY,
    "dataOutput": DATA_WHY,
    "textAnnotation": NOTE_WHY,
    "association": NOTE_WHY,
}
UNMAPPED_OTHER = ("权力运行流程中没有与它对应的内容", "a liuquan flow has no counterpart for it")
