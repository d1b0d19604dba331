"""Importing what actually happened: payment lines (支出凭证/国库支付) and appointments (任免) of a unit,
from .xlsx workbooks (openpyxl) and .csv files (UTF-8 or GB18030), to be matched against the decision
register by the supervision rules (`decisions.records`).

Reading a file makes a Plan: every row read, every bad cell reported with its file, sheet, row and
column and why (Chinese, with English beside it). One action then writes the whole file, and only when
no row is bad: a file is in the record entirely or not at all. Amounts are read exactly (Decimal, yuan
with at most two decimals; a number cell read to the 15 significant digits Excel shows, never as
its binary float), dates as dates. A row already imported with the same content is skipped, so importing a file again adds
nothing; one imported with a different content is reported (imported records never change).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import models
from django.utils import timezone

from liuquan.core.actions import action
from liuquan.core.errors import Forbidden, InvalidInput
from liuquan.decisions.models import Appointment, Payment
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Role, Unit

HEADER_SEARCH_ROWS = 10
MAX_AMOUNT = Decimal("99999999999999.99")  # the column's 16 digits
IMPORTER_ROLES = frozenset({Role.CLERK, Role.HEAD})  # the unit's office (财务) or its head


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the name reports use
    aliases: tuple[str, ...]  # compared after header_key()
    kind: str  # "text" | "date" | "amount"
    required: bool = True


PAYMENT_COLUMNS = (
    Column(
        "voucher", "凭证号", ("凭证号", "凭证编号", "凭证号码", "支付凭证号", "支付令号", "单据号"), "text"
    ),
    Column("paid_on", "日期", ("日期", "支付日期", "凭证日期", "记账日期", "付款日期", "拨付日期"), "date"),
    Column("payee", "收款人", ("收款人", "收款单位", "收款人名称", "收款人全称", "收款方"), "text"),
    Column(
        "amount", "金额", ("金额", "金额(元)", "支付金额", "支付金额(元)", "付款金额", "发生额"), "amount"
    ),
    Column("purpose", "用途", ("用途", "资金用途", "支付用途", "款项用途", "摘要"), "text"),
    Column("project", "项目编码", ("项目编码", "项目代码", "项目编号"), "text", required=False),
    Column(
        "cites",
        "决策编号",
        ("决策编号", "决策文号", "三重一大决策编号", "会议决策编号", "决定编号"),
        "text",
        required=False,
    ),
)
APPOINTMENT_COLUMNS = (
    Column("person_name", "姓名", ("姓名", "人员姓名", "被任免人", "被任免人姓名"), "text"),
    Column("post", "职务", ("职务", "任免职务", "拟任职务", "任职", "任免事项"), "text"),
    Column("appointed_on", "任免日期", ("任免日期", "任职日期", "发文日期", "日期"), "date"),
    Column("document", "文号", ("文号", "任免文号", "发文文号", "发文字号", "文件号"), "text"),
    PAYMENT_COLUMNS[-1],
)


@dataclass(frozen=True)
class Kind:
    name: str  # "payments" | "appointments"
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the natural key's fields, besides the unit
    shown: str  # what a row is, in Chinese


PAYMENTS = Kind("payments", Payment, PAYMENT_COLUMNS, ("voucher",), "支付记录")
APPOINTMENTS = Kind("appointments", Appointment, APPOINTMENT_COLUMNS, ("document", "person_name"), "任免记录")
KINDS = {kind.name: kind for kind in (PAYMENTS, APPOINTMENTS)}


@dataclass(frozen=True)
class CellProblem:
    """A bad cell (or row, or missing column): row is 1-based as Excel shows it."""

    file: str
    sheet: str
    row: int
    column: str  # the column's letter, "" when the column is missing
    header: str  # the column's name
    reason: str
    reason_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "reason": self.reason,
            "reason_en": self.reason_en,
        }

    def __str__(self) -> str:
        where = f"{self.column}列（{self.header}）" if self.column else f"“{self.header}”列"
        return f"{self.file}：工作表“{self.sheet}”第{self.row}行{where}：{self.reason}"


@dataclass(frozen=True)
class Record:
    sheet: str
    row: int
    values: dict[str, Any]


@dataclass
class Plan:
    """A file read and checked, not yet written."""

    kind: Kind
    file: Path
    unit: Unit
    sheets: int = 0
    rows_read: int = 0
    records: list[Record] = field(default_factory=list)  # rows read without a problem
    problems: list[CellProblem] = field(default_factory=list)
    fresh: list[Record] = field(default_factory=list)  # the records not imported before

    @property
    def already(self) -> int:
        """Rows imported before with the same content: skipped."""
        return len(self.records) - len(self.fresh)

    def report(self, *, imported: int | None) -> dict[str, Any]:
        return {
            "file": self.file.name,
            "kind": self.kind.name,
            "unit": self.unit.code,
            "sheets": self.sheets,
            "rows_read": self.rows_read,
            "rows_valid": len(self.records),
            "already_imported": self.already,
            "imported": imported,
            "problems": [problem.as_json() for problem in self.problems],
        }


def unreadable(path: Path, why: str, why_en: str) -> InvalidInput:
    return InvalidInput(
        f"{path.name} 无法读取：{why}",
        message_en=f"{path.name} cannot be read: {why_en}",
        code="unreadable_file",
        field="file",
    )


def header_key(text: str) -> str:
    """A header as compared: width folded (NFKC: （元） is (元)), no whitespace, no * marks."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("*", "")


