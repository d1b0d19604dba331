"""`liuquan ledger verify`: the log against itself, its checkpoints, and the live database.

Three questions, each answered from storage alone:
1. Do the stored entries, tree nodes and root agree (every leaf re-hashed, the root recomputed)?
2. Does every checkpoint carry a valid signature over the root the entries give at its size?
3. Does every ledgered record still have the state its latest entry records? A direct database edit
   shows up as a finding naming the table, the record id and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Max

from liuquan.core.actions import DELETED, SEALED
from liuquan.ledger import log, merkle, tiles, tree
from liuquan.ledger.models import Checkpoint, Entry, TreeHead, TreeTile

CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    kind: str  # "tree", "checkpoint", "entry" or "record"
    table: str
    record_id: str
    field: str
    detail: str

    def line(self) -> str:
        where = f"{self.table} id={self.record_id}" if self.record_id else self.table
        return f"{self.kind}: {where}{' field ' + self.field if self.field else ''}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def ledgered_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if hasattr(model, "ledger_fields")]


COLUMNS = ("index", "data", "subject_type", "subject_id", "action", "at", "actor_id", "seal")


def _entry_batches() -> Iterator[list[tuple[Any, ...]]]:
    last = -1
    while True:
        batch = list(Entry.objects.filter(index__gt=last).order_by("index").values_list(*COLUMNS)[:CHUNK])
        if not batch:
            return
        yield [(row[0], bytes(row[1]), *row[2:]) for row in batch]
        last = batch[-1][0]


def _check_columns(
    row: tuple[Any, ...], leaf: dict[str, Any], pseudonyms: dict[int, str], findings: list[Finding]
) -> None:
    """The columns stored beside a leaf (what the record index and the pages read) against the leaf:
    a re-tagged subject, action, time or actor is a finding naming the entry."""
    index, data, subject_type, subject_id, action, at, actor_id, stored_seal = row
    if not log.sealed_by_us(index, data, bytes(stored_seal)):
        findings.append(
            Finding(
                "entry",
                "ledger_entry",
                str(index),
                "seal",
                "no valid seal: the row was not written by liuquan's actions (the key is outside the database)",
            )
        )
    found = leaf.get("subject")
    subject: dict[str, Any] = found if isinstance(found, dict) else {}
    if actor_id not in pseudonyms:
        pseudonyms[actor_id] = log.pseudonym(actor_id)
    try:
        leaf_time = datetime.fromisoformat(str(leaf.get("time")))
    except ValueError:
        leaf_time = None
    checks = (
        ("subject_type", subject_type, subject.get("type")),
        ("subject_id", subject_id, subject.get("id")),
        ("action", action, leaf.get("action")),
        ("actor_id", pseudonyms[actor_id], leaf.get("actor")),
        ("at", at, leaf_time),
    )
    for column, stored, in_leaf in checks:
        if stored != in_leaf:
            findings.append(
                Finding(
                    "entry",
                    "ledger_entry",
                    str(index),
                    column,
                    f"column has {stored!r}, the leaf has {in_leaf!r}",
                )
            )


def _rebuild(limit: int, findings: list[Finding]) -> tuple[int, bytes, dict[int, bytearray]]:
    """Re-hash the first `limit` entries into fresh tiles (the same writer the integrator uses);
    note gaps and leaves that do not decode to their own index."""
    frontier: list[bytes] = []
    rebuilt: dict[int, bytearray] = {}
    pseudonyms: dict[int, str] = {}
    expected = 0
    for batch in _entry_batches():
        leaves: list[bytes] = []
        for row in batch[: max(0, limit - expected)]:
            index, data = row[0], row[1]
            if index != expected + len(leaves):
                findings.append(
                    Finding(
                        "entry",
                        "ledger_entry",
                        str(expected + len(leaves)),
                        "index",
                        f"missing; the next stored entry is {index}",
                    )
                )
                break
            try:
                decoded = json.loads(data)
            except ValueError:
                decoded = None
            if not isinstance(decoded, dict) or decoded.get("index") != index:
                findings.append(
                    Finding(
                        "entry",
                        "ledger_entry",
                        str(index),
                        "data",
                        "leaf bytes do not decode to the entry with this index",
                    )
                )
            else:
                _check_columns(row, decoded, pseudonyms, findings)
            leaves.append(merkle.leaf_hash(data))
        frontier, runs = merkle.append_levels(expected, frontier, leaves)
        expected += len(leaves)
        for key, offset, blob in tiles.place_runs(runs):
            tile = rebuilt.setdefault(key, bytearray(tiles.TILE_BYTES))
            tile[offset : offset + len(blob)] = blob
        if expected >= limit or len(leaves) < len(batch):
            break
    return expected, merkle.fold_frontier(frontier), rebuilt


def verify_tree() -> tuple[int, list[Finding], dict[int, bytearray]]:
    """Re-hash the entries the stored tree covers, rebuild its tiles and root, compare with storage."""
    findings: list[Finding] = []
    head = TreeHead.row()
    size, root, rebuilt = _rebuild(head.size, findings)
    refused = tree.first_unsealed()
    if refused is not None:
        findings.append(
            Finding(
                "entry",
                "ledger_entry",
                str(refused),
                "seal",
                "no valid seal: not taken into the tree (the row was not written by liuquan's actions)",
            )
        )
    if size < head.size:
        findings.append(
            Finding("tree", "ledger_treehead", "1", "size", f"tree size {head.size} > {size} entries")
        )
        return size, findings, rebuilt
    stored = 0
    for key, blob in TreeTile.objects.values_list("key", "hashes").iterator(chunk_size=500):
        stored += 1
        if key not in rebuilt or bytes(rebuilt[key]) != bytes(blob):
            findings.append(
                Finding(
                    "tree",
                    "ledger_treetile",
                    tiles.describe(key),
                    "hashes",
                    "stored subtree hashes differ from the ones the entries give",
                )
            )
            findings.extend(_changed_leaves(key, bytes(blob), rebuilt.get(key)))
    if stored < len(rebuilt):
        findings.append(Finding("tree", "ledger_treetile", "", "", f"{len(rebuilt) - stored} tiles missing"))
    if head.size and root != bytes(head.root):
        findings.append(
            Finding("tree", "ledger_treehead", "1", "root", "stored root differs from the entries")
        )
    return size, findings, rebuilt


def _changed_leaves(key: int, stored: bytes, rebuilt: bytearray | None) -> list[Finding]:
    """The entries whose leaf hash, kept in a bottom tile when they were integrated, differs from the
    leaf stored now: an entry rewritten after it was hashed, named exactly (not only by its tile)."""
    if rebuilt is None or key >> tiles.KEY_SHIFT != 0:
        return []
    first = (key & ((1 << tiles.KEY_SHIFT) - 1)) * tiles.WIDTH
    found = []
    for slot in range(tiles.WIDTH):
        at = slot * tiles.HASH_SIZE
        was, now = stored[at : at + tiles.HASH_SIZE], bytes(rebuilt[at : at + tiles.HASH_SIZE])
        if was != now and was != bytes(tiles.HASH_SIZE):
            found.append(
                Finding(
                    "entry",
                    "ledger_entry",
                    str(first + slot),
                    "data",
                    "the leaf differs from the one hashed into the tree when it was integrated",
                )
            )
    return found


def _root_in(rebuilt: dict[int, bytearray], size: int) -> bytes:
    def lookup(level: int, index: int) -> bytes:
        key, offset = tiles.locate(level, index)
        return bytes(rebuilt[key][offset : offset + tiles.HASH_SIZE])

    return merkle.root(size, lookup)


def verify_checkpoints(rebuilt: dict[int, bytearray], size: int) -> list[Finding]:
    """Each checkpoint's signature, and its root against the root the entries give at its size."""
    findings: list[Finding] = []
    verifier = tree.verifier()
    for checkpoint in Checkpoint.objects.order_by("size").iterator():
        try:
            parsed = tree.open_checkpoint(checkpoint.note, verifier)
        except ValueError as exc:
            findings.append(
                Finding("checkpoint", "ledger_checkpoint", str(checkpoint.size), "note", str(exc))
            )
            continue
        expected = _root_in(rebuilt, checkpoint.size) if checkpoint.size <= size else None
        if parsed.size != checkpoint.size or parsed.root_hash != bytes(checkpoint.root):
            findings.append(
                Finding(
                    "checkpoint",
                    "ledger_checkpoint",
                    str(checkpoint.size),
                    "root",
                    "signed note does not match the stored size and root",
                )
            )
        elif expected is None:
            findings.append(
                Finding(
                    "checkpoint",
                    "ledger_checkpoint",
                    str(checkpoint.size),
                    "size",
                    f"signed for {checkpoint.size} entries but the log holds {size}",
                )
            )
        elif expected != parsed.root_hash:
            findings.append(
                Finding(
                    "checkpoint",
                    "ledger_checkpoint",
                    str(checkpoint.size),
                    "root",
                    "signed root differs from the root the entries give at this size",
                )
            )
    return findings


