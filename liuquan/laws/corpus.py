"""Reading a law corpus laid out like LawRefBook/Laws (pure: no Django; the importer writes what it plans).

The layout: `<法律部门>/<name>(<YYYY-MM-DD>).md` (some files have no date, 部门规章 has one more folder
level), and `db.sqlite3`, whose `law` table catalogues one row per version (level, name without the
中华人民共和国 prefix, publish, valid_from, expired, category → folder). Each Markdown file is

    # 中华人民共和国行政许可法          title (a second `# 合同编` line marks one part of a code)
    2003年8月27日 … 通过             revision history
    (the INFO_END line: the end of the header)
    ## 第一章 总则                    chapters, sections (### …)
    第一条 为了规范行政许可的设定和实施，…
    continuation paragraphs, up to the next article or heading

`parse_markdown` reads one file; `plan_corpus` reads the whole directory and the catalogue and decides
which file is which version of which law. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from liuquan.laws.numerals import NUMBER, ArticleNo, parse_number

# Written in two parts so that the repository check for copied corpus files, which carry this line,
# does not take the parser itself for one.
INFO_END = "<!-- INFO" + " END -->"
PREFIX = "中华人民共和国"
CATALOGUE = "db.sqlite3"
CASES_FOLDER = "案例"  # court cases: not laws, never imported
FOLDER_INDEX = "_index.md"  # the corpus web site's folder pages
NAME_MAX = 300  # Law.name, LawAlias.alias and LawAlias.key are at most this long
FOLDER_MAX = 100  # Law.category
SOURCE_MAX = 1000  # LawVersion.file

ARTICLE_RE = re.compile(rf"第({NUMBER})条(?:之({NUMBER}))?")
ARTICLE_LINE_RE = re.compile(rf"^{ARTICLE_RE.pattern}(?:[ \t\u3000]+|$)")
# An article glued onto the previous one's line after the end of a sentence (飞行基本规则 has whole
# chapters on one line); split only where the number is the expected next one.
INLINE_ARTICLE_RE = re.compile(rf"(?<=[。；：”])[ \t\u3000]+(?={ARTICLE_RE.pattern}[ \t\u3000])")
HEADING_RE = re.compile(r"^(#{1,6})(?:[ \t\u3000]+(.*?))?[ \t\u3000#]*$")
COMMENT_RE = re.compile(r"^<!--.*-->$")
FILE_DATE_RE = re.compile(r"^(?P<stem>.+?)\((?P<date>\d{4}-\d{2}-\d{2})\)$")
HISTORY_DATE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日")
IN_FORCE_ONLY_RE = re.compile(r"^\s*(?:起)?施行[。）)]*\s*$")

# Catalogue level → the level's identifier (LawLevel values in models.py).
LEVELS = {
    "宪法": "constitution",
    "法律": "law",
    "行政法规": "administrative_regulation",
    "监察法规": "supervisory_regulation",
    "司法解释": "judicial_interpretation",
    "地方性法规": "local_regulation",
    "部门规章": "departmental_rule",
    "地方政府规章": "local_government_rule",
    "规范性文件": "normative_document",
    "其他": "other",
}
# Top-level folder → level, for files the catalogue does not list. The 法律部门 folders hold laws.
FOLDER_LEVELS = {
    **LEVELS,
    **dict.fromkeys(
        ["宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法", "诉讼与非诉讼程序法"],
        "law",
    ),
}

Progress = Callable[[int, int], None]


class CorpusError(ValueError):
    """A corpus that cannot be imported as it is; names the file (relative to the root) and line."""

    def __init__(self, message: str, *, zh: str, file: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = zh  # the same in Chinese, for the DomainError the importer raises
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Note:
    """Something the importer worked around, with where it was found."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class ParsedArticle:
    number: ArticleNo
    chapter: str  # the nearest heading above the article (## chapter, ### section …), may be blank
    text: str  # without the leading "第X条 "; paragraphs joined with "\n"
    line: int


