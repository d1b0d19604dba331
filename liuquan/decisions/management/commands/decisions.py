"""`liuquan decisions …`: importing a unit's payment and appointment records (exit codes as `liuquan
powers import`: 0 every row read (and written, unless --dry-run), 2 rows reported and nothing written,
1 the file could not be read and nothing written)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.core.errors import InvalidInput
from liuquan.decisions import imports
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries

VERBS = {"import-payments": imports.PAYMENTS, "import-appointments": imports.APPOINTMENTS}


class Command(BaseCommand):
    help = "三重一大: import a unit's payment (支出凭证/国库支付) and appointment (任免) records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        for verb, kind in VERBS.items():
            load = sub.add_parser(
                verb,
                help=f"import a .xlsx or .csv file of {kind.name} (exit 0: every row read; 2: rows "
                "reported, nothing written; 1: the file could not be read, nothing written)",
            )
            load.add_argument("file", type=Path, help="a .xlsx workbook or a .csv file (UTF-8 or GB18030)")
            load.add_argument("--unit", required=True, help="unit code, e.g. 140700-CZJ")
            load.add_argument("--dry-run", action="store_true", help="read and check only; write nothing")
            load.add_argument("--json", action="store_true", help="print JSON instead of text")
            load.add_argument("--actor", help="acting person's user name (default: the system steward)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = VERBS[options["verb"]]
        unit = org_queries.get_unit(options["unit"])
        actor = org_queries.get_person(options["actor"]) if options["actor"] else org_actions.system_person()
        path: Path = options["file"]
        imports.check_import(actor=actor, unit=unit)
        try:
            if not path.is_file():
                raise imports.unreadable(path, "文件不存在", "no such file")
            plan = imports.plan_import(path, kind=kind, unit=unit)
        except InvalidInput as exc:
            if exc.code != "unreadable_file":
                raise
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {
                            "file": path.name,
                            "error": exc.code,
                            "message": exc.message,
                            "message_en": exc.message_en,
                        },
                        ensure_ascii=False,
                    )
                )
            self.stderr.write(f"liuquan: {exc.message}；未写入任何数据")
            raise SystemExit(1) from None
        write = not options["dry_run"] and not plan.problems
        imported = imports.do_import(actor=actor, plan=plan) if write else None
        if options["json"]:
            self.stdout.write(json.dumps(plan.report(imported=imported), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"{path.name}：{plan.sheets}个工作表，读取{plan.rows_read}行，有效{len(plan.records)}行，"
                f"此前已导入{plan.already}行，"
                + (f"新写入{imported}行" if imported is not None else "未写入任何数据")
            )
            for problem in plan.problems:
                self.stdout.write(f"  {problem}")
        if plan.problems:
            raise SystemExit(2)
