"""A power's public page in a real browser: its flow chart and risk map drawn with Chinese labels
(screenshots kept for a person to look at), and its BPMN file opened by bpmn-js with no warnings."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from liuquan.core.testing import World
from liuquan.flows import actions, bpmn, templates
from tests.flows.conftest import publish_list, staff
from tests.powers.test_lists import item

pytestmark = pytest.mark.browser

UNIT_CODE = "140700-MZJ"
# Screenshots land where a person can open them after the run (CI keeps the directory).
ARTIFACTS = Path(
    os.environ.get("LIUQUAN_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
)


@pytest.fixture
def flow_live_world(live_world: World) -> World:
    publish_list(
        live_world,
        [item("XK001", "社会团体成立登记", "licensing"), item("CF001", "对违法殡葬行为的处罚", "penalty")],
    )
    staff(live_world)
    for code in ("XK001", "CF001"):
        draft = actions.do_create_flow(
            actor=live_world.person("clerk"), unit=live_world.dept_a, power_code=code
        )
        actions.do_publish_flow(actor=live_world.person("head"), definition=draft)
    return live_world


def test_the_public_page_draws_the_flow_and_the_risk_map(page: Page, flow_live_world: World) -> None:
    page.goto(f"/powers/{UNIT_CODE}/XK001/")
    flow = page.locator("[data-testid=flow] svg")
    risk = page.locator("[data-testid=risk-map] svg")
    expect(flow).to_be_visible()
    expect(risk).to_be_visible()
    expect(flow.locator("#step-accept")).to_contain_text("受理")
    expect(flow.locator("#step-decide")).to_contain_text("决定")
    expect(flow).to_contain_text("受理岗")  # posts are the lanes
    expect(flow).to_contain_text("办结时限：20个工作日")
    expect(risk.locator("[data-risk-level=high]").first).to_be_visible()
    expect(risk).to_contain_text("防控措施")
    page.evaluate("document.fonts.ready")
    # Chinese really renders: the label's box has the width of its glyphs, not of missing-glyph boxes.
    width = page.evaluate(
        "() => document.querySelector('[data-testid=flow] svg #step-accept text').getBBox().width"
    )
    assert width > 10

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "flow-page.png"), full_page=True)
    # The charts whole, at their natural size, from the printable page on a wide screen.
    page.set_viewport_size({"width": 2400, "height": 1200})
    page.goto(f"/powers/{UNIT_CODE}/XK001/flow/")
    page.evaluate("document.fonts.ready")
    page.locator("[data-testid=flow-sheet] svg").screenshot(path=str(ARTIFACTS / "flow-chart.png"))
    page.locator("[data-testid=risk-sheet] svg").screenshot(path=str(ARTIFACTS / "risk-map.png"))
    for name in ("flow-page.png", "flow-chart.png", "risk-map.png"):
        data = (ARTIFACTS / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20 * 1024, f"{name}: {len(data)} bytes"
    print(f"screenshots: {ARTIFACTS}")


def test_the_printable_page_and_the_phone_view(page: Page, flow_live_world: World) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/powers/{UNIT_CODE}/CF001/")
    box = page.locator("[data-testid=flow] .diagram")
    expect(box).to_be_visible()
    # The chart keeps its natural size and scrolls sideways inside its box, the page itself does not.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", box.element_handle())
    page.goto(f"/powers/{UNIT_CODE}/CF001/flow/")
    expect(page.locator("[data-testid=flow-sheet] svg")).to_contain_text("调查取证")
    expect(page.locator("[data-testid=risk-sheet] svg")).to_contain_text("罚缴不分离")


def test_bpmn_js_opens_the_exported_file_with_no_warnings(page: Page, flow_live_world: World) -> None:
    page.goto(f"/powers/{UNIT_CODE}/XK001/flow/bpmn/")
    canvas = page.locator("#bpmn-canvas")
    expect(canvas).to_have_attribute("data-state", "imported")
    expect(canvas).to_have_attribute("data-warnings", "0")
    for key in ("accept", "review", "decide", "deliver"):
        expect(page.locator(f".djs-element[data-element-id*={key}]").first).to_be_visible()

    # Every template, as exported, imports cleanly too (same viewer, fresh instance per file).
    for category in templates.TEMPLATE_CATEGORIES:
        xml = bpmn.to_bpmn(replace(templates.template_for(category), name=f"模板 {category}")).decode("utf-8")
        result = page.evaluate(
            """async (xml) => {
                const holder = document.createElement('div');
                holder.style.height = '400px';
                document.body.appendChild(holder);
                const viewer = new window.BpmnJS({container: holder});
                try {
                    const {warnings} = await viewer.importXML(xml);
                    return warnings.map((w) => w.message);
                } catch (error) {
                    return ['failed: ' + error.message];
                } finally {
                    viewer.destroy();
                    holder.remove();
                }
            }""",
            xml,
        )
        assert result == [], f"{category}: {result}"
