"""``kg --help`` and ``kg query --list`` import no RDF, SHACL, JSON-LD or HTTP client library.

These are the commands people run to find their way; importing rdflib, pySHACL, PyLD,
SPARQLWrapper or the server made them take seconds. A test of what is imported, not of time:
each command runs through the CLI's entry point in a fresh interpreter, which then lists the
modules it holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support import FIXTURE_PROJECT

HEAVY = ("rdflib", "pyshacl", "pyld", "SPARQLWrapper", "pyoxigraph", "pyparsing", "kg.server")
"""Top-level packages (and the server) that these commands must not import."""

SCRIPT = f"""
import json, os, sys
sys.argv = ["kg", *sys.argv[1:]]
from kg.cli import main
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
heavy = {HEAVY!r}
found = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
os.write(2, json.dumps({{"code": code, "modules": found}}).encode())
"""


def _imported(*args: str) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "SAMARBEIDSGRAFEN_ROOT": str(FIXTURE_PROJECT), "COLUMNS": "80"},
        timeout=120,
        check=False,
    )
    return done.stdout, json.loads(done.stderr.splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (("--help",), "Usage: kg [OPTIONS] COMMAND [ARGS]..."),
        (("query", "--list"), "name"),
        (("query", "--help"), "Usage: kg query [OPTIONS] NAME|FILE.rq"),
    ],
)
def test_finding_ones_way_imports_no_heavy_library(args: tuple[str, ...], first_line: str) -> None:
    stdout, report = _imported(*args)
    assert report == {"code": 0, "modules": []}
    assert stdout.startswith(first_line)


def test_the_help_lists_every_command_with_its_own_short_help() -> None:
    """The list is read from the modules' sources; it says what the commands themselves say."""
    from kg.cli import COMMANDS, cli

    stdout, _ = _imported("--help")
    listed = stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(COMMANDS)
    for line in listed:
        name, shown = line.split(maxsplit=1)
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        limit = (80 - 2) - 6 - max(len(n) for n in COMMANDS)  # click's width for 80 columns
        assert shown == command.get_short_help_str(limit), name
