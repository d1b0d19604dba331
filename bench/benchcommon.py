"""Shared by the benchmarks: a scratch database for one run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(var_dir: str) -> None:
    """Django on a scratch SQLite database in `var_dir`, or on LIUQUAN_BENCH_DATABASE_URL (emptied first)."""
    os.environ["LIUQUAN_VAR_DIR"] = var_dir
    url = os.environ.get("LIUQUAN_BENCH_DATABASE_URL")
    if url:
        os.environ["LIUQUAN_DATABASE_URL"] = url
    else:
        os.environ.pop("LIUQUAN_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuquan.settings")
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if url:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    if url:
        # The search index is not a Django model, so flush leaves it; a reused database starts empty too.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM powers_search")
