"""Power and responsibility lists (两清单): editions of a unit's list, its items, their dispositions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, public_if, sealed
from liuquan.org.models import Unit
from liuquan.powers.states import (
    DISPOSITION_NAMES,
    STATUS_NAMES,
    DispositionKind,
    EditionStatus,
    WithdrawCause,
)


class PowerCategory(models.TextChoices):
    """权力类型: the ten categories of administrative power, plus public services."""

    LICENSING = "licensing", _("Administrative licensing")  # 行政许可
    PENALTY = "penalty", _("Administrative penalty")  # 行政处罚
    COERCION = "coercion", _("Administrative coercion")  # 行政强制
    LEVY = "levy", _("Administrative levy")  # 行政征收
    BENEFIT = "benefit", _("Administrative benefit")  # 行政给付
    INSPECTION = "inspection", _("Administrative inspection")  # 行政检查
    CONFIRMATION = "confirmation", _("Administrative confirmation")  # 行政确认
    REWARD = "reward", _("Administrative reward")  # 行政奖励
    ADJUDICATION = "adjudication", _("Administrative adjudication")  # 行政裁决
    OTHER = "other", _("Other administrative power")  # 其他行政权力
    PUBLIC_SERVICE = "public_service", _("Public service")  # 公共服务


# The Chinese names as lists write them, for import and export.
CATEGORY_NAMES: dict[str, str] = {
    "行政许可": PowerCategory.LICENSING,
    "行政处罚": PowerCategory.PENALTY,
    "行政强制": PowerCategory.COERCION,
    "行政征收": PowerCategory.LEVY,
    "行政给付": PowerCategory.BENEFIT,
    "行政检查": PowerCategory.INSPECTION,
    "行政确认": PowerCategory.CONFIRMATION,
    "行政奖励": PowerCategory.REWARD,
    "行政裁决": PowerCategory.ADJUDICATION,
    "其他行政权力": PowerCategory.OTHER,
    "公共服务": PowerCategory.PUBLIC_SERVICE,
}


class ListEdition(models.Model):
    """清单版本: numbered edition of one unit's list, reviewed 编制 → 一审 → 二审 → 确认 → 公布."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="list_editions", verbose_name=_("unit")
    )
    number = models.PositiveIntegerField(_("edition"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=[(s.value, s.value) for s in EditionStatus],
        default=EditionStatus.DRAFT.value,
    )
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "-number"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="edition_unique_number")]
        verbose_name = _("list edition")
        verbose_name_plural = _("list editions")

    def __str__(self) -> str:
        return f"{self.unit.short_name} 第{self.number}版"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[EditionStatus(self.status)]

    @property
    def is_published(self) -> bool:
        """公布: the edition, its items and their responsibilities, citations and dispositions are public
        (until then their ledger leaves are sealed)."""
        return self.status == EditionStatus.PUBLISHED

    def ledger_fields(self) -> Fields:
        return public_if(
            self.is_published,
            (
                {
                    "unit": self.unit.code,
                    "number": self.number,
                    "status": self.status,
                    "based_on": self.based_on_id,
                    "created_at": self.created_at.isoformat(),
                    "published_at": self.published_at.isoformat() if self.published_at else None,
                },
                {},
            ),
        )


