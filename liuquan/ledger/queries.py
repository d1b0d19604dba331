"""Public reads of the ledger (every entry is public by construction)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from liuquan.core.errors import InvalidInput, NotFound
from liuquan.ledger import log, merkle, tiles, tlog, tree
from liuquan.ledger.models import Checkpoint, Entry, Sequencer, TreeHead, TreeTile

MAX_PAGE = 1000


def entry_count() -> int:
    return Sequencer.row().next_index


def entries(start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries [start, end), at most 1,000 from `start`: `end` is clipped to that and to the number of
    entries (a reader asking past the end gets what there is, as a tlog-tiles client expects)."""
    if start < 0 or end <= start:
        raise InvalidInput(
            f"需要 0 ≤ start < end（得到 start={start}, end={end}）",
            message_en=f"need 0 <= start < end (got start={start}, end={end})",
            field="start",
        )
    end = min(end, start + MAX_PAGE)
    rows = (
        Entry.objects.filter(index__gte=start, index__lt=end).order_by("index").values_list("index", "data")
    )
    return [(index, bytes(data)) for index, data in rows]


def _proof_error(exc: merkle.ProofError) -> InvalidInput:
    return InvalidInput(
        f"无法给出证明：{exc}", message_en=f"cannot give this proof: {exc}", code="invalid_proof_request"
    )


def inclusion(index: int, size: int) -> list[bytes]:
    try:
        return tree.inclusion_proof(index, size)
    except merkle.ProofError as exc:
        raise _proof_error(exc) from None


def consistency(size1: int, size2: int) -> list[bytes]:
    try:
        return tree.consistency_proof(size1, size2)
    except merkle.ProofError as exc:
        raise _proof_error(exc) from None


def current_checkpoint() -> Checkpoint:
    """The newest signed checkpoint, after integrating and signing whatever is due."""
    tree.sign_checkpoint()
    return tree.latest_checkpoint()


def receipt(index: int) -> str:
    if not Entry.objects.filter(index=index).exists():
        raise NotFound(f"没有第 {index} 号记录", message_en=f"no ledger entry {index}", field="index")
    return tree.receipt_for(index)


def latest_entry(subject_type: str, subject_id: str) -> int:
    index = tree.latest_entry_index(subject_type, subject_id)
    if index is None:
        raise NotFound(
            f"{subject_type}:{subject_id} 没有公开记录",
            message_en=f"{subject_type}:{subject_id} has no ledger entry",
            field="record",
        )
    return index


def tlog_tile(path: str) -> tuple[bytes, bool]:
    """A C2SP tlog-tiles resource under tile/ (see ledger/tlog.py): its bytes and whether it is full
    (never changes). NotFound for a malformed path or for hashes or entries the tree does not hold yet."""
    try:
        wanted = tlog.parse(path)
    except ValueError as exc:
        raise NotFound(f"没有这个分片：{exc}", message_en=f"no such tile: {exc}", path=path) from None
    size = TreeHead.row().size
    first = wanted.index * tlog.WIDTH
    available = size if wanted.level is None else size >> (tiles.HEIGHT * wanted.level)
    if first + wanted.width > available:
        raise NotFound(
            "该分片尚未形成", message_en="the tree does not hold this tile yet", path=path, size=size
        )
    if wanted.level is None:
        rows = (
            Entry.objects.filter(index__gte=first, index__lt=first + wanted.width)
            .order_by("index")
            .values_list("data", flat=True)
        )
        body = tlog.bundle([bytes(data) for data in rows])
    else:
        key = (wanted.level << tiles.KEY_SHIFT) | wanted.index
        stored = TreeTile.objects.filter(key=key).values_list("hashes", flat=True).first()
        if stored is None:
            raise NotFound("该分片尚未形成", message_en="the tree does not hold this tile yet", path=path)
        body = bytes(stored)[: wanted.width * tiles.HASH_SIZE]
    return body, wanted.width == tlog.WIDTH


def recorded_states(subject_type: str, subject_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The state each record last had on the ledger, read from the leaves the installation sealed that
    name the record: a row inserted or re-tagged with database access alone does not count (a record
    whose every entry is unusable is left out)."""
    found: dict[str, dict[str, Any]] = {}
    for subject_id in subject_ids:
        rows = (
            Entry.objects.filter(subject_type=subject_type, subject_id=subject_id)
            .order_by("-index")
            .values_list("index", "data", "seal")
        )
        for index, data, seal in rows.iterator(chunk_size=20):
            data = bytes(data)
            if not log.sealed_by_us(index, data, bytes(seal)):
                continue
            try:
                leaf = json.loads(data)
            except ValueError:
                continue
            if not isinstance(leaf, dict) or leaf.get("subject") != {"type": subject_type, "id": subject_id}:
                continue
            if isinstance(leaf.get("state"), dict):
                found[subject_id] = leaf["state"]
                break
    return found
