"""samarbeidsgrafen: a knowledge graph of Norwegian inter-municipal cooperation.

The library (load, validate, query, export) lives in the submodules; the CLI in
:mod:`kg.cli` is a thin face over it.
"""

__version__ = "0.1.0"
