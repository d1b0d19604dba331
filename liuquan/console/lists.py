"""Console pages for the power lists (两清单): editions, the import with its preview, review rounds and
dispositions. Thin callers of powers.queries, powers.importer and powers.actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuquan.console.forms import CommentForm, DispositionForm, MoveForm, RemainingForm
from liuquan.console.views import person_of
from liuquan.core.errors import DomainError, InvalidInput, NotFound
from liuquan.org import queries as org_queries
from liuquan.powers import actions, importer, queries, states, uploads
from liuquan.powers.models import ListEdition, PowerItem
from liuquan.powers.states import EditionStatus, Move

MOVE_LABELS = {
    Move.SUBMIT: "报送审核",
    Move.PASS_FIRST: "一审通过",
    Move.CONFIRM: "二审确认",
    Move.PUBLISH: "公布",
    Move.RETURN: "退回修改",
}
PREVIEW_ROWS = 300  # items listed per file in a preview; the counts cover them all


@login_required
def index(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    return render(request, "console/lists/index.html", {"editions": queries.review_queue(person)})


@login_required
def unit_lists(request: HttpRequest, code: str) -> HttpResponse:
    person = person_of(request)
    unit, editions = queries.access_unit_lists(person, code, channel="console")
    return render(
        request,
        "console/lists/unit.html",
        {
            "unit": unit,
            "editions": editions,
            "status_names": actions.STATUS_NAMES,
            "may_compile": actions.may_compile(person, unit),
        },
    )


@login_required
@require_POST
def create_edition(request: HttpRequest, code: str) -> HttpResponse:
    unit = org_queries.get_unit(code)
    edition = actions.do_create_edition(actor=person_of(request), unit=unit)
    messages.success(request, _("Edition %(number)s opened for compiling.") % {"number": edition.number})
    return redirect("console:edition", code=code, number=edition.number)


# Import with a preview --------------------------------------------------------------------------------


def _plan(person_id: int, token: str, unit_code: str) -> tuple[list[uploads.StagedFile], list[Any]]:
    files = uploads.staged(person_id, token)
    unit = org_queries.get_unit(unit_code)
    plans = importer.plan_import([row.path for row in files], edition=importer.open_draft(unit))
    return files, plans


@login_required
def import_lists(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: upload (nothing is written); step 2: the preview of what would be imported."""
    person = person_of(request)
    unit = org_queries.get_unit(code)
    actions.check_may_compile(person, unit)
    context: dict[str, Any] = {"unit": unit, "max_files": uploads.MAX_FILES}
    if request.method == "POST":
        strict = bool(request.POST.get("strict"))
        token = ""
        try:
            token = uploads.stage(person.pk, request.FILES.getlist("files"))
            files, plans = _plan(person.pk, token, code)
        except InvalidInput as exc:
            if token:
                uploads.discard(person.pk, token)
            context["error"] = exc.localized_message()
            return render(request, "console/lists/import.html", context, status=422)
        context.update(_preview(files, plans, token=token, strict=strict))
    return render(request, "console/lists/import.html", context)


def _preview(
    files: list[uploads.StagedFile], plans: list[Any], *, token: str, strict: bool
) -> dict[str, Any]:
    rows = []
    for staged, plan in zip(files, plans, strict=True):
        report = plan.report(imported=False)
        rows.append(
            {
                "name": staged.name,
                "size": staged.size,
                "sha256": staged.sha256,
                "report": report,
                "items": [planned.data for planned in plan.items[:PREVIEW_ROWS]],
                "more": max(0, len(plan.items) - PREVIEW_ROWS),
                "rejected": plan.rejected,
                "warnings": plan.warnings,
            }
        )
    rejected = sum(len(plan.rejected) for plan in plans)
    valid = sum(len(plan.items) for plan in plans)
    return {
        "token": token,
        "strict": strict,
        "files": rows,
        "valid": valid,
        "rejected_count": rejected,
        "may_commit": valid > 0 and not (strict and rejected),
    }


@login_required
@require_POST
def confirm_import(request: HttpRequest, code: str) -> HttpResponse:
    person = person_of(request)
    unit = org_queries.get_unit(code)
    token = request.POST.get("token", "")
    if request.POST.get("discard"):
        uploads.discard(person.pk, token)
        messages.info(request, _("The uploaded files were discarded; nothing was imported."))
        return redirect("console:unit_lists", code=code)
    try:
        files, plans = _plan(person.pk, token, code)
    except (InvalidInput, NotFound) as exc:
        messages.error(request, exc.localized_message())
        return redirect("console:import_lists", code=code)
    if request.POST.get("strict") and any(plan.rejected for plan in plans):
        messages.error(request, _("Strict import: some rows were rejected, so nothing was imported."))
        return redirect("console:import_lists", code=code)
    if not any(plan.items for plan in plans):
        messages.error(request, _("No row could be imported; nothing was written."))
        return redirect("console:import_lists", code=code)
    edition = importer.do_import(actor=person, unit=unit, plans=plans)
    uploads.discard(person.pk, token)
    count = sum(len(plan.items) for plan in plans)
    messages.success(
        request,
        _("%(count)s items imported into edition %(number)s from %(files)s file(s).")
        % {"count": count, "number": edition.number, "files": len(files)},
    )
    return redirect("console:edition", code=code, number=edition.number)


# An edition: review rounds and dispositions -----------------------------------------------------------


