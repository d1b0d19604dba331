"""The public ledger API and the portal's "verify this record" receipts."""

from __future__ import annotations

import base64

import pytest

from liuquan.core.testing import api_json
from liuquan.ledger import merkle, note, offline, receipt, tree
from liuquan.ledger.models import Entry


def b64(items):
    return [base64.b64decode(item) for item in items]


def test_checkpoint_and_key_are_plain_text_and_verify(world, client):
    response = client.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    key = client.get("/api/v1/ledger/key").content.decode().strip()
    body, _ = note.open_note(response.content.decode(), [note.Verifier.from_key(key)])
    checkpoint = note.Checkpoint.parse(body)
    assert checkpoint.size == Entry.objects.count()


def test_entries_pages_give_the_exact_leaf_bytes(world, client):
    response = client.get("/api/v1/ledger/entries?start=2&end=5")
    rows = api_json(response)["entries"]
    assert [row["index"] for row in rows] == [2, 3, 4]
    assert base64.b64decode(rows[0]["data"]) == bytes(Entry.objects.get(index=2).data)
    count = Entry.objects.count()
    clipped = api_json(client.get(f"/api/v1/ledger/entries?start={count - 1}&end={count + 5000}"))["entries"]
    assert [row["index"] for row in clipped] == [count - 1]  # past the size: what there is
    page = api_json(client.get("/api/v1/ledger/entries?start=0&end=1000000"))["entries"]
    assert [row["index"] for row in page] == list(range(min(count, 1000)))  # at most 1,000 a page


@pytest.mark.parametrize("query", ["start=-1&end=3", "start=5&end=5", "start=a&end=3", "end=3"])
def test_bad_entry_ranges_are_clear_400s(world, client, query):
    response = client.get(f"/api/v1/ledger/entries?{query}")
    assert response.status_code == 400
    body = api_json(response)
    assert body["error"] == "invalid" and body["message"]


def test_proofs_over_the_api_verify(world, client):
    size = api_json(client.get("/api/v1/ledger/entries?start=0&end=1000"))["entries"][-1]["index"] + 1
    leaves = [
        merkle.leaf_hash(bytes(data))
        for data in Entry.objects.order_by("index").values_list("data", flat=True)
    ]
    root = merkle.root_from_leaf_hashes(leaves)
    hashes = b64(api_json(client.get(f"/api/v1/ledger/proof/inclusion?index=3&size={size}"))["hashes"])
    merkle.verify_inclusion(3, size, leaves[3], hashes, root)
    hashes = b64(api_json(client.get(f"/api/v1/ledger/proof/consistency?from=4&to={size}"))["hashes"])
    merkle.verify_consistency(4, size, merkle.root_from_leaf_hashes(leaves[:4]), root, hashes)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ledger/proof/inclusion?index=5&size=5",
        "/api/v1/ledger/proof/inclusion?index=0&size=999999",
        "/api/v1/ledger/proof/consistency?from=9&to=3",
        "/api/v1/ledger/proof/consistency?from=0&to=3",
        "/api/v1/ledger/proof/inclusion?index=x&size=3",
    ],
)
def test_impossible_proof_requests_are_clear_400s(world, client, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert api_json(response)["error"] in {"invalid_proof_request", "invalid"}


def test_the_portal_receipt_verifies_offline_and_one_changed_byte_fails(world, client, tmp_path, capsys):
    page = client.get("/units/140700-MZJ/").content.decode()
    assert f"/ledger/receipt/org.Unit/{world.dept_a.pk}/" in page
    response = client.get(f"/ledger/receipt/org.Unit/{world.dept_a.pk}/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content
    key = tree.verifier().key
    path = tmp_path / "receipt.txt"
    path.write_bytes(text)
    assert offline.main([str(path), "--key", key]) == 0
    assert "OK: entry" in capsys.readouterr().out
    result = receipt.verify_receipt(text, key)
    assert (
        b'"name":"\xe6\x99\x8b\xe4\xb8\xad\xe5\xb8\x82\xe6\xb0\x91\xe6\x94\xbf\xe5\xb1\x80"'
        in result.entry_bytes
    )
    position = text.index(b"index") + 6
    path.write_bytes(text[:position] + bytes([text[position] ^ 1]) + text[position + 1 :])
    assert offline.main([str(path), "--key", key]) == 1
    assert capsys.readouterr().err.startswith("FAIL: ")


def test_post_verify_checks_a_receipt_and_explains_a_failure(world, client):
    text = client.get("/api/v1/ledger/receipt?index=4").content.decode()
    response = client.post("/api/v1/ledger/verify", {"receipt": text}, content_type="application/json")
    assert response.status_code == 200 and api_json(response)["index"] == 4
    broken = text.replace("index 4", "index 5")
    response = client.post("/api/v1/ledger/verify", {"receipt": broken}, content_type="application/json")
    assert response.status_code == 400
    assert (
        api_json(response)["error"] == "receipt_invalid"
        and "inclusion proof" in api_json(response)["message"]
    )
    response = client.post(
        "/api/v1/ledger/verify", {"receipt": text, "key": "not a key"}, content_type="application/json"
    )
    assert response.status_code == 400 and "verifier key" in api_json(response)["message"]


def test_the_portal_checker_page(world, client):
    text = client.get("/api/v1/ledger/receipt?index=2").content.decode()
    page = client.post("/ledger/", {"receipt": text}).content.decode()
    assert 'role="status"' in page and tree.verifier().key in page
    page = client.post("/ledger/", {"receipt": text[:-5]}).content.decode()
    assert 'role="alert"' in page


def test_unknown_records_have_no_receipt(world, client):
    assert client.get("/ledger/receipt/org.Unit/999999/").status_code == 404
    assert client.get("/api/v1/ledger/receipt?index=999999").status_code == 404


def test_an_empty_log_still_has_a_signed_checkpoint(db, client):
    response = client.get("/api/v1/ledger/checkpoint")
    assert response.status_code == 200
    body, _ = note.open_note(response.content.decode(), [tree.verifier()])
    assert note.Checkpoint.parse(body).size == 0
