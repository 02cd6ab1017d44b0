"""The README's examples are real: every ``$ kg ...`` line in a ``console`` block runs the
installed ``kg`` from the repository root, and its output (stdout and stderr, in that order)
must equal the lines that follow it, byte for byte.

The outputs are goldens of the real data: ``make goldens`` (``SAMARBEIDSGRAFEN_UPDATE_GOLDEN=1``)
writes what each command prints now into the README, for review with ``git diff README.md``,
and skips the test; a new source in ``data/`` may rightly change them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import golden
import pytest
from support import NATIONAL_ENV, run_kg

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for every ``$ kg`` line in the README's console blocks."""
    examples: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "".join(output)))
                command, output = line[2:], []
            else:
                output.append(line + "\n")
        if command is not None:
            examples.append((command, "".join(output)))
    return examples


EXAMPLES = console_examples()


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 6
    assert all(command.startswith("kg ") for command, _ in EXAMPLES)


@pytest.mark.national
@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_says(command: str, expected: str) -> None:
    """As a user runs it after ``make run``: on the whole committed data."""
    done = run_kg(*shlex.split(command)[1:], cwd=ROOT, env=NATIONAL_ENV, timeout=300)
    found = done.stdout + done.stderr
    if golden.updating() and found != expected:
        _rewrite(command, expected, found)
        pytest.skip(f"wrote the output of {command!r} into README.md: read it before committing")
    assert found == expected
    assert done.returncode == (2 if expected.startswith("kg: error:") else 0)


def _rewrite(command: str, expected: str, found: str) -> None:
    """Put ``found`` in place of ``expected`` after the README's ``$ command`` line."""
    text = README.read_text(encoding="utf-8")
    old = f"$ {command}\n{expected}"
    assert text.count(old) >= 1, command
    if not found.endswith("\n"):
        found += "\n"
    README.write_text(text.replace(old, f"$ {command}\n{found}", 1), encoding="utf-8")


def test_the_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
