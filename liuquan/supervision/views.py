"""The supervision centre in the console: the alerts a 纪检/审计 person supervises, one alert carried from
open to its end (assign, dismiss or confirm, 处置 naming the people answerable under the 责任清单, close),
and the rules with their settings and change history.

Thin callers of supervision.queries and supervision.actions. Nobody but a 纪检 or 审计 person sees an
alert (403). A refusal by an action is shown on the re-rendered page, on the form's field when it names
one, with the refusal's status — never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from liuquan.cases import engine
from liuquan.cases import queries as case_queries
from liuquan.cases.models import BREACH_KIND_NAMES, Breach, CaseStep
from liuquan.console.views import person_of
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Region, RoleGrant, Unit
from liuquan.supervision import actions, catalog, queries, rules
from liuquan.supervision.forms import (
    AlertFilterForm,
    AnswerForm,
    AssignForm,
    CloseForm,
    ConfirmForm,
    DismissForm,
    DisposeForm,
    RuleForm,
)
from liuquan.supervision.models import ENDED, Alert, AlertLevel, AlertStatus

CHANNEL = "console"
PAGE_SIZE = 50
HISTORY_ROWS = 200
CHECKING = frozenset({AlertStatus.OPEN, AlertStatus.CHECKING})  # the handling SLA runs in these states
REFUSALS = (InvalidInput, Conflict, RuleViolation)  # shown on the page; Forbidden/NotFound get theirs
DETAIL_LABELS = {
    "due_on": gettext_lazy("Due"),
    "breach": gettext_lazy("Breach record"),
    "kind": gettext_lazy("Kind"),
    "refused": gettext_lazy("Refused at the door"),
    "at": gettext_lazy("Time"),
    "returns": gettext_lazy("Times returned"),
    "max": gettext_lazy("Allowed"),
    "oversight": gettext_lazy("Oversight record"),
    "area": gettext_lazy("Area of work"),
    "external_case": gettext_lazy("Case in the other system"),
    "corrections": gettext_lazy("Times asked to correct"),
    "waiting": gettext_lazy("Events waiting"),
}


def _detail_value(key: str, value: Any) -> Any:
    """A detail's value as a person reads it: yes or no, a breach kind's Chinese name."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "kind":
        return BREACH_KIND_NAMES.get(str(value), value)
    return value


NOTE_LABELS = {
    "assign": gettext_lazy("Given for checking"),
    "check": gettext_lazy("Check report"),
    "defence": gettext_lazy("The unit's answer"),
    "dismiss": gettext_lazy("Dismissed"),
    "confirm": gettext_lazy("Confirmed"),
    "dispose": gettext_lazy("Disposal"),
    "close": gettext_lazy("Closed"),
}


# The list ---------------------------------------------------------------------------------------------


def _filtered(alerts: QuerySet[Alert], filters: dict[str, str]) -> QuerySet[Alert]:
    return queries.filter_alerts(
        alerts, status=filters.get("status", ""), rule=filters.get("rule", ""), unit=filters.get("unit", "")
    )


def _overdue(alert: Alert, today: Any) -> bool:
    return alert.status in CHECKING and alert.respond_by is not None and alert.respond_by < today


@never_cache
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alerts in the person's reach, filtered, counted by level, a page at a time (fixed queries)."""
    person = person_of(request)
    queries.check_alert_reader(person)
    scoped = queries.alerts_for(person)
    units = list(scoped.order_by("unit__code").values_list("unit__code", "unit__name").distinct())
    form = AlertFilterForm(request.GET, units=units)
    filters = form.filters()
    alerts = _filtered(scoped, filters)
    counts = {
        row["level"]: row["n"]
        for row in alerts.order_by().values("level").annotate(n=Count("pk")).values("level", "n")
    }
    if filters.get("level"):
        alerts = alerts.filter(level=filters["level"])
    page = Paginator(alerts.order_by("-raised_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    without_level = query.copy()
    without_level.pop("level", None)
    return render(
        request,
        "supervision/alerts.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {
                    "alert": alert,
                    "overdue": _overdue(alert, today),
                    "description": catalog.RULES.get(alert.rule),
                    "rule_name": catalog.short_name(alert.rule),
                }
                for alert in page.object_list
            ],
            "counts": {level: counts.get(level, 0) for level in AlertLevel.values},
            "query": query.urlencode(),
            "level_query": without_level.urlencode(),
        },
    )


# One alert --------------------------------------------------------------------------------------------


