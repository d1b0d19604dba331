"""Cases (办件): a power exercised through its published flow, step by step, on the law's clock.

A case row carries its current step and its clocks, so an inbox or a supervision sweep is an indexed
range query; its steps and timeline are append-mostly rows beside it. Applicants' personal data
(ID number, phone, address) is private: it never enters a public ledger leaf or a public page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, sealed
from liuquan.flows.models import ProcessDefinition
from liuquan.org.models import Unit


class CaseStatus(models.TextChoices):
    OPEN = "open", _("In progress")  # 办理中
    CORRECTION = "correction", _("Waiting for the applicant's correction")  # 补正中: the clock is paused
    SUSPENDED = "suspended", _("Suspended")  # 中止 (听证, 检测, 专家评审): the clock is not counted
    DONE = "done", _("Completed")  # 办结
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 撤回 by the applicant
    TERMINATED = "terminated", _("Terminated")  # 终止


CLOSED_STATUSES = frozenset({CaseStatus.DONE, CaseStatus.WITHDRAWN, CaseStatus.TERMINATED})


class Case(models.Model):
    """办件: one exercise of one published power, pinned to the flow version it started on."""

    number = models.CharField(_("case number"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases", verbose_name=_("unit"))
    power_code = models.CharField(_("power code"), max_length=40)
    power_name = models.CharField(_("power"), max_length=300)
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="cases")
    source = models.CharField(_("source"), max_length=80)  # "portal", "console", "ingest:<system>"
    external_id = models.CharField(_("id in the source system"), max_length=80, blank=True)
    # The applicant: the name is shown to staff and on the applicant's own page; the rest is private.
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=40, blank=True)
    applicant_address = models.CharField(_("address"), max_length=200, blank=True)
    query_digest = models.CharField(max_length=64, blank=True)  # SHA-256 of the query code given out
    subject = models.CharField(_("what is applied for"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # Its tokens (liuquan.flows.tokens): the open step, or each open branch and each branch waiting at a join.
    current_step = models.CharField(_("current step"), max_length=400, blank=True)
    result = models.CharField(_("result"), max_length=40, blank=True)  # outcome of the last step taken
    # The steps completed so far, space-separated, ending in "$" once a move reached the flow's end:
    # the case's trace, kept as it grows so conformance checks read one row per case.
    path = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(_("received at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The case clock (from 受理/立案): due and warning dates, and while paused the days it had left.
    due_on = models.DateField(_("due"), null=True, blank=True)
    warn_on = models.DateField(_("warning from"), null=True, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    days_left = models.IntegerField(null=True, blank=True)
    extended = models.BooleanField(_("extended"), default=False)
    provisional = models.BooleanField(_("provisional due date"), default=False)
    corrections = models.PositiveIntegerField(default=0)
    resubmitted = models.BooleanField(default=False)  # new material since the last 补正 request
    version = models.PositiveIntegerField(default=0)  # bumped on every change: optimistic concurrency

    # Not columns: what a case action loaded with the locked row (cases.actions.load_locked) — the step
    # rows in position order and the timeline's last seq — kept current as the action writes, so the
    # action asks the database once. None when not loaded.
    working_steps: list[CaseStep] | None = None
    working_seq: int | None = None

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["unit", "status", "current_step"], name="case_inbox"),
            models.Index(fields=["status", "due_on"], name="case_due"),
            models.Index(fields=["status", "warn_on"], name="case_warn"),
            models.Index(fields=["status"], condition=Q(provisional=True), name="case_provisional"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""), name="case_unique_external"
            )
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.number} {self.power_name}"

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "number": self.number,
                    "unit": self.unit.code,
                    "power": self.power_code,
                    "power_name": self.power_name,
                    "flow": self.definition_id,
                    "source": self.source,
                    "external_id": self.external_id,
                    "status": self.status,
                    "current_step": self.current_step,
                    "result": self.result,
                    "path": self.path,
                    "received_at": self.received_at.isoformat(),
                    "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
                    "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                    "due_on": self.due_on.isoformat() if self.due_on else None,
                    "warn_on": self.warn_on.isoformat() if self.warn_on else None,
                    "paused_on": self.paused_on.isoformat() if self.paused_on else None,
                    "days_left": self.days_left,
                    "extended": self.extended,
                    "provisional": self.provisional,
                    "corrections": self.corrections,
                    "resubmitted": self.resubmitted,
                    "version": self.version,
                },
                {
                    "applicant_name": self.applicant_name,
                    "applicant_id_number": self.applicant_id_number,
                    "applicant_phone": self.applicant_phone,
                    "applicant_address": self.applicant_address,
                    "query_digest": self.query_digest,
                    "subject": self.subject,
                },
            )
        )


class CaseStep(models.Model):
    """One pass through one step of a case (a step reached again after 补正 or 退回 is a new row)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveIntegerField()
    step = models.CharField(_("step"), max_length=60)
    name = models.CharField(_("step"), max_length=100)
    post = models.CharField(_("post"), max_length=60, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    warn_on = models.DateField(_("warning from"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_person = models.CharField(max_length=80, blank=True)  # the actor named by an ingested event
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "position"], name="case_step_unique_position")]
        indexes = [
            models.Index(fields=["completed_at", "due_on"], name="case_step_due"),
            models.Index(fields=["completed_at", "warn_on"], name="case_step_warn"),
        ]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")

    def __str__(self) -> str:
        return f"{self.case.number} {self.name}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "case": self.case.number,
                    "position": self.position,
                    "step": self.step,
                    "name": self.name,
                    "post": self.post,
                    "started_at": self.started_at.isoformat(),
                    "due_on": self.due_on.isoformat() if self.due_on else None,
                    "warn_on": self.warn_on.isoformat() if self.warn_on else None,
                    "completed_at": self.completed_at.isoformat() if self.completed_at else None,
                    "outcome": self.outcome,
                },
                {
                    "assignee": self.assignee_id,
                    "completed_by": self.completed_by_id,
                    "external_person": self.external_person,
                    "comment": self.comment,
                },
            )
        )


