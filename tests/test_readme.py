"""Every command example of the README, run as printed on the demo city, in the README's order.

An example is a line of a ```sh block that starts with `liuquan`, `liuquan-verify` or `curl` (a trailing `\\`
continues it). It runs without its `[…]` optional parts; `$(liuquan …)` is replaced by that command's
output and `> FILE` writes the output to FILE, as a shell would. The exit status must be 0 unless its comment
says `exit N`; a comment `→ TEXT` is the output's start. The commands run in this process, on the test
database and at the test clock's instant, each from the same scratch directory.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client

from liuquan.cli import main
from liuquan.core.calendar import package_schedule
from liuquan.ledger import offline

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"
PROGRAMS = ("liuquan", "liuquan-verify", "curl")


@dataclass
class Example:
    line: int  # where it starts in the README
    command: str  # as printed, continuation lines joined, comment removed
    comment: str = ""

    @property
    def expected_exit(self) -> int:
        found = re.search(r"\bexit (\d+)\b", self.comment)
        return int(found.group(1)) if found else 0

    @property
    def expected_start(self) -> str | None:
        found = re.search(r"→ (\S+)", self.comment)
        return found.group(1) if found else None


def _split_comment(text: str) -> tuple[str, str]:
    """`command  # comment` → (command, comment); a # inside quotes is not a comment."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1].isspace()):
            return text[:index].rstrip(), text[index + 1 :].strip()
    return text.rstrip(), ""


def examples() -> list[Example]:
    found: list[Example] = []
    in_block = False
    pending: Example | None = None  # a command continued on the next line
    last: Example | None = None  # the example the previous line belonged to
    for number, raw in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("```"):
            in_block, last = raw.strip() == "```sh", None
            continue
        if not in_block:
            continue
        text, comment = _split_comment(raw)
        if pending is not None:
            pending.command += " " + text.strip().removesuffix("\\").strip()
            pending.comment = " ".join(filter(None, [pending.comment, comment]))
            if not text.endswith("\\"):
                pending = None
            continue
        if not text.strip():
            if comment and last is not None and raw.startswith(" "):  # a comment under the example
                last.comment = " ".join(filter(None, [last.comment, comment]))
            continue
        last = None
        if text.split()[0] not in PROGRAMS:
            continue
        example = last = Example(number, text.removesuffix("\\").strip(), comment)
        found.append(example)
        if text.endswith("\\"):
            pending = example
    return found


class Runner:
    """Runs examples in this process, as the shell would run them from one directory."""

    def __init__(self, capsys: pytest.CaptureFixture[str], directory: Path) -> None:
        self.capsys = capsys
        self.directory = directory

    def run(self, command: str) -> tuple[int, str, str]:
        command = re.sub(r"\s*\[[^\]]*\]", "", command)  # optional parts
        command = re.sub(r"\$\((liuquan [^()]*)\)", lambda found: self._output_of(found.group(1)), command)
        argv = shlex.split(command.replace("../shared/", f"{SHARED}/"))
        target = None
        if ">" in argv:
            at = argv.index(">")
            argv, target = argv[:at], argv[at + 1]
        program, args = argv[0], argv[1:]
        if program == "curl":
            code, out = self._curl(args), ""
            out, err = self.capsys.readouterr()
        else:
            if program == "liuquan":
                # In-process, a command's final connections.close_all() would close the test's connection.
                with mock.patch("django.core.management.base.connections.close_all"):
                    code = self._exit_code(lambda: main(["liuquan", *args]))
            else:
                code = self._exit_code(lambda: offline.main(args))
            out, err = self.capsys.readouterr()
        if target is not None:
            (self.directory / target).write_text(out, encoding="utf-8")
        return code, out, err

    def _output_of(self, command: str) -> str:
        code, out, err = self.run(command)
        assert code == 0, f"$({command}) exited {code}: {err}"
        return shlex.quote(out.strip())

    @staticmethod
    def _exit_code(call) -> int:
        try:
            return int(call())
        except SystemExit as exit_:
            return int(exit_.code or 0)

    def _curl(self, args: list[str]) -> int:
        headers: dict[str, str] = {}
        url = ""
        while args:
            word = args.pop(0)
            if word == "-H":
                name, _, value = args.pop(0).partition(":")
                headers[name.strip()] = value.strip()
            else:
                url = word
        path = re.sub(r"^https?://[^/]+", "", url)
        response = Client().get(path, headers=headers)
        print(response.content.decode())
        return 0 if response.status_code < 400 else 22  # curl -f's exit status for an HTTP error


def test_the_readme_lists_the_commands_it_promises():
    printed = {" ".join(example.command.split()[:3]) for example in examples()}
    for command in (
        "liuquan demo",
        "liuquan org assign-oversight",
        "liuquan calendar set",
        "liuquan flows publish",
        "liuquan cases show",
        "liuquan supervise sweep",
        "liuquan ledger verify",
        "liuquan-verify receipt.txt --key",
    ):
        assert any(line.startswith(command) for line in printed), command


def test_the_readme_holiday_example_is_the_real_2026_notice():
    [example] = [example for example in examples() if example.command.startswith("liuquan calendar set")]
    schedule = package_schedule(2026)
    assert schedule is not None
    argv = shlex.split(example.command)
    holidays = argv[argv.index("--holidays") + 1]
    workdays = argv[argv.index("--workdays") + 1]
    from liuquan.calendars.management.commands.calendar import _dates

    assert set(_dates(holidays, "holidays")) == schedule.holidays
    assert set(_dates(workdays, "workdays")) == schedule.workdays


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_readme_example_runs_as_printed_on_the_demo(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = Runner(capsys, tmp_path)
    corpus = (SHARED / "data" / "laws").is_dir()
    ran: list[str] = []
    for example in examples():
        if not corpus and example.command.startswith(("liuquan laws", "liuquan flows special-limit add")):
            print(f"README line {example.line}: skipped, no law corpus at {SHARED / 'data' / 'laws'}")
            continue
        code, out, err = runner.run(example.command)
        where = f"README line {example.line}: {example.command}"
        assert code == example.expected_exit, f"{where}\nexit {code}, expected {example.expected_exit}\n{err}"
        if code:
            assert err.count("\n") == 1 and "Traceback" not in err, f"{where}: a refusal is one line\n{err}"
        if example.expected_start is not None:
            assert out.startswith(example.expected_start), f"{where}\n{out}"
        ran.append(example.command)
    assert len(ran) >= 30
