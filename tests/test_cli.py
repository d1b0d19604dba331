"""The `liuquan` console script: commands, exit codes, and one-line configuration errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from liuquan.cli import main
from liuquan.core.errors import ConfigurationError, RuleViolation
from liuquan.core.testing import unsealed
from liuquan.ledger.models import Entry
from liuquan.org.models import Oversight, Person


def run(capsys, *args: str) -> tuple[int, str, str]:
    # In-process, the command's final connections.close_all() would close the test's own connection.
    with mock.patch("django.core.management.base.connections.close_all"):
        code = main(["liuquan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_the_commands(db, capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("demo", "org", "token", "migrate", "runserver"):
        assert command in out


def test_assigning_finance_to_the_principal_is_refused_with_one_chinese_line(world, capsys):
    code, _, err = run(
        capsys, "org", "assign-oversight", "--unit", "140700-MZJ", "--leader", "head", "--area", "财务"
    )
    assert code == RuleViolation.exit_code
    assert err.count("\n") == 1 and "五个不直接分管" in err and "Traceback" not in err
    assert not Oversight.objects.exists()

    code, out, _ = run(
        capsys,
        "org",
        "assign-oversight",
        "--unit",
        "140700-MZJ",
        "--leader",
        "head",
        "--area",
        "财务",
        "--exception-reason",
        "副职空缺，报纪委备案",
        "--actor",
        "reform",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["is_exception"] is True
    assert Entry.objects.filter(action="org.assign_oversight", actor__username="reform").count() == 1

    code, out, _ = run(capsys, "org", "exceptions", "--json")
    assert code == 0
    assert [(row["unit"], row["area"], row["reason"]) for row in json.loads(out)] == [
        ("140700-MZJ", "财务", "副职空缺，报纪委备案")
    ]


def test_an_actor_without_rights_is_refused(world, capsys):
    code, _, err = run(
        capsys,
        "org",
        "assign-oversight",
        "--unit",
        "140700-MZJ",
        "--leader",
        "deputy",
        "--area",
        "办公室",
        "--actor",
        "clerk",
    )
    assert code == 4 and "无权" in err


def test_unknown_unit_is_exit_3(world, capsys):
    code, _, err = run(
        capsys, "org", "assign-oversight", "--unit", "NOPE", "--leader", "head", "--area", "财务"
    )
    assert code == 3 and "NOPE" in err


def test_org_units_json(world, capsys):
    code, out, _ = run(capsys, "org", "units", "--json")
    assert code == 0
    rows = {row["code"]: row for row in json.loads(out)}
    assert rows["140700-MZJ"]["head"] == "测试head" and rows["140700-MZJ"]["region"] == "140700"
    code, out, _ = run(capsys, "org", "units", "--region", "140728")
    assert "南石渠村民委员会" in out and "市民政局" not in out


def test_token_create_prints_a_working_bearer_token(world, capsys, client):
    code, out, _ = run(capsys, "token", "create", "--user", "clerk", "--label", "ingest")
    assert code == 0
    raw = out.strip()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and json.loads(response.content)["username"] == "clerk"
    code, out, _ = run(capsys, "token", "list", "--user", "clerk")
    assert "ingest" in out and raw not in out


# Configuration errors: a separate process, forced onto a scratch SQLite directory or a bad URL.


def liuquan(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LIUQUAN_")}
    environment.update({"LIUQUAN_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "liuquan", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_unreachable_postgresql_is_one_line(tmp_path):
    result = liuquan(
        tmp_path, "migrate", LIUQUAN_DATABASE_URL="postgresql://liuquan:secret@127.0.0.1:1/liuquan"
    )
    assert result.returncode == ConfigurationError.exit_code
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("liuquan: cannot connect to PostgreSQL liuquan@127.0.0.1:1/liuquan")
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_a_database_url_of_another_kind_is_one_line(tmp_path):
    result = liuquan(tmp_path, "migrate", LIUQUAN_DATABASE_URL="mysql://root@localhost/liuquan")
    assert result.returncode == ConfigurationError.exit_code
    assert result.stderr.count("\n") == 1 and "postgresql://" in result.stderr


def test_unwritable_var_directory_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = liuquan(tmp_path, "migrate", LIUQUAN_VAR_DIR=str(blocker / "var"))
    assert result.returncode == ConfigurationError.exit_code
    assert result.stderr.count("\n") == 1 and "not writable" in result.stderr, result.stderr


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root ignores directory permissions; covered by the file-parent case"
)
def test_read_only_var_directory_is_one_line(tmp_path):
    var = tmp_path / "ro"
    var.mkdir(mode=0o500)
    result = liuquan(tmp_path, "migrate", LIUQUAN_VAR_DIR=str(var))
    assert result.returncode == ConfigurationError.exit_code and "not writable" in result.stderr


def test_a_fresh_directory_migrates_and_serves_health(tmp_path):
    result = liuquan(tmp_path, "migrate", "-v0")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "liuquan.sqlite3").exists()
    # Nobody else on the machine reads the database, its WAL, the keys or the documents.
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
    for name in ("secret_key", "liuquan.sqlite3", "liuquan.sqlite3-wal", "liuquan.sqlite3-shm"):
        path = tmp_path / "var" / name
        assert not path.exists() or path.stat().st_mode & 0o077 == 0, name
    result = liuquan(
        tmp_path,
        "shell",
        "-v0",
        "-c",
        "from django.db import connection;"
        "connection.ensure_connection();"
        "print(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0])",
    )
    assert result.stdout.strip() == "wal", result.stderr


def test_steward_command_creates_a_journalled_superuser(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(capsys, "steward", "--user", "ops", "--name", "运维", "--password-stdin")
    assert code == 0 and "ops" in out
    person = Person.objects.get(username="ops")
    entry = Entry.objects.get(action="org.create_person", subject_id=str(person.pk))
    assert person.is_superuser and unsealed(entry, person)["steward"] is True
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "steward", "--user", "ops2", "--name", "运维", "--password-stdin")
    assert code == 2
    assert "密码" in err or "password" in err.lower()
    assert not Person.objects.filter(username="ops2").exists()  # nothing half-written


def test_every_option_of_every_liuquan_command_has_help(db):
    import argparse

    from django.core.management import get_commands, load_command_class

    django_own = {"-h", "--version", "-v", "--settings", "--pythonpath", "--traceback", "--no-color"}
    django_own |= {"--force-color", "--skip-checks"}
    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for verb, sub in action.choices.items():
                    walk(sub, f"{name} {verb}")
            elif not action.help and not set(action.option_strings) & django_own:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")

    commands = {name: app for name, app in get_commands().items() if app.startswith("liuquan")}
    assert {"calendar", "cases", "flows", "laws", "ledger", "org", "powers", "supervise"} <= set(commands)
    for name, app in sorted(commands.items()):
        walk(load_command_class(app, name).create_parser("liuquan", name), f"liuquan {name}")
    assert missing == []


def test_version_names_liuquan(capsys):
    code, out, _ = run(capsys, "--version")
    from liuquan import __version__

    assert code == 0 and out.startswith(f"liuquan {__version__} (Django ")


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["nosuchcommand"], 2, "nosuchcommand"),
        (["calendar"], 2, "liuquan calendar: the following arguments are required: verb"),
        (["calendar", "due", "--start", "2026-01-01"], 2, "--days"),
        (["powers", "export", "--unit", "140700-MZJ", "--format", "pdf", "x"], 2, "invalid choice"),
    ],
)
def test_a_command_line_that_does_not_parse_is_refused_in_one_line(db, capsys, args, exit_code, says):
    code, out, err = run(capsys, *args)
    assert code == exit_code and out == ""
    assert err.count("\n") == 1 and says in err and "usage:" not in err, err


def test_an_unwritable_output_path_is_one_line(world, capsys, tmp_path):
    from tests.flows.conftest import publish_list
    from tests.powers.test_lists import item

    publish_list(world, [item("XK001", "社会团体成立登记", "licensing")])
    target = tmp_path / "missing-directory" / "清单.xlsx"
    code, _, err = run(capsys, "powers", "export", "--unit", "140700-MZJ", "--format", "xlsx", str(target))
    assert code == 2 and err.count("\n") == 1 and str(target) in err and "Traceback" not in err
    assert not target.exists()


def test_the_steward_command_with_no_terminal_is_one_line(db, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "steward", "--user", "ops", "--name", "运维")
    assert code == 2 and err.count("\n") == 1 and "--password-stdin" in err
    assert not Person.objects.filter(username="ops").exists()


def test_a_malformed_signing_key_is_one_line_and_exit_78(tmp_path):
    result = liuquan(tmp_path, "migrate", "-v0", LIUQUAN_LEDGER_SIGNER_KEY="not-a-key")
    assert result.returncode == ConfigurationError.exit_code == 78
    assert result.stderr.count("\n") == 1 and "signing key" in result.stderr, result.stderr


def test_a_command_before_migrate_says_to_migrate(tmp_path):
    result = liuquan(tmp_path, "calendar", "show")
    assert result.returncode == ConfigurationError.exit_code
    assert result.stderr.count("\n") == 1 and "liuquan migrate" in result.stderr, result.stderr


def test_an_older_readable_data_directory_is_tightened(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    (var / "liuquan.sqlite3").touch(mode=0o644)
    (var / "liuquan.sqlite3").chmod(0o644)
    var.chmod(0o755)
    result = liuquan(tmp_path, "migrate", "-v0")
    assert result.returncode == 0, result.stderr
    assert var.stat().st_mode & 0o777 == 0o700
    assert (var / "liuquan.sqlite3").stat().st_mode & 0o777 == 0o600
