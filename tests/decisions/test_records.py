"""Payments and appointments: the matching rules (decisions.records, pure) and the import of the unit's
files (`liuquan decisions import-payments` / `import-appointments`): exact amounts, dates as dates,
every bad cell named by file, sheet, row and column, and nothing written when any row is bad."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

from liuquan.cli import main
from liuquan.core.errors import Forbidden, InvalidInput
from liuquan.core.testing import unsealed
from liuquan.decisions import imports, records
from liuquan.decisions.models import Appointment, Payment
from liuquan.decisions.records import DecisionFacts, MatterLimit, PaymentFacts
from liuquan.decisions.rules import Category, Outcome
from liuquan.ledger.models import Entry

D = dt.date
TUESDAY_AFTER = D(2026, 11, 12)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MATTERS = [
    MatterLimit(Category.FUNDS, Decimal("500000")),
    MatterLimit(Category.PROJECT, Decimal("1000000")),
    MatterLimit(Category.PERSONNEL, None),
]
FUNDS = DecisionFacts(
    "JC-1", 1, Category.FUNDS, Outcome.PASSED, D(2026, 11, 10), Decimal("800000"), "向甲公司拨款"
)


def pay(
    amount: str, *, cites: str = "", day: D = TUESDAY_AFTER, payee: str = "乙公司", project: str = ""
) -> PaymentFacts:
    return PaymentFacts(1, 1, "V1", day, payee, Decimal(amount), "用途", project, cites)


# -- the rules (pure) ---------------------------------------------------------------------------------


def test_unit_rule_a_payment_under_the_funds_threshold_needs_no_decision():
    assert records.match_payment(pay("499999.99"), MATTERS, {}).how == "not_needed"
    assert records.match_payment(pay("500000.00"), MATTERS, {}).fault is records.Fault.UNDECIDED


def test_unit_rule_a_cited_decision_covers_only_if_passed_earlier_same_unit_and_enough():
    register = {"JC-1": FUNDS}
    assert records.match_payment(pay("800000", cites="JC-1"), MATTERS, register).how == "cited"
    assert "少于" in records.match_payment(pay("800000.01", cites="JC-1"), MATTERS, register).reason
    early = records.match_payment(pay("600000", cites="JC-1", day=D(2026, 11, 9)), MATTERS, register)
    assert early.fault is records.Fault.UNDECIDED and "晚于支付日期" in early.reason
    rejected = {"JC-1": DecisionFacts("JC-1", 1, Category.FUNDS, Outcome.REJECTED, D(2026, 11, 1), None, "")}
    assert "未获通过" in records.match_payment(pay("600000", cites="JC-1"), MATTERS, rejected).reason
    other = {"JC-1": DecisionFacts("JC-1", 2, Category.FUNDS, Outcome.PASSED, D(2026, 11, 1), None, "")}
    assert "不是本单位" in records.match_payment(pay("600000", cites="JC-1"), MATTERS, other).reason
    unknown = records.match_payment(pay("600000", cites="JC-9"), MATTERS, register)
    assert unknown.fault is records.Fault.UNKNOWN_NUMBER


def test_unit_rule_with_no_citation_exactly_one_decision_naming_the_payee_or_project_matches():
    assert records.match_payment(pay("600000", payee="甲公司"), MATTERS, {}, [FUNDS]).how == "matched"
    assert records.match_payment(pay("600000"), MATTERS, {}, [FUNDS]).fault is records.Fault.UNDECIDED
    twin = DecisionFacts("JC-2", 1, Category.FUNDS, Outcome.PASSED, D(2026, 11, 10), None, "甲公司项目")
    both = records.match_payment(pay("600000", payee="甲公司"), MATTERS, {}, [FUNDS, twin])
    assert both.fault is records.Fault.UNDECIDED and "2项决策" in both.reason
    project = DecisionFacts(
        "JC-3", 1, Category.PROJECT, Outcome.PASSED, D(2026, 11, 1), None, "XM-7 道路工程"
    )
    assert records.match_payment(pay("1200000", project="XM-7"), MATTERS, {}, [project]).how == "matched"
    # 60万 with a project code reaches only the funds threshold: a project decision does not cover it.
    assert records.match_payment(pay("600000", project="XM-7"), MATTERS, {}, [project]).fault is not None


def test_unit_rule_an_appointment_needs_a_passed_personnel_decision_before_it():
    person = DecisionFacts(
        "RS-1", 1, Category.PERSONNEL, Outcome.PASSED, D(2026, 11, 10), None, "任命张三为科长"
    )
    job = records.AppointmentFacts(1, 1, "张三", "科长", D(2026, 11, 12), "文1")
    assert records.match_appointment(job, {}, [person]).how == "matched"
    assert records.match_appointment(job, {"RS-1": person}, []).fault is records.Fault.UNDECIDED
    cited = records.AppointmentFacts(1, 1, "李四", "科长", D(2026, 11, 12), "文2", "RS-1")
    assert records.match_appointment(cited, {"RS-1": person}).how == "cited"
    early = records.AppointmentFacts(1, 1, "李四", "科长", D(2026, 11, 9), "文2", "RS-1")
    assert records.match_appointment(early, {"RS-1": person}).fault is records.Fault.UNDECIDED
    assert records.match_appointment(job, {"RS-1": FUNDS}, [FUNDS]).fault is records.Fault.UNDECIDED


def test_unit_rule_split_payments_each_under_together_at_the_threshold_within_the_window():
    def payment(key: int, day: D, amount: str, payee: str = "丙公司") -> PaymentFacts:
        return PaymentFacts(key, 1, f"V{key}", day, payee, Decimal(amount), "印制", "", "")

    def limit(unit: int, day: D, project: bool) -> Decimal:
        return Decimal("500000")

    rows = [
        payment(1, D(2026, 11, 1), "200000"),
        payment(2, D(2026, 11, 15), "200000"),
        payment(3, D(2026, 12, 1), "100000"),  # the 31st day from the first: outside a 30-day window
        payment(4, D(2026, 11, 20), "400000", payee="丁公司"),
    ]
    assert records.splits(rows, limit) == []
    rows.append(payment(5, D(2026, 11, 20), "100000"))
    found = records.splits(rows, limit)
    assert [[p.key for p in split.payments] for split in found] == [[1, 2, 5]]
    assert found[0].total == Decimal("500000")
    assert records.splits(rows, limit, window_days=10) == []


# -- importing ----------------------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            code = main(["liuquan", *args])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def workbook(path: Path, rows: list[list[object]], *, header: list[str] | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "11月支付"
    sheet.append(["晋中市民政局国库支付明细"])
    sheet.append(header or ["凭证号", "支付日期", "收款单位", "金额(元)", "摘要", "项目编码", "决策编号"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts() -> tuple[int, int, int]:
    return Payment.objects.count(), Appointment.objects.count(), Entry.objects.count()


def test_an_xlsx_file_is_read_exactly_amounts_as_decimals_and_dates_as_dates(world, tmp_path):
    path = workbook(
        tmp_path / "pay.xlsx",
        [
            [
                "V-1",
                D(2026, 11, 12),
                "甲公司",
                0.1 + 0.2,
                "办公用品",
                None,
                None,
            ],  # a sum: 0.30000000000000004
            [1002, "2026.11.13", "乙公司", 1234.56, "维修", "XM-1", ""],
            ["V-3", "20261114", "丙公司", "￥1,000.50", "印制", None, None],
        ],
    )
    plan = imports.plan_import(path, kind=imports.PAYMENTS, unit=world.dept_a)
    assert plan.problems == [] and plan.rows_read == 3
    assert imports.do_import(actor=world.person("clerk"), plan=plan) == 3
    rows = {row.voucher: row for row in Payment.objects.all()}
    assert rows["1002"].amount == Decimal("1234.56") and rows["1002"].paid_on == D(2026, 11, 13)
    assert rows["V-3"].amount == Decimal("1000.50") and rows["V-1"].paid_on == D(2026, 11, 12)
    assert rows["V-1"].amount == Decimal("0.30")


def test_a_malformed_file_names_file_sheet_row_and_column_and_writes_nothing(world, tmp_path, capsys):
    path = workbook(
        tmp_path / "bad.xlsx",
        [
            ["V-1", "2026-11-12", "甲公司", "12万", "办公用品", None, None],
            ["V-2", "2026-13-40", "乙公司", 100, "维修", None, None],
            ["V-3", "2026-11-12", "丙公司", 100.005, "维修", None, None],
            ["V-4", "2026-11-12", "丁公司", 100, "维修", None, None],
        ],
    )
    before = counts()
    code, out, _ = run(capsys, "decisions", "import-payments", str(path), "--unit", "140700-MZJ", "--json")
    assert code == 2 and counts() == before
    report = json.loads(out)
    assert report["imported"] is None and report["rows_read"] == 4 and report["rows_valid"] == 1
    where = [(p["file"], p["sheet"], p["row"], p["column"], p["header"]) for p in report["problems"]]
    assert where == [
        ("bad.xlsx", "11月支付", 3, "D", "金额"),
        ("bad.xlsx", "11月支付", 4, "B", "日期"),
        ("bad.xlsx", "11月支付", 5, "D", "金额"),
    ]
    assert "不是数字" in report["problems"][0]["reason"] and report["problems"][0]["reason_en"]
    assert "不存在" in report["problems"][1]["reason"] and "两位小数" in report["problems"][2]["reason"]
    code, out, _ = run(capsys, "decisions", "import-payments", str(path), "--unit", "140700-MZJ")
    assert code == 2 and "bad.xlsx：工作表“11月支付”第3行D列（金额）" in out and "未写入任何数据" in out


def test_a_missing_column_is_reported_at_the_header_and_nothing_is_written(world, tmp_path, capsys):
    path = workbook(
        tmp_path / "nocolumn.xlsx",
        [["V-1", "2026-11-12", "甲公司", "办公用品"]],
        header=["凭证号", "日期", "收款人", "用途"],
    )
    before = counts()
    code, out, _ = run(capsys, "decisions", "import-payments", str(path), "--unit", "140700-MZJ", "--json")
    assert code == 2 and counts() == before
    [problem] = json.loads(out)["problems"]
    assert (problem["row"], problem["column"], problem["header"]) == (2, "", "金额")
    assert "缺少“金额”列" in problem["reason"]


def test_cli_exit_codes_0_when_read_1_when_unreadable_and_dry_run_writes_nothing(world, tmp_path, capsys):
    args = ["decisions", "import-appointments", str(FIXTURES / "appointments.csv"), "--unit", "140700-MZJ"]
    before = counts()
    code, out, _ = run(capsys, *args, "--dry-run", "--json")
    assert code == 0 and counts() == before and json.loads(out)["imported"] is None
    code, out, _ = run(capsys, *args, "--json")
    assert code == 0 and json.loads(out)["imported"] == 2 and Appointment.objects.count() == 2
    code, out, _ = run(capsys, *args)
    assert code == 0 and "此前已导入2行" in out and "新写入0行" in out
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是工作簿")
    code, out, err = run(capsys, "decisions", "import-payments", str(text), "--unit", "140700-MZJ", "--json")
    assert code == 1 and err.count("\n") == 1 and "notes.xlsx" in err and "未写入任何数据" in err
    assert json.loads(out)["error"] == "unreadable_file"
    plain = tmp_path / "plain.csv"
    plain.write_text("甲,乙\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "decisions", "import-payments", str(plain), "--unit", "140700-MZJ")
    assert code == 1 and "表头" in err
    assert counts()[:2] == (0, 2)


def test_a_gb18030_csv_from_excel_is_read(world, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        "凭证号,日期,收款人,金额,用途\nG-1,2026-11-12,甲公司,100.00,办公用品\n".encode("gb18030")
    )
    plan = imports.plan_import(path, kind=imports.PAYMENTS, unit=world.dept_a)
    assert plan.problems == [] and len(plan.records) == 1


def test_a_record_imported_before_with_another_content_is_reported_never_changed(world, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text(
        "凭证号,日期,收款人,金额,用途\nV-1,2026-11-12,甲公司,100.00,办公用品\n", encoding="utf-8"
    )
    plan = imports.plan_import(first, kind=imports.PAYMENTS, unit=world.dept_a)
    imports.do_import(actor=world.person("clerk"), plan=plan)
    first.write_text(
        "凭证号,日期,收款人,金额,用途\nV-1,2026-11-12,甲公司,900.00,办公用品\n", encoding="utf-8"
    )
    again = imports.plan_import(first, kind=imports.PAYMENTS, unit=world.dept_a)
    [problem] = again.problems
    assert (problem.row, problem.column, problem.header) == (2, "D", "金额") and "不能更改" in problem.reason
    with pytest.raises(InvalidInput):
        imports.do_import(actor=world.person("clerk"), plan=again)
    assert Payment.objects.get().amount == Decimal("100.00")


def test_payments_are_sealed_on_the_ledger_and_imported_only_by_the_units_office(world, tmp_path):
    plan = imports.plan_import(FIXTURES / "payments.csv", kind=imports.PAYMENTS, unit=world.dept_a)
    with pytest.raises(Forbidden):
        imports.do_import(actor=world.person("reviewer"), plan=plan)
    imports.do_import(actor=world.person("clerk"), plan=plan)
    payment = Payment.objects.get(voucher="ZF-2026-0101")
    entry = Entry.objects.get(subject_type="decisions.Payment", subject_id=str(payment.pk))
    assert entry.action == "decisions.import_payments"
    assert unsealed(entry, payment)["amount"] == "800000.00"  # the leaf shows only that it is sealed
    assert "慈善总会" not in bytes(entry.data).decode()
