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
    WAIT = "wait"  # 等待: the case waits for the first of several events, a message or a time (BPMN event gateway)
    CALL = "call"  # 调用子流程: another power's published flow, run as part of this one (BPMN call activity)
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
    StepKind.WAIT: "等待",
    StepKind.CALL: "调用子流程",
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


class GatewayKind(StrEnum):
    PARALLEL = "parallel"  # 并行: every outgoing branch runs (会签, 联合审查); a join waits for all incoming


GATEWAY_KIND_NAMES: dict[GatewayKind, str] = {GatewayKind.PARALLEL: "并行"}


class Sanction(StrEnum):
    """行政处罚的种类 (行政处罚法 art. 9)."""

    WARNING = "warning"  # 警告
    CRITICISM = "criticism"  # 通报批评
    FINE = "fine"  # 罚款
    CONFISCATE_INCOME = "confiscate_income"  # 没收违法所得
    CONFISCATE_PROPERTY = "confiscate_property"  # 没收非法财物
    SUSPEND_LICENCE = "suspend_licence"  # 暂扣许可证件
    LOWER_QUALIFICATION = "lower_qualification"  # 降低资质等级
    REVOKE_LICENCE = "revoke_licence"  # 吊销许可证件
    RESTRICT_BUSINESS = "restrict_business"  # 限制开展生产经营活动
    STOP_PRODUCTION = "stop_production"  # 责令停产停业
    CLOSE = "close"  # 责令关闭
    RESTRICT_PRACTICE = "restrict_practice"  # 限制从业
    DETENTION = "detention"  # 行政拘留
    OTHER = "other"  # 法律、行政法规规定的其他行政处罚


SANCTION_NAMES: dict[Sanction, str] = {
    Sanction.WARNING: "警告",
    Sanction.CRITICISM: "通报批评",
    Sanction.FINE: "罚款",
    Sanction.CONFISCATE_INCOME: "没收违法所得",
    Sanction.CONFISCATE_PROPERTY: "没收非法财物",
    Sanction.SUSPEND_LICENCE: "暂扣许可证件",
    Sanction.LOWER_QUALIFICATION: "降低资质等级",
    Sanction.REVOKE_LICENCE: "吊销许可证件",
    Sanction.RESTRICT_BUSINESS: "限制开展生产经营活动",
    Sanction.STOP_PRODUCTION: "责令停产停业",
    Sanction.CLOSE: "责令关闭",
    Sanction.RESTRICT_PRACTICE: "限制从业",
    Sanction.DETENTION: "行政拘留",
    Sanction.OTHER: "其他行政处罚",
}


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
    calls: str = ""  # CALL: the power code whose published flow this step runs
    group: str = ""  # the subprocess (or called flow) the step belongs to, as drawn and exported; "" if none


@dataclass(frozen=True)
class Transition:
    """流转: from `source`, completed with `outcome`, the case goes to `target` (a step key or END)."""

    source: str
    outcome: str  # a short stable name a case uses: "pass", "refuse", "correct", "extend" …
    target: str
    kind: TransitionKind = TransitionKind.NEXT
    label: str = ""  # as shown: "通过", "不予受理", "需补正"
    condition: str = ""  # when it applies, in words
    after: Limit | None = None  # a timer: taken by itself once the step has waited this long (WAIT steps)


@dataclass(frozen=True)
class Gateway:
    """网关: a parallel split (every outgoing transition is taken at once) or join (the case goes on once
    a branch has arrived from every incoming transition). Transitions name it by key like a step."""

    key: str
    name: str = ""
    kind: GatewayKind = GatewayKind.PARALLEL


@dataclass(frozen=True)
class Call:
    """A called flow pinned when the calling flow is published: its steps are inlined under the CALL step."""

    step: str  # the CALL step's key
    power: str  # the called power's code
    version: int  # the called flow's version
    name: str = ""  # the called flow's name


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
    gateways: tuple[Gateway, ...] = ()
    limit_basis: str = ""  # the key of a registered special-law limit (特别规定) the case limit rests on
    sanctions: tuple[Sanction, ...] = ()  # 处罚: the kinds of penalty the power may impose
    max_amount: int | None = None  # 处罚: the largest fine or confiscation in yuan (None: not bounded)
    calls: tuple[Call, ...] = ()  # call activities inlined at publication, with the version pinned

    @property
    def start(self) -> str:
        return self.steps[0].key if self.steps else ""

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key), None)

    def gateway(self, key: str) -> Gateway | None:
        return next((gateway for gateway in self.gateways if gateway.key == key), None)

    def incoming(self, key: str) -> tuple[Transition, ...]:
        return tuple(transition for transition in self.transitions if transition.target == key)

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
