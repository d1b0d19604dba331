"""The supervision rules: what each looks for, its parameters, and whether its alert may cure itself.

Each rule turns facts into Findings with a stable key (the alert's identity), so running a rule twice
raises nothing twice. Breaches and completed steps are read by id and time from high-water marks. The
clock rules read every open step and case past its warning or due date that has no such alert yet
(indexed on the dates the engine stored when the clock started): one that arrives already overdue from
another system, or comes back from a pause past its date, is found on the next sweep like any other.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from liuquan.cases.models import Breach, Case, CaseStatus, CaseStep, IngestedEvent
from liuquan.core.calendar import WorkCalendar
from liuquan.decisions import records
from liuquan.decisions.models import (
    Appointment,
    Attendance,
    Catalogue,
    CatalogueStatus,
    Decision,
    MatterType,
    Payment,
    Refusal,
    Statement,
)
from liuquan.decisions.rules import Category, Outcome
from liuquan.flows.models import ProcessDefinition
from liuquan.flows.spec import StepKind, TransitionKind
from liuquan.org.models import Oversight
from liuquan.supervision.catalog import RULES
from liuquan.supervision.models import Alert


@dataclass(frozen=True)
class Finding:
    key: str
    rule: str
    level: str  # "yellow" | "red" | "notice" (a marker, never a card: catalog.MARKERS)
    unit_id: int
    subject: str
    case_id: int | None = None
    case_step_id: int | None = None
    step: str = ""  # the flow step key, to find a risk point bound to the rule
    definition_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What a run of the rules knows: today, the calendar, the marks, parameters, an optional case filter."""

    today: date
    now: datetime
    calendar: WorkCalendar
    params: dict[str, dict[str, Any]]
    marks: dict[str, int]  # source → last id read
    since_time: datetime | None = None  # the latest completion the last sweep read
    case_ids: list[int] | None = None  # per-event runs look at these cases only
    definitions: dict[int, Any] = field(default_factory=dict)  # definition id → Flow (cache)
    memo: dict[str, Any] = field(default_factory=dict)  # rows several rules read, read once

    def flow(self, definition_id: int) -> Any:
        if definition_id not in self.definitions:
            self.definitions[definition_id] = ProcessDefinition.objects.get(pk=definition_id).flow
        return self.definitions[definition_id]

    def cases(self, query: Any, field_name: str = "case_id") -> Any:
        return query.filter(**{f"{field_name}__in": self.case_ids}) if self.case_ids is not None else query


@dataclass(frozen=True)
class Rule:
    name: str
    find: Callable[[Context], Iterator[Finding]]
    defaults: dict[str, Any] = field(default_factory=dict)
    cures: bool = False  # the alert ends by itself when its cause is gone (a late case stays late)

    @property
    def description(self) -> str:
        return RULES[self.name]


def completed_since(ctx: Context) -> Any:
    """Steps completed since the last sweep: rows created since (ingested history arrives with its own,
    older times) or completed since. A per-event run looks at every completed step of its cases."""
    done = CaseStep.objects.filter(completed_at__isnull=False)
    if ctx.case_ids is not None:
        return done.filter(case_id__in=ctx.case_ids)
    fresh = Q(pk__gt=ctx.marks.get("step", 0))
    if ctx.since_time is not None:
        fresh |= Q(completed_at__gt=ctx.since_time)
    return done.filter(fresh)


def _unalerted(rows: Any, rule: str, *, steps: bool) -> Any:
    """`rows` (steps or cases) that have no `rule` alert yet: the clock rules look at every row past its
    date, whenever and in whatever order it arrived, and leave out those already raised (or cured)."""
    if steps:
        alerts = Alert.objects.filter(rule=rule, case_step=OuterRef("pk"))
    else:
        alerts = Alert.objects.filter(rule=rule, case=OuterRef("pk"), case_step__isnull=True)
    return rows.filter(~Exists(alerts))


STEP_COLUMNS = (
    "pk",
    "case_id",
    "step",
    "name",
    "due_on",
    "warn_on",
    "case__unit_id",
    "case__number",
    "case__definition_id",
)


