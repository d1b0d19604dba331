"""The supervision centre in a real browser: a 纪检 user opens a red card on a late case, gives it to
themselves for checking, confirms it, records a 处置 naming the person answerable through the power's
责任清单, and closes it; a clerk neither sees the centre in the navigation nor opens the alert (403).
Staff log in through the real login form."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from liuquan.cases import actions as case_actions
from liuquan.cases.actions import Applicant
from liuquan.cases.models import CaseStep
from liuquan.core.testing import World
from liuquan.flows import actions as flow_actions
from liuquan.powers.actions import ItemInput, ResponsibilityInput
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert, AlertStatus, Sanction
from tests.flows.conftest import publish_list, staff

from .helpers import log_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(
    os.environ.get("LIUQUAN_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
)
ACCOUNTABLE = "审查岗位工作人员"
WHEN = "无正当理由未在规定期限内完成审查的"


def licence(code: str) -> ItemInput:
    return ItemInput(
        code=code,
        name="社会团体成立登记",
        category="licensing",
        basis="【法律】《中华人民共和国行政许可法》第十二条",
        subject="晋中市民政局",
        responsibilities=[
            ResponsibilityInput(
                stage="受理",
                content="依法受理申请",
                accountable="受理岗位工作人员",
                accountability_cases="应当受理而不受理的",
            ),
            ResponsibilityInput(
                stage="审查",
                content="在规定期限内审查申请材料",
                accountable=ACCOUNTABLE,
                accountability_cases=WHEN,
            ),
            ResponsibilityInput(stage="决定", content="依法作出决定", accountable="审批负责人"),
        ],
    )


@pytest.fixture
def late_world(live_world: World, settings: Any) -> tuple[World, Alert]:
    """民政局 publishes XK001; a case passes 受理, the reviewer takes 审查 and lets it run past its due
    date; the sweep on the day after raises a red card."""
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False  # the sweep below runs on the day the test chooses
    world = live_world
    publish_list(world, [licence("XK001")])
    staff(world)
    draft = flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code="XK001")
    flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    case = case_actions.do_open_case(
        actor=world.person("clerk"), unit=world.dept_a, power_code="XK001", applicant=Applicant(name="某协会")
    ).case
    case_actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    case_actions.do_claim_step(actor=world.person("reviewer"), case=case)
    step = CaseStep.objects.get(case=case, step="review")
    assert step.due_on is not None
    sweep.run_sweep(today=step.due_on + dt.timedelta(days=1))
    alert = Alert.objects.get(rule="time_red", case_step=step)
    return world, alert


def log_out(page: Page) -> None:
    with page.expect_navigation():
        page.click("header.site form[action='/logout/'] button[type=submit]")


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"[data-testid={form}] button[type=submit]")
    expect(page.locator(".messages li.error")).to_have_count(0)
    expect(page.locator(".field-error")).to_have_count(0)


def test_an_inspector_carries_a_red_card_to_its_end_and_a_clerk_cannot_see_it(
    page: Page, late_world: tuple[World, Alert]
) -> None:
    world, alert = late_world
    inspector, reviewer = world.person("inspector"), world.person("reviewer")

    # The inspector finds the red card from the console's navigation.
    log_in(page, inspector)
    with page.expect_navigation():
        page.click("[data-testid=nav-supervision]")
    expect(page.locator("[data-testid=level-counts] [data-level=red]")).to_have_attribute("data-count", "1")
    row = page.locator(f"[data-testid=alerts] tr[data-alert='{alert.pk}']")
    expect(row).to_have_attribute("data-level", "red")
    with page.expect_navigation():
        row.locator("a").click()
    expect(page.locator("[data-testid=level-card]")).to_have_attribute("data-level", "red")
    expect(page.locator("[data-testid=subject]")).to_contain_text("审查")
    expect(page.locator("[data-testid=alert-step]")).to_contain_text(reviewer.full_name)
    assert alert.case is not None
    expect(page.locator("[data-testid=case-link]")).to_have_text(alert.case.number)

    # 核查: the inspector gives it to the auditor, who reports the check; the inspector then confirms it
    # (a red card is decided by someone other than its checker).
    auditor = world.person("auditor")
    page.select_option("[data-testid=assign-form] select[name=assignee]", str(auditor.pk))
    submit(page, "assign-form")
    expect(page.locator("[data-testid=alert-status]")).to_have_attribute("data-status", "checking")
    expect(page.locator("[data-testid=assignee]")).to_have_text(auditor.full_name)
    expect(page.locator("[data-testid=decide-elsewhere]")).to_have_count(1)
    expect(page.locator("[data-testid=confirm-form]")).to_have_count(0)
    url = page.url
    page.context.clear_cookies()
    log_in(page, auditor)
    page.goto(url)
    page.fill("[data-testid=check-form] textarea[name=finding]", "调阅系统日志：审查环节超过时限两日")
    submit(page, "check-form")
    expect(page.locator("[data-testid=alert-status]")).to_have_attribute("data-status", "checked")
    page.context.clear_cookies()
    log_in(page, inspector)
    page.goto(url)
    page.fill("[data-testid=confirm-form] textarea[name=finding]", "审查环节超过时限，经核实无正当理由")
    submit(page, "confirm-form")
    expect(page.locator("[data-testid=alert-status]")).to_have_attribute("data-status", "confirmed")

    # The unit's head answers (申辩) before the 处置 of a red card.
    from liuquan.supervision import actions as supervision_actions

    alert.refresh_from_db()
    supervision_actions.do_answer_alert(
        actor=world.person("head"), alert=alert, text="审查人员病假，已调整分工"
    )
    page.reload()
    expect(page.locator("[data-testid=answered]")).to_have_count(1)
    # 处置: the measure, the 责任清单 line (审查 → 追责对象范围/追责情形) and the person answerable.
    form = page.locator("[data-testid=dispose-form]")
    line = form.locator("[data-testid=responsibilities] tr[data-stage='审查']")
    expect(line).to_contain_text(ACCOUNTABLE)
    expect(line).to_contain_text(WHEN)
    form.locator("select[name=kind]").select_option("talk")
    line.locator("input[type=radio]").check()
    person = form.locator(f"[data-testid=people] li[data-person='{reviewer.pk}']")
    expect(person).to_have_attribute("data-handled", "1")  # took the late step: pre-selected
    person.locator("input[type=checkbox]").check()
    expect(form.locator("[data-testid=people] input[type=checkbox]:checked")).to_have_count(1)
    form.locator("textarea[name=text]").fill("对审查人员进行约谈，责令限期办结")
    submit(page, "dispose-form")
    expect(page.locator("[data-testid=alert-status]")).to_have_attribute("data-status", "disposed")
    expect(page.locator("[data-testid=sanctions]")).to_contain_text(reviewer.full_name)
    expect(page.locator("[data-testid=sanctions]")).to_contain_text(WHEN)

    # 办结.
    submit(page, "close-form")
    expect(page.locator("[data-testid=alert-status]")).to_have_attribute("data-status", "closed")
    expect(page.locator("[data-testid=handle]")).to_have_count(0)
    expect(page.locator("[data-testid=notes] tr[data-note]")).to_have_count(6)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "supervision-alert.png"), full_page=True)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.assignee_id == auditor.pk
    assert alert.ended_at is not None and alert.outcome == "审查环节超过时限，经核实无正当理由"
    (sanction,) = Sanction.objects.filter(alert=alert)
    assert sanction.kind == "talk" and sanction.decided_by_id == inspector.pk
    assert (sanction.stage, sanction.accountable_scope, sanction.accountability_case) == (
        "审查",
        ACCOUNTABLE,
        WHEN,
    )
    assert sanction.responsibility is not None and sanction.responsibility.item.code == "XK001"
    assert list(sanction.people.all()) == [reviewer]
    assert [note.kind for note in alert.notes.order_by("at", "pk")] == [
        "assign",
        "check",
        "confirm",
        "defence",
        "dispose",
        "close",
    ]
    log_out(page)

    # A clerk: no supervision centre in the navigation, and 403 on the alert and the list.
    log_in(page, world.person("clerk"))
    expect(page.locator("[data-testid=nav-supervision]")).to_have_count(0)
    response = page.goto(f"/console/supervision/alerts/{alert.pk}/")
    assert response is not None and response.status == 403
    expect(page.locator("[data-testid=level-card]")).to_have_count(0)
    response = page.goto("/console/supervision/alerts/")
    assert response is not None and response.status == 403
