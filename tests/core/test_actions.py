"""The action frame: one transaction; the journal commits with the change or not at all."""

from __future__ import annotations

import pytest

from liuquan.core.actions import action
from liuquan.ledger.models import Entry
from liuquan.org.models import Region


def test_an_exception_inside_an_action_rolls_back_the_change_and_its_record(world):
    before_regions, before_acts = Region.objects.count(), Entry.objects.count()

    def failing_action() -> None:
        with action("test.fail", actor=world.system) as act:
            region = Region.objects.create(code="149900", name="x", level="city", parent=world.province)
            act.record(region)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_action()
    assert (Region.objects.count(), Entry.objects.count()) == (before_regions, before_acts)


def test_an_action_that_records_nothing_is_refused(world):
    with pytest.raises(RuntimeError, match="recorded nothing"), action("test.silent", actor=world.system):
        Region.objects.create(code="149800", name="y", level="city", parent=world.province)
    assert not Region.objects.filter(code="149800").exists()


def test_an_action_needs_a_saved_actor(db):
    with pytest.raises(ValueError, match="acting person"), action("test.anonymous", actor=None) as act:
        act.record(Region(code="1", pk=1, name="x", level="city"))


def test_a_record_noted_twice_in_one_action_gets_one_entry_with_its_last_state(world):
    before = Entry.objects.count()
    with action("test.twice", actor=world.system) as act:
        region = Region.objects.create(code="149700", name="甲", level="city", parent=world.province)
        act.record(region)
        region.name = "乙"
        region.save()
        act.record(region)
    entries = list(Entry.objects.filter(subject_id=str(region.pk), subject_type="org.Region"))
    assert Entry.objects.count() == before + 1
    assert len(entries) == 1 and entries[0].state["name"] == "乙"
