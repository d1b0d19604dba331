"""`liuquan laws import` and `liuquan laws show`, and the read-only admin pages."""

from __future__ import annotations

import io
import json
from unittest import mock

from liuquan.cli import main
from liuquan.core.errors import InvalidInput, NotFound
from liuquan.laws import actions
from liuquan.laws.management.commands.laws import ProgressBar
from liuquan.laws.models import Law
from liuquan.org import actions as org_actions
from tests.laws import corpus_factory as factory


def run(capsys, *args: str) -> tuple[int, str, str]:
    # In-process, the command's final connections.close_all() would close the test's own connection.
    with mock.patch("django.core.management.base.connections.close_all"):
        code = main(["liuquan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_a_summary_and_a_second_run_changes_nothing(world, corpus_root, capsys):
    code, out, _ = run(capsys, "laws", "import", str(corpus_root))
    assert code == 0
    assert "laws: 3 created, 0 updated, 0 unchanged" in out
    assert "articles: 12 created, 0 updated, 0 unchanged" in out
    assert "skipped 1 files: case (案例), not a law" in out
    assert "  skipped 经济法/行政许可法(2019-04-23).md: a copy of 行政法/行政许可法(2019-04-23).md" in out
    assert "1 files not in db.sqlite3 (imported, level from the folder):" in out

    code, out, _ = run(capsys, "laws", "import", str(corpus_root), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["ledger_entries"] == 0
    assert report["versions"] == {"created": 0, "updated": 0, "unchanged": 4, "deleted": 0}
    assert {"file": "行政法/_index.md", "reason": "folder index page"} in report["skipped"]


def test_a_bad_corpus_is_one_line_and_the_invalid_exit_code(world, corpus_root, capsys):
    factory.write(corpus_root, "行政法/坏法.md", "没有标题\n")
    code, _, err = run(capsys, "laws", "import", str(corpus_root))
    assert code == InvalidInput.exit_code
    assert err.count("\n") == 1 and "行政法/坏法.md 第 1 行" in err and "Traceback" not in err
    assert not Law.objects.exists()


def test_show_lists_versions_and_prints_one_article(world, corpus_root, capsys):
    run(capsys, "laws", "import", str(corpus_root))

    code, out, _ = run(capsys, "laws", "show", "《中华人民共和国行政许可法》")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "行政许可法（法律，行政法）"
    assert "2003-08-27" in lines[1] and "已失效" in lines[1]
    assert "2019-04-23" in lines[2] and "现行" in lines[2] and "5 条" in lines[2]

    code, out, _ = run(capsys, "laws", "show", "行政许可法", "--article", "第三十二条")
    assert code == 0
    assert out.splitlines()[0] == "行政许可法 第三十二条（第一节 申请与受理）"
    assert "补正" in out

    code, out, _ = run(capsys, "laws", "show", "行政许可法", "--article", "第三十二条", "--on", "2010-01-01")
    assert out.splitlines()[1] == "行政机关对申请人提出的行政许可申请，应当分别作出处理。"

    code, out, _ = run(capsys, "laws", "show", "民法典", "--article", "第一千零八十七条", "--json")
    assert json.loads(out)["text"] == "离婚时，夫妻的共同财产由双方协议处理。"


def test_show_refuses_unknown_laws_articles_and_numbers(world, corpus_root, capsys):
    run(capsys, "laws", "import", str(corpus_root))
    code, _, err = run(capsys, "laws", "show", "不存在法")
    assert code == NotFound.exit_code and "法规库中没有“不存在法”" in err
    code, _, err = run(capsys, "laws", "show", "行政许可法", "--article", "第九十九条")
    assert code == NotFound.exit_code and "行政许可法现行版本中没有第九十九条" in err
    code, _, err = run(capsys, "laws", "show", "行政许可法", "--article", "九十九")
    assert code == InvalidInput.exit_code


def test_the_progress_bar_draws_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(stream)
        for done in range(1, 41):
            bar("read", done, 40)
    assert pipe.getvalue() == ""
    drawn = terminal.getvalue()
    assert drawn.endswith("reading  [" + "#" * 30 + "] 40/40\n")
    assert drawn.count("\r") == 3  # the first, every 20th, the last


def test_the_admin_shows_the_corpus_read_only(world, corpus_root, client):
    actions.do_import_corpus(actor=world.system, root=corpus_root)
    steward = org_actions.do_create_person(
        actor=world.system,
        username="steward",
        full_name="管理员",
        unit=None,
        password="x" * 12,
        is_superuser=True,
    )
    client.force_login(steward)
    law = Law.objects.get(name="行政许可法")
    for url in (
        "/admin/laws/law/",
        "/admin/laws/lawversion/",
        "/admin/laws/article/",
        "/admin/laws/article/?q=补正",
        f"/admin/laws/law/{law.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/laws/law/add/").status_code == 403
    assert client.post(f"/admin/laws/law/{law.pk}/change/", {"name": "改"}).status_code == 403
