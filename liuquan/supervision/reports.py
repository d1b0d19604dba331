"""The monthly supervision report (电子监察月报): cases and on-time rates per unit, alerts by rule and level,
how the alerts were handled (and whether within the handling time), and the 处置 decided — as an Excel
workbook and as a PDF.

The report is a document for the record, written in Chinese whatever language the reader's console
is in (like the rule catalogue and the domain errors' messages). The figures are aggregated in the
database; the PDF is drawn with Cairo (already there for cairosvg) in a CJK font found through
fontconfig, and refuses with a clear message on a machine with no Chinese font installed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from liuquan.cases.models import Case
from liuquan.core.errors import ConfigurationError, InvalidInput
from liuquan.org.models import Unit
from liuquan.supervision import rules, stats
from liuquan.supervision.catalog import MARKERS, short_name
from liuquan.supervision.models import (
    Alert,
    AlertLevel,
    AlertNote,
    AlertStatus,
    Sanction,
    SanctionKind,
    cards,
)

LEVEL_NAMES: dict[str, str] = {AlertLevel.YELLOW: "黄牌", AlertLevel.RED: "红牌"}
SANCTION_NAMES: dict[str, str] = {
    SanctionKind.REMIND: "提醒",
    SanctionKind.TALK: "约谈",
    SanctionKind.CIRCULATE: "通报",
    SanctionKind.ACCOUNTABILITY: "问责",
    SanctionKind.CORRECT: "责令整改",
}
NO_LINE_START = frozenset("，。、；：？！）》」』”’%")
SANCTION_ROWS = 200  # the PDF and the workbook list at most this many 处置 one by one


# The figures -----------------------------------------------------------------------------------------


@dataclass
class UnitLine:
    code: str
    name: str
    county: str
    received: int = 0  # cases received in the month
    closed: int = 0  # cases the unit ended (办结, 终止) in the month
    closed_due: int = 0  # … that had a due date
    on_time: int = 0  # … closed on or before it
    yellow: int = 0
    red: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return stats.rate(self.on_time, self.closed_due)


@dataclass
class RuleLine:
    rule: str
    name: str
    yellow: int = 0
    red: int = 0


@dataclass
class HandlingLine:
    """The alerts of one rule and level raised in the month, by where their handling stands now."""

    rule: str
    level: str
    raised: int
    open: int  # 待核查
    checking: int  # 核查中
    confirmed: int  # 核查属实, 处置中
    closed: int  # 处置完毕, 办结
    dismissed: int  # 核查不实, 撤销
    cured: int  # 原因消除, 自动解除
    sla_met: int  # taken up (assigned, dismissed or confirmed) by the check-by date
    sla_missed: int  # taken up after it, or not yet and the date has passed


@dataclass
class SanctionLine:
    unit: str
    kind: str
    count: int
    people: int


@dataclass
class SanctionRow:
    decided_on: dt.date
    unit: str
    subject: str
    kind: str
    stage: str
    people: int
    text: str


@dataclass
class Monthly:
    year: int
    month: int
    scope_name: str
    generated_at: dt.datetime
    units: list[UnitLine]
    rules: list[RuleLine]
    handling: list[HandlingLine]
    sanctions: list[SanctionLine]
    sanction_rows: list[SanctionRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.scope_name}电子监察月报（{self.year}年{self.month}月）"

    def total(self, name: str) -> int:
        """The sum of a UnitLine figure over the units."""
        return sum(getattr(line, name) for line in self.units)

    def handled(self, name: str) -> int:
        """The sum of a HandlingLine figure over the rules and levels."""
        return sum(getattr(line, name) for line in self.handling)

    @property
    def yellow(self) -> int:
        return sum(line.yellow for line in self.rules)

    @property
    def red(self) -> int:
        return sum(line.red for line in self.rules)

    @property
    def ended(self) -> int:
        """Alerts of the month at an end: closed, dismissed or cured."""
        return self.handled("closed") + self.handled("dismissed") + self.handled("cured")

    @property
    def on_time_rate(self) -> float | None:
        return stats.rate(self.total("on_time"), self.total("closed_due"))


def month_period(year: int, month: int) -> stats.Period:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise InvalidInput(
            f"没有 {year} 年 {month} 月", message_en=f"No such month: {year}-{month:02d}", field="month"
        )
    last = calendar.monthrange(year, month)[1]
    return stats.Period(since=dt.date(year, month, 1), until=dt.date(year, month, last))


def monthly_data(
    year: int,
    month: int,
    *,
    scope_units: QuerySet[Unit],
    scope_name: str = "",
    today: dt.date | None = None,
) -> Monthly:
    """The month's figures for the units of `scope_units` (a fixed number of queries)."""
    period = month_period(year, month)
    today = today or timezone.localdate()
    return Monthly(
        year=year,
        month=month,
        scope_name=scope_name,
        generated_at=timezone.localtime(),
        units=_units(scope_units, period),
        rules=_rules(scope_units, period),
        handling=_handling(scope_units, period, today),
        sanctions=_sanctions(scope_units, period),
        sanction_rows=_sanction_rows(scope_units, period),
    )


