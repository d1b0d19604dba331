"""Importing a corpus: what is written, what a re-import leaves alone, and what a bad corpus never writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from liuquan.core.errors import Forbidden, InvalidInput
from liuquan.laws import actions
from liuquan.laws.models import Article, Law, LawAlias, LawVersion
from liuquan.ledger import audit
from liuquan.ledger.models import Entry
from tests.laws import corpus_factory as factory


def import_corpus(world, root: Path) -> actions.ImportReport:
    return actions.do_import_corpus(actor=world.system, root=root)


def law_entries() -> list[tuple[str, str]]:
    return list(
        Entry.objects.filter(action="laws.import_law")
        .order_by("index")
        .values_list("subject_type", "subject_id")
    )


def law_findings() -> list[audit.Finding]:
    _, findings = audit.verify_records()
    return [finding for finding in findings if finding.table.startswith("laws_")]


def test_an_import_writes_laws_versions_articles_and_one_entry_per_law_alias_and_version(world, corpus_root):
    report = import_corpus(world, corpus_root)

    assert (report.laws.created, report.versions.created, report.articles.created) == (3, 4, 12)
    assert report.ledger_entries == 7 + LawAlias.objects.count()
    licensing = Law.objects.get(name="行政许可法")
    assert (licensing.level, licensing.category) == ("law", "行政法")
    old, new = LawVersion.objects.filter(law=licensing).order_by("publish")
    assert (old.expired, old.is_current, new.expired, new.is_current) == (True, False, False, True)
    assert new.articles.count() == 5 and new.corpus_id == "v2019"
    assert new.content_sha256 == new.stored_digest()[1]
    assert Article.objects.get(version=new, number=32, sub=1).text == "本条是为测试“之一”而加的。"
    assert set(LawAlias.objects.filter(law=licensing).values_list("alias", flat=True)) == {
        "行政许可法",
        "中华人民共和国行政许可法",
    }
    assert sorted(law_entries()) == sorted(
        [("laws.Law", str(law.pk)) for law in Law.objects.all()]
        + [("laws.LawVersion", str(version.pk)) for version in LawVersion.objects.all()]
        + [("laws.LawAlias", str(alias.pk)) for alias in LawAlias.objects.all()]
    )
    assert report.not_in_catalogue == ["行政法规/政府信息公开条例(2019-04-03).md"]
    assert law_findings() == []


def test_the_version_entry_commits_to_its_articles_by_hash(world, corpus_root):
    import_corpus(world, corpus_root)
    version = LawVersion.objects.get(file="行政法/行政许可法(2019-04-23).md")
    entry = Entry.objects.get(subject_type="laws.LawVersion", subject_id=str(version.pk))
    assert entry.content["state"] == {
        "law": "行政许可法",
        "level": "law",
        "publish": "2019-04-23",
        "valid_from": None,
        "expired": False,
        "current": True,
        "file": "行政法/行政许可法(2019-04-23).md",
        "corpus_id": "v2019",
        "articles": 5,
        "articles_sha256": version.content_sha256,
    }


def test_re_importing_an_unchanged_corpus_writes_nothing(world, corpus_root):
    import_corpus(world, corpus_root)
    entries = Entry.objects.count()
    ids = sorted(Article.objects.values_list("pk", flat=True))

    report = import_corpus(world, corpus_root)

    assert Entry.objects.count() == entries
    assert report.ledger_entries == 0 and not report.changed
    assert (report.laws.unchanged, report.versions.unchanged, report.articles.unchanged) == (3, 4, 12)
    assert (report.laws.created, report.versions.created, report.articles.created) == (0, 0, 0)
    assert sorted(Article.objects.values_list("pk", flat=True)) == ids


def test_a_changed_file_replaces_that_versions_articles_and_records_only_it(world, corpus_root):
    import_corpus(world, corpus_root)
    version = LawVersion.objects.get(file="行政法/行政许可法(2019-04-23).md")
    kept = Article.objects.get(version=version, number=32, sub=0).pk
    text = factory.LICENSING_2019.replace("二十日内", "十五日内").replace(
        "第二条 本法所称行政许可，是指行政机关根据申请，准予其从事特定活动的行为。\n", ""
    )
    factory.write(
        corpus_root, "行政法/行政许可法(2019-04-23).md", text + "\n第八十三条 本法自公布之日起施行。\n"
    )
    factory.write(corpus_root, "经济法/行政许可法(2019-04-23).md", text)  # keep the copy a copy
    before = Entry.objects.count()

    report = import_corpus(world, corpus_root)

    assert (report.articles.created, report.articles.updated, report.articles.deleted) == (1, 1, 1)
    assert (report.versions.updated, report.versions.unchanged, report.laws.unchanged) == (1, 3, 3)
    assert law_entries()[before - Entry.objects.count() :] == [("laws.LawVersion", str(version.pk))]
    assert Entry.objects.count() == before + 1
    version.refresh_from_db()
    numbers = list(version.articles.values_list("number", "sub"))
    assert numbers == [(1, 0), (32, 0), (32, 1), (42, 0), (83, 0)]
    assert "十五日内" in Article.objects.get(version=version, number=42).text
    assert Article.objects.get(version=version, number=32, sub=0).pk == kept  # rows that stay keep their ids
    assert version.content_sha256 == version.stored_digest()[1]
    assert law_findings() == []


def test_a_newer_version_becomes_current(world, corpus_root):
    import_corpus(world, corpus_root)
    factory.write(
        corpus_root,
        "行政法/行政许可法(2025-01-01).md",
        factory.LICENSING_2019.replace("制定本法。", "制定本法。（2025年）"),
    )

    report = import_corpus(world, corpus_root)

    assert (report.versions.created, report.versions.unchanged) == (1, 4)
    current = LawVersion.objects.get(law__name="行政许可法", is_current=True)
    assert current.file == "行政法/行政许可法(2025-01-01).md"
    previous = LawVersion.objects.get(file="行政法/行政许可法(2019-04-23).md")
    assert sorted(law_entries()[-report.ledger_entries :]) == sorted(
        [("laws.LawVersion", str(current.pk)), ("laws.LawVersion", str(previous.pk))]
    )  # the previous version is no longer current: that is on the record too
    assert law_findings() == []
    assert report.not_in_catalogue == [
        "行政法/行政许可法(2025-01-01).md",
        "行政法规/政府信息公开条例(2019-04-03).md",
    ]


def test_a_file_that_joins_the_catalogue_takes_its_id_and_dates(world, corpus_root):
    import_corpus(world, corpus_root)
    rows = [
        ("reg", "行政法规", "政府信息公开条例", None, "2019-04-03", 0, "2019-05-15", "c-reg"),
        *factory.LAWS,
    ]
    factory.write_catalogue(corpus_root, rows)
    before = Entry.objects.count()

    import_corpus(world, corpus_root)

    version = Law.objects.get(name="政府信息公开条例").versions.get()
    assert (version.corpus_id, str(version.valid_from)) == ("reg", "2019-05-15")
    assert law_entries()[before - Entry.objects.count() :] == [("laws.LawVersion", str(version.pk))]
    assert law_findings() == []


def test_a_level_change_re_records_the_law_and_every_version_showing_it(world, corpus_root):
    import_corpus(world, corpus_root)
    rows = [(row[0], "行政法规", *row[2:]) if row[2] == "行政许可法" else row for row in factory.LAWS]
    factory.write_catalogue(corpus_root, rows)
    before = Entry.objects.count()

    report = import_corpus(world, corpus_root)

    law = Law.objects.get(name="行政许可法")
    assert law.level == "administrative_regulation"
    assert (report.laws.updated, report.versions.updated, report.versions.unchanged) == (1, 0, 4)
    assert sorted(law_entries()[before - Entry.objects.count() :]) == sorted(
        [("laws.Law", str(law.pk))]
        + [("laws.LawVersion", str(pk)) for pk in law.versions.values_list("pk", flat=True)]
    )
    assert law_findings() == []


def test_a_malformed_file_stops_the_import_before_anything_is_written(world, corpus_root):
    factory.write(corpus_root, "行政法/坏法(2020-01-01).md", "# 坏法\n\n第一条 没有 INFO END。\n")
    entries = Entry.objects.count()

    with pytest.raises(InvalidInput) as refused:
        import_corpus(world, corpus_root)

    assert refused.value.detail == {"field": "root", "file": "行政法/坏法(2020-01-01).md", "line": 1}
    assert "行政法/坏法(2020-01-01).md 第 1 行" in refused.value.message
    assert not Law.objects.exists() and not LawVersion.objects.exists() and not Article.objects.exists()
    assert Entry.objects.count() == entries


def test_an_unreadable_catalogue_or_a_directory_that_is_no_corpus_writes_nothing(
    world, corpus_root, tmp_path
):
    (corpus_root / "db.sqlite3").write_text("not sqlite " * 100)
    with pytest.raises(InvalidInput) as refused:
        import_corpus(world, corpus_root)
    assert refused.value.detail["file"] == "db.sqlite3"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match=r"不是法规库：没有 db\.sqlite3"):
        import_corpus(world, tmp_path / "empty")
    assert not Law.objects.exists()


def test_only_a_steward_imports(world, corpus_root):
    with pytest.raises(Forbidden):
        actions.do_import_corpus(actor=world.person("clerk"), root=corpus_root)
    assert not Law.objects.exists()


def test_a_direct_edit_of_an_article_is_named_by_verify_and_repaired_by_a_re_import(world, corpus_root):
    import_corpus(world, corpus_root)
    version = LawVersion.objects.get(file="行政法/行政许可法(2019-04-23).md")
    article = Article.objects.get(version=version, number=32, sub=0)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE laws_article SET text = %s WHERE id = %s", ["（已篡改）", article.pk])

    findings = law_findings()
    assert [(f.table, f.record_id, f.field) for f in findings] == [
        ("laws_lawversion", str(version.pk), "articles_sha256")
    ]

    report = import_corpus(world, corpus_root)
    assert (report.versions.updated, report.articles.updated) == (1, 1)
    article.refresh_from_db()
    assert article.text.startswith("行政机关对申请人提出的行政许可申请")
    assert law_findings() == []


def test_a_deleted_article_is_named_too(world, corpus_root):
    import_corpus(world, corpus_root)
    version = LawVersion.objects.get(file="民法典/总则.md + 民法典/婚姻家庭编.md")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM laws_article WHERE version_id = %s AND number = 1087", [version.pk])
    fields = {f.field for f in law_findings() if f.record_id == str(version.pk)}
    assert fields == {"articles", "articles_sha256"}


def test_an_alias_redirected_added_or_removed_behind_the_importers_back_is_named(world, corpus_root):
    """An alias decides which law a citation resolves to: pointing 行政许可法 at another law, slipping
    in a new name or dropping one with database access alone are each verify findings."""
    import_corpus(world, corpus_root)
    licensing, penalty = (
        Law.objects.get(name="行政许可法"),
        Law.objects.exclude(name="行政许可法").earliest("pk"),
    )
    moved = LawAlias.objects.get(law=licensing, alias="行政许可法")
    dropped = LawAlias.objects.get(law=licensing, alias="中华人民共和国行政许可法")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE laws_lawalias SET law_id = %s WHERE id = %s", [penalty.pk, moved.pk])
        cursor.execute("DELETE FROM laws_lawalias WHERE id = %s", [dropped.pk])
    added = LawAlias.objects.create(law=penalty, alias="许可法", key="许可法")

    named = {(f.table, f.record_id, f.field, f.detail.split(" (")[0].split(",")[0]) for f in law_findings()}
    assert ("laws_lawalias", str(moved.pk), "law", f"database has {penalty.pk}") in named
    assert ("laws_lawalias", str(dropped.pk), "", "on the ledger but missing from the database") in named
    assert ("laws_lawalias", str(added.pk), "", "not on the ledger") in named