def _time_yellow(ctx: Context) -> Iterator[Finding]:
    if ctx.case_ids is not None:
        return  # a clock rule: the sweep's job (an event cannot make a step near its due date)
    steps = CaseStep.objects.filter(completed_at__isnull=True, warn_on__lte=ctx.today, due_on__gte=ctx.today)
    steps = _unalerted(steps.filter(case__status=CaseStatus.OPEN), "time_yellow", steps=True)
    for pk, case_id, step, name, due, _warn, unit_id, number, definition in steps.values_list(
        *STEP_COLUMNS
    ).iterator(2000):
        yield Finding(
            f"time_yellow:step:{pk}",
            "time_yellow",
            "yellow",
            unit_id,
            f"{number}「{name}」临近时限（{due}）",
            case_id,
            pk,
            step,
            definition,
            {"due_on": due.isoformat()},
        )
    cases = Case.objects.filter(status=CaseStatus.OPEN, warn_on__lte=ctx.today, due_on__gte=ctx.today)
    cases = _unalerted(cases, "time_yellow", steps=False)
    for pk, unit_id, number, due, definition in cases.values_list(
        "pk", "unit_id", "number", "due_on", "definition_id"
    ).iterator(2000):
        yield Finding(
            f"time_yellow:case:{pk}",
            "time_yellow",
            "yellow",
            unit_id,
            f"{number} 临近办结时限（{due}）",
            pk,
            None,
            "",
            definition,
            {"due_on": due.isoformat()},
        )


def completed_late(completed: datetime, due: date | None) -> bool:
    """A step completed after its due date (the day, in local time, is what the limit counts)."""
    return due is not None and timezone.localtime(completed).date() > due


def after_hours(completed: datetime, params: dict[str, Any], calendar: WorkCalendar) -> str | None:
    """Why a decision at `completed` falls outside working hours ("非工作日" or "夜间"), or None."""
    local = timezone.localtime(completed)
    start, end = time.fromisoformat(params["day_starts"]), time.fromisoformat(params["day_ends"])
    working = calendar.is_workday(local.date()).is_workday
    if working and start <= local.time() < end:
        return None
    return "非工作日" if not working else "夜间"


def _time_red(ctx: Context) -> Iterator[Finding]:
    if ctx.case_ids is None:
        yield from _past_due(ctx)
    yield from _completed_late(ctx)


def _past_due(ctx: Context) -> Iterator[Finding]:
    steps = CaseStep.objects.filter(completed_at__isnull=True, due_on__lt=ctx.today)
    steps = _unalerted(steps.filter(case__status=CaseStatus.OPEN), "time_red", steps=True)
    for pk, case_id, step, name, due, _warn, unit_id, number, definition in steps.values_list(
        *STEP_COLUMNS
    ).iterator(2000):
        yield Finding(
            f"time_red:step:{pk}",
            "time_red",
            "red",
            unit_id,
            f"{number}「{name}」超过时限（{due}）",
            case_id,
            pk,
            step,
            definition,
            {"due_on": due.isoformat()},
        )
    cases = _unalerted(
        Case.objects.filter(status=CaseStatus.OPEN, due_on__lt=ctx.today), "time_red", steps=False
    )
    for pk, unit_id, number, due, definition in cases.values_list(
        "pk", "unit_id", "number", "due_on", "definition_id"
    ).iterator(2000):
        yield Finding(
            f"time_red:case:{pk}",
            "time_red",
            "red",
            unit_id,
            f"{number} 超过办结时限（{due}）",
            pk,
            None,
            "",
            definition,
            {"due_on": due.isoformat()},
        )


def _completed_late(ctx: Context) -> Iterator[Finding]:
    """Steps completed after their due date (one finished late between two sweeps is late all the same),
    and cases closed after their case limit although each step met its own (5+10+5+10 working days
    against a 20-day case limit)."""
    late = completed_since(ctx).filter(due_on__isnull=False)
    for pk, case_id, step, name, due, completed, unit_id, number, definition in late.values_list(
        "pk",
        "case_id",
        "step",
        "name",
        "due_on",
        "completed_at",
        "case__unit_id",
        "case__number",
        "case__definition_id",
    ).iterator(2000):
        if completed_late(completed, due):
            yield Finding(
                f"time_red:step:{pk}",
                "time_red",
                "red",
                unit_id,
                f"{number}「{name}」超期办理（{due}）",
                case_id,
                pk,
                step,
                definition,
                {"due_on": due.isoformat()},
            )
    closed = Case.objects.filter(
        pk__in=completed_since(ctx).values("case_id"),
        status=CaseStatus.DONE,
        due_on__isnull=False,
        closed_at__isnull=False,
    )
    for pk, unit_id, number, due, closed_at, definition in closed.values_list(
        "pk", "unit_id", "number", "due_on", "closed_at", "definition_id"
    ).iterator(2000):
        if closed_at is not None and due is not None and completed_late(closed_at, due):
            yield Finding(
                f"time_red:case:{pk}",
                "time_red",
                "red",
                unit_id,
                f"{number} 超过办结时限办结（时限 {due}，办结于 {timezone.localtime(closed_at):%Y-%m-%d}）",
                pk,
                None,
                "",
                definition,
                {"due_on": due.isoformat()},
            )


