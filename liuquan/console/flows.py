"""Console pages for process flows: each published power's flow, the draft's steps (post, time limit,
上会/公示) and risk points edited in forms, BPMN in and out for modelers, the problems that block
publication, and publishing. Thin callers of flows.queries and flows.actions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from liuquan.console.views import person_of
from liuquan.core.errors import Conflict, DomainError, Forbidden
from liuquan.flows import actions, bpmn, diagram, queries
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.spec import (
    RISK_LEVEL_NAMES,
    SANCTION_NAMES,
    STEP_KIND_NAMES,
    DayKind,
    Flow,
    Limit,
    RiskLevel,
    RiskPoint,
    Sanction,
)
from liuquan.org import queries as org_queries
from liuquan.powers import actions as power_actions
from liuquan.powers import queries as power_queries
from liuquan.supervision import catalog

DAY_CHOICES = [
    (DayKind.WORKING.value, gettext_lazy("working days")),
    (DayKind.NATURAL.value, gettext_lazy("natural days")),
]
LEVEL_CHOICES = [(level.value, RISK_LEVEL_NAMES[level]) for level in RiskLevel]
RULE_CHOICES = [("", "—"), *((name, f"{name}：{text[:24]}") for name, text in catalog.RULES.items())]


class StepForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    post = forms.ChoiceField(label=gettext_lazy("Post"), required=False)
    days = forms.IntegerField(
        label=gettext_lazy("Time limit (days)"), required=False, min_value=0, max_value=3650
    )
    day_kind = forms.ChoiceField(label=gettext_lazy("Days"), choices=DAY_CHOICES)
    meeting = forms.BooleanField(label=gettext_lazy("Collective decision (上会)"), required=False)
    publicity = forms.BooleanField(label=gettext_lazy("Made public (公示)"), required=False)


class RiskForm(forms.Form):
    step = forms.ChoiceField(label=gettext_lazy("Step"))
    point = forms.CharField(label=gettext_lazy("Risk point"), max_length=300, required=False)
    manifestation = forms.CharField(
        label=gettext_lazy("How it shows"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=LEVEL_CHOICES)
    measures = forms.CharField(
        label=gettext_lazy("Control measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    post = forms.CharField(label=gettext_lazy("Responsible post"), max_length=60, required=False)
    person = forms.CharField(label=gettext_lazy("Responsible person"), max_length=60, required=False)
    rule = forms.ChoiceField(label=gettext_lazy("Supervision rule"), choices=RULE_CHOICES, required=False)
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)


SANCTION_CHOICES = [(sanction.value, SANCTION_NAMES[sanction]) for sanction in Sanction]


class LimitsForm(forms.Form):
    """The flow's own limits and what they rest on: the case limit and one extension, the special-law
    limit it cites (特别时限依据), and for a penalty the kinds it may impose and the largest amount
    (行政处罚法 arts. 9, 63)."""

    case_days = forms.IntegerField(
        label=gettext_lazy("Case limit (days)"), required=False, min_value=0, max_value=3650
    )
    case_kind = forms.ChoiceField(label=gettext_lazy("Days"), choices=DAY_CHOICES)
    extension_days = forms.IntegerField(
        label=gettext_lazy("One extension adds (days)"), required=False, min_value=0, max_value=3650
    )
    limit_basis = forms.ChoiceField(label=gettext_lazy("Special-law limit cited"), required=False)
    sanctions = forms.MultipleChoiceField(
        label=gettext_lazy("Penalties it may impose"),
        choices=SANCTION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_amount = forms.IntegerField(
        label=gettext_lazy("Largest fine or confiscation (yuan)"), required=False, min_value=0
    )


def _limits_form(definition: ProcessDefinition, data: Any = None) -> LimitsForm:
    flow = definition.flow
    form = LimitsForm(
        data,
        initial={
            "case_days": flow.case_limit.days if flow.case_limit else None,
            "case_kind": (flow.case_limit.kind if flow.case_limit else DayKind.WORKING).value,
            "extension_days": flow.extension.days if flow.extension else None,
            "limit_basis": flow.limit_basis,
            "sanctions": [sanction.value for sanction in flow.sanctions],
            "max_amount": flow.max_amount,
        },
        prefix="limits",
    )
    registered = sorted(
        key for key, row in queries.registered_limits().items() if row.category == flow.category
    )
    if flow.limit_basis and flow.limit_basis not in registered:
        registered.append(flow.limit_basis)  # shown, so that saving does not drop it silently
    form.fields["limit_basis"].choices = [("", _("The general statute")), *((key, key) for key in registered)]  # type: ignore[attr-defined]
    form.penalty = flow.category == "penalty"  # type: ignore[attr-defined]
    return form


StepFormSet = forms.formset_factory(StepForm, extra=0)
RiskFormSet = forms.formset_factory(RiskForm, extra=2)


def _step_forms(definition: ProcessDefinition, data: Any = None) -> Any:
    flow = definition.flow
    posts = [("", "—"), *((post.name, post.name) for post in definition.unit.posts.all())]
    posts += [
        (step.post, step.post) for step in flow.steps if step.post and (step.post, step.post) not in posts
    ]
    initial = [
        {
            "key": step.key,
            "post": step.post,
            "days": step.limit.days if step.limit else None,
            "day_kind": (step.limit.kind if step.limit else DayKind.WORKING).value,
            "meeting": step.meeting,
            "publicity": step.publicity,
        }
        for step in flow.steps
    ]
    formset = StepFormSet(data, initial=initial, prefix="steps")
    for form, step in zip(formset.forms, flow.steps, strict=False):
        form.fields["post"].choices = posts  # type: ignore[attr-defined]
        form.step = step  # type: ignore[attr-defined]
        form.kind_name = STEP_KIND_NAMES[step.kind]  # type: ignore[attr-defined]
    return formset


def _risk_forms(definition: ProcessDefinition, data: Any = None) -> Any:
    flow = definition.flow
    initial = [
        {
            "step": risk.step,
            "point": risk.point,
            "manifestation": risk.manifestation,
            "level": risk.level.value,
            "measures": risk.measures,
            "post": risk.post,
            "person": risk.person,
            "rule": risk.rule,
        }
        for risk in flow.risks
    ]
    formset = RiskFormSet(data, initial=initial, prefix="risks")
    steps = [(step.key, step.name) for step in flow.steps]
    for form in formset.forms:
        form.fields["step"].choices = steps  # type: ignore[attr-defined]
    return formset


@login_required
def unit_flows(request: HttpRequest, code: str) -> HttpResponse:
    """Every power of the unit's published list with the state of its flow."""
    person = person_of(request)
    unit = org_queries.get_unit(code)
    if not org_queries.can_read_private(person, unit):
        raise Forbidden(f"无权查看{unit.name}的流程", message_en=f"You may not read the flows of {unit.name}")
    edition = power_queries.latest_published(unit)
    items = power_queries.kept_items(edition) if edition else []
    rows: dict[str, dict[str, Any]] = {
        item.code: {"item": item, "in_force": None, "draft": None} for item in items
    }
    for row in queries.flows_of(unit):
        entry = rows.get(row.power_code)
        if entry is None:
            continue
        if row.status == FlowStatus.PUBLISHED:
            entry["in_force"] = row
        elif row.status == FlowStatus.DRAFT:
            entry["draft"] = row
    return render(
        request,
        "console/flows/unit.html",
        {"unit": unit, "rows": list(rows.values()), "may_edit": power_actions.may_compile(person, unit)},
    )


