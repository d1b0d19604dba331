"""Cross-cutting records: the log of supervisory reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
