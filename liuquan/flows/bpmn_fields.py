"""What the BPMN reader takes from documentation lines, lq: extensions and timers (pure; no Django): step
limits from boundary timers and engines' due dates, groups drawn around steps, and the process's own
fields (name, limits, posts, separation groups, risk points, sanctions, pinned calls).

The mapping decisions are written down once, in `liuquan.flows.bpmn`.
"""

from __future__ import annotations

import math

from liuquan.flows.bpmn_common import (
    DOC_AFTER,
    DOC_CASE_LIMIT,
    DOC_EXTENSION,
    DOC_FORMS,
    DOC_LIMIT,
    DOC_LIMIT_BASIS,
    DOC_MAX_AMOUNT,
    DOC_POSTS,
    DOC_RISKS,
    DOC_SANCTIONS,
    DOC_SEPARATION,
    DUE_DATE_NAMESPACES,
    FLOW_DOC_LABELS,
    LIST_SEPARATOR,
    NS_BPMNDI,
    NS_DC,
    SECONDS_PER_DAY,
    STEP_DOC_LABELS,
    UNASSIGNED_LANE,
    Element,
    Reporter,
    b,
    clean,
    describe,
    describe_zh,
    doc_fields,
    duration_seconds,
    enum_value,
    event_definition,
    ext_limit,
    lq,
    lq_extension,
    parse_limit_text,
    ref_id,
)
from liuquan.flows.spec import (
    SANCTION_NAMES,
    Call,
    DayKind,
    Flow,
    Gateway,
    Limit,
    RiskLevel,
    RiskPoint,
    Sanction,
    SeparationGroup,
    Step,
    Transition,
)


def due_date(report: Reporter, task: Element, limits: dict[str, Limit]) -> None:
    """camunda:dueDate and its kin: an ISO duration is the step's limit, in natural days."""
    due = next(
        (task.get(f"{{{ns}}}dueDate") for ns in DUE_DATE_NAMESPACES if task.get(f"{{{ns}}}dueDate")), None
    )
    if due is None:
        return
    task_id, text = task.get("id", ""), due.strip()
    where = (f"{describe_zh(task)} 的 dueDate“{text}”", f'{describe(task)}: dueDate "{text}"')
    if task_id in limits:
        report.warn(
            f"{where[0]}被忽略：该任务已有定时器给出的时限",
            f"{where[1]} is ignored: a timer on the task gives its limit",
        )
        return
    seconds = duration_seconds(text)
    if seconds is None:
        report.warn(
            f"{where[0]}不是以周、日或小时计的时长（是日期、表达式或月、年），环节没有时限",
            f"{where[1]} is no duration in weeks, days or hours (a date, an expression, months or years); "
            "the step gets no time limit",
        )
    elif seconds < SECONDS_PER_DAY:
        report.warn(
            f"{where[0]}短于一天；时限按整日计算，环节没有时限",
            f"{where[1]} is shorter than a day; limits count whole days, so the step gets no time limit",
        )
    else:
        days = math.ceil(seconds / SECONDS_PER_DAY)
        limits[task_id] = Limit(days, DayKind.NATURAL)
        report.warn(
            f"{where[0]}读作 {days} 个自然日（ISO 8601 时长不分工作日）；如指工作日请修改环节时限",
            f"{where[1]} read as {days} natural days (ISO 8601 durations know no working days); change the "
            "step's limit to working days if that is what it means",
        )