def _supervisors(unit: Unit) -> list[Person]:
    """纪检 and 审计 people whose grants cover the unit: those an alert can be given to for checking."""
    grants = (
        RoleGrant.objects.filter(role__in=list(actions.SUPERVISORS), person__is_active=True)
        .filter(Q(unit=unit) | Q(unit__isnull=True, region__isnull=False))
        .select_related("person__unit", "region")
    )
    found: dict[int, Person] = {}
    for grant in grants:
        if grant.unit_id == unit.pk or (grant.region and unit.region.code.startswith(grant.region.prefix)):
            found.setdefault(grant.person_id, grant.person)
    return sorted(found.values(), key=lambda person: (person.full_name, person.pk))


def _staff(unit: Unit) -> list[Person]:
    return list(Person.objects.filter(unit=unit, is_active=True).order_by("full_name", "pk"))


def _steps(alert: Alert) -> list[CaseStep]:
    """The alert's case's step rows, each with `outcome_label` (the outcome as the flow names it)."""
    case = alert.case
    if case is None:
        return []
    rows = list(
        CaseStep.objects.filter(case=case).select_related("assignee", "completed_by").order_by("position")
    )
    table = engine.StepTable(case.definition.flow)
    for row in rows:
        row.outcome_label = case_queries.outcome_name(table, row.step, row.outcome)  # type: ignore[attr-defined]
    return rows


def _breach(alert: Alert) -> Breach | None:
    breach_id = alert.detail.get("breach")
    if not isinstance(breach_id, int):
        return None
    return Breach.objects.filter(pk=breach_id).select_related("person").first()


def _answerable(alert: Alert, steps: list[CaseStep], breach: Breach | None) -> tuple[list[int], str]:
    """Who handled what the alert is about (pre-selected as answerable), and that step's name.

    The alert's step: whoever completed it, or holds it while it is still open. A breach: the person who
    made it and whoever completed the case's steps at the breach's step."""
    people: list[int] = []
    step_name = ""
    step = next((row for row in steps if row.pk == alert.case_step_id), None)
    if step is not None:
        step_name = step.name
        handler = step.completed_by_id or step.assignee_id
        if handler:
            people.append(handler)
    if breach is not None:
        if breach.person_id:
            people.append(breach.person_id)
        for row in steps:
            if breach.step and row.step == breach.step:
                step_name = step_name or row.name
                if row.completed_by_id:
                    people.append(row.completed_by_id)
    return list(dict.fromkeys(people)), step_name


def _dispose_form(
    alert: Alert, steps: list[CaseStep], breach: Breach | None, data: Any = None
) -> DisposeForm:
    lines = actions.responsibilities_for(alert)
    staff = _staff(alert.unit)
    people, step_name = _answerable(alert, steps, breach)
    staff_ids = {person.pk for person in staff}
    matching = [line.pk for line in lines if step_name and line.stage == step_name]
    initial: dict[str, Any] = {"people": [pk for pk in people if pk in staff_ids]}
    if len(matching) == 1:
        initial["responsibility"] = matching[0]
    return DisposeForm(data, lines=lines, staff=staff, initial=initial)


