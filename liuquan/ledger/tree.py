"""The stored Merkle tree: integrating entries, proofs from the database, signed checkpoints, receipts.

Storage is a table of tiles (ledger/tiles.py) holding every complete-subtree hash. A proof at any size
needs at most 2·log2(n) of those hashes, which lie in at most two tiles per tile level; they are fetched
in ONE primary-key `IN` query, so a proof at 10M leaves costs one round trip and no hashing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liuquan.core import rows
from liuquan.core.errors import Conflict
from liuquan.ledger import keys, log, merkle, note, receipt, tiles
from liuquan.ledger.models import Checkpoint, Entry, Sequencer, TreeHead, TreeTile

logger = logging.getLogger(__name__)

INTEGRATE_BATCH = 20_000


def origin() -> str:
    """The log's name (C2SP origin): a schema-less URL naming this installation's log."""
    return settings.LIUQUAN_LEDGER_ORIGIN


def signer() -> note.Signer:
    return keys.signer(origin())


def verifier() -> note.Verifier:
    return signer().verifier()


def checkpoint_interval() -> timedelta:
    return timedelta(seconds=settings.LIUQUAN_CHECKPOINT_SECONDS)


# Reading stored subtrees ---------------------------------------------------------------------------


class MissingSubtree(RuntimeError):
    """A subtree the stored tree should hold is absent: storage is damaged, or the tree is smaller than
    this process last saw (a restored database)."""


def _load_tiles(keys_wanted: Iterable[int]) -> dict[int, bytes]:
    # Plain SQL on the hot path of every proof: the ORM's per-query overhead is most of a
    # millisecond, the primary-key lookup itself a few microseconds.
    wanted = list(set(keys_wanted))
    found: dict[int, bytes] = {}
    connection = transaction.get_connection()
    table = connection.ops.quote_name(TreeTile._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT key, hashes FROM {table} WHERE key IN ({marks})", chunk)  # noqa: S608
            found.update((key, bytes(blob)) for key, blob in cursor.fetchall())
    return found


def _fetch(positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of complete subtrees, from one query over their tiles."""
    located = {position: tiles.locate(*position) for position in positions}
    loaded = _load_tiles(key for key, _ in located.values())
    result = {}
    for position, (key, offset) in located.items():
        blob = loaded.get(key)
        digest = blob[offset : offset + tiles.HASH_SIZE] if blob is not None else b""
        if len(digest) != tiles.HASH_SIZE or digest == bytes(tiles.HASH_SIZE):
            raise MissingSubtree(f"subtree {position} is missing from {tiles.describe(key)}")
        result[position] = digest
    return result


def _with_stored(size: int, compute: Callable[[merkle.SubtreeLookup], object]) -> object:
    """Run a proof computation twice: once to learn which subtrees it needs, once with them fetched
    (one query). `size` is checked against the tree first."""
    global _known_size
    _require_within(size)
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(merkle.HASH_SIZE)

    compute(record)
    try:
        stored = _fetch(wanted)
    except MissingSubtree:
        # The tree may be smaller than this process last saw (a restored database): look again.
        _known_size = 0
        _require_within(size)  # raises ProofError if the tree is smaller than `size`
        stored = _fetch(wanted)  # still missing: storage is damaged, and MissingSubtree says where
    return compute(lambda level, index: stored[(level, index)])


def tree_size() -> int:
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size FROM {connection.ops.quote_name(TreeHead._meta.db_table)} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else TreeHead.row().size


# The tree only grows, so a size once seen needs no query again: a proof costs one round trip.
_known_size = 0


def _require_within(size: int) -> None:
    global _known_size
    if size <= _known_size:
        return
    current = tree_size()
    if size > current:
        integrate()
        current = tree_size()
    if size > current:
        raise merkle.ProofError(f"tree size {size} is beyond the log's {current} entries")
    _known_size = current


def root_at(size: int) -> bytes:
    result = _with_stored(size, lambda lookup: merkle.root(size, lookup))
    assert isinstance(result, bytes)
    return result


def inclusion_proof(index: int, size: int) -> list[bytes]:
    result = _with_stored(size, lambda lookup: merkle.inclusion_proof(index, size, lookup))
    assert isinstance(result, list)
    return result


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    result = _with_stored(size2, lambda lookup: merkle.consistency_proof(size1, size2, lookup))
    assert isinstance(result, list)
    return result