def timer_limit(
    report: Reporter, event: Element, timer: Element, where: tuple[str, str], host: Element | None
) -> Limit | None:
    """A timer's duration as a limit. The day kind: lq:limit, else the timer's own name or
    documentation ("5个工作日"), else the host step's 时限 line, if they give the same days.
    `host` is the task a boundary timer sits on; None for a timer catch event (a wait), whose day kind
    travels in lq:after and the line 等待：… instead."""
    zh, en = where
    duration = timer.find(b("timeDuration"))
    text = "".join(duration.itertext()).strip() if duration is not None else ""
    if not text:
        other = next((tag for tag in ("timeDate", "timeCycle") if timer.find(b(tag)) is not None), "")
        if other:
            report.warn(
                f"{zh}给的是 {other}（日期或周期），不是时长（timeDuration），不能作为时限",
                f"{en} has a {other}, not a duration (timeDuration); it gives no time limit",
            )
        else:
            report.warn(
                f"{zh}没有时长（timeDuration），不能作为时限",
                f"{en} has no duration (timeDuration); the step gets no time limit",
            )
        return None
    seconds = duration_seconds(text)
    if seconds is None:
        report.warn(
            f"{zh}：“{text}”不是以周、日或小时计的时长，不能作为时限",
            f'{en}: "{text}" is not a duration in weeks, days or hours; the step gets no time limit',
        )
        return None
    if seconds < SECONDS_PER_DAY:
        report.warn(
            f"{zh}：{text} 短于一天；时限按整日计算，不作为时限（不会当作 1 日）",
            f"{en}: {text} is shorter than a day; limits count whole days, so it gives no time limit "
            "(it is not taken as 1 day)",
        )
        return None
    days = math.ceil(seconds / SECONDS_PER_DAY)
    ours = lq_extension(event, "limit" if host is not None else "after")
    ext = enum_value(ours.get("kind"), DayKind) if ours is not None else None
    if ext is not None:
        return Limit(days, ext)
    label = DOC_LIMIT if host is not None else DOC_AFTER
    fields, _ = doc_fields(event, frozenset({label}))
    host_fields = doc_fields(host, STEP_DOC_LABELS)[0] if host is not None else {}
    for said in (clean(event.get("name")), *fields.get(label, []), *host_fields.get(DOC_LIMIT, [])):
        named = parse_limit_text(said)
        if named is not None and named.days == days:
            return named
    report.warn(
        f"{zh}：{text} 读作 {days} 个自然日（ISO 8601 时长不分工作日）；如指工作日请修改时限",
        f"{en}: {text} read as {days} natural days (ISO 8601 durations know no working days); "
        "change the step's limit to working days if that is what it means",
    )
    return Limit(days, DayKind.NATURAL)


def di_groups(
    report: Reporter, root: Element, groups: list[Element], ids: dict[str, Element], node_ids: list[str]
) -> dict[str, str]:
    """A bpmn:group is drawn around steps: a node whose shape's centre lies inside a group's shape
    belongs to it (the innermost, if groups nest). The group's name: its category value, else its own."""
    bounds: dict[str, tuple[float, float, float, float]] = {}
    for shape in root.iter(f"{{{NS_BPMNDI}}}BPMNShape"):
        box = shape.find(f"{{{NS_DC}}}Bounds")
        try:
            values = tuple(float(box.get(a, "")) for a in ("x", "y", "width", "height"))
        except (AttributeError, ValueError):
            continue
        bounds.setdefault(ref_id(shape.get("bpmnElement")), values)  # type: ignore[arg-type]
    found: dict[str, tuple[float, str]] = {}
    for group in groups:
        value = ids.get(ref_id(group.get("categoryValueRef")))
        group_name = clean(value.get("value")) if value is not None else ""
        group_name = group_name or clean(group.get("name"))
        box = bounds.get(group.get("id", ""))
        if box is None or not group_name:
            report.unmapped(
                group,
                "分组没有名称或没有图形，无法知道哪些环节属于它",
                "a group without a name or a shape: which steps it holds is unknown",
            )
            continue
        x, y, width, height = box
        for node_id in node_ids:
            inner = bounds.get(node_id)
            if inner is None:
                continue
            cx, cy = inner[0] + inner[2] / 2, inner[1] + inner[3] / 2
            inside = x <= cx <= x + width and y <= cy <= y + height
            if inside and (node_id not in found or width * height < found[node_id][0]):
                found[node_id] = (width * height, group_name)
    return {node_id: group_name for node_id, (_, group_name) in found.items()}


