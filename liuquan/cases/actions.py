"""Actions of the case engine (政务服务): open a case under a published power, claim and complete its
steps along the pinned flow, 补正 and supplement, extend, withdraw, terminate, rate.

Every completion is judged by cases.engine against the flow (the current step, an outcome it has,
separation of duties, a second 补正); a refused attempt changes nothing in the case and is recorded as
a Breach in its own action, for supervision. The case row is locked while it changes (SELECT … FOR
NO KEY UPDATE on PostgreSQL; SQLite's write lock serialises writers), so of two people completing the same
step at once exactly one wins and the other is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases import engine, watchers
from liuquan.cases.models import (
    CLOSED_BRANCH,
    Breach,
    Case,
    CaseEvent,
    CaseFile,
    CaseStatus,
    CaseStep,
    Rating,
)
from liuquan.cases.watchers import Change
from liuquan.core import limits, rows
from liuquan.core.actions import ActRecorder, action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput
from liuquan.flows import queries as flow_queries
from liuquan.flows import tokens
from liuquan.flows.models import ProcessDefinition
from liuquan.flows.spec import DayKind, Flow, Limit, StepKind, TransitionKind
from liuquan.org import queries as org_queries
from liuquan.org.actions import PUBLIC_USERNAME, SYSTEM_USERNAME
from liuquan.org.models import Person, Post, PostHolding, Role, Unit
from liuquan.powers import queries as power_queries

logger = logging.getLogger(__name__)
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
HEAD_ROLES = frozenset({Role.HEAD})


class CaseRefused(Conflict):
    """HTTP 409 with the engine's reason as the error code ("separation_of_duties", …)."""


def query_digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(10))


def _today() -> date:
    return timezone.localdate()


_TABLES: dict[tuple[int, datetime], engine.StepTable] = {}  # compiled step tables of published flow versions


def _table(case: Case) -> engine.StepTable:
    """The step table of the flow version the case is pinned to (immutable once published: compiled
    once per process)."""
    definition = case.definition
    if definition.published_at is None:  # not a published version: nothing to keep
        return engine.StepTable(definition.flow)
    key = (definition.pk, definition.published_at)
    table = _TABLES.get(key)
    if table is None:
        table = _TABLES[key] = engine.StepTable(definition.flow)
    return table


def _event(
    act: ActRecorder,
    case: Case,
    kind: str,
    *,
    step: str = "",
    outcome: str = "",
    person: Person | None = None,
    text: str = "",
    public: bool = True,
    at: datetime | None = None,
) -> CaseEvent:
    if case.working_seq is None:
        case.working_seq = (
            CaseEvent.objects.filter(case=case).order_by("-seq").values_list("seq", flat=True).first() or 0
        )
    case.working_seq += 1
    row = CaseEvent(
        case=case,
        seq=case.working_seq,
        at=at or timezone.now(),
        kind=kind,
        step=step,
        outcome=outcome,
        person=person,
        text=text,
        public=public,
    )
    rows.insert(row)
    act.record(row)
    return row


def _start_step(act: ActRecorder, case: Case, key: str, *, at: datetime | None = None) -> CaseStep:
    """Open the row of the step the case has reached, with its own clock."""
    step = case.definition.flow.step(key)
    assert step is not None  # the engine only moves to steps of the flow
    started = at or timezone.now()
    due = warn = None
    if step.limit is not None and not step.suspends_clock:
        clock = engine.clock(
            calendar_queries.work_calendar(),
            timezone.localtime(started).date(),
            step.limit,
            share=_warn_share(case.unit_id),
        )
        due, warn = clock.due, clock.warn
        case.provisional = case.provisional or clock.provisional
    if case.working_steps is not None:
        last = case.working_steps[-1].position if case.working_steps else 0
    else:
        last = (
            CaseStep.objects.filter(case=case)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
            or 0
        )
    row = CaseStep(
        case=case,
        position=last + 1,
        step=step.key,
        name=step.name,
        post=step.post,
        started_at=started,
        due_on=due,
        warn_on=warn,
    )
    rows.insert(row)
    if case.working_steps is not None:
        case.working_steps.append(row)
    act.record(row)
    return row


def _warn_share(unit_id: int) -> float:
    """The share of a limit at which the unit's yellow warning starts, as its watcher (supervision: 纪检 may
    change it) says: applied to clocks started from then on."""
    watcher = watchers.current()
    return watcher.warn_share(unit_id) if watcher is not None else engine.WARN_SHARE


