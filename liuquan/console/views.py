"""The staff console: each role's home, unit pages and the oversight (分管) forms."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuquan.calendars import queries as calendar_queries
from liuquan.console.forms import OversightForm
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.org import actions, queries
from liuquan.org.models import Person, Role


def person_of(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # login_required
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    grants = queries.grants_of(person)
    roles = sorted({grant.role for grant in grants}, key=list(Role.values).index)
    supervises = bool({Role.INSPECTOR, Role.AUDITOR, Role.REFORM_OFFICE} & set(roles)) or person.is_superuser
    return render(
        request,
        "console/home.html",
        {
            "grants": grants,
            "role_labels": [Role(role).label for role in roles],
            "units": list(queries.readable_units(person)[:200]),
            "supervises": supervises,
            "calendar_tasks": calendar_queries.steward_tasks(timezone.localdate())
            if person.is_superuser
            else [],
        },
    )


def _unit_context(person: Person, code: str, form: OversightForm | None = None) -> dict[str, object]:
    unit, staff = queries.access_unit_staff(person, code, channel="console")
    _, oversights = queries.access_oversights(person, code, channel="console")
    leaders = queries.current_leaders(unit)
    can_manage = queries.can_manage(person, unit)
    return {
        "unit": unit,
        "staff": staff,
        "leaders": leaders,
        "oversights": oversights,
        "posts": list(unit.posts.prefetch_related("holdings__person")),
        "can_manage": can_manage,
        "form": form or (OversightForm(leaders=leaders) if can_manage else None),
    }


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "console/unit_detail.html", _unit_context(person_of(request), code))


@login_required
@require_POST
def assign_oversight(request: HttpRequest, code: str) -> HttpResponse:
    person = person_of(request)
    unit = queries.get_unit(code)
    if not queries.can_manage(person, unit):
        raise Forbidden(
            f"无权调整{unit.name}的领导分工", message_en=f"You may not assign oversight in {unit.name}"
        )
    form = OversightForm(request.POST, leaders=queries.current_leaders(unit))
    error: str | None = None
    if form.is_valid():
        try:
            row = actions.do_assign_oversight(
                actor=person,
                unit=unit,
                leader=form.cleaned_data["leader"].person,
                area=form.cleaned_data["area"],
                exception_reason=form.cleaned_data["exception_reason"],
            )
        except (InvalidInput, Conflict, RuleViolation) as exc:
            error = exc.localized_message()
            field = exc.detail.get("field")
            form.add_error(field if field in form.fields else None, error)
        else:
            note = _("Recorded as an exception for supervision.") if row.is_exception else ""
            messages.success(
                request,
                _("%(leader)s now oversees %(area)s.") % {"leader": row.leader.full_name, "area": row.area}
                + (" " + note if note else ""),
            )
            if request.headers.get("HX-Request"):
                context = _unit_context(person, code)
                context["flash"] = messages.get_messages(request)
                return render(request, "console/_oversight.html", context)
            return redirect("console:unit", code=code)
    context = _unit_context(person, code, form)
    status = 422 if error or form.errors else 200
    template = "console/_oversight.html" if request.headers.get("HX-Request") else "console/unit_detail.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def end_oversight(request: HttpRequest, oversight_id: int) -> HttpResponse:
    row = queries.get_oversight(oversight_id)
    actions.do_end_oversight(actor=person_of(request), oversight=row)
    messages.success(request, _("The assignment has ended."))
    return redirect("console:unit", code=row.unit.code)


@login_required
def oversight_exceptions(request: HttpRequest) -> HttpResponse:
    rows = queries.access_oversight_exceptions(person_of(request), channel="console")
    return render(request, "console/exceptions.html", {"rows": rows})


@login_required
def work_calendar(request: HttpRequest) -> HttpResponse:
    """The working-day calendar in force: the years with a holiday schedule and a due-date calculator
    that says when its answer is provisional (a year whose notice has not been entered)."""
    calendar = calendar_queries.work_calendar()
    entered = {row.year: row for row in calendar_queries.years()}
    today = timezone.localdate()
    result = None
    error = ""
    start_text = request.GET.get("start", "")
    days_text = request.GET.get("days", "")
    natural = request.GET.get("kind") == "natural"
    if start_text and days_text:
        try:
            start = datetime.date.fromisoformat(start_text)
            days = int(days_text)
            if not 0 <= days <= calendar_queries.MAX_LIMIT_DAYS:
                raise ValueError(days_text)
            result = calendar.due_date(start, days, natural=natural)
        except ValueError:
            error = _("Give a start date (YYYY-MM-DD) and a number of days from 0 to 3650.")
    years = sorted(set(calendar.scheduled_years) | set(entered))
    return render(
        request,
        "console/calendar.html",
        {
            "years": [(year, entered.get(year)) for year in years if year >= today.year - 1],
            "next_missing": next((y for y in range(today.year, today.year + 3) if y not in years), None),
            "result": result,
            "error": error,
            "start": start_text,
            "days": days_text,
            "natural": natural,
        },
    )
