"""Actions of process flows: drafting a power's flow (from its template, a copy of the version in force,
or BPMN), editing the draft, and publishing it after validation against the law and the unit's staff.

Only a published power gets a flow (清单之外无权力). A published version is never changed: publishing
a new version supersedes it, and cases begun on it go on under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from liuquan.core.actions import ActRecorder, action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.flows import bpmn, codec, queries, rules, templates
from liuquan.flows.models import FlowStatus, ProcessDefinition, RiskPoint
from liuquan.flows.spec import Flow
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Role, Unit
from liuquan.powers import actions as power_actions
from liuquan.powers import queries as power_queries
from liuquan.supervision import catalog

PUBLISHER_ROLES = frozenset({Role.HEAD, Role.REFORM_OFFICE})


def check_may_edit(actor: Person, unit: Unit) -> None:
    if not power_actions.may_compile(actor, unit):
        raise Forbidden(
            f"无权编制{unit.name}的权力运行流程", message_en=f"You may not edit the flows of {unit.name}"
        )


def may_publish(actor: Person, unit: Unit) -> bool:
    return actor.is_active and (
        actor.is_superuser or org_queries.scope_of(actor, PUBLISHER_ROLES).covers(unit)
    )


def _require_draft(definition: ProcessDefinition) -> None:
    if definition.status != FlowStatus.DRAFT:
        raise Conflict(
            f"{definition}已公布，不能修改；请新建版本",
            message_en=f"{definition} is {definition.status} and cannot be changed; start a new version",
            code="flow_immutable",
            version=definition.version,
        )


def _check_shape(flow: Flow, power_name: str) -> Flow:
    """A flow must at least round-trip through its stored form; its name defaults to the power's."""
    try:
        decoded = codec.decode(codec.encode(flow))
    except codec.FlowFormatError as exc:
        raise InvalidInput(f"流程数据有误：{exc}", message_en=f"Bad flow: {exc}", field="flow") from None
    if not decoded.steps:
        raise InvalidInput("流程没有任何环节", message_en="The flow has no steps", field="flow")
    for position, risk in enumerate(decoded.risks, start=1):
        if catalog.unknown([risk.rule]):
            raise InvalidInput(
                f"风险点{position}「{risk.point}」绑定的监督规则 {risk.rule} 不存在；可用的规则："
                + "、".join(catalog.RULES),
                message_en=f"Risk point {position} ({risk.point}) names an unknown supervision rule {risk.rule}",
                field="risks",
                rule=risk.rule,
            )
    return decoded if decoded.name else Flow(**{**decoded.__dict__, "name": power_name})


def _open_draft(
    act: ActRecorder, *, actor: Person, unit: Unit, code: str, name: str, flow: Flow, source: str
) -> ProcessDefinition:
    if ProcessDefinition.objects.filter(unit=unit, power_code=code, status=FlowStatus.DRAFT).exists():
        raise Conflict(
            f"{name}已有编制中的流程版本",
            message_en=f"{code} already has a draft flow",
            code="draft_exists",
            power=code,
        )
    current = queries.flow_in_force(unit, code)
    last = ProcessDefinition.objects.filter(unit=unit, power_code=code).order_by("-version").first()
    definition = ProcessDefinition.objects.create(
        unit=unit,
        power_code=code,
        power_name=name,
        version=(last.version + 1) if last else 1,
        status=FlowStatus.DRAFT,
        spec=codec.encode(flow),
        based_on=current,
        source=source[:200],
        created_at=timezone.now(),
        created_by=actor,
    )
    act.record(definition)
    return definition


def do_create_flow(
    *, actor: Person, unit: Unit, power_code: str, flow: Flow | None = None
) -> ProcessDefinition:
    """Open a draft flow for a published power: the given flow, else a copy of the version in force,
    else the template of the power's category."""
    check_may_edit(actor, unit)
    item = power_queries.published_power(unit, power_code)
    category = power_queries.effective_category(item)
    current = queries.flow_in_force(unit, power_code)
    if flow is not None:
        chosen, source = _check_shape(flow, item.name), "given"
    elif current is not None:
        chosen, source = current.flow, f"copy:v{current.version}"
    else:
        chosen = Flow(**{**templates.template_for(category).__dict__, "name": item.name})
        source = f"template:{category}"
    with action("flows.create", actor=actor) as act:
        return _open_draft(
            act, actor=actor, unit=unit, code=power_code, name=item.name, flow=chosen, source=source
        )


def do_update_flow(*, actor: Person, definition: ProcessDefinition, flow: Flow) -> ProcessDefinition:
    """Replace a draft's flow (steps, posts, limits, transitions, separation, risk points)."""
    check_may_edit(actor, definition.unit)
    _require_draft(definition)
    chosen = _check_shape(flow, definition.power_name)
    with action("flows.update", actor=actor) as act:
        definition.spec = codec.encode(chosen)
        definition.save(update_fields=["spec"])
        act.record(definition)
    return definition


