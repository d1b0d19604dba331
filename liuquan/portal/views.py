"""The public portal: reads published records only; no login needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuquan.org import queries


def home(request: HttpRequest) -> HttpResponse:
    regions = list(queries.regions())
    top = [region for region in regions if region.level in {"city", "county"}]
    return render(request, "portal/home.html", {"regions": top, "unit_count": queries.units().count()})


def unit_list(request: HttpRequest) -> HttpResponse:
    region_code = request.GET.get("region") or None
    units = list(queries.units(region_code=region_code))
    return render(
        request,
        "portal/unit_list.html",
        {"units": units, "region_code": region_code, "regions": list(queries.regions())},
    )


def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = queries.get_unit(code)
    return render(
        request,
        "portal/unit_detail.html",
        {
            "unit": unit,
            "leaders": queries.current_leaders(unit),
            "oversights": queries.current_oversights(unit),
            "posts": list(unit.posts.all()),
        },
    )
