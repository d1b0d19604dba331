"""Actions of the law corpus: importing a LawRefBook/Laws-style directory.

The import reads and checks the whole corpus first (corpus.plan_corpus: every file parsed, the catalogue
matched); a corpus that cannot be read raises InvalidInput naming the file and line before anything is
written. It then writes one action per law that changed (`laws.import_law`: the law, its aliases, its
versions and their articles, and one ledger entry per created or changed Law, LawAlias and LawVersion,
and per alias dropped). A run that fails half-way (the database goes away, say) leaves every law either
fully imported or untouched, and running it again carries on: laws already imported compare equal and
are not written again.

Unchanged means the same law fields, version fields and article digest (corpus.articles_digest, computed
from the stored articles, so an article edited behind the importer's back is restored). A version that
changed keeps its Article rows where the article is still there (updated in place), so their ids stay.
Versions the corpus no longer has are kept and reported.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liuquan.core.actions import action
from liuquan.core.errors import Forbidden, InvalidInput
from liuquan.laws import corpus
from liuquan.laws.models import Article, Law, LawAlias, LawVersion

if TYPE_CHECKING:
    from liuquan.org.models import Person

# progress(stage, done, total); stage is "read" (files parsed) or "write" (laws compared or written).
ImportProgress = Callable[[str, int, int], None]
BATCH = 2000


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class ImportReport:
    """What an import did, for the CLI summary and --json."""

    root: str
    files_read: int = 0
    laws: Counts = field(default_factory=Counts)
    versions: Counts = field(default_factory=Counts)
    articles: Counts = field(default_factory=Counts)
    ledger_entries: int = 0
    skipped: list[corpus.Skipped] = field(default_factory=list)
    not_in_catalogue: list[str] = field(default_factory=list)
    catalogue_without_file: list[str] = field(default_factory=list)
    missing_from_corpus: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.ledger_entries)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 2)
        return data

    def lines(self) -> list[str]:
        def counts(label: str, value: Counts) -> str:
            text = f"{label}: {value.created} created, {value.updated} updated, {value.unchanged} unchanged"
            return text + (f", {value.deleted} deleted" if value.deleted else "")

        lines = [
            f"corpus {self.root}: {self.files_read} files read in {self.seconds:.1f} s",
            counts("laws", self.laws),
            counts("versions", self.versions),
            counts("articles", self.articles),
            f"ledger entries appended: {self.ledger_entries}",
        ]
        by_reason: dict[str, list[str]] = defaultdict(list)
        for skip in self.skipped:
            by_reason[skip.reason if not skip.reason.startswith("a copy of") else "a copy"].append(skip.file)
        for reason, files in sorted(by_reason.items()):
            lines.append(f"skipped {len(files)} files: {reason}")
        lines += [
            f"  skipped {skip.file}: {skip.reason}"
            for skip in self.skipped
            if skip.reason.startswith("a copy")
        ]
        if self.not_in_catalogue:
            lines.append(
                f"{len(self.not_in_catalogue)} files not in db.sqlite3 (imported, level from the folder):"
            )
            lines += [f"  {file}" for file in self.not_in_catalogue]
        if self.catalogue_without_file:
            lines.append(f"{len(self.catalogue_without_file)} db.sqlite3 rows with no file:")
            lines += [f"  {row}" for row in self.catalogue_without_file]
        if self.missing_from_corpus:
            lines.append(
                f"{len(self.missing_from_corpus)} versions in the database but not in this corpus (kept):"
            )
            lines += [f"  {file}" for file in self.missing_from_corpus]
        if self.notes:
            lines.append(f"{len(self.notes)} notes:")
            lines += [f"  {note}" for note in self.notes]
        return lines


def check_import_corpus(*, actor: Person) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise Forbidden(
            "只有数据管理员可以导入法规库", message_en="Only a data steward may import the law corpus"
        )


def read_corpus(root: Path, progress: ImportProgress | None = None) -> corpus.CorpusPlan:
    """The whole corpus, parsed and matched; InvalidInput (naming file and line) when it cannot be."""

    def reading(done: int, total: int) -> None:
        if progress is not None:
            progress("read", done, total)

    try:
        return corpus.plan_corpus(root, reading)
    except corpus.CorpusError as exc:
        where = f"{exc.file} 第 {exc.line} 行" if exc.line else exc.file
        raise InvalidInput(
            f"法规库无法导入：{where}：{exc.message_zh}",
            message_en=f"cannot import the law corpus: {exc}",
            field="root",
            file=exc.file,
            line=exc.line,
        ) from None


@dataclass
class _Stored:
    """The database's state before the import, loaded once."""

    laws: dict[str, Law]  # by corpus.normalize_name(name)
    versions: dict[str, LawVersion]  # by file
    versions_of: dict[int, list[LawVersion]]  # by law id
    digests: dict[int, str]  # version id → digest of its stored articles
    alias_owner: dict[str, int]  # key → law id
    aliases_of: dict[int, list[str]]  # law id → keys

    @classmethod
    def load(cls) -> _Stored:
        laws = {corpus.normalize_name(law.name): law for law in Law.objects.all()}
        by_id = {law.pk: law for law in laws.values()}
        versions: dict[str, LawVersion] = {}
        versions_of: dict[int, list[LawVersion]] = defaultdict(list)
        for version in LawVersion.objects.order_by():
            version.law = by_id[version.law_id]
            versions[version.file] = version
            versions_of[version.law_id].append(version)
        rows: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
        articles = Article.objects.order_by().values_list("version_id", "number", "sub", "chapter", "text")
        for version_id, number, sub, chapter, text in articles.iterator(chunk_size=10_000):
            rows[version_id].append((number, sub, chapter, text))
        alias_owner = dict(LawAlias.objects.order_by().values_list("key", "law_id"))
        aliases_of: dict[int, list[str]] = defaultdict(list)
        for key, law_id in alias_owner.items():
            aliases_of[law_id].append(key)
        return cls(
            laws=laws,
            versions=versions,
            versions_of=versions_of,
            digests={version_id: corpus.articles_digest(items) for version_id, items in rows.items()},
            alias_owner=alias_owner,
            aliases_of=aliases_of,
        )


