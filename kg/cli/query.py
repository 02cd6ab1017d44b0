"""``kg query``: run a named query (or a ``.rq`` file) with typed parameters, or list them."""

from __future__ import annotations

from pathlib import Path

import click

from kg import queries
from kg.cli.options import (
    as_of_option,
    data_option,
    endpoint_option,
    engine_option,
    format_option,
    max_result_option,
    param_option,
    timeout_option,
)
from kg.engines import FORMATS, check_format, open_engine, run
from kg.render import table


def listing() -> str:
    """The catalogue as a table: name, kind, title and parameters with their types."""
    rows = (
        [q.name, q.kind, q.title, ", ".join(f"{p.name} ({p.type})" for p in q.params)]
        for q in queries.catalogue().values()
    )
    return table(["name", "kind", "title", "parameters"], rows)


@click.command("query")
@click.argument("query", required=False, metavar="NAME|FILE.rq")
@click.option("--list", "list_queries", is_flag=True, help="List the catalogue's queries.")
@param_option
@as_of_option
@format_option(FORMATS)
@data_option
@engine_option
@endpoint_option
@timeout_option
@max_result_option
def command(
    query: str | None,
    list_queries: bool,
    params: dict[str, str],
    as_of: str | None,
    format: str,
    data: Path | None,
    engine: str | None,
    endpoint: str | None,
    timeout: float | None,
    max_result_mb: float | None,
) -> None:
    """Run the named query NAME from queries/, or the query in FILE.rq, on the data (or on a
    remote SPARQL endpoint with --endpoint)."""
    if list_queries:
        click.echo(listing())
        return
    if query is None:
        raise click.UsageError("give a query name or a .rq file (kg query --list shows the names)")
    if endpoint is not None and (engine is not None or data is not None):
        given = "--engine" if engine is not None else "--data"
        raise click.UsageError(f"{given} and --endpoint exclude each other")
    if timeout is not None and endpoint is None:
        raise click.UsageError("--timeout applies to a remote endpoint: give --endpoint URL")
    if max_result_mb is not None and endpoint is None:
        raise click.UsageError("--max-result-mb applies to a remote endpoint: give --endpoint URL")
    chosen = queries.get(query)
    chosen.bindings(params, as_of)  # refuse bad parameters before loading the data
    check_format(chosen.kind, format)
    chosen_engine = open_engine(engine or "rdflib", data=data, endpoint=endpoint, timeout=timeout)
    if max_result_mb is not None:  # open_engine takes no size limit yet: set it on the engine
        from kg.remote import MIB, RemoteEngine

        assert isinstance(chosen_engine, RemoteEngine)
        chosen_engine.max_bytes = int(max_result_mb * MIB)
    result = run(chosen, chosen_engine, params, as_of)
    text = result.serialize(format)
    click.echo(text, nl=not text.endswith("\n"))
