"""Case events from other business systems (外部业务系统): JSON lines, idempotent, in any order.

Each line is {"source", "case_id", "seq", "power_code", "step", "action": "start"|"complete", "person",
"time", "outcome"}. A line is kept once per (source, case_id, seq): a re-sent batch adds nothing. Events
of one case are applied in seq order starting from 1; an event that arrives before its predecessors
waits until the gap is filled. The other system's case is followed step by step against the power's
published flow, with the same engine as the console — but where the console refuses, ingestion
records a Breach (refused=False) and follows what happened, because it did happen over there.

One batch is one action: the events, the cases they move and their ledger entries commit together,
before the answer names what was accepted, what was a duplicate and which lines were bad and why.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from liuquan.cases import engine
from liuquan.cases.actions import (
    _apply,
    _event,
    _open_step,
    _resume_clock,
    _save,
    _start_case_clock,
    _start_step,
    _table,
    _view,
    change,
    load_locked,
    new_query_code,
    query_digest,
    supervise_changes,
)
from liuquan.cases.models import (
    MADE_GOOD,
    SKIPPED,
    SWAPPED,
    Breach,
    Case,
    CaseStatus,
    CaseStep,
    IngestedEvent,
    IngestPerson,
    IngestSource,
)
from liuquan.core import rows as core_rows
from liuquan.core.actions import ActRecorder, action
from liuquan.core.errors import Forbidden, InvalidInput, NotAuthenticated, RuleViolation
from liuquan.flows import queries as flow_queries
from liuquan.flows import tokens
from liuquan.flows.models import ProcessDefinition
from liuquan.flows.spec import TransitionKind
from liuquan.org.models import Person, Unit
from liuquan.powers import queries as power_queries

MAX_LINES = 10_000
MAX_LINE_BYTES = 8 * 1024
FIELDS = ("source", "case_id", "seq", "power_code", "step", "action", "person", "time", "outcome")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def source_for_token(token: str) -> IngestSource:
    row = IngestSource.objects.select_related("unit").filter(token_digest=token_digest(token.strip())).first()
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("接入令牌无效或已吊销", message_en="Unknown or revoked ingest token")
    return row


def do_map_person(*, actor: Person, source: IngestSource, external: str, person: Person) -> IngestPerson:
    """接入人员对照: record that `external` (a name or id in the source's events) is `person`, a member of
    the source's unit; a later mapping of the same name replaces the earlier one, on the record."""
    if not actor.is_superuser:
        raise Forbidden("只有数据管理员可以登记人员对照", message_en="Only a data steward maps people")
    external = external.strip()
    if not external or len(external) > 80:
        raise InvalidInput(
            "请填写外部系统中的人员名称（80 字以内）",
            message_en="Give the name as the source writes it (80 characters at most)",
            field="external",
        )
    if person.unit_id != source.unit_id or not person.is_active:
        raise InvalidInput(
            f"{person.full_name or person.username}不是{source.unit.name}的在职人员",
            message_en="The person must be active staff of the source's unit",
            field="person",
        )
    with action("cases.map_ingest_person", actor=actor) as act:
        row, _created = IngestPerson.objects.update_or_create(
            source=source, external=external, defaults={"person": person}
        )
        act.record(row)
    return row


def do_create_source(
    *, actor: Person, name: str, unit: Unit, backdate_days: int = IngestSource.DEFAULT_BACKDATE_DAYS
) -> tuple[IngestSource, str]:
    """Register an external system for a unit; returns the source and its token (shown once). Its events
    may be dated at most `backdate_days` back (a wider window for a one-off 补录 of history)."""
    if not actor.is_superuser:
        raise Forbidden("只有数据管理员可以登记外部系统", message_en="Only a data steward registers a source")
    if not 1 <= backdate_days <= IngestSource.MAX_BACKDATE_DAYS:
        raise InvalidInput(
            f"补录期限应为 1 到 {IngestSource.MAX_BACKDATE_DAYS} 天，收到 {backdate_days}",
            message_en=f"The backdating window is 1 to {IngestSource.MAX_BACKDATE_DAYS} days, got {backdate_days}",
            field="backdate_days",
        )
    if not name.strip() or len(name) > 60:
        raise InvalidInput(
            "请填写系统名称（60 字以内）", message_en="Name the source (60 characters at most)", field="name"
        )
    if IngestSource.objects.filter(name=name.strip()).exists():
        raise InvalidInput(
            f"外部系统 {name} 已登记", message_en=f"{name} is already registered", field="name"
        )
    token = "lqi_" + secrets.token_urlsafe(32)
    with action("cases.create_ingest_source", actor=actor) as act:
        row = IngestSource.objects.create(
            name=name.strip(),
            unit=unit,
            token_digest=token_digest(token),
            created_at=timezone.now(),
            backdate_days=backdate_days,
        )
        act.record(row)
    return row, token


@dataclass
class Line:
    number: int
    case_id: str
    seq: int
    power_code: str
    step: str
    action: str
    person: str
    time: datetime
    outcome: str


@dataclass
class Answer:
    accepted: int = 0
    duplicates: int = 0
    # Lines not taken, each with why: {"line", "reason" (Chinese), "reason_en"}.
    rejected: list[dict[str, Any]] = field(default_factory=list)
    # Lines taken that record a deviation the sender should know of at once (a power outside the list).
    flagged: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "flagged": self.flagged,
        }


