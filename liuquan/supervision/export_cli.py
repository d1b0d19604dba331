"""`liuquan supervise export --format xes|ocel OUT [--unit CODE]`: the event log for process-mining tools.

The command is a thin caller of `export`; what goes into the files (and what never does) is described
in supervision.eventlog. A name ending in .gz is written gzip-compressed (PM4Py reads both). The file
appears whole or not at all: it is written next to OUT and renamed into place.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import TextIO

from liuquan.cases.models import Case
from liuquan.core.errors import InvalidInput, NotFound
from liuquan.org.models import Unit
from liuquan.supervision import eventlog

FORMATS = {"xes": eventlog.write_xes, "ocel": eventlog.write_ocel}


def _open(path: Path, *, compressed: bool) -> TextIO:
    if compressed:
        return gzip.open(path, "wt", encoding="utf-8")
    return path.open("w", encoding="utf-8")


def export(format: str, out: Path, *, unit: str | None = None) -> tuple[int, int]:
    """Write every case (or one unit's, by unit code) to `out`; returns (cases, events) written.

    Events: XES counts every <event> (starts, completions and marks); OCEL counts completed steps."""
    writer = FORMATS.get(format)
    if writer is None:
        raise InvalidInput(
            f"不支持的格式 {format}，可选：xes、ocel",
            message_en=f"Unknown format {format}: xes or ocel",
            field="format",
        )
    cases = Case.objects.all()
    if unit:
        if not Unit.objects.filter(code=unit).exists():
            raise NotFound(f"没有代码为 {unit} 的单位", message_en=f"No unit with code {unit}", field="unit")
        cases = cases.filter(unit__code=unit)
    out = Path(out)
    partial = out.with_name(f".{out.name}.part")
    try:
        with _open(partial, compressed=out.name.endswith(".gz")) as handle:
            counts = writer(eventlog.case_records(cases), handle)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return counts.cases, counts.events
