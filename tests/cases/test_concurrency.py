"""Two people completing the same step at the same moment, on real concurrent PostgreSQL connections:
exactly one wins, the other is refused (409), and the case gets one completed row for the step.

1,000 attempts on ten licence cases: each is accepted, sent back and forth between 审查 and 决定 (退回重审)
and finally granted and delivered, every step raced by two holders of its post. Five pairs of threads
race side by side, each thread on its own connection; within a pair a barrier lines the two calls up.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection

from liuquan.cases import actions
from liuquan.cases.models import Breach, Case, CaseStatus, CaseStep
from liuquan.core.errors import Conflict
from liuquan.org.models import Person
from tests.cases.conftest import build_case_world, hire, open_licence

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (LIUQUAN_DATABASE_URL)"),
]

ROUNDS = int(os.environ.get("LIUQUAN_RACE_ROUNDS", "1000"))  # double completions in all
PAIRS = 5  # pairs of threads racing at once, each pair on its own cases
CASES = 2 * PAIRS
# Who may race for a step: two holders of its post (none of them holds a post of a separated step).
RIVALS = {
    "accept": ("clerk", "clerk2"),
    "review": ("reviewer", "reviewer2"),
    "decide": ("leader", "leader2"),
    "deliver": ("clerk", "clerk2"),
}

Round = tuple[Person, Case, str, str]  # who completes which step of which case with which outcome


def path(length: int) -> list[tuple[str, str]]:
    """A licence case's steps, `length` (even, ≥ 4) completions long, ending delivered."""
    loops = (length - 4) // 2
    return [
        ("accept", "pass"),
        *[("review", "pass"), ("decide", "return")] * loops,
        ("review", "pass"),
        ("decide", "grant"),
        ("deliver", "done"),
    ]


@dataclass
class Attempt:
    won: bool
    code: str
    started: float
    ended: float


def race(
    plan: list[Round], barrier: threading.Barrier, results: list[Attempt], errors: list[BaseException]
) -> None:
    """One side of a pair: each round, wait for the other side, then complete the step."""
    try:
        # Commit order and locking are as always; only the wait for the WAL flush goes, which is most
        # of what this test would otherwise spend its time on.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        for person, case, step, outcome in plan:
            barrier.wait()
            started = time.perf_counter()
            try:
                actions.do_complete_step(actor=person, case=case, step=step, outcome=outcome)
            except Conflict as refused:  # CaseRefused: the 409 the loser gets
                results.append(Attempt(False, refused.code, started, time.perf_counter()))
            else:
                results.append(Attempt(True, "", started, time.perf_counter()))
    except BaseException as exc:  # surfaced by the test once every thread has ended
        errors.append(exc)
        barrier.abort()  # the other side stops too rather than wait for ever
    finally:
        connection.close()  # this thread's own connection


@pytest.mark.django_db(transaction=True)
def test_of_two_people_completing_the_same_step_at_once_exactly_one_wins(clock, world, settings):
    assert ROUNDS % (2 * CASES) == 0
    # The supervision run after each action is supervision's concern, not the race's (and doubles the time).
    settings.LIUQUAN_SUPERVISE_ON_EVENT = False
    build_case_world(world)
    hire(world, "clerk2", "受理岗")
    hire(world, "reviewer2", "审核岗")
    hire(world, "leader2", "审批岗")
    opened = [open_licence(world).pk for _ in range(CASES)]
    steps = path(ROUNDS // CASES)
    plans: dict[tuple[int, int], list[Round]] = {(pair, side): [] for pair in range(PAIRS) for side in (0, 1)}
    for side in (0, 1):
        # Each side loads its own Case objects (unit included): the threads share no instances.
        cases = list(Case.objects.select_related("unit").filter(pk__in=opened).order_by("pk"))
        for step, outcome in steps:  # a pair takes its cases in turns, one step each
            for index, case in enumerate(cases):
                person = world.person(RIVALS[step][side])
                plans[index % PAIRS, side].append((person, case, step, outcome))
    barriers = [threading.Barrier(2, timeout=120) for _ in range(PAIRS)]
    results: dict[tuple[int, int], list[Attempt]] = {key: [] for key in plans}
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=race, args=(plans[key], barriers[key[0]], results[key], errors))
        for key in plans
    ]

    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    assert errors == []
    duels = [duel for pair in range(PAIRS) for duel in zip(results[pair, 0], results[pair, 1], strict=True)]
    assert len(duels) == ROUNDS
    assert Counter(first.won + second.won for first, second in duels) == {1: ROUNDS}  # one success each time
    losers = Counter(attempt.code for duel in duels for attempt in duel if not attempt.won)
    # The loser finds the case already at the next step, or (after 送达) ended.
    assert losers == {"illegal_transition": ROUNDS - CASES, "case_closed": CASES}
    overlapped = sum(a.started < b.ended and b.started < a.ended for a, b in duels)
    assert overlapped > ROUNDS // 2  # the two calls really were in flight at the same time
    for pk in opened:
        # One completed row per round, in the flow's order: no step was completed twice.
        rows = CaseStep.objects.filter(case_id=pk).order_by("position")
        assert [(row.step, row.outcome) for row in rows] == steps
        assert all(row.completed_at is not None for row in rows)
    assert Case.objects.filter(pk__in=opened, status=CaseStatus.DONE).count() == CASES
    assert Breach.objects.filter(case__in=opened, refused=True).count() == ROUNDS
    print(
        f"\n{ROUNDS} double completions ({PAIRS} pairs of threads) in {elapsed:.1f} s: "
        f"{ROUNDS} successes, refusals {dict(losers)}, {overlapped} overlapping"
    )