def column_letter(index: int) -> str:
    """0-based column index to its letter(s): 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- reading a file into sheets of rows --------------------------------------------------------------

Sheet = tuple[str, list[tuple[Any, ...]]]


def read_sheets(path: Path) -> list[Sheet]:
    """The file's sheets as rows of cell values (a CSV file is one sheet named "CSV")."""
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise unreadable(path, f"文件无法打开（{exc.strerror}）", str(exc)) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(
            path,
            "这是旧版 Excel（.xls）或加密的文件，请另存为 .xlsx 或 .csv",
            "an old .xls or encrypted file: save it as .xlsx or .csv",
        )
    if head.startswith(b"PK"):
        return _read_xlsx(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise unreadable(path, "不是有效的 .xlsx 工作簿", "not a valid .xlsx workbook")
    return [("CSV", _read_csv(path))]


def _read_xlsx(path: Path) -> list[Sheet]:
    import openpyxl  # type: ignore[import-untyped, unused-ignore]

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise unreadable(
            path, f"不是有效的 .xlsx 工作簿（{exc}）", f"not a valid .xlsx workbook ({exc})"
        ) from None
    try:
        return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise unreadable(path, f"工作簿已损坏（{exc}）", f"the workbook is damaged ({exc})") from None
    finally:
        book.close()


def _read_csv(path: Path) -> list[tuple[Any, ...]]:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise unreadable(path, "不是 .xlsx 或 .csv 文件", "neither an .xlsx nor a .csv file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes any bytes; kept for the type checker
        raise unreadable(path, "文字编码无法识别", "unknown text encoding")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [tuple(row) for row in csv.reader(io.StringIO(text), dialect)]


# -- cells ----------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text it shows: a whole number without ".0", a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_MONEY_NOISE = re.compile(r"[\s,，¥￥元]")


def parse_amount(value: Any) -> tuple[Decimal | None, str, str]:
    """(amount, "", "") or (None, why, why in English). Yuan with at most two decimals, above zero."""
    if isinstance(value, bool):
        return None, "金额应为数字", "the amount is not a number"
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # As Excel shows it: 15 significant digits (a sum of 0.1 and 0.2 is stored 0.30000000000000004).
        amount = Decimal(format(value, ".15g"))
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = _MONEY_NOISE.sub("", unicodedata.normalize("NFKC", cell_text(value)))
        if not text:
            return None, "金额未填写", "the amount is empty"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return (
                None,
                f"金额“{cell_text(value)}”不是数字",
                f"the amount {cell_text(value)!r} is not a number",
            )
    if not amount.is_finite():
        return None, f"金额“{cell_text(value)}”不是数字", f"the amount {cell_text(value)!r} is not a number"
    if amount <= 0:
        return None, "金额应大于零", "the amount must be above zero"
    if amount != amount.quantize(Decimal("0.01")):
        return (
            None,
            f"金额 {amount} 超过两位小数（以元为单位，精确到分）",
            "more than two decimals (yuan and fen)",
        )
    if amount > MAX_AMOUNT:
        return None, f"金额 {amount} 过大", "the amount is too large"
    return amount.quantize(Decimal("0.01")), "", ""


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: Any) -> tuple[dt.date | None, str, str]:
    """(day, "", "") or (None, why, why in English): a date cell, or 2026-11-10, 2026/11/10,
    2026.11.10, 2026年11月10日, 20261110."""
    if isinstance(value, dt.datetime):
        return value.date(), "", ""
    if isinstance(value, dt.date):
        return value, "", ""
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if not text:
        return None, "日期未填写", "the date is empty"
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups())), "", ""
        except ValueError:
            return None, f"日期“{text}”不存在", f"no such date: {text}"
    return (
        None,
        f"日期“{text}”无法识别，请写作 2026-11-10 或使用日期格式",
        f"unreadable date {text!r}: write 2026-11-10 or use a date cell",
    )


