"""Actions of the organisation: the only code that writes regions, units, posts, people and 分管."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from liuquan.core.actions import action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.org import queries, rules
from liuquan.org.models import (
    LEVEL_CODE_LENGTH,
    LEVEL_PREFIX_LENGTH,
    REGION_ROLES,
    ApiToken,
    LeaderRank,
    Leadership,
    Oversight,
    Person,
    Post,
    PostHolding,
    PostKind,
    Region,
    RegionLevel,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
)

SYSTEM_USERNAME = "system"
PUBLIC_USERNAME = "public"
UNIT_CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,39}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
TOKEN_PREFIX = "lq_"


def _require_steward(actor: Person, what: str) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise Forbidden(f"只有数据管理员可以{what}", message_en=f"Only a data steward may {what}")


def _require_text(value: str, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{label}不能为空", message_en=f"{field} is required", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            f"{label}不能超过 {max_length} 个字",
            message_en=f"{field} is longer than {max_length}",
            field=field,
        )
    return text


# System account --------------------------------------------------------------------------------------


def system_person() -> Person:
    """The built-in steward account that CLI commands and the demo act as; it cannot log in."""
    person = Person.objects.filter(username=SYSTEM_USERNAME).first()
    if person is not None:
        return person
    with action("org.bootstrap_system_person", actor=None) as act:
        person = Person(
            username=SYSTEM_USERNAME, full_name="系统", is_superuser=True, is_staff=False, is_active=True
        )
        person.set_unusable_password()
        person.save()
        act.actor = person
        act.record(person)
    return person


def public_person() -> Person:
    """The built-in account that acts for members of the public (an applicant on the portal has no
    account); it cannot log in and holds no role. The ledger names it like any actor, by pseudonym."""
    person = Person.objects.filter(username=PUBLIC_USERNAME).first()
    if person is not None:
        return person
    system = system_person()
    with action("org.bootstrap_public_person", actor=system) as act:
        person = Person(
            username=PUBLIC_USERNAME,
            full_name="公众（网上申请）",
            is_superuser=False,
            is_staff=False,
            is_active=True,
        )
        person.set_unusable_password()
        person.save()
        act.record(person)
    return person


# Regions ------------------------------------------------------------------------------------------

PARENT_LEVEL = {
    RegionLevel.CITY: RegionLevel.PROVINCE,
    RegionLevel.COUNTY: RegionLevel.CITY,
    RegionLevel.TOWNSHIP: RegionLevel.COUNTY,
    RegionLevel.VILLAGE: RegionLevel.TOWNSHIP,
}


def check_create_region(*, actor: Person, code: str, name: str, level: str, parent: Region | None) -> None:
    _require_steward(actor, "新建行政区划")
    _require_text(name, "name", "名称", 60)
    if level not in RegionLevel.values:
        raise InvalidInput(f"层级 {level} 无效", message_en=f"Unknown level {level}", field="level")
    region_level = RegionLevel(level)
    if not code.isdigit() or len(code) != LEVEL_CODE_LENGTH[region_level]:
        raise InvalidInput(
            f"{region_level.label}代码应为 {LEVEL_CODE_LENGTH[region_level]} 位数字：{code}",
            message_en=f"A {level} code has {LEVEL_CODE_LENGTH[region_level]} digits: {code}",
            field="code",
        )
    expected_parent = PARENT_LEVEL.get(region_level)
    if expected_parent is None:
        if parent is not None:
            raise InvalidInput("省级行政区划没有上级", message_en="A province has no parent", field="parent")
    else:
        if parent is None or parent.level != expected_parent:
            raise InvalidInput(
                "上级行政区划层级不符",
                message_en=f"A {level} must lie in a {expected_parent}",
                field="parent",
            )
        if not code.startswith(parent.prefix) or code[: LEVEL_PREFIX_LENGTH[region_level]] == parent.prefix:
            raise InvalidInput(
                f"代码 {code} 不在上级 {parent.name}（{parent.code}）之下",
                message_en=f"Code {code} does not nest under {parent.code}",
                field="code",
            )
    if Region.objects.filter(code=code).exists():
        raise Conflict(f"代码 {code} 已被使用", message_en=f"Code {code} is taken", field="code")


def do_create_region(*, actor: Person, code: str, name: str, level: str, parent: Region | None) -> Region:
    check_create_region(actor=actor, code=code, name=name, level=level, parent=parent)
    with action("org.create_region", actor=actor) as act:
        region = Region.objects.create(code=code, name=name.strip(), level=level, parent=parent)
        act.record(region)
    return region


def do_rename_region(*, actor: Person, region: Region, name: str) -> Region:
    _require_steward(actor, "修改行政区划")
    name = _require_text(name, "name", "名称", 60)
    with action("org.rename_region", actor=actor) as act:
        region.name = name
        region.save(update_fields=["name"])
        act.record(region)
    return region


# Units --------------------------------------------------------------------------------------------


def _clean_areas(areas: list[str]) -> list[str]:
    cleaned: list[str] = []
    for area in areas:
        key = rules.normalize_area(area)
        if key and key not in cleaned and key not in rules.STANDARD_RESTRICTED_AREAS:
            cleaned.append(key)
    return cleaned


def check_save_unit(
    *, actor: Person, unit: Unit | None, code: str, name: str, short_name: str, kind: str, region: Region
) -> None:
    _require_steward(actor, "维护单位信息")
    if not UNIT_CODE_RE.match(code):
        raise InvalidInput(
            f"单位代码 {code!r} 只能由大写字母、数字和连字符组成（2–40 位）",
            message_en="A unit code is 2-40 upper-case letters, digits or hyphens",
            field="code",
        )
    _require_text(name, "name", "名称", 100)
    _require_text(short_name, "short_name", "简称", 40)
    if kind not in UnitKind.values:
        raise InvalidInput(f"单位类别 {kind} 无效", message_en=f"Unknown unit kind {kind}", field="kind")
    others = Unit.objects.filter(code=code)
    if unit is not None:
        others = others.exclude(pk=unit.pk)
    if others.exists():
        raise Conflict(f"单位代码 {code} 已被使用", message_en=f"Unit code {code} is taken", field="code")


def do_create_unit(
    *,
    actor: Person,
    code: str,
    name: str,
    short_name: str,
    kind: str,
    region: Region,
    public_phone: str = "",
    extra_restricted_areas: list[str] | None = None,
) -> Unit:
    check_save_unit(
        actor=actor, unit=None, code=code, name=name, short_name=short_name, kind=kind, region=region
    )
    with action("org.create_unit", actor=actor) as act:
        unit = Unit.objects.create(
            code=code,
            name=name.strip(),
            short_name=short_name.strip(),
            kind=kind,
            region=region,
            public_phone=public_phone.strip(),
            extra_restricted_areas=_clean_areas(extra_restricted_areas or []),
        )
        act.record(unit)
    return unit


def do_update_unit(
    *,
    actor: Person,
    unit: Unit,
    name: str,
    short_name: str,
    kind: str,
    region: Region,
    public_phone: str,
    extra_restricted_areas: list[str],
) -> Unit:
    check_save_unit(
        actor=actor, unit=unit, code=unit.code, name=name, short_name=short_name, kind=kind, region=region
    )
    with action("org.update_unit", actor=actor) as act:
        unit.name, unit.short_name, unit.kind, unit.region = name.strip(), short_name.strip(), kind, region
        unit.public_phone = public_phone.strip()
        unit.extra_restricted_areas = _clean_areas(extra_restricted_areas)
        unit.save()
        act.record(unit)
    return unit


# Posts --------------------------------------------------------------------------------------------


def check_create_post(*, actor: Person, unit: Unit, name: str, kind: str) -> None:
    if not queries.can_manage(actor, unit):
        raise Forbidden(f"无权为{unit.name}设置岗位", message_en=f"You may not set up posts of {unit.name}")
    _require_text(name, "name", "岗位名称", 60)
    if kind not in PostKind.values:
        raise InvalidInput(f"岗位类别 {kind} 无效", message_en=f"Unknown post kind {kind}", field="kind")
    if Post.objects.filter(unit=unit, name=name.strip()).exists():
        raise Conflict(
            f"{unit.name}已有岗位“{name}”", message_en=f"{unit.name} already has post {name}", field="name"
        )


def do_create_post(*, actor: Person, unit: Unit, name: str, kind: str) -> Post:
    check_create_post(actor=actor, unit=unit, name=name, kind=kind)
    with action("org.create_post", actor=actor) as act:
        post = Post.objects.create(unit=unit, name=name.strip(), kind=kind)
        act.record(post)
    return post


def check_assign_post(*, actor: Person, post: Post, person: Person) -> None:
    if not queries.can_manage(actor, post.unit):
        raise Forbidden(f"无权为{post.unit.name}安排岗位人员", message_en="You may not staff this post")
    if person.unit_id != post.unit_id:
        raise InvalidInput(
            f"{person}不是{post.unit.name}的工作人员",
            message_en=f"{person} does not work in {post.unit.name}",
            field="person",
        )
    if PostHolding.objects.filter(post=post, person=person, until__isnull=True).exists():
        raise Conflict(f"{person}已在{post.name}", message_en=f"{person} already holds {post.name}")


def do_assign_post(*, actor: Person, post: Post, person: Person, since: date | None = None) -> PostHolding:
    check_assign_post(actor=actor, post=post, person=person)
    with action("org.assign_post", actor=actor) as act:
        holding = PostHolding.objects.create(post=post, person=person, since=since or timezone.localdate())
        act.record(holding)
    return holding


# People -------------------------------------------------------------------------------------------


def check_create_person(*, actor: Person, username: str, full_name: str, unit: Unit | None) -> None:
    _require_steward(actor, "新建人员账号")
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            f"用户名 {username!r} 只能由小写字母、数字和 . _ - 组成（2–40 位）",
            message_en="A user name is 2-40 lower-case letters, digits, '.', '_' or '-'",
            field="username",
        )
    _require_text(full_name, "full_name", "姓名", 40)
    if Person.objects.filter(username=username).exists():
        raise Conflict(
            f"用户名 {username} 已被使用", message_en=f"User name {username} is taken", field="username"
        )


def do_create_person(
    *,
    actor: Person,
    username: str,
    full_name: str,
    unit: Unit | None,
    office_phone: str = "",
    mobile: str = "",
    password: str | None = None,
    is_superuser: bool = False,
) -> Person:
    check_create_person(actor=actor, username=username, full_name=full_name, unit=unit)
    with action("org.create_person", actor=actor) as act:
        person = Person(
            username=username,
            full_name=full_name.strip(),
            unit=unit,
            office_phone=office_phone.strip(),
            mobile=mobile.strip(),
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save()
        act.record(person)
    return person


def do_update_person(
    *,
    actor: Person,
    person: Person,
    full_name: str,
    unit: Unit | None,
    office_phone: str,
    mobile: str,
    is_active: bool,
) -> Person:
    _require_steward(actor, "修改人员信息")
    full_name = _require_text(full_name, "full_name", "姓名", 40)
    with action("org.update_person", actor=actor) as act:
        person.full_name, person.unit = full_name, unit
        person.office_phone, person.mobile, person.is_active = office_phone.strip(), mobile.strip(), is_active
        person.save()
        act.record(person)
    return person


def check_password_strength(password: str, *, person: Person) -> None:
    """Django's password validators (length ≥ 10, not common, not numeric, not like the user name)."""
    try:
        validate_password(password, user=person)
    except ValidationError as exc:
        raise InvalidInput(
            "；".join(exc.messages), message_en="; ".join(exc.messages), field="password"
        ) from None


