"""Whether every step of a read flow can end, and if not, why, element by element (pure; no Django).

The mapping decisions are written down once, in `liuquan.flows.bpmn`.
"""

from __future__ import annotations

from collections import defaultdict

from liuquan.flows.bpmn_common import Element, Reporter, describe, describe_zh, reach
from liuquan.flows.spec import END, Gateway, Step, Transition


def check_ends(
    report: Reporter,
    steps: list[Step],
    gateways: list[Gateway],
    transitions: list[Transition],
    element_of: dict[str, Element],
    dropped: dict[str, list[Element]],
) -> None:
    """Every step and gateway must reach an end; a step the start cannot reach is warned about."""
    forward: dict[str, set[str]] = defaultdict(set)
    backward: dict[str, set[str]] = defaultdict(set)
    for transition in transitions:
        forward[transition.source].add(transition.target)
        backward[transition.target].add(transition.source)
    keys = [step.key for step in steps] + [gateway.key for gateway in gateways]
    can_end = reach(END, backward)
    stuck = [key for key in keys if key not in can_end]
    if stuck:
        _explain_stuck(report, stuck, forward, element_of, dropped)
    reached = reach(steps[0].key, forward)
    for step in steps:
        if step.key not in reached:
            report.warn(
                f"从开始无法到达环节“{step.name}”", f'step "{step.name}" cannot be reached from the start'
            )


def _explain_stuck(
    report: Reporter,
    stuck: list[str],
    forward: dict[str, set[str]],
    element_of: dict[str, Element],
    dropped: dict[str, list[Element]],
) -> None:
    """Why steps can never end, element by element: a dead end (and what it runs into), a closed loop,
    and the steps that lead only into those."""

    def both(keys: list[str]) -> tuple[str, str]:
        elements = [element_of[key] for key in keys]
        return "、".join(describe_zh(el) for el in elements), "; ".join(describe(el) for el in elements)

    limited = stuck[:200]  # a hostile file may have thousands; the first ones say enough
    reaches = {key: reach(key, forward) for key in limited}
    causes: list[str] = []
    for key in limited:
        if key in causes:
            continue
        if not forward.get(key):
            causes.append(key)
            zh, en = both([key])
            lost = dropped.get(key, [])
            if lost:
                what_zh = "、".join(describe_zh(el) for el in lost)
                what_en = "; ".join(describe(el) for el in lost)
                report.problem(
                    f"{zh} 没有出路：它的去向 {what_zh} 未能转换，案件到此既不能继续也不能办结",
                    f"{en} has no way out: its paths lead only to {what_en}, which is not mapped, so a "
                    "case there can never reach an end",
                )
            else:
                report.problem(
                    f"{zh} 没有出路：没有任何流转能从它走到结束",
                    f"{en} has no way out: no transition leaves it, so a case there can never reach an end",
                )
        elif all(key in reaches.get(other, set()) for other in reaches[key]):
            loop = [other for other in limited if other in reaches[key]]  # all reach each other
            causes += loop
            zh, en = both(loop)
            report.problem(
                f"闭环没有出口：{zh} 只在彼此之间流转，没有一条路通向结束事件",
                f"a loop with no way out: {en} lead only to each other and can never reach an end",
            )
    rest = [key for key in stuck if key not in causes]
    if rest:
        zh, en = both(rest)
        report.problem(
            f"{zh} 只能走到上面没有出路的环节，永远无法办结",
            f"{en} lead only into the above and can never reach an end",
        )
