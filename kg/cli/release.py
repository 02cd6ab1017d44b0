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
    from kg.cli.build import sigterm_as_interrupt
    from kg.model import paths
    from kg.publish import release
    from kg.publish.build import build
    from kg.publish.progress import Stages
    from kg.validation.validate import ValidationReport

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
        with sigterm_as_interrupt():
            return build(
                data,
                plan.out,
                stages=Stages(show=sys.stderr.isatty()),
                publication=publication,
            )

    try:
        release.carry_out(chosen, build_release)
    except ValidationFailed as failed:
        # As kg build: the violations on stdout, the one-line error from kg.cli.main, exit 1.
        if isinstance(failed.report, ValidationReport):
            click.echo(failed.report.to_table())
        raise
    click.echo(f"released {chosen.version} ({chosen.date}) into {chosen.out}/")
    click.echo(f"CHANGELOG.md: the entries under [Unreleased] are now [{chosen.version}]")
