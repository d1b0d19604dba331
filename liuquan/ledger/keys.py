"""The ledger's secrets in var/, outside the database: the checkpoint signing key, the pseudonym secret
and the entry sealing key.

All are generated on first use (mode 0600) unless given by setting; losing them does not lose the log,
but a new signing key means new checkpoints verify only with the new verifier key, and a new entry key
makes every earlier entry's seal fail (keep it with the signing key, in the backups of var/).
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from liuquan.ledger import note


def _read_or_create(path: Path, make: bytes) -> bytes:
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(make)
    return path.read_bytes()


@functools.cache
def pseudonym_secret() -> bytes:
    configured = os.environ.get("LIUQUAN_PSEUDONYM_SECRET")
    if configured:
        return configured.encode()
    return _read_or_create(Path(settings.VAR_DIR) / "ledger-pseudonym.key", secrets.token_hex(32).encode())


@functools.cache
def entry_key() -> bytes:
    """The key of the entries' seals (HMAC-SHA256): whoever can write the database but not read var/
    cannot make an entry that integrate, checkpoint or verify accept."""
    configured = os.environ.get("LIUQUAN_LEDGER_ENTRY_KEY")
    if configured:
        return configured.encode()
    return _read_or_create(Path(settings.VAR_DIR) / "ledger-entry.key", secrets.token_hex(32).encode())


@functools.cache
def signer(origin: str) -> note.Signer:
    """The checkpoint signer: LIUQUAN_LEDGER_SIGNER_KEY (a note signer key string), else
    var/ledger-signing.key, generated for `origin` on first use."""
    configured = os.environ.get("LIUQUAN_LEDGER_SIGNER_KEY")
    if configured:
        loaded = note.Signer.from_signer_key(configured.strip())
    else:
        path = Path(settings.VAR_DIR) / "ledger-signing.key"
        made = note.generate_signer(origin).signer_key().encode()
        loaded = note.Signer.from_signer_key(_read_or_create(path, made).decode().strip())
    if loaded.name != origin:
        raise ImproperlyConfigured(
            f"the ledger signing key is for {loaded.name!r} but LIUQUAN_LEDGER_ORIGIN is {origin!r}"
        )
    return loaded
