"""Finding a 权责清单 sheet's header and what each column holds (pure; no Django).

The fields a list has and the names lists give them (FIELD_ALIASES), the ten 权力类型 (CATEGORIES), merged
ranges as the header search needs them, and the search itself: a header row within the first
HEADER_SEARCH_ROWS rows, possibly two rows (group headings over sub-headings), mapped to fields with every
unusual column reported. workbook.py reads the rows below the header this finds.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from liuquan.powers.sheetfiles import Message, RowProblem, column_letter

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

# Header aliases per field, compared after header_key() (NFKC, no whitespace, no * marks). The first of
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

_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_WHITESPACE = re.compile(r"\s+")


def header_key(text: str) -> str:
    """The form a header is compared in: NFKC (full-width brackets become ASCII), no whitespace, no marks."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).strip("*※★☆")


_ALIAS_INDEX: dict[str, str] = {}
for _field_name, _aliases in FIELD_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_INDEX.setdefault(header_key(_alias), _field_name)


@functools.lru_cache(maxsize=4096)
def match_field(text: str) -> str | None:
    """The field a header names, trying it as written, then without trailing (…) notes.

    As written first, so that 事项名称（子项） is 子项名称 and not 事项名称 once its note is dropped.
    """
    key = header_key(text)
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


def collapse_label(text: str) -> str:
    """Removes whitespace that only wraps Chinese text; a single space stays between Latin words."""

    def replace(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if not before or not after or _is_wide(before) or _is_wide(after):
            return ""
        return " "

    return _WHITESPACE.sub(replace, text).strip()


def category_in(text: str) -> str | None:
    """The 权力类型 a sheet name or a section heading names: 行政处罚（254项） → 行政处罚."""
    key = header_key(text)
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
class Columns:
    """How the header's columns (0-based) map to fields."""

    header_rows: tuple[int, ...]
    fields: dict[str, list[int]]
    duplicates: dict[str, list[int]]
    # Columns kept in RawItem.extra: unknown headers, duplicates, and data under no header.
    extra: dict[int, str]
    labels: dict[int, str]
    field_of: dict[int, str]
    problems: list[RowProblem]


class Merges:
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


class Grid:
    """Rows seen so far, enough to resolve merged cells: anchors' values are kept, the rest dropped."""

    def __init__(self, merges: Merges) -> None:
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
            found = match_field(text)
            if found is not None and found not in hits:
                hits[found] = col
    return hits


def _header_qualifies(hits: dict[str, int]) -> bool:
    return "name" in hits and len(hits) >= HEADER_MIN_FIELDS


def _resolved(grid: Grid, rows: dict[int, list[str]], row: int, col: int) -> str:
    """A header cell's text, taking a merged cell's text for every cell it covers."""
    anchor = grid.covering(row, col)
    if anchor is not None:
        source = rows.get(anchor[0], [])
        return source[anchor[1]] if anchor[1] < len(source) else ""
    texts = rows.get(row, [])
    return texts[col] if col < len(texts) else ""


def _is_subheader(grid: Grid, rows: dict[int, list[str]], top: int, width: int) -> bool:
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
        short = len(header_key(text)) <= 12
        group = _resolved(grid, rows, top, col)
        if not (short or match_field(text) or match_field(group + text)):
            return False
    return seen_any


def _is_group_row(grid: Grid, rows: dict[int, list[str]], row: int, width: int) -> bool:
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


def find_header(
    grid: Grid, rows: dict[int, list[str]], width: int, sheet: str
) -> tuple[Columns | None, Message | None]:
    """The header within the first HEADER_SEARCH_ROWS rows, or None and why there is none."""
    best: tuple[int, int, list[str]] | None = None
    for row in range(1, HEADER_SEARCH_ROWS + 1):
        texts = rows.get(row)
        if not texts:
            continue
        hits = _row_field_hits(texts)
        if _header_qualifies(hits):
            if _is_subheader(grid, rows, row, width):
                return _build_columns(grid, rows, (row, row + 1), width, sheet), None
            if _is_group_row(grid, rows, row - 1, width):
                return _build_columns(grid, rows, (row - 1, row), width, sheet), None
            return _build_columns(grid, rows, (row,), width, sheet), None
        # Group headings over sub-headings may only name enough fields together. A title is one
        # cell, so it is never taken for a row of group headings.
        if sum(1 for text in texts if text) >= 2 and _is_subheader(grid, rows, row, width):
            combined = _build_columns(grid, rows, (row, row + 1), width, sheet)
            if "name" in combined.fields and len(combined.fields) >= HEADER_MIN_FIELDS:
                return combined, None
        if best is None or len(hits) > best[1]:
            best = (row, len(hits), [FIELD_LABELS[name] for name in hits])
    if best is None or best[1] == 0:
        return None, Message(
            f"第1-{HEADER_SEARCH_ROWS}行中没有表头行：没有一个单元格是已知的列名",
            f"no header row in rows 1-{HEADER_SEARCH_ROWS} (no cell names a known column)",
        )
    row, _count, labels = best
    named = "、".join(labels)
    return None, Message(
        f"第1-{HEADER_SEARCH_ROWS}行中没有表头行：表头须有“事项名称”及另外至少{HEADER_MIN_FIELDS - 1}个"
        f"已知列；最接近的第{row}行只有{named}",
        f"no header row in rows 1-{HEADER_SEARCH_ROWS}: a header must name 事项名称 and "
        f"{HEADER_MIN_FIELDS - 1} more known columns; the closest, row {row}, names only {named}",
    )


def _build_columns(
    grid: Grid, rows: dict[int, list[str]], header_rows: tuple[int, ...], width: int, sheet: str
) -> Columns:
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
        texts.append((collapse_label(top), collapse_label(bottom)))
    last_labelled = max((col for col, (top, bottom) in enumerate(texts) if top or bottom), default=-1)

    for col, (top_label, bottom_label) in enumerate(texts):
        label = bottom_label or top_label
        labels[col] = label
        found = next(
            (f for f in (match_field(c) for c in _header_candidates(top_label, bottom_label)) if f), None
        )
        letter = column_letter(col + 1)
        if found is None and not label and col - 1 in field_of and col < last_labelled:
            # A blank header inside the table, right of a field: the header merge over both columns
            # was lost (农业农村局 merged H1:I1 in three of its nine sheets and not in the others).
            found = field_of[col - 1]
            left, label_of_left = column_letter(col), FIELD_LABELS[found]
            problems.append(
                RowProblem(
                    sheet,
                    bottom_row,
                    letter,
                    f"{letter}列没有表头；与左侧的{left}列（{label_of_left}）一并读取，视同该表头合并跨这两列",
                    f"column {letter} has no header; read with column {left} "
                    f"({label_of_left}) to its left, as if that header were merged over both",
                )
            )
        if found is None:
            if label:
                extra[col] = extra_key(label, col)
                problems.append(
                    RowProblem(
                        sheet,
                        bottom_row,
                        letter,
                        f"列名“{label}”不是已知的栏目；其内容作为附加列保留",
                        f"column {label!r} is not a known field; kept in extra",
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
                before = column_letter(previous + 1)
                problems.append(
                    RowProblem(
                        sheet,
                        bottom_row,
                        letter,
                        f"{before}列（“{labels[previous]}”）和{letter}列（“{label}”）都读作"
                        f"{FIELD_LABELS[found]}；两列文字合并",
                        f"columns {before} ({labels[previous]!r}) and {letter} "
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
                f"表头“{label}”重复（首次出现在{first_letter}列）；读取{first_letter}列，本列作为附加列“{key}”"
                f"保留，{first_letter}列为空时改读本列",
                f"duplicate header {label!r} (first in column {first_letter}); the first column is read and "
                f"this one kept in extra[{key!r}], and used where the first is blank",
            )
        )
    return Columns(header_rows, fields, duplicates, extra, labels, field_of, problems)
