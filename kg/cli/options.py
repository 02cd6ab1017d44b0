"""Options shared by several ``kg`` commands, defined once.

Each is a decorator that adds one click option; commands stack the ones they need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def data_option(function: F) -> F:
    """``--data DIR``: load this folder (or file) of data instead of the project's ``data/``."""
    return click.option(
        "--data",
        "data",
        type=click.Path(path_type=Path, exists=True),
        default=None,
        metavar="DIR",
        help="Folder (or file) of RDF data to load instead of data/.",
    )(function)


def format_option(choices: Sequence[str], default: str = "table") -> Callable[[F], F]:
    """``--format``/``-f`` with the given choices."""

    def decorate(function: F) -> F:
        return click.option(
            "--format",
            "-f",
            "format",
            type=click.Choice(list(choices)),
            default=default,
            show_default=True,
            help="Output format.",
        )(function)

    return decorate


def _parse_params(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"'{item}' is not NAME=VALUE", ctx=ctx, param=param)
        if name.strip() in parsed:
            raise click.BadParameter(f"'{name.strip()}' is given twice", ctx=ctx, param=param)
        parsed[name.strip()] = value
    return parsed


def param_option(function: F) -> F:
    """``--param NAME=VALUE`` (repeatable), collected into a dict."""
    return click.option(
        "--param",
        "-p",
        "params",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_parse_params,
        help="A query parameter (repeatable); the header's example is the default.",
    )(function)


def as_of_option(function: F) -> F:
    """``--as-of YYYY-MM-DD``: the date an as-of query asks about."""
    return click.option(
        "--as-of",
        "as_of",
        metavar="YYYY-MM-DD",
        default=None,
        help="Bind the query's asOf parameter: answer as of that date.",
    )(function)


def shapes_option(function: F) -> F:
    """``--shapes PATH`` (repeatable): shapes files or folders instead of ``ontology/shapes/``."""
    return click.option(
        "--shapes",
        "shapes",
        multiple=True,
        type=click.Path(path_type=Path),
        metavar="PATH",
        help="A shapes file or folder to use instead of ontology/shapes/ (repeatable).",
    )(function)


def _positive_seconds(
    ctx: click.Context, param: click.Parameter, value: float | None
) -> float | None:
    if value is not None and not value > 0:
        raise click.BadParameter("must be a positive number of seconds", ctx=ctx, param=param)
    return value


def timeout_option_with(help: str) -> Callable[[F], F]:
    """``--timeout SECONDS`` (a positive number, default ``None``) with its own ``help``."""

    def decorate(function: F) -> F:
        return click.option(
            "--timeout",
            "timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            callback=_positive_seconds,
            help=help,
        )(function)

    return decorate


timeout_option = timeout_option_with(
    "Seconds each request to the remote endpoint may take in all (connect, send, "
    "headers and body); default 30."
)
"""``--timeout SECONDS``: how long a whole request to a remote endpoint may take (30 s)."""


def _positive_megabytes(
    ctx: click.Context, param: click.Parameter, value: float | None
) -> float | None:
    if value is not None and not value > 0:
        raise click.BadParameter("must be a positive number of MiB", ctx=ctx, param=param)
    return value


def max_result_option(function: F) -> F:
    """``--max-result-mb MIB``: the largest answer read from a remote endpoint (64 MiB)."""
    return click.option(
        "--max-result-mb",
        "max_result_mb",
        type=float,
        default=None,
        metavar="MIB",
        callback=_positive_megabytes,
        help="The largest answer read from the remote endpoint, in MiB; default 64.",
    )(function)


def engine_option(function: F) -> F:
    """``--engine rdflib|oxigraph``: the in-process engine that runs the query."""
    from kg.query.settings import (
        ENGINE_NAMES,  # not kg.query.engines: describing options loads no engine
    )

    return click.option(
        "--engine",
        "engine",
        type=click.Choice(list(ENGINE_NAMES)),
        default=None,
        help="In-process engine: oxigraph (default: the built store, kept in KG_CACHE_DIR and "
        "made once when the data changes) or rdflib (parses the data on every run).",
    )(function)


def endpoint_option(function: F) -> F:
    """``--endpoint URL``: run the query on a remote SPARQL 1.1 endpoint instead."""
    return click.option(
        "--endpoint",
        "endpoint",
        default=None,
        metavar="URL",
        help="Run the query on this SPARQL 1.1 endpoint instead of the local data.",
    )(function)


def shacl_engine_option(function: F) -> F:
    """``--shacl-engine turbo|pyshacl``: the SHACL engine that checks the shapes."""
    from kg.validation.validate import DEFAULT_SHACL_ENGINE, SHACL_ENGINES

    return click.option(
        "--shacl-engine",
        "shacl_engine",
        type=click.Choice(list(SHACL_ENGINES)),
        default=DEFAULT_SHACL_ENGINE,
        show_default=True,
        help="SHACL engine: turbo (pyshacl-turbo, fast) or pyshacl (pySHACL, the reference, "
        "much slower); both give the same report.",
    )(function)
