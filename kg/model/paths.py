"""Where the project's artefacts live.

The package is installed editable from the repository (``make run`` does this), so the
ontology, data and queries are found next to the ``kg/`` folder. ``SAMARBEIDSGRAFEN_ROOT``
overrides the root, ``SAMARBEIDSGRAFEN_DATA`` the data folder alone.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The repository root: the folder holding ``ontology/``, ``data/`` and ``queries/``."""
    env = os.environ.get("SAMARBEIDSGRAFEN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[2]


ROOT = project_root()
ONTOLOGY_DIR = ROOT / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
CONTEXT_DIR = ONTOLOGY_DIR / "context"
DATA_DIR = Path(os.environ.get("SAMARBEIDSGRAFEN_DATA") or ROOT / "data")
"""The source graphs (``data/*.trig``); ``SAMARBEIDSGRAFEN_DATA`` names another folder (the
tests point it at the seed's two files: behaviour is tested on the seed, the national graph by
the tests that name it)."""
QUERIES_DIR = ROOT / "queries"
SHARED_DIR = ROOT.parent / "shared"
