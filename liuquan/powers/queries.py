"""Reads of power lists, including the query cases use: 清单之外无权力."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q, QuerySet

from liuquan.core.access import log_read
from liuquan.core.errors import Forbidden, NotFound, RuleViolation
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Unit
from liuquan.powers import search, states
from liuquan.powers.models import Disposition, ListEdition, PowerItem, ReviewComment
from liuquan.powers.states import DispositionKind, EditionStatus

DISPOSITION_NAMES = states.DISPOSITION_NAMES
COMPARED_FIELDS = ("name", "subject", "handling_unit", "level", "basis", "duty")


def published_editions(unit: Unit) -> QuerySet[ListEdition]:
    """The unit's published editions, newest first: every one stays public."""
    return ListEdition.objects.filter(unit=unit, status=EditionStatus.PUBLISHED).order_by("-number")


def latest_published(unit: Unit) -> ListEdition | None:
    return published_editions(unit).first()


def published_power(unit: Unit, code: str) -> PowerItem:
    """The power `code` of `unit` as its latest published list keeps it; cases may act only under it.

    Raises RuleViolation (清单之外无权力) when the unit has no published list, the code is not in it, or
    the item was not kept (cancelled, delegated, merged, transferred, withdrawn, made internal).
    """
    item_id = check_published_power(unit, code)
    return PowerItem.objects.select_related("disposition", "edition__unit").get(pk=item_id)


def latest_publication(unit: Unit) -> datetime | None:
    """When the unit's newest list edition was published (None before its first)."""
    found: datetime | None = ListEdition.objects.filter(unit=unit, status=EditionStatus.PUBLISHED).aggregate(
        latest=Max("published_at")
    )["latest"]
    return found


def check_published_power(unit: Unit, code: str, *, at: datetime | None = None) -> int:
    """published_power's rule alone, in one plain statement (every new case asks): the item's id, or
    RuleViolation saying why the power is outside the list. With `at` (an event another system sends
    of its past), the list in force then: the newest edition published by that time, or the first one
    when none was yet (history from before the platform is held to the first list, not left unjudged)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    editions, items = quote(ListEdition._meta.db_table), quote(PowerItem._meta.db_table)
    dispositions = quote(Disposition._meta.db_table)
    select = (
        f"SELECT e.number, i.id, i.name, d.kind, d.reason FROM {editions} e "  # noqa: S608
        f"LEFT JOIN {items} i ON i.edition_id = e.id AND i.code = %s "
        f"LEFT JOIN {dispositions} d ON d.item_id = i.id "
        "WHERE e.unit_id = %s AND e.status = %s"
    )
    with connection.cursor() as cursor:
        found = None
        if at is not None:
            cursor.execute(
                f"{select} AND e.published_at <= %s ORDER BY e.number DESC LIMIT 1",
                [code, unit.pk, EditionStatus.PUBLISHED.value, at],
            )
            found = cursor.fetchone()
        if found is None:
            order = "ASC" if at is not None else "DESC"
            cursor.execute(
                f"{select} ORDER BY e.number {order} LIMIT 1", [code, unit.pk, EditionStatus.PUBLISHED.value]
            )
            found = cursor.fetchone()
    if found is None:
        raise RuleViolation(
            f"清单之外无权力：{unit.name}尚未公布权力清单",
            message_en=f"{unit.name} has no published power list",
            code="power_not_published",
            unit=unit.code,
            power=code,
        )
    number, item_id, name, kind_value, reason = found
    if item_id is None:
        raise RuleViolation(
            f"清单之外无权力：{unit.name}已公布的第{number}版清单中没有事项 {code}",
            message_en=f"{code} is not in the published list of {unit.name}",
            code="power_not_published",
            unit=unit.code,
            power=code,
            edition=number,
        )
    if kind_value is None or kind_value not in states.KEEPS_ITEM:
        kind = DispositionKind(kind_value) if kind_value else None
        verdict = DISPOSITION_NAMES[kind] if kind else "未确认"
        raise RuleViolation(
            f"清单之外无权力：事项 {code} {name}已{verdict}（{reason if kind_value else ''}）",
            message_en=f"{code} was not kept in the published list ({kind})",
            code="power_not_kept",
            unit=unit.code,
            power=code,
            disposition=kind,
        )
    return int(item_id)


def get_edition(unit_code: str, number: int) -> ListEdition:
    edition = ListEdition.objects.select_related("unit").filter(unit__code=unit_code, number=number).first()
    if edition is None:
        raise NotFound(
            f"{unit_code} 没有第 {number} 版清单",
            message_en=f"{unit_code} has no edition {number}",
            field="edition",
        )
    return edition


def editions_of(unit: Unit) -> list[ListEdition]:
    return list(ListEdition.objects.filter(unit=unit).select_related("unit").order_by("-number"))


def may_read_drafts(person: Person, unit: Unit) -> bool:
    """Editions not yet published are read by the unit, the reform office and supervisors in scope."""
    return person.is_active and org_queries.can_read_private(person, unit)


def access_unit_lists(person: Person, code: str, *, channel: str) -> tuple[Unit, list[ListEdition]]:
    """A unit's editions, all of them for those who may read drafts, else only the published ones."""
    unit = org_queries.get_unit(code)
    editions = editions_of(unit)
    if not may_read_drafts(person, unit):
        editions = [row for row in editions if row.status == EditionStatus.PUBLISHED]
    elif org_queries.is_supervisory_read(person, unit):
        for row in editions:
            if row.status != EditionStatus.PUBLISHED:
                log_read(person, row, channel=channel)
    return unit, editions


