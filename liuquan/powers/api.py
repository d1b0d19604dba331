"""API endpoints of the power lists: editions, review moves, dispositions, comments and the diff.
Thin callers of powers.queries and powers.actions; drafts are read only by those entitled."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuquan.api.auth import AUTH
from liuquan.org import queries as org_queries
from liuquan.org.models import Person
from liuquan.powers import actions, queries, states
from liuquan.powers.models import Disposition, ListEdition, PowerItem, ReviewComment

router = Router(tags=["power lists"])


class EditionOut(Schema):
    unit: str
    number: int
    status: str
    status_name: str
    based_on: int | None
    created_at: datetime
    published_at: datetime | None

    @staticmethod
    def of(edition: ListEdition) -> EditionOut:
        return EditionOut(
            unit=edition.unit.code,
            number=edition.number,
            status=edition.status,
            status_name=edition.status_name,
            based_on=edition.based_on.number if edition.based_on else None,
            created_at=edition.created_at,
            published_at=edition.published_at,
        )


class DispositionOut(Schema):
    kind: str
    kind_name: str
    reason: str
    target_level: str
    target_code: str
    target_unit: str | None
    new_category: str
    withdraw_cause: str
    round: str
    decided_at: datetime

    @staticmethod
    def of(row: Disposition) -> DispositionOut:
        return DispositionOut(
            kind=row.kind,
            kind_name=row.kind_name,
            reason=row.reason,
            target_level=row.target_level,
            target_code=row.target_code,
            target_unit=row.target_unit.code if row.target_unit else None,
            new_category=row.new_category,
            withdraw_cause=row.withdraw_cause,
            round=row.round,
            decided_at=row.decided_at,
        )


class ItemOut(Schema):
    code: str
    name: str
    parent: str | None
    category: str
    subject: str
    handling_unit: str
    level: str
    basis: str
    disposition: DispositionOut | None

    @staticmethod
    def of(item: PowerItem) -> ItemOut:
        disposition = getattr(item, "disposition", None)
        return ItemOut(
            code=item.code,
            name=item.name,
            parent=item.parent.code if item.parent else None,
            category=item.category,
            subject=item.subject,
            handling_unit=item.handling_unit,
            level=item.level,
            basis=item.basis,
            disposition=DispositionOut.of(disposition) if disposition else None,
        )


class CommentOut(Schema):
    round: str
    author: str
    item: str | None
    text: str
    at: datetime

    @staticmethod
    def of(row: ReviewComment) -> CommentOut:
        return CommentOut(
            round=row.round,
            author=row.author.full_name,
            item=row.item.code if row.item else None,
            text=row.text,
            at=row.at,
        )


class EditionDetailOut(EditionOut):
    items: list[ItemOut]
    comments: list[CommentOut]
    allowed_moves: list[str]


class ChangeOut(Schema):
    code: str
    name: str
    change: str
    fields: dict[str, list[str]]
    disposition: str | None
    reason: str


class MoveIn(Schema):
    move: str
    comment: str = ""


class DispositionIn(Schema):
    kind: str
    reason: str
    target_level: str = ""
    target_code: str = ""
    target_unit: str = ""
    new_category: str = ""
    withdraw_cause: str = ""


class CommentIn(Schema):
    text: str
    item: str | None = None


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # guaranteed by AUTH
    return user


@router.get(
    "/lists/{unit}/editions",
    response=list[EditionOut],
    auth=AUTH,
    summary="A unit's list editions (drafts only for the unit, the reform office and supervisors)",
)
def list_editions(request: HttpRequest, unit: str) -> list[EditionOut]:
    _, editions = queries.access_unit_lists(_person(request), unit, channel="api")
    return [EditionOut.of(row) for row in editions]


@router.post(
    "/lists/{unit}/editions",
    response={201: EditionOut},
    auth=AUTH,
    summary="Open the unit's next edition (编制), carrying over what the last published one kept",
)
def create_edition(request: HttpRequest, unit: str) -> Status[EditionOut]:
    edition = actions.do_create_edition(actor=_person(request), unit=org_queries.get_unit(unit))
    return Status(201, EditionOut.of(edition))


@router.get(
    "/lists/{unit}/editions/{number}",
    response=EditionDetailOut,
    auth=AUTH,
    summary="One edition with its items, dispositions and review comments",
)
def get_edition(request: HttpRequest, unit: str, number: int) -> EditionDetailOut:
    person = _person(request)
    edition = queries.access_edition(person, unit, number, channel="api")
    status = states.EditionStatus(edition.status)
    return EditionDetailOut(
        **EditionOut.of(edition).dict(),
        items=[ItemOut.of(item) for item in queries.items_of(edition)],
        comments=[CommentOut.of(row) for row in queries.comments_of(edition)],
        allowed_moves=[move.value for move in states.allowed_moves(status)],
    )


@router.post(
    "/lists/{unit}/editions/{number}/move",
    response=EditionOut,
    auth=AUTH,
    summary="Move an edition: submit, pass_first, confirm, publish, or return (with a comment)",
)
def move_edition(request: HttpRequest, unit: str, number: int, payload: MoveIn) -> EditionOut:
    person = _person(request)
    edition = queries.access_edition(person, unit, number, channel="api")
    moved = actions.do_move_edition(actor=person, edition=edition, move=payload.move, comment=payload.comment)
    return EditionOut.of(moved)


@router.put(
    "/lists/{unit}/editions/{number}/items/{code}/disposition",
    response=DispositionOut,
    auth=AUTH,
    summary="The reform office's disposition of one item, with its reason (replaces an earlier one)",
)
def decide_item(
    request: HttpRequest, unit: str, number: int, code: str, payload: DispositionIn
) -> DispositionOut:
    person = _person(request)
    edition = queries.access_edition(person, unit, number, channel="api")
    row = actions.do_decide_item(
        actor=person,
        item=queries.item_in(edition, code),
        kind=payload.kind,
        reason=payload.reason,
        target_level=payload.target_level,
        target_code=payload.target_code,
        target_unit=org_queries.get_unit(payload.target_unit) if payload.target_unit else None,
        new_category=payload.new_category,
        withdraw_cause=payload.withdraw_cause,
    )
    return DispositionOut.of(row)


@router.post(
    "/lists/{unit}/editions/{number}/comments",
    response={201: CommentOut},
    auth=AUTH,
    summary="A review comment on the edition or on one of its items",
)
def comment(request: HttpRequest, unit: str, number: int, payload: CommentIn) -> Status[CommentOut]:
    person = _person(request)
    edition = queries.access_edition(person, unit, number, channel="api")
    item = queries.item_in(edition, payload.item) if payload.item else None
    row = actions.do_comment(actor=person, edition=edition, text=payload.text, item=item)
    return Status(201, CommentOut.of(row))


@router.get(
    "/lists/{unit}/editions/{number}/diff",
    response=list[ChangeOut],
    auth=AUTH,
    summary="What this edition changes against the unit's previous published edition, with dispositions",
)
def edition_diff(request: HttpRequest, unit: str, number: int) -> list[ChangeOut]:
    edition = queries.access_edition(_person(request), unit, number, channel="api")
    previous = queries.previous_published(edition)
    return [
        ChangeOut(
            code=change.code,
            name=change.name,
            change=change.change,
            fields={name: list(pair) for name, pair in change.fields.items()},
            disposition=change.disposition,
            reason=change.reason,
        )
        for change in queries.edition_diff(previous, edition)
    ]
