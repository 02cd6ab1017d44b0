"""A new source does not break the tests: in a copy of the repository, add the made-up later
source (``tests/fixtures/later-source/``) to ``data/``, regenerate the goldens with the command
the README documents (``make goldens``), and the tests that read the committed data pass there.

This is what a data steward does (README.md, "Adding data"). Behaviour tests run on the seed
(tests/conftest.py) and on fixtures, so a new source changes none of them, nor the seed's goldens
(tests/golden/queries/, asserted below); the committed data is checked by the tests marked
``national`` (and the README's example outputs), which run in the copy.
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
    env.pop("SAMARBEIDSGRAFEN_DATA", None)  # the copy's conftest.py makes its own seed folder
    venv = _venv()
    _run(["make", "-s", "-o", f"{venv}/.installed", "goldens", f"VENV={venv}"], copy, env)
    changed = sorted(
        p.name
        for p in (copy / "tests" / "golden" / "queries").glob("*.json")
        if p.read_bytes() != (ROOT / "tests" / "golden" / "queries" / p.name).read_bytes()
    )
    assert changed == [], "the seed's goldens moved with a new source in data/"
    # The copy's kg sees the new source: it is one of the source documents now.
    listed = subprocess.run(
        [str(venv / "bin" / "kg"), "query", "source-documents", "--format", "csv"],
        cwd=copy,
        env={**env, "SAMARBEIDSGRAFEN_ROOT": str(copy)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "/id/graph/fixture-2021--regionalt-samarbeid," in listed.stdout
    _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "-m", "national"]
        + [f"--deselect={t}" for t in SKIPPED_THERE],
        copy,
        env,
    )


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run ``command`` in the copy; on failure, the end of its output is the message."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
