"""Looking laws and articles up the way citations write them, one at a time and in batch."""

from __future__ import annotations

from datetime import date

import pytest

from liuquan.core.testing import assert_max_queries
from liuquan.laws import actions, queries
from liuquan.laws.numerals import ArticleNo
from tests.laws import corpus_factory as factory


@pytest.fixture
def imported(world, corpus_root):
    actions.do_import_corpus(actor=world.system, root=corpus_root)
    return world


@pytest.mark.parametrize(
    "name",
    [
        "行政许可法",
        "中华人民共和国行政许可法",
        "《中华人民共和国行政许可法》",
        "《行政许可法》",
        " 中华人民共和国 行政许可法 ",
        "《中华人民共和国行政许可法》（2019年修正）",
        "行政许可法(2019年修正)",
    ],
)
def test_a_law_is_found_by_any_usual_spelling(imported, name):
    law = queries.find_law(name)
    assert law is not None and law.name == "行政许可法"


def test_the_parts_of_a_code_lead_to_the_code(imported):
    for name in ("民法典", "《中华人民共和国民法典》", "民法典 婚姻家庭编", "民法典婚姻家庭编"):
        law = queries.find_law(name)
        assert law is not None and law.name == "民法典", name


def test_an_unknown_law_is_none(imported):
    assert queries.find_law("行政许可法实施条例") is None
    assert queries.find_law("") is None
    assert queries.find_law("（2019年修正）") is None


def test_current_version_and_the_version_in_force_on_a_date(imported):
    law = queries.find_law("行政许可法")
    assert law is not None
    current = queries.current_version(law)
    assert current is not None and current.publish == date(2019, 4, 23)
    assert queries.version_at(law, date(2010, 1, 1)).publish == date(2003, 8, 27)  # type: ignore[union-attr]
    assert queries.version_at(law, date(2019, 4, 23)) == current
    assert queries.version_at(law, date(2004, 6, 30)) is None  # published, not yet in force
    assert [version.publish for version in queries.versions(law)] == [date(2003, 8, 27), date(2019, 4, 23)]


def test_find_article_including_zhi_yi(imported):
    law = queries.find_law("行政许可法")
    assert law is not None
    version = queries.current_version(law)
    assert version is not None
    article = queries.find_article(version, ArticleNo(32))
    assert article is not None and "补正" in article.text
    assert queries.find_article(version, ArticleNo(32, 1)) is not None
    assert queries.find_article(version, ArticleNo(32, 2)) is None
    assert queries.find_article(version, ArticleNo(999)) is None


def test_the_index_answers_from_memory_after_loading(imported):
    with assert_max_queries(4):
        index = queries.LawIndex.load()
    with assert_max_queries(0):
        licensing = index.law("《中华人民共和国行政许可法》（2019年修正）")
        assert licensing is not None and licensing.name == "行政许可法" and licensing.level == "law"
        assert index.has_article(licensing, ArticleNo(32, 1))
        assert not index.has_article(licensing, ArticleNo(33))
        civil = index.law("民法典")
        assert civil is not None and index.has_article(civil, ArticleNo(1087))
        assert index.law("不存在的法") is None
        assert index.article_text(licensing, ArticleNo(33)) is None
    with assert_max_queries(1):
        assert "补正" in (index.article_text(licensing, ArticleNo(32)) or "")
        assert index.article_text(licensing, ArticleNo(42)) is not None


def test_a_repealed_law_has_no_current_version_and_no_articles_in_the_index(world, corpus_root):
    repealed = ("reg", "行政法规", "政府信息公开条例", None, "2019-04-03", 1, None, "c-reg")
    factory.write_catalogue(corpus_root, [*factory.LAWS, repealed])
    actions.do_import_corpus(actor=world.system, root=corpus_root)
    law = queries.find_law("政府信息公开条例")
    assert law is not None and queries.current_version(law) is None
    index = queries.LawIndex.load()
    regulation = index.law("政府信息公开条例")
    assert regulation is not None and regulation.version_id is None
    assert not index.has_article(regulation, ArticleNo(1))
    assert index.article_text(regulation, ArticleNo(1)) is None
