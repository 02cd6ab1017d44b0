"""Fixtures shared by the test folders (helpers without fixtures live in support.py and
serving.py).

Behaviour is tested on the seed: before any test module imports :mod:`kg`,
``SAMARBEIDSGRAFEN_DATA`` points the project's data folder (:data:`kg.model.paths.DATA_DIR`, and
every ``kg`` the tests start) at a copy of the seed's two source files (support.SEED_FILES). The
national graph is tested by the tests that name it (support.PROJECT_DATA).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import support

if "SAMARBEIDSGRAFEN_DATA" not in os.environ:
    _seed = Path(tempfile.mkdtemp(prefix="kg-seed-data-"))
    for _file in support.SEED_FILES:
        shutil.copy2(_file, _seed / _file.name)
    os.environ["SAMARBEIDSGRAFEN_DATA"] = str(_seed)
    atexit.register(shutil.rmtree, _seed, True)

import serving  # noqa: E402  (after the data folder is set: it imports kg)


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
