"""A new source does not break the tests: in a copy of the repository, add the made-up later
source (``tests/fixtures/later-source/``) to ``data/``, regenerate the goldens with the command
the README documents (``make goldens``), and every other test passes there.

This is what a data steward does (README.md, "Adding data"); the tests that check behaviour
run on fixtures, the real data is checked only by goldens, so that new data changes goldens,
for review, and nothing else. It runs the copy's whole suite (minutes), except this test itself
(the copy would copy itself again).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "later-source" / "regionalt-samarbeid-2021-fictional.trig"
INSIDE = "SAMARBEIDSGRAFEN_IN_A_COPY"
SKIPPED_THERE = ("tests/test_new_source_in_a_copy.py",)
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "dist",
    ".kg-cache",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)


def _venv() -> Path:
    """The virtual environment running this test (``make`` finds its tools there)."""
    return Path(sys.executable).parent.parent


@pytest.mark.skipif(os.environ.get(INSIDE) == "1", reason="this is the copy's own run")
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_new_source_changes_goldens_and_nothing_else(tmp_path: Path) -> None:
    copy = tmp_path / "repository"
    # copy2 keeps modification times: make then sees the environment as installed.
    shutil.copytree(ROOT, copy, ignore=IGNORED, copy_function=shutil.copy2)
    shutil.copy2(FIXTURE, copy / "data" / FIXTURE.name)
    env = {
        **os.environ,
        INSIDE: "1",
        "PYTHONPATH": str(copy),
        "KG_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("SAMARBEIDSGRAFEN_UPDATE_GOLDEN", None)
    venv = _venv()
    _run(["make", "-s", "-o", f"{venv}/.installed", "goldens", f"VENV={venv}"], copy, env)
    changed = sorted(
        p.name
        for p in (copy / "tests" / "golden" / "queries").glob("*.json")
        if p.read_bytes() != (ROOT / "tests" / "golden" / "queries" / p.name).read_bytes()
    )
    # The new source rightly changes some answers (a new source document, Gausdal's membership,
    # a disagreeing start); the answers as of the day the 2010 page speaks for stay as they were.
    for name in ("source-documents", "member-count", "conflicting-values", "partnership-budget"):
        assert f"{name}.json" in changed, changed
    for name in ("members-on-date", "prospective-members", "leader-in-year"):
        assert f"{name}.json" not in changed, changed
    _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"]
        + [f"--deselect={t}" for t in SKIPPED_THERE],
        copy,
        env,
    )


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run ``command`` in the copy; on failure, the end of its output is the message."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
