"""The `liuquan` console script: Django's management commands, with one-line errors.

`liuquan --help` lists the commands; `liuquan COMMAND --help` describes one. Configuration problems
(unreachable database, unwritable data directory, a malformed setting) and refused actions end with
one line on stderr and a distinct exit code, never a traceback.
"""

from __future__ import annotations

import os
import sys

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

    from liuquan.core.errors import ConfigurationError, DomainError

    try:
        if not apps.ready:
            django.setup()
    except ImproperlyConfigured as exc:
        return _fail(f"configuration error: {exc}", ConfigurationError.exit_code)

    command = argv[1] if len(argv) > 1 else "help"
    if command not in NO_DATABASE and not command.startswith("-"):
        problem = database_problem()
        if problem:
            return _fail(problem, ConfigurationError.exit_code)

    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except DomainError as exc:
        return _fail(f"{exc.message} [{exc.code}]", exc.exit_code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `liuquan … | head`: the reader has gone; nothing to report
        sys.stderr.close()
        return 0
    return 0


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
