"""Public pages of 三重一大: a unit's catalogue of major matters in force and its decision register
(number, matter, outcome, date and the summary written to be published; personnel details never)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuquan.decisions import queries, rules
from liuquan.decisions.rules import Category, Outcome, PreStep, VoteBase
from liuquan.org import queries as org_queries


def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = org_queries.get_unit(code)
    catalogue = queries.catalogue_in_force(unit)
    rows = []
    for matter in queries.matters(catalogue) if catalogue else []:
        rows.append(
            {
                "matter": matter,
                "category": rules.CATEGORY_NAMES[Category(matter.category)],
                "quorum": str(matter.quorum),
                "vote": f"同意票{matter.vote_rule}{'应到' if matter.vote_base == VoteBase.ENTITLED else '实到'}人数",
                "steps": "、".join(rules.PRE_STEP_NAMES[PreStep(step)] for step in matter.pre_steps) or "—",
            }
        )
    decisions = [
        {
            "decision": row,
            "outcome": rules.OUTCOME_NAMES[Outcome(row.outcome)],
            "category": rules.CATEGORY_NAMES[Category(row.category)],
        }
        for row in queries.register(unit)[:200]
    ]
    return render(
        request,
        "decisions/unit.html",
        {"unit": unit, "catalogue": catalogue, "rows": rows, "decisions": decisions},
    )
