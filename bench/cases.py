"""Benchmark of the case engine against SpiffWorkflow (latest), both engines in one run, same durability.

    .venv/bin/pip install spiffworkflow            # benchmark-only; never a runtime dependency
    .venv/bin/python bench/cases.py                # the measurement (about a minute on 2 cores)
    .venv/bin/python bench/cases.py --cases 20     # smoke run (CI)

The process: a 4-step licence flow 受理 → 审查 → 决定 → 送达 (the licensing template trimmed to those
steps, with their posts and working-day limits, 受理 and 决定 in one separation group), published for a
published power of a world built through actions. liuquan runs it on a scratch database (SQLite, or
LIUQUAN_BENCH_DATABASE_URL=postgresql://…); SpiffWorkflow runs the same flow from our BPMN export (two
changes so that Spiff can execute it: isExecutable="true", and each timer's ISO duration written as the
Python string literal Spiff evaluates), its JSON state (BpmnWorkflowSerializer.serialize_json) kept one
row per instance in its own SQLite file. Both SQLite databases run WAL with synchronous=FULL, set here
for the benchmark's connections (liuquan's own setting is NORMAL) and read back into the header.

(a) interactive, one transaction per step, instance creation included on both sides:
    liuquan: do_open_case, then do_complete_step four times (a different person at 受理 and 决定, so the
    separation check passes), each its own action: the case row read under lock, the flow judged,
    step rows, timeline and clocks written, ledger entries appended, committed.
    Spiff: a new BpmnWorkflow serialized and INSERTed + COMMIT; then per step BEGIN IMMEDIATE, SELECT the
    state, deserialize, complete the ready user task (outcome and person in its data), run the engine,
    serialize, UPDATE, COMMIT. Reloading is the fair reading: liuquan keeps nothing between requests
    either, and a Spiff server (spiff-arena) loads the instance per request. Spiff with the workflow
    kept in memory (serialize + UPDATE + COMMIT only) is measured too and printed for information.
(b) bulk, 64 steps per transaction: liuquan takes the same steps as JSON lines through ingest.do_ingest
    (one call per 64 lines; a case's first event opens it), Spiff completes 64 steps in memory, then
    serializes every workflow it touched, INSERTs or UPDATEs them and COMMITs once. Events come case by
    case (each case's four events together; --order step interleaves them step by step instead, which
    makes Spiff serialize a workflow per step).
Ratios are liuquan's speed divided by Spiff's: above 1 means liuquan is faster.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import platform
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from benchcommon import setup_django

# The happy path: (step, outcome, who in the world does it, who in the other system did it).
STEPS = [
    ("accept", "pass", "clerk", "张三"),
    ("review", "pass", "reviewer", "李四"),
    ("decide", "grant", "leader", "王五"),
    ("deliver", "done", "clerk", "张三"),
]
POWER = "XK001"
SOURCE = "bench-legacy"
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


class BenchError(Exception):
    """The run produced something other than what both engines should have produced."""


# Durability -------------------------------------------------------------------------------------------


SYNC_MODE = "FULL"  # --synchronous; FULL for every number that counts


def full_sync(sender: Any, connection: Any, **kwargs: Any) -> None:
    """liuquan's SQLite connections in this process commit with synchronous=FULL, as Spiff's does."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={SYNC_MODE}")


def our_durability() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = cursor.fetchone()[0]
            return f"journal_mode={journal}, synchronous={SYNCHRONOUS.get(sync, sync)}"
        settings = []
        for name in ("fsync", "synchronous_commit", "wal_sync_method"):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
        return ", ".join(settings)


def our_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


# The world and the flow ---------------------------------------------------------------------------------


