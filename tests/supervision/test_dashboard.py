"""The supervision dashboards and the monthly report: the figures add up, 纪检 and 审计 see them within their
scope and nobody else does, the queries do not grow with the data, and the report opens in Excel and
as a PDF with a Chinese font embedded."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zlib

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localtime
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]

from liuquan.cases import actions, ingest
from liuquan.cases.models import Case
from liuquan.core.errors import Forbidden
from liuquan.core.testing import login
from liuquan.org.models import Unit
from liuquan.supervision import actions as supervision_actions
from liuquan.supervision import reports, stats, sweep
from liuquan.supervision import rules as supervision_rules
from liuquan.supervision.models import Alert, AlertStatus
from tests.cases.conftest import build_case_world, open_licence
from tests.cases.conftest import clock as clock  # the fixture
from tests.clock import SHANGHAI

URLS = "tests.supervision.dashboard_urls"
DASHBOARD = "/console/supervision/"


@pytest.fixture(autouse=True)
def _sweeps_by_hand(settings):
    # The tests sweep at chosen moments, so each alert appears when the test says.
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False


def finish(world, case: Case, *steps: tuple[str, str, str]) -> None:
    for key, step, outcome in steps:
        actions.do_complete_step(actor=world.person(key), case=case, step=step, outcome=outcome)


REST = (("reviewer", "review", "pass"), ("leader", "decide", "grant"), ("clerk", "deliver", "done"))
ACCEPT = (("clerk", "accept", "pass"),)


@pytest.fixture
def city(clock, world):
    """Five licences at 民政局 from 2026-09-28 to 2026-11-27, swept on 10-30 and 11-27:
    A closed on time, B closed late, C still at 审查 and long past due, E's 审查 near its due date,
    D just received; and a red card for the village committee (平遥县) from an outside-list event."""
    build_case_world(world)
    a = open_licence(world)
    finish(world, a, *ACCEPT, *REST)
    b = open_licence(world)
    finish(world, b, *ACCEPT)
    c = open_licence(world)
    finish(world, c, *ACCEPT)
    clock.set(dt.datetime(2026, 10, 30, 16, 0, tzinfo=SHANGHAI))
    sweep.run_sweep()
    clock.set(dt.datetime(2026, 11, 13, 10, 0, tzinfo=SHANGHAI))
    e = open_licence(world)
    finish(world, e, *ACCEPT)
    clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
    finish(world, b, *REST)
    d = open_licence(world)
    source, _ = ingest.do_create_source(
        actor=world.system, name="village-ledger", unit=world.village_committee
    )
    line = {
        "source": "village-ledger",
        "case_id": "V-1",
        "seq": 1,
        "power_code": "CUN999",
        "step": "accept",
        "action": "complete",
        "person": "村会计",
        "time": "2026-11-26T10:00:00+08:00",
        "outcome": "pass",
    }
    ingest.do_ingest(actor=world.system, source=source, body=json.dumps(line, ensure_ascii=False))
    sweep.run_sweep()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def period() -> stats.Period:
    return stats.Period.last_weeks(12, dt.date(2026, 11, 27))


def test_the_board_adds_up(city, world):
    board = stats.board(Unit.objects.all(), period(), today=dt.date(2026, 11, 27))
    mzj = next(row for row in board.units if row.unit == world.dept_a)
    assert (mzj.figures.closed, mzj.figures.on_time, mzj.figures.on_time_rate) == (2, 1, 0.5)
    assert (mzj.figures.running, mzj.figures.overdue) == (3, 1)
    alerts = Alert.objects.filter(unit=world.dept_a)
    assert mzj.figures.red == alerts.filter(level="red").count() >= 3  # B's 审查 late; C's 审查 and C itself
    assert mzj.figures.yellow == alerts.filter(level="yellow").count() >= 1  # E's 审查 from 11-25
    # The city's departments count under the city, the village committee under 平遥县.
    counties = {row.region.code: row for row in board.counties}
    assert counties["140700"].label == "晋中市（市本级）" and counties["140700"].figures.closed == 2
    assert counties["140728"].label == "平遥县" and counties["140728"].figures.red == 1
    assert board.totals.red == Alert.objects.filter(level="red").count()
    # Every card raised falls in one week; the weeks add up to the totals.
    assert sum(week.red for week in board.weeks) == board.totals.red
    assert sum(week.yellow for week in board.weeks) == board.totals.yellow
    assert len([week for week in board.weeks if week.red]) >= 2  # swept on 10-30 and on 11-27
    assert sum(week.closed for week in board.weeks) == 2
    # The worst step is 审查: B finished it late and C is still in it past its due date.
    worst = board.steps[0]
    assert (worst.power_code, worst.step, worst.late) == ("XK001", "review", 2)
    assert worst.red == 2 and set(worst.cases) == {city["b"].number, city["c"].number}
    late = {row.number: row for row in board.late_cases}
    assert set(late) == {city["b"].number, city["c"].number}
    assert late[city["c"].number].current_step == "审查" and late[city["c"].number].days_late > 20


def test_a_unit_or_a_county_narrows_the_board(city, world):
    county = stats.board(
        Unit.objects.filter(stats.in_county(world.county)), period(), today=dt.date(2026, 11, 27)
    )
    assert [row.unit for row in county.units] == [world.village_committee]
    city_only = stats.board(
        Unit.objects.filter(stats.in_county(world.city)), period(), today=dt.date(2026, 11, 27)
    )
    assert world.village_committee not in [row.unit for row in city_only.units]


@override_settings(ROOT_URLCONF=URLS)
def test_the_page_shows_tables_charts_and_drill_down_links(city, world):
    response = login(Client(), world.person("inspector")).get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="units"' in page and 'data-testid="steps"' in page
    assert f'href="/console/cases/{city["c"].number}/"' in page  # the late case, to its console page
    assert 'href="alerts/?unit=140700-MZJ&amp;level=red"' in page  # the unit's red cards
    assert 'href="?county=140728&amp;weeks=12"' in page
    assert "liuquan/vendor/echarts/echarts.min.js" in page and "liuquan/dashboard.js" in page
    assert 'href="report/2026-11.pdf"' in page
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found[1])
    assert len(data["weeks"]) == 12 and sum(data["red"]) == Alert.objects.filter(level="red").count()
    assert data["counties"]["names"] == ["晋中市（市本级）", "平遥县"]
    assert data["counties"]["onTime"][0] == 50.0
    unit = login(Client(), world.person("auditor")).get(DASHBOARD, {"unit": "140728204201-CWH", "weeks": "4"})
    assert unit.status_code == 200 and "南石渠村民委员会" in unit.content.decode()
    assert login(Client(), world.person("auditor")).get(DASHBOARD, {"unit": "nope"}).status_code == 404


@override_settings(ROOT_URLCONF=URLS)
def test_only_supervisors_see_it(city, world):
    for key in ("clerk", "head", "reform_office"):
        assert login(Client(), world.person(key)).get(DASHBOARD).status_code == 403
        assert login(Client(), world.person(key)).get(DASHBOARD + "report/2026-11.xlsx").status_code == 403
    assert Client().get(DASHBOARD).status_code == 302  # to the login page
    with pytest.raises(Forbidden):
        stats.access_units(world.person("clerk"))
    assert world.dept_a in stats.access_units(world.person("auditor"))


@override_settings(ROOT_URLCONF=URLS)
def test_the_queries_do_not_grow_with_the_data(city, world, clock):
    client = login(Client(), world.person("inspector"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DASHBOARD).status_code == 200
        return len(queries)

    before = count()
    for _ in range(3):  # more cases, steps, late steps and alerts
        late = open_licence(world)
        finish(world, late, *ACCEPT)
    clock.set(dt.datetime(2026, 12, 29, 10, 0, tzinfo=SHANGHAI))
    sweep.run_sweep()
    clock.set(dt.datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI))
    assert count() == before
    assert before <= 14, f"{before} queries"


def handle_some(world) -> dict[str, Alert]:
    """One alert dismissed, one being checked, one carried to a 处置 and closed (on 11-27)."""
    inspector = world.person("inspector")
    reds = list(Alert.objects.filter(unit=world.dept_a, level="red").order_by("pk"))
    closed, checking = reds[0], reds[1]
    dismissed = Alert.objects.filter(unit=world.dept_a, level="yellow").order_by("-raised_at", "-pk")[0]
    supervision_actions.do_assign_alert(actor=inspector, alert=dismissed, assignee=inspector)
    supervision_actions.do_dismiss_alert(  # a yellow card: its checker decides it
        actor=inspector, alert=dismissed, reason="申请人要求暂缓，已书面说明"
    )
    supervision_actions.do_assign_alert(actor=inspector, alert=checking, assignee=world.person("auditor"))
    supervision_actions.do_assign_alert(actor=inspector, alert=closed, assignee=world.person("auditor"))
    supervision_actions.do_report_check(actor=world.person("auditor"), alert=closed, finding="审查超期")
    supervision_actions.do_confirm_alert(actor=inspector, alert=closed, finding="审查超期属实")
    supervision_actions.do_answer_alert(actor=world.person("head"), alert=closed, text="人手不足，已调整")
    supervision_actions.do_dispose_alert(
        actor=inspector, alert=closed, kind="talk", text="约谈审核岗人员", people=[world.person("reviewer")]
    )
    supervision_actions.do_close_alert(actor=inspector, alert=closed)
    return {"closed": closed, "checking": checking, "dismissed": dismissed}


def test_the_monthly_workbook_has_the_numbers(city, world):
    handled = handle_some(world)
    data = reports.monthly_data(
        2026, 11, scope_units=Unit.objects.all(), scope_name="晋中市", today=dt.date(2026, 11, 27)
    )
    book = load_workbook(io.BytesIO(reports.to_xlsx(data)))
    assert book.sheetnames == ["概况", "各单位", "按规则", "预警处置", "处置问责", "处置明细"]
    units = {row[0]: row for row in book["各单位"].iter_rows(min_row=2, values_only=True)}
    # 11月: D and E received, B closed late (on-time rate 0), and the month's cards.
    mzj = units["140700-MZJ"]
    november = Alert.objects.filter(
        unit=world.dept_a, raised_at__gte=dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)
    )
    assert mzj[3:10] == (
        2,
        1,
        1,
        0,
        0.0,
        november.filter(level="yellow").count(),
        november.filter(level="red").count(),
    )
    assert units["140728204201-CWH"][2] == "平遥县" and units["140728204201-CWH"][9] == 1
    rules = {row[0]: row for row in book["按规则"].iter_rows(min_row=2, values_only=True)}
    assert rules["outside_list"][2:] == (0, 1, 1) and rules["time_red"][1] == "超过时限"
    # Every rule that cards a unit, with or without alerts; never a marker (provisional_calendar).
    assert set(rules) == set(supervision_rules.REGISTRY) - {"provisional_calendar"}
    handling = {(row[0], row[2]): row for row in book["预警处置"].iter_rows(min_row=2, values_only=True)}
    raised = sum(row[3] for row in handling.values())
    assert raised == Alert.objects.filter(raised_at__gte=dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)).count()
    assert sum(row[6] for row in handling.values()) == 0  # 处置中: the one disposed was closed
    assert sum(row[7] for row in handling.values()) == (handled["closed"].raised_at.month == 11)
    assert sum(row[8] for row in handling.values()) == 1  # dismissed
    sanctions = list(book["处置问责"].iter_rows(min_row=2, values_only=True))
    assert sanctions == [("晋中市民政局", "约谈", 1, 1)]
    summary = dict(book["概况"].iter_rows(min_row=4, values_only=True))
    assert summary["收件"] == 2 and summary["处置问责（起）"] == 1


def test_handling_time_is_met_or_missed(city, world, clock):
    alert = Alert.objects.filter(level="red", unit=world.village_committee).get()
    assert alert.respond_by is not None
    clock.set(dt.datetime.combine(alert.respond_by + dt.timedelta(days=3), dt.time(10), tzinfo=SHANGHAI))
    data = reports.monthly_data(2026, 11, scope_units=Unit.objects.filter(pk=world.village_committee.pk))
    assert [(line.rule, line.sla_met, line.sla_missed) for line in data.handling] == [("outside_list", 0, 1)]
    supervision_actions.do_assign_alert(
        actor=world.person("inspector"), alert=alert, assignee=world.person("inspector")
    )
    data = reports.monthly_data(2026, 11, scope_units=Unit.objects.filter(pk=world.village_committee.pk))
    assert [(line.sla_met, line.sla_missed, line.checking) for line in data.handling] == [(0, 1, 1)]
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.OPEN)


def pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with its Flate streams inflated (font names may sit in compressed objects)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match[1]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_monthly_pdf_embeds_a_chinese_font(city, world):
    handle_some(world)
    xlsx, pdf = reports.monthly(2026, 11, scope_units=Unit.objects.all(), scope_name="晋中市")
    assert xlsx.startswith(b"PK") and pdf.startswith(b"%PDF-")
    font = reports.cjk_font()
    family = font.family.replace(" ", "").encode()  # "Noto Sans CJK SC" is embedded as NotoSansCJKsc-…
    embedded = re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([^\s/\]>]+)", pdf_text(pdf))
    assert any(name.lower().startswith(family[:11].lower()) for name in embedded), embedded
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "晋中市电子监察月报（2026年11月）" in text
        assert "各单位办件与预警" in text and "晋中市民政局" in text and "约谈" in text


def test_no_chinese_font_is_a_clear_refusal(monkeypatch, world):
    reports.cjk_font.cache_clear()
    monkeypatch.setattr(reports, "_fontconfig_match", lambda: None)
    monkeypatch.setattr(reports, "KNOWN_FONTS", [("/nonexistent/font.ttc", "Nothing")])
    try:
        data = reports.monthly_data(2026, 11, scope_units=Unit.objects.none())
        with pytest.raises(reports.CjkFontMissing, match="fonts-noto-cjk") as refused:
            reports.to_pdf(data)
        assert refused.value.http_status == 503
    finally:
        reports.cjk_font.cache_clear()


@override_settings(ROOT_URLCONF=URLS)
def test_the_report_downloads(city, world, clock):
    client = login(Client(), world.person("inspector"))
    xlsx = client.get(DASHBOARD + "report/2026-11.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"] and "2026-11.xlsx" in xlsx["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.content))["概况"]["A1"].value.startswith("晋中市")
    pdf = client.get(DASHBOARD + "report/2026-10.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(DASHBOARD + "report/2026-13.pdf").status_code == 400
    assert client.get(DASHBOARD + "report/2027-01.pdf").status_code == 404  # not yet begun


def test_units_are_ranked_by_rates_not_by_counts():
    """A busy unit with many cases, all on time, and a few cards is not worse than a small unit whose
    every case drew a card: ranking by raw counts put the busy one first."""
    from liuquan.org.models import Region, Unit
    from liuquan.supervision.stats import Figures, UnitRow, _rank

    region = Region(code="140700", name="晋中市", level="city")
    busy = UnitRow(Unit(code="BUSY", name="大局"), region, Figures(yellow=4, red=2, closed=200, on_time=200))
    small = UnitRow(Unit(code="SMALL", name="小局"), region, Figures(yellow=1, red=1, closed=4, on_time=2))
    idle = UnitRow(Unit(code="IDLE", name="闲局"), region, Figures())
    alone = UnitRow(Unit(code="ALONE", name="无件局"), region, Figures(yellow=1))
    assert busy.figures.cards_per_hundred == 3.0 and small.figures.cards_per_hundred == 50.0
    assert [row.unit.code for row in sorted([busy, idle, small, alone], key=_rank)] == [
        "ALONE",
        "SMALL",
        "BUSY",
        "IDLE",
    ]


def test_the_checkers_backlog_and_the_ageing_of_cards_not_yet_ended(city, world):
    today = dt.date(2026, 11, 27)
    pending = Alert.objects.filter(level__in=["yellow", "red"]).exclude(
        status__in=["dismissed", "closed", "cured"]
    )
    board = stats.board(Unit.objects.all(), period(), today=today)
    assert board.backlog == [] and board.unassigned == pending.count() > 0
    assert sum(count for _, count in board.ageing) == pending.count()
    assert [label for label, _ in board.ageing] == ["0–5", "6–15", "16–30", "31+"]
    ages = [(today - localtime(raised).date()).days for raised in pending.values_list("raised_at", flat=True)]
    expected = dict.fromkeys(["0–5", "6–15", "16–30", "31+"], 0)
    for days in ages:
        expected["0–5" if days <= 5 else "6–15" if days <= 15 else "16–30" if days <= 30 else "31+"] += 1
    assert dict(board.ageing) == expected and max(ages) >= 16

    auditor, inspector = world.person("auditor"), world.person("inspector")
    first, second = pending.order_by("raised_at", "pk")[:2]
    supervision_actions.do_assign_alert(actor=inspector, alert=first, assignee=auditor)
    supervision_actions.do_assign_alert(actor=inspector, alert=second, assignee=auditor)
    assert first.respond_by is not None
    board = stats.board(Unit.objects.all(), period(), today=first.respond_by + dt.timedelta(days=1))
    (row,) = board.backlog
    assert (row.person, row.open) == (auditor, 2) and row.overdue >= 1
    assert board.unassigned == pending.count() - 2
    page = login(Client(), inspector).get(DASHBOARD).content.decode()
    assert 'data-testid="checkers"' in page and f'data-checker="{auditor.pk}"' in page
