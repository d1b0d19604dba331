"""Public ledger pages: how to verify, the current checkpoint, receipts for download, a receipt checker."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuquan.ledger import queries, receipt, tree


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "checkpoint": queries.current_checkpoint(),
        "key": tree.verifier().key,
        "entries": queries.entry_count(),
    }
    if request.method == "POST":
        text = request.POST.get("receipt", "")
        try:
            context["result"] = receipt.verify_receipt(text, tree.verifier())
        except ValueError as exc:
            context["error"] = str(exc)
        context["receipt_text"] = text
    return render(request, "ledger/home.html", context)


def record_receipt(request: HttpRequest, subject_type: str, subject_id: str) -> HttpResponse:
    """Download the receipt of a public record's latest entry ("verify this record")."""
    index = queries.latest_entry(subject_type, subject_id)
    response = HttpResponse(queries.receipt(index), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="liuquan-receipt-{index}.txt"'
    return response
