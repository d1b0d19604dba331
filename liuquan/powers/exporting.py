"""A unit's list in the common 权责清单 layout (xlsx, csv, json); importing an export gives the same items."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from liuquan.powers.models import CATEGORY_NAMES, Disposition, ListEdition, PowerItem, Responsibility
from liuquan.powers.states import KEEPS_ITEM, WITHDRAW_NAMES

CATEGORY_LABELS = {value: name for name, value in CATEGORY_NAMES.items()}
# The common 14-column header of published lists, and ours with the item code after 序号.
COMMON_HEADER = [
    "序号",
    "事项名称",
    "子项名称",
    "权力类型",
    "实施依据",
    "行使主体",
    "承办机构",
    "实施层级及权限",
    "部门职责",
    "责任事项内容",
    "责任事项依据",
    "追责对象范围",
    "追责情形",
    "备注",
]
HEADER = [COMMON_HEADER[0], "事项编码", *COMMON_HEADER[1:]]


# Each item's responsibilities in their order. Their model's default ordering follows item → edition →
# unit → region, a five-table join PostgreSQL planned badly for every page of items.
_DUTIES = Prefetch("responsibilities", queryset=Responsibility.objects.order_by("item_id", "position"))


def adjusted_items(edition: ListEdition) -> list[PowerItem]:
    """The items a published edition does not keep (取消, 下放, 合并, 划转, 转内部事项, 撤下), with their
    dispositions: published with the list, so the public sees what was dropped and why."""
    items = (
        PowerItem.objects.filter(edition=edition, disposition__isnull=False)
        .exclude(disposition__kind__in=list(KEEPS_ITEM))
        .select_related("parent", "disposition__target_unit")
        .prefetch_related(_DUTIES)
        .order_by("code")
    )
    return list(items)


def _items(edition: ListEdition, kept_only: bool) -> list[PowerItem]:
    items = (
        PowerItem.objects.filter(edition=edition)
        .select_related("parent", "disposition")
        .prefetch_related(_DUTIES)
        .order_by("code")
    )
    if kept_only:
        from liuquan.powers.queries import effective_category

        kept = [
            item for item in items if hasattr(item, "disposition") and item.disposition.kind in KEEPS_ITEM
        ]
        for item in kept:
            item.category = effective_category(item)
        return kept
    return list(items)


def rows(edition: ListEdition, *, kept_only: bool = False) -> Iterator[list[str]]:
    """One row per item, then one continuation row per further responsibility; sub-items follow
    their main item with its name and their own 子项名称."""
    items = _items(edition, kept_only)
    subs: dict[int, list[PowerItem]] = {}
    for item in items:
        if item.parent_id is not None:
            subs.setdefault(item.parent_id, []).append(item)
    number = 0
    for item in items:
        if item.parent_id is not None:
            continue
        number += 1
        yield from _item_rows(str(number), item, None)
        for sub in subs.get(item.pk, []):
            yield from _item_rows("", sub, item)


def _item_rows(number: str, item: PowerItem, parent: PowerItem | None) -> Iterator[list[str]]:
    duties = list(item.responsibilities.all())
    first = duties[0] if duties else None
    yield [
        number,
        item.code,
        parent.name if parent else item.name,
        item.name if parent else "",
        CATEGORY_LABELS[item.category],
        item.basis,
        item.subject,
        item.handling_unit,
        item.level,
        item.duty,
        first.content if first else "",
        first.basis if first else "",
        first.accountable if first else "",
        first.accountability_cases if first else "",
        item.note,
    ]
    for duty in duties[1:]:
        yield [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            duty.content,
            duty.basis,
            duty.accountable,
            duty.accountability_cases,
            "",
        ]


def to_xlsx(edition: ListEdition, *, kept_only: bool = False) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    sheet = book.active
    sheet.title = "权责清单"
    sheet.append([f"{edition.unit.name}权责清单（第{edition.number}版）"])
    sheet.append(HEADER)
    for row in rows(edition, kept_only=kept_only):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(edition: ListEdition, *, kept_only: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows(edition, kept_only=kept_only))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel open UTF-8 CSV correctly


def _document(item: PowerItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "main_item": item.parent.code if item.parent else None,
        "category": CATEGORY_LABELS[item.category],
        "basis": item.basis,
        "subject": item.subject,
        "handling_unit": item.handling_unit,
        "level": item.level,
        "duty": item.duty,
        "note": item.note,
        "source": item.source,
        "responsibilities": [
            {
                "stage": duty.stage,
                "content": duty.content,
                "basis": duty.basis,
                "accountable": duty.accountable,
                "accountability_cases": duty.accountability_cases,
                "supervising_body": duty.supervising_body,
                "supervising_phone": duty.supervising_phone,
            }
            for duty in item.responsibilities.all()
        ],
    }


def _decision(disposition: Disposition) -> dict[str, Any]:
    return {
        "kind": disposition.kind_name,
        "reason": disposition.reason,
        "target_level": disposition.target_level,
        "target_code": disposition.target_code,
        "target_unit": disposition.target_unit.code if disposition.target_unit else None,
        "target_unit_name": disposition.target_unit.name if disposition.target_unit else None,
        "new_category": CATEGORY_LABELS.get(disposition.new_category, ""),
        "withdraw_cause": WITHDRAW_NAMES.get(disposition.withdraw_cause, ""),
    }


def to_json(edition: ListEdition, *, kept_only: bool = False) -> bytes:
    """The list as open data. The published download (`kept_only`) has the powers in force and, under
    "adjustments", the items this edition drops (取消, 下放, 合并, 划转 …) with the decision and its reason:
    the 动态调整 the reform office publishes with the list."""
    items = [_document(item) for item in _items(edition, kept_only)]
    document: dict[str, Any] = {
        "unit": edition.unit.code,
        "unit_name": edition.unit.name,
        "edition": edition.number,
        "status": edition.status,
        "items": items,
    }
    if kept_only:
        document["adjustments"] = [
            {**_document(item), "decision": _decision(item.disposition)} for item in adjusted_items(edition)
        ]
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
