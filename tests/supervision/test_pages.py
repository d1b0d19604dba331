"""The supervision centre's console pages through the test client: the alert list with its filters,
counts, SLA and query count; one alert carried from open to closed (and refused moves shown, never
raised); the rules with their change history; and 403 for everyone who is not 纪检 or 审计."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from liuquan.cases import actions
from liuquan.cases.actions import Applicant
from liuquan.cases.models import Case, CaseStep
from liuquan.core.testing import assert_max_queries, login, region_inspector
from liuquan.supervision import actions as supervision_actions
from liuquan.supervision import catalog, sweep
from liuquan.supervision.actions import responsibilities_for
from liuquan.supervision.models import Alert, AlertNote, AlertStatus, RuleSetting, Sanction
from tests.cases.test_ingest import source as source  # the fixture
from tests.clock import SHANGHAI

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_event_runs(settings):
    # The tests run the sweep themselves, on the days they choose.
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False


def open_case(world) -> Case:
    return actions.do_open_case(
        actor=world.person("clerk"), unit=world.dept_a, power_code="XK001", applicant=Applicant(name="某协会")
    ).case


def late_cases(world, count: int, *, claim: bool = False) -> list[Case]:
    """`count` cases past 受理; a sweep on the 审查 step's warning day (yellow cards), then the day after
    its due date (red cards)."""
    cases = []
    for _ in range(count):
        case = open_case(world)
        actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
        if claim:
            actions.do_claim_step(actor=world.person("reviewer"), case=case)
        cases.append(case)
    step = CaseStep.objects.get(case=cases[0], step="review")
    assert step.warn_on is not None and step.due_on is not None
    sweep.run_sweep(today=step.warn_on)
    sweep.run_sweep(today=step.due_on + DAY)
    return cases


def red(case: Case) -> Alert:
    return Alert.objects.get(rule="time_red", case=case)


def text(response) -> str:
    return str(response.content.decode())


def checked(world, alert: Alert, finding: str = "核查属实") -> None:
    """The 纪检 gives the card to the 审计, who reports the check (a red card's decision is someone else's)."""
    supervision_actions.do_assign_alert(
        actor=world.person("inspector"), alert=alert, assignee=world.person("auditor")
    )
    supervision_actions.do_report_check(actor=world.person("auditor"), alert=alert, finding=finding)


@pytest.fixture
def inspector(source) -> Client:
    world, _, _ = source
    return login(Client(), world.person("inspector"))


# Who may see alerts -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["clerk", "head", "reviewer", "reform_office"])
def test_anyone_but_inspectors_and_auditors_gets_403(source, key):
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    client = login(Client(), world.person(key))
    base = "/console/supervision/"
    assert client.get(f"{base}alerts/").status_code == 403
    assert client.get(f"{base}alerts/{alert.pk}/").status_code == 403
    assert client.post(f"{base}alerts/{alert.pk}/assign/", {"assignee": key}).status_code == 403
    assert client.post(f"{base}alerts/{alert.pk}/dismiss/", {"reason": "不实"}).status_code == 403
    assert client.get(f"{base}rules/").status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and not AlertNote.objects.exists()
    # Nor is the centre in their console's navigation.
    assert 'data-testid="nav-supervision"' not in text(client.get("/console/"))


def test_the_nav_link_is_shown_to_inspectors_and_auditors(source):
    world, _, _ = source
    for key in ("inspector", "auditor"):
        page = text(login(Client(), world.person(key)).get("/console/"))
        assert 'data-testid="nav-supervision"' in page and 'href="/console/supervision/alerts/"' in page


def test_logged_out_visitors_are_sent_to_the_login_page(source):
    response = Client().get("/console/supervision/alerts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_unknown_alert_is_404(inspector):
    assert inspector.get("/console/supervision/alerts/999999/").status_code == 404


# The list -------------------------------------------------------------------------------------------


def test_the_list_counts_filters_and_marks_overdue(source, inspector):
    world, _, _ = source
    cases = late_cases(world, 3)
    page = text(inspector.get("/console/supervision/alerts/"))
    assert page.count("data-alert=") == 6  # a yellow and a red card for each case's 审查
    assert 'data-level="red" data-count="3"' in page and 'data-level="yellow" data-count="3"' in page

    page = text(inspector.get("/console/supervision/alerts/", {"level": "red"}))
    assert page.count('data-level="red" data-status') == 3 and 'data-level="yellow" data-status' not in page
    # The counts stay those of the other filters, so the other level is one click away.
    assert 'data-level="yellow" data-count="3"' in page
    page = text(inspector.get("/console/supervision/alerts/", {"rule": "time_yellow"}))
    assert page.count("data-alert=") == 3 and 'data-level="red" data-count="0"' in page
    page = text(inspector.get("/console/supervision/alerts/", {"unit": world.dept_b.code}))
    assert "data-alert=" not in page
    page = text(inspector.get("/console/supervision/alerts/", {"unit": world.dept_a.code}))
    assert page.count("data-alert=") == 6
    page = text(inspector.get("/console/supervision/alerts/", {"rule": "nope"}))
    assert "data-alert=" not in page  # a value not offered matches nothing (it never shows everything)

    checked(world, red(cases[0]), "系统时钟有误")
    inspector.post(
        f"/console/supervision/alerts/{red(cases[0]).pk}/dismiss/", {"reason": "系统时钟有误，核查不实"}
    )
    page = text(inspector.get("/console/supervision/alerts/", {"status": "active"}))
    assert page.count("data-alert=") == 5
    page = text(inspector.get("/console/supervision/alerts/", {"status": "dismissed"}))
    assert f'data-alert="{red(cases[0]).pk}"' in page and page.count("data-alert=") == 1

    # The handling time limit: an alert unchecked after its respond-by day is marked overdue.
    overdue = red(cases[1])
    Alert.objects.filter(pk=overdue.pk).update(respond_by=timezone.localdate() - DAY)
    page = text(inspector.get("/console/supervision/alerts/"))
    assert f'data-alert="{overdue.pk}" data-level="red" data-status="open" data-overdue="1"' in page
    assert page.count("data-overdue=") == 1  # the dismissed one is not overdue, even if its day passed


def test_the_list_has_a_fixed_number_of_queries(source, inspector, monkeypatch):
    from liuquan.supervision import views

    world, _, _ = source
    for case in late_cases(world, 5):
        inspector.post(
            f"/console/supervision/alerts/{red(case).pk}/assign/", {"assignee": world.person("auditor").pk}
        )
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    # Session, person, grants, units with alerts, counts by level, the page's count and its rows.
    with assert_max_queries(7) as one:
        page = text(inspector.get("/console/supervision/alerts/"))
    assert page.count("data-alert=") == 1
    monkeypatch.setattr(views, "PAGE_SIZE", 50)
    with assert_max_queries(len(one.captured_queries)):
        page = text(inspector.get("/console/supervision/alerts/"))
    assert page.count("data-alert=") == 10 and page.count("测试auditor") == 5


def test_the_list_pages_through_many_alerts(source, inspector, monkeypatch):
    from liuquan.supervision import views

    world, _, _ = source
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    late_cases(world, 3)
    page = text(inspector.get("/console/supervision/alerts/", {"level": "red"}))
    assert page.count("data-alert=") == 3 and 'data-testid="pages"' not in page
    page = text(inspector.get("/console/supervision/alerts/"))
    assert page.count("data-alert=") == 4 and 'rel="next"' in page
    page = text(inspector.get("/console/supervision/alerts/", {"page": 2}))
    assert page.count("data-alert=") == 2 and 'rel="prev"' in page


def test_alerts_outside_the_supervisors_reach_are_not_listed(source):
    world, _, _ = source
    late_cases(world, 1)
    # An auditor of the county only: 民政局 is the city's.
    from liuquan.org import actions as org_actions

    auditor = org_actions.do_create_person(
        actor=world.system,
        username="county-auditor",
        full_name="县审计",
        unit=world.dept_b,
        password="x" * 12,
    )
    org_actions.do_grant_role(
        actor=world.system, person=auditor, role="auditor", unit=None, region=world.county
    )
    client = login(Client(), auditor)
    assert "data-alert=" not in text(client.get("/console/supervision/alerts/"))
    first = Alert.objects.first()
    assert first is not None
    assert client.get(f"/console/supervision/alerts/{first.pk}/").status_code == 403


# One alert, open to closed ------------------------------------------------------------------------


def test_an_alert_from_open_to_closed(source, inspector):
    world, _, _ = source
    (case,) = late_cases(world, 1, claim=True)
    alert = red(case)
    url = f"/console/supervision/alerts/{alert.pk}/"
    page = text(inspector.get(url))
    assert 'data-testid="level-card" data-level="red"' in page
    assert "超过法定或承诺时限" in page  # the rule's description
    assert f'href="/console/cases/{case.number}/"' in page and 'data-testid="alert-step"' in page
    assert 'data-testid="assign-form"' in page and 'data-testid="dispose-form"' not in page
    # Those who may check it: the city's inspector and auditor, not the unit's staff.
    assert "测试inspector" in page and "测试auditor" in page
    assert f'<option value="{world.person("clerk").pk}"' not in page

    auditor_pk = world.person("auditor").pk
    response = inspector.post(f"{url}assign/", {"assignee": auditor_pk})
    assert response.status_code == 302 and response["Location"] == url
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CHECKING and alert.assignee_id == auditor_pk
    # Four eyes: the checker reports; a red card is decided by someone else, and the page says so.
    page = text(inspector.get(url))
    assert 'data-testid="decide-elsewhere"' in page and 'data-testid="confirm-form"' not in page
    auditor = login(Client(), world.person("auditor"))
    assert 'data-testid="check-form"' in text(auditor.get(url))
    assert auditor.post(f"{url}check/", {"finding": "调阅系统日志：审查环节超期两日"}).status_code == 302
    page = text(auditor.get(url))
    assert 'data-testid="confirm-form"' not in page and 'data-testid="decide-elsewhere"' in page
    assert auditor.post(f"{url}confirm/", {"finding": "属实"}).status_code == 403  # not the checker

    assert inspector.post(f"{url}confirm/", {"finding": "审查环节超期两日，无正当理由"}).status_code == 302
    # The unit is heard first (公职人员政务处分法第四十三条): until its head answers, no 处置 of a red card.
    early: dict[str, object] = {"kind": "remind", "people": [world.person("reviewer").pk], "text": "提醒"}
    early["responsibility"] = responsibilities_for(alert)[0].pk
    refused = inspector.post(f"{url}dispose/", early)
    assert refused.status_code == 409 and "陈述和申辩" in text(refused)
    head = login(Client(), world.person("head"))
    assert 'data-testid="answer-form"' in text(head.get(url))
    assert 'data-testid="dispose-form"' not in text(
        head.get(url)
    ) and 'data-testid="assign-form"' not in text(head.get(url))
    assert head.post(f"{url}answer/", {"text": "审查人员病假，已调整分工"}).status_code == 302
    page = text(inspector.get(url))
    assert 'data-testid="dispose-form"' in page and 'data-testid="assign-form"' not in page
    # The 责任清单 of XK001, and the reviewer (who took the late step) pre-selected as answerable.
    assert 'data-stage="受理"' in page and 'data-stage="决定"' in page
    reviewer = world.person("reviewer")
    assert re.search(rf'value="{reviewer.pk}"[^>]*checked', page)
    assert page.count("data-handled=") == 1 and f'data-person="{reviewer.pk}" data-handled="1"' in page

    responsibility = next(row for row in responsibilities_for(alert) if row.stage == "受理")
    response = inspector.post(
        f"{url}dispose/",
        {
            "kind": "talk",
            "responsibility": responsibility.pk,
            "people": [reviewer.pk],
            "text": "约谈审查人员",
        },
    )
    assert response.status_code == 302
    sanction = Sanction.objects.get(alert=alert)
    assert sanction.kind == "talk" and sanction.stage == "受理"
    assert list(sanction.people.all()) == [reviewer]
    assert 'data-testid="close-form"' in text(inspector.get(url))

    assert inspector.post(f"{url}close/", {"text": ""}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.ended_at is not None
    page = text(inspector.get(url))
    assert 'data-testid="handle"' not in page and 'data-testid="sanctions"' in page
    assert [note.kind for note in alert.notes.order_by("at", "pk")] == [
        "assign",
        "check",
        "confirm",
        "defence",
        "dispose",
        "close",
    ]


def test_the_detail_page_has_a_bounded_number_of_queries(source, inspector):
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    checked(world, alert)
    inspector.post(f"/console/supervision/alerts/{alert.pk}/confirm/", {"finding": "属实"})
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.CONFIRMED
    with assert_max_queries(21):  # 17, and the access-log row with its ledger entry (4 more statements)
        assert inspector.get(f"/console/supervision/alerts/{alert.pk}/").status_code == 200


def test_an_auditor_given_a_red_card_reports_and_another_dismisses_it(source, inspector):
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    url = f"/console/supervision/alerts/{alert.pk}/"
    inspector.post(f"{url}assign/", {"assignee": world.person("auditor").pk})
    auditor = login(Client(), world.person("auditor"))
    assert (
        auditor.post(f"{url}dismiss/", {"reason": "已批准延期，核查不实"}).status_code == 409
    )  # report first
    assert auditor.post(f"{url}check/", {"finding": "已批准延期"}).status_code == 302
    assert auditor.post(f"{url}dismiss/", {"reason": "已批准延期，核查不实"}).status_code == 403
    assert inspector.post(f"{url}dismiss/", {"reason": "已批准延期，核查不实"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED and alert.outcome == "已批准延期，核查不实"
    assert 'data-testid="handle"' not in text(auditor.get(url))


def test_one_inspector_cannot_carry_a_red_card_alone(source, inspector):
    """The outside check's case: a 纪检 assigned the check to a colleague, then confirmed, decided and
    closed it alone within a minute, the checker never acting. Every such path is refused now."""
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    url = f"/console/supervision/alerts/{alert.pk}/"
    inspector.post(f"{url}assign/", {"assignee": world.person("auditor").pk})
    assert inspector.post(f"{url}check/", {"finding": "属实"}).status_code == 403  # not the assignee
    assert inspector.post(f"{url}confirm/", {"finding": "属实"}).status_code == 409  # no report yet
    assert inspector.post(f"{url}dismiss/", {"reason": "不实"}).status_code == 409
    # Assigning it to oneself and reporting does not help: the checker of a red card never decides it.
    inspector.post(f"{url}assign/", {"assignee": world.person("inspector").pk})
    assert inspector.post(f"{url}check/", {"finding": "属实"}).status_code == 302
    assert inspector.post(f"{url}confirm/", {"finding": "属实"}).status_code == 403
    auditor = login(Client(), world.person("auditor"))
    assert auditor.post(f"{url}confirm/", {"finding": "属实"}).status_code == 302
    line = responsibilities_for(alert)[0]
    dispose = {
        "kind": "remind",
        "responsibility": line.pk,
        "people": [world.person("reviewer").pk],
        "text": "提醒",
    }
    assert inspector.post(f"{url}dispose/", dispose).status_code == 403  # nor disposes of it
    alert.refresh_from_db()
    supervision_actions.do_answer_alert(actor=world.person("head"), alert=alert, text="已整改")
    assert auditor.post(f"{url}dispose/", dispose).status_code == 302
    assert [(n.kind, n.person.username) for n in alert.notes.order_by("at", "pk")][2:] == [
        ("check", world.person("inspector").username),
        ("confirm", world.person("auditor").username),
        ("defence", world.person("head").username),
        ("dispose", world.person("auditor").username),
    ]


def test_a_yellow_cards_checker_decides_it_in_one_step(source, inspector):
    world, _, _ = source
    (case,) = late_cases(world, 1)
    yellow = Alert.objects.get(case=case, rule="time_yellow")
    url = f"/console/supervision/alerts/{yellow.pk}/"
    assert inspector.post(f"{url}dismiss/", {"reason": "已办结"}).status_code == 409  # assign first
    inspector.post(f"{url}assign/", {"assignee": world.person("auditor").pk})
    assert (
        inspector.post(f"{url}dismiss/", {"reason": "已办结"}).status_code == 403
    )  # the checker's to decide
    auditor = login(Client(), world.person("auditor"))
    assert auditor.post(f"{url}dismiss/", {"reason": "已办结"}).status_code == 302


def test_refusals_are_shown_on_the_page_not_raised(source, inspector):
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    url = f"/console/supervision/alerts/{alert.pk}/"

    # A blank finding, a reason of spaces, someone who may not check alerts: form errors, nothing written.
    response = inspector.post(f"{url}confirm/", {"finding": ""})
    assert response.status_code == 422 and 'data-field="finding"' in text(response)
    response = inspector.post(f"{url}dismiss/", {"reason": "   "})
    assert response.status_code == 422 and 'data-field="reason"' in text(response)
    response = inspector.post(f"{url}assign/", {"assignee": world.person("clerk").pk})
    assert response.status_code == 422 and 'data-field="assignee"' in text(response)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and not AlertNote.objects.exists()

    # 处置 before it is confirmed: the action's refusal (409) is a message on the re-rendered page.
    line = responsibilities_for(alert)[0]
    response = inspector.post(
        f"{url}dispose/",
        {"kind": "remind", "responsibility": line.pk, "people": [world.person("clerk").pk], "text": "提醒"},
    )
    assert response.status_code == 409 and "不能处置" in text(response)
    assert not Sanction.objects.exists()

    checked(world, alert)
    assert inspector.post(f"{url}confirm/", {"finding": "属实"}).status_code == 302
    # No one named, an unknown measure, a line from another list: errors on their fields.
    response = inspector.post(f"{url}dispose/", {"kind": "remind", "people": [], "text": "提醒"})
    assert response.status_code == 422 and 'data-field="people"' in text(response)
    response = inspector.post(
        f"{url}dispose/", {"kind": "fine", "people": [world.person("clerk").pk], "text": "罚"}
    )
    assert response.status_code == 422 and 'data-field="kind"' in text(response)
    response = inspector.post(
        f"{url}dispose/",
        {"kind": "remind", "responsibility": 999999, "people": [world.person("clerk").pk], "text": "提醒"},
    )
    assert response.status_code == 422 and 'data-field="responsibility"' in text(response)
    # Someone of another unit cannot be named (not among the unit's staff offered).
    response = inspector.post(
        f"{url}dispose/", {"kind": "remind", "people": [world.person("clerk_b").pk], "text": "提醒"}
    )
    assert response.status_code == 422 and 'data-field="people"' in text(response)
    assert not Sanction.objects.exists()

    # A second confirmation is a state conflict, shown as a message.
    response = inspector.post(f"{url}confirm/", {"finding": "again"})
    assert response.status_code == 409 and 'class="error"' in text(response)
    # Closing before a 处置 likewise.
    response = inspector.post(f"{url}close/", {"text": ""})
    assert response.status_code == 409 and "不能办结" in text(response)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED


# The rules -----------------------------------------------------------------------------------------


def test_inspectors_change_a_rule_with_a_reason_and_see_its_history(inspector, source):
    world, _, _ = source
    page = text(inspector.get("/console/supervision/rules/"))
    assert page.count('data-rule="') == len(catalog.RULES) and "超过法定或承诺时限" in page
    assert 'data-testid="rule-form-time_yellow"' in page and 'name="time_yellow-param_share"' in page
    assert 'data-setting="' not in page and "<code>time_yellow</code>" not in page

    url = "/console/supervision/rules/time_yellow/"
    response = inspector.post(
        url, {"time_yellow-enabled": "on", "time_yellow-param_share": "0.3", "time_yellow-note": "试行"}
    )
    assert (
        response.status_code == 400
        and "预警比例应不小于 0.5 且小于 1" in text(response)
        and "must be" not in text(response)
    )
    response = inspector.post(url, {"time_yellow-enabled": "on", "time_yellow-param_share": "0.7"})
    assert response.status_code == 422 and 'data-field="note"' in text(response)
    assert not RuleSetting.objects.exists()

    response = inspector.post(
        url, {"time_yellow-enabled": "on", "time_yellow-param_share": "0.7", "time_yellow-note": "提前预警"}
    )
    assert response.status_code == 302
    row = RuleSetting.objects.get(rule="time_yellow")
    assert row.params == {"share": 0.7} and row.enabled and row.note == "提前预警"
    response = inspector.post(
        "/console/supervision/rules/frequent_return/",
        {"frequent_return-param_max_returns": "3", "frequent_return-note": "暂停观察"},
    )
    assert response.status_code == 302
    assert not RuleSetting.objects.get(rule="frequent_return").enabled

    page = text(inspector.get("/console/supervision/rules/"))
    assert 'data-rule="frequent_return" data-enabled="0"' in page
    assert page.count('data-setting="') == 2 and "提前预警" in page and "暂停观察" in page
    assert RuleSetting.objects.filter(region=world.city).count() == 2  # the inspector's scope: the city
    assert page.index('data-rule="frequent_return">') < page.index('data-rule="time_yellow">')  # newest first

    # The after-hours clock times are normalised ("7:30" → "07:30") and checked by the rule.
    response = inspector.post(
        "/console/supervision/rules/after_hours_decision/",
        {
            "after_hours_decision-enabled": "on",
            "after_hours_decision-param_day_starts": "7:30",
            "after_hours_decision-param_day_ends": "20:00",
            "after_hours_decision-note": "按作息时间调整",
        },
    )
    assert response.status_code == 302
    assert RuleSetting.objects.get(rule="after_hours_decision").params == {
        "day_starts": "07:30",
        "day_ends": "20:00",
    }
    assert inspector.post("/console/supervision/rules/nope/", {}).status_code == 404


def test_auditors_read_the_rules_but_do_not_change_them(source):
    world, _, _ = source
    auditor = login(Client(), world.person("auditor"))
    page = text(auditor.get("/console/supervision/rules/"))
    assert page.count('data-rule="') == len(catalog.RULES) and "rule-form-" not in page
    response = auditor.post(
        "/console/supervision/rules/time_yellow/",
        {"time_yellow-enabled": "on", "time_yellow-param_share": "0.7", "time_yellow-note": "试"},
    )
    assert response.status_code == 403 and not RuleSetting.objects.exists()
    clerk = login(Client(), world.person("clerk"))
    response = clerk.post(
        "/console/supervision/rules/time_yellow/",
        {"time_yellow-enabled": "on", "time_yellow-param_share": "0.7", "time_yellow-note": "试"},
    )
    assert response.status_code == 403 and not RuleSetting.objects.exists()


def test_an_inspector_changes_the_rules_of_their_own_region_only(source):
    from liuquan.core.errors import Forbidden
    from liuquan.supervision import actions as supervision_actions

    world, _, _ = source
    form = {"time_red-enabled": "", "time_red-note": "本地试行"}
    people = {
        key: region_inspector(world, key, region)
        for key, region in (("village-inspector", world.village), ("county-inspector", world.county))
    }
    county = login(Client(), people["county-inspector"])
    # Wider scopes, asked for by URL or by a forged form field, are refused: a county's 纪检 would
    # switch red cards off for the whole city, a village's for its county.
    for wider in (world.city.code, ""):
        refused = county.post("/console/supervision/rules/time_red/", {**form, "scope": wider})
        assert refused.status_code == 403, refused.content.decode()
        assert "rule-form-" not in text(county.get(f"/console/supervision/rules/?scope={wider}"))
    with pytest.raises(Forbidden):
        supervision_actions.do_set_rule(
            actor=people["village-inspector"],
            rule="time_red",
            enabled=False,
            params={},
            note="试",
            region=world.county,
        )
    assert not RuleSetting.objects.exists()
    # Their own scope (and the regions inside it) they may set; the page names the rule in Chinese.
    done = county.post("/console/supervision/rules/time_red/", form, follow=True)
    assert done.status_code == 200 and "超过时限" in text(done)
    row = RuleSetting.objects.get(rule="time_red")
    assert (
        row.region == world.county and row.enabled is False and row.updated_by == people["county-inspector"]
    )
    supervision_actions.do_set_rule(
        actor=people["county-inspector"],
        rule="time_red",
        enabled=False,
        params={},
        note="本村",
        region=world.village,
    )
    # The city's 纪检 sees the county's change in the history and still has red cards city-wide.
    city = login(Client(), world.person("inspector"))
    page = text(city.get("/console/supervision/rules/"))
    assert 'data-rule="time_red" data-enabled="1"' in page and page.count('data-setting="') == 2
    county_page = text(city.get(f"/console/supervision/rules/?scope={world.county.code}"))
    assert 'data-rule="time_red" data-enabled="0"' in county_page
    # A village's 纪检 sees the settings that reach the village, not other villages' or the city's form.
    village = login(Client(), people["village-inspector"])
    page = text(village.get("/console/supervision/rules/"))
    assert 'data-rule="time_red" data-enabled="0"' in page and "rule-form-time_red" in page


def test_breach_kinds_and_step_outcomes_reach_the_page_in_chinese_only(source, inspector):
    """No code reaches a page: a breach's kind, a step's outcome, a yes-or-no detail."""
    from liuquan.cases import engine
    from liuquan.cases.models import BREACH_KIND_NAMES, MADE_GOOD
    from liuquan.supervision.rules import BREACH_RULES
    from tests.cases.test_ingest import line, post

    assert {r.value for r in engine.Refusal} | set(BREACH_RULES) | {MADE_GOOD} <= set(BREACH_KIND_NAMES)
    _world, _, token = source
    events = [("accept", "complete", "张三", "pass"), ("review", "complete", "李四", "pass")]
    events.append(("decide", "complete", "张三", "grant"))  # 受理 and 决定 by one person
    post(token, [line("K-1", n, *event) for n, event in enumerate(events, start=1)])
    sweep.run_sweep()
    alert = Alert.objects.get(rule="separation_breach")
    page = text(inspector.get(f"/console/supervision/alerts/{alert.pk}/"))
    assert "分岗设权被突破" in page and "准予许可" in page and "审查通过" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    for code in ("separation_of_duties", "grant", "pass", "True", "False"):
        assert not re.search(rf"\b{code}\b", visible), code


def test_the_unit_is_heard_before_a_red_card_is_disposed_of_zhengwu_chufen_fa_art_43(
    source, inspector, clock
):
    """公职人员政务处分法第四十三条: the statement and defence are heard before a decision. A confirmed
    alert is shown to the heads of its unit, who answer it; a red card is disposed of after that answer,
    or once the answer period has run out; the unit never sees an alert still being checked."""
    world, _, _ = source
    (case,) = late_cases(world, 1)
    alert = red(case)
    url = f"/console/supervision/alerts/{alert.pk}/"
    head = login(Client(), world.person("head"))
    assert head.get(url).status_code == 403  # not yet confirmed: the check is not the unit's to watch
    assert 'data-testid="nav-unit-alerts"' in text(head.get("/console/"))
    assert f'data-alert="{alert.pk}"' not in text(head.get("/console/supervision/unit-alerts/"))

    checked(world, alert)
    supervision_actions.do_confirm_alert(actor=world.person("inspector"), alert=alert, finding="属实")
    assert f'data-alert="{alert.pk}"' in text(head.get("/console/supervision/unit-alerts/"))
    # Someone who heads no unit of the alert's, and the unit's clerk, cannot answer.
    for key in ("clerk", "clerk_b"):
        assert login(Client(), world.person(key)).post(f"{url}answer/", {"text": "申辩"}).status_code == 403
    page = text(head.get(url))
    assert 'data-testid="answer-by"' in page and 'data-testid="dispose-form"' not in page

    line = responsibilities_for(alert)[0]
    body = {
        "kind": "remind",
        "responsibility": line.pk,
        "people": [world.person("reviewer").pk],
        "text": "提醒",
    }
    refused = inspector.post(f"{url}dispose/", body)
    assert refused.status_code == 409 and "第四十三条" in text(refused)
    # The answer period runs out unanswered: the 处置 may go ahead.
    until = supervision_actions.answer_by(Alert.objects.get(pk=alert.pk))
    assert until is not None
    clock.set(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(10), tzinfo=SHANGHAI))
    inspector, head = (login(Client(), world.person(key)) for key in ("inspector", "head"))  # new sessions
    assert inspector.post(f"{url}dispose/", body)["Location"] == url
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.DISPOSED
    assert head.post(f"{url}answer/", {"text": "迟到的申辩"}).status_code == 409  # no longer confirmed
