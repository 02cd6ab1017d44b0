"""``kg validate``: check the data against the shapes and the violation queries.

Exit 0 when the data conforms (warnings allowed), 1 when it does not, 2 when something cannot
be loaded. The report goes to stdout, a one-line summary to stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import format_option, shacl_engine_option, shapes_option
from kg.errors import ValidationFailed
from kg.model.dataset import data_files, load_dataset, ontology_files, vocabulary_files
from kg.model.locate import where_described
from kg.model.store import input_files
from kg.validation.validate import validate


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option(("table", "turtle", "json"))
@shapes_option
@shacl_engine_option
def command(
    paths: tuple[Path, ...], format: str, shapes: tuple[Path, ...], shacl_engine: str
) -> None:
    """Validate the project's data, or the given files (any RDF syntax) or folders, together
    with the ontology and the code lists."""
    files = [f for p in paths for f in (data_files(p) if p.is_dir() else [p])]
    dataset = load_dataset(files if paths else None)
    report = validate(dataset, list(shapes) or None, engine=shacl_engine)
    if format == "table" and report.results:
        model = [*ontology_files(), *vocabulary_files()]
        read = [*model, *files] if paths else [path for _, path in input_files()]
        where = where_described(read, (r.focus_node for r in report.results))
        text = report.to_table(where)
    else:
        text = report.serialize(format)
    if text:
        click.echo(text, nl=not text.endswith("\n"))
    if not report.conforms:
        raise ValidationFailed(f"does not conform: {report.summary()}", report)
    click.echo(f"conforms: {report.summary()}", err=True)
