"""Reads for the supervision dashboards: yellow and red cards, on-time rates, weekly trends, the worst steps.

Everything is aggregated in the database over a set of units (a supervisor's scope, or part of it) and a
period of whole weeks; Python only shapes the handful of aggregate rows. The number of queries does not
grow with the number of cases, alerts or units (tests/supervision/test_dashboard.py counts them).

On-time rate: cases closed in the period on or before their due date ÷ cases closed in the period that
had a due date. Closed means 办结 or 终止 (the unit ended it); a case the applicant withdrew is not the
unit's to finish in time and is left out. A county's figures add up its units'; a department of the
city itself counts under the city (市本级).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DateField, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from liuquan.cases import queries as case_queries
from liuquan.cases.models import Case, CaseStatus, CaseStep
from liuquan.core.errors import Forbidden
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Region, RegionLevel, Unit
from liuquan.supervision.actions import SUPERVISORS
from liuquan.supervision.models import Alert, AlertLevel, AlertStatus, cards

ENDED_BY_UNIT = (CaseStatus.DONE, CaseStatus.TERMINATED)
RUNNING = (CaseStatus.OPEN, CaseStatus.CORRECTION, CaseStatus.SUSPENDED)
OPEN_ALERTS = (
    AlertStatus.OPEN,
    AlertStatus.CHECKING,
    AlertStatus.CHECKED,
    AlertStatus.CONFIRMED,
    AlertStatus.DISPOSED,
)
WORST_STEPS = 10
SAMPLE_CASES = 5
LATE_CASES = 30


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Sunday, ending with the week of `until` (cut at `until`)."""

    since: dt.date  # a Monday
    until: dt.date  # the last day counted (today, usually)

    @classmethod
    def last_weeks(cls, weeks: int, today: dt.date) -> Period:
        monday = today - dt.timedelta(days=today.weekday())
        return cls(since=monday - dt.timedelta(weeks=weeks - 1), until=today)

    @property
    def weeks(self) -> list[dt.date]:
        count = (self.until - self.since).days // 7 + 1
        return [self.since + dt.timedelta(weeks=n) for n in range(count)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes in the current time zone."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.since, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Figures:
    """The counts a unit, a county or the whole scope is judged by."""

    yellow: int = 0  # yellow cards raised in the period
    red: int = 0  # red cards raised in the period
    open_alerts: int = 0  # alerts not yet at an end (whenever raised)
    closed: int = 0  # cases closed in the period that had a due date
    on_time: int = 0  # … of which on or before the due date
    running: int = 0  # cases in progress now
    overdue: int = 0  # … of which past their due date now

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.closed)

    @property
    def on_time_percent(self) -> str:
        return percent(self.on_time_rate)

    @property
    def cases(self) -> int:
        """The cases the unit worked on: closed in the period, or in progress now."""
        return self.closed + self.running

    @property
    def cards_per_hundred(self) -> float | None:
        """Yellow and red cards raised in the period per hundred cases (None without cases)."""
        return None if not self.cases else 100 * (self.yellow + self.red) / self.cases

    @property
    def cards_per_hundred_text(self) -> str:
        value = self.cards_per_hundred
        return "—" if value is None else f"{value:.1f}"

    def add(self, other: Figures) -> None:
        for name in ("yellow", "red", "open_alerts", "closed", "on_time", "running", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class UnitRow:
    unit: Unit
    county: Region
    figures: Figures

    @property
    def county_label(self) -> str:
        return county_label(self.county)


@dataclass
class CountyRow:
    region: Region
    label: str
    units: int
    figures: Figures


@dataclass
class WeekRow:
    week: dt.date  # its Monday
    yellow: int = 0
    red: int = 0
    closed: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.closed)

    @property
    def on_time_percent(self) -> str:
        return percent(self.on_time_rate)


@dataclass
class StepRow:
    """One step of one power of one unit: how often it ran late and drew red cards in the period."""

    unit: Unit
    power_code: str
    power_name: str
    step: str
    name: str
    passes: int  # step passes due in the period
    late: int  # … finished after their due date, or still open past it
    red: int  # red cards raised on those passes
    cases: list[str] = field(default_factory=list)  # numbers of some of the late cases

    @property
    def late_rate(self) -> float | None:
        return rate(self.late, self.passes)


