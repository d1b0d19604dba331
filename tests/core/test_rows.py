"""core.rows writes and reads rows exactly as the ORM does: every field type a case uses survives the trip."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liuquan.core import rows
from liuquan.org.models import Region
from liuquan.supervision.models import RuleSetting


def test_insert_update_and_build_match_the_orm(world):
    when = dt.datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=dt.UTC)
    setting = RuleSetting(
        rule="time_yellow",
        enabled=False,
        params={"share": 0.75, "说明": "纪检"},
        updated_at=when,
        updated_by=world.system,
        note="调整",
    )
    rows.insert(setting)
    assert setting.pk is not None and not setting._state.adding
    stored = RuleSetting.objects.get(pk=setting.pk)
    assert (stored.enabled, stored.params, stored.updated_at, stored.updated_by_id) == (
        False,
        {"share": 0.75, "说明": "纪检"},
        when,
        world.system.pk,
    )
    setting.enabled, setting.note = True, "恢复"
    rows.update(setting, ["enabled"])
    stored.refresh_from_db()
    assert (stored.enabled, stored.note) == (True, "调整")  # only the named field was written
    columns, fields = rows.columns(RuleSetting)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM supervision_rulesetting WHERE id = %s",  # noqa: S608
            [setting.pk],
        )
        built = rows.build(RuleSetting, fields, cursor.fetchone())
    assert [getattr(built, f.attname) for f in fields] == [getattr(stored, f.attname) for f in fields]


def test_update_of_a_missing_row_and_insert_of_a_saved_one_are_errors(world):
    region = Region.objects.create(code="149600", name="丙", level="city", parent=world.province)
    with pytest.raises(ValueError, match="already has a primary key"):
        rows.insert(region)
    with pytest.raises(ValueError, match="no concrete field"):
        rows.update(region, ["no_such_field"])
    Region.objects.filter(pk=region.pk).delete()
    with pytest.raises(RuntimeError, match="was not updated"):
        rows.update(region, ["name"])


def test_update_writes_only_what_changed_since_the_row_was_read(world):
    setting = RuleSetting(
        rule="frequent_return",
        enabled=True,
        params={"max_returns": 3},
        updated_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        updated_by=world.system,
        note="初设",
    )
    rows.insert(setting)
    # Someone else changes the note; our copy changes only `enabled`: the other change survives.
    RuleSetting.objects.filter(pk=setting.pk).update(note="他人修改")
    setting.enabled = False
    with CaptureQueriesContext(connection) as queries:
        rows.update(setting)
    assert len(queries) == 1 and '"note"' not in queries[0]["sql"] and '"enabled"' in queries[0]["sql"]
    stored = RuleSetting.objects.get(pk=setting.pk)
    assert (stored.enabled, stored.note) == (False, "他人修改")
    # A JSON value changed in place is written, though the snapshot holds the same object.
    setting.params["max_returns"] = 5
    rows.update(setting)
    assert RuleSetting.objects.get(pk=setting.pk).params == {"max_returns": 5}


def test_update_of_an_unchanged_row_runs_no_statement(world):
    region = Region(code="149500", name="丁", level="city", parent=world.province)
    rows.insert(region)
    with CaptureQueriesContext(connection) as queries:
        rows.update(region)
        region.name = "戊"
        rows.update(region)
    assert len(queries) == 1 and '"name"' in queries[0]["sql"] and '"code"' not in queries[0]["sql"]
    assert Region.objects.get(pk=region.pk).name == "戊"
