"""Events from other systems: idempotent, in any order, bad lines named, breaches recorded not refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from liuquan.cases import ingest
from liuquan.cases.models import Breach, Case, CaseStatus, CaseStep, IngestedEvent
from liuquan.core.errors import NotAuthenticated
from liuquan.flows import actions as flow_actions
from liuquan.ledger import audit
from tests.flows.conftest import publish_list, staff
from tests.powers.test_lists import item


@pytest.fixture
def source(world):
    publish_list(
        world,
        [item("XK001", "社会团体成立登记", "licensing"), item("CF001", "对违法殡葬行为的处罚", "penalty")],
    )
    staff(world)
    for code in ("XK001", "CF001"):
        draft = flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code=code)
        flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    row, token = ingest.do_create_source(actor=world.system, name="mzj-legacy", unit=world.dept_a)
    # Who the other system's names are among 民政局's staff (接入人员对照).
    for external, key in PEOPLE.items():
        ingest.do_map_person(actor=world.system, source=row, external=external, person=world.person(key))
    return world, row, token


PEOPLE = {"张三": "clerk", "李四": "reviewer", "王五": "leader", "赵六": "head"}


def line(case_id: str, seq: int, step: str, action: str, person: str, outcome: str = "", **extra) -> str:
    body = {
        "source": "mzj-legacy",
        "case_id": case_id,
        "seq": seq,
        "power_code": "XK001",
        "step": step,
        "action": action,
        "person": person,
        # Working days just before the test clock's START (2026-06-10): recent history, not yet due.
        "time": f"2026-06-{seq:02d}T09:00:00+08:00",
        "outcome": outcome,
    }
    body.update(extra)
    return json.dumps(body, ensure_ascii=False)


HAPPY = [
    ("accept", "complete", "张三", "pass"),
    ("review", "complete", "李四", "pass"),
    ("decide", "complete", "王五", "grant"),
    ("deliver", "complete", "张三", "done"),
]


def post(token: str, lines: list[str]):
    return Client().post(
        "/api/v1/ingest/events",
        "\n".join(lines),
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_batch_is_applied_and_resending_it_adds_nothing(source):
    _world, _row, token = source
    lines = [line("A-1", n, *event) for n, event in enumerate(HAPPY, start=1)]
    first = post(token, lines)
    assert first.status_code == 200
    assert json.loads(first.content) == {"accepted": 4, "duplicates": 0, "rejected": [], "flagged": []}
    case = Case.objects.get(source="ingest:mzj-legacy", external_id="A-1")
    assert case.status == CaseStatus.DONE and case.result == "done"
    assert [r.step for r in CaseStep.objects.filter(case=case).order_by("position")] == [
        "accept",
        "review",
        "decide",
        "deliver",
    ]
    assert case.due_on is not None  # the case clock ran from 受理
    again = post(token, lines)
    assert json.loads(again.content) == {"accepted": 0, "duplicates": 4, "rejected": [], "flagged": []}
    assert IngestedEvent.objects.count() == 4 and CaseStep.objects.filter(case=case).count() == 4
    assert audit.verify_records()[1] == []


def test_events_out_of_order_wait_for_the_gap(source):
    _world, _row, token = source
    lines = [line("B-1", n, *event) for n, event in enumerate(HAPPY, start=1)]
    post(token, [lines[2], lines[3]])
    assert not Case.objects.filter(external_id="B-1").exists()  # seq 1 and 2 are missing
    post(token, [lines[1]])
    assert not Case.objects.filter(external_id="B-1").exists()
    post(token, [lines[0]])
    assert Case.objects.get(external_id="B-1").status == CaseStatus.DONE


def test_bad_lines_are_named_and_the_good_ones_kept(source):
    _world, _row, token = source
    lines = [
        line("C-1", 1, "accept", "complete", "张三", "pass"),
        "{not json",
        line("C-1", 2, "review", "finish", "李四", "pass"),
        line("C-1", 2, "review", "complete", "李四", "pass", source="someone-else"),
        json.dumps({"source": "mzj-legacy", "case_id": "C-1", "seq": "3"}),
        line("C-1", 2, "review", "complete", "李四", "pass", time="2026-06-02T09:00:00"),
        line("C-1", 2, "review", "complete", "李四", "pass", colour="red"),
        line("C-1", 2, "review", "complete", "李四", "pass"),
    ]
    answer = json.loads(post(token, lines).content)
    assert answer["accepted"] == 2 and answer["duplicates"] == 0
    reasons = {row["line"]: row["reason_en"] for row in answer["rejected"]}
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert "not JSON" in reasons[2] and "action" in reasons[3] and "source" in reasons[4]
    assert "seq" in reasons[5] and "UTC offset" in reasons[6] and "colour" in reasons[7]
    chinese = {row["line"]: row["reason"] for row in answer["rejected"]}
    assert (
        "不是 JSON" in chinese[2] and "动作" in chinese[3] and "时区" in chinese[6] and "colour" in chinese[7]
    )


def test_breaches_are_recorded_not_refused(source):
    _world, _row, token = source
    events = [
        ("accept", "complete", "张三", "pass"),
        ("review", "complete", "李四", "pass"),
        ("decide", "complete", "张三", "grant"),  # 受理 and 决定 by the same person
        ("deliver", "complete", "赵六", "done"),
    ]
    post(token, [line("D-1", n, *event) for n, event in enumerate(events, start=1)])
    case = Case.objects.get(external_id="D-1")
    assert case.status == CaseStatus.DONE  # it happened: the case follows the other system
    breach = Breach.objects.get(case=case)
    assert breach.kind == "separation_of_duties" and breach.refused is False and breach.channel == "ingest"
    skipped = [("accept", "complete", "张三", "pass"), ("decide", "complete", "王五", "grant")]
    post(token, [line("D-2", n, *event) for n, event in enumerate(skipped, start=1)])
    assert Breach.objects.filter(case__external_id="D-2", kind="skipped_step").exists()
    outside = json.loads(
        post(token, [line("D-3", 1, "accept", "complete", "张三", "pass", power_code="NOPE")]).content
    )
    assert outside["accepted"] == 1 and [row["line"] for row in outside["flagged"]] == [1]
    assert Breach.objects.filter(case__isnull=True, kind="outside_list").count() == 1


def test_a_bad_token_is_refused(source):
    assert post("lqi_wrong", [line("E-1", 1, "accept", "start", "张三")]).status_code == 401
    with pytest.raises(NotAuthenticated):
        ingest.source_for_token("")


def test_backdating_is_bounded_by_the_sources_window(source, clock):
    from liuquan.core.errors import InvalidInput

    world, row, token = source
    assert row.window == 365
    ancient = line("D-1", 1, "accept", "complete", "张三", "pass", time="1970-01-01T08:00:00+08:00")
    year_ago = line("D-2", 1, "accept", "complete", "张三", "pass", time="2025-06-09T09:00:00+08:00")
    answer = json.loads(post(token, [ancient, year_ago]).content)
    assert answer["accepted"] == 0
    assert [item["line"] for item in answer["rejected"]] == [1, 2]
    assert "365 days back" in answer["rejected"][0]["reason_en"]
    assert "365 天前" in answer["rejected"][0]["reason"]
    # A one-off 补录 of older history is registered as such, with a wider window.
    _, wide_token = ingest.do_create_source(
        actor=world.system, name="history", unit=world.dept_a, backdate_days=3650
    )
    old = line(
        "H-1", 1, "accept", "complete", "张三", "pass", source="history", time="2020-03-02T09:00:00+08:00"
    )
    assert json.loads(post(wide_token, [old]).content)["accepted"] == 1
    for days in (0, 3651):
        with pytest.raises(InvalidInput):
            ingest.do_create_source(
                actor=world.system, name=f"w{days}", unit=world.dept_a, backdate_days=days
            )


def test_a_batch_is_written_in_short_transactions_and_a_cut_one_completes_when_sent_again(
    source, monkeypatch
):
    world, row, token = source
    monkeypatch.setattr(ingest, "CHUNK_LINES", 4)  # one case's four events a transaction
    batch = [
        line(case_id, n, *event) for case_id in ("A-1", "B-1", "C-1") for n, event in enumerate(HAPPY, 1)
    ]
    transactions: list[str] = []
    real_action = ingest.action  # type: ignore[attr-defined]

    def counted(name, **kwargs):
        transactions.append(name)
        return real_action(name, **kwargs)

    monkeypatch.setattr(ingest, "action", counted)
    # The worker dies while applying the second case: the first is stored and applied, nothing of the rest.
    real_catch_up = ingest._Batch.catch_up
    calls = []

    def dies_on_the_second(self, case_ids, new_rows):
        calls.append(case_ids)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_catch_up(self, case_ids, new_rows)

    monkeypatch.setattr(ingest._Batch, "catch_up", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        ingest.do_ingest(actor=world.system, source=row, body="\n".join(batch))
    assert sorted(IngestedEvent.objects.values_list("case_id", flat=True).distinct()) == ["A-1"]
    assert Case.objects.get(external_id="A-1").status == CaseStatus.DONE
    monkeypatch.setattr(ingest._Batch, "catch_up", real_catch_up)
    transactions.clear()
    # Sent again, the batch completes: every event stored and applied exactly once.
    again = json.loads(post(token, batch).content)
    assert again == {"accepted": 8, "duplicates": 4, "rejected": [], "flagged": []}
    assert transactions == ["cases.ingest"] * 3
    assert IngestedEvent.objects.count() == 12 and not IngestedEvent.objects.filter(applied=False).exists()
    assert sorted(Case.objects.filter(status=CaseStatus.DONE).values_list("external_id", flat=True)) == [
        "A-1",
        "B-1",
        "C-1",
    ]
    assert audit.verify_all()["findings"] == []


def test_steps_and_outcomes_may_be_named_as_the_flow_shows_them(source):
    _world, _row, token = source
    named = [("受理", "complete", "张三", "受理"), ("审查", "complete", "李四", "审查通过")]
    answer = json.loads(
        post(token, [line("N-1", n, *event) for n, event in enumerate(named, start=1)]).content
    )
    assert answer["accepted"] == 2 and answer["rejected"] == []
    case = Case.objects.get(external_id="N-1")
    assert [(r.step, r.outcome) for r in CaseStep.objects.filter(case=case, completed_at__isnull=False)] == [
        ("accept", "pass"),
        ("review", "pass"),
    ]
    assert IngestedEvent.objects.filter(case_id="N-1", step="accept", outcome="pass").exists()


def test_an_unknown_step_or_outcome_is_rejected_with_what_the_flow_has(source):
    """Answered 200 "accepted" before, the case then stalled and the mistake surfaced later as unrelated
    red cards: now the line is refused, naming the flow's steps or the step's outcomes."""
    _world, _row, token = source
    lines = [
        line("U-1", 1, "approve", "complete", "张三", "pass"),
        line("U-1", 1, "accept", "complete", "张三", "ok"),
        line("U-1", 1, "accept", "complete", "张三", "grant"),  # an outcome of another step
    ]
    answer = json.loads(post(token, lines).content)
    assert answer["accepted"] == 0 and not IngestedEvent.objects.exists()
    first, second, third = answer["rejected"]
    assert "approve" in first["reason"] and "受理（accept）" in first["reason"]
    assert "has no step 'approve'" in first["reason_en"]
    assert "受理（pass）" in second["reason"] and "has no outcome 'ok'" in second["reason_en"]
    assert third["line"] == 3 and "grant" in third["reason_en"]


def test_a_swapped_pair_of_steps_is_one_out_of_order_breach_not_also_a_skip(source):
    _world, _row, token = source
    swapped = [
        ("review", "complete", "李四", "pass"),
        ("accept", "complete", "张三", "pass"),
        ("decide", "complete", "王五", "grant"),
        ("deliver", "complete", "张三", "done"),
    ]
    post(token, [line("S-1", n, *event) for n, event in enumerate(swapped, start=1)])
    case = Case.objects.get(external_id="S-1")
    assert [b.kind for b in Breach.objects.filter(case=case)] == ["out_of_order"]
    assert case.status == CaseStatus.DONE
    # 受理 came second, yet it started the case's clock (a case never goes without one).
    assert case.accepted_at is not None and case.due_on is not None
    # Sent one event at a time the swap cannot be foreseen: first a skip, then the late step.
    for n, event in enumerate(swapped, start=1):
        post(token, [line("S-2", n, *event)])
    later = Case.objects.get(external_id="S-2")
    kinds = sorted(b.kind for b in Breach.objects.filter(case=later))
    assert kinds == ["out_of_order", "skipped_step_made_good"]  # the skip's alert, if raised, cures
    assert later.status == CaseStatus.DONE


def test_a_case_outside_the_list_is_one_breach_however_many_events_it_sends(source):
    _world, _row, token = source
    events = [line("O-1", n, *event, power_code="NOPE") for n, event in enumerate(HAPPY, start=1)]
    post(token, events[:2])
    post(token, events[2:])
    breaches = Breach.objects.filter(kind="outside_list")
    assert [(b.case_id, b.external_case) for b in breaches] == [(None, "mzj-legacy/O-1")]


def test_one_person_under_two_names_still_breaks_the_separation_of_duties(source):
    """分岗设权 compared the names as written: the same clerk as 张三 (mapped), by login name and by full
    name passed as three people. Names now resolve to staff first."""
    world, _row, token = source
    clerk = world.person("clerk")
    for case_id, decider in (("P-1", clerk.username), ("P-2", clerk.full_name)):
        events = [("accept", "complete", "张三", "pass"), ("review", "complete", "李四", "pass")]
        events.append(("decide", "complete", decider, "grant"))
        post(token, [line(case_id, n, *event) for n, event in enumerate(events, start=1)])
        case = Case.objects.get(external_id=case_id)
        assert [b.kind for b in Breach.objects.filter(case=case)] == ["separation_of_duties"], case_id
        decided = CaseStep.objects.get(case=case, step="decide")
        assert decided.completed_by == clerk and decided.external_person == decider


def test_a_name_nobody_answers_for_is_one_breach_per_name(source):
    world, row, token = source
    events = [("accept", "complete", "钱七", "pass"), ("review", "complete", "钱七", "pass")]
    post(token, [line("Q-1", n, *event) for n, event in enumerate(events, start=1)])
    post(token, [line("Q-2", 1, "accept", "complete", "钱七", "pass")])
    unknown = Breach.objects.filter(kind="unknown_person")
    assert [(b.external_person, b.refused) for b in unknown] == [("钱七", False)]
    from liuquan.supervision import sweep
    from liuquan.supervision.models import Alert

    sweep.run_sweep()
    assert [(a.rule, a.level) for a in Alert.objects.filter(rule="unknown_person")] == [
        ("unknown_person", "yellow")
    ]
    # The events are still followed; once mapped, the name is somebody.
    assert Case.objects.get(external_id="Q-1").current_step == "decide"
    ingest.do_map_person(actor=world.system, source=row, external="钱七", person=world.person("clerk"))
    post(token, [line("Q-3", 1, "accept", "complete", "钱七", "pass")])
    assert unknown.count() == 1
    assert CaseStep.objects.get(case__external_id="Q-3", step="accept").completed_by == world.person("clerk")


def test_only_a_steward_maps_people_and_only_to_the_units_own_staff(source):
    from liuquan.core.errors import Forbidden, InvalidInput

    world, row, _token = source
    with pytest.raises(Forbidden):
        ingest.do_map_person(
            actor=world.person("head"), source=row, external="孙八", person=world.person("clerk")
        )
    with pytest.raises(InvalidInput):  # 民政局's system cannot name 另一单位's clerk
        ingest.do_map_person(actor=world.system, source=row, external="孙八", person=world.person("clerk_b"))
    with pytest.raises(InvalidInput):
        ingest.do_map_person(actor=world.system, source=row, external="  ", person=world.person("clerk"))


def test_a_case_of_the_past_is_held_to_the_flow_in_force_when_it_began(source, clock):
    """Events are judged against the list and the flow in force at their time, not today's: a case that
    began before a new flow version was published runs on the version of its day."""
    import datetime as dt

    from liuquan.cases.models import Case
    from tests.cases.conftest import publish_flow
    from tests.cases.test_actions import with_extension_at_once
    from tests.clock import START

    world, _row, token = source
    clock.set(START + dt.timedelta(hours=2))
    second = publish_flow(world, "XK001", with_extension_at_once)  # version 2, published now
    assert second.version == 2
    before = (START + dt.timedelta(hours=1)).isoformat()
    after = (START + dt.timedelta(hours=2, minutes=1)).isoformat()
    clock.set(START + dt.timedelta(hours=3))
    post(token, [line("V-1", 1, "accept", "complete", "张三", "pass", time=before)])
    post(token, [line("V-2", 1, "accept", "complete", "张三", "pass", time=after)])
    old, new = Case.objects.get(external_id="V-1"), Case.objects.get(external_id="V-2")
    assert (old.definition.version, new.definition.version) == (1, 2)
    # History from before anything was published is held to the first version (not left unjudged).
    post(token, [line("V-0", 1, "accept", "complete", "张三", "pass", time="2026-05-04T09:00:00+08:00")])
    assert Case.objects.get(external_id="V-0").definition.version == 1


def test_events_of_parallel_branches_interleave_without_a_breach(source):
    """Another system's case on a 会签 flow: the branches' events come in either order; the decision
    before both branches are done is a deviation."""
    from tests.flows.shapes import parallel_licensing

    world, _row, token = source
    draft = flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code="XK001")
    flow_actions.do_update_flow(actor=world.person("clerk"), definition=draft, flow=parallel_licensing())
    flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    # The events are from early June: let the 会签 version be the one in force then (as history).
    from liuquan.flows.models import ProcessDefinition

    earlier = ProcessDefinition.objects.filter(unit=world.dept_a, power_code="XK001")
    earlier.exclude(pk=draft.pk).update(published_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    earlier.filter(pk=draft.pk).update(published_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    events = [
        ("accept", "complete", "张三", "pass"),
        ("site", "complete", "王五", "pass"),
        ("review", "complete", "李四", "pass"),
        ("decide", "complete", "王五", "grant"),
        ("deliver", "complete", "张三", "done"),
    ]
    answer = post(token, [line("P-1", n, *event) for n, event in enumerate(events, start=1)])
    assert json.loads(answer.content)["flagged"] == []
    case = Case.objects.get(external_id="P-1")
    assert case.status == CaseStatus.DONE and not Breach.objects.filter(case=case).exists()
    from liuquan.supervision import conformance

    assert conformance.judge_paths(case.definition.flow, [(case.pk, case.path)])[case.pk].fits
    early = [events[0], events[2], events[3]]
    post(token, [line("P-2", n, *event) for n, event in enumerate(early, start=1)])
    kinds = set(Breach.objects.filter(case__external_id="P-2").values_list("kind", flat=True))
    assert kinds & {"skipped_step", "out_of_order", "illegal_transition"}
