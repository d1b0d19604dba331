"""The e-supervision centre (电子监察): rule settings with their history, alerts (黄牌/红牌) carried to
a recorded end, and the 处置 that names who is answerable under the power's 责任清单."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, sealed
from liuquan.org.models import Unit
from liuquan.supervision.catalog import MARKERS


class RuleSetting(models.Model):
    """监督规则参数: one rule's switch and parameters for one scope, as 纪检 set them at one time.

    Rows are never changed: each change is a new row (with its reason), so the rows are the history. The
    setting in force for a unit is the newest row of the most specific scope covering the unit's region; a
    row without a region is the installation's default, set by the data steward. A county's 纪检 sets its
    county's, the city's 纪检 the city's (supervision.actions.may_set_rules)."""

    rule = models.CharField(_("rule"), max_length=40)
    region = models.ForeignKey(
        "org.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope"),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("parameters"), default=dict)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("reason for the change"), max_length=300, blank=True)

    class Meta:
        ordering = ["rule", "-pk"]
        indexes = [models.Index(fields=["rule", "region"], name="rulesetting_scope")]
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")

    def __str__(self) -> str:
        return self.rule

    def ledger_fields(self) -> Fields:
        public: dict[str, Any] = {
            "rule": self.rule,
            "enabled": self.enabled,
            "params": self.params,
            "updated_at": self.updated_at.isoformat(),
            "note": self.note,
        }
        if self.region is not None:  # absent on the installation's defaults (and on older rows)
            public["region"] = self.region.code
        return sealed((public, {"updated_by": self.updated_by_id}))


class AlertLevel(models.TextChoices):
    YELLOW = "yellow", _("Yellow card")  # 黄牌: a warning
    RED = "red", _("Red card")  # 红牌: a breach
    # 提示: a record marked for the data steward (a due date on a provisional calendar), never a card
    # against the unit: it counts in no unit's cards, totals or rankings and has no check-by date.
    NOTICE = "notice", _("Notice")


CARD_LEVELS = (AlertLevel.YELLOW, AlertLevel.RED)


def cards() -> Q:
    """The alerts that are cards against their unit: yellow or red, and not raised by a marker rule (an
    older marker may carry the yellow level it had before markers had their own)."""
    return Q(level__in=CARD_LEVELS) & ~Q(rule__in=sorted(MARKERS))


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 待核查
    CHECKING = "checking", _("Being checked")  # 核查中: assigned to a 纪检 or 审计 person
    CHECKED = (
        "checked",
        _("Checked, awaiting decision"),
    )  # 已核查: the checker's report is in; another decides
    DISMISSED = "dismissed", _("Dismissed")  # 核查不实, with a reason
    CONFIRMED = "confirmed", _("Confirmed")  # 核查属实: a 处置 follows
    DISPOSED = "disposed", _("Disposed")  # 已处置 (提醒, 约谈, 通报, 问责 …)
    CLOSED = "closed", _("Closed")  # 办结
    CURED = (
        "cured",
        _("Cured"),
    )  # its cause went away (only where the rule says so, e.g. a yellow card met in time)


ENDED = frozenset({AlertStatus.DISMISSED, AlertStatus.CLOSED, AlertStatus.CURED})


class Alert(models.Model):
    """预警/告警: one finding of one rule about one thing (a case, a step, a breach, an assignment)."""

    rule = models.CharField(_("rule"), max_length=40)
    key = models.CharField(max_length=120, unique=True)  # the rule's stable name for what it found
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("unit"))
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    case_step = models.ForeignKey(
        "cases.CaseStep", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    subject = models.CharField(_("about"), max_length=300)
    detail = models.JSONField(default=dict)  # no personal data: numbers, dates, step keys, rule parameters
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    respond_by = models.DateField(_("check by"), null=True, blank=True)  # the handling SLA
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "unit", "level"], name="alert_board"),
            models.Index(fields=["rule", "status"], name="alert_rule"),
            models.Index(fields=["raised_at"], name="alert_raised"),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"

    def ledger_fields(self) -> Fields:
        return alert_fields(
            rule=self.rule,
            key=self.key,
            level=self.level,
            unit_code=self.unit.code,
            case_id=self.case_id,
            case_step_id=self.case_step_id,
            subject=self.subject,
            detail=self.detail,
            raised_at=self.raised_at,
            status=self.status,
            respond_by=self.respond_by,
            ended_at=self.ended_at,
            assignee_id=self.assignee_id,
            outcome=self.outcome,
        )