def _open_step(case: Case, step: str = "") -> CaseStep | None:
    """The open row of `step` (of the latest open step when not given): a case split into parallel
    branches has one open row per branch."""
    if case.working_steps is not None:
        return next(
            (
                row
                for row in reversed(case.working_steps)
                if row.completed_at is None and (not step or row.step == step)
            ),
            None,
        )
    found = CaseStep.objects.filter(case=case, completed_at__isnull=True)
    if step:
        found = found.filter(step=step)
    return found.order_by("-position").first()


def _open_rows(case: Case) -> list[CaseStep]:
    if case.working_steps is not None:
        return [row for row in case.working_steps if row.completed_at is None]
    return list(CaseStep.objects.filter(case=case, completed_at__isnull=True).order_by("position"))


def load_locked(pk: int) -> Case:
    """The case row locked for change, with its unit, its flow version (the stored spec left deferred:
    published versions are decoded once per process), its step rows and its timeline's last seq: one
    statement for the case, one for its steps. Plain SQL: these reads ran on every step, and compiling
    them through the ORM cost more than the database did.

    The lock is FOR NO KEY UPDATE of the case row alone. Locking the joined unit and flow rows too
    (plain FOR UPDATE) blocks the foreign-key checks that other actions' inserts run at COMMIT while
    they hold the ledger's sequencer: a deadlock between two busy case actions."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    case_columns, case_fields = rows.columns(Case)
    unit_columns, unit_fields = rows.columns(Unit)
    flow_columns, flow_fields = rows.columns(ProcessDefinition, exclude={"spec"})
    lock = ""
    if connection.features.has_select_for_update:
        lock = (
            f" FOR NO KEY UPDATE OF {quote(Case._meta.db_table)}"
            if connection.vendor == "postgresql"
            else " FOR UPDATE"
        )
    cases, units = quote(Case._meta.db_table), quote(Unit._meta.db_table)
    flows, steps_table = quote(ProcessDefinition._meta.db_table), quote(CaseStep._meta.db_table)
    events = quote(CaseEvent._meta.db_table)
    sql = (
        f"SELECT {', '.join(case_columns + unit_columns + flow_columns)}, "  # noqa: S608
        f"(SELECT MAX(seq) FROM {events} WHERE {events}.case_id = {cases}.id) "
        f"FROM {cases} JOIN {units} ON {units}.id = {cases}.unit_id "
        f"JOIN {flows} ON {flows}.id = {cases}.definition_id WHERE {cases}.id = %s{lock}"
    )
    step_columns, step_fields = rows.columns(CaseStep)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        found = cursor.fetchone()
        if found is None:
            raise Case.DoesNotExist(f"case {pk}")
        cursor.execute(
            f"SELECT {', '.join(step_columns)} FROM {steps_table} WHERE case_id = %s ORDER BY position",  # noqa: S608
            [pk],
        )
        steps = [rows.build(CaseStep, step_fields, values) for values in cursor.fetchall()]
    split, end = len(case_fields), len(case_fields) + len(unit_fields)
    case = rows.build(Case, case_fields, found[:split])
    case.unit = rows.build(Unit, unit_fields, found[split:end])
    case.definition = rows.build(ProcessDefinition, flow_fields, found[end:-1])
    case.working_seq = int(found[-1] or 0)
    for row in steps:
        row.case = case
    case.working_steps = steps
    return case


def _pause_clock(case: Case, today: date) -> None:
    if case.due_on is None or case.paused_on is not None:
        return
    limit = engine.case_limit_of(case.definition.flow)
    kind = limit.kind if limit else DayKind.WORKING
    case.days_left = engine.remaining(calendar_queries.work_calendar(), today, case.due_on, kind)
    case.paused_on = today


def _resume_clock(case: Case, today: date) -> None:
    if case.paused_on is None or case.days_left is None:
        return
    limit = engine.case_limit_of(case.definition.flow)
    kind = limit.kind if limit else DayKind.WORKING
    calendar = calendar_queries.work_calendar()
    if case.due_on is None:
        clock = engine.clock(calendar, today, Limit(case.days_left, kind))
    else:
        # Shift the stored dates by the pause: recomputing from days_left alone would move the warning
        # (80% of what was left is not 80% of the limit) and make an overdue case on time again.
        paused = engine.Clock(due=case.due_on, warn=case.warn_on or case.due_on)
        clock = engine.resume(calendar, paused, paused_on=case.paused_on, today=today, kind=kind)
    case.due_on, case.warn_on = clock.due, clock.warn
    case.provisional = case.provisional or clock.provisional
    case.paused_on = None
    case.days_left = None


def _start_case_clock(case: Case, today: date) -> None:
    limit = engine.case_limit_of(case.definition.flow)
    if limit is None:
        return
    clock = engine.clock(calendar_queries.work_calendar(), today, limit, share=_warn_share(case.unit_id))
    case.due_on, case.warn_on = clock.due, clock.warn
    case.provisional = case.provisional or clock.provisional


def _save(act: ActRecorder, case: Case) -> None:
    case.version += 1
    rows.update(case)
    act.record(case)


# Opening ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    case: Case
    query_code: str  # shown once to the applicant; only its digest is stored


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""


def _flow_for(unit: Unit, power_code: str) -> ProcessDefinition:
    power_queries.check_published_power(unit, power_code)  # 清单之外无权力
    definition = flow_queries.flow_in_force(unit, power_code)
    if definition is None:
        raise Conflict(
            f"事项 {power_code} 尚无公布的办理流程，不能办件",
            message_en=f"{power_code} has no published flow",
            code="no_published_flow",
            power=power_code,
        )
    return definition


def check_applicant(applicant: Applicant) -> None:
    if not applicant.name.strip():
        raise InvalidInput(
            "请填写申请人姓名或名称", message_en="The applicant's name is missing", field="applicant_name"
        )
    if len(applicant.name) > 100 or len(applicant.address) > 200 or len(applicant.phone) > 40:
        raise InvalidInput("申请人信息过长", message_en="Applicant details are too long", field="applicant")
    number = applicant.id_number.strip()
    # A resident ID (15 or 18 characters, the last may be X), a unified social credit code (18), or
    # another certificate's number: letters, digits and hyphens.
    if number and not re.fullmatch(r"[0-9A-Za-z-]{5,40}", number):
        raise InvalidInput(
            "证件号码只能包含字母、数字和连字符（5 至 40 位）",
            message_en="An ID number has 5 to 40 letters, digits or hyphens",
            field="applicant_id_number",
        )


# Applications one address may file per hour on the portal (LIUQUAN_APPLICATIONS_PER_HOUR): a township
# office filing for its villagers stays well inside it; a script filling the disk and the permanent record
# does not.
APPLICATION_WINDOW = timedelta(hours=1)


def _apply_limits(address: str) -> list[limits.Limit]:
    return [
        limits.Limit(f"apply:addr:{address[:60]}", settings.LIUQUAN_APPLICATIONS_PER_HOUR, APPLICATION_WINDOW)
    ]


def check_files_size(existing: int, files: list[tuple[str, str, bytes, str]] | None) -> None:
    """A case's documents stay within LIUQUAN_CASE_FILES_MB, all submissions together."""
    mb = settings.LIUQUAN_CASE_FILES_MB
    total = existing + sum(len(data) for _, _, data, _ in files or [])
    if total > mb * 1024 * 1024:
        raise InvalidInput(
            f"一件申请的材料合计不能超过 {mb} MB",
            message_en=f"A case's documents add up to at most {mb} MB",
            field="files",
        )