# Integrating entries -------------------------------------------------------------------------------


def integrate(batch: int = INTEGRATE_BATCH) -> int:
    """Hash every committed entry not yet in the tree into it; returns the new tree size.

    Idempotent and crash-safe: each batch is one transaction that moves the tree head, so a crash
    leaves the head where the stored subtrees end, and the next call resumes from the entries.
    """
    while True:
        with transaction.atomic():
            head = TreeHead.row(lock=True)
            fetched = list(
                Entry.objects.filter(index__gte=head.size)
                .order_by("index")
                .values_list("index", "data", "seal")[:batch]
            )
            rows = list(_sealed_prefix(fetched))
            if not rows:
                return head.size
            if rows[0][0] != head.size or rows[-1][0] != head.size + len(rows) - 1:
                raise RuntimeError(f"ledger entries are not dense after index {head.size}")
            positions = merkle.frontier_positions(head.size)
            stored = _fetch(positions)
            frontier = [stored[position] for position in positions]
            leaves = [merkle.leaf_hash(bytes(data)) for _, data in rows]
            frontier, runs = merkle.append_levels(head.size, frontier, leaves)
            _store_runs(runs)
            head.size += len(leaves)
            head.root = merkle.fold_frontier(frontier)
            head.integrated_at = timezone.now()
            head.save()
        if len(rows) < batch:
            return head.size


def _sealed_prefix(fetched: list[tuple[int, Any, Any]]) -> Iterable[tuple[int, bytes]]:
    """The entries up to the first without a valid seal (a row not written by the actions): the tree
    never takes it in, so no checkpoint covers it; `ledger verify` and `ledger checkpoint` name it."""
    for index, data, stored_seal in fetched:
        if not log.sealed_by_us(index, bytes(data), bytes(stored_seal)):
            logger.error(
                "ledger entry %s has no valid seal: not integrated (run liuquan ledger verify)", index
            )
            return
        yield index, bytes(data)


def first_unsealed() -> int | None:
    """The index of the first entry past the tree that integrate refuses (no valid seal), if any."""
    head = TreeHead.row()
    found = (
        Entry.objects.filter(index__gte=head.size)
        .order_by("index")
        .values_list("index", "data", "seal")
        .first()
    )
    if found is None or log.sealed_by_us(found[0], bytes(found[1]), bytes(found[2])):
        return None
    return int(found[0])


def _store_runs(runs: list[tuple[int, int, list[bytes]]]) -> None:
    """Write newly completed subtree hashes into their tiles, one slice per tile and level; the
    partial right-edge tiles are rewritten, the others are new rows."""
    pieces = tiles.place_runs(runs)
    touched = {key for key, _, _ in pieces}
    existing = _load_tiles(touched)
    buffers = {key: bytearray(existing.get(key) or bytes(tiles.TILE_BYTES)) for key in touched}
    for key, offset, blob in pieces:
        buffers[key][offset : offset + len(blob)] = blob
    TreeTile.objects.bulk_create(
        [TreeTile(key=key, hashes=bytes(buffer)) for key, buffer in buffers.items()],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["hashes"],
        batch_size=500,
    )


def maybe_integrate() -> None:
    """After an action commits: integrate and sign once enough entries or time have accumulated."""
    size, integrated_at, next_index = _progress()
    pending = next_index - size
    due = integrated_at is None or timezone.now() - integrated_at >= checkpoint_interval()
    if pending >= settings.LIUQUAN_CHECKPOINT_ENTRIES or (pending and due):
        integrate()
        try:
            sign_checkpoint()
        except SignerRefused as refused:  # after an action's commit: the action stands; verify names why
            logger.error("ledger checkpoint refused: %s", refused.message_en)


