"""Reads of 三重一大: a unit's catalogue in force and its decision register's public part."""

from __future__ import annotations

from django.db.models import QuerySet

from liuquan.decisions.models import Catalogue, CatalogueStatus, Decision, MatterType
from liuquan.org.models import Unit


def catalogue_in_force(unit: Unit) -> Catalogue | None:
    return Catalogue.objects.filter(unit=unit, status=CatalogueStatus.PUBLISHED).first()


def matters(catalogue: Catalogue) -> QuerySet[MatterType]:
    return catalogue.matters.order_by("category", "code")


def register(unit: Unit) -> QuerySet[Decision]:
    """The decisions of the unit, newest first: their public part is public from the decision on."""
    return Decision.objects.filter(unit=unit).order_by("-decided_at")