BREACH_RULES = {
    "separation_of_duties": "separation_breach",
    "skipped_step": "skipped_step",
    "out_of_order": "out_of_order",
    "illegal_transition": "out_of_order",
    "case_closed": "out_of_order",
    "outside_list": "outside_list",
    "repeated_correction": "repeated_correction",
    "unapproved_extension": "unapproved_extension",
    "not_authorised": "unauthorised_attempt",
    "unknown_person": "unknown_person",
}


class BreachRow(NamedTuple):
    pk: int
    unit_id: int
    case_id: int | None
    kind: str
    step: str
    refused: bool
    message: str
    number: str | None
    definition: int | None
    external_case: str  # "source/case id" of an ingested breach
    person_id: int | None
    external_person: str


def _new_breaches(ctx: Context) -> list[BreachRow]:
    """The breaches since the last sweep (or of the run's cases), read once for all the breach rules."""
    if "breaches" not in ctx.memo:
        rows = ctx.cases(
            Breach.objects.filter(pk__gt=ctx.marks.get("breach", 0), kind__in=list(BREACH_RULES))
        )
        ctx.memo["breaches"] = [
            BreachRow(*values)
            for values in rows.values_list(
                "pk",
                "unit_id",
                "case_id",
                "kind",
                "step",
                "refused",
                "message",
                "case__number",
                "case__definition_id",
                "external_case",
                "person_id",
                "external_person",
            )
        ]
    loaded: list[BreachRow] = ctx.memo["breaches"]
    return loaded


# One alert per case for these, however many events repeat the fault: a 补正 sent twice is one breach
# of art. 32, and every event of a case outside the list is the same exercise of a power not listed.
PER_CASE = frozenset({"repeated_correction", "outside_list"})
# Breach rules whose cards are yellow even for what happened (ingested): who it was is not known.
YELLOW = frozenset({"unknown_person"})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _breach_key(rule: str, row: BreachRow) -> str:
    """The alert's identity: what one fault is, however many breach rows record it."""
    if rule == "unknown_person":  # once per name and unit, whatever case it came with
        return f"{rule}:{row.unit_id}:{_digest(row.external_person)}"
    if rule == "unauthorised_attempt":  # one per person and case (or unit), however often they try
        if row.case_id is not None:
            return f"{rule}:case:{row.case_id}:{row.person_id}"
        return f"{rule}:unit:{row.unit_id}:{row.person_id}"
    if rule in PER_CASE and row.case_id is not None:
        return f"{rule}:case:{row.case_id}"
    if rule in PER_CASE and row.external_case:  # "source/case id" may be long: the key holds its digest
        return f"{rule}:external:{_digest(row.external_case)}"
    return f"{rule}:breach:{row.pk}"


def _breaches(rule: str) -> Callable[[Context], Iterator[Finding]]:
    kinds = [kind for kind, name in BREACH_RULES.items() if name == rule]

    def find(ctx: Context) -> Iterator[Finding]:
        # A refused attempt at the console is a warning; an ingested breach (it happened) is a red card.
        # Console mistakes (a wrong step or outcome) are not deviations; ingested ones are.
        for row in _new_breaches(ctx):
            if row.kind not in kinds:
                continue
            if row.refused and row.kind in {"illegal_transition", "case_closed"}:
                continue
            detail: dict[str, Any] = {"breach": row.pk, "kind": row.kind, "refused": row.refused}
            if row.external_case:
                detail["external_case"] = row.external_case
            yield Finding(
                _breach_key(rule, row),
                rule,
                "yellow" if row.refused or rule in YELLOW else "red",
                row.unit_id,
                f"{row.number or '外部办件 ' + row.external_case}：{row.message}"[:300],
                row.case_id,
                None,
                row.step,
                row.definition,
                detail,
            )

    return find


