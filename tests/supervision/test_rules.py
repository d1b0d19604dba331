"""Every supervision rule: plant its breach, see exactly one alert; a clean case raises none; running
twice raises nothing twice; only the rules that say so cure themselves."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from liuquan.cases import actions
from liuquan.cases.actions import Applicant, CaseRefused
from liuquan.cases.models import Case, CaseStep
from liuquan.core.testing import region_inspector
from liuquan.org import actions as org_actions
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert, AlertStatus, SweepMark
from tests.cases.test_ingest import line
from tests.cases.test_ingest import source as source

D = dt.date


@pytest.fixture(autouse=True)
def _no_event_runs(settings):
    # The tests call the sweep themselves, to see each rule's alerts appear exactly once.
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False


def open_case(world, code: str = "XK001") -> Case:
    return actions.do_open_case(
        actor=world.person("clerk"), unit=world.dept_a, power_code=code, applicant=Applicant(name="某协会")
    ).case


def alerts(rule: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule))


def test_a_clean_case_raises_nothing_and_a_sweep_is_idempotent(source):
    world, _, _ = source
    case = open_case(world)
    for person, step, outcome in [
        ("clerk", "accept", "pass"),
        ("reviewer", "review", "pass"),
        ("leader", "decide", "grant"),
        ("clerk", "deliver", "done"),
    ]:
        actions.do_complete_step(actor=world.person(person), case=case, step=step, outcome=outcome)
    first = sweep.run_sweep()
    assert first.total == 0 and not Alert.objects.exists()
    assert sweep.run_sweep().total == 0


def test_time_yellow_and_red_each_once_and_only_yellow_cures(source):
    world, _, _ = source
    case = open_case(world)
    actions.do_complete_step(
        actor=world.person("clerk"), case=case, step="accept", pass_=None
    ) if False else None
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    step = CaseStep.objects.get(case=case, step="review", completed_at__isnull=True)
    warn, due = step.warn_on, step.due_on
    assert warn is not None and due is not None
    sweep.run_sweep(today=warn)
    assert len(alerts("time_yellow")) == 1 and alerts("time_yellow")[0].case_step_id == step.pk
    sweep.run_sweep(today=warn)
    assert len(alerts("time_yellow")) == 1
    sweep.run_sweep(today=due + dt.timedelta(days=1))
    reds = alerts("time_red")
    assert [alert.case_step_id for alert in reds] == [step.pk] and reds[0].level == "red"
    assert reds[0].detail.get("risk_point") is None or isinstance(reds[0].detail["risk_point"], str)
    # Completing late: the yellow card does not cure (late stays late), the red stays.
    actions.do_complete_step(actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    CaseStep.objects.filter(pk=step.pk).update(
        completed_at=timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=2), dt.time(10)))
    )
    sweep.run_sweep(today=due + dt.timedelta(days=2))
    assert Alert.objects.get(rule="time_yellow", case_step=step).status == AlertStatus.OPEN
    assert Alert.objects.filter(rule="time_red", case_step=step).count() == 1


def test_a_rule_switched_off_for_one_region_still_runs_everywhere_else(source):
    """A county's 纪检 switching 红牌 off for the county leaves the city's departments watched; the city's
    纪检 switching it off for the city stops it there, and a later county setting wins in the county."""
    from liuquan.supervision import actions as supervision_actions

    world, _, _ = source
    county = region_inspector(world, "county-jj", world.county)
    supervision_actions.do_set_rule(
        actor=county, rule="time_red", enabled=False, params={}, note="本县另行督办", region=world.county
    )
    groups = sweep.scope_groups()
    off = [group for group in groups if "time_red" not in group.enabled]
    assert len(groups) == 2 and len(off) == 1 and off[0].unit_ids == frozenset({world.village_committee.pk})

    case = open_case(world)  # a case of 市民政局, a city department
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    step = CaseStep.objects.get(case=case, step="review", completed_at__isnull=True)
    assert step.due_on is not None
    sweep.run_sweep(today=step.due_on + dt.timedelta(days=1))
    assert [alert.case_step_id for alert in alerts("time_red")] == [step.pk]

    Alert.objects.all().delete()  # the same overdue step, swept again with the city's rule off
    SweepMark.objects.all().delete()
    supervision_actions.do_set_rule(
        actor=world.person("inspector"),
        rule="time_red",
        enabled=False,
        params={},
        note="全市暂停",
        region=world.city,
    )
    sweep.run_sweep(today=step.due_on + dt.timedelta(days=2))
    assert alerts("time_red") == []
    assert all("time_red" not in group.enabled for group in sweep.scope_groups())
    # The county's own setting is narrower than the city's: switched back on there, it runs there only.
    supervision_actions.do_set_rule(
        actor=county, rule="time_red", enabled=True, params={}, note="恢复", region=world.county
    )
    on = [group for group in sweep.scope_groups() if "time_red" in group.enabled]
    assert len(on) == 1 and on[0].unit_ids == frozenset({world.village_committee.pk})


def test_a_yellow_card_met_in_time_cures_itself(source):
    world, _, _ = source
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    step = CaseStep.objects.get(case=case, step="review", completed_at__isnull=True)
    sweep.run_sweep(today=step.warn_on)
    actions.do_complete_step(actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    result = sweep.run_sweep(today=step.warn_on)
    assert result.cured == 1 and Alert.objects.get(rule="time_yellow").status == AlertStatus.CURED


def test_refused_attempts_become_one_alert_each(source):
    world, _, _ = source
    case = open_case(world)
    clerk = world.person("clerk")
    actions.do_complete_step(actor=clerk, case=case, step="accept", outcome="correct")
    actions.do_supplement(actor=org_actions.public_person(), case=case, note="补上了")
    actions.do_complete_step(actor=clerk, case=case, step="accept", outcome="correct")
    with pytest.raises(CaseRefused):  # no new submission since: a second 补正 is refused
        actions.do_complete_step(actor=clerk, case=case, step="accept", outcome="correct")
    approver_post = world.dept_a.posts.get(name="审批岗")
    org_actions.do_assign_post(actor=world.system, post=approver_post, person=clerk)
    actions.do_supplement(actor=org_actions.public_person(), case=case, note="再补")
    actions.do_complete_step(actor=clerk, case=case, step="accept", outcome="pass")
    actions.do_complete_step(actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    with pytest.raises(CaseRefused):  # 受理 and 决定 by the same person
        actions.do_complete_step(actor=clerk, case=case, step="decide", outcome="grant")
    sweep.run_sweep()
    assert len(alerts("repeated_correction")) == 1 and alerts("repeated_correction")[0].level == "yellow"
    assert len(alerts("separation_breach")) == 1
    assert sweep.run_sweep().total == 0


def test_ingested_breaches_are_red_cards(source):
    _world, _, token = source
    events = [("accept", "complete", "张三", "pass"), ("decide", "complete", "张三", "grant")]
    lines = [line("S-1", n, *event) for n, event in enumerate(events, start=1)]
    lines.append(line("S-2", 1, "accept", "complete", "张三", "pass", power_code="NOPE"))
    Client().post(
        "/api/v1/ingest/events",
        "\n".join(lines),
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    sweep.run_sweep()
    assert [a.level for a in alerts("skipped_step")] == ["red"]
    assert len(alerts("outside_list")) == 1
    # 张三 did 受理 and then 决定: the skipped 审查 and the separation breach are each one red card.
    assert [a.level for a in alerts("separation_breach")] == ["red"]
    assert sweep.run_sweep().total == 0


def test_after_hours_decision_and_frequent_return(source):
    world, _, _ = source
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    for _ in range(3):
        actions.do_complete_step(actor=world.person("reviewer"), case=case, step="review", outcome="pass")
        actions.do_complete_step(actor=world.person("leader"), case=case, step="decide", outcome="return")
    actions.do_complete_step(actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    actions.do_complete_step(actor=world.person("leader"), case=case, step="decide", outcome="grant")
    decided = CaseStep.objects.filter(case=case, step="decide", outcome="grant").get()
    CaseStep.objects.filter(pk=decided.pk).update(
        completed_at=dt.datetime(2026, 10, 3, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    )
    sweep.run_sweep()
    assert len(alerts("frequent_return")) == 1 and alerts("frequent_return")[0].detail["returns"] == 3
    after = alerts("after_hours_decision")
    assert len(after) == 1 and after[0].case_step_id == decided.pk  # the returns were in hours


def test_leader_oversight_and_provisional_calendar(source):
    world, _, _ = source
    org_actions.do_assign_oversight(
        actor=world.system,
        unit=world.dept_a,
        leader=world.person("head"),
        area="财务",
        exception_reason="副职空缺，报纪委备案",
    )
    case = open_case(world)
    Case.objects.filter(pk=case.pk).update(provisional=True)
    sweep.run_sweep()
    assert len(alerts("leader_oversight")) == 1 and len(alerts("provisional_calendar")) == 1
    row = world.dept_a.oversights.get(area="财务")
    org_actions.do_end_oversight(actor=world.system, oversight=row)
    assert sweep.run_sweep().cured == 1
    assert Alert.objects.get(rule="leader_oversight").status == AlertStatus.CURED


def test_unapproved_extension(source):
    world, _, _ = source
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    from liuquan.cases.models import Breach

    Breach.objects.create(
        case=case,
        unit=world.dept_a,
        at=timezone.now(),
        kind="unapproved_extension",
        step="review",
        channel="ingest",
        refused=False,
        message="未经批准延期",
    )
    sweep.run_sweep()
    assert len(alerts("unapproved_extension")) == 1
    assert json.dumps(alerts("unapproved_extension")[0].detail)


def test_out_of_order(source):
    _world, _, token = source
    events = [
        ("accept", "complete", "张三", "pass"),
        ("review", "complete", "李四", "pass"),
        ("accept", "complete", "张三", "pass"),  # back to 受理 while the case waits at 决定
    ]
    lines = [line("O-1", n, *event) for n, event in enumerate(events, start=1)]
    Client().post(
        "/api/v1/ingest/events",
        "\n".join(lines),
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    sweep.run_sweep()
    found = alerts("out_of_order")
    assert len(found) == 1 and found[0].level == "red"
    assert sweep.run_sweep().total == 0


def test_the_yellow_share_set_by_an_inspector_applies_to_clocks_started_afterwards(source):
    from liuquan.calendars import queries as calendar_queries
    from liuquan.cases import engine
    from liuquan.supervision import actions as supervision_actions

    world, _, _ = source
    supervision_actions.do_set_rule(
        actor=world.person("inspector"),
        rule="time_yellow",
        enabled=True,
        params={"share": 0.5},
        note="试行半程预警",
        region=world.city,
    )
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    step = CaseStep.objects.get(case=case, step="review", completed_at__isnull=True)
    review = case.definition.flow.step("review")
    assert review is not None and review.limit is not None and step.warn_on is not None
    limit = review.limit
    started = timezone.localtime(step.started_at).date()
    expected = engine.clock(calendar_queries.work_calendar(), started, limit, share=0.5)
    assert step.warn_on == expected.warn < engine.clock(calendar_queries.work_calendar(), started, limit).warn


def test_a_provisional_due_date_is_a_notice_for_the_steward_never_a_card(source, clock):
    from liuquan.calendars import queries as calendar_queries
    from liuquan.core.testing import login
    from liuquan.org.models import Unit
    from liuquan.supervision import reports, stats
    from tests.clock import SHANGHAI

    world, _, _ = source
    # Late December of the last year with a holiday schedule: 20 working days reach the next year.
    last = max(calendar_queries.work_calendar().scheduled_years)
    clock.set(dt.datetime(last, 12, 21, 10, 0, tzinfo=SHANGHAI))
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    assert Case.objects.get(pk=case.pk).provisional
    sweep.run_sweep()
    notice = Alert.objects.get(rule="provisional_calendar")
    assert (notice.level, notice.respond_by) == ("notice", None)
    assert notice.case_id == case.pk

    def figures() -> tuple[int, int, int, list[str]]:
        today = clock.today()
        board = stats.board(Unit.objects.all(), stats.Period.last_weeks(4, today), today=today)
        month = reports.monthly_data(last, 12, scope_units=Unit.objects.all(), today=today)
        assert "provisional_calendar" not in [line.rule for line in month.rules + month.handling]
        ranked = [row.unit.code for row in board.units if row.figures.yellow or row.figures.red]
        return board.totals.yellow + board.totals.red, board.totals.open_alerts, month.yellow, ranked

    assert figures() == (0, 0, 0, [])
    # A marker stored as a yellow card before markers had a level of their own is still no card.
    Alert.objects.filter(pk=notice.pk).update(level="yellow")
    assert figures() == (0, 0, 0, [])
    Alert.objects.filter(pk=notice.pk).update(level="notice")
    # The inspector's list shows it apart from the cards, under its Chinese name, never the rule's key.
    page = login(Client(), world.person("inspector")).get("/console/supervision/alerts/")
    text = page.content.decode()
    assert 'data-level="notice" data-count="1"' in text and 'data-level="yellow" data-count="0"' in text
    assert "暂定日历" in text and ">provisional_calendar<" not in text


def _ingest(token, *events):
    from tests.cases.test_ingest import post

    answer = post(token, list(events))
    assert answer.status_code == 200, answer.content
    assert json.loads(answer.content)["rejected"] == []


def _at(day: dt.date) -> str:
    return f"{day.isoformat()}T10:00:00+08:00"


def test_a_case_arriving_already_overdue_gets_its_red_card_on_the_next_sweep(source):
    """The clock rules used to look only at dates between the last sweep's day and today: a case sent by
    another system after its step's due date fell before that window, on every later sweep too."""
    _world, _, token = source
    sweep.run_sweep()  # the sweep has run: the old window would now start today
    _ingest(token, line("LATE-1", 1, "accept", "complete", "张三", "pass", time=_at(D(2026, 5, 6))))
    step = CaseStep.objects.get(case__external_id="LATE-1", step="review")
    case = step.case
    assert step.due_on and case.due_on and step.due_on < D(2026, 6, 10) and case.due_on < D(2026, 6, 10)
    sweep.run_sweep()
    assert {(a.case_id, a.case_step_id) for a in alerts("time_red")} == {(case.pk, step.pk), (case.pk, None)}
    assert sweep.run_sweep().total == 0  # each once


