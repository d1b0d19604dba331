"""Benchmark of supervision: conformance checking against PM4Py token-based replay, and the clock sweep.

    .venv/bin/pip install pm4py                      # benchmark/test-only (AGPL); never a runtime dependency
    .venv/bin/python bench/supervision.py            # 100,000 cases; a sweep over 1,000,000 open cases
    .venv/bin/python bench/supervision.py --cases 2000 --open 20000      # the CI smoke run

Conformance, on a scratch embedded SQLite database (or LIUQUAN_BENCH_DATABASE_URL=postgresql://…):
a synthetic log of N finished cases of the licensing template (受理 → 审查 → 决定 → 送达 with 补正 loops,
不予受理, 听证, 延期 and returns: traces of 4–8 steps in a heavy mix of variants), a tenth of them with one
of ten planted deviations, stored as Case and CaseStep rows. Timed, for liuquan: compiling the flow, the
one query over CaseStep ordered by case and position, grouping the rows into traces and judging them
(`eventlog.completed_step_rows` → `conformance.judge`). Timed, for PM4Py: only
`pm4py.conformance_diagnostics_token_based_replay` on a pandas dataframe of the same log (built before,
not timed) against `conformance.petri_net(flow)`. The deviating-case sets must be identical.
The ratio is PM4Py's time divided by ours: above 1 means liuquan is faster.

Sweep: M open cases whose due/warning dates are spread so that 1% become newly past a threshold today
(half newly yellow, half newly red); `liuquan.supervision.sweep.run_sweep` once the day before (to set
its marks) and then timed for today, alerts and ledger entries included.

Exits non-zero on any error, and when the verdicts differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchcommon import setup_django

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
TODAY = dt.date(2026, 11, 25)  # the sweep's "today" (a Wednesday)
OUTCOMES = {  # (step, next step) → the outcome that leads there, for the licensing template
    ("accept", "review"): "pass",
    ("accept", "accept"): "correct",
    ("accept", "end"): "refuse",
    ("review", "decide"): "pass",
    ("review", "hearing"): "hearing",
    ("review", "extend"): "extend",
    ("hearing", "decide"): "done",
    ("extend", "review"): "approve",
    ("decide", "deliver"): "grant",
    ("decide", "review"): "return",
    ("deliver", "end"): "done",
}
# The heavy variant mix: how often each branch is taken (the rest go straight on).
WEIGHTS = {
    "accept": (("review", 78), ("accept", 17), ("end", 5)),
    "review": (("decide", 70), ("hearing", 15), ("extend", 15)),
    "decide": (("deliver", 82), ("review", 18)),
}


# The synthetic log ---------------------------------------------------------------------------------


def valid_path(rng: random.Random) -> list[str]:
    """A random whole path of the licensing flow with 4–8 steps."""
    while True:
        path: list[str] = []
        step = "accept"
        while step != "end" and len(path) < 9:
            path.append(step)
            if step in WEIGHTS:
                choices, weights = zip(*WEIGHTS[step], strict=True)
                step = rng.choices(choices, weights)[0]
            else:
                step = {"hearing": "decide", "extend": "review", "deliver": "end"}[step]
        if step == "end" and 4 <= len(path) <= 8:
            return path


def _without(path: list[str], step: str) -> list[str]:
    i = path.index(step)
    return path[:i] + path[i + 1 :]


def _swap_first_review(path: list[str]) -> list[str]:
    i = path.index("review")
    swapped = list(path)
    swapped[i - 1], swapped[i] = swapped[i], swapped[i - 1]
    return swapped


def _before_last_deliver(path: list[str], extra: list[str]) -> list[str]:
    return path[:-1] + extra + path[-1:]


# Ten planted deviations; each keeps 送达 (or 不予受理) last, so the case still ends through its flow.
DEVIATIONS: dict[str, Any] = {
    "skip 审查": lambda p: _without(p, "review"),
    "skip 受理": lambda p: [s for s in p if s != "accept"],
    "skip 决定": lambda p: p[:-2] + p[-1:],
    "swap 受理/审查": lambda p: _swap_first_review(p),
    "decide twice": lambda p: _before_last_deliver(p, ["decide"]),
    "deliver twice": lambda p: [*p, "deliver"],
    "unknown activity": lambda p: _before_last_deliver(p, ["archive"]),
    "extend without review": lambda p: _before_last_deliver(p, ["extend", "decide"]),
    "hearing after decision": lambda p: _before_last_deliver(p, ["hearing", "decide"]),
    "back to 受理 from 决定": lambda p: [*p[:-1], "accept", "review", "decide", "deliver"],
}


def synthetic_log(n: int, seed: int) -> tuple[list[list[str]], Counter[str]]:
    """n traces; every tenth gets one of the ten deviations in turn."""
    rng = random.Random(seed)
    traces, planted = [], Counter[str]()
    names = list(DEVIATIONS)
    for i in range(n):
        path = valid_path(rng)
        if i % 10 == 9:
            name = names[(i // 10) % len(names)]
            if path[-1] != "deliver":  # 不予受理 paths: plant on a 送达 path instead
                path = ["accept", "review", "decide", "deliver"]
            path = DEVIATIONS[name](path)
            planted[name] += 1
        traces.append(path)
    return traces, planted


def outcome(step: str, following: str) -> str:
    return OUTCOMES.get((step, following)) or {"deliver": "done", "accept": "pass"}.get(step, "done")


# Storing it ----------------------------------------------------------------------------------------


def scratch_world() -> tuple[Any, Any, Any]:
    """A unit with a published licensing flow (the benchmark's own fixture; rows bulk-made below)."""
    from django.utils import timezone

    from liuquan.flows import codec
    from liuquan.flows.models import FlowStatus, ProcessDefinition
    from liuquan.flows.templates import template_for
    from liuquan.org import actions

    system = actions.system_person()
    province = actions.do_create_region(
        actor=system, code="140000", name="山西省", level="province", parent=None
    )
    city = actions.do_create_region(actor=system, code="140700", name="晋中市", level="city", parent=province)
    unit = actions.do_create_unit(
        actor=system,
        code="140700-MZJ",
        name="晋中市民政局",
        short_name="市民政局",
        kind="government_department",
        region=city,
    )
    flow = template_for("licensing")
    definition = ProcessDefinition.objects.create(
        unit=unit,
        power_code="XK001",
        power_name="社会团体成立登记",
        version=1,
        status=FlowStatus.PUBLISHED,
        spec=codec.encode(flow),
        source="template:licensing",
        created_at=timezone.now(),
        created_by=system,
        published_at=timezone.now(),
    )
    return unit, definition, flow


CASE_COLUMNS = ["id", "number", "status", "received_at", "closed_at", "result", "current_step"]
CASE_COLUMNS += ["accepted_at", "due_on", "warn_on", "path"]
STEP_COLUMNS = ["case_id", "position", "step", "name", "post", "started_at", "completed_at"]
STEP_COLUMNS += ["due_on", "warn_on", "external_person", "outcome"]


def insert_rows(model: Any, columns: list[str], rows: list[tuple[Any, ...]], **constants: Any) -> None:
    """Rows straight into `model`'s table with executemany (Django's bulk_create prepares every value
    of every row in Python: about 4,000 rows/s here, so a million open cases would take minutes).
    `columns` and `constants` are attnames; every other column gets its field's default. Values are
    adapted for the backend by the backend's own operations (dates and times); ids are explicit."""
    from django.db import connection, models

    fields = {field.attname: field for field in model._meta.concrete_fields}
    fixed = {name: value for name, value in constants.items()}
    for name, field in fields.items():
        if name not in columns and name not in fixed and not field.primary_key:
            fixed[name] = field.get_default()
    fixed_values = [fields[name].get_db_prep_save(value, connection) for name, value in fixed.items()]
    ops = connection.ops
    adapters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        field = fields[name]
        if isinstance(field, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    names = [fields[name].column for name in [*columns, *fixed]]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [value if adapt is None else adapt(value) for adapt, value in zip(adapters, row, strict=True)]
                + fixed_values
                for row in rows
            ],
        )


