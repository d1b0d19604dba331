"""Entries: appended by every action in its transaction, canonical, pseudonymous, private fields committed."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from liuquan.ledger import log
from liuquan.ledger.models import Entry, Sequencer
from liuquan.org import actions
from liuquan.org.factories import UnitFactory
from liuquan.org.models import Region, Unit


def test_every_action_leaves_one_dense_entry_per_subject(world):
    indices = list(Entry.objects.values_list("index", flat=True))
    assert indices == list(range(len(indices)))
    assert Sequencer.row().next_index == len(indices)
    labels = {label for label in Entry.objects.values_list("subject_type", flat=True)}
    assert {"org.Region", "org.Unit", "org.Person", "org.RoleGrant", "org.Leadership"} <= labels


def test_entry_bytes_are_rfc8785_canonical_json(world):
    for entry in Entry.objects.all()[:50]:
        data = bytes(entry.data)
        assert rfc8785.dumps(json.loads(data)) == data
        document = entry.content
        assert document["index"] == entry.index
        assert document["subject"] == {"type": entry.subject_type, "id": entry.subject_id}
        assert document["action"] == entry.action
        assert document["time"].endswith("+08:00")  # Asia/Shanghai, aware


def test_the_actor_is_named_by_a_stable_pseudonym(world):
    clerk = world.person("clerk")
    entries = Entry.objects.filter(actor=world.system)
    names = {entry.content["actor"] for entry in entries}
    assert names == {log.pseudonym(world.system.pk)}
    assert log.pseudonym(clerk.pk) != log.pseudonym(world.system.pk)
    assert all("system" not in entry.content["actor"] + json.dumps(entry.state) for entry in entries)


def test_personal_data_never_enters_a_leaf_in_clear(world):
    for entry in Entry.objects.filter(subject_type="org.Person"):
        data = bytes(entry.data)
        assert b"13400001234" not in data
        assert entry.state == {"sealed": True}  # staff records are not public: the leaf commits to them
        assert len(entry.content["private"]) == 64
        assert b"argon2" not in data and b"md5$" not in data


def test_a_refused_action_appends_nothing(world):
    before = Sequencer.row().next_index
    with pytest.raises(Exception, match="五个不直接分管"):
        actions.do_assign_oversight(
            actor=world.system, unit=world.dept_a, leader=world.person("head"), area="财务"
        )
    assert Sequencer.row().next_index == before == Entry.objects.count()


def test_an_entry_over_64_kib_is_refused_and_nothing_is_written(world):
    before = Unit.objects.count(), Entry.objects.count()
    with pytest.raises(log.EntryTooLarge) as refused:
        UnitFactory.create(
            region=world.city, extra_restricted_areas=[f"领域{index:05d}" for index in range(9000)]
        )
    assert refused.value.http_status == 400 and "65535" in refused.value.message
    assert (Unit.objects.count(), Entry.objects.count()) == before


def test_a_bootstrap_entry_names_the_system_person_as_its_own_actor(db):
    system = actions.system_person()
    entry = Entry.objects.get(subject_type="org.Person", subject_id=str(system.pk))
    assert entry.actor == system and entry.action == "org.bootstrap_system_person"
    assert Region.objects.count() == 0


# The fast path of canonical() must give exactly the rfc8785 package's bytes for every plain document.
_plain_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
_plain_keys = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=0xD7FF, blacklist_categories=["Cs"]), max_size=8),
    st.text(max_size=4).filter(str.isascii),
)
_plain_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
        _plain_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_plain_keys, children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(_plain_keys, _plain_values, max_size=6))
def test_the_fast_canonical_encoding_is_exactly_rfc8785(document):
    assert log._plain(document)
    assert log.canonical(document) == rfc8785.dumps(document)


def test_documents_the_fast_path_cannot_take_go_through_rfc8785():
    assert not log._plain({"x": 2**60})
    with pytest.raises(rfc8785.IntegerDomainError):  # as the package itself refuses it
        log.canonical({"x": 2**60})
    for document in ({"x": 1.5}, {"𠀀": 1, "\ue000": 2}, {"a": [0.1]}):
        assert not log._plain(document)
        assert log.canonical(document) == rfc8785.dumps(document)
    assert log.canonical({"控制\x1f": '\b\f\n\r\t"\\\x7f\u2028'}) == rfc8785.dumps(
        {"控制\x1f": '\b\f\n\r\t"\\\x7f\u2028'}
    )