@dataclass
class PublishReport:
    definition: ProcessDefinition
    warnings: list[rules.Problem] = field(default_factory=list)


def check_publish(definition: ProcessDefinition) -> list[rules.Problem]:
    """Every problem of the draft against the law and the unit's staff (errors and warnings)."""
    return rules.check_flow(definition.flow, staff=queries.staff_of(definition.unit))


def do_publish_flow(*, actor: Person, definition: ProcessDefinition) -> PublishReport:
    """Publish a draft after validation; refused with every error listed. The version in force before
    it is superseded; its risk points become rows that supervision watches."""
    if not may_publish(actor, definition.unit):
        raise Forbidden(
            "只有部门负责人或改革办可以公布权力运行流程",
            message_en="Only the unit's head or the reform office may publish a flow",
        )
    _require_draft(definition)
    power_queries.published_power(definition.unit, definition.power_code)
    problems = check_publish(definition)
    errors = rules.errors(problems)
    if errors:
        raise RuleViolation(
            f"流程有 {len(errors)} 处问题，不能公布：" + "；".join(problem.message for problem in errors),
            message_en=f"The flow has {len(errors)} problems: "
            + "; ".join(problem.message_en for problem in errors),
            code="invalid_flow",
            problems=[
                {"code": p.code, "step": p.step, "message": p.message, "message_en": p.message_en}
                for p in errors
            ],
        )
    flow = definition.flow
    with action("flows.publish", actor=actor) as act:
        for previous in ProcessDefinition.objects.filter(
            unit=definition.unit, power_code=definition.power_code, status=FlowStatus.PUBLISHED
        ):
            previous.status = FlowStatus.SUPERSEDED
            previous.save(update_fields=["status"])
            act.record(previous)
        definition.status = FlowStatus.PUBLISHED
        definition.published_at = timezone.now()
        definition.save(update_fields=["status", "published_at"])
        act.record(definition)
        for position, risk in enumerate(flow.risks, start=1):
            row = RiskPoint.objects.create(
                definition=definition,
                position=position,
                step=risk.step,
                point=risk.point[:300],
                manifestation=risk.manifestation,
                level=risk.level.value,
                measures=risk.measures,
                post=risk.post[:60],
                person=risk.person[:60],
                rule=risk.rule[:60],
            )
            act.record(row)
    return PublishReport(definition=definition, warnings=[p for p in problems if p.severity == "warning"])


@dataclass
class BpmnImport:
    definition: ProcessDefinition
    unmapped: list[str]
    warnings: list[str]


def do_import_bpmn(*, actor: Person, unit: Unit, power_code: str, data: bytes, name: str = "") -> BpmnImport:
    """A draft from a BPMN 2.0 file (bpmn.io, Camunda Modeler, …): a new draft, or the open draft's
    flow replaced. Risk points of the version it replaces are kept (BPMN has no place for them)."""
    check_may_edit(actor, unit)
    item = power_queries.published_power(unit, power_code)
    try:
        result = bpmn.from_bpmn(data, category=power_queries.effective_category(item), name=item.name)
    except bpmn.BpmnError as exc:
        raise InvalidInput(
            f"{name or 'BPMN'}：{exc}", message_en=f"{name or 'BPMN'}: {exc}", field="file"
        ) from None
    if result.flow is None or result.problems:
        raise InvalidInput(
            f"{name or 'BPMN'}：无法转换为流程：" + "；".join(result.problems),
            message_en=f"{name or 'BPMN'}: cannot be turned into a flow: " + "; ".join(result.problems),
            field="file",
            problems=list(result.problems),
        )
    draft = ProcessDefinition.objects.filter(
        unit=unit, power_code=power_code, status=FlowStatus.DRAFT
    ).first()
    keep_from = draft or queries.flow_in_force(unit, power_code)
    flow = result.flow
    if keep_from is not None and not flow.risks:
        kept = keep_from.flow
        step_keys = {step.key for step in flow.steps}
        flow = Flow(**{**flow.__dict__, "risks": tuple(r for r in kept.risks if r.step in step_keys)})
    flow = _check_shape(flow, item.name)
    with action("flows.import_bpmn", actor=actor) as act:
        if draft is not None:
            draft.spec = codec.encode(flow)
            draft.source = f"bpmn:{name}"[:200]
            draft.save(update_fields=["spec", "source"])
            act.record(draft)
            definition = draft
        else:
            definition = _open_draft(
                act, actor=actor, unit=unit, code=power_code, name=item.name, flow=flow, source=f"bpmn:{name}"
            )
    return BpmnImport(definition=definition, unmapped=list(result.unmapped), warnings=list(result.warnings))
