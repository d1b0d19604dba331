"""The per-event half of supervision: a change that can raise an alert is supervised as soon as its action
commits; a change that cannot (a clean step in hours, on time) is not run at all."""

from __future__ import annotations

import datetime as dt

import pytest

from liuquan.cases import actions, ingest
from liuquan.cases.actions import Applicant, CaseRefused
from liuquan.cases.models import Case, CaseStep
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert
from tests.cases.test_ingest import line
from tests.cases.test_ingest import source as source
from tests.flows.conftest import staff


@pytest.fixture
def runs(settings, monkeypatch):
    """The per-event runs of the sweep (their case ids), once each action's commit hooks have run."""
    settings.LIUQUAN_SUPERVISE_ON_EVENT = True
    runs: list[list[int]] = []
    real = sweep.run_sweep

    def counted(**kwargs):
        runs.append(list(kwargs.get("case_ids") or []))
        return real(**kwargs)

    monkeypatch.setattr(sweep, "run_sweep", counted)
    return runs


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run one action as if it committed: each test's transaction never does, so the action's commit
    hooks (the per-event run among them) are run when it returns."""

    def run(function, /, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def open_case(world) -> Case:
    return actions.do_open_case(
        actor=world.person("clerk"), unit=world.dept_a, power_code="XK001", applicant=Applicant(name="某协会")
    ).case


def rules_raised() -> list[str]:
    return sorted(Alert.objects.values_list("rule", flat=True))


def test_clean_steps_in_hours_and_on_time_are_not_run(source, runs, commit, clock):
    world, _, _ = source
    noon = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)  # a Wednesday, 18:00 in Beijing
    clock.set(noon)
    case = open_case(world)
    for person, step, outcome in [("clerk", "accept", "pass"), ("reviewer", "review", "pass")]:
        commit(actions.do_complete_step, actor=world.person(person), case=case, step=step, outcome=outcome)
    assert runs == [] and rules_raised() == []


def test_a_step_completed_after_its_due_date_is_a_red_card_at_once(source, runs, commit):
    world, _, _ = source
    case = open_case(world)
    CaseStep.objects.filter(case=case, step="accept").update(due_on=dt.date(2026, 1, 5))
    commit(actions.do_complete_step, actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    assert runs == [[case.pk]]
    assert rules_raised() == ["time_red"]


def test_a_decision_at_night_is_supervised_at_once(source, runs, commit, clock):
    world, _, _ = source
    case = open_case(world)
    commit(actions.do_complete_step, actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    commit(actions.do_complete_step, actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    assert runs == []
    night = dt.datetime(2026, 6, 10, 15, 30, tzinfo=dt.UTC)  # 23:30 in Beijing, the same working day
    clock.set(night)
    commit(actions.do_complete_step, actor=world.person("leader"), case=case, step="decide", outcome="grant")
    assert runs == [[case.pk]]
    assert rules_raised() == ["after_hours_decision"]


def test_a_refusal_and_an_ingested_breach_are_supervised_at_once(source, runs, commit):
    world, row, _ = source
    staff(world, holders={"审批岗": "clerk"})  # the clerk may decide, but not on a case they accepted
    case = open_case(world)
    commit(actions.do_complete_step, actor=world.person("clerk"), case=case, step="accept", outcome="pass")
    commit(actions.do_complete_step, actor=world.person("reviewer"), case=case, step="review", outcome="pass")
    with pytest.raises(CaseRefused):  # 受理 and 决定 by the same person
        commit(
            actions.do_complete_step, actor=world.person("clerk"), case=case, step="decide", outcome="grant"
        )
    assert runs == [[case.pk]] and rules_raised() == ["separation_breach"]
    body = "\n".join(
        [
            line("EXT-9", 1, "accept", "complete", "张三", "pass"),
            line("EXT-9", 2, "decide", "complete", "王五", "grant"),
        ]
    )
    commit(ingest.do_ingest, actor=world.system, source=row, body=body)
    ingested = Case.objects.get(external_id="EXT-9")
    assert runs[-1] == [ingested.pk]
    assert rules_raised() == ["separation_breach", "skipped_step"]