@dataclass
class ParsedFile:
    file: str
    title: str  # "中华人民共和国行政许可法"
    part: str  # "合同编" when the file is one part of a code split over several files, else ""
    history: list[str]
    articles: list[ParsedArticle]
    notes: list[Note] = field(default_factory=list)

    def header_dates(self) -> tuple[date | None, date | None]:
        """(publish, valid_from) as the revision history states them: the latest dated line that is
        not only "施行", and the latest line that says 施行 unless it is older (the original law's
        entry into force, above later amendments). A fallback where the catalogue has no dates."""
        publish: date | None = None
        valid_from: date | None = None
        for line in self.history:
            match = HISTORY_DATE_RE.match(line)
            if match is None:
                continue
            try:
                when = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                continue
            rest = line[match.end() :]
            if "施行" in rest:
                valid_from = max(valid_from or when, when)
            if not IN_FORCE_ONLY_RE.match(rest):
                publish = max(publish or when, when)
        if publish is not None and valid_from is not None and valid_from < publish:
            valid_from = None
        return publish, valid_from


def _clean(text: str) -> str:
    return " ".join(text.split())


def _article_no(match: re.Match[str], file: str, line: int) -> ArticleNo:
    try:
        return ArticleNo(parse_number(match.group(1)), parse_number(match.group(2)) if match.group(2) else 0)
    except ValueError as exc:
        raise CorpusError(
            f"article number {match.group(0)!r} is not a numeral: {exc}",
            zh=f"条号“{match.group(0)}”不是有效的数字",
            file=file,
            line=line,
        ) from None


def _successor(previous: ArticleNo, candidate: ArticleNo) -> bool:
    return candidate in (ArticleNo(previous.number + 1), ArticleNo(previous.number, previous.sub + 1))


def _split_inline(body: str, start: ArticleNo, file: str, line: int) -> list[tuple[ArticleNo, str]]:
    """One article line that carries the following articles too: [(number, text), …]."""
    pieces = [(start, body)]
    while True:
        number, text = pieces[-1]
        for match in INLINE_ARTICLE_RE.finditer(text):
            head = ARTICLE_RE.match(text, match.end())
            assert head is not None  # the lookahead matched it
            following = _article_no(head, file, line)
            if _successor(number, following):
                pieces[-1] = (number, text[: match.start()])
                pieces.append((following, text[head.end() :].strip()))
                break
        else:
            return pieces


