"""``kg release VERSION``: freeze ``dist/`` into ``releases/VERSION/`` with a changelog entry.

Exit codes: 0 released; 1 the data does not conform (nothing changed); 2 a refusal (bad or
not-later version, a release already made, nothing under ``## [Unreleased]``), one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import data_option
from kg.errors import ValidationFailed


@click.command("release")
@click.argument("version", metavar="VERSION")
@click.option(
    "--date",
    "date",
    default=None,
    metavar="YYYY-MM-DD",
    help="The release date (default today): the ontology's and the catalogue's dct:modified.",
)
@click.option(
    "--releases",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of the releases (default releases/ in the project).",
)
@data_option
def command(version: str, date: str | None, releases: Path | None, data: Path | None) -> None:
    """Release VERSION: date it in the ontology, package and CHANGELOG, build releases/VERSION/."""
    from kg.cli.build import show_violations, sigterm_as_interrupt
    from kg.model import paths
    from kg.publish import release
    from kg.publish.build import build
    from kg.publish.progress import Stages

    root = paths.ROOT
    chosen = release.plan(
        version,
        root=root,
        ontology_file=paths.ONTOLOGY_DIR / "samarbeidsgrafen.ttl",
        package_file=root / "kg" / "__init__.py",
        releases=releases or root / "releases",
        date=date,
    )

    def build_release(plan: release.Plan) -> object:
        from kg.publish.publishing import Publication

        publication = Publication.for_release(plan.version, plan.date)
        return build(
            data, plan.out, stages=Stages(show=sys.stderr.isatty()), publication=publication
        )

    try:
        with sigterm_as_interrupt():  # SIGTERM unwinds like Ctrl-C: everything is put back
            release.carry_out(chosen, build_release)
    except ValidationFailed as failed:
        show_violations(failed, data)  # as kg build: the report, then one line, exit 1
        raise
    click.echo(f"released {chosen.version} ({chosen.date}) into {chosen.out}/")
    click.echo(f"CHANGELOG.md: the entries under [Unreleased] are now [{chosen.version}]")