# -- a plan ---------------------------------------------------------------------------------------------


def _find_header(rows: Sequence[tuple[Any, ...]], kind: Kind) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, field → 0-based column) of the first row naming two or more columns."""
    aliases = {header_key(alias): column.field for column in kind.columns for alias in column.aliases}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = aliases.get(header_key(cell_text(cell)))
            if name is not None and name not in found:
                found[name] = position
        if len(found) >= 2:
            return index, found
    return None


def plan_import(path: Path, *, kind: Kind, unit: Unit) -> Plan:
    """Read and check `path`; InvalidInput (code unreadable_file) when it cannot be read at all."""
    plan = Plan(kind=kind, file=path, unit=unit)
    sheets = read_sheets(path)
    seen: dict[tuple[str, ...], tuple[str, int]] = {}
    for title, rows in sheets:
        header = _find_header(rows, kind)
        if header is None:
            continue
        plan.sheets += 1
        at, positions = header
        missing = [column for column in kind.columns if column.required and column.field not in positions]
        for column in missing:
            plan.problems.append(
                CellProblem(
                    path.name,
                    title,
                    at + 1,
                    "",
                    column.label,
                    f"表头缺少“{column.label}”列（可用列名：{'、'.join(column.aliases)}）",
                    f"the header has no {column.field} column",
                )
            )
        if missing:
            continue
        for offset, row in enumerate(rows[at + 1 :], start=at + 2):
            if all(cell_text(cell) == "" for cell in row):
                continue
            plan.rows_read += 1
            record = _read_row(plan, title, offset, row, positions)
            if record is None:
                continue
            key = tuple(record.values[name] for name in kind.key)
            if key in seen:
                sheet, line = seen[key]
                plan.problems.append(
                    CellProblem(
                        path.name,
                        title,
                        offset,
                        column_letter(positions[kind.key[0]]),
                        _label(kind, kind.key[0]),
                        f"与工作表“{sheet}”第{line}行重复（{'、'.join(key)}）",
                        f"the same record as row {line} of sheet {sheet}",
                    )
                )
                continue
            seen[key] = (title, offset)
            plan.records.append(record)
    if plan.sheets == 0:
        names = "、".join(column.label for column in kind.columns if column.required)
        raise unreadable(
            path,
            f"没有能识别出{kind.shown}表头的工作表（前{HEADER_SEARCH_ROWS}行中没有含{names}等列名的行）",
            f"no sheet has a header of {kind.name}",
        )
    _against_stored(plan)
    return plan


def _label(kind: Kind, name: str) -> str:
    return next(column.label for column in kind.columns if column.field == name)


def _read_row(
    plan: Plan, sheet: str, line: int, row: tuple[Any, ...], positions: dict[str, int]
) -> Record | None:
    values: dict[str, Any] = {"_sheet": sheet, "_positions": positions}
    bad = False
    for column in plan.kind.columns:
        if column.field not in positions:
            values[column.field] = ""
            continue
        position = positions[column.field]
        raw = row[position] if position < len(row) else None
        why = why_en = ""
        if column.kind == "amount":
            values[column.field], why, why_en = parse_amount(raw)
        elif column.kind == "date":
            values[column.field], why, why_en = parse_date(raw)
        else:
            text = cell_text(raw)
            field_ = plan.kind.model._meta.get_field(column.field)
            limit = field_.max_length or 0 if isinstance(field_, models.Field) else 0
            if column.required and not text:
                why, why_en = f"“{column.label}”未填写", f"{column.field} is empty"
            elif limit and len(text) > limit:
                why, why_en = f"超过{limit}个字", f"longer than {limit} characters"
            values[column.field] = text
        if why:
            bad = True
            plan.problems.append(
                CellProblem(plan.file.name, sheet, line, column_letter(position), column.label, why, why_en)
            )
    return None if bad else Record(sheet, line, values)


def _stored_values(row: models.Model, kind: Kind) -> dict[str, Any]:
    return {column.field: getattr(row, column.field) for column in kind.columns}


def _against_stored(plan: Plan) -> None:
    """Rows imported before: the same content is skipped, another content reported."""
    kind = plan.kind
    if not plan.records:
        return
    first = kind.key[0]
    stored = {
        tuple(getattr(row, name) for name in kind.key): row
        for row in kind.model._default_manager.filter(
            unit=plan.unit, **{f"{first}__in": {record.values[first] for record in plan.records}}
        )
    }
    kept: list[Record] = []
    for record in plan.records:
        row = stored.get(tuple(record.values[name] for name in kind.key))
        if row is None:
            kept.append(record)
            plan.fresh.append(record)
            continue
        old = _stored_values(row, kind)
        changed = [column for column in kind.columns if old[column.field] != record.values[column.field]]
        if not changed:
            kept.append(record)
            continue
        column = changed[0]
        plan.problems.append(
            CellProblem(
                plan.file.name,
                record.sheet,
                record.row,
                column_letter(record.values["_positions"].get(column.field, 0)),
                column.label,
                f"该{kind.shown}已导入，“{column.label}”为“{cell_text(old[column.field])}”；"
                "已导入的记录不能更改，请核对",
                f"already imported with another {column.field}; imported records never change",
            )
        )
    plan.records = kept


# -- writing ----------------------------------------------------------------------------------------------


def check_import(*, actor: Person, unit: Unit) -> None:
    if not actor.is_active or not (
        actor.is_superuser or org_queries.scope_of(actor, IMPORTER_ROLES).covers(unit)
    ):
        raise Forbidden(
            f"只有{unit.name}的经办人员或负责人可以导入本单位的支付和任免记录",
            message_en="only the unit's office or head may import its records",
        )


class _NothingNew(Exception):
    """Every row was imported meanwhile: the action writes nothing."""


def do_import(*, actor: Person, plan: Plan) -> int:
    """Write the file's new rows in one action; nothing when any row is bad. Returns how many were new."""
    check_import(actor=actor, unit=plan.unit)
    if plan.problems:
        raise InvalidInput(
            f"{plan.file.name} 有{len(plan.problems)}处错误，未写入任何数据",
            message_en=f"{plan.file.name} has {len(plan.problems)} problems; nothing written",
            field="file",
        )
    fresh = plan.fresh
    if not fresh:
        return 0
    kind, now = plan.kind, timezone.now()
    written = 0
    try:
        with action(f"decisions.import_{kind.name}", actor=actor) as act:
            first = kind.key[0]
            taken = {
                tuple(values)
                for values in kind.model._default_manager.filter(
                    unit=plan.unit, **{f"{first}__in": {record.values[first] for record in fresh}}
                ).values_list(*kind.key)
            }
            for record in fresh:
                if tuple(record.values[name] for name in kind.key) in taken:
                    continue  # imported by another run meanwhile
                row = kind.model._default_manager.create(
                    unit=plan.unit,
                    source=plan.file.name[:200],
                    imported_at=now,
                    imported_by=actor,
                    **{column.field: record.values[column.field] for column in kind.columns},
                )
                act.record(row)  # type: ignore[arg-type]
                written += 1
            if not written:
                raise _NothingNew
    except _NothingNew:
        return 0
    return written
