"""The engines' names, the result formats and the default bounds of a local query.

Plain constants and one small check, kept apart from :mod:`kg.query.engines` so that the CLI can
describe its options (``kg --help``, ``kg query --list``) without importing an engine, rdflib
or pyoxigraph; :mod:`kg.query.engines` re-exports every name here.

>>> check_format("ask", "csv")
>>> check_format("select", "turtle")
Traceback (most recent call last):
kg.errors.QueryError: a SELECT result cannot be written as turtle (use table, csv, ...)
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import QueryError

ENGINE_NAMES = ("rdflib", "oxigraph")
"""The in-process engines, by the name ``kg query --engine`` takes."""

TABULAR_FORMATS = ("table", "csv", "tsv", "json", "xml")
"""Formats of SELECT and ASK results."""
GRAPH_FORMATS = ("table", "turtle", "jsonld")
"""Formats of CONSTRUCT and DESCRIBE results (``table`` shows Turtle)."""
FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "jsonld")
"""Every result format, in the order the CLI lists them."""

DEFAULT_TIMEOUT = 60.0
"""Seconds a local query may run (checking, evaluating and sending the answer back)."""
DEFAULT_MAX_ROWS = 100_000
"""Rows (or triples) a local query may return; past that it stops with a clear error."""
DEFAULT_MEMORY = 4 * 1024**3
"""Bytes of memory a local query may take beyond what the engine holds already."""


@dataclass(frozen=True)
class Limits:
    """Bounds of a local query: seconds, rows and memory (``isolated``: see
    :mod:`kg.query.sandbox`).

    ``isolated=False`` runs the engine without network isolation: a ``SERVICE`` or ``FROM``
    that the checker missed could then make requests from this machine. Only
    ``--no-network-isolation`` sets it.
    """

    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    memory: int | None = DEFAULT_MEMORY
    isolated: bool = True


def check_format(kind: str, format: str) -> None:
    """Refuse a result format that does not fit a query kind, before the query runs.

    >>> check_format("construct", "csv")
    Traceback (most recent call last):
    kg.errors.QueryError: a graph cannot be written as csv (use table, turtle or jsonld)
    """
    if format not in FORMATS:
        raise QueryError(f"unknown result format '{format}' (use one of {', '.join(FORMATS)})")
    graph = kind in ("construct", "describe")
    allowed = GRAPH_FORMATS if graph else TABULAR_FORMATS
    if format not in allowed:
        what = "a graph" if graph else f"a{'n' if kind == 'ask' else ''} {kind.upper()} result"
        choices = ", ".join(allowed[:-1]) + " or " + allowed[-1]
        raise QueryError(f"{what} cannot be written as {format} (use {choices})")


__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "ENGINE_NAMES",
    "FORMATS",
    "GRAPH_FORMATS",
    "Limits",
    "TABULAR_FORMATS",
    "check_format",
]