def _flow_context(person: Any, unit_code: str, power_code: str) -> dict[str, Any]:
    unit = org_queries.get_unit(unit_code)
    if not org_queries.can_read_private(person, unit):
        raise Forbidden(f"无权查看{unit.name}的流程", message_en=f"You may not read the flows of {unit.name}")
    versions = list(queries.versions_of(unit, power_code).select_related("unit"))
    draft = next((row for row in versions if row.status == FlowStatus.DRAFT), None)
    shown = draft or next((row for row in versions if row.status == FlowStatus.PUBLISHED), None)
    may_edit = power_actions.may_compile(person, unit)
    return {
        "unit": unit,
        "power_code": power_code,
        "versions": versions,
        "draft": draft,
        "shown": shown,
        "flow_svg": diagram.flow_svg(shown.flow) if shown else "",
        "problems": actions.check_publish(draft) if draft else [],
        "may_edit": may_edit,
        "may_publish": actions.may_publish(person, unit),
        "step_forms": _step_forms(draft) if draft and may_edit else None,
        "risk_forms": _risk_forms(draft) if draft and may_edit else None,
        "limits_form": _limits_form(draft) if draft and may_edit else None,
    }


@login_required
def flow_detail(request: HttpRequest, code: str, power: str) -> HttpResponse:
    context = _flow_context(person_of(request), code, power)
    context["flow_svg"] = mark_safe(context["flow_svg"])  # noqa: S308 - diagram escapes every text
    return render(request, "console/flows/flow.html", context)