def do_set_password(*, actor: Person, person: Person, password: str) -> Person:
    """Set a password (the person's own, or by a steward); validated by Django's validators."""
    if actor.pk != person.pk:
        _require_steward(actor, "重设他人密码")
    check_password_strength(password, person=person)
    with action("org.set_password", actor=actor) as act:
        person.set_password(password)
        person.save(update_fields=["password"])
        act.record(person)
    return person


def check_grant_role(
    *, actor: Person, person: Person, role: str, unit: Unit | None, region: Region | None
) -> None:
    _require_steward(actor, "授予角色")
    if role not in Role.values:
        raise InvalidInput(f"角色 {role} 无效", message_en=f"Unknown role {role}", field="role")
    if role in REGION_ROLES:
        if region is None or unit is not None:
            raise InvalidInput(
                f"{Role(role).label}的范围是一个行政区划",
                message_en=f"{role} is scoped to a region",
                field="region",
            )
    elif unit is None or region is not None:
        raise InvalidInput(
            f"{Role(role).label}的范围是一个单位", message_en=f"{role} is scoped to a unit", field="unit"
        )
    if RoleGrant.objects.filter(person=person, role=role, unit=unit, region=region).exists():
        raise Conflict(f"{person}已有该角色", message_en=f"{person} already holds this role")