def _repeated_correction(ctx: Context) -> Iterator[Finding]:
    """A second 补正 with no new submission (refused at the console, recorded from other systems), and any
    case asked to correct more than once at all: art. 32 wants every correction told at once."""
    found = list(_breaches("repeated_correction")(ctx))
    yield from found
    seen = {finding.case_id for finding in found}
    cases = Case.objects.filter(pk__in=completed_since(ctx).values("case_id"), corrections__gt=1)
    for pk, unit_id, number, count, definition in cases.values_list(
        "pk", "unit_id", "number", "corrections", "definition_id"
    ):
        if pk not in seen:
            yield Finding(
                f"repeated_correction:case:{pk}",
                "repeated_correction",
                "yellow",
                unit_id,
                f"{number} 已 {count} 次要求补正",
                pk,
                None,
                "",
                definition,
                {"corrections": count},
            )


def _ingest_gap(ctx: Context) -> Iterator[Finding]:
    """Cases of other systems whose events have waited longer than the set hours for a predecessor that
    never came: what follows the gap cannot be held to the flow, so it must not wait unseen."""
    if ctx.case_ids is not None:
        return  # a clock rule: the sweep's job
    hours = int(ctx.params["ingest_gap"]["hours"])
    waiting = list(
        IngestedEvent.objects.filter(applied=False, received_at__lt=ctx.now - timedelta(hours=hours))
        .values("source_id", "source__name", "source__unit_id", "case_id")
        .annotate(first=Min("seq"), count=Count("pk"))
        .order_by("source_id", "case_id")
    )
    # The cases already open here (their first events applied), read at once.
    cases = {
        (source, external): (pk, definition)
        for source, external, pk, definition in Case.objects.filter(
            source__in={f"ingest:{row['source__name']}" for row in waiting},
            external_id__in={row["case_id"] for row in waiting},
        ).values_list("source", "external_id", "pk", "definition_id")
    }
    for row in waiting:
        external = f"{row['source__name']}/{row['case_id']}"
        case_id, definition = cases.get((f"ingest:{row['source__name']}", row["case_id"]), (None, None))
        yield Finding(
            f"ingest_gap:{row['source_id']}:{_digest(row['case_id'])}",
            "ingest_gap",
            "yellow",
            row["source__unit_id"],
            f"外部办件 {external}：{row['count']} 条事件（自第 {row['first']} 号起）等待其前序事件"[:300],
            case_id,
            None,
            "",
            definition,
            {
                "external_case": external,
                "waiting": row["count"],
                "source": row["source_id"],
                "source_case": row["case_id"],
            },
        )


def _after_hours(ctx: Context) -> Iterator[Finding]:
    params = ctx.params["after_hours_decision"]
    # Decisions by staff at the console and by people of other systems (ingested) alike.
    rows = completed_since(ctx).filter(Q(completed_by__isnull=False) | ~Q(external_person=""))
    for pk, case_id, step, name, completed, unit_id, number, definition in rows.values_list(
        "pk",
        "case_id",
        "step",
        "name",
        "completed_at",
        "case__unit_id",
        "case__number",
        "case__definition_id",
    ).iterator(2000):
        flow_step = ctx.flow(definition).step(step)
        if flow_step is None or flow_step.kind is not StepKind.DECIDE:
            continue
        when = after_hours(completed, params, ctx.calendar)
        if when is None:
            continue
        local = timezone.localtime(completed)
        yield Finding(
            f"after_hours_decision:step:{pk}",
            "after_hours_decision",
            "yellow",
            unit_id,
            f"{number}「{name}」在{when}作出（{local:%Y-%m-%d %H:%M}）",
            case_id,
            pk,
            step,
            definition,
            {"at": local.isoformat()},
        )


def _frequent_return(ctx: Context) -> Iterator[Finding]:
    limit = int(ctx.params["frequent_return"]["max_returns"])
    fresh = completed_since(ctx)
    case_ids = set(fresh.values_list("case_id", flat=True))
    if not case_ids:
        return
    counts: dict[int, int] = defaultdict(int)
    info: dict[int, tuple[int, str, int]] = {}
    for case_id, step, outcome, unit_id, number, definition in CaseStep.objects.filter(
        case_id__in=case_ids, completed_at__isnull=False
    ).values_list("case_id", "step", "outcome", "case__unit_id", "case__number", "case__definition_id"):
        move = next((t for t in ctx.flow(definition).outgoing(step) if t.outcome == outcome), None)
        if move is not None and move.kind is TransitionKind.RETURN:
            counts[case_id] += 1
        info[case_id] = (unit_id, number, definition)
    for case_id, count in counts.items():
        if count > limit:
            unit_id, number, definition = info[case_id]
            yield Finding(
                f"frequent_return:case:{case_id}",
                "frequent_return",
                "yellow",
                unit_id,
                f"{number} 被退回 {count} 次",
                case_id,
                None,
                "",
                definition,
                {"returns": count, "max": limit},
            )


