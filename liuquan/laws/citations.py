"""Citations in 实施依据 / 责任事项依据 cells (pure; no Django).

A cell as published looks like::

    【法律】《中华人民共和国渔业法》（1986年1月20日主席令第三十四号，2013年12月28日予以修改）
        第四十五条：未经批准在水产种质资源保护区内从事捕捞活动的，……
        第四十八条第一款：本法规定的行政处罚，由……

parse_cell() turns it into one Citation per (law, article, 款, 项); resolve() checks one against the law
corpus through the LawLookup protocol. The quoted article text is kept but never searched for further
citations: it routinely says 违反本办法第二十七条 or 依照《中华人民共和国广告法》, which are the law's own
words, not a basis the list names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from liuquan.laws.numerals import NUMERAL_CHARS, ArticleNo, format_article, parse_number, to_chinese

# A range wider than this is a typo or a chapter-sized reference; expanding it would flood the checks.
MAX_RANGE = 50

# Tokens of an article reference may be split by whitespace: some workbooks hard-wrap cells mid-number
# ("第\n四十二条"), so whitespace (including newlines) is allowed between tokens but not inside a numeral.
_W = r"\s*"
_NUM = rf"[0-9０-９{NUMERAL_CHARS}]+"
_ARTICLE = re.compile(rf"第{_W}({_NUM}){_W}条(?:{_W}之{_W}([{NUMERAL_CHARS}0-9０-９]+))?")
# Anything shaped like 第…条, to report numbers the strict pattern cannot read ("第4.3条" of a standard).
_LOOSE_ARTICLE = re.compile(rf"第\s*([0-9０-９.．·\-－A-Za-zＡ-Ｚａ-ｚ{NUMERAL_CHARS}]{{1,10}})\s*条")
# 第十至十二条: one 第 and one 条 around both ends.
_SHORT_RANGE = re.compile(rf"第{_W}({_NUM}){_W}(?:至|到|—|－|~|～|-){_W}({_NUM}){_W}条")
_RANGE_WORD = re.compile(rf"{_W}(?:至|到|—|－|~|～|-){_W}")
_SEPARATOR = re.compile(rf"{_W}(?:以及|[、，,；;和及与或]){_W}")
_COLON_AHEAD = re.compile(r"\s*[：:]")
# In a list a 第 or a 条 is sometimes dropped: 第三十条、三十二条、第三十八、第四十条.
_LIST_ARTICLE = re.compile(rf"(第{_W})?({_NUM})(?:{_W}(条))?")
_ANCHOR = re.compile(r"[【《]")
_BREAK = re.compile(r"\n|【|[。；;]")
_TARGET = re.compile(rf"{_W}第{_W}[（(]?{_W}{_NUM}{_W}[)）]?{_W}目")
_UNIT_ATOM = {
    unit: re.compile(
        rf"(?:{_W}第)?{_W}((?:[（(]?{_W}{_NUM}{_W}[)）]?{_W}[、，,]{_W})*[（(]?{_W}{_NUM}{_W}[)）]?){_W}{unit}"
    )
    for unit in ("款", "项")
}
_BARE_NAME_END = re.compile(rf"[（(：:【]|{_ARTICLE.pattern}|\s{{2,}}")
_UNCLOSED_NAME_END = re.compile(rf"[\n（(【《]|{_ARTICLE.pattern}")
_SECOND_CLOSE = re.compile(r"[^\s《》（(【，,。；;：:、]{1,12}》")
_PRE_ARTICLE_STOP = re.compile(r"[：:“《\r\n]")
_NOTE_WORDS = re.compile(r"年|令|号|修|施行|通过|公布")
_CHAPTER = re.compile(rf"第{_W}({_NUM}){_W}章")
# Level tags are short words; 【2020】 inside 新政发【2020】53号 is a document number, not a tag.
_TAG = re.compile(r"【([^【】0-9０-９\n]{1,12})】")
_NUMBERING = re.compile(
    r"(?:[0-9０-９]{1,3}\s*[.．、]|[（(]\s*[0-9０-９]{1,3}\s*[)）]|[①-⑳]|[（(][一二三四五六七八九十]{1,3}[)）]"
    r"|[一二三四五六七八九十]{1,3}、)[^\S\n]*"
)
_PREFIX = re.compile(r"(?:实施|法律|法定)?依据[：:][^\S\n]*")
_SAME_AS_ABOVE = re.compile(r"同\s*上")
_OPEN_PAREN = "（("
_CLOSE_PAREN = "）)"
_PUNCTUATION = " \t\r\n\u3000：:。.，,；;、"
# 一千二百六十 (民法典's last article) is six characters; twelve leaves room for 第一千二百六十条之一.
_MAX_NUMERAL = 12
# A law name longer than this is not a name: the 》 that would close it belongs to something else.
_MAX_NAME = 100
# A revision note is a sentence or two; an unclosed （ must not swallow the rest of a long cell.
_MAX_NOTE = 600
# Parentheses inside 《》 that are a revision history rather than part of the title (（试行） and
# （2017年本） are part of the title).
_NAME_REVISION = re.compile(r"[（(][^（()）]*(?:修正|修订|修改|施行|通过|公布)[^（()）]*[)）]$")

Outcome = Literal["found", "article_missing", "law_not_in_corpus", "no_article"]
OUTCOMES: tuple[Outcome, ...] = ("found", "article_missing", "law_not_in_corpus", "no_article")


@dataclass(frozen=True)
class Citation:
    """One cited (law, article, 款, 项); article None when the cell names the law without an article."""

    level_tag: str | None
    law_name: str
    revision_note: str | None
    article: ArticleNo | None
    paragraph: int | None
    item: int | None
    quoted_text: str | None
    span: tuple[int, int]
    raw: str
    # 第五章、第六章 is how 行政处罚 责任事项依据 cite the procedure chapters: located, but not an article.
    chapter: int | None = None
    # Where the law's name stands in the cell, so a reviewer can be shown both halves of the citation.
    law_span: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class ParseResult:
    citations: list[Citation]
    problems: list[str]


@dataclass
class _Law:
    tag: str | None
    name: str
    note: str | None
    span: tuple[int, int]
    cited: bool = False


@dataclass
class _Spec:
    """One article reference as written: an article or a range of them, with its 款/项."""

    start: int
    end: int
    articles: list[ArticleNo]
    subs: list[tuple[int | None, int | None]] = field(default_factory=list)


def normalize_law_name(text: str) -> str:
    """The name as looked up: NFKC, no whitespace, no 《》, no revision parentheses.

    Accepts a bare name or a whole 《name》（revision note）: what follows the last 》 is the note.
    """
    opening = text.find("《")
    closing = text.rfind("》")
    if opening != -1 and closing > opening:
        text = text[opening + 1 : closing]
    return _split_name(text)[0]


def _split_name(text: str) -> tuple[str, str | None]:
    """The normalised name, and revision parentheses written inside the 《》 (moved to the note)."""
    name = unicodedata.normalize("NFKC", text)
    name = re.sub(r"[\s《》]+", "", name)
    # Inner titles are written 〈〉, <> or ＜＞ (NFKC folds the last to <>); one spelling lets them compare.
    name = name.replace("<", "〈").replace(">", "〉")
    # NFKC turns full-width parentheses into ASCII ones; the corpus writes titles with full-width ones.
    name = name.replace("(", "（").replace(")", "）")
    moved = ""
    while True:
        match = _NAME_REVISION.search(name)
        if match is None or match.start() == 0:
            return name, (moved or None)
        name, moved = name[: match.start()], match.group(0) + moved


def parse_cell(text: str) -> ParseResult:
    """Every citation in one cell, and precise notes on what could not be read. Never raises."""
    parser = _Parser(text)
    parser.run()
    return ParseResult(parser.citations, parser.problems)


def _brief(written: str) -> str:
    """Cell text quoted in a problem: whitespace removed (cells hard-wrap) and at most 24 characters."""
    bare = re.sub(r"\s+", "", written)
    return bare if len(bare) <= 24 else bare[:23] + "…"


def _chinese(number: int) -> str:
    # numerals.to_chinese stops at 9,999 (IndexError beyond); a cell may well say 第12345款.
    return to_chinese(number) if 0 <= number < 10_000 else str(number)


def _article_label(article: ArticleNo) -> str:
    if article.number < 10_000 and article.sub < 10_000:
        return format_article(article)
    return f"第{_chinese(article.number)}条" + (f"之{_chinese(article.sub)}" if article.sub else "")


def _number(written: str) -> int:
    """parse_number, refusing numerals no article, 款 or 项 has.

    parse_number recurses once per 万, so a cell of a few thousand 万 would raise RecursionError.
    """
    bare = re.sub(r"\s+", "", written)
    if len(bare) > _MAX_NUMERAL:
        raise ValueError(f"{_brief(bare)} is too long for an article number")
    return parse_number(bare)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.citations: list[Citation] = []
        self.problems: list[str] = []
        self.tag: str | None = None

    # ----- top level: tags, law names, and text that belongs to no citation -----

    def run(self) -> None:
        pos = 0
        while pos < self.n:
            start = pos
            pos = self._skip_noise(pos)
            if pos >= self.n:
                break
            tag = _TAG.match(self.text, pos)
            if tag:
                self.tag = re.sub(r"\s+", "", unicodedata.normalize("NFKC", tag.group(1))) or None
                pos = self._after_tag(tag.end())
            elif self.text[pos] == "《" and self._is_citation_open(pos):
                pos = self._law_in_brackets(pos)
            else:
                pos = self._next_anchor(pos + 1)
            if pos <= start:  # every branch consumes text; this guards the loop against a future slip
                pos = start + 1

    def _skip_noise(self, pos: int) -> int:
        while True:
            before = pos
            while pos < self.n and (self.text[pos].isspace() or self.text[pos] in "、，,；;。."):
                pos += 1
            for pattern in (_NUMBERING, _PREFIX):
                match = pattern.match(self.text, pos)
                if match and match.end() > pos:
                    pos = match.end()
            same = _SAME_AS_ABOVE.match(self.text, pos)
            if same:
                self.problems.append(
                    f"同上 at offset {pos} refers to another cell; no citation was taken from it"
                )
                pos = same.end()
            if pos == before:
                return pos

    def _next_anchor(self, pos: int) -> int:
        """The next tag or citation-opening 《 at or after pos; text in between names no law."""
        for match in _ANCHOR.finditer(self.text, pos):
            at = match.start()
            if _TAG.match(self.text, at) or (self.text[at] == "《" and self._is_citation_open(at)):
                return at
        return self.n

    def _after_tag(self, pos: int) -> int:
        """After 【法律】: a 《name》, an issuer or date before the 《, or a name written without 《》."""
        while pos < self.n and self.text[pos].isspace():
            pos += 1
        if pos >= self.n:
            return pos
        if self.text[pos] == "《":
            return self._law_in_brackets(pos)
        line_end = self._line_end(pos)
        segment = self.text[pos:line_end]
        opening, closing = segment.find("《"), segment.find("》")
        if opening != -1 and (closing == -1 or opening < closing):
            # 新疆维吾尔自治区人民政府办公厅《关于…的通知》: the issuer is not part of the title.
            return self._law_in_brackets(pos + opening)
        if closing != -1:
            start = pos + 1 if segment[0] in _OPEN_PAREN else pos
            self.problems.append(f"》 at offset {pos + closing} has no opening 《")
            return self._law(start, pos + closing, pos + closing + 1, (pos, pos + closing + 1))
        # A name written without brackets ends where the revision note, the article or a colon starts.
        stop = _BARE_NAME_END.search(segment)
        end = pos + (stop.start() if stop else len(segment))
        while end > pos and self.text[end - 1].isspace():
            end -= 1
        name = self.text[pos:end]
        if not re.search(r"[\u4e00-\u9fff]", name) or len(name) > _MAX_NAME:
            return self._next_anchor(pos)
        return self._law(pos, end, end, (pos, end))

    # ----- one law: 《name》（revision note） then its articles -----

    def _is_citation_open(self, pos: int) -> bool:
        """Whether a 《 outside a tag starts a citation rather than naming a form or a certificate."""
        close = self._closing_bracket(pos)
        if close is None:
            return False
        after = close + 1
        while after < self.n and self.text[after] in " \t\u3000》":
            after += 1
        if after >= self.n or self.text[after] in "\r\n（(【《":
            return True
        if any(pattern.match(self.text, after) for pattern in (_ARTICLE, _SHORT_RANGE, _CHAPTER)):
            return True
        rest = self.text[after + 1 : after + 12].lstrip()
        if self.text[after] in "、，,和及与" and rest.startswith("《"):
            return True
        return self.text[after] in "：:" and rest[:1] in ("第", "“")

    def _closing_bracket(self, pos: int) -> int | None:
        """The 》 closing the 《 at pos, or None when another bracket or a tag comes first."""
        limit = min(self.n, pos + 1 + _MAX_NAME + 1)
        for at in range(pos + 1, limit):
            char = self.text[at]
            if char == "》":
                return at
            if char in "《【" or (char == "\n" and self.text[at + 1 : at + 2] == "\n"):
                return None
        return None

    def _law_in_brackets(self, pos: int) -> int:
        close = self._closing_bracket(pos)
        if close is None:
            self.problems.append(f"《…》 has no closing 》 at offset {pos}")
            stop = _UNCLOSED_NAME_END.search(self.text, pos + 1)
            end = stop.start() if stop else self.n
            return self._law(pos + 1, end, end, (pos, end))
        after = close + 1
        name_end = close
        if self.text[after : after + 1] == "》":
            self.problems.append(f"stray 》 at offset {after} after 《…》 at offset {pos}")
            after += 1
        else:
            # 《报废机动车回收管理办法》实施细则》: one title whose inner 》 was typed by mistake.
            tail = _SECOND_CLOSE.match(self.text, after)
            if tail:
                self.problems.append(
                    f"《…》 at offset {pos} is followed by a second 》 at offset {tail.end() - 1};"
                    " read as one name"
                )
                name_end, after = tail.end() - 1, tail.end()
        name = self.text[pos + 1 : name_end].replace("》", "")
        twice = "《" + self.text[pos + 1 : close] + "》"
        if self.text.startswith(twice, after):
            self.problems.append(f"《…》 at offset {pos} is written twice; read once")
            after += len(twice)
        return self._law_named(name, after, (pos, after))

    def _law(self, start: int, end: int, after: int, span: tuple[int, int]) -> int:
        return self._law_named(self.text[start:end], after, span)

    def _law_named(self, raw_name: str, after: int, span: tuple[int, int]) -> int:
        name, moved = _split_name(raw_name)
        if not name:
            self.problems.append(f"empty law name at offset {span[0]}")
            return max(after, span[0] + 1)
        after, note = self._revision_note(after)
        if moved:
            note = moved if note is None else f"{moved}{note}"
        law = _Law(self.tag, name, note, span)
        end = self._articles(law, after)
        if not law.cited:
            self._emit(law, None, None, None, span, None)
        return end

    def _revision_note(self, pos: int) -> tuple[int, str | None]:
        """Consecutive parentheses right after the name: （2003年8月27日…通过 2019年4月23日…修正）."""
        notes: list[str] = []
        while True:
            at = pos
            while at < self.n and self.text[at] in " \t\u3000":
                at += 1
            next_line = False
            if at < self.n and self.text[at] in "\r\n":
                # Hard-wrapped cells put the note on the next line; an item list （一） must not pass.
                while at < self.n and self.text[at].isspace():
                    at += 1
                next_line = True
            if at >= self.n or self.text[at] not in _OPEN_PAREN:
                break
            close = self._closing_paren(at)
            if close is None:
                if next_line:
                    break
                line_end = self._line_end(at)
                self.problems.append(f"revision note （ at offset {at} has no closing ）")
                notes.append(re.sub(r"\s+", "", self.text[at:line_end]))
                pos = line_end
                break
            body = self.text[at : close + 1]
            if next_line and not _NOTE_WORDS.search(body):
                break
            # Whitespace in a note is layout (hard wraps, padding around full-width commas), not content.
            notes.append(re.sub(r"\s+", "", body))
            pos = close + 1
        return pos, ("".join(notes) or None)

    def _closing_paren(self, pos: int) -> int | None:
        depth = 0
        for at in range(pos, min(self.n, pos + _MAX_NOTE)):
            char = self.text[at]
            if char in _OPEN_PAREN:
                depth += 1
            elif char in _CLOSE_PAREN:
                depth -= 1
                if depth == 0:
                    return at
            elif char == "【" and _TAG.match(self.text, at):
                return None
        return None

    def _articles(self, law: _Law, pos: int) -> int:
        """The law's article references and their quoted text, up to the next tag or citation."""
        law_line_end = self._line_end(pos)
        while True:
            at = pos
            while at < self.n and (self.text[at].isspace() or self.text[at] in "、，,；;。."):
                at += 1
            numbering = _NUMBERING.match(self.text, at)
            if (
                numbering
                and numbering.end() > at
                and self.text[numbering.end() : numbering.end() + 1] in "第《【"
            ):
                at = numbering.end()
            if at >= self.n:
                return self.n
            if _TAG.match(self.text, at) or (self.text[at] == "《" and self._is_citation_open(at)):
                return at
            group = self._article_group(at)
            if group is not None:
                specs, end = group
                quote, pos = self._quote_after(end)
                for spec in specs:
                    span = (spec.start, spec.end)
                    subs = spec.subs or [(None, None)]
                    for article in spec.articles:
                        for paragraph, item in subs:
                            self._emit(law, article, paragraph, item, span, quote)
                continue
            chapters = self._chapters(at)
            if chapters is not None:
                numbers, end = chapters
                if _ARTICLE.match(self.text, end):
                    pos = end  # 第三章第十条: articles are numbered through the whole law
                    continue
                quote, pos = self._quote_after(end)
                for number in numbers:
                    self._emit(law, None, None, None, (at, end), quote, chapter=number)
                continue
            item_only = self._item_only(at)
            if item_only is not None:
                items, end = item_only
                quote, pos = self._quote_after(end)
                for item in items:
                    self._emit(law, None, None, item, (at, end), quote)
                continue
            loose = _LOOSE_ARTICLE.match(self.text, at)
            if loose:
                self.problems.append(
                    f"{_brief(loose.group(0))} at offset {at} is not an article number"
                    f" ({_brief(loose.group(1))} is not a numeral)"
                )
                pos = self._quote_end(loose.end())
                continue
            if at < law_line_end:
                # Text between the name and the first article on the same line: an unbracketed date
                # (…》2017年9月14日修改 第二十三条) or a chapter (…）文第三章第十条：). Stop at a colon or
                # a quote, after which the words are the law's, and at a 《, which starts another title.
                stop = _PRE_ARTICLE_STOP.search(self.text, at, law_line_end)
                stop_at = stop.start() if stop else law_line_end
                first_article = _ARTICLE.search(self.text, at, stop_at)
                if first_article:
                    pos = first_article.start()
                    continue
                if stop and self.text[stop_at] == "《" and self._is_citation_open(stop_at):
                    return stop_at
            pos = self._quote_end(at)
            if pos <= at:
                pos = at + 1

    def _emit(
        self,
        law: _Law,
        article: ArticleNo | None,
        paragraph: int | None,
        item: int | None,
        span: tuple[int, int],
        quote: str | None,
        chapter: int | None = None,
    ) -> None:
        law.cited = True
        self.citations.append(
            Citation(
                level_tag=law.tag,
                law_name=law.name,
                revision_note=law.note,
                article=article,
                paragraph=paragraph,
                item=item,
                quoted_text=quote,
                span=span,
                raw=self.text[span[0] : span[1]],
                law_span=law.span,
                chapter=chapter,
            )
        )

    # ----- article references: 第十条至第十二条、第十五条第二款第（三）项 -----

    def _article_group(self, pos: int) -> tuple[list[_Spec], int] | None:
        spec = self._article_spec(pos)
        if spec is None:
            return None
        specs = [spec]
        end = spec.end
        while True:
            separator = _SEPARATOR.match(self.text, end)
            if not separator:
                break
            following = self._article_spec(separator.end()) or self._sloppy_list_article(separator.end())
            if following is None:
                break
            specs.append(following)
            end = following.end
        return specs, end

    def _sloppy_list_article(self, pos: int) -> _Spec | None:
        """A list member missing its 第 or its 条; taken (with a problem) only where nothing else fits."""
        match = _LIST_ARTICLE.match(self.text, pos)
        if match is None or (match.group(1) is None) == (match.group(3) is None):
            return None
        if match.group(3) is None:
            # 第三十八 must end the member: 第三十八款 or 第三十八次 is something else.
            follower = self.text[match.end() : match.end() + 1]
            if follower and follower not in "、，,。；;\r\n":
                return None
            missing = "条"
        else:
            missing = "第"
        try:
            article = ArticleNo(_number(match.group(2)))
        except ValueError:
            return None
        self.problems.append(
            f"{_brief(match.group(0))} at offset {pos} lacks {missing}; read as {_article_label(article)}"
        )
        return _Spec(pos, match.end(), [article])

    def _article_number(self, match: re.Match[str]) -> ArticleNo | None:
        try:
            sub = _number(match.group(2)) if match.group(2) else 0
            return ArticleNo(_number(match.group(1)), sub)
        except ValueError as error:
            self.problems.append(f"{_brief(match.group(0))} at offset {match.start()}: {error}")
            return None

    def _article_spec(self, pos: int) -> _Spec | None:
        short = _SHORT_RANGE.match(self.text, pos)
        if short:
            try:
                ends = ArticleNo(_number(short.group(1))), ArticleNo(_number(short.group(2)))
            except ValueError as error:
                self.problems.append(f"{_brief(short.group(0))} at offset {pos}: {error}")
                return _Spec(pos, short.end(), [])
            return _Spec(pos, short.end(), self._expand_articles(*ends, pos, short.end()))
        first = _ARTICLE.match(self.text, pos)
        if first is None:
            return None
        low = self._article_number(first)
        end = first.end()
        dash = _RANGE_WORD.match(self.text, end)
        second = _ARTICLE.match(self.text, dash.end()) if dash else None
        if second is not None:
            high = self._article_number(second)
            if low is None or high is None:
                return _Spec(pos, second.end(), [])
            return _Spec(pos, second.end(), self._expand_articles(low, high, pos, second.end()))
        subs, end = self._subdivisions(end)
        return _Spec(pos, end, [low] if low is not None else [], subs)

    def _expand_articles(self, low: ArticleNo, high: ArticleNo, start: int, end: int) -> list[ArticleNo]:
        written = _brief(self.text[start:end])
        if high < low:
            self.problems.append(
                f"range {written} at offset {start} runs backwards; only its ends were taken"
            )
            return [low, high]
        if high.number - low.number + 1 > MAX_RANGE:
            self.problems.append(
                f"range {written} at offset {start} spans more than {MAX_RANGE} articles;"
                " only its ends were taken"
            )
            return [low, high]
        # 第十条之一至第十二条: the 之 articles between the ends are unknown here, the whole ones are not.
        middle = [ArticleNo(number) for number in range(low.number + 1, high.number)]
        return [low, *middle, *([high] if high != low else [])]

    def _subdivisions(self, pos: int) -> tuple[list[tuple[int | None, int | None]], int]:
        """款 and 项 after an article: 第一款、第四款 / 第一、二、三、五项 / 第一款第（二）项至第（四）项."""
        subs: list[tuple[int | None, int | None]] = []
        end = pos
        paragraph: int | None = None
        while True:
            paragraphs = self._unit_list(end, "款")
            if paragraphs is not None:
                numbers, end = paragraphs
                subs.extend((number, None) for number in numbers[:-1])
                paragraph = numbers[-1]
            items = self._unit_list(end, "项")
            if items is not None:
                numbers, end = items
                subs.extend((paragraph, number) for number in numbers)
            elif paragraphs is not None:
                subs.append((paragraph, None))
            if paragraphs is None and items is None:
                break
            # 第二条第二项第三目: 目 is finer than the checks go; keep it in the span, not in the tuple.
            target = _TARGET.match(self.text, end)
            if target:
                end = target.end()
            separator = _SEPARATOR.match(self.text, end)
            if not separator or (
                self._unit_list(separator.end(), "款") is None
                and self._unit_list(separator.end(), "项") is None
            ):
                break
            end = separator.end()
        return subs, end

    def _unit_list(self, pos: int, unit: str) -> tuple[list[int], int] | None:
        """第A款, A款, 第（A）项, 第A、B、C项, 第A项至第C项: the numbers, expanded, and where they end."""
        atom = _UNIT_ATOM[unit]
        match = atom.match(self.text, pos)
        if match is None:
            return None
        numbers = self._numbers(match.group(1), match.start(1))
        end = match.end()
        dash = _RANGE_WORD.match(self.text, end)
        if dash:
            upper = atom.match(self.text, dash.end())
            if upper:
                high = self._numbers(upper.group(1), upper.start(1))
                if numbers and high:
                    low, top = numbers[-1], high[0]
                    written = _brief(self.text[pos : upper.end()])
                    if top < low or top - low + 1 > MAX_RANGE:
                        self.problems.append(
                            f"range {written} at offset {pos} is backwards or spans more than"
                            f" {MAX_RANGE} {unit}; only its ends were taken"
                        )
                        numbers = [*numbers, *high]
                    else:
                        numbers = [*numbers[:-1], *range(low, top + 1), *high[1:]]
                end = upper.end()
        return (numbers, end) if numbers else None

    def _numbers(self, written: str, offset: int) -> list[int]:
        numbers: list[int] = []
        for piece in re.split(r"[、，,]", written):
            bare = re.sub(r"[\s（()）]", "", piece)
            try:
                numbers.append(_number(bare))
            except ValueError as error:
                self.problems.append(f"{_brief(piece)} near offset {offset}: {error}")
        return numbers

    def _item_only(self, pos: int) -> tuple[list[int], int] | None:
        """(附件)第87项 of a 国务院决定, which numbers its items without articles."""
        if self.text.startswith("附件", pos):
            pos += 2
        return self._unit_list(pos, "项") if self.text.startswith("第", pos) else None

    def _chapters(self, pos: int) -> tuple[list[int], int] | None:
        """第五章、第六章、第七章, as written in a law's article position."""
        numbers: list[int] = []
        end = pos
        match = _CHAPTER.match(self.text, pos)
        while match is not None:
            try:
                numbers.append(_number(match.group(1)))
            except ValueError as error:
                self.problems.append(f"{_brief(match.group(0))} at offset {match.start()}: {error}")
            end = match.end()
            separator = _SEPARATOR.match(self.text, end)
            match = _CHAPTER.match(self.text, separator.end()) if separator else None
        return (numbers, end) if end > pos else None

    # ----- quoted article text: skipped, never searched for citations -----

    def _quote_after(self, pos: int) -> tuple[str | None, int]:
        """The words after an article reference, and where parsing resumes."""
        at = pos
        while at < self.n and self.text[at] in " \t\u3000":
            at += 1
        if at >= self.n or self.text[at] in "\r\n":
            return None, at
        if _TAG.match(self.text, at) or (self.text[at] == "《" and self._is_citation_open(at)):
            return None, at
        end = self._quote_end(at)
        quote = self.text[at:end].strip().lstrip("：:").strip()
        if quote.startswith("“") and quote.endswith("”"):
            quote = quote[1:-1].strip()
        # "第五十九条。" ends with a full stop, not with a quotation.
        return (quote if quote.strip(_PUNCTUATION) else None), max(end, at + 1)

    def _quote_end(self, pos: int) -> int:
        """Where quoted text starting at pos ends: its closing ” if it opens with “, else the next line
        that starts a citation, the next tag, or a mid-line 。第十条：."""
        boundary = self._boundary(pos)
        at = pos
        while at < self.n and (self.text[at] in " \t\u3000" or self.text[at] in "：:"):
            at += 1
        if at < boundary and self.text[at] == "“":
            depth = 0
            for index in range(at, boundary):
                if self.text[index] == "“":
                    depth += 1
                elif self.text[index] == "”":
                    depth -= 1
                    if depth == 0:
                        return index + 1
        return boundary

    def _boundary(self, pos: int) -> int:
        for match in _BREAK.finditer(self.text, pos):
            at = match.start()
            char = self.text[at]
            if char == "【":
                if _TAG.match(self.text, at):
                    return at
            elif char == "\n":
                start = at + 1
                while start < self.n and self.text[start] in " \t\r\u3000":
                    start += 1
                numbering = _NUMBERING.match(self.text, start)
                if numbering and numbering.end() < self.n and self.text[numbering.end()] in "《【第":
                    start = numbering.end()
                if start < self.n and (
                    _TAG.match(self.text, start)
                    or _LOOSE_ARTICLE.match(self.text, start)
                    or _SHORT_RANGE.match(self.text, start)
                    or (self.text[start] == "《" and self._is_citation_open(start))
                ):
                    return start
            else:
                start = at + 1
                while start < self.n and self.text[start] in " \t\u3000":
                    start += 1
                group = self._peek_group(start)
                if group is not None and _COLON_AHEAD.match(self.text, group):
                    return start
        return self.n

    def _peek_group(self, pos: int) -> int | None:
        """Where an article reference at pos would end, without recording any problem it has."""
        problems = len(self.problems)
        group = self._article_group(pos)
        del self.problems[problems:]
        return None if group is None else group[1]

    def _line_end(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return self.n if end == -1 else end


# ----- resolution against the law corpus -----


# Generic in the ref type, not plain object: a lookup whose has_article takes its own ref class
# (LawIndex takes a LawRef) could not satisfy a protocol that promises to accept any object.
RefT = TypeVar("RefT")


class LawLookup(Protocol[RefT]):
    """What resolve() needs from the corpus; liuquan.laws.queries.LawIndex is one.

    law() returns an opaque ref (None when the name is not in the corpus) that the other two accept.
    """

    def law(self, name: str, /) -> RefT | None: ...

    def has_article(self, law_ref: RefT, article: ArticleNo, /) -> bool: ...

    def article_text(self, law_ref: RefT, article: ArticleNo, /) -> str | None: ...


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    law_ref: object | None
    message: str


_PRC = "中华人民共和国"


def resolve(citation: Citation, lookup: LawLookup[RefT]) -> Resolution:
    """found, article_missing (an error), law_not_in_corpus (a warning) or no_article."""
    name = normalize_law_name(citation.law_name)
    law_ref = lookup.law(name)
    if law_ref is None and name.startswith(_PRC) and len(name) > len(_PRC):
        # The corpus files its laws without the prefix (行政许可法); lists usually write it.
        law_ref = lookup.law(name[len(_PRC) :])
    where = _describe(citation)
    if law_ref is None:
        return Resolution(
            "law_not_in_corpus",
            None,
            f"《{name}》 is not in the corpus (local regulations and most departmental rules are not),"
            f" so {where} could not be checked",
        )
    if citation.article is None:
        what = "a chapter, not an article" if citation.chapter is not None else "no article"
        return Resolution("no_article", law_ref, f"{where} is in the corpus; the citation names {what}")
    if lookup.has_article(law_ref, citation.article):
        return Resolution("found", law_ref, f"{where} is in the corpus")
    return Resolution(
        "article_missing",
        law_ref,
        f"《{name}》 is in the corpus but its current version has no {_article_label(citation.article)}",
    )


def _describe(citation: Citation) -> str:
    text = f"《{citation.law_name}》"
    if citation.chapter is not None:
        text += f"第{_chinese(citation.chapter)}章"
    if citation.article is not None:
        text += _article_label(citation.article)
    if citation.paragraph is not None:
        text += f"第{_chinese(citation.paragraph)}款"
    if citation.item is not None:
        text += f"第{_chinese(citation.item)}项"
    return text


def summarize(results: Iterable[Resolution]) -> dict[str, int]:
    """How many resolutions had each outcome; every outcome is a key, zero when absent."""
    counts = Counter(result.outcome for result in results)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}
