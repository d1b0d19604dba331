"""三重一大: each unit's catalogue of major matters (单位重大事项目录), the topics (议题) prepared for them,
the meetings that decide them collectively, and the decision register.

The rules themselves are pure (`decisions.rules`); these rows are what the actions write, each with its
ledger entry (决策全程记录). The catalogue is public once published; a decision's public part (its number,
matter, outcome and the summary written to be published) is public from its decision; the deliberation
— topics, attendance, statements, ballots and minutes — is sealed: the ledger proves it exists and has
not changed without publishing it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, public_if, sealed
from liuquan.decisions.rules import Category, Choice, Outcome, PreStep, Ratio, VoteBase
from liuquan.org.models import Unit


def _yuan(value: Decimal | None) -> str | None:
    """An amount as the ledger records it: yuan with fen, as the database gives it back."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _iso(value: date | datetime | None) -> str | None:
    """As the ledger records it: a moment in UTC (as the database gives it back), a day as it is."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


class CatalogueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 编制中
    PUBLISHED = "published", _("Published")  # 已公布: in force, never changed again
    SUPERSEDED = "superseded", _("Superseded")  # 已被新版本取代


class Catalogue(models.Model):
    """单位重大事项目录: one version of a unit's catalogue of major matters."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=CatalogueStatus.choices, default=CatalogueStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="catalogue_unique_version"),
            models.UniqueConstraint(fields=["unit"], condition=Q(status="draft"), name="catalogue_one_draft"),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="published"), name="catalogue_one_in_force"
            ),
        ]
        verbose_name = _("catalogue of major matters")
        verbose_name_plural = _("catalogues of major matters")

    def __str__(self) -> str:
        return f"{self.unit.short_name}重大事项目录 v{self.version}"

    def ledger_fields(self) -> Fields:
        return public_if(
            self.status != CatalogueStatus.DRAFT,
            (
                {
                    "unit": self.unit.code,
                    "version": self.version,
                    "status": self.status,
                    "created_at": _iso(self.created_at),
                    "published_at": _iso(self.published_at),
                },
                {"created_by": self.created_by_id},
            ),
        )


class MatterType(models.Model):
    """A kind of major matter in a catalogue: its category and threshold, the body that decides it, its
    quorum and vote rules and the steps a topic of it passes before it may be tabled."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.CASCADE, related_name="matters")
    code = models.CharField(_("code"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=[(c.value, c.value) for c in Category])
    name = models.CharField(_("name"), max_length=200)
    # 资金 ≥ 50万元, 项目 ≥ 100万元 …: the unit's own numbers; None where no amount applies.
    threshold = models.DecimalField(
        _("threshold (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    body = models.CharField(_("deciding body"), max_length=60)  # 党组会议, 局务会议, 常务会议 …
    quorum_num = models.PositiveSmallIntegerField(default=1)
    quorum_den = models.PositiveSmallIntegerField(default=2)
    quorum_strict = models.BooleanField(default=True)
    vote_base = models.CharField(max_length=10, default=VoteBase.ENTITLED.value)
    vote_num = models.PositiveSmallIntegerField(default=1)
    vote_den = models.PositiveSmallIntegerField(default=2)
    vote_strict = models.BooleanField(default=True)
    secret = models.BooleanField(_("secret ballot"), default=False)
    pre_steps = models.JSONField(_("pre-decision steps"), default=list)  # PreStep values
    basis = models.TextField(_("basis"), blank=True)  # the rule the numbers come from

    class Meta:
        ordering = ["catalogue", "code"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="matter_unique_code")]
        verbose_name = _("matter type")
        verbose_name_plural = _("matter types")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def quorum(self) -> Ratio:
        return Ratio(self.quorum_num, self.quorum_den, self.quorum_strict)

    @property
    def vote_rule(self) -> Ratio:
        return Ratio(self.vote_num, self.vote_den, self.vote_strict)

    @property
    def required_steps(self) -> list[PreStep]:
        return [PreStep(value) for value in self.pre_steps]

    def ledger_fields(self) -> Fields:
        return public_if(
            self.catalogue.status != CatalogueStatus.DRAFT,
            (
                {
                    "catalogue": self.catalogue_id,
                    "code": self.code,
                    "category": self.category,
                    "name": self.name,
                    "threshold": _yuan(self.threshold),
                    "body": self.body,
                    "quorum": [self.quorum_num, self.quorum_den, self.quorum_strict],
                    "vote": [self.vote_base, self.vote_num, self.vote_den, self.vote_strict],
                    "secret": self.secret,
                    "pre_steps": list(self.pre_steps),
                    "basis": self.basis,
                },
                {},
            ),
        )

    ledger_related = ("catalogue",)


class TopicStatus(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")  # 准备中: pre-decision steps under way
    TABLED = "tabled", _("On an agenda")  # 已列入议程
    PASSED = "passed", _("Passed")  # 通过
    REJECTED = "rejected", _("Not passed")  # 未通过
    DEFERRED = "deferred", _("Deferred")  # 缓议: may be tabled again


class Topic(models.Model):
    """议题: a matter of the catalogue proposed by a member with its materials, prepared through the
    steps its type needs before it may be tabled."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    matter = models.ForeignKey(MatterType, on_delete=models.PROTECT, related_name="topics")
    title = models.CharField(_("title"), max_length=300)
    materials = models.TextField(_("materials"), blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    public_summary = models.TextField(_("what may be published"), blank=True)
    cites = models.ForeignKey(
        "Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="changed_by"
    )  # a decision this topic changes: a decision changes only by a new topic in a new meeting
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=TopicStatus.choices, default=TopicStatus.PREPARING
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["unit", "-created_at"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "unit": self.unit.code,
                    "matter": self.matter_id,
                    "title": self.title,
                    "materials": self.materials,
                    "amount": _yuan(self.amount),
                    "public_summary": self.public_summary,
                    "cites": self.cites_id,
                    "status": self.status,
                    "created_at": _iso(self.created_at),
                },
                {"proposer": self.proposer_id},
            )
        )


