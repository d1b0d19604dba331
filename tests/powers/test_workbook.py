"""The 权责清单 workbook reader: small workbooks made here, plus the real lists when shared/ is present.

No database. Fixtures are written with openpyxl into tmp_path; no workbook is kept in the repository.
.xls is tested through the real lists only: nothing maintained writes .xls any more.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest

from liuquan.powers import headers, sheetfiles, workbook
from liuquan.powers.workbook import Message, RawItem, WorkbookError, WorkbookResult, read_workbook

HEADER = [
    "序号",
    "事项名称",
    "子项名称",
    "权力类型",
    "实施依据",
    "行使主体",
    "承办机构",
    "实施层级及权限",
    "部门职责",
    "责任事项内容",
    "责任事项依据",
    "追责对象范围",
    "追责情形",
    "备注",
]
LAW = "【法律】《中华人民共和国行政许可法》第三十条：行政机关应当将……"

REAL_LISTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "quanze-lists"


def item_row(seq: Any, name: str | None, **values: Any) -> list[Any]:
    """A 14-column row in HEADER order; keyword names are RawItem-style field names."""
    row: list[Any] = [seq, name, None, "行政许可", LAW, "市某局", "政策法规科", "地州市级", "负责审批"]
    row += ["受理责任：依法受理", LAW, "1.具体承办人", "因不履行或不正确履行行政职责……", None]
    positions = {
        "sub_name": 2,
        "category": 3,
        "basis": 4,
        "subject": 5,
        "handling_unit": 6,
        "level": 7,
        "duty": 8,
        "stage": 9,
        "stage_basis": 10,
        "accountable": 11,
        "cases": 12,
        "note": 13,
    }
    for key, value in values.items():
        row[positions[key]] = value
    return row


def make_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    merges: dict[str, Sequence[str]] | None = None,
) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for ref in (merges or {}).get(name, []):
            sheet.merge_cells(ref)
    book.save(path)
    return path


def one_sheet(
    tmp_path: Path, rows: Sequence[Sequence[Any]], merges: Sequence[str] = (), name: str = "清单"
) -> Path:
    return make_xlsx(tmp_path / "list.xlsx", {name: rows}, {name: merges})


def problems_at(result: WorkbookResult, row: int, *, english: bool = False) -> list[str]:
    """The reports on a row as "column: reason", in Chinese (or English); every report has both."""
    found = [p for p in result.problems if p.row == row]
    assert all(p.reason and p.reason_en and p.reason != p.reason_en for p in found)
    return [f"{p.column}: {p.reason_en if english else p.reason}" for p in found]


def raises_workbook_error(path: Path, zh: str, en: str, **options: Any) -> WorkbookError:
    """read_workbook fails with a Chinese message matching zh and an English one matching en (regexes)."""
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path, **options)
    error = caught.value
    assert str(error) == error.message
    assert re.search(zh, error.message), error.message
    assert re.search(en, error.message_en), error.message_en
    return error


def by_row(result: WorkbookResult) -> dict[int, RawItem]:
    return {item.first_row: item for item in result.items}


# --- layout ----------------------------------------------------------------------------------------


def test_title_row_header_and_stage_rows_under_merged_cells(tmp_path: Path) -> None:
    rows = [
        ["某市某局2024年权责清单"],
        HEADER,
        item_row(1.0, "对某事项的行政许可", stage="受理责任：公示条件"),
        [None] * 9 + ["审查责任：审查材料", "【法律】《行政许可法》第三十四条", None, None, None],
        [None] * 9 + ["决定责任：作出决定", "【法律】《行政许可法》第三十八条", None, None, None],
        item_row(2.0, "对另一事项的行政检查", category="行政检查"),
    ]
    merges = ["A1:N1"] + [f"{col}3:{col}5" for col in "ABCDEFGHILMN"]
    result = read_workbook(one_sheet(tmp_path, rows, merges))

    [sheet] = result.sheets
    assert sheet.header_row == 2
    assert sheet.columns_mapped == {
        "seq": "A",
        "name": "B",
        "sub_name": "C",
        "category": "D",
        "basis": "E",
        "subject": "F",
        "handling_unit": "G",
        "level": "H",
        "duty": "I",
        "stage_or_content": "J",
        "responsibility_basis": "K",
        "accountable": "L",
        "accountability_cases": "M",
        "note": "N",
    }
    assert sheet.row_kinds == {"title": 1, "header": 1, "item": 2, "continuation": 2}
    assert sum(sheet.row_kinds.values()) == sheet.rows_read == 6
    first, second = result.items
    assert (first.seq, first.name, first.first_row, first.last_row) == ("1", "对某事项的行政许可", 3, 5)
    assert first.sub_name is None
    assert [(r.row, r.stage_or_content) for r in first.responsibilities] == [
        (3, "受理责任：公示条件"),
        (4, "审查责任：审查材料"),
        (5, "决定责任：作出决定"),
    ]
    # 追责对象范围 is merged down over the stages: it is the first stage's, not repeated.
    assert first.responsibilities[1].accountable == ""
    assert first.responsibilities[0].accountable == "1.具体承办人"
    assert (second.seq, second.category, second.category_source) == ("2", "行政检查", "column")
    assert result.problems == []


def test_two_row_header_with_group_headings(tmp_path: Path) -> None:
    top: list[str | None] = ["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构"]
    top += ["实施层级及权限", None, "部门职责", "责任事项", None, "追责", None, "备注"]
    bottom = [None] * 7 + ["层级", "权限", None, "内容", "依据", "对象范围", "情形", None]
    data = [3, "某许可", None, "行政许可", LAW, "市某局", "某科", "地州市级", "负责本级审批", "职责"]
    data += ["受理责任", "【法律】《某法》第一条", "承办人", "情形一", None]
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "G1:G2", "H1:I1", "J1:J2"]
    merges += ["K1:L1", "M1:N1", "O1:O2"]
    result = read_workbook(one_sheet(tmp_path, [top, bottom, data], merges))

    [sheet] = result.sheets
    assert sheet.header_row == 1
    assert sheet.row_kinds == {"header": 2, "item": 1}
    mapped = sheet.columns_mapped
    assert (mapped["level"], mapped["duty"]) == ("H", "J")
    assert sheet.columns_joined == {"level": ["I"]}
    assert [mapped[name] for name in workbook.RESPONSIBILITY_FIELDS] == ["K", "L", "M", "N"]
    [item] = result.items
    assert item.level == "地州市级\n负责本级审批"
    [stage] = item.responsibilities
    assert (stage.stage_or_content, stage.basis, stage.accountable, stage.accountability_cases) == (
        "受理责任",
        "【法律】《某法》第一条",
        "承办人",
        "情形一",
    )
    assert result.problems == []


def test_group_heading_above_the_named_header_row(tmp_path: Path) -> None:
    groups = ["序号", "权力事项", None, None, None, "责任事项", None]
    header = [None, "事项名称", "权力类型", "实施依据", "行使主体", "责任事项内容", "责任事项依据"]
    data = [1, "某处罚", "行政处罚", LAW, "市某局", "立案责任", "【法律】《行政处罚法》"]
    result = read_workbook(one_sheet(tmp_path, [groups, header, data], ["A1:A2", "B1:E1", "F1:G1"]))
    [sheet] = result.sheets
    assert sheet.header_row == 1
    assert sheet.columns_mapped["seq"] == "A"
    assert sheet.columns_mapped["stage_or_content"] == "F"
    assert result.items[0].seq == "1"


def test_sheets_split_by_category_without_a_category_column(tmp_path: Path) -> None:
    header = ["序号", "事项名称", "实施依据", "行使主体", "责任事项内容"]
    path = make_xlsx(
        tmp_path / "split.xlsx",
        {
            "行政处罚（2项）": [
                header,
                [1, "对甲的处罚", LAW, "市局", "立案"],
                [2, "对乙的处罚", LAW, "市局", "调查"],
            ],
            "行政许可（ 1 项）": [header, [1, "某许可", LAW, "市局", "受理"]],
            "Sheet3": [],
        },
    )
    result = read_workbook(path)
    assert [(s.name, s.category_from_name, s.items) for s in result.sheets] == [
        ("行政处罚（2项）", "行政处罚", 2),
        ("行政许可（ 1 项）", "行政许可", 1),
    ]
    assert [(i.category, i.category_source) for i in result.items] == [("行政处罚", "sheet")] * 2 + [
        ("行政许可", "sheet")
    ]
    assert result.skipped_sheets == {"Sheet3": Message("空工作表", "empty")}
    reasons = [(p.reason, p.reason_en) for p in result.problems]
    assert (
        "没有权力类型列；各事项按工作表名称取“行政处罚”",
        "no 权力类型 column; items take '行政处罚' from the sheet name",
    ) in reasons


def test_blank_or_mismatched_category_against_the_sheet_name(tmp_path: Path) -> None:
    rows = [HEADER, item_row(1, "甲", category=None), item_row(2, "乙", category="行政 \n检查")]
    result = read_workbook(one_sheet(tmp_path, rows, name="行政许可"))
    first, second = result.items
    assert (first.category, first.category_source) == ("行政许可", "sheet")
    assert (second.category, second.category_source) == ("行政检查", "column")
    assert problems_at(result, 2) == ["D: 权力类型为空；按工作表名称取“行政许可”"]
    assert problems_at(result, 2, english=True) == [
        "D: 权力类型 is blank; took '行政许可' from the sheet name"
    ]
    assert problems_at(result, 3) == ["D: 权力类型“行政检查”与工作表名称中的“行政许可”不一致；保留“行政检查”"]
    assert problems_at(result, 3, english=True) == [
        "D: 权力类型 '行政检查' differs from the sheet name's '行政许可'; kept '行政检查'"
    ]


def test_reordered_renamed_and_wrapped_headers(tmp_path: Path) -> None:
    header = [
        "职权类别",
        "序 号",
        "职权名称",
        "事项名称（子项）",
        "实施主体",
        "设定依据",
        "责任科室",
        "行使层级",
    ]
    header += ["追责对象\n范围", "问责情形", "责任事项", "责任依据", "说明（其他）", "权力编码"]
    data = [
        "行政确认",
        7,
        "某确认",
        "子项甲",
        "市局",
        LAW,
        "某科",
        "市级",
        "承办人",
        "情形",
        "审查",
        "依据",
        "无",
        "A-1",
    ]
    result = read_workbook(one_sheet(tmp_path, [header, data]))
    mapped = result.sheets[0].columns_mapped
    assert mapped == {
        "category": "A",
        "seq": "B",
        "name": "C",
        "sub_name": "D",
        "subject": "E",
        "basis": "F",
        "handling_unit": "G",
        "level": "H",
        "accountable": "I",
        "accountability_cases": "J",
        "stage_or_content": "K",
        "responsibility_basis": "L",
        "note": "M",
    }
    [item] = result.items
    assert (item.seq, item.name, item.sub_name, item.category, item.note) == (
        "7",
        "某确认",
        "子项甲",
        "行政确认",
        "无",
    )
    assert item.extra == {"权力编码": "A-1"}
    assert problems_at(result, 1) == ["N: 列名“权力编码”不是已知的栏目；其内容作为附加列保留"]


def test_unknown_and_missing_columns(tmp_path: Path) -> None:
    header = ["序号", "事项名称", "权力类型", "行使主体", "救助渠道"]
    result = read_workbook(one_sheet(tmp_path, [header, [1, "某检查", "行政检查", "市局", "行政复议"]]))
    [item] = result.items
    assert item.sub_name is None and item.basis == "" and item.responsibilities == []
    assert item.extra == {"救助渠道": "行政复议"}
    assert problems_at(result, 1) == [
        "None: 没有实施依据列",
        "None: 没有责任事项内容列",
        "E: 列名“救助渠道”不是已知的栏目；其内容作为附加列保留",
    ]
    assert problems_at(result, 1, english=True) == [
        "None: no 实施依据 column",
        "None: no 责任事项内容 column",
        "E: column '救助渠道' is not a known field; kept in extra",
    ]


def test_duplicated_header_first_wins_and_fills_its_blanks(tmp_path: Path) -> None:
    header = [*HEADER, "责任事项依据", "备注"]
    rows = [
        header,
        [*item_row(1, "甲", stage_basis="【法律】《甲法》"), "【法律】《旧甲法》", None],
        [*item_row(2, "乙", stage_basis=None), "【法律】《乙法》", "旧备注"],
    ]
    result = read_workbook(one_sheet(tmp_path, rows))
    first, second = result.items
    assert first.responsibilities[0].basis == "【法律】《甲法》"
    assert first.extra == {"责任事项依据 (O)": "【法律】《旧甲法》"}
    assert second.responsibilities[0].basis == "【法律】《乙法》"
    assert second.note == "旧备注"
    assert second.extra == {"责任事项依据 (O)": "【法律】《乙法》", "备注 (P)": "旧备注"}
    header_problems = problems_at(result, 1)
    assert len(header_problems) == 2
    assert header_problems[0] == (
        "O: 表头“责任事项依据”重复（首次出现在K列）；读取K列，本列作为附加列“责任事项依据 (O)”保留，"
        "K列为空时改读本列"
    )
    assert problems_at(result, 1, english=True)[0].startswith(
        "O: duplicate header '责任事项依据' (first in column K)"
    )
    assert problems_at(result, 3) == [
        "K: 责任事项依据此处为空；改读重复的O列",
        "N: 备注此处为空；改读重复的P列",
    ]


def test_adjacent_repeated_header_is_one_field(tmp_path: Path) -> None:
    # 住建局 writes 实施层级及权限 over both of its columns instead of merging the header.
    header = [*HEADER[:8], "实施层级及权限", *HEADER[8:]]
    row = item_row(1, "甲")
    row = [*row[:7], "地州市级", "负责本级审批", *row[8:]]
    result = read_workbook(one_sheet(tmp_path, [header, row]))
    assert result.sheets[0].columns_joined == {"level": ["I"]}
    assert result.items[0].level == "地州市级\n负责本级审批"
    assert result.items[0].duty == "负责审批"
    assert result.problems == []


def test_blank_header_between_fields_joins_the_field_to_its_left(tmp_path: Path) -> None:
    header = [*HEADER[:8], None, *HEADER[8:]]
    row = item_row(1, "甲")
    row = [*row[:7], "地州市级", "负责本级审批", *row[8:]]
    result = read_workbook(one_sheet(tmp_path, [header, row]))
    assert result.items[0].level == "地州市级\n负责本级审批"
    assert problems_at(result, 1) == [
        "I: I列没有表头；与左侧的H列（实施层级及权限）一并读取，视同该表头合并跨这两列"
    ]
    assert problems_at(result, 1, english=True) == [
        "I: column I has no header; read with column H (实施层级及权限) to its left, "
        "as if that header were merged over both"
    ]


# --- items, sub-items and continuation rows --------------------------------------------------------


def test_sub_items_under_a_merged_name(tmp_path: Path) -> None:
    rows = [
        HEADER,
        item_row(2, "矿山建设项目安全设施设计审查", sub_name="1.煤矿建设项目"),
        [None] * 14,
        item_row(None, None, sub_name="2.非煤矿山建设项目", subject="县局"),
        item_row(3, "金属冶炼建设项目审查"),
    ]
    result = read_workbook(one_sheet(tmp_path, rows, ["A2:A4", "B2:B4", "C2:C3", "D2:D3", "J2:J3"]))
    first, second, third = result.items
    assert (first.seq, first.sub_name, first.first_row, first.last_row) == ("2", "1.煤矿建设项目", 2, 3)
    assert (second.seq, second.name, second.sub_name) == (
        "2",
        "矿山建设项目安全设施设计审查",
        "2.非煤矿山建设项目",
    )
    assert (second.subject, second.first_row, second.last_row) == ("县局", 4, 4)
    assert third.seq == "3"
    assert result.sheets[0].row_kinds == {"header": 1, "item": 3, "merged_blank": 1}
    assert result.problems == []


def test_sub_item_rows_with_blank_name_and_seq(tmp_path: Path) -> None:
    # 人社局: the name is merged over only some of the sub-item rows; the last one is blank instead.
    rows = [
        HEADER,
        item_row(4, "中外合作职业技能培训机构审批", sub_name="1.设立审批"),
        item_row(None, None, sub_name="2.分立审批"),
        item_row(None, None, sub_name="3.终止审批"),
    ]
    result = read_workbook(one_sheet(tmp_path, rows, ["A2:A4", "B2:B3"]))
    assert [(i.seq, i.name, i.sub_name) for i in result.items] == [
        ("4", "中外合作职业技能培训机构审批", "1.设立审批"),
        ("4", "中外合作职业技能培训机构审批", "2.分立审批"),
        ("4", "中外合作职业技能培训机构审批", "3.终止审批"),
    ]
    assert result.problems == []


def test_repeated_name_with_new_sub_item_and_blank_seq(tmp_path: Path) -> None:
    # 住建局: the name is written again on each sub-item row, only 序号 is merged.
    rows = [
        HEADER,
        item_row(1, "建设类企业资质审批", sub_name="1.甲"),
        item_row(None, "建设类企业资质审批", sub_name="2.乙"),
    ]
    result = read_workbook(one_sheet(tmp_path, rows, ["A2:A3"]))
    assert [(i.seq, i.sub_name) for i in result.items] == [("1", "1.甲"), ("1", "2.乙")]


def test_identity_filled_down_is_a_continuation(tmp_path: Path) -> None:
    rows = [
        HEADER,
        item_row(1, "甲", stage="受理责任"),
        item_row(1, "甲", stage="审查责任"),
        item_row(None, "甲", stage="决定责任"),
    ]
    result = read_workbook(one_sheet(tmp_path, rows))
    [item] = result.items
    assert [r.stage_or_content for r in item.responsibilities] == ["受理责任", "审查责任", "决定责任"]
    assert item.last_row == 4
    assert result.sheets[0].row_kinds == {"header": 1, "item": 1, "continuation": 2}


def test_continuation_merges_fields_and_reports_conflicts(tmp_path: Path) -> None:
    continuation: list[Any] = [None, None, None, None, "【法规】《某条例》第二条", "县局", None, None, None]
    continuation += [None, "【法律】《某法》第九条", None, "情形二", "补充备注"]
    rows = [HEADER, item_row(1, "甲", note="备注一"), continuation]
    result = read_workbook(one_sheet(tmp_path, rows))
    [item] = result.items
    assert item.subject == "市某局"
    assert item.basis == f"{LAW}\n【法规】《某条例》第二条"
    assert item.note == "备注一\n补充备注"
    # No new 责任事项内容: the row adds to the stage above.
    [stage] = item.responsibilities
    assert stage.basis == f"{LAW}\n【法律】《某法》第九条"
    assert stage.accountability_cases.endswith("\n情形二")
    assert problems_at(result, 3) == [
        "E: 实施依据与第2行事项的不同；已把本行文字接在其后",
        "F: 行使主体“县局”与第2行事项的“市某局”不同；保留前者",
    ]
    assert problems_at(result, 3, english=True) == [
        "E: 实施依据 differs from that of the item at row 2; appended this text to it",
        "F: 行使主体 '县局' differs from '市某局' of the item at row 2; kept the first",
    ]


def test_orphan_row_and_seq_only_row_are_rejected_with_a_reason(tmp_path: Path) -> None:
    orphan: list[Any] = [None] * 9 + ["受理责任", None, None, None, None]
    rows: list[list[Any]] = [HEADER, orphan, item_row(1, "甲"), [None] * 14, orphan, [2] + [None] * 13]
    result = read_workbook(one_sheet(tmp_path, rows))
    [item] = result.items
    assert len(item.responsibilities) == 1
    kinds = result.sheets[0].row_kinds
    assert kinds == {"header": 1, "rejected": 3, "item": 1, "blank": 1}
    assert result.sheets[0].classified_rows == {1: "header", 2: "rejected", 5: "rejected", 6: "rejected"}
    assert problems_at(result, 2) == ["J: 序号、事项名称、子项名称都为空，上方也没有紧邻的事项可接续"]
    assert problems_at(result, 2, english=True) == [
        "J: no 序号, 事项名称 or 子项名称, and no item directly above for the row to continue"
    ]
    assert problems_at(result, 5) == problems_at(result, 2)
    assert problems_at(result, 6) == ["A: 只填了序号“2”；该行未读取"]


def test_section_total_note_and_blank_rows(tmp_path: Path) -> None:
    rows = [
        ["某局权责清单"],
        HEADER,
        ["一、行政许可（2项）"],
        item_row(1, "甲", category=None),
        item_row(2, "乙", category=None),
        [None] * 14,
        ["二、行政处罚"],
        item_row(3, "丙", category=None),
        ["合计", "3项"],
        [],
        ["注：本清单所列事项以法律法规为准。"],
        ["填报单位：某局", None, "填报人：张三", None, "联系电话：123"],
    ]
    result = read_workbook(one_sheet(tmp_path, rows, ["A1:N1", "A3:N3", "A7:N7", "A11:N11"]))
    assert [(i.name, i.category, i.category_source) for i in result.items] == [
        ("甲", "行政许可", "section"),
        ("乙", "行政许可", "section"),
        ("丙", "行政处罚", "section"),
    ]
    sheet = result.sheets[0]
    assert sheet.row_kinds == {
        "title": 1,
        "header": 1,
        "section": 2,
        "item": 3,
        "blank": 2,
        "total": 1,
        "note": 2,
    }
    assert sheet.rows_read == 12
    assert {row: kind for row, kind in sheet.classified_rows.items() if kind != "header"} == {
        1: "title",
        3: "section",
        7: "section",
        9: "total",
        11: "note",
        12: "note",
    }
    assert [p.reason for p in result.problems] == [
        "权力类型为空；按上方的分节标题取“行政许可”",
        "权力类型为空；按上方的分节标题取“行政许可”",
        "权力类型为空；按上方的分节标题取“行政处罚”",
    ]
    assert result.problems[2].reason_en == "权力类型 is blank; took '行政处罚' from the section heading above"


def test_repeated_header_row_on_a_new_page(tmp_path: Path) -> None:
    rows = [HEADER, item_row(1, "甲"), HEADER, item_row(2, "乙")]
    result = read_workbook(one_sheet(tmp_path, rows))
    assert [i.name for i in result.items] == ["甲", "乙"]
    assert result.sheets[0].classified_rows == {1: "header", 3: "header"}


def test_text_hidden_under_a_merge_is_reported(tmp_path: Path) -> None:
    rows = [HEADER, item_row(1, "甲"), [None] * 12 + ["被合并遮住的情形", None]]
    path = one_sheet(tmp_path, rows)
    # openpyxl clears covered cells when merging, so the merge is added to the saved XML instead.
    rewrite_sheet_xml(
        path,
        lambda xml: xml.replace(
            "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="M2:M3"/></mergeCells>'
        ),
    )
    result = read_workbook(path)
    [item] = result.items
    assert "被合并遮住的情形" not in item.responsibilities[0].accountability_cases
    assert problems_at(result, 3) == [
        "M: M列有文字被合并单元格遮住，Excel 中看不到，未读取（第一处：“被合并遮住的情形”）"
    ]
    assert result.sheets[0].row_kinds["merged_blank"] == 1


def test_a_data_cell_merged_across_two_fields(tmp_path: Path) -> None:
    row = item_row(1, "甲", subject="市某局", handling_unit=None)
    result = read_workbook(one_sheet(tmp_path, [HEADER, row], ["F2:G2"]))
    [item] = result.items
    assert (item.subject, item.handling_unit) == ("市某局", "市某局")
    assert problems_at(result, 2) == ["F: 单元格合并跨越了不同栏目的列；其文字也作为G列的内容读取"]


def test_label_fields_lose_wrapping_whitespace_long_text_keeps_lines(tmp_path: Path) -> None:
    row = item_row(
        " 1 ", "对拒绝\n配合统\n计调查的处罚", category="行政\n处罚", basis="【法律】《甲法》\n  第一条：……  "
    )
    row[5] = "Some  Unit\n名称"
    result = read_workbook(one_sheet(tmp_path, [HEADER, row]))
    [item] = result.items
    assert (item.seq, item.name, item.category) == ("1", "对拒绝配合统计调查的处罚", "行政处罚")
    assert item.subject == "Some Unit名称"
    assert item.basis == "【法律】《甲法》\n  第一条：……"


# --- values ----------------------------------------------------------------------------------------


def test_numbers_dates_and_errors(tmp_path: Path) -> None:
    row = item_row(12.0, "甲", note=45292)
    row[8] = 2.5
    path = one_sheet(tmp_path, [HEADER, row, item_row(13, "乙", note=dt.date(2024, 1, 5))])
    result = read_workbook(path)
    first, second = result.items
    assert (first.seq, first.note, first.duty) == ("12", "45292", "2.5")
    assert (second.seq, second.note) == ("13", "2024-01-05")
    assert problems_at(result, 3) == ["N: 单元格为日期格式，读作日期 2024-01-05；请核对是否确实是日期"]
    assert problems_at(result, 3, english=True) == [
        "N: a date-formatted cell, read as the date 2024-01-05; check that a date was meant"
    ]


def test_error_cells_are_blank_and_reported(tmp_path: Path) -> None:
    path = one_sheet(tmp_path, [HEADER, item_row(1, "甲", note="x")])
    rewrite_sheet_xml(
        path, lambda xml: re.sub(r'<c r="N2"[^>]*>.*?</c>', '<c r="N2" t="e"><v>#N/A</v></c>', xml)
    )
    result = read_workbook(path)
    assert result.items[0].note == ""
    assert problems_at(result, 2) == ["N: 单元格显示错误值 #N/A，按空白读取"]


def rewrite_sheet_xml(path: Path, change: Any, member: str = "xl/worksheets/sheet1.xml") -> None:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[member] = change(parts[member].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_formulas_with_and_without_cached_values(tmp_path: Path) -> None:
    rows = [HEADER, item_row(1, "甲"), item_row("=A2+1", "乙"), item_row("=A3+1", "丙")]
    path = one_sheet(tmp_path, rows)
    # openpyxl writes formulas without results (<v /> or, with lxml, <v></v>); give A3 the result Excel
    # would have saved.
    rewrite_sheet_xml(
        path, lambda xml: re.sub(r"<f>A2\+1</f><v ?/>|<f>A2\+1</f><v></v>", "<f>A2+1</f><v>2</v>", xml)
    )
    result = read_workbook(path)
    assert [i.seq for i in result.items] == ["1", "2", ""]
    assert problems_at(result, 4) == [
        "A: 公式 =A3+1 保存时没有计算结果（文件从未重新计算），读作空白；请在 Excel 或 WPS 中打开并保存后再导入",
        "A: 序号为空",
    ]
    assert problems_at(result, 4, english=True) == [
        "A: formula =A3+1 was saved without its result (the file was never recalculated), so it reads as "
        "blank; open and save the file in Excel or WPS",
        "A: 序号 is blank",
    ]


# --- size ------------------------------------------------------------------------------------------


def write_large(path: Path, count: int) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("行政处罚")
    sheet.append(["某局权责清单"])
    sheet.append(HEADER)
    for number in range(1, count + 1):
        sheet.append(item_row(number, f"对第{number}种违法行为的处罚", category="行政处罚"))
    book.save(path)
    return path


def test_a_20000_row_sheet_is_read_in_reasonable_time(tmp_path: Path) -> None:
    path = write_large(tmp_path / "large.xlsx", 20_000)
    started = time.perf_counter()
    result = read_workbook(path)
    elapsed = time.perf_counter() - started
    print(f"\n20,000-row sheet read in {elapsed:.2f}s")
    assert len(result.items) == 20_000
    assert result.items[-1].seq == "20000" and result.items[-1].last_row == 20_002
    assert result.problems == []
    assert elapsed < 60


def test_a_sheet_past_max_rows_fails_without_reading_it_all(tmp_path: Path) -> None:
    path = write_large(tmp_path / "large.xlsx", 20_000)
    started = time.perf_counter()
    error = raises_workbook_error(
        path,
        "^large.xlsx：工作表“行政处罚”第1,001行仍有数据，超过上限1,000行；请拆分清单或调高上限$",
        r"^large\.xlsx: sheet '行政处罚' has data in row 1,001, past the limit of 1,000 rows",
        max_rows=1_000,
    )
    assert time.perf_counter() - started < 5
    assert "\n" not in error.message


# --- whole-file failures ---------------------------------------------------------------------------


def test_empty_workbook(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "empty.xlsx", {"Sheet1": [], "Sheet2": []})
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    assert (
        str(caught.value) == "empty.xlsx 中没有能识别出表头的工作表（“Sheet1”：空工作表；“Sheet2”：空工作表）"
    )
    assert (
        caught.value.message_en
        == "empty.xlsx has no sheet with a recognisable header ('Sheet1': empty; 'Sheet2': empty)"
    )


def test_sheet_without_a_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["某局权责清单"], ["序号", "名目", "备注"], [1, "甲", None]]
    path = make_xlsx(tmp_path / "noheader.xlsx", {"数据": rows})
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path)
    why = Message(
        "第1-6行中没有表头行：表头须有“事项名称”及另外至少2个已知列；最接近的第2行只有序号、备注",
        "no header row in rows 1-6: a header must name 事项名称 and 2 more known columns; the closest, "
        "row 2, names only 序号、备注",
    )
    assert str(caught.value) == f"noheader.xlsx 中没有能识别出表头的工作表（“数据”：{why.zh}）"
    assert (
        caught.value.message_en == f"noheader.xlsx has no sheet with a recognisable header ('数据': {why.en})"
    )
    # Beside a sheet that has one, it is skipped and reported.
    path = make_xlsx(tmp_path / "mixed.xlsx", {"数据": rows, "清单": [HEADER, item_row(1, "甲")]})
    result = read_workbook(path)
    assert [s.name for s in result.sheets] == ["清单"]
    assert result.skipped_sheets == {"数据": why}
    first = result.problems[0]
    assert (first.sheet, first.row, first.reason) == ("数据", 0, f"工作表未读取：{why.zh}")


def test_word_document_renamed_xls(tmp_path: Path) -> None:
    path = tmp_path / "清单.xls"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", "<document/>")
    raises_workbook_error(
        path,
        r"^清单\.xls 是一个 Word 文档（\.docx），不是 Excel 工作簿$",
        r"^清单\.xls is a Word document \(\.docx\) under an Excel name",
    )


def test_other_zip_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    raises_workbook_error(
        path, "^a.xlsx 是 zip 压缩包，但不是 Excel 工作簿", "is a zip archive but not an Excel workbook"
    )


def test_random_bytes_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    raises_workbook_error(
        path,
        r"^random\.xlsx 不是 Excel 工作簿（无法识别的内容，开头字节为 00 01 02",
        r"^random\.xlsx is not an Excel workbook \(unrecognised content",
    )


def test_text_html_pdf_and_empty_files(tmp_path: Path) -> None:
    cases = {
        "csv.xls": (
            "序号,事项名称\n1,甲\n".encode(),
            "是纯文本文件（可能是 CSV）",
            "is a plain text (CSV?) file",
        ),
        "web.xls": (
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "是用 Excel 文件名保存的网页（HTML）",
            "is a web page (HTML)",
        ),
        "doc.xlsx": (b"%PDF-1.4\n...", "是 PDF 文档，不是 Excel 工作簿", "is a PDF document"),
        "nothing.xlsx": (b"", "是空文件（0 字节）", "is empty (0 bytes)"),
    }
    for name, (data, zh, en) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        raises_workbook_error(path, "^" + re.escape(f"{name} {zh}"), "^" + re.escape(f"{name} {en}"))


def test_missing_file(tmp_path: Path) -> None:
    raises_workbook_error(
        tmp_path / "nowhere.xlsx", r"^无法打开 nowhere\.xlsx：文件不存在$", r"^cannot open nowhere\.xlsx: "
    )


def test_truncated_xlsx(tmp_path: Path) -> None:
    path = one_sheet(tmp_path, [HEADER, item_row(1, "甲")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    raises_workbook_error(
        path,
        r"^list\.xlsx 已损坏或不完整，无法作为 zip 容器（\.xlsx）打开（",
        r"^list\.xlsx is a damaged zip container, truncated or corrupt",
    )


def test_corrupt_sheet_part(tmp_path: Path) -> None:
    path = one_sheet(tmp_path, [HEADER, item_row(1, "甲")])
    rewrite_sheet_xml(path, lambda xml: xml[: len(xml) // 2])
    raises_workbook_error(
        path,
        r"^list\.xlsx 是损坏的 \.xlsx 文件，无法读取（工作表“清单”的部件 xl/worksheets/sheet1\.xml 不是完整的 XML：",
        r"^list\.xlsx is a damaged \.xlsx file \(the sheet '清单', xl/worksheets/sheet1\.xml, is broken XML: ",
    )


def test_encrypted_workbooks(tmp_path: Path) -> None:
    # Excel saves a password-protected .xlsx as an OLE2 compound file holding an EncryptedPackage stream.
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    encrypted = ole2 + "EncryptedPackage".encode("utf-16-le") + bytes(1024)
    path = tmp_path / "locked.xlsx"
    path.write_bytes(encrypted)
    raises_workbook_error(
        path,
        r"^locked\.xlsx 已加密（设置了打开密码），请去掉密码后另存再导入$",
        r"^locked\.xlsx is password-protected \(an encrypted \.xlsx\)",
    )
    word = tmp_path / "doc.xls"
    word.write_bytes(ole2 + "WordDocument".encode("utf-16-le") + bytes(1024))
    raises_workbook_error(
        word,
        r"^doc\.xls 是一个 Word 文档（\.doc），不是 Excel 工作簿$",
        r"^doc\.xls is a Word document \(\.doc\)",
    )


def test_a_dtd_in_a_part_is_refused(tmp_path: Path) -> None:
    path = one_sheet(tmp_path, [HEADER, item_row(1, "甲")])
    rewrite_sheet_xml(
        path, lambda xml: xml.replace("<worksheet", '<!DOCTYPE worksheet [<!ENTITY a "b">]><worksheet', 1)
    )
    raises_workbook_error(
        path, r"^list\.xlsx 中的部件 xl/worksheets/sheet1\.xml 声明了 DTD", r"^list\.xlsx: .* declares a DTD"
    )


def test_an_xlsx_renamed_xls_is_read(tmp_path: Path) -> None:
    path = one_sheet(tmp_path, [HEADER, item_row(1, "甲")])
    renamed = path.rename(tmp_path / "list.xls")
    result = read_workbook(renamed)
    assert result.format == "xlsx" and [i.name for i in result.items] == ["甲"]


# --- pieces ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("事项\n名称", "name"),
        ("事项名称（主项）", "name"),
        ("事项名称（子项）", "sub_name"),
        ("权力事项名称", "name"),
        ("*实施依据", "basis"),
        ("实施依据（法律法规规章）", "basis"),
        ("实施层级\n及权限", "level"),
        ("追责对\n象范围", "accountable"),
        ("ＸＹ", None),
        ("救助渠道", None),
    ],
)
def test_header_aliases(header: str, expected: str | None) -> None:
    assert headers.match_field(header) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("行政处罚（254项）", "行政处罚"),
        ("行政征收（ 1 项）", "行政征收"),
        ("其他行政权力（3项）", "其他行政权力"),
        ("一、行政许可", "行政许可"),
        ("Sheet1", None),
        ("附表1", None),
    ],
)
def test_category_from_a_sheet_name(name: str, expected: str | None) -> None:
    assert workbook.category_in(name) == expected


def test_the_modules_do_not_import_django() -> None:
    for module in (workbook, headers, sheetfiles):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+django", source, re.MULTILINE), module.__name__


def test_names_stay_importable_from_workbook() -> None:
    # importer, bench/ and other code import these from workbook; headers.py and sheetfiles.py hold them.
    assert workbook.FIELD_LABELS is headers.FIELD_LABELS
    assert workbook.RESPONSIBILITY_FIELDS is headers.RESPONSIBILITY_FIELDS
    assert workbook.category_in is headers.category_in
    assert workbook.RowProblem is sheetfiles.RowProblem and workbook.WorkbookError is sheetfiles.WorkbookError


# --- the real lists --------------------------------------------------------------------------------

# Items per list, checked by hand against the workbooks (序号 runs and 子项 rows).
EXPECTED_ITEMS = {
    "2024年市农业农村局权责清单.xls": 310,
    "2025年克拉玛依市统计局权责清单.xlsx": 3,
    "克拉玛依市人力资源和社会保障局2024年权责清单.xls": 108,
    "克拉玛依市住房和城乡建设局2024年权责清单.xls": 327,
    "克拉玛依市发展和改革委员会2024年权责清单.xls": 57,
    "克拉玛依市商务局2024年权责清单.xlsx": 21,
    "克拉玛依市委宣传部（新闻出版局）2024年权责清单 (1).xlsx": 1,
    "克拉玛依市应急管理局2024年权责清单.xls": 149,
    "克拉玛依市文化体育广播电视和旅游局2024年权责清单.xlsx": 301,
    "克拉玛依市机关事务管理局2024年权责清单.xls": 10,
    "克拉玛依市科学技术局2024年权责清单.xls": 4,
}


def raw_nonblank_rows(path: Path) -> dict[str, set[int]]:
    """Rows with any non-blank cell, per sheet, read independently of the module (cells under merges too)."""
    import xlrd  # type: ignore[import-untyped, unused-ignore]

    found: dict[str, set[int]] = {}
    if path.suffix == ".xls":
        book = xlrd.open_workbook(str(path))
        for sheet in book.sheets():
            found[sheet.name] = {
                r + 1 for r in range(sheet.nrows) if any(str(v).strip() for v in sheet.row_values(r))
            }
    else:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            found[sheet.title] = {
                number
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                if any(v is not None and str(v).strip() for v in row)
            }
        book.close()
    return found


@pytest.mark.skipif(not REAL_LISTS.is_dir(), reason=f"the real 权责清单 workbooks are not at {REAL_LISTS}")
def test_the_real_lists() -> None:
    files = sorted(REAL_LISTS.glob("*.xls*"))
    assert len(files) == 11
    total_data = total_explained = 0
    print()
    for path in files:
        result = read_workbook(path)
        raw = raw_nonblank_rows(path)
        problem_rows = {(p.sheet, p.row) for p in result.problems}
        data = explained = continuations = 0
        for sheet in result.sheets:
            assert sum(sheet.row_kinds.values()) == sheet.rows_read
            in_items = {
                row
                for item in result.items
                if item.sheet == sheet.name
                for row in range(item.first_row, item.last_row + 1)
            }
            for row in raw[sheet.name]:
                if row < sheet.header_row or sheet.classified_rows.get(row) in ("title", "header"):
                    continue
                data += 1
                if row in in_items or row in sheet.classified_rows or (sheet.name, row) in problem_rows:
                    explained += 1
            continuations += sheet.row_kinds.get("continuation", 0)
        total_data += data
        total_explained += explained
        print(
            f"{path.name}: sheets {len(result.sheets)}, rows read {sum(s.rows_read for s in result.sheets)}, "
            f"data rows {data}, items {len(result.items)}, continuation rows {continuations}, "
            f"problems {len(result.problems)}"
        )
        assert len(result.items) == EXPECTED_ITEMS[path.name]
        # Every report is bilingual and one line (the CLI prints one per line).
        assert all(p.reason and p.reason_en and "\n" not in p.reason + p.reason_en for p in result.problems)
        assert all(item.name and item.category for item in result.items)
        assert data == explained, path.name
    print(
        f"all lists: {total_explained} of {total_data} data rows became items or were classified or reported"
    )
    assert total_explained >= 0.99 * total_data


@pytest.mark.skipif(not REAL_LISTS.is_dir(), reason=f"the real 权责清单 workbooks are not at {REAL_LISTS}")
def test_real_list_details() -> None:
    emergency = read_workbook(REAL_LISTS / "克拉玛依市应急管理局2024年权责清单.xls")
    items = by_row(emergency)
    assert (items[6].sub_name, items[9].sub_name) == (
        "1.煤矿建设项目安全设施设计审查",
        "2.非煤矿山建设项目安全设施设计审查",
    )
    assert items[9].seq == "2" and items[9].name == items[6].name == "矿山建设项目安全设施设计审查"
    assert (items[6].first_row, items[6].last_row) == (6, 8)
    commerce = read_workbook(REAL_LISTS / "克拉玛依市商务局2024年权责清单.xlsx")
    assert commerce.sheets[0].columns_joined == {"level": ["I"]}
    assert [p.column for p in commerce.problems if p.row == 2] == ["P", "Q", "R", "S"]
    science = read_workbook(REAL_LISTS / "克拉玛依市科学技术局2024年权责清单.xls")
    assert science.items[0].extra == {"救助渠道": science.items[0].extra["救助渠道"]}
    assert [p.row for p in science.problems if "under merged cells" in p.reason_en] == [4, 6]
    assert [p.row for p in science.problems if "被合并单元格遮住" in p.reason] == [4, 6]
    statistics = read_workbook(REAL_LISTS / "2025年克拉玛依市统计局权责清单.xlsx")
    assert statistics.items[0].name.startswith("对拒绝配合统计调查、农业普查")
    assert statistics.items[0].category == "行政处罚"


@pytest.mark.skipif(not REAL_LISTS.is_dir(), reason=f"the real 权责清单 workbooks are not at {REAL_LISTS}")
def test_a_truncated_real_xls(tmp_path: Path) -> None:
    data = (REAL_LISTS / "克拉玛依市科学技术局2024年权责清单.xls").read_bytes()
    path = tmp_path / "cut.xls"
    path.write_bytes(data[: len(data) // 3])
    raises_workbook_error(
        path, r"^cut\.xls 是损坏的 \.xls 文件，无法读取（", r"^cut\.xls is a damaged \.xls file"
    )


def test_hidden_sheet_and_far_columns_are_reported(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "wide.xlsx", {"清单": [HEADER, [*item_row(1, "甲"), *([None] * 240), "远处"]]}
    )
    book = openpyxl.load_workbook(path)
    book["清单"].sheet_state = "hidden"
    book.create_sheet("封面").append(["说明"])
    book.save(path)
    result = read_workbook(path)
    assert [(p.sheet, p.row, p.column, p.reason) for p in result.problems] == [
        ("清单", 0, None, "该工作表在工作簿中是隐藏的；仍已读取"),
        ("清单", 0, "GS", "第200列以后的列不读取"),
        (
            "封面",
            0,
            None,
            "工作表未读取：第1-6行中没有表头行：表头须有“事项名称”及另外至少2个已知列；最接近的第1行只有备注",
        ),
    ]
    assert [p.reason_en for p in result.problems] == [
        "the sheet is hidden in the workbook; read anyway",
        "columns past 200 are not read",
        "sheet not read: no header row in rows 1-6: a header must name 事项名称 and 2 more known "
        "columns; the closest, row 1, names only 备注",
    ]
    assert result.sheets[0].hidden and result.items[0].extra == {}