def check_open_case(
    *,
    actor: Person,
    unit: Unit,
    power_code: str,
    applicant: Applicant,
    files: list[tuple[str, str, bytes, str]] | None = None,
    address: str | None = None,
) -> ProcessDefinition:
    """Who may open (登记) a case: the applicant, through the portal (the public account), or a person
    holding the post of the flow's first step (受理) in the unit. A supervisor, an auditor or the reform
    office never does: a case they opened could manufacture late cases, and so alerts, against a unit."""
    definition = _flow_for(unit, power_code)
    check_applicant(applicant)
    check_files_size(0, files)
    if address is not None:
        limits.check(_apply_limits(address))
    if actor.username in (PUBLIC_USERNAME, SYSTEM_USERNAME):
        return definition
    first = definition.flow.step(definition.flow.start)
    post = first.post if first is not None else ""
    if actor.is_active and _holds_unit_post(actor, unit, post):
        return definition
    raise Forbidden(
        f"只有{unit.name}{post or '受理'}岗位的人员或申请人本人可以登记办件",
        message_en=f"Only the holder of {unit.name}'s {post or 'acceptance'} post or the applicant opens a case",
        unit=unit.code,
        post=post,
    )


def _holds_unit_post(person: Person, unit: Unit, post: str) -> bool:
    if not post:  # a first step with no post yet: the unit's own case staff
        return org_queries.scope_of(person, frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})).covers(unit)
    return PostHolding.objects.filter(
        person=person, post__unit=unit, post__name=post, until__isnull=True
    ).exists()


