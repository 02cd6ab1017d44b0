"""``make help``, what the first ``make run`` says while it works, and a quiet install whose
wheel holds the server's static files (issue #11)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import PROJECT_ROOT

MAKEFILE = PROJECT_ROOT / "Makefile"
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _documented() -> dict[str, str]:
    """Each ``## make NAME: purpose`` comment's target and first line."""
    found = re.findall(r"^## make ([a-z-]+): (.*)$", MAKEFILE.read_text(), flags=re.M)
    return dict(found)


def _phony_with_rules() -> list[str]:
    text = MAKEFILE.read_text()
    phony = re.search(r"^\.PHONY: (.*)$", text, flags=re.M)
    assert phony is not None
    return [t for t in phony.group(1).split() if re.search(rf"^{re.escape(t)}:", text, re.M)]


@needs_make
def test_make_help_lists_every_target_with_its_purpose() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    documented = _documented()
    listed = [line.split()[1] for line in done.stdout.splitlines()]
    assert sorted(listed) == sorted(_phony_with_rules())  # every target has a purpose
    assert done.stdout == "".join(f"make {name:<13} {documented[name]}\n" for name in listed)
    assert listed[:2] == ["help", "run"]


@needs_make
def test_the_first_make_run_says_what_it_does(tmp_path: Path) -> None:
    """On a fresh checkout (no .venv), ``make -n run`` shows each slow step announced first."""
    shutil.copy(MAKEFILE, tmp_path)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    done = subprocess.run(
        ["make", "-n", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    said = re.findall(r'^echo "make: (.*)"$', done.stdout, flags=re.M)
    assert said == [
        "creating .venv, the project's virtual environment",
        "installing the project and its dependencies into .venv (about a minute)",
        "building the graph into dist/ (kg build: load, validate, export; about a minute)",
    ]
    commands = done.stdout.splitlines()
    assert commands.index('echo "make: creating .venv, the project\'s virtual environment"') < (
        commands.index("python3 -m venv .venv")
    )


# --------------------------------------------------------------------------------------------
# Installing


def _local_indexes() -> dict[str, str] | None:
    """pip's environment for building with the machine's local package mirror only (the
    file:// indexes pip is configured with), or ``None`` when it has none."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    urls = re.findall(r"file://[^\s']+", done.stdout)
    if not urls:
        return None
    return {
        **os.environ,
        "PIP_INDEX_URL": urls[0],
        "PIP_EXTRA_INDEX_URL": " ".join(urls[1:]),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def _project_copy(tmp_path: Path) -> Path:
    """What a wheel is built from, copied (building writes build/ and *.egg-info beside it)."""
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copytree(PROJECT_ROOT / "kg", copy / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-DATA"):
        shutil.copy(PROJECT_ROOT / name, copy)
    return copy


def _noise(output: str) -> list[str]:
    """Warnings in pip's quiet output, but for pip's own about the machine's configuration
    (``WARNING: Location 'file:///...' is ignored``: an index folder without that package)."""
    return [
        line
        for line in output.splitlines()
        if "warning" in line.lower() and not line.startswith("WARNING: Location 'file:")
    ]


needs_mirror = pytest.mark.skipif(
    _local_indexes() is None,
    reason="no local package index in pip's configuration: building needs setuptools from one",
)


@needs_mirror
def test_the_wheel_holds_the_static_files_and_building_is_quiet(tmp_path: Path) -> None:
    env = _local_indexes()
    copy = _project_copy(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", ".", "-w", str(tmp_path)],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert _noise(done.stdout + done.stderr) == []
    (wheel,) = tmp_path.glob("samarbeidsgrafen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    static = sorted(p.name for p in (PROJECT_ROOT / "kg" / "server" / "static").iterdir())
    assert {f"kg/server/static/{name}" for name in static} <= names
    assert "kg/py.typed" in names
    assert not any(name.startswith(("tests/", "bench/", "data/")) for name in names)


@needs_mirror
def test_an_editable_install_is_quiet(tmp_path: Path) -> None:
    """``pip install -e`` as ``make`` runs it (quiet), into a venv of its own, dependencies
    left out: nothing but pip's notes about the machine's configuration is printed."""
    env = _local_indexes()
    copy = _project_copy(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
        + ["install", "--quiet", "--no-deps", "-e", "."],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert _noise(done.stdout + done.stderr) == []
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import kg; print(kg.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert found.stdout == f"{copy / 'kg' / '__init__.py'}\n"