def _render_alert(
    request: HttpRequest, person: Person, alert: Alert, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    steps = _steps(alert)
    breach = _breach(alert)
    state = AlertStatus(alert.status)
    notes = list(alert.notes.select_related("person").order_by("at", "pk"))
    context: dict[str, Any] = {
        "alert": alert,
        "description": catalog.RULES.get(alert.rule, ""),
        "rule_name": catalog.short_name(alert.rule),
        "risk_point": alert.detail.get("risk_point", ""),
        "details": [
            (DETAIL_LABELS.get(key, key), _detail_value(key, value))
            for key, value in alert.detail.items()
            if key in DETAIL_LABELS and value not in (None, "")  # the rest are ids for the machine
        ],
        "overdue": _overdue(alert, timezone.localdate()),
        "ended": state in ENDED,
        "steps": steps,
        "breach": breach,
        "notes": [{"note": note, "label": NOTE_LABELS.get(note.kind, note.kind)} for note in notes],
        "sanctions": list(
            alert.sanctions.select_related("decided_by").prefetch_related("people").order_by("decided_at")
        ),
        "assign_form": None,
        "check_form": None,
        "checker": actions.checker_of(alert, notes),
        "dismiss_form": None,
        "confirm_form": None,
        "dispose_form": None,
        "close_form": None,
        "answer_form": None,
        "answer_by": actions.answer_by(alert, notes) if state is AlertStatus.CONFIRMED else None,
        "answered": actions.answered(alert, notes),
    }
    if not actions.is_supervisor(person, alert):  # the unit's head: reads, and answers a confirmed alert
        if state is AlertStatus.CONFIRMED:
            context["answer_form"] = bound.get("answer_form") or AnswerForm()
        return render(request, "supervision/alert.html", context, status=status)
    if state in CHECKING or state is AlertStatus.CHECKED:
        context["assign_form"] = bound.get("assign_form") or AssignForm(
            supervisors=_supervisors(alert.unit), initial={"assignee": alert.assignee_id or person.pk}
        )
    if state is AlertStatus.CHECKING and alert.assignee_id == person.pk:
        context["check_form"] = bound.get("check_form") or ConfirmForm()
    if _allowed(actions.check_may_decide, person, alert):
        context["dismiss_form"] = bound.get("dismiss_form") or DismissForm()
        context["confirm_form"] = bound.get("confirm_form") or ConfirmForm()
    elif state is AlertStatus.CHECKED or (state is AlertStatus.CHECKING and actions.four_eyes(alert)):
        context["decide_elsewhere"] = True  # the page says who may decide, instead of forms that refuse
    for name in ("check_form", "dismiss_form", "confirm_form"):  # a form sent back with its errors
        if name in bound:
            context[name] = bound[name]
    if state in {AlertStatus.CONFIRMED, AlertStatus.DISPOSED} and not (
        actions.four_eyes(alert) and context["checker"] == person.pk
    ):
        form = bound.get("dispose_form") or _dispose_form(alert, steps, breach)
        assert isinstance(form, DisposeForm)
        context["dispose_form"] = form
        context["line_choices"] = list(zip(form["responsibility"], form.lines.values(), strict=True))
        context["preselected"] = set(form.initial.get("people", []))
    if state is AlertStatus.DISPOSED:
        context["close_form"] = bound.get("close_form") or CloseForm()
    return render(request, "supervision/alert.html", context, status=status)


@never_cache
@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    person = person_of(request)
    alert = queries.access_alert(person, alert_id, channel=CHANNEL)
    return _render_alert(request, person, alert)


def _act(
    request: HttpRequest,
    person: Person,
    alert: Alert,
    name: str,
    form: forms.Form,
    run: Callable[[], object],
    done: str,
) -> HttpResponse:
    """Validate `form`, run the action; on a refusal re-render the alert with the error on the form."""
    if form.is_valid():
        try:
            run()
        except REFUSALS as exc:
            field = exc.detail.get("field")
            if field in form.fields:
                form.add_error(field, exc.localized_message())
            else:
                messages.error(request, exc.localized_message())
            alert.refresh_from_db()
            return _render_alert(request, person, alert, status=exc.http_status, **{name: form})
        messages.success(request, done)
        return redirect("supervision:alert", alert_id=alert.pk)
    return _render_alert(request, person, alert, status=422, **{name: form})


def _allowed(check: Callable[[Person, Alert], None], person: Person, alert: Alert) -> bool:
    try:
        check(person, alert)
    except (*REFUSALS, Forbidden):
        return False
    return True


@never_cache
@login_required
def unit_alerts(request: HttpRequest) -> HttpResponse:
    """The confirmed alerts against the units a head (负责人) heads, to read and answer before 处置."""
    person = person_of(request)
    alerts = queries.unit_alerts_for(person).prefetch_related("notes").order_by("-raised_at", "-pk")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/unit_alerts.html",
        {
            "page": page,
            "rows": [
                {
                    "alert": alert,
                    "rule_name": catalog.short_name(alert.rule),
                    "answered": actions.answered(alert, list(alert.notes.all())),
                }
                for alert in page.object_list
            ],
        },
    )