def do_open_case(
    *,
    actor: Person,
    unit: Unit,
    power_code: str,
    applicant: Applicant,
    subject: str = "",
    source: str = "console",
    files: list[tuple[str, str, bytes, str]] | None = None,  # (name, material, data, content type)
    address: str | None = None,  # the applicant's address on the portal, for its hourly limit
) -> Opened:
    """Open a case under a published power with a published flow; it starts at the flow's first step."""
    try:
        definition = check_open_case(
            actor=actor, unit=unit, power_code=power_code, applicant=applicant, files=files, address=address
        )
    except Forbidden as exc:
        do_record_refused_access(actor=actor, unit=unit, case=None, message=exc.message, channel=source)
        raise
    code = new_query_code()
    now = timezone.now()
    with action("cases.open", actor=actor) as act:
        case = Case(
            number=f"tmp-{uuid.uuid4().hex}",
            unit=unit,
            power_code=power_code,
            power_name=definition.power_name,
            definition=definition,
            source=source,
            applicant_name=applicant.name.strip(),
            applicant_id_number=applicant.id_number.strip(),
            applicant_phone=applicant.phone.strip(),
            applicant_address=applicant.address.strip(),
            query_digest=query_digest(code),
            subject=subject.strip()[:300],
            status=CaseStatus.OPEN,
            current_step=definition.flow.start,
            received_at=now,
        )
        rows.insert(case)
        case.working_steps, case.working_seq = [], 0  # a new case: nothing to load
        case.number = f"{unit.code}-{timezone.localtime(now):%Y}-{case.pk:07d}"
        for name, material, data, content_type in files or []:
            _store_file(act, case, name, material, data, content_type, now)
        _start_step(act, case, definition.flow.start, at=now)
        _event(act, case, "opened", text="已收到申请", person=actor)
        _save(act, case)
        if address is not None:
            limits.count(_apply_limits(address))
    return Opened(case=case, query_code=code)


def _store_file(
    act: ActRecorder, case: Case, name: str, material: str, data: bytes, content_type: str, now: datetime
) -> CaseFile:
    from liuquan.cases import files as case_files

    digest = case_files.store(data)
    row = CaseFile.objects.create(
        case=case,
        name=name[:200],
        material=material[:200],
        size=len(data),
        content_type=content_type[:100],
        sha256=digest,
        uploaded_at=now,
    )
    act.record(row)
    return row


# Completing steps ---------------------------------------------------------------------------------


def holds_post(person: Person, case: Case, post: str) -> bool:
    if not post:
        return org_queries.scope_of(person, frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})).covers(
            case.unit
        )
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    holdings, posts = quote(PostHolding._meta.db_table), quote(Post._meta.db_table)
    with connection.cursor() as cursor:  # plain SQL: asked on every step
        cursor.execute(
            f"SELECT 1 FROM {holdings} JOIN {posts} ON {posts}.id = {holdings}.post_id "  # noqa: S608
            f"WHERE {posts}.unit_id = %s AND {posts}.name = %s AND {holdings}.person_id = %s "
            f"AND {holdings}.until IS NULL LIMIT 1",
            [case.unit_id, post, person.pk],
        )
        return cursor.fetchone() is not None


def is_head(person: Person, unit: Unit) -> bool:
    return person.is_active and org_queries.scope_of(person, HEAD_ROLES).covers(unit)


def change(
    case: Case, completed: list[CaseStep] | None = None, *, returned: bool = False, breach: bool = False
) -> Change:
    """What an action did to `case`, for the per-event supervision run."""
    flow = case.definition.flow
    return Change(
        case_id=case.pk,
        completed=tuple(
            (row.completed_at, row.due_on, _decides(flow, row.step))
            for row in completed or []
            if row.completed_at is not None
        ),
        returned=returned,
        breach=breach,
        provisional=case.provisional and not case.closed,
    )


def _decides(flow: Flow, key: str) -> bool:
    step = flow.step(key)
    return step is not None and step.kind is StepKind.DECIDE


def supervise_changes(changes: list[Change]) -> None:
    """The per-event supervision run, for the cases whose change may raise an alert (the watcher says
    which), once the current transaction commits."""
    watcher = watchers.current()
    if not settings.LIUQUAN_SUPERVISE_ON_EVENT or not changes or watcher is None:
        return
    supervise(*watcher.worth_a_run(changes))


def supervise(*case_ids: int) -> None:
    """Run the supervision rules over these cases once the current transaction commits (or now, when
    there is none): the per-event half of supervision; the periodic sweep is the other."""
    watcher = watchers.current()
    if not settings.LIUQUAN_SUPERVISE_ON_EVENT or not case_ids or watcher is None:
        return

    def run() -> None:
        try:
            watcher.run(list(case_ids))
        except Exception:  # the case's action has committed; the periodic sweep will catch up
            logger.exception("supervision of cases %s after commit failed", case_ids)

    transaction.on_commit(run)