def _progress() -> tuple[int, datetime | None, int]:
    """(tree size, when it last grew, the sequencer's next index), in one plain query: every action's
    commit asks."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    head, sequencer = quote(TreeHead._meta.db_table), quote(Sequencer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.size, h.integrated_at, s.next_index FROM {head} h, {sequencer} s "  # noqa: S608
            "WHERE h.id = 1 AND s.id = 1"
        )
        found = cursor.fetchone()
    if found is None:  # a row not made yet (after a test flush): the models re-make them
        head_row = TreeHead.row()
        return head_row.size, head_row.integrated_at, Sequencer.row().next_index
    stamp = rows.convert(TreeHead._meta.get_field("integrated_at"), found[1], connection)
    return int(found[0]), stamp, int(found[2])


# Checkpoints and receipts --------------------------------------------------------------------------


class SignerRefused(Conflict):
    """The log in the database is not an extension of the last checkpoint this installation signed."""

    code = "ledger_inconsistent"


def memory_path() -> Path:
    """Where the signer keeps the last checkpoint it signed: outside the database (var/, and so in its
    backups), so that whoever rewrites the database cannot make it sign a second history."""
    configured = getattr(settings, "LIUQUAN_LEDGER_MEMORY", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "ledger-signed.note"


def remembered() -> note.Checkpoint | None:
    """The last checkpoint this installation signed, its signature checked; None before the first."""
    path = memory_path()
    if not path.exists():
        return None
    return open_checkpoint(path.read_text(encoding="utf-8"), verifier())


def _remember(text: str) -> None:
    """Keep `text` as the last signed checkpoint, unless a larger one is already kept (two signers racing
    never move the memory back): under a file lock, written to a fresh file, synced, then renamed."""
    path = memory_path()
    size = open_checkpoint(text, verifier()).size
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = remembered()
        if kept is not None and kept.size >= size:
            return
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def check_consistent_with_memory(size: int) -> None:
    """Refuse (SignerRefused) unless the tree of `size` entries extends the last signed checkpoint: its
    root at the remembered size is the remembered root."""
    last = remembered()
    if last is None:
        return
    if size < last.size or root_at(last.size) != last.root_hash:
        raise SignerRefused(
            f"账本与本系统最近签名的检查点（{last.size} 条）不一致，拒绝签名：数据库中的记录可能被改写",
            message_en=f"the log does not extend the last checkpoint this installation signed ({last.size} "
            "entries): refusing to sign",
            size=size,
            signed_size=last.size,
        )


def sign_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the current tree head if it grew (and, unless forced, the interval has passed), provided it
    extends the last checkpoint signed (SignerRefused otherwise: no second history is ever signed)."""
    size = integrate()
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is not None and latest.size >= size:
        return latest if force else None
    if not force and latest is not None and timezone.now() - latest.signed_at < checkpoint_interval():
        pending = size - latest.size
        if pending < settings.LIUQUAN_CHECKPOINT_ENTRIES:
            return None
    check_consistent_with_memory(size)
    root = root_at(size)
    body = note.Checkpoint(origin=origin(), size=size, root_hash=root).format()
    with transaction.atomic():
        checkpoint, made = Checkpoint.objects.get_or_create(
            size=size, defaults={"root": root, "note": signer().sign(body), "signed_at": timezone.now()}
        )
        if made:
            _remember(checkpoint.note)
    return checkpoint


def latest_checkpoint(*, covering: int | None = None) -> Checkpoint:
    """The newest checkpoint (signing one if there is none, or none covers entry `covering` yet)."""
    needed = 0 if covering is None else covering + 1
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is None or latest.size < needed:
        latest = sign_checkpoint(force=True)
    if latest is None or latest.size < needed:
        raise merkle.ProofError(f"entry {covering} is not in the log yet")
    return latest


def open_checkpoint(text: str, verifier: note.Verifier) -> note.Checkpoint:
    body, _ = note.open_note(text, [verifier])
    return note.Checkpoint.parse(body)


def receipt_for(index: int) -> str:
    """A C2SP tlog-proof for entry `index` against the newest checkpoint; verifiable offline."""
    entry = Entry.objects.filter(index=index).values_list("data", flat=True).first()
    if entry is None:
        raise merkle.ProofError(f"no ledger entry {index}")
    checkpoint = latest_checkpoint(covering=index)
    proof = inclusion_proof(index, checkpoint.size)
    return receipt.make_receipt(bytes(entry), index, proof, checkpoint.note)


def latest_entry_index(subject_type: str, subject_id: str) -> int | None:
    return (
        Entry.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("-index")
        .values_list("index", flat=True)
        .first()
    )
