"""The ceiling of bench/cases.py: how fast the rows liuquan stores could be written at all, against Spiff.

    .venv/bin/python bench/cases_floor.py            # N = 250, as bench/cases.py
    .venv/bin/python bench/cases_floor.py --cases 40 # smoke run

bench/cases.py compares the case engine with SpiffWorkflow. This script asks what the best possible
implementation of liuquan's side could reach on the same disk, with the same durability (SQLite WAL,
synchronous=FULL), whatever language its logic were written in: it writes exactly the rows liuquan writes
for a case — counted from the real actions and the real ingest path run first on a sample — with plain
sqlite3 and no logic at all (no judging, no clocks, no ledger encoding or hashing; ledger rows are copies
of real ones). Each row is a copy of a row liuquan wrote, so the tables, indexes and row sizes are the
real ones.

(a) interactive: per instance one opening transaction and four step transactions, each with the
    statements a step needs at least (read the case and its steps, close the step row, open the next,
    the timeline line, the case row, the sequencer and the ledger rows), committed one by one;
(b) bulk: 64 ingested events per transaction, every row inserted with executemany.
Spiff runs as in bench/cases.py in the same run. `ceiling interactive` and `ceiling bulk` are the floors'
speeds divided by Spiff's: no implementation that stores these rows can show a higher ratio in
bench/cases.py on this machine.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cases as engine_bench
from benchcommon import setup_django

TABLES = ("cases_case", "cases_casestep", "cases_caseevent", "cases_ingestedevent", "ledger_entry")


def counts(db: sqlite3.Connection) -> Counter[str]:
    return Counter({table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES})  # noqa: S608


class Rows:
    """Rows liuquan wrote, by table, to copy from (their ids and unique columns replaced on the way)."""

    def __init__(self, db: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...]) -> None:
        cursor = db.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608
        self.columns = [column[0] for column in cursor.description]
        self.rows = [list(row) for row in cursor.fetchall()]
        self.table = table
        if not self.rows:
            raise engine_bench.BenchError(f"no sample rows in {table}")

    def insert_sql(self) -> str:
        names = ", ".join(f'"{column}"' for column in self.columns)
        return f"INSERT INTO {self.table} ({names}) VALUES ({', '.join('?' * len(self.columns))})"  # noqa: S608

    def copy(self, which: int, values: dict[str, Any] | None = None, **more: Any) -> list[Any]:
        """Sample row `which` (modulo their number) with `values` and `more` put in."""
        row = list(self.rows[which % len(self.rows)])
        for name, value in {**(values or {}), **more}.items():
            row[self.columns.index(name)] = value
        return row


def next_id(db: sqlite3.Connection, table: str, column: str = "id") -> int:
    return int(db.execute(f'SELECT COALESCE(MAX("{column}"), 0) + 1 FROM {table}').fetchone()[0])  # noqa: S608


def sample(bench: Any, scratch: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Run the real paths on 20 cases each; rows written per step (interactive, opening included) and
    per ingested event (bulk), by table."""
    db = sqlite3.connect(scratch / "liuquan.sqlite3")
    size = 20
    before = counts(db)
    engine_bench.ours_interactive(bench, range(10**6, 10**6 + size), engine_bench.Run())
    middle = counts(db)
    bodies = engine_bench.ingest_bodies(range(10**6, 10**6 + size), 64, "case")
    engine_bench.ours_bulk(bench, bodies, size, engine_bench.Run())
    after = counts(db)
    db.close()
    steps = size * len(engine_bench.STEPS)
    return (
        {table: (middle[table] - before[table]) / steps for table in TABLES},
        {table: (after[table] - middle[table]) / steps for table in TABLES},
    )


