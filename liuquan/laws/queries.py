"""Reading the law corpus: find a law by any name a citation uses, its versions, one article.

Single lookups (`find_law`, `current_version`, `version_at`, `find_article`) query the database; the
citation importer, which checks thousands of (law, article) pairs, loads a `LawIndex` once instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from liuquan.core.errors import NotFound
from liuquan.laws.corpus import PREFIX, normalize_name
from liuquan.laws.models import Article, Law, LawAlias, LawVersion
from liuquan.laws.numerals import ArticleNo

# A trailing "(2019年修正)", "(2018年修订)", "(2021年)": a revision note a citation adds to the name.
# Tried only after the whole name failed: 宪法修正案(2018年) is itself a name.
REVISION_NOTE_RE = re.compile(r"\([^()]*\d{4}\s*年[^()]*\)$")


def lookup_keys(name: str) -> list[str]:
    """Alias keys to try for a name as written, most specific first."""
    key = normalize_name(name)
    keys = [key]
    stripped = REVISION_NOTE_RE.sub("", key)
    if stripped and stripped != key:
        keys.append(stripped)
    for candidate in list(keys):
        if candidate.startswith(PREFIX) and len(candidate) > len(PREFIX):
            keys.append(candidate.removeprefix(PREFIX))
    return list(dict.fromkeys(key for key in keys if key))


def find_law(name: str) -> Law | None:
    """The law a citation's name means, or None: with or without 中华人民共和国, 《》, full- or half-width
    brackets, a trailing revision note such as （2019年修正）."""
    keys = lookup_keys(name)
    found = dict(LawAlias.objects.filter(key__in=keys).values_list("key", "law_id"))
    for key in keys:
        if key in found:
            return Law.objects.get(pk=found[key])
    return None


def get_law(name: str) -> Law:
    law = find_law(name)
    if law is None:
        raise NotFound(
            f"法规库中没有“{name}”", message_en=f"No law named {name!r} in the corpus", field="name"
        )
    return law


def versions(law: Law) -> list[LawVersion]:
    """The law's versions, oldest first."""
    return sorted(law.versions.all(), key=_effective_key)


def current_version(law: Law) -> LawVersion | None:
    """The newest version that has not expired; None when every version has (the law was repealed)."""
    return law.versions.filter(is_current=True).first()


def _effective(version: LawVersion) -> date | None:
    return version.valid_from or version.publish


def _effective_key(version: LawVersion) -> tuple[date, date, str]:
    return (version.publish or date.min, version.valid_from or date.min, version.file)


def version_at(law: Law, on: date) -> LawVersion | None:
    """The version in force on a date: the latest one that took effect (valid_from, else publish) on or
    before it, expired or not (a later version is what ended it). Undated versions are never chosen."""
    dated = [
        version for version in law.versions.all() if (when := _effective(version)) is not None and when <= on
    ]
    return max(dated, key=_effective_key, default=None)


def find_article(version: LawVersion, article: ArticleNo) -> Article | None:
    return Article.objects.filter(version=version, number=article.number, sub=article.sub).first()


def article_count(version: LawVersion) -> int:
    return version.articles.count()


# Batch lookups ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LawRef:
    """A law as the index knows it: enough to cite it and to look up its current articles."""

    id: int
    name: str
    level: str
    version_id: int | None  # the current version; None when the law has none in force

    def __str__(self) -> str:
        return self.name


@dataclass
class LawIndex:
    """Every alias → law and the article numbers of every current version, in memory (a few MB for the
    full corpus). Article texts are fetched per law on first use."""

    by_key: dict[str, LawRef]
    articles: dict[int, frozenset[tuple[int, int]]]  # current version id → {(number, sub)}
    _texts: dict[int, dict[tuple[int, int], str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> LawIndex:
        current = dict(LawVersion.objects.filter(is_current=True).order_by().values_list("law_id", "pk"))
        refs = {
            pk: LawRef(pk, name, level, current.get(pk))
            for pk, name, level in Law.objects.order_by().values_list("pk", "name", "level")
        }
        keys: dict[int, set[tuple[int, int]]] = {version_id: set() for version_id in current.values()}
        articles = Article.objects.filter(version__is_current=True).order_by()
        for version_id, number, sub in articles.values_list("version_id", "number", "sub"):
            keys[version_id].add((number, sub))
        aliases = LawAlias.objects.order_by().values_list("key", "law_id")
        return cls(
            by_key={key: refs[law_id] for key, law_id in aliases},
            articles={version_id: frozenset(numbers) for version_id, numbers in keys.items()},
        )

    def law(self, name: str) -> LawRef | None:
        """Like find_law, from memory."""
        for key in lookup_keys(name):
            ref = self.by_key.get(key)
            if ref is not None:
                return ref
        return None

    def has_article(self, law: LawRef, article: ArticleNo) -> bool:
        """Whether the law's current version has the article."""
        if law.version_id is None:
            return False
        return (article.number, article.sub) in self.articles.get(law.version_id, frozenset())

    def article_text(self, law: LawRef, article: ArticleNo) -> str | None:
        """The article's text in the law's current version (one query per law, then from memory)."""
        if not self.has_article(law, article):
            return None
        assert law.version_id is not None  # has_article checked it
        texts = self._texts.get(law.version_id)
        if texts is None:
            texts = {
                (number, sub): text
                for number, sub, text in Article.objects.filter(version_id=law.version_id)
                .order_by()
                .values_list("number", "sub", "text")
            }
            self._texts[law.version_id] = texts
        return texts.get((article.number, article.sub))