def do_grant_role(
    *, actor: Person, person: Person, role: str, unit: Unit | None = None, region: Region | None = None
) -> RoleGrant:
    check_grant_role(actor=actor, person=person, role=role, unit=unit, region=region)
    with action("org.grant_role", actor=actor) as act:
        grant = RoleGrant.objects.create(person=person, role=role, unit=unit, region=region)
        act.record(grant)
    return grant


# Leadership and oversight (分管) ------------------------------------------------------------------


def check_appoint_leader(*, actor: Person, unit: Unit, person: Person, rank: str, title: str) -> None:
    _require_steward(actor, "任命单位领导")
    if rank not in LeaderRank.values:
        raise InvalidInput(f"领导职务类别 {rank} 无效", message_en=f"Unknown rank {rank}", field="rank")
    _require_text(title, "title", "职务名称", 40)
    if person.unit_id != unit.pk:
        raise InvalidInput(
            f"{person}不是{unit.name}的工作人员",
            message_en=f"{person} does not work in {unit.name}",
            field="person",
        )
    current = Leadership.objects.filter(unit=unit, until__isnull=True)
    if current.filter(person=person).exists():
        raise Conflict(f"{person}已在{unit.name}领导班子中", message_en=f"{person} already leads {unit.name}")
    if rank == LeaderRank.PRINCIPAL and current.filter(rank=LeaderRank.PRINCIPAL).exists():
        raise Conflict(f"{unit.name}已有主要负责人", message_en=f"{unit.name} already has a principal")