@dataclass
class LateCase:
    number: str
    unit: Unit
    power_name: str
    status: str
    current_step: str
    due_on: dt.date
    closed_on: dt.date | None
    days_late: int


@dataclass
class BacklogRow:
    """One checker's alerts not yet at an end: how many, how many past their check-by date, the oldest."""

    person: Person
    open: int
    overdue: int
    oldest: dt.date


# Ageing of the alerts not yet at an end, by days since raised: (label, lower bound in days).
AGE_BUCKETS = (("0–5", 0), ("6–15", 6), ("16–30", 16), ("31+", 31))


@dataclass
class Board:
    period: Period
    today: dt.date
    totals: Figures
    units: list[UnitRow]
    counties: list[CountyRow]
    weeks: list[WeekRow]
    steps: list[StepRow]
    late_cases: list[LateCase]
    backlog: list[BacklogRow] = field(default_factory=list)  # per checker, most overdue first
    unassigned: int = 0  # open cards nobody checks yet
    ageing: list[tuple[str, int]] = field(default_factory=list)  # (bucket, alerts not ended)


def county_of(region: Region) -> Region:
    """The county a region lies in; a city's (or province's) own region stands for itself (市本级).
    Needs region.parent.parent loaded (select_related) to read nothing more."""
    if region.level == RegionLevel.TOWNSHIP and region.parent is not None:
        return region.parent
    if region.level == RegionLevel.VILLAGE and region.parent is not None and region.parent.parent is not None:
        return region.parent.parent
    return region


