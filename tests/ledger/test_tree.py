"""The stored tree: integration from entries, proofs from the database, checkpoints."""

from __future__ import annotations

import pytest

from liuquan.ledger import merkle, note, tree
from liuquan.ledger.models import Checkpoint, Entry, TreeHead, TreeTile
from liuquan.org.factories import UnitFactory


def leaf_hashes() -> list[bytes]:
    return [
        merkle.leaf_hash(bytes(data))
        for data in Entry.objects.order_by("index").values_list("data", flat=True)
    ]


def test_integration_reproduces_the_reference_root_at_every_size(world):
    size = tree.integrate()
    hashes = leaf_hashes()
    assert size == len(hashes) == TreeHead.row().size
    assert bytes(TreeHead.row().root) == merkle.root_from_leaf_hashes(hashes)
    for partial in (1, 2, 3, 7, size // 2, size):
        assert tree.root_at(partial) == merkle.root_from_leaf_hashes(hashes[:partial])


def test_integration_in_batches_equals_one_batch_and_is_idempotent(world):
    tree.integrate(batch=3)
    stored = dict(TreeTile.objects.values_list("key", "hashes"))
    assert tree.integrate(batch=3) == len(leaf_hashes())
    assert dict(TreeTile.objects.values_list("key", "hashes")) == stored
    size_before = TreeHead.row().size
    UnitFactory.create_batch(5, region=world.city)  # entries committed but not yet in the tree
    assert TreeHead.row().size == size_before
    size = tree.integrate(batch=2)
    assert bytes(TreeHead.row().root) == merkle.root_from_leaf_hashes(leaf_hashes()) and size == len(
        leaf_hashes()
    )


def test_proofs_from_the_database_verify(world):
    UnitFactory.create_batch(7, region=world.city)
    size = tree.integrate()
    hashes = leaf_hashes()
    root = merkle.root_from_leaf_hashes(hashes)
    for index in (0, 1, size // 3, size - 1):
        merkle.verify_inclusion(index, size, hashes[index], tree.inclusion_proof(index, size), root)
    for size1 in (1, 5, size // 2, size - 1, size):
        merkle.verify_consistency(
            size1,
            size,
            merkle.root_from_leaf_hashes(hashes[:size1]),
            root,
            tree.consistency_proof(size1, size),
        )


def test_a_proof_beyond_the_log_is_refused(world):
    size = tree.integrate()
    with pytest.raises(merkle.ProofError, match="beyond"):
        tree.inclusion_proof(0, size + 1)
    with pytest.raises(merkle.ProofError):
        tree.inclusion_proof(size, size)


def test_checkpoints_are_signed_notes_over_the_stored_root(world, settings):
    checkpoint = tree.sign_checkpoint(force=True)
    assert checkpoint is not None
    body, signers = note.open_note(checkpoint.note, [tree.verifier()])
    parsed = note.Checkpoint.parse(body)
    assert signers == [settings.LIUQUAN_LEDGER_ORIGIN]
    assert (parsed.origin, parsed.size, parsed.root_hash) == (
        tree.origin(),
        checkpoint.size,
        bytes(checkpoint.root),
    )
    # Not due yet (interval not passed, few new entries): no new checkpoint unless forced.
    UnitFactory.create(region=world.city)
    assert tree.sign_checkpoint() is None
    forced = tree.sign_checkpoint(force=True)
    assert forced is not None and forced.size == checkpoint.size + 1
    assert Checkpoint.objects.count() == 2


def test_a_new_checkpoint_is_due_after_enough_entries(world, settings):
    tree.sign_checkpoint(force=True)
    settings.LIUQUAN_CHECKPOINT_ENTRIES = 3
    UnitFactory.create_batch(3, region=world.city)
    assert tree.sign_checkpoint() is not None


def test_the_key_id_follows_the_c2sp_rule(db):
    key = tree.verifier().key
    name, key_id, _ = key.split("+", 2)
    verifier = note.Verifier.from_key(key)
    assert name == tree.origin() and int(key_id, 16) == verifier.key_id
