"""Message flows between pools, as the BPMN reader maps them (pure; no Django).

A message flow carries no control flow inside one process, but one into another pool's message start
event starts that pool's process, asynchronously, when the message is sent. A liuquan flow says the same
with a parallel split: the transitions that send the message go through a new spec.Gateway that also
opens the started pool's first steps, and that pool's end events end only their own branch. A message
flow into an intermediate catch event (or a receive task) changes nothing: that event is a WAIT step
staff complete when the message arrives. Everything else stays unmapped, with the reason.

The mapping decisions are written down once, in `liuquan.flows.bpmn`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from liuquan.flows.bpmn_common import (
    STEP_TAGS,
    Element,
    Reporter,
    bpmn_tag,
    clean,
    describe,
    describe_zh,
    event_definition,
    ref_id,
)
from liuquan.flows.spec import END, Gateway, GatewayKind, Transition
from liuquan.flows.tokens import ENDS_CASE

# What may send a message that starts another pool: a task done by a post (the message goes when it is
# completed), a send task or throw event a path passes, an end event a path reaches.
SENDING_STEP_TAGS = STEP_TAGS | {"callActivity", "receiveTask"}
SENDING_EVENT_TAGS = frozenset({"sendTask", "intermediateThrowEvent", "endEvent"})


@dataclass
class Messages:
    """The message flows that start a pool, by what sends them and by the start event they reach."""

    starts: dict[str, list[Element]] = field(default_factory=dict)  # message start id → its message flows
    sent_by: dict[str, list[Element]] = field(default_factory=dict)  # sending node id → its message flows
    pools: set[int] = field(default_factory=set)  # the pools a message starts (their ends end a branch)

    def carried(self, nodes: Iterable[str]) -> list[Element]:
        """The message flows sent along a path through `nodes`, each once, in document order."""
        found: dict[int, Element] = {}
        for node_id in nodes:
            for message in self.sent_by.get(node_id, []):
                found.setdefault(id(message), message)
        return list(found.values())


def read_messages(
    report: Reporter, messages: list[Element], nodes: dict[str, Element], pool_of: dict[str, int]
) -> Messages:
    """Sort the message flows: the ones that start another pool (returned), the ones into a wait (a
    warning: nothing to map), and the rest (unmapped, with the reason)."""
    found = Messages()
    for message in messages:
        source = nodes.get(ref_id(message.get("sourceRef")))
        target = nodes.get(ref_id(message.get("targetRef")))
        why = _why_not(source, target, pool_of)
        if why is None:
            assert source is not None and target is not None
            found.starts.setdefault(target.get("id", ""), []).append(message)
            found.sent_by.setdefault(source.get("id", ""), []).append(message)
            found.pools.add(pool_of[target.get("id", "")])
        elif why == ("", ""):
            assert target is not None
            report.warn(
                f"{describe_zh(message)} 指向 {describe_zh(target)}：仅供参考，该等待环节照常保留，"
                "消息到达时由岗位办理；消息流本身不形成流转",
                f"{describe(message)} goes to {describe(target)}: for information only, that wait step is "
                "kept as it is and staff complete it when the message arrives; the message flow itself "
                "makes no transition",
            )
        else:
            report.unmapped(message, *why)
    return found


def _why_not(
    source: Element | None, target: Element | None, pool_of: dict[str, int]
) -> tuple[str, str] | None:
    """None for a message flow that starts another pool, ("", "") for one into a wait, else the reason
    it is not mapped (Chinese, English)."""
    if target is not None and _is_wait(target):
        return "", ""
    if target is None:
        return (
            "它指向泳池本身或未导入的元素，无法知道在哪里开始什么",
            "it goes to a pool as a whole or to an element not imported, so where it starts anything is "
            "not said",
        )
    if bpmn_tag(target) == "startEvent" and pool_of.get(target.get("id", "")) == 0:
        return (
            "它指向第一个泳池的开始事件，而流程本身从那里开始：案件因申请或立案而开始，不因消息开始",
            "it goes to the first pool's start event, where the flow itself starts: a case starts with an "
            "application or a filing, not with a message",
        )
    if bpmn_tag(target) != "startEvent" or event_definition(target)[0] != "message":
        return (
            "消息流只有指向另一泳池的消息开始事件（启动该泳池的流程）或中间消息捕获事件（等待环节）才能转换",
            "a message flow is mapped only into another pool's message start event (it starts that pool's "
            "process) or into an intermediate message catch event (a wait step)",
        )
    if source is None:
        return (
            "它来自泳池本身（黑盒泳池）或未导入的元素，无法知道何时发送",
            "it comes from a pool as a whole (a black box) or from an element not imported, so when it is "
            "sent is not said",
        )
    if pool_of.get(source.get("id", "")) == pool_of.get(target.get("id", "")):
        return ("消息流的两端在同一泳池中", "both ends are in the same pool")
    if bpmn_tag(source) not in SENDING_STEP_TAGS | SENDING_EVENT_TAGS:
        return (
            "只有任务、发送任务、抛出事件或结束事件发出的消息才能启动另一泳池；无法知道它何时发送",
            "only a task, a send task, a throw event or an end event can send a message that starts another "
            "pool; when this one is sent is not said",
        )
    return None


def _is_wait(element: Element) -> bool:
    tag = bpmn_tag(element)
    return tag == "receiveTask" or (
        tag == "intermediateCatchEvent" and event_definition(element)[0] == "message"
    )


def split_for_messages(
    routed: list[tuple[Transition, list[Element]]],
    openings: dict[str, list[str]],
    taken: set[str],
) -> tuple[list[Transition], list[Gateway], set[int]]:
    """Each transition that sends messages goes into a new parallel split, which goes on to the
    transition's target and opens the started pools' first steps (`openings`: message start id → step or
    gateway keys, or END). A transition that ends the case (REJECT/TERMINATE to the end) is left alone: the
    pool it would start would end with the case at once. Returns the transitions, the new gateways and
    the ids of the message flows some transition carries."""
    transitions: list[Transition] = []
    gateways: list[Gateway] = []
    carried: set[int] = set()
    for transition, messages in routed:
        if not messages or (transition.target == END and transition.kind in ENDS_CASE):
            transitions.append(transition)
            continue
        first = messages[0]
        base = re.sub(r"[^0-9a-z]+", "_", first.get("id", "").lower()).strip("_") or "message"
        base = f"msg_{base}" if base[0].isdigit() or base == END else base
        key, number = base, 2
        while key in taken:
            key, number = f"{base}_{number}", number + 1
        taken.add(key)
        gateways.append(Gateway(key, clean(first.get("name")), GatewayKind.PARALLEL))
        transitions.append(replace(transition, target=key))
        transitions.append(Transition(key, "go", transition.target))
        opened: list[str] = []
        for message in messages:
            carried.add(id(message))
            for target in openings.get(ref_id(message.get("targetRef")), []):
                if target not in opened:
                    opened.append(target)
                    transitions.append(Transition(key, "go", target))
    return transitions, gateways, carried
