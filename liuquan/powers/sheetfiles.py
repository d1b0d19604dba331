"""Opening 权责清单 spreadsheets as files: what kind of file it really is, .xls through xlrd, .xlsx
in two streaming passes (merged ranges and sizes from the sheet XML, values from openpyxl's read-only
reader), and rendering cell values as the sheet shows them (pure; no Django). workbook.py reads the
rows these sources yield.

Every message meant for a person is bilingual: Chinese first (the console and the CLI show it), English
beside it for the English console. Details that come from a library (xlrd, openpyxl, zipfile, expat)
are quoted as the library wrote them.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import posixpath
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import xlrd  # type: ignore[import-untyped, unused-ignore]

# Columns past this with a value are reported rather than read: no real list is that wide, and a sheet
# formatted to column XFD would otherwise make every row 16,384 cells.
MAX_COLUMNS = 200


@dataclass(frozen=True)
class Message:
    """One thing said to a person, in Chinese (shown by default) and in English."""

    zh: str
    en: str


@dataclass(frozen=True)
class RowProblem:
    """Something a person should look at. row is 1-based as Excel shows it; 0 means the sheet as a whole.

    reason is Chinese, reason_en the same in English; neither repeats the sheet, row or column.
    """

    sheet: str
    row: int
    column: str | None
    reason: str
    reason_en: str


class WorkbookError(ValueError):
    """The file as a whole cannot be read as a 权责清单 workbook.

    message (also str() of the error) is one Chinese line saying why and naming the file; message_en
    says the same in English.
    """

    def __init__(self, message: str, *, message_en: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


# Stream names in an OLE2 directory are UTF-16LE; a byte search finds them without a CFB parser.
_OLE_ENCRYPTED = _utf16("EncryptedPackage")
_OLE_WORKBOOK = (_utf16("Workbook") + b"\x00\x00", _utf16("Book") + b"\x00\x00")
_OLE_WORD = _utf16("WordDocument")
_OLE_POWERPOINT = _utf16("PowerPoint Document")

_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(index: int) -> str:
    """1-based column index to its letter(s): 1 → A, 28 → AB."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


# ---------------------------------------------------------------------------------------------------
# Cell values


def _render_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return format(value, ".15g")


def _render_date(value: dt.datetime | dt.date | dt.time) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return value.isoformat()


def _date_note(text: str) -> Message:
    return Message(
        f"单元格为日期格式，读作日期 {text}；请核对是否确实是日期",
        f"a date-formatted cell, read as the date {text}; check that a date was meant",
    )


def _error_note(shown: str) -> Message:
    return Message(f"单元格显示错误值 {shown}，按空白读取", f"the cell shows the error {shown}; left blank")


def _render_openpyxl(value: Any, data_type: str) -> tuple[str, Message | None]:
    """A read-only openpyxl cell as (text, note); note says what a reviewer should know about it."""
    if value is None:
        return "", None
    if data_type == "e":
        return "", _error_note(str(value))
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        return _render_number(value), None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        text = _render_date(value)
        return text, _date_note(text)
    if isinstance(value, dt.timedelta):
        return str(value), Message(
            f"单元格为时长格式，读作 {value}", f"a duration-formatted cell, read as {value}"
        )
    return str(value), None


def _render_xlrd(cell: Any, datemode: int) -> tuple[str, Message | None]:
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return "", None
    if kind == xlrd.XL_CELL_TEXT:
        return str(cell.value), None
    if kind == xlrd.XL_CELL_NUMBER:
        return _render_number(float(cell.value)), None
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            text = _render_number(float(cell.value))
            return text, Message(
                f"单元格为日期格式，但其中的数值 {text} 不是有效日期；按数字读取",
                f"a date-formatted cell holding {text}, which is not a valid date; kept the number",
            )
        text = _render_date(moment)
        return text, _date_note(text)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return ("TRUE" if cell.value else "FALSE"), None
    if kind == xlrd.XL_CELL_ERROR:
        error = xlrd.error_text_from_code.get(cell.value, f"#ERR{cell.value}")
        return "", _error_note(str(error))
    return str(cell.value), None


# ---------------------------------------------------------------------------------------------------
# Sources: one per file format, each yielding a sheet's rows as text


@dataclass
class SheetSource:
    name: str
    hidden: bool
    # (min_row, min_col, max_row, max_col), 1-based and inclusive.
    merges: list[tuple[int, int, int, int]]
    # Rows 1..last_row in order: (row number, cell texts from column A, notes by 0-based column).
    rows: Callable[[], Iterator[tuple[int, list[str], dict[int, Message]]]]
    last_row: int
    last_col: int
    # Formula cells saved without a result, by (row, 0-based column): the formula text.
    formulas_without_value: dict[tuple[int, int], str] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)


