"""Reads a published 权责清单 workbook (.xls or .xlsx) into raw items and precise row reports (pure; no Django).

What real lists look like, and so what this module copes with:

* a title row or two above the header, which sits on row 1-3 (sometimes two rows: a merged group heading
  such as 责任事项 above 内容 | 依据);
* one sheet per 权力类型 ("行政处罚（254项）"), or one sheet with a 权力类型 column, or section rows
  ("一、行政许可") between the items;
* merged cells: an item's cells are merged down over the rows below it. Those rows are either blank
  (layout only) or carry the item's next 责任事项 stage, or a further 子项 of the same 事项;
* column variants: headers wrapped over lines ("事项\\n名称"), renamed (设定依据 for 实施依据), reordered,
  missing, repeated (a second 责任事项依据 further right with other text), a merged header over two
  columns (实施层级及权限 over 层级 | 权限), unknown columns (救助渠道);
* blank rows, 合计 rows, notes and signatures below the table.

read_workbook() never guesses silently: every row below the header ends up as part of an item, or is
classified (blank, note, total, section, repeated header), or is reported as a RowProblem with the cell
it is about. Only a file that cannot be read as a workbook at all raises WorkbookError.

Reading is streaming for .xlsx: a first pass over the sheet XML finds merged ranges, formulas without a
cached value and the used size (stopping as soon as a sheet passes max_rows), then openpyxl's read-only
reader yields the values. openpyxl's read-only mode does not expose merged cells and its normal mode
loads the whole sheet into memory, hence the two passes. An .xls is at most 65,536 rows, so xlrd reads
it whole.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from liuquan.powers.sheetfiles import (
    RowProblem,
    SheetSource,
    WorkbookError,
    column_index,
    column_letter,
    open_xls,
    open_xlsx,
    sniff,
)

__all__ = [
    "CATEGORIES",
    "FIELD_ALIASES",
    "FIELD_LABELS",
    "RawItem",
    "RawResponsibility",
    "RowProblem",
    "SheetSummary",
    "WorkbookError",
    "WorkbookResult",
    "category_in",
    "read_workbook",
]


@dataclass
class RawResponsibility:
    """One 责任事项 (usually one stage: 受理, 审查, 决定…) of an item, as written."""

    stage_or_content: str
    basis: str
    accountable: str
    accountability_cases: str
    row: int


@dataclass
class RawItem:
    """One 事项 (or one 子项 of it) as written in the workbook, whitespace-normalised but not interpreted."""

    sheet: str
    first_row: int
    last_row: int
    seq: str
    name: str
    sub_name: str | None
    category: str
    # Where category came from: "column", "section" (a heading row such as 一、行政许可), "sheet" (the
    # sheet name) or "" when nothing gave one.
    category_source: str
    basis: str
    subject: str
    handling_unit: str
    level: str
    duty: str
    responsibilities: list[RawResponsibility]
    note: str
    extra: dict[str, str]


@dataclass
class SheetSummary:
    name: str
    header_row: int
    columns_mapped: dict[str, str]
    category_from_name: str | None
    rows_read: int
    items: int
    # Columns whose text is joined into a field after its first column: a header merged over two columns
    # (实施层级及权限 over 层级 | 权限) or the same header repeated side by side.
    columns_joined: dict[str, list[str]] = field(default_factory=dict)
    # Every row from 1 to the last non-empty row, by what it turned out to be: title, header, blank,
    # merged_blank (empty, under a cell merged from above), item, continuation, section, total, note,
    # rejected (reported in problems). The values add up to rows_read.
    row_kinds: dict[str, int] = field(default_factory=dict)
    # Row number → kind for the rows that are neither blank nor part of an item.
    classified_rows: dict[int, str] = field(default_factory=dict)
    hidden: bool = False


@dataclass
class WorkbookResult:
    file: Path
    format: str
    sheets: list[SheetSummary]
    items: list[RawItem]
    problems: list[RowProblem]
    # Sheets without a recognisable header, with the reason (an empty Sheet2 is the usual one).
    skipped_sheets: dict[str, str] = field(default_factory=dict)


# Fields, in the order of the common 14-column header. Responsibility fields fill RawResponsibility.
ITEM_FIELDS = (
    "seq",
    "name",
    "sub_name",
    "category",
    "basis",
    "subject",
    "handling_unit",
    "level",
    "duty",
    "note",
)
RESPONSIBILITY_FIELDS = ("stage_or_content", "responsibility_basis", "accountable", "accountability_cases")

FIELD_LABELS: dict[str, str] = {
    "seq": "序号",
    "name": "事项名称",
    "sub_name": "子项名称",
    "category": "权力类型",
    "basis": "实施依据",
    "subject": "行使主体",
    "handling_unit": "承办机构",
    "level": "实施层级及权限",
    "duty": "部门职责",
    "stage_or_content": "责任事项内容",
    "responsibility_basis": "责任事项依据",
    "accountable": "追责对象范围",
    "accountability_cases": "追责情形",
    "note": "备注",
}

# Header aliases per field, compared after _header_key() (NFKC, no whitespace, no * marks). The first of
# each list is the name the eleven published lists use; the others are the names other cities' and
# provinces' lists and the 政务服务 事项 catalogue use for the same column.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序列号", "顺序号", "事项序号", "项目序号", "序"),
    "name": (
        "事项名称",
        "权力事项名称",
        "职权名称",
        "权力名称",
        "事项名称(主项)",
        "主项名称",
        "权责事项名称",
        "权责事项",
        "权力事项",
        "职权事项",
        "行政职权名称",
        "项目名称",
        "事项",
    ),
    "sub_name": ("子项名称", "子项", "事项名称(子项)", "子项事项名称", "子事项名称", "子项目名称"),
    "category": (
        "权力类型",
        "职权类别",
        "权力类别",
        "事项类型",
        "职权类型",
        "权力分类",
        "事项类别",
        "权责类型",
        "类别",
        "类型",
    ),
    "basis": (
        "实施依据",
        "设定依据",
        "法律依据",
        "依据",
        "设定和实施依据",
        "设定依据和实施依据",
        "法定依据",
        "行使依据",
        "职权依据",
        "权力依据",
    ),
    "subject": ("行使主体", "实施主体", "实施机关", "行使机关", "行权主体", "实施部门"),
    "handling_unit": (
        "承办机构",
        "责任科室",
        "承办科室",
        "内设机构",
        "承办处室",
        "责任处室",
        "承办单位",
        "责任股室",
        "承办股室",
    ),
    "level": (
        "实施层级及权限",
        "实施层级",
        "行使层级",
        "层级",
        "行使层级及权限",
        "层级及权限",
        "实施层级和权限",
    ),
    "duty": ("部门职责", "职责", "部门职责依据", "职责依据"),
    "stage_or_content": ("责任事项内容", "责任事项", "责任内容", "职责事项", "责任环节", "责任事项及内容"),
    "responsibility_basis": ("责任事项依据", "责任依据", "责任事项设定依据", "责任事项的依据"),
    "accountable": ("追责对象范围", "追责对象", "问责对象", "追责对象及范围", "责任追究对象"),
    "accountability_cases": (
        "追责情形",
        "问责情形",
        "追责情形及依据",
        "责任追究情形",
        "追究情形",
        "追责依据",
    ),
    "note": ("备注", "说明", "备注说明"),
}

# The ten 权力类型 of the design plus the names some lists use beside them.
CATEGORIES = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政征用",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "其他权力",
    "公共服务",
)

HEADER_SEARCH_ROWS = 6
# A header row must name 事项名称 and at least this many fields in all.
HEADER_MIN_FIELDS = 3
# Columns past this with a value are reported rather than read: no real list is that wide, and a sheet
# formatted to column XFD would otherwise make every row 16,384 cells.

# Short label fields have their inner whitespace removed where it only wraps Chinese text ("行政\n处罚").
_LABEL_FIELDS = frozenset({"seq", "name", "sub_name", "category", "subject", "handling_unit"})
# On a continuation row a different value in one of these keeps the item's first value (reported);
# in the other item fields the text is appended (also reported), since it may be a further part.
_KEEP_FIRST_FIELDS = frozenset({"category", "subject", "handling_unit", "level"})


_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|总数)(?:[:：(（\d]|$)")
_NOTE = re.compile(
    r"^(?:注|说明|备注|附注|附件|填表说明|填报说明)\s*(?:[:：.、．\d一二三四五六七八九十]|$)"
    r"|^(?:制表|填表|填报|审核|审批|联系|单位负责人|负责人|主要负责人|分管领导|经办)(?:人|单位|日期|时间|电话|领导)?\s*[:：]"
    r"|^(?:单位|部门)?[(（]?(?:盖章|签章|公章)[)）]?"
    r"|^(?:部门|单位)名称\s*[:：]"
)
_SECTION_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]+|\d+|[(（][一二三四五六七八九十\d]+[)）])\s*[、.．]?"
)
_SEQ_LIKE = re.compile(r"^[\d\s.,，、\-－—~～()（）]+$")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_WHITESPACE = re.compile(r"\s+")


def _header_key(text: str) -> str:
    """The form a header is compared in: NFKC (full-width brackets become ASCII), no whitespace, no marks."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).strip("*※★☆")


