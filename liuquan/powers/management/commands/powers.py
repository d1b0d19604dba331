from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.core.errors import InvalidInput
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries
from liuquan.powers import exporting, importer, queries
from liuquan.powers.models import ListEdition


class Command(BaseCommand):
    help = "Power lists: import workbooks into a draft edition, export an edition."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser(
            "import",
            help="import .xls/.xlsx 权责清单 workbooks into the unit's draft edition "
            "(exit 0: every row imported; 2: some rows reported; 1: a file could not be read, "
            "nothing written)",
        )
        load.add_argument("files", nargs="+", type=Path, help="one or more .xls/.xlsx workbooks")
        load.add_argument("--unit", required=True, help="unit code")
        load.add_argument("--dry-run", action="store_true", help="read and check only; write nothing")
        load.add_argument("--strict", action="store_true", help="write nothing if any row is rejected")
        load.add_argument("--json", action="store_true", help="print JSON instead of text")
        load.add_argument("--actor", help="acting person's user name (default: the system steward)")
        out = sub.add_parser("export", help="export an edition in the common layout")
        out.add_argument("--unit", required=True, help="unit code, e.g. 140700-MZJ")
        out.add_argument("--edition", type=int, help="edition number (default: the latest)")
        out.add_argument("--format", choices=["xlsx", "csv", "json"], required=True, help="file format")
        out.add_argument("out", type=Path, help="file to write (- for standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "import":
            self.handle_import(options)
        else:
            self.handle_export(options)

    def handle_import(self, options: dict[str, Any]) -> None:
        unit = org_queries.get_unit(options["unit"])
        actor = org_queries.get_person(options["actor"]) if options["actor"] else org_actions.system_person()
        for path in options["files"]:
            if not path.is_file():
                self.stderr.write(f"liuquan: {path}: no such file")
                raise SystemExit(1)
        try:
            plans = importer.plan_import(options["files"], edition=importer.open_draft(unit))
        except InvalidInput as exc:
            if exc.code != "unreadable_file":
                raise
            self.stderr.write(f"liuquan: {exc.message}；未写入任何数据")
            raise SystemExit(1) from None
        rejected = any(plan.rejected for plan in plans)
        write = not options["dry_run"] and not (options["strict"] and rejected)
        edition = importer.do_import(actor=actor, unit=unit, plans=plans) if write else None
        reports = [plan.report(imported=write) for plan in plans]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"files": reports, "edition": edition.number if edition else None},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for plan, report in zip(plans, reports, strict=True):
                self.stdout.write(
                    f"{plan.file.name}: {report['sheets']} sheets, {report['rows_read']} rows, "
                    f"{report['items_valid']} items{'' if write else ' (not written)'}; citations "
                    f"{report['citations']}: {report['citations_found']} found, "
                    f"{report['citations_missing_article']} article missing, "
                    f"{report['citations_not_in_corpus']} not in the corpus"
                )
                for row in plan.rejected:
                    self.stdout.write(
                        f"  rejected {row.sheet} row {row.row}"
                        f"{' column ' + row.column if row.column else ''}: {row.reason}"
                    )
            if edition is not None:
                self.stdout.write(f"{unit.name} 第{edition.number}版（编制中）")
        if rejected:
            raise SystemExit(2)

    def handle_export(self, options: dict[str, Any]) -> None:
        unit = org_queries.get_unit(options["unit"])
        if options["edition"]:
            edition = queries.get_edition(unit.code, options["edition"])
        else:
            latest = ListEdition.objects.filter(unit=unit).order_by("-number").first()
            if latest is None:
                raise InvalidInput(
                    f"{unit.name}还没有清单", message_en=f"{unit.name} has no list yet", field="unit"
                )
            edition = latest
        writer = {"xlsx": exporting.to_xlsx, "csv": exporting.to_csv, "json": exporting.to_json}[
            options["format"]
        ]
        data = writer(edition)
        if str(options["out"]) == "-":
            sys.stdout.buffer.write(data)
        else:
            options["out"].write_bytes(data)
            self.stdout.write(f"{options['out']}: {edition}")
