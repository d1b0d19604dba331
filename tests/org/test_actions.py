"""Org actions: writes, refusals, and the journal row each write leaves."""

from __future__ import annotations

import pytest

from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.ledger.models import Entry
from liuquan.org import actions
from liuquan.org.factories import PersonFactory
from liuquan.org.models import Oversight


def test_assigning_finance_to_the_principal_is_refused_naming_the_rule(world):
    head = world.person("head")
    before = Entry.objects.count()
    with pytest.raises(RuleViolation) as refused:
        actions.do_assign_oversight(actor=world.system, unit=world.dept_a, leader=head, area="财务")
    error = refused.value
    assert error.code == "oversight_forbidden"
    assert "五个不直接分管" in error.message and "财务" in error.message
    assert error.detail["rule"] == "five_not_directly_oversee"
    assert not Oversight.objects.exists()
    assert Entry.objects.count() == before  # a refused action writes nothing


def test_with_a_written_reason_it_is_accepted_as_an_exception_and_journalled(world):
    head = world.person("head")
    row = actions.do_assign_oversight(
        actor=world.person("reform_office"),
        unit=world.dept_a,
        leader=head,
        area="财务",
        exception_reason="副职空缺，报纪委备案",
    )
    assert row.is_exception and row.restricted_area == "财务" and row.leader_rank == "principal"
    act = Entry.objects.get(action="org.assign_oversight")
    assert act.actor == world.person("reform_office")
    assert act.subject_id == str(row.pk)
    assert act.state["is_exception"] is True and act.state["restricted_area"] == "财务"
    # The reason is kept for supervision: the public leaf only commits to it.
    assert "副职空缺" not in bytes(act.data).decode() and len(act.content["private"]) == 64


def test_deputies_take_the_restricted_areas(world):
    row = actions.do_assign_oversight(
        actor=world.person("head"), unit=world.dept_a, leader=world.person("leader"), area="财务"
    )
    assert not row.is_exception


def test_a_reason_on_an_ordinary_assignment_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        actions.do_assign_oversight(
            actor=world.system,
            unit=world.dept_a,
            leader=world.person("leader"),
            area="财务",
            exception_reason="不需要",
        )
    assert refused.value.detail["field"] == "exception_reason"


def test_only_leaders_of_the_unit_can_be_assigned(world):
    with pytest.raises(InvalidInput) as refused:
        actions.do_assign_oversight(
            actor=world.system, unit=world.dept_a, leader=world.person("clerk"), area="办公室"
        )
    assert refused.value.detail["field"] == "leader"


def test_the_same_assignment_twice_is_a_conflict(world):
    actions.do_assign_oversight(
        actor=world.system, unit=world.dept_a, leader=world.person("leader"), area="办公室"
    )
    with pytest.raises(Conflict):
        actions.do_assign_oversight(
            actor=world.system, unit=world.dept_a, leader=world.person("leader"), area="办公室"
        )


@pytest.mark.parametrize("role", ["clerk", "reviewer", "leader", "inspector", "auditor", "village", "head_b"])
def test_who_may_not_assign_oversight_in_a_unit(world, role):
    with pytest.raises(Forbidden):
        actions.do_assign_oversight(
            actor=world.person(role), unit=world.dept_a, leader=world.person("leader"), area="办公室"
        )


def test_ending_an_assignment(world):
    row = actions.do_assign_oversight(
        actor=world.system, unit=world.dept_a, leader=world.person("leader"), area="人事"
    )
    actions.do_end_oversight(actor=world.person("head"), oversight=row)
    row.refresh_from_db()
    assert row.ended_at is not None and row.ended_by == world.person("head")
    with pytest.raises(Conflict):
        actions.do_end_oversight(actor=world.person("head"), oversight=row)
    # Ended, it can be assigned again.
    actions.do_assign_oversight(
        actor=world.system, unit=world.dept_a, leader=world.person("leader"), area="人事"
    )


def test_private_fields_never_enter_the_journal_in_clear(world):
    person = PersonFactory.create(unit=world.dept_a, mobile="13400009999")
    act = Entry.objects.get(action="org.create_person", subject_id=str(person.pk))
    assert b"13400009999" not in bytes(act.data)
    assert person.username.encode() not in bytes(act.data)
    assert len(act.content["private"]) == 64 and len(bytes(act.private_salt)) == 16


def test_region_codes_must_nest(world):
    with pytest.raises(InvalidInput) as refused:
        actions.do_create_region(
            actor=world.system, code="140800", name="运城市", level="county", parent=world.city
        )
    assert refused.value.detail["field"] == "code"
    with pytest.raises(InvalidInput):
        actions.do_create_region(
            actor=world.system, code="1407", name="x", level="city", parent=world.province
        )


def test_structural_changes_need_a_steward(world):
    with pytest.raises(Forbidden):
        actions.do_create_unit(
            actor=world.person("reform_office"),
            code="140700-X",
            name="x",
            short_name="x",
            kind="government_department",
            region=world.city,
        )


def test_only_one_principal_per_unit(world):
    other = actions.do_create_person(
        actor=world.system, username="wang.wu", full_name="王五", unit=world.dept_a
    )
    with pytest.raises(Conflict):
        actions.do_appoint_leader(
            actor=world.system, unit=world.dept_a, person=other, rank="principal", title="局长"
        )
