"""Fixtures shared by the test folders (helpers without fixtures live in support.py and
serving.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import serving


@pytest.fixture(autouse=True, scope="session")
def store_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Built stores (``KG_CACHE_DIR``, see :mod:`kg.model.store`) go to a folder of this test run,
    shared by its tests and the commands they start, never to the project's ``.kg-cache``."""
    folder = tmp_path_factory.mktemp("kg-cache")
    previous = os.environ.get("KG_CACHE_DIR")
    os.environ["KG_CACHE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("KG_CACHE_DIR", None)
        else:
            os.environ["KG_CACHE_DIR"] = previous


@pytest.fixture
def listener() -> Iterator[serving.Listener]:
    """A TCP listener on 127.0.0.1 that counts the connections it gets."""
    running = serving.Listener()
    try:
        yield running
    finally:
        running.close()
