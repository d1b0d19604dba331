"""Power lists: editions through review, dispositions, the edition diff, and 清单之外无权力."""

from __future__ import annotations

from typing import Any

import pytest

from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.ledger import audit
from liuquan.powers import actions, queries
from liuquan.powers.actions import ItemInput, ResponsibilityInput
from liuquan.powers.models import PowerItem

# The seed's 市经信委: 44 reported powers, 18 confirmed after two rounds of review.
STORY = ["keep"] * 18 + ["delegate"] * 8 + ["merge"] * 6 + ["cancel"] * 7 + ["transfer"] * 5


def item(code: str, name: str = "", category: str = "licensing", **extra) -> ItemInput:
    return ItemInput(
        code=code,
        name=name or f"事项{code}",
        category=category,
        basis="【法律】《中华人民共和国行政许可法》第十二条",
        subject="晋中市民政局",
        responsibilities=[
            ResponsibilityInput(stage="受理", content="依法受理申请"),
            ResponsibilityInput(stage="决定", content="依法作出决定"),
        ],
        **extra,
    )


def review(world, edition, decide):
    office = world.person("reform_office")
    actions.do_move_edition(actor=world.person("clerk"), edition=edition, move="submit")
    actions.do_move_edition(actor=office, edition=edition, move="pass_first", comment="一审：逐项核对依据")
    for row in PowerItem.objects.filter(edition=edition).order_by("code"):
        decide(office, row)
    actions.do_move_edition(actor=office, edition=edition, move="confirm")
    return actions.do_move_edition(actor=office, edition=edition, move="publish")


def test_44_reported_powers_reviewed_down_to_18(world):
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    actions.do_add_items(actor=clerk, edition=edition, items=[item(f"JX{n:03d}") for n in range(1, 45)])
    with pytest.raises(RuleViolation, match="清单之外无权力"):
        queries.published_power(world.dept_a, "JX001")  # nothing is published yet

    plan = dict(zip([f"JX{n:03d}" for n in range(1, 45)], STORY, strict=True))

    def decide(actor, row):
        kind = plan[row.code]
        targets = {
            "delegate": {"target_level": "县级"},
            "merge": {"target_code": "JX001"},
            "transfer": {"target_unit": world.dept_b},
        }.get(kind, {})
        actions.do_decide_item(
            actor=actor, item=row, kind=kind, reason=f"{kind}：经一审、二审研究", **targets
        )

    review(world, edition, decide)
    counts = queries.disposition_counts(edition)
    assert counts == {"keep": 18, "delegate": 8, "merge": 6, "cancel": 7, "transfer": 5}
    assert sum(counts.values()) == 44

    changes = queries.edition_diff(None, edition)
    assert sum(change.change == "added" for change in changes) == 18
    removed = [change for change in changes if change.change == "removed"]
    assert len(removed) == 26 and all(change.disposition and change.reason for change in removed)
    assert {change.disposition for change in removed} == {"下放", "合并", "取消", "划转"}

    assert queries.published_power(world.dept_a, "JX001").name == "事项JX001"
    cancelled = next(code for code, kind in plan.items() if kind == "cancel")
    with pytest.raises(RuleViolation) as refused:
        queries.published_power(world.dept_a, cancelled)
    assert refused.value.code == "power_not_kept" and "取消" in refused.value.message
    with pytest.raises(RuleViolation, match="没有事项"):
        queries.published_power(world.dept_a, "NOPE")
    assert audit.verify_records()[1] == []


def test_the_next_edition_carries_over_what_was_kept_with_category_changes(world):
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    actions.do_add_items(
        actor=clerk,
        edition=edition,
        items=[
            item("GT01", "闲置土地无偿收回", "penalty"),
            item("GT02", "土地估价报告备案", "other"),
            item("GT03", "采矿许可"),
            item("GT03-1", "采矿许可（新设）", parent_code="GT03"),
        ],
    )
    choices: dict[str, tuple[str, dict[str, Any]]] = {
        "GT01": ("reclassify", {"new_category": "levy"}),
        "GT02": ("withdraw", {"withdraw_cause": "no_legal_basis"}),
        "GT03": ("no_subitems", {}),
        "GT03-1": ("keep", {}),
    }

    def decide(actor, row):
        kind, targets = choices[row.code]
        actions.do_decide_item(actor=actor, item=row, kind=kind, reason="国土局清理", **targets)

    review(world, edition, decide)
    assert queries.effective_category(queries.published_power(world.dept_a, "GT01")) == "levy"
    nxt = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    carried = {row.code: row for row in PowerItem.objects.filter(edition=nxt)}
    assert set(carried) == {"GT01", "GT03"}  # withdrawn gone; sub-items no longer listed separately
    assert carried["GT01"].category == "levy" and carried["GT01"].responsibilities.count() == 2
    diff = {change.code: change for change in queries.edition_diff(edition, nxt)}
    assert diff["GT01"].change == "unchanged" and diff["GT03-1"].change == "removed" and "GT02" not in diff
    assert audit.verify_records()[1] == []