def _leader_oversight(ctx: Context) -> Iterator[Finding]:
    if ctx.case_ids is not None:
        return
    rows = Oversight.objects.filter(is_exception=True, ended_at__isnull=True).select_related("unit", "leader")
    for row in rows:
        yield Finding(
            f"leader_oversight:oversight:{row.pk}",
            "leader_oversight",
            "yellow",
            row.unit_id,
            f"{row.unit.name}主要负责人直接分管“{row.area}”（登记的例外）",
            detail={"oversight": row.pk, "area": row.area},
        )


def _provisional(ctx: Context) -> Iterator[Finding]:
    rows = ctx.cases(
        Case.objects.filter(
            provisional=True, status__in=[CaseStatus.OPEN, CaseStatus.CORRECTION, CaseStatus.SUSPENDED]
        ),
        "pk",
    )
    for pk, unit_id, number, due, definition in rows.values_list(
        "pk", "unit_id", "number", "due_on", "definition_id"
    ):
        yield Finding(
            f"provisional_calendar:case:{pk}",
            "provisional_calendar",
            "notice",
            unit_id,
            f"{number} 的到期日按暂定日历计算（{due}）",
            pk,
            None,
            "",
            definition,
            {"due_on": due.isoformat() if due else None},
        )


# -- 三重一大: money and appointments against the decision register (decisions.records has the rules) -----

DecisionRegister = tuple[dict[str, records.DecisionFacts], dict[int, list[records.DecisionFacts]]]


def _register(ctx: Context) -> DecisionRegister:
    """The decision register by number, and each unit's decisions (read once for the three rules)."""
    if "decision_register" not in ctx.memo:
        by_number: dict[str, records.DecisionFacts] = {}
        by_unit: dict[int, list[records.DecisionFacts]] = defaultdict(list)
        for number, unit_id, category, outcome, decided_at, amount, title in Decision.objects.values_list(
            "number",
            "unit_id",
            "category",
            "outcome",
            "decided_at",
            "item__topic__amount",
            "item__topic__title",
        ).iterator(2000):
            facts = records.DecisionFacts(
                number,
                unit_id,
                Category(category),
                Outcome(outcome),
                timezone.localtime(decided_at).date(),
                amount,
                title,
            )
            by_number[number] = facts
            by_unit[unit_id].append(facts)
        ctx.memo["decision_register"] = (by_number, dict(by_unit))
    loaded: DecisionRegister = ctx.memo["decision_register"]
    return loaded


def _catalogues(ctx: Context) -> dict[int, list[tuple[date, list[records.MatterLimit]]]]:
    """Each unit's published catalogues (in force, and those they superseded), oldest first, with the
    local day each came into force and its matters' thresholds."""
    if "decision_catalogues" not in ctx.memo:
        versions: dict[int, tuple[int, date]] = {}
        for pk, unit_id, published_at in (
            Catalogue.objects.exclude(status=CatalogueStatus.DRAFT)
            .filter(published_at__isnull=False)
            .values_list("pk", "unit_id", "published_at")
        ):
            versions[pk] = (unit_id, timezone.localtime(published_at).date())
        matters: dict[int, list[records.MatterLimit]] = defaultdict(list)
        for catalogue_id, category, threshold in MatterType.objects.filter(
            catalogue_id__in=list(versions)
        ).values_list("catalogue_id", "category", "threshold"):
            matters[catalogue_id].append(records.MatterLimit(Category(category), threshold))
        by_unit: dict[int, list[tuple[date, list[records.MatterLimit]]]] = defaultdict(list)
        for pk, (unit_id, since) in sorted(versions.items(), key=lambda item: (item[1][1], item[0])):
            by_unit[unit_id].append((since, matters[pk]))
        ctx.memo["decision_catalogues"] = dict(by_unit)
    loaded: dict[int, list[tuple[date, list[records.MatterLimit]]]] = ctx.memo["decision_catalogues"]
    return loaded