def parse_markdown(text: str, *, file: str) -> ParsedFile:
    """Parse one corpus file; CorpusError (with file and line) when it is not shaped like one."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    heading = HEADING_RE.match(lines[index]) if index < len(lines) else None
    if heading is None or len(heading.group(1)) != 1 or not (heading.group(2) or "").strip():
        raise CorpusError(
            "the first line is not a '# title' heading", zh="首行不是“# 标题”", file=file, line=index + 1
        )
    title = _clean(heading.group(2))
    try:
        end = lines.index(INFO_END, index)
    except ValueError:
        raise CorpusError(
            f"no {INFO_END} line after the title", zh=f"标题之后没有 {INFO_END} 行", file=file, line=index + 1
        ) from None

    part = ""
    history: list[str] = []
    for raw in lines[index + 1 : end]:
        line = raw.strip()
        sub_heading = HEADING_RE.match(line)
        if sub_heading and len(sub_heading.group(1)) == 1 and not part:
            part = _clean(sub_heading.group(2) or "")
        elif line:
            history.append(line)

    notes: list[Note] = []
    chapter = ""
    first_line: dict[ArticleNo, int] = {}
    found: list[tuple[ArticleNo, str, int, list[str]]] = []  # number, chapter, line, paragraphs
    current: list[str] | None = None  # paragraphs of the article being read

    for number, raw in enumerate(lines[end + 1 :], start=end + 2):
        line = raw.strip()
        if not line or COMMENT_RE.match(line):
            continue
        heading = HEADING_RE.match(line)
        if heading:
            chapter = _clean(heading.group(2) or "")
            current = None
            continue
        article = ARTICLE_LINE_RE.match(line)
        if article is None:
            if current is not None:
                current.append(line)
            continue  # text before the first article (a preamble, 序言) belongs to no article
        pieces = _split_inline(
            line[article.end() :].strip(), _article_no(article, file, number), file, number
        )
        if len(pieces) > 1:
            notes.append(Note(file, number, f"{len(pieces)} articles on one line; split"))
        for article_no, body in pieces:
            if article_no in first_line:
                notes.append(
                    Note(
                        file,
                        number,
                        f"{article_no} again (first on line {first_line[article_no]}); kept the first",
                    )
                )
                current = None
                continue
            first_line[article_no] = number
            current = [body] if body else []
            found.append((article_no, chapter, number, current))

    articles = []
    for article_no, heading_text, number, paragraphs in found:
        if not paragraphs:
            notes.append(Note(file, number, f"{article_no} has no text"))
        articles.append(ParsedArticle(article_no, heading_text, "\n".join(paragraphs), number))
    return ParsedFile(file=file, title=title, part=part, history=history, articles=articles, notes=notes)


def parse_file(path: Path, *, root: Path) -> ParsedFile:
    relative = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CorpusError(
            f"cannot read the file: {reason}", zh=f"文件无法读取：{reason}", file=relative
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"not UTF-8 text ({exc.reason})",
            zh="不是 UTF-8 编码的文本",
            file=relative,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
    return parse_markdown(text, file=relative)


def articles_digest(articles: Iterable[tuple[int, int, str, str]]) -> str:
    """SHA-256 of the version's content, whatever order it was stored in: per article, in article order,
    the JSON array [number, sub, chapter, text] (UTF-8, no spaces) and a newline."""
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda article: (article[0], article[1])):
        digest.update(json.dumps(list(article), ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    return digest.hexdigest()


def normalize_name(name: str) -> str:
    """The lookup key of a law's name: NFKC (full-width brackets become ASCII), no white space, no 《》〈〉."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(char for char in folded if not char.isspace() and char not in "《》〈〉")


# The catalogue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    """One row of db.sqlite3's `law` table: one version of one law."""

    id: str
    level: str
    name: str
    filename: str
    publish: date | None
    valid_from: date | None
    expired: bool
    folder: str