def reset_sequences(*models: Any) -> None:
    """After explicit ids (PostgreSQL keeps a sequence per table; SQLite needs nothing)."""
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def case_constants(unit: Any, definition: Any) -> dict[str, Any]:
    return {
        "unit_id": unit.pk,
        "power_code": "XK001",
        "power_name": "社会团体成立登记",
        "definition_id": definition.pk,
        "source": "bench",
        "applicant_name": "申请人",
    }


def next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def store_log(unit: Any, definition: Any, flow: Any, traces: list[list[str]]) -> dict[int, str]:
    """The traces as finished cases with their step rows; returns case id → case number."""
    from django.db import transaction

    from liuquan.cases.models import Case, CaseStep
    from liuquan.supervision import conformance

    model = conformance.Model(flow)
    names = {step.key: (step.name, step.post) for step in flow.steps}
    numbers: dict[int, str] = {}
    first_id = next_id(Case)
    batch = 10_000
    for first in range(0, len(traces), batch):
        cases, steps = [], []
        for i in range(first, min(len(traces), first + batch)):
            trace, pk = traces[i], first_id + i
            number = f"BENCH-{i:07d}"
            numbers[pk] = number
            received = START + dt.timedelta(minutes=3 * i)
            closed = received + dt.timedelta(hours=len(trace))
            ended = (trace[-1], outcome(trace[-1], "end")) in model.ending if trace else False
            path = " ".join(trace) + (" $" if ended else "")  # as the case engine keeps it
            cases.append((pk, number, "done", received, closed, "done", "", received, None, None, path))
            for position, step in enumerate(trace, start=1):
                following = trace[position] if position < len(trace) else "end"
                name, post = names.get(step, (step, ""))
                begun = received + dt.timedelta(hours=position - 1)
                done = begun + dt.timedelta(minutes=50)
                steps.append(
                    (
                        pk,
                        position,
                        step,
                        name,
                        post,
                        begun,
                        done,
                        None,
                        None,
                        f"工作人员{position}",
                        outcome(step, following),
                    )
                )
        with transaction.atomic():
            insert_rows(Case, CASE_COLUMNS, cases, **case_constants(unit, definition))
            insert_rows(CaseStep, STEP_COLUMNS, steps)
    reset_sequences(Case, CaseStep)
    return numbers


