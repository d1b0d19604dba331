"""Stored application materials: private to the server's account and on disk before the case commits."""

from __future__ import annotations

import os

from liuquan.cases import files


def test_a_stored_file_is_private_and_synced_before_it_is_named(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    digest = files.store(b"%PDF-1.4 application")
    path = tmp_path / "files" / digest[:2] / digest
    assert path.read_bytes() == b"%PDF-1.4 application"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700 and (tmp_path / "files").stat().st_mode & 0o077 == 0
    assert len(synced) == 2  # the file's bytes, then the folder that names it
    assert [name for name in os.listdir(path.parent) if name.endswith(".part")] == []
    # Stored once: the same bytes again write nothing.
    assert files.store(b"%PDF-1.4 application") == digest and len(synced) == 2
