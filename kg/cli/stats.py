"""``kg stats``: triples per graph, entities per class, validation counts (and example answers)."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import data_option
from kg.errors import ShapesError
from kg.publish.stats import summary_text
from kg.validation.validate import ValidationReport, validate


@click.command("stats")
@data_option
@click.option(
    "--queries",
    "with_queries",
    is_flag=True,
    help="Also answer the catalogue's queries tagged 'example'.",
)
def command(data: Path | None, with_queries: bool) -> None:
    """Summarise the data: graphs and their sizes, entities per class, validation results.

    Reads the store ``kg build`` kept for these inputs (made first when there is none)."""
    from kg.model import store
    from kg.publish.stats import summarize_store
    from kg.query.engines import Limits, OxigraphEngine

    cached = store.open_cached(data)
    opened = cached.open()
    report: ValidationReport | None = None
    note = None
    try:
        report = validate(opened)
    except ShapesError as exc:
        note = str(exc)
    summary = summarize_store(opened, report)
    # The catalogue's own example queries, checked like any other, run on the store opened
    # here: a sandboxed child could not open it again while this process holds it.
    engine = OxigraphEngine.of_store(opened, Limits(isolated=False))
    chosen = None if with_queries else ()
    click.echo(summary_text(summary, report, chosen, engine=engine, validation_note=note))
