"""Public pages of the published power lists (reads only; personal data never appears here)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from liuquan.cases import queries as case_queries
from liuquan.flows import diagram
from liuquan.flows import queries as flow_queries
from liuquan.laws import queries as law_queries
from liuquan.laws.numerals import ArticleNo
from liuquan.ledger import tree
from liuquan.org import queries as org_queries
from liuquan.org.models import Unit
from liuquan.powers import exporting, queries
from liuquan.powers.models import CATEGORY_NAMES, BasisCitation, ListEdition, PowerItem

CATEGORY_LABELS = {value: name for name, value in CATEGORY_NAMES.items()}


def index(request: HttpRequest) -> HttpResponse:
    """Units with a published list, and a substring search over every published item."""
    text = request.GET.get("q", "").strip()[:50]
    category = request.GET.get("category", "")
    number = request.GET.get("page", "1")
    page_number = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
    found: tuple[int, list[PowerItem]] | None = None
    if text or category:
        found = queries.search_page(text, category=category or None, page=page_number)
    editions = (
        ListEdition.objects.filter(status="published")
        .select_related("unit__region")
        .order_by("unit__region__code", "unit__code", "-number")
        .distinct()
    )
    latest: dict[int, ListEdition] = {}
    for edition in editions:
        latest.setdefault(edition.unit_id, edition)
    return render(
        request,
        "powers/index.html",
        {
            "editions": list(latest.values()),
            "q": text,
            "category": category,
            "found": found[0] if found else None,
            "results": found[1] if found else [],
            "next_page": page_number + 1 if found and found[0] > page_number * 50 else None,
            "categories": CATEGORY_LABELS.items(),
        },
    )


def _published(unit: Unit, number: int | None) -> ListEdition:
    """The unit's latest published edition, or published edition `number` (every one stays public)."""
    editions = queries.published_editions(unit)
    edition = editions.first() if number is None else editions.filter(number=number).first()
    if edition is None:
        raise Http404("no published list")
    return edition


def unit_list(request: HttpRequest, code: str, number: int | None = None) -> HttpResponse:
    """A unit's published list (the latest, or an earlier edition), with the items it no longer lists."""
    unit = org_queries.get_unit(code)
    edition = _published(unit, number)
    items = queries.kept_items(edition)
    groups: dict[str, list[PowerItem]] = {}
    for item in items:
        groups.setdefault(CATEGORY_LABELS[queries.effective_category(item)], []).append(item)
    return render(
        request,
        "powers/unit.html",
        {
            "unit": unit,
            "edition": edition,
            "groups": groups,
            "count": len(items),
            "adjusted": exporting.adjusted_items(edition),
            "formats": ("xlsx", "csv", "json"),
            "published": list(queries.published_editions(unit).values_list("number", "published_at")),
        },
    )


def item_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    unit = org_queries.get_unit(code)
    item = queries.published_power(unit, item_code)
    history = (
        PowerItem.objects.filter(edition__unit=unit, code=item_code, edition__status="published")
        .select_related("edition", "disposition")
        .order_by("-edition__number")
    )
    return render(
        request,
        "powers/item.html",
        {
            "unit": unit,
            "item": item,
            "category": CATEGORY_LABELS[queries.effective_category(item)],
            "citations": [
                (citation, _article_text(citation)) for citation in item.citations.select_related("law")
            ],
            "responsibilities": list(item.responsibilities.all()),
            "history": history,
            "has_receipt": tree.latest_entry_index("powers.PowerItem", str(item.pk)) is not None,
            **_flow_context(unit, item_code),
        },
    )


def _flow_context(unit: Unit, item_code: str) -> dict[str, object]:
    """The power's flow in force, drawn (权力运行流程图 and 风险防控图), for its public page."""
    definition = flow_queries.flow_in_force(unit, item_code)
    if definition is None:
        return {"flow": None}
    flow = definition.flow
    return {
        "flow": definition,
        "takes_applications": case_queries.takes_applications(definition),
        "flow_svg": mark_safe(diagram.flow_svg(flow)),  # noqa: S308 - diagram escapes every text
        "risk_svg": mark_safe(diagram.risk_svg(flow)),  # noqa: S308
        "flow_has_receipt": tree.latest_entry_index("flows.ProcessDefinition", str(definition.pk))
        is not None,
    }


def _article_text(citation: BasisCitation) -> str | None:
    """The cited article's text in the law's current version, when the corpus has it."""
    if citation.law is None or citation.article_number is None:
        return None
    version = law_queries.current_version(citation.law)
    if version is None:
        return None
    article = law_queries.find_article(version, ArticleNo(citation.article_number, citation.article_sub))
    return article.text if article else None


def download(request: HttpRequest, code: str, fmt: str, number: int | None = None) -> HttpResponse:
    """Open data: the unit's published list (the latest, or an earlier edition) as xlsx, csv or json."""
    unit = org_queries.get_unit(code)
    edition = _published(unit, number)
    if fmt not in {"xlsx", "csv", "json"}:
        raise Http404("no such format")
    writer = {"xlsx": exporting.to_xlsx, "csv": exporting.to_csv, "json": exporting.to_json}[fmt]
    types = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
        "json": "application/json",
    }
    response = HttpResponse(writer(edition, kept_only=True), content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="{unit.code}-edition-{edition.number}.{fmt}"'
    return response