def _back(code: str, power: str) -> HttpResponse:
    return redirect("console:flow", code=code, power=power)


def _refused(request: HttpRequest, exc: DomainError, code: str, power: str) -> HttpResponse:
    """A refusal shown on the flow's page; a person who may not act here gets the 403 page instead."""
    if isinstance(exc, Forbidden):
        raise exc
    problems = exc.detail.get("problems")
    if isinstance(problems, list) and problems and all(isinstance(p, dict) for p in problems):
        messages.error(request, _("The flow cannot be published yet:"))
        for problem in problems:
            messages.error(request, str(problem.get("message")))
    else:
        messages.error(request, exc.localized_message())
    return _back(code, power)


@login_required
@require_POST
def new_draft(request: HttpRequest, code: str, power: str) -> HttpResponse:
    try:
        row = actions.do_create_flow(
            actor=person_of(request), unit=org_queries.get_unit(code), power_code=power
        )
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(request, _("Draft version %(version)s opened.") % {"version": row.version})
    return _back(code, power)


def _draft(code: str, power: str) -> ProcessDefinition:
    row = queries.get_version(code, power)
    if row.status != FlowStatus.DRAFT:
        raise Conflict("没有编制中的流程版本", message_en="There is no draft", code="no_draft")
    return row


@login_required
@require_POST
def save_steps(request: HttpRequest, code: str, power: str) -> HttpResponse:
    person = person_of(request)
    try:
        draft = _draft(code, power)
        formset = _step_forms(draft, request.POST)
        if not formset.is_valid():
            messages.error(request, _("Check the steps: %(errors)s") % {"errors": formset.errors})
            return _back(code, power)
        flow = draft.flow
        changes = {form.cleaned_data["key"]: form.cleaned_data for form in formset.forms}
        steps = []
        for step in flow.steps:
            data = changes.get(step.key)
            if data is None:
                steps.append(step)
                continue
            days = data["days"]
            steps.append(
                replace(
                    step,
                    post=data["post"] or "",
                    limit=Limit(days, DayKind(data["day_kind"])) if days is not None else None,
                    meeting=data["meeting"],
                    publicity=data["publicity"],
                )
            )
        actions.do_update_flow(actor=person, definition=draft, flow=replace(flow, steps=tuple(steps)))
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(request, _("Steps saved."))
    return _back(code, power)


