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

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 20
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
    """Write the bytes once under their SHA-256 (atomically) and return the hex digest."""
    digest = hashlib.sha256(data).hexdigest()
    folder = root() / digest[:2]
    path = folder / digest
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{digest}.{os.getpid()}.part"
        partial.write_bytes(data)
        os.replace(partial, path)
    return digest


def read(digest: str) -> bytes:
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise InvalidInput("文件标识不正确", message_en="Bad file id", field="file")
    return (root() / digest[:2] / digest).read_bytes()
