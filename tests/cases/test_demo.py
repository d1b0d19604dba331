"""The demo's cases: weeks of history through the ingest path, today's console work, every supervision
rule with at least one alert, and a second run that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, F
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases import demo
from liuquan.cases.models import Breach, Case, CaseStep, IngestedEvent
from liuquan.decisions import demo as decisions_demo
from liuquan.flows import demo as flows_demo
from liuquan.ledger import audit
from liuquan.ledger.models import Entry
from liuquan.org import demo as org_demo
from liuquan.powers import demo as powers_demo
from liuquan.supervision import rules
from liuquan.supervision.models import Alert, AlertStatus, Sanction
from tests.clock import SHANGHAI, Clock


@pytest.fixture
def late_november(clock: Clock) -> Clock:
    """A Thursday morning in late November of the last year with a holiday schedule, so a penalty case's
    90 days reach a year without one (the provisional-calendar rule) whenever the suite runs."""
    last = max(calendar_queries.work_calendar().scheduled_years)
    day = dt.date(last, 11, 22)
    day += dt.timedelta(days=(3 - day.weekday()) % 7)
    clock.set(dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI))
    return clock


def counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "steps": CaseStep.objects.count(),
        "events": IngestedEvent.objects.count(),
        "breaches": Breach.objects.count(),
        "alerts": Alert.objects.count(),
        "ledger": Entry.objects.count(),
    }


def test_the_demo_gives_every_rule_an_alert_once(db, late_november):
    org_demo.build()
    powers_demo.build()
    flows_demo.build()
    assert decisions_demo.build() > 10
    assert demo.build() > 100

    per_rule = dict(Alert.objects.values_list("rule").annotate(count=Count("pk")))
    # ingest_gap needs events to wait a real day after they arrive; the demo is built in one go.
    assert [rule for rule in rules.REGISTRY if not per_rule.get(rule)] == ["ingest_gap"]
    # History from other systems, weeks of it, and today's console work beside it.
    ingested = Case.objects.filter(source__startswith="ingest:")
    first = min(ingested.values_list("received_at", flat=True))
    assert timezone.now() - first > dt.timedelta(weeks=5)
    assert Case.objects.filter(source="console").count() >= 5
    assert ingested.filter(status="done").count() > 30 and ingested.filter(status="open").count() > 10
    # Realistic lateness: most steps with a limit finish in time, some do not.
    limited = CaseStep.objects.filter(due_on__isnull=False, completed_at__isnull=False).exclude(
        outcome="skipped"
    )
    late = limited.filter(completed_at__date__gt=F("due_on")).count()
    assert 0 < late < limited.count() / 3
    # Alerts raised over the weeks, not all today; each planted breach exactly once.
    assert len({alert.raised_at.date() for alert in Alert.objects.all()}) > 10
    for rule in (
        "separation_breach",
        "skipped_step",
        "out_of_order",
        "repeated_correction",
        "unapproved_extension",
    ):
        assert per_rule[rule] == 1, rule
    assert Alert.objects.filter(rule="outside_list", unit__code="140728-MZJ").count() == 1  # a county office
    # 纪检 at work: a breach carried to a 约谈 and closed, others checked or dismissed.
    assert Alert.objects.get(rule="separation_breach").status == AlertStatus.CLOSED
    assert Sanction.objects.filter(kind="talk", responsibility__stage="决定").count() == 1
    assert Alert.objects.filter(status=AlertStatus.DISMISSED).count() == 1
    assert audit.verify_records()[1] == []

    before = counts()
    assert demo.build() == 0
    assert counts() == before
