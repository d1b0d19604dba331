"""Chinese numerals as written in laws and in 实施依据 cells (pure; no Django).

parse_number("二十一") == 21      parse_number("一百零五") == 105     parse_number("12") == 12
parse_article("第十二条之一") == ArticleNo(12, 1)    format_article(ArticleNo(12, 1)) == "第十二条之一"
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "万"
NUMBER = rf"[0-9０-９{NUMERAL_CHARS}]+"
ARTICLE_RE = re.compile(rf"第({NUMBER})条(?:之({NUMBER}))?")


def parse_number(text: str) -> int:
    """An Arabic (half- or full-width) or Chinese numeral (up to the 亿s); ValueError when malformed.

    Units must fall from left to right (二十三 yes, 二十三十 or 十百 no); 一百一 is read as 110, as
    people say it; 零 stands only between a unit and a digit.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        raise ValueError("empty numeral")
    if folded.isdigit():
        return int(folded)
    if len(folded) > 24:
        raise ValueError(f"{text[:30]!r}… is too long for a numeral")
    if folded in {"零", "〇", "○"}:
        return 0
    total = 0
    rest = folded
    for big_char, big_value in (("亿", 100_000_000), ("万", 10_000), ("", 1)):
        if big_char:
            if big_char not in rest:
                continue
            part, _, rest = rest.partition(big_char)
            if big_char in rest:
                raise ValueError(f"{text!r} is not a numeral ({big_char} twice)")
        else:
            part, rest = rest, ""
        # After 亿 or 万 a leading 零 marks a gap: 一万零一, 二亿零五百万.
        if total and part[:1] in {"零", "〇", "○"}:
            part = part[1:]
        if part or big_char:
            total += _below_ten_thousand(part or "一", text) * big_value
    return total


def _below_ten_thousand(part: str, whole: str) -> int:
    total = 0
    digit: int | None = None
    last_unit = 10_000
    zero = False
    for char in part:
        if char in DIGITS:
            value = DIGITS[char]
            if digit is not None:
                raise ValueError(f"{whole!r} is not a numeral (two digits in a row)")
            if value == 0:
                if total == 0 or zero:
                    raise ValueError(f"{whole!r} is not a numeral (misplaced 零)")
                zero = True
            else:
                digit = value
        elif char in UNITS:
            unit = UNITS[char]
            if unit >= last_unit:
                raise ValueError(f"{whole!r} is not a numeral ({char} after a smaller or equal unit)")
            if digit is None:
                if unit == 10 and total == 0:
                    digit = 1  # 十二 = 12
                else:
                    raise ValueError(f"{whole!r} is not a numeral ({char} without a digit)")
            total += digit * unit
            last_unit, digit, zero = unit, None, False
        else:
            raise ValueError(f"{whole!r} is not a numeral ({char!r})")
    if digit is not None:
        # 一百一 is 110 when no 零 marks a gap; 一百零一 is 101; a last digit after 十 is plain.
        total += digit * (last_unit // 10 if last_unit > 10 and not zero and last_unit != 10_000 else 1)
    return total


def to_chinese(number: int) -> str:
    """The usual written form: 1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五, 110 → 一百一十, 10001 → 一万零一."""
    if number < 0:
        raise ValueError("negative numeral")
    if number == 0:
        return "零"
    groups: list[tuple[int, str]] = []
    for value, name in ((100_000_000, "亿"), (10_000, "万"), (1, "")):
        group, number = divmod(number, value)
        groups.append((group, name))
    text = ""
    for group, name in groups:
        if group == 0:
            if text and not text.endswith("零"):
                text += "零"
            continue
        if text and group < 1000 and not text.endswith("零"):
            text += "零"
        text += _four_digits(group) + name
    text = text.rstrip("零")
    return text[1:] if text.startswith("一十") else text


def _four_digits(number: int) -> str:
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    started = False
    zero_pending = False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            if zero_pending:
                parts.append("零")
            parts.append(digits[digit] + name)
            started, zero_pending = True, False
        elif started:
            zero_pending = True
    return "".join(parts)


@dataclass(frozen=True, order=True)
class ArticleNo:
    """An article number: 第12条 is ArticleNo(12); 第12条之一 is ArticleNo(12, 1)."""

    number: int
    sub: int = 0

    def __str__(self) -> str:
        return format_article(self)


def parse_article(text: str) -> ArticleNo:
    match = ARTICLE_RE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise ValueError(f"{text!r} is not an article number like 第十二条 or 第十二条之一")
    sub = parse_number(match.group(2)) if match.group(2) else 0
    return ArticleNo(parse_number(match.group(1)), sub)


def format_article(article: ArticleNo) -> str:
    base = f"第{to_chinese(article.number)}条"
    return base + (f"之{to_chinese(article.sub)}" if article.sub else "")
