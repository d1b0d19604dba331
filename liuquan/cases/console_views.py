"""The staff side of cases in the console: the inbox of one's posts, the case page and its actions.

Thin callers of cases.queries and cases.actions. A refusal by an action (CaseRefused with the engine's
reason, Forbidden, InvalidInput, Conflict) is shown on the re-rendered case page with the refusal's
status (409 for a refused transition), never as a traceback.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from liuquan.cases import actions, engine, queries
from liuquan.cases.forms import CompleteForm, ReplyForm, TerminateForm
from liuquan.cases.models import Case, CaseStep, Rating
from liuquan.console.views import person_of
from liuquan.core.errors import DomainError, Forbidden, NotFound
from liuquan.org.models import Person

CHANNEL = "console"
# The timeline's event kinds (cases.actions) as staff read them; an unknown kind shows as it is.
EVENT_NAMES = {
    "opened": gettext_lazy("Application received"),
    "claimed": gettext_lazy("Step taken"),
    "correction_requested": gettext_lazy("Missing materials requested"),
    "supplemented": gettext_lazy("Materials supplemented"),
    "step_completed": gettext_lazy("Step completed"),
    "extended": gettext_lazy("Time limit extended"),
    "suspended": gettext_lazy("Clock suspended"),
    "resumed": gettext_lazy("Clock resumed"),
    "closed": gettext_lazy("Case completed"),
    "withdrawn": gettext_lazy("Withdrawn by the applicant"),
    "terminated": gettext_lazy("Terminated"),
    "rated": gettext_lazy("Rated by the applicant"),
}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    box = queries.inbox(person)
    return render(
        request,
        "cases/console/inbox.html",
        {"inbox": box, "reply_form": ReplyForm() if box.bad_ratings else None},
    )


def _row_for(person: Person, page: queries.CasePage, step: str = "") -> CaseStep | None:
    """The open step this person works on: `step` when given; else, of parallel branches, the first
    whose post they hold; else the latest open one."""
    if step:
        return next((row for row in page.open_steps if row.step == step), None)
    mine = (row for row in page.open_steps if actions.holds_post(person, page.case, row.post))
    return next(mine, page.open_step)


def _complete_form(
    request: HttpRequest, person: Person, page: queries.CasePage, data: Any = None, step: str = ""
) -> CompleteForm | None:
    row = _row_for(person, page, step)
    if row is None or not actions.holds_post(person, page.case, row.post):
        return None
    return CompleteForm(
        data,
        request=request,
        actor=person,
        unit=page.case.unit,
        step=row.step,
        moves=[move for move in page.table.outcomes(row.step) if move.after is None],  # timers move alone
        heads=queries.unit_heads(page.case.unit),
    )


def _render_case(
    request: HttpRequest,
    person: Person,
    case: Case,
    *,
    status: int = 200,
    complete_form: CompleteForm | None = None,
    terminate_form: TerminateForm | None = None,
    reply_form: ReplyForm | None = None,
) -> HttpResponse:
    page = queries.case_page(case)
    row = _row_for(person, page)
    head = actions.is_head(person, case.unit)
    holds = row is not None and actions.holds_post(person, case, row.post)
    rating = page.rating
    context = {
        "page": page,
        "case": case,
        "events": [
            (event, EVENT_NAMES.get(event.kind, event.kind), _step_name(page.table, event.step))
            for event in page.events
        ],
        "act_step": row,
        "may_claim": holds and row is not None and row.assignee_id is None,
        "complete_form": complete_form or _complete_form(request, person, page),
        "terminate_form": terminate_form or (TerminateForm() if head and not case.closed else None),
        "reply_form": reply_form
        or (ReplyForm() if head and rating and rating.is_bad and not rating.replied_at else None),
    }
    return render(request, "cases/console/case.html", context, status=status)


def _step_name(table: engine.StepTable, key: str) -> str:
    step = table.steps.get(key)
    return step.name if step else key


def _refused(request: HttpRequest, person: Person, case: Case, exc: DomainError) -> HttpResponse:
    messages.error(request, exc.localized_message())
    return _render_case(request, person, _reload(case), status=exc.http_status)


def _access(person: Person, number: str) -> Case:
    """The case for this page, or 403, with the refusal on the record (越权: another unit's case)."""
    try:
        return queries.access_case(person, number, channel=CHANNEL)
    except Forbidden as exc:
        actions.do_record_refused_read(actor=person, number=number, message=exc.message, channel=CHANNEL)
        raise


def _reload(case: Case) -> Case:
    return Case.objects.select_related("unit__region", "definition").get(pk=case.pk)


@never_cache
@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    person = person_of(request)
    case = _access(person, number)
    return _render_case(request, person, case)


@login_required
@require_POST
def claim(request: HttpRequest, number: str) -> HttpResponse:
    person = person_of(request)
    case = _access(person, number)
    try:
        row = actions.do_claim_step(actor=person, case=case, step=request.POST.get("step", "")[:60])
    except DomainError as exc:
        return _refused(request, person, case, exc)
    messages.success(
        request, _("You took “%(step)s” of case %(number)s.") % {"step": row.name, "number": number}
    )
    return redirect("cases:case", number=number)


@login_required
@require_POST
def complete(request: HttpRequest, number: str) -> HttpResponse:
    person = person_of(request)
    case = _access(person, number)
    page = queries.case_page(case)
    step = request.POST.get("step", "")[:60]
    form = _complete_form(request, person, page, request.POST, step)
    if form is None:
        # Not the holder of the current step's post, nothing open, or a page that is out of date:
        # the action says why, so a refused transition is the engine's and is recorded.
        try:
            actions.do_complete_step(
                actor=person,
                case=case,
                step=step,
                outcome=request.POST.get("outcome", "")[:40],
                channel=CHANNEL,
            )
        except DomainError as exc:
            return _refused(request, person, case, exc)
        return redirect("cases:case", number=number)
    if not form.is_valid():
        return _render_case(request, person, case, status=422, complete_form=form)
    data = form.cleaned_data
    try:
        done = actions.do_complete_step(
            actor=person,
            case=case,
            step=data["step"],
            outcome=data["outcome"],
            comment=data["comment"],
            approved_by=form.approved_by,
            channel=CHANNEL,
        )
    except DomainError as exc:
        return _refused(request, person, case, exc)
    move = form.moves[data["outcome"]]
    messages.success(
        request,
        _("Case %(number)s: “%(outcome)s” recorded; now %(status)s.")
        % {"number": number, "outcome": move.label or move.outcome, "status": done.get_status_display()},
    )
    return redirect("cases:case", number=number)


@login_required
@require_POST
def terminate(request: HttpRequest, number: str) -> HttpResponse:
    person = person_of(request)
    case = _access(person, number)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        return _render_case(request, person, case, status=422, terminate_form=form)
    try:
        actions.do_terminate(actor=person, case=case, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _refused(request, person, case, exc)
    messages.success(request, _("Case %(number)s was terminated.") % {"number": number})
    return redirect("cases:case", number=number)


@login_required
@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    person = person_of(request)
    case = _access(person, number)
    rating = Rating.objects.filter(case=case).select_related("case__unit__region").first()
    if rating is None:
        raise NotFound("该办件尚无评价", message_en="The case has no rating", case=number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _render_case(request, person, case, status=422, reply_form=form)
    try:
        actions.do_reply_rating(actor=person, rating=rating, reply=form.cleaned_data["reply"])
    except DomainError as exc:
        return _refused(request, person, case, exc)
    messages.success(request, _("Your reply was recorded."))
    if request.POST.get("next") == "inbox":
        return redirect("cases:inbox")
    return redirect("cases:case", number=number)


@login_required
def download(request: HttpRequest, number: str, file_id: int) -> HttpResponse:
    """An application file, for staff only (the public record names only its hash)."""
    from liuquan.cases import files

    person = person_of(request)
    row = queries.access_case_file(person, number, file_id, channel=CHANNEL)
    response = HttpResponse(files.read(row.sha256), content_type=row.content_type)
    response["Content-Disposition"] = _attachment(row.name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_") or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
