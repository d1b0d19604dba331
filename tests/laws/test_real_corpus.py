"""The real LawRefBook/Laws corpus (../shared/data/laws beside the repository), when it is there.

One test, because importing 1,500 versions is the expensive part (about 12 s on SQLite, 27 s on PostgreSQL);
it checks totals, a few known articles, that a re-import appends nothing, and that `ledger verify`
names a law version whose article was edited in the database.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from liuquan.laws import actions, queries
from liuquan.laws.models import Article, Law, LawAlias, LawVersion
from liuquan.laws.numerals import ArticleNo
from liuquan.ledger import audit
from liuquan.ledger.models import Entry

# tests/laws/test_real_corpus.py → parents[2] is the repository, parents[3] the directory beside it.
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "laws"


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "db.sqlite3").is_file(), reason=f"the law corpus is not at {CORPUS}")
def test_the_real_corpus_imports_completely_and_re_imports_as_a_no_op(world):
    started = time.monotonic()
    report = actions.do_import_corpus(actor=world.system, root=CORPUS)
    first = time.monotonic() - started

    assert report.versions.created >= 1_500, report.lines()
    assert report.laws.created >= 1_400
    assert report.articles.created >= 60_000
    assert LawVersion.objects.count() == report.versions.created
    assert report.ledger_entries == report.laws.created + report.versions.created + LawAlias.objects.count()
    assert report.catalogue_without_file == []
    assert any(skip.reason == "case (案例), not a law" for skip in report.skipped)
    assert Law.objects.filter(level="administrative_regulation").count() >= 600

    licensing = queries.find_law("《中华人民共和国行政许可法》（2019年修正）")
    assert licensing is not None
    version = queries.current_version(licensing)
    assert version is not None and version.publish == date(2019, 4, 23)
    article = queries.find_article(version, ArticleNo(32))
    assert article is not None and "补正" in article.text
    penalties = queries.find_law("行政处罚法")
    assert penalties is not None
    current = queries.current_version(penalties)
    assert current is not None and queries.find_article(current, ArticleNo(64)) is not None

    index = queries.LawIndex.load()
    civil = index.law("民法典")
    assert civil is not None and index.has_article(civil, ArticleNo(201))  # 期间 (DESIGN: 民法典 art. 201)
    criminal = index.law("刑法")
    assert criminal is not None and index.has_article(criminal, ArticleNo(120, 1))

    entries = Entry.objects.count()
    started = time.monotonic()
    again = actions.do_import_corpus(actor=world.system, root=CORPUS)
    second = time.monotonic() - started
    assert Entry.objects.count() == entries and again.ledger_entries == 0
    assert again.versions.unchanged == report.versions.created

    with connection.cursor() as cursor:
        cursor.execute("UPDATE laws_article SET text = text || %s WHERE id = %s", ["（改）", article.pk])
    _, findings = audit.verify_records()
    assert [(f.table, f.record_id, f.field) for f in findings] == [
        ("laws_lawversion", str(version.pk), "articles_sha256")
    ]
    assert Article.objects.get(pk=article.pk).text.endswith("（改）")

    print(f"real corpus: first import {first:.1f} s, re-import {second:.1f} s")  # shown with -s
    assert first < 120 and second < 20