def _edition_context(person: Any, edition: ListEdition) -> dict[str, Any]:
    status = EditionStatus(edition.status)
    office = actions.is_reform_office(person, edition.unit)
    compiler = actions.may_compile(person, edition.unit)
    moves = []
    for move in states.allowed_moves(status):
        _target, party = states.TRANSITIONS[(status, move)]
        if (party == "unit" and compiler) or (party == "reform_office" and office):
            moves.append({"value": move.value, "label": MOVE_LABELS[move]})
    items = list(queries.items_of(edition))
    previous = queries.previous_published(edition)
    reviewing = status in states.REVIEWING
    return {
        "edition": edition,
        "unit": edition.unit,
        "status_name": actions.STATUS_NAMES[status],
        "items": items,
        "undecided": sum(1 for item in items if not hasattr(item, "disposition")),
        "counts": {
            states.DISPOSITION_NAMES[states.DispositionKind(kind)]: count
            for kind, count in queries.disposition_counts(edition).items()
        },
        "names": queries.DISPOSITION_NAMES,
        "comments": list(queries.comments_of(edition)),
        "moves": moves,
        "may_decide": office and reviewing,
        "may_comment": office or compiler,
        "diff": queries.edition_diff(previous, edition) if status is not EditionStatus.DRAFT else [],
        "previous": previous,
        "move_form": MoveForm(),
        "comment_form": CommentForm(),
        "remaining_form": RemainingForm() if office and reviewing else None,
    }


@login_required
def edition_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    person = person_of(request)
    edition = queries.access_edition(person, code, number, channel="console")
    return render(request, "console/lists/edition.html", _edition_context(person, edition))


def _refused(request: HttpRequest, exc: DomainError, code: str, number: int) -> HttpResponse:
    messages.error(request, exc.localized_message())
    return redirect("console:edition", code=code, number=number)


@login_required
@require_POST
def move_edition(request: HttpRequest, code: str, number: int) -> HttpResponse:
    person = person_of(request)
    edition = queries.access_edition(person, code, number, channel="console")
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, InvalidInput("未知的审核操作", message_en="Unknown review move"), code, number
        )
    try:
        actions.do_move_edition(
            actor=person,
            edition=edition,
            move=form.cleaned_data["move"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        return _refused(request, exc, code, number)
    messages.success(
        request,
        _("%(edition)s is now at: %(status)s.")
        % {"edition": str(edition), "status": actions.STATUS_NAMES[EditionStatus(edition.status)]},
    )
    return redirect("console:edition", code=code, number=number)


@login_required
@require_POST
def comment_edition(request: HttpRequest, code: str, number: int) -> HttpResponse:
    person = person_of(request)
    edition = queries.access_edition(person, code, number, channel="console")
    form = CommentForm(request.POST)
    item = None
    if request.POST.get("item"):
        item = queries.item_in(edition, request.POST["item"])
    try:
        actions.do_comment(actor=person, edition=edition, text=form.data.get("text", ""), item=item)
    except DomainError as exc:
        return _refused(request, exc, code, number)
    messages.success(request, _("Comment recorded."))
    if item is not None:
        return redirect("console:edition_item", code=code, number=number, item_code=item.code)
    return redirect("console:edition", code=code, number=number)


@login_required
@require_POST
def decide_remaining(request: HttpRequest, code: str, number: int) -> HttpResponse:
    person = person_of(request)
    edition = queries.access_edition(person, code, number, channel="console")
    form = RemainingForm(request.POST)
    try:
        count = actions.do_decide_remaining(
            actor=person, edition=edition, kind=form.data.get("kind", ""), reason=form.data.get("reason", "")
        )
    except DomainError as exc:
        return _refused(request, exc, code, number)
    messages.success(request, _("%(count)s remaining items decided.") % {"count": count})
    return redirect("console:edition", code=code, number=number)


@login_required
def edition_item(request: HttpRequest, code: str, number: int, item_code: str) -> HttpResponse:
    """One reported item with its basis check, comments and (for the reform office) the decision form."""
    person = person_of(request)
    edition = queries.access_edition(person, code, number, channel="console")
    item = queries.item_in(edition, item_code)
    context = _item_context(person, edition, item)
    status = 200
    if request.method == "POST":
        form = DispositionForm(request.POST)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                target_unit = org_queries.get_unit(data["target_unit"]) if data["target_unit"] else None
                actions.do_decide_item(
                    actor=person,
                    item=item,
                    kind=data["kind"],
                    reason=data["reason"],
                    target_level=data["target_level"],
                    target_code=data["target_code"],
                    target_unit=target_unit,
                    new_category=data["new_category"],
                    withdraw_cause=data["withdraw_cause"],
                )
            except DomainError as exc:
                field = exc.detail.get("field")
                form.add_error(field if field in form.fields else None, exc.localized_message())
            else:
                messages.success(request, _("Disposition of %(code)s recorded.") % {"code": item.code})
                return redirect("console:edition", code=code, number=number)
        status = 422
    return render(request, "console/lists/item.html", context, status=status)


def _item_context(person: Any, edition: ListEdition, item: PowerItem) -> dict[str, Any]:
    disposition = getattr(item, "disposition", None)
    initial = {}
    if disposition is not None:
        initial = {
            "kind": disposition.kind,
            "reason": disposition.reason,
            "target_level": disposition.target_level,
            "target_code": disposition.target_code,
            "target_unit": disposition.target_unit.code if disposition.target_unit else "",
            "new_category": disposition.new_category,
            "withdraw_cause": disposition.withdraw_cause,
        }
    office = actions.is_reform_office(person, edition.unit)
    return {
        "edition": edition,
        "unit": edition.unit,
        "item": item,
        "disposition": disposition,
        "names": queries.DISPOSITION_NAMES,
        "citations": list(item.citations.select_related("law").order_by("position")),
        "comments": [row for row in queries.comments_of(edition) if row.item_id == item.pk],
        "form": DispositionForm(initial=initial)
        if office and EditionStatus(edition.status) in states.REVIEWING
        else None,
        "may_comment": office or actions.may_compile(person, edition.unit),
    }
