"""The test clock (测试时钟): every test runs at a stated instant, never at the wall clock's.

time-machine moves the clock at the C level (time.time, datetime.now, date.today and the rest), so every
reader sees the same instant: Django's timezone.now, the ledger, django-axes, the live server's threads.
CI runs the suite once more under libfaketime at a night hour of a year no holiday schedule covers; a
test that read the real clock would fail there (see .ci/run).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Where every test starts unless it sets the clock: a Wednesday, 10:00 in Beijing, an ordinary working day
# of a year whose holiday schedule ships with chinesecalendar, far enough from the year's end that every
# statutory limit (up to 90 days) and the demo's six weeks of history stay inside scheduled years.
START = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)


class Clock:
    """The time every action, query and view sees during one test; set or moved only by the test."""

    def __init__(self) -> None:
        self._travel = time_machine.travel(START.astimezone(dt.UTC), tick=True)
        self._traveller = self._travel.start()

    def stop(self) -> None:
        self._travel.stop()

    def __call__(self) -> dt.datetime:
        """Now, aware and in UTC, as Django's own timezone.now() gives it."""
        return timezone.now()

    @property
    def now(self) -> dt.datetime:
        """Now in Beijing time."""
        return timezone.localtime(timezone.now(), SHANGHAI)

    def set(self, moment: dt.datetime, *, tick: bool = False) -> None:
        """Stop the clock at `moment` (aware), or let it run on from there with `tick`."""
        if moment.tzinfo is None:
            raise ValueError(f"the test clock takes aware times only, got {moment!r}")
        self._traveller.move_to(moment.astimezone(dt.UTC), tick=tick)

    def advance(self, **delta: float) -> dt.datetime:
        """Move the clock on by a timedelta's keyword arguments; returns the new time in Beijing."""
        self._traveller.shift(dt.timedelta(**delta))
        return self.now

    def today(self) -> dt.date:
        """Today's date in Beijing."""
        return self.now.date()
