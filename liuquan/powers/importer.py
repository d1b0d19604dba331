"""Importing a unit's 权责清单 workbooks into a draft edition (liuquan powers import).

Reading and checking happen first, for every file, with no database writes (`plan_import`); the
writes are then one action (`do_import`), so a file that cannot be read, or a --strict run with any
rejected row, leaves the database as it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liuquan.core.actions import action
from liuquan.core.errors import Conflict, InvalidInput
from liuquan.laws import citations
from liuquan.laws.queries import LawIndex, LawRef
from liuquan.org.models import Person, Unit
from liuquan.powers import actions as power_actions
from liuquan.powers.actions import ItemInput, ResponsibilityInput
from liuquan.powers.models import CATEGORY_NAMES, BasisCitation, ListEdition, PowerCategory, PowerItem
from liuquan.powers.states import EditionStatus
from liuquan.powers.workbook import RawItem, WorkbookError, WorkbookResult, read_workbook

# Prefixes of generated item codes, per category (许可 → XK001 …), when a list has no code column.
CODE_PREFIX = {
    PowerCategory.LICENSING: "XK",
    PowerCategory.PENALTY: "CF",
    PowerCategory.COERCION: "QZ",
    PowerCategory.LEVY: "ZS",
    PowerCategory.BENEFIT: "JF",
    PowerCategory.INSPECTION: "JC",
    PowerCategory.CONFIRMATION: "QR",
    PowerCategory.REWARD: "JL",
    PowerCategory.ADJUDICATION: "CJ",
    PowerCategory.OTHER: "QT",
    PowerCategory.PUBLIC_SERVICE: "FW",
}
CODE_HEADERS = {"事项编码", "编码", "权力编码", "职权编码", "事项代码", "权力事项编码"}
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,39}$")


def category_of(text: str) -> str | None:
    """The category a list writes (行政许可, 行政处罚类, 其他权力, 行政强制措施 …), or None."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    if not folded:
        return None
    for name, value in CATEGORY_NAMES.items():
        if name in folded:
            return value
    for word, value in (
        ("强制", PowerCategory.COERCION),
        ("征收", PowerCategory.LEVY),
        ("征用", PowerCategory.LEVY),
        ("其他", PowerCategory.OTHER),
        ("许可", PowerCategory.LICENSING),
        ("处罚", PowerCategory.PENALTY),
        ("检查", PowerCategory.INSPECTION),
        ("确认", PowerCategory.CONFIRMATION),
        ("奖励", PowerCategory.REWARD),
        ("裁决", PowerCategory.ADJUDICATION),
        ("给付", PowerCategory.BENEFIT),
        ("服务", PowerCategory.PUBLIC_SERVICE),
    ):
        if word in folded:
            return value
    return None


@dataclass
class Rejected:
    """A row (or the sheet, row 0) not imported or worth a look: reason in Chinese, reason_en in English."""

    sheet: str
    row: int
    column: str | None
    reason: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "reason_en": self.reason_en,
        }


@dataclass
class PlannedCitation:
    citation: citations.Citation
    outcome: str
    law: LawRef | None


@dataclass
class PlannedItem:
    data: ItemInput
    citations: list[PlannedCitation]


@dataclass
class FilePlan:
    """What one workbook will add, and what it reports."""

    file: Path
    sheets: int = 0
    rows_read: int = 0
    items: list[PlannedItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)

    def citation_counts(self) -> Counter[str]:
        return Counter(planned.outcome for item in self.items for planned in item.citations)

    def report(self, *, imported: bool) -> dict[str, Any]:
        counts = self.citation_counts()
        return {
            "file": str(self.file),
            "sheets": self.sheets,
            "rows_read": self.rows_read,
            "items_imported": len(self.items) if imported else 0,
            "items_valid": len(self.items),
            "citations": sum(counts.values()),
            "citations_found": counts["found"],
            "citations_missing_article": counts["article_missing"],
            "citations_not_in_corpus": counts["law_not_in_corpus"],
            "citations_without_article": counts["no_article"],
            "rejected": [row.as_dict() for row in self.rejected],
            "warnings": [row.as_dict() for row in self.warnings],
        }


def _code_from(raw: RawItem) -> str | None:
    for header, value in raw.extra.items():
        if "".join(header.split()).split("(")[0] in CODE_HEADERS and CODE_RE.match(value.strip()):
            return value.strip()
    return None


