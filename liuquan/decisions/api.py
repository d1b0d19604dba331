"""The JSON API of 三重一大: a unit's catalogue in force and its decision register, public."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from liuquan.api.auth import AUTH
from liuquan.core.errors import Forbidden, NotFound
from liuquan.decisions import actions, queries
from liuquan.decisions.models import AgendaItem, Meeting
from liuquan.decisions.rules import Choice
from liuquan.org import queries as org_queries
from liuquan.org.models import Person

router = Router(tags=["decisions"])


class MatterOut(Schema):
    code: str
    category: str
    name: str
    threshold: str | None
    body: str
    quorum: tuple[int, int, bool]  # (num, den, strict): present members must be more than / at least num/den
    vote: tuple[str, int, int, bool]  # (entitled | present, num, den, strict)
    secret: bool
    pre_steps: list[str]
    basis: str


class CatalogueOut(Schema):
    unit: str
    version: int
    status: str
    published_at: datetime | None
    matters: list[MatterOut]


class DecisionOut(Schema):
    number: str
    category: str
    matter: str
    outcome: str
    public_summary: str
    decided_at: datetime


class UnitDecisionsOut(Schema):
    catalogue: CatalogueOut | None
    decisions: list[DecisionOut]


@router.get(
    "/public/decisions/{unit}",
    response=UnitDecisionsOut,
    summary="A unit's catalogue of major matters in force and its decisions' public part (public)",
)
def unit_decisions(request: HttpRequest, unit: str) -> UnitDecisionsOut:
    where = org_queries.get_unit(unit)
    catalogue = queries.catalogue_in_force(where)
    shown = None
    if catalogue is not None:
        shown = CatalogueOut(
            unit=where.code,
            version=catalogue.version,
            status=catalogue.status,
            published_at=catalogue.published_at,
            matters=[
                MatterOut(
                    code=row.code,
                    category=row.category,
                    name=row.name,
                    threshold=str(row.threshold) if row.threshold is not None else None,
                    body=row.body,
                    quorum=(row.quorum_num, row.quorum_den, row.quorum_strict),
                    vote=(row.vote_base, row.vote_num, row.vote_den, row.vote_strict),
                    secret=row.secret,
                    pre_steps=list(row.pre_steps),
                    basis=row.basis,
                )
                for row in queries.matters(catalogue)
            ],
        )
    return UnitDecisionsOut(
        catalogue=shown,
        decisions=[
            DecisionOut(
                number=row.number,
                category=row.category,
                matter=row.matter_name,
                outcome=row.outcome,
                public_summary=row.public_summary,
                decided_at=row.decided_at,
            )
            for row in queries.register(where)[:1000]
        ],
    )


# The meeting room, for the secretary and the members (authenticated) --------------------------------


class StatementIn(Schema):
    person: str  # the member's user name
    position: Choice
    reasons: str


class VoteIn(Schema):
    voter: str  # the member's user name (a secret ballot: the caller themself)
    choice: Choice


class MinutesIn(Schema):
    text: str


class ItemOut(Schema):
    id: int
    outcome: str
    statements: int
    votes: int


class MinutesOut(Schema):
    id: int
    status: str
    minutes: str


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # guaranteed by AUTH
    return user


def _item(request: HttpRequest, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting__unit", "topic__matter").filter(pk=item_id).first()
    if item is None:
        raise NotFound(f"没有议程项 {item_id}", message_en=f"no agenda item {item_id}")
    if not org_queries.can_read_private(_person(request), item.meeting.unit):
        raise Forbidden(f"无权查看{item.meeting.unit.name}的会议记录", message_en="not your unit's meeting")
    return item


def _item_out(item: AgendaItem) -> ItemOut:
    item.refresh_from_db()
    return ItemOut(
        id=item.pk, outcome=item.outcome, statements=item.statements.count(), votes=item.marks.count()
    )


@router.post(
    "/decisions/items/{item_id}/statements",
    response=ItemOut,
    auth=AUTH,
    summary="Record a member's position (the principal last)",
)
def state(request: HttpRequest, item_id: int, payload: StatementIn) -> ItemOut:
    item = _item(request, item_id)
    actions.do_state(
        actor=_person(request),
        item=item,
        person=org_queries.get_person(payload.person),
        position=payload.position,
        reasons=payload.reasons,
    )
    return _item_out(item)


@router.post("/decisions/items/{item_id}/votes", response=ItemOut, auth=AUTH, summary="Cast or record a vote")
def vote(request: HttpRequest, item_id: int, payload: VoteIn) -> ItemOut:
    item = _item(request, item_id)
    actions.do_vote(
        actor=_person(request), item=item, voter=org_queries.get_person(payload.voter), choice=payload.choice
    )
    return _item_out(item)


@router.post(
    "/decisions/items/{item_id}/count",
    response=ItemOut,
    auth=AUTH,
    summary="Count the votes: the system computes the result",
)
def count(request: HttpRequest, item_id: int) -> ItemOut:
    item = _item(request, item_id)
    actions.do_count(actor=_person(request), item=item)
    return _item_out(item)


@router.put(
    "/decisions/meetings/{meeting_id}/minutes",
    response=MinutesOut,
    auth=AUTH,
    summary="Amend the minutes (refused once final: 409)",
)
def amend_minutes(request: HttpRequest, meeting_id: int, payload: MinutesIn) -> MinutesOut:
    meeting = Meeting.objects.select_related("unit").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(f"没有会议 {meeting_id}", message_en=f"no meeting {meeting_id}")
    if not org_queries.can_read_private(_person(request), meeting.unit):
        raise Forbidden(f"无权查看{meeting.unit.name}的会议记录", message_en="not your unit's meeting")
    actions.do_amend_minutes(actor=_person(request), meeting=meeting, text=payload.text)
    return MinutesOut(id=meeting.pk, status=meeting.status, minutes=meeting.minutes)
