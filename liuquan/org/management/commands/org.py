from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.org import actions, queries
from liuquan.org.models import Person


def _actor(username: str | None) -> Person:
    """The acting person: --actor NAME, or the system steward (whoever runs the CLI operates the site)."""
    return queries.get_person(username) if username else actions.system_person()


class Command(BaseCommand):
    help = "Organisation: list units, assign and end oversight (分管), list recorded exceptions."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        units = sub.add_parser("units", help="list units with their codes, regions and heads")
        units.add_argument("--region", help="only units in this region code's subtree")
        units.add_argument("--json", action="store_true", help="print JSON instead of text")

        assign = sub.add_parser("assign-oversight", help="assign an area of work to a leader (分管)")
        assign.add_argument("--unit", required=True, help="unit code")
        assign.add_argument("--leader", required=True, help="the leader's user name")
        assign.add_argument("--area", required=True, help="area of work, e.g. 财务")
        assign.add_argument(
            "--exception-reason",
            default="",
            help="written reason when the principal must oversee a restricted area",
        )
        assign.add_argument("--actor", help="acting person's user name (default: the system steward)")
        assign.add_argument("--json", action="store_true", help="print JSON instead of text")

        end = sub.add_parser("end-oversight", help="end an oversight assignment")
        end.add_argument("id", type=int, help="the assignment's id (liuquan org exceptions --json)")
        end.add_argument("--actor", help="acting person's user name (default: the system steward)")

        exceptions = sub.add_parser("exceptions", help="recorded exceptions to 五个不直接分管")
        exceptions.add_argument(
            "--actor", help="acting person's user name: the read is logged for supervisors"
        )
        exceptions.add_argument("--json", action="store_true", help="print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["verb"].replace("-", "_"))(options)

    def _out(self, options: dict[str, Any], rows: Any, text: list[str]) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        else:
            for line in text:
                self.stdout.write(line)

    def handle_units(self, options: dict[str, Any]) -> None:
        rows: list[dict[str, Any]] = []
        for unit in queries.units(region_code=options["region"]):
            principal = next((row for row in unit.current_leaders if row.rank == "principal"), None)  # type: ignore[attr-defined]
            rows.append(
                {
                    "code": unit.code,
                    "name": unit.name,
                    "kind": unit.kind,
                    "region": unit.region.code,
                    "region_name": unit.region.name,
                    "head": principal.person.full_name if principal else None,
                    "head_title": principal.title if principal else None,
                }
            )
        width = max((len(row["code"]) for row in rows), default=4)
        text = [
            f"{row['code']:<{width}}  {row['region']} {row['region_name']}  {row['name']}"
            f"  {(row['head'] or '—')}{'（' + row['head_title'] + '）' if row['head_title'] else ''}"
            for row in rows
        ]
        self._out(options, rows, [*text, f"{len(rows)} units"])

    def handle_assign_oversight(self, options: dict[str, Any]) -> None:
        unit = queries.get_unit(options["unit"])
        leader = queries.get_person(options["leader"])
        row = actions.do_assign_oversight(
            actor=_actor(options["actor"]),
            unit=unit,
            leader=leader,
            area=options["area"],
            exception_reason=options["exception_reason"],
        )
        data = {
            "id": row.pk,
            "unit": unit.code,
            "leader": leader.username,
            "area": row.area,
            "is_exception": row.is_exception,
            "exception_reason": row.exception_reason,
        }
        note = "（登记为例外，供纪检监督）" if row.is_exception else ""
        self._out(options, data, [f"#{row.pk} {unit.name} {leader.full_name} 分管 {row.area}{note}"])

    def handle_end_oversight(self, options: dict[str, Any]) -> None:
        row = actions.do_end_oversight(
            actor=_actor(options["actor"]), oversight=queries.get_oversight(options["id"])
        )
        self.stdout.write(f"#{row.pk} ended")

    def handle_exceptions(self, options: dict[str, Any]) -> None:
        rows = queries.access_oversight_exceptions(_actor(options["actor"]), channel="cli")
        data = [
            {
                "id": row.pk,
                "unit": row.unit.code,
                "unit_name": row.unit.name,
                "leader": row.leader.username,
                "leader_name": row.leader.full_name,
                "area": row.area,
                "restricted_area": row.restricted_area,
                "reason": row.exception_reason,
                "assigned_at": row.assigned_at.isoformat(),
                "ended_at": row.ended_at.isoformat() if row.ended_at else None,
            }
            for row in rows
        ]
        text = [
            f"#{d['id']} {d['unit_name']} {d['leader_name']} 分管 {d['area']}：{d['reason']}" for d in data
        ]
        self._out(options, data, [*text, f"{len(data)} exceptions"])
