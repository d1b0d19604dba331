"""Process definitions (权力运行流程图) with their risk maps (风险防控图), versioned per power."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, public_if
from liuquan.flows import codec
from liuquan.flows.spec import Flow
from liuquan.org.models import Unit

_DECODED: dict[tuple[int, datetime], Flow] = {}  # immutable (published) versions by id and publication


class FlowStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 编制中: the unit edits it
    PUBLISHED = "published", _("Published")  # 已公布: in force, immutable; new cases start on it
    SUPERSEDED = "superseded", _("Superseded")  # 已被新版本取代: immutable; cases begun on it go on under it


class ProcessDefinition(models.Model):
    """权力运行流程图: one version of the flow of one power (unit + power code). Published versions are
    immutable; cases pin the version they started on."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="flows", verbose_name=_("unit"))
    power_code = models.CharField(_("power code"), max_length=40)
    power_name = models.CharField(_("power"), max_length=300)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=FlowStatus.choices, default=FlowStatus.DRAFT
    )
    spec = models.JSONField(_("flow"))  # codec.encode(Flow)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=200, blank=True)  # "template:licensing", "bpmn:x.bpmn"
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "power_code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "power_code", "version"], name="flow_unique_version"),
            models.UniqueConstraint(
                fields=["unit", "power_code"], condition=Q(status="draft"), name="flow_one_draft"
            ),
            models.UniqueConstraint(
                fields=["unit", "power_code"], condition=Q(status="published"), name="flow_one_in_force"
            ),
        ]
        verbose_name = _("process flow")
        verbose_name_plural = _("process flows")

    def __str__(self) -> str:
        return f"{self.power_name} 流程 v{self.version}"

    @property
    def flow(self) -> Flow:
        """The decoded flow. A published or superseded version never changes, so its decoding is kept
        (per process) and shared by every case that runs on it; a draft is decoded each time."""
        if self.status == FlowStatus.DRAFT or self.pk is None or self.published_at is None:
            return codec.decode(self.spec)
        key = (self.pk, self.published_at)  # an id alone could be reused by a restored database
        cached = _DECODED.get(key)
        if cached is None:
            cached = _DECODED[key] = codec.decode(self.spec)
        return cached

    @property
    def is_public(self) -> bool:
        """Published (and after it, superseded): its leaf is in clear from the publishing entry on; a draft's
        leaves are sealed."""
        return self.status != FlowStatus.DRAFT

    def ledger_fields(self) -> Fields:
        return public_if(
            self.is_public,
            (
                {
                    "unit": self.unit.code,
                    "power": self.power_code,
                    "power_name": self.power_name,
                    "version": self.version,
                    "status": self.status,
                    "spec": self.spec,
                    "based_on": self.based_on_id,
                    "source": self.source,
                    "created_at": self.created_at.isoformat(),
                    "published_at": self.published_at.isoformat() if self.published_at else None,
                },
                {"created_by": self.created_by_id},
            ),
        )


class RiskPoint(models.Model):
    """风险点: a risk on a step of a published flow, with its level, controls and the person or post
    answerable; `rule` names the supervision rule that watches it."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="risk_points")
    position = models.PositiveIntegerField()
    step = models.CharField(_("step"), max_length=60)
    point = models.CharField(_("risk point"), max_length=300)
    manifestation = models.TextField(_("manifestation"), blank=True)
    level = models.CharField(_("risk level"), max_length=10)
    measures = models.TextField(_("control measures"))
    post = models.CharField(_("responsible post"), max_length=60, blank=True)
    person = models.CharField(_("responsible person"), max_length=60, blank=True)
    rule = models.CharField(_("supervision rule"), max_length=60, blank=True)

    class Meta:
        ordering = ["definition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "position"], name="risk_point_unique_position")
        ]
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")

    def __str__(self) -> str:
        return f"{self.definition}: {self.point}"

    def ledger_fields(self) -> Fields:
        return public_if(
            self.definition.is_public,
            (
                {
                    "definition": self.definition_id,
                    "position": self.position,
                    "step": self.step,
                    "point": self.point,
                    "manifestation": self.manifestation,
                    "level": self.level,
                    "measures": self.measures,
                    "post": self.post,
                    "person": self.person,
                    "rule": self.rule,
                },
                {},
            ),
        )


class SpecialLimit(models.Model):
    """特别时限依据: a limit that a law or regulation sets for some powers instead of the general statute
    ("法律、法规另有规定的，依照其规定", 行政许可法 art. 42), registered once with its article so that a
    flow may cite it (`Flow.limit_basis` = `key`). Registration checks the article against the law corpus."""

    key = models.CharField(_("key"), max_length=120, unique=True)  # "行政许可法第四十二条第二款"
    category = models.CharField(_("category"), max_length=20)  # the power category it applies to
    law = models.ForeignKey("laws.Law", on_delete=models.PROTECT, related_name="+", verbose_name=_("law"))
    article = models.PositiveIntegerField(_("article number"))
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), default=0)  # 款; 0 for the whole article
    case_days = models.PositiveIntegerField(_("case limit (days)"))
    case_kind = models.CharField(_("counted in"), max_length=10)
    extension_days = models.PositiveIntegerField(_("extension (days)"), null=True, blank=True)
    extension_kind = models.CharField(max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["key"]
        verbose_name = _("special-law limit")
        verbose_name_plural = _("special-law limits")

    def __str__(self) -> str:
        return self.key

    def ledger_fields(self) -> Fields:
        return (
            {
                "key": self.key,
                "category": self.category,
                "law": self.law.name,
                "article": self.article,
                "paragraph": self.paragraph,
                "case_days": self.case_days,
                "case_kind": self.case_kind,
                "extension_days": self.extension_days,
                "extension_kind": self.extension_kind,
                "note": self.note,
                "registered_at": self.registered_at.isoformat(),
            },
            {"registered_by": self.registered_by_id},
        )


class HearingThreshold(models.Model):
    """较大数额: the fine or confiscation from which a penalty needs a hearing (行政处罚法 art. 63(1)(1)-(2)),
    as the province or ministry set it for this unit, with where it was set."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    amount = models.PositiveIntegerField(_("amount (yuan)"))
    basis = models.CharField(_("basis"), max_length=300)
    set_at = models.DateTimeField(_("set at"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("hearing threshold")
        verbose_name_plural = _("hearing thresholds")

    def __str__(self) -> str:
        return f"{self.unit}: {self.amount}"

    def ledger_fields(self) -> Fields:
        return (
            {
                "unit": self.unit.code,
                "amount": self.amount,
                "basis": self.basis,
                "set_at": self.set_at.isoformat(),
            },
            {"set_by": self.set_by_id},
        )
