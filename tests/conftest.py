"""Fixtures shared by the test folders (helpers without fixtures live in support.py and
serving.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import serving


@pytest.fixture
def listener() -> Iterator[serving.Listener]:
    """A TCP listener on 127.0.0.1 that counts the connections it gets."""
    running = serving.Listener()
    try:
        yield running
    finally:
        running.close()