# Measuring -----------------------------------------------------------------------------------------

REPEATS = 3  # each side is measured this many times in turn; the best run counts


@dataclass
class Best:
    """The best wall-clock and CPU seconds over the runs of one measurement."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def run(self, function: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        self.wall = min(self.wall, time.perf_counter() - wall)
        self.cpu = min(self.cpu, time.process_time() - cpu)
        return result


def ours(flow: Any) -> dict[int, Any]:
    """Our check from the database: compile the flow, one query over the cases' stored paths (the case
    engine keeps each case's trace on its row as it moves), verdicts."""
    from liuquan.cases.models import Case
    from liuquan.supervision import conformance

    model = conformance.Model(flow)
    return conformance.judge_paths(model, Case.objects.values_list("pk", "path").iterator(10_000))


def ours_from_steps(flow: Any) -> dict[int, Any]:
    """The same check from the step rows (the way to check cases stored before paths were kept)."""
    from liuquan.cases.models import CaseStep
    from liuquan.supervision import conformance, eventlog

    model = conformance.Model(flow)
    return conformance.judge(model, eventlog.completed_step_rows(CaseStep.objects.all()))


def read_only() -> int:
    from liuquan.cases.models import Case

    rows = deque(Case.objects.values_list("pk", "path").iterator(10_000), maxlen=1)  # drained at C speed
    return len(rows)


def pm4py_frame(traces: list[list[str]], numbers: list[str]) -> Any:
    """The log as PM4Py's dataframe. Object columns: PM4Py replays them faster than pandas 3's default
    string dtype (2.4 s against 2.9 s here) or pm4py.format_dataframe's output (3.8 s)."""
    import pandas as pd

    cases = [number for number, trace in zip(numbers, traces, strict=True) for _ in trace]
    activities = [step for trace in traces for step in trace]
    minutes = [minute for trace in traces for minute in range(len(trace))]
    frame = pd.DataFrame(
        {
            "case:concept:name": pd.Series(cases, dtype=object),
            "concept:name": pd.Series(activities, dtype=object),
        }
    )
    frame["time:timestamp"] = pd.Timestamp("2026-03-02T01:00:00Z") + pd.to_timedelta(minutes, unit="m")
    return frame