class TopicStep(models.Model):
    """A pre-decision step of a topic (公众参与, 专家论证, 风险评估, 合法性审查 …) as recorded."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=[(k.value, k.value) for k in PreStep])
    started = models.DateField(_("started"))
    ended = models.DateField(_("ended"), null=True, blank=True)
    days = models.PositiveIntegerField(default=0)  # in its rule's unit: natural or working days
    shortened_because = models.TextField(blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["topic", "started", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "kind"], name="topic_step_once")]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.kind}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "topic": self.topic_id,
                    "kind": self.kind,
                    "started": _iso(self.started),
                    "ended": _iso(self.ended),
                    "days": self.days,
                    "shortened_because": self.shortened_because,
                    "note": self.note,
                },
                {"recorded_by": self.recorded_by_id},
            )
        )


class Interest(models.Model):
    """回避申报: a member's declared interest in a topic; they are recused from it."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="interests")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="interest_once")]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.person_id}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {"topic": self.topic_id, "declared_at": _iso(self.declared_at)},
                {"person": self.person_id, "reason": self.reason},
            )
        )


class MeetingStatus(models.TextChoices):
    OPEN = "open", _("In session")  # 进行中
    CLOSED = "closed", _("Minutes open for amendment")  # 已闭会，纪要可修改
    FROZEN = "frozen", _("Minutes final")  # 纪要已定稿: never changed again


class Meeting(models.Model):
    """A meeting of a unit's deciding body (党组会议、局务会议 …): its members are the unit's leadership
    at the time it is convened."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    body = models.CharField(_("deciding body"), max_length=60)
    held_at = models.DateTimeField(_("held at"))
    secretary = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.OPEN
    )
    minutes = models.TextField(_("minutes"), blank=True)
    amendable_until = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "-held_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.unit.short_name}{self.body} {self.held_at:%Y-%m-%d}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "unit": self.unit.code,
                    "body": self.body,
                    "held_at": _iso(self.held_at),
                    "status": self.status,
                    "minutes": self.minutes,
                    "amendable_until": _iso(self.amendable_until),
                    "frozen_at": _iso(self.frozen_at),
                },
                {"secretary": self.secretary_id},
            )
        )


class Attendance(models.Model):
    """应到: a member of the body at this meeting; 实到 once signed in; an apology carries the member's
    written opinion, which is recorded and never counted as a vote."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    principal = models.BooleanField(default=False)  # 一把手: states last
    signed_in_at = models.DateTimeField(null=True, blank=True)
    apology = models.TextField(blank=True)  # 请假及书面意见

    class Meta:
        ordering = ["meeting", "-principal", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.person_id}"

    @property
    def present(self) -> bool:
        return self.signed_in_at is not None

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "meeting": self.meeting_id,
                    "principal": self.principal,
                    "signed_in_at": _iso(self.signed_in_at),
                },
                {"person": self.person_id, "apology": self.apology},
            )
        )


class AgendaItem(models.Model):
    """A topic on a meeting's agenda, with the result the system computed from its ballots."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, blank=True, choices=[(o.value, o.value) for o in Outcome])
    agree = models.PositiveIntegerField(default=0)
    disagree = models.PositiveIntegerField(default=0)
    defer = models.PositiveIntegerField(default=0)
    base = models.PositiveIntegerField(default=0)
    basis = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position")]

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.position}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "meeting": self.meeting_id,
                    "topic": self.topic_id,
                    "position": self.position,
                    "outcome": self.outcome,
                    "tally": [self.agree, self.disagree, self.defer, self.base],
                    "basis": self.basis,
                },
                {},
            )
        )


class Statement(models.Model):
    """表态: a member's position on a topic with reasons, in the order given; never changed."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="statements")
    seq = models.PositiveIntegerField()
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Choice])
    reasons = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["item", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["item", "seq"], name="statement_unique_seq"),
            models.UniqueConstraint(fields=["item", "person"], name="statement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} #{self.seq}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {"item": self.item_id, "seq": self.seq, "position": self.position, "at": _iso(self.at)},
                {"person": self.person_id, "reasons": self.reasons},
            )
        )


