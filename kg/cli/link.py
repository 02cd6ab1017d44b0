"""``kg link SOURCE FILE...``: import a registry's files into source graphs of ``data/``."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import click

IMPORTERS = {
    "klass": "kg.link.klass",
    "brreg": "kg.link.brreg",
    "bufdir": "kg.link.bufdir",
}
"""Source kind → module with ``import_files(files, index, read_on) -> (graphs, reports)``
(and, for the online registries, ``fetch(...)``)."""


@click.command("link")
@click.argument("source", type=click.Choice(sorted(IMPORTERS)))
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="The data folder to link to and write into (default: data/).",
)
@click.option(
    "--read-on",
    "read_on",
    default=None,
    metavar="DATE",
    help="The day the files were read, for the provenance (default: today, UTC).",
)
@click.option(
    "--online",
    is_flag=True,
    help="Fetch the files from the registry's public API first (cached; a polite rate).",
)
@click.option(
    "--api-url",
    default=None,
    metavar="URL",
    help="The API's base URL (default: the registry's public one).",
)
@click.option(
    "--cache",
    "cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Where --online keeps what it fetched (default: .cache/link/SOURCE).",
)
@click.option(
    "--delay",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between two requests of --online.",
)
def command(
    source: str,
    files: tuple[Path, ...],
    data: Path | None,
    read_on: str | None,
    online: bool,
    api_url: str | None,
    cache: Path | None,
    delay: float,
) -> None:
    """Import registry files (SSB KLASS, Enhetsregisteret, Bufdir) into data/, one graph per source.

    Links what they name to the municipalities already in the graph, by number or name on the
    source's date, and prints a report of what it added and what it could not link."""
    from kg.link.common import Municipalities, write_graphs
    from kg.model import paths

    module = importlib.import_module(IMPORTERS[source])
    folder = data if data is not None else paths.DATA_DIR
    day = read_on or datetime.now(UTC).date().isoformat()
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        raise click.UsageError(f"--read-on {day!r} is not a date YYYY-MM-DD") from None
    if online:
        fetch = getattr(module, "fetch", None)
        if fetch is None:
            raise click.UsageError(f"kg link {source} has no --online: give its files")
        files = tuple(
            fetch(
                list(files),
                cache=cache or paths.ROOT / ".cache" / "link" / source,
                api_url=api_url,
                delay=delay,
            )
        )
    if not files:
        raise click.UsageError(f"kg link {source}: give the files to import")
    for path in files:
        if not path.is_file():
            raise click.UsageError(f"{path}: no such file")
    existing = sorted(folder.glob("*.trig")) if folder.is_dir() else []
    graphs, reports = module.import_files(
        list(files), lambda skip: Municipalities.from_files(existing, skip), day
    )
    written = write_graphs(folder, graphs, reports)
    for report in reports:
        for line in report.lines():
            click.echo(line)
    for path in written:
        click.echo(f"wrote {path}")