_ALIAS_INDEX: dict[str, str] = {}
for _field_name, _aliases in FIELD_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_INDEX.setdefault(_header_key(_alias), _field_name)


@functools.lru_cache(maxsize=4096)
def _match_field(text: str) -> str | None:
    """The field a header names, trying it as written, then without trailing (…) notes.

    As written first, so that 事项名称（子项） is 子项名称 and not 事项名称 once its note is dropped.
    """
    key = _header_key(text)
    while key:
        found = _ALIAS_INDEX.get(key)
        if found is not None:
            return found
        shorter = _TRAILING_NOTE.sub("", key)
        if shorter == key:
            return None
        key = shorter
    return None


def _is_wide(char: str) -> bool:
    return ord(char) > 0x2E7F


def _collapse_label(text: str) -> str:
    """Removes whitespace that only wraps Chinese text; a single space stays between Latin words."""

    def replace(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if not before or not after or _is_wide(before) or _is_wide(after):
            return ""
        return " "

    return _WHITESPACE.sub(replace, text).strip()


def _clean_text(text: str) -> str:
    """Long text keeps its line breaks (they separate numbered points); only the ends are trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def category_in(text: str) -> str | None:
    """The 权力类型 a sheet name or a section heading names: 行政处罚（254项） → 行政处罚."""
    key = _header_key(text)
    while True:
        shorter = _TRAILING_NOTE.sub("", key)
        if shorter == key:
            break
        key = shorter
    if key in CATEGORIES:
        return key
    found = [category for category in CATEGORIES if category in key]
    # 其他行政权力 also contains no other name, but a heading naming two types is ambiguous.
    return found[0] if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------------
# Header


@dataclass
class _Columns:
    """How the header's columns (0-based) map to fields."""

    header_rows: tuple[int, ...]
    fields: dict[str, list[int]]
    duplicates: dict[str, list[int]]
    # Columns kept in RawItem.extra: unknown headers, duplicates, and data under no header.
    extra: dict[int, str]
    labels: dict[int, str]
    field_of: dict[int, str]
    problems: list[RowProblem]


class _Merges:
    def __init__(self, ranges: Iterable[tuple[int, int, int, int]], last_row: int, last_col: int) -> None:
        self.anchor_of: dict[tuple[int, int], tuple[int, int]] = {}
        self.range_at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for min_row, min_col, max_row, max_col in ranges:
            # A merge may reach far past the data (A1:XFD1 for a title); only the used area matters.
            max_row, max_col = min(max_row, last_row), min(max_col, last_col)
            if min_row > max_row or min_col > max_col or (min_row == max_row and min_col == max_col):
                continue
            anchor = (min_row, min_col - 1)
            self.range_at[anchor] = (min_row, min_col, max_row, max_col)
            for row in range(min_row, max_row + 1):
                for col in range(min_col - 1, max_col):
                    if (row, col) != anchor:
                        self.anchor_of[(row, col)] = anchor

    def span(self, row: int, col: int) -> int:
        """How many columns the merge anchored at this cell covers (1 if none)."""
        merged = self.range_at.get((row, col))
        return merged[3] - merged[1] + 1 if merged else 1


class _Grid:
    """Rows seen so far, enough to resolve merged cells: anchors' values are kept, the rest dropped."""

    def __init__(self, merges: _Merges) -> None:
        self.merges = merges
        self.anchor_values: dict[tuple[int, int], str] = {}

    def remember(self, row: int, texts: list[str]) -> None:
        for col, text in enumerate(texts):
            if text and (row, col) in self.merges.range_at:
                self.anchor_values[(row, col)] = text

    def covering(self, row: int, col: int) -> tuple[int, int] | None:
        return self.merges.anchor_of.get((row, col))

    def value_of_anchor(self, anchor: tuple[int, int]) -> str:
        return self.anchor_values.get(anchor, "")


def _row_field_hits(texts: list[str]) -> dict[str, int]:
    hits: dict[str, int] = {}
    for col, text in enumerate(texts):
        if text:
            found = _match_field(text)
            if found is not None and found not in hits:
                hits[found] = col
    return hits


def _header_qualifies(hits: dict[str, int]) -> bool:
    return "name" in hits and len(hits) >= HEADER_MIN_FIELDS


def _resolved(grid: _Grid, rows: dict[int, list[str]], row: int, col: int) -> str:
    """A header cell's text, taking a merged cell's text for every cell it covers."""
    anchor = grid.covering(row, col)
    if anchor is not None:
        source = rows.get(anchor[0], [])
        return source[anchor[1]] if anchor[1] < len(source) else ""
    texts = rows.get(row, [])
    return texts[col] if col < len(texts) else ""


def _is_subheader(grid: _Grid, rows: dict[int, list[str]], top: int, width: int) -> bool:
    """Whether row top+1 holds sub-headings under merged group headings of row top (and is not data)."""
    below = rows.get(top + 1)
    if not below:
        return False
    group_cols: set[int] = set()
    for col in range(width):
        merged = grid.merges.range_at.get((top, col))
        if merged and merged[3] > merged[1] and merged[0] == top:
            group_cols.update(range(merged[1] - 1, merged[3]))
    if not group_cols:
        return False
    seen_any = False
    for col, text in enumerate(below):
        if not text or grid.covering(top + 1, col) is not None:
            continue
        seen_any = True
        if col not in group_cols and _resolved(grid, rows, top, col):
            return False
        short = len(_header_key(text)) <= 12
        group = _resolved(grid, rows, top, col)
        if not (short or _match_field(text) or _match_field(group + text)):
            return False
    return seen_any


def _is_group_row(grid: _Grid, rows: dict[int, list[str]], row: int, width: int) -> bool:
    """Whether the row above a header is a group heading row rather than a title over the table.

    A title is one cell, merged over all or part of the width (统计局's spans E:L); group headings are
    several cells, or a heading such as 序号 merged down into the header row.
    """
    if row < 1 or row not in rows:
        return False
    several = sum(1 for text in rows[row] if text) >= 2
    for col in range(width):
        merged = grid.merges.range_at.get((row, col))
        if merged is None:
            continue
        if merged[2] > row:  # merged down into the header row: 序号 over two rows
            return True
        if several and merged[3] > merged[1]:
            return True
    return False


def _header_candidates(top: str, bottom: str) -> list[str]:
    # group+sub first: 责任事项 over 依据 is 责任事项依据, not the 实施依据 that 依据 alone would be.
    if bottom:
        return [top + bottom, bottom, top] if top else [bottom]
    return [top] if top else []


def _find_header(
    grid: _Grid, rows: dict[int, list[str]], width: int, sheet: str
) -> tuple[_Columns | None, str]:
    best: tuple[int, int, list[str]] | None = None
    for row in range(1, HEADER_SEARCH_ROWS + 1):
        texts = rows.get(row)
        if not texts:
            continue
        hits = _row_field_hits(texts)
        if _header_qualifies(hits):
            if _is_subheader(grid, rows, row, width):
                return _build_columns(grid, rows, (row, row + 1), width, sheet), ""
            if _is_group_row(grid, rows, row - 1, width):
                return _build_columns(grid, rows, (row - 1, row), width, sheet), ""
            return _build_columns(grid, rows, (row,), width, sheet), ""
        # Group headings over sub-headings may only name enough fields together. A title is one
        # cell, so it is never taken for a row of group headings.
        if sum(1 for text in texts if text) >= 2 and _is_subheader(grid, rows, row, width):
            combined = _build_columns(grid, rows, (row, row + 1), width, sheet)
            if "name" in combined.fields and len(combined.fields) >= HEADER_MIN_FIELDS:
                return combined, ""
        if best is None or len(hits) > best[1]:
            best = (row, len(hits), [FIELD_LABELS[name] for name in hits])
    if best is None or best[1] == 0:
        return None, f"no header row in rows 1-{HEADER_SEARCH_ROWS} (no cell names a known column)"
    row, _count, labels = best
    return None, (
        f"no header row in rows 1-{HEADER_SEARCH_ROWS}: a header must name 事项名称 and "
        f"{HEADER_MIN_FIELDS - 1} more known columns; the closest, row {row}, names only {'、'.join(labels)}"
    )


def _build_columns(
    grid: _Grid, rows: dict[int, list[str]], header_rows: tuple[int, ...], width: int, sheet: str
) -> _Columns:
    top_row, bottom_row = header_rows[0], header_rows[-1]
    fields: dict[str, list[int]] = {}
    duplicates: dict[str, list[int]] = {}
    extra: dict[int, str] = {}
    labels: dict[int, str] = {}
    field_of: dict[int, str] = {}
    problems: list[RowProblem] = []
    used_keys: set[str] = set()

    def extra_key(label: str, col: int) -> str:
        key = label or f"column {column_letter(col + 1)}"
        if key in used_keys:
            key = f"{key} ({column_letter(col + 1)})"
        used_keys.add(key)
        return key

    texts: list[tuple[str, str]] = []
    for col in range(width):
        top = _resolved(grid, rows, top_row, col)
        bottom = ""
        if bottom_row != top_row:
            anchor = grid.covering(bottom_row, col)
            if anchor is None or anchor[0] == bottom_row:
                bottom = _resolved(grid, rows, bottom_row, col)
        texts.append((_collapse_label(top), _collapse_label(bottom)))
    last_labelled = max((col for col, (top, bottom) in enumerate(texts) if top or bottom), default=-1)

    for col, (top_label, bottom_label) in enumerate(texts):
        label = bottom_label or top_label
        labels[col] = label
        found = next(
            (f for f in (_match_field(c) for c in _header_candidates(top_label, bottom_label)) if f), None
        )
        letter = column_letter(col + 1)
        if found is None and not label and col - 1 in field_of and col < last_labelled:
            # A blank header inside the table, right of a field: the header merge over both columns
            # was lost (农业农村局 merged H1:I1 in three of its nine sheets and not in the others).
            found = field_of[col - 1]
            problems.append(
                RowProblem(
                    sheet,
                    bottom_row,
                    letter,
                    f"column {letter} has no header; read with column {column_letter(col)} "
                    f"({FIELD_LABELS[found]}) to its left, as if that header were merged over both",
                )
            )
        if found is None:
            if label:
                extra[col] = extra_key(label, col)
                problems.append(
                    RowProblem(
                        sheet, bottom_row, letter, f"column {label!r} is not a known field; kept in extra"
                    )
                )
            else:
                extra[col] = extra_key("", col)
            continue
        if found not in fields:
            fields[found] = [col]
            field_of[col] = found
            continue
        previous = fields[found][-1]
        if previous == col - 1:
            # One field over two columns: a header merged across both (实施层级及权限 over 层级 | 权限),
            # or the same header side by side (住建局 writes 实施层级及权限 twice). Read as one, joined.
            fields[found].append(col)
            field_of[col] = found
            same_merge = any(
                grid.covering(row, col) in ((row, previous), grid.covering(row, previous))
                and grid.covering(row, col) is not None
                for row in header_rows
            )
            if not same_merge and label and labels[previous] != label:
                problems.append(
                    RowProblem(
                        sheet,
                        bottom_row,
                        letter,
                        f"columns {column_letter(previous + 1)} ({labels[previous]!r}) and {letter} "
                        f"({label!r}) both read as {FIELD_LABELS[found]}; their text is joined",
                    )
                )
            continue
        duplicates.setdefault(found, []).append(col)
        # Suffixed with the column letter, as the plain label would read as the field's own column.
        key = extra_key(f"{label} ({letter})", col)
        extra[col] = key
        first_letter = column_letter(fields[found][0] + 1)
        problems.append(
            RowProblem(
                sheet,
                bottom_row,
                letter,
                f"duplicate header {label!r} (first in column {first_letter}); the first column is read and "
                f"this one kept in extra[{key!r}], and used where the first is blank",
            )
        )
    return _Columns(header_rows, fields, duplicates, extra, labels, field_of, problems)


# ---------------------------------------------------------------------------------------------------
# Rows into items


@dataclass
class _Builder:
    item: RawItem
    identity: tuple[str, str, str]


@dataclass
class _RowView:
    """One row's cells as the item logic needs them."""

    number: int
    own: list[str]
    # 0-based columns covered by a merge anchored in an earlier row, with the anchor's text.
    from_above: dict[int, str]
    # Columns covered by a merge anchored further left in this row that spills into another field.
    spilled: dict[int, str]
    # Text left in cells under a merge: Excel does not show it, so it is reported and not read.
    hidden: dict[int, str]


class _SheetReader:
    columns: _Columns
    grid: _Grid

    def __init__(self, source: SheetSource) -> None:
        self.source = source
        self.name = source.name
        self.category_from_name = category_in(source.name)
        self.problems: list[RowProblem] = list(source.problems)
        self.items: list[RawItem] = []
        self.kinds: dict[str, int] = {}
        self.classified: dict[int, str] = {}
        self.rows_read = 0
        self.current: _Builder | None = None
        self.section_category: str | None = None
        self.seen: dict[tuple[str, str, str], int] = {}
        self.formulas_by_row: dict[int, list[tuple[int, str]]] = {}
        for (row, col), formula in sorted(source.formulas_without_value.items()):
            self.formulas_by_row.setdefault(row, []).append((col, formula))

    # -- helpers -------------------------------------------------------------------------------------

    def problem(self, row: int, col: int | None, reason: str) -> None:
        letter = column_letter(col + 1) if col is not None else None
        self.problems.append(RowProblem(self.name, row, letter, reason))

    def count(self, kind: str, row: int) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind not in ("item", "continuation", "blank", "merged_blank"):
            self.classified[row] = kind

    # -- driver --------------------------------------------------------------------------------------

    def read(self) -> tuple[SheetSummary | None, str]:
        source = self.source
        if source.last_row == 0:
            return None, "empty"
        self.grid = _Grid(_Merges(source.merges, source.last_row, source.last_col))
        rows = source.rows()
        buffered: dict[int, tuple[list[str], dict[int, str]]] = {}
        # The header is within the first rows (plus one for a sub-header row): only those are buffered.
        for number, texts, notes in rows:
            texts = _blank_spaces(texts)
            buffered[number] = (texts, notes)
            self.grid.remember(number, texts)
            if number > HEADER_SEARCH_ROWS:
                break
        columns, why = _find_header(
            self.grid, {number: texts for number, (texts, _) in buffered.items()}, source.last_col, self.name
        )
        if columns is None:
            return None, why
        self.columns = columns
        self.problems.extend(columns.problems)
        self._report_missing_fields()
        data_start = columns.header_rows[-1] + 1
        for number in sorted(buffered):
            texts, notes = buffered[number]
            self.rows_read += 1
            if number < columns.header_rows[0]:
                self.count("title" if any(texts) else "blank", number)
            elif number < data_start:
                self.count("header", number)
            else:
                self.handle_row(number, texts, notes)
        for number, texts, notes in rows:
            texts = _blank_spaces(texts)
            self.grid.remember(number, texts)
            self.rows_read += 1
            self.handle_row(number, texts, notes)
        self.finish_item()
        fields = columns.fields
        summary = SheetSummary(
            name=self.name,
            header_row=columns.header_rows[0],
            columns_mapped={name: column_letter(cols[0] + 1) for name, cols in fields.items()},
            category_from_name=self.category_from_name,
            rows_read=self.rows_read,
            items=len(self.items),
            columns_joined={
                name: [column_letter(col + 1) for col in cols[1:]]
                for name, cols in fields.items()
                if cols[1:]
            },
            row_kinds=dict(self.kinds),
            classified_rows=dict(self.classified),
            hidden=source.hidden,
        )
        return summary, ""

    def _report_missing_fields(self) -> None:
        header_row = self.columns.header_rows[-1]
        for name in ("category", "basis", "subject", "stage_or_content"):
            if name in self.columns.fields:
                continue
            label = FIELD_LABELS[name]
            if name == "category" and self.category_from_name:
                reason = f"no {label} column; items take {self.category_from_name!r} from the sheet name"
            else:
                reason = f"no {label} column"
            self.problems.append(RowProblem(self.name, header_row, None, reason))

    # -- one row -------------------------------------------------------------------------------------

    def view(self, number: int, texts: list[str]) -> _RowView:
        own: list[str] = []
        from_above: dict[int, str] = {}
        spilled: dict[int, str] = {}
        hidden: dict[int, str] = {}
        field_of = self.columns.field_of
        for col in range(max(len(texts), self.source.last_col)):
            text = texts[col] if col < len(texts) else ""
            anchor = self.grid.covering(number, col)
            if anchor is None:
                own.append(text)
                continue
            # Excel shows only the anchor's text over a merged range; anything left under it is hidden.
            own.append("")
            if text:
                hidden[col] = text
            value = self.grid.value_of_anchor(anchor)
            if anchor[0] < number:
                from_above[col] = value
            elif value and field_of.get(anchor[1]) != field_of.get(col):
                spilled[col] = value
        return _RowView(number, own, from_above, spilled, hidden)

    def handle_row(self, number: int, texts: list[str], notes: dict[int, str]) -> None:
        for col, note in sorted(notes.items()):
            self.problem(number, col, note)
        for col, formula in self.formulas_by_row.get(number, []):
            shown = f"={formula}" if formula else "a shared formula"
            self.problem(
                number,
                col,
                f"formula {shown} was saved without its result (the file was never recalculated), so it "
                "reads as blank; open and save the file in Excel or WPS",
            )
        row = self.view(number, texts)
        if row.hidden:
            # One report per row: 文化旅游局 hides a whole 县市区级 row under each item's merges.
            cols = sorted(row.hidden)
            letters = ", ".join(column_letter(col + 1) for col in cols)
            self.problem(
                number,
                cols[0],
                f"text in {letters} lies under merged cells, so Excel does not show it and it is not read "
                f"(first: {_short(row.hidden[cols[0]])!r})",
            )
        filled = [col for col, text in enumerate(row.own) if text]
        if not filled:
            if row.from_above:
                # Layout rows under an item's merged cells belong to it.
                self.count("merged_blank", number)
                if self.current is not None:
                    self.current.item.last_row = number
            else:
                # A truly blank row ends the item: only a row directly below may continue it.
                self.count("blank", number)
                self.finish_item()
            return
        kind = self.classify(row, filled)
        if kind is not None:
            self.count(kind, number)
            return
        self.place(row, filled)

    def classify(self, row: _RowView, filled: list[int]) -> str | None:
        """Rows that are not items: a repeated header, a total, a note, a section heading."""
        columns = self.columns
        hits = sum(
            1
            for col in filled
            if len(row.own[col]) <= 30 and _match_field(row.own[col]) == columns.field_of.get(col)
        )
        if hits >= HEADER_MIN_FIELDS:
            return "header"
        first_col = filled[0]
        first = row.own[first_col]
        first_key = _header_key(first[:60])
        # Totals, notes and signatures start at the left edge; a 备注 cell further right is data.
        at_left = first_col <= columns.fields["name"][0]
        if at_left and _TOTAL.match(first_key):
            self.finish_item()
            return "total"
        if at_left and _NOTE.match(first_key):
            return "note"
        if len(filled) == 1:
            span = self.grid.merges.span(row.number, first_col)
            in_seq = first_col in columns.fields.get("seq", [])
            numbered = bool(_SECTION_NUMBER.match(first_key))
            category = category_in(first_key) if len(first_key) <= 40 else None
            if category and (span >= 3 or in_seq or numbered):
                self.finish_item()
                self.section_category = category
                return "section"
            if span >= 3 or (in_seq and not _SEQ_LIKE.match(first) and len(first_key) > 6):
                return "note"
        return None

    def field_value(self, row: _RowView, name: str, inherit: bool) -> str:
        """A field's text in a row: own cells, or with inherit also cells merged down from above."""
        cols = self.columns.fields.get(name)
        if not cols:
            return ""
        parts: list[str] = []
        for col in cols:
            text = row.own[col] or row.spilled.get(col, "")
            if not text and inherit:
                text = row.from_above.get(col, "")
            # The same text in both columns of a field (商务局 row 23 repeats H in I) is read once.
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        if not parts:
            for col in self.columns.duplicates.get(name, []):
                if row.own[col]:
                    self.problem(
                        row.number,
                        cols[0],
                        f"{FIELD_LABELS[name]} is blank here; read the duplicate column {column_letter(col + 1)}",
                    )
                    parts.append(row.own[col])
                    break
        joined = "\n".join(parts)
        return _collapse_label(joined) if name in _LABEL_FIELDS else _clean_text(joined)

    def place(self, row: _RowView, filled: list[int]) -> None:
        if row.spilled:
            cols = sorted(row.spilled)
            anchor = self.grid.covering(row.number, cols[0])
            letters = ", ".join(column_letter(col + 1) for col in cols)
            self.problem(
                row.number,
                anchor[1] if anchor else cols[0],
                f"a cell merged across columns of different fields; its text is read for {letters} too",
            )
        seq = self.field_value(row, "seq", inherit=False)
        name = self.field_value(row, "name", inherit=False)
        sub = self.field_value(row, "sub_name", inherit=False)
        current = self.current
        if not (seq or name or sub):
            if current is None:
                self.count("rejected", row.number)
                self.problem(
                    row.number,
                    filled[0],
                    "no 序号, 事项名称 or 子项名称, and no item directly above for the row to continue",
                )
                return
            self.count("continuation", row.number)
            self.continue_item(current, row)
            return
        seq_cols = self.columns.fields.get("seq", [])
        if not name and not sub and all(col in seq_cols for col in filled):
            self.count("rejected", row.number)
            self.problem(row.number, filled[0], f"only 序号 {seq!r} is filled in; the row is not read")
            return
        if current is not None:
            cur_seq, cur_name, cur_sub = current.identity
            if seq in ("", cur_seq) and name in ("", cur_name) and sub in ("", cur_sub):
                # The item's 序号/名称 written again on its next row (filled down rather than merged).
                self.count("continuation", row.number)
                self.continue_item(current, row)
                return
        self.count("item", row.number)
        self.start_item(row)

    # -- items ---------------------------------------------------------------------------------------

    def start_item(self, row: _RowView) -> None:
        previous = self.current.item if self.current is not None else None
        self.finish_item()
        values = {
            name: self.field_value(row, name, inherit=True) for name in ITEM_FIELDS + RESPONSIBILITY_FIELDS
        }
        fields = self.columns.fields
        name_col = fields["name"][0]
        if previous is not None and not values["name"] and values["sub_name"]:
            # A further 子项 of the 事项 above, its name cell left blank rather than merged.
            values["name"] = previous.name
        if previous is not None and not values["seq"] and values["name"] == previous.name:
            values["seq"] = previous.seq
        if not values["name"]:
            self.problem(row.number, name_col, "事项名称 is blank")
        if not values["seq"] and "seq" in fields:
            self.problem(row.number, fields["seq"][0], "序号 is blank")
        category, source = self._category(row, values["category"])
        extra = {key: self._extra_text(row, col, inherit=True) for col, key in self.columns.extra.items()}
        item = RawItem(
            sheet=self.name,
            first_row=row.number,
            last_row=row.number,
            seq=values["seq"],
            name=values["name"],
            sub_name=values["sub_name"] or None,
            category=category,
            category_source=source,
            basis=values["basis"],
            subject=values["subject"],
            handling_unit=values["handling_unit"],
            level=values["level"],
            duty=values["duty"],
            responsibilities=[],
            note=values["note"],
            extra={key: text for key, text in extra.items() if text},
        )
        responsibility = [values[name] for name in RESPONSIBILITY_FIELDS]
        if any(responsibility):
            item.responsibilities.append(_responsibility(responsibility, row.number))
        identity = (item.seq, item.name, item.sub_name or "")
        if item.name and identity in self.seen:
            self.problem(
                row.number,
                name_col,
                f"the same 序号, 事项名称 and 子项名称 as the item at row {self.seen[identity]}",
            )
        self.seen.setdefault(identity, row.number)
        self.current = _Builder(item, identity)

    def _category(self, row: _RowView, written: str) -> tuple[str, str]:
        column = self.columns.fields.get("category", [None])[0]
        if written:
            if self.category_from_name and written != self.category_from_name:
                self.problem(
                    row.number,
                    column,
                    f"权力类型 {written!r} differs from the sheet name's {self.category_from_name!r}; "
                    f"kept {written!r}",
                )
            return written, "column"
        if self.section_category:
            category, source, origin = self.section_category, "section", "the section heading above"
        elif self.category_from_name:
            category, source, origin = self.category_from_name, "sheet", "the sheet name"
        else:
            category, source, origin = "", "", ""
        if column is not None:
            taken = f"; took {category!r} from {origin}" if category else ""
            self.problem(row.number, column, f"权力类型 is blank{taken}")
        elif not category:
            self.problem(row.number, None, "no 权力类型: no such column, section heading or sheet name")
        return category, source

    def _extra_text(self, row: _RowView, col: int, inherit: bool) -> str:
        text = row.own[col]
        if not text and inherit:
            text = row.from_above.get(col, "")
        return _clean_text(text)

    def continue_item(self, builder: _Builder, row: _RowView) -> None:
        item = builder.item
        item.last_row = row.number
        for name in ITEM_FIELDS:
            if name in ("seq", "name", "sub_name"):
                continue
            text = self.field_value(row, name, inherit=False)
            existing = getattr(item, name)
            if not text or text == existing:
                continue
            col = self.columns.fields[name][0]
            if name == "category" and item.category_source != "column":
                item.category, item.category_source = text, "column"
            elif not existing:
                setattr(item, name, text)
            elif name == "note":
                item.note = f"{existing}\n{text}"
            elif name in _KEEP_FIRST_FIELDS:
                self.problem(
                    row.number,
                    col,
                    f"{FIELD_LABELS[name]} {_short(text)!r} differs from {_short(existing)!r} of the item at "
                    f"row {item.first_row}; kept the first",
                )
            else:
                setattr(item, name, f"{existing}\n{text}")
                self.problem(
                    row.number,
                    col,
                    f"{FIELD_LABELS[name]} differs from that of the item at row {item.first_row}; "
                    "appended this text to it",
                )
        for col, key in self.columns.extra.items():
            text = self._extra_text(row, col, inherit=False)
            if text and text != item.extra.get(key):
                item.extra[key] = f"{item.extra[key]}\n{text}" if item.extra.get(key) else text
        self.continue_responsibility(item, row)

    def continue_responsibility(self, item: RawItem, row: _RowView) -> None:
        values = [self.field_value(row, name, inherit=False) for name in RESPONSIBILITY_FIELDS]
        if not any(values):
            return
        content_cols = self.columns.fields.get("stage_or_content", [])
        same_stage = bool(content_cols) and content_cols[0] in row.from_above
        if item.responsibilities and (same_stage or not values[0]):
            # The stage's 责任事项内容 is merged down or left blank: the row adds to that stage.
            last = item.responsibilities[-1]
            for attr, text in zip(_RESPONSIBILITY_ATTRS, values, strict=True):
                existing = getattr(last, attr)
                if text and text != existing:
                    setattr(last, attr, f"{existing}\n{text}" if existing else text)
            return
        item.responsibilities.append(_responsibility(values, row.number))

    def finish_item(self) -> None:
        if self.current is not None:
            self.items.append(self.current.item)
            self.current = None


_RESPONSIBILITY_ATTRS = ("stage_or_content", "basis", "accountable", "accountability_cases")


def _responsibility(values: list[str], row: int) -> RawResponsibility:
    content, basis, accountable, cases = values
    return RawResponsibility(content, basis, accountable, cases, row)


def _blank_spaces(texts: list[str]) -> list[str]:
    """A cell of only spaces reads as blank (农业农村局 has a " " below a table)."""
    return [text if text.strip() else "" for text in texts]


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------
# Entry point


def read_workbook(path: Path, *, max_rows: int = 100_000) -> WorkbookResult:
    """Reads every sheet of a 权责清单 workbook that has a recognisable header.

    Raises WorkbookError, with a one-line reason, when the file is not a readable workbook (damaged,
    encrypted, another kind of file under an Excel name), when no sheet has a header, or when a sheet has
    data past max_rows. Everything about single rows is reported in problems instead.
    """
    path = Path(path)
    kind = sniff(path)
    closers: list[Callable[[], None]] = []
    try:
        if kind == "zip":
            file_format, sources = open_xlsx(path, max_rows, closers)
        else:
            file_format, sources = open_xls(path, max_rows)
        sheets: list[SheetSummary] = []
        items: list[RawItem] = []
        problems: list[RowProblem] = []
        skipped: dict[str, str] = {}
        for source in sources:
            reader = _SheetReader(source)
            summary, why = reader.read()
            if summary is None:
                skipped[source.name] = why
                if why != "empty":
                    problems.append(RowProblem(source.name, 0, None, f"sheet not read: {why}"))
                continue
            if source.hidden:
                problems.append(
                    RowProblem(source.name, 0, None, "the sheet is hidden in the workbook; read anyway")
                )
            sheets.append(summary)
            items.extend(reader.items)
            problems.extend(reader.problems)
    finally:
        for close in closers:
            close()
    if not sheets:
        if not skipped:
            raise WorkbookError(f"{path.name} has no sheets")
        reasons = "; ".join(f"{name!r}: {why}" for name, why in skipped.items())
        raise WorkbookError(f"{path.name} has no sheet with a recognisable header ({reasons})")
    problems.sort(key=lambda p: (_sheet_order(sheets, skipped, p.sheet), p.row, column_index(p.column or "")))
    return WorkbookResult(
        file=path, format=file_format, sheets=sheets, items=items, problems=problems, skipped_sheets=skipped
    )


def _sheet_order(sheets: list[SheetSummary], skipped: dict[str, str], name: str) -> int:
    for index, sheet in enumerate(sheets):
        if sheet.name == name:
            return index
    return len(sheets) + list(skipped).index(name) if name in skipped else len(sheets) + len(skipped)