def monthly(
    year: int, month: int, *, scope_units: QuerySet[Unit], scope_name: str = ""
) -> tuple[bytes, bytes]:
    """The report of `year`-`month` over `scope_units`: (xlsx bytes, pdf bytes)."""
    data = monthly_data(year, month, scope_units=scope_units, scope_name=scope_name)
    return to_xlsx(data), to_pdf(data)


def _units(units: QuerySet[Unit], period: stats.Period) -> list[UnitLine]:
    start, end = period.bounds()
    in_month = Q(closed_at__gte=start, closed_at__lt=end, status__in=stats.ENDED_BY_UNIT)
    lines: dict[int, UnitLine] = {}
    found: dict[int, dict[str, int]] = {}
    for row in (
        Case.objects.filter(unit__in=units)
        .values("unit_id")
        .annotate(
            received=Count("pk", filter=Q(received_at__gte=start, received_at__lt=end)),
            ended=Count("pk", filter=in_month),
            closed_due=Count("pk", filter=in_month & Q(due_on__isnull=False)),
            on_time=Count("pk", filter=in_month & Q(closed_at__date__lte=F("due_on"))),
        )
        .order_by()
    ):
        row["closed"] = row.pop("ended")  # "closed" would shadow Case.closed
        found.setdefault(row["unit_id"], {}).update(row)
    for row in (
        Alert.objects.filter(cards(), unit__in=units, raised_at__gte=start, raised_at__lt=end)
        .values("unit_id")
        .annotate(
            yellow=Count("pk", filter=Q(level=AlertLevel.YELLOW)),
            red=Count("pk", filter=Q(level=AlertLevel.RED)),
        )
        .order_by()
    ):
        found.setdefault(row["unit_id"], {}).update(row)
    active = {
        unit_id: row
        for unit_id, row in found.items()
        if any(row.get(name) for name in ("received", "closed", "yellow", "red"))
    }
    for unit in Unit.objects.filter(pk__in=list(active)).select_related("region__parent__parent"):
        row = active[unit.pk]
        lines[unit.pk] = UnitLine(
            code=unit.code,
            name=unit.name,
            county=stats.county_label(stats.county_of(unit.region)),
            **{name: row.get(name, 0) for name in ("received", "closed", "closed_due", "on_time")},
            yellow=row.get("yellow", 0),
            red=row.get("red", 0),
        )
    return sorted(lines.values(), key=lambda line: line.code)


def _rules(units: QuerySet[Unit], period: stats.Period) -> list[RuleLine]:
    start, end = period.bounds()
    lines = {
        name: RuleLine(rule=name, name=short_name(name)) for name in rules.REGISTRY if name not in MARKERS
    }
    for rule, level, count in (
        Alert.objects.filter(cards(), unit__in=units, raised_at__gte=start, raised_at__lt=end)
        .values("rule", "level")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("rule", "level", "count")
    ):
        line = lines.setdefault(rule, RuleLine(rule=rule, name=short_name(rule)))
        setattr(line, "red" if level == AlertLevel.RED else "yellow", count)
    return list(lines.values())