def do_appoint_leader(
    *, actor: Person, unit: Unit, person: Person, rank: str, title: str, since: date | None = None
) -> Leadership:
    check_appoint_leader(actor=actor, unit=unit, person=person, rank=rank, title=title)
    with action("org.appoint_leader", actor=actor) as act:
        leadership = Leadership.objects.create(
            unit=unit, person=person, rank=rank, title=title.strip(), since=since or timezone.localdate()
        )
        act.record(leadership)
    return leadership


def check_assign_oversight(
    *, actor: Person, unit: Unit, leader: Person, area: str, exception_reason: str = ""
) -> rules.OversightVerdict:
    """Validate a 分管 assignment, applying 五个不直接分管 to the unit's principal."""
    if not queries.can_manage(actor, unit):
        raise Forbidden(
            f"无权调整{unit.name}的领导分工",
            message_en=f"You may not assign oversight in {unit.name}",
            unit=unit.code,
        )
    area = _require_text(area, "area", "分管领域", 60)
    leadership = Leadership.objects.filter(unit=unit, person=leader, until__isnull=True).first()
    if leadership is None:
        raise InvalidInput(
            f"{leader}不是{unit.name}的现任领导",
            message_en=f"{leader} is not a current leader of {unit.name}",
            field="leader",
        )
    if Oversight.objects.filter(unit=unit, leader=leader, area=area, ended_at__isnull=True).exists():
        raise Conflict(f"{leader}已分管{area}", message_en=f"{leader} already oversees {area}", field="area")
    verdict = rules.check_oversight(
        is_principal=leadership.rank == LeaderRank.PRINCIPAL,
        area=area,
        extra_areas=unit.extra_restricted_areas,
        exception_reason=exception_reason,
    )
    if not verdict.allowed:
        raise RuleViolation(
            f"违反“五个不直接分管”规定：{unit.name}主要负责人（一把手）{leader}不得直接分管“{area}”"
            f"（属{verdict.restricted_area}）。确需分管的，须登记例外并写明理由，供纪检监督。",
            message_en=f"Violates the five-areas rule: the principal of {unit.name} may not directly oversee "
            f"'{area}' ({verdict.restricted_area}) unless an exception is recorded with a written reason.",
            code="oversight_forbidden",
            rule=rules.RULE_NAME,
            area=area,
            restricted_area=verdict.restricted_area,
            unit=unit.code,
            leader=leader.username,
        )
    if exception_reason.strip() and not verdict.is_exception:
        raise InvalidInput(
            "该分管不违反“五个不直接分管”规定，无需登记例外理由",
            message_en="This assignment needs no exception; leave the reason empty",
            field="exception_reason",
        )
    return verdict


