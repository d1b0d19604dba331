"""Chinese numerals and article numbers as laws and 实施依据 cells write them."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuquan.laws.numerals import (
    ARTICLE_RE,
    ArticleNo,
    format_article,
    parse_article,
    parse_number,
    to_chinese,
)


def test_round_trip_0_to_9999() -> None:
    wrong = [n for n in range(10_000) if parse_number(to_chinese(n)) != n]
    assert wrong == []


@pytest.mark.parametrize(
    ("number", "written"),
    [
        (0, "零"),
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (1260, "一千二百六十"),  # 民法典's last article
        (9999, "九千九百九十九"),
    ],
)
def test_to_chinese_writes_the_usual_form(number: int, written: str) -> None:
    assert to_chinese(number) == written


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("十", 10),
        ("十二", 12),
        ("一十二", 12),
        ("两", 2),
        ("两百", 200),
        ("二百", 200),
        ("一百〇五", 105),
        ("一百○五", 105),
        ("一百零五", 105),
        ("一千零一十", 1010),
        ("壹佰零伍", 105),
        ("贰拾", 20),
        ("105", 105),
        ("１２", 12),
        ("０", 0),
        (" 十二 ", 12),
        ("一万零五", 10_005),
        ("十万", 100_000),
        ("九十九万九千九百九十九", 999_999),
        ("九千九百九十九万九千九百九十九", 99_999_999),
    ],
)
def test_parse_number(written: str, number: int) -> None:
    assert parse_number(written) == number


@pytest.mark.parametrize("written", ["", "  ", "一二", "十二条", "abc", "第十", "1.5", "二-三"])
def test_parse_number_rejects(written: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every rejection is a plain ValueError by contract
        parse_number(written)


def test_to_chinese_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        to_chinese(-1)


@pytest.mark.parametrize(
    ("written", "article"),
    [
        ("第十二条", ArticleNo(12)),
        ("第十二条之一", ArticleNo(12, 1)),
        ("第一百三十四条之一", ArticleNo(134, 1)),
        ("第１２条", ArticleNo(12)),
        ("第12条之1", ArticleNo(12, 1)),
        ("第两百条", ArticleNo(200)),
        ("第一千二百六十条", ArticleNo(1260)),
        ("  第五条 ", ArticleNo(5)),
    ],
)
def test_parse_article(written: str, article: ArticleNo) -> None:
    assert parse_article(written) == article


@pytest.mark.parametrize(
    "written", ["十二条", "第十二条第一款", "第条", "", "第十二款", "第十二条之", "第一二条"]
)
def test_parse_article_rejects(written: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the text; the type is the contract
        parse_article(written)


def test_format_article_round_trips() -> None:
    for number in range(1, 1_300):
        for sub in (0, 1, 2, 10):
            article = ArticleNo(number, sub)
            assert parse_article(format_article(article)) == article
    assert format_article(ArticleNo(12, 1)) == "第十二条之一"
    assert str(ArticleNo(105)) == "第一百零五条"


def test_articles_order_with_their_zhi_articles() -> None:
    assert sorted([ArticleNo(13), ArticleNo(12, 1), ArticleNo(12)]) == [
        ArticleNo(12),
        ArticleNo(12, 1),
        ArticleNo(13),
    ]


def test_article_re_finds_references_in_text() -> None:
    text = "违反本法第十二条之一、第三十条规定的，依照第１０５条处罚"
    assert [match.group(0) for match in ARTICLE_RE.finditer(text)] == [
        "第十二条之一",
        "第三十条",
        "第１０５条",
    ]


@given(st.integers(0, 9_999))
def test_round_trip_through_article(number: int) -> None:
    assert parse_article(format_article(ArticleNo(number))) == ArticleNo(number)


@given(st.text(max_size=30))
def test_parse_number_raises_only_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_number(text)


# ----- known defects, reported rather than fixed here (numerals.py belongs to another change) -----


def test_to_chinese_beyond_9999() -> None:
    assert parse_number(to_chinese(10_000)) == 10_000


def test_parse_number_many_wan() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_number("万" * 3_000)


@pytest.mark.parametrize("written", ["二十三十", "十十", "一千一千", "十百", "一万万", "一零"])
def test_parse_number_rejects_malformed(written: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_number(written)


@pytest.mark.parametrize(
    ("written", "number"),
    [("一亿", 100_000_000), ("二亿零五百万", 205_000_000), ("一万零一", 10_001), ("一百一", 110), ("零", 0)],
)
def test_large_and_gapped_numerals(written: str, number: int) -> None:
    assert parse_number(written) == number
    assert parse_number(to_chinese(number)) == number