def verify_records() -> tuple[int, list[Finding]]:
    """Recompute each ledgered record's state and compare it with its latest entry."""
    findings: list[Finding] = []
    checked = 0
    for model in ledgered_models():
        label = model._meta.label
        table = model._meta.db_table
        latest = dict(
            Entry.objects.filter(subject_type=label)
            .values("subject_id")
            .annotate(last=Max("index"))
            .values_list("subject_id", "last")
        )
        related = [field.name for field in model._meta.fields if field.is_relation]
        related += getattr(model, "ledger_related", ())  # what ledger_fields reads further away
        seen: set[str] = set()
        rows = model._default_manager.select_related(*related).order_by("pk")
        for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
            wanted = [latest[str(obj.pk)] for obj in chunk if str(obj.pk) in latest]
            entries = Entry.objects.in_bulk(wanted)
            for obj in chunk:
                checked += 1
                record_id = str(obj.pk)
                seen.add(record_id)
                index = latest.get(record_id)
                if index is None:
                    if getattr(obj, "ledger_initial", lambda: False)():
                        continue  # bookkeeping rows at the state the migration gave them
                    findings.append(
                        Finding(
                            "record", table, record_id, "", "not on the ledger (written outside the actions)"
                        )
                    )
                    continue
                findings.extend(_compare(obj, table, record_id, entries[index]))
        missing = sorted(set(latest) - seen, key=lambda value: (len(value), value))
        deleted = {
            index
            for index, entry in Entry.objects.in_bulk([latest[m] for m in missing]).items()
            if entry.state == DELETED
        }
        for record_id in missing:
            if latest[record_id] in deleted:
                continue
            findings.append(
                Finding("record", table, record_id, "", "on the ledger but missing from the database")
            )
    return checked, findings


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _compare(obj: Any, table: str, record_id: str, entry: Entry) -> list[Finding]:
    findings: list[Finding] = []
    public, private = obj.ledger_fields()
    try:
        recorded = entry.content
    except ValueError:
        recorded = None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("state", {}), dict):
        return [Finding("record", table, record_id, "", f"entry #{entry.index} is not a readable leaf")]
    state: dict[str, Any] = recorded.get("state", {})
    if public == SEALED and state != SEALED:
        # Recorded before such records were sealed, its fields in clear: the same record, checked as it
        # was then written (the log is append-only; its next change is recorded sealed).
        public, private = private["fields"], private["private"]
    normalised = json.loads(log.canonical(public))
    for name in sorted(set(state) | set(normalised)):
        if state.get(name) != normalised.get(name):
            findings.append(
                Finding(
                    "record",
                    table,
                    record_id,
                    name,
                    f"database has {normalised.get(name)!r}, entry #{entry.index} has {state.get(name)!r}",
                )
            )
    committed = recorded.get("private")
    if private and committed != log.commitment(bytes(entry.private_salt), private):
        findings.append(
            Finding(
                "record",
                table,
                record_id,
                "/".join(sorted(private)),
                f"private fields differ from the commitment in entry #{entry.index}",
            )
        )
    return findings


