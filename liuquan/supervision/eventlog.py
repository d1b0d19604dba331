"""Event logs of cases for process-mining tools: XES (IEEE 1849-2016) and OCEL 2.0 JSON.

What goes out: the case number, its unit and power (public), the flow version, the status, for a case
of another system its source and id there, and per step row its step name and key, post (岗位), times,
outcome and who acted — as a pseudonym only ("p-…", the
ledger's pseudonym of a staff member; "x-…" for a person named by another system, keyed the same way).
Never the applicant, the subject, comments, files or a person's name.

XES: one <trace> per case (concept:name = case number), per step row a `start` event at started_at
and, once the row is closed, a `complete` event at completed_at (concept:name = the step's name, as the
flow's BPMN names its task, so PM4Py replays the exported BPMN on this log unchanged; liuquan:step = its
key). Rows the
engine closed without the step being performed (conformance.MARKS) end with lifecycle `manualskip`
(skipped: another system went past the step), `withdraw` (撤回) or `pi_abort` (终止) instead of
`complete`. Filtering lifecycle:transition = complete therefore gives exactly the traces that
`conformance` judges.

OCEL 2.0 JSON: object types case, unit, power, post, staff; one event per completed step (type = step
name, time = completed_at, with its key, start time, outcome and post as attributes) related to its case,
unit, power, post and staff member; marks and still-open steps are not events (a case's status attribute says
how it ended). The case objects' status changes from "open" at reception to its final status.

Both writers stream: a trace (or an event) is built as a string and written out, so memory does not
grow with the log; OCEL objects are spooled to a temporary file until the events are out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TextIO
from xml.sax.saxutils import quoteattr

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from liuquan.cases.models import Breach, Case, CaseStep
from liuquan.flows.models import ProcessDefinition
from liuquan.ledger import keys, log
from liuquan.supervision.conformance import MARKS, Model, compile_flow

__all__ = [
    "CaseRecord",
    "Counts",
    "StepRecord",
    "case_records",
    "completed_step_rows",
    "write_ocel",
    "write_xes",
]

# The XES lifecycle transition that closes a row carrying each mark.
MARK_LIFECYCLE = {
    "skipped": "manualskip",
    "swapped": "manualskip",  # jumped over, then done after the step that should follow it
    "withdrawn": "withdraw",
    "terminated": "pi_abort",
    "closed": "pi_abort",  # a parallel branch closed when another branch ended the case
}
assert set(MARK_LIFECYCLE) == MARKS


class Counts(NamedTuple):
    cases: int
    events: int


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One pass through one step, as an event log shows it (resources already pseudonyms)."""

    step: str
    name: str  # the step's name (受理), the activity every log and the BPMN export show
    post: str
    started_at: datetime
    completed_at: datetime | None
    outcome: str
    started_by: str = ""  # who took the step (its assignee), or ""
    completed_by: str = ""
    mark: bool = False  # closed by the engine without being performed (conformance.Model.is_mark)


@dataclass(frozen=True, slots=True)
class CaseRecord:
    number: str
    unit: str  # unit code
    unit_name: str
    power: str  # power code
    power_name: str
    flow_version: int
    status: str
    received_at: datetime
    closed_at: datetime | None
    steps: tuple[StepRecord, ...]
    source: str = ""  # "ingest:<system>" for a case of another system
    external_id: str = ""  # its id in that system


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


# XES ------------------------------------------------------------------------------------------------

XES_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="liuquan"/>
  <string key="lifecycle:model" value="standard"/>
