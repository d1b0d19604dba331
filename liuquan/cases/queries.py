"""Reads of cases for the portal (the applicant's view) and the console (inboxes, the case page).

The applicant's view is built from the case's public timeline only: no staff names, no personal data.
Staff reads go through access_case, which checks the person's reach over the case's unit and logs a
supervisory read (纪检, 审计) like every other non-public record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from liuquan.cases import engine
from liuquan.cases.actions import HEAD_ROLES
from liuquan.cases.models import Breach, Case, CaseEvent, CaseFile, CaseStatus, CaseStep, Rating
from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, NotFound
from liuquan.flows import tokens
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.spec import Flow, StepKind
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, PostHolding, Role, RoleGrant, Unit
from liuquan.powers import states as power_states
from liuquan.powers.models import ListEdition, PowerItem
from liuquan.powers.states import EditionStatus

# Roles that act on a step with no post named (cases.actions.holds_post).
STEP_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
WORKING_STATUSES = (CaseStatus.OPEN, CaseStatus.SUSPENDED)
# The approver's name in an extension event is for staff; the applicant reads that it was approved.


# Markers -------------------------------------------------------------------------------------------


def provisional_by_year() -> dict[int, int]:
    """Running cases whose due date was counted on a provisional calendar (到期日暂定), by the year their
    due date falls in: the years whose holiday notice the data steward is asked to enter."""
    rows = (
        Case.objects.filter(
            provisional=True,
            due_on__isnull=False,
            status__in=[CaseStatus.OPEN, CaseStatus.CORRECTION, CaseStatus.SUSPENDED],
        )
        .annotate(year=ExtractYear("due_on"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("year", "count")
    )
    return dict(rows)


def marker(due_on: date | None, warn_on: date | None, today: date) -> str:
    """ "red" once a due date has passed, "yellow" from its warning date, else ""."""
    if due_on is not None and due_on < today:
        return "red"
    if warn_on is not None and warn_on <= today:
        return "yellow"
    return ""


def worst(*markers: str) -> str:
    for colour in ("red", "yellow"):
        if colour in markers:
            return colour
    return ""


# The portal: what can be applied for ----------------------------------------------------------------


@dataclass(frozen=True)
class Applicable:
    unit: Unit
    power_code: str
    power_name: str
    definition: ProcessDefinition


def takes_applications(definition: ProcessDefinition) -> bool:
    """A flow that starts by accepting an application (受理) can be applied for online."""
    steps = definition.flow.steps
    return bool(steps) and steps[0].kind is StepKind.ACCEPT


def _kept_codes() -> set[tuple[int, str]]:
    """(unit id, power code) of every item kept in its unit's latest published list (two queries)."""
    latest: dict[int, int] = {}
    for edition_id, unit_id in (
        ListEdition.objects.filter(status=EditionStatus.PUBLISHED)
        .order_by("unit_id", "-number")
        .values_list("pk", "unit_id")
    ):
        latest.setdefault(unit_id, edition_id)
    rows = PowerItem.objects.filter(
        edition_id__in=list(latest.values()), disposition__kind__in=list(power_states.KEEPS_ITEM)
    ).values_list("edition__unit_id", "code")
    return set(rows)


def applicable_powers() -> list[Applicable]:
    """Published powers whose flow in force starts with 受理, by unit (清单之外无权力: kept items only)."""
    kept = _kept_codes()
    found = []
    for definition in (
        ProcessDefinition.objects.filter(status=FlowStatus.PUBLISHED)
        .select_related("unit__region")
        .order_by("unit__region__code", "unit__code", "power_code")
    ):
        if (definition.unit_id, definition.power_code) in kept and takes_applications(definition):
            found.append(
                Applicable(definition.unit, definition.power_code, definition.power_name, definition)
            )
    return found


def apply_target(unit_code: str, power_code: str) -> Applicable:
    """The power an online application is for, or NotFound when it takes none."""
    from liuquan.flows import queries as flow_queries
    from liuquan.powers import queries as power_queries

    unit = org_queries.get_unit(unit_code)
    item = power_queries.published_power(unit, power_code)
    definition = flow_queries.flow_in_force(unit, power_code)
    if definition is None or not takes_applications(definition):
        raise NotFound(
            f"事项 {power_code} 不接受网上申请",
            message_en=f"{power_code} does not take online applications",
            power=power_code,
        )
    return Applicable(unit, power_code, item.name, definition)


# The portal: the applicant's view of one case -------------------------------------------------------


@dataclass(frozen=True)
class PublicLine:
    at: object
    text: str


