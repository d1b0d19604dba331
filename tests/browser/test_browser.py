"""End-to-end checks in a real browser: login per role, the public portal, the language switch and the
HTMX oversight form that enforces 五个不直接分管."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils.translation import gettext_lazy
from playwright.sync_api import Page, expect

from liuquan.core.testing import World
from liuquan.org.models import Oversight, Role

from .helpers import STEWARD, as_rendered, log_in

pytestmark = pytest.mark.browser

UNIT_CODE = "140700-CZJ"  # 晋中市财政局, whose principal (局长) is head_b


@pytest.mark.parametrize("key", [*(role.value for role in Role), STEWARD])
def test_each_role_logs_in_and_sees_its_role(page: Page, live_world: World, key: str) -> None:
    person = live_world.person(key)
    log_in(page, person)

    assert page.url.endswith("/console/")
    roles = page.get_by_test_id("roles")
    expect(roles).to_be_visible()
    label = gettext_lazy("Data steward") if key == STEWARD else Role(key).label
    expect(roles).to_contain_text(as_rendered(page, label))
    expect(page.locator("header.site")).to_contain_text(person.full_name)


@pytest.mark.parametrize(
    ("path", "chinese"),
    [
        ("/", "晋中市"),
        ("/units/", "晋中市财政局"),
        (f"/units/{UNIT_CODE}/", "测试head-b"),
    ],
)
def test_public_portal_needs_no_login(page: Page, live_world: World, path: str, chinese: str) -> None:
    response = page.goto(path)

    assert response is not None
    assert response.status == 200
    assert response.request.redirected_from is None, "the public portal must not redirect"
    assert "/login/" not in page.url
    expect(page.locator("main")).to_contain_text(chinese)
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def test_language_switch(page: Page, live_world: World) -> None:
    page.goto("/units/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#language-select")).to_have_value("zh-hans")

    # The select submits its form on change; set_language redirects back to the same page.
    with page.expect_navigation(url="**/units/"):
        page.select_option("#language-select", "en")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")
    expect(page.locator("h1")).to_have_text("Units")
    expect(page.locator("main")).to_contain_text("晋中市财政局")  # data stays as recorded

    with page.expect_navigation(url="**/units/"):
        page.select_option("#language-select", "zh-hans")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#language-select")).to_have_value("zh-hans")


def test_oversight_form_refuses_then_records_exception_inline(page: Page, live_world: World) -> None:
    log_in(page, live_world.person("head_b"))
    unit_url = f"/console/units/{UNIT_CODE}/"
    page.goto(unit_url)
    start_url = page.url
    # Survives an HTMX swap, but not a page load: proves the form never navigated.
    page.evaluate("window.__stayedOnPage = true")

    section = page.locator("#oversight")
    form = section.locator("form[hx-post]")
    expect(form.locator("select[name=leader]")).to_contain_text("局长")
    form.locator("select[name=leader]").select_option(label="测试head-b（局长）")
    form.locator("input[name=area]").fill("财务")
    form.locator("textarea[name=exception_reason]").fill("")

    with page.expect_response(
        lambda r: r.url.endswith("/oversight/") and r.request.method == "POST"
    ) as refused:
        form.locator("button[type=submit]").click()
    assert refused.value.request.header_value("hx-request") == "true"
    assert refused.value.status == 422

    alert = page.locator("#oversight [role=alert]")
    expect(alert.first).to_contain_text("五个不直接分管")
    expect(alert.first).to_contain_text("财务")
    assert page.evaluate("window.__stayedOnPage === true"), "the refusal must be swapped in, not a new page"
    assert page.url == start_url
    assert not Oversight.objects.filter(unit__code=UNIT_CODE).exists()

    reason = "市委常委会研究决定，局长暂时分管财务"
    form = page.locator("#oversight form[hx-post]")  # the swapped-in form
    form.locator("input[name=area]").fill("财务")
    form.locator("textarea[name=exception_reason]").fill(reason)
    with page.expect_response(
        lambda r: r.url.endswith("/oversight/") and r.request.method == "POST"
    ) as accepted:
        form.locator("button[type=submit]").click()
    assert accepted.value.status == 200

    row = page.locator("#oversight tbody tr", has_text="财务")
    expect(row).to_have_count(1)
    badge = row.locator(".badge.exception")
    expect(badge).to_be_visible()
    expect(badge).to_have_text(as_rendered(page, "Exception"))
    expect(row).to_contain_text(reason)
    expect(page.locator("#oversight [role=alert]")).to_have_count(0)
    assert page.evaluate("window.__stayedOnPage === true"), (
        "the acceptance must be swapped in, not a new page"
    )
    assert page.url == start_url

    recorded = Oversight.objects.get(unit__code=UNIT_CODE, area="财务")
    assert recorded.is_exception
    assert recorded.exception_reason == reason
    assert recorded.leader == live_world.person("head_b")


def test_full_page_screenshot_of_console_unit(page: Page, live_world: World, tmp_path: Path) -> None:
    log_in(page, live_world.person("head_b"))
    page.goto(f"/console/units/{UNIT_CODE}/")
    expect(page.locator("h1")).to_have_text("晋中市财政局")
    page.evaluate("document.fonts.ready")

    shot = tmp_path / "console-unit.png"
    page.screenshot(path=str(shot), full_page=True)

    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10 * 1024, f"screenshot is only {len(data)} bytes"
