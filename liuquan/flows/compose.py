"""Call activities (调用子流程): a flow that runs another power's published flow as one of its steps
(pure; no Django).

A draft names the called power on a CALL step. When the draft is published, the called power's flow in
force is inlined in its place and its version pinned in `Flow.calls`, so a case runs the called steps
like its own (one clock, one trace, one set of separation rules) and never changes under it when the
called flow is revised. The called steps are keyed ``<call step>.<their key>`` and grouped under the
called flow's name, as drawn and exported.

Where the called flow ends, the case goes on along the CALL step's transitions: an end reached with an
outcome the CALL step also has goes where that outcome goes; any other ordinary end goes along the CALL
step's only transition, if it has exactly one. A refusal or termination in the called flow ends the case.
A separation group that names the CALL step keeps its other members apart from every called step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from liuquan.flows.spec import END, Call, Flow, SeparationGroup, StepKind, Transition
from liuquan.flows.tokens import ENDS_CASE


@dataclass(frozen=True)
class Called:
    """The flow in force of a called power."""

    power: str
    version: int
    flow: Flow


@dataclass(frozen=True)
class CallProblem:
    step: str
    message: str
    message_en: str


def calls_of(flow: Flow) -> dict[str, str]:
    """CALL step key → the power code it calls."""
    return {step.key: step.calls.strip() for step in flow.steps if step.kind is StepKind.CALL}


def inline(flow: Flow, called: Mapping[str, Called]) -> tuple[Flow, list[CallProblem]]:
    """`flow` with every CALL step whose key is in `called` replaced by the called flow's steps."""
    problems: list[CallProblem] = []
    result = flow
    for key, target in called.items():
        step = result.step(key)
        if step is None or step.kind is not StepKind.CALL:
            continue
        result = _inline_one(result, key, target, problems)
    return result, problems


def _inline_one(flow: Flow, key: str, target: Called, problems: list[CallProblem]) -> Flow:
    caller = flow.step(key)
    assert caller is not None
    inner = target.flow
    prefix = f"{key}."

    def renamed(name: str) -> str:
        return name if name == END else prefix + name

    group = inner.name or target.power
    steps = []
    for step in flow.steps:
        if step.key != key:
            steps.append(step)
            continue
        for own in inner.steps:
            steps.append(replace(own, key=renamed(own.key), group=own.group or group))
    onward = {t.outcome: t for t in flow.outgoing(key)}
    only = next(iter(onward.values())) if len(onward) == 1 else None
    transitions: list[Transition] = []
    for t in flow.transitions:
        if t.source == key:
            continue  # replaced by the called flow's ends
        if t.target == key:
            transitions.append(replace(t, target=renamed(inner.start)))
        else:
            transitions.append(t)
    for t in inner.transitions:
        moved = replace(t, source=renamed(t.source), target=renamed(t.target))
        if t.target == END and t.kind not in ENDS_CASE:
            out = onward.get(t.outcome) or only
            if out is None:
                problems.append(
                    CallProblem(
                        key,
                        f"子流程「{group}」以“{t.label or t.outcome}”结束，但调用环节「{caller.name}」没有同名的后续流转",
                        f"the called flow “{group}” ends with “{t.outcome}”, which step {key} has no transition for",
                    )
                )
                continue
            moved = replace(moved, target=out.target, kind=out.kind, label=t.label or out.label)
        transitions.append(moved)
    gateways = (*flow.gateways, *(replace(g, key=renamed(g.key)) for g in inner.gateways))
    inner_keys = tuple(renamed(step.key) for step in inner.steps)
    # A group naming the CALL step keeps each of its other members apart from every called step, but
    # does not force the called steps apart from each other (that is the called flow's own groups' say).
    separation: list[SeparationGroup] = []
    for g in flow.separation:
        if key not in g.steps:
            separation.append(g)
            continue
        others = tuple(member for member in g.steps if member != key)
        if len(others) >= 2:
            separation.append(replace(g, steps=others))
        separation += [replace(g, steps=(member, inner)) for member in others for inner in inner_keys]
    separation += [
        SeparationGroup(f"{group}：{g.name}", tuple(renamed(k) for k in g.steps), g.basis)
        for g in inner.separation
    ]
    risks = [replace(r, step=renamed(inner.start)) if r.step == key else r for r in flow.risks]
    risks += [replace(r, step=renamed(r.step)) for r in inner.risks]
    posts = (*flow.posts, *(post for post in inner.lanes() if post and post not in flow.posts))
    return replace(
        flow,
        steps=tuple(steps),
        transitions=tuple(transitions),
        gateways=gateways,
        separation=tuple(separation),
        risks=tuple(risks),
        posts=posts,
        calls=(*flow.calls, Call(step=key, power=target.power, version=target.version, name=inner.name)),
    )