def _handling(units: QuerySet[Unit], period: stats.Period, today: dt.date) -> list[HandlingLine]:
    start, end = period.bounds()
    first_note = AlertNote.objects.filter(alert=OuterRef("pk")).order_by("at", "pk").values("at")[:1]
    met = Q(first_at__date__lte=F("respond_by"))
    missed = Q(first_at__date__gt=F("respond_by")) | (
        Q(first_at__isnull=True, respond_by__lt=today)
        & ~Q(status=AlertStatus.CURED, ended_at__date__lte=F("respond_by"))
    )
    rows = (
        Alert.objects.filter(cards(), unit__in=units, raised_at__gte=start, raised_at__lt=end)
        .annotate(first_at=Subquery(first_note))
        .values("rule", "level")
        .annotate(
            raised=Count("pk"),
            open=Count("pk", filter=Q(status=AlertStatus.OPEN)),
            checking=Count("pk", filter=Q(status__in=[AlertStatus.CHECKING, AlertStatus.CHECKED])),
            confirmed=Count("pk", filter=Q(status__in=[AlertStatus.CONFIRMED, AlertStatus.DISPOSED])),
            closed=Count("pk", filter=Q(status=AlertStatus.CLOSED)),
            dismissed=Count("pk", filter=Q(status=AlertStatus.DISMISSED)),
            cured=Count("pk", filter=Q(status=AlertStatus.CURED)),
            sla_met=Count("pk", filter=met),
            sla_missed=Count("pk", filter=missed),
        )
        .order_by()
    )
    order = list(rules.REGISTRY)
    lines = [HandlingLine(**row) for row in rows]
    lines.sort(key=lambda line: (order.index(line.rule) if line.rule in order else len(order), line.level))
    return lines


def _sanctions(units: QuerySet[Unit], period: stats.Period) -> list[SanctionLine]:
    start, end = period.bounds()
    rows = (
        Sanction.objects.filter(alert__unit__in=units, decided_at__gte=start, decided_at__lt=end)
        .values("alert__unit__code", "alert__unit__name", "kind")
        .annotate(count=Count("pk", distinct=True), people=Count("people", distinct=True))
        .order_by("alert__unit__code", "kind")
    )
    return [
        SanctionLine(
            unit=row["alert__unit__name"],
            kind=SANCTION_NAMES.get(row["kind"], row["kind"]),
            count=row["count"],
            people=row["people"],
        )
        for row in rows
    ]


def _sanction_rows(units: QuerySet[Unit], period: stats.Period) -> list[SanctionRow]:
    start, end = period.bounds()
    rows = (
        Sanction.objects.filter(alert__unit__in=units, decided_at__gte=start, decided_at__lt=end)
        .annotate(people_count=Count("people", distinct=True))
        .select_related("alert__unit")
        .order_by("decided_at", "pk")[:SANCTION_ROWS]
    )
    return [
        SanctionRow(
            decided_on=timezone.localtime(row.decided_at).date(),
            unit=row.alert.unit.name,
            subject=row.alert.subject,
            kind=SANCTION_NAMES.get(row.kind, row.kind),
            stage=row.stage,
            people=row.people_count,
            text=row.text,
        )
        for row in rows
    ]


# The workbook ----------------------------------------------------------------------------------------

UNIT_HEADERS = [
    "单位代码",
    "单位",
    "所属区县",
    "收件",
    "办结",
    "有时限办结",
    "按时办结",
    "按时办结率",
    "黄牌",
    "红牌",
]
RULE_HEADERS = ["规则代码", "名称", "黄牌", "红牌", "合计"]
HANDLING_HEADERS = [
    "规则代码",
    "名称",
    "等级",
    "预警数",
    "待核查",
    "核查中",
    "处置中",
    "已办结",
    "已撤销",
    "自动解除",
    "按时核查",
    "超时未核查",
]
SANCTION_HEADERS = ["单位", "处置方式", "起数", "涉及人数"]
SANCTION_ROW_HEADERS = ["决定日期", "单位", "预警", "处置方式", "责任环节", "涉及人数", "处置决定"]


