"""A 三重一大 meeting in a real browser, as the secretary keeps it: the agenda of two topics, sign-in,
statements in order with the principal refused until last, an open vote and a secret one (each member
enters their own password on the meeting-room screen), the count, the minutes made final. Then a 纪检
user reads the decision in the register, and its ledger receipt verifies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from liuquan.core.testing import PASSWORD, World
from liuquan.decisions import actions
from liuquan.decisions.actions import MatterInput
from liuquan.decisions.models import Ballot, Decision
from liuquan.decisions.rules import Category, PreStep
from liuquan.ledger import queries as ledger_queries
from liuquan.org import actions as org_actions

from .helpers import log_in

pytestmark = pytest.mark.browser

BODY = "局务会议"
MEMBERS = ("head", "leader", "dep2", "dep3")  # the principal first


def prepare(world: World) -> None:
    for name in ("dep2", "dep3"):
        person = org_actions.do_create_person(
            actor=world.system, username=name, full_name=f"副局长{name}", unit=world.dept_a, password=PASSWORD
        )
        world.people[name] = person
        org_actions.do_appoint_leader(
            actor=world.system, unit=world.dept_a, person=person, rank="deputy", title="副局长"
        )
    head = world.person("head")
    catalogue = actions.do_open_catalogue(actor=head, unit=world.dept_a)
    for matter in (
        MatterInput("JC-01", Category.DECISION, "制定重大政策措施", BODY),
        MatterInput(
            "RS-01", Category.PERSONNEL, "科级干部任免", BODY, secret=True, pre_steps=(PreStep.INQUIRY,)
        ),
        MatterInput("XM-01", Category.PROJECT, "100万元以上项目", BODY, threshold=Decimal("1000000")),
        MatterInput("ZJ-01", Category.FUNDS, "50万元以上资金使用", BODY, threshold=Decimal("500000")),
    ):
        actions.do_set_matter(actor=head, catalogue=catalogue, matter=matter)
    actions.do_publish_catalogue(actor=head, catalogue=catalogue)
    leader = world.person("leader")
    actions.do_propose_topic(
        actor=leader,
        unit=world.dept_a,
        matter_code="ZJ-01",
        title="拨付社会救助专项资金80万元",
        materials="资金使用方案",
        public_summary="同意拨付社会救助专项资金",
    )
    personnel = actions.do_propose_topic(
        actor=leader,
        unit=world.dept_a,
        matter_code="RS-01",
        title="任命某同志为办公室主任",
        materials="考察材料",
    )
    today = timezone.localdate()
    actions.do_record_step(
        actor=world.person("clerk"),
        topic=personnel,
        kind=PreStep.INQUIRY,
        started=today - dt.timedelta(days=10),
        ended=today - dt.timedelta(days=3),
    )


def submit(page: Page, button) -> None:
    """Click a form's button and wait for the page it leads to (the view redirects back)."""
    with page.expect_navigation():
        button.click()


def choose(page: Page, form, person) -> None:
    form.locator("select[name=person]").select_option(value=str(person.pk))


def test_a_whole_meeting_as_the_secretary_then_the_inspector_reads_and_verifies(
    live_world: World, page: Page
) -> None:
    prepare(live_world)
    unit = live_world.dept_a
    log_in(page, live_world.person("clerk"))
    page.goto(f"/console/decisions/{unit.code}/")
    convene = page.get_by_test_id("convene-form")
    for box in convene.locator("input[name=topics]").all():
        box.check()
    submit(page, convene.locator("button[type=submit]"))
    expect(page.get_by_test_id("meeting-status")).to_have_text("会议进行中")
    for key in MEMBERS:
        submit(page, page.get_by_test_id(f"sign-in-{live_world.person(key).username}").locator("button"))
    secret_seen: list[int] = []
    for position in (1, 2):
        section = page.get_by_test_id(f"item-{position}")
        form = section.get_by_test_id("state-form")
        choose(page, form, live_world.person("head"))
        form.locator("textarea[name=reasons]").fill("同意")
        submit(page, form.locator("button[type=submit]"))
        expect(page.locator("ul.messages li.error").first).to_contain_text("最后表态")
        for key in (*MEMBERS[1:], "head"):
            form = page.get_by_test_id(f"item-{position}").get_by_test_id("state-form")
            choose(page, form, live_world.person(key))
            form.locator("textarea[name=reasons]").fill(f"{key}：理由充分")
            submit(page, form.locator("button[type=submit]"))
        expect(
            page.get_by_test_id(f"item-{position}").get_by_test_id("statements").locator("li")
        ).to_have_count(4)
        last = page.get_by_test_id(f"item-{position}").get_by_test_id("statements").locator("li").last
        expect(last).to_contain_text("测试head")
        for key in MEMBERS:
            form = page.get_by_test_id(f"item-{position}").get_by_test_id("vote-form")
            choose(page, form, live_world.person(key))
            form.locator("select[name=choice]").select_option(value="agree")
            if form.locator("input[name=password]").count():  # the secret ballot: the member's own password
                form.locator("input[name=password]").fill(PASSWORD)
                secret_seen.append(position)
            submit(page, form.locator("button[type=submit]"))
        submit(page, page.get_by_test_id(f"item-{position}").get_by_test_id("count-form").locator("button"))
        expect(page.get_by_test_id(f"item-{position}").get_by_test_id("outcome")).to_contain_text("通过")
    assert len(set(secret_seen)) == 1  # one of the two topics (the appointment) is a secret ballot
    assert not Ballot.objects.filter(item__topic__matter__secret=True, person__isnull=False).exists()
    submit(page, page.get_by_test_id("close-form").locator("button"))
    submit(page, page.get_by_test_id("freeze"))
    expect(page.get_by_test_id("meeting-status")).to_have_text("纪要已定稿")
    expect(page.get_by_test_id("minutes-text")).to_contain_text("结果：通过")

    inspector = page.context.new_page()
    page.context.clear_cookies()
    log_in(inspector, live_world.person("inspector"))
    inspector.goto(f"/console/decisions/{unit.code}/")
    register = inspector.get_by_test_id("register")
    expect(register).to_contain_text("拨付社会救助专项资金80万元")
    expect(register).to_contain_text("任命某同志为办公室主任")
    decision = Decision.objects.get(category="funds")
    index = ledger_queries.latest_entry("decisions.Decision", str(decision.pk))
    receipt = inspector.request.get(f"/api/v1/ledger/receipt?index={index}").text()
    verified = inspector.request.post("/api/v1/ledger/verify", data={"receipt": receipt})
    assert verified.ok and decision.number in verified.json()["entry"]