def _handling(
    name: str,
    make_form: Callable[[HttpRequest, Alert], forms.Form],
    run: Callable[[Person, Alert, Any], object],
    done: Promise,
) -> Callable[[HttpRequest, int], HttpResponse]:
    """One POST of the alert page: the alert within the person's reach, its form, the action (see _act)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, alert_id: int) -> HttpResponse:
        person = person_of(request)
        alert = queries.access_alert(person, alert_id, channel=CHANNEL)
        form = make_form(request, alert)
        return _act(request, person, alert, name, form, lambda: run(person, alert, form), str(done))

    return view


assign = _handling(
    "assign_form",
    lambda request, alert: AssignForm(request.POST, supervisors=_supervisors(alert.unit)),
    lambda person, alert, form: actions.do_assign_alert(actor=person, alert=alert, assignee=form.chosen()),
    gettext_lazy("The alert was given for checking."),
)
report_check = _handling(
    "check_form",
    lambda request, alert: ConfirmForm(request.POST),
    lambda person, alert, form: actions.do_report_check(
        actor=person, alert=alert, finding=form.cleaned_data["finding"]
    ),
    gettext_lazy("The check was reported; someone else decides a red card."),
)
answer = _handling(
    "answer_form",
    lambda request, alert: AnswerForm(request.POST),
    lambda person, alert, form: actions.do_answer_alert(
        actor=person, alert=alert, text=form.cleaned_data["text"]
    ),
    gettext_lazy("The unit's answer is on the record."),
)
dismiss = _handling(
    "dismiss_form",
    lambda request, alert: DismissForm(request.POST),
    lambda person, alert, form: actions.do_dismiss_alert(
        actor=person, alert=alert, reason=form.cleaned_data["reason"]
    ),
    gettext_lazy("The alert was dismissed."),
)
confirm = _handling(
    "confirm_form",
    lambda request, alert: ConfirmForm(request.POST),
    lambda person, alert, form: actions.do_confirm_alert(
        actor=person, alert=alert, finding=form.cleaned_data["finding"]
    ),
    gettext_lazy("The alert was confirmed; record its disposal."),
)
dispose = _handling(
    "dispose_form",
    lambda request, alert: _dispose_form(alert, _steps(alert), _breach(alert), request.POST),
    lambda person, alert, form: actions.do_dispose_alert(
        actor=person,
        alert=alert,
        kind=form.cleaned_data["kind"],
        text=form.cleaned_data["text"],
        people=form.people_chosen(),
        responsibility=form.chosen_line(),
    ),
    gettext_lazy("The disposal was recorded."),
)
close = _handling(
    "close_form",
    lambda request, alert: CloseForm(request.POST),
    lambda person, alert, form: actions.do_close_alert(
        actor=person, alert=alert, text=form.cleaned_data["text"]
    ),
    gettext_lazy("The alert was closed."),
)


# The rules --------------------------------------------------------------------------------------------


def _history(person: Person) -> list[dict[str, Any]]:
    """Past rule changes within the person's reach, newest first: the settings' rows are the history
    (each change a new row, each on the ledger as a sealed entry)."""
    return [
        {
            "pk": row.pk,
            "at": row.updated_at,
            "by": row.updated_by.full_name or row.updated_by.username,
            "rule": row.rule,
            "name": catalog.short_name(row.rule),
            "scope": row.region.name if row.region else _("Every unit (default)"),
            "enabled": row.enabled,
            "params": row.params,
            "note": row.note,
        }
        for row in queries.rule_history(person, limit=HISTORY_ROWS)
    ]


def _scope(person: Person, code: str | None) -> Region | None:
    """The scope the page shows and changes: the one asked for, else the widest region the person
    supervises (an 审计's too, who reads the settings that hold there)."""
    if code:
        return org_queries.get_region(code)
    if code == "" or person.is_superuser:
        return None
    regions = [
        grant.region
        for grant in org_queries.grants_of(person)
        if grant.role in actions.SUPERVISORS and grant.unit_id is None and grant.region is not None
    ]
    return min(regions, key=lambda region: len(region.prefix)) if regions else None


def _render_rules(
    request: HttpRequest,
    person: Person,
    region: Region | None,
    *,
    bound: RuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_change = actions.may_set_rules(person, region)
    listing = []
    for row in queries.rule_settings(region):
        form = None
        if may_change:
            form = bound if bound is not None and bound.rule == row["rule"] else None
            form = form or RuleForm(rule=str(row["rule"]), current=row)
        listing.append({**row, "form": form})
    scopes = [("", _("Every unit (default)"))] if person.is_superuser else []
    scopes += [(scope.code, scope.name) for scope in actions.rule_scopes(person)]
    return render(
        request,
        "supervision/rules.html",
        {
            "rules": listing,
            "history": _history(person),
            "may_change": may_change,
            "bound": bound,
            "region": region,
            "scope_code": region.code if region else "",
            "scopes": scopes,
        },
        status=status,
    )


@never_cache
@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    if not person.is_superuser:
        queries.check_alert_reader(person)
    return _render_rules(request, person, _scope(person, request.GET.get("scope")))


@login_required
@require_POST
def set_rule(request: HttpRequest, rule: str) -> HttpResponse:
    person = person_of(request)
    if rule not in rules.REGISTRY:
        raise NotFound(f"没有监督规则 {rule}", message_en=f"No rule {rule}", rule=rule)
    region = _scope(person, request.POST.get("scope"))
    current = next(row for row in queries.rule_settings(region) if row["rule"] == rule)
    form = RuleForm(request.POST, rule=rule, current=current)
    if not form.is_valid():
        return _render_rules(request, person, region, bound=form, status=422)
    try:
        actions.do_set_rule(
            actor=person,
            rule=rule,
            enabled=form.cleaned_data["enabled"],
            params=form.params(),
            note=form.cleaned_data["note"],
            region=region,
        )
    except REFUSALS as exc:
        field = exc.detail.get("field")
        form.add_error(field if field in form.fields else None, exc.localized_message())
        return _render_rules(request, person, region, bound=form, status=exc.http_status)
    messages.success(
        request, _("The settings of %(rule)s were changed.") % {"rule": catalog.short_name(rule)}
    )
    return redirect(f"{reverse('supervision:rules')}?scope={region.code if region else ''}")
