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
from liuquan.flows import bpmn, codec, compose, queries, rules, templates
from liuquan.flows.models import FlowStatus, HearingThreshold, ProcessDefinition, RiskPoint, SpecialLimit
from liuquan.flows.spec import Flow, Sanction
from liuquan.laws import queries as law_queries
from liuquan.laws.numerals import ArticleNo, to_chinese
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


def composed(definition: ProcessDefinition) -> tuple[Flow, list[rules.Problem]]:
    """The draft with its call activities inlined (each called power's flow in force, version pinned),
    and what stops a call from being inlined."""
    flow = definition.flow
    called: dict[str, compose.Called] = {}
    problems: list[rules.Problem] = []
    for key, code in compose.calls_of(flow).items():
        if not code:
            continue  # rules.check_flow reports call_without_flow
        step = flow.step(key)
        name = step.name if step is not None else key
        target = None if code == definition.power_code else queries.flow_in_force(definition.unit, code)
        if target is None:
            problems.append(
                rules.Problem(
                    "call_not_published",
                    key,
                    f"环节「{name}」调用的事项 {code} 在本单位没有已公布的流程"
                    + ("（不能调用本事项自身）" if code == definition.power_code else ""),
                    f"step {key} calls {code}, which has no published flow in this unit",
                )
            )
            continue
        called[key] = compose.Called(power=code, version=target.version, flow=target.flow)
    inlined, unmatched = compose.inline(flow, called)
    problems += [rules.Problem("call_unmatched_end", p.step, p.message, p.message_en) for p in unmatched]
    return inlined, problems


def check_publish(definition: ProcessDefinition) -> list[rules.Problem]:
    """Every problem of the draft against the law, the registered special-law limits, the unit's hearing
    threshold and its staff (errors and warnings), with its call activities inlined."""
    flow, problems = composed(definition)
    return problems + rules.check_flow(
        flow,
        staff=queries.staff_of(definition.unit),
        registered=queries.registered_limits(),
        hearing_threshold=queries.hearing_threshold(definition.unit),
        basis_sanctions=_basis_sanctions(definition) if flow.category == "penalty" else frozenset(),
    )


def _basis_sanctions(definition: ProcessDefinition) -> frozenset[Sanction]:
    """The penalties the power's 实施依据 names: in the list's own words and in the articles it cites, as
    the law corpus holds them."""
    try:
        item = power_queries.published_power(definition.unit, definition.power_code)
    except RuleViolation:
        return frozenset()
    texts = [item.name, item.basis]
    for citation in item.citations.filter(law__isnull=False, article_number__isnull=False).select_related(
        "law"
    ):
        version = law_queries.current_version(citation.law) if citation.law else None
        article = (
            law_queries.find_article(version, ArticleNo(citation.article_number or 0, citation.article_sub))
            if version
            else None
        )
        if article is not None:
            texts.append(article.text)
    return rules.sanctions_named("\n".join(texts))


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
    flow, _ = composed(definition)
    with action("flows.publish", actor=actor) as act:
        if flow.calls:  # the called flows are inlined and pinned: the published version runs as stored
            definition.spec = codec.encode(flow)
            definition.save(update_fields=["spec"])
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
    """The draft made, and what the import could not map or wants checked: each note in Chinese, with
    English alongside (`note.text(language)` picks one)."""

    definition: ProcessDefinition
    unmapped: list[bpmn.Note]
    warnings: list[bpmn.Note]


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
            f"{name or 'BPMN'}：无法转换为流程：" + "；".join(note.zh for note in result.problems),
            message_en=f"{name or 'BPMN'}: cannot be turned into a flow: "
            + "; ".join(note.en for note in result.problems),
            field="file",
            problems=[note.zh for note in result.problems],
            problems_en=[note.en for note in result.problems],
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


# Special-law limits and the hearing threshold ------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """An article's 款: its lines, without the 项 ("（一）…") that belong to the 款 before them."""
    paragraphs: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if line.startswith(("（", "(")) and paragraphs:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def _says_days(text: str, days: int) -> bool:
    return any(
        f"{written}{unit}" in text
        for written in (to_chinese(days), str(days))
        for unit in ("日", "天", "个工作日")
    )


