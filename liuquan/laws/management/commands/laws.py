from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand

from liuquan.core.errors import InvalidInput, NotFound
from liuquan.laws import actions, queries
from liuquan.laws.numerals import format_article, parse_article
from liuquan.org import actions as org_actions
from liuquan.org import queries as org_queries
from liuquan.org.models import Person

STAGES = {"read": "reading", "write": "writing"}


def _actor(username: str | None) -> Person:
    """The acting person: --actor NAME, or the system steward (whoever runs the CLI operates the site)."""
    return org_queries.get_person(username) if username else org_actions.system_person()


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not one (logs, pipes, tests)."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or (stage == self.stage and done != total and done % 20):
            return
        self.stage = stage
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{STAGES.get(stage, stage):<8} [{bar}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Law corpus: import a LawRefBook/Laws-style directory; show a law's versions or one article."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import", help="import (or re-import) a corpus directory with db.sqlite3")
        imp.add_argument(
            "directory", type=Path, help="a LawRefBook-style corpus directory (e.g. ../shared/data/laws)"
        )
        imp.add_argument("--actor", help="acting person's user name (default: the system steward)")
        imp.add_argument("--json", action="store_true", help="print JSON instead of text")

        show = sub.add_parser("show", help="a law's versions, or one article's text")
        show.add_argument("name", help="the law's name, e.g. 行政许可法 or 《中华人民共和国行政许可法》")
        show.add_argument("--article", help="an article number, e.g. 第三十二条 or 第十二条之一")
        show.add_argument("--on", type=date.fromisoformat, help="the version in force on YYYY-MM-DD")
        show.add_argument("--json", action="store_true", help="print JSON instead of text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["verb"])(options)

    def _out(self, options: dict[str, Any], data: Any, text: list[str]) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            for line in text:
                self.stdout.write(line)

    def handle_import(self, options: dict[str, Any]) -> None:
        report = actions.do_import_corpus(
            actor=_actor(options["actor"]), root=options["directory"], progress=ProgressBar(sys.stderr)
        )
        self._out(options, report.as_dict(), report.lines())

    def handle_show(self, options: dict[str, Any]) -> None:
        law = queries.get_law(options["name"])
        if options["on"] is not None:
            version = queries.version_at(law, options["on"])
        else:
            version = queries.current_version(law)
        if options["article"]:
            self._show_article(options, law.name, version)
            return
        rows = [
            {
                "publish": row.publish,
                "valid_from": row.valid_from,
                "expired": row.expired,
                "current": row.is_current,
                "articles": queries.article_count(row),
                "file": row.file,
            }
            for row in queries.versions(law)
        ]
        text = [f"{law.name}（{law.get_level_display()}，{law.category}）"]
        for row in rows:
            marks = "现行" if row["current"] else ("已失效" if row["expired"] else "")
            text.append(
                f"  {row['publish'] or '—'}  施行 {row['valid_from'] or '—'}  {row['articles']:>4} 条"
                f"  {marks:<3}  {row['file']}"
            )
        self._out(
            options, {"name": law.name, "level": law.level, "category": law.category, "versions": rows}, text
        )

    def _show_article(self, options: dict[str, Any], name: str, version: Any) -> None:
        try:
            number = parse_article(options["article"])
        except ValueError as exc:
            raise InvalidInput(
                f"条号“{options['article']}”无法识别", message_en=str(exc), field="article"
            ) from None
        article = queries.find_article(version, number) if version is not None else None
        if article is None:
            when = f"{options['on']} 施行的版本" if options["on"] else "现行版本"
            raise NotFound(
                f"{name}{when}中没有{format_article(number)}",
                message_en=f"{name} has no {format_article(number)} in that version",
                field="article",
            )
        data = {
            "law": name,
            "version": version.publish,
            "file": version.file,
            "article": format_article(number),
            "chapter": article.chapter,
            "text": article.text,
        }
        self._out(
            options, data, [f"{name} {format_article(number)}（{article.chapter or '—'}）", article.text]
        )