def alert_fields(
    *,
    rule: str,
    key: str,
    level: str,
    unit_code: str,
    case_id: int | None,
    case_step_id: int | None,
    subject: str,
    detail: dict[str, Any],
    raised_at: datetime,
    status: str,
    respond_by: date | None,
    ended_at: datetime | None,
    assignee_id: int | None,
    outcome: str,
) -> Fields:
    """An alert's ledger fields, from a row or from the values a sweep inserts in bulk: sealed, as every
    supervision record is until a 通报 publishes it."""
    return sealed(
        (
            {
                "rule": rule,
                "key": key,
                "level": level,
                "unit": unit_code,
                "case": case_id,
                "case_step": case_step_id,
                "subject": subject,
                "detail": detail,
                "raised_at": raised_at.isoformat(),
                "status": status,
                "respond_by": respond_by.isoformat() if respond_by else None,
                "ended_at": ended_at.isoformat() if ended_at else None,
            },
            {"assignee": assignee_id, "outcome": outcome},
        )
    )


class AlertNote(models.Model):
    """One step of an alert's handling: who did what and why (the alert's own timeline)."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField(_("time"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("step"), max_length=20)  # assign, dismiss, confirm, dispose, close
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["alert", "at", "pk"]
        verbose_name = _("alert note")
        verbose_name_plural = _("alert notes")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {"alert": self.alert_id, "at": self.at.isoformat(), "kind": self.kind},
                {
                    "person": self.person_id,
                    "text": self.text,
                },
            )
        )


class SanctionKind(models.TextChoices):
    REMIND = "remind", _("Reminder")  # 提醒
    TALK = "talk", _("Admonishing talk")  # 约谈
    CIRCULATE = "circulate", _("Notice of criticism")  # 通报
    ACCOUNTABILITY = "accountability", _("Accountability")  # 问责
    CORRECT = "correct", _("Order to correct")  # 责令整改


class Sanction(models.Model):
    """处置: what was done about a confirmed alert, naming the people answerable and the 责任清单 line
    (stage → 追责对象范围 / 追责情形) that makes them so."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(_("measure"), max_length=20, choices=SanctionKind.choices)
    responsibility = models.ForeignKey(
        "powers.Responsibility", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    accountable_scope = models.TextField(_("who is accountable"), blank=True)  # quoted from the list
    accountability_case = models.TextField(_("accountability case"), blank=True)  # 追责情形, quoted
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("people"))
    text = models.TextField(_("decision"))
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["alert", "decided_at"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "alert": self.alert_id,
                    "kind": self.kind,
                    "responsibility": self.responsibility_id,
                    "stage": self.stage,
                    "decided_at": self.decided_at.isoformat(),
                },
                {
                    "people": sorted(self.people.values_list("pk", flat=True)) if self.pk else [],
                    "accountable_scope": self.accountable_scope,
                    "accountability_case": self.accountability_case,
                    "text": self.text,
                    "decided_by": self.decided_by_id,
                },
            )
        )


class SweepMark(models.Model):
    """How far the sweep has read each source (high-water marks), so a sweep only looks at what is new.

    On the ledger: a mark raised with database access alone would make the sweep skip what lies below it,
    so each move is recorded (in clear: ids and days, nothing personal), `ledger verify` names a row that
    differs from its entry, and the sweep itself reads no further than the ledger says it has read."""

    name = models.CharField(max_length=40, unique=True)
    value = models.BigIntegerField(default=0)
    # Only the retired "clock" mark (the day the clock rules last ran) had a day; the clock rules now read
    # every unalerted row past its date. Kept, and on the ledger, so old entries still verify.
    day = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("sweep mark")
        verbose_name_plural = _("sweep marks")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    def ledger_fields(self) -> Fields:
        return {"name": self.name, "value": self.value, "day": self.day.isoformat() if self.day else None}, {}

    def ledger_initial(self) -> bool:
        """Created by the migration and never moved: nothing read yet, so nothing to record (a mark
        lowered to this state after an entry is still compared with that entry)."""
        return self.value == 0 and self.day is None
