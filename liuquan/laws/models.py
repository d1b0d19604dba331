"""Law corpus: laws, their versions and articles, and the names a citation may use for a law."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuquan.laws.corpus import articles_digest
from liuquan.laws.numerals import ArticleNo, format_article

Fields = tuple[dict[str, Any], dict[str, Any]]


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class LawLevel(models.TextChoices):
    """Rank of a legal norm (效力级别), highest first."""

    CONSTITUTION = "constitution", _("Constitution")  # 宪法
    LAW = "law", _("Law")  # 法律
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("Administrative regulation")  # 行政法规
    SUPERVISORY_REGULATION = "supervisory_regulation", _("Supervisory regulation")  # 监察法规
    JUDICIAL_INTERPRETATION = "judicial_interpretation", _("Judicial interpretation")  # 司法解释
    LOCAL_REGULATION = "local_regulation", _("Local regulation")  # 地方性法规
    DEPARTMENTAL_RULE = "departmental_rule", _("Departmental rule")  # 部门规章
    LOCAL_GOVERNMENT_RULE = "local_government_rule", _("Local government rule")  # 地方政府规章
    NORMATIVE_DOCUMENT = "normative_document", _("Normative document")  # 规范性文件
    OTHER = "other", _("Other")  # 其他


class Law(models.Model):
    """法律法规: one law, regulation or interpretation across its versions, named as the corpus names it
    (行政许可法, without the 中华人民共和国 prefix)."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    level = models.CharField(_("level"), max_length=30, choices=LawLevel.choices)
    # The corpus folder (法律部门) of the newest version: 行政法, 经济法, 部门规章/公安部 …
    category = models.CharField(_("category"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("law")
        verbose_name_plural = _("laws")

    def __str__(self) -> str:
        return self.name

    def ledger_fields(self) -> Fields:
        """(public, private) state recorded in the ledger; `liuquan ledger verify` recomputes it."""
        return {"name": self.name, "level": self.level, "category": self.category}, {}


class LawAlias(models.Model):
    """A name a citation may use for a law: its name, with 中华人民共和国, its title as the file writes it,
    a part of a code (民法典 合同编). `key` is the name normalised (NFKC, no spaces, no 《》)."""

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("law"))
    alias = models.CharField(_("alias"), max_length=300)
    key = models.CharField(_("lookup key"), max_length=300, unique=True)

    class Meta:
        ordering = ["law_id", "key"]
        verbose_name = _("law alias")
        verbose_name_plural = _("law aliases")

    def __str__(self) -> str:
        return self.alias

    def ledger_fields(self) -> Fields:
        """On the ledger: an alias decides which law a citation resolves to, so one moved to another law
        or added with database access alone would redirect every citation that uses it."""
        return {"law": self.law_id, "alias": self.alias, "key": self.key}, {}


class LawVersion(models.Model):
    """法律版本: a law as published (or revised) on one date, with its articles.

    `content_sha256` is the articles' digest as imported (corpus.articles_digest); the ledger commits to
    the digest recomputed from the stored articles, so an edit of any article shows in `ledger verify`.
    `is_current` marks the newest version that has not expired (derived from the others, and recorded:
    the citation check reads the current version).
    """

    law = models.ForeignKey(Law, on_delete=models.PROTECT, related_name="versions", verbose_name=_("law"))
    publish = models.DateField(_("published"), null=True, blank=True)
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    expired = models.BooleanField(_("expired"), default=False)
    # Path(s) relative to the corpus root; the parts of a code split over files are joined with " + ".
    file = models.CharField(_("source file"), max_length=1000, unique=True)
    # The corpus catalogue's (db.sqlite3 law.id) row for this version; blank when it has none.
    corpus_id = models.CharField(_("corpus id"), max_length=64, blank=True)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        ordering = ["law_id", "publish", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["corpus_id"], condition=~Q(corpus_id=""), name="lawversion_unique_corpus_id"
            ),
            models.UniqueConstraint(
                fields=["law"], condition=Q(is_current=True), name="lawversion_one_current"
            ),
        ]
        verbose_name = _("law version")
        verbose_name_plural = _("law versions")

    def __str__(self) -> str:
        return f"{self.law.name}（{self.publish.isoformat() if self.publish else '—'}）"

    def stored_digest(self) -> tuple[int, str]:
        """(article count, digest) of the articles as stored now."""
        rows = list(self.articles.order_by().values_list("number", "sub", "chapter", "text"))
        return len(rows), articles_digest(rows)

    def ledger_fields(self) -> Fields:
        count, digest = self.stored_digest()
        return {
            "law": self.law.name,
            "level": self.law.level,
            "publish": _day(self.publish),
            "valid_from": _day(self.valid_from),
            "expired": self.expired,
            "current": self.is_current,
            "file": self.file,
            "corpus_id": self.corpus_id,
            "articles": count,
            "articles_sha256": digest,
        }, {}


class Article(models.Model):
    """条文: one article of a law version (第三十二条, 第十二条之一 is number 12, sub 1)."""

    version = models.ForeignKey(
        LawVersion, on_delete=models.CASCADE, related_name="articles", verbose_name=_("law version")
    )
    number = models.PositiveIntegerField(_("article number"))
    sub = models.PositiveSmallIntegerField(_("sub-article number"), default=0)  # 之一, 之二 …
    chapter = models.CharField(_("chapter"), max_length=300, blank=True)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["version_id", "number", "sub"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number", "sub"], name="article_unique_number"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return format_article(self.article_no)

    @property
    def article_no(self) -> ArticleNo:
        return ArticleNo(self.number, self.sub)
