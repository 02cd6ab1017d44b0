"""Helpers the tests share: running the installed ``kg``, and pointing :mod:`kg.model.paths` at the
fixture project (tests/fixtures/project: a small ontology, code lists, shapes, data, queries).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository (never redirected by ``SAMARBEIDSGRAFEN_DATA``)."""
PROJECT_DATA = PROJECT_ROOT / "data"
"""The project's committed source graphs: the seed and the national layer."""
SEED_FILES = (
    PROJECT_DATA / "oyer-regionalt-samarbeid-2010.trig",
    PROJECT_DATA / "registry-facts.trig",
)
"""The seed: the 2010 page's facts and the sourced registry facts, the data behaviour is
tested on (conftest.py points the tests' data folder at a copy of these)."""
NATIONAL_ENV = {"SAMARBEIDSGRAFEN_DATA": str(PROJECT_DATA)}
"""Environment for a ``kg`` that works on the whole committed data (run_kg(env=...))."""

FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "project"
"""The fixture project's root (the folder holding its ``ontology/``, ``data/``, ``queries/``)."""

PROJECT_FOLDERS = (
    ("ONTOLOGY_DIR", "ontology"),
    ("VOCAB_DIR", "ontology/vocab"),
    ("SHAPES_DIR", "ontology/shapes"),
    ("DATA_DIR", "data"),
    ("QUERIES_DIR", "queries"),
)
"""The :mod:`kg.model.paths` folders :func:`use_project` points elsewhere, each below the root."""


def kg_executable() -> Path:
    """The installed ``kg`` command of this venv."""
    found = Path(sys.executable).parent / "kg"
    assert found.exists(), "install the project (make test) so that `kg` exists"
    return found


def run_kg(
    *args: str,
    root: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    seed: str | None = None,
    timeout: float | None = 180,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """Run the installed ``kg`` with ``args`` and capture its output; never raises on its exit.

    ``root`` sets ``SAMARBEIDSGRAFEN_ROOT`` (the project it works on, with its own ``data/``:
    the seed folder of conftest.py is not passed on), ``seed`` sets
    ``PYTHONHASHSEED``, ``env`` adds more variables to this process's environment. ``timeout``
    bounds the run in seconds (``None``: no bound); ``text=False`` gives stdout and stderr as
    bytes.
    """
    extra = dict(env or {})
    base = dict(os.environ)
    if root is not None:
        extra["SAMARBEIDSGRAFEN_ROOT"] = str(root)
        # The project at root brings its own data/ (unless env names a data folder).
        base.pop("SAMARBEIDSGRAFEN_DATA", None)
    if seed is not None:
        extra["PYTHONHASHSEED"] = seed
    return subprocess.run(
        [str(kg_executable()), *args],
        capture_output=True,
        text=text,
        env={**base, **extra},
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def use_project(patch: pytest.MonkeyPatch, root: Path = FIXTURE_PROJECT) -> Path:
    """Point :mod:`kg.model.paths` (ontology, code lists, shapes, data, queries) at the project at
    ``root`` for as long as ``patch`` lasts; returns ``root``."""
    from kg.model import paths  # here: support is imported before conftest sets the data folder

    for name, folder in PROJECT_FOLDERS:
        patch.setattr(paths, name, root / folder)
    return root


def iris_of(graph: Graph) -> set[str]:
    """Every IRI in a graph: subjects, predicates, objects and literal datatypes."""
    found: set[str] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                found.add(str(term))
            elif isinstance(term, Literal) and term.datatype is not None:
                found.add(str(term.datatype))
    return found
