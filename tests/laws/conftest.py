from __future__ import annotations

from pathlib import Path

import pytest

from tests.laws.corpus_factory import build_corpus


@pytest.fixture
def corpus_root(tmp_path: Path) -> Path:
    """A tiny corpus: 行政许可法 in two versions (and a copy), 民法典 in two parts, an uncatalogued
    regulation, a case and an index page."""
    return build_corpus(tmp_path / "laws")
