"""Reading liuquan's configuration from the environment.

Pure helpers used by settings.py; kept apart so that a bad value produces one clear sentence
(raised as ImproperlyConfigured) instead of a traceback from deep inside Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a positive whole number")
    return int(raw)


def env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not one of 1/0, true/false, yes/no, on/off")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def var_dir() -> Path:
    """The writable data directory (SQLite database, signing keys, uploads); created if missing."""
    path = Path(os.environ.get("LIUQUAN_VAR_DIR") or Path.cwd() / "var").resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The database, the keys and the applicants' documents: nobody else on the machine reads them.
        if path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o077:
            path.chmod(0o700)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ImproperlyConfigured(
            f"data directory {path} is not writable ({reason}); "
            "fix its permissions or point LIUQUAN_VAR_DIR at a writable directory"
        ) from None
    return path


def secret_key(var: Path) -> str:
    """LIUQUAN_SECRET_KEY, or a random key generated once into var/secret_key (mode 0600)."""
    configured = os.environ.get("LIUQUAN_SECRET_KEY")
    if configured:
        return configured
    key_file = var / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def database(var: Path) -> dict[str, Any]:
    """Embedded SQLite in WAL mode by default; PostgreSQL when LIUQUAN_DATABASE_URL is set."""
    url = os.environ.get("LIUQUAN_DATABASE_URL", "").strip()
    if not url:
        name = var / "liuquan.sqlite3"
        # Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode); an
        # older installation's readable file is tightened.
        fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing with "database is locked" on upgrade.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": ":memory:"},
        }
    parts = urlsplit(url)
    if parts.scheme not in {"postgresql", "postgres"}:
        raise ImproperlyConfigured(
            f"LIUQUAN_DATABASE_URL must start with postgresql:// (got {parts.scheme or 'no'} scheme)"
        )
    if not parts.path.strip("/"):
        raise ImproperlyConfigured(
            "LIUQUAN_DATABASE_URL names no database (postgresql://user:pass@host:port/NAME)"
        )
    import dj_database_url

    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except ValueError as exc:
        raise ImproperlyConfigured(f"LIUQUAN_DATABASE_URL cannot be read: {exc}") from None
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return config


def describe_database(config: dict[str, Any]) -> str:
    """A one-line description without the password, for error messages."""
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    host = config.get("HOST") or "localhost"
    port = config.get("PORT") or 5432
    return f"PostgreSQL {config.get('USER') or ''}@{host}:{port}/{config.get('NAME')}"
