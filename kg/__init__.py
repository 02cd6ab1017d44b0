"""samarbeidsgrafen: a knowledge graph of Norwegian inter-municipal cooperation.

The library lives in one subpackage per stage, and data flows one way through them:
:mod:`kg.model` (the store and model: load, canonical forms), :mod:`kg.query` (queries and
engines), :mod:`kg.validation`, :mod:`kg.link` (importers) and :mod:`kg.publish` (export,
build, push). :mod:`kg.errors` is the exception tree they share. The faces, the CLI in
:mod:`kg.cli` and the SPARQL endpoint in :mod:`kg.server`, are thin over them.
"""

__version__ = "0.3.0"
"""The package's version: the ontology's ``owl:versionInfo`` too (``kg release`` moves both)."""
