"""`liuquan calendar due|show|set`: due dates on the working-day calendar, and entering a year's notice."""

from __future__ import annotations

import datetime
import json
import re
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from liuquan.calendars import actions, queries
from liuquan.core.calendar import package_schedule
from liuquan.core.errors import InvalidInput
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str, field: str) -> datetime.date:
    """A YYYY-MM-DD date, and only that form (Python would also take 20260928 or 2026-W40-1)."""
    try:
        if not ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}：“{text}”不是 YYYY-MM-DD 格式的日期",
            message_en=f"{field}: {text!r} is not a YYYY-MM-DD date",
            field=field,
        ) from None


def _dates(text: str, field: str) -> list[datetime.date]:
    """ "2027-01-01,2027-02-06..2027-02-12" → the listed days, ranges inclusive."""
    days: list[datetime.date] = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        first, sep, last = part.partition("..")
        start = _date(first, field)
        end = _date(last, field) if sep else start
        if end < start:
            raise InvalidInput(
                f"{field}：区间 {part} 的终点早于起点",
                message_en=f"{field}: range {part} ends before it starts",
                field=field,
            )
        days.extend(start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1))
    return days


class Command(BaseCommand):
    help = "Working-day calendar: due dates (start day not counted), years in force, entering a notice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        due = verbs.add_parser("due", help="the due date N working (or natural) days after a start date")
        due.add_argument("--start", required=True, help="YYYY-MM-DD (not counted)")
        due.add_argument(
            "--days", required=True, type=int, help=f"the time limit in days, 0 to {queries.MAX_LIMIT_DAYS}"
        )
        due.add_argument(
            "--natural", action="store_true", help="natural days (a last day on a rest day moves on)"
        )
        due.add_argument("--json", action="store_true", help="print one JSON object")
        show = verbs.add_parser(
            "show", help="which years have a schedule, where it comes from, and which are still to enter"
        )
        show.add_argument("--json", action="store_true", help="print one JSON object")
        put = verbs.add_parser("set", help="enter or correct one year's holiday notice")
        put.add_argument("--year", required=True, type=int, help="the year the notice is for")
        put.add_argument("--holidays", required=True, help="days off: 2027-01-01,2027-02-06..2027-02-12")
        put.add_argument("--workdays", default="", help="make-up working weekend days (调休)")
        put.add_argument("--source", required=True, help="the notice's number and who entered it")
        put.add_argument("--actor", help="acting person's user name (default: the system steward)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['verb']}")(options)

    def handle_due(self, options: dict[str, Any]) -> None:
        start = _date(options["start"], "start")
        days = options["days"]
        if not 0 <= days <= queries.MAX_LIMIT_DAYS:
            raise InvalidInput(
                f"期限天数应在 0 到 {queries.MAX_LIMIT_DAYS} 之间，收到 {days}",
                message_en=f"A time limit is 0 to {queries.MAX_LIMIT_DAYS} days, got {days}",
                field="days",
            )
        try:
            result = queries.due_date(start, days, natural=options["natural"])
        except ValueError:  # past 9999-12-31, the calendar's end
            raise InvalidInput(
                f"从 {start.isoformat()} 起算 {days} 天超出了日历的范围（9999-12-31）",
                message_en=f"{days} days after {start.isoformat()} is past the end of the calendar",
                field="start",
            ) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "start": start.isoformat(),
                        "days": options["days"],
                        "kind": "natural" if options["natural"] else "working",
                        "due": result.due.isoformat(),
                        "provisional": result.provisional,
                        "provisional_years": list(result.provisional_years),
                    },
                    ensure_ascii=False,
                )
            )
            return
        line = result.due.isoformat()
        if result.provisional:
            years = "、".join(str(year) for year in result.provisional_years)
            line += f"（暂定：{years}年的节假日安排尚未录入，按周末计算）"
        self.stdout.write(line)

    def handle_show(self, options: dict[str, Any]) -> None:
        rows = {row.year: row.source for row in queries.years()}
        calendar = queries.work_calendar()
        years = sorted(set(calendar.scheduled_years) | set(rows))
        listing = [
            {
                "year": year,
                "source": rows.get(year) or (schedule.source if (schedule := package_schedule(year)) else ""),
                "entered": year in rows,
            }
            for year in years
        ]
        tasks = [
            {"year": year, "provisional_cases": cases}
            for year, cases in queries.steward_tasks(timezone.localdate())
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"years": listing, "to_enter": tasks}, ensure_ascii=False))
            return
        for row in listing:
            self.stdout.write(f"{row['year']}  {'录入' if row['entered'] else '内置'}  {row['source']}")
        for task in tasks:
            self.stdout.write(
                f"待办：{task['year']}年节假日安排尚未录入，{task['provisional_cases']} 件在办案件的到期日暂按周末计算。"
                f"数据管理员录入：liuquan calendar set --year {task['year']} --holidays … --workdays … "
                f"--source …，或在 /admin/calendars/calendaryear/add/"
            )

    def handle_set(self, options: dict[str, Any]) -> None:
        actor = org_queries.get_person(options["actor"]) if options["actor"] else org_actions.system_person()
        row = actions.do_set_year(
            actor=actor,
            year=options["year"],
            holidays=_dates(options["holidays"], "holidays"),
            workdays=_dates(options["workdays"], "workdays"),
            source=options["source"],
        )
        self.stdout.write(
            f"{row.year}年节假日安排已录入：{len(row.holidays)} 天假日，{len(row.workdays)} 天调休上班"
        )
