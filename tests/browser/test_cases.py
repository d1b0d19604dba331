"""A licence case end to end in a real browser: an applicant applies on the portal with a PDF, a clerk
asks for 补正, the applicant supplements on the track page, three different staff accept (受理), decide
(决定) and deliver (送达) — a fourth reviews (审查) — and the applicant sees the result and rates it.

The applicant and the staff use two separate browsers (profiles), as they would; staff log in through
the real login form."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from liuquan.cases.models import Case, CaseStatus, Rating
from liuquan.core.testing import World
from liuquan.flows import actions as flow_actions
from liuquan.org import actions as org_actions
from tests.flows.conftest import publish_list, staff
from tests.powers.test_lists import item

from .conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from .helpers import log_in

pytestmark = pytest.mark.browser

UNIT_CODE = "140700-MZJ"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ARTIFACTS = Path(
    os.environ.get("LIUQUAN_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
)


@pytest.fixture
def licence_world(live_world: World, settings: Any, tmp_path: Path) -> World:
    """民政局 publishes XK001 with the licensing template; the reviewer also holds 受理岗, so the one
    who delivers is neither the one who accepted nor the one who decided."""
    settings.VAR_DIR = tmp_path  # uploaded files land under the test's directory
    publish_list(live_world, [item("XK001", "社会团体成立登记", "licensing")])
    staff(live_world)
    draft = flow_actions.do_create_flow(
        actor=live_world.person("clerk"), unit=live_world.dept_a, power_code="XK001"
    )
    flow_actions.do_publish_flow(actor=live_world.person("head"), definition=draft)
    accept_post = live_world.dept_a.posts.get(name="受理岗")
    org_actions.do_assign_post(
        actor=live_world.system, post=accept_post, person=live_world.person("reviewer")
    )
    return live_world


@pytest.fixture
def staff_page(playwright_session: Playwright, live_server: Any, tmp_path: Path) -> Iterator[Page]:
    """A second browser, for the staff, with its own profile (cookies) beside the applicant's."""
    context: BrowserContext = playwright_session.chromium.launch_persistent_context(
        str(tmp_path / "staff-profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context.pages[0] if context.pages else context.new_page()
    finally:
        context.close()


def log_out(page: Page) -> None:
    with page.expect_navigation():
        page.click("header.site form[action='/logout/'] button[type=submit]")


def act(
    page: Page, world: World, key: str, number: str, outcome: str, comment: str = "", shot: str = ""
) -> None:
    """Log in as `key`, find the case in the inbox, record `outcome` on its current step, log out."""
    log_in(page, world.person(key))
    page.goto("/console/cases/")
    row = page.locator(f"[data-testid=inbox] tr[data-case='{number}']")
    expect(row).to_be_visible()
    with page.expect_navigation():
        row.locator(f"a[href='/console/cases/{number}/']").click()
    if page.locator("[data-testid=claim-form]").count():
        with page.expect_navigation():
            page.click("[data-testid=claim-form] button[type=submit]")
    page.select_option("#id_outcome", outcome)
    if comment:
        page.fill("#id_comment", comment)
    if shot:
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=complete-form] button[type=submit]")
    expect(page.locator(".messages li.error")).to_have_count(0)
    log_out(page)


def track(page: Page, number: str, code: str) -> None:
    page.goto("/cases/track/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    with page.expect_navigation(url=f"**/cases/track/{number}/"):
        page.click("[data-testid=track-form] button[type=submit]")


def test_a_licence_case_from_application_to_rating(
    page: Page, staff_page: Page, licence_world: World, tmp_path: Path
) -> None:
    world = licence_world
    application = tmp_path / "申请书.pdf"
    application.write_bytes(PDF)
    charter = tmp_path / "章程草案.pdf"
    charter.write_bytes(PDF + b"% charter\n")

    # The applicant finds the power and applies, with no account.
    page.goto("/cases/")
    with page.expect_navigation():
        page.click(f"[data-testid=apply-{UNIT_CODE}-XK001]")
    expect(page.locator("h1")).to_contain_text("社会团体成立登记")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case-apply.png"), full_page=True)
    page.fill("#id_applicant_name", "平遥县青年志愿者协会（筹）")
    page.fill("#id_id_number", "14072819900101123X")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_address", "平遥县古陶镇南大街88号")
    page.fill("#id_subject", "申请成立平遥县青年志愿者协会")
    page.set_input_files("#id_application", str(application))
    with page.expect_navigation(url="**/cases/applied/"):
        page.click("[data-testid=apply-form] button[type=submit]")
    number = page.locator("[data-testid=case-number]").inner_text().strip()
    code = page.locator("[data-testid=query-code]").inner_text().strip()
    assert len(code) == 10
    case = Case.objects.get(number=number)
    assert case.files.get().name == "申请书.pdf"

    # The clerk asks for what is missing, all of it at once.
    act(
        staff_page,
        world,
        "clerk",
        number,
        "correct",
        "缺少：1. 社会团体章程草案；2. 验资报告",
        "case-act.png",
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CORRECTION

    # The applicant reads the notice on the track page and sends the material.
    track(page, number, code)
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "correction")
    expect(page.locator("[data-testid=correction-notice]")).to_contain_text("社会团体章程草案")
    page.set_input_files("#id_missing", str(charter))
    page.fill("#id_note", "补交章程草案和验资报告")
    with page.expect_navigation():
        page.click("[data-testid=supplement-form] button[type=submit]")
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "open")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("申请人已补正")
    html = page.content()
    assert "14072819900101123X" not in html and "13912345678" not in html

    # 受理, 审查, 决定, 送达: accept, decide and deliver by three different people.
    act(staff_page, world, "clerk", number, "pass")
    act(staff_page, world, "reviewer", number, "pass")
    act(staff_page, world, "leader", number, "grant")
    act(staff_page, world, "reviewer", number, "done")
    case.refresh_from_db()
    assert case.status == CaseStatus.DONE
    by_step = {row.step: row.completed_by for row in case.steps.filter(completed_by__isnull=False)}
    assert len({by_step["accept"], by_step["decide"], by_step["deliver"]}) == 3

    # The applicant comes back, sees the result and rates the service.
    page.goto(f"/cases/track/{number}/")
    expect(page.locator("[data-testid=case-status]")).to_have_attribute("data-status", "done")
    expect(page.locator("[data-testid=decision]")).to_have_text("准予许可")
    expect(page.locator("[data-testid=result]")).to_contain_text("已送达")
    page.check("input[name=score][value='5']")
    page.fill("#id_comment", "一次告知，办理很快")
    with page.expect_navigation():
        page.click("[data-testid=rate-form] button[type=submit]")
    expect(page.locator("[data-testid=score]")).to_have_text("5")
    rating = Rating.objects.get(case=case)
    assert rating.score == 5 and rating.comment == "一次告知，办理很快"
    for name in ("测试clerk", "测试reviewer", "测试deputy"):
        assert name not in page.content()

    page.screenshot(path=str(ARTIFACTS / "case-track.png"), full_page=True)
    log_in(staff_page, world.person("head"))
    staff_page.goto(f"/console/cases/{number}/")
    expect(staff_page.locator("[data-testid=steps]")).to_contain_text("测试deputy")
    staff_page.screenshot(path=str(ARTIFACTS / "case-console.png"), full_page=True)
