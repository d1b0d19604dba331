"""Actions of supervision: carrying an alert from open to a recorded end, and changing a rule's settings.

open → 核查 (assigned to a 纪检 or 审计 person) → the checker's report → dismissed with a reason, or
confirmed → 处置 naming the people answerable through the power's 责任清单 (stage → 追责对象范围 / 追责情形)
→ closed. Only supervisors (纪检, 审计) whose scope covers the alert's unit handle it; nobody else sees it.

The unit is heard (申辩): a confirmed alert is shown to the heads of its unit, who may answer it; a red
card is disposed of only after the unit's answer or once its answer period (ANSWER_WORKING_DAYS from
the confirmation) has run out (公职人员政务处分法 art. 43: the person's statement and defence are heard
before a decision).

Four eyes (审核分离): only the assigned checker reports the check. A red card is then confirmed or
dismissed, and disposed of, by someone other than its checker; a yellow card's checker may decide it
in the same step as the report. Nobody confirms, decides and closes a red card alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases.actions import is_head
from liuquan.core.actions import ActRecorder, action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Region, Role
from liuquan.powers.models import Responsibility
from liuquan.supervision import catalog, rules
from liuquan.supervision.models import (
    Alert,
    AlertLevel,
    AlertNote,
    AlertStatus,
    RuleSetting,
    Sanction,
    SanctionKind,
)

SUPERVISORS = frozenset({Role.INSPECTOR, Role.AUDITOR})


def is_supervisor(person: Person, alert: Alert) -> bool:
    return person.is_active and org_queries.scope_of(person, SUPERVISORS).covers(alert.unit)


def check_supervisor(person: Person, alert: Alert) -> None:
    if not is_supervisor(person, alert):
        raise Forbidden(
            "只有纪检、审计人员可以处理预警", message_en="Only inspectors and auditors handle alerts"
        )


def _require(alert: Alert, allowed: set[str], doing: str) -> None:
    if alert.status not in allowed:
        raise Conflict(
            f"预警当前为“{AlertStatus(alert.status).label}”，不能{doing}",
            message_en=f"The alert is {alert.status}; cannot {doing}",
            code="alert_state",
            status=alert.status,
        )


def _note(act: ActRecorder, alert: Alert, person: Person, kind: str, text: str) -> None:
    note = AlertNote.objects.create(
        alert=alert, at=timezone.now(), person=person, kind=kind, text=text.strip()
    )
    act.record(note)


def do_assign_alert(*, actor: Person, alert: Alert, assignee: Person) -> Alert:
    """核查: give the alert to a 纪检 or 审计 person (oneself included)."""
    check_supervisor(actor, alert)
    if not is_supervisor(assignee, alert):
        raise InvalidInput(
            f"{assignee.full_name}不是可以核查该预警的纪检、审计人员",
            message_en=f"{assignee.full_name} cannot check this alert",
            field="assignee",
        )
    _require(alert, {AlertStatus.OPEN, AlertStatus.CHECKING, AlertStatus.CHECKED}, "分配核查")
    with action("supervision.assign_alert", actor=actor) as act:
        alert.status = AlertStatus.CHECKING
        alert.assignee = assignee
        alert.save(update_fields=["status", "assignee"])
        act.record(alert)
        _note(act, alert, actor, "assign", f"交由{assignee.full_name}核查")
    return alert


ANSWER_WORKING_DAYS = 3


def heads_unit(person: Person, alert: Alert) -> bool:
    """A head (负责人) of the alert's unit: they see its confirmed alerts and answer them."""
    return is_head(person, alert.unit)


def _notes(alert: Alert, notes: list[AlertNote] | None) -> list[AlertNote]:
    """The alert's notes in order (those a page has read already, or read now)."""
    return notes if notes is not None else list(alert.notes.order_by("at", "pk"))