"""


def _xes_event(step: StepRecord, lifecycle: str, at: datetime, resource: str) -> str:
    parts = [
        "    <event>\n",
        f'      <string key="concept:name" value={quoteattr(step.name or step.step)}/>\n',
        f'      <string key="liuquan:step" value={quoteattr(step.step)}/>\n',
        f'      <string key="lifecycle:transition" value="{lifecycle}"/>\n',
        f'      <date key="time:timestamp" value="{_time(at)}"/>\n',
    ]
    if resource:
        parts.append(f'      <string key="org:resource" value={quoteattr(resource)}/>\n')
    if step.post:
        parts.append(f'      <string key="org:role" value={quoteattr(step.post)}/>\n')
    if lifecycle != "start" and step.outcome:
        parts.append(f'      <string key="outcome" value={quoteattr(step.outcome)}/>\n')
    parts.append("    </event>\n")
    return "".join(parts)


def write_xes(cases: Iterable[CaseRecord], out: TextIO) -> Counts:
    """Write the cases as an XES log to `out` (text, UTF-8); returns how many traces and events."""
    out.write(XES_HEADER)
    traces = events = 0
    for case in cases:
        parts = [
            "  <trace>\n",
            f'    <string key="concept:name" value={quoteattr(case.number)}/>\n',
            f'    <string key="unit" value={quoteattr(case.unit)}/>\n',
            f'    <string key="power" value={quoteattr(case.power)}/>\n',
            f'    <string key="power_name" value={quoteattr(case.power_name)}/>\n',
            f'    <int key="flow_version" value="{case.flow_version}"/>\n',
            f'    <string key="status" value={quoteattr(case.status)}/>\n',
        ]
        if case.external_id:
            parts.append(f'    <string key="source" value={quoteattr(case.source)}/>\n')
            parts.append(f'    <string key="external_id" value={quoteattr(case.external_id)}/>\n')
        for step in case.steps:
            parts.append(_xes_event(step, "start", step.started_at, step.started_by))
            events += 1
            if step.completed_at is not None:
                lifecycle = MARK_LIFECYCLE[step.outcome] if step.mark else "complete"
                parts.append(_xes_event(step, lifecycle, step.completed_at, step.completed_by))
                events += 1
        parts.append("  </trace>\n")
        out.write("".join(parts))
        traces += 1
    out.write("</log>\n")
    return Counts(traces, events)


# OCEL 2.0 -------------------------------------------------------------------------------------------

EVENT_ATTRIBUTES = [
    {"name": "step", "type": "string"},
    {"name": "outcome", "type": "string"},
    {"name": "post", "type": "string"},
    {"name": "resource", "type": "string"},
    {"name": "started", "type": "time"},
]
OBJECT_TYPES = [
    {
        "name": "case",
        "attributes": [
            {"name": "status", "type": "string"},
            {"name": "flow_version", "type": "integer"},
            {"name": "received", "type": "time"},
            {"name": "source", "type": "string"},
            {"name": "external_id", "type": "string"},
        ],
    },
    {"name": "unit", "attributes": [{"name": "name", "type": "string"}]},
    {"name": "power", "attributes": [{"name": "code", "type": "string"}, {"name": "name", "type": "string"}]},
    {"name": "post", "attributes": [{"name": "name", "type": "string"}]},
    {"name": "staff", "attributes": []},
]


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_ocel(cases: Iterable[CaseRecord], out: TextIO) -> Counts:
    """Write the cases as an OCEL 2.0 JSON log to `out`; returns how many cases and events."""
    count = events = 0
    step_types: set[str] = set()
    units: dict[str, str] = {}
    powers: dict[str, tuple[str, str, str]] = {}  # id → unit id, code, name
    posts: dict[str, tuple[str, str]] = {}  # id → unit id, name
    staff: set[str] = set()
    out.write('{"events":[')
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for case in cases:
            unit_id = f"unit:{case.unit}"
            power_id = f"power:{case.unit}:{case.power}"
            units.setdefault(unit_id, case.unit_name)
            powers.setdefault(power_id, (unit_id, case.power, case.power_name))
            for step in case.steps:
                if step.completed_at is None or step.mark:
                    continue
                related = [
                    {"objectId": case.number, "qualifier": "case"},
                    {"objectId": unit_id, "qualifier": "unit"},
                    {"objectId": power_id, "qualifier": "power"},
                ]
                if step.post:
                    post_id = f"post:{case.unit}:{step.post}"
                    posts.setdefault(post_id, (unit_id, step.post))
                    related.append({"objectId": post_id, "qualifier": "post"})
                if step.completed_by:
                    staff.add(step.completed_by)
                    related.append({"objectId": step.completed_by, "qualifier": "completed by"})
                event = {
                    "id": f"e{events + 1}",
                    "type": step.name or step.step,
                    "time": _time(step.completed_at),
                    "attributes": [
                        {"name": "step", "value": step.step},
                        {"name": "outcome", "value": step.outcome},
                        {"name": "post", "value": step.post},
                        {"name": "resource", "value": step.completed_by},
                        {"name": "started", "value": _time(step.started_at)},
                    ],
                    "relationships": related,
                }
                out.write(("," if events else "") + _dump(event))
                events += 1
                step_types.add(step.name or step.step)
            status = [{"name": "status", "time": _time(case.received_at), "value": "open"}]
            if case.closed_at is not None and case.status != "open":
                status.append({"name": "status", "time": _time(case.closed_at), "value": case.status})
            spool.write(
                ","
                + _dump(
                    {
                        "id": case.number,
                        "type": "case",
                        "attributes": [
                            *status,
                            {
                                "name": "flow_version",
                                "time": _time(case.received_at),
                                "value": case.flow_version,
                            },
                            {
                                "name": "received",
                                "time": _time(case.received_at),
                                "value": _time(case.received_at),
                            },
                            *(
                                [
                                    {"name": "source", "time": _time(case.received_at), "value": case.source},
                                    {
                                        "name": "external_id",
                                        "time": _time(case.received_at),
                                        "value": case.external_id,
                                    },
                                ]
                                if case.external_id
                                else []
                            ),
                        ],
                        "relationships": [
                            {"objectId": unit_id, "qualifier": "handled by"},
                            {"objectId": power_id, "qualifier": "exercises"},
                        ],
                    }
                )
            )
            count += 1
        out.write('],"objects":[')
        # Static attributes carry the epoch as their time (the OCEL 2.0 convention for "always").
        epoch = "1970-01-01T00:00:00Z"
        fixed: list[dict[str, object]] = []
        for unit_id, name in sorted(units.items()):
            fixed.append(
                {
                    "id": unit_id,
                    "type": "unit",
                    "attributes": [{"name": "name", "time": epoch, "value": name}],
                }
            )
        for power_id, (owner, code, name) in sorted(powers.items()):
            fixed.append(
                {
                    "id": power_id,
                    "type": "power",
                    "attributes": [
                        {"name": "code", "time": epoch, "value": code},
                        {"name": "name", "time": epoch, "value": name},
                    ],
                    "relationships": [{"objectId": owner, "qualifier": "of"}],
                }
            )
        for post_id, (owner, name) in sorted(posts.items()):
            fixed.append(
                {
                    "id": post_id,
                    "type": "post",
                    "attributes": [{"name": "name", "time": epoch, "value": name}],
                    "relationships": [{"objectId": owner, "qualifier": "of"}],
                }
            )
        fixed.extend({"id": person, "type": "staff", "attributes": []} for person in sorted(staff))
        out.write(",".join(_dump(item) for item in fixed))
        spool.seek(0)
        first = not fixed
        while chunk := spool.read(1 << 20):
            if first:
                chunk, first = chunk[1:], False  # the spooled objects each begin with a comma
            out.write(chunk)
    event_types = [{"name": name, "attributes": EVENT_ATTRIBUTES} for name in sorted(step_types)]
    out.write(f'],"objectTypes":{_dump(OBJECT_TYPES)},"eventTypes":{_dump(event_types)}}}\n')
    return Counts(count, events)


# Reading cases from the database --------------------------------------------------------------------


def completed_step_rows(steps: QuerySet[CaseStep]) -> Iterator[tuple[int, str, str]]:
    """(case id, step key, outcome) of the completed rows among `steps`, ordered by case and position:
    what conformance.judge reads. One query, streamed (a server-side cursor on PostgreSQL); the
    (case, position) index gives the order. The rows come straight from the cursor: these columns need
    no conversion, and Django's per-row iterator would add about a fifth to the whole check."""
    query = (
        steps.filter(completed_at__isnull=False)
        .order_by("case_id", "position")
        .values_list("case_id", "step", "outcome")
    )
    sql, params = query.query.sql_with_params()
    connection = connections[query.db]
    streamed = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")  # as QuerySet.iterator
    with connection.chunked_cursor() if streamed else connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20_000):
            yield from chunk