def do_record_refused_access(
    *, actor: Person, unit: Unit, case: Case | None, message: str, channel: str
) -> None:
    """越权: a staff member refused a case of a unit not theirs (reading it, or opening one there) is on
    the record for supervision, as a refused step is. Nobody anonymous reaches this."""
    if not actor.is_active or actor.username in (PUBLIC_USERNAME, SYSTEM_USERNAME):
        return
    refused = engine.Refused(engine.Refusal.NOT_AUTHORISED, message, message)
    _record_refusal(actor=actor, case=case, unit=unit, refused=refused, step="", outcome="", channel=channel)
    if case is not None:
        supervise(case.pk)


def do_record_refused_read(*, actor: Person, number: str, message: str, channel: str) -> None:
    """A refused read of case `number` (see do_record_refused_access)."""
    case = Case.objects.select_related("unit").filter(number=number).first()
    if case is not None:
        do_record_refused_access(actor=actor, unit=case.unit, case=case, message=message, channel=channel)


def _record_refusal(
    *,
    actor: Person,
    case: Case | None,
    refused: engine.Refused,
    step: str,
    outcome: str,
    channel: str,
    unit: Unit | None = None,
) -> None:
    owner = unit if unit is not None else case.unit if case is not None else None
    if owner is None:
        raise ValueError("a refusal belongs to a case or a unit")
    with action("cases.refused_attempt", actor=actor) as act:
        row = Breach.objects.create(
            case=case,
            unit=owner,
            at=timezone.now(),
            kind=refused.reason.value,
            step=step,
            outcome=outcome,
            person=actor,
            channel=channel,
            refused=True,
            message=refused.message,
        )
        act.record(row)


def _not_authorised(post: str, name: str, step: str) -> engine.Refused:
    """越权: a step attempted by someone who does not hold its post (another unit's staff included)."""
    return engine.Refused(
        engine.Refusal.NOT_AUTHORISED,
        f"只有「{post}」岗位的人员可以办理「{name}」",
        f"Only holders of {post} may complete {step}",
    )


def _refuse(refused: engine.Refused, case: Case) -> CaseRefused:
    return CaseRefused(
        refused.message, message_en=refused.message_en, code=refused.reason.value, case=case.number
    )


def do_claim_step(*, actor: Person, case: Case, step: str = "") -> CaseStep:
    """Take the current step (or, in a case split into parallel branches, `step`) into one's own inbox
    (it stays open to the post until then). A claim by someone without the step's post is refused and on
    the record for supervision."""
    try:
        return _claim_step(actor, case, step)
    except Forbidden as exc:
        refused = engine.Refused(engine.Refusal.NOT_AUTHORISED, exc.message, exc.message_en)
        _record_refusal(
            actor=actor, case=case, refused=refused, step=case.current_step, outcome="", channel="console"
        )
        supervise(case.pk)
        raise


def _claim_step(actor: Person, case: Case, step: str) -> CaseStep:
    with action("cases.claim", actor=actor) as act:
        locked = load_locked(case.pk)
        row = _open_step(locked, step)
        if not step and row is not None:  # of parallel branches, the one the actor's post does
            row = next((r for r in _open_rows(locked) if holds_post(actor, locked, r.post)), row)
        if row is None or locked.closed:
            raise Conflict("办件当前没有待办环节", message_en="Nothing to claim", code="nothing_to_claim")
        if not holds_post(actor, locked, row.post):
            refused = _not_authorised(row.post, row.name, row.step)
            raise Forbidden(refused.message, message_en=refused.message_en)
        if row.assignee_id not in (None, actor.pk):
            raise Conflict(
                f"「{row.name}」已由他人认领", message_en="Already claimed", code="already_claimed"
            )
        row.assignee = actor
        rows.update(row, ["assignee"])
        act.record(row)
        _event(act, locked, "claimed", step=row.step, person=actor, public=False)
        _save(act, locked)
    return row


