"""Organisation: regions, units, posts, people, leadership and oversight (分管)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, sealed


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class RegionLevel(models.TextChoices):
    """Administrative level of a region (行政区划层级)."""

    PROVINCE = "province", _("Province")  # 省
    CITY = "city", _("City")  # 市 (prefecture level)
    COUNTY = "county", _("County")  # 县/区/县级市
    TOWNSHIP = "township", _("Township")  # 乡/镇/街道
    VILLAGE = "village", _("Village")  # 村/社区


# Significant code digits per level (GB/T 2260 for the first three, 统计用区划代码 below).
LEVEL_PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_CODE_LENGTH = {
    RegionLevel.PROVINCE: 6,
    RegionLevel.CITY: 6,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


class Region(models.Model):
    """行政区划: a province, city, county, township or village, identified by its division code.

    Codes nest by prefix (140700 晋中市 ⊃ 140781 介休市 ⊃ 140781xxx 乡镇), so a region's subtree is a
    single indexed `code LIKE prefix%` query.
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def ledger_fields(self) -> Fields:
        """(public, private) state recorded in the ledger; `liuquan ledger verify` recomputes it."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent": self.parent.code if self.parent else None,
        }, {}

    @property
    def prefix(self) -> str:
        return self.code[: LEVEL_PREFIX_LENGTH[RegionLevel(self.level)]]


class UnitKind(models.TextChoices):
    """Kind of unit (单位类别)."""

    GOVERNMENT_DEPARTMENT = "government_department", _("Government department")  # 政府工作部门
    PARTY_ORGAN = "party_organ", _("Party organ")  # 党委工作机关
    GOVERNMENT = "government", _("People's government")  # 县/市人民政府
    TOWNSHIP_GOVERNMENT = "township_government", _("Township government")  # 乡镇人民政府
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")  # 村民委员会
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")  # 事业单位


class Unit(models.Model):
    """单位: a body that holds powers — department, party organ, township government, village committee."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("region")
    )
    public_phone = models.CharField(_("public phone"), max_length=30, blank=True)
    # Areas the unit adds to the five restricted areas of its principal (五个不直接分管).
    extra_restricted_areas = models.JSONField(_("additional restricted areas"), default=list, blank=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def ledger_fields(self) -> Fields:
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "kind": self.kind,
            "region": self.region.code,
            "public_phone": self.public_phone,
            "extra_restricted_areas": list(self.extra_restricted_areas),
        }, {}


class PostKind(models.TextChoices):
    """Kind of post (岗位类别) a flow step can be assigned to."""

    ACCEPTANCE = "acceptance", _("Acceptance")  # 受理岗
    HANDLING = "handling", _("Handling")  # 办理岗
    REVIEW = "review", _("Review")  # 审核岗
    APPROVAL = "approval", _("Approval")  # 审批岗
    INVESTIGATION = "investigation", _("Investigation")  # 调查岗
    LEGAL_REVIEW = "legal_review", _("Legal review")  # 法制审核岗
    DECISION = "decision", _("Decision")  # 决定岗
    ENFORCEMENT = "enforcement", _("Enforcement")  # 执行岗
    GENERAL = "general", _("General")  # 综合岗


class Post(models.Model):
    """岗位: a position in a unit that flow steps are assigned to (受理岗, 审核岗, 审批岗 …)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="posts", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)

    class Meta:
        ordering = ["unit", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="post_unique_name_in_unit")]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"{self.unit.short_name}·{self.name}"

    def ledger_fields(self) -> Fields:
        return {"unit": self.unit.code, "name": self.name, "kind": self.kind}, {}


class Person(AbstractUser):
    """人员: a staff account. Contact details other than the office phone are private."""

    full_name = models.CharField(_("full name"), max_length=40)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("unit")
    )
    office_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    mobile = models.CharField(_("mobile phone (private)"), max_length=30, blank=True)

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.username

    def ledger_fields(self) -> Fields:
        # The login name and private contacts are only committed to; last_login is bookkeeping.
        public = {
            "full_name": self.full_name,
            "unit": self.unit.code if self.unit else None,
            "office_phone": self.office_phone,
            "active": self.is_active,
            "steward": self.is_superuser,
            "admin": self.is_staff,
            "joined": self.date_joined.isoformat(),
        }
        private = {
            "username": self.username,
            "mobile": self.mobile,
            "password": self.password,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
        }
        return sealed((public, private))


class Role(models.TextChoices):
    """A role a person holds over a unit or a region (角色)."""

    REFORM_OFFICE = "reform_office", _("Reform office")  # 改革办
    CLERK = "clerk", _("Department clerk")  # 部门经办
    REVIEWER = "reviewer", _("Department reviewer")  # 部门审核
    HEAD = "head", _("Department head")  # 部门负责人
    LEADER = "leader", _("Leader in charge")  # 分管领导
    INSPECTOR = "inspector", _("Discipline inspector")  # 纪检
    AUDITOR = "auditor", _("Auditor")  # 审计
    VILLAGE = "village", _("Village affairs")  # 村务


# Roles whose scope is a region (and every unit in it); the others are scoped to one unit.
REGION_ROLES = frozenset({Role.REFORM_OFFICE, Role.INSPECTOR, Role.AUDITOR})


class RoleGrant(models.Model):
    """A role held by a person, scoped to one unit or to a region's whole subtree."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="grants", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, region__isnull=True) | Q(unit__isnull=True, region__isnull=False)
                ),
                name="rolegrant_one_scope",
            ),
            models.UniqueConstraint(fields=["person", "role", "unit", "region"], name="rolegrant_unique"),
        ]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.person} {self.get_role_display()} @ {self.unit or self.region}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "person": self.person_id,
                    "role": self.role,
                    "unit": self.unit.code if self.unit else None,
                    "region": self.region.code if self.region else None,
                },
                {},
            )
        )


