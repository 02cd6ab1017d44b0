"""``kg stats``: triples per graph, entities per class, validation counts (and example answers)."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import data_option
from kg.dataset import load_dataset
from kg.errors import ShapesError
from kg.stats import summary_text
from kg.validate import ValidationReport, validate


@click.command("stats")
@data_option
@click.option(
    "--queries",
    "with_queries",
    is_flag=True,
    help="Also answer the catalogue's queries tagged 'example'.",
)
def command(data: Path | None, with_queries: bool) -> None:
    """Summarise the data: graphs and their sizes, entities per class, validation results."""
    dataset = load_dataset(data)
    report: ValidationReport | None = None
    note = None
    try:
        report = validate(dataset)
    except ShapesError as exc:
        note = str(exc)
    click.echo(summary_text(dataset, report, None if with_queries else (), validation_note=note))