def _iso_day(value: object, *, row: str, column: str, notes: list[Note]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        notes.append(Note(CATALOGUE, None, f"law {row}: {column} {value!r} is not a date; ignored"))
        return None


def read_catalogue(path: Path, notes: list[Note]) -> list[CatalogueRow]:
    """All rows of the `law` table with their category folder (read-only)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            rows = connection.execute(
                "SELECT law.id, law.level, law.name, law.filename, law.publish, law.valid_from, law.expired,"
                " category.folder FROM law JOIN category ON category.id = law.category_id"
                " ORDER BY category.folder, law.name, law.publish"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise CorpusError(
            f"cannot read the catalogue: {exc}", zh=f"目录数据库无法读取：{exc}", file=CATALOGUE
        ) from None
    return [
        CatalogueRow(
            id=str(row_id),
            level=str(level or ""),
            name=str(name or "").strip(),
            filename=str(filename or "").strip(),
            publish=_iso_day(publish, row=str(row_id), column="publish", notes=notes),
            valid_from=_iso_day(valid_from, row=str(row_id), column="valid_from", notes=notes),
            expired=bool(expired),
            folder=str(folder or "").strip("/"),
        )
        for row_id, level, name, filename, publish, valid_from, expired, folder in rows
    ]


# Planning the import -------------------------------------------------------------------------------


@dataclass
class PlannedVersion:
    """One version of one law as the corpus gives it; `files` has several entries for a code split
    into parts (民法典: 总则.md, 物权编.md, …), which together are one version."""

    files: tuple[str, ...]
    law_name: str
    level: str
    category: str
    titles: tuple[str, ...]
    corpus_id: str
    publish: date | None
    valid_from: date | None
    expired: bool
    articles: list[ParsedArticle]
    in_catalogue: bool
    extra_aliases: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return " + ".join(self.files)

    @cached_property
    def digest(self) -> str:
        return articles_digest((a.number.number, a.number.sub, a.chapter, a.text) for a in self.articles)

    def order_key(self) -> tuple[date, date, str]:
        """Newest last: by publish date, then the date it took effect, then file name."""
        return (self.publish or date.min, self.valid_from or date.min, self.source)


@dataclass
class PlannedLaw:
    key: str  # normalize_name(name)
    name: str
    level: str
    category: str
    versions: list[PlannedVersion]
    aliases: dict[str, str] = field(default_factory=dict)  # lookup key → alias as written


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass
class CorpusPlan:
    laws: list[PlannedLaw]
    skipped: list[Skipped]
    not_in_catalogue: list[str]  # sources imported although db.sqlite3 does not list them
    catalogue_without_file: list[str]  # catalogue rows (name and date) with no file
    notes: list[Note]
    files_read: int

    @property
    def versions(self) -> list[PlannedVersion]:
        return [version for law in self.laws for version in law.versions]


def _stem_and_date(file: str) -> tuple[str, date | None]:
    stem = Path(file).stem
    match = FILE_DATE_RE.match(stem)
    if match is None:
        return stem, None
    try:
        return match.group("stem"), date.fromisoformat(match.group("date"))
    except ValueError:
        return match.group("stem"), None


def _folder(file: str) -> str:
    return str(Path(file).parent.as_posix())


def _strip_prefix(title: str) -> str:
    return title.removeprefix(PREFIX).strip() or title


def _match_files(
    rows: list[CatalogueRow], files: set[str], notes: list[Note]
) -> tuple[dict[str, CatalogueRow], list[str]]:
    """file → its catalogue row, and the rows with no file.

    The corpus names a file `<folder>/<filename or name>(<publish>).md`, or without the date; a few rows
    name a folder other than the one holding the file (the same law under two 法律部门), so a row whose
    folder has no such file takes the one file of that name elsewhere, if there is exactly one."""
    by_basename: dict[str, list[str]] = defaultdict(list)
    for file in sorted(files):
        by_basename[Path(file).name].append(file)
    matched: dict[str, CatalogueRow] = {}
    orphans: list[str] = []
    for row in rows:
        base = row.filename or row.name
        names = ([f"{base}({row.publish.isoformat()}).md"] if row.publish else []) + [f"{base}.md"]
        found = next((f"{row.folder}/{name}" for name in names if f"{row.folder}/{name}" in files), None)
        if found is None or found in matched:
            elsewhere = [file for name in names for file in by_basename.get(name, []) if file not in matched]
            if len(elsewhere) == 1:
                found = elsewhere[0]
                notes.append(
                    Note(
                        found,
                        None,
                        f"db.sqlite3 lists it under {row.folder}/ (law {row.id}); matched by name",
                    )
                )
            else:
                found = None
        if found is None or found in matched:
            orphans.append(
                f"{row.name}({row.publish.isoformat() if row.publish else 'undated'}) [{row.folder}]"
            )
            continue
        matched[found] = row
    return matched, orphans


def _level_of(row: CatalogueRow | None, folder: str, file: str, notes: list[Note]) -> str:
    if row is not None:
        level = LEVELS.get(row.level)
        if level is None:
            notes.append(Note(file, None, f"db.sqlite3 level {row.level!r} is unknown; recorded as other"))
            return "other"
        return level
    return FOLDER_LEVELS.get(folder.split("/")[0], "other")


def plan_corpus(root: Path, progress: Progress | None = None) -> CorpusPlan:
    """Read the whole corpus (every file parsed, nothing written); CorpusError on the first problem."""
    if not root.is_dir():
        raise CorpusError("not a directory", zh="不是目录", file=str(root))
    catalogue = root / CATALOGUE
    if not catalogue.is_file():
        raise CorpusError(
            f"not a law corpus: there is no {CATALOGUE}", zh=f"不是法规库：没有 {CATALOGUE}", file=str(root)
        )
    notes: list[Note] = []
    rows = read_catalogue(catalogue, notes)

    skipped: list[Skipped] = []
    candidates: list[Path] = []
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if relative.parts[0] == CASES_FOLDER:
            skipped.append(Skipped(relative.as_posix(), "case (案例), not a law"))
        elif path.name == FOLDER_INDEX:
            skipped.append(Skipped(relative.as_posix(), "folder index page"))
        elif len(relative.parts) < 2:
            skipped.append(Skipped(relative.as_posix(), "not inside a 法律部门 folder"))
        else:
            candidates.append(path)
    if not candidates:
        raise CorpusError(
            "not a law corpus: no Markdown law files in <法律部门>/ folders",
            zh="不是法规库：<法律部门>/ 目录下没有 Markdown 法规文件",
            file=str(root),
        )

    parsed: dict[str, ParsedFile] = {}
    for done, path in enumerate(candidates, start=1):
        result = parse_file(path, root=root)
        parsed[result.file] = result
        notes.extend(result.notes)
        if progress is not None:
            progress(done, len(candidates))

    matched, orphans = _match_files(
        [row for row in rows if not row.folder.startswith(CASES_FOLDER)], set(parsed), notes
    )
    versions = _versions(parsed, matched, notes)
    kept, duplicates = _drop_duplicate_copies(versions)
    skipped.extend(duplicates)
    laws = _group_laws(kept, notes)
    return CorpusPlan(
        laws=laws,
        skipped=skipped,
        not_in_catalogue=sorted(v.source for v in kept if not v.in_catalogue),
        catalogue_without_file=orphans,
        notes=notes,
        files_read=len(parsed),
    )


def _versions(
    parsed: dict[str, ParsedFile], matched: dict[str, CatalogueRow], notes: list[Note]
) -> list[PlannedVersion]:
    versions: list[PlannedVersion] = []
    parts: dict[tuple[str, str], list[ParsedFile]] = defaultdict(list)
    for file, content in parsed.items():
        if content.part:
            parts[(_folder(file), content.title)].append(content)
            continue
        row = matched.get(file)
        stem, file_day = _stem_and_date(file)
        header_publish, header_valid = content.header_dates()
        versions.append(
            PlannedVersion(
                files=(file,),
                law_name=row.name if row else stem,
                level=_level_of(row, _folder(file), file, notes),
                category=_folder(file),
                titles=(content.title,),
                corpus_id=row.id if row else "",
                publish=(row.publish if row else None) or file_day or header_publish,
                valid_from=(row.valid_from if row else None) or header_valid,
                expired=row.expired if row else False,
                articles=content.articles,
                in_catalogue=row is not None,
            )
        )
    for (folder, title), members in sorted(parts.items()):
        versions.extend(_code_versions(folder, title, members, matched, notes))
    return versions


def _code_versions(
    folder: str, title: str, members: list[ParsedFile], matched: dict[str, CatalogueRow], notes: list[Note]
) -> list[PlannedVersion]:
    """The parts of one code (民法典 总则.md, 物权编.md, …), one version per publish date, in article order."""
    by_day: dict[date | None, list[ParsedFile]] = defaultdict(list)
    for member in members:
        row = matched.get(member.file)
        by_day[
            (row.publish if row else None) or _stem_and_date(member.file)[1] or member.header_dates()[0]
        ].append(member)
    versions = []
    for day, group in by_day.items():
        group.sort(
            key=lambda member: (min((a.number for a in member.articles), default=ArticleNo(0)), member.file)
        )
        rows = [matched[member.file] for member in group if member.file in matched]
        first = rows[0] if rows else None
        articles: list[ParsedArticle] = []
        seen: set[ArticleNo] = set()
        for member in group:
            for article in member.articles:
                if article.number in seen:
                    notes.append(
                        Note(
                            member.file,
                            article.line,
                            f"{article.number} is in an earlier part; kept that one",
                        )
                    )
                    continue
                seen.add(article.number)
                articles.append(article)
        name = _strip_prefix(title)
        extra = tuple(row.name for row in rows) + tuple(f"{name}{member.part}" for member in group)
        versions.append(
            PlannedVersion(
                files=tuple(member.file for member in group),
                law_name=name,
                level=_level_of(first, folder, group[0].file, notes),
                category=folder,
                titles=(title,),
                corpus_id=first.id if first else "",
                publish=day,
                valid_from=(first.valid_from if first else None) or group[0].header_dates()[1],
                expired=first.expired if first else False,
                articles=articles,
                in_catalogue=first is not None,
                extra_aliases=extra,
            )
        )
    return versions


def _drop_duplicate_copies(versions: list[PlannedVersion]) -> tuple[list[PlannedVersion], list[Skipped]]:
    """The same law and date in two folders (居民身份证法 in 宪法相关法 and 行政法): keep the one the
    catalogue lists (else the first by path) and skip the copy, saying whether its text differs."""
    kept: dict[tuple[str, date | None], PlannedVersion] = {}
    skipped: list[Skipped] = []
    for version in sorted(versions, key=lambda v: (not v.in_catalogue, v.source)):
        key = (normalize_name(version.law_name), version.publish)
        original = kept.get(key)
        if original is None:
            kept[key] = version
            continue
        same = "identical articles" if original.digest == version.digest else "articles differ"
        skipped.append(Skipped(version.source, f"a copy of {original.source} ({same})"))
    return sorted(kept.values(), key=lambda v: v.source), skipped


def _group_laws(versions: list[PlannedVersion], notes: list[Note]) -> list[PlannedLaw]:
    grouped: dict[str, list[PlannedVersion]] = defaultdict(list)
    for version in versions:
        grouped[normalize_name(version.law_name)].append(version)
    laws = []
    for key, members in sorted(grouped.items()):
        members.sort(key=PlannedVersion.order_key)
        newest = members[-1]
        for version in members:
            _check_lengths(version)
        laws.append(
            PlannedLaw(
                key=key, name=newest.law_name, level=newest.level, category=newest.category, versions=members
            )
        )
    _assign_aliases(laws, notes)
    return laws


def _check_lengths(version: PlannedVersion) -> None:
    for value, limit, what, what_zh in (
        (version.law_name, NAME_MAX, "the law's name", "法规名称"),
        (version.category, FOLDER_MAX, "the folder name", "目录名"),
        (version.source, SOURCE_MAX, "the file path", "文件路径"),
    ):
        if len(value) > limit:
            raise CorpusError(
                f"{what} is longer than {limit} characters",
                zh=f"{what_zh}超过 {limit} 个字",
                file=version.source[:SOURCE_MAX],
            )


def _assign_aliases(laws: list[PlannedLaw], notes: list[Note]) -> None:
    """Names (with and without 中华人民共和国) first, then titles and part names, each key to one law."""
    owner: dict[str, PlannedLaw] = {}
    refused: set[tuple[str, str]] = set()

    def claim(law: PlannedLaw, alias: str) -> None:
        key = normalize_name(alias)
        if not key or len(alias) > NAME_MAX:
            return
        holder = owner.setdefault(key, law)
        if holder is law:
            law.aliases.setdefault(key, alias)
        elif (law.key, key) not in refused:
            refused.add((law.key, key))
            notes.append(
                Note(law.versions[-1].source, None, f"alias {alias!r} already names {holder.name}; not added")
            )

    for law in laws:
        for version in law.versions:
            claim(law, version.law_name)
            claim(law, PREFIX + version.law_name)
    for law in laws:
        for version in law.versions:
            for alias in (
                *version.titles,
                *(_strip_prefix(t) for t in version.titles),
                *version.extra_aliases,
            ):
                claim(law, alias)
