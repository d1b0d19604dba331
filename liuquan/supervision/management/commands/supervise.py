"""`liuquan supervise sweep|rules|set-rule|export`: the e-supervision centre from the command line.

Run `liuquan supervise sweep` every minute in production (a systemd timer or cron, like the ledger
checkpoint); it is idempotent and reads only what is new since the last run.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.cases import timers as case_timers
from liuquan.core.errors import InvalidInput
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries
from liuquan.supervision import actions, queries, sweep


class Command(BaseCommand):
    help = "E-supervision: run the rules (sweep), list and change rule settings, export the event log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        run = verbs.add_parser("sweep", help="run every enabled rule over what is new; idempotent")
        run.add_argument("--json", action="store_true", help="print JSON instead of text")
        run.add_argument("--today", help="YYYY-MM-DD (for replaying a day; default: today)")
        listing = verbs.add_parser("rules", help="the rules with their settings")
        listing.add_argument("--json", action="store_true", help="print JSON instead of text")
        listing.add_argument("--region", help="as they hold in this region (default: the installation's)")
        change = verbs.add_parser("set-rule", help="switch a rule or change its parameters (纪检)")
        change.add_argument("rule", help="the rule's name, as supervise rules lists them")
        change.add_argument("--disable", action="store_true", help="switch the rule off (default: on)")
        change.add_argument("--params", default="{}", help="JSON, e.g. '{\"max_returns\": 3}'")
        change.add_argument("--note", required=True, help="why")
        change.add_argument("--actor", help="acting inspector's user name (default: the system steward)")
        change.add_argument(
            "--region", help="the scope: a region code (default: the installation's default for every unit)"
        )
        alerts = verbs.add_parser("alerts", help="list alerts, newest first")
        alerts.add_argument("--status", default="", help="open, checking, confirmed, … or active (not ended)")
        alerts.add_argument("--level", default="", help="yellow, red or notice")
        alerts.add_argument("--rule", default="", help="a rule's name, as supervise rules lists them")
        alerts.add_argument("--unit", default="", help="a unit code")
        alerts.add_argument("--as", dest="reader", help="only what this 纪检/审计 user may see (user name)")
        alerts.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
        alerts.add_argument("--json", action="store_true", help="print JSON instead of text")
        export = verbs.add_parser("export", help="the case event log for process mining (PM4Py)")
        export.add_argument(
            "--format",
            choices=["xes", "ocel"],
            required=True,
            help="XES (process mining) or OCEL 2.0 (object-centric, JSON)",
        )
        export.add_argument("--unit", help="only this unit's cases (unit code)")
        export.add_argument("out", type=Path, help="file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["verb"].replace("-", "_"))(options)

    def handle_sweep(self, options: dict[str, Any]) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise InvalidInput(
                    f"日期 {options['today']} 格式不正确", message_en="today: YYYY-MM-DD", field="today"
                ) from None
        # Timers first (逾期未答复, 公示期满 …): a case a timer moves is then read like any other.
        case_timers.do_fire_timers()
        result = sweep.run_sweep(today=today)
        for message in result.distrusted:  # on stderr, so the timer's log and mail show it
            self.stderr.write(f"警告：{message}（`liuquan ledger verify` 会指出被改动的行）")
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "raised": result.raised,
                        "total": result.total,
                        "cured": result.cured,
                        "seconds": round(result.seconds, 3),
                        "distrusted": result.distrusted,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            f"新预警 {result.total} 条，自动解除 {result.cured} 条，用时 {result.seconds:.3f} 秒"
        )
        for rule, count in sorted(result.raised.items()):
            self.stdout.write(f"  {rule}: {count}")

    def handle_rules(self, options: dict[str, Any]) -> None:
        listing = queries.rule_settings(
            org_queries.get_region(options["region"]) if options["region"] else None
        )
        if options["json"]:
            self.stdout.write(json.dumps(listing, ensure_ascii=False, default=str, indent=2))
            return
        for row in listing:
            self.stdout.write(
                f"{row['rule']:<22} {'启用' if row['enabled'] else '停用'}  {json.dumps(row['params'], ensure_ascii=False)}  {row['description']}"
            )

    def handle_set_rule(self, options: dict[str, Any]) -> None:
        try:
            params = json.loads(options["params"])
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"--params 不是 JSON：{exc}", message_en=f"--params is not JSON: {exc}", field="params"
            ) from None
        if not isinstance(params, dict):
            raise InvalidInput(
                "--params 应为 JSON 对象", message_en="--params must be a JSON object", field="params"
            )
        actor = org_queries.get_person(options["actor"]) if options["actor"] else org_actions.system_person()
        row = actions.do_set_rule(
            actor=actor,
            rule=options["rule"],
            enabled=not options["disable"],
            params=params,
            note=options["note"],
            region=org_queries.get_region(options["region"]) if options["region"] else None,
        )
        scope = row.region.name if row.region else "全部单位"
        self.stdout.write(
            f"{row.rule}（{scope}）: {'启用' if row.enabled else '停用'} {json.dumps(row.params, ensure_ascii=False)}"
        )

    def handle_alerts(self, options: dict[str, Any]) -> None:
        if options["reader"]:
            reader = org_queries.get_person(options["reader"])
            queries.check_alert_reader(reader)
            scoped = queries.alerts_for(reader)
        else:  # the operator at the server's console reads every alert, as `supervise export` does
            scoped = queries.every_alert()
        alerts = queries.filter_alerts(
            scoped,
            status=options["status"],
            level=options["level"],
            rule=options["rule"],
            unit=options["unit"],
        ).order_by("-raised_at", "-pk")[: max(1, options["limit"])]
        rows = [queries.alert_row(alert) for alert in alerts]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, default=str, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"#{row['id']} {row['raised_at']:%Y-%m-%d} {row['level_name']} {row['rule_name']} "
                f"[{row['status_name']}] {row['unit_name']}：{row['subject']}"
            )
        self.stdout.write(f"共 {len(rows)} 条")

    def handle_export(self, options: dict[str, Any]) -> None:
        from liuquan.supervision import export_cli

        cases, events = export_cli.export(options["format"], options["out"], unit=options["unit"])
        self.stdout.write(f"{options['out']}: {cases} cases, {events} events ({options['format'].upper()})")