def _size_error(file: str, sheet: str, row: int, max_rows: int) -> WorkbookError:
    return WorkbookError(
        f"{file}：工作表“{sheet}”第{row:,}行仍有数据，超过上限{max_rows:,}行；请拆分清单或调高上限",
        message_en=f"{file}: sheet {sheet!r} has data in row {row:,}, past the limit of {max_rows:,} rows; "
        "split the list or raise max_rows",
    )


def _columns_cut(sheet: str) -> RowProblem:
    return RowProblem(
        sheet,
        0,
        column_letter(MAX_COLUMNS + 1),
        f"第{MAX_COLUMNS}列以后的列不读取",
        f"columns past {MAX_COLUMNS} are not read",
    )


_OS_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
}


def _damaged(name: str, kind: str, error: BaseException) -> WorkbookError:
    """A file whose container or parts a library failed on; the library's words are kept as detail."""
    detail = f"{type(error).__name__}: {error}"
    return WorkbookError(
        f"{name} 是损坏的 {kind} 文件，无法读取（{detail}）",
        message_en=f"{name} is a damaged {kind} file ({detail})",
    )


_RESAVE_ZH = "请用 Excel 或 WPS 打开后另存为 .xlsx"
_RESAVE_EN = "open it in Excel or WPS and save it as .xlsx"