def _version_fields(planned: corpus.PlannedVersion) -> dict[str, Any]:
    return {
        "publish": planned.publish,
        "valid_from": planned.valid_from,
        "expired": planned.expired,
        "corpus_id": planned.corpus_id,
    }


def _current_file(candidates: Iterable[tuple[str, date | None, date | None, bool]]) -> str | None:
    """The newest version that has not expired: (file, publish, valid_from, expired) → its file."""
    live = [
        (publish or date.min, valid_from or date.min, file)
        for file, publish, valid_from, expired in candidates
        if not expired
    ]
    return max(live)[2] if live else None


@dataclass
class _LawChanges:
    """What importing one planned law changes; `any` is False when the database already agrees."""

    planned: corpus.PlannedLaw
    law: Law | None
    law_changed: bool = False
    created: list[corpus.PlannedVersion] = field(default_factory=list)
    updated: list[tuple[corpus.PlannedVersion, LawVersion]] = field(default_factory=list)
    unchanged: list[tuple[corpus.PlannedVersion, LawVersion]] = field(default_factory=list)
    aliases_to_add: dict[str, str] = field(default_factory=dict)
    aliases_to_drop: list[str] = field(default_factory=list)
    current_file: str | None = None
    old_current_file: str | None = None
    current_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.law is None
            or self.law_changed
            or self.created
            or self.updated
            or self.aliases_to_add
            or self.aliases_to_drop
            or self.current_changed
        )


def _compare(planned: corpus.PlannedLaw, stored: _Stored, notes: list[str]) -> _LawChanges:
    law = stored.laws.get(planned.key)
    changes = _LawChanges(planned=planned, law=law)
    if law is not None:
        changes.law_changed = (law.name, law.level, law.category) != (
            planned.name,
            planned.level,
            planned.category,
        )
    _compare_versions(changes, stored)
    _compare_aliases(changes, stored, notes)
    _compare_current(changes, stored)
    return changes