def answer_by(alert: Alert, notes: list[AlertNote] | None = None) -> date | None:
    """The last day of the unit's answer period: ANSWER_WORKING_DAYS after the latest confirmation."""
    confirmed = [note.at for note in _notes(alert, notes) if note.kind == "confirm"]
    if not confirmed:
        return None
    calendar = calendar_queries.work_calendar()
    return calendar.due_date(timezone.localtime(confirmed[-1]).date(), ANSWER_WORKING_DAYS).due


def answered(alert: Alert, notes: list[AlertNote] | None = None) -> bool:
    """Whether the unit has answered since the latest confirmation."""
    read = _notes(alert, notes)
    confirmed = [note.at for note in read if note.kind == "confirm"]
    return any(note.kind == "defence" and (not confirmed or note.at >= confirmed[-1]) for note in read)


def do_answer_alert(*, actor: Person, alert: Alert, text: str) -> Alert:
    """申辩: a head of the unit states the unit's side of a confirmed alert, before its 处置."""
    if not heads_unit(actor, alert):
        raise Forbidden("只有本单位负责人可以申辩", message_en="Only a head of the unit answers an alert")
    _require(alert, {AlertStatus.CONFIRMED}, "申辩")
    if not text.strip():
        raise InvalidInput("请写明申辩意见", message_en="Write the unit's answer", field="text")
    with action("supervision.answer_alert", actor=actor) as act:
        _note(act, alert, actor, "defence", text)
    return alert


def checker_of(alert: Alert, notes: list[AlertNote] | None = None) -> int | None:
    """The person who reported the alert's check (its latest report), if one is in."""
    reports = [note.person_id for note in _notes(alert, notes) if note.kind == "check"]
    return reports[-1] if reports else None


def four_eyes(alert: Alert) -> bool:
    """Whether the alert's decision and 处置 need someone other than its checker: a red card's do."""
    return alert.level == AlertLevel.RED


def do_report_check(*, actor: Person, alert: Alert, finding: str) -> Alert:
    """核查报告: the assigned checker writes what the check found; the alert then awaits a decision."""
    check_supervisor(actor, alert)
    _require(alert, {AlertStatus.CHECKING}, "报告核查情况")
    if alert.assignee_id != actor.pk:
        raise Forbidden(
            "只有受指派的核查人员可以报告核查情况",
            message_en="Only the assigned checker reports the check",
        )
    if not finding.strip():
        raise InvalidInput("请写明核查情况", message_en="Describe what the check found", field="finding")
    with action("supervision.report_check", actor=actor) as act:
        alert.status = AlertStatus.CHECKED
        alert.save(update_fields=["status"])
        act.record(alert)
        _note(act, alert, actor, "check", finding)
    return alert


def check_may_decide(actor: Person, alert: Alert) -> None:
    """Who may confirm or dismiss (see the module's four eyes): after the checker's report, anyone but
    the checker for a red card, anyone for the rest; before it, a yellow card's own checker, reporting in
    the same step; a notice (a record marked for the data steward) at any time."""
    check_supervisor(actor, alert)
    if alert.level == AlertLevel.NOTICE:
        _require(alert, {AlertStatus.OPEN, AlertStatus.CHECKING, AlertStatus.CHECKED}, "认定")
        return
    if alert.status == AlertStatus.CHECKED:
        if four_eyes(alert) and checker_of(alert) == actor.pk:
            raise Forbidden(
                "红牌须由核查人以外的人员认定（审核分离）",
                message_en="A red card is decided by someone other than its checker",
            )
        return
    _require(alert, {AlertStatus.CHECKING}, "认定")
    if four_eyes(alert):
        raise Conflict(
            "红牌须先由受指派的核查人员报告核查情况，再由他人认定",
            message_en="A red card needs its checker's report before someone else decides it",
            code="check_first",
        )
    if alert.assignee_id != actor.pk:
        raise Forbidden(
            "核查报告之前，只有受指派的核查人员可以认定",
            message_en="Before the report, only the assigned checker decides",
        )