def sniff(path: Path) -> str:
    """Which reader the file needs, from its first bytes rather than its name (lists are often renamed)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:
        reason_en = error.strerror or str(error)
        reason = _OS_REASONS.get(error.errno or 0, reason_en)
        raise WorkbookError(
            f"无法打开 {path.name}：{reason}", message_en=f"cannot open {path.name}: {reason_en}"
        ) from error
    if not head:
        raise WorkbookError(f"{path.name} 是空文件（0 字节）", message_en=f"{path.name} is empty (0 bytes)")
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    if head.startswith(_OLE2_MAGIC):
        return "ole2"
    if head[:1] == b"\x09" and head[1:2] in (b"\x00", b"\x02", b"\x04", b"\x08"):
        # A bare BIFF2-4 stream, as Excel 2.x-4.x wrote: xlrd reads it.
        return "biff"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if text.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise WorkbookError(
                f"{path.name} 是 Excel 2003 XML 表格，不受支持；{_RESAVE_ZH}",
                message_en=f"{path.name} is an Excel 2003 XML spreadsheet, which is not supported; "
                f"{_RESAVE_EN}",
            )
        if b"<html" in text or b"<table" in text or b"<!doctype html" in text:
            raise WorkbookError(
                f"{path.name} 是用 Excel 文件名保存的网页（HTML），不是工作簿；{_RESAVE_ZH}",
                message_en=f"{path.name} is a web page (HTML) saved under an Excel name, not a workbook; "
                f"{_RESAVE_EN}",
            )
        raise WorkbookError(
            f"{path.name} 是 XML 或 HTML 文本文件，不是 Excel 工作簿",
            message_en=f"{path.name} is an XML or HTML text file, not an Excel workbook",
        )
    if head.startswith(b"%PDF"):
        raise WorkbookError(
            f"{path.name} 是 PDF 文档，不是 Excel 工作簿",
            message_en=f"{path.name} is a PDF document, not an Excel workbook",
        )
    if b"\x00" not in head:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                continue
            raise WorkbookError(
                f"{path.name} 是纯文本文件（可能是 CSV），不是 Excel 工作簿；{_RESAVE_ZH}",
                message_en=f"{path.name} is a plain text (CSV?) file, not an Excel workbook; {_RESAVE_EN}",
            )
    start = head[:8].hex(" ")
    raise WorkbookError(
        f"{path.name} 不是 Excel 工作簿（无法识别的内容，开头字节为 {start}）",
        message_en=f"{path.name} is not an Excel workbook (unrecognised content starting {start})",
    )


# --- .xls ------------------------------------------------------------------------------------------


def open_xls(path: Path, max_rows: int) -> tuple[str, list[SheetSource]]:
    data = path.read_bytes()
    if data.startswith(_OLE2_MAGIC):
        if _OLE_ENCRYPTED in data:
            raise _encrypted(path.name, ".xlsx")
        if not any(name in data for name in _OLE_WORKBOOK):
            if _OLE_WORD in data:
                raise _other_office(path.name, "一个 Word 文档", "a Word document", ".doc")
            if _OLE_POWERPOINT in data:
                raise _other_office(path.name, "一个 PowerPoint 演示文稿", "a PowerPoint file", ".ppt")
    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, logfile=io.StringIO(), ragged_rows=False
        )
    except xlrd.XLRDError as error:
        message = str(error)
        if "encrypted" in message.lower():
            raise _encrypted(path.name, ".xls") from error
        if "Can't find workbook" in message:
            raise WorkbookError(
                f"{path.name} 是 OLE2 复合文件，但其中没有工作簿",
                message_en=f"{path.name} is an OLE2 compound file without a workbook in it",
            ) from error
        raise WorkbookError(
            f"{path.name} 是损坏的 .xls 文件，无法读取（{message}）",
            message_en=f"{path.name} is a damaged .xls file ({message})",
        ) from error
    except Exception as error:  # xlrd fails on damaged files with assorted low-level errors
        raise _damaged(path.name, ".xls", error) from error

    sources = []
    for sheet in book.sheets():
        sources.append(_xls_sheet(book, sheet, max_rows, path.name))
    return "xls", sources


def _encrypted(name: str, kind: str) -> WorkbookError:
    return WorkbookError(
        f"{name} 已加密（设置了打开密码），请去掉密码后另存再导入",
        message_en=f"{name} is password-protected (an encrypted {kind}); "
        "remove the password in Excel or WPS and save it again",
    )


def _other_office(name: str, what_zh: str, what_en: str, kind: str) -> WorkbookError:
    return WorkbookError(
        f"{name} 是{what_zh}（{kind}），不是 Excel 工作簿",
        message_en=f"{name} is {what_en} ({kind}) under an Excel name, not a workbook",
    )


def _xls_sheet(book: Any, sheet: Any, max_rows: int, file: str) -> SheetSource:
    name = str(sheet.name)
    last_row = 0
    last_col = 0
    for row_index in range(sheet.nrows):
        types = sheet.row_types(row_index)
        filled = [
            col for col, kind in enumerate(types) if kind not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
        ]
        if not filled:
            continue
        # A text cell of spaces is blank to a reader; it must not stretch the table.
        values = sheet.row_values(row_index)
        filled = [col for col in filled if not (isinstance(values[col], str) and not values[col].strip())]
        if filled:
            if row_index + 1 > max_rows:
                raise _size_error(file, name, row_index + 1, max_rows)
            last_row = row_index + 1
            last_col = max(last_col, filled[-1] + 1)
    problems = []
    if last_col > MAX_COLUMNS:
        problems.append(_columns_cut(name))
        last_col = MAX_COLUMNS
    merges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]

    def rows() -> Iterator[tuple[int, list[str], dict[int, Message]]]:
        for row_index in range(last_row):
            texts: list[str] = []
            notes: dict[int, Message] = {}
            width = min(last_col, sheet.row_len(row_index))
            for col in range(width):
                text, note = _render_xlrd(sheet.cell(row_index, col), book.datemode)
                texts.append(text)
                if note:
                    notes[col] = note
            yield row_index + 1, texts, notes

    return SheetSource(
        name=name,
        hidden=bool(getattr(sheet, "visibility", 0)),
        merges=merges,
        rows=rows,
        last_row=last_row,
        last_col=last_col,
        problems=problems,
    )


# --- .xlsx -----------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _archive_name(archive: zipfile.ZipFile) -> str:
    return Path(archive.filename or "").name


def _dtd_error(archive: zipfile.ZipFile, member: str) -> WorkbookError:
    name = _archive_name(archive)
    return WorkbookError(
        f"{name} 中的部件 {member} 声明了 DTD，而 Excel 文件从不含 DTD；该文件不可信，未读取",
        message_en=f"{name}: {member} declares a DTD, which no Excel part does; the file is not trusted",
    )


def _check_no_dtd(archive: zipfile.ZipFile, member: str) -> None:
    # OOXML parts never carry a DTD; refusing one keeps entity tricks away from the XML parser.
    with archive.open(member) as handle:
        head = handle.read(4096)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _dtd_error(archive, member)


def _parse_part(archive: zipfile.ZipFile, member: str) -> ET.Element:
    _check_no_dtd(archive, member)
    # The DTD check above is what makes the stdlib parser safe here (no entity expansion possible).
    return ET.fromstring(archive.read(member))  # noqa: S314


def _resolve_target(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def _main_part(archive: zipfile.ZipFile, path: Path) -> str:
    """The workbook part named by _rels/.rels, or why this zip is not a workbook."""
    names = set(archive.namelist())
    main = ""
    if "_rels/.rels" in names:
        for rel in _parse_part(archive, "_rels/.rels"):
            if rel.get("Type", "").endswith("/officeDocument"):
                main = _resolve_target("", rel.get("Target", ""))
                break
    if not main and "xl/workbook.xml" in names:
        main = "xl/workbook.xml"
    if main.endswith(".bin") or "xl/workbook.bin" in names:
        raise WorkbookError(
            f"{path.name} 是 Excel 二进制工作簿（.xlsb），不受支持；请另存为 .xlsx",
            message_en=f"{path.name} is an Excel binary workbook (.xlsb), which is not supported; "
            "save it as .xlsx",
        )
    if main in names and (main.startswith("xl/") or main.endswith("workbook.xml")):
        return main
    if "word/document.xml" in names or main.startswith("word/"):
        raise _other_office(path.name, "一个 Word 文档", "a Word document", ".docx")
    if "ppt/presentation.xml" in names or main.startswith("ppt/"):
        raise _other_office(path.name, "一个 PowerPoint 演示文稿", "a PowerPoint file", ".pptx")
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
        if "opendocument" in mimetype:
            kind = mimetype.rsplit(".", 1)[-1]
            raise WorkbookError(
                f"{path.name} 是 OpenDocument 文件（{kind}），不是 Excel 工作簿；请另存为 .xlsx",
                message_en=f"{path.name} is an OpenDocument file ({kind}), not an Excel workbook; "
                "save it as .xlsx",
            )
    raise WorkbookError(
        f"{path.name} 是 zip 压缩包，但不是 Excel 工作簿（其中没有工作簿部件）",
        message_en=f"{path.name} is a zip archive but not an Excel workbook (it has no workbook part)",
    )


def _xlsx_sheet_parts(archive: zipfile.ZipFile, main: str) -> list[tuple[str, str, bool]]:
    """(name, part path, hidden) of each worksheet, in workbook order; chart sheets are left out."""
    base_dir = posixpath.dirname(main)
    rels_part = posixpath.join(base_dir, "_rels", posixpath.basename(main) + ".rels")
    targets: dict[str, str] = {}
    for rel in _parse_part(archive, rels_part):
        if rel.get("Type", "").endswith("/worksheet"):
            targets[rel.get("Id", "")] = _resolve_target(base_dir, rel.get("Target", ""))
    sheets = []
    for element in _parse_part(archive, main).iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((value for key, value in element.attrib.items() if _local(key) == "id"), "")
        if rel_id in targets:
            hidden = element.get("state", "visible") != "visible"
            sheets.append((element.get("name", ""), targets[rel_id], hidden))
    return sheets


@dataclass
class _XmlScan:
    merges: list[tuple[int, int, int, int]]
    formulas_without_value: dict[tuple[int, int], str]
    last_row: int
    last_col: int


def _parse_ref(ref: str) -> tuple[int, int] | None:
    match = _CELL_REF.match(ref)
    if match is None:
        return None
    return int(match.group(2)), column_index(match.group(1))


def _scan_sheet_xml(archive: zipfile.ZipFile, member: str, sheet: str, max_rows: int) -> _XmlScan:
    """First pass over a sheet's XML: merges, formulas without a cached result, used size.

    expat with callbacks streams the part without building elements (ElementTree's iterparse was three
    times slower here) and raises from a callback as soon as a row past max_rows has a value, so a
    million-row sheet costs max_rows rows of parsing, not a million.
    """
    merges: list[tuple[int, int, int, int]] = []
    formulas: dict[tuple[int, int], str] = {}
    # row, col, last_row, last_col; then the current cell: its type, formula text, whether it has a <v>
    # (cached), whether that or an inline string has text (filled).
    state: dict[str, Any] = {"row": 0, "col": 0, "last_row": 0, "last_col": 0}
    cell: dict[str, Any] = {}
    text_target: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name[name.find(":") + 1 :]
        if tag == "c":
            position = _parse_ref(attrs.get("r", ""))
            state["col"] = position[1] if position else state["col"] + 1
            if position:
                state["row"] = position[0]
            cell.clear()
            cell["t"] = attrs.get("t", "n")
        elif tag == "v":
            cell["cached"] = True
            text_target.append("v")
        elif tag == "t" and "t" in cell:
            text_target.append("t")
        elif tag == "f":
            cell["formula"] = ""
            text_target.append("f")
        elif tag == "row":
            number = attrs.get("r", "")
            state["row"] = int(number) if number.isdigit() else state["row"] + 1
            state["col"] = 0
        elif tag == "mergeCell":
            first, _, last = attrs.get("ref", "").partition(":")
            begin, end = _parse_ref(first), _parse_ref(last or first)
            if begin and end:
                merges.append((begin[0], begin[1], end[0], end[1]))

    def end(name: str) -> None:
        tag = name[name.find(":") + 1 :]
        if tag in ("v", "t", "f") and text_target:
            text_target.pop()
        elif tag == "c" and cell:
            filled = cell.get("filled", False)
            if "formula" in cell and not (
                cell.get("cached_text") or (cell.get("cached") and cell["t"] == "str")
            ):
                # Excel saves a formula that gives "" as t="str" with an empty <v/>; an empty <v/> on a
                # number cell is what openpyxl and other writers leave behind: no result.
                formulas[(state["row"], state["col"] - 1)] = cell["formula"]
                filled = True
            if filled:
                if state["row"] > max_rows:
                    raise _size_error(_archive_name(archive), sheet, state["row"], max_rows)
                state["last_row"] = max(state["last_row"], state["row"])
                state["last_col"] = max(state["last_col"], state["col"])
            cell.clear()

    def characters(data: str) -> None:
        if not text_target:
            return
        target = text_target[-1]
        if target == "f":
            cell["formula"] += data
        elif data:
            if target == "v":
                cell["cached_text"] = True
            if data.strip():
                cell["filled"] = True

    def refuse(*_args: Any) -> None:
        # OOXML parts never carry a DTD; refusing one keeps entity expansion out of reach.
        raise _dtd_error(archive, member)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        name = _archive_name(archive)
        raise WorkbookError(
            f"{name} 是损坏的 .xlsx 文件，无法读取（工作表“{sheet}”的部件 {member} 不是完整的 XML：{error}）",
            message_en=f"{name} is a damaged .xlsx file (the sheet {sheet!r}, {member}, is broken XML: {error})",
        ) from error
    return _XmlScan(merges, formulas, state["last_row"], state["last_col"])


def _guarded(rows: Iterator[Any], name: str) -> Iterator[Any]:
    """openpyxl's row iterator, with a damaged part reported as WorkbookError rather than a library error."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except WorkbookError:
            raise
        except Exception as error:  # zlib, XML and openpyxl errors all mean a damaged part
            raise _damaged(name, ".xlsx", error) from error
        yield row


