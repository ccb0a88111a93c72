"""Fixtures for the catalog tests: a private copy of the catalogs that a test may change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from translations.catalog import LOCALE_DIR


@pytest.fixture
def locale_copy(tmp_path: Path) -> Path:
    """The committed ``.po`` files, copied without any ``.mo`` into a temporary folder."""
    target = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, target, ignore=shutil.ignore_patterns("*.mo", ".*"))
    return target
