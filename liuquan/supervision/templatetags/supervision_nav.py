"""Template helpers of the supervision centre: whether the console's nav shows the alerts link."""

from __future__ import annotations

from typing import Any

from django import template

from liuquan.org import queries as org_queries
from liuquan.org.models import Role
from liuquan.supervision import catalog
from liuquan.supervision.actions import SUPERVISORS

register = template.Library()


@register.filter
def supervises(user: Any) -> bool:
    """True for a 纪检 or 审计 person. Reads the request's cached grants (no query once a view has)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(org_queries.roles_of(user) & SUPERVISORS)


@register.filter
def heads(user: Any) -> bool:
    """True for a head (负责人) of a unit: the console's nav offers the alerts against their units."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Role.HEAD in org_queries.roles_of(user)


@register.filter
def param_name(key: str) -> str:
    """A rule parameter's Chinese name (a page never shows its key)."""
    return catalog.param_name(str(key))
