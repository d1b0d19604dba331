"""The seed's power-list stories in the demo city."""

from __future__ import annotations

import pytest

from liuquan.core.errors import RuleViolation
from liuquan.ledger import audit
from liuquan.org import demo as org_demo
from liuquan.org.models import Unit
from liuquan.powers import demo, queries
from liuquan.powers.models import ListEdition


def test_the_stories_replay_once_and_add_up(db):
    org_demo.build()
    assert demo.build() > 0
    assert demo.build() == 0  # idempotent

    jxw = ListEdition.objects.get(unit__code="140700-JXW")
    counts = queries.disposition_counts(jxw)
    assert sum(counts.values()) == 44 and counts["keep"] == 18
    changes = queries.edition_diff(None, jxw)
    assert sum(change.change == "added" for change in changes) == 18
    assert all(change.reason for change in changes if change.change == "removed")

    gtj = Unit.objects.get(code="140700-GTJ")
    idle_land = queries.published_power(gtj, "GTJ006")
    assert idle_land.name == "闲置土地无偿收回" and queries.effective_category(idle_land) == "levy"
    with pytest.raises(RuleViolation, match="撤下"):
        queries.published_power(gtj, "GTJ007")  # 责令限期拆除: not an administrative penalty
    assert queries.published_power(Unit.objects.get(code="140700-MZJ"), "MZJ001").name == "社会团体成立登记"
    assert audit.verify_records()[1] == []
