"""Writing to a full stdout gives one line and a non-zero exit (issue #7, item 8).

``/dev/full`` fails every write with ENOSPC, like a full disk. Before, the error surfaced when
Python flushed stdout at exit: a traceback (or "Exception ignored") and exit code 120.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support import kg_executable

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


def kg_to_full(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``kg`` on the project's own data, stdout on ``/dev/full``."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [str(kg_executable()), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "SAMARBEIDSGRAFEN_ROOT"},
            timeout=180,
            check=False,
        )


@pytest.mark.parametrize(
    "args",
    [
        ("query", "--list"),  # small: fails at the final flush
        ("query", "identifier-crosswalk", "--format", "json"),
        ("stats",),
    ],
    ids=["query-list", "query", "stats"],
)
def test_a_full_stdout_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = kg_to_full(*args)
    assert (done.returncode, done.stderr) == (
        2,
        "kg: error: cannot write to stdout: No space left on device "
        "(free some space or write elsewhere)\n",
    )


@pytest.mark.parametrize("fmt", ["nt", "jsonld"])
def test_export_to_a_full_stdout_is_one_line_and_exit_2(fmt: str) -> None:
    done = kg_to_full("export", "--format", fmt)
    assert (done.returncode, done.stderr) == (
        2,
        "kg: error: cannot write to stdout: No space left on device "
        "(free some space or use --out FILE)\n",
    )