def licence_flow() -> Any:
    """The licensing template kept to 受理 → 审查 → 决定 → 送达 on the happy path, 受理 and 决定 separated."""
    from liuquan.flows import templates
    from liuquan.flows.spec import END, Flow, SeparationGroup

    template = templates.template_for("licensing")
    keys = [step for step, *_ in STEPS]
    happy = {(step, outcome) for step, outcome, *_ in STEPS}
    return Flow(
        **{
            **template.__dict__,
            "name": "行政许可（基准）",
            "steps": tuple(step for step in template.steps if step.key in keys),
            "transitions": tuple(
                row
                for row in template.transitions
                if (row.source, row.outcome) in happy and (row.target in keys or row.target == END)
            ),
            "separation": (SeparationGroup("受理与决定分离", ("accept", "decide"), "分岗设权"),),
            "risks": tuple(risk for risk in template.risks if risk.step in keys),
            "posts": tuple(dict.fromkeys(step.post for step in template.steps if step.key in keys)),
        }
    )


@dataclass
class Bench:
    world: Any  # liuquan.core.testing.World
    source: Any  # IngestSource
    flow: Any  # the published Flow

    def person(self, key: str) -> Any:
        return self.world.person(key)


def build() -> Bench:
    """A world through actions: 民政局 with the published power XK001, its posts staffed, the licence flow
    published, and an ingest source."""
    from liuquan.cases import ingest
    from liuquan.core.testing import build_world
    from liuquan.flows import actions as flow_actions
    from liuquan.org import actions as org_actions
    from liuquan.powers import actions as power_actions
    from liuquan.powers.actions import ItemInput, ResponsibilityInput

    world = build_world()
    clerk, office = world.person("clerk"), world.person("reform_office")
    edition = power_actions.do_create_edition(actor=clerk, unit=world.dept_a)
    item = ItemInput(
        code=POWER,
        name="社会团体成立登记",
        category="licensing",
        basis="【法律】《中华人民共和国行政许可法》第十二条",
        subject="晋中市民政局",
        responsibilities=[
            ResponsibilityInput(stage="受理", content="依法受理申请"),
            ResponsibilityInput(stage="决定", content="依法作出决定"),
        ],
    )
    power_actions.do_add_items(actor=clerk, edition=edition, items=[item])
    power_actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    power_actions.do_move_edition(actor=office, edition=edition, move="pass_first")
    power_actions.do_decide_remaining(actor=office, edition=edition, kind="keep", reason="于法有据")
    power_actions.do_move_edition(actor=office, edition=edition, move="confirm")
    power_actions.do_move_edition(actor=office, edition=edition, move="publish")
    flow = licence_flow()
    holders = {"受理岗": "clerk", "审核岗": "reviewer", "审批岗": "leader"}
    for post_name in flow.posts:
        post = org_actions.do_create_post(
            actor=world.system, unit=world.dept_a, name=post_name, kind="general"
        )
        org_actions.do_assign_post(actor=world.system, post=post, person=world.person(holders[post_name]))
    draft = flow_actions.do_create_flow(actor=clerk, unit=world.dept_a, power_code=POWER, flow=flow)
    flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    source, _token = ingest.do_create_source(actor=world.system, name=SOURCE, unit=world.dept_a)
    for _step, _outcome, key, external in STEPS:  # who the other system's names are (接入人员对照)
        ingest.do_map_person(actor=world.system, source=source, external=external, person=world.person(key))
    return Bench(world=world, source=source, flow=draft.flow)


# SpiffWorkflow ----------------------------------------------------------------------------------------