def theirs(flow: Any, frame: Any, net: tuple[Any, Any, Any]) -> set[str]:
    """PM4Py's token-based replay of the dataframe: the unfit cases."""
    import pm4py

    results = pm4py.conformance_diagnostics_token_based_replay(
        frame, *net, opt_parameters={"show_progress_bar": False}
    )
    ordered = sorted(set(frame["case:concept:name"]))  # PM4Py groups by case id, in sorted order
    assert len(results) == len(ordered)
    return {number for number, result in zip(ordered, results, strict=True) if not result["trace_is_fit"]}


def conformance_benchmark(n: int, seed: int) -> bool:
    import pm4py

    from liuquan.supervision import conformance

    unit, definition, flow = scratch_world()
    traces, planted = synthetic_log(n, seed)
    started = time.perf_counter()
    numbers_by_id = store_log(unit, definition, flow, traces)
    print(f"stored {n:,} cases, {sum(map(len, traces)):,} step rows in {time.perf_counter() - started:.1f} s")
    print(
        f"variants: {len({tuple(t) for t in traces}):,}; planted: "
        + ", ".join(f"{k} {v}" for k, v in planted.items())
    )
    numbers = [numbers_by_id[pk] for pk in sorted(numbers_by_id)]
    frame = pm4py_frame(traces, numbers)
    net = conformance.petri_net(flow, alphabet=set(frame["concept:name"]))

    mine, reading, peer, steps = Best(), Best(), Best(), Best()
    for _ in range(REPEATS):
        verdicts = mine.run(lambda: ours(flow))
        reading.run(read_only)
        pm_unfit = peer.run(lambda: theirs(flow, frame, net))
    from_steps = steps.run(lambda: ours_from_steps(flow))
    assert {pk for pk, v in from_steps.items() if not v.fits} == {
        pk for pk, v in verdicts.items() if not v.fits
    }
    our_unfit = {numbers_by_id[pk] for pk, verdict in verdicts.items() if not verdict.fits}
    kinds = Counter(verdict.deviation.value for verdict in verdicts.values() if verdict.deviation)

    # The same check from Python lists (no database): the pure module's own speed.
    rows = [
        (i, step, outcome(step, trace[k + 1] if k + 1 < len(trace) else "end"))
        for i, trace in enumerate(traces)
        for k, step in enumerate(trace)
    ]
    pure = Best()
    for _ in range(REPEATS):
        judged = pure.run(lambda: conformance.judge(conformance.Model(flow), rows))
    assert {i for i, verdict in judged.items() if not verdict.fits} == {
        i for i, pk in enumerate(sorted(numbers_by_id)) if not verdicts[pk].fits
    }

    identical = our_unfit == pm_unfit and len(verdicts) == n
    print(f"PM4Py {pm4py.__version__}; deviating: liuquan {len(our_unfit):,}, PM4Py {len(pm_unfit):,}")
    print("kinds: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items())))
    print(f"best of {REPEATS}, wall (CPU) seconds:")
    print(f"  liuquan from the database (query, traces, verdicts): {mine.wall:.3f} ({mine.cpu:.3f})")
    print(f"    of which reading the rows: {reading.wall:.3f} ({reading.cpu:.3f})")
    print(f"  liuquan from the step rows instead (one run): {steps.wall:.3f} ({steps.cpu:.3f})")
    print(f"  liuquan from Python lists, {n:,} traces: {pure.wall:.3f} ({pure.cpu:.3f})")
    print(f"  PM4Py token-based replay from its dataframe: {peer.wall:.3f} ({peer.cpu:.3f})")
    print(f"ratio conformance (CPU time): {peer.cpu / mine.cpu:.1f}")
    print(f"verdicts identical: {'yes' if identical else 'no'}")
    print(f"ratio conformance: {peer.wall / mine.wall:.1f}")
    return identical


# The sweep (wired to liuquan.supervision.sweep.run_sweep) -----------------------------------------


def sweep_benchmark(n_open: int, seed: int) -> bool:
    """`sweep seconds: Y` over `n_open` open cases, 1% of them newly past a threshold today.

    SWEEP BENCHMARK — FIRST WIRING: the sweep belongs to liuquan.supervision.sweep; when it is not
    importable this prints a note and the line as n/a. Each open case has its open step (due dates far
    ahead); the case clocks carry the thresholds: 0.5% reach their warning day today (new yellow),
    0.5% were due yesterday (new red; their yellow came in the run the day before)."""
    try:
        from liuquan.supervision.sweep import run_sweep
    except ImportError as exc:
        print(f"sweep seconds: n/a (liuquan.supervision.sweep.run_sweep is not there yet: {exc})")
        return True
    from django.db import transaction

    from liuquan.cases.models import Case, CaseStep
    from liuquan.flows.models import ProcessDefinition

    rng = random.Random(seed)
    definition = ProcessDefinition.objects.get(power_code="XK001")
    unit = definition.unit
    constants = case_constants(unit, definition)
    yesterday = TODAY - dt.timedelta(days=1)
    step_due, step_warn = TODAY + dt.timedelta(days=60), TODAY + dt.timedelta(days=55)
    first_id = next_id(Case)
    started = time.perf_counter()
    batch = 50_000
    newly = Counter[str]()
    for first in range(0, n_open, batch):
        cases, steps = [], []
        for i in range(first, min(n_open, first + batch)):
            kind = "yellow" if i % 200 == 0 else "red" if i % 200 == 100 else "later"
            if kind == "yellow":
                warn, due = TODAY, TODAY + dt.timedelta(days=2)
            elif kind == "red":
                warn, due = yesterday - dt.timedelta(days=3), yesterday
            else:
                warn = TODAY + dt.timedelta(days=rng.randint(1, 20))
                due = warn + dt.timedelta(days=rng.randint(2, 5))
            newly[kind] += 1
            received = dt.datetime.combine(warn - dt.timedelta(days=16), dt.time(9), SHANGHAI)
            pk = first_id + i
            cases.append(
                (pk, f"OPEN-{i:07d}", "open", received, None, "", "review", received, due, warn, "accept")
            )
            steps.append((pk, 1, "review", "审查", "审核岗", received, None, step_due, step_warn, "", ""))
        with transaction.atomic():
            insert_rows(Case, CASE_COLUMNS, cases, **constants)
            insert_rows(CaseStep, STEP_COLUMNS, steps)
    reset_sequences(Case, CaseStep)
    print(
        f"stored {n_open:,} open cases in {time.perf_counter() - started:.1f} s "
        f"(newly yellow today {newly['yellow']:,}, newly red today {newly['red']:,})"
    )
    noon = dt.time(12, tzinfo=SHANGHAI)
    before = run_sweep(today=yesterday, now=dt.datetime.combine(yesterday, noon))
    print(f"the day before: {before.total:,} alerts raised in {before.seconds:.2f} s (sets the marks)")
    started = time.perf_counter()
    result = run_sweep(today=TODAY, now=dt.datetime.combine(TODAY, noon))
    seconds = time.perf_counter() - started
    print(f"today: raised {dict(result.raised)}, cured {result.cured}")
    print(f"sweep seconds: {seconds:.3f}")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases", type=int, default=100_000, help="finished cases in the log (default 100,000)"
    )
    parser.add_argument(
        "--open", type=int, default=1_000_000, help="open cases for the sweep (default 1M; 0 skips)"
    )
    parser.add_argument("--seed", type=int, default=20151214)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (a 1M run: ~1 GB)")
    args = parser.parse_args()
    try:
        import pm4py  # noqa: F401
    except ImportError:
        print("bench/supervision.py needs PM4Py: .venv/bin/pip install pm4py", file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="liuquan-bench-supervision-")
    try:
        setup_django(scratch)
        from django.db import connection

        print(
            f"liuquan supervision benchmark: {connection.vendor}, Python {sys.version.split()[0]}, "
            f"scratch {scratch}"
        )
        identical = conformance_benchmark(args.cases, args.seed)
        if args.open:
            sweep_benchmark(args.open, args.seed)
        connection.close()
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
