"""The calendar in force (package + entered years), `liuquan calendar`, and entering a notice."""

from __future__ import annotations

import datetime
import json

import pytest

from liuquan.calendars import actions, queries
from liuquan.calendars.models import CalendarYear
from liuquan.core.errors import Forbidden, InvalidInput
from liuquan.ledger.models import Entry
from tests.powers.test_import import run

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-09-28", "20", "2026-10-30"),
        ("2026-09-25", "20", "2026-10-29"),
        ("2026-09-18", "1", "2026-09-20"),
    ],
)
def test_due_dates_from_the_issue(db, capsys, start, days, due):
    code, out, _ = run(capsys, "calendar", "due", "--start", start, "--days", days, "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["due"] == due and answer["provisional"] is False


def test_a_year_without_a_schedule_is_provisional_until_one_is_entered(world, capsys):
    code, out, _ = run(capsys, "calendar", "due", "--start", "2026-12-20", "--days", "20")
    assert code == 0 and out.startswith("2027-01-15") and "暂定" in out
    steward = world.system
    actions.do_set_year(
        actor=steward,
        year=2027,
        holidays=[D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)],
        workdays=[],
        source="测试：手工录入的样例安排（非真实通知）",
    )
    answer = queries.due_date(D(2026, 12, 20), 20)
    assert answer.provisional is False and answer.due == D(2027, 1, 18)
    assert Entry.objects.filter(action="calendars.set_year").count() == 1
    code, out, _ = run(capsys, "calendar", "show", "--json")
    years = {row["year"]: row for row in json.loads(out)["years"]}
    assert years[2027]["entered"] and not years[2026]["entered"]


def test_an_entered_year_overrides_the_package(world):
    actions.do_set_year(
        actor=world.system, year=2026, holidays=[D(2026, 10, 1)], workdays=[], source="测试覆盖"
    )
    assert queries.work_calendar().is_workday(D(2026, 10, 2)).is_workday is True


def test_only_a_steward_enters_a_year_and_bad_schedules_change_nothing(world, capsys):
    with pytest.raises(Forbidden):
        actions.do_set_year(
            actor=world.person("reform_office"), year=2027, holidays=[], workdays=[], source="x"
        )
    with pytest.raises(InvalidInput) as error:
        actions.do_set_year(
            actor=world.system, year=2027, holidays=[D(2028, 1, 1)], workdays=[], source="样例"
        )
    assert "2028-01-01" in error.value.message
    code, _, err = run(
        capsys,
        "calendar",
        "set",
        "--year",
        "2027",
        "--holidays",
        "2027-02-10..2027-02-01",
        "--source",
        "样例",
    )
    assert code == 2 and "终点早于起点" in err
    code, _, err = run(capsys, "calendar", "due", "--start", "2026-13-01", "--days", "2")
    assert code == 2 and "2026-13-01" in err
    assert not CalendarYear.objects.exists()


def test_the_console_calendar_page_marks_a_provisional_due_date(world):
    from django.test import Client

    from liuquan.core.testing import login

    client = login(Client(), world.person("clerk"))
    page = client.get("/console/calendar/", {"start": "2026-12-20", "days": "20", "kind": "working"})
    text = page.content.decode()
    assert page.status_code == 200 and "2027-01-15" in text and 'data-testid="provisional"' in text
    firm = client.get("/console/calendar/", {"start": "2026-09-28", "days": "20"}).content.decode()
    assert "2026-10-30" in firm and 'data-testid="provisional"' not in firm
    bad = client.get("/console/calendar/", {"start": "2026-02-30", "days": "20"}).content.decode()
    assert 'class="error"' in bad


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--start", "9999-12-30", "--days", "5"], "start"),
        (["--start", "9999-12-31", "--days", "1", "--natural"], "start"),
        (["--start", "2026-09-28", "--days", "100000000"], "days"),
        (["--start", "2026-09-28", "--days", "-1"], "days"),
        (["--start", "20260928", "--days", "5"], "start"),
        (["--start", "2026-W40-1", "--days", "5"], "start"),
        (["--start", "2026-9-28", "--days", "5"], "start"),
    ],
)
def test_calendar_due_refuses_out_of_range_input_in_one_line(db, capsys, args, field):
    code, out, err = run(capsys, "calendar", "due", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err and "[invalid]" in err, err


def test_a_missing_year_is_one_task_for_the_steward(world, capsys, clock):
    from django.test import Client

    from liuquan.core.testing import login
    from tests.cases.conftest import build_case_world, complete, open_licence
    from tests.clock import SHANGHAI

    last = max(queries.work_calendar().scheduled_years)
    # In June only this year matters, and it has a schedule: nothing to do.
    clock.set(datetime.datetime(last, 6, 10, 10, 0, tzinfo=SHANGHAI))
    code, out, _ = run(capsys, "calendar", "show", "--json")
    assert code == 0 and json.loads(out)["to_enter"] == []
    # From October the next year's notice is due; two licences accepted in late December run into it.
    clock.set(datetime.datetime(last, 12, 21, 10, 0, tzinfo=SHANGHAI))
    build_case_world(world)
    for _ in range(2):
        complete(world, open_licence(world), "clerk", "accept", "pass")
    code, out, _ = run(capsys, "calendar", "show", "--json")
    assert json.loads(out)["to_enter"] == [{"year": last + 1, "provisional_cases": 2}]
    code, out, _ = run(capsys, "calendar", "show")
    assert f"{last + 1}年节假日安排尚未录入，2 件在办案件" in out and "liuquan calendar set" in out
    # The console home shows it to a data steward, with where to enter it; to nobody else.
    steward = login(Client(), world.system).get("/console/").content.decode()
    assert 'data-testid="steward-tasks"' in steward and f'data-year="{last + 1}"' in steward
    assert "/admin/calendars/calendaryear/add/" in steward
    clerk = login(Client(), world.person("clerk")).get("/console/").content.decode()
    assert 'data-testid="steward-tasks"' not in clerk