def spiff_bpmn(flow: Any) -> bytes:
    """Our exporter's BPMN for `flow`, made executable for Spiff: the process marked isExecutable (we export
    a documentation model), and each timer duration written as a Python string literal (Spiff evaluates
    timer expressions as Python; P5D is a name there)."""
    from lxml import etree

    from liuquan.flows import bpmn

    root = etree.fromstring(bpmn.to_bpmn(flow))
    ns = {"bpmn": bpmn.NS_BPMN}
    for process in root.iterfind("bpmn:process", ns):
        process.set("isExecutable", "true")
    for duration in root.iterfind(".//bpmn:timeDuration", ns):
        duration.text = repr((duration.text or "").strip())
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class Spiff:
    """SpiffWorkflow with its state in SQLite: one row per instance, WAL, synchronous=FULL."""

    def __init__(self, bpmn_xml: bytes, path: Path) -> None:
        from SpiffWorkflow.bpmn import BpmnWorkflow  # type: ignore[import-untyped, import-not-found, unused-ignore]
        from SpiffWorkflow.bpmn.parser import BpmnParser  # type: ignore[import-untyped, import-not-found, unused-ignore]
        from SpiffWorkflow.bpmn.serializer import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
            BpmnWorkflowSerializer,
        )
        from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped, import-not-found, unused-ignore]

        parser = BpmnParser()
        parser.add_bpmn_str(bpmn_xml)
        (process_id,) = parser.get_process_ids()
        self.spec = parser.get_spec(process_id)
        self.workflow_class = BpmnWorkflow
        self.ready = TaskState.READY
        self.serializer = BpmnWorkflowSerializer()
        self.db = sqlite3.connect(path, isolation_level=None)  # BEGIN/COMMIT written out below
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={SYNC_MODE}")
        self.db.execute("CREATE TABLE workflow (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")

    def durability(self) -> str:
        journal = self.db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = self.db.execute("PRAGMA synchronous").fetchone()[0]
        return f"journal_mode={journal}, synchronous={SYNCHRONOUS.get(sync, sync)}"

    def new(self) -> Any:
        workflow = self.workflow_class(self.spec)
        workflow.do_engine_steps()
        return workflow

    def complete(self, workflow: Any, step: str, outcome: str, person: str) -> None:
        """Complete the ready user task, which must be `step` (as the other side's engine checks)."""
        task = workflow.get_next_task(state=self.ready, manual=True)
        if task is None or task.task_spec.bpmn_id != f"Task_{step}":
            found = task.task_spec.bpmn_id if task is not None else "nothing"
            raise BenchError(f"Spiff: expected Task_{step} to be ready, found {found}")
        task.data.update(outcome=outcome, person=person)
        task.run()
        workflow.do_engine_steps()

    def insert(self, workflow: Any) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        cursor = self.db.execute(
            "INSERT INTO workflow (state) VALUES (?)", (self.serializer.serialize_json(workflow),)
        )
        self.db.execute("COMMIT")
        return int(cursor.lastrowid or 0)

    def load(self, key: int) -> Any:
        (state,) = self.db.execute("SELECT state FROM workflow WHERE id = ?", (key,)).fetchone()
        return self.serializer.deserialize_json(state)

    def save(self, key: int, workflow: Any) -> None:
        self.db.execute(
            "UPDATE workflow SET state = ? WHERE id = ?", (self.serializer.serialize_json(workflow), key)
        )

    def completed(self, key: int) -> bool:
        return bool(self.load(key).is_completed())


# Measurements -------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Time spent by one side, summed over the rounds."""

    instances: int = 0
    steps: int = 0
    seconds: float = 0.0
    opening: float = 0.0  # of `seconds`, spent creating instances (interactive only)
    cpu: float = 0.0  # this process's CPU seconds in the same stretches (the rest is waiting: fsync, load)
    _clock: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        self._clock = (time.perf_counter(), time.process_time())

    def stop(self, instances: int, steps: int, opening: float = 0.0) -> None:
        wall, cpu = self._clock
        self.instances += instances
        self.steps += steps
        self.seconds += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.opening += opening

    def speed(self) -> float:
        return self.steps / self.seconds

    def line(self, label: str) -> str:
        opening = f"{self.opening:>10.2f}" if self.opening else f"{'':>10}"
        return (
            f"{label:<34} {self.instances / self.seconds:>12,.1f} {self.speed():>12,.1f} "
            f"{self.seconds:>10.2f}{opening}{self.cpu:>10.2f}"
        )