def verify_memory(rebuilt: dict[int, bytearray], size: int) -> list[Finding]:
    """The log against the last checkpoint the signer remembers (kept outside the database): a
    truncated or rewritten history no longer gives the root it signed."""
    try:
        last = tree.remembered()
    except ValueError as exc:
        return [Finding("checkpoint", str(tree.memory_path()), "", "note", f"unreadable: {exc}")]
    if last is None:
        return []
    where = str(tree.memory_path())
    if last.size > size:
        return [
            Finding(
                "checkpoint",
                where,
                str(last.size),
                "size",
                f"this installation signed {last.size} entries but the log holds {size}",
            )
        ]
    if _root_in(rebuilt, last.size) != last.root_hash:
        return [
            Finding(
                "checkpoint",
                where,
                str(last.size),
                "root",
                "the entries no longer give the root this installation signed at this size",
            )
        ]
    return []


def verify_all() -> dict[str, Any]:
    """Everything `liuquan ledger verify` reports."""
    tree.integrate()
    size, findings, rebuilt = verify_tree()
    findings += verify_checkpoints(rebuilt, size)
    findings += verify_memory(rebuilt, size)
    checked, record_findings = verify_records()
    findings += record_findings
    return {
        "entries": size,
        "checkpoints": Checkpoint.objects.count(),
        "records": checked,
        "findings": [finding.as_dict() for finding in findings],
        "lines": [f.line() for f in findings],
    }