@dataclass
class PublicCase:
    """What the applicant may read about their case: no staff names, no personal data."""

    case: Case
    step_name: str
    timeline: list[PublicLine]
    correction: str  # the 补正 notice (every missing item, named once), while the case waits for it
    decision: str  # the decision's label once decided ("准予许可")
    closing: str  # how the case ended, once it has
    rating: Rating | None
    may_supplement: bool
    may_rate: bool
    may_withdraw: bool


def _decision(case: Case, table: engine.StepTable) -> str:
    rows = CaseStep.objects.filter(case=case, completed_at__isnull=False).order_by("-position")
    for key, outcome in rows.values_list("step", "outcome"):
        step = table.steps.get(key)
        if step is not None and step.kind is StepKind.DECIDE:
            move = table.moves.get((key, outcome))
            return move.label if move and move.label else outcome
    return ""


def public_view(case: Case) -> PublicCase:
    table = engine.StepTable(case.definition.flow)
    events = list(CaseEvent.objects.filter(case=case, public=True).order_by("seq"))
    correction = ""
    if case.status == CaseStatus.CORRECTION:
        notices = [event for event in events if event.kind == "correction_requested"]
        correction = notices[-1].text if notices else ""
    closing = ""
    if case.closed:
        ends = [event for event in events if event.kind in {"closed", "terminated", "withdrawn"}]
        closing = ends[-1].text if ends else ""
    rating = Rating.objects.filter(case=case).first()
    return PublicCase(
        case=case,
        step_name=open_step_names(table.flow, case.current_step) if not case.closed else "",
        timeline=[PublicLine(event.at, event.text) for event in events],
        correction=correction,
        decision=_decision(case, table) if case.closed else "",
        closing=closing,
        rating=rating,
        may_supplement=case.status == CaseStatus.CORRECTION,
        may_rate=case.status == CaseStatus.DONE and rating is None,
        may_withdraw=not case.closed,
    )


# The console: inboxes --------------------------------------------------------------------------------


@dataclass
class InboxRow:
    step: CaseStep
    case: Case
    marker: str
    step_marker: str
    case_marker: str


@dataclass
class Inbox:
    rows: list[InboxRow] = field(default_factory=list)
    waiting: list[Case] = field(default_factory=list)  # 补正中: the applicant has to answer
    bad_ratings: list[Rating] = field(default_factory=list)  # 差评 without a reply, for a head


def _holdings(person: Person) -> list[tuple[int, str]]:
    return list(
        PostHolding.objects.filter(person=person, until__isnull=True).values_list(
            "post__unit_id", "post__name"
        )
    )


def inbox(person: Person, *, today: date | None = None) -> Inbox:
    """Open steps the person may act on (their posts' steps in their units, oldest due first), cases of
    those units waiting for a 补正, and, for a head, 差评 awaiting a reply. A fixed number of queries."""
    today = today or timezone.localdate()
    holdings = _holdings(person)
    condition = Q(pk__in=[])
    for unit_id, post in holdings:
        condition |= Q(case__unit_id=unit_id, post=post)
    step_scope = org_queries.scope_of(person, STEP_ROLES)
    if step_scope.unit_ids or step_scope.region_prefixes:
        condition |= Q(post="") & step_scope.unit_filter("case__unit__")
    steps = (
        CaseStep.objects.filter(condition, completed_at__isnull=True, case__status__in=WORKING_STATUSES)
        .select_related("case__unit", "assignee")
        .order_by("case__due_on", "due_on", "started_at")
    )
    rows = []
    for step in steps:
        case = step.case
        step_marker = marker(step.due_on, step.warn_on, today)
        case_marker = marker(case.due_on, case.warn_on, today) if case.paused_on is None else ""
        rows.append(InboxRow(step, case, worst(step_marker, case_marker), step_marker, case_marker))
    units = {unit_id for unit_id, _ in holdings}
    waiting = (
        list(
            Case.objects.filter(unit_id__in=units, status=CaseStatus.CORRECTION)
            .select_related("unit")
            .order_by("received_at")
        )
        if units
        else []
    )
    head_scope = org_queries.scope_of(person, HEAD_ROLES)
    bad: list[Rating] = []
    if head_scope.unit_ids or head_scope.region_prefixes:
        bad = list(
            Rating.objects.filter(
                head_scope.unit_filter("case__unit__"), score__lte=2, replied_at__isnull=True
            )
            .select_related("case__unit")
            .order_by("at")
        )
    return Inbox(rows=rows, waiting=waiting, bad_ratings=bad)


# The console: one case --------------------------------------------------------------------------------


def may_read(person: Person, unit: Unit) -> bool:
    return (
        org_queries.can_read_private(person, unit)
        or PostHolding.objects.filter(person=person, post__unit=unit, until__isnull=True).exists()
    )