def do_complete_step(
    *,
    actor: Person,
    case: Case,
    step: str,
    outcome: str,
    comment: str = "",
    approved_by: Person | None = None,
    channel: str = "console",
) -> Case:
    """Complete the current step with an outcome; the flow says where the case goes next."""
    refused: engine.Refused | None = None
    try:
        with action("cases.complete_step", actor=actor) as act:
            locked = load_locked(case.pk)
            row = _open_step(locked, step)
            table = _table(locked)
            # A 延期 that takes effect at the step needs the head's approval (行政许可法 art. 42): a head
            # may take it there themselves, post or no post, and so approves it (the API's way, where
            # a token speaks for one person only).
            move = table.moves.get((step, outcome))
            head_extends = (
                move is not None
                and move.kind is TransitionKind.EXTEND
                and move.target == move.step
                and is_head(actor, locked.unit)
            )
            if head_extends and approved_by is None:
                approved_by = actor
            approved = approved_by is not None and is_head(approved_by, locked.unit)
            verdict = table.judge(
                _view(locked, row), step=step, outcome=outcome, person=str(actor.pk), approved=approved
            )
            # A move the flow does not allow is refused as such whoever asks; otherwise only the step's
            # post may act, and only then do separation and 补正 rules speak.
            wrong_move = isinstance(verdict, engine.Refused) and verdict.reason in {
                engine.Refusal.ILLEGAL_TRANSITION,
                engine.Refusal.CLOSED,
            }
            post = table.steps[step].post if step in table.steps else ""
            if not wrong_move and not head_extends and not holds_post(actor, locked, post):
                refused = _not_authorised(post, table.steps[step].name, step)
                raise Forbidden(refused.message, message_en=refused.message_en)
            if isinstance(verdict, engine.Refused):
                refused = verdict
                raise _refuse(verdict, locked)
            _apply(act, locked, row, verdict, actor=actor, comment=comment, approved_by=approved_by)
    except (CaseRefused, Forbidden):
        if refused is not None:  # on the record for supervision, whether refused by the flow or the post
            _record_refusal(
                actor=actor, case=case, refused=refused, step=step, outcome=outcome, channel=channel
            )
            supervise(case.pk)
        raise
    returned = isinstance(verdict, engine.Move) and verdict.kind is TransitionKind.RETURN
    supervise_changes([change(locked, [row] if row is not None else [], returned=returned)])
    return locked


def _view(case: Case, open_row: CaseStep | None) -> engine.CaseView:
    done: dict[str, set[str]] = {}
    if case.working_steps is not None:
        completed = [
            (row.step, row.completed_by_id, row.external_person)
            for row in case.working_steps
            if row.completed_at is not None
        ]
    else:
        completed = list(
            CaseStep.objects.filter(case=case, completed_at__isnull=False).values_list(
                "step", "completed_by_id", "external_person"
            )
        )
    for key, person_id, external in completed:
        done.setdefault(key, set()).add(str(person_id) if person_id else f"ext:{external}")
    # While a 补正 notice is out no step row is open, yet the case is still at its step: a further
    # 补正 there is judged (and refused, art. 32) rather than answered with "the case has ended".
    any_open = open_row is not None or bool(_open_rows(case))
    awaiting = case.status == CaseStatus.CORRECTION and not any_open
    current = case.current_step if ((any_open or awaiting) and not case.closed) else ""
    return engine.CaseView(
        current=current,
        done_by={key: frozenset(people) for key, people in done.items()},
        corrections=case.corrections,
        resubmitted_since_correction=case.resubmitted,
        closed=case.closed,
        awaiting_correction=awaiting,
    )