def _matters_on(ctx: Context, unit_id: int, day: date) -> list[records.MatterLimit]:
    """The matters of the unit's catalogue in force on `day` (none before its first was published)."""
    in_force: list[records.MatterLimit] = []
    for since, matters in _catalogues(ctx).get(unit_id, ()):
        if since > day:
            break
        in_force = matters
    return in_force


class PaymentVerdict(NamedTuple):
    payment: records.PaymentFacts
    verdict: records.Verdict


def _payments(ctx: Context) -> list[PaymentVerdict]:
    """Every payment with its verdict (read once for the three payment rules)."""
    if "payment_verdicts" not in ctx.memo:
        by_number, by_unit = _register(ctx)
        found = []
        for values in Payment.objects.values_list(
            "pk", "unit_id", "voucher", "paid_on", "payee", "amount", "purpose", "project", "cites"
        ).iterator(2000):
            payment = records.PaymentFacts(*values)
            matters = _matters_on(ctx, payment.unit, payment.paid_on)
            verdict = records.match_payment(payment, matters, by_number, by_unit.get(payment.unit, ()))
            found.append(PaymentVerdict(payment, verdict))
        ctx.memo["payment_verdicts"] = found
    loaded: list[PaymentVerdict] = ctx.memo["payment_verdicts"]
    return loaded


def _raised(rule: str) -> set[str]:
    """The keys `rule` has raised: what is already an alert is not judged again."""
    return set(Alert.objects.filter(rule=rule).values_list("key", flat=True))


def _payment_detail(payment: records.PaymentFacts, verdict: records.Verdict) -> dict[str, Any]:
    # No payee: the alert's detail holds no personal data.
    return {
        "payment": payment.key,
        "voucher": payment.voucher,
        "paid_on": payment.paid_on.isoformat(),
        "amount": str(payment.amount),
        "cites": payment.cites,
        "why": verdict.reason_en,
    }


def _undecided_spending(ctx: Context) -> Iterator[Finding]:
    """A payment at or above the threshold of the catalogue in force on its day, with no decision."""
    if ctx.case_ids is not None:
        return  # not about cases: the sweep's job
    raised = _raised("undecided_major_spending")
    for payment, verdict in _payments(ctx):
        key = f"undecided_major_spending:payment:{payment.key}"
        if verdict.fault is records.Fault.UNDECIDED and key not in raised:
            yield Finding(
                key,
                "undecided_major_spending",
                "red",
                payment.unit,
                verdict.reason[:300],
                detail=_payment_detail(payment, verdict),
            )


def _appointments(ctx: Context) -> Iterator[tuple[records.AppointmentFacts, records.Verdict]]:
    by_number, by_unit = _register(ctx)
    for values in Appointment.objects.values_list(
        "pk", "unit_id", "person_name", "post", "appointed_on", "document", "cites"
    ).iterator(2000):
        appointment = records.AppointmentFacts(*values)
        yield (
            appointment,
            records.match_appointment(appointment, by_number, by_unit.get(appointment.unit, ())),
        )


def _appointment_detail(appointment: records.AppointmentFacts, verdict: records.Verdict) -> dict[str, Any]:
    # No name: the alert's detail holds no personal data.
    return {
        "appointment": appointment.key,
        "document": appointment.document,
        "appointed_on": appointment.appointed_on.isoformat(),
        "cites": appointment.cites,
        "why": verdict.reason_en,
    }


def _undecided_appointment(ctx: Context) -> Iterator[Finding]:
    """An appointment with no passed personnel decision of its unit before it."""
    if ctx.case_ids is not None:
        return
    raised = _raised("undecided_appointment")
    for appointment, verdict in _appointments(ctx):
        key = f"undecided_appointment:appointment:{appointment.key}"
        if verdict.fault is records.Fault.UNDECIDED and key not in raised:
            yield Finding(
                key,
                "undecided_appointment",
                "red",
                appointment.unit,
                verdict.reason[:300],
                detail=_appointment_detail(appointment, verdict),
            )


