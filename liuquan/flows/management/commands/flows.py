"""`liuquan flows …`: list, show, draft, check and publish a power's flow; BPMN and SVG in and out."""

from __future__ import annotations

import json
import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liuquan.core.errors import InvalidInput, NotFound
from liuquan.flows import actions, bpmn, codec, diagram, queries
from liuquan.flows.models import ProcessDefinition, SpecialLimit
from liuquan.flows.spec import DayKind, Limit
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Unit
from liuquan.powers.models import PowerItem
from liuquan.powers.states import KEEPS_ITEM, EditionStatus


def _actor(username: str | None) -> Person:
    return org_queries.get_person(username) if username else org_actions.system_person()


def _unit_for(code: str, unit_code: str | None) -> Unit:
    """The unit named, or the one unit whose published list keeps a power with this code."""
    if unit_code:
        return org_queries.get_unit(unit_code)
    units = sorted(
        set(
            PowerItem.objects.filter(
                code=code,
                edition__status=EditionStatus.PUBLISHED,
                disposition__kind__in=list(KEEPS_ITEM),
            ).values_list("edition__unit__code", flat=True)
        )
    )
    if not units:
        raise NotFound(
            f"没有单位公布过编码为 {code} 的权力事项",
            message_en=f"No unit has published a power {code}",
            power=code,
        )
    if len(units) > 1:
        raise InvalidInput(
            f"编码 {code} 在多个单位中使用（{'、'.join(units)}），请用 --unit 指明",
            message_en=f"{code} is used by several units ({', '.join(units)}); name one with --unit",
            field="unit",
        )
    return org_queries.get_unit(units[0])


def _read(path: Path, limit: int = bpmn.MAX_BPMN_BYTES) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"{path}：文件不存在", message_en=f"{path}: no such file", field="file")
    if path.stat().st_size > limit:
        raise InvalidInput(
            f"{path.name}：文件超过 {limit // (1024 * 1024)} MB",
            message_en=f"{path.name}: larger than {limit // (1024 * 1024)} MB",
            field="file",
        )
    return path.read_bytes()