def read_flow(
    report: Reporter,
    pools: list[tuple[Element, Element | None]],
    steps: list[Step],
    gateways: list[Gateway],
    transitions: list[Transition],
    lanes: list[str],
    category: str,
    name: str | None,
) -> Flow:
    process, participant = pools[0]
    ours = lq_extension(process, "flow")
    fields, description = doc_fields(process, FLOW_DOC_LABELS)
    names = [name, ours.get("name") if ours is not None else None, process.get("name")]
    names.append(participant.get("name") if participant is not None else None)
    flow_name = next((clean(n) for n in names if clean(n)), "")
    if not flow_name:
        report.warn(
            "文件没有给流程命名，流程名为“未命名流程”",
            "the document names no process; the flow is called 未命名流程",
        )
        flow_name = "未命名流程"
    if ours is not None and ours.get("category") not in (None, category):
        report.warn(
            f"文件导出时的权力类型是“{ours.get('category')}”，按“{category}”导入",
            f'the document was exported as category "{ours.get("category")}"; importing as "{category}"',
        )
    keys = {step.key for step in steps}
    posts_el = ours.find(lq("posts")) if ours is not None else None
    if DOC_POSTS in fields:
        posts = tuple(post for post in fields[DOC_POSTS][0].split(LIST_SEPARATOR) if post)
    elif posts_el is not None:
        posts = tuple(clean(post.text) for post in posts_el.iterchildren(lq("post")))
    else:
        posts = tuple(dict.fromkeys(lane for lane in lanes if lane and lane != UNASSIGNED_LANE))

    def limit(label: str, tag: str) -> Limit | None:
        if label in fields:
            return parse_limit_text(fields[label][0])
        return ext_limit(ours.find(lq(tag))) if ours is not None else None

    basis = fields[DOC_LIMIT_BASIS][0] if DOC_LIMIT_BASIS in fields else ""
    basis = basis or ((ours.get("limitBasis") or "") if ours is not None else "")
    amount_text = fields[DOC_MAX_AMOUNT][0].removesuffix("元") if DOC_MAX_AMOUNT in fields else ""
    amount_text = amount_text or ((ours.get("maxAmount") or "") if ours is not None else "")
    return Flow(
        name=flow_name,
        category=category,
        steps=tuple(steps),
        transitions=tuple(transitions),
        case_limit=limit(DOC_CASE_LIMIT, "caseLimit"),
        extension=limit(DOC_EXTENSION, "extensionLimit"),
        separation=separation(report, ours, fields, keys),
        risks=risks(report, ours, fields, keys),
        description=description,
        posts=posts,
        gateways=tuple(gateways),
        limit_basis=basis,
        sanctions=sanctions(report, ours, fields),
        max_amount=int(amount_text) if amount_text.isdigit() else None,
        calls=calls(report, ours, keys),
    )


def separation(
    report: Reporter, ours: Element | None, fields: dict[str, list[str]], keys: set[str]
) -> tuple[SeparationGroup, ...]:
    found: list[tuple[str, tuple[str, ...], str]] = []
    if DOC_SEPARATION in fields:
        for line in fields[DOC_SEPARATION]:
            match = DOC_FORMS[DOC_SEPARATION].fullmatch(line)
            if match is not None:
                members = tuple(key for key in match.group("steps").split(LIST_SEPARATOR) if key)
                found.append((match.group("name"), members, match.group("basis") or ""))
    elif ours is not None:
        for group in ours.iterchildren(lq("separation")):
            members = tuple((ref.text or "").strip() for ref in group.iterchildren(lq("stepRef")))
            found.append((group.get("name", ""), members, group.get("basis", "")))
    groups = []
    for group_name, members, basis in found:
        unknown = [member for member in members if member not in keys]
        if unknown:
            report.warn(
                f"分岗设权“{group_name}”中的环节 {'、'.join(unknown)} 不存在，已去掉",
                f'separation group "{group_name}" names unknown steps {unknown}; dropped',
            )
        groups.append(SeparationGroup(group_name, tuple(m for m in members if m in keys), basis))
    return tuple(groups)


def risks(
    report: Reporter, ours: Element | None, fields: dict[str, list[str]], keys: set[str]
) -> tuple[RiskPoint, ...]:
    if ours is None:
        said = DOC_FORMS[DOC_RISKS].fullmatch(fields[DOC_RISKS][0]) if DOC_RISKS in fields else None
        if said is not None and int(said.group(1)) > 0:
            report.warn(
                f"文件记载流程有 {said.group(1)} 个风险点，但它们只保存在 liuquan 的扩展元素（lq:flow）中，"
                "而该扩展元素已被建模工具删去：风险点未能导入，请重新填写或沿用原版本的风险点",
                f"the document says the flow has {said.group(1)} risk points, but they live only in "
                "liuquan's extension element (lq:flow), which the modelling tool removed: they are not "
                "imported; enter them again or keep those of the version it replaces",
            )
        return ()
    risks = []
    for risk in ours.iterchildren(lq("risk")):
        level = enum_value(risk.get("level"), RiskLevel)
        if risk.get("step") not in keys or level is None:
            report.warn(
                f"风险点“{risk.get('point', '')}”的环节或等级无法识别，已去掉",
                f'risk point "{risk.get("point", "")}" has an unknown step or level; dropped',
            )
            continue
        names = ("point", "manifestation", "measures", "post", "person", "rule")
        values = {field_name: risk.get(field_name, "") for field_name in names}
        risks.append(RiskPoint(step=risk.get("step"), level=level, **values))
    return tuple(risks)


