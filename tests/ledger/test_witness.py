"""The witness (liuquan-witness, C2SP tlog-witness and tlog-cosignature): it cosigns only checkpoints
that extend what it cosigned before, so a log that shows two histories — even one signed with the log's
own key by an insider — never gets its cosignature on both; the log keeps the cosignatures it gets, and a
receipt carries them for liuquan-verify --witness-key."""

from __future__ import annotations

import threading
from pathlib import Path
from wsgiref.simple_server import make_server

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from liuquan.ledger import note, queries, tree, witness, witnessing
from liuquan.ledger.merkle import leaf_hash, root_from_leaf_hashes
from liuquan.ledger.offline import main as verify_main
from liuquan.org import actions as org_actions
from tests.ledger.test_merkle import naive_proof

ORIGIN = "liuquan.test/ledger"
NOW = 1_781_000_000  # the witness's clock in these tests (a fixed instant)


@pytest.fixture
def log_signer() -> note.Signer:
    return note.generate_signer(ORIGIN)


@pytest.fixture
def the_witness(tmp_path: Path, log_signer: note.Signer) -> witness.Witness:
    witness.init(tmp_path / "w", "witness.test/jiwei")
    return witness.Witness(tmp_path / "w", [log_signer.verifier()], clock=lambda: NOW)


def checkpoint(signer: note.Signer, hashes: list[bytes]) -> str:
    return signer.sign(note.Checkpoint(ORIGIN, len(hashes), root_from_leaf_hashes(hashes)).format())


def request(old: int, proof: list[bytes], signed: str) -> bytes:
    return ("\n".join([f"old {old}", *(note.b64encode(item) for item in proof)]) + "\n\n" + signed).encode()


def hashes(n: int, tag: bytes = b"") -> list[bytes]:
    return [leaf_hash(tag + i.to_bytes(4, "big")) for i in range(n)]


def test_the_witness_cosigns_an_extending_checkpoint(the_witness, log_signer):
    first = checkpoint(log_signer, hashes(5))
    answer = the_witness.add_checkpoint(request(0, [], first))
    assert answer.status == 200 and answer.body.startswith("— witness.test/jiwei ")
    # The cosignature checked with nothing but the spec and `cryptography`.
    blob = note.strict_b64decode(answer.body.split(" ")[2].strip())
    key = the_witness.cosigner.public
    assert int.from_bytes(blob[:4], "big") == key.key_id and int.from_bytes(blob[4:12], "big") == NOW
    text = first[: first.index("\n\n") + 1]
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(
        blob[12:], f"cosignature/v1\ntime {NOW}\n{text}".encode()
    )
    assert key.timestamp_of(first + answer.body) == NOW
    second = checkpoint(log_signer, hashes(9))
    answer = the_witness.add_checkpoint(request(5, naive_proof(5, hashes(9)), second))
    assert answer.status == 200
    assert the_witness.latest(ORIGIN) == (9, root_from_leaf_hashes(hashes(9)))


def test_the_witness_refuses_an_equivocating_checkpoint(the_witness, log_signer):
    """An insider with the log's signing key shows a rewritten history: same sizes, other roots."""
    honest = hashes(9)
    forked = hashes(3) + hashes(6, b"forged")
    assert the_witness.add_checkpoint(request(0, [], checkpoint(log_signer, honest[:5]))).status == 200
    assert (
        the_witness.add_checkpoint(request(5, naive_proof(5, honest), checkpoint(log_signer, honest))).status
        == 200
    )
    # The same size with another root.
    answer = the_witness.add_checkpoint(request(9, [], checkpoint(log_signer, forked)))
    assert (answer.status, answer.body, answer.content_type) == (409, "9\n", "text/x.tlog.size")
    # A larger forked tree, with the forked tree's own proof from 9: the proof cannot reach the root it saw.
    grown = forked + hashes(3, b"more")
    answer = the_witness.add_checkpoint(request(9, naive_proof(9, grown), checkpoint(log_signer, grown)))
    assert answer.status == 422
    # An old size that is not the one it holds.
    answer = the_witness.add_checkpoint(request(5, naive_proof(5, grown), checkpoint(log_signer, grown)))
    assert (answer.status, answer.body) == (409, "9\n")
    assert the_witness.latest(ORIGIN) == (9, root_from_leaf_hashes(honest))


def test_the_witness_answers_bad_requests_as_the_spec_says(the_witness, log_signer):
    signed = checkpoint(log_signer, hashes(4))
    stranger = note.generate_signer("other.test/log")
    impostor = note.generate_signer(ORIGIN)  # the right name, another key
    other_log = stranger.sign(note.Checkpoint("other.test/log", 4, root_from_leaf_hashes(hashes(4))).format())
    assert the_witness.add_checkpoint(request(0, [], other_log)).status == 404
    assert the_witness.add_checkpoint(request(0, [], checkpoint(impostor, hashes(4)))).status == 403
    assert the_witness.add_checkpoint(request(5, [], signed)).status == 400
    assert the_witness.add_checkpoint(b"old 01\n\n" + signed.encode()).status == 400
    assert the_witness.add_checkpoint(b"new 0\n\n" + signed.encode()).status == 400
    assert the_witness.add_checkpoint(request(0, hashes(1), signed)).status == 422
    assert the_witness.latest(ORIGIN) == (0, b"")


def test_the_log_gets_its_checkpoints_cosigned_and_receipts_carry_them(world, settings, tmp_path, capsys):
    local = witness.init(tmp_path / "jiwei", "witness.test/jiwei")
    follower = witness.Witness(tmp_path / "jiwei", [tree.verifier()])
    server = make_server("127.0.0.1", 0, witness.wsgi_app(follower))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.LIUQUAN_LEDGER_WITNESSES = (
            f"http://127.0.0.1:{server.server_port}/add-checkpoint {local.public.key}"
        )
        for round_ in range(2):
            org_actions.do_create_post(
                actor=world.system, unit=world.dept_a, name=f"岗{round_}", kind="general"
            )
            signed = tree.sign_checkpoint(force=True)
            assert signed is not None
            outcomes = witnessing.cosign(signed)
            assert [outcome.cosigned for outcome in outcomes] == [True], outcomes
            assert follower.latest(tree.origin())[0] == signed.size
            size = signed.size
        receipt_file = tmp_path / "receipt.txt"
        receipt_file.write_text(queries.receipt(size - 1), encoding="utf-8")
        code = verify_main(
            [str(receipt_file), "--key", tree.verifier().key, "--witness-key", local.public.key]
        )
        out = capsys.readouterr().out
        assert code == 0 and "cosigned by witness.test/jiwei" in out
        stranger = witness.init(tmp_path / "other", "witness.test/other").public.key
        assert verify_main([str(receipt_file), "--key", tree.verifier().key, "--witness-key", stranger]) == 1
    finally:
        server.shutdown()
        server.server_close()