def floor_interactive(path: Path, n: int) -> float:
    """Seconds for n instances: an opening and four steps each, one transaction apiece."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    case_rows = Rows(db, "cases_case", "source = ?", ("console",))
    step_rows = Rows(
        db, "cases_casestep", "case_id IN (SELECT id FROM cases_case WHERE source = ?)", ("console",)
    )
    event_rows = Rows(
        db, "cases_caseevent", "case_id IN (SELECT id FROM cases_case WHERE source = ?)", ("console",)
    )
    entry_rows = Rows(db, "ledger_entry", "action IN ('cases.open', 'cases.complete_step')", ())
    insert_case, insert_step = case_rows.insert_sql(), step_rows.insert_sql()
    insert_event, insert_entry = event_rows.insert_sql(), entry_rows.insert_sql()
    # Per transaction, as liuquan's actions write them: the opening 3 entries (case, step, timeline line),
    # a step 4 (the closed step row, the next step row, the timeline line, the case).
    started = time.perf_counter()
    for number in range(n):
        db.execute("BEGIN IMMEDIATE")
        case_id = next_id(db, "cases_case")
        db.execute(insert_case, case_rows.copy(number, id=case_id, number=f"FLOOR-{case_id}"))
        db.execute(insert_step, step_rows.copy(0, id=None, case_id=case_id, position=1, completed_at=None))
        db.execute(insert_event, event_rows.copy(0, id=None, case_id=case_id, seq=1))
        entries(db, insert_entry, entry_rows, 3)
        db.execute("COMMIT")
        for position in range(1, len(engine_bench.STEPS) + 1):
            db.execute("BEGIN IMMEDIATE")
            db.execute("SELECT * FROM cases_case WHERE id = ?", (case_id,)).fetchone()
            steps = db.execute(
                "SELECT * FROM cases_casestep WHERE case_id = ? ORDER BY position", (case_id,)
            ).fetchall()
            db.execute("SELECT MAX(seq) FROM cases_caseevent WHERE case_id = ?", (case_id,)).fetchone()
            db.execute(
                "UPDATE cases_casestep SET completed_at = started_at, outcome = 'pass', completed_by_id = assignee_id "
                "WHERE id = ?",
                (steps[-1][0],),
            )
            if position < len(engine_bench.STEPS):
                db.execute(
                    insert_step,
                    step_rows.copy(
                        position, id=None, case_id=case_id, position=position + 1, completed_at=None
                    ),
                )
            db.execute(insert_event, event_rows.copy(position, id=None, case_id=case_id, seq=position + 1))
            if position == len(engine_bench.STEPS):  # the last step closes the case: one more timeline line
                db.execute(
                    insert_event, event_rows.copy(position + 1, id=None, case_id=case_id, seq=position + 2)
                )
            db.execute(
                "UPDATE cases_case SET current_step = 'x', version = version + 1, path = path || ' x' WHERE id = ?",
                (case_id,),
            )
            entries(db, insert_entry, entry_rows, 4)
            db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def entries(db: sqlite3.Connection, sql: str, rows: Rows, count: int) -> None:
    (first,) = db.execute("SELECT next_index FROM ledger_sequencer WHERE id = 1").fetchone()
    db.executemany(sql, [rows.copy(first + k, {"index": first + k}) for k in range(count)])
    db.execute("UPDATE ledger_sequencer SET next_index = ? WHERE id = 1", (first + count,))


def floor_bulk(path: Path, n: int, per_event: dict[str, float], batch: int) -> float:
    """Seconds for n instances' events, `batch` events per transaction, the rows per event as sampled."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    source = f"ingest:{engine_bench.SOURCE}"
    case_rows = Rows(db, "cases_case", "source = ?", (source,))
    step_rows = Rows(
        db, "cases_casestep", "case_id IN (SELECT id FROM cases_case WHERE source = ?)", (source,)
    )
    event_rows = Rows(
        db, "cases_caseevent", "case_id IN (SELECT id FROM cases_case WHERE source = ?)", (source,)
    )
    ingested_rows = Rows(db, "cases_ingestedevent", "1 = 1", ())
    entry_rows = Rows(db, "ledger_entry", "action = 'cases.ingest'", ())
    sqls = {
        rows.table: rows.insert_sql()
        for rows in (case_rows, step_rows, event_rows, ingested_rows, entry_rows)
    }
    events = n * len(engine_bench.STEPS)
    started = time.perf_counter()
    done = 0
    while done < events:
        size = min(batch, events - done)
        db.execute("BEGIN IMMEDIATE")
        case_id = next_id(db, "cases_case")
        cases = max(1, round(size * per_event["cases_case"]))
        db.executemany(
            sqls["cases_case"],
            [
                case_rows.copy(
                    k, id=case_id + k, number=f"FLOOR-{case_id + k}", external_id=f"F-{case_id + k}"
                )
                for k in range(cases)
            ],
        )
        db.executemany(
            sqls["cases_ingestedevent"],
            [
                ingested_rows.copy(k, id=None, case_id=f"F-{case_id + k // 4}", seq=k % 4 + 1)
                for k in range(size)
            ],
        )
        db.executemany(
            sqls["cases_casestep"],
            [
                step_rows.copy(k, id=None, case_id=case_id + k % cases, position=k // cases + 1)
                for k in range(round(size * per_event["cases_casestep"]))
            ],
        )
        db.executemany(
            sqls["cases_caseevent"],
            [
                event_rows.copy(k, id=None, case_id=case_id + k % cases, seq=k // cases + 1)
                for k in range(round(size * per_event["cases_caseevent"]))
            ],
        )
        entries(db, sqls["ledger_entry"], entry_rows, round(size * per_event["ledger_entry"]))
        db.execute("COMMIT")
        done += size
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=250, help="instances per measurement (default 250)")
    parser.add_argument("--batch", type=int, default=64, help="events per transaction in bulk (default 64)")
    args = parser.parse_args()
    if min(args.cases, args.batch) < 1:
        parser.error("--cases and --batch must be at least 1")
    try:
        import SpiffWorkflow  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        print(
            "bench/cases_floor.py needs SpiffWorkflow: .venv/bin/pip install spiffworkflow", file=sys.stderr
        )
        return 2
    from django.db.backends.signals import connection_created

    connection_created.connect(engine_bench.full_sync)
    scratch = Path(tempfile.mkdtemp(prefix="liuquan-bench-floor-"))
    setup_django(str(scratch))
    from django.db import connection

    if connection.vendor != "sqlite":
        print("bench/cases_floor.py measures the embedded SQLite database only", file=sys.stderr)
        return 2
    bench = engine_bench.build()
    per_step, per_event = sample(bench, scratch)
    connection.close()  # the floors write the same file through their own connections
    path = scratch / "liuquan.sqlite3"
    spiff = engine_bench.Spiff(engine_bench.spiff_bpmn(bench.flow), scratch / "spiff.sqlite3")
    n, batch = args.cases, args.batch
    print(
        f"liuquan storage floor against SpiffWorkflow: SQLite {sqlite3.sqlite_version}, WAL, synchronous=FULL; N = {n:,}"
    )
    print("rows liuquan wrote per step, by table (sampled from the real actions, opening included):")
    print("  interactive: " + ", ".join(f"{table} {count:.2f}" for table, count in per_step.items()))
    print("  bulk:        " + ", ".join(f"{table} {count:.2f}" for table, count in per_event.items()))
    steps = n * len(engine_bench.STEPS)
    floor_a = steps / floor_interactive(path, n)
    spiff_a = engine_bench.Run()
    engine_bench.spiff_interactive(spiff, range(n), spiff_a, cached=False)
    floor_b = steps / floor_bulk(path, n, per_event, batch)
    spiff_b = engine_bench.Run()
    engine_bench.spiff_bulk(spiff, range(n), batch, "case", spiff_b, {})
    print(f"\n{'':<44} {'steps/s':>12}")
    print(f"{'(a) storage floor, one transaction per step':<44} {floor_a:>12,.0f}")
    print(f"{'    SpiffWorkflow (load per step)':<44} {spiff_a.speed():>12,.0f}")
    print(f"{'(b) storage floor, 64 events per transaction':<44} {floor_b:>12,.0f}")
    print(f"{'    SpiffWorkflow (save per batch)':<44} {spiff_b.speed():>12,.0f}")
    print(f"ceiling interactive: {floor_a / spiff_a.speed():.2f}")
    print(f"ceiling bulk: {floor_b / spiff_b.speed():.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