@login_required
@require_POST
def save_limits(request: HttpRequest, code: str, power: str) -> HttpResponse:
    person = person_of(request)
    try:
        draft = _draft(code, power)
        form = _limits_form(draft, request.POST)
        if not form.is_valid():
            messages.error(request, _("Check the time limits: %(errors)s") % {"errors": form.errors})
            return _back(code, power)
        data = form.cleaned_data
        kind = DayKind(data["case_kind"])
        flow = replace(
            draft.flow,
            case_limit=Limit(data["case_days"], kind) if data["case_days"] is not None else None,
            extension=Limit(data["extension_days"], kind) if data["extension_days"] else None,
            limit_basis=data["limit_basis"] or "",
            sanctions=tuple(Sanction(value) for value in data["sanctions"]),
            max_amount=data["max_amount"],
        )
        actions.do_update_flow(actor=person, definition=draft, flow=flow)
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(request, _("Time limits saved."))
    return _back(code, power)


@login_required
@require_POST
def save_risks(request: HttpRequest, code: str, power: str) -> HttpResponse:
    person = person_of(request)
    try:
        draft = _draft(code, power)
        formset = _risk_forms(draft, request.POST)
        if not formset.is_valid():
            messages.error(request, _("Check the risk points: %(errors)s") % {"errors": formset.errors})
            return _back(code, power)
        risks = []
        for form in formset.forms:
            data = form.cleaned_data
            if not data or data.get("remove") or not (data.get("point") or "").strip():
                continue
            if not (data.get("measures") or "").strip():
                messages.error(
                    request, _("Risk point %(point)s needs its control measures.") % {"point": data["point"]}
                )
                return _back(code, power)
            risks.append(
                RiskPoint(
                    step=data["step"],
                    point=data["point"].strip(),
                    manifestation=data["manifestation"].strip(),
                    level=RiskLevel(data["level"]),
                    measures=data["measures"].strip(),
                    post=data["post"].strip(),
                    person=data["person"].strip(),
                    rule=data["rule"] or "",
                )
            )
        flow: Flow = draft.flow
        actions.do_update_flow(actor=person, definition=draft, flow=replace(flow, risks=tuple(risks)))
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(request, _("Risk points saved."))
    return _back(code, power)


@login_required
@require_POST
def import_bpmn(request: HttpRequest, code: str, power: str) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a BPMN file."))
        return _back(code, power)
    if (upload.size or 0) > bpmn.MAX_BPMN_BYTES:
        messages.error(request, _("The file is larger than 5 MB."))
        return _back(code, power)
    try:
        result = actions.do_import_bpmn(
            actor=person_of(request),
            unit=org_queries.get_unit(code),
            power_code=power,
            data=upload.read(),
            name=upload.name or "",
        )
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(
        request, _("BPMN imported into draft version %(version)s.") % {"version": result.definition.version}
    )
    language = translation.get_language() or "zh-hans"
    for note in result.unmapped:
        messages.warning(request, _("Not mapped: %(what)s") % {"what": note.text(language)})
    for note in result.warnings:
        messages.warning(request, note.text(language))
    return _back(code, power)


@login_required
def draft_bpmn(request: HttpRequest, code: str, power: str) -> HttpResponse:
    """The newest version (the draft, for those who read it) as BPMN, to edit in a modeler."""
    context = _flow_context(person_of(request), code, power)
    shown: ProcessDefinition | None = context["shown"]
    if shown is None:
        raise Http404("no flow")
    response = HttpResponse(bpmn.to_bpmn(shown.flow, name=shown.power_name), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{code}-{power}-v{shown.version}.bpmn"'
    return response


@login_required
@require_POST
def publish(request: HttpRequest, code: str, power: str) -> HttpResponse:
    try:
        report = actions.do_publish_flow(actor=person_of(request), definition=_draft(code, power))
    except DomainError as exc:
        return _refused(request, exc, code, power)
    messages.success(request, _("Version %(version)s published.") % {"version": report.definition.version})
    for problem in report.warnings:
        messages.warning(request, problem.message)
    return _back(code, power)