class Command(BaseCommand):
    help = "Process flows (权力运行流程图) and risk maps: draft, check, publish, BPMN 2.0 and SVG."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)

        def power(sub: ArgumentParser) -> None:
            sub.add_argument("--power", required=True, help="power code in the unit's published list")
            sub.add_argument("--unit", help="unit code (needed when several units use the code)")

        listing = verbs.add_parser("list", help="flows and their versions")
        listing.add_argument("--unit", help="only this unit's flows (unit code)")
        listing.add_argument("--json", action="store_true", help="print JSON instead of text")
        show = verbs.add_parser("show", help="one version as JSON (the newest, draft included, by default)")
        power(show)
        show.add_argument("--version", type=int, help="flow version (default: the newest, draft included)")
        new = verbs.add_parser(
            "new", help="open a draft: from a JSON file, a copy of the version in force, or the template"
        )
        power(new)
        new.add_argument("--from", dest="source", type=Path, help="a flow as JSON (as `show` prints it)")
        new.add_argument("--actor", help="acting person's user name (default: the system steward)")
        edit = verbs.add_parser("edit", help="replace the draft with a flow given as JSON")
        power(edit)
        edit.add_argument("file", type=Path, help="the flow as JSON (liuquan flows show --json)")
        edit.add_argument("--actor", help="acting person's user name (default: the system steward)")
        check = verbs.add_parser(
            "check", help="validate the newest version against the law and the unit's staff"
        )
        power(check)
        check.add_argument("--json", action="store_true", help="print JSON instead of text")
        publish = verbs.add_parser("publish", help="publish the draft (refused with every problem listed)")
        power(publish)
        publish.add_argument("--actor", help="acting person's user name (default: the system steward)")
        out = verbs.add_parser(
            "export-bpmn", help="BPMN 2.0 XML with diagram interchange (bpmn.io, Camunda Modeler)"
        )
        power(out)
        out.add_argument("--version", type=int, help="flow version (default: the newest, draft included)")
        out.add_argument("out", type=Path, help="file to write (- for standard output)")
        into = verbs.add_parser("import-bpmn", help="a draft from a BPMN 2.0 file")
        into.add_argument("file", type=Path, help="a BPMN 2.0 file from bpmn.io, Camunda Modeler or Signavio")
        power(into)
        into.add_argument("--publish", action="store_true", help="publish it at once if it is valid")
        into.add_argument("--actor", help="acting person's user name (default: the system steward)")
        into.add_argument(
            "--json",
            action="store_true",
            help='print JSON: {"problems": [{"zh", "en"}], "warnings": [...], "unmapped": [...]}',
        )
        special = verbs.add_parser(
            "special-limit",
            help="special-law limits (特别时限依据) a flow may cite instead of the general statute",
        )
        special_verbs = special.add_subparsers(dest="special_verb", required=True)
        special_list = special_verbs.add_parser("list", help="every registered special-law limit")
        special_list.add_argument("--json", action="store_true", help="print JSON instead of text")
        add = special_verbs.add_parser(
            "add", help="register one, checked against the law corpus (liuquan laws import first)"
        )
        add.add_argument("--category", required=True, help="the power category it applies to (licensing …)")
        add.add_argument("--law", required=True, help="the law's name as in the corpus, e.g. 行政许可法")
        add.add_argument("--article", type=int, required=True, help="the article number, e.g. 42")
        add.add_argument(
            "--paragraph", type=int, default=0, help="the paragraph (款), e.g. 2; 0 for the article"
        )
        add.add_argument("--case-days", type=int, required=True, help="the case limit in days, e.g. 45")
        add.add_argument("--extension-days", type=int, help="what one extension adds, e.g. 15")
        add.add_argument(
            "--natural", action="store_true", help="the days are natural days (default: working days)"
        )
        add.add_argument("--note", default="", help="a remark shown with it")
        add.add_argument("--actor", help="acting person's user name (default: the system steward)")
        threshold = verbs.add_parser(
            "hearing-threshold",
            help="a unit's 较大数额 from which a penalty needs a hearing (行政处罚法 art. 63)",
        )
        threshold.add_argument("--unit", required=True, help="unit code")
        threshold.add_argument("--amount", type=int, required=True, help="the amount in yuan")
        threshold.add_argument(
            "--basis", required=True, help="the provincial or ministerial rule that sets it"
        )
        threshold.add_argument("--actor", help="acting person's user name (default: the system steward)")
        svg = verbs.add_parser("export-svg", help="the flow chart or the risk map as SVG")
        power(svg)
        svg.add_argument("--version", type=int, help="flow version (default: the newest, draft included)")
        svg.add_argument(
            "--kind",
            choices=["flow", "risk"],
            default="flow",
            help="the flow chart (flow) or the risk map (risk)",
        )
        svg.add_argument("out", type=Path, help="file to write (- for standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["verb"].replace("-", "_"))(options)

    def _version(self, options: dict[str, Any]) -> ProcessDefinition:
        unit = _unit_for(options["power"], options.get("unit"))
        return queries.get_version(unit.code, options["power"], options.get("version"))

    def handle_list(self, options: dict[str, Any]) -> None:
        rows = ProcessDefinition.objects.select_related("unit").order_by(
            "unit__code", "power_code", "-version"
        )
        if options["unit"]:
            rows = rows.filter(unit=org_queries.get_unit(options["unit"]))
        listing = [
            {
                "unit": row.unit.code,
                "power": row.power_code,
                "name": row.power_name,
                "version": row.version,
                "status": row.status,
                "published_at": row.published_at.isoformat() if row.published_at else None,
            }
            for row in rows
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"flows": listing}, ensure_ascii=False, indent=2))
            return
        for row in listing:
            self.stdout.write(
                f"{row['unit']}  {row['power']}  v{row['version']}  {row['status']:<10}  {row['name']}"
            )

    def handle_show(self, options: dict[str, Any]) -> None:
        row = self._version(options)
        self.stdout.write(json.dumps(row.spec, ensure_ascii=False, indent=2))

    def _flow_file(self, path: Path) -> Any:
        try:
            return codec.decode(json.loads(_read(path).decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(
                f"{path.name}：不是 UTF-8 JSON（{exc}）",
                message_en=f"{path.name}: not UTF-8 JSON ({exc})",
                field="file",
            ) from None
        except codec.FlowFormatError as exc:
            raise InvalidInput(
                f"{path.name}：{exc}", message_en=f"{path.name}: {exc}", field="file"
            ) from None

    def handle_new(self, options: dict[str, Any]) -> None:
        unit = _unit_for(options["power"], options["unit"])
        flow = self._flow_file(options["source"]) if options["source"] else None
        row = actions.do_create_flow(
            actor=_actor(options["actor"]), unit=unit, power_code=options["power"], flow=flow
        )
        self.stdout.write(f"{row}（编制中，来源 {row.source}）")

    def handle_special_limit(self, options: dict[str, Any]) -> None:
        if options["special_verb"] == "add":
            kind = DayKind.NATURAL if options["natural"] else DayKind.WORKING
            extension = options["extension_days"]
            row = actions.do_register_special_limit(
                actor=_actor(options["actor"]),
                category=options["category"],
                law=options["law"],
                article=options["article"],
                paragraph=options["paragraph"],
                case=Limit(options["case_days"], kind),
                extension=Limit(extension, kind) if extension else None,
                note=options["note"],
            )
            self.stdout.write(f"已登记：{row.key}（流程在“时限依据”中引用此名称）")
            return
        rows = [
            {
                "key": row.key,
                "category": row.category,
                "case_days": row.case_days,
                "case_kind": row.case_kind,
                "extension_days": row.extension_days,
                "note": row.note,
            }
            for row in SpecialLimit.objects.order_by("key")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for item in rows:
            unit = "个工作日" if item["case_kind"] == DayKind.WORKING else "日"
            more = f"，可延长{item['extension_days']}{unit}" if item["extension_days"] else ""
            self.stdout.write(f"{item['key']}  {item['category']}  {item['case_days']}{unit}{more}")
        if not rows:
            self.stdout.write("尚未登记特别时限依据")

    def handle_hearing_threshold(self, options: dict[str, Any]) -> None:
        unit = org_queries.get_unit(options["unit"])
        row = actions.do_set_hearing_threshold(
            actor=_actor(options["actor"]), unit=unit, amount=options["amount"], basis=options["basis"]
        )
        self.stdout.write(f"{unit.name}：较大数额 {row.amount} 元（{row.basis}）")

    def handle_edit(self, options: dict[str, Any]) -> None:
        row = self._version({**options, "version": None})
        flow = self._flow_file(options["file"])
        actions.do_update_flow(actor=_actor(options["actor"]), definition=row, flow=flow)
        self.stdout.write(f"{row} 已更新")

    def handle_check(self, options: dict[str, Any]) -> None:
        row = self._version({**options, "version": None})
        problems = actions.check_publish(row)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "flow": str(row),
                        "version": row.version,
                        "status": row.status,
                        "problems": [
                            {
                                "code": p.code,
                                "severity": p.severity,
                                "step": p.step,
                                "message": p.message,
                                "message_en": p.message_en,
                            }
                            for p in problems
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for problem in problems:
                mark = "错误" if problem.severity == "error" else "提示"
                self.stdout.write(f"{mark}  {problem.message}")
            if not problems:
                self.stdout.write(f"{row}：未发现问题")
        if any(problem.severity == "error" for problem in problems):
            raise SystemExit(2)

    def handle_publish(self, options: dict[str, Any]) -> None:
        row = self._version({**options, "version": None})
        report = actions.do_publish_flow(actor=_actor(options["actor"]), definition=row)
        self.stdout.write(f"{report.definition} 已公布")
        for problem in report.warnings:
            self.stdout.write(f"提示  {problem.message}")

    def handle_export_bpmn(self, options: dict[str, Any]) -> None:
        row = self._version(options)
        process_id = re.sub(r"[^A-Za-z0-9_.-]", "_", f"Process_{row.power_code}_v{row.version}")
        data = bpmn.to_bpmn(row.flow, process_id=process_id, name=row.power_name)
        try:
            options["out"].write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{options['out']}: {exc.strerror}") from None
        self.stdout.write(f"{options['out']}: {row} (BPMN 2.0)")

    def handle_import_bpmn(self, options: dict[str, Any]) -> None:
        unit = _unit_for(options["power"], options["unit"])
        path: Path = options["file"]
        actor = _actor(options["actor"])
        data = _read(path)
        try:
            result = actions.do_import_bpmn(
                actor=actor, unit=unit, power_code=options["power"], data=data, name=path.name
            )
        except InvalidInput as exc:
            if options["json"] and "problems" in exc.detail:
                pairs = zip(exc.detail["problems"], exc.detail.get("problems_en", []), strict=False)
                problems = [{"zh": zh, "en": en} for zh, en in pairs]
                self.stdout.write(
                    json.dumps(
                        {"problems": problems, "warnings": [], "unmapped": []}, ensure_ascii=False, indent=2
                    )
                )
            raise
        flow = result.definition.flow
        if options["json"]:
            report = {
                "definition": str(result.definition),
                "version": result.definition.version,
                "problems": [],
                "warnings": [note.as_dict() for note in result.warnings],
                "unmapped": [note.as_dict() for note in result.unmapped],
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"{result.definition}：{len(flow.steps)} 个环节，{len(flow.transitions)} 条流转，"
                f"{len({step.post for step in flow.steps if step.post})} 个岗位"
            )
            for note in result.unmapped:
                self.stdout.write(f"未转换  {note.zh}")
            for note in result.warnings:
                self.stdout.write(f"提示  {note.zh}")
        if options["publish"]:
            report_ = actions.do_publish_flow(actor=actor, definition=result.definition)
            if not options["json"]:
                self.stdout.write(f"{report_.definition} 已公布")

    def handle_export_svg(self, options: dict[str, Any]) -> None:
        row = self._version(options)
        draw = diagram.flow_svg if options["kind"] == "flow" else diagram.risk_svg
        try:
            options["out"].write_text(draw(row.flow), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{options['out']}: {exc.strerror}") from None
        self.stdout.write(f"{options['out']}: {row} ({options['kind']})")