HEADER = f"{'':<34} {'instances/s':>12} {'steps/s':>12} {'seconds':>10}{'opening s':>10}{'cpu s':>10}"


class Profiler:
    """cProfile around liuquan's side only, across the rounds (--profile)."""

    def __init__(self, enabled: bool) -> None:
        self.profile = cProfile.Profile() if enabled else None

    def __call__(self, function: Callable[[], None]) -> None:
        if self.profile is None:
            function()
        else:
            self.profile.runcall(function)

    def report(self, title: str, steps: int) -> None:
        if self.profile is None:
            return
        print(f"\n-- profile: {title}, {steps:,} steps --")
        stats = pstats.Stats(self.profile, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(r"liuquan/|commit|SQLiteCursorWrapper", 45)


def rounds(n: int, size: int) -> Iterator[range]:
    """Instances in rounds; the sides take turns round by round, so that a slow spell of the shared
    disk (fsync latency here swings tenfold within minutes) falls on both rather than on one."""
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def ours_interactive(bench: Bench, numbers: range, run: Run) -> None:
    from liuquan.cases import actions

    unit, clerk = bench.world.dept_a, bench.person("clerk")
    people = {key: bench.person(key) for _, _, key, _ in STEPS}
    opening = 0.0
    run.start()
    for number in numbers:
        t0 = time.perf_counter()
        case = actions.do_open_case(
            actor=clerk,
            unit=unit,
            power_code=POWER,
            applicant=actions.Applicant(name=f"基准申请人{number}", phone="13900000000"),
            subject="申请成立社会团体",
        ).case
        opening += time.perf_counter() - t0
        for step, outcome, key, _ in STEPS:
            case = actions.do_complete_step(actor=people[key], case=case, step=step, outcome=outcome)
    run.stop(len(numbers), len(numbers) * len(STEPS), opening)


def spiff_interactive(spiff: Spiff, numbers: range, run: Run, *, cached: bool) -> list[int]:
    db = spiff.db
    keys = []
    opening = 0.0
    run.start()
    for _ in numbers:
        t0 = time.perf_counter()
        workflow = spiff.new()
        key = spiff.insert(workflow)
        opening += time.perf_counter() - t0
        keys.append(key)
        for step, outcome, _, person in STEPS:
            db.execute("BEGIN IMMEDIATE")
            if not cached:
                workflow = spiff.load(key)
            spiff.complete(workflow, step, outcome, person)
            spiff.save(key, workflow)
            db.execute("COMMIT")
    run.stop(len(numbers), len(numbers) * len(STEPS), opening)
    return keys


def event_stream(numbers: range, order: str) -> list[tuple[int, int]]:
    """(case number, step index) in arrival order."""
    if order == "case":
        return [(case, index) for case in numbers for index in range(len(STEPS))]
    return [(case, index) for index in range(len(STEPS)) for case in numbers]


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ingest_bodies(numbers: range, batch: int, order: str) -> list[str]:
    """The events as the other system would post them: JSON lines, `batch` to a request."""
    base = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=3)
    lines = []
    for case, index in event_stream(numbers, order):
        step, outcome, _, person = STEPS[index]
        lines.append(
            json.dumps(
                {
                    "source": SOURCE,
                    "case_id": f"EXT-{case}",
                    "seq": index + 1,
                    "power_code": POWER,
                    "step": step,
                    "action": "complete",
                    "person": person,
                    "time": (base + dt.timedelta(hours=index)).isoformat(timespec="seconds"),
                    "outcome": outcome,
                },
                ensure_ascii=False,
            )
        )
    return ["\n".join(chunk) for chunk in chunks(lines, batch)]


