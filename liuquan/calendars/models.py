"""The working-day calendar kept in the database: one row per year whose holiday notice an
administrator entered (the chinesecalendar package covers only the years up to its release)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

Fields = tuple[dict[str, Any], dict[str, Any]]


class CalendarYear(models.Model):
    """节假日安排: one year's holidays and make-up workdays (调休) as the State Council's notice lists them.
    A row overrides the package's schedule for its year."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    holidays = models.JSONField(_("holidays"), default=list)  # ISO dates, weekend days included
    workdays = models.JSONField(_("make-up workdays"), default=list)  # ISO dates of working weekend days
    source = models.CharField(
        _("source"), max_length=300
    )  # the notice (国办发明电〔…〕…号) and who entered it
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)

    def ledger_fields(self) -> Fields:
        return {
            "year": self.year,
            "holidays": list(self.holidays),
            "workdays": list(self.workdays),
            "source": self.source,
            "updated_at": self.updated_at.isoformat(),
        }, {}
