"""Attempt limits counted in the database: per key, per fixed window, shared by every process."""

from __future__ import annotations

import datetime as dt

import pytest

from liuquan.core import limits
from liuquan.core.errors import TooManyAttempts
from liuquan.core.models import AttemptWindow

WINDOW = dt.timedelta(minutes=15)


def test_a_key_is_refused_once_its_attempts_are_used_and_opens_with_the_next_window(db, clock):
    one, other = limits.Limit("t:a", 3, WINDOW), limits.Limit("t:b", 3, WINDOW)
    for _ in range(3):
        limits.check([one, other])
        limits.count([one])
    with pytest.raises(TooManyAttempts) as refused:
        limits.check([other, one])
    assert refused.value.http_status == 429 and refused.value.detail["retry_after_minutes"] == 15
    limits.check([other])  # the other key is untouched
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(TooManyAttempts):
        limits.check([one])
    clock.advance(seconds=1)
    limits.check([one])  # a new window
    limits.count([one])
    assert AttemptWindow.objects.get(key="t:a").count == 1


def test_a_count_is_kept_in_the_database_not_in_a_process(db):
    limit = limits.Limit("t:shared", 2, WINDOW)
    limits.count([limit])
    # Another worker's count, written straight to the table, is seen here.
    AttemptWindow.objects.filter(key="t:shared").update(count=2)
    with pytest.raises(TooManyAttempts):
        limits.check([limit])


def test_windows_older_than_a_day_are_dropped_when_a_new_one_starts(db, clock):
    limits.count([limits.Limit("t:old", 3, WINDOW)])
    clock.advance(days=1, seconds=1)
    limits.count([limits.Limit("t:new", 3, WINDOW)])
    assert list(AttemptWindow.objects.values_list("key", flat=True)) == ["t:new"]
