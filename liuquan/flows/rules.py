"""Validation rules for a flow (权力运行流程图): structure, staffing, separation of duties, time limits.

Pure module (no Django): `check_flow` takes a `spec.Flow` and, optionally, who holds which post, and
returns every problem it finds; nothing raises. A problem is an "error" when the flow cannot be run or
breaks the law, a "warning" when it is suspicious or can only be judged with a calendar.

Statutory maximums live in `LEGAL_MAXIMA` (行政许可法 2019, 行政处罚法 2021). A law or regulation may set
another limit for a particular power ("法律、法规另有规定的，依照其规定"): the caller passes `legal_max`,
whose entry for a category replaces the table's entry for that category as a whole.

Comparing a limit with a maximum counted in the other kind of day (rule of `limit_exceeds`):
- same kind: it exceeds when it has more days;
- N working days against M natural days: N working days always span at least N + ⌈N/10⌉ − 1 natural
  days, because no State Council schedule has had more than `MAX_WORKING_RUN` (10) working days in a row
  (2004-01-12 … 01-21; checked against chinesecalendar in the tests). Above M that is an error, whatever
  the calendar. Otherwise, if in ordinary weeks (five working days, two rest days, no holiday) the N
  working days can span more than M natural days (N + 2·⌈N/5⌉), it is a warning;
- N natural days against M working days: N natural days hold at most N − ⌊N/11⌋ working days, so at
  most M of them is fine. More is a warning, never an error: whether they exceed depends on the holidays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from liuquan.flows import tokens
from liuquan.flows.spec import (
    END,
    SANCTION_NAMES,
    DayKind,
    Flow,
    Limit,
    Sanction,
    Step,
    StepKind,
    TransitionKind,
)

__all__ = [
    "ACCEPT_MAX",
    "CATEGORY_NAMES",
    "HEARING_ABOVE_AMOUNT",
    "HEARING_ALWAYS",
    "LEGAL_MAXIMA",
    "LICENSING_JOINT_HANDLING",
    "MAX_STATES",
    "MAX_WORKING_RUN",
    "LegalMax",
    "Limit",
    "Problem",
    "Severity",
    "assign_distinct",
    "check_flow",
    "errors",
    "limit_exceeds",
]

Severity = Literal["error", "warning"]

# The longest run of consecutive working days in any State Council holiday schedule 2004-2026
# (2004-01-12 to 2004-01-21, before the Spring Festival with two make-up weekend days).
MAX_WORKING_RUN = 10


@dataclass(frozen=True)
class Problem:
    """One finding. `code` is a stable machine name; `step` the step key it concerns, or ""."""

    code: str
    step: str
    message: str  # Chinese, as shown to the unit
    message_en: str
    severity: Severity = "error"


@dataclass(frozen=True)
class LegalMax:
    """The statutory maximums for one category: the case limit, one extension, the 送达 step."""

    case: Limit | None = None
    extension: Limit | None = None
    deliver: Limit | None = None
    case_basis: str = ""
    extension_basis: str = ""
    deliver_basis: str = ""
    category: str = ""  # for a registered special-law limit: the category it applies to


LEGAL_MAXIMA: Mapping[str, LegalMax] = {
    "licensing": LegalMax(
        # 行政许可法 art. 42: decide within 20 days of 受理; +10 with the head's approval.
        # art. 82: the law's periods are working days.
        case=Limit(20, DayKind.WORKING),
        extension=Limit(10, DayKind.WORKING),
        # art. 44: certificates issued and delivered within 10 days of the decision.
        deliver=Limit(10, DayKind.WORKING),
        case_basis="行政许可法第四十二条第一款、第八十二条",
        extension_basis="行政许可法第四十二条第一款",
        deliver_basis="行政许可法第四十四条",
    ),
    "penalty": LegalMax(
        # 行政处罚法 art. 60: decide within 90 days of 立案 (natural days: art. 85 makes only
        # 二日/三日/五日/七日 working days). No statutory extension; a 规章 may set one (pass legal_max).
        case=Limit(90, DayKind.NATURAL),
        # art. 61: deliver within 七日 when the party is absent; art. 85: working days.
        deliver=Limit(7, DayKind.WORKING),
        case_basis="行政处罚法第六十条",
        deliver_basis="行政处罚法第六十一条、第八十五条",
    ),
}

# 行政许可法 art. 42 para. 2: 统一办理、联合办理、集中办理 (art. 26) may take 45 days, +15 with the approval of
# the head of the people's government. Pass {"licensing": LICENSING_JOINT_HANDLING} as legal_max.
LICENSING_JOINT_HANDLING = LegalMax(
    case=Limit(45, DayKind.WORKING),
    extension=Limit(15, DayKind.WORKING),
    deliver=Limit(10, DayKind.WORKING),
    case_basis="行政许可法第四十二条第二款、第八十二条",
    extension_basis="行政许可法第四十二条第二款",
    deliver_basis="行政许可法第四十四条",
)

# 行政许可法 art. 32(1)(4): missing materials are told at once or within five days, or the application
# counts as accepted from the day it was received; art. 82: working days.
ACCEPT_MAX = Limit(5, DayKind.WORKING)
ACCEPT_BASIS = "行政许可法第三十二条第一款第四项、第八十二条"

# 行政处罚法 art. 63: the penalties before which the party must be told of the right to a hearing.
HEARING_ALWAYS = frozenset(
    {
        Sanction.LOWER_QUALIFICATION,  # (三) 降低资质等级
        Sanction.REVOKE_LICENCE,  # (三) 吊销许可证件
        Sanction.STOP_PRODUCTION,  # (四) 责令停产停业
        Sanction.CLOSE,  # (四) 责令关闭
        Sanction.RESTRICT_PRACTICE,  # (四) 限制从业
        Sanction.OTHER,  # (五) 其他较重的行政处罚: unknown kinds are taken as heavy
    }
)
# (一) 较大数额罚款, (二) 没收较大数额违法所得、没收较大价值非法财物: the amount is set by the province or
# the ministry, so it is the unit's data (`hearing_threshold`).
HEARING_ABOVE_AMOUNT = frozenset({Sanction.FINE, Sanction.CONFISCATE_INCOME, Sanction.CONFISCATE_PROPERTY})
HEARING_BASIS = "行政处罚法第六十三条第一款"

# The token game over a flow with parallel gateways explores at most this many states.
MAX_STATES = 20_000

CATEGORY_NAMES = {
    "licensing": "行政许可",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "levy": "行政征收",
    "benefit": "行政给付",
    "inspection": "行政检查",
    "confirmation": "行政确认",
    "reward": "行政奖励",
    "adjudication": "行政裁决",
    "other": "其他行政权力",
    "public_service": "公共服务",
}

# Structural errors after which the token game is not played (it would only repeat them).
_BROKEN = frozenset(
    {
        "duplicate_step",
        "reserved_key",
        "unknown_source",
        "unknown_target",
        "gateway_key_taken",
        "gateway_unconnected",
    }
)

# Transitions that go back (or sideways into an approval) and so do not lengthen the way to a decision.
_BACKWARD = frozenset({TransitionKind.RETURN, TransitionKind.CORRECTION, TransitionKind.EXTEND})


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.severity == "error"]


def limit_exceeds(limit: Limit, maximum: Limit) -> Severity | None:
    """Whether `limit` goes beyond `maximum`: "error" when certainly, "warning" when it may (see the
    module docstring for the rule across working and natural days), None when it stays within."""
    n, m = limit.days, maximum.days
    if limit.kind == maximum.kind:
        return "error" if n > m else None
    if limit.kind == DayKind.WORKING:
        if n > 0 and n + math.ceil(n / MAX_WORKING_RUN) - 1 > m:
            return "error"
        if n > 0 and n + 2 * math.ceil(n / 5) > m:
            return "warning"
        return None
    return "warning" if n - n // (MAX_WORKING_RUN + 1) > m else None


def assign_distinct(candidates: Sequence[Iterable[str]]) -> tuple[str, ...] | None:
    """One distinct person per slot, each taken from that slot's candidates, or None when impossible.

    Kuhn's augmenting-path bipartite matching; a separation group has a handful of steps, so the
    O(slots · edges) cost does not matter.
    """
    options = [sorted(set(people)) for people in candidates]
    holder: dict[str, int] = {}  # person → slot

    def place(slot: int, seen: set[str]) -> bool:
        for person in options[slot]:
            if person in seen:
                continue
            seen.add(person)
            if person not in holder or place(holder[person], seen):
                holder[person] = slot
                return True
        return False

    for slot in range(len(options)):
        if not place(slot, set()):
            return None
    by_slot = {slot: person for person, slot in holder.items()}
    return tuple(by_slot[slot] for slot in range(len(options)))


def check_flow(
    flow: Flow,
    *,
    staff: Mapping[str, frozenset[str]] | None = None,
    legal_max: Mapping[str, LegalMax] | None = None,
    registered: Mapping[str, LegalMax] | None = None,
    hearing_threshold: int | None = None,
    basis_sanctions: frozenset[Sanction] = frozenset(),
) -> list[Problem]:
    """Every problem of `flow`, in a stable order.

    `staff` maps a post name to the ids of the people holding it; when given, the posts must be filled
    and the separation groups staffable by distinct people. `legal_max` overrides `LEGAL_MAXIMA` per
    category. `registered` holds the special-law limits (法律、法规另有规定) by key: a flow that cites one
    in `limit_basis` is held to it instead of the general statute. `hearing_threshold` is the unit's
    较大数额 in yuan (行政处罚法 art. 63(1)(1)-(2)); None when the unit has set none, so any fine or
    confiscation needs a hearing step. `basis_sanctions` are the penalties the power's legal basis names
    (`sanctions_named`): a penalty flow may not list fewer, or it could word its way out of a hearing.
    """
    if not flow.steps:
        return [
            Problem("empty_flow", "", f"流程「{flow.name}」没有任何环节", f"flow “{flow.name}” has no steps")
        ]
    checker = _Checker(flow)
    checker.structure()
    checker.parallel()
    checker.posts(staff)
    checker.separation(staff)
    maximum = (legal_max or {}).get(flow.category) or LEGAL_MAXIMA.get(flow.category)
    if flow.limit_basis:
        maximum = checker.special_limit(registered or {}, maximum)
    checker.limits(maximum)
    checker.transition_kinds()
    checker.step_kinds()
    if flow.category == "licensing":
        checker.licensing()
    elif flow.category == "penalty":
        checker.penalty(hearing_threshold, basis_sanctions)
    return checker.problems


def _zh(step: Step) -> str:
    return f"环节「{step.name}」({step.key})"


def _en(step: Step) -> str:
    return f"step “{step.name}” ({step.key})"


def _days_zh(limit: Limit) -> str:
    return f"{limit.days}个{'工作日' if limit.kind == DayKind.WORKING else '自然日'}"


def _days_en(limit: Limit) -> str:
    return f"{limit.days} {'working' if limit.kind == DayKind.WORKING else 'natural'} days"


class _Checker:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.problems: list[Problem] = []
        self.steps: dict[str, Step] = {}
        for step in flow.steps:
            self.steps.setdefault(step.key, step)
        self.gateways = {gateway.key: gateway for gateway in flow.gateways if gateway.key not in self.steps}
        self.nodes = set(self.steps) | set(self.gateways)  # what a transition may name
        # Known edges only: a transition from or to an unknown step is reported once, then ignored.
        self.edges = [
            t
            for t in flow.transitions
            if t.source in self.nodes and (t.target in self.nodes or t.target == END)
        ]

    def add(self, code: str, step: str, message: str, message_en: str, severity: Severity = "error") -> None:
        self.problems.append(Problem(code, step, message, message_en, severity))

    def keys_of(self, *kinds: StepKind) -> list[str]:
        return [key for key, step in self.steps.items() if step.kind in kinds]

    # -- structure --------------------------------------------------------------------------------

    def structure(self) -> None:
        seen: set[str] = set()
        for step in self.flow.steps:
            if step.key in seen:
                self.add(
                    "duplicate_step",
                    step.key,
                    f"环节标识 {step.key} 重复",
                    f"step key {step.key} is used twice",
                )
            seen.add(step.key)
            if step.key in ("", END):
                self.add(
                    "reserved_key",
                    step.key,
                    f"{_zh(step)} 的标识为空或为保留字 {END!r}",
                    f"{_en(step)} has an empty key or the reserved key {END!r}",
                )
        gateway_keys = [gateway.key for gateway in self.flow.gateways]
        for gateway in self.flow.gateways:
            if gateway.key in self.steps or gateway.key in ("", END) or gateway_keys.count(gateway.key) > 1:
                self.add(
                    "gateway_key_taken",
                    gateway.key,
                    f"网关「{gateway.name or gateway.key}」的标识 {gateway.key!r} 为空、为保留字，或与其他环节、网关重复",
                    f"gateway “{gateway.name or gateway.key}” has an empty or reserved key, or one another step or gateway has: {gateway.key!r}",
                )
        pairs: set[tuple[str, str]] = set()
        for t in self.flow.transitions:
            if t.source in self.gateways:
                if t.target != END and t.target not in self.nodes:
                    self.add(
                        "unknown_target",
                        t.source,
                        f"网关 {t.source} 的流转指向不存在的环节 {t.target}",
                        f"gateway {t.source}: a transition goes to unknown step {t.target}",
                    )
                continue
            if t.source not in self.steps:
                self.add(
                    "unknown_source",
                    t.source,
                    f"流转「{t.label or t.outcome}」的起点 {t.source} 不是本流程的环节",
                    f"transition “{t.label or t.outcome}” starts at {t.source}, which is not a step of the flow",
                )
            elif t.target != END and t.target not in self.nodes:
                self.add(
                    "unknown_target",
                    t.source,
                    f"{_zh(self.steps[t.source])} 的流转「{t.label or t.outcome}」指向不存在的环节 {t.target}",
                    f"{_en(self.steps[t.source])}: transition “{t.label or t.outcome}” goes to unknown step {t.target}",
                )
            if (t.source, t.outcome) in pairs:
                self.add(
                    "duplicate_outcome",
                    t.source,
                    f"环节 {t.source} 的结果 {t.outcome} 有多条流转",
                    f"step {t.source} has more than one transition for outcome {t.outcome}",
                )
            pairs.add((t.source, t.outcome))
        sources = {t.source for t in self.flow.transitions}
        for key, step in self.steps.items():
            if key not in sources:
                self.add(
                    "dead_end", key, f"{_zh(step)} 没有后续流转", f"{_en(step)} has no outgoing transition"
                )
        targets = {t.target for t in self.edges}
        for key, gateway in self.gateways.items():
            name = gateway.name or key
            if key not in sources or key not in targets:
                self.add(
                    "gateway_unconnected",
                    key,
                    f"并行网关「{name}」({key}) 缺少{'流入' if key not in targets else '流出'}的流转",
                    f"parallel gateway “{name}” ({key}) has no {'incoming' if key not in targets else 'outgoing'} "
                    "transition",
                )
        reachable = self.reachable_from(self.flow.start)
        for key, step in self.steps.items():
            if key not in reachable:
                self.add(
                    "unreachable",
                    key,
                    f"从起始环节无法到达{_zh(step)}",
                    f"{_en(step)} cannot be reached from the start",
                )
        finishing = self.reaching_end()
        for key, step in self.steps.items():
            if key in sources and key not in finishing:
                self.add(
                    "no_exit",
                    key,
                    f"从{_zh(step)} 出发无法办结（流转成环或走入死路）",
                    f"no way to the end from {_en(step)} (a closed loop or a dead end)",
                )

    def reachable_from(self, start: str, *, avoid: frozenset[str] = frozenset()) -> set[str]:
        if start not in self.steps or start in avoid:
            return set()
        found = {start}
        todo = [start]
        while todo:
            key = todo.pop()
            for t in self.edges:
                if (
                    t.source == key
                    and t.target in self.nodes
                    and t.target not in found
                    and t.target not in avoid
                ):
                    found.add(t.target)
                    todo.append(t.target)
        return found

    def reaching_end(self) -> set[str]:
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for t in self.edges:
                if t.source not in found and (t.target == END or t.target in found):
                    found.add(t.source)
                    changed = True
        return found

    # -- parallel branches --------------------------------------------------------------------------

    def parallel(self) -> None:
        """With parallel gateways, play the token game (liuquan.flows.tokens) over every reachable state:
        no state may leave branches waiting at a join that can never fire (deadlock), no step may hold
        two branches at once (a missing join), and 补正 or an in-place 延期 may not be taken while other
        branches run (the case clock is one clock)."""
        if not self.gateways or any(p.code in _BROKEN for p in self.problems):
            return
        flow = self.flow
        index = {id(t): number for number, t in enumerate(flow.transitions)}
        moves = [index[id(t)] for t in self.edges if t.source in self.steps]
        start: tuple[str, ...] = (flow.start,)
        seen = {start}
        todo = [start]
        reported: set[tuple[str, str]] = set()

        def report(code: str, key: str, zh: str, en: str) -> None:
            if (code, key) not in reported:
                reported.add((code, key))
                self.add(code, key, zh, en)

        while todo:
            if len(seen) > MAX_STATES:
                self.add(
                    "parallel_too_complex",
                    "",
                    f"并行分支组合过多（超过{MAX_STATES}种状态），无法核验流程不会卡死，请简化",
                    f"the parallel branches combine into more than {MAX_STATES} states; simplify the flow",
                )
                return
            state = todo.pop()
            steps = tokens.steps_of(state)
            if len(set(state)) < len(state) and not any(state.count(key) > 1 for key in steps):
                continue  # one branch waiting twice at a join: reported through the step it came from
            for key in steps:
                if state.count(key) > 1:
                    report(
                        "parallel_unsafe",
                        key,
                        f"{_zh(self.steps[key])} 可能同时有两个并行分支到达（缺少汇聚的并行网关）",
                        f"two parallel branches can reach {_en(self.steps[key])} at once (a join is missing)",
                    )
            if not steps and state:
                for token in dict.fromkeys(state):
                    gateway = token[1:].partition("#")[0]
                    name = self.gateways[gateway].name or gateway
                    report(
                        "parallel_deadlock",
                        gateway,
                        f"并行网关「{name}」({gateway}) 等待的分支可能永远不会全部到达，办件将卡住",
                        f"parallel gateway “{name}” ({gateway}) may wait for ever for a branch that never comes",
                    )
            if any(state.count(key) > 1 for key in steps):
                continue  # reported; going on from here only multiplies the branches
            for number in moves:
                t = flow.transitions[number]
                if t.source not in state:
                    continue
                if len(state) > 1 and (
                    t.kind == TransitionKind.CORRECTION
                    or (t.kind == TransitionKind.EXTEND and t.target == t.source)
                ):
                    what = "补正" if t.kind == TransitionKind.CORRECTION else "延期"
                    report(
                        "parallel_clock_move",
                        t.source,
                        f"{_zh(self.steps[t.source])} 在并行分支中，不能设{what}流转「{t.label or t.outcome}」"
                        "（办理时限只有一个，请放在并行网关之前或之后）",
                        f"{_en(self.steps[t.source])} is inside parallel branches and may not have the "
                        f"{'correction' if what == '补正' else 'extension'} “{t.label or t.outcome}”",
                    )
                try:
                    after = tokens.advance(flow, state, number).tokens
                except tokens.TokenError:
                    continue
                following = tuple(sorted(after))
                if following not in seen:
                    seen.add(following)
                    todo.append(following)

    # -- special-law limits -------------------------------------------------------------------------

    def special_limit(self, registered: Mapping[str, LegalMax], general: LegalMax | None) -> LegalMax | None:
        """The registered special-law limit the flow cites, or the general one with an error when the
        citation names nothing registered or a limit for another category."""
        flow = self.flow
        entry = registered.get(flow.limit_basis)
        category = CATEGORY_NAMES.get(flow.category, flow.category)
        if entry is None:
            self.add(
                "limit_basis_unknown",
                "",
                f"流程引用的特别时限依据「{flow.limit_basis}」未登记；请先在特别时限登记中登记（须为法规库中现行有效的条文）",
                f"the flow cites special-law limit “{flow.limit_basis}”, which is not registered",
            )
            return general
        if entry.category and entry.category != flow.category:
            other = CATEGORY_NAMES.get(entry.category, entry.category)
            self.add(
                "limit_basis_other_category",
                "",
                f"特别时限依据「{flow.limit_basis}」适用于{other}，不适用于{category}流程",
                f"special-law limit “{flow.limit_basis}” applies to {entry.category}, not {flow.category}",
            )
            return general
        return entry

    # -- step kinds ---------------------------------------------------------------------------------

    def step_kinds(self) -> None:
        for t in self.edges:
            if t.after is not None and (
                t.source not in self.steps or self.steps[t.source].kind != StepKind.WAIT
            ):
                self.add(
                    "timer_not_on_wait",
                    t.source,
                    f"流转「{t.label or t.outcome}」设有定时，但只有“等待”环节的流转可以定时自动流转",
                    f"transition “{t.label or t.outcome}” has a timer, but only a wait step's transitions may",
                )
            if t.after is not None and t.after.days <= 0:
                self.add(
                    "timer_not_positive",
                    t.source,
                    f"流转「{t.label or t.outcome}」的定时须至少一天",
                    f"the timer of transition “{t.label or t.outcome}” must be at least one day",
                )
        for key, step in self.steps.items():
            if step.kind == StepKind.CALL and not step.calls.strip():
                self.add(
                    "call_without_flow",
                    key,
                    f"{_zh(step)} 为调用子流程，但没有指定被调用事项的编码",
                    f"{_en(step)} calls a sub-flow but names no power code",
                )

    # -- posts and separation -----------------------------------------------------------------------

    def posts(self, staff: Mapping[str, frozenset[str]] | None) -> None:
        for key, step in self.steps.items():
            if step.kind == StepKind.CALL:
                continue  # its steps come with their own posts when the called flow is inlined
            if not step.post:
                self.add("no_post", key, f"{_zh(step)} 没有指定岗位", f"{_en(step)} has no post")
            elif staff is not None and not staff.get(step.post):
                self.add(
                    "empty_post",
                    key,
                    f"{_zh(step)} 的岗位「{step.post}」无人在岗",
                    f"nobody holds post “{step.post}” of {_en(step)}",
                )

    def separation(self, staff: Mapping[str, frozenset[str]] | None) -> None:
        for group in self.flow.separation:
            known: list[Step] = []
            for key in dict.fromkeys(group.steps):
                if key in self.steps:
                    known.append(self.steps[key])
                else:
                    self.add(
                        "separation_unknown_step",
                        key,
                        f"分离组「{group.name}」含有不存在的环节 {key}",
                        f"separation group “{group.name}” names unknown step {key}",
                    )
            if len(known) < 2:
                self.add(
                    "separation_too_small",
                    known[0].key if known else "",
                    f"分离组「{group.name}」少于两个环节，不起作用",
                    f"separation group “{group.name}” has fewer than two steps and separates nothing",
                    "warning",
                )
                continue
            if staff is None:
                continue
            holders = [staff.get(step.post, frozenset()) if step.post else frozenset() for step in known]
            if not all(holders):
                continue  # already reported as no_post / empty_post
            if assign_distinct(holders) is None:
                stuck = _first_unassignable(known, holders)
                self.add(
                    "separation_unstaffable",
                    stuck.key,
                    f"本单位在岗人员不足以让分离组「{group.name}」的各环节由不同人员办理（{_zh(stuck)} 无人可排）",
                    f"the unit's staff cannot give each step of separation group “{group.name}” a different "
                    f"person ({_en(stuck)} is left without one)",
                )

    def separated(self, key: str, kinds: frozenset[StepKind]) -> bool:
        """Whether some separation group holds `key` together with a step of one of `kinds`."""
        for group in self.flow.separation:
            if key in group.steps and any(
                other != key and other in self.steps and self.steps[other].kind in kinds
                for other in group.steps
            ):
                return True
        return False

    # -- time limits --------------------------------------------------------------------------------

    def limits(self, maximum: LegalMax | None) -> None:
        flow = self.flow
        for label_zh, label_en, limit, key in (
            ("办理时限", "case limit", flow.case_limit, ""),
            ("延期时限", "extension", flow.extension, ""),
            *(("时限", "limit", step.limit, step.key) for step in self.steps.values()),
        ):
            if limit is not None and limit.days < 0:
                where_zh = _zh(self.steps[key]) + "的" if key else "流程"
                where_en = f"{_en(self.steps[key])}: " if key else ""
                self.add(
                    "negative_limit", key, f"{where_zh}{label_zh}为负数", f"{where_en}{label_en} is negative"
                )
        category = CATEGORY_NAMES.get(flow.category, flow.category)
        if maximum is not None:
            self.compare_case(maximum, category)
            self.compare_deliver(maximum, category)
        if flow.case_limit is not None:
            self.sum_of_steps(flow.case_limit)

    def compare_case(self, maximum: LegalMax, category: str) -> None:
        flow = self.flow
        if maximum.case is not None:
            if flow.case_limit is None:
                # Without a case limit no case of the flow gets a due date, so none is ever overdue.
                self.add(
                    "no_case_limit",
                    "",
                    f"{category}流程必须设定办理时限（法定{_days_zh(maximum.case)}，{maximum.case_basis}）；"
                    "没有办理时限的办件不会计算期限，也不会超期预警",
                    f"the flow sets no case limit (the law allows {_days_en(maximum.case)}, {maximum.case_basis}); "
                    "its cases would have no due date and never be overdue",
                )
            else:
                self.over(
                    "case_limit_over_legal",
                    "",
                    "办理时限",
                    "case limit",
                    flow.case_limit,
                    maximum.case,
                    maximum.case_basis,
                )
        if flow.extension is not None and flow.extension.days > 0:
            if maximum.extension is not None:
                self.over(
                    "extension_over_legal",
                    "",
                    "延期时限",
                    "extension",
                    flow.extension,
                    maximum.extension,
                    maximum.extension_basis,
                )
            elif maximum.case is not None:
                self.add(
                    "extension_without_basis",
                    "",
                    f"{category}的法定时限没有延期规定（{maximum.case_basis}）；如有法律、法规或规章另行规定，"
                    "请在“特别时限依据”中登记该条文，并在流程的时限依据中引用",
                    f"the statutory limit has no extension ({maximum.case_basis}); if a law, regulation or rule "
                    "allows one, register it as a special-law limit and cite it as the flow's limit basis",
                )

    def compare_deliver(self, maximum: LegalMax, category: str) -> None:
        if maximum.deliver is None:
            return
        for key in self.keys_of(StepKind.DELIVER):
            step = self.steps[key]
            if step.limit is None:
                self.add(
                    "no_deliver_limit",
                    key,
                    f"{_zh(step)} 没有设定时限（法定{_days_zh(maximum.deliver)}，{maximum.deliver_basis}）",
                    f"{_en(step)} has no limit (the law allows {_days_en(maximum.deliver)}, {maximum.deliver_basis})",
                    "warning",
                )
            else:
                self.over(
                    "deliver_limit_over_legal",
                    key,
                    "送达时限",
                    "delivery limit",
                    step.limit,
                    maximum.deliver,
                    maximum.deliver_basis,
                )

    def over(
        self, code: str, key: str, what_zh: str, what_en: str, limit: Limit, maximum: Limit, basis: str
    ) -> None:
        severity = limit_exceeds(limit, maximum)
        if severity is None:
            return
        where_zh = f"{_zh(self.steps[key])}的" if key else ""
        where_en = f"{_en(self.steps[key])}: " if key else ""
        certainty_zh = "超过" if severity == "error" else "可能超过"
        certainty_en = "exceeds" if severity == "error" else "may exceed"
        self.add(
            code,
            key,
            f"{where_zh}{what_zh}{_days_zh(limit)}{certainty_zh}法定的{_days_zh(maximum)}（{basis}）",
            f"{where_en}{what_en} of {_days_en(limit)} {certainty_en} the legal {_days_en(maximum)} ({basis})",
            severity,
        )

    def sum_of_steps(self, case_limit: Limit) -> None:
        """Warn when the longest way from the start to a decision takes more than the case limit.

        The case clock runs from 受理 / 立案 (许可法 art. 42 "自受理之日起", 处罚法 art. 60 "自立案之日起") to the
        decision, so ACCEPT and FILE_CASE steps and steps that stop the clock weigh nothing, and the way
        ends at a DECIDE step (or at the end, in a flow without one). Going back (退回, 补正) and 延期 do
        not lengthen it. A step counted in the other kind of day weighs its shortest ordinary length.
        """
        targets = set(self.keys_of(StepKind.DECIDE))
        forward: dict[str, list[str]] = {key: [] for key in self.nodes}
        for t in self.edges:
            if t.kind not in _BACKWARD:
                forward[t.source].append(t.target)
        memo: dict[str, int | None] = {}
        on_path: set[str] = set()

        def longest(key: str) -> int | None:
            if key == END:
                return None if targets else 0
            if key in on_path:
                return None  # a forward loop: do not go round it
            if key in memo:
                return memo[key]
            on_path.add(key)
            tails = [tail for target in forward[key] if (tail := longest(target)) is not None]
            on_path.discard(key)
            best = max(tails, default=0 if key in targets else None)
            weight = self.weight(self.steps[key], case_limit.kind) if key in self.steps else 0
            result = None if best is None else best + weight
            memo[key] = result
            return result

        total = longest(self.flow.start)
        if total is not None and total > case_limit.days:
            unit_zh = "工作日" if case_limit.kind == DayKind.WORKING else "自然日"
            unit_en = "working" if case_limit.kind == DayKind.WORKING else "natural"
            self.add(
                "step_limits_over_case",
                "",
                f"各环节时限之和至少{total}个{unit_zh}，超过办理时限{_days_zh(case_limit)}",
                f"the step limits add up to at least {total} {unit_en} days, more than the case limit of "
                f"{_days_en(case_limit)}",
                "warning",
            )

    @staticmethod
    def weight(step: Step, kind: DayKind) -> int:
        if step.limit is None or step.suspends_clock or step.kind in (StepKind.ACCEPT, StepKind.FILE_CASE):
            return 0
        n = max(step.limit.days, 0)
        if step.limit.kind == kind:
            return n
        if step.limit.kind == DayKind.WORKING:
            return n  # a working day lasts at least a natural day
        return 5 * (n // 7) + max(
            0, n % 7 - 2
        )  # the fewest working days n natural days hold in ordinary weeks

    # -- transition kinds ---------------------------------------------------------------------------

    def transition_kinds(self) -> None:
        for t in self.edges:
            if t.source not in self.steps:
                continue  # a gateway's transitions carry no kind of their own
            source = self.steps[t.source]
            target = self.steps.get(t.target)
            label = t.label or t.outcome
            if t.kind == TransitionKind.SUSPEND and (target is None or not target.suspends_clock):
                self.add(
                    "suspend_target_counts",
                    t.source,
                    f"{_zh(source)} 的「{label}」为中止计时流转，但目标环节不停止计时",
                    f"{_en(source)}: “{label}” suspends the clock but its target does not stop it",
                )
            if t.kind == TransitionKind.EXTEND and (
                self.flow.extension is None or self.flow.extension.days <= 0
            ):
                self.add(
                    "extend_without_extension",
                    t.source,
                    f"{_zh(source)} 有延期流转「{label}」，但流程没有设定延期时限",
                    f"{_en(source)} has an extension transition “{label}” but the flow sets no extension",
                )
            if t.kind == TransitionKind.CORRECTION and (target is None or target.kind != StepKind.ACCEPT):
                self.add(
                    "correction_not_to_accept",
                    t.source,
                    f"{_zh(source)} 的补正流转「{label}」没有回到受理环节",
                    f"{_en(source)}: correction “{label}” does not go back to an accept step",
                )

    # -- category rules -----------------------------------------------------------------------------

    def licensing(self) -> None:
        accepts = self.keys_of(StepKind.ACCEPT)
        decides = self.keys_of(StepKind.DECIDE)
        if not accepts:
            self.add(
                "licensing_no_accept", "", "行政许可流程缺少受理环节", "a licensing flow needs an accept step"
            )
        if not decides:
            self.add(
                "licensing_no_decide", "", "行政许可流程缺少决定环节", "a licensing flow needs a decide step"
            )
        # 行政许可法 art. 32(1)(4): what is missing is told at once or within five days; later, the
        # application counts as accepted from its receipt. A longer 受理 step would hide that.
        for key in accepts:
            step = self.steps[key]
            if step.limit is None:
                self.add(
                    "accept_no_limit",
                    key,
                    f"{_zh(step)} 没有设定时限（材料不全的应当场或者五日内一次告知，{ACCEPT_BASIS}）",
                    f"{_en(step)} has no limit (missing materials are told at once or within five days, "
                    f"{ACCEPT_BASIS})",
                    "warning",
                )
            else:
                self.over(
                    "accept_limit_over_legal",
                    key,
                    "受理时限",
                    "acceptance limit",
                    step.limit,
                    ACCEPT_MAX,
                    ACCEPT_BASIS,
                )
        if accepts:
            for key in decides:
                if not self.separated(key, frozenset({StepKind.ACCEPT})):
                    self.add(
                        "licensing_accept_decide_not_separated",
                        key,
                        f"{_zh(self.steps[key])} 未与受理环节分岗（分岗设权：受理、办理、批准由不同人员）",
                        f"{_en(self.steps[key])} is not separated from acceptance (accept, handle and approve "
                        "by different people)",
                    )
        if self.keys_of(StepKind.REVIEW):
            for key in self.keys_of(StepKind.HEARING):
                if not self.separated(key, frozenset({StepKind.REVIEW})):
                    self.add(
                        "licensing_hearing_not_separated",
                        key,
                        f"{_zh(self.steps[key])} 未与审查环节分岗（行政许可法第四十八条第一款第三项：听证主持人应为审查人员以外的人员）",
                        f"{_en(self.steps[key])} is not separated from review (the hearing is chaired by someone "
                        "other than the reviewer, 行政许可法 art. 48(1)(3))",
                    )

    def penalty(self, threshold: int | None, basis_sanctions: frozenset[Sanction] = frozenset()) -> None:
        decides = self.keys_of(StepKind.DECIDE)
        missing = sorted(basis_sanctions - set(self.flow.sanctions)) if self.flow.sanctions else []
        if missing:
            names = "、".join(SANCTION_NAMES[sanction] for sanction in missing)
            self.add(
                "sanctions_narrower_than_basis",
                "",
                f"流程列明的处罚种类少于本事项实施依据规定的：依据中还有{names}（行政处罚法第九条、第六十三条：是否须听证取决于可作出的处罚）",
                f"the flow lists fewer penalties than the power's legal basis names: also {', '.join(missing)} "
                "(行政处罚法 arts. 9, 63)",
            )
        self.hearing_rights(threshold, decides)
        investigates = self.keys_of(StepKind.INVESTIGATE)
        if not decides:
            self.add(
                "penalty_no_decide", "", "行政处罚流程缺少决定环节", "a penalty flow needs a decide step"
            )
        if not investigates:
            self.add(
                "penalty_no_investigate",
                "",
                "行政处罚流程缺少调查取证环节（普通程序必须调查，行政处罚法第五十四条；当场处罚除外）",
                "a penalty flow has no investigate step (the ordinary procedure requires one, 行政处罚法 art. 54; "
                "on-the-spot penalties excepted)",
                "warning",
            )
        if not self.keys_of(StepKind.LEGAL_REVIEW):
            self.add(
                "penalty_no_legal_review",
                "",
                "行政处罚流程缺少法制审核环节（行政处罚法第五十八条规定的情形须经法制审核）",
                "a penalty flow has no legal review step (required in the cases of 行政处罚法 art. 58)",
                "warning",
            )
        investigate = frozenset({StepKind.INVESTIGATE})
        if investigates:
            for key in decides:
                if not self.separated(key, investigate):
                    self.add(
                        "penalty_investigate_decide_not_separated",
                        key,
                        f"{_zh(self.steps[key])} 未与调查取证环节分岗（调查、决定、执行由不同人员）",
                        f"{_en(self.steps[key])} is not separated from investigation (investigate, decide and "
                        "execute by different people)",
                    )
            for key in self.keys_of(StepKind.HEARING):
                if not self.separated(key, investigate):
                    self.add(
                        "penalty_hearing_not_separated",
                        key,
                        f"{_zh(self.steps[key])} 未与调查取证环节分岗（行政处罚法第六十四条第四项：听证由非本案调查人员主持）",
                        f"{_en(self.steps[key])} is not separated from investigation (the hearing is chaired by "
                        "a non-investigator, 行政处罚法 art. 64(4))",
                    )
        if decides:
            for key in self.keys_of(StepKind.EXECUTE):
                if not self.separated(key, frozenset({StepKind.DECIDE})):
                    self.add(
                        "penalty_decide_execute_not_separated",
                        key,
                        f"{_zh(self.steps[key])} 未与决定环节分岗（行政处罚法第六十七条：罚缴分离）",
                        f"{_en(self.steps[key])} is not separated from the decision (fine decision separate "
                        "from collection, 行政处罚法 art. 67)",
                    )

        # 行政处罚法 art. 44 and 62: no penalty decision before the party is told its content, facts,
        # reasons and rights. Every way from the start to a decision must pass a 告知 step.
        around = self.reachable_from(self.flow.start, avoid=frozenset(self.keys_of(StepKind.NOTIFY)))
        for key in decides:
            if key in around:
                self.add(
                    "penalty_decide_without_notify",
                    key,
                    f"存在不经告知即到达{_zh(self.steps[key])} 的路径（行政处罚法第四十四条、第六十二条）",
                    f"{_en(self.steps[key])} can be reached without a notify step (行政处罚法 art. 44, 62)",
                )

    def hearing_rights(self, threshold: int | None, decides: list[str]) -> None:
        """行政处罚法 arts. 63-65: before a penalty art. 63 lists, the party is told of the right to a hearing
        and may ask for one within five days of the notice (art. 64(1)); the decision follows the hearing
        record (art. 65). So the flow needs a hearing step that a notify step leads to and that leads on
        to a decision."""
        grounds = hearing_grounds(self.flow, threshold)
        if not grounds:
            return
        why = "；".join(zh for zh, _ in grounds)
        why_en = "; ".join(en for _, en in grounds)
        hearings = self.keys_of(StepKind.HEARING)
        if not hearings:
            self.add(
                "penalty_no_hearing",
                "",
                f"行政处罚流程缺少听证环节：{why}，应当告知当事人有要求听证的权利（{HEARING_BASIS}、第六十四条）",
                f"a penalty flow has no hearing step although the party has the right to ask for one "
                f"(行政处罚法 art. 63(1), 64): {why_en}",
            )
            return
        notifies = self.keys_of(StepKind.NOTIFY)
        after_notify = set().union(*(self.reachable_from(key) for key in notifies)) if notifies else set()
        around = self.reachable_from(self.flow.start, avoid=frozenset(notifies))
        for key in hearings:
            step = self.steps[key]
            if key not in after_notify or key in around:
                self.add(
                    "penalty_hearing_before_notify",
                    key,
                    f"{_zh(step)} 不在告知之后：当事人在告知后五日内提出听证要求（行政处罚法第六十四条第一项）",
                    f"{_en(step)} does not follow a notify step (the hearing is asked for within five days of "
                    "the notice, 行政处罚法 art. 64(1))",
                )
            if decides and not any(decide in self.reachable_from(key) for decide in decides):
                self.add(
                    "penalty_hearing_without_decision",
                    key,
                    f"{_zh(step)} 之后没有决定环节：听证结束后应当根据听证笔录作出决定（行政处罚法第六十五条）",
                    f"no decision follows {_en(step)} (the decision is made on the hearing record, 行政处罚法 art. 65)",
                )


# How a power's legal basis names the penalties it allows (行政处罚法 art. 9). 没收 of property is read
# from the text with every 没收违法所得 taken out, so that one does not count as the other.
_SANCTION_WORDS: tuple[tuple[tuple[str, ...], Sanction], ...] = (
    (("通报批评",), Sanction.CRITICISM),
    (("警告",), Sanction.WARNING),
    (("罚款",), Sanction.FINE),
    (("没收违法所得",), Sanction.CONFISCATE_INCOME),
    (("暂扣",), Sanction.SUSPEND_LICENCE),
    (("降低资质等级",), Sanction.LOWER_QUALIFICATION),
    (("吊销",), Sanction.REVOKE_LICENCE),
    (("限制开展生产经营活动",), Sanction.RESTRICT_BUSINESS),
    (("停产停业", "责令停业"), Sanction.STOP_PRODUCTION),
    (("责令关闭",), Sanction.CLOSE),
    (("限制从业",), Sanction.RESTRICT_PRACTICE),
    (("拘留",), Sanction.DETENTION),
)
_PROPERTY_WORDS = ("没收非法财物", "没收违法", "没收用于", "没收其", "没收专门", "没收从事")


def sanctions_named(text: str) -> frozenset[Sanction]:
    """The kinds of penalty a legal text (a power's 实施依据, the articles it cites) allows."""
    found = {sanction for words, sanction in _SANCTION_WORDS if any(word in text for word in words)}
    rest = text.replace("没收违法所得", "")
    if any(word in rest for word in _PROPERTY_WORDS):
        found.add(Sanction.CONFISCATE_PROPERTY)
    return frozenset(found)


def hearing_grounds(flow: Flow, threshold: int | None) -> list[tuple[str, str]]:
    """Why a penalty flow must offer a hearing (行政处罚法 art. 63), each in Chinese and English; [] when it
    need not.

    A flow that lists no penalty kinds is taken to impose any, and so needs one. A fine or confiscation
    needs one unless the flow's largest amount is known and below the unit's 较大数额 (`threshold`)."""
    if not flow.sanctions:
        return [("未列明可作出的处罚种类", "the flow lists no kinds of penalty")]
    grounds = [
        (SANCTION_NAMES[sanction], sanction.value)
        for sanction in flow.sanctions
        if sanction in HEARING_ALWAYS
    ]
    amounts = [sanction for sanction in flow.sanctions if sanction in HEARING_ABOVE_AMOUNT]
    if amounts:
        zh = "、".join(SANCTION_NAMES[sanction] for sanction in amounts)
        en = ", ".join(sanction.value for sanction in amounts)
        if flow.max_amount is None:
            grounds.append((f"{zh}未设上限", f"{en} without an upper amount"))
        elif threshold is None:
            grounds.append(
                (
                    f"{zh}（本单位未登记“较大数额”标准）",
                    f"{en} (the unit has registered no 较大数额 threshold)",
                )
            )
        elif flow.max_amount >= threshold:
            grounds.append(
                (
                    f"{zh}可达{flow.max_amount}元（较大数额标准{threshold}元）",
                    f"{en} up to {flow.max_amount} yuan (the threshold is {threshold})",
                )
            )
    return grounds


def _first_unassignable(steps: Sequence[Step], holders: Sequence[frozenset[str]]) -> Step:
    """The first step whose addition makes the distinct assignment impossible."""
    for size in range(1, len(steps) + 1):
        if assign_distinct(holders[:size]) is None:
            return steps[size - 1]
    return steps[-1]
