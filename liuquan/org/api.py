"""API endpoints of the organisation: thin callers of org.queries and org.actions."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuquan.api.auth import AUTH
from liuquan.org import actions, queries
from liuquan.org.models import Leadership, Oversight, Person, Region, Unit

router = Router(tags=["organisation"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None

    @staticmethod
    def from_region(region: Region) -> RegionOut:
        return RegionOut(
            code=region.code,
            name=region.name,
            level=region.level,
            parent=region.parent.code if region.parent else None,
        )


class LeaderOut(Schema):
    name: str
    title: str
    rank: str


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    region: str
    region_name: str
    public_phone: str
    principal: LeaderOut | None

    @staticmethod
    def from_unit(unit: Unit, leaders: list[Leadership]) -> UnitOut:
        principal = next((row for row in leaders if row.rank == "principal"), None)
        return UnitOut(
            code=unit.code,
            name=unit.name,
            short_name=unit.short_name,
            kind=unit.kind,
            region=unit.region.code,
            region_name=unit.region.name,
            public_phone=unit.public_phone,
            principal=_leader(principal) if principal else None,
        )


class PostOut(Schema):
    id: int
    name: str
    kind: str


class PublicOversightOut(Schema):
    leader: str
    rank: str
    area: str


class UnitDetailOut(UnitOut):
    extra_restricted_areas: list[str]
    posts: list[PostOut]
    leaders: list[LeaderOut]
    oversight: list[PublicOversightOut]


class StaffOut(Schema):
    username: str
    full_name: str
    unit: str | None
    office_phone: str
    mobile: str
    active: bool


class PersonOut(StaffOut):
    roles: list[dict[str, str | None]]


class OversightOut(Schema):
    id: int
    unit: str
    leader: str
    leader_name: str
    rank: str
    area: str
    restricted_area: str
    is_exception: bool
    exception_reason: str
    assigned_by: str
    assigned_at: datetime
    ended_at: datetime | None


class OversightIn(Schema):
    leader: str
    area: str
    exception_reason: str = ""


def _leader(row: Leadership) -> LeaderOut:
    return LeaderOut(name=row.person.full_name, title=row.title, rank=row.rank)


def _staff(person: Person) -> StaffOut:
    return StaffOut(
        username=person.username,
        full_name=person.full_name,
        unit=person.unit.code if person.unit else None,
        office_phone=person.office_phone,
        mobile=person.mobile,
        active=person.is_active,
    )


def _oversight(row: Oversight) -> OversightOut:
    return OversightOut(
        id=row.pk,
        unit=row.unit.code,
        leader=row.leader.username,
        leader_name=row.leader.full_name,
        rank=row.leader_rank,
        area=row.area,
        restricted_area=row.restricted_area,
        is_exception=row.is_exception,
        exception_reason=row.exception_reason,
        assigned_by=row.assigned_by.username,
        assigned_at=row.assigned_at,
        ended_at=row.ended_at,
    )


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # guaranteed by AUTH
    return user


@router.get("/regions", response=list[RegionOut], summary="List regions (public)")
def list_regions(request: HttpRequest) -> list[RegionOut]:
    return [RegionOut.from_region(region) for region in queries.regions()]


@router.get("/units", response=list[UnitOut], summary="List units (public)")
def list_units(request: HttpRequest, region: str | None = None) -> list[UnitOut]:
    return [
        UnitOut.from_unit(unit, unit.current_leaders)  # type: ignore[attr-defined]
        for unit in queries.units(region_code=region)
    ]


@router.get(
    "/units/{code}",
    response=UnitDetailOut,
    summary="One unit with posts, leaders and oversight areas (public)",
)
def get_unit(request: HttpRequest, code: str) -> UnitDetailOut:
    unit = queries.get_unit(code)
    leaders = queries.current_leaders(unit)
    base = UnitOut.from_unit(unit, leaders)
    return UnitDetailOut(
        **base.dict(),
        extra_restricted_areas=unit.extra_restricted_areas,
        posts=[PostOut(id=post.pk, name=post.name, kind=post.kind) for post in unit.posts.all()],
        leaders=[_leader(row) for row in leaders],
        oversight=[
            PublicOversightOut(leader=row.leader.full_name, rank=row.leader_rank, area=row.area)
            for row in queries.current_oversights(unit)
        ],
    )


@router.get("/units/{code}/staff", response=list[StaffOut], auth=AUTH, summary="A unit's staff (non-public)")
def unit_staff(request: HttpRequest, code: str) -> list[StaffOut]:
    unit, staff = queries.access_unit_staff(_person(request), code, channel="api")
    for person in staff:
        person.unit = unit
    return [_staff(person) for person in staff]


@router.get("/people/{username}", response=PersonOut, auth=AUTH, summary="One staff record (non-public)")
def get_person(request: HttpRequest, username: str) -> PersonOut:
    person = queries.access_person(_person(request), username, channel="api")
    roles = [
        {
            "role": grant.role,
            "unit": grant.unit.code if grant.unit else None,
            "region": grant.region.code if grant.region else None,
        }
        for grant in queries.grants_of(person)
    ]
    return PersonOut(**_staff(person).dict(), roles=roles)


@router.get("/me", response=PersonOut, auth=AUTH, summary="The authenticated person")
def me(request: HttpRequest) -> PersonOut:
    return get_person(request, _person(request).username)


@router.get(
    "/units/{code}/oversight",
    response=list[OversightOut],
    auth=AUTH,
    summary="Current oversight assignments with exception reasons (non-public)",
)
def unit_oversight(request: HttpRequest, code: str) -> list[OversightOut]:
    _, rows = queries.access_oversights(_person(request), code, channel="api")
    return [_oversight(row) for row in rows]


@router.post(
    "/units/{code}/oversight",
    response={201: OversightOut},
    auth=AUTH,
    summary="Assign an area of work to a leader (分管); 五个不直接分管 applies to the principal",
)
def assign_oversight(request: HttpRequest, code: str, payload: OversightIn) -> Status[OversightOut]:
    unit = queries.get_unit(code)
    leader = queries.get_person(payload.leader)
    row = actions.do_assign_oversight(
        actor=_person(request),
        unit=unit,
        leader=leader,
        area=payload.area,
        exception_reason=payload.exception_reason,
    )
    return Status(201, _oversight(row))


@router.post(
    "/oversight/{oversight_id}/end", response=OversightOut, auth=AUTH, summary="End an oversight assignment"
)
def end_oversight(request: HttpRequest, oversight_id: int) -> OversightOut:
    row = queries.get_oversight(oversight_id)
    return _oversight(actions.do_end_oversight(actor=_person(request), oversight=row))


@router.get(
    "/oversight/exceptions",
    response=list[OversightOut],
    auth=AUTH,
    summary="Recorded exceptions to 五个不直接分管 within the caller's reach (for supervision)",
)
def oversight_exceptions(request: HttpRequest) -> list[OversightOut]:
    return [_oversight(row) for row in queries.access_oversight_exceptions(_person(request), channel="api")]
