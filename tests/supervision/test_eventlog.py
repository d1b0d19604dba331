"""The event log export: XES and OCEL 2.0 files PM4Py loads with the right cases and events, whose
completed steps are the traces conformance judges, with people as pseudonyms and no applicant data."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pytest
from lxml import etree

from liuquan.cases import actions
from liuquan.cases.models import Case, CaseStep
from liuquan.core.errors import InvalidInput, NotFound
from liuquan.core.testing import World
from liuquan.org.actions import public_person
from liuquan.supervision import conformance, eventlog, export_cli
from liuquan.supervision.conformance import Deviation
from tests.cases.conftest import APPLICANT, MONDAY, build_case_world, complete, open_licence
from tests.cases.test_ingest import line, post
from tests.clock import Clock
from tests.supervision.test_conformance import needs_pm4py, pm4py_unfit

XES = "{http://www.xes-standard.org/}"
LICENCE_PATH = [
    ("clerk", "accept", "pass"),
    ("reviewer", "review", "pass"),
    ("leader", "decide", "grant"),
    ("clerk", "deliver", "done"),
]


@pytest.fixture
def clock(clock: Clock) -> Clock:
    clock.set(MONDAY)
    return clock


@pytest.fixture
def cases(clock: Clock, world: World) -> dict[str, Case]:
    """Four licence cases of 市民政局: done by the flow, open after a 补正, withdrawn, and one ingested from
    another system that went past 审查 (a skipped step, recorded rather than refused)."""
    build_case_world(world)
    made: dict[str, Case] = {}

    done = open_licence(world)
    for key, step, outcome in LICENCE_PATH:
        clock.advance(hours=2)
        done = complete(world, done, key, step, outcome, comment=f"{APPLICANT.name}的材料齐全")
    made["done"] = done

    clock.advance(hours=1)
    corrected = open_licence(world)
    clock.advance(hours=1)
    complete(world, corrected, "clerk", "accept", "correct", comment="缺章程")
    clock.advance(hours=1)
    applicant = public_person()  # the applicant acts on the portal
    corrected = actions.do_supplement(actor=applicant, case=corrected, note="已补充章程")
    for key, step, outcome in LICENCE_PATH[:3]:
        clock.advance(hours=1)
        corrected = complete(world, corrected, key, step, outcome)
    made["open"] = corrected

    clock.advance(hours=1)
    withdrawn = open_licence(world)
    clock.advance(hours=1)
    withdrawn = complete(world, withdrawn, "clerk", "accept", "pass")
    clock.advance(hours=1)
    made["withdrawn"] = actions.do_withdraw(actor=applicant, case=withdrawn, reason="不办了")

    from liuquan.cases import ingest

    _, token = ingest.do_create_source(actor=world.system, name="mzj-legacy", unit=world.dept_a)
    clock.set(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    skipped = [("accept", "complete", "张三", "pass"), ("decide", "complete", "王五", "grant")]
    skipped.append(("deliver", "complete", "张三", "done"))
    assert (
        post(token, [line("S-1", n, *event) for n, event in enumerate(skipped, start=1)]).status_code == 200
    )
    made["skipped"] = Case.objects.get(external_id="S-1")
    return made


def records() -> list[eventlog.CaseRecord]:
    return list(eventlog.case_records(Case.objects.all(), chunk=2))


def complete_traces(parsed: dict[str, list[tuple[str, str]]]) -> dict[str, tuple[str, ...]]:
    return {case: tuple(a for a, life in events if life == "complete") for case, events in parsed.items()}


NAMES = {"accept": "受理", "review": "审查", "decide": "决定", "deliver": "送达"}


def xml(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


def parse_xes(text: str) -> dict[str, list[tuple[str, str]]]:
    """case → [(step key, lifecycle)], read with the standard library (PM4Py is checked separately); the
    activity (concept:name) is the step's name, as the flow's BPMN names its task."""
    root = xml(text)
    log: dict[str, list[tuple[str, str]]] = {}
    for trace in root.iter(f"{XES}trace"):
        name = next(a.get("value") for a in trace.findall(f"{XES}string") if a.get("key") == "concept:name")
        events = []
        for event in trace.iter(f"{XES}event"):
            attrs = {a.get("key"): a.get("value") for a in event}
            assert attrs["concept:name"] == NAMES[attrs["liuquan:step"]]
            events.append((attrs["liuquan:step"], attrs["lifecycle:transition"]))
        log[str(name)] = events
    return log


def test_the_completed_steps_are_the_traces_conformance_judges(cases):
    flow = cases["done"].definition.flow
    verdicts = conformance.judge(flow, eventlog.completed_step_rows(CaseStep.objects.all()))
    by_number = {case.pk: name for name, case in cases.items()}
    named = {by_number[pk]: verdict for pk, verdict in verdicts.items()}
    assert {name for name, verdict in named.items() if verdict.finished} == {"done", "skipped"}
    assert {name for name, verdict in named.items() if not verdict.fits} == {"skipped"}
    assert named["skipped"].deviation is Deviation.SKIPPED_STEP and named["skipped"].step == "decide"

    buffer = io.StringIO()
    counts = eventlog.write_xes(records(), buffer)
    traces = complete_traces(parse_xes(buffer.getvalue()))
    numbers = {case.number: name for name, case in cases.items()}
    assert {numbers[number]: trace for number, trace in traces.items()} == {
        "done": ("accept", "review", "decide", "deliver"),
        "open": ("accept", "accept", "review", "decide"),
        "withdrawn": ("accept",),
        "skipped": ("accept", "decide", "deliver"),
    }
    rows = CaseStep.objects.count()
    closed = CaseStep.objects.filter(completed_at__isnull=False).count()
    assert counts == (4, rows + closed)


def test_xes_declares_the_standard_extensions_and_marks_lifecycles(cases):
    buffer = io.StringIO()
    eventlog.write_xes(records(), buffer)
    root = xml(buffer.getvalue())
    assert root.tag == f"{XES}log" and root.get("xes.version") == "1849-2016"
    assert {e.get("prefix") for e in root.findall(f"{XES}extension")} == {
        "concept",
        "time",
        "lifecycle",
        "org",
    }
    parsed = parse_xes(buffer.getvalue())
    lifecycles = {number: [life for _, life in events] for number, events in parsed.items()}
    assert lifecycles[cases["withdrawn"].number][-1] == "withdraw"
    assert ("review", "manualskip") in parsed[cases["skipped"].number]
    assert lifecycles[cases["open"].number][-1] == "start"  # 送达 is waiting


def test_no_personal_data_leaves_in_either_format(cases, world):
    texts = []
    for writer in (eventlog.write_xes, eventlog.write_ocel):
        buffer = io.StringIO()
        writer(records(), buffer)
        texts.append(buffer.getvalue())
    people = [(p.username, p.full_name) for p in world.people.values()]
    secrets = [APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, APPLICANT.address, "申请成立志愿者协会"]
    secrets += ["缺章程", "已补充章程", "张三", "王五", "不办了"] + [name for pair in people for name in pair]
    for text in texts:
        for secret in secrets:
            assert secret not in text, secret
    resources = {a.get("value") for a in xml(texts[0]).iter(f"{XES}string") if a.get("key") == "org:resource"}
    assert resources and all(r.startswith(("p-", "x-")) and len(r) == 22 for r in resources)
    assert any(r.startswith("x-") for r in resources)  # the other system's staff, keyed too


def test_ocel_holds_one_event_per_completed_step_related_to_its_case(cases):
    buffer = io.StringIO()
    counts = eventlog.write_ocel(records(), buffer)
    data = json.loads(buffer.getvalue())
    performed = CaseStep.objects.filter(completed_at__isnull=False).exclude(outcome__in=conformance.MARKS)
    assert counts == (4, performed.count()) and len(data["events"]) == performed.count()
    assert {t["name"] for t in data["objectTypes"]} == {"case", "unit", "power", "post", "staff"}
    assert {t["name"] for t in data["eventTypes"]} == {"受理", "审查", "决定", "送达"}
    ids = {o["id"] for o in data["objects"]}
    assert len(ids) == len(data["objects"])
    for event in data["events"]:
        assert {r["objectId"] for r in event["relationships"]} <= ids
    withdrawn = next(o for o in data["objects"] if o["id"] == cases["withdrawn"].number)
    assert [a["value"] for a in withdrawn["attributes"] if a["name"] == "status"] == ["open", "withdrawn"]


def test_export_writes_files_for_a_unit_and_refuses_what_it_does_not_know(cases, world, tmp_path):
    assert export_cli.export("xes", tmp_path / "all.xes.gz", unit=world.dept_a.code)[0] == 4
    with gzip.open(tmp_path / "all.xes.gz", "rt", encoding="utf-8") as handle:
        assert len(parse_xes(handle.read())) == 4
    assert export_cli.export("ocel", tmp_path / "none.json", unit=world.dept_b.code) == (0, 0)
    assert json.loads((tmp_path / "none.json").read_text("utf-8"))["objects"] == []
    with pytest.raises(InvalidInput):
        export_cli.export("csv", tmp_path / "x.csv")
    with pytest.raises(NotFound):
        export_cli.export("xes", tmp_path / "x.xes", unit="NOPE")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.xes.gz", "none.json"]


# PM4Py reads both files -----------------------------------------------------------------------------


@needs_pm4py
def test_pm4py_reads_the_xes_file_and_replays_it_like_conformance(cases, tmp_path):
    import pm4py

    path = tmp_path / "cases.xes"
    cases_written, events_written = export_cli.export("xes", path)
    frame = pm4py.read_xes(str(path))
    assert frame["case:concept:name"].nunique() == cases_written == 4
    assert len(frame) == events_written
    done = frame[frame["lifecycle:transition"] == "complete"]
    traces = {
        number: list(group.sort_values("time:timestamp", kind="stable")["concept:name"])
        for number, group in done.groupby("case:concept:name")
    }
    finished = {cases["done"].number, cases["skipped"].number}
    flow = cases["done"].definition.flow
    keys = {step.name: step.key for step in flow.steps}
    finished_traces = {n: [keys[a] for a in t] for n, t in traces.items() if n in finished}
    assert pm4py_unfit(flow, finished_traces) == {cases["skipped"].number}
    assert (
        set(frame["org:resource"].dropna()) and not frame["org:resource"].dropna().str.contains("测试").any()
    )


@needs_pm4py
def test_pm4py_reads_the_ocel_file(cases, tmp_path):
    import pm4py

    path = tmp_path / "cases.jsonocel"
    cases_written, events_written = export_cli.export("ocel", path)
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == events_written
    objects = ocel.objects
    assert (objects["ocel:type"] == "case").sum() == cases_written == 4
    assert set(objects["ocel:type"]) == {"case", "unit", "power", "post", "staff"}
    flat = pm4py.ocel_flattening(ocel, "case")
    assert flat["case:concept:name"].nunique() == 4 and len(flat) == events_written
    skipped = flat[flat["case:concept:name"] == cases["skipped"].number].sort_values("time:timestamp")
    assert list(skipped["concept:name"]) == ["受理", "决定", "送达"]


def test_an_empty_log_is_still_a_valid_file(db, tmp_path):
    assert export_cli.export("xes", tmp_path / "empty.xes") == (0, 0)
    assert xml((tmp_path / "empty.xes").read_text("utf-8")).findall(f"{XES}trace") == []
    assert export_cli.export("ocel", tmp_path / "empty.json") == (0, 0)
    assert json.loads(Path(tmp_path / "empty.json").read_text("utf-8"))["events"] == []


@needs_pm4py
def test_pm4py_replays_the_exported_bpmn_on_the_exported_xes_with_fitness_one(cases, tmp_path):
    """One activity name everywhere: the BPMN export's task names are the XES activities, so PM4Py's
    token replay of our own BPMN on our own log needs no mapping by hand."""
    import pm4py

    from liuquan.flows.bpmn_export import to_bpmn

    flow = cases["done"].definition.flow
    (tmp_path / "flow.bpmn").write_bytes(to_bpmn(flow))
    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(tmp_path / "flow.bpmn")))
    export_cli.export("xes", tmp_path / "cases.xes")
    frame = pm4py.read_xes(str(tmp_path / "cases.xes"))
    done = frame[frame["lifecycle:transition"] == "complete"]

    def fitness(number: str) -> float:
        trace = done[done["case:concept:name"] == number]
        result = pm4py.conformance_diagnostics_token_based_replay(
            trace, net, initial, final, opt_parameters={"show_progress_bar": False}
        )
        return float(result[0]["trace_fitness"])

    assert fitness(cases["done"].number) == 1.0
    ingested = frame[frame["case:concept:name"] == cases["skipped"].number].iloc[
        0
    ]  # a case of another system
    assert (ingested["case:source"], ingested["case:external_id"]) == (
        cases["skipped"].source,
        cases["skipped"].external_id,
    )
    assert fitness(cases["skipped"].number) < 1.0  # 审查 skipped: the replay sees it too


def test_events_sent_after_their_case_ended_are_in_the_log_too(cases, tmp_path):
    """A case another system refused at 受理 and then 'decided' anyway: the decision is a breach, not a
    step, yet it happened, and the log used to drop it (the case showed no decision)."""
    from liuquan.cases.ingest import do_ingest
    from liuquan.cases.models import Breach, IngestSource
    from liuquan.org.actions import system_person

    source = IngestSource.objects.get(name="mzj-legacy")
    events = [("accept", "complete", "张三", "refuse"), ("decide", "complete", "王五", "grant")]
    do_ingest(
        actor=system_person(),
        source=source,
        body="\n".join(line("R-1", n, *event) for n, event in enumerate(events, start=1)),
    )
    refused = Case.objects.get(external_id="R-1")
    assert refused.status != "open" and Breach.objects.filter(case=refused, kind="case_closed").exists()
    buffer = io.StringIO()
    eventlog.write_xes(records(), buffer)
    assert complete_traces(parse_xes(buffer.getvalue()))[refused.number] == ("accept", "decide")
    buffer = io.StringIO()
    eventlog.write_ocel(records(), buffer)
    data = json.loads(buffer.getvalue())
    ours = [e for e in data["events"] if any(r["objectId"] == refused.number for r in e["relationships"])]
    assert [e["type"] for e in ours] == ["受理", "决定"]
