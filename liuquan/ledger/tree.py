"""The stored Merkle tree: integrating entries, proofs from the database, signed checkpoints, receipts.

Storage is the table of complete-subtree hashes (TreeNode). A proof at any size needs at most
2·log2(n) of them; they are fetched in ONE primary-key `IN` query, so a proof at 10M leaves costs one
round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liuquan.ledger import keys, merkle, note, receipt
from liuquan.ledger.models import Checkpoint, Entry, Sequencer, TreeHead, TreeNode

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


def _fetch(positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    keys_wanted = {TreeNode.key_of(level, index): (level, index) for level, index in positions}
    if not keys_wanted:
        return {}
    found = dict(TreeNode.objects.filter(key__in=list(keys_wanted)).values_list("key", "hash"))
    missing = set(keys_wanted) - set(found)
    if missing:
        raise RuntimeError(
            f"{len(missing)} subtree hashes are missing from storage; run `liuquan ledger verify`"
        )
    return {keys_wanted[key]: bytes(value) for key, value in found.items()}


def _with_stored(compute: Callable[[merkle.SubtreeLookup], object]) -> object:
    """Run a proof computation twice: once to learn which subtrees it needs, once with them fetched."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(merkle.HASH_SIZE)

    compute(record)
    stored = _fetch(wanted)
    return compute(lambda level, index: stored[(level, index)])


def tree_size() -> int:
    return TreeHead.row().size


def _require_within(size: int) -> None:
    current = tree_size()
    if size > current:
        integrate()
        current = tree_size()
    if size > current:
        raise merkle.ProofError(f"tree size {size} is beyond the log's {current} entries")


def root_at(size: int) -> bytes:
    _require_within(size)
    result = _with_stored(lambda lookup: merkle.root(size, lookup))
    assert isinstance(result, bytes)
    return result


def roots_at(sizes: Iterable[int]) -> dict[int, bytes]:
    return {size: root_at(size) for size in sizes}


def inclusion_proof(index: int, size: int) -> list[bytes]:
    _require_within(size)
    result = _with_stored(lambda lookup: merkle.inclusion_proof(index, size, lookup))
    assert isinstance(result, list)
    return result


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    _require_within(size2)
    result = _with_stored(lambda lookup: merkle.consistency_proof(size1, size2, lookup))
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
            rows = list(
                Entry.objects.filter(index__gte=head.size)
                .order_by("index")
                .values_list("index", "data")[:batch]
            )
            if not rows:
                return head.size
            if rows[0][0] != head.size or rows[-1][0] != head.size + len(rows) - 1:
                raise RuntimeError(f"ledger entries are not dense after index {head.size}")
            frontier = (
                merkle.Frontier.restore(
                    head.size, lambda level, index: _fetch([(level, index)])[(level, index)]
                )
                if head.size
                else merkle.Frontier()
            )
            nodes = frontier.append([merkle.leaf_hash(bytes(data)) for _, data in rows])
            TreeNode.objects.bulk_create(
                [TreeNode(key=TreeNode.key_of(n.level, n.index), hash=n.hash) for n in nodes], batch_size=5000
            )
            head.size = frontier.size
            head.root = frontier.root()
            head.integrated_at = timezone.now()
            head.save()
        if len(rows) < batch:
            return head.size


def maybe_integrate() -> None:
    """After an action commits: integrate and sign once enough entries or time have accumulated."""
    head = TreeHead.row()
    pending = Sequencer.row().next_index - head.size
    due = head.integrated_at is None or timezone.now() - head.integrated_at >= checkpoint_interval()
    if pending >= settings.LIUQUAN_CHECKPOINT_ENTRIES or (pending and due):
        integrate()
        sign_checkpoint()


# Checkpoints and receipts --------------------------------------------------------------------------


def sign_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the current tree head if it grew (and, unless forced, the interval has passed)."""
    size = integrate()
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is not None and latest.size >= size:
        return latest if force else None
    if not force and latest is not None and timezone.now() - latest.signed_at < checkpoint_interval():
        pending = size - latest.size
        if pending < settings.LIUQUAN_CHECKPOINT_ENTRIES:
            return None
    root = root_at(size)
    body = note.Checkpoint(origin=origin(), size=size, root_hash=root).format()
    with transaction.atomic():
        checkpoint, _ = Checkpoint.objects.get_or_create(
            size=size, defaults={"root": root, "note": signer().sign(body), "signed_at": timezone.now()}
        )
    return checkpoint


def latest_checkpoint(*, covering: int = 0) -> Checkpoint:
    """The newest checkpoint, signing a new one when none covers entry `covering` yet."""
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is None or latest.size <= covering:
        latest = sign_checkpoint(force=True)
    if latest is None or latest.size <= covering:
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
