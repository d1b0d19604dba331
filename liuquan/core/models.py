"""Cross-cutting records: the journal of acts and the log of supervisory reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Act(models.Model):
    """One committed action (全程记录): who did what to which record, and the public part of the result.

    Written only by liuquan.core.actions in the same transaction as the change it records. The public
    ledger (issue 3) turns each row into a Merkle-log leaf; private fields are kept here only as a salted
    SHA-256 commitment, never in clear.
    """

    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=80)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    public = models.JSONField(default=dict)
    private_commitment = models.CharField(max_length=64, blank=True)
    private_salt = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("act")
        verbose_name_plural = _("journal of acts")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.subject_type}:{self.subject_id}"


class AccessLog(models.Model):
    """A supervisory read (纪检/审计) of a non-public record, kept so the supervisors are supervised too."""

    at = models.DateTimeField(db_index=True)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=60)
    record_id = models.CharField(max_length=64)
    channel = models.CharField(max_length=20)  # "console", "api" or "cli"

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
        verbose_name = _("supervisory read")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.person_id} read {self.record_type}:{self.record_id}"