class _Pseudonyms:
    """Staff by the ledger's pseudonym; people named by other systems keyed the same way ("x-…")."""

    def __init__(self) -> None:
        self.people: dict[int, str] = {}
        self.external: dict[tuple[str, str], str] = {}

    def person(self, person_id: int | None) -> str:
        if person_id is None:
            return ""
        name = self.people.get(person_id)
        if name is None:
            name = self.people[person_id] = log.pseudonym(person_id)
        return name

    def outsider(self, source: str, person: str) -> str:
        if not person:
            return ""
        key = (source, person)
        name = self.external.get(key)
        if name is None:
            message = f"external:{source}:{person}".encode()
            name = "x-" + hmac.new(keys.pseudonym_secret(), message, hashlib.sha256).hexdigest()[:20]
            self.external[key] = name
        return name


def case_records(cases: QuerySet[Case], *, chunk: int = 2_000) -> Iterator[CaseRecord]:
    """The cases with their step rows, in case id order, read `chunk` cases at a time (two queries per
    chunk), with times in the local zone and people as pseudonyms."""
    names = _Pseudonyms()
    models: dict[int, Model] = {}
    local = timezone.get_current_timezone()
    last = 0
    while True:
        rows = list(
            cases.filter(pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk",
                "number",
                "unit__code",
                "unit__name",
                "power_code",
                "power_name",
                "definition_id",
                "definition__version",
                "status",
                "received_at",
                "closed_at",
                "source",
                "external_id",
            )[:chunk]
        )
        if not rows:
            return
        last = rows[-1][0]
        for definition in {row[6] for row in rows} - set(models):
            models[definition] = compile_flow(ProcessDefinition.objects.get(pk=definition).flow)
        wanted = {row[0]: (models[row[6]], row[11]) for row in rows}
        steps: dict[int, list[StepRecord]] = {}
        # The (case, position) index serves the id range; cases outside `cases` are skipped here.
        for case_id, step, name, post, started, completed, outcome, assignee, completer, outsider in (
            CaseStep.objects.filter(case_id__gte=rows[0][0], case_id__lte=last)
            .order_by("case_id", "position")
            .values_list(
                "case_id",
                "step",
                "name",
                "post",
                "started_at",
                "completed_at",
                "outcome",
                "assignee_id",
                "completed_by_id",
                "external_person",
            )
        ):
            if case_id not in wanted:
                continue
            model, source = wanted[case_id]
            steps.setdefault(case_id, []).append(
                StepRecord(
                    step=step,
                    name=name,
                    post=post,
                    started_at=started.astimezone(local),
                    completed_at=completed.astimezone(local) if completed else None,
                    outcome=outcome,
                    started_by=names.person(assignee),
                    completed_by=(names.person(completer) or names.outsider(source, outsider))
                    if completed
                    else "",
                    mark=completed is not None and model.is_mark(step, outcome),
                )
            )
        # Events another system sent after the case had ended (a decision after a refusal, say): recorded
        # as breaches, not as steps, yet they happened: the log carries them too, after the steps.
        late = Breach.objects.filter(
            case_id__gte=rows[0][0], case_id__lte=last, kind="case_closed", refused=False
        ).order_by("case_id", "at", "pk")
        for case_id, step, outcome, at, outsider in late.values_list(
            "case_id", "step", "outcome", "at", "external_person"
        ):
            if case_id not in wanted:
                continue
            model, source = wanted[case_id]
            moment = at.astimezone(local)
            steps.setdefault(case_id, []).append(
                StepRecord(
                    step=step,
                    name=model.names.get(step, step),
                    post="",
                    started_at=moment,
                    completed_at=moment,
                    outcome=outcome,
                    completed_by=names.outsider(source, outsider),
                )
            )
        for (
            pk,
            number,
            unit,
            unit_name,
            power,
            power_name,
            _,
            version,
            status,
            received,
            closed,
            source,
            external,
        ) in rows:
            yield CaseRecord(
                number=number,
                unit=unit,
                unit_name=unit_name,
                power=power,
                power_name=power_name,
                flow_version=version,
                status=status,
                received_at=received.astimezone(local),
                closed_at=closed.astimezone(local) if closed else None,
                steps=tuple(steps.get(pk, ())),
                source=source if external else "",
                external_id=external,
            )
