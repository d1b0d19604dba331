"""Flows of the shapes real models have, built from the templates: a licensing flow whose review is a
会签 of two posts in parallel, one with a WAIT step, one that calls another power's flow."""

from __future__ import annotations

from dataclasses import replace

from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Gateway,
    Limit,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.flows.templates import template_for


def parallel_licensing() -> Flow:
    """受理 → (审查 ‖ 现场核查) → 决定 → 送达: the review and the site check run at once (会签) and the
    decision waits for both."""
    base = template_for("licensing")
    site = Step("site", "现场核查", StepKind.SITE_CHECK, "分管领导", Limit(5, DayKind.WORKING))
    steps = tuple(s for s in base.steps if s.key not in {"hearing", "extend"})
    steps = (*steps[:2], site, *steps[2:])
    transitions = (
        Transition("accept", "pass", "split", TransitionKind.NEXT, "受理"),
        Transition("accept", "correct", "accept", TransitionKind.CORRECTION, "需补正"),
        Transition("accept", "refuse", END, TransitionKind.REJECT, "不予受理"),
        Transition("split", "go", "review"),
        Transition("split", "go_site", "site"),
        Transition("review", "pass", "join", TransitionKind.NEXT, "审查通过"),
        Transition("review", "refuse", END, TransitionKind.REJECT, "审查不通过"),
        Transition("site", "pass", "join", TransitionKind.NEXT, "核查通过"),
        Transition("join", "go", "decide"),
        Transition("decide", "grant", "deliver", TransitionKind.NEXT, "准予许可"),
        Transition("decide", "refuse", "deliver", TransitionKind.REJECT, "不予许可"),
        Transition("deliver", "done", END, TransitionKind.NEXT, "已送达"),
    )
    return replace(
        base,
        name="联合审查许可流程",
        steps=steps,
        transitions=transitions,
        gateways=(Gateway("split", "会签分发"), Gateway("join", "会签汇总")),
        extension=None,
        separation=(SeparationGroup("受理、审查、决定分离", ("accept", "review", "decide")),),
        risks=tuple(r for r in base.risks if r.step in {s.key for s in steps}),
        posts=(*base.posts, "分管领导"),
    )


def waiting_licensing(days: int = 10) -> Flow:
    """The licensing template with a WAIT step after 受理: 征求意见 — an objection (a message, recorded by
    staff) sends the case to a hearing-free review; silence for `days` working days counts as none."""
    base = template_for("licensing")
    wait = Step("consult", "征求利害关系人意见", StepKind.WAIT, "受理岗")
    steps = (base.steps[0], wait, *base.steps[1:])
    transitions = tuple(
        replace(t, target="consult") if (t.source, t.outcome) == ("accept", "pass") else t
        for t in base.transitions
    )
    transitions = (
        *transitions,
        Transition("consult", "objection", "review", TransitionKind.NEXT, "收到异议"),
        Transition(
            "consult",
            "silence",
            "review",
            TransitionKind.NEXT,
            "期满无异议",
            after=Limit(days, DayKind.WORKING),
        ),
    )
    return replace(base, name="征求意见许可流程", steps=steps, transitions=transitions)


def calling_licensing(code: str) -> Flow:
    """受理 → 联合检查 (power `code`'s published flow, called) → 决定 → 送达."""
    base = template_for("licensing")
    steps = tuple(
        Step("review", "联合检查", StepKind.CALL, calls=code) if s.key == "review" else s
        for s in base.steps
        if s.key not in {"hearing", "extend"}
    )
    transitions = tuple(
        t
        for t in base.transitions
        if t.source not in {"review", "hearing", "extend"} and (t.source, t.outcome) != ("decide", "return")
    )
    return replace(
        base,
        name="调用检查的许可流程",
        steps=steps,
        transitions=(*transitions, Transition("review", "done", "decide", TransitionKind.NEXT, "检查完毕")),
        extension=None,
        separation=(SeparationGroup("受理、审查、决定分离", ("accept", "review", "decide")),),
        risks=tuple(r for r in base.risks if r.step in {s.key for s in steps}),
    )
