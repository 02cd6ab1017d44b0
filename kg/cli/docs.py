"""``kg docs``: write the HTML documentation of the data (``dist/docs/`` by default).

The same pages ``kg build`` writes into ``dist/docs/`` (:mod:`kg.publish.htmldocs`), without
validating or exporting: the folder is replaced whole, only when every page was made.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.options import data_option


@click.command("docs")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("dist/docs"),
    show_default=True,
    help="Folder of the pages; replaced only when all are made.",
)
@data_option
def command(out: Path, data: Path | None) -> None:
    """Write the HTML documentation: ontology, code lists, queries, pictures."""
    from kg.model import store
    from kg.publish.build import BUILD_QUERY_LIMITS, write_folder
    from kg.publish.htmldocs import render
    from kg.query.engines import OxigraphEngine

    files = store.input_files(data)
    _, inputs = store.find(files)
    loaded = store.load(files, inputs)

    class Input:
        """What the pages read: the loaded store and an engine over its union."""

        def __init__(self) -> None:
            self.loaded = loaded

        def engine(self) -> OxigraphEngine:
            return OxigraphEngine.of_store(loaded.store, BUILD_QUERY_LIMITS, union=True)

    pages = render(Input())
    write_folder(out, pages)
    click.echo(f"wrote {len(pages)} pages and pictures to {out}/ (open {out / 'index.html'})")