def test_a_case_suspended_past_its_date_and_resumed_is_found_too(source):
    world, _, _ = source
    case = open_case(world)
    actions.do_complete_step(actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    step = CaseStep.objects.get(case=case, step="review", completed_at__isnull=True)
    assert step.due_on is not None
    sweep.run_sweep(today=step.due_on - dt.timedelta(days=1))
    Case.objects.filter(pk=case.pk).update(status="suspended")  # paused across its due date …
    sweep.run_sweep(today=step.due_on + dt.timedelta(days=3))
    assert not alerts("time_red")
    Case.objects.filter(pk=case.pk).update(status="open")  # … and running again, still past it
    sweep.run_sweep(today=step.due_on + dt.timedelta(days=4))
    assert [a.case_step_id for a in alerts("time_red")] == [step.pk]


def test_a_finished_case_past_its_20_day_case_limit_gets_a_red_card_though_each_step_was_on_time_art_42(
    source,
):
    """行政许可法第四十二条 (20 working days for the decision): every step within its own limit (受理 5,
    审查 10, 决定 5, 送达 10) still adds up past the case limit."""
    _world, _, token = source
    _ingest(token, line("SLOW-1", 1, "accept", "complete", "张三", "pass", time=_at(D(2026, 4, 20))))
    case = Case.objects.get(external_id="SLOW-1")
    events = []
    for seq, (key, person, outcome) in enumerate(
        [("review", "李四", "pass"), ("decide", "王五", "grant"), ("deliver", "张三", "done")], start=2
    ):
        open_step = CaseStep.objects.get(case=case, step=key, completed_at__isnull=True)
        assert open_step.due_on is not None
        event = line("SLOW-1", seq, key, "complete", person, outcome, time=_at(open_step.due_on))
        _ingest(token, event)  # each on its own due day
        events.append(event)
    case.refresh_from_db()
    assert case.closed_at and case.due_on and case.status == "done"
    assert timezone.localtime(case.closed_at).date() > case.due_on
    sweep.run_sweep()
    reds = alerts("time_red")
    assert [(a.case_id, a.case_step_id) for a in reds] == [(case.pk, None)]
    assert "超过办结时限" in reds[0].subject


def test_a_step_attempted_without_its_post_is_refused_recorded_and_alerted_once(source):
    """越权: another unit's clerk, and a colleague without the step's post, are refused (403) as before,
    and now the attempt reaches supervision: one card per person and case, however often they try."""
    from liuquan.cases.models import Breach
    from liuquan.core.errors import Forbidden

    world, _, _ = source
    case = open_case(world)
    for _ in range(3):
        with pytest.raises(Forbidden):
            actions.do_complete_step(actor=world.person("clerk_b"), case=case, step="accept", outcome="pass")
    with pytest.raises(Forbidden):
        actions.do_claim_step(actor=world.person("reviewer"), case=case)
    breaches = Breach.objects.filter(case=case, kind="not_authorised")
    assert breaches.count() == 4 and all(b.refused for b in breaches)
    sweep.run_sweep()
    cards = alerts("unauthorised_attempt")
    assert sorted(a.detail["breach"] in {b.pk for b in breaches} for a in cards) == [True, True]
    assert {a.level for a in cards} == {"yellow"} and len(cards) == 2  # clerk_b once, the reviewer once
    case.refresh_from_db()
    assert case.current_step == "accept" and not CaseStep.objects.filter(
        case=case, completed_at__isnull=False
    )


def test_a_case_asked_to_correct_twice_is_one_repeated_correction_card_art_32(source):
    """行政许可法第三十二条: everything to correct is told at once. A second round after the applicant
    answered is not refused (it may be lawful), but supervision sees it."""
    _world, _, token = source
    events = [
        ("accept", "complete", "张三", "correct"),
        ("accept", "complete", "张三", "correct"),
        ("accept", "complete", "张三", "pass"),
    ]
    _ingest(token, *[line("CORR-1", n, *event) for n, event in enumerate(events, start=1)])
    case = Case.objects.get(external_id="CORR-1")
    assert case.corrections == 2
    sweep.run_sweep()
    assert [(a.case_id, a.rule) for a in alerts("repeated_correction")] == [(case.pk, "repeated_correction")]
    assert sweep.run_sweep().total == 0


def test_alerts_are_listed_through_the_api_and_the_cli_within_the_readers_reach(source, capsys):
    """`GET /api/v1/supervision/alerts` and `liuquan supervise alerts`: the console's filters, each code
    beside its Chinese label; a county 纪检 sees the county only, a clerk nothing."""
    from liuquan.core.testing import login
    from tests.test_cli import run

    world, _, token = source
    _ingest(token, line("API-1", 1, "accept", "complete", "张三", "pass", time=_at(D(2026, 5, 6))))
    sweep.run_sweep()
    assert len(alerts("time_red")) == 2

    inspector = login(Client(), world.person("inspector"))
    answer = inspector.get("/api/v1/supervision/alerts?status=open&rule=time_red")
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert body["count"] == 2 and {row["rule_name"] for row in body["alerts"]} == {"超过时限"}
    assert {(row["level_name"], row["status_name"]) for row in body["alerts"]} == {("红牌", "待核查")}
    assert json.loads(inspector.get("/api/v1/supervision/alerts?rule=skipped_step").content)["count"] == 0
    wrong = inspector.get("/api/v1/supervision/alerts?status=pending")
    assert wrong.status_code == 400 and "未知的预警状态" in json.loads(wrong.content)["message"]
    county = login(Client(), region_inspector(world, "county-jj", world.county))
    assert json.loads(county.get("/api/v1/supervision/alerts").content)["count"] == 0  # a city department's
    assert login(Client(), world.person("clerk")).get("/api/v1/supervision/alerts").status_code == 403
    assert Client().get("/api/v1/supervision/alerts").status_code == 401

    code, out, _ = run(capsys, "supervise", "alerts", "--status", "active", "--json")
    assert code == 0 and {row["rule"] for row in json.loads(out)} == {"time_red"}
    code, out, _ = run(capsys, "supervise", "alerts", "--as", world.person("inspector").username)
    assert code == 0 and "超过时限" in out and "共 2 条" in out
    code, _, err = run(capsys, "supervise", "alerts", "--as", world.person("clerk").username)
    assert code != 0 and "纪检" in err


def test_events_waiting_a_day_for_a_predecessor_are_carded_and_cure_when_it_comes(source, clock):
    """Events that wait for a missing predecessor used to wait for ever, unseen: after the set hours
    (24 by default) the gap is a card, which ends by itself once the missing event arrives."""
    from tests.clock import START

    _world, _, token = source
    later = [line("GAP-1", n, *event) for n, event in enumerate(HAPPY_EVENTS, start=1)]
    _ingest(token, *later[1:])  # 受理 (seq 1) never sent
    sweep.run_sweep()
    assert not alerts("ingest_gap")  # just arrived
    clock.set(START + dt.timedelta(hours=25))
    sweep.run_sweep()
    (gap,) = alerts("ingest_gap")
    assert gap.case_id is None and gap.detail["waiting"] == 3 and "mzj-legacy/GAP-1" in gap.subject
    assert sweep.run_sweep().total == 0
    _ingest(token, later[0])
    sweep.run_sweep()
    gap.refresh_from_db()
    assert gap.status == AlertStatus.CURED and Case.objects.get(external_id="GAP-1").status == "done"


HAPPY_EVENTS = [
    ("accept", "complete", "张三", "pass"),
    ("review", "complete", "李四", "pass"),
    ("decide", "complete", "王五", "grant"),
    ("deliver", "complete", "赵六", "done"),
]


def test_reading_or_opening_another_units_case_is_refused_and_on_the_record(source):
    """越权 beyond the steps: another unit's clerk reading a case (console or API) or opening one at a
    unit not theirs is refused as before, and now reaches supervision, once per person and case."""
    from liuquan.cases.models import Breach
    from liuquan.core.errors import Forbidden
    from liuquan.core.testing import login

    world, _, _ = source
    case = open_case(world)
    outsider = login(Client(), world.person("clerk_b"))
    assert outsider.get(f"/console/cases/{case.number}/").status_code == 403
    assert outsider.get(f"/api/v1/cases/{case.pk}").status_code == 403
    with pytest.raises(Forbidden):
        actions.do_open_case(
            actor=world.person("clerk_b"),
            unit=world.dept_a,
            power_code="XK001",
            applicant=Applicant(name="某人"),
        )
    attempts = Breach.objects.filter(kind="not_authorised", person=world.person("clerk_b")).order_by("pk")
    assert [(b.case_id, b.channel) for b in attempts] == [
        (case.pk, "console"),
        (case.pk, "api"),
        (None, "console"),
    ]
    sweep.run_sweep()
    cards = alerts("unauthorised_attempt")
    assert sorted((a.case_id is None) for a in cards) == [False, True]  # the case once, the unit once
    # Anonymous visitors are sent to log in, and nothing is recorded for them.
    assert Client().get(f"/console/cases/{case.number}/").status_code == 302
    assert Breach.objects.filter(kind="not_authorised").count() == 3