def _apply(
    act: ActRecorder,
    case: Case,
    row: CaseStep | None,
    move: engine.Move,
    *,
    actor: Person | None,
    comment: str,
    approved_by: Person | None = None,
    at: datetime | None = None,
    external_person: str = "",
) -> None:
    """Carry a judged move out on the case, its step rows and its clocks."""
    now = at or timezone.now()
    today = timezone.localtime(now).date()
    flow = case.definition.flow
    step = flow.step(move.step)
    assert row is not None and step is not None
    row.completed_at = now
    row.completed_by = actor
    row.external_person = external_person
    row.outcome = move.outcome
    row.comment = comment.strip()
    if row.assignee_id is None and actor is not None:
        row.assignee = actor
    rows.update(row)
    act.record(row)
    case.result = move.outcome
    if move.kind is TransitionKind.CORRECTION:
        ended = False
    else:
        advanced = tokens.advance(flow, tokens.parse(case.current_step), move.index)
        ended = advanced.ended
    case.path = f"{case.path} {step.key}{' $' if ended else ''}".strip()
    public_text = f"「{step.name}」：{move.label or move.outcome}"
    if engine.starts_case_clock(step) and move.kind is TransitionKind.NEXT and case.accepted_at is None:
        case.accepted_at = now
        _start_case_clock(case, today)
    if step.suspends_clock and case.status == CaseStatus.SUSPENDED:
        case.status = CaseStatus.OPEN
        _resume_clock(case, today)
        _event(act, case, "resumed", step=step.key, person=actor, text="中止事由消除，恢复计时", at=now)
    if move.kind is TransitionKind.CORRECTION:
        case.status = CaseStatus.CORRECTION
        case.corrections += 1
        case.resubmitted = False
        _pause_clock(case, today)
        case.current_step = move.target
        _event(
            act,
            case,
            "correction_requested",
            step=step.key,
            outcome=move.outcome,
            person=actor,
            text="需补正：" + (comment.strip() or "请按告知补正材料"),
            at=now,
        )
        _save(act, case)
        return
    table = _table(case)
    grants = move.kind is TransitionKind.NEXT and table.is_extension_approval(step.key)
    if (move.kind is TransitionKind.EXTEND and move.target == move.step) or grants:
        extension = flow.extension
        if extension is not None and case.due_on is not None and not case.extended:
            clock = engine.clock(calendar_queries.work_calendar(), case.due_on, extension)
            case.due_on, case.warn_on = clock.due, clock.warn
            case.provisional = case.provisional or clock.provisional
        case.extended = True
        # The approver is the event's person (private in the ledger, shown to staff); the public text,
        # which the applicant reads, says only that the head approved.
        approver = approved_by or (actor if grants else None)
        _event(
            act,
            case,
            "extended",
            step=step.key,
            person=approver or actor,
            text="办理期限延长（经本机关负责人批准）" if approver else "办理期限延长",
            at=now,
        )
    _event(
        act,
        case,
        "step_completed",
        step=step.key,
        outcome=move.outcome,
        person=actor,
        text=public_text,
        at=now,
    )
    if ended:
        # A refusal or termination in one parallel branch ends the others with it.
        for other in _open_rows(case):
            other.completed_at = now
            other.outcome = CLOSED_BRANCH
            rows.update(other)
            act.record(other)
        case.current_step = ""
        case.closed_at = now
        case.status = CaseStatus.TERMINATED if move.kind is TransitionKind.TERMINATE else CaseStatus.DONE
        _event(
            act, case, "closed", outcome=move.outcome, text="办结：" + (move.label or move.outcome), at=now
        )
        _save(act, case)
        return
    case.current_step = tokens.dump(advanced.tokens)
    for key in advanced.opened:
        target = flow.step(key)
        assert target is not None
        if (move.kind is TransitionKind.SUSPEND and key == move.target) or target.suspends_clock:
            if case.status != CaseStatus.SUSPENDED:
                case.status = CaseStatus.SUSPENDED
                _pause_clock(case, today)
            _event(
                act,
                case,
                "suspended",
                step=target.key,
                person=actor,
                text=f"「{target.name}」期间不计入办理时限",
                at=now,
            )
        _start_step(act, case, target.key, at=now)
    _save(act, case)


# The applicant's side -----------------------------------------------------------------------------


# Wrong query codes allowed per window: few for one case number, from anywhere (nobody tries many codes
# for one case), many from one address (one person's typos do not lock out a whole shared address).
# Set by LIUQUAN_WRONG_CODES_PER_CASE and LIUQUAN_WRONG_CODES_PER_ADDRESS.
TRACK_WINDOW = timedelta(minutes=15)


def _track_limits(number: str, address: str) -> tuple[limits.Limit, limits.Limit]:
    """(the case number's limit, the address's limit)."""
    return (
        limits.Limit(
            f"track:case:{number.strip()[:60]}", settings.LIUQUAN_WRONG_CODES_PER_CASE, TRACK_WINDOW
        ),
        limits.Limit(f"track:addr:{address[:60]}", settings.LIUQUAN_WRONG_CODES_PER_ADDRESS, TRACK_WINDOW),
    )


def find_by_query(number: str, code: str, *, address: str = "unknown") -> Case:
    """A case by its number and query code (both needed: the number alone reveals nothing). Wrong codes
    count against the number and the caller's address (TooManyAttempts once either is used up), in the
    database, so every worker and channel shares the count."""
    from liuquan.core.errors import NotFound

    by_case, by_address = _track_limits(number, address)
    limits.check([by_case, by_address])
    case = Case.objects.select_related("definition", "unit").filter(number=number.strip()).first()
    if case is None or not code or not secrets.compare_digest(case.query_digest, query_digest(code)):
        # A number that names no case is counted against the address alone: made-up numbers must not
        # fill the table with keys.
        limits.count([by_address] if case is None else [by_case, by_address])
        raise NotFound("办件编号或查询码不正确", message_en="Unknown case number or query code", field="code")
    return case


