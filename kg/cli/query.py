"""``kg query``: run a named query (or a ``.rq`` file) with typed parameters, or list them.

Importing this module (``kg query --help``, ``kg query --list``) loads no engine, rdflib or
SPARQLWrapper: the options' defaults come from :mod:`kg.query.settings`, and the list from the
query files' headers (:func:`kg.query.queries.entries`). The engines are imported when a query runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import (
    as_of_option,
    data_option,
    endpoint_option,
    engine_option,
    format_option,
    max_result_option,
    param_option,
    timeout_option_with,
)
from kg.errors import QueryLimitError, UnknownQueryError
from kg.model import paths
from kg.query import queries
from kg.query.settings import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, FORMATS, Limits, check_format


def listing(format: str = "table") -> str:
    """The catalogue from the files' headers and tokens alone (no SPARQL parsed: a broken
    query shows when it runs): a table that fits in 100 columns, or JSON with everything."""
    from kg.query.listing import listing_json, listing_table

    found = queries.entries().values()
    if format == "json":
        return listing_json(found)
    if format != "table":
        raise click.UsageError(f"--list writes table or json, not {format}")
    return listing_table(found)


def describing(query: str, format: str) -> str:
    """One query's title, description, parameters, columns, as-of, file and an example."""
    from kg.query.listing import describe, record

    if queries.is_path(query):
        found = queries.entry(Path(query))
    else:
        path = paths.QUERIES_DIR / f"{query}{queries.QUERY_SUFFIX}"
        if not path.is_file():
            known = [p.stem for p in queries.query_files()]
            raise UnknownQueryError(queries.unknown_query_message(query, known))
        found = queries.entry(path)
    if format == "json":
        return _json_one(record(found))
    if format != "table":
        raise click.UsageError(f"--describe writes table or json, not {format}")
    return describe(found, path_given=queries.is_path(query))


def _json_one(item: dict[str, object]) -> str:
    import json

    return json.dumps(item, ensure_ascii=False, indent=2) + "\n"


@click.command("query")
@click.argument("query", required=False, metavar="NAME|FILE.rq")
@click.option(
    "--list",
    "list_queries",
    is_flag=True,
    help="List the catalogue's queries: title, description, columns, as-of, parameters "
    "(--format table or json).",
)
@click.option(
    "--describe",
    "describe",
    is_flag=True,
    help="Say what the query NAME takes and returns, and how to run it (--format table or json).",
)
@param_option
@as_of_option
@format_option(FORMATS)
@data_option
@engine_option
@endpoint_option
@timeout_option_with(
    f"Seconds the query may take: on the local data default {DEFAULT_TIMEOUT:g} (the engine "
    "is stopped then), on an endpoint each request in all, default 30."
)
@click.option(
    "--max-rows",
    "max_rows",
    type=click.IntRange(1),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    metavar="N",
    help="Most rows (or triples) a query may return; more is an error, never a cut.",
)
@click.option(
    "--no-network-isolation",
    "no_isolation",
    is_flag=True,
    help="Run the local engine even where it cannot be cut off from the network (no Linux "
    "network namespaces): a SERVICE or FROM the checker missed could then make requests.",
)
@max_result_option
def command(
    query: str | None,
    list_queries: bool,
    describe: bool,
    params: dict[str, str],
    as_of: str | None,
    format: str,
    data: Path | None,
    engine: str | None,
    endpoint: str | None,
    timeout: float | None,
    max_rows: int,
    no_isolation: bool,
    max_result_mb: float | None,
) -> None:
    """Run the named query NAME from queries/, or the query in FILE.rq, on the data (or on a
    remote SPARQL endpoint with --endpoint)."""
    if list_queries:
        text = listing(format)
        click.echo(text, nl=not text.endswith("\n"))
        return
    if query is None:
        raise click.UsageError("give a query name or a .rq file (kg query --list shows the names)")
    if describe:
        text = describing(query, format)
        click.echo(text, nl=not text.endswith("\n"))
        return
    if endpoint is not None and (engine is not None or data is not None):
        given = "--engine" if engine is not None else "--data"
        raise click.UsageError(f"{given} and --endpoint exclude each other")
    if max_result_mb is not None and endpoint is None:
        raise click.UsageError("--max-result-mb applies to a remote endpoint: give --endpoint URL")
    from kg.query.engines import open_engine, run
    from kg.query.transport import MIB

    chosen = queries.get(query)
    chosen.bindings(params, as_of)  # refuse bad parameters before loading the data
    check_format(chosen.kind, format)
    limits = Limits(
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_rows=max_rows,
        isolated=not no_isolation,
    )
    if endpoint is None and limits.isolated:
        from kg.query.sandbox import require_isolation

        require_isolation("the query engine", "run it")
    chosen_engine = open_engine(
        engine or "oxigraph",
        data=data,
        endpoint=endpoint,
        timeout=timeout,
        limits=limits,
        max_bytes=None if max_result_mb is None else int(max_result_mb * MIB),
    )
    result = run(chosen, chosen_engine, params, as_of)
    if result.kind == "select" and len(result.rows) > max_rows:
        raise QueryLimitError(
            f"the endpoint returned more than {max_rows} rows (add a LIMIT, or raise --max-rows)"
        )
    text = result.serialize(format)
    click.echo(text, nl=not text.endswith("\n"))
