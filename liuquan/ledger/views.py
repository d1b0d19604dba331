"""Public ledger pages: how to verify, the current checkpoint, receipts for download, a receipt checker."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuquan.core.errors import NotFound
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


# C2SP tlog-tiles -------------------------------------------------------------------------------------


def tlog_checkpoint(request: HttpRequest) -> HttpResponse:
    """<prefix>/checkpoint: the newest signed checkpoint."""
    response = HttpResponse(queries.current_checkpoint().note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def tlog_tile(request: HttpRequest, path: str) -> HttpResponse:
    """<prefix>/tile/…: a hash tile or an entry bundle; a full one never changes."""
    try:
        body, full = queries.tlog_tile(path)
    except NotFound as missing:
        return HttpResponse(missing.message, status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Cache-Control"] = "public, max-age=31536000, immutable" if full else "public, max-age=60"
    return response
