"""The applicant's side on the public portal (no account): apply online, then track the case with its
number and query code, answer a 补正 notice, withdraw, and rate the finished case.

The public actor is org.actions.public_person(). Knowing a case's number and query code is what lets a
browser session see that case: once proved, the number is remembered in the session, so the code is
never put in a URL. A page about a case shows its public timeline only, never personal data or staff.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from liuquan.cases import actions, queries
from liuquan.cases.forms import ApplyForm, RateForm, SupplementForm, TrackForm, WithdrawForm
from liuquan.cases.models import Case
from liuquan.core import limits
from liuquan.core.errors import DomainError, NotFound, TooManyAttempts
from liuquan.org.actions import public_person

OPENED_KEY = "cases.opened"  # the new case's number and query code, until the page shows them once
TRACKED_KEY = "cases.tracked"  # numbers this session proved with their query code
TRACKED_MAX = 20
APPLICANT_FIELDS = {"applicant_name": "applicant_name", "applicant_id_number": "id_number"}


def index(request: HttpRequest) -> HttpResponse:
    """Powers that take applications online (their published flow starts with 受理), by unit."""
    groups: dict[str, list[queries.Applicable]] = {}
    for row in queries.applicable_powers():
        groups.setdefault(row.unit.name, []).append(row)
    return render(request, "cases/index.html", {"groups": groups})


def _grant(request: HttpRequest, number: str) -> None:
    tracked = [n for n in request.session.get(TRACKED_KEY, []) if n != number]
    request.session[TRACKED_KEY] = [number, *tracked][:TRACKED_MAX]


def _granted(request: HttpRequest, number: str) -> bool:
    return number in request.session.get(TRACKED_KEY, [])


@never_cache
def apply(request: HttpRequest, unit: str, power: str) -> HttpResponse:
    target = queries.apply_target(unit, power)
    form = ApplyForm(request.POST, request.FILES) if request.method == "POST" else ApplyForm()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = actions.do_open_case(
                    actor=public_person(),
                    unit=target.unit,
                    power_code=target.power_code,
                    applicant=actions.Applicant(
                        name=data["applicant_name"],
                        id_number=data["id_number"],
                        phone=data["phone"],
                        address=data["address"],
                    ),
                    subject=data["subject"],
                    source="portal",
                    files=form.uploads,
                    address=limits.client_address(request),
                )
            except DomainError as exc:
                field = APPLICANT_FIELDS.get(str(exc.detail.get("field", "")))
                form.add_error(field, exc.localized_message())
                status = exc.http_status
            else:
                request.session[OPENED_KEY] = {"number": opened.case.number, "code": opened.query_code}
                _grant(request, opened.case.number)
                return redirect("cases:applied")
        else:
            status = 422
    return render(request, "cases/apply.html", {"target": target, "form": form}, status=status)


@never_cache
def applied(request: HttpRequest) -> HttpResponse:
    """The case number and the query code, shown this once (only the code's digest is kept)."""
    opened = request.session.pop(OPENED_KEY, None)
    return render(request, "cases/applied.html", {"opened": opened})


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    initial = {"number": request.GET.get("number", "")[:40]}
    form = (
        TrackForm(request.POST, initial=initial) if request.method == "POST" else TrackForm(initial=initial)
    )
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = actions.find_by_query(
                    form.cleaned_data["number"],
                    form.cleaned_data["code"],
                    address=limits.client_address(request),
                )
            except (NotFound, TooManyAttempts) as exc:
                error = exc.localized_message()
                status = exc.http_status
            else:
                _grant(request, case.number)
                return redirect("cases:track_case", number=case.number)
        else:
            status = 422
    return render(request, "cases/track.html", {"form": form, "error": error}, status=status)


def _tracked_case(request: HttpRequest, number: str) -> Case | None:
    if not _granted(request, number):
        return None
    return Case.objects.select_related("definition", "unit").filter(number=number).first()


def _page(request: HttpRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    view = queries.public_view(case)
    context: dict[str, Any] = {
        "view": view,
        "case": case,
        "supplement_form": forms.get("supplement_form")
        or (SupplementForm() if view.may_supplement else None),
        "rate_form": forms.get("rate_form") or (RateForm() if view.may_rate else None),
        "withdraw_form": (forms.get("withdraw_form") or WithdrawForm()) if view.may_withdraw else None,
    }
    return render(request, "cases/track_case.html", context, status=status)


def _back_to_track(number: str) -> HttpResponse:
    response = redirect("cases:track")
    response["Location"] += f"?number={number}"
    return response


@never_cache
def track_case(request: HttpRequest, number: str) -> HttpResponse:
    case = _tracked_case(request, number)
    if case is None:
        return _back_to_track(number)
    return _page(request, case)


@never_cache
@require_POST
def supplement(request: HttpRequest, number: str) -> HttpResponse:
    case = _tracked_case(request, number)
    if case is None:
        return _back_to_track(number)
    form = SupplementForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, 422, supplement_form=form)
    try:
        actions.do_supplement(
            actor=public_person(), case=case, note=form.cleaned_data["note"], files=form.uploads
        )
    except DomainError as exc:
        messages.error(request, exc.localized_message())
        return _page(request, case, exc.http_status)
    messages.success(request, _("Your materials were received; the case goes on."))
    return redirect("cases:track_case", number=number)


@never_cache
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    case = _tracked_case(request, number)
    if case is None:
        return _back_to_track(number)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _page(request, case, 422, rate_form=form)
    try:
        actions.do_rate(
            actor=public_person(),
            case=case,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, exc.localized_message())
        return _page(request, case, exc.http_status)
    messages.success(request, _("Thank you for your rating."))
    return redirect("cases:track_case", number=number)


@never_cache
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    case = _tracked_case(request, number)
    if case is None:
        return _back_to_track(number)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _page(request, case, 422, withdraw_form=form)
    try:
        checked = actions.find_by_query(
            number, form.cleaned_data["code"], address=limits.client_address(request)
        )
        actions.do_withdraw(actor=public_person(), case=checked, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        if exc.detail.get("field") == "code":
            form.add_error("code", exc.localized_message())
        else:
            messages.error(request, exc.localized_message())
        return _page(request, case, exc.http_status, withdraw_form=form)
    messages.success(request, _("Your application was withdrawn."))
    return redirect("cases:track_case", number=number)