def test_who_may_do_what(world):
    clerk, office, other = world.person("clerk"), world.person("reform_office"), world.person("clerk_b")
    with pytest.raises(Forbidden):
        actions.do_create_edition(actor=other, unit=world.dept_a)
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    with pytest.raises(Conflict):
        actions.do_create_edition(actor=clerk, unit=world.dept_a)  # one open edition at a time
    with pytest.raises(Forbidden):
        actions.do_add_items(actor=other, edition=edition, items=[item("A1")])
    with pytest.raises(RuleViolation, match="没有任何事项"):
        actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    actions.do_add_items(actor=clerk, edition=edition, items=[item("A1"), item("A2")])
    with pytest.raises(Conflict):
        actions.do_move_edition(actor=clerk, edition=edition, move="publish")
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    with pytest.raises(Forbidden):
        actions.do_move_edition(actor=clerk, edition=edition, move="pass_first")
    first = PowerItem.objects.get(edition=edition, code="A1")
    with pytest.raises(Forbidden):
        actions.do_decide_item(actor=world.person("head"), item=first, kind="keep", reason="自己保留")
    with pytest.raises(Conflict):
        actions.do_add_items(actor=clerk, edition=edition, items=[item("A3")])  # no edits under review
    with pytest.raises(InvalidInput, match="理由"):
        actions.do_decide_item(actor=office, item=first, kind="keep", reason="  ")
    with pytest.raises(InvalidInput) as missing:
        actions.do_decide_item(actor=office, item=first, kind="transfer", reason="划转")
    assert missing.value.detail["field"] == "target_unit"
    with pytest.raises(InvalidInput, match="退回"):
        actions.do_move_edition(actor=office, edition=edition, move="return")
    actions.do_move_edition(actor=office, edition=edition, move="pass_first")
    actions.do_decide_item(actor=office, item=first, kind="keep", reason="于法有据")
    with pytest.raises(RuleViolation, match="A2"):
        actions.do_move_edition(actor=office, edition=edition, move="confirm")
    actions.do_move_edition(actor=office, edition=edition, move="return", comment="A2 依据不全，请补充")
    assert edition.status == "draft" and edition.comments.get().text == "A2 依据不全，请补充"


def test_bad_items_are_refused_with_the_field_and_nothing_is_written(world):
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    for bad, field in [
        (item("B1", category="许可"), "category"),
        (item(""), "code"),
        (item("B2", parent_code="NONE"), "parent_code"),
    ]:
        with pytest.raises((InvalidInput, Conflict)) as refused:
            actions.do_add_items(actor=clerk, edition=edition, items=[item("OK1"), bad])
        assert refused.value.detail["field"] == field
    with pytest.raises(Conflict):
        actions.do_add_items(actor=clerk, edition=edition, items=[item("D1"), item("D1")])
    assert not PowerItem.objects.filter(edition=edition).exists()


def test_removing_a_draft_item_is_on_the_record(world):
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    made = actions.do_add_items(actor=clerk, edition=edition, items=[item("R1"), item("R2")])
    actions.do_remove_item(actor=clerk, item=made[0])
    assert list(PowerItem.objects.filter(edition=edition).values_list("code", flat=True)) == ["R2"]
    assert audit.verify_records()[1] == []


def test_the_remaining_items_can_be_kept_in_one_decision(world):
    clerk, office = world.person("clerk"), world.person("reform_office")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    actions.do_add_items(actor=clerk, edition=edition, items=[item(f"K{n}") for n in range(5)])
    with pytest.raises(Conflict):
        actions.do_decide_remaining(
            actor=office, edition=edition, kind="keep", reason="保留"
        )  # still a draft
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    actions.do_decide_item(
        actor=office, item=PowerItem.objects.get(edition=edition, code="K0"), kind="cancel", reason="无依据"
    )
    with pytest.raises(InvalidInput):
        actions.do_decide_remaining(actor=office, edition=edition, kind="merge", reason="合并")
    with pytest.raises(Forbidden):
        actions.do_decide_remaining(actor=clerk, edition=edition, kind="keep", reason="保留")
    assert actions.do_decide_remaining(actor=office, edition=edition, kind="keep", reason="于法有据") == 4
    assert queries.disposition_counts(edition) == {"cancel": 1, "keep": 4}
    assert actions.do_decide_remaining(actor=office, edition=edition, kind="keep", reason="于法有据") == 0
    assert audit.verify_records()[1] == []