def ours_bulk(bench: Bench, bodies: list[str], instances: int, run: Run) -> None:
    from liuquan.cases import ingest

    system, source = bench.world.system, bench.source
    accepted = 0
    run.start()
    for body in bodies:
        answer = ingest.do_ingest(actor=system, source=source, body=body)
        if answer.rejected or answer.duplicates:
            raise BenchError(f"ingest refused lines: {answer.as_json()}")
        accepted += answer.accepted
    run.stop(instances, accepted)


def spiff_bulk(spiff: Spiff, numbers: range, batch: int, order: str, run: Run, live: dict[int, Any]) -> None:
    """Steps completed in memory (`live`: case number → workflow, kept between batches), then every
    workflow the batch touched serialized and saved in one transaction."""
    db = spiff.db
    events = event_stream(numbers, order)
    run.start()
    for chunk in chunks(events, batch):
        touched: dict[int, Any] = {}
        for case, index in chunk:
            workflow = live.get(case)
            if workflow is None:
                workflow = live[case] = spiff.new()
            step, outcome, _, person = STEPS[index]
            spiff.complete(workflow, step, outcome, person)
            touched[case] = workflow
        db.execute("BEGIN IMMEDIATE")
        for case, workflow in touched.items():
            db.execute(
                "INSERT INTO workflow (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                (BULK_KEYS + case, spiff.serializer.serialize_json(workflow)),
            )
        db.execute("COMMIT")
    run.stop(len(numbers), len(events))


BULK_KEYS = 10**9  # Spiff's bulk rows get ids of their own, apart from the interactive ones


# Checks ----------------------------------------------------------------------------------------------


def check_ours(n: int, source: str) -> None:
    from liuquan.cases.models import Breach, Case, CaseStatus

    done = Case.objects.filter(source=source, status=CaseStatus.DONE).count()
    total = Case.objects.filter(source=source).count()
    breaches = Breach.objects.count()
    if done != n or total != n or breaches:
        raise BenchError(
            f"liuquan ({source}): {done} of {total} cases done, expected {n}; {breaches} breaches"
        )


def ledger_size() -> int:
    from liuquan.ledger.models import Entry

    return Entry.objects.count()