class CaseEvent(models.Model):
    """The case timeline (append-only): what happened, when, by whom; `public` lines are the applicant's."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=40)
    step = models.CharField(_("step"), max_length=60, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)  # as the applicant may read it
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_unique_seq")]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case.number} #{self.seq} {self.kind}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "case": self.case.number,
                    "seq": self.seq,
                    "at": self.at.isoformat(),
                    "kind": self.kind,
                    "step": self.step,
                    "outcome": self.outcome,
                    "public": self.public,
                },
                {"person": self.person_id, "text": self.text},
            )
        )


SKIPPED = "skipped"  # the outcome of a step another system jumped over
SWAPPED = "swapped"  # … and of one it did later, after the step that should follow it
CLOSED_BRANCH = "closed"  # of a parallel branch's open step when another branch ended the case
MADE_GOOD = "skipped_step_made_good"  # the kind of a skip's breach once the step was done after all

# Every kind a Breach row may carry, by its Chinese name (pages never show the code).
BREACH_KIND_NAMES: dict[str, str] = {
    "illegal_transition": "不符合流程的办理",
    "separation_of_duties": "分岗设权被突破",
    "repeated_correction": "重复要求补正",
    "case_closed": "办结后仍有办理",
    "unapproved_extension": "未经批准延期",
    "not_authorised": "越权办理",
    "skipped_step": "跳过环节",
    "out_of_order": "环节顺序不符",
    "outside_list": "清单之外行使权力",
    "skipped_step_made_good": "跳过的环节后已补办",
    "unknown_person": "外部系统人员无法对应到本单位人员",
}


class Breach(models.Model):
    """A refused attempt (console, API) or a breach seen in an ingested event: who, what, why — for
    supervision. Refused attempts never change the case; ingested breaches are facts of another system."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="breaches")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=40)  # engine.Refusal value
    step = models.CharField(_("step"), max_length=60, blank=True)
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_person = models.CharField(max_length=80, blank=True)
    # An ingested breach: the other system's case as "source/case id" (an event outside the list has no
    # case here; its breaches are one per such case).
    external_case = models.CharField(_("case in the source system"), max_length=150, blank=True)
    channel = models.CharField(max_length=20)  # "console", "api", "ingest"
    refused = models.BooleanField()  # True: refused at the door; False: happened (ingested) and recorded
    message = models.TextField(_("message"))

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["unit", "kind", "at"], name="breach_unit_kind")]
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"

    @property
    def kind_name(self) -> str:
        return BREACH_KIND_NAMES.get(self.kind, "其他情形")

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "case": self.case.number if self.case else None,
                    "unit": self.unit.code,
                    "at": self.at.isoformat(),
                    "kind": self.kind,
                    "step": self.step,
                    "outcome": self.outcome,
                    "channel": self.channel,
                    "refused": self.refused,
                    "message": self.message,
                    # Only when set: rows written before the field keep the state they were recorded with.
                    **({"external_case": self.external_case} if self.external_case else {}),
                },
                {"person": self.person_id, "external_person": self.external_person},
            )
        )