def access_edition(person: Person, code: str, number: int, *, channel: str) -> ListEdition:
    """One edition; one not yet published only for those who may read drafts (supervisory reads logged)."""
    edition = get_edition(code, number)
    if edition.status != EditionStatus.PUBLISHED:
        if not may_read_drafts(person, edition.unit):
            raise Forbidden(
                f"无权查看{edition}（尚未公布）",
                message_en=f"You may not read {edition}: it is not published",
                unit=code,
                edition=number,
            )
        if org_queries.is_supervisory_read(person, edition.unit):
            log_read(person, edition, channel=channel)
    return edition


def review_queue(person: Person) -> list[ListEdition]:
    """Editions not yet published in the units `person` may read: drafts of the person's own unit,
    editions under review for the reform office, confirmed ones waiting to be published."""
    open_editions = (
        ListEdition.objects.exclude(status=EditionStatus.PUBLISHED)
        .select_related("unit__region")
        .order_by("unit__code", "-number")
    )
    if not person.is_active:
        return []
    return list(open_editions.filter(org_queries.scope_of(person).unit_filter("unit__"))[:500])


def item_in(edition: ListEdition, code: str) -> PowerItem:
    item = items_of(edition).filter(code=code).first()
    if item is None:
        raise NotFound(f"{edition}中没有事项 {code}", message_en=f"{edition} has no item {code}", item=code)
    return item


def previous_published(edition: ListEdition) -> ListEdition | None:
    """The unit's published edition before `edition`: what its diff is measured against."""
    return (
        ListEdition.objects.filter(
            unit=edition.unit, status=EditionStatus.PUBLISHED, number__lt=edition.number
        )
        .order_by("-number")
        .first()
    )


def comments_of(edition: ListEdition) -> QuerySet[ReviewComment]:
    return ReviewComment.objects.filter(edition=edition).select_related("author", "item").order_by("at", "pk")


def items_of(edition: ListEdition) -> QuerySet[PowerItem]:
    return (
        PowerItem.objects.filter(edition=edition)
        .select_related("parent", "disposition__target_unit")
        .prefetch_related("responsibilities")
        .order_by("code")
    )


@dataclass
class Change:
    """One line of an edition diff: what happened to an item and the disposition that explains it."""

    code: str
    name: str
    change: str  # "added", "removed", "changed", "unchanged"
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (before, after)
    disposition: str | None = None
    reason: str = ""