def do_supplement(
    *, actor: Person, case: Case, note: str = "", files: list[tuple[str, str, bytes, str]] | None = None
) -> Case:
    """The applicant answers a 补正 notice: new material, the clock resumes, the case returns to 受理."""
    with action("cases.supplement", actor=actor) as act:
        locked = load_locked(case.pk)
        if locked.status != CaseStatus.CORRECTION:
            raise Conflict(
                "办件不在补正阶段",
                message_en="The case is not waiting for a correction",
                code="not_in_correction",
            )
        if not files and not note.strip():
            raise InvalidInput(
                "请上传补正材料或说明", message_en="Upload the missing material or explain", field="files"
            )
        stored = CaseFile.objects.filter(case=locked).aggregate(total=Sum("size"))["total"] or 0
        check_files_size(stored, files)
        now = timezone.now()
        for name, material, data, content_type in files or []:
            _store_file(act, locked, name, material, data, content_type, now)
        locked.status = CaseStatus.OPEN
        locked.resubmitted = True
        _resume_clock(locked, timezone.localtime(now).date())
        _event(
            act,
            locked,
            "supplemented",
            text="申请人已补正：" + (note.strip()[:500] or f"{len(files or [])} 份材料"),
            at=now,
        )
        _start_step(act, locked, locked.current_step, at=now)
        _save(act, locked)
    supervise_changes([change(locked)])
    return locked


def do_withdraw(*, actor: Person, case: Case, reason: str = "") -> Case:
    """撤回: the applicant withdraws (on the portal, where the query code proved who they are), or the
    unit's staff record a withdrawal the applicant made in person."""
    from liuquan.org.actions import public_person

    if (
        not actor.is_superuser
        and actor.pk != public_person().pk
        and not org_queries.scope_of(actor, frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})).covers(
            case.unit
        )
    ):
        raise Forbidden(
            "只有申请人或本单位工作人员可以撤回申请", message_en="Only the applicant or the unit may withdraw"
        )
    with action("cases.withdraw", actor=actor) as act:
        locked = load_locked(case.pk)
        if locked.closed:
            raise Conflict("办件已办结，不能撤回", message_en="The case has ended", code="case_closed")
        for open_row in _open_rows(locked):
            open_row.completed_at = timezone.now()
            open_row.outcome = "withdrawn"
            rows.update(open_row)
            act.record(open_row)
        locked.status = CaseStatus.WITHDRAWN
        locked.closed_at = timezone.now()
        locked.current_step = ""
        _event(
            act,
            locked,
            "withdrawn",
            text="申请人撤回申请" + (f"：{reason.strip()[:300]}" if reason.strip() else ""),
        )
        _save(act, locked)
    return locked


def do_terminate(*, actor: Person, case: Case, reason: str) -> Case:
    """终止 by the unit's head, with a reason (e.g. the applicant died, the matter lapsed)."""
    if not is_head(actor, case.unit):
        raise Forbidden(
            "只有本单位负责人可以终止办件", message_en="Only the unit's head may terminate a case"
        )
    if not reason.strip():
        raise InvalidInput("终止须写明理由", message_en="A termination needs a reason", field="reason")
    with action("cases.terminate", actor=actor) as act:
        locked = load_locked(case.pk)
        if locked.closed:
            raise Conflict("办件已办结", message_en="The case has ended", code="case_closed")
        for open_row in _open_rows(locked):
            open_row.completed_at = timezone.now()
            open_row.completed_by = actor
            open_row.outcome = "terminated"
            rows.update(open_row)
            act.record(open_row)
        locked.status = CaseStatus.TERMINATED
        locked.closed_at = timezone.now()
        locked.current_step = ""
        _event(act, locked, "terminated", person=actor, text="终止办理：" + reason.strip()[:300])
        _save(act, locked)
    return locked


def do_rate(*, actor: Person, case: Case, score: int, comment: str = "") -> Rating:
    """好差评 by the applicant, once, after the case ends; a 差评 goes to the unit's head for a reply."""
    if not 1 <= score <= 5:
        raise InvalidInput("评分应为 1 至 5", message_en="A score is 1 to 5", field="score")
    with action("cases.rate", actor=actor) as act:
        locked = load_locked(case.pk)
        if locked.status != CaseStatus.DONE:
            raise Conflict("办结后才能评价", message_en="Rate a case once it is done", code="not_done")
        if Rating.objects.filter(case=locked).exists():
            raise Conflict("已经评价过", message_en="Already rated", code="already_rated")
        row = Rating.objects.create(
            case=locked, score=score, comment=comment.strip()[:1000], at=timezone.now()
        )
        act.record(row)
        _event(act, locked, "rated", text=f"申请人评价：{score} 分")
        _save(act, locked)
    return row


def do_reply_rating(*, actor: Person, rating: Rating, reply: str) -> Rating:
    case = rating.case
    if not is_head(actor, case.unit):
        raise Forbidden("只有本单位负责人可以回复评价", message_en="Only the unit's head replies to a rating")
    if not reply.strip():
        raise InvalidInput("回复不能为空", message_en="The reply is empty", field="reply")
    with action("cases.reply_rating", actor=actor) as act:
        rating.reply = reply.strip()[:2000]
        rating.replied_at = timezone.now()
        rating.replied_by = actor
        rating.save()
        act.record(rating)
    return rating
