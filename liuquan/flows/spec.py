"""A process flow (权力运行流程图) and its risk map (风险防控图) as plain data (pure; no Django).

This is the one shape every other flow module speaks: the database models are stored from and loaded
into it, the validation rules check it, the SVG drawings and the BPMN export read it, the BPMN import
produces it, and the case engine compiles it into a step table.

A flow is a set of steps, each performed by a post (岗位, named as in the unit: "受理岗"), joined by
transitions that carry an outcome name. A case at a step completes it with one outcome; the transition
for that (step, outcome) says where the case goes next (another step, or the end). Time limits are
counted in working days (行政许可法 art. 82) or natural days, the start day not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

END = "end"  # the target of a transition that ends the case


class StepKind(StrEnum):
    ACCEPT = "accept"  # 受理
    REVIEW = "review"  # 审查 (also 办理, 审核)
    DECIDE = "decide"  # 决定 (also 审批, 批准)
    DELIVER = "deliver"  # 送达
    FILE_CASE = "file_case"  # 立案
    INVESTIGATE = "investigate"  # 调查取证
    LEGAL_REVIEW = "legal_review"  # 法制审核
    NOTIFY = "notify"  # 告知 (of the facts, reasons and rights before a penalty)
    HEARING = "hearing"  # 听证
    EXECUTE = "execute"  # 执行
    PUBLICITY = "publicity"  # 公示
    MEETING = "meeting"  # 上会: a collective decision
    SITE_CHECK = "site_check"  # 现场核查
    OTHER = "other"  # 其他


STEP_KIND_NAMES: dict[StepKind, str] = {
    StepKind.ACCEPT: "受理",
    StepKind.REVIEW: "审查",
    StepKind.DECIDE: "决定",
    StepKind.DELIVER: "送达",
    StepKind.FILE_CASE: "立案",
    StepKind.INVESTIGATE: "调查取证",
    StepKind.LEGAL_REVIEW: "法制审核",
    StepKind.NOTIFY: "告知",
    StepKind.HEARING: "听证",
    StepKind.EXECUTE: "执行",
    StepKind.PUBLICITY: "公示",
    StepKind.MEETING: "上会",
    StepKind.SITE_CHECK: "现场核查",
    StepKind.OTHER: "其他",
}


class DayKind(StrEnum):
    WORKING = "working"  # 工作日
    NATURAL = "natural"  # 自然日


class TransitionKind(StrEnum):
    NEXT = "next"  # 通过: on to the next step
    REJECT = "reject"  # 不予受理 / 不予许可: the case ends with a refusal
    CORRECTION = "correction"  # 补正: back to the applicant; the clock pauses until they answer
    EXTEND = "extend"  # 延期: the case limit grows by the flow's extension, with the head's approval
    SUSPEND = "suspend"  # 听证, 检测, 专家评审: the target step's time is not counted (许可法 art. 45)
    RETURN = "return"  # 退回: back to an earlier step
    TERMINATE = "terminate"  # 终止: the case ends without a decision


class RiskLevel(StrEnum):
    HIGH = "high"  # 高
    MEDIUM = "medium"  # 中
    LOW = "low"  # 低


RISK_LEVEL_NAMES: dict[RiskLevel, str] = {RiskLevel.HIGH: "高", RiskLevel.MEDIUM: "中", RiskLevel.LOW: "低"}


@dataclass(frozen=True)
class Limit:
    """A time limit: so many working or natural days, the start day not counted."""

    days: int
    kind: DayKind = DayKind.WORKING


@dataclass(frozen=True)
class Step:
    """环节: one step of a flow. `key` is unique in the flow and stable across versions ("accept")."""

    key: str
    name: str  # as shown: "受理"
    kind: StepKind
    post: str = ""  # the unit's post (岗位) name that performs it; "" when not yet assigned
    limit: Limit | None = None
    meeting: bool = False  # needs 上会, a collective decision
    publicity: bool = False  # its result is 公示 before the flow goes on
    suspends_clock: bool = False  # time spent here is not counted (听证, 检测, 专家评审)
    note: str = ""  # the legal basis or a remark, e.g. "行政许可法第三十二条"


@dataclass(frozen=True)
class Transition:
    """流转: from `source`, completed with `outcome`, the case goes to `target` (a step key or END)."""

    source: str
    outcome: str  # a short stable name a case uses: "pass", "refuse", "correct", "extend" …
    target: str
    kind: TransitionKind = TransitionKind.NEXT
    label: str = ""  # as shown: "通过", "不予受理", "需补正"
    condition: str = ""  # when it applies, in words


@dataclass(frozen=True)
class SeparationGroup:
    """分岗设权: no one person may perform more than one of these steps in the same case."""

    name: str  # "受理与决定分离"
    steps: tuple[str, ...]
    basis: str = ""  # "行政处罚法第五十八条"


@dataclass(frozen=True)
class RiskPoint:
    """风险点: a risk on a step, how it shows, its level and what controls it."""

    step: str  # the step key
    point: str  # 风险点
    manifestation: str  # 表现形式
    level: RiskLevel
    measures: str  # 防控措施
    post: str = ""  # 责任岗位
    person: str = ""  # 责任人 (a role or name as published)
    rule: str = ""  # the supervision rule that watches it, if any ("time_red")


@dataclass(frozen=True)
class Flow:
    """A whole flow: steps in display order (the first is where a case starts), transitions, limits."""

    name: str
    category: str  # the power's 权力类型 (powers.PowerCategory value: "licensing", "penalty" …)
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...]
    case_limit: Limit | None = None  # the whole case (许可: 20 working days, art. 42)
    extension: Limit | None = None  # what one approved 延期 adds (许可: 10 working days, art. 42)
    separation: tuple[SeparationGroup, ...] = ()
    risks: tuple[RiskPoint, ...] = ()
    description: str = ""
    posts: tuple[str, ...] = field(default=())  # lane order for drawing; steps' posts not listed go last

    @property
    def start(self) -> str:
        return self.steps[0].key if self.steps else ""

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)

    def outgoing(self, key: str) -> tuple[Transition, ...]:
        return tuple(transition for transition in self.transitions if transition.source == key)

    def lanes(self) -> tuple[str, ...]:
        """The posts in drawing order: `posts` first, then any other post in step order, then "" if a
        step has none."""
        order = list(dict.fromkeys(self.posts))
        for step in self.steps:
            if step.post not in order and step.post:
                order.append(step.post)
        if any(not step.post for step in self.steps):
            order.append("")
        return tuple(order)