def plan_file(path: Path, index: LawIndex, taken: set[str]) -> FilePlan:
    """Read and check one workbook; raises InvalidInput (exit 1) when the file cannot be read."""
    try:
        result: WorkbookResult = read_workbook(path)
    except WorkbookError as exc:
        # The reader's messages name the file already.
        raise InvalidInput(
            exc.message, message_en=exc.message_en, code="unreadable_file", file=str(path)
        ) from None
    plan = FilePlan(file=path, sheets=len(result.sheets), rows_read=sum(s.rows_read for s in result.sheets))
    rejected_rows = {
        (sheet.name, row)
        for sheet in result.sheets
        for row, kind in sheet.classified_rows.items()
        if kind == "rejected"
    }
    for problem in result.problems:
        entry = Rejected(problem.sheet, problem.row, problem.column, problem.reason, problem.reason_en)
        (plan.rejected if (problem.sheet, problem.row) in rejected_rows else plan.warnings).append(entry)
    counters: Counter[str] = Counter()
    parents: dict[tuple[str, str], str] = {}
    for raw in result.items:
        category = category_of(raw.category)
        if category is None:
            plan.rejected.append(
                Rejected(
                    raw.sheet,
                    raw.first_row,
                    None,
                    f"权力类型“{raw.category}”无法识别为十类行政权力或公共服务",
                    f"权力类型 {raw.category!r} is none of the ten kinds of administrative power "
                    "or public service",
                )
            )
            continue
        parent_code: str | None = None
        name = raw.name
        explicit = _code_from(raw)
        if raw.sub_name:
            key = (category, raw.name)
            parent_code = parents.get(key)
            if parent_code is None:
                parent_code = _next_code(category, counters, taken)
                parents[key] = parent_code
                plan.items.append(
                    PlannedItem(
                        ItemInput(
                            code=parent_code,
                            name=raw.name,
                            category=category,
                            source=f"{path.name} · {raw.sheet} · {raw.first_row}",
                        ),
                        [],
                    )
                )
            name = raw.sub_name
        code = explicit or (
            f"{parent_code}-{sum(1 for p in plan.items if p.data.parent_code == parent_code) + 1}"
            if parent_code
            else _next_code(category, counters, taken)
        )
        if code in taken:
            plan.rejected.append(
                Rejected(
                    raw.sheet,
                    raw.first_row,
                    None,
                    f"事项编码 {code} 重复：草稿版本或本次导入中已有事项使用该编码",
                    f"item code {code} is already used in the draft edition or earlier in this import",
                )
            )
            continue
        taken.add(code)
        if not raw.sub_name:
            parents.setdefault((category, raw.name), code)
        parsed = citations.parse_cell(raw.basis)
        planned = [
            PlannedCitation(
                c,
                (res := citations.resolve(c, index)).outcome,
                res.law_ref if isinstance(res.law_ref, LawRef) else None,
            )
            for c in parsed.citations
        ]
        for basis_problem in parsed.problems:
            # The citation parser (laws.citations) words its problems in English only.
            plan.warnings.append(
                Rejected(
                    raw.sheet,
                    raw.first_row,
                    None,
                    f"实施依据中的法规引用需核对：{basis_problem}",
                    f"实施依据: {basis_problem}",
                )
            )
        duties = [
            ResponsibilityInput(
                content=duty.stage_or_content,
                basis=duty.basis,
                accountable=duty.accountable,
                accountability_cases=duty.accountability_cases,
            )
            for duty in raw.responsibilities
            if duty.stage_or_content.strip()
        ]
        rows = f"{raw.first_row}" if raw.first_row == raw.last_row else f"{raw.first_row}-{raw.last_row}"
        plan.items.append(
            PlannedItem(
                ItemInput(
                    code=code,
                    name=name,
                    category=category,
                    parent_code=parent_code,
                    subject=raw.subject,
                    handling_unit=raw.handling_unit,
                    level=raw.level,
                    basis=raw.basis,
                    duty=raw.duty,
                    note=raw.note,
                    source=f"{path.name} · {raw.sheet} · {rows}",
                    responsibilities=duties,
                ),
                planned,
            )
        )
    return plan


def _next_code(category: str, counters: Counter[str], taken: set[str]) -> str:
    while True:
        counters[category] += 1
        code = f"{CODE_PREFIX[PowerCategory(category)]}{counters[category]:03d}"
        if code not in taken:
            return code


def plan_import(paths: list[Path], *, edition: ListEdition | None) -> list[FilePlan]:
    """Read every file first; any unreadable file stops the whole import before anything is written."""
    index = LawIndex.load()
    taken = (
        set(PowerItem.objects.filter(edition=edition).values_list("code", flat=True)) if edition else set()
    )
    return [plan_file(path, index, taken) for path in paths]


def open_draft(unit: Unit) -> ListEdition | None:
    return ListEdition.objects.filter(unit=unit, status=EditionStatus.DRAFT).order_by("-number").first()


def do_import(*, actor: Person, unit: Unit, plans: list[FilePlan]) -> ListEdition:
    """Write the planned items (and their citations) into the unit's draft edition, opening one if
    needed — one action, so it all lands or none of it does."""
    power_actions.check_may_compile(actor, unit)
    edition = open_draft(unit)
    if (
        edition is None
        and ListEdition.objects.filter(unit=unit).exclude(status=EditionStatus.PUBLISHED).exists()
    ):
        raise Conflict(
            f"{unit.name}的清单正在审核中，不能导入",
            message_en=f"The list of {unit.name} is under review",
            unit=unit.code,
        )
    items = [planned for plan in plans for planned in plan.items]
    main = [planned for planned in items if not planned.data.parent_code]
    subs = [planned for planned in items if planned.data.parent_code]
    with action("powers.import_items", actor=actor) as act:
        if edition is None:
            edition = power_actions.new_edition(act, unit)
        for planned in [*main, *subs]:
            power_actions.check_item(edition=edition, data=planned.data)
            made = power_actions.create_item(act, edition, planned.data)
            for position, cited in enumerate(planned.citations, start=1):
                c = cited.citation
                row = BasisCitation.objects.create(
                    item=made,
                    position=position,
                    raw=c.raw[:2000],
                    level_tag=(c.level_tag or "")[:40],
                    law_name=c.law_name[:300],
                    law_id=cited.law.id if cited.law else None,
                    article_number=c.article.number if c.article else None,
                    article_sub=c.article.sub if c.article else 0,
                    paragraph=c.paragraph,
                    item_number=c.item,
                    outcome=cited.outcome,
                )
                act.record(row)
    edition.refresh_from_db()
    return edition
