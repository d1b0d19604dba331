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
it is about. Only a file that cannot be read as a workbook at all raises WorkbookError. Reports and
errors are in Chinese, with the English beside them (RowProblem.reason_en, WorkbookError.message_en).

Finding the header and what each column holds is headers.py; opening the file and rendering cells is
sheetfiles.py. Their public names are importable from here too.

Reading is streaming for .xlsx: a first pass over the sheet XML finds merged ranges, formulas without a
cached value and the used size (stopping as soon as a sheet passes max_rows), then openpyxl's read-only
reader yields the values. openpyxl's read-only mode does not expose merged cells and its normal mode
loads the whole sheet into memory, hence the two passes. An .xls is at most 65,536 rows, so xlrd reads
it whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from liuquan.powers.headers import (
    CATEGORIES,
    FIELD_ALIASES,
    FIELD_LABELS,
    HEADER_MIN_FIELDS,
    HEADER_SEARCH_ROWS,
    ITEM_FIELDS,
    RESPONSIBILITY_FIELDS,
    Columns,
    Grid,
    Merges,
    category_in,
    collapse_label,
    find_header,
    header_key,
    match_field,
)
from liuquan.powers.sheetfiles import (
    Message,
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
    "HEADER_MIN_FIELDS",
    "HEADER_SEARCH_ROWS",
    "ITEM_FIELDS",
    "RESPONSIBILITY_FIELDS",
    "Message",
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
    # Sheets without a recognisable header, with the reason (an empty Sheet2 is the usual one: EMPTY_SHEET).
    skipped_sheets: dict[str, Message] = field(default_factory=dict)


EMPTY_SHEET = Message("空工作表", "empty")


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


def _clean_text(text: str) -> str:
    """Long text keeps its line breaks (they separate numbered points); only the ends are trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


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
    columns: Columns
    grid: Grid

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

    def problem(self, row: int, col: int | None, reason: str, reason_en: str) -> None:
        letter = column_letter(col + 1) if col is not None else None
        self.problems.append(RowProblem(self.name, row, letter, reason, reason_en))

    def count(self, kind: str, row: int) -> None:
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind not in ("item", "continuation", "blank", "merged_blank"):
            self.classified[row] = kind

    # -- driver --------------------------------------------------------------------------------------

    def read(self) -> tuple[SheetSummary | None, Message | None]:
        """The sheet's summary, or None and why the sheet was not read."""
        source = self.source
        if source.last_row == 0:
            return None, EMPTY_SHEET
        self.grid = Grid(Merges(source.merges, source.last_row, source.last_col))
        rows = source.rows()
        buffered: dict[int, tuple[list[str], dict[int, Message]]] = {}
        # The header is within the first rows (plus one for a sub-header row): only those are buffered.
        for number, texts, notes in rows:
            texts = _blank_spaces(texts)
            buffered[number] = (texts, notes)
            self.grid.remember(number, texts)
            if number > HEADER_SEARCH_ROWS:
                break
        columns, why = find_header(
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
        return summary, None

    def _report_missing_fields(self) -> None:
        header_row = self.columns.header_rows[-1]
        for name in ("category", "basis", "subject", "stage_or_content"):
            if name in self.columns.fields:
                continue
            label = FIELD_LABELS[name]
            if name == "category" and self.category_from_name:
                taken = self.category_from_name
                reason = f"没有{label}列；各事项按工作表名称取“{taken}”"
                reason_en = f"no {label} column; items take {taken!r} from the sheet name"
            else:
                reason, reason_en = f"没有{label}列", f"no {label} column"
            self.problems.append(RowProblem(self.name, header_row, None, reason, reason_en))

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

    def handle_row(self, number: int, texts: list[str], notes: dict[int, Message]) -> None:
        for col, note in sorted(notes.items()):
            self.problem(number, col, note.zh, note.en)
        for col, formula in self.formulas_by_row.get(number, []):
            shown = f"公式 ={formula} " if formula else "共享公式"
            shown_en = f"={formula}" if formula else "a shared formula"
            self.problem(
                number,
                col,
                f"{shown}保存时没有计算结果（文件从未重新计算），读作空白；请在 Excel 或 WPS 中打开并保存后再导入",
                f"formula {shown_en} was saved without its result (the file was never recalculated), so it "
                "reads as blank; open and save the file in Excel or WPS",
            )
        row = self.view(number, texts)
        if row.hidden:
            # One report per row: 文化旅游局 hides a whole 县市区级 row under each item's merges.
            cols = sorted(row.hidden)
            first = _short(row.hidden[cols[0]])
            self.problem(
                number,
                cols[0],
                f"{_letters_zh(cols)}列有文字被合并单元格遮住，Excel 中看不到，未读取（第一处：“{_one_line(first)}”）",
                f"text in {_letters(cols)} lies under merged cells, so Excel does not show it and it is not read "
                f"(first: {first!r})",
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
            if len(row.own[col]) <= 30 and match_field(row.own[col]) == columns.field_of.get(col)
        )
        if hits >= HEADER_MIN_FIELDS:
            return "header"
        first_col = filled[0]
        first = row.own[first_col]
        first_key = header_key(first[:60])
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
                    label, letter = FIELD_LABELS[name], column_letter(col + 1)
                    self.problem(
                        row.number,
                        cols[0],
                        f"{label}此处为空；改读重复的{letter}列",
                        f"{label} is blank here; read the duplicate column {letter}",
                    )
                    parts.append(row.own[col])
                    break
        joined = "\n".join(parts)
        return collapse_label(joined) if name in _LABEL_FIELDS else _clean_text(joined)

    def place(self, row: _RowView, filled: list[int]) -> None:
        if row.spilled:
            cols = sorted(row.spilled)
            anchor = self.grid.covering(row.number, cols[0])
            self.problem(
                row.number,
                anchor[1] if anchor else cols[0],
                f"单元格合并跨越了不同栏目的列；其文字也作为{_letters_zh(cols)}列的内容读取",
                f"a cell merged across columns of different fields; its text is read for {_letters(cols)} too",
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
                    "序号、事项名称、子项名称都为空，上方也没有紧邻的事项可接续",
                    "no 序号, 事项名称 or 子项名称, and no item directly above for the row to continue",
                )
                return
            self.count("continuation", row.number)
            self.continue_item(current, row)
            return
        seq_cols = self.columns.fields.get("seq", [])
        if not name and not sub and all(col in seq_cols for col in filled):
            self.count("rejected", row.number)
            self.problem(
                row.number,
                filled[0],
                f"只填了序号“{seq}”；该行未读取",
                f"only 序号 {seq!r} is filled in; the row is not read",
            )
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
            self.problem(row.number, name_col, "事项名称为空", "事项名称 is blank")
        if not values["seq"] and "seq" in fields:
            self.problem(row.number, fields["seq"][0], "序号为空", "序号 is blank")
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
            first = self.seen[identity]
            self.problem(
                row.number,
                name_col,
                f"序号、事项名称和子项名称与第{first}行的事项相同",
                f"the same 序号, 事项名称 and 子项名称 as the item at row {first}",
            )
        self.seen.setdefault(identity, row.number)
        self.current = _Builder(item, identity)

    def _category(self, row: _RowView, written: str) -> tuple[str, str]:
        column = self.columns.fields.get("category", [None])[0]
        if written:
            named = self.category_from_name
            if named and written != named:
                self.problem(
                    row.number,
                    column,
                    f"权力类型“{written}”与工作表名称中的“{named}”不一致；保留“{written}”",
                    f"权力类型 {written!r} differs from the sheet name's {named!r}; kept {written!r}",
                )
            return written, "column"
        if self.section_category:
            category, source = self.section_category, "section"
            origin, origin_en = "上方的分节标题", "the section heading above"
        elif self.category_from_name:
            category, source = self.category_from_name, "sheet"
            origin, origin_en = "工作表名称", "the sheet name"
        else:
            category, source, origin, origin_en = "", "", "", ""
        if column is not None:
            taken = f"；按{origin}取“{category}”" if category else ""
            taken_en = f"; took {category!r} from {origin_en}" if category else ""
            self.problem(row.number, column, f"权力类型为空{taken}", f"权力类型 is blank{taken_en}")
        elif not category:
            self.problem(
                row.number,
                None,
                "没有权力类型：既没有权力类型列，也没有分节标题或工作表名称可依",
                "no 权力类型: no such column, section heading or sheet name",
            )
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
                label, new, kept = FIELD_LABELS[name], _short(text), _short(existing)
                self.problem(
                    row.number,
                    col,
                    f"{label}“{_one_line(new)}”与第{item.first_row}行事项的“{_one_line(kept)}”不同；保留前者",
                    f"{label} {new!r} differs from {kept!r} of the item at row {item.first_row}; kept the first",
                )
            else:
                setattr(item, name, f"{existing}\n{text}")
                label = FIELD_LABELS[name]
                self.problem(
                    row.number,
                    col,
                    f"{label}与第{item.first_row}行事项的不同；已把本行文字接在其后",
                    f"{label} differs from that of the item at row {item.first_row}; appended this text to it",
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


def _one_line(text: str) -> str:
    """Cell text quoted in a Chinese report: line breaks would split the report (the English uses repr)."""
    return " ".join(text.split())


def _letters(cols: list[int]) -> str:
    return ", ".join(column_letter(col + 1) for col in cols)


def _letters_zh(cols: list[int]) -> str:
    return "、".join(column_letter(col + 1) for col in cols)


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
        skipped: dict[str, Message] = {}
        for source in sources:
            reader = _SheetReader(source)
            summary, why = reader.read()
            if summary is None:
                why = why or EMPTY_SHEET
                skipped[source.name] = why
                if why != EMPTY_SHEET:
                    problems.append(
                        RowProblem(
                            source.name, 0, None, f"工作表未读取：{why.zh}", f"sheet not read: {why.en}"
                        )
                    )
                continue
            if source.hidden:
                problems.append(
                    RowProblem(
                        source.name,
                        0,
                        None,
                        "该工作表在工作簿中是隐藏的；仍已读取",
                        "the sheet is hidden in the workbook; read anyway",
                    )
                )
            sheets.append(summary)
            items.extend(reader.items)
            problems.extend(reader.problems)
    finally:
        for close in closers:
            close()
    if not sheets:
        if not skipped:
            raise WorkbookError(f"{path.name} 中没有工作表", message_en=f"{path.name} has no sheets")
        reasons = "；".join(f"“{name}”：{why.zh}" for name, why in skipped.items())
        reasons_en = "; ".join(f"{name!r}: {why.en}" for name, why in skipped.items())
        raise WorkbookError(
            f"{path.name} 中没有能识别出表头的工作表（{reasons}）",
            message_en=f"{path.name} has no sheet with a recognisable header ({reasons_en})",
        )
    problems.sort(key=lambda p: (_sheet_order(sheets, skipped, p.sheet), p.row, column_index(p.column or "")))
    return WorkbookResult(
        file=path, format=file_format, sheets=sheets, items=items, problems=problems, skipped_sheets=skipped
    )


def _sheet_order(sheets: list[SheetSummary], skipped: dict[str, Message], name: str) -> int:
    for index, sheet in enumerate(sheets):
        if sheet.name == name:
            return index
    return len(sheets) + list(skipped).index(name) if name in skipped else len(sheets) + len(skipped)
