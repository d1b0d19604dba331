"""API endpoints of cases: open, read, advance (409 with the engine's reason when refused), the
applicant's public view by number + query code, and the ingest endpoint for other systems."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params import functions as param_functions

from liuquan.api.auth import AUTH
from liuquan.cases import actions, ingest, queries
from liuquan.cases.models import Case, CaseEvent, CaseStep
from liuquan.core import limits
from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries
from liuquan.org.models import Person

router = Router(tags=["cases"])


class ApplicantIn(Schema):
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""


class CaseIn(Schema):
    unit: str
    power: str
    applicant: ApplicantIn
    subject: str = ""


class StepOut(Schema):
    position: int
    step: str
    name: str
    post: str
    started_at: datetime
    due_on: date | None
    completed_at: datetime | None
    outcome: str
    completed_by: str | None


class EventOut(Schema):
    seq: int
    at: datetime
    kind: str
    step: str
    outcome: str
    text: str


class CaseOut(Schema):
    id: int
    number: str
    unit: str
    power: str
    power_name: str
    flow_version: int
    status: str
    current_step: str
    result: str
    received_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    due_on: date | None
    warn_on: date | None
    provisional: bool
    extended: bool
    corrections: int
    applicant_name: str
    steps: list[StepOut]
    events: list[EventOut]

    @staticmethod
    def of(case: Case) -> CaseOut:
        steps = CaseStep.objects.filter(case=case).select_related("completed_by").order_by("position")
        return CaseOut(
            id=case.pk,
            number=case.number,
            unit=case.unit.code,
            power=case.power_code,
            power_name=case.power_name,
            flow_version=case.definition.version,
            status=case.status,
            current_step=case.current_step,
            result=case.result,
            received_at=case.received_at,
            accepted_at=case.accepted_at,
            closed_at=case.closed_at,
            due_on=case.due_on,
            warn_on=case.warn_on,
            provisional=case.provisional,
            extended=case.extended,
            corrections=case.corrections,
            applicant_name=case.applicant_name,
            steps=[
                StepOut(
                    position=row.position,
                    step=row.step,
                    name=row.name,
                    post=row.post,
                    started_at=row.started_at,
                    due_on=row.due_on,
                    completed_at=row.completed_at,
                    outcome=row.outcome,
                    completed_by=row.completed_by.full_name
                    if row.completed_by
                    else (row.external_person or None),
                )
                for row in steps
            ],
            events=[_event(row) for row in CaseEvent.objects.filter(case=case).order_by("seq")],
        )


class OpenedOut(CaseOut):
    query_code: str


class AdvanceIn(Schema):
    step: str
    outcome: str
    comment: str = ""
    approved_by: str | None = None  # the head's user name, for a 延期


class PublicCaseOut(Schema):
    number: str
    power_name: str
    status: str
    current_step_name: str
    received_at: datetime
    due_on: date | None
    provisional: bool
    result: str
    timeline: list[EventOut]


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[dict[str, object]]  # {"line", "reason" (Chinese), "reason_en"}: not taken
    flagged: list[dict[str, object]]  # the same, for lines taken that record a deviation (outside the list)


def _event(row: CaseEvent) -> EventOut:
    return EventOut(seq=row.seq, at=row.at, kind=row.kind, step=row.step, outcome=row.outcome, text=row.text)


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # guaranteed by AUTH
    return user


def _case(person: Person, case_id: int) -> Case:
    case = Case.objects.select_related("unit__region", "definition").filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"没有办件 {case_id}", message_en=f"No case {case_id}", case=case_id)
    if not org_queries.can_read_private(person, case.unit):
        actions.do_record_refused_access(
            actor=person, unit=case.unit, case=case, message="无权查看该办件", channel="api"
        )
        raise Forbidden("无权查看该办件", message_en="You may not read this case", case=case_id)
    if org_queries.is_supervisory_read(person, case.unit):  # logged whatever the channel, as on the console
        log_read(person, case, channel="api")
    return case


@router.post("/cases", response={201: OpenedOut}, auth=AUTH, summary="Open a case under a published power")
def open_case(request: HttpRequest, payload: CaseIn) -> Status[OpenedOut]:
    person = _person(request)
    unit = org_queries.get_unit(payload.unit)
    opened = actions.do_open_case(
        actor=person,
        unit=unit,
        power_code=payload.power,
        applicant=actions.Applicant(**payload.applicant.dict()),
        subject=payload.subject,
        source="api",
    )
    return Status(201, OpenedOut(**CaseOut.of(opened.case).dict(), query_code=opened.query_code))


@router.get("/cases/{case_id}", response=CaseOut, auth=AUTH, summary="One case with its steps and timeline")
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    return CaseOut.of(_case(_person(request), case_id))


@router.post(
    "/cases/{case_id}/advance",
    response=CaseOut,
    auth=AUTH,
    summary="Complete the current step with an outcome; 409 with the reason when the flow refuses",
)
def advance(request: HttpRequest, case_id: int, payload: AdvanceIn) -> CaseOut:
    person = _person(request)
    case = _case(person, case_id)
    approver = org_queries.get_person(payload.approved_by) if payload.approved_by else None
    if approver is not None and approver.pk != person.pk:
        # An approval is the approver's own act: through the API only the approver can state it.
        raise Forbidden("延期批准须由负责人本人提交", message_en="Only the approver can state an approval")
    done = actions.do_complete_step(
        actor=person,
        case=case,
        step=payload.step,
        outcome=payload.outcome,
        comment=payload.comment,
        approved_by=approver,
        channel="api",
    )
    return CaseOut.of(done)


@router.get(
    "/public/cases/{number}",
    response=PublicCaseOut,
    summary="The applicant's view of a case (number + the query code in the X-Query-Code header; no personal data)",
)
def public_case(
    request: HttpRequest,
    number: str,
    query_code: Annotated[str, param_functions.Header(alias="X-Query-Code")] = "",
) -> PublicCaseOut:
    if "code" in request.GET:  # a code in an address ends up in logs, histories and referrers
        raise InvalidInput(
            "查询码不能放在网址里：请放在请求头 X-Query-Code 中",
            message_en="Send the query code in the X-Query-Code header, never in the address",
            field="code",
        )
    case = actions.find_by_query(number, query_code, address=limits.client_address(request))
    flow = case.definition.flow
    return PublicCaseOut(
        number=case.number,
        power_name=case.power_name,
        status=case.status,
        current_step_name=queries.open_step_names(flow, case.current_step),
        received_at=case.received_at,
        due_on=case.due_on,
        provisional=case.provisional,
        result=case.result,
        timeline=[_event(row) for row in CaseEvent.objects.filter(case=case, public=True).order_by("seq")],
    )


@router.post(
    "/ingest/events",
    response=IngestOut,
    summary="Case events from another system as JSON lines (Authorization: Bearer <source token>)",
    description=(
        "One JSON object a line: source, case_id, seq (1, 2, … per case), power_code, step, action "
        '("start" or "complete"), person, time (ISO 8601 with its offset), outcome (for a completion). '
        "`step` is the step's key in the power's published flow (accept) or its name (受理); `outcome` "
        "is the outcome's key (pass) or its label (受理). A line with an unknown step or outcome, or any "
        "other fault, is answered in `rejected` with its line number and why (Chinese and English) and "
        "is not stored; a line under a power outside the unit's published list is stored, alerted once "
        "per case, and answered in `flagged`. Resending a line adds nothing (duplicates)."
    ),
    openapi_extra={
        "requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}, "required": True}
    },
)
def ingest_events(request: HttpRequest) -> IngestOut:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        raise NotAuthenticated(
            "需要外部系统的接入令牌（Authorization: Bearer …）", message_en="An ingest token is needed"
        )
    source = ingest.source_for_token(header[7:])
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "请求内容不是 UTF-8 文本", message_en="The body is not UTF-8", field="body"
        ) from None
    answer = ingest.do_ingest(actor=org_actions.system_person(), source=source, body=body)
    return IngestOut(**answer.as_json())