def do_dismiss_alert(*, actor: Person, alert: Alert, reason: str) -> Alert:
    """核查不实: the alert ends, with the reason on the record."""
    check_may_decide(actor, alert)
    if not reason.strip():
        raise InvalidInput("撤销预警须写明理由", message_en="A dismissal needs a reason", field="reason")
    with action("supervision.dismiss_alert", actor=actor) as act:
        alert.status = AlertStatus.DISMISSED
        alert.ended_at = timezone.now()
        alert.outcome = reason.strip()
        alert.save(update_fields=["status", "ended_at", "outcome"])
        act.record(alert)
        _note(act, alert, actor, "dismiss", reason)
    return alert


def do_confirm_alert(*, actor: Person, alert: Alert, finding: str) -> Alert:
    """核查属实: what the check found; a 处置 must follow."""
    check_may_decide(actor, alert)
    if not finding.strip():
        raise InvalidInput("请写明核查情况", message_en="Describe what the check found", field="finding")
    with action("supervision.confirm_alert", actor=actor) as act:
        alert.status = AlertStatus.CONFIRMED
        alert.outcome = finding.strip()
        alert.save(update_fields=["status", "outcome"])
        act.record(alert)
        _note(act, alert, actor, "confirm", finding)
    return alert


def responsibilities_for(alert: Alert) -> list[Responsibility]:
    """The 责任清单 lines of the power the alert's case ran under (what a 处置 can cite)."""
    if alert.case is None:
        return []
    from liuquan.powers import queries as power_queries

    try:
        item = power_queries.published_power(alert.case.unit, alert.case.power_code)
    except Exception:
        return []
    return list(item.responsibilities.all().order_by("position"))


def do_dispose_alert(
    *,
    actor: Person,
    alert: Alert,
    kind: str,
    text: str,
    people: list[Person],
    responsibility: Responsibility | None = None,
) -> Sanction:
    """处置: 提醒, 约谈, 通报, 责令整改 or 问责, naming the people answerable and the 责任清单 line."""
    check_supervisor(actor, alert)
    _require(alert, {AlertStatus.CONFIRMED, AlertStatus.DISPOSED}, "处置")
    if four_eyes(alert) and checker_of(alert) == actor.pk:
        raise Forbidden(
            "红牌的处置须由核查人以外的人员作出（审核分离）",
            message_en="A red card is disposed of by someone other than its checker",
        )
    if four_eyes(alert) and alert.status == AlertStatus.CONFIRMED and not answered(alert):
        until = answer_by(alert)
        if until is not None and timezone.localdate() <= until:
            raise Conflict(
                f"处置前应听取本单位的陈述和申辩（公职人员政务处分法第四十三条）：申辩期至 {until:%Y-%m-%d}",
                message_en=f"The unit is heard before a disposal (answer period until {until})",
                code="awaiting_defence",
                answer_by=until.isoformat(),
            )
    if kind not in SanctionKind.values:
        raise InvalidInput(f"未知的处置方式 {kind}", message_en=f"Unknown measure {kind}", field="kind")
    if not text.strip():
        raise InvalidInput("请写明处置决定", message_en="Write the decision", field="text")
    if not people:
        raise InvalidInput("处置须指明责任人员", message_en="Name the people answerable", field="people")
    if responsibility is not None and responsibility.pk not in {
        row.pk for row in responsibilities_for(alert)
    }:
        raise InvalidInput(
            "所引责任事项不属于该办件的权力事项",
            message_en="That responsibility is not of this case's power",
            field="responsibility",
        )
    strangers = [p.full_name for p in people if p.unit_id != alert.unit_id]
    if strangers:
        raise InvalidInput(
            f"{'、'.join(strangers)}不是{alert.unit.name}的人员",
            message_en="Everyone named must belong to the alert's unit",
            field="people",
        )
    with action("supervision.dispose_alert", actor=actor) as act:
        row = Sanction.objects.create(
            alert=alert,
            kind=kind,
            responsibility=responsibility,
            stage=responsibility.stage if responsibility else "",
            accountable_scope=responsibility.accountable if responsibility else "",
            accountability_case=responsibility.accountability_cases if responsibility else "",
            text=text.strip(),
            decided_at=timezone.now(),
            decided_by=actor,
        )
        row.people.set(people)
        act.record(row)
        alert.status = AlertStatus.DISPOSED
        alert.save(update_fields=["status"])
        act.record(alert)
        _note(act, alert, actor, "dispose", f"{SanctionKind(kind).label}：{text.strip()}")
    return row