def edition_diff(before: ListEdition | None, after: ListEdition) -> list[Change]:
    """What `after` keeps compared with what `before` kept, each change with its disposition.

    An item reported in `after` but not kept is "removed" (with the disposition that removed it); a kept
    item whose fields or category changed is "changed"; a kept item new to the list is "added".
    """

    def kept(edition: ListEdition | None) -> dict[str, PowerItem]:
        if edition is None:
            return {}
        return {
            item.code: item
            for item in items_of(edition)
            if not hasattr(item, "disposition") or item.disposition.kind in states.KEEPS_ITEM
        }

    old = kept(before)
    reported = {item.code: item for item in items_of(after)}
    changes: list[Change] = []
    for code in sorted(set(old) | set(reported)):
        new_item = reported.get(code)
        disposition: Disposition | None = getattr(new_item, "disposition", None) if new_item else None
        label = DISPOSITION_NAMES[DispositionKind(disposition.kind)] if disposition else None
        reason = disposition.reason if disposition else ""
        if new_item is None:
            changes.append(Change(code, old[code].name, "removed", reason="本版未再报送"))
            continue
        if disposition is not None and disposition.kind not in states.KEEPS_ITEM:
            changes.append(Change(code, new_item.name, "removed", disposition=label, reason=reason))
            continue
        category = (
            disposition.new_category
            if disposition and disposition.kind == DispositionKind.RECLASSIFY
            else new_item.category
        )
        if code not in old:
            changes.append(Change(code, new_item.name, "added", disposition=label, reason=reason))
            continue
        fields = {
            name: (str(getattr(old[code], name)), str(getattr(new_item, name)))
            for name in COMPARED_FIELDS
            if getattr(old[code], name) != getattr(new_item, name)
        }
        if category != effective_category(old[code]):
            fields["category"] = (effective_category(old[code]), category)
        changes.append(
            Change(code, new_item.name, "changed" if fields else "unchanged", fields, label, reason)
        )
    return changes


def effective_category(item: PowerItem) -> str:
    """The category an item has once its disposition applies (变更类别 moves it)."""
    disposition = getattr(item, "disposition", None)
    if disposition is not None and disposition.kind == DispositionKind.RECLASSIFY:
        return str(disposition.new_category)
    return str(item.category)


def disposition_counts(edition: ListEdition) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in Disposition.objects.filter(item__edition=edition).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def kept_items(edition: ListEdition) -> list[PowerItem]:
    """The items a published edition keeps (保留, 变更类别, 不再分列子项), main items before their sub-items."""
    return [
        item
        for item in items_of(edition)
        if hasattr(item, "disposition") and item.disposition.kind in states.KEEPS_ITEM
    ]


def search_published(text: str, *, category: str | None = None) -> QuerySet[PowerItem]:
    """Kept items of every unit's latest published edition whose name or basis contains `text`
    (substring matching through the search index, so two-character words like 登记 are found)."""
    if text:
        items = PowerItem.objects.filter(pk__in=search.matching_ids(text))
    else:
        latest = (
            ListEdition.objects.filter(status=EditionStatus.PUBLISHED)
            .values("unit_id")
            .annotate(last=Max("number"))
        )
        ids = ListEdition.objects.filter(
            _any(Q(unit_id=row["unit_id"], number=row["last"]) for row in latest)
        )
        items = PowerItem.objects.filter(edition__in=ids, disposition__kind__in=list(states.KEEPS_ITEM))
    if category:
        items = items.filter(category=category)
    return items.select_related("edition__unit").order_by("edition__unit__code", "code")


def search_page(
    text: str, *, category: str | None, page: int, per_page: int = 50
) -> tuple[int, list[PowerItem]]:
    """(number of matches, the items of page `page`) for the public search. Text searches scan the index
    once: the match count and the page both come from that one list of ids."""
    if not text or category:
        matches = search_published(text, category=category)
        return matches.count(), list(matches[(page - 1) * per_page : page * per_page])
    ids = search.matching_id_list(text)
    chosen = ids[(page - 1) * per_page : page * per_page]
    items = PowerItem.objects.filter(pk__in=chosen).select_related("edition__unit").order_by("pk")
    return len(ids), list(items)


def _any(conditions: Iterator[Q]) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined
