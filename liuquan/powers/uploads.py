"""Workbooks uploaded through the console, kept aside between the preview and the confirmed import.

The console reads an upload, shows what the import would do, and imports only when the person
confirms. The files wait in `var/imports/<person>/<token>/` in between: scratch files, not records,
so writing them is not an action. Confirming re-reads the same bytes (the plan is checked again
against the database as it is then); discarding or importing removes them, and stale ones are
swept when the same person stages a new upload.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from liuquan.core.errors import InvalidInput, NotFound

MAX_FILES = 20
MAX_BYTES = 25 * 1024 * 1024  # per file; a 20,000-row list is about 3 MB
STALE_SECONDS = 24 * 3600
SUFFIXES = (".xls", ".xlsx")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class StagedFile:
    path: Path
    name: str  # as uploaded
    size: int
    sha256: str


def _root(person_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / str(person_id)


def _safe_name(name: str) -> str:
    stem = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers may send a path
    cleaned = re.sub(r"[\x00-\x1f:*?\"<>|]", "_", stem).strip(" .") or "upload.xlsx"
    return cleaned[-120:]


def stage(person_id: int, files: Iterable[UploadedFile]) -> str:
    """Keep the uploaded workbooks for a preview; returns the token that names them."""
    chosen = list(files)
    if not chosen:
        raise InvalidInput("请选择要导入的清单文件", message_en="Choose a file to import", field="files")
    if len(chosen) > MAX_FILES:
        raise InvalidInput(
            f"一次最多导入 {MAX_FILES} 个文件",
            message_en=f"At most {MAX_FILES} files at a time",
            field="files",
        )
    for upload in chosen:
        name = upload.name or ""
        if not name.lower().endswith(SUFFIXES):
            raise InvalidInput(
                f"{name}：只能导入 .xls 或 .xlsx 文件",
                message_en=f"{name}: only .xls and .xlsx files can be imported",
                field="files",
                file=name,
            )
        if (upload.size or 0) > MAX_BYTES:
            raise InvalidInput(
                f"{name}：文件超过 {MAX_BYTES // (1024 * 1024)} MB",
                message_en=f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB",
                field="files",
                file=name,
            )
    _sweep(person_id)
    token = secrets.token_urlsafe(18)
    folder = _root(person_id) / token
    for level in (folder.parent.parent, folder.parent):
        level.mkdir(mode=0o700, exist_ok=True)
    folder.mkdir(mode=0o700)
    try:
        for position, upload in enumerate(chosen, start=1):
            # One folder per file keeps the uploaded name (messages quote it) and allows duplicates.
            (folder / f"{position:02d}").mkdir(mode=0o700)
            target = folder / f"{position:02d}" / _safe_name(upload.name or "")
            with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return token


def staged(person_id: int, token: str) -> list[StagedFile]:
    """The files of one staged upload, in upload order; only the person who uploaded them sees them."""
    folder = _root(person_id) / token
    if not _TOKEN.match(token) or not folder.is_dir():
        raise NotFound(
            "待导入的文件已不存在（已导入、已放弃或已过期），请重新上传",
            message_en="The uploaded files are gone (imported, discarded or expired); upload them again",
            field="token",
        )
    result = []
    for path in sorted(p for sub in sorted(folder.iterdir()) for p in sub.iterdir()):
        data = path.read_bytes()
        result.append(
            StagedFile(
                path=path,
                name=path.name,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return result


def discard(person_id: int, token: str) -> None:
    if _TOKEN.match(token):
        shutil.rmtree(_root(person_id) / token, ignore_errors=True)


def _sweep(person_id: int) -> None:
    root = _root(person_id)
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
