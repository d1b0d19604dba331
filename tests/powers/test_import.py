"""`liuquan powers import` / `export`: real workbooks, round trips, and bad files that change nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

from liuquan.cli import main
from liuquan.core.errors import InvalidInput
from liuquan.ledger import audit
from liuquan.ledger.models import Entry
from liuquan.powers import actions, exporting, importer
from liuquan.powers.models import ListEdition, PowerItem

QUANZE = Path(__file__).resolve().parents[3] / "shared" / "data" / "quanze-lists"
HEADER = exporting.COMMON_HEADER


def run(capsys, *args: str) -> tuple[int, str, str]:
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            code = main(["liuquan", *args])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def workbook(path: Path, rows: list[list[str]], *, title: str | None = "晋中市民政局权责清单") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "行政许可"
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


GOOD = [
    [
        "1",
        "社会团体成立登记",
        "",
        "行政许可",
        "【法规】《社会团体登记管理条例》第三条",
        "晋中市民政局",
        "社会组织科",
        "市级",
        "",
        "1.受理责任：依法受理",
        "《社会团体登记管理条例》",
        "经办人员",
        "不依法受理的",
        "",
    ],
    [
        "2",
        "对违法殡葬行为的处罚",
        "",
        "行政处罚",
        "【法规】《殡葬管理条例》第二十条",
        "晋中市民政局",
        "社会事务科",
        "市级",
        "",
        "1.立案责任",
        "",
        "执法人员",
        "",
        "",
    ],
]


def counts() -> tuple[int, int]:
    return Entry.objects.count(), PowerItem.objects.count()


def test_a_good_workbook_imports_into_a_draft_and_round_trips(world, capsys, tmp_path):
    path = workbook(tmp_path / "mzj.xlsx", GOOD)
    code, out, _ = run(capsys, "powers", "import", str(path), "--unit", "140700-MZJ", "--json")
    assert code == 0, out
    report = json.loads(out)["files"][0]
    assert report["items_imported"] == 2 and report["rejected"] == []
    assert (
        report["citations"] == 2 and report["citations_not_in_corpus"] == 2
    )  # no corpus loaded in this test
    edition = ListEdition.objects.get(unit=world.dept_a)
    assert edition.status == "draft"
    before = {(i.name, i.category, i.basis) for i in PowerItem.objects.filter(edition=edition)}
    assert ("社会团体成立登记", "licensing", "【法规】《社会团体登记管理条例》第三条") in before

    exported = tmp_path / "export.xlsx"
    code, _, _ = run(capsys, "powers", "export", "--unit", "140700-MZJ", "--format", "xlsx", str(exported))
    assert code == 0
    code, out, _ = run(capsys, "powers", "import", str(exported), "--unit", "140700-CZJ", "--json")
    assert code == 0, out
    again = PowerItem.objects.filter(edition__unit=world.dept_b)
    assert {(i.code, i.name, i.category, i.basis) for i in again} == {
        (i.code, i.name, i.category, i.basis) for i in PowerItem.objects.filter(edition=edition)
    }
    assert [d.content for d in again.get(name="社会团体成立登记").responsibilities.all()] == [
        "1.受理责任：依法受理"
    ]
    for fmt in ("csv", "json"):
        code, _, _ = run(
            capsys, "powers", "export", "--unit", "140700-MZJ", "--format", fmt, str(tmp_path / f"x.{fmt}")
        )
        assert code == 0
    assert json.loads((tmp_path / "x.json").read_text())["items"][0]["code"]
    assert audit.verify_records()[1] == []


def test_dry_run_and_strict_write_nothing(world, capsys, tmp_path):
    bad_row = ["3", "某事项", "", "不知道什么类", "", "", "", "", "", "", "", "", "", ""]
    path = workbook(tmp_path / "mixed.xlsx", [*GOOD, bad_row])
    before = counts()
    code, out, _ = run(capsys, "powers", "import", str(path), "--unit", "140700-MZJ", "--dry-run", "--json")
    assert code == 2 and counts() == before
    rejected = json.loads(out)["files"][0]["rejected"]
    assert rejected == [
        {
            "sheet": "行政许可",
            "row": 5,
            "column": None,
            "reason": "权力类型“不知道什么类”无法识别为十类行政权力或公共服务",
            "reason_en": "权力类型 '不知道什么类' is none of the ten kinds of administrative power or public service",
        }
    ]
    code, _, _ = run(capsys, "powers", "import", str(path), "--unit", "140700-MZJ", "--strict")
    assert code == 2 and counts() == before
    code, out, _ = run(capsys, "powers", "import", str(path), "--unit", "140700-MZJ")
    assert code == 2 and "rejected 行政许可 row 5: 权力类型“不知道什么类”无法识别" in out
    assert PowerItem.objects.count() == 2


# What the Chinese one-line error says about each bad file (bad.xlsx unless named).
BAD_FILE_MESSAGES = {
    "corrupt": "bad.xlsx 已损坏或不完整，无法作为 zip 容器（.xlsx）打开（",
    "docx": "renamed.xls 是一个 Word 文档（.docx），不是 Excel 工作簿",
    "empty": "bad.xlsx 中没有能识别出表头的工作表（“Sheet”：空工作表）",
    "no_header": "bad.xlsx 中没有能识别出表头的工作表（“Sheet”：第1-6行中没有表头行：没有一个单元格是已知的列名）",
    "text": "bad.xlsx 是纯文本文件（可能是 CSV），不是 Excel 工作簿；请用 Excel 或 WPS 打开后另存为 .xlsx",
}


@pytest.mark.parametrize("maker", ["corrupt", "docx", "empty", "no_header", "text"])
def test_bad_files_exit_1_and_change_nothing(world, capsys, tmp_path, maker):
    path = tmp_path / "bad.xlsx"
    if maker == "corrupt":
        workbook(path, GOOD)
        path.write_bytes(path.read_bytes()[:400])
    elif maker == "docx":
        path = tmp_path / "renamed.xls"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
    elif maker == "empty":
        Workbook().save(path)
    elif maker == "no_header":
        workbook(path, [["甲", "乙"], ["丙", "丁"]], title=None)
        book = Workbook()
        book.active.append(["这不是表头", "也不是"])
        book.save(path)
    else:
        path.write_text("序号,事项名称\n1,某事项\n")
    good = workbook(tmp_path / "good.xlsx", GOOD)
    before = counts()
    code, _, err = run(capsys, "powers", "import", str(good), str(path), "--unit", "140700-MZJ")
    assert code == 1
    assert err.count("\n") == 1 and path.name in err and "Traceback" not in err
    assert counts() == before  # the good file beside it was not written either
    assert BAD_FILE_MESSAGES[maker] in err and "未写入任何数据" in err


def test_an_unreadable_file_is_invalid_input_in_both_languages(world, tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(InvalidInput) as caught:
        importer.plan_import([path], edition=None)
    error = caught.value
    assert (error.code, error.detail) == ("unreadable_file", {"file": str(path)})
    assert error.message == "locked.xlsx 已加密（设置了打开密码），请去掉密码后另存再导入"
    assert error.message_en.startswith("locked.xlsx is password-protected (an encrypted .xlsx)")


def test_reader_warnings_reach_the_plan_in_both_languages(world, tmp_path):
    row = [*GOOD[0][:3], "", *GOOD[0][4:]]  # 权力类型 blank: taken from the sheet name 行政许可
    plan = importer.plan_import([workbook(tmp_path / "a.xlsx", [row])], edition=None)[0]
    [warning] = [w for w in plan.warnings if w.column == "D"]
    assert warning.as_dict() == {
        "sheet": "行政许可",
        "row": 3,
        "column": "D",
        "reason": "权力类型为空；按工作表名称取“行政许可”",
        "reason_en": "权力类型 is blank; took '行政许可' from the sheet name",
    }


def test_import_is_refused_while_the_list_is_under_review(world, capsys, tmp_path):
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    actions.do_add_items(actor=clerk, edition=edition, items=[actions.ItemInput("A1", "某事项", "licensing")])
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    code, _, err = run(
        capsys, "powers", "import", str(workbook(tmp_path / "g.xlsx", GOOD)), "--unit", "140700-MZJ"
    )
    assert code == 5 and "审核中" in err


@pytest.mark.skipif(not QUANZE.is_dir(), reason=f"real workbooks not found at {QUANZE}")
def test_every_real_workbook_imports(world, capsys):
    totals = {"items": 0, "citations": 0, "found": 0, "missing": 0, "not_in_corpus": 0}
    lines: list[str] = []
    for path in sorted(QUANZE.iterdir()):
        code, out, err = run(capsys, "powers", "import", str(path), "--unit", "140700-CZJ", "--json")
        assert code in {0, 2}, (path.name, err)
        report = json.loads(out)["files"][0]
        assert report["items_imported"] > 0, path.name
        totals["items"] += report["items_imported"]
        totals["citations"] += report["citations"]
        totals["found"] += report["citations_found"]
        totals["missing"] += report["citations_missing_article"]
        totals["not_in_corpus"] += report["citations_not_in_corpus"]
        lines.append(
            f"{path.name}: rows {report['rows_read']}, items {report['items_imported']}, "
            f"citations {report['citations']}, rejected {len(report['rejected'])}"
        )
    print("\n".join([*lines, str(totals)]))  # shown with -s
    assert totals["items"] >= 1300
    assert PowerItem.objects.filter(edition__unit__code="140700-CZJ").count() == totals["items"]