def access_case(person: Person, number: str, *, channel: str) -> Case:
    """A case for a staff page: its unit's staff and supervisors only (supervisory reads are logged)."""
    case = (
        Case.objects.select_related("unit__region", "definition").filter(number=number).first()
        if person.is_active
        else None
    )
    if case is None:
        raise NotFound(f"没有编号为 {number} 的办件", message_en=f"No case {number}", case=number)
    if not may_read(person, case.unit):
        raise Forbidden(
            f"无权查看{case.unit.name}的办件", message_en=f"You may not read cases of {case.unit.name}"
        )
    if org_queries.is_supervisory_read(person, case.unit):
        log_read(person, case, channel=channel)
    return case


def access_case_file(person: Person, number: str, file_id: int, *, channel: str) -> CaseFile:
    case = access_case(person, number, channel=channel)
    row = CaseFile.objects.filter(case=case, pk=file_id).first()
    if row is None:
        raise NotFound("没有这份材料", message_en="No such file", file=file_id)
    if org_queries.is_supervisory_read(person, case.unit):
        log_read(person, row, channel=channel)
    return row


@dataclass
class StepLine:
    row: CaseStep
    outcome_label: str
    marker: str


@dataclass
class CasePage:
    case: Case
    table: engine.StepTable
    events: list[CaseEvent]
    steps: list[StepLine]
    files: list[CaseFile]
    breaches: list[Breach]
    rating: Rating | None
    open_step: CaseStep | None
    marker: str
    open_steps: tuple[CaseStep, ...] = ()  # every open branch of a case split by a parallel gateway


# Outcomes the engine writes on a row it closes without the step being performed (see
# supervision.conformance.MARKS), by their Chinese names.
MARK_NAMES = {
    "skipped": "未办理（被跳过）",
    "swapped": "被跳过，其后补办",
    "withdrawn": "申请人撤回",
    "terminated": "终止",
    "closed": "随办件办结关闭（并行分支）",
}


def outcome_name(table: engine.StepTable, step: str, outcome: str) -> str:
    """A step row's outcome as people read it: the flow's label for it (受理, 准予许可), a mark's name,
    or "—" while the step is open; never the outcome's key."""
    if not outcome:
        return "—"
    move = table.moves.get((step, outcome))
    if move is not None:
        return move.label or "已办理"
    return MARK_NAMES.get(outcome, "已办理")


def case_page(case: Case, *, today: date | None = None) -> CasePage:
    today = today or timezone.localdate()
    table = engine.StepTable(case.definition.flow)
    rows = list(
        CaseStep.objects.filter(case=case).select_related("assignee", "completed_by").order_by("position")
    )
    steps = []
    for row in rows:
        label = outcome_name(table, row.step, row.outcome)
        step_marker = marker(row.due_on, row.warn_on, today) if row.completed_at is None else ""
        steps.append(StepLine(row, label, step_marker))
    open_step = next((row for row in reversed(rows) if row.completed_at is None), None)
    case_marker = (
        marker(case.due_on, case.warn_on, today) if case.paused_on is None and not case.closed else ""
    )
    return CasePage(
        case=case,
        table=table,
        events=list(CaseEvent.objects.filter(case=case).select_related("person").order_by("seq")),
        steps=steps,
        files=list(CaseFile.objects.filter(case=case).order_by("uploaded_at", "pk")),
        breaches=list(Breach.objects.filter(case=case).select_related("person").order_by("at")),
        rating=Rating.objects.filter(case=case).select_related("replied_by").first(),
        open_step=None if case.closed else open_step,
        marker=worst(case_marker, *(line.marker for line in steps)),
        open_steps=() if case.closed else tuple(row for row in rows if row.completed_at is None),
    )


def unit_heads(unit: Unit) -> list[Person]:
    """People with the head role over the unit (granted on it or on a region containing it)."""
    grants = RoleGrant.objects.filter(role=Role.HEAD, person__is_active=True).filter(
        Q(unit=unit) | Q(unit__isnull=True, region__isnull=False)
    )
    people: dict[int, Person] = {}
    for grant in grants.select_related("person", "region"):
        if grant.unit_id == unit.pk or (grant.region and unit.region.code.startswith(grant.region.prefix)):
            people.setdefault(grant.person_id, grant.person)
    return sorted(people.values(), key=lambda person: person.username)


def open_step_names(flow: Flow, current: str) -> str:
    """The names of the steps a case is at (several while parallel branches run), as shown."""
    names = [step.name for key in tokens.steps_of(tokens.parse(current)) if (step := flow.step(key))]
    return "、".join(names)
