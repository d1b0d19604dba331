"""API endpoints of process flows: the flow in force of a power (public), and drafting, checking and
publishing for the unit (a flow travels as the JSON of flows.codec). Thin callers of queries/actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from liuquan.api.auth import AUTH
from liuquan.core.errors import InvalidInput, NotFound
from liuquan.flows import actions, bpmn, codec, queries
from liuquan.flows.models import FlowStatus, HearingThreshold, ProcessDefinition, SpecialLimit
from liuquan.org import queries as org_queries
from liuquan.org.models import Person

router = Router(tags=["process flows"])


class VersionOut(Schema):
    unit: str
    power: str
    power_name: str
    version: int
    status: str
    source: str
    created_at: datetime
    published_at: datetime | None
    flow: dict[str, Any]

    @staticmethod
    def of(row: ProcessDefinition) -> VersionOut:
        return VersionOut(
            unit=row.unit.code,
            power=row.power_code,
            power_name=row.power_name,
            version=row.version,
            status=row.status,
            source=row.source,
            created_at=row.created_at,
            published_at=row.published_at,
            flow=row.spec,
        )


class ProblemOut(Schema):
    code: str
    severity: str
    step: str
    message: str
    message_en: str


class FlowIn(Schema):
    flow: dict[str, Any] | None = None


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # guaranteed by AUTH
    return user


def _decode(data: dict[str, Any]) -> Any:
    try:
        return codec.decode(data)
    except codec.FlowFormatError as exc:
        raise InvalidInput(f"流程数据有误：{exc}", message_en=f"Bad flow: {exc}", field="flow") from None


def _draft(unit: str, power: str) -> ProcessDefinition:
    row = queries.get_version(unit, power)
    if row.status != FlowStatus.DRAFT:
        raise InvalidInput(
            f"{row.power_name}没有编制中的流程版本", message_en=f"{power} has no draft flow", field="power"
        )
    return row


@router.get(
    "/public/flows/{unit}/{power}",
    response=VersionOut,
    summary="The flow in force of a published power (public), or a published/superseded version",
)
def public_flow(request: HttpRequest, unit: str, power: str, version: int | None = None) -> VersionOut:
    if version is not None:
        row = queries.access_version(None, unit, power, version)  # a draft is refused
    else:
        current = queries.flow_in_force(org_queries.get_unit(unit), power)
        if current is None:
            raise NotFound(
                f"{power} 尚无公布的流程", message_en=f"{power} has no published flow", power=power
            )
        row = current
    return VersionOut.of(row)


@router.get("/public/flows/{unit}/{power}/bpmn", summary="BPMN 2.0 XML of the flow in force (public)")
def public_bpmn(request: HttpRequest, unit: str, power: str) -> HttpResponse:
    row = public_flow(request, unit, power)
    data = bpmn.to_bpmn(codec.decode(row.flow), name=row.power_name)
    return HttpResponse(data, content_type="application/xml")


@router.get(
    "/flows/{unit}/{power}/versions",
    response=list[VersionOut],
    auth=AUTH,
    summary="Every version of a power's flow, drafts included for those who read the unit's drafts",
)
def versions(request: HttpRequest, unit: str, power: str) -> list[VersionOut]:
    person = _person(request)
    where = org_queries.get_unit(unit)
    rows = queries.versions_of(where, power).select_related("unit")
    if not org_queries.can_read_private(person, where):
        rows = rows.exclude(status=FlowStatus.DRAFT)
    return [VersionOut.of(row) for row in rows]


@router.post(
    "/flows/{unit}/{power}",
    response={201: VersionOut},
    auth=AUTH,
    summary="Open a draft: the flow given, else a copy of the version in force, else the category template",
)
def create(request: HttpRequest, unit: str, power: str, payload: FlowIn) -> Status[VersionOut]:
    flow = _decode(payload.flow) if payload.flow is not None else None
    row = actions.do_create_flow(
        actor=_person(request), unit=org_queries.get_unit(unit), power_code=power, flow=flow
    )
    return Status(201, VersionOut.of(row))


@router.put("/flows/{unit}/{power}/draft", response=VersionOut, auth=AUTH, summary="Replace the draft's flow")
def update(request: HttpRequest, unit: str, power: str, payload: FlowIn) -> VersionOut:
    if payload.flow is None:
        raise InvalidInput("缺少流程数据", message_en="No flow given", field="flow")
    row = actions.do_update_flow(
        actor=_person(request), definition=_draft(unit, power), flow=_decode(payload.flow)
    )
    return VersionOut.of(row)


@router.get(
    "/flows/{unit}/{power}/draft/problems",
    response=list[ProblemOut],
    auth=AUTH,
    summary="What stands in the way of publishing the draft (errors) and what deserves a look (warnings)",
)
def problems(request: HttpRequest, unit: str, power: str) -> list[ProblemOut]:
    actions.check_may_edit(_person(request), org_queries.get_unit(unit))
    return [
        ProblemOut(code=p.code, severity=p.severity, step=p.step, message=p.message, message_en=p.message_en)
        for p in actions.check_publish(_draft(unit, power))
    ]


@router.post(
    "/flows/{unit}/{power}/draft/publish",
    response=VersionOut,
    auth=AUTH,
    summary="Publish the draft (the unit's head or the reform office); refused with every problem listed",
)
def publish(request: HttpRequest, unit: str, power: str) -> VersionOut:
    report = actions.do_publish_flow(actor=_person(request), definition=_draft(unit, power))
    return VersionOut.of(report.definition)


class SpecialLimitOut(Schema):
    key: str
    category: str
    law: str
    article: int
    paragraph: int
    case_days: int
    case_kind: str
    extension_days: int | None
    extension_kind: str
    note: str
    registered_at: datetime


class HearingThresholdOut(Schema):
    unit: str
    unit_name: str
    amount: int
    basis: str
    set_at: datetime


@router.get(
    "/public/special-limits",
    response=list[SpecialLimitOut],
    summary="Special-law limits (特别时限依据) that flows may cite instead of the general statute (public)",
)
def special_limits(request: HttpRequest) -> list[SpecialLimitOut]:
    return [
        SpecialLimitOut(
            key=row.key,
            category=row.category,
            law=row.law.name,
            article=row.article,
            paragraph=row.paragraph,
            case_days=row.case_days,
            case_kind=row.case_kind,
            extension_days=row.extension_days,
            extension_kind=row.extension_kind,
            note=row.note,
            registered_at=row.registered_at,
        )
        for row in SpecialLimit.objects.select_related("law").order_by("key")
    ]


@router.get(
    "/public/hearing-thresholds",
    response=list[HearingThresholdOut],
    summary="Each unit's 较大数额 from which a penalty needs a hearing (行政处罚法 art. 63) (public)",
)
def hearing_thresholds(request: HttpRequest) -> list[HearingThresholdOut]:
    return [
        HearingThresholdOut(
            unit=row.unit.code, unit_name=row.unit.name, amount=row.amount, basis=row.basis, set_at=row.set_at
        )
        for row in HearingThreshold.objects.select_related("unit").order_by("unit__code")
    ]