def _compare_versions(changes: _LawChanges, stored: _Stored) -> None:
    law = changes.law
    empty = corpus.articles_digest([])
    for planned in changes.planned.versions:
        existing = stored.versions.get(planned.source)
        if existing is None:
            changes.created.append(planned)
            continue
        digest = planned.digest
        same = (
            law is not None
            and existing.law_id == law.pk
            and all(getattr(existing, name) == value for name, value in _version_fields(planned).items())
            and existing.content_sha256 == digest
            and stored.digests.get(existing.pk, empty) == digest
        )
        (changes.unchanged if same else changes.updated).append((planned, existing))


def _compare_aliases(changes: _LawChanges, stored: _Stored, notes: list[str]) -> None:
    law_id = changes.law.pk if changes.law is not None else None
    wanted = changes.planned.aliases
    for key, alias in wanted.items():
        owner = stored.alias_owner.get(key)
        if owner is None:
            changes.aliases_to_add[key] = alias
        elif owner != law_id:
            notes.append(
                f"alias {alias!r} of {changes.planned.name} names another law in the database; not added"
            )
    if law_id is not None:
        changes.aliases_to_drop = [key for key in stored.aliases_of.get(law_id, []) if key not in wanted]


def _compare_current(changes: _LawChanges, stored: _Stored) -> None:
    """Which version is current after the import: among the planned ones and those stored earlier."""
    planned_files = {version.source for version in changes.planned.versions}
    candidates = [(v.source, v.publish, v.valid_from, v.expired) for v in changes.planned.versions]
    old_current: str | None = None
    if changes.law is not None:
        for version in stored.versions_of.get(changes.law.pk, []):
            if version.is_current:
                old_current = version.file
            if version.file not in planned_files:
                candidates.append((version.file, version.publish, version.valid_from, version.expired))
    changes.current_file = _current_file(candidates)
    changes.old_current_file = old_current
    changes.current_changed = changes.current_file != old_current


def _write_articles(version: LawVersion, planned: corpus.PlannedVersion, report: ImportReport) -> None:
    """Make the version's stored articles equal the planned ones, keeping the rows that stay."""
    old = {
        (number, sub): (pk, chapter, text)
        for pk, number, sub, chapter, text in Article.objects.filter(version=version)
        .order_by()
        .values_list("pk", "number", "sub", "chapter", "text")
    }
    new = {(a.number.number, a.number.sub): a for a in planned.articles}
    gone = [pk for key, (pk, _, _) in old.items() if key not in new]
    changed: list[Article] = []
    added: list[Article] = []
    for key, article in new.items():
        before = old.get(key)
        if before is None:
            added.append(
                Article(
                    version=version, number=key[0], sub=key[1], chapter=article.chapter, text=article.text
                )
            )
        elif before[1:] != (article.chapter, article.text):
            changed.append(
                Article(
                    pk=before[0],
                    version=version,
                    number=key[0],
                    sub=key[1],
                    chapter=article.chapter,
                    text=article.text,
                )
            )
        else:
            report.articles.unchanged += 1
    if gone:
        Article.objects.filter(pk__in=gone).delete()
    if changed:
        Article.objects.bulk_update(changed, ["chapter", "text"], batch_size=BATCH)
    if added:
        Article.objects.bulk_create(added, batch_size=BATCH)
    report.articles.deleted += len(gone)
    report.articles.updated += len(changed)
    report.articles.created += len(added)


