"""Who watches what the case actions do. Supervision subscribes here when it starts (its AppConfig):
the actions tell the watcher what changed and ask it for the warning share of new clocks, and import
none of the apps that watch them, so the arrows run one way (supervision → cases)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Change:
    """What one action did to one case, as far as the per-event rules can see it."""

    case_id: int
    completed: tuple[tuple[datetime, date | None, bool], ...] = ()  # (completed at, due on, a decision?)
    returned: bool = False  # a step sent the case back (frequent_return counts these)
    breach: bool = False  # a Breach was recorded for the case
    provisional: bool = False  # the case is open on a provisional due date


@dataclass(frozen=True)
class Watcher:
    """What a watcher offers the case actions."""

    worth_a_run: Callable[[list[Change]], list[int]]  # the changed cases worth a per-event run
    run: Callable[[list[int]], object]  # the per-event run over these cases (after the commit)
    warn_share: Callable[[int], float]  # the share of a limit at which a unit's yellow warning starts


_watcher: list[Watcher] = []


def subscribe(watcher: Watcher) -> None:
    """Become the watcher (one per installation; a second subscription replaces the first)."""
    _watcher[:] = [watcher]


def current() -> Watcher | None:
    return _watcher[0] if _watcher else None