def do_assign_oversight(
    *, actor: Person, unit: Unit, leader: Person, area: str, exception_reason: str = ""
) -> Oversight:
    verdict = check_assign_oversight(
        actor=actor, unit=unit, leader=leader, area=area, exception_reason=exception_reason
    )
    rank = Leadership.objects.get(unit=unit, person=leader, until__isnull=True).rank
    try:
        with action("org.assign_oversight", actor=actor) as act:
            oversight = Oversight.objects.create(
                unit=unit,
                leader=leader,
                leader_rank=rank,
                area=area.strip(),
                restricted_area=verdict.restricted_area or "",
                is_exception=verdict.is_exception,
                exception_reason=exception_reason.strip() if verdict.is_exception else "",
                assigned_by=actor,
                assigned_at=timezone.now(),
            )
            act.record(oversight)
    except IntegrityError:
        raise Conflict(
            f"{leader}已分管{area}", message_en=f"{leader} already oversees {area}", field="area"
        ) from None
    return oversight


def do_end_oversight(*, actor: Person, oversight: Oversight) -> Oversight:
    if not queries.can_manage(actor, oversight.unit):
        raise Forbidden(
            f"无权调整{oversight.unit.name}的领导分工", message_en="You may not change this assignment"
        )
    if oversight.ended_at is not None:
        raise Conflict("该分管已结束", message_en="This assignment has already ended")
    with action("org.end_oversight", actor=actor) as act:
        oversight.ended_at, oversight.ended_by = timezone.now(), actor
        oversight.save(update_fields=["ended_at", "ended_by"])
        act.record(oversight)
    return oversight


# API tokens ---------------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def do_create_api_token(
    *, actor: Person, person: Person, label: str = "", days: int = ApiToken.DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """Issue a bearer token for `person`, valid for `days` (at most a year); the raw token is returned
    once and never stored."""
    if actor.pk != person.pk:
        _require_steward(actor, "为他人签发接口令牌")
    if not 1 <= days <= ApiToken.MAX_DAYS:
        raise InvalidInput(
            f"令牌有效期应为 1 到 {ApiToken.MAX_DAYS} 天，收到 {days}",
            message_en=f"A token lasts 1 to {ApiToken.MAX_DAYS} days, got {days}",
            field="days",
        )
    if not person.is_active:
        raise InvalidInput(
            f"{person}的账号已停用", message_en=f"{person}'s account is disabled", field="user"
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with action("org.create_api_token", actor=actor) as act:
        token = ApiToken.objects.create(
            person=person,
            label=label.strip()[:60],
            prefix=raw[:11],
            digest=token_digest(raw),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        act.record(token)
    return token, raw


def do_revoke_api_token(*, actor: Person, token: ApiToken) -> ApiToken:
    if actor.pk != token.person_id:
        _require_steward(actor, "吊销他人的接口令牌")
    if token.revoked_at is not None:
        raise Conflict("该令牌已吊销", message_en="This token is already revoked")
    with action("org.revoke_api_token", actor=actor) as act:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        act.record(token)
    return token


def touch_api_token(token: ApiToken) -> None:
    """Note a token's use (bookkeeping, not a domain change: no journal row)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
