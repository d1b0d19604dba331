"""`liuquan cases add-source|show`: register an external system that sends case events; show a case."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.cases import ingest
from liuquan.cases.api import CaseOut
from liuquan.cases.models import Case
from liuquan.core.errors import NotFound
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries


class Command(BaseCommand):
    help = "Cases: register an ingest source (prints its token once); show a case as JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        source = verbs.add_parser("add-source", help="register an external business system for a unit")
        source.add_argument("--name", required=True)
        source.add_argument("--unit", required=True)
        show = verbs.add_parser("show", help="one case with its steps and timeline (JSON)")
        show.add_argument("number")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "add-source":
            row, token = ingest.do_create_source(
                actor=org_actions.system_person(),
                name=options["name"],
                unit=org_queries.get_unit(options["unit"]),
            )
            self.stdout.write(f"{row.name} ({row.unit.name}) token: {token}")
            self.stdout.write(
                "Keep the token: only its digest is stored. Send events to POST /api/v1/ingest/events."
            )
            return
        case = Case.objects.select_related("unit", "definition").filter(number=options["number"]).first()
        if case is None:
            raise NotFound(f"没有办件 {options['number']}", message_en=f"No case {options['number']}")
        self.stdout.write(json.dumps(CaseOut.of(case).dict(), ensure_ascii=False, indent=2, default=str))
