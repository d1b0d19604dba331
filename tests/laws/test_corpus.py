"""Reading the corpus (pure): one file's articles, and which file is which version of which law."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from liuquan.laws import corpus
from liuquan.laws.corpus import INFO_END
from liuquan.laws.numerals import ArticleNo
from tests.laws import corpus_factory as factory


def articles_of(text: str) -> dict[ArticleNo, corpus.ParsedArticle]:
    return {article.number: article for article in corpus.parse_markdown(text, file="x.md").articles}


# One file ----------------------------------------------------------------------------------------------


def test_a_file_gives_its_title_history_and_articles_with_their_nearest_heading():
    parsed = corpus.parse_markdown(factory.LICENSING_2019, file="行政法/行政许可法(2019-04-23).md")
    assert parsed.title == "中华人民共和国行政许可法"
    assert parsed.part == ""
    assert parsed.history[0].startswith("2003年8月27日")
    assert [str(article.number) for article in parsed.articles] == [
        "第一条",
        "第二条",
        "第三十二条",
        "第三十二条之一",
        "第四十二条",
    ]
    first, _, art32, *_ = parsed.articles
    assert first.chapter == "第一章 总 则"
    assert art32.chapter == "第一节 申请与受理"
    assert art32.line == 19
    assert parsed.notes == []


def test_continuation_paragraphs_join_with_newlines_and_the_number_is_not_in_the_text():
    art32 = articles_of(factory.LICENSING_2019)[ArticleNo(32)]
    assert art32.text == (
        "行政机关对申请人提出的行政许可申请，应当根据下列情况分别作出处理：\n"
        "（四）申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的全部内容；\n"
        "行政机关受理或者不予受理行政许可申请，应当出具书面凭证。"
    )


def test_an_article_zhi_yi_is_its_own_article():
    articles = articles_of(factory.LICENSING_2019)
    assert articles[ArticleNo(32, 1)].text == "本条是为测试“之一”而加的。"


def test_a_heading_ends_an_article_and_text_before_the_first_article_belongs_to_none():
    text = (
        "# 中华人民共和国宪法\n\n" + INFO_END + "\n\n## 序言\n\n中国是世界上历史最悠久的国家之一。\n\n"
        "<!-- FORCE BREAK -->\n\n## 第一章 总纲\n\n第一条 中华人民共和国是社会主义国家。\n\n## 第二章\n\n附表一\n"
    )
    articles = articles_of(text)
    assert list(articles) == [ArticleNo(1)]
    assert articles[ArticleNo(1)].text == "中华人民共和国是社会主义国家。"


def test_only_a_line_starting_with_the_number_and_a_space_opens_an_article():
    text = (
        "# 某法\n\n2001年 第三十一条的决定》修正\n\n" + INFO_END + "\n\n第一条 总则。\n"
        "第十条修改为：“……”\n第二条　全角空格也算。\n"
    )
    articles = articles_of(text)
    assert list(articles) == [ArticleNo(1), ArticleNo(2)]
    assert articles[ArticleNo(1)].text == "总则。\n第十条修改为：“……”"


def test_a_repeated_number_keeps_the_first_and_notes_the_line():
    text = (
        "# 某条例\n\n" + INFO_END + "\n\n第一条 甲。\n\n第二条 乙。\n\n第二条 丙。\n续行。\n\n第三条 丁。\n"
    )
    parsed = corpus.parse_markdown(text, file="行政法规/某条例.md")
    assert [(str(a.number), a.text) for a in parsed.articles] == [
        ("第一条", "甲。"),
        ("第二条", "乙。"),
        ("第三条", "丁。"),
    ]
    assert [str(note) for note in parsed.notes] == [
        "行政法规/某条例.md:9: 第二条 again (first on line 7); kept the first"
    ]


def test_articles_glued_onto_one_line_are_split_only_at_the_next_number():
    text = (
        "# 中华人民共和国飞行基本规则\n\n" + INFO_END + "\n\n"
        "第一条 为了维护领空主权，依照第三条 规定制定本规则。 第二条 本规则适用于境内飞行。 第三条 飞行应当安全。\n"
    )
    parsed = corpus.parse_markdown(text, file="f.md")
    assert [(str(a.number), a.text) for a in parsed.articles] == [
        ("第一条", "为了维护领空主权，依照第三条 规定制定本规则。"),
        ("第二条", "本规则适用于境内飞行。"),
        ("第三条", "飞行应当安全。"),
    ]
    assert [note.message for note in parsed.notes] == ["3 articles on one line; split"]


def test_one_part_of_a_code_names_the_part():
    parsed = corpus.parse_markdown(factory.CIVIL_FAMILY, file="民法典/婚姻家庭编.md")
    assert (parsed.title, parsed.part) == ("中华人民共和国民法典", "婚姻家庭编")
    assert parsed.history == ["2020年5月28日 第十三届全国人民代表大会第三次会议通过"]


def test_header_dates_distinguish_adoption_from_entry_into_force():
    parsed = corpus.parse_markdown(factory.CIVIL_GENERAL, file="民法典/总则.md")
    assert parsed.header_dates() == (date(2020, 5, 28), date(2021, 1, 1))


def test_header_dates_ignore_the_original_entry_into_force_above_later_amendments():
    text = (
        "# 某法\n\n1996年3月17日 通过\n\n1996年10月1日 施行\n\n2017年9月1日 第二次修正\n\n" + INFO_END + "\n"
    )
    assert corpus.parse_markdown(text, file="x.md").header_dates() == (date(2017, 9, 1), None)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("正文\n", 1, "not a '# title' heading"),
        ("\n\n## 第一章\n", 3, "not a '# title' heading"),
        ("# 某法\n\n第一条 没有分隔行。\n", 1, "no " + INFO_END + " line"),
        ("# 某法\n" + INFO_END + "\n第一条 可以。\n第二二条 不是数字。\n", 4, "not a numeral"),
    ],
)
def test_a_malformed_file_names_the_file_and_line(text, line, message):
    with pytest.raises(corpus.CorpusError) as error:
        corpus.parse_markdown(text, file="行政法/坏.md")
    assert (error.value.file, error.value.line) == ("行政法/坏.md", line)
    assert message in error.value.message
    assert str(error.value).startswith(f"行政法/坏.md:{line}: ")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path):
    path = tmp_path / "行政法" / "坏.md"
    path.parent.mkdir()
    path.write_bytes(("# 某法\n" + INFO_END + "\n").encode() + "第一条 好。\n".encode("gbk"))
    with pytest.raises(corpus.CorpusError) as error:
        corpus.parse_file(path, root=tmp_path)
    assert (error.value.file, error.value.line) == ("行政法/坏.md", 3)


def test_the_digest_covers_number_chapter_and_text_in_article_order():
    rows = [(2, 0, "第一章", "乙"), (1, 0, "第一章", "甲"), (1, 1, "第一章", "甲之一")]
    digest = corpus.articles_digest(rows)
    assert digest == corpus.articles_digest(list(reversed(rows)))
    assert digest != corpus.articles_digest([(2, 0, "第一章", "乙"), (1, 0, "第一章", "甲改")])
    assert digest != corpus.articles_digest(
        [(2, 0, "第二章", "乙"), (1, 0, "第一章", "甲"), (1, 1, "第一章", "甲之一")]
    )
    # Unambiguous: moving a boundary between chapter and text changes the digest.
    assert corpus.articles_digest([(1, 0, "a\x1f", "b")]) != corpus.articles_digest([(1, 0, "a", "\x1fb")])
    assert corpus.articles_digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_names_normalise_brackets_spaces_and_guillemets():
    assert corpus.normalize_name("《中华人民共和国 行政许可法》") == "中华人民共和国行政许可法"
    assert corpus.normalize_name("刑法修正案（十一）") == corpus.normalize_name("刑法修正案(十一)")
    assert corpus.normalize_name("关于适用〈工会法〉的解释") == "关于适用工会法的解释"


# The whole corpus ---------------------------------------------------------------------------------------


def test_the_plan_matches_files_to_the_catalogue_and_explains_every_other_file(corpus_root: Path):
    plan = corpus.plan_corpus(corpus_root)
    laws = {law.name: law for law in plan.laws}
    assert sorted(laws) == ["政府信息公开条例", "民法典", "行政许可法"]

    licensing = laws["行政许可法"]
    assert [(v.source, v.corpus_id, v.publish, v.valid_from, v.expired) for v in licensing.versions] == [
        ("行政法/行政许可法(2003-08-27).md", "v2003", date(2003, 8, 27), date(2004, 7, 1), True),
        ("行政法/行政许可法(2019-04-23).md", "v2019", date(2019, 4, 23), None, False),
    ]
    assert (licensing.level, licensing.category) == ("law", "行政法")
    assert set(licensing.aliases) == {"行政许可法", "中华人民共和国行政许可法"}

    regulation = laws["政府信息公开条例"]
    assert regulation.level == "administrative_regulation"  # from the folder: it is not in db.sqlite3
    assert regulation.versions[0].publish == date(2019, 4, 3)
    assert plan.not_in_catalogue == ["行政法规/政府信息公开条例(2019-04-03).md"]

    assert sorted((skip.file, skip.reason) for skip in plan.skipped) == [
        ("案例/劳动人事/加班费争议.md", "case (案例), not a law"),
        (
            "经济法/行政许可法(2019-04-23).md",
            "a copy of 行政法/行政许可法(2019-04-23).md (identical articles)",
        ),
        ("行政法/_index.md", "folder index page"),
    ]
    assert plan.catalogue_without_file == []
    assert plan.files_read == 6


def test_the_parts_of_a_code_are_one_version_of_one_law(corpus_root: Path):
    plan = corpus.plan_corpus(corpus_root)
    civil = next(law for law in plan.laws if law.name == "民法典")
    (version,) = civil.versions
    assert version.files == ("民法典/总则.md", "民法典/婚姻家庭编.md")  # in article order
    assert version.source == "民法典/总则.md + 民法典/婚姻家庭编.md"
    assert [str(a.number) for a in version.articles] == ["第一条", "第二百零一条", "第一千零八十七条"]
    assert (version.corpus_id, version.level, version.publish) == ("civ-1", "law", date(2020, 5, 28))
    assert {"民法典", "中华人民共和国民法典", "民法典总则", "民法典婚姻家庭编"} <= set(civil.aliases)


def test_a_catalogued_file_in_another_folder_is_found_by_name(corpus_root: Path):
    factory.write_catalogue(
        corpus_root,
        [
            *factory.LAWS,
            ("reg", "行政法规", "政府信息公开条例", None, "2019-04-03", 0, "2019-05-15", "c-econ"),
        ],
    )
    plan = corpus.plan_corpus(corpus_root)
    regulation = next(law for law in plan.laws if law.name == "政府信息公开条例")
    assert regulation.versions[0].corpus_id == "reg"
    assert regulation.versions[0].valid_from == date(2019, 5, 15)
    assert plan.not_in_catalogue == []
    assert any("lists it under 经济法/" in note.message for note in plan.notes)


def test_a_catalogue_row_without_a_file_is_reported(corpus_root: Path):
    factory.write_catalogue(
        corpus_root, [*factory.LAWS, ("gone", "法律", "已删除法", None, "2001-01-01", 0, None, "c-admin")]
    )
    assert corpus.plan_corpus(corpus_root).catalogue_without_file == ["已删除法(2001-01-01) [行政法]"]


def test_a_directory_without_a_catalogue_or_laws_is_not_a_corpus(tmp_path: Path):
    with pytest.raises(corpus.CorpusError, match="not a directory"):
        corpus.plan_corpus(tmp_path / "missing")
    with pytest.raises(corpus.CorpusError, match=r"no db\.sqlite3"):
        corpus.plan_corpus(tmp_path)
    factory.write_catalogue(tmp_path)
    with pytest.raises(corpus.CorpusError, match="no Markdown law files"):
        corpus.plan_corpus(tmp_path)


def test_an_unreadable_catalogue_is_an_error_naming_it(corpus_root: Path):
    (corpus_root / "db.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(corpus.CorpusError) as error:
        corpus.plan_corpus(corpus_root)
    assert error.value.file == "db.sqlite3"
    assert "cannot read the catalogue" in error.value.message


def test_a_copy_whose_text_differs_is_still_skipped_and_says_so(corpus_root: Path):
    factory.write(
        corpus_root, "经济法/行政许可法(2019-04-23).md", factory.LICENSING_2019.replace("二十日", "三十日")
    )
    plan = corpus.plan_corpus(corpus_root)
    assert (
        corpus.Skipped(
            "经济法/行政许可法(2019-04-23).md", "a copy of 行政法/行政许可法(2019-04-23).md (articles differ)"
        )
        in plan.skipped
    )


def test_an_alias_goes_to_the_law_that_is_named_so_and_the_other_claim_is_noted(corpus_root: Path):
    # An uncatalogued interpretation whose title is another law's name: the name wins the alias.
    factory.write(
        corpus_root,
        "行政法/行政许可法解释(2020-01-01).md",
        "# 中华人民共和国行政许可法\n\n" + INFO_END + "\n",
    )
    plan = corpus.plan_corpus(corpus_root)
    laws = {law.name: law for law in plan.laws}
    assert "中华人民共和国行政许可法" in laws["行政许可法"].aliases
    assert set(laws["行政许可法解释"].aliases) == {"行政许可法解释", "中华人民共和国行政许可法解释"}
    assert [note.message for note in plan.notes] == [
        "alias '中华人民共和国行政许可法' already names 行政许可法; not added",
        "alias '行政许可法' already names 行政许可法; not added",
    ]


def test_progress_counts_the_files_read(corpus_root: Path):
    seen: list[tuple[int, int]] = []
    corpus.plan_corpus(corpus_root, lambda done, total: seen.append((done, total)))
    assert seen == [(done, 6) for done in range(1, 7)]
