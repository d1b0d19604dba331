"""The 权力运行流程图 and 风险防控图 drawn as SVG (pure; no database)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from liuquan.flows.diagram import (
    RISK_COLORS,
    flow_svg,
    limit_text,
    risk_svg,
    text_width,
    wrap_text,
)
from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Limit,
    RiskLevel,
    RiskPoint,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


def texts(root: ET.Element) -> list[str]:
    """Each <text> as drawn: its own text and its <tspan> lines joined."""
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def lines_of(root: ET.Element) -> list[str]:
    """Every drawn line: a <tspan>, or a <text> without any."""
    found: list[str] = []
    for node in root.iter(f"{SVG}text"):
        spans = node.findall(f"{SVG}tspan")
        found.extend(span.text or "" for span in spans) if spans else found.append(node.text or "")
    return found


def path_of(group: ET.Element) -> str:
    path = group.find(f"{SVG}path")
    assert path is not None
    return path.get("d", "")


def step_group(root: ET.Element, key: str) -> ET.Element:
    group = root.find(f".//{SVG}g[@id='step-{key}']")
    assert group is not None, key
    return group


def licensing_flow() -> Flow:
    """受理 → 审查 (⇄ 听证) → 决定 → 送达, with 不予受理, 补正 back to 受理, 延期 on 审查, 退回 to 审查."""
    return Flow(
        name="建设工程规划许可",
        category="licensing",
        steps=(
            Step("accept", "受理", StepKind.ACCEPT, post="窗口受理岗", limit=Limit(1)),
            Step("review", "审查", StepKind.REVIEW, post="业务审查岗", limit=Limit(10)),
            Step(
                "hearing",
                "听证",
                StepKind.HEARING,
                post="业务审查岗",
                limit=Limit(20, DayKind.NATURAL),
                suspends_clock=True,
            ),
            Step(
                "decide",
                "决定",
                StepKind.DECIDE,
                post="分管领导",
                limit=Limit(5),
                meeting=True,
                publicity=True,
            ),
            Step("deliver", "送达", StepKind.DELIVER, post="窗口受理岗", limit=Limit(10)),
        ),
        transitions=(
            Transition("accept", "pass", "review", label="受理"),
            Transition("accept", "refuse", END, TransitionKind.REJECT, label="不予受理"),
            Transition("review", "pass", "decide", label="通过"),
            Transition("review", "hearing", "hearing", TransitionKind.SUSPEND, label="需听证"),
            Transition("review", "correct", "accept", TransitionKind.CORRECTION, label="需补正"),
            Transition("review", "extend", "review", TransitionKind.EXTEND, label="延期"),
            Transition("hearing", "done", "decide", label="听证结束"),
            Transition("decide", "grant", "deliver", label="准予许可"),
            Transition("decide", "back", "review", TransitionKind.RETURN, label="退回重审"),
            Transition("decide", "deny", END, TransitionKind.TERMINATE, label="不予许可"),
            Transition("deliver", "done", END, label="送达"),
        ),
        case_limit=Limit(20),
        extension=Limit(10),
        separation=(
            SeparationGroup("受理审查决定分离", ("accept", "review", "decide"), basis="行政许可法第三十三条"),
        ),
        posts=("窗口受理岗", "业务审查岗", "分管领导"),
    )


def risk_flow() -> Flow:
    return replace(
        licensing_flow(),
        risks=(
            RiskPoint(
                "accept",
                "受理不规范",
                "对符合条件的申请不予受理，或对材料不全的申请违规受理",
                RiskLevel.MEDIUM,
                "公开受理条件和材料清单，一次性告知需补正的全部内容，受理情况实时录入平台",
                post="窗口受理岗",
                person="窗口负责人",
            ),
            RiskPoint(
                "review",
                "审查把关不严",
                "降低标准审查、选择性审查，或者故意拖延办理时间，吃拿卡要、优亲厚友、以权谋私",
                RiskLevel.HIGH,
                "实行审查标准化，审查意见留痕，系统超时自动预警；纪检监察机构定期抽查审查记录，发现问题及时处置",
                post="业务审查岗",
                person="科长",
                rule="time_red",
            ),
            RiskPoint(
                "deliver", "送达不及时", "超过时限送达", RiskLevel.LOW, "系统提醒送达期限", post="窗口受理岗"
            ),
        ),
    )


# --- the flow chart ---


def test_flow_svg_is_an_svg_document_with_size_title_and_role() -> None:
    root = parse(flow_svg(licensing_flow()))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert width > 600 and height > 300
    assert root.find(f"{SVG}title") is not None
    assert root.findtext(f"{SVG}title") == "建设工程规划许可权力运行流程图"
    assert "Noto Sans CJK SC" in root.get("font-family", "")


def test_every_step_lane_and_transition_label_is_drawn_as_text() -> None:
    flow = licensing_flow()
    drawn = texts(parse(flow_svg(flow)))

    for step in flow.steps:
        assert step.name in drawn
    for post in flow.lanes():
        assert post in drawn
    for transition in flow.transitions:
        assert transition.label in drawn, transition.label
    assert {"开始", "办结"} <= set(drawn)


def test_limits_and_badges_are_shown_on_the_boxes() -> None:
    root = parse(flow_svg(licensing_flow()))

    assert "≤10个工作日" in texts(step_group(root, "review"))
    assert "≤20个自然日" in texts(step_group(root, "hearing"))
    assert "不计时" in texts(step_group(root, "hearing"))
    assert {"上会", "公示"} <= set(texts(step_group(root, "decide")))
    assert "不计时" not in texts(step_group(root, "decide"))


def test_legend_gives_the_case_limit_and_the_separation_of_posts() -> None:
    drawn = texts(parse(flow_svg(licensing_flow())))

    assert "办结时限：20个工作日，可延长10个工作日" in drawn
    assert "分岗设权：受理、审查、决定由不同人员办理（行政许可法第三十三条）" in drawn


def test_steps_have_ids_classes_and_data_for_browser_tests() -> None:
    root = parse(flow_svg(licensing_flow()))

    group = step_group(root, "accept")
    assert "step" in group.get("class", "").split()
    assert group.get("data-kind") == "accept"
    assert group.find(f"{SVG}rect") is not None
    assert group.get("data-risk-level") is None  # only the risk map carries levels


def test_back_edges_and_self_loops_are_curves() -> None:
    root = parse(flow_svg(licensing_flow()))

    def route(outcome: str, source: str) -> ET.Element:
        for group in root.iter(f"{SVG}g"):
            if group.get("data-source") == source and group.get("data-outcome") == outcome:
                return group
        raise AssertionError(outcome)

    loop = route("extend", "review")
    assert "route-loop" in loop.get("class", "")
    assert "C" in path_of(loop)
    back = route("correct", "review")
    assert "route-cross" in back.get("class", "")
    assert "Q" in path_of(back)  # rounded corners through the gap between the columns
    assert back.find(f"{SVG}path").get("stroke-dasharray")  # type: ignore[union-attr]
    forward = route("pass", "accept")
    assert "route-forward" in forward.get("class", "")
    assert forward.find(f"{SVG}path").get("stroke-dasharray") is None  # type: ignore[union-attr]


def test_back_edge_within_one_lane_arcs_over_the_boxes() -> None:
    flow = Flow(
        name="简易",
        category="other",
        steps=(
            Step("a", "甲", StepKind.ACCEPT, post="岗"),
            Step("b", "乙", StepKind.REVIEW, post="岗"),
            Step("c", "丙", StepKind.DECIDE, post="岗"),
        ),
        transitions=(
            Transition("a", "pass", "b"),
            Transition("b", "pass", "c"),
            Transition("c", "back", "a", TransitionKind.RETURN),
            Transition("c", "redo", "b", TransitionKind.RETURN, label="重新审查"),
            Transition("c", "done", END),
        ),
    )
    root = parse(flow_svg(flow))

    arcs = [g for g in root.iter(f"{SVG}g") if "route-arc" in g.get("class", "")]
    assert len(arcs) == 2
    assert all("C" in path_of(arc) for arc in arcs)
    assert {"退回", "重新审查"} <= set(texts(root))  # an unlabelled 退回 gets its kind's name


def test_steps_read_left_to_right_in_step_order() -> None:
    root = parse(flow_svg(licensing_flow()))

    def left(key: str) -> float:
        rect = step_group(root, key).find(f"{SVG}rect")
        assert rect is not None
        return float(rect.get("x", "0"))

    assert left("accept") < left("review") < left("hearing") < left("decide") < left("deliver")


def test_user_text_is_escaped() -> None:
    flow = Flow(
        name="<script>alert(1)</script>",
        category="other",
        steps=(
            Step("a", "<script>alert('x')</script>", StepKind.ACCEPT, post="A&B岗"),
            Step("b", 'R&D "审查"', StepKind.REVIEW, post="<b>岗</b>", note="x\x00y"),
        ),
        transitions=(Transition("a", "go", "b", label="<通过&>"), Transition("b", "end", END)),
    )
    svg = flow_svg(flow)
    root = parse(svg)

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    drawn = texts(root)
    assert "<script>alert('x')</script>" in drawn
    assert 'R&D "审查"' in drawn
    assert {"A&B岗", "<b>岗</b>", "<通过&>"} <= set(drawn)
    assert not root.findall(f".//{SVG}script")
    assert "\x00" not in svg


def test_a_flow_without_posts_draws_one_unassigned_lane() -> None:
    flow = Flow(
        name="无岗位",
        category="other",
        steps=(Step("a", "受理", StepKind.ACCEPT), Step("b", "决定", StepKind.DECIDE)),
        transitions=(Transition("a", "pass", "b"), Transition("b", "done", END)),
    )
    root = parse(flow_svg(flow))

    assert texts(root).count("未指定岗位") == 1
    assert len(root.findall(f".//{SVG}g[@class='lane']")) == 1


def test_an_empty_flow_still_draws() -> None:
    root = parse(flow_svg(Flow(name="草稿", category="other", steps=(), transitions=())))

    assert "尚未定义环节" in texts(root)


def test_transitions_to_unknown_steps_do_not_break_the_drawing() -> None:
    flow = Flow(
        name="残缺",
        category="other",
        steps=(Step("a", "受理", StepKind.ACCEPT),),
        transitions=(Transition("a", "x", "missing", label="去向不明"), Transition("ghost", "y", "a")),
    )
    assert "去向不明" in texts(parse(flow_svg(flow)))


def test_long_chinese_names_wrap_into_lines() -> None:
    name = "对建设工程设计方案及建设工程规划许可证申请材料进行实质审查"
    flow = Flow(
        name="长名称",
        category="licensing",
        steps=(Step("a", name, StepKind.REVIEW, post="审查岗"),),
        transitions=(Transition("a", "done", END),),
    )
    root = parse(flow_svg(flow))

    spans = step_group(root, "a").findall(f".//{SVG}tspan")
    assert len(spans) >= 3
    assert "".join(span.text or "" for span in spans).rstrip("…") in name
    assert all(text_width(span.text or "", 15) <= 150 for span in spans)


def test_output_is_deterministic() -> None:
    assert flow_svg(licensing_flow()) == flow_svg(licensing_flow())
    assert risk_svg(risk_flow()) == risk_svg(risk_flow())


def test_output_does_not_depend_on_hash_seeds() -> None:
    code = (
        "import hashlib; from tests.flows.test_diagram import risk_flow; "
        "from liuquan.flows.diagram import risk_svg; "
        "print(hashlib.sha256(risk_svg(risk_flow()).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_a_step_keyed_start_is_not_the_start_circle() -> None:
    flow = Flow(
        name="键名",
        category="other",
        steps=(Step("start", "开始审查", StepKind.REVIEW), Step("decide", "决定", StepKind.DECIDE)),
        transitions=(Transition("start", "pass", "decide"), Transition("decide", "done", END)),
    )
    root = parse(flow_svg(flow))

    assert "开始审查" in texts(step_group(root, "start"))
    assert root.find(f".//{SVG}g[@id='flow-start']") is not None
    assert root.find(f".//{SVG}g[@id='flow-end']") is not None


def test_no_external_resources_scripts_or_foreign_objects() -> None:
    for svg in (flow_svg(licensing_flow()), risk_svg(risk_flow())):
        root = parse(svg)
        tags = {node.tag for node in root.iter()}
        assert not tags & {f"{SVG}script", f"{SVG}foreignObject", f"{SVG}image", f"{SVG}use"}
        assert "href" not in svg and "url(" not in svg


def test_fonts_are_at_least_12px() -> None:
    for svg in (flow_svg(licensing_flow()), risk_svg(risk_flow())):
        sizes = [float(node.get("font-size", "15")) for node in parse(svg).iter(f"{SVG}text")]
        assert min(sizes) >= 12


def test_a_30_step_flow_with_loops_back_renders_every_step() -> None:
    steps = tuple(
        Step(f"s{i}", f"第{i}步办理环节", StepKind.REVIEW, post=f"岗位{i % 4}", limit=Limit(3))
        for i in range(30)
    )
    transitions = tuple(Transition(f"s{i}", "pass", f"s{i + 1}", label="通过") for i in range(29)) + tuple(
        Transition(f"s{i}", "back", f"s{i - 2}", TransitionKind.RETURN) for i in range(2, 30, 3)
    )
    flow = Flow(name="长流程", category="other", steps=steps, transitions=transitions)
    risky = replace(
        flow, risks=tuple(RiskPoint(f"s{i}", "风险", "表现", RiskLevel.LOW, "措施") for i in range(30))
    )

    # Its speed is a benchmark's business (bench/), not a timed test's: under CI's load a timer flakes.
    chart, risks = parse(flow_svg(flow)), parse(risk_svg(risky))
    assert len(chart.findall(".//{*}text")) >= 30 and len(risks.findall(".//{*}text")) >= 30


# --- the risk map ---


def test_risk_map_colours_steps_by_their_highest_level() -> None:
    flow = replace(
        risk_flow(),
        risks=(*risk_flow().risks, RiskPoint("review", "另一个", "表现", RiskLevel.LOW, "措施")),
    )
    root = parse(risk_svg(flow))

    def colour(key: str) -> tuple[str | None, str | None]:
        group = step_group(root, key)
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        return group.get("data-risk-level"), rect.get("stroke")

    assert colour("review") == ("high", RISK_COLORS[RiskLevel.HIGH]) == ("high", "#d9363e")
    assert colour("accept") == ("medium", "#f0a020")
    assert colour("deliver") == ("low", RISK_COLORS[RiskLevel.LOW])
    assert colour("decide") == ("none", RISK_COLORS[None])


def test_risk_map_numbers_markers_and_lists_every_risk_point() -> None:
    flow = risk_flow()
    root = parse(risk_svg(flow))

    assert [t for t in texts(step_group(root, "review")) if t.isdigit()] == ["2"]
    rows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "risk-row"]
    assert [row.get("data-step") for row in rows] == ["accept", "review", "deliver"]
    assert [row.get("data-risk-level") for row in rows] == ["medium", "high", "low"]
    drawn = lines_of(root)
    for header in ("编号", "环节", "风险点", "表现形式", "等级", "防控措施", "责任岗位/责任人"):
        assert header in drawn
    assert {"受理不规范", "高", "中", "低", "科长", "系统提醒送达期限"} <= set(drawn)


def test_risk_table_wraps_long_text_within_its_column() -> None:
    flow = risk_flow()
    root = parse(risk_svg(flow))

    row = next(
        g for g in root.iter(f"{SVG}g") if g.get("data-step") == "review" and g.get("class") == "risk-row"
    )
    measure = next(t for t in row.iter(f"{SVG}text") if "".join(t.itertext()).startswith("实行审查标准化"))
    spans = [span.text or "" for span in measure.findall(f"{SVG}tspan")]
    assert len(spans) >= 2
    assert "".join(spans) == flow.risks[1].measures


def test_risk_map_of_a_flow_without_risks() -> None:
    root = parse(risk_svg(licensing_flow()))

    assert "未列出风险点" in texts(root)
    assert {step_group(root, step.key).get("data-risk-level") for step in licensing_flow().steps} == {"none"}


# --- text helpers ---


@pytest.mark.parametrize(
    ("text", "size", "width"),
    [("受理", 10, 20), ("abc", 10, 18), ("≤5个工作日", 12, 12 * 5.6)],
)
def test_text_width_counts_cjk_as_one_em(text: str, size: float, width: float) -> None:
    assert text_width(text, size) == pytest.approx(width)


def test_wrap_breaks_cjk_anywhere_and_keeps_ascii_words_whole() -> None:
    assert wrap_text("一二三四五六七", 30, 10) == ["一二三", "四五六", "七"]
    assert wrap_text("apply GB50180 now", 50, 10) == ["apply", "GB50180", "now"]
    assert wrap_text("一二三，四", 30, 10) == ["一二三，", "四"]  # no line starts with a comma
    assert wrap_text("一二三四五六七", 30, 10, max_lines=2) == ["一二三", "四五…"]
    assert wrap_text("甲\n乙", 100, 10) == ["甲", "乙"]


def test_limit_text() -> None:
    assert limit_text(Limit(5)) == "≤5个工作日"
    assert limit_text(Limit(20, DayKind.NATURAL)) == "≤20个自然日"
    assert limit_text(Limit(0)) == "当场办理"