class LineError(ValueError):
    """Why one line is not taken: Chinese for people, English for logs and the sender's developers."""

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message

    def as_json(self, number: int) -> dict[str, Any]:
        return {"line": number, "reason": self.message, "reason_en": str(self)}


FIELD_NAMES = {
    "source": "来源系统",
    "case_id": "办件编号",
    "power_code": "事项编码",
    "step": "环节",
    "action": "动作",
    "person": "办理人",
    "time": "时间",
    "outcome": "办理结果",
}


def _text(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 80) -> str:
    value = data.get(key, "")
    name = f"{FIELD_NAMES.get(key, key)}（{key}）"
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LineError(f"{name}应为文本", f"{key} must be text")
    value = value.strip()
    if required and not value:
        raise LineError(f"缺少{name}", f"{key} is missing")
    if len(value) > limit:
        raise LineError(f"{name}超过 {limit} 个字符", f"{key} is longer than {limit} characters")
    return value


def parse_line(number: int, raw: str, source: IngestSource) -> Line:
    """One JSON line, checked field by field; LineError names the field and the problem."""
    if len(raw.encode("utf-8", "replace")) > MAX_LINE_BYTES:
        raise LineError(f"该行超过 {MAX_LINE_BYTES} 字节", f"the line is longer than {MAX_LINE_BYTES} bytes")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError(
            f"不是 JSON：第 {exc.colno} 列有误", f"not JSON: {exc.msg} at column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise LineError("不是 JSON 对象", "not a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise LineError(f"未知字段 {unknown[0]}", f"unknown field {unknown[0]}")
    if _text(data, "source") != source.name:
        raise LineError(
            f"来源系统 {data.get('source')!r} 与令牌所属的 {source.name!r} 不符",
            f"source {data.get('source')!r} is not the token's source {source.name!r}",
        )
    seq = data.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 10**9:
        raise LineError("序号（seq）应为从 1 起的整数", "seq must be a whole number from 1")
    kind = _text(data, "action")
    if kind not in {"start", "complete"}:
        raise LineError('动作（action）应为 "start" 或 "complete"', 'action must be "start" or "complete"')
    stamp = _text(data, "time", limit=40)
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        raise LineError(f"时间 {stamp!r} 不是 ISO 8601 格式", f"time {stamp!r} is not ISO 8601") from None
    if when.tzinfo is None:
        raise LineError(
            "时间须带时区，如 2026-11-25T09:30:00+08:00",
            "time needs a UTC offset (e.g. 2026-11-25T09:30:00+08:00)",
        )
    now = timezone.now()
    if when > now + timedelta(minutes=5):
        raise LineError("时间在将来", "time is in the future")
    if when < now - timedelta(days=source.window):
        raise LineError(
            f"时间早于 {source.window} 天前（本来源系统的补录期限）",
            f"time is more than {source.window} days back (this source's backdating window)",
        )
    when = when.astimezone(UTC)  # stored and ledgered in UTC, as the database gives it back
    outcome = _text(data, "outcome", required=kind == "complete", limit=40)
    return Line(
        number=number,
        case_id=_text(data, "case_id"),
        seq=seq,
        power_code=_text(data, "power_code", limit=40),
        step=_text(data, "step", limit=60),
        action=kind,
        person=_text(data, "person"),
        time=when,
        outcome=outcome,
    )


class FlowsInForce:
    """The flow in force for each power code of one unit, or why there is none (read once a batch). A
    case another system began in the past is held to the list and flow in force when it began (see
    powers.queries.check_published_power and flows.queries.flow_in_force); most begin after the newest
    publication, and those take the current answer without another query."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.found: dict[tuple[str, datetime | None], ProcessDefinition | str] = {}
        self.list_published: datetime | None = None
        self.list_read = False

    def __call__(self, power_code: str, at: datetime | None = None) -> ProcessDefinition | str:
        current = self._find(power_code, None)
        if at is None:
            return current
        if not self.list_read:
            self.list_read = True
            self.list_published = power_queries.latest_publication(self.unit)
        newest = [self.list_published]
        if not isinstance(current, str):
            newest.append(current.published_at)
        if all(moment is not None and moment <= at for moment in newest):
            return current
        return self._find(power_code, at)

    def _find(self, power_code: str, at: datetime | None) -> ProcessDefinition | str:
        found = self.found.get((power_code, at))
        if found is None:
            try:
                power_queries.check_published_power(self.unit, power_code, at=at)
                definition = flow_queries.flow_in_force(self.unit, power_code, at=at)
            except RuleViolation as exc:  # 清单之外无权力: recorded as a breach of the other system
                found = f"清单之外：{exc.message}"
            else:
                found = definition if definition is not None else f"事项 {power_code} 没有公布的流程"
            self.found[(power_code, at)] = found
        return found


def check_against_flow(line: Line, flows: FlowsInForce) -> str | None:
    """Hold a line to its power's flow in force: the step by its key (accept) or its name (受理), the
    outcome of a completion by its key (pass) or its label (受理); both are stored as keys. A step or
    outcome the flow does not have is a LineError listing what it has. A power with no flow in force
    (outside the list, or no published flow) returns why: the line is taken, for it records a deviation."""
    found = flows(line.power_code, line.time)
    if isinstance(found, str):
        return found
    flow = found.flow
    step = flow.step(line.step) or next((s for s in flow.steps if s.name == line.step), None)
    if step is None:
        steps = "、".join(f"{s.name}（{s.key}）" for s in flow.steps)
        raise LineError(
            f"事项 {line.power_code} 的流程中没有环节“{line.step}”；可用：{steps}",
            f"the flow of {line.power_code} has no step {line.step!r}; its steps: "
            + ", ".join(f"{s.key} ({s.name})" for s in flow.steps),
        )
    line.step = step.key
    if line.action != "complete":
        return None
    moves = flow.outgoing(step.key)
    move = next((m for m in moves if m.outcome == line.outcome), None)
    if move is None:
        labelled = [m for m in moves if m.label and m.label == line.outcome]
        move = labelled[0] if len(labelled) == 1 else None
    if move is None:
        outcomes = "、".join(f"{m.label or m.outcome}（{m.outcome}）" for m in moves)
        raise LineError(
            f"环节「{step.name}」没有办理结果“{line.outcome}”；可用：{outcomes}",
            f"step {step.key} has no outcome {line.outcome!r}; its outcomes: "
            + ", ".join(f"{m.outcome} ({m.label})" if m.label else m.outcome for m in moves),
        )
    line.outcome = move.outcome
    return None


def do_ingest(*, actor: Person, source: IngestSource, body: str) -> Answer:
    """Take a batch of JSON lines from `source`: keep the new ones, apply what can be applied."""
    answer = Answer()
    lines: list[Line] = []
    raw_lines = body.splitlines()
    if len(raw_lines) > MAX_LINES:
        raise InvalidInput(
            f"一次最多 {MAX_LINES} 行", message_en=f"At most {MAX_LINES} lines per request", field="body"
        )
    seen: set[tuple[str, int]] = set()
    flows = FlowsInForce(source.unit)
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            line = parse_line(number, raw, source)
            outside = check_against_flow(line, flows)
        except LineError as exc:
            answer.rejected.append(exc.as_json(number))
            continue
        if outside:
            answer.flagged.append(
                {
                    "line": number,
                    "reason": f"{outside}：已作为清单外行使权力记录并预警",
                    "reason_en": f"power {line.power_code} is not on the unit's published list: recorded "
                    "as a power exercised outside the list and alerted",
                }
            )
        key = (line.case_id, line.seq)
        if key in seen:
            answer.duplicates += 1
            continue
        seen.add(key)
        lines.append(line)
    for position, chunk in enumerate(_chunks(lines)):
        if position and transaction.get_connection().vendor == "sqlite":
            time.sleep(SQLITE_PAUSE_SECONDS)
        _ingest_chunk(actor, source, chunk, answer)
    return answer


# Lines applied per transaction: the batch is written in short transactions, one after the other, so no
# other write waits long behind it (SQLite has one writer). The chunks hold whole cases; each is applied
# once, and a batch cut short (a crash, a killed worker) is completed by sending it again: what was
# stored is a duplicate the second time.
CHUNK_LINES = 200
# Between two chunks on SQLite, the write lock is left free this long. A writer waiting for it (SQLite's
# busy handler) retries every 100 ms at most, so a pause half as long again lets a waiting writer in even
# when the machine is busy and its sleep runs over; without it the next chunk takes the lock again within
# microseconds and a waiting clerk can wait for the whole batch. PostgreSQL locks rows, not the database:
# no pause there.
SQLITE_PAUSE_SECONDS = 0.15


def _chunks(lines: list[Line]) -> list[list[Line]]:
    by_case: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        by_case[line.case_id].append(line)
    chunks: list[list[Line]] = [[]]
    for case_id in sorted(by_case):
        if chunks[-1] and len(chunks[-1]) + len(by_case[case_id]) > CHUNK_LINES:
            chunks.append([])
        chunks[-1].extend(by_case[case_id])
    return chunks


def _ingest_chunk(actor: Person, source: IngestSource, lines: list[Line], answer: Answer) -> None:
    """One transaction: store the chunk's new events and apply what can be applied."""
    with action("cases.ingest", actor=actor) as act:
        case_ids = sorted({line.case_id for line in lines})
        existing = set(
            IngestedEvent.objects.filter(source=source, case_id__in=case_ids).values_list("case_id", "seq")
        )
        fresh = [line for line in lines if (line.case_id, line.seq) not in existing]
        answer.duplicates += len(lines) - len(fresh)
        now = timezone.now()
        rows = IngestedEvent.objects.bulk_create(
            [
                IngestedEvent(
                    source=source,
                    case_id=line.case_id,
                    seq=line.seq,
                    power_code=line.power_code,
                    step=line.step,
                    action=line.action,
                    person=line.person,
                    time=line.time,
                    outcome=line.outcome,
                    received_at=now,
                )
                for line in fresh
            ]
        )
        answer.accepted += len(rows)
        batch = _Batch(act=act, source=source)
        batch.catch_up(sorted({row.case_id for row in rows}), rows)
        for row in rows:
            row.source = source
            act.record(row)  # once, in its final state (applied or waiting for its predecessors)
        if not rows:
            act.record(source)  # the attempt is on the record even when nothing was new
    supervise_changes(
        [
            change(case, steps, returned=returned, breach=breach)
            for case, steps, returned, breach in batch.changes.values()
        ]
    )


class _Batch:
    """One ingest batch: the cases it moves, read once each, and what it did to them (for supervision)."""

    def __init__(self, *, act: ActRecorder, source: IngestSource) -> None:
        self.act = act
        self.source = source
        self.flow = FlowsInForce(source.unit)  # power code → flow in force, or why none
        self.outside: set[str] = set()  # "source/case id" of cases outside the list seen in this batch
        self.people: dict[str, Person] | None = None  # name in the source → staff member (read once)
        self.unknown: set[str] = set()  # names that resolve to nobody, seen in this batch
        # case pk → (case, steps completed, a return?, a breach?)
        self.changes: dict[int, tuple[Case, list[CaseStep], bool, bool]] = {}

    def note(
        self, case: Case, *, completed: CaseStep | None = None, returned: bool = False, breach: bool = False
    ) -> None:
        _case, steps, was_returned, was_breach = self.changes.get(case.pk, (case, [], False, False))
        if completed is not None:
            steps.append(completed)
        self.changes[case.pk] = (case, steps, was_returned or returned, was_breach or breach)

    def catch_up(self, case_ids: list[str], new_rows: list[IngestedEvent]) -> None:
        """Apply the waiting events of these cases in seq order, as far as each runs without a gap: the
        waiting events, the last applied seq and the cases are read once for the whole batch."""
        if not case_ids:
            return
        source = self.source
        new_pks = [row.pk for row in new_rows]
        waiting: dict[str, list[IngestedEvent]] = defaultdict(list)
        for row in new_rows:
            waiting[row.case_id].append(row)
        for row in IngestedEvent.objects.filter(source=source, case_id__in=case_ids, applied=False).exclude(
            pk__in=new_pks
        ):
            waiting[row.case_id].append(row)
        applied_upto = dict(
            IngestedEvent.objects.filter(source=source, case_id__in=case_ids, applied=True)
            .values("case_id")
            .annotate(top=Max("seq"))
            .values_list("case_id", "top")
        )
        known = dict(
            Case.objects.filter(source=f"ingest:{source.name}", external_id__in=case_ids)
            .order_by("pk")
            .values_list("external_id", "pk")
        )
        applied: list[IngestedEvent] = []
        for case_id in case_ids:
            pk = known.get(case_id)
            case = load_locked(pk) if pk is not None else None
            upto = applied_upto.get(case_id) or 0
            run: list[IngestedEvent] = []  # the events that follow on without a gap
            for event in sorted(waiting[case_id], key=lambda row: row.seq):
                if event.seq <= upto:
                    continue
                if event.seq != upto + len(run) + 1:
                    break  # a gap: the rest waits for the missing event
                run.append(event)
            for position, event in enumerate(run):
                if case is None:
                    case = self.open_case(event)
                if case is not None:
                    self.apply(case, event, later=run[position + 1 :])
                event.applied = True
                applied.append(event)
        ids = [event.pk for event in applied]
        for start in range(0, len(ids), 500):
            IngestedEvent.objects.filter(pk__in=ids[start : start + 500]).update(applied=True)
        fresh = set(new_pks)
        for event in applied:
            if event.pk not in fresh:  # an older event applied now; the new ones are recorded by the caller
                event.source = source
                self.act.record(event)

    def breach(self, case: Case | None, kind: str, event: IngestedEvent, message: str) -> None:
        row = Breach(
            case=case,
            unit=self.source.unit,
            at=event.time,
            kind=kind,
            step=event.step,
            outcome=event.outcome,
            external_person=event.person,
            external_case=f"{self.source.name}/{event.case_id}",
            channel="ingest",
            refused=False,
            message=message,
        )
        core_rows.insert(row)
        self.act.record(row)
        if case is not None:
            self.note(case, breach=True)

    def open_case(self, event: IngestedEvent) -> Case | None:
        act, source = self.act, self.source
        definition = self.flow(event.power_code, event.time)
        if isinstance(definition, str):
            # One breach per case of the other system (its events all fall outside the list alike).
            external = f"{source.name}/{event.case_id}"
            if external not in self.outside:
                self.outside.add(external)
                if not Breach.objects.filter(kind="outside_list", external_case=external).exists():
                    self.breach(None, "outside_list", event, f"{definition}（外部办件 {event.case_id}）")
            return None
        unit = source.unit
        case = Case(
            number=f"tmp-{secrets.token_hex(12)}",
            unit=unit,
            power_code=event.power_code,
            power_name=definition.power_name,
            definition=definition,
            source=f"ingest:{source.name}",
            external_id=event.case_id,
            applicant_name="（外部系统办件）",
            query_digest=query_digest(new_query_code()),
            status=CaseStatus.OPEN,
            current_step=definition.flow.start,
            received_at=event.time,
        )
        core_rows.insert(case)
        case.working_steps, case.working_seq = [], 0  # a new case: nothing to load
        case.number = f"{unit.code}-{timezone.localtime(event.time):%Y}-{case.pk:07d}"
        _start_step(act, case, definition.flow.start, at=event.time)
        _event(act, case, "opened", text=f"由 {source.name} 接入", at=event.time, public=False)
        _save(act, case)
        self.note(case)
        return case

    def person(self, event: IngestedEvent) -> Person | None:
        """The staff member the event's person is (see IngestPerson), or None: an unknown person is a
        breach, once per name and source, so a name nobody can answer for does not pass unseen."""
        if self.people is None:
            unit_id = self.source.unit_id
            staff = list(Person.objects.filter(unit_id=unit_id, is_active=True))
            names: dict[str, list[Person]] = defaultdict(list)
            for member in staff:
                names[member.username].append(member)
                if member.full_name and member.full_name != member.username:
                    names[member.full_name].append(member)
            self.people = {name: found[0] for name, found in names.items() if len(found) == 1}
            mapped = IngestPerson.objects.filter(source=self.source).select_related("person")
            self.people.update({row.external: row.person for row in mapped})
        found = self.people.get(event.person)
        if found is None and event.person not in self.unknown:
            self.unknown.add(event.person)
            if not Breach.objects.filter(
                kind="unknown_person", channel="ingest", unit=self.source.unit, external_person=event.person
            ).exists():
                self.breach(
                    None,
                    "unknown_person",
                    event,
                    f"{self.source.name} 的办理人“{event.person}”无法对应到本单位人员（请登记人员对照）",
                )
        return found

    def done_late(self, case: Case, event: IngestedEvent) -> bool:
        """An event for a step the case jumped over earlier: recorded as that step's late completion,
        leaving the case where it is. A swap announced when the jump was recorded adds no breach; a step
        reported skipped and now done after all is a deviation of order."""
        steps = case.working_steps or []
        jumped = next((row for row in reversed(steps) if row.step == event.step), None)
        if jumped is None or jumped.outcome not in {SKIPPED, SWAPPED}:
            return False
        if event.action == "start":
            return True  # nothing to follow: its completion comes next
        if jumped.outcome == SKIPPED:
            # Reported as a skip when the jump came; it was a swap after all: one deviation of order. The
            # skip's breach is marked made good (supervision cures its alert, if one was raised).
            for earlier in Breach.objects.filter(case=case, kind="skipped_step", at__lte=event.time).order_by(
                "-at"
            )[:1]:
                earlier.kind = MADE_GOOD
                core_rows.update(earlier, ["kind"])
                self.act.record(earlier)
            self.breach(
                case,
                "out_of_order",
                event,
                f"环节顺序颠倒：跳过的「{jumped.name}」在后续环节之后才办理",
            )
            jumped.outcome = SWAPPED
            core_rows.update(jumped, ["outcome"])
            self.act.record(jumped)
        row = CaseStep(
            case=case,
            position=steps[-1].position + 1,
            step=event.step,
            name=jumped.name,
            post=jumped.post,
            started_at=event.time,
            completed_at=event.time,
            outcome=event.outcome,
            completed_by=self.person(event),
            external_person=event.person,
        )
        core_rows.insert(row)
        steps.append(row)
        self.act.record(row)
        flow_step = case.definition.flow.step(event.step)
        move = _table(case).moves.get((event.step, event.outcome))
        if (
            flow_step is not None
            and engine.starts_case_clock(flow_step)
            and move is not None
            and move.kind is TransitionKind.NEXT
            and case.accepted_at is None
        ):
            # 受理 done late is still when the case's clock starts: a case never goes without one.
            case.accepted_at = event.time
            _start_case_clock(case, timezone.localtime(event.time).date())
            _save(self.act, case)
        self.note(case, completed=row)
        return True

    def apply(self, case: Case, event: IngestedEvent, *, later: list[IngestedEvent] | None = None) -> None:
        """Follow one event of the other system's case (`later`: the events that follow it, known now)."""
        act = self.act
        table = _table(case)
        if case.closed:
            self.breach(case, engine.Refusal.CLOSED.value, event, f"办件已办结后仍有环节事件（{event.step}）")
            return
        if event.step not in table.steps:
            self.breach(case, "illegal_transition", event, f"流程中没有环节 {event.step}")
            return
        if case.status == CaseStatus.CORRECTION and event.step == case.current_step:
            # The applicant answered the 补正 in the other system: the case and its clock run again.
            case.status = CaseStatus.OPEN
            case.resubmitted = True
            _resume_clock(case, timezone.localtime(event.time).date())
        held = list(tokens.parse(case.current_step))
        open_steps = tokens.steps_of(held)
        at_step = event.step in open_steps
        # In a case split into parallel branches, an event off every branch is judged against the first.
        current_key = open_steps[0] if open_steps else case.current_step
        open_row = _open_step(case, event.step if at_step else current_key)
        if not at_step and self.done_late(case, event):
            return
        if not at_step:
            current = table.steps[current_key].name if current_key in table.steps else current_key
            ahead = _is_ahead(table, current_key, event.step)
            # A step done after the one that should follow it (a swapped pair) is one deviation of order,
            # not a skip: when the events still to come do the step jumped over, say so now.
            swapped = ahead and any(row.step == current_key for row in later or ())
            if swapped:
                kind, text = (
                    "out_of_order",
                    f"环节顺序颠倒：外部系统先办理「{table.steps[event.step].name}」，后办理「{current}」",
                )
            else:
                kind = "skipped_step" if ahead else "out_of_order"
                text = f"环节顺序与流程不符：办件应在「{current}」，外部系统记录了「{table.steps[event.step].name}」"
            self.breach(case, kind, event, text)
            if open_row is not None:  # follow the other system: the step it jumped over is closed
                open_row.completed_at = event.time
                open_row.outcome = SWAPPED if swapped else SKIPPED
                core_rows.update(open_row)
                act.record(open_row)
            if current_key in held:
                held[held.index(current_key)] = event.step
            else:
                held = [event.step]
            case.current_step = tokens.dump(held)
            open_row = _start_step(act, case, event.step, at=event.time)
        if open_row is None:
            open_row = _start_step(act, case, event.step, at=event.time)
        if event.action == "start":
            open_row.external_person = event.person
            open_row.started_at = event.time
            core_rows.update(open_row, ["external_person", "started_at"])
            act.record(open_row)
            self.note(case)
            return
        view = _view(case, open_row)
        person = self.person(event)
        verdict = table.judge(
            view,
            step=event.step,
            outcome=event.outcome,
            person=str(person.pk) if person else f"ext:{event.person}",
            approved=True,
        )
        move = table.moves.get((event.step, event.outcome))
        if isinstance(verdict, engine.Refused):
            self.breach(case, verdict.reason.value, event, verdict.message)
            if move is None:
                return  # an outcome the flow does not have: recorded; the case cannot follow it
        assert move is not None
        _apply(
            act, case, open_row, move, actor=person, comment="", at=event.time, external_person=event.person
        )
        self.note(case, completed=open_row, returned=move.kind is TransitionKind.RETURN)


def _is_ahead(table: engine.StepTable, current: str, step: str) -> bool:
    """True when `step` lies after `current` in the flow's order (a jump forward skips steps)."""
    order = [s.key for s in table.flow.steps]
    return current in order and step in order and order.index(step) > order.index(current)


def pending_counts(source: IngestSource) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for case_id in IngestedEvent.objects.filter(source=source, applied=False).values_list(
        "case_id", flat=True
    ):
        counts[case_id] += 1
    return dict(counts)


def steps_of(case: Case) -> list[CaseStep]:
    return list(CaseStep.objects.filter(case=case).order_by("position"))
