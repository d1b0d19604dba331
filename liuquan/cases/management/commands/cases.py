"""`liuquan cases add-source|map-person|list|show`: register an external system that sends case events and
who its people are; list and show cases."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.cases import ingest, timers
from liuquan.cases.api import CaseOut
from liuquan.cases.models import Case, CaseStatus, IngestSource
from liuquan.core.errors import InvalidInput, NotFound
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries


class Command(BaseCommand):
    help = "Cases: register an ingest source (prints its token once); show a case as JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        source = verbs.add_parser("add-source", help="register an external business system for a unit")
        source.add_argument(
            "--name", required=True, help='the other system\'s name, as its events give it in "source"'
        )
        source.add_argument("--unit", required=True, help="code of the unit whose cases it sends")
        source.add_argument(
            "--backdate-days",
            type=int,
            default=IngestSource.DEFAULT_BACKDATE_DAYS,
            help="how far back its events may be dated, 1 to "
            f"{IngestSource.MAX_BACKDATE_DAYS} days (default {IngestSource.DEFAULT_BACKDATE_DAYS})",
        )
        people = verbs.add_parser(
            "map-person", help="who a name in a source's events is among the unit's staff"
        )
        people.add_argument("--source", required=True, help="the source's name")
        people.add_argument(
            "--external", required=True, help="the name or id as its events give it in person"
        )
        people.add_argument("--user", required=True, help="the staff member's user name")
        listing = verbs.add_parser("list", help="cases, newest first: number, status, power and due date")
        listing.add_argument("--unit", help="only this unit's cases (unit code)")
        listing.add_argument("--status", choices=CaseStatus.values, help="only cases in this status")
        listing.add_argument(
            "--limit", type=int, default=20, help="at most this many (default 20, at most 1000)"
        )
        listing.add_argument("--numbers", action="store_true", help="print only the case numbers")
        listing.add_argument("--json", action="store_true", help="print JSON instead of text")
        verbs.add_parser(
            "timers",
            help="take every timer transition whose wait has run out (also run by `supervise sweep`)",
        )
        show = verbs.add_parser("show", help="one case with its steps and timeline (JSON)")
        show.add_argument("number", help="the case number, e.g. 140700-MZJ-2026-0000001")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "add-source":
            row, token = ingest.do_create_source(
                actor=org_actions.system_person(),
                name=options["name"],
                unit=org_queries.get_unit(options["unit"]),
                backdate_days=options["backdate_days"],
            )
            self.stdout.write(f"{row.name} ({row.unit.name}) token: {token}")
            self.stdout.write(
                "Keep the token: only its digest is stored. Send events to POST /api/v1/ingest/events."
            )
            return
        if options["verb"] == "timers":
            moved = timers.do_fire_timers()
            self.stdout.write(f"定时流转：{moved} 件")
            return
        if options["verb"] == "map-person":
            source = IngestSource.objects.select_related("unit").filter(name=options["source"]).first()
            if source is None:
                raise NotFound(
                    f"没有外部系统 {options['source']}", message_en=f"No source {options['source']}"
                )
            person = org_queries.get_person(options["user"])
            ingest.do_map_person(
                actor=org_actions.system_person(), source=source, external=options["external"], person=person
            )
            self.stdout.write(
                f"{source.name}：{options['external'].strip()} → {person.full_name or person.username}"
            )
            return
        if options["verb"] == "list":
            self.handle_list(options)
            return
        case = Case.objects.select_related("unit", "definition").filter(number=options["number"]).first()
        if case is None:
            raise NotFound(f"没有办件 {options['number']}", message_en=f"No case {options['number']}")
        self.stdout.write(json.dumps(CaseOut.of(case).dict(), ensure_ascii=False, indent=2, default=str))

    def handle_list(self, options: dict[str, Any]) -> None:
        limit = options["limit"]
        if not 1 <= limit <= 1000:
            raise InvalidInput(
                f"--limit 应在 1 到 1000 之间，收到 {limit}",
                message_en=f"--limit is 1 to 1000, got {limit}",
                field="limit",
            )
        cases = Case.objects.order_by("-received_at", "-pk")
        if options["unit"]:
            cases = cases.filter(unit=org_queries.get_unit(options["unit"]))
        if options["status"]:
            cases = cases.filter(status=options["status"])
        rows = list(cases.values("number", "status", "power_code", "power_name", "due_on")[:limit])
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        for row in rows:
            if options["numbers"]:
                self.stdout.write(row["number"])
                continue
            status = CaseStatus(row["status"]).label
            due = row["due_on"].isoformat() if row["due_on"] else "—"
            self.stdout.write(
                f"{row['number']}  {status}  {row['power_code']} {row['power_name']}  到期 {due}"
            )