class BallotMark(models.Model):
    """That a member has voted on a topic (so nobody votes twice), kept apart from the ballot itself."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="marks")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="ballot_once")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.person_id}"

    def ledger_fields(self) -> Fields:
        return sealed(({"item": self.item_id, "at": _iso(self.at)}, {"person": self.person_id}))


class Ballot(models.Model):
    """票决: one vote. In a secret ballot it names nobody and carries no time; its key is random, so
    neither its row order nor its key ties it to the mark of the member who cast it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Choice])
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # None in a secret ballot

    def __str__(self) -> str:
        return f"{self.item_id}: {self.choice}"

    def ledger_fields(self) -> Fields:
        return sealed(({"item": self.item_id, "choice": self.choice}, {"person": self.person_id}))


class Decision(models.Model):
    """决定: a topic's result, numbered in the unit's register. Its public part (number, matter, outcome,
    date and the summary written to be published) is on the portal; the rest stays inside."""

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    number = models.CharField(_("decision number"), max_length=60, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    category = models.CharField(max_length=20)
    matter_name = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10, choices=[(o.value, o.value) for o in Outcome])
    public_summary = models.TextField(blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["unit", "-decided_at"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.number

    def ledger_fields(self) -> Fields:
        return (
            {
                "number": self.number,
                "unit": self.unit.code,
                "category": self.category,
                "matter": self.matter_name,
                "outcome": self.outcome,
                "public_summary": self.public_summary,
                "decided_at": _iso(self.decided_at),
            },
            {"item": self.item_id},
        )


class Refusal(models.Model):
    """A refused attempt on the decision record (the principal stating first, a vote by a recused member,
    an edit of final minutes …), on the record for 纪检 whatever the refusal."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="refusals"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempt = models.CharField(max_length=40)  # the action refused: "state", "vote", "amend_minutes" …
    code = models.CharField(max_length=40)  # why: the rule's code ("principal_not_last" …)
    message = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.code}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "unit": self.unit.code,
                    "meeting": self.meeting_id,
                    "attempt": self.attempt,
                    "code": self.code,
                    "message": self.message,
                    "at": _iso(self.at),
                },
                {"actor": self.actor_id},
            )
        )


# -- what actually happened: payments and appointments, matched against the register ------------------


class Payment(models.Model):
    """A line of a 支出凭证 or 国库支付 record, as imported from the unit's finance system: what was paid,
    to whom, for what, and the decision number it cites ("" where it cites none). Never changed once
    imported: the same file imported again adds nothing (the unit and voucher number are its key). Sealed
    on the ledger: payees are not public."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    voucher = models.CharField("凭证号", max_length=60)
    paid_on = models.DateField("日期")
    payee = models.CharField("收款人", max_length=200)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2)
    purpose = models.CharField("用途", max_length=300)
    project = models.CharField("项目编码", max_length=60, blank=True)
    cites = models.CharField("决策编号", max_length=60, blank=True)  # as written on the voucher
    source = models.CharField("来源文件", max_length=200, blank=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit", "paid_on", "voucher"]
        constraints = [models.UniqueConstraint(fields=["unit", "voucher"], name="payment_unique_voucher")]
        indexes = [models.Index(fields=["unit", "paid_on"], name="payment_unit_day")]

    def __str__(self) -> str:
        return f"{self.voucher} {self.amount}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "unit": self.unit.code,
                    "voucher": self.voucher,
                    "paid_on": _iso(self.paid_on),
                    "amount": _yuan(self.amount),
                    "purpose": self.purpose,
                    "project": self.project,
                    "cites": self.cites,
                    "source": self.source,
                    "imported_at": _iso(self.imported_at),
                },
                {"payee": self.payee, "imported_by": self.imported_by_id},
            )
        )


class Appointment(models.Model):
    """任免: a person appointed to or removed from a post by a document (文号), as imported, with the
    decision number it cites ("" where it cites none). Never changed once imported: the unit, document
    number and person are its key. Sealed on the ledger: personnel details are not public."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    person_name = models.CharField("姓名", max_length=100)
    post = models.CharField("职务", max_length=200)
    appointed_on = models.DateField("任免日期")
    document = models.CharField("文号", max_length=100)
    cites = models.CharField("决策编号", max_length=60, blank=True)
    source = models.CharField("来源文件", max_length=200, blank=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["unit", "appointed_on", "document"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "document", "person_name"], name="appointment_unique_document_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.post}"

    def ledger_fields(self) -> Fields:
        return sealed(
            (
                {
                    "unit": self.unit.code,
                    "post": self.post,
                    "appointed_on": _iso(self.appointed_on),
                    "document": self.document,
                    "cites": self.cites,
                    "source": self.source,
                    "imported_at": _iso(self.imported_at),
                },
                {"person": self.person_name, "imported_by": self.imported_by_id},
            )
        )