def bare_commits(path: Path, count: int = 200) -> float:
    """Commits per second of a one-row UPDATE on this disk with the same settings: the floor both sides
    stand on in (a)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={SYNC_MODE}")
    db.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute("INSERT OR REPLACE INTO probe VALUES (1, 0)")
    started = time.perf_counter()
    for number in range(count):
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE probe SET n = ? WHERE id = 1", (number,))
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return count / seconds


# Main ------------------------------------------------------------------------------------------------


def main() -> int:
    global SYNC_MODE
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=250, help="instances per measurement (default 250)")
    parser.add_argument("--batch", type=int, default=64, help="events per transaction in bulk (default 64)")
    parser.add_argument("--round", type=int, default=25, help="instances per turn of each side (default 25)")
    parser.add_argument(
        "--order", choices=["case", "step"], default="case", help="bulk event order (default: case by case)"
    )
    parser.add_argument(
        "--synchronous",
        choices=["FULL", "NORMAL", "OFF"],
        default="FULL",
        help="SQLite synchronous for both sides; anything but FULL is for analysis only (default FULL)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile liuquan's side and print the top")
    args = parser.parse_args()
    if min(args.cases, args.batch, args.round) < 1:
        parser.error("--cases, --batch and --round must be at least 1")
    SYNC_MODE = args.synchronous
    try:
        from SpiffWorkflow.version import __version__ as spiff_version  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        print("bench/cases.py needs SpiffWorkflow: .venv/bin/pip install spiffworkflow", file=sys.stderr)
        return 2

    from django.db.backends.signals import connection_created

    connection_created.connect(full_sync)
    scratch = Path(tempfile.mkdtemp(prefix="liuquan-bench-cases-"))
    setup_django(str(scratch))
    import django
    from django.conf import settings
    from django.db import connection

    bench = build()
    spiff = Spiff(spiff_bpmn(bench.flow), scratch / "spiff.sqlite3")
    n, batch = args.cases, args.batch
    print(
        f"liuquan case engine benchmark: {connection.vendor}, {our_version()}, Django {django.get_version()}, "
        f"SpiffWorkflow {spiff_version} on SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}"
    )
    print(f"flow: {' → '.join(step.name for step in bench.flow.steps)} (受理 and 决定 separated); N = {n:,}")
    print(f"durability: liuquan {our_durability()}; Spiff {spiff.durability()}")
    on_event = getattr(settings, "LIUQUAN_SUPERVISE_ON_EVENT", None)
    print(f"liuquan per-event supervision (LIUQUAN_SUPERVISE_ON_EVENT): {'on' if on_event else 'off'}")
    if settings.DEBUG:
        print("warning: LIUQUAN_DEBUG is on; Django keeps every query in memory, which slows liuquan down")
    print(
        f"bare commits on this disk (one-row UPDATE, same settings): {bare_commits(scratch / 'probe.sqlite3'):,.0f}/s"
    )
    print(f"scratch {scratch}")

    print(
        f"\n(a) interactive: one transaction per step, {n:,} instances × {len(STEPS)} steps, in turns of {args.round}"
    )
    print(HEADER)
    ours_a, spiff_a, spiff_c = Run(), Run(), Run()
    profiler = Profiler(args.profile)
    entries = ledger_size()
    sample: list[int] = []
    for numbers in rounds(n, args.round):
        profiler(partial(ours_interactive, bench, numbers, ours_a))
        sample += spiff_interactive(spiff, numbers, spiff_a, cached=False)[:1]
        sample += spiff_interactive(spiff, numbers, spiff_c, cached=True)[:1]
    check_ours(n, "console")
    for key in sample:
        if not spiff.completed(key):
            raise BenchError(f"Spiff instance {key} did not complete")
    per_transaction = (ledger_size() - entries) / (n * (len(STEPS) + 1))
    print(ours_a.line("liuquan (actions)"))
    print(spiff_a.line("SpiffWorkflow (load per step)"))
    print(spiff_c.line("SpiffWorkflow (kept in memory)"))
    print(f"  liuquan appended {per_transaction:.1f} ledger entries per transaction")
    print(f"  for information, against Spiff kept in memory: {ours_a.speed() / spiff_c.speed():.2f}")
    print(f"ratio interactive: {ours_a.speed() / spiff_a.speed():.2f}")
    profiler.report("liuquan interactive", ours_a.steps)

    print(
        f"\n(b) bulk: {batch} steps per transaction, {n:,} instances × {len(STEPS)} steps, "
        f"{args.order} order, in turns of {args.round}"
    )
    print(HEADER)
    ours_b, spiff_b = Run(), Run()
    profiler = Profiler(args.profile)
    live: dict[int, Any] = {}
    entries = ledger_size()
    # A turn is whole batches, so that both sides commit at the same points.
    per_batch, rest = divmod(batch, len(STEPS))
    turn = max(1, round(args.round / per_batch)) * per_batch if per_batch and not rest else n
    for numbers in rounds(n, turn):
        bodies = ingest_bodies(numbers, batch, args.order)
        profiler(partial(ours_bulk, bench, bodies, len(numbers), ours_b))
        spiff_bulk(spiff, numbers, batch, args.order, spiff_b, live)
    check_ours(n, f"ingest:{SOURCE}")
    if len(live) != n or not all(workflow.is_completed() for workflow in live.values()):
        raise BenchError("Spiff: not every bulk instance completed")
    print(ours_b.line("liuquan (ingest.do_ingest)"))
    print(spiff_b.line("SpiffWorkflow (save per batch)"))
    print(f"  liuquan appended {(ledger_size() - entries) / ours_b.steps:.1f} ledger entries per step")
    print(f"ratio bulk: {ours_b.speed() / spiff_b.speed():.2f}")
    profiler.report("liuquan bulk", ours_b.steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
