"""Public ledger API: checkpoint, key, entries, proofs, receipts, and a receipt checker."""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from liuquan.core.errors import InvalidInput
from liuquan.ledger import queries, receipt, tree

router = Router(tags=["ledger"])


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


class EntryOut(Schema):
    index: int
    data: str = Field(description="base64 of the exact leaf bytes (RFC 8785 canonical JSON)")


class EntriesOut(Schema):
    entries: list[EntryOut]


class ProofOut(Schema):
    hashes: list[str]


class ConsistencyQuery(Schema):
    size1: int = Field(alias="from", ge=1)
    size2: int = Field(alias="to", ge=1)


class VerifyIn(Schema):
    receipt: str
    key: str | None = Field(default=None, description="verifier key; default: this log's key")


class VerifyOut(Schema):
    ok: bool
    origin: str
    size: int
    index: int
    entry: str = Field(description="the entry's canonical JSON")
    signed_by: str | None


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(item).decode() for item in items]


@router.get(
    "/ledger/checkpoint",
    url_name="ledger_checkpoint",
    summary="The newest signed checkpoint (C2SP tlog-checkpoint, signed note)",
)
def checkpoint(request: HttpRequest) -> HttpResponse:
    return _text(queries.current_checkpoint().note)


@router.get(
    "/ledger/key",
    url_name="ledger_key",
    summary="The verifier key of the checkpoint signer (name+keyid+base64)",
)
def key(request: HttpRequest) -> HttpResponse:
    return _text(tree.verifier().key + "\n")


@router.get("/ledger/entries", response=EntriesOut, summary="Entries [start, end), at most 1,000")
def entries(request: HttpRequest, start: int, end: int) -> EntriesOut:
    rows = queries.entries(start, end)
    return EntriesOut(
        entries=[EntryOut(index=index, data=base64.b64encode(data).decode()) for index, data in rows]
    )


@router.get("/ledger/proof/inclusion", response=ProofOut, summary="RFC 9162 inclusion proof")
def inclusion(request: HttpRequest, index: int, size: int) -> ProofOut:
    return ProofOut(hashes=_b64(queries.inclusion(index, size)))


@router.get("/ledger/proof/consistency", response=ProofOut, summary="RFC 9162 consistency proof")
def consistency(request: HttpRequest, params: Query[ConsistencyQuery]) -> ProofOut:
    return ProofOut(hashes=_b64(queries.consistency(params.size1, params.size2)))


@router.get("/ledger/receipt", summary="A receipt (C2SP tlog-proof) for one entry, verifiable offline")
def receipt_of_entry(request: HttpRequest, index: int) -> HttpResponse:
    return _text(queries.receipt(index))


@router.post(
    "/ledger/verify", response=VerifyOut, summary="Check a receipt (against this log's key by default)"
)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    try:
        result = receipt.verify_receipt(payload.receipt, payload.key or tree.verifier())
    except ValueError as exc:
        raise InvalidInput(
            f"回执验证失败：{exc}",
            message_en=f"receipt does not verify: {exc}",
            code="receipt_invalid",
            field="receipt",
        ) from None
    return VerifyOut(
        ok=True,
        origin=result.origin,
        size=result.size,
        index=result.index,
        entry=result.entry_bytes.decode("utf-8", "replace"),
        signed_by=result.signed_by,
    )
