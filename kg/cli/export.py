"""``kg export``: the dataset in one RDF format, on stdout or into a file (written atomically).

The data is exported as loaded, without validation (``kg build`` validates). Exit code 2 for
a load or output error.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import data_option
from kg.model.dataset import load_dataset
from kg.model.jsonld import FRAME_KINDS
from kg.publish.export import FORMATS, export


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    required=True,
    help="trig and nquads keep the named graphs; turtle, nt and jsonld hold their union.",
)
@click.option(
    "--frame",
    type=click.Choice(FRAME_KINDS),
    default=None,
    help="A framed JSON-LD view (with --format jsonld).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Output file (default: stdout).",
)
@data_option
def command(fmt: str, frame: str | None, out: Path | None, data: Path | None) -> None:
    """Write the dataset in one format, deterministic bytes."""
    if frame is not None and fmt != "jsonld":
        raise click.UsageError("--frame needs --format jsonld")
    export(load_dataset(data), fmt, out, frame=frame)
