"""The public ledger (全程记录): entries, the stored Merkle tree, and signed checkpoints."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liuquan.ledger import tiles


class LogIndexField(models.BigIntegerField):  # type: ignore[type-arg]
    """A 64-bit log index that is SQLite's rowid: "integer PRIMARY KEY" makes the table itself the
    index, where "bigint PRIMARY KEY" would add a second B-tree that every append also writes."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite" and self.primary_key:
            return "integer"
        return super().db_type(connection)


class Entry(models.Model):
    """One leaf of the public log: the exact canonical bytes of one act on one record.

    `data` is public (served byte for byte); `actor` and `private_salt` are not: the leaf names the actor
    only by pseudonym, and commits to private fields with SHA-256(salt ‖ JCS(private fields)).
    """

    index = LogIndexField(primary_key=True)
    data = models.BinaryField()
    at = models.DateTimeField(_("time"))
    action = models.CharField(_("action"), max_length=80)
    # Not indexed: nothing looks entries up by actor, and every append would pay for the index.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,
    )
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    private_salt = models.BinaryField(blank=True, default=b"")
    # HMAC under the entry key in var/ (log.seal): what the actions wrote, as opposed to rows inserted with
    # database access alone. Not part of the leaf.
    seal = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["index"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "index"], name="ledger_entry_subject")]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"#{self.index} {self.action} {self.subject_type}:{self.subject_id}"

    @property
    def content(self) -> dict[str, Any]:
        """The decoded leaf (for tests and pages; verification works on `data`)."""
        decoded: dict[str, Any] = json.loads(bytes(self.data))
        return decoded

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.content["state"]
        return state


class Sequencer(models.Model):
    """Single row: the next entry index. Actions lock it, so committed indices form a dense prefix."""

    next_index = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"next entry {self.next_index}"

    @classmethod
    def row(cls, *, lock: bool = False) -> Sequencer:
        """The single row (made by migration 0003; re-made after a test flush, from the entries)."""
        queryset = cls.objects.select_for_update() if lock else cls.objects
        found = queryset.filter(pk=1).first()
        if found is None:
            last = Entry.objects.aggregate(last=models.Max("index"))["last"]
            cls.objects.get_or_create(pk=1, defaults={"next_index": 0 if last is None else last + 1})
            found = queryset.get(pk=1)
        return found


class TreeHead(models.Model):
    """Single row: how many entries are hashed into the stored tree, and its root at that size."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(default=b"")
    integrated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"tree of {self.size}"

    @classmethod
    def row(cls, *, lock: bool = False) -> TreeHead:
        """The single row (made by migration 0003; re-made empty after a test flush)."""
        queryset = cls.objects.select_for_update() if lock else cls.objects
        found = queryset.filter(pk=1).first()
        if found is None:
            cls.objects.get_or_create(pk=1, defaults={"size": 0, "root": b""})
            found = queryset.get(pk=1)
        return found


class TreeTile(models.Model):
    """A tile of the stored Merkle tree (see ledger/tiles.py): 510 subtree hashes in a fixed layout.

    Slots of subtrees not yet complete are zero; the tree head's size says which are valid.
    """

    key = models.BigIntegerField(primary_key=True)
    hashes = models.BinaryField()

    def __str__(self) -> str:
        return tiles.describe(self.key)


class Checkpoint(models.Model):
    """A signed tree head in the C2SP tlog-checkpoint format, wrapped as a signed note."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField()
    note = models.TextField()
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-size"]
        get_latest_by = "size"
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"
