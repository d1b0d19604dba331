"""Limits on attempts (guessing a 查询码, filing applications), counted in the database so every worker
and process shares them.

A limit is a number of attempts per fixed window for one key. The portal and the API count a wrong query
code against both the caller's address and the case number: the number's limit is low, so nobody can try
many codes for one case from many addresses, while the address's limit is high, so one person's typing
mistakes do not lock out everyone behind a shared address (a school, a township office, a mobile network).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from liuquan.core.errors import TooManyAttempts
from liuquan.core.models import AttemptWindow

# Windows that started this long ago limit nothing; they are dropped when new ones are made, so the table
# holds only the addresses and cases of the last day.
KEEP = dt.timedelta(days=1)


def client_address(request: HttpRequest) -> str:
    """The address a limit counts a request under (behind the proxy, as django-axes reads it)."""
    return get_client_ip_address(request) or "unknown"


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int  # attempts allowed in one window
    window: dt.timedelta


def check(limits: Sequence[Limit]) -> None:
    """Refuse (TooManyAttempts) when any key has used up its attempts in its current window."""
    now = timezone.now()
    rows = {row.key: row for row in AttemptWindow.objects.filter(key__in=[limit.key for limit in limits])}
    for limit in limits:
        row = rows.get(limit.key)
        if row is not None and row.window_start > now - limit.window and row.count >= limit.allowed:
            minutes = max(1, math.ceil((row.window_start + limit.window - now).total_seconds() / 60))
            raise TooManyAttempts(
                f"尝试次数过多，请 {minutes} 分钟后再试",
                message_en=f"Too many wrong attempts; try again in {minutes} minutes",
                retry_after_minutes=minutes,
            )


def count(limits: Sequence[Limit]) -> None:
    """Count one attempt (a wrong guess, an application) against every key; a new window starts once
    the old one has passed."""
    now = timezone.now()
    for limit in limits:
        with transaction.atomic():
            counted = AttemptWindow.objects.filter(key=limit.key, window_start__gt=now - limit.window).update(
                count=F("count") + 1
            )
            if counted:
                continue
            reset = AttemptWindow.objects.filter(key=limit.key).update(window_start=now, count=1)
            if reset:
                continue
            AttemptWindow.objects.filter(window_start__lt=now - KEEP).delete()
            try:
                with transaction.atomic():
                    AttemptWindow.objects.create(key=limit.key, window_start=now, count=1)
            except IntegrityError:  # another worker made the row just now
                AttemptWindow.objects.filter(key=limit.key).update(count=F("count") + 1)
