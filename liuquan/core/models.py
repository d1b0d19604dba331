"""Cross-cutting records: the log of supervisory reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liuquan.core.actions import Fields, sealed


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

    def ledger_fields(self) -> Fields:
        """On the ledger (sealed: who read what is not public), so a deleted or forged row is found."""
        return sealed(
            (
                {
                    "at": self.at.isoformat(),
                    "record_type": self.record_type,
                    "record_id": self.record_id,
                    "channel": self.channel,
                },
                {"person": self.person_id},
            )
        )


class AttemptWindow(models.Model):
    """Attempts of one kind (wrong query codes, applications) from one source (an address, a case) in a
    fixed time window: shared by every worker and process through the database, so a limit holds however
    the site is run (core/limits)."""

    key = models.CharField(max_length=120, unique=True)  # "track:addr:203.0.113.9", "track:case:…"
    window_start = models.DateTimeField(db_index=True)  # old windows are dropped by it
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("attempt window")
        verbose_name_plural = _("attempt windows")

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M}"