class PostHolding(models.Model):
    """A person holding a post (在岗), from `since` until `until` (open while current)."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("post"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="holdings", verbose_name=_("person")
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "person"], condition=Q(until__isnull=True), name="postholding_one_current"
            ),
        ]
        verbose_name = _("post holding")
        verbose_name_plural = _("post holdings")

    def __str__(self) -> str:
        return f"{self.person} @ {self.post}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "post": self.post_id,
                    "person": self.person_id,
                    "since": _day(self.since),
                    "until": _day(self.until),
                },
                {},
            )
        )


class LeaderRank(models.TextChoices):
    """Rank in a unit's leadership (领导职务)."""

    PRINCIPAL = "principal", _("Principal (top leader)")  # 主要负责人, 一把手
    DEPUTY = "deputy", _("Deputy")  # 副职


class Leadership(models.Model):
    """A place in a unit's leadership team: the 一把手 or a 副职, with their title."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="leaders", verbose_name=_("unit"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="leaderships", verbose_name=_("person")
    )
    rank = models.CharField(_("rank"), max_length=10, choices=LeaderRank.choices)
    title = models.CharField(_("title"), max_length=40)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "-rank", "id"]  # principal first
        verbose_name = _("leadership place")
        verbose_name_plural = _("leadership places")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(until__isnull=True, rank="principal"),
                name="leadership_one_current_principal",
            ),
            models.UniqueConstraint(
                fields=["unit", "person"],
                condition=Q(until__isnull=True),
                name="leadership_one_current_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.short_name}{self.title} {self.person}"

    def ledger_fields(self) -> Fields:
        return {
            "unit": self.unit.code,
            "person": self.person_id,
            "full_name": self.person.full_name,
            "rank": self.rank,
            "title": self.title,
            "since": _day(self.since),
            "until": _day(self.until),
        }, {}


class Oversight(models.Model):
    """分管: a leader of a unit oversees an area of its work.

    An assignment to the 一把手 of a restricted area (五个不直接分管) exists only as a recorded exception
    with a written reason; such rows are what supervision looks at.
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="oversights", verbose_name=_("unit")
    )
    leader = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="oversights", verbose_name=_("leader")
    )
    leader_rank = models.CharField(_("rank"), max_length=10, choices=LeaderRank.choices)
    area = models.CharField(_("area of work"), max_length=60)
    restricted_area = models.CharField(_("restricted area matched"), max_length=20, blank=True)
    is_exception = models.BooleanField(_("recorded exception"), default=False)
    exception_reason = models.TextField(_("exception reason"), blank=True)
    assigned_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"))
    ended_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "leader", "area"],
                condition=Q(ended_at__isnull=True),
                name="oversight_one_current",
            ),
            models.CheckConstraint(
                condition=Q(is_exception=False) | ~Q(exception_reason=""),
                name="oversight_exception_has_reason",
            ),
        ]
        verbose_name = _("oversight assignment")
        verbose_name_plural = _("oversight assignments")

    def __str__(self) -> str:
        return f"{self.leader} 分管 {self.area}"

    def ledger_fields(self) -> Fields:
        # The exception reason is kept for supervision, not published: the leaf commits to it.
        public = {
            "unit": self.unit.code,
            "leader": self.leader_id,
            "rank": self.leader_rank,
            "area": self.area,
            "restricted_area": self.restricted_area,
            "is_exception": self.is_exception,
            "assigned_at": self.assigned_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
        }
        private = {
            "exception_reason": self.exception_reason,
            "assigned_by": self.assigned_by_id,
            "ended_by": self.ended_by_id,
        }
        return public, private


class ApiToken(models.Model):
    """A bearer token for a machine client acting as a person; only its SHA-256 is stored."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    label = models.CharField(max_length=60, blank=True)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set on every token issued since expiry came in; an older token (null) lapses DEFAULT_DAYS after
    # it was made, so no token lives for ever and no ledgered row had to be rewritten.
    expires_at = models.DateTimeField(null=True, blank=True)

    DEFAULT_DAYS = 90
    MAX_DAYS = 365

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.person})"

    def ledger_fields(self) -> Fields:
        public = {
            "person": self.person_id,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
        if self.expires_at is not None:
            public["expires_at"] = self.expires_at.isoformat()
        return sealed((public, {"label": self.label, "prefix": self.prefix, "digest": self.digest}))

    @property
    def lapses_at(self) -> datetime.datetime:
        """When the token stops working (the older tokens' default for those issued without a date)."""
        return self.expires_at or self.created_at + datetime.timedelta(days=self.DEFAULT_DAYS)
