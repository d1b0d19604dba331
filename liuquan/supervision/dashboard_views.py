"""The supervision dashboards and the monthly report downloads (console, 纪检 and 审计 only).

Mounted under /console/supervision/ beside the alert pages: the dashboard at its root, the reports at
report/<yyyy>-<mm>.xlsx|pdf. Links to the alert list and to the reports are relative to the dashboard,
so they follow wherever that prefix is mounted; links to cases use the cases app's route.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from liuquan.console.views import person_of
from liuquan.core.errors import NotFound
from liuquan.org import queries as org_queries
from liuquan.org.models import Unit
from liuquan.supervision import reports, stats

WEEK_CHOICES = (4, 8, 12, 26, 52)
DEFAULT_WEEKS = 12
CHART_UNITS = 15  # the units with the most cards, in the bar chart (the table lists them all)
REPORT_MONTHS = 12
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _weeks(request: HttpRequest) -> int:
    try:
        weeks = int(request.GET.get("weeks", DEFAULT_WEEKS))
    except ValueError:
        return DEFAULT_WEEKS
    return weeks if weeks in WEEK_CHOICES else DEFAULT_WEEKS


@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    units = stats.access_units(person)
    weeks = _weeks(request)
    narrowed, focus = _narrow(request, units)
    today = timezone.localdate()
    board = stats.board(narrowed, stats.Period.last_weeks(weeks, today), today=today)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "board": board,
            "focus": focus,
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "scope_name": stats.scope_name(person),
            "chart": _chart(board),
            "months": _months(today),
        },
    )


def _narrow(request: HttpRequest, units: QuerySet[Unit]) -> tuple[QuerySet[Unit], str]:
    """The part of the scope asked for (?unit=CODE or ?county=CODE), and what to call it."""
    code = request.GET.get("unit", "").strip()
    if code:
        unit = units.filter(code=code).first()
        if unit is None:
            raise NotFound(
                f"监督范围内没有代码为 {code} 的单位",
                message_en=f"No unit {code} within your scope",
                field="unit",
                value=code,
            )
        return units.filter(pk=unit.pk), unit.name
    county = request.GET.get("county", "").strip()
    if county:
        region = org_queries.get_region(county, field="county")
        return units.filter(stats.in_county(region)), stats.county_label(region)
    return units, ""


def _chart(board: stats.Board) -> dict[str, Any]:
    """What dashboard.js draws, with the labels in the reader's language."""

    def pct(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    top = sorted(board.units, key=lambda row: (-(row.figures.red + row.figures.yellow), row.unit.code))
    top = [row for row in top if row.figures.red or row.figures.yellow][:CHART_UNITS]
    return {
        "labels": {
            "yellow": _("Yellow cards"),
            "red": _("Red cards"),
            "onTime": _("On-time rate (%)"),
            "closed": _("Cases closed"),
            "trend": _("Alerts raised and on-time rate per week"),
            "units": _("Cards per unit in the period"),
            "counties": _("On-time rate per county (%)"),
            "noData": _("No data in this period."),
        },
        "weeks": [f"{row.week:%m-%d}" for row in board.weeks],
        "yellow": [row.yellow for row in board.weeks],
        "red": [row.red for row in board.weeks],
        "closed": [row.closed for row in board.weeks],
        "onTime": [pct(row.on_time_rate) for row in board.weeks],
        "units": {
            "names": [row.unit.short_name or row.unit.name for row in top],
            "yellow": [row.figures.yellow for row in top],
            "red": [row.figures.red for row in top],
        },
        "counties": {
            "names": [row.label for row in board.counties],
            "onTime": [pct(row.figures.on_time_rate) for row in board.counties],
            "closed": [row.figures.closed for row in board.counties],
        },
    }


def _months(today: dt.date) -> list[dt.date]:
    months = []
    year, month = today.year, today.month
    for _n in range(REPORT_MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


@login_required
@never_cache
def monthly_report(request: HttpRequest, year: int, month: int, fmt: str) -> HttpResponse:
    """The monthly report of the reader's scope as a download (xlsx or pdf)."""
    person = person_of(request)
    units = stats.access_units(person)
    if fmt not in CONTENT_TYPES:
        raise NotFound(f"没有 {fmt} 格式的报告", message_en=f"No {fmt} report", field="format")
    year, month = int(year), int(month)
    reports.month_period(year, month)  # InvalidInput for a month that does not exist
    today = timezone.localdate()
    if (year, month) > (today.year, today.month):
        raise NotFound(
            f"{year} 年 {month} 月尚未到来", message_en=f"{year}-{month:02d} has not begun", field="month"
        )
    data = reports.monthly_data(year, month, scope_units=units, scope_name=stats.scope_name(person))
    body = reports.to_xlsx(data) if fmt == "xlsx" else reports.to_pdf(data)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    disposition = content_disposition_header(
        as_attachment=True, filename=f"电子监察月报-{year}-{month:02d}.{fmt}"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response