def do_register_special_limit(
    *,
    actor: Person,
    category: str,
    law: str,
    article: int,
    paragraph: int = 0,
    case: rules.Limit,
    extension: rules.Limit | None = None,
    note: str = "",
) -> SpecialLimit:
    """登记特别时限依据: a law's own limit for some powers, checked against the law corpus: the law and its
    version in force must be there, the article (and 款) must exist in it, and its text must state the
    number of days registered. Only the reform office registers (it answers for the lists' legal basis)."""
    if not (
        actor.is_superuser or org_queries.scope_of(actor, frozenset({Role.REFORM_OFFICE})).region_prefixes
    ):
        raise Forbidden(
            "只有改革办可以登记特别时限依据", message_en="Only the reform office registers special-law limits"
        )
    if category not in rules.CATEGORY_NAMES:
        raise InvalidInput(
            f"权力类型 {category} 不存在", message_en=f"unknown category {category}", field="category"
        )
    found = law_queries.find_law(law)
    if found is None:
        raise InvalidInput(
            f"法规库中没有《{law}》；请先导入法规库或核对名称",
            message_en=f"no law {law} in the corpus",
            field="law",
        )
    version = law_queries.current_version(found)
    if version is None:
        raise InvalidInput(
            f"《{found.name}》没有现行有效的版本（已废止），不能作为时限依据",
            message_en=f"{found.name} has no version in force (repealed)",
            field="law",
        )
    row = law_queries.find_article(version, ArticleNo(article))
    label = f"第{to_chinese(article)}条" if 0 < article < 10_000 else f"第{article}条"
    if row is None:
        raise InvalidInput(
            f"《{found.name}》现行版本没有{label}",
            message_en=f"{found.name} in force has no article {article}",
            field="article",
        )
    text = row.text
    if paragraph:
        paragraphs = _paragraphs(row.text)
        if not 0 < paragraph <= len(paragraphs):
            raise InvalidInput(
                f"《{found.name}》{label}只有{len(paragraphs)}款，没有第{to_chinese(paragraph)}款",
                message_en=f"article {article} has {len(paragraphs)} paragraphs, not {paragraph}",
                field="paragraph",
            )
        text = paragraphs[paragraph - 1]
        label += f"第{to_chinese(paragraph)}款"
    for what, limit in (("办理时限", case), ("延期时限", extension)):
        if limit is not None and (limit.days <= 0 or not _says_days(text, limit.days)):
            raise InvalidInput(
                f"《{found.name}》{label}中没有「{to_chinese(limit.days) if limit.days > 0 else limit.days}日」，"
                f"与登记的{what}{limit.days}日不符",
                message_en=f"{found.name} {label} does not state {limit.days} days",
                field="case" if what == "办理时限" else "extension",
            )
    key = f"{found.name}{label}"
    if SpecialLimit.objects.filter(key=key).exists():
        raise Conflict(f"「{key}」已登记", message_en=f"{key} is already registered", code="limit_registered")
    with action("flows.register_special_limit", actor=actor) as act:
        registered = SpecialLimit.objects.create(
            key=key,
            category=category,
            law=found,
            article=article,
            paragraph=paragraph,
            case_days=case.days,
            case_kind=case.kind.value,
            extension_days=extension.days if extension else None,
            extension_kind=extension.kind.value if extension else "",
            note=note.strip(),
            registered_at=timezone.now(),
            registered_by=actor,
        )
        act.record(registered)
    return registered


def do_set_hearing_threshold(*, actor: Person, unit: Unit, amount: int, basis: str) -> HearingThreshold:
    """登记较大数额: the amount from which the unit's fines and confiscations need a hearing (行政处罚法
    art. 63(1)(1)-(2)), with the provincial or ministerial rule that sets it. The unit's head or the reform
    office sets it."""
    if not may_publish(actor, unit):
        raise Forbidden(
            "只有部门负责人或改革办可以登记听证的较大数额标准",
            message_en="Only the unit's head or the reform office sets the hearing threshold",
        )
    if amount <= 0:
        raise InvalidInput(
            "较大数额须为正整数（元）",
            message_en="the amount must be a positive number of yuan",
            field="amount",
        )
    if not basis.strip():
        raise InvalidInput(
            "请注明较大数额标准的依据（省级或部门规定）",
            message_en="name the rule that sets the amount",
            field="basis",
        )
    with action("flows.set_hearing_threshold", actor=actor) as act:
        row, _ = HearingThreshold.objects.update_or_create(
            unit=unit,
            defaults={
                "amount": amount,
                "basis": basis.strip()[:300],
                "set_at": timezone.now(),
                "set_by": actor,
            },
        )
        act.record(row)
    return row