def sanctions(report: Reporter, ours: Element | None, fields: dict[str, list[str]]) -> tuple[Sanction, ...]:
    named = {text: sanction for sanction, text in SANCTION_NAMES.items()}
    if DOC_SANCTIONS in fields:
        texts = fields[DOC_SANCTIONS][0].split(LIST_SEPARATOR)
        unknown = [text for text in texts if text not in named]
        if unknown:
            report.warn(
                f"处罚种类 {'、'.join(unknown)} 无法识别，已去掉",
                f"penalty kinds {unknown} are not known; dropped",
            )
        return tuple(named[text] for text in texts if text in named)
    if ours is None:
        return ()
    values = (enum_value(el.get("kind"), Sanction) for el in ours.iterchildren(lq("sanction")))
    return tuple(value for value in values if value is not None)


def calls(report: Reporter, ours: Element | None, keys: set[str]) -> tuple[Call, ...]:
    if ours is None:
        return ()
    calls = []
    for call in ours.iterchildren(lq("call")):
        version = (call.get("version") or "").strip()
        if call.get("step") not in keys or not version.isdigit():
            report.warn(
                f"调用的子流程“{call.get('power', '')}”的环节或版本无法识别，已去掉",
                f'called flow "{call.get("power", "")}" has an unknown step or version; dropped',
            )
            continue
        calls.append(Call(call.get("step", ""), call.get("power", ""), int(version), call.get("name", "")))
    return tuple(calls)


def lanes(
    report: Reporter, containers: list[Element], nodes: dict[str, Element]
) -> tuple[dict[str, str], list[str]]:
    """Each flow node's innermost lane name, and the leaf lanes' names in document order."""
    lane_of: dict[str, tuple[int, str]] = {}
    leaves: list[str] = []

    def walk(lane_set: Element, depth: int) -> None:
        for lane in lane_set.iterchildren(b("lane")):
            lane_name = clean(lane.get("name"))
            for ref in lane.iterchildren(b("flowNodeRef")):
                node_id = (ref.text or "").strip()
                if node_id not in nodes:
                    report.warn(
                        f"泳道“{lane_name}”列出的“{node_id}”不是流程中的节点",
                        f'lane "{lane_name}" lists "{node_id}", which is no flow node of the process',
                    )
                elif node_id not in lane_of or lane_of[node_id][0] <= depth:
                    lane_of[node_id] = (depth, lane_name)
            children = lane.findall(b("childLaneSet"))
            for child in children:
                walk(child, depth + 1)
            if not children:
                leaves.append(lane_name)

    for container in containers:
        for lane_set in container.iterchildren(b("laneSet")):
            walk(lane_set, 0)
    return {node_id: lane for node_id, (_, lane) in lane_of.items()}, leaves


def interrupting_exit(event: Element, edges: dict[str, list[tuple[Element | None, str]]]) -> bool:
    """A boundary event (message, signal, error, escalation, conditional) that interrupts its task and
    leads somewhere: the task ends that way, so it is one of the task's outcomes."""
    return event.get("cancelActivity", "true").strip().lower() != "false" and bool(
        edges.get(event.get("id", ""))
    )


def step_limits(
    report: Reporter,
    boundaries: list[Element],
    edges: dict[str, list[tuple[Element | None, str]]],
    nodes: dict[str, Element],
    step_ids: set[str],
) -> dict[str, Limit]:
    """Each step's limit from a boundary timer on it, else from an engine's due date."""
    limits: dict[str, Limit] = {}
    for event in boundaries:
        host = ref_id(event.get("attachedToRef"))
        kind, timer = event_definition(event)
        if host in step_ids and kind != "timer" and interrupting_exit(event, edges):
            continue  # a way out of the task: read as one of its transitions
        if host not in step_ids or kind != "timer":
            report.unmapped(
                event,
                "只有环节（任务）上的定时器才表示环节的时限",
                "only a timer on a task becomes a step's time limit",
            )
            continue
        if edges.get(event.get("id", "")):
            report.warn(
                f"定时器 {describe_zh(event)} 引出的顺序流被忽略：时限用于预警，不改变案件走向",
                f"the flows leaving timer {describe(event)} are ignored: a limit raises alerts, not paths",
            )
        host_name = clean(nodes[host].get("name")) or host
        if host in limits:
            report.warn(
                f"任务“{host_name}”有不止一个定时器，{describe_zh(event)} 被忽略",
                f'task "{host_name}" has more than one timer; {describe(event)} is ignored',
            )
            continue
        where = (
            f"任务“{host_name}”上的定时器“{event.get('id', '')}”",
            f'timer "{event.get("id", "")}" on task "{host_name}"',
        )
        limit = timer_limit(report, event, timer, where, nodes[host])
        if limit is not None:
            limits[host] = limit
    for step_id in sorted(step_ids, key=list(nodes).index):
        due_date(report, nodes[step_id], limits)
    return limits