def do_close_alert(*, actor: Person, alert: Alert, text: str = "") -> Alert:
    check_supervisor(actor, alert)
    _require(alert, {AlertStatus.DISPOSED}, "办结")
    with action("supervision.close_alert", actor=actor) as act:
        alert.status = AlertStatus.CLOSED
        alert.ended_at = timezone.now()
        alert.save(update_fields=["status", "ended_at"])
        act.record(alert)
        _note(act, alert, actor, "close", text or "处置完毕，办结")
    return alert


def do_set_rule(
    *,
    actor: Person,
    rule: str,
    enabled: bool,
    params: dict[str, Any],
    note: str,
    region: Region | None = None,
) -> RuleSetting:
    """纪检 changes a rule's switch or parameters for one scope (a region; None: the installation's
    default); the change is a new row with its reason, so the rows are the history.

    A setting holds for every unit of its region, so only an inspector whose reach covers that region (a
    county's 纪检 its county, the city's 纪检 the city) or a data steward sets it: a village's 纪检 cannot
    switch a rule off for the county, nor a county's for the city."""
    if not may_set_rules(actor, region):
        where = region.name if region else "全部单位（默认设置）"
        raise Forbidden(
            f"无权调整“{where}”的监督规则：只有辖区覆盖该范围的纪检人员可以调整",
            message_en="Only an inspector whose reach covers the scope changes its rule settings",
            rule=rule,
            region=region.code if region else None,
        )
    if rule not in rules.REGISTRY:
        raise InvalidInput(f"没有监督规则 {rule}", message_en=f"No rule {rule}", field="rule")
    try:
        merged = rules.check_params(rule, params)
    except (ValueError, TypeError) as exc:
        name = catalog.short_name(rule)
        reason = exc.message if isinstance(exc, rules.ParamError) else "参数格式有误"
        raise InvalidInput(
            f"“{name}”的参数有误：{reason}", message_en=f"Parameters: {exc}", field="params"
        ) from None
    if not note.strip():
        raise InvalidInput("请写明调整理由", message_en="Give the reason for the change", field="note")
    with action("supervision.set_rule", actor=actor) as act:
        row = RuleSetting.objects.create(
            rule=rule,
            region=region,
            enabled=enabled,
            params=merged,
            updated_at=timezone.now(),
            updated_by=actor,
            note=note.strip()[:300],
        )
        act.record(row)
    return row


def rule_scopes(person: Person) -> list[Region]:
    """The regions whose rule settings `person` may change: those of their 纪检 region grants (a data
    steward changes the installation's defaults and any region's)."""
    if not person.is_active:
        return []
    if person.is_superuser:
        return list(Region.objects.order_by("code"))
    return sorted(
        {
            grant.region
            for grant in org_queries.grants_of(person)
            if grant.role == Role.INSPECTOR and grant.unit_id is None and grant.region is not None
        },
        key=lambda region: region.code,
    )


def may_set_rules(person: Person, region: Region | None = None) -> bool:
    """A data steward anywhere; a 纪检 for a region inside one of their region grants (never the
    installation's defaults, which reach every unit)."""
    if not person.is_active:
        return False
    if person.is_superuser:
        return True
    if region is None:
        return False
    return any(region.code.startswith(scope.prefix) for scope in rule_scopes(person))