class CaseFile(models.Model):
    """申请材料: an uploaded document, kept by its SHA-256 (a public leaf names only the hash)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("file name"), max_length=200)
    material = models.CharField(_("material"), max_length=200, blank=True)  # which required material it is
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["case", "uploaded_at", "pk"]
        verbose_name = _("case file")
        verbose_name_plural = _("case files")

    def __str__(self) -> str:
        return self.name

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "case": self.case.number,
                    "size": self.size,
                    "content_type": self.content_type,
                    "sha256": self.sha256,
                    "uploaded_at": self.uploaded_at.isoformat(),
                },
                {"name": self.name, "material": self.material},
            )
        )


class Rating(models.Model):
    """好差评: the applicant's 1–5 rating of a finished case; a 差评 (1–2) goes to the unit's head."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"))
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_1_to_5")]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.case.number}: {self.score}"

    @property
    def is_bad(self) -> bool:
        return self.score <= 2

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "case": self.case.number,
                    "score": self.score,
                    "at": self.at.isoformat(),
                    "replied_at": self.replied_at.isoformat() if self.replied_at else None,
                },
                {"comment": self.comment, "reply": self.reply, "replied_by": self.replied_by_id},
            )
        )


class IngestSource(models.Model):
    """An external business system allowed to send case events, with its own token (its digest only)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    # How far back its events may be dated (补录 of history is registered with a wider window); a source
    # registered before windows existed (null) has the default.
    backdate_days = models.PositiveIntegerField(_("backdating window (days)"), null=True, blank=True)

    DEFAULT_BACKDATE_DAYS = 365
    MAX_BACKDATE_DAYS = 3650

    class Meta:
        verbose_name = _("ingest source")
        verbose_name_plural = _("ingest sources")

    def __str__(self) -> str:
        return self.name

    def ledger_fields(self) -> Fields:
        public: dict[str, Any] = {
            "name": self.name,
            "unit": self.unit.code,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }
        if self.backdate_days is not None:  # absent on sources registered before windows existed
            public["backdate_days"] = self.backdate_days
        return sealed((public, {"token_digest": self.token_digest}))

    @property
    def window(self) -> int:
        """Days back an event of this source may be dated."""
        return self.backdate_days or self.DEFAULT_BACKDATE_DAYS


class IngestPerson(models.Model):
    """接入人员对照: who a name or id in another system's events is among the unit's staff. An event's
    person resolves through this mapping (or, where there is none, to the one staff member of the unit
    whose login name or full name it is), so the separation of duties compares people, not spellings."""

    source = models.ForeignKey(IngestSource, on_delete=models.PROTECT, related_name="people")
    external = models.CharField(_("name in the source system"), max_length=80)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external"], name="ingest_person_unique")]
        verbose_name = _("person of an ingest source")
        verbose_name_plural = _("people of ingest sources")

    def __str__(self) -> str:
        return f"{self.source.name}:{self.external}"

    def ledger_fields(self) -> Fields:
        return sealed(({"source": self.source.name}, {"external": self.external, "person": self.person_id}))


class IngestedEvent(models.Model):
    """One event line from an external system, kept once per (source, case, seq) whatever order it came in."""

    source = models.ForeignKey(IngestSource, on_delete=models.PROTECT, related_name="events")
    case_id = models.CharField(max_length=80)  # the source system's case id
    seq = models.PositiveIntegerField()
    power_code = models.CharField(max_length=40)
    step = models.CharField(max_length=60)
    action = models.CharField(max_length=10)  # "start" | "complete"
    person = models.CharField(max_length=80)
    time = models.DateTimeField()
    outcome = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField()
    applied = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "case_id", "seq"], name="ingested_event_unique")
        ]
        indexes = [
            models.Index(fields=["source", "case_id", "applied", "seq"], name="ingested_pending"),
            # The events still waiting for a predecessor, by arrival (supervision's ingest_gap rule).
            models.Index(fields=["received_at"], condition=Q(applied=False), name="ingested_waiting"),
        ]
        verbose_name = _("ingested event")
        verbose_name_plural = _("ingested events")

    def __str__(self) -> str:
        return f"{self.source.name}:{self.case_id}#{self.seq}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "source": self.source.name,
                    "case_id": self.case_id,
                    "seq": self.seq,
                    "power": self.power_code,
                    "step": self.step,
                    "action": self.action,
                    "time": self.time.isoformat(),
                    "outcome": self.outcome,
                    "received_at": self.received_at.isoformat(),
                    "applied": self.applied,
                },
                {"person": self.person},
            )
        )
