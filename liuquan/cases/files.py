"""Uploaded application materials: checked for size and type, stored once by SHA-256 under var/files/.

A file's bytes never enter the ledger; its hash does (the CaseFile leaf), so the record proves which
document was submitted without publishing it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings

from liuquan.core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024  # one file
MAX_FILES = 20  # files in one submission (one case's in all: settings.LIUQUAN_CASE_FILES_MB)
# Extension → (content type, the magic bytes a real file of that type starts with).
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),
}


def check(name: str, data: bytes) -> str:
    """The content type of an acceptable upload, or InvalidInput naming the file and why."""
    suffix = Path(name).suffix.lower()
    if suffix not in TYPES:
        raise InvalidInput(
            f"{name}：只接受 PDF、JPG、PNG、OFD 文件",
            message_en=f"{name}: only PDF, JPG, PNG and OFD files are accepted",
            field="files",
        )
    if not data:
        raise InvalidInput(f"{name}：文件是空的", message_en=f"{name}: the file is empty", field="files")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"{name}：文件超过 {MAX_BYTES // (1024 * 1024)} MB",
            message_en=f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB",
            field="files",
        )
    content_type, magics = TYPES[suffix]
    if not data.startswith(magics):
        raise InvalidInput(
            f"{name}：文件内容与扩展名不符",
            message_en=f"{name}: the content does not match its extension",
            field="files",
        )
    return content_type


def root() -> Path:
    return Path(settings.VAR_DIR) / "files"


def store(data: bytes) -> str:
    """Write the bytes once under their SHA-256 and return the hex digest. The file is on disk (written,
    synced, renamed into place, its folder synced) before this returns, so a case that commits never
    names a document a crash could lose; only its owner may read it (0600, folders 0700)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = root() / digest[:2]
    path = folder / digest
    if not path.exists():
        root().mkdir(mode=0o700, parents=True, exist_ok=True)  # parents=True alone: default modes
        folder.mkdir(mode=0o700, exist_ok=True)
        partial = folder / f".{digest}.{os.getpid()}.part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _sync_directory(folder)
    return digest


def _sync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(digest: str) -> bytes:
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise InvalidInput("文件标识不正确", message_en="Bad file id", field="file")
    return (root() / digest[:2] / digest).read_bytes()
