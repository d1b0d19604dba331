"""The BPMN parts of a flow in the drawings: parallel gateways, WAIT steps with timers, CALL steps and
step groups (pure; no database)."""

from __future__ import annotations

from lxml import etree

from liuquan.flows.diagram import flow_svg, gateway_id, risk_svg, step_id
from liuquan.flows.spec import (
    END,
    Flow,
    Gateway,
    Limit,
    RiskLevel,
    RiskPoint,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from tests.flows.test_diagram_labels import crossings, path_points, problems

SVG = "{http://www.w3.org/2000/svg}"


def joint_review_flow() -> Flow:
    """受理 → (并行: 规划审查 ‖ 消防审查) → 汇合 → 答复等待 (timer) → 决定, with a called 现场勘验 in a group."""
    return Flow(
        name="建设项目联合审查",
        category="licensing",
        steps=(
            Step("accept", "受理", StepKind.ACCEPT, post="受理岗", limit=Limit(5)),
            Step("plan", "规划审查", StepKind.REVIEW, post="规划审查岗", limit=Limit(10), group="联合审查"),
            Step("fire", "消防审查", StepKind.REVIEW, post="消防审查岗", limit=Limit(10), group="联合审查"),
            Step("survey", "现场勘验", StepKind.CALL, post="消防审查岗", calls="JC001", group="联合审查"),
            Step("wait", "等待申请人答复", StepKind.WAIT, post="受理岗"),
            Step("decide", "决定", StepKind.DECIDE, post="审批岗", limit=Limit(5)),
        ),
        transitions=(
            Transition("accept", "pass", "split", label="受理"),
            Transition("accept", "refuse", END, TransitionKind.REJECT, label="不予受理"),
            Transition("split", "plan", "plan"),
            Transition("split", "fire", "fire"),
            Transition("fire", "pass", "survey", label="需勘验"),
            Transition("plan", "pass", "join", label="规划意见"),
            Transition("survey", "done", "join", label="勘验完毕"),
            Transition("join", "pass", "wait", label="汇总意见"),
            Transition("wait", "answered", "decide", label="申请人答复"),
            Transition("wait", "timeout", "decide", after=Limit(10), label="视为无异议"),
            Transition("wait", "withdrawn", END, TransitionKind.TERMINATE, after=Limit(30)),
            Transition("decide", "grant", END, label="准予许可"),
        ),
        gateways=(Gateway("split", "并行审查"), Gateway("join")),
        posts=("受理岗", "规划审查岗", "消防审查岗", "审批岗"),
        risks=(RiskPoint("wait", "超期不办", "等待期满未及时决定", RiskLevel.MEDIUM, "到期自动提醒"),),
    )


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def test_parallel_gateways_are_diamonds_with_a_plus_and_their_transitions_are_drawn() -> None:
    root = parse(flow_svg(joint_review_flow()))

    for key in ("split", "join"):
        group = root.find(f".//{SVG}g[@id='{gateway_id(key)}']")
        assert group is not None
        assert "gateway-parallel" in group.get("class", "")
        points = group.find(f"{SVG}polygon")
        assert points is not None and len(points.get("points", "").split()) == 4  # a diamond
        plus = group.find(f"{SVG}path")
        assert plus is not None and plus.get("d", "").count("M") == 2
    for source, target in (("accept", "split"), ("split", "plan"), ("split", "fire"), ("join", "wait")):
        edge = root.find(f".//{SVG}g[@data-source='{source}'][@data-target='{target}']")
        assert edge is not None, (source, target)
        assert "route-forward" in edge.get("class", "")
    assert "并行审查" in "".join(root.itertext())


def test_a_split_draws_its_branches_in_their_lanes_side_by_side_and_the_join_after_them() -> None:
    root = parse(flow_svg(joint_review_flow()))

    def box(key: str) -> tuple[float, float]:
        group = root.find(f".//{SVG}g[@id='{key}']")
        assert group is not None
        shape = group.find(f"{SVG}rect")
        if shape is None:
            shape = group.find(f"{SVG}polygon")
            assert shape is not None
            xs = [float(p.split(",")[0]) for p in shape.get("points", "").split()]
            return min(xs), max(xs)
        x = float(shape.get("x", "0"))
        return x, x + float(shape.get("width", "0"))

    split, join = box(gateway_id("split")), box(gateway_id("join"))
    plan, fire = box(step_id("plan")), box(step_id("fire"))
    assert split[1] < plan[0] and split[1] < fire[0]
    assert plan[0] == fire[0]  # parallel branches in different lanes share a column
    assert join[0] > max(plan[1], box(step_id("survey"))[1])


def test_a_wait_step_has_an_hourglass_and_its_timers_say_when_they_fire() -> None:
    root = parse(flow_svg(joint_review_flow()))

    wait = root.find(f".//{SVG}g[@id='{step_id('wait')}']")
    assert wait is not None and wait.find(f"{SVG}path[@class='wait-marker']") is not None
    timer = root.find(f".//{SVG}g[@data-outcome='timeout']")
    assert timer is not None and timer.get("data-timer") == "true"
    words = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "10个工作日后：视为无异议" in words or any("10个工作日后" in w for w in words)
    assert any(w.startswith("30个工作日后") for w in words)  # the timer alone when there is no label


def test_a_call_step_has_a_thick_border_a_plus_marker_and_the_called_power() -> None:
    root = parse(flow_svg(joint_review_flow()))

    call = root.find(f".//{SVG}g[@id='{step_id('survey')}']")
    assert call is not None
    rect = call.find(f"{SVG}rect")
    assert rect is not None and float(rect.get("stroke-width", "0")) >= 3
    assert call.find(f"{SVG}path[@class='call-marker']") is not None
    assert "调用：JC001" in "".join(call.itertext())


def test_a_group_is_a_dashed_frame_around_its_steps_with_its_name() -> None:
    root = parse(flow_svg(joint_review_flow()))

    frame = root.find(f".//{SVG}g[@class='group']")
    assert frame is not None and frame.get("data-group") == "联合审查"
    rect = frame.find(f"{SVG}rect")
    assert rect is not None and rect.get("stroke-dasharray")
    left, top = float(rect.get("x", "0")), float(rect.get("y", "0"))
    right, bottom = left + float(rect.get("width", "0")), top + float(rect.get("height", "0"))
    for key in ("plan", "fire", "survey"):
        step = root.find(f".//{SVG}g[@id='{step_id(key)}']/{SVG}rect")
        assert step is not None
        x, y = float(step.get("x", "0")), float(step.get("y", "0"))
        assert left < x and y > top
        assert x + float(step.get("width", "0")) < right and y + float(step.get("height", "0")) < bottom
    assert "联合审查" in "".join(frame.itertext())


def test_the_parts_draw_without_overlaps_in_both_drawings() -> None:
    flow = joint_review_flow()
    for svg in (flow_svg(flow), risk_svg(flow)):
        assert problems(svg) == []
        assert crossings(svg) == []
        root = parse(svg)
        for edge in root.iter(f"{SVG}g"):
            if "transition" in (edge.get("class") or "").split():
                path = edge.find(f"{SVG}path")
                assert path is not None and path_points(path.get("d", ""))