class PowerItem(models.Model):
    """权力事项: one power of the unit in one edition (a 子项 has a parent item)."""

    edition = models.ForeignKey(
        ListEdition, on_delete=models.CASCADE, related_name="items", verbose_name=_("edition")
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sub_items",
        verbose_name=_("main item"),
    )
    category = models.CharField(_("category"), max_length=20, choices=PowerCategory.choices)
    subject = models.CharField(_("exercising body"), max_length=200, blank=True)  # 行使主体
    handling_unit = models.CharField(_("handling office"), max_length=200, blank=True)  # 承办机构
    level = models.CharField(_("level of exercise"), max_length=300, blank=True)  # 实施层级及权限
    basis = models.TextField(_("legal basis"), blank=True)  # 实施依据, as written
    duty = models.TextField(_("department duty"), blank=True)  # 部门职责
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)  # file · sheet · rows it came from

    class Meta:
        ordering = ["edition", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="item_unique_code")]
        verbose_name = _("power item")
        verbose_name_plural = _("power items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def ledger_fields(self) -> Fields:
        return public_if(
            self.edition.is_published,
            (
                {
                    "edition": self.edition_id,
                    "code": self.code,
                    "name": self.name,
                    "parent": self.parent.code if self.parent else None,
                    "category": self.category,
                    "subject": self.subject,
                    "handling_unit": self.handling_unit,
                    "level": self.level,
                    "basis": self.basis,
                    "duty": self.duty,
                    "note": self.note,
                    "source": self.source,
                },
                {},
            ),
        )


class Responsibility(models.Model):
    """责任事项: what the unit answers for at one stage of a power, and who is accountable when it fails."""

    item = models.ForeignKey(
        PowerItem, on_delete=models.CASCADE, related_name="responsibilities", verbose_name=_("power item")
    )
    position = models.PositiveIntegerField(_("position"))
    stage = models.CharField(_("stage"), max_length=40, blank=True)  # 受理, 审查, 决定, 送达, 事后监管 …
    content = models.TextField(_("responsibility"))  # 责任事项内容
    basis = models.TextField(_("basis"), blank=True)  # 责任事项依据
    accountable = models.TextField(_("who is accountable"), blank=True)  # 追责对象范围
    accountability_cases = models.TextField(_("when they are held accountable"), blank=True)  # 追责情形
    supervising_body = models.CharField(_("supervising body"), max_length=100, blank=True)
    supervising_phone = models.CharField(_("supervision phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["item_id", "position"]  # by the column: "item" would join up to the region
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="responsibility_unique_position")
        ]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")

    def __str__(self) -> str:
        return f"{self.item.code}·{self.stage or self.position}"

    ledger_related = ("item__edition",)  # whether the edition is published

    def ledger_fields(self) -> Fields:
        return public_if(
            self.item.edition.is_published,
            (
                {
                    "item": self.item_id,
                    "position": self.position,
                    "stage": self.stage,
                    "content": self.content,
                    "basis": self.basis,
                    "accountable": self.accountable,
                    "accountability_cases": self.accountability_cases,
                    "supervising_body": self.supervising_body,
                    "supervising_phone": self.supervising_phone,
                },
                {},
            ),
        )


class Disposition(models.Model):
    """处理意见: the reform office's decision on one reported item, with its written reason."""

    item = models.OneToOneField(
        PowerItem, on_delete=models.CASCADE, related_name="disposition", verbose_name=_("power item")
    )
    kind = models.CharField(
        _("disposition"), max_length=20, choices=[(k.value, k.value) for k in DispositionKind]
    )
    reason = models.TextField(_("reason"))
    target_level = models.CharField(_("delegated to level"), max_length=40, blank=True)
    target_code = models.CharField(_("merged into item"), max_length=40, blank=True)
    target_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to unit"),
    )
    new_category = models.CharField(
        _("new category"), max_length=20, choices=PowerCategory.choices, blank=True
    )
    withdraw_cause = models.CharField(
        _("withdrawn because"), max_length=30, blank=True, choices=[(c.value, c.value) for c in WithdrawCause]
    )
    round = models.CharField(_("review round"), max_length=20)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="disposition_has_reason")]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.kind}"

    @property
    def kind_name(self) -> str:
        return DISPOSITION_NAMES[DispositionKind(self.kind)]

    ledger_related = ("item__edition",)  # whether the edition is published

    def ledger_fields(self) -> Fields:
        return public_if(
            self.item.edition.is_published,
            (
                {
                    "item": self.item_id,
                    "code": self.item.code,
                    "kind": self.kind,
                    "reason": self.reason,
                    "target_level": self.target_level,
                    "target_code": self.target_code,
                    "target_unit": self.target_unit.code if self.target_unit else None,
                    "new_category": self.new_category,
                    "withdraw_cause": self.withdraw_cause,
                    "round": self.round,
                    "decided_at": self.decided_at.isoformat(),
                },
                {"decided_by": self.decided_by_id},
            ),
        )


class ReviewComment(models.Model):
    """审核意见: a reviewer's comment on an edition or one of its items in a review round."""

    edition = models.ForeignKey(ListEdition, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(
        PowerItem, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    round = models.CharField(_("review round"), max_length=20)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["edition", "at", "id"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return f"{self.edition} {self.round}"

    def ledger_fields(self) -> Fields:
        # Internal to the review (the unit, the reform office, supervisors in scope read them): sealed
        # even after the edition is published; the published dispositions carry the public reasons.
        return sealed(
            (
                {
                    "edition": self.edition_id,
                    "item": self.item.code if self.item else None,
                    "round": self.round,
                    "text": self.text,
                    "at": self.at.isoformat(),
                },
                {"author": self.author_id},
            )
        )


class CitationOutcome(models.TextChoices):
    """How a citation of an item's 实施依据 resolved against the law corpus."""

    FOUND = "found", _("Found in the corpus")  # law and article exist
    ARTICLE_MISSING = "article_missing", _("Article missing")  # an error: the law has no such article
    NOT_IN_CORPUS = "law_not_in_corpus", _("Law not in the corpus")  # a warning, not a verdict
    NO_ARTICLE = "no_article", _("No article named")


class BasisCitation(models.Model):
    """One citation in an item's 实施依据 (parsed by liuquan.laws.citations), with how it resolved."""

    item = models.ForeignKey(
        PowerItem, on_delete=models.CASCADE, related_name="citations", verbose_name=_("power item")
    )
    position = models.PositiveIntegerField(_("position"))
    raw = models.TextField(_("as written"))
    level_tag = models.CharField(_("level tag"), max_length=40, blank=True)
    law_name = models.CharField(_("law"), max_length=300)
    law = models.ForeignKey("laws.Law", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    article_number = models.PositiveIntegerField(_("article"), null=True, blank=True)
    article_sub = models.PositiveIntegerField(default=0)
    paragraph = models.PositiveIntegerField(_("paragraph"), null=True, blank=True)
    item_number = models.PositiveIntegerField(_("item"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CitationOutcome.choices)

    class Meta:
        ordering = ["item_id", "position"]  # by the column: "item" would join up to the region
        constraints = [models.UniqueConstraint(fields=["item", "position"], name="citation_unique_position")]
        verbose_name = _("basis citation")
        verbose_name_plural = _("basis citations")

    def __str__(self) -> str:
        return self.raw[:60]

    ledger_related = ("item__edition",)  # whether the edition is published

    def ledger_fields(self) -> Fields:
        return public_if(
            self.item.edition.is_published,
            (
                {
                    "item": self.item_id,
                    "position": self.position,
                    "raw": self.raw,
                    "level_tag": self.level_tag,
                    "law_name": self.law_name,
                    "law": self.law_id,
                    "article": self.article_number,
                    "article_sub": self.article_sub,
                    "paragraph": self.paragraph,
                    "item_number": self.item_number,
                    "outcome": self.outcome,
                },
                {},
            ),
        )