def _apply(changes: _LawChanges, *, actor: Person, report: ImportReport) -> Law:
    planned = changes.planned
    touched: dict[str, LawVersion] = {}  # file → version whose recorded state changes
    with action("laws.import_law", actor=actor) as act:
        law = changes.law
        if law is None:
            law = Law.objects.create(name=planned.name, level=planned.level, category=planned.category)
            act.record(law)
            report.laws.created += 1
        elif changes.law_changed:
            shown = (law.name, law.level) != (planned.name, planned.level)
            law.name, law.level, law.category = planned.name, planned.level, planned.category
            law.save(update_fields=["name", "level", "category"])
            act.record(law)
            report.laws.updated += 1
            if shown:  # every version shows its law's name and level: re-record the unchanged ones too
                touched.update((version.file, version) for _, version in changes.unchanged)
        else:
            report.laws.unchanged += 1

        if changes.aliases_to_drop:
            dropped = list(LawAlias.objects.filter(law=law, key__in=changes.aliases_to_drop))
            for alias in dropped:
                act.record_deletion(alias)
            LawAlias.objects.filter(pk__in=[alias.pk for alias in dropped]).delete()
        if changes.aliases_to_add:
            added = LawAlias.objects.bulk_create(
                [LawAlias(law=law, key=key, alias=alias) for key, alias in changes.aliases_to_add.items()]
            )
            for alias in added:
                act.record(alias)

        for planned_version in changes.created:
            version = LawVersion.objects.create(
                law=law,
                file=planned_version.source,
                content_sha256=planned_version.digest,
                **_version_fields(planned_version),
            )
            Article.objects.bulk_create(
                [
                    Article(
                        version=version,
                        number=a.number.number,
                        sub=a.number.sub,
                        chapter=a.chapter,
                        text=a.text,
                    )
                    for a in planned_version.articles
                ],
                batch_size=BATCH,
            )
            report.articles.created += len(planned_version.articles)
            report.versions.created += 1
            touched[version.file] = version
        for planned_version, version in changes.updated:
            if version.law_id != law.pk:
                version.is_current = False  # the catalogue moved it to this law; set again below
            version.law = law
            for name, value in _version_fields(planned_version).items():
                setattr(version, name, value)
            version.content_sha256 = planned_version.digest
            version.save(
                update_fields=["law", "content_sha256", "is_current", *_version_fields(planned_version)]
            )
            _write_articles(version, planned_version, report)
            report.versions.updated += 1
            touched[version.file] = version
        report.versions.unchanged += len(changes.unchanged)
        report.articles.unchanged += sum(len(version.articles) for version, _ in changes.unchanged)

        if changes.current_changed:
            # Clear first: at most one current version per law (a partial unique constraint).
            LawVersion.objects.filter(law=law, is_current=True).update(is_current=False)
            if changes.current_file is not None:
                LawVersion.objects.filter(law=law, file=changes.current_file).update(is_current=True)
            # "current" is on the record: re-record the versions that gained or lost it.
            flipped = [file for file in (changes.old_current_file, changes.current_file) if file]
            for version in LawVersion.objects.filter(law=law, file__in=flipped):
                touched.setdefault(version.file, version)
        for version in touched.values():
            version.law = law
            version.is_current = version.file == changes.current_file
            act.record(version)
        if not act.recorded:  # nothing on the record changed (a catalogue note only): note the law again
            act.record(law)
        report.ledger_entries += len(act.recorded)
    return law


def do_import_corpus(*, actor: Person, root: Path, progress: ImportProgress | None = None) -> ImportReport:
    """Import (or re-import) a law corpus directory; see the module docstring for what is written."""
    check_import_corpus(actor=actor)
    started = time.monotonic()
    plan = read_corpus(root, progress)
    report = ImportReport(
        root=str(root),
        files_read=plan.files_read,
        skipped=plan.skipped,
        not_in_catalogue=plan.not_in_catalogue,
        catalogue_without_file=plan.catalogue_without_file,
        notes=[str(note) for note in plan.notes],
    )
    stored = _Stored.load()
    planned_files = {version.source for version in plan.versions}
    report.missing_from_corpus = sorted(file for file in stored.versions if file not in planned_files)
    for done, planned in enumerate(plan.laws, start=1):
        changes = _compare(planned, stored, report.notes)
        if changes.any:
            law = _apply(changes, actor=actor, report=report)
            stored.alias_owner.update(dict.fromkeys(changes.aliases_to_add, law.pk))
        else:
            report.laws.unchanged += 1
            report.versions.unchanged += len(changes.unchanged)
            report.articles.unchanged += sum(len(version.articles) for version in planned.versions)
        if progress is not None:
            progress("write", done, len(plan.laws))
    report.seconds = time.monotonic() - started
    return report