def in_county(region: Region) -> Q:
    """Units whose county (county_of) is `region`."""
    return (
        Q(region=region)
        | Q(region__parent=region, region__level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
        | Q(region__parent__parent=region, region__level=RegionLevel.VILLAGE)
    )


def board(units: QuerySet[Unit], period: Period, *, today: dt.date | None = None) -> Board:
    """The dashboard of `units` over `period`: eight queries, whatever the amount of data."""
    today = today or timezone.localdate()
    per_unit = _per_unit(units, period, today)
    rows = _unit_rows(per_unit)
    return Board(
        period=period,
        today=today,
        totals=_total(row.figures for row in rows),
        units=rows,
        counties=_counties(rows),
        weeks=_weeks(units, period),
        steps=_worst_steps(units, period, today),
        late_cases=_late_cases(units, period, today),
        **_backlog(units, today),
    )


def _backlog(units: QuerySet[Unit], today: dt.date) -> dict[str, Any]:
    """The checkers' own backlog and the ageing of every card not yet at an end (two queries)."""
    pending = Alert.objects.filter(cards(), unit__in=units, status__in=OPEN_ALERTS)
    rows = (
        pending.filter(assignee__isnull=False)
        .values("assignee_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(respond_by__lt=today, status=AlertStatus.CHECKING)),
            oldest=Min("raised_at"),
        )
        .order_by()
        .values_list("assignee_id", "open", "overdue", "oldest")
    )
    found = list(rows)
    people = Person.objects.in_bulk([row[0] for row in found])
    backlog = [
        BacklogRow(people[pk], count, late, timezone.localtime(oldest).date())
        for pk, count, late, oldest in found
        if pk in people
    ]
    backlog.sort(key=lambda row: (-row.overdue, -row.open, row.person.username))
    ages: dict[str, int] = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    unassigned = 0
    for raised, assignee in pending.values_list("raised_at", "assignee_id").iterator(2000):
        days = max(0, (today - timezone.localtime(raised).date()).days)
        label = next(label for label, lower in reversed(AGE_BUCKETS) if days >= lower)
        ages[label] += 1
        unassigned += assignee is None
    return {"backlog": backlog, "unassigned": unassigned, "ageing": list(ages.items())}


def _total(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for one in figures:
        total.add(one)
    return total


def _per_unit(units: QuerySet[Unit], period: Period, today: dt.date) -> dict[int, Figures]:
    start, end = period.bounds()
    raised = Q(raised_at__gte=start, raised_at__lt=end)
    figures: dict[int, Figures] = defaultdict(Figures)
    for unit_id, yellow, red, open_alerts in (
        Alert.objects.filter(cards(), unit__in=units)
        .values("unit_id")
        .annotate(
            yellow=Count("pk", filter=raised & Q(level=AlertLevel.YELLOW)),
            red=Count("pk", filter=raised & Q(level=AlertLevel.RED)),
            open_alerts=Count("pk", filter=Q(status__in=OPEN_ALERTS)),
        )
        .order_by()
        .values_list("unit_id", "yellow", "red", "open_alerts")
    ):
        row = figures[unit_id]
        row.yellow, row.red, row.open_alerts = yellow, red, open_alerts
    closed = Q(status__in=ENDED_BY_UNIT, due_on__isnull=False, closed_at__gte=start, closed_at__lt=end)
    for unit_id, count, on_time, running, overdue in (
        Case.objects.filter(unit__in=units)
        .values("unit_id")
        .annotate(
            ended=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(closed_at__date__lte=F("due_on"))),
            running=Count("pk", filter=Q(status__in=RUNNING)),
            overdue=Count("pk", filter=Q(status=CaseStatus.OPEN, due_on__lt=today)),
        )
        .order_by()
        .values_list("unit_id", "ended", "on_time", "running", "overdue")
    ):
        row = figures[unit_id]
        row.closed, row.on_time, row.running, row.overdue = count, on_time, running, overdue
    return {unit_id: row for unit_id, row in figures.items() if _active(row)}


def _active(row: Figures) -> bool:
    return any((row.yellow, row.red, row.open_alerts, row.closed, row.running))


def _unit_rows(per_unit: dict[int, Figures]) -> list[UnitRow]:
    units = Unit.objects.filter(pk__in=list(per_unit)).select_related("region__parent__parent")
    rows = [UnitRow(unit=unit, county=county_of(unit.region), figures=per_unit[unit.pk]) for unit in units]
    rows.sort(key=_rank)
    return rows


def _rank(row: UnitRow) -> tuple[float, float, int, str]:
    """Worst first by rates, not counts (a busy unit is not worse for being busy): cards per hundred
    cases, then the on-time rate, then red cards. A unit with cards but no cases comes first (there is
    nothing to weigh its cards against); one with neither rate comes last."""
    figures = row.figures
    per_hundred = figures.cards_per_hundred
    if per_hundred is None:
        per_hundred = float("inf") if figures.yellow + figures.red else -1.0
    on_time = figures.on_time_rate
    return (-per_hundred, on_time if on_time is not None else 2.0, -figures.red, row.unit.code)


def county_label(region: Region) -> str:
    return region.name if region.level == RegionLevel.COUNTY else f"{region.name}（市本级）"


def _counties(rows: list[UnitRow]) -> list[CountyRow]:
    grouped: dict[int, CountyRow] = {}
    for row in rows:
        county = grouped.get(row.county.pk)
        if county is None:
            county = grouped[row.county.pk] = CountyRow(
                region=row.county, label=county_label(row.county), units=0, figures=Figures()
            )
        county.units += 1
        county.figures.add(row.figures)
    return sorted(grouped.values(), key=lambda row: row.region.code)


def _weeks(units: QuerySet[Unit], period: Period) -> list[WeekRow]:
    start, end = period.bounds()
    weeks = {monday: WeekRow(week=monday) for monday in period.weeks}
    for week, level, count in (
        Alert.objects.filter(cards(), unit__in=units, raised_at__gte=start, raised_at__lt=end)
        .annotate(week=TruncWeek("raised_at", output_field=DateField()))
        .values("week", "level")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("week", "level", "count")
    ):
        if week in weeks:
            setattr(weeks[week], "red" if level == AlertLevel.RED else "yellow", count)
    for week, count, on_time in (
        Case.objects.filter(
            unit__in=units,
            status__in=ENDED_BY_UNIT,
            due_on__isnull=False,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .annotate(week=TruncWeek("closed_at", output_field=DateField()))
        .values("week")
        .annotate(count=Count("pk"), on_time=Count("pk", filter=Q(closed_at__date__lte=F("due_on"))))
        .order_by()
        .values_list("week", "count", "on_time")
    ):
        if week in weeks:
            weeks[week].closed, weeks[week].on_time = count, on_time
    return list(weeks.values())


STEP_KEY = ("case__unit_id", "case__power_code", "step")


def _late(today: dt.date) -> Q:
    return Q(completed_at__date__gt=F("due_on")) | Q(completed_at__isnull=True, due_on__lt=today)


def _worst_steps(units: QuerySet[Unit], period: Period, today: dt.date) -> list[StepRow]:
    """The steps with the most red cards, then the most late passes, among passes due in the period."""
    passes = CaseStep.objects.filter(
        case__unit__in=units, due_on__gte=period.since, due_on__lte=period.until
    ).exclude(outcome="skipped")
    top = list(
        passes.values(*STEP_KEY, "case__power_name", "name")
        .annotate(
            passes=Count("pk", distinct=True),
            late=Count("pk", distinct=True, filter=_late(today)),
            red=Count("alerts", distinct=True, filter=Q(alerts__level=AlertLevel.RED)),
        )
        .filter(Q(late__gt=0) | Q(red__gt=0))
        .order_by("-red", "-late", "case__unit_id", "case__power_code", "step")[:WORST_STEPS]
    )
    if not top:
        return []
    units_by_id = {
        unit.pk: unit for unit in Unit.objects.filter(pk__in={row["case__unit_id"] for row in top})
    }
    rows: dict[tuple[int, str, str], StepRow] = {}
    for row in top:
        key = (row["case__unit_id"], row["case__power_code"], row["step"])
        if key in rows:  # the same step under another name in an older flow version
            rows[key].passes += row["passes"]
            rows[key].late += row["late"]
            rows[key].red += row["red"]
            continue
        rows[key] = StepRow(
            unit=units_by_id[row["case__unit_id"]],
            power_code=row["case__power_code"],
            power_name=row["case__power_name"],
            step=row["step"],
            name=row["name"],
            passes=row["passes"],
            late=row["late"],
            red=row["red"],
        )
    which = Q()
    for unit_id, power_code, step in rows:
        which |= Q(case__unit_id=unit_id, case__power_code=power_code, step=step)
    samples = (
        passes.filter(which)
        .filter(_late(today))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F(name) for name in STEP_KEY],
                order_by=[F("due_on").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=SAMPLE_CASES)
        .values_list(*STEP_KEY, "case__number")
    )
    for unit_id, power_code, step, number in samples:
        row = rows[(unit_id, power_code, step)]
        if number not in row.cases:
            row.cases.append(number)
    return list(rows.values())


def _late_cases(units: QuerySet[Unit], period: Period, today: dt.date) -> list[LateCase]:
    """Cases running past their due date now, and cases closed late in the period (oldest due first)."""
    start, end = period.bounds()
    rows = (
        Case.objects.filter(unit__in=units)
        .filter(
            Q(status=CaseStatus.OPEN, due_on__lt=today)
            | Q(
                status__in=ENDED_BY_UNIT,
                closed_at__gte=start,
                closed_at__lt=end,
                closed_at__date__gt=F("due_on"),
            )
        )
        .select_related("unit", "definition")
        .order_by("due_on", "number")[:LATE_CASES]
    )
    found = []
    flows: dict[int, Any] = {}
    for case in rows:
        assert case.due_on is not None  # both conditions compare it
        closed_on = timezone.localtime(case.closed_at).date() if case.closed_at else None
        if case.definition_id not in flows:
            flows[case.definition_id] = case.definition.flow
        found.append(
            LateCase(
                number=case.number,
                unit=case.unit,
                power_name=case.power_name,
                status=case.get_status_display(),
                current_step=case_queries.open_step_names(flows[case.definition_id], case.current_step),
                due_on=case.due_on,
                closed_on=closed_on,
                days_late=((closed_on or today) - case.due_on).days,
            )
        )
    return found


# Who may look ----------------------------------------------------------------------------------------


def access_units(person: Person) -> QuerySet[Unit]:
    """The units a 纪检 or 审计 person supervises; Forbidden for anyone else."""
    scope = org_queries.scope_of(person, SUPERVISORS)
    if not (person.is_active and (scope.everything or scope.unit_ids or scope.region_prefixes)):
        raise Forbidden(
            "只有纪检、审计人员可以查看监督统计",
            message_en="Only inspectors and auditors see the supervision dashboards",
        )
    return Unit.objects.filter(scope.unit_filter())


def scope_name(person: Person) -> str:
    """What a supervisor's reach is called: the regions and units of their 纪检/审计 grants."""
    names = []
    for grant in org_queries.grants_of(person):
        if grant.role not in SUPERVISORS:
            continue
        name = grant.unit.name if grant.unit is not None else grant.region.name if grant.region else ""
        if name and name not in names:
            names.append(name)
    return "、".join(names)
