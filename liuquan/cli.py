"""The `liuquan` console script: Django's management commands, with one-line errors.

`liuquan --help` lists the commands; `liuquan COMMAND --help` describes one. Configuration problems
(unreachable database, unwritable data directory, a malformed setting) and refused actions end with
one line on stderr and a distinct exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

# Commands that need no database connection.
NO_DATABASE = {
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "makemessages",
    "compilemessages",
    "collectstatic",
    "shell",
    "makemigrations",
    "diffsettings",
    "findstatic",
}


def _fail(message: str, code: int) -> int:
    print(f"liuquan: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "liuquan"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuquan.settings")

    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from liuquan.core.errors import ConfigurationError, DomainError, InvalidInput

    try:
        if not apps.ready:
            django.setup()
    except ImproperlyConfigured as exc:
        return _fail(f"configuration error: {exc}", ConfigurationError.exit_code)

    command = argv[1] if len(argv) > 1 else "help"
    if command == "--version":
        from liuquan import __version__

        print(f"liuquan {__version__} (Django {django.get_version()})")
        return 0
    from django.core.management import execute_from_command_line, get_commands
    from django.core.management.base import CommandParser
    from django.db.utils import DatabaseError

    if not command.startswith("-") and command not in {"help", *get_commands()}:
        return _fail(f"no command “{command}” (liuquan --help lists them)", InvalidInput.exit_code)
    problem = settings_problem()
    if problem:
        return _fail(f"configuration error: {problem}", ConfigurationError.exit_code)
    if command not in NO_DATABASE and not command.startswith("-"):
        problem = database_problem()
        if problem:
            return _fail(problem, ConfigurationError.exit_code)

    CommandParser.error = _usage_error  # type: ignore[method-assign,assignment]
    try:
        execute_from_command_line(argv)
    except DomainError as exc:
        return _fail(f"{exc.message} [{exc.code}]", exc.exit_code)
    except DatabaseError:
        if command != "migrate" and unmigrated():
            return _fail(
                "the database is not set up: run `liuquan migrate` first", ConfigurationError.exit_code
            )
        raise
    except EOFError:
        return _fail("input ended before the command could read it (no terminal?)", InvalidInput.exit_code)
    except BrokenPipeError:  # `liuquan … | head`: the reader has gone; nothing to report
        sys.stderr.close()
        return 0
    except OSError as exc:
        if exc.filename is None:  # not a file the person named: a fault to see in full
            raise
        return _fail(f"{exc.filename}: {exc.strerror or exc}", InvalidInput.exit_code)
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # a command's own exit status (ledger verify's 1), or a usage error's 2
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return 0


def _usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """A command line that does not parse: one line naming the command and the fault, exit 2."""
    print(f"{parser.prog}: {message} ({parser.prog} --help)", file=sys.stderr)
    raise SystemExit(2)


def unmigrated() -> bool:
    """Whether the database lacks migrations this code needs (a command ran before `liuquan migrate`)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def settings_problem() -> str | None:
    """liuquan's own configuration checks (a malformed key, say), on one line: Django would print them
    as a paragraph from inside the command and exit 1."""
    from django.core import checks

    found = [
        message.msg
        for message in checks.run_checks(tags=[checks.Tags.security])
        if message.is_serious() and str(message.id or "").startswith("liuquan.")
    ]
    return "; ".join(found) or None


def database_problem() -> str | None:
    """One sentence naming why the configured database cannot be used, or None when it can."""
    from django.conf import settings
    from django.db import connection
    from django.db.utils import DatabaseError

    from liuquan.config import describe_database

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        return f"cannot connect to {describe_database(settings.DATABASES['default'])}: {reason}"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