def to_xlsx(data: Monthly) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    assert summary is not None
    summary.title = "概况"
    summary.append([data.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["生成时间", data.generated_at.strftime("%Y-%m-%d %H:%M")])
    summary.append([])
    for label, value in _summary_lines(data):
        summary.append([label, value])
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 16
    for cell in summary["B"]:
        if isinstance(cell.value, float):
            cell.number_format = "0.0%"

    def sheet(title: str, headers: list[str], rows: Iterable[list[Any]], widths: list[int]) -> None:
        page = book.create_sheet(title)
        page.append(headers)
        for cell in page[1]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            page.append(row)
        page.freeze_panes = "A2"
        for index, width in enumerate(widths, start=1):
            page.column_dimensions[get_column_letter(index)].width = width
        for row in page.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%"

    sheet(
        "各单位",
        UNIT_HEADERS,
        (
            [
                line.code,
                line.name,
                line.county,
                line.received,
                line.closed,
                line.closed_due,
                line.on_time,
                line.on_time_rate,
                line.yellow,
                line.red,
            ]
            for line in data.units
        ),
        [16, 30, 16, 8, 8, 11, 10, 11, 8, 8],
    )
    sheet(
        "按规则",
        RULE_HEADERS,
        ([line.rule, line.name, line.yellow, line.red, line.yellow + line.red] for line in data.rules),
        [22, 22, 8, 8, 8],
    )
    sheet(
        "预警处置",
        HANDLING_HEADERS,
        (
            [
                line.rule,
                short_name(line.rule),
                LEVEL_NAMES.get(line.level, line.level),
                line.raised,
                line.open,
                line.checking,
                line.confirmed,
                line.closed,
                line.dismissed,
                line.cured,
                line.sla_met,
                line.sla_missed,
            ]
            for line in data.handling
        ),
        [22, 16, 6, 8, 8, 8, 8, 8, 8, 9, 9, 11],
    )
    sheet(
        "处置问责",
        SANCTION_HEADERS,
        ([line.unit, line.kind, line.count, line.people] for line in data.sanctions),
        [30, 12, 8, 10],
    )
    sheet(
        "处置明细",
        SANCTION_ROW_HEADERS,
        (
            [row.decided_on, row.unit, row.subject, row.kind, row.stage, row.people, row.text]
            for row in data.sanction_rows
        ),
        [12, 26, 40, 10, 10, 9, 50],
    )
    for cell in book["处置明细"]["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _summary_lines(data: Monthly) -> list[tuple[str, int | float | str]]:
    rate = data.on_time_rate
    return [
        ("监督范围", data.scope_name or "—"),
        ("统计期间", f"{data.year}年{data.month}月"),
        ("收件", data.total("received")),
        ("办结", data.total("closed")),
        ("有时限的办结", data.total("closed_due")),
        ("按时办结", data.total("on_time")),
        ("按时办结率", rate if rate is not None else "—"),
        ("黄牌", data.yellow),
        ("红牌", data.red),
        ("预警已办结、撤销或自动解除", data.ended),
        ("按时核查", data.handled("sla_met")),
        ("超时未核查", data.handled("sla_missed")),
        ("处置问责（起）", sum(line.count for line in data.sanctions)),
        ("涉及人员（人次）", sum(line.people for line in data.sanctions)),
    ]


# The PDF ---------------------------------------------------------------------------------------------


class CjkFontMissing(ConfigurationError):
    """No font with Chinese glyphs is installed: a PDF would show empty boxes, so none is made."""

    code = "cjk_font_missing"


@dataclass(frozen=True)
class CjkFont:
    family: str  # what fontconfig (and so Cairo) calls it
    path: str


# Where Debian's CJK font packages put their regular faces, for machines without the fc-* tools.
KNOWN_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),  # fonts-noto-cjk
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing CN"),  # fonts-arphic-uming
]
PREFERRED = "Noto Sans CJK SC"


@cache
def cjk_font() -> CjkFont:
    """A font that has Simplified Chinese: fontconfig's choice for 'Noto Sans CJK SC' when it covers
    zh-cn, else one of Debian's CJK font files; CjkFontMissing when there is none."""
    found = _fontconfig_match()
    if found is not None:
        return found
    for path, family in KNOWN_FONTS:
        if Path(path).is_file():
            return CjkFont(family=family, path=path)
    raise CjkFontMissing(
        "未安装中文字体，无法生成 PDF 报告：请在服务器上安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）",
        message_en="No Chinese font is installed, so the PDF cannot be made: install fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) on the server",
    )


def _fontconfig_match() -> CjkFont | None:
    tool = shutil.which("fc-match")
    if tool is None:
        return None
    for pattern in (f"{PREFERRED}:lang=zh-cn", "sans-serif:lang=zh-cn"):
        try:
            answer = subprocess.run(  # noqa: S603 - a fixed tool and pattern, no shell
                [tool, "--format=%{family[0]}\t%{file}\t%{lang}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        family, _, rest = answer.partition("\t")
        path, _, langs = rest.partition("\t")
        if family and path and "zh-cn" in langs.split("|"):
            return CjkFont(family=family, path=path)
    return None


def to_pdf(data: Monthly) -> bytes:
    font = cjk_font()
    pdf = _Pdf(font.family, title=data.title)
    pdf.heading(data.title, 17)
    pdf.line(
        f"监督范围：{data.scope_name or '—'}    生成时间：{data.generated_at:%Y-%m-%d %H:%M}", 9, muted=True
    )
    pdf.gap(10)
    pdf.heading("一、总体情况", 13)
    rate = data.on_time_rate
    pdf.paragraph(
        f"本月收件 {data.total('received')} 件，办结 {data.total('closed')} 件；其中有办理时限的 "
        f"{data.total('closed_due')} 件，按时办结 {data.total('on_time')} 件，按时办结率 {stats.percent(rate)}。"
        f"本月产生预警 {data.yellow + data.red} 条，其中黄牌 {data.yellow} 条、红牌 {data.red} 条；"
        f"已办结、撤销或自动解除 {data.ended} 条，按时核查 {data.handled('sla_met')} 条，"
        f"超时未核查 {data.handled('sla_missed')} 条。作出处置 {sum(line.count for line in data.sanctions)} 起，"
        f"涉及 {sum(line.people for line in data.sanctions)} 人次。",
        10,
    )
    pdf.gap(8)
    pdf.heading("二、各单位办件与预警", 13)
    pdf.table(
        ["单位", "所属区县", "收件", "办结", "有时限", "按时", "按时率", "黄牌", "红牌"],
        [
            [
                line.name,
                line.county,
                line.received,
                line.closed,
                line.closed_due,
                line.on_time,
                stats.percent(line.on_time_rate),
                line.yellow,
                line.red,
            ]
            for line in data.units
        ],
        [0.27, 0.19, 0.07, 0.07, 0.08, 0.07, 0.09, 0.08, 0.08],
        empty="本月无办件和预警。",
    )
    pdf.gap(8)
    pdf.heading("三、预警按规则统计", 13)
    pdf.table(
        ["规则", "黄牌", "红牌", "合计"],
        [[line.name, line.yellow, line.red, line.yellow + line.red] for line in data.rules],
        [0.55, 0.15, 0.15, 0.15],
    )
    pdf.gap(8)
    pdf.heading("四、预警处置情况", 13)
    pdf.table(
        [
            "规则",
            "等级",
            "预警",
            "待核查",
            "核查中",
            "处置中",
            "办结",
            "撤销",
            "自动解除",
            "按时核查",
            "超时",
        ],
        [
            [
                short_name(line.rule),
                LEVEL_NAMES.get(line.level, line.level),
                line.raised,
                line.open,
                line.checking,
                line.confirmed,
                line.closed,
                line.dismissed,
                line.cured,
                line.sla_met,
                line.sla_missed,
            ]
            for line in data.handling
        ],
        [0.2, 0.06, 0.07, 0.08, 0.08, 0.08, 0.07, 0.07, 0.1, 0.1, 0.09],
        empty="本月无预警。",
    )
    pdf.line(
        "按时核查：在核查期限内分配核查、撤销或确认；超时：过了核查期限才办理，或至今未办理。", 8, muted=True
    )
    pdf.gap(8)
    pdf.heading("五、处置问责", 13)
    pdf.table(
        ["单位", "处置方式", "起数", "涉及人数"],
        [[line.unit, line.kind, line.count, line.people] for line in data.sanctions],
        [0.5, 0.2, 0.15, 0.15],
        empty="本月无处置。",
    )
    if data.sanction_rows:
        pdf.gap(6)
        pdf.table(
            ["日期", "单位", "预警", "处置方式", "处置决定"],
            [
                [f"{row.decided_on:%m-%d}", row.unit, row.subject, row.kind, row.text]
                for row in data.sanction_rows
            ],
            [0.08, 0.2, 0.32, 0.1, 0.3],
        )
    return pdf.finish()


class _Pdf:
    """A4 pages of headings, paragraphs and ruled tables, drawn with Cairo's own text API (fontconfig
    finds the face by family; Chinese needs no shaping beyond that)."""

    WIDTH, HEIGHT, MARGIN = 595.0, 842.0, 48.0

    def __init__(self, family: str, *, title: str) -> None:
        import cairocffi  # installed with cairosvg (declared in pyproject)

        self.cairo = cairocffi
        self.family = family
        self.buffer = io.BytesIO()
        self.surface = cairocffi.PDFSurface(self.buffer, self.WIDTH, self.HEIGHT)
        self.surface.set_metadata(cairocffi.PDF_METADATA_TITLE, title)
        self.surface.set_metadata(cairocffi.PDF_METADATA_CREATOR, "liuquan")
        self.context = cairocffi.Context(self.surface)
        self.y = self.MARGIN
        self.page = 1

    @property
    def inner(self) -> float:
        return self.WIDTH - 2 * self.MARGIN

    def font(self, size: float, *, bold: bool = False) -> None:
        weight = self.cairo.FONT_WEIGHT_BOLD if bold else self.cairo.FONT_WEIGHT_NORMAL
        self.context.select_font_face(self.family, self.cairo.FONT_SLANT_NORMAL, weight)
        self.context.set_font_size(size)

    def colour(self, grey: float = 0.0) -> None:
        self.context.set_source_rgb(grey, grey, grey)

    def measure(self, text: str) -> float:
        return float(self.context.text_extents(text)[4])

    def write(self, x: float, y: float, text: str) -> None:
        self.context.move_to(x, y)
        self.context.show_text(text)

    def fit(self, text: str, width: float) -> str:
        """`text` cut with an ellipsis to fit `width` (in the current font)."""
        if self.measure(text) <= width:
            return text
        while text and self.measure(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def room(self, height: float) -> bool:
        return self.y + height <= self.HEIGHT - self.MARGIN - 18

    def ensure(self, height: float) -> None:
        if not self.room(height):
            self.new_page()

    def footer(self) -> None:
        self.font(8)
        self.colour(0.45)
        label = f"第 {self.page} 页"
        self.write((self.WIDTH - self.measure(label)) / 2, self.HEIGHT - self.MARGIN / 2, label)
        self.colour()

    def new_page(self) -> None:
        self.footer()
        self.context.show_page()
        self.page += 1
        self.y = self.MARGIN

    def gap(self, height: float) -> None:
        self.y += height

    def heading(self, text: str, size: float) -> None:
        self.ensure(size * 3)
        self.font(size, bold=True)
        self.colour()
        self.y += size * 1.2
        self.write(self.MARGIN, self.y, text)
        self.y += size * 0.6

    def line(self, text: str, size: float, *, muted: bool = False) -> None:
        self.ensure(size * 1.6)
        self.font(size)
        self.colour(0.4 if muted else 0.0)
        self.y += size * 1.4
        self.write(self.MARGIN, self.y, self.fit(text, self.inner))
        self.colour()

    def paragraph(self, text: str, size: float) -> None:
        """Text wrapped at the margin (Chinese breaks between any two characters)."""
        self.font(size)
        lines, current = [], ""
        for char in text:
            # A closing mark stays at the end of its line (标点禁则), even a little past the margin.
            if self.measure(current + char) > self.inner and char not in NO_LINE_START:
                lines.append(current)
                current = char
            else:
                current += char
        if current:
            lines.append(current)
        for text_line in lines:
            self.ensure(size * 1.7)
            self.font(size)
            self.y += size * 1.7
            self.write(self.MARGIN, self.y, text_line)

    def table(
        self, headers: list[str], rows: list[list[Any]], widths: list[float], *, empty: str = ""
    ) -> None:
        size, height = 8.5, 16.0
        columns = [fraction * self.inner for fraction in widths]

        def header() -> None:
            self.context.rectangle(self.MARGIN, self.y, self.inner, height)
            self.context.set_source_rgb(0.93, 0.945, 0.96)
            self.context.fill()
            self.colour()
            self.font(size, bold=True)
            self.cells(headers, columns, height, numeric=[False] * len(headers))
            self.y += height

        self.ensure(height * 2)
        header()
        if not rows and empty:
            self.font(size)
            self.colour(0.4)
            self.write(self.MARGIN + 4, self.y + height - 5, empty)
            self.colour()
            self.y += height
        for row in rows:
            if not self.room(height):
                self.new_page()
                header()
            self.font(size)
            self.cells(row, columns, height, numeric=[isinstance(value, int | float) for value in row])
            self.context.set_source_rgb(0.85, 0.87, 0.9)
            self.context.set_line_width(0.5)
            self.context.move_to(self.MARGIN, self.y + height)
            self.context.line_to(self.MARGIN + self.inner, self.y + height)
            self.context.stroke()
            self.colour()
            self.y += height

    def cells(self, values: list[Any], columns: list[float], height: float, *, numeric: list[bool]) -> None:
        x = self.MARGIN
        for value, width, right in zip(values, columns, numeric, strict=True):
            text = self.fit(str(value), width - 8)
            left = x + width - 4 - self.measure(text) if right else x + 4
            self.write(left, self.y + height - 5, text)
            x += width

    def finish(self) -> bytes:
        self.footer()
        self.surface.finish()
        return self.buffer.getvalue()
