"""The search index of published items (derived data: rebuilt from the lists, never on the ledger)."""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

from liuquan.powers.models import ListEdition, PowerItem

TRIGRAM = 3


def index_edition(edition: ListEdition, kept: list[PowerItem]) -> None:
    """On publication: the unit's earlier published items leave the index, `kept` enter it."""
    earlier = list(
        PowerItem.objects.filter(edition__unit_id=edition.unit_id)
        .exclude(edition=edition)
        .values_list("pk", flat=True)
    )
    ids = [*earlier, *(item.pk for item in kept)]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM powers_search WHERE rowid IN ({marks})", chunk)  # noqa: S608
        cursor.executemany(
            "INSERT INTO powers_search (rowid, text) VALUES (%s, %s)",
            [(item.pk, f"{item.name}\n{item.basis}") for item in kept],
        )


def matching_ids(text: str) -> RawSQL:
    """A subquery of the ids of published items whose name or basis contains `text`."""
    if connection.vendor == "sqlite" and len(text) >= TRIGRAM:
        phrase = '"' + text.replace('"', '""') + '"'
        return RawSQL("SELECT rowid FROM powers_search WHERE powers_search MATCH %s", (phrase,))
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return RawSQL("SELECT rowid FROM powers_search WHERE text LIKE %s ESCAPE '\\'", (pattern,))


def matching_id_list(text: str) -> list[int]:
    """The ids of published items containing `text`, in publication order, from one index scan."""
    subquery = matching_ids(text)
    with connection.cursor() as cursor:
        cursor.execute(subquery.sql + " ORDER BY rowid", subquery.params)
        return [row[0] for row in cursor.fetchall()]