def _split_below_threshold(ctx: Context) -> Iterator[Finding]:
    """Payments to one payee for one purpose within the window, each under the threshold and covered by
    no decision, together at or above it."""
    if ctx.case_ids is not None:
        return
    window = int(ctx.params["split_below_threshold"]["window_days"])
    loose = [
        payment
        for payment, verdict in _payments(ctx)
        if verdict.how == "not_needed"
        and not (payment.cites.strip() and payment.cites.strip() in _register(ctx)[0])
    ]

    def limit_on(unit_id: int, day: date, project: bool) -> Decimal | None:
        return records.threshold(_matters_on(ctx, unit_id, day), project=project)

    raised = _raised("split_below_threshold")
    for split in records.splits(loose, limit_on, window_days=window):
        key = f"split_below_threshold:{split.first.unit}:payment:{split.first.key}"
        if key in raised:
            continue
        vouchers = "、".join(payment.voucher for payment in split.payments)
        days = (split.payments[-1].paid_on - split.first.paid_on).days + 1
        yield Finding(
            key,
            "split_below_threshold",
            "yellow",
            split.first.unit,
            (
                f"凭证 {vouchers}：{len(split.payments)}笔支付给同一收款人、用于“{split.first.purpose}”，"
                f"{days}天内合计{records.yuan(split.total)}，每笔均低于{records.yuan(split.threshold)}的集体决策标准"
            )[:300],
            detail={
                "payments": [payment.key for payment in split.payments],
                "vouchers": [payment.voucher for payment in split.payments],
                "total": str(split.total),
                "threshold": str(split.threshold),
                "first": split.first.paid_on.isoformat(),
                "last": split.payments[-1].paid_on.isoformat(),
                "window_days": window,
            },
        )


def _decision_by_one(ctx: Context) -> Iterator[Finding]:
    """A passed decision whose meeting heard nobody but the principal on it, and a payment or an
    appointment citing a decision number the register does not hold: a matter decided outside a
    meeting."""
    if ctx.case_ids is not None:
        return
    raised = _raised("decision_by_one")
    principal = Attendance.objects.filter(
        meeting_id=OuterRef("item__meeting_id"), person_id=OuterRef("person_id"), principal=True
    )
    others = Statement.objects.filter(item_id=OuterRef("item_id")).filter(~Exists(principal))
    alone = Decision.objects.filter(outcome=Outcome.PASSED.value).filter(~Exists(others))
    for pk, number, unit_id, matter, decided_at in alone.values_list(
        "pk", "number", "unit_id", "matter_name", "decided_at"
    ):
        key = f"decision_by_one:decision:{pk}"
        if key not in raised:
            yield Finding(
                key,
                "decision_by_one",
                "red",
                unit_id,
                f"决策 {number}（{matter}）：会议上除主要负责人外无人表态，实为一人决策"[:300],
                detail={"decision": pk, "number": number, "decided_at": decided_at.isoformat()},
            )
    for payment, verdict in _payments(ctx):
        key = f"decision_by_one:payment:{payment.key}"
        if verdict.fault is records.Fault.UNKNOWN_NUMBER and key not in raised:
            yield Finding(
                key,
                "decision_by_one",
                "red",
                payment.unit,
                verdict.reason[:300],
                detail=_payment_detail(payment, verdict),
            )
    for appointment, verdict in _appointments(ctx):
        key = f"decision_by_one:appointment:{appointment.key}"
        if verdict.fault is records.Fault.UNKNOWN_NUMBER and key not in raised:
            yield Finding(
                key,
                "decision_by_one",
                "red",
                appointment.unit,
                verdict.reason[:300],
                detail=_appointment_detail(appointment, verdict),
            )


def _quorum_override(ctx: Context) -> Iterator[Finding]:
    """A topic refused for want of a quorum (`no_quorum`) and then decided in the same meeting.

    A refusal does not name its topic; the quorum is checked at a topic's first statement, so the refused
    topic is one that had no statement yet at the refusal, and the one whose first statement came first
    after it (the secretary trying the same topic again once more members signed in)."""
    if ctx.case_ids is not None:
        return
    refused: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, meeting_id, at in Refusal.objects.filter(code="no_quorum", meeting__isnull=False).values_list(
        "pk", "meeting_id", "at"
    ):
        refused[meeting_id].append((pk, at))
    if not refused:
        return
    raised = _raised("quorum_override")
    items: dict[int, list[tuple[datetime, int, str, int]]] = defaultdict(list)
    for meeting_id, first, decision, number, unit_id in (
        Decision.objects.filter(item__meeting_id__in=list(refused))
        .annotate(first=Min("item__statements__at"))
        .values_list("item__meeting_id", "first", "pk", "number", "unit_id")
    ):
        if first is not None:
            items[meeting_id].append((first, decision, number, unit_id))
    for meeting_id, attempts in refused.items():
        for refusal, at in sorted(attempts, key=lambda attempt: attempt[1]):
            later = sorted(
                item for item in items.get(meeting_id, ()) if item[0] >= at
            )  # a stopped clock ties
            if not later:
                continue
            first, decision, number, unit_id = later[0]
            key = f"quorum_override:decision:{decision}"
            if key in raised:
                continue
            raised.add(key)
            yield Finding(
                key,
                "quorum_override",
                "yellow",
                unit_id,
                f"决策 {number}：该议题因到会人数不足被拒绝讨论（{timezone.localtime(at):%Y-%m-%d %H:%M}）后，"
                "在同一次会议上又作出决定"[:300],
                detail={"decision": decision, "number": number, "refusal": refusal, "meeting": meeting_id},
            )


REGISTRY: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("time_yellow", _time_yellow, {"share": 0.8}, cures=True),
        Rule("time_red", _time_red),
        Rule("separation_breach", _breaches("separation_breach")),
        Rule("skipped_step", _breaches("skipped_step"), cures=True),
        Rule("out_of_order", _breaches("out_of_order")),
        Rule("outside_list", _breaches("outside_list")),
        Rule("repeated_correction", _repeated_correction),
        Rule("unauthorised_attempt", _breaches("unauthorised_attempt")),
        Rule("ingest_gap", _ingest_gap, {"hours": 24}, cures=True),
        Rule("unknown_person", _breaches("unknown_person")),
        Rule("unapproved_extension", _breaches("unapproved_extension")),
        Rule("after_hours_decision", _after_hours, {"day_starts": "07:00", "day_ends": "21:00"}),
        Rule("frequent_return", _frequent_return, {"max_returns": 2}),
        Rule("leader_oversight", _leader_oversight, cures=True),
        Rule("provisional_calendar", _provisional, cures=True),
        Rule("undecided_major_spending", _undecided_spending),
        Rule("undecided_appointment", _undecided_appointment),
        Rule("split_below_threshold", _split_below_threshold, {"window_days": records.SPLIT_WINDOW_DAYS}),
        Rule("decision_by_one", _decision_by_one),
        Rule("quorum_override", _quorum_override),
    )
}
assert set(REGISTRY) == set(RULES), "every catalogued rule is implemented, and only those"


class ParamError(ValueError):
    """A rule parameter out of its range: the Chinese message for pages, the English one for logs."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message


def check_params(rule: str, params: dict[str, Any]) -> dict[str, Any]:
    """The rule's parameters merged over its defaults, each checked; ParamError names the bad one."""
    defaults = REGISTRY[rule].defaults
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ParamError("该规则没有这个参数", f"{rule} has no parameter {unknown[0]}")
    merged = {**defaults, **params}
    try:
        if rule == "time_yellow" and not 0.5 <= float(merged["share"]) < 1:
            raise ParamError("预警比例应不小于 0.5 且小于 1", "share must be from 0.5 to below 1")
        if rule == "frequent_return" and not 1 <= int(merged["max_returns"]) <= 20:
            raise ParamError("允许退回次数应为 1 至 20", "max_returns must be from 1 to 20")
        if rule == "ingest_gap" and not 1 <= int(merged["hours"]) <= 720:
            raise ParamError("等待时长应为 1 至 720 小时", "hours must be from 1 to 720")
        if rule == "split_below_threshold" and not 1 <= int(merged["window_days"]) <= 366:
            raise ParamError("时间窗口应为 1 至 366 天", "window_days must be from 1 to 366")
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ParamError):
            raise
        raise ParamError("参数应为数字", f"not a number: {exc}") from None
    if rule == "after_hours_decision":
        try:
            starts, ends = (time.fromisoformat(str(merged[name])) for name in ("day_starts", "day_ends"))
        except ValueError:
            raise ParamError("工作时间应写作 时:分，如 07:30", "day_starts and day_ends are HH:MM") from None
        if starts >= ends:
            raise ParamError("工作时间的开始应早于结束", "day_starts must be before day_ends")
    return merged


def all_findings(ctx: Context, enabled: Iterable[str]) -> Iterator[Finding]:
    for name in enabled:
        yield from REGISTRY[name].find(ctx)