def open_xlsx(path: Path, max_rows: int, closers: list[Callable[[], None]]) -> tuple[str, list[SheetSource]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise WorkbookError(
            f"{path.name} 已损坏或不完整，无法作为 zip 容器（.xlsx）打开（{error}）",
            message_en=f"{path.name} is a damaged zip container, truncated or corrupt ({error})",
        ) from error
    try:
        main = _main_part(archive, path)
        parts = _xlsx_sheet_parts(archive, main)
        scans = {name: _scan_sheet_xml(archive, part, name, max_rows) for name, part, _ in parts}
    except WorkbookError:
        archive.close()
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        ET.ParseError,
        expat.ExpatError,
        KeyError,
        OSError,
        EOFError,
        ValueError,
    ) as error:
        archive.close()
        raise _damaged(path.name, ".xlsx", error) from error
    archive.close()

    # A handle rather than the path: openpyxl refuses a path that does not end in .xlsx, and lists
    # arrive renamed.
    handle = path.open("rb")
    closers.append(handle.close)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation, slicers…); none matter here.
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise _damaged(path.name, ".xlsx", error) from error
    closers.insert(0, book.close)

    sources = []
    for name, _part, hidden in parts:
        scan = scans[name]
        worksheet = book[name]
        problems = []
        last_col = scan.last_col
        if last_col > MAX_COLUMNS:
            problems.append(_columns_cut(name))
            last_col = MAX_COLUMNS

        def rows(
            worksheet: Any = worksheet, last_row: int = scan.last_row, last_col: int = last_col
        ) -> Iterator[tuple[int, list[str], dict[int, Message]]]:
            if last_row == 0 or last_col == 0:
                return
            cells = worksheet.iter_rows(min_row=1, max_row=last_row, min_col=1, max_col=last_col)
            for number, row in enumerate(_guarded(iter(cells), path.name), start=1):
                texts: list[str] = []
                notes: dict[int, Message] = {}
                for col, cell in enumerate(row):
                    text, note = _render_openpyxl(cell.value, cell.data_type)
                    texts.append(text)
                    if note:
                        notes[col] = note
                yield number, texts, notes

        sources.append(
            SheetSource(
                name=name,
                hidden=hidden,
                merges=scan.merges,
                rows=rows,
                last_row=scan.last_row,
                last_col=last_col,
                formulas_without_value=scan.formulas_without_value,
                problems=problems,
            )
        )
    return "xlsx", sources
