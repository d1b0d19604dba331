"""Benchmark of the public ledger against pymerkle (latest), measured in the same run.

    .venv/bin/pip install pymerkle          # benchmark-only; never a runtime dependency
    .venv/bin/python bench/ledger.py        # 1M-entry bulk append; proofs at 1M and 10M leaves

What is timed, on a scratch embedded SQLite database (or LIUQUAN_BENCH_DATABASE_URL=postgresql://…):
- bulk append: storing N entries the way an action stores them (`Entry` rows, one transaction per
  batch of 10,000) and hashing them into the stored tree (`tree.integrate`, the production integrator),
  against pymerkle's `SqliteTree.append_entries` on the same leaf bytes;
- proofs: `tree.inclusion_proof` / `tree.consistency_proof` read from the database, against pymerkle's
  `prove_inclusion` / `prove_consistency` on its own SQLite tree of the same size. For the 10M-leaf
  tree, our tiles are written by the production tile writer from synthetic leaf hashes (proofs read
  only tiles, never entries), and pymerkle gets 10M synthetic entries.
Ratios are pymerkle's time divided by ours: above 1 means liuquan is faster.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial

from benchcommon import setup_django


def leaf(index: int) -> bytes:
    # Shaped like a real entry (about 330 bytes of canonical JSON).
    return (
        f'{{"action":"org.assign_oversight","actor":"p-5c8469e86d62a5bf801b","index":{index},'
        '"private":"d196ecb5db8e8129028ef0d196ecb5db8e8129028ef0d196ecb5db8e8129","state":{"area":"物资",'
        f'"assigned_at":"2026-11-25T22:00:00.123456+00:00","ended_at":null,"is_exception":true,"leader":{index % 977},'
        f'"rank":"principal","unit":"140700-LSJ"}},"subject":{{"id":"{index}","type":"org.Oversight"}},'
        '"time":"2026-11-26T06:00:00.123456+08:00","v":1}'
    ).encode()


def timed(function, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def per_call(calls: list[Callable[[], object]], rounds: int = 1) -> float:
    """Median seconds per call over `calls` (each a zero-argument function)."""
    samples = []
    for _ in range(rounds):
        for call in calls:
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def store_entries(entries: list[bytes], actor) -> None:
    """Entries stored by the production writer (`log.store`), 100,000 per transaction (pymerkle is
    given the same chunk size)."""
    from django.db import transaction
    from django.utils import timezone

    from liuquan.ledger import log
    from liuquan.ledger.models import Sequencer

    now = timezone.now()
    batch = 100_000
    for start in range(0, len(entries), batch):
        with transaction.atomic():
            Sequencer.row(lock=True)
            log.store(
                [
                    log.StoredEntry(i, entries[i], "org.Oversight", str(i), b"")
                    for i in range(start, min(len(entries), start + batch))
                ],
                at=now,
                action="org.assign_oversight",
                actor_id=actor.pk,
            )


def build_tiles(size: int) -> None:
    """Tiles for a `size`-leaf tree from synthetic leaf hashes, through the production tile writer."""
    from django.db import transaction
    from django.utils import timezone

    from liuquan.ledger import merkle, tree
    from liuquan.ledger.models import Sequencer, TreeHead, TreeTile

    TreeTile.objects.all().delete()
    frontier: list[bytes] = []
    step = 1 << 18
    for start in range(0, size, step):
        leaves = [merkle.leaf_hash(b"%d" % i) for i in range(start, min(size, start + step))]
        with transaction.atomic():
            frontier, runs = merkle.append_levels(start, frontier, leaves)
            tree._store_runs(runs)
    TreeHead.objects.filter(pk=1).update(
        size=size, root=merkle.fold_frontier(frontier), integrated_at=timezone.now()
    )
    Sequencer.objects.filter(pk=1).update(next_index=size)


def pymerkle_tree(path: str, entries):
    from pymerkle import SqliteTree

    tree = SqliteTree(path)
    tree.append_entries(entries, chunksize=100_000)
    return tree


def proof_calls(
    size: int, queries: int, rng: random.Random, ours: bool, pm=None
) -> tuple[list[Callable[[], object]], list[Callable[[], object]]]:
    from liuquan.ledger import tree

    indices = [rng.randrange(size) for _ in range(queries)]
    olds = [rng.randrange(1, size) for _ in range(queries)]
    if ours:
        return (
            [partial(tree.inclusion_proof, i, size) for i in indices],
            [partial(tree.consistency_proof, m, size) for m in olds],
        )
    # pymerkle counts leaves from 1.
    return (
        [partial(pm.prove_inclusion, i + 1, size) for i in indices],
        [partial(pm.prove_consistency, m, size) for m in olds],
    )


def row(label: str, ours: float, theirs: float, unit: str = "s") -> str:
    scale = {"s": 1, "ms": 1e3}[unit]
    return f"{label:<44} {ours * scale:>12.3f} {theirs * scale:>12.3f} {unit:<3} {theirs / ours:>8.1f}x"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000, help="bulk append size (default 1M)")
    parser.add_argument(
        "--big", type=int, default=10_000_000, help="large proof tree size (default 10M; 0 skips)"
    )
    parser.add_argument("--queries", type=int, default=200, help="proof queries per measurement (ours)")
    parser.add_argument(
        "--pymerkle-queries", type=int, default=10, help="proof queries per measurement (pymerkle)"
    )
    args = parser.parse_args()
    try:
        import pymerkle
    except ImportError:
        print("bench/ledger.py needs pymerkle: .venv/bin/pip install pymerkle", file=sys.stderr)
        return 2

    scratch = tempfile.mkdtemp(prefix="liuquan-bench-")
    setup_django(scratch)
    from django.db import connection

    from liuquan.ledger import tree
    from liuquan.org import actions

    rng = random.Random(20151214)
    actor = actions.system_person()
    n = args.entries
    print(
        f"liuquan ledger benchmark: {connection.vendor}, pymerkle {pymerkle.__version__}, "
        f"Python {sys.version.split()[0]}, scratch {scratch}"
    )
    print(f"{'measurement':<44} {'liuquan':>12} {'pymerkle':>12} {'':<3} {'ratio':>9}")

    entries = [leaf(i) for i in range(n)]
    # Our system person's bootstrap entry sits at index 0; start the benchmark log clean.
    from liuquan.ledger.models import Checkpoint, Entry, Sequencer, TreeHead, TreeTile

    for model in (Checkpoint, TreeTile, Entry):
        model.objects.all().delete()
    Sequencer.objects.filter(pk=1).update(next_index=0)
    TreeHead.objects.filter(pk=1).update(size=0, root=b"", integrated_at=None)
    ours_store = timed(lambda: store_entries(entries, actor))
    ours_integrate = timed(tree.integrate)
    started = time.perf_counter()
    pm_tree = pymerkle_tree(os.path.join(scratch, "pm1.db"), entries)
    theirs_append = time.perf_counter() - started
    print(row(f"bulk append {n:,} (store + integrate)", ours_store + ours_integrate, theirs_append))
    print(
        f"  of which liuquan stored the entries in {ours_store:.3f} s and hashed them into the tree "
        f"in {ours_integrate:.3f} s"
    )
    assert tree.root_at(n) == pm_tree.get_root(n)

    for label, size, pm in [(f"{n:,}", n, pm_tree)]:
        inc, con = proof_calls(size, args.queries, rng, True)
        pinc, pcon = proof_calls(size, args.pymerkle_queries, rng, False, pm)
        print(row(f"inclusion proof at {label} (median)", per_call(inc), per_call(pinc), "ms"))
        print(row(f"consistency proof at {label} (median)", per_call(con), per_call(pcon), "ms"))

    if args.big:
        big = args.big
        started = time.perf_counter()
        build_tiles(big)
        label = f"  (built the {big:,}-leaf tree's tiles in)"
        print(f"{label:<44} {time.perf_counter() - started:>12.1f} s")
        started = time.perf_counter()
        pm_big = pymerkle_tree(os.path.join(scratch, "pm10.db"), (b"%d" % i for i in range(big)))
        label = f"  (pymerkle appended {big:,} in)"
        print(f"{label:<44} {'':>12} {time.perf_counter() - started:>12.1f} s")
        assert tree.root_at(big) == pm_big.get_root(big)
        inc, con = proof_calls(big, args.queries, rng, True)
        pinc, pcon = proof_calls(big, args.pymerkle_queries, rng, False, pm_big)
        print(row(f"inclusion proof at {big:,} (median)", per_call(inc), per_call(pinc), "ms"))
        print(row(f"consistency proof at {big:,} (median)", per_call(con), per_call(pcon), "ms"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
