"""Public pages of process flows: the flow chart and risk map of a power (SVG, PNG, PDF for a 公示栏)
and its BPMN 2.0 file. Only published and superseded versions are shown; drafts never are."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from liuquan.flows import bpmn, diagram, queries
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.org import queries as org_queries
from liuquan.powers import queries as power_queries

KINDS = {"flow": diagram.flow_svg, "risk": diagram.risk_svg}


def _version(code: str, item_code: str, request: HttpRequest) -> ProcessDefinition:
    unit = org_queries.get_unit(code)
    power_queries.published_power(unit, item_code)
    number = request.GET.get("version", "")
    rows = queries.versions_of(unit, item_code).exclude(status=FlowStatus.DRAFT)
    row = (
        rows.filter(version=int(number)).first()
        if number.isdigit()
        else rows.filter(status=FlowStatus.PUBLISHED).first()
    )
    if row is None:
        raise Http404("no published flow")
    return row


def flow_page(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    """The printable page: the flow chart and the risk map, one per printed page (A4 landscape)."""
    row = _version(code, item_code, request)
    flow = row.flow
    return render(
        request,
        "flows/print.html",
        {
            "definition": row,
            "unit": row.unit,
            "flow_svg": mark_safe(diagram.flow_svg(flow)),  # noqa: S308 - diagram escapes every text
            "risk_svg": mark_safe(diagram.risk_svg(flow)),  # noqa: S308
            "versions": queries.versions_of(row.unit, item_code).exclude(status=FlowStatus.DRAFT),
        },
    )


def bpmn_page(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    """The flow's BPMN file opened in the vendored bpmn-js viewer (the same file modelers open)."""
    row = _version(code, item_code, request)
    return render(request, "flows/bpmn.html", {"definition": row, "unit": row.unit})


def _filename(row: ProcessDefinition, kind: str, suffix: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{row.unit.code}-{row.power_code}-v{row.version}-{kind}")
    return f"{safe}.{suffix}"


def flow_file(request: HttpRequest, code: str, item_code: str, kind: str, fmt: str) -> HttpResponse:
    """flow.svg, risk.png, flow.pdf …, and flow.bpmn."""
    row = _version(code, item_code, request)
    if kind == "flow" and fmt == "bpmn":
        process_id = re.sub(r"[^A-Za-z0-9_.-]", "_", f"Process_{row.power_code}_v{row.version}")
        data = bpmn.to_bpmn(row.flow, process_id=process_id, name=row.power_name)
        response = HttpResponse(data, content_type="application/xml")
    elif kind in KINDS and fmt in {"svg", "png", "pdf"}:
        svg = KINDS[kind](row.flow)
        if fmt == "svg":
            response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        else:
            import cairosvg  # Cairo renders with the system's fonts (fonts-noto-cjk for Chinese)

            render_to = cairosvg.svg2png if fmt == "png" else cairosvg.svg2pdf
            extra = {"scale": 2} if fmt == "png" else {}
            response = HttpResponse(
                render_to(bytestring=svg.encode("utf-8"), **extra),
                content_type="image/png" if fmt == "png" else "application/pdf",
            )
    else:
        raise Http404("no such file")
    disposition = "attachment" if fmt in {"bpmn", "pdf"} else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{_filename(row, kind, fmt)}"'
    return response
