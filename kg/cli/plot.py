"""``kg plot``: a network picture of who cooperates with whom, as SVG (:mod:`kg.publish.network`).

``--picture links`` (the default): municipalities and the arrangements and companies that link
them on ``--as-of`` (query ``municipality-links``); ``--picture pairs``: municipalities joined by
the number of arrangements they share (``municipality-pairs-by-shared-arrangements``). ``--region``
keeps the members of one region (an IRI such as ``sgid:collaboration/lillehammer-regionen``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.options import data_option


@click.command("plot")
@click.option(
    "--picture",
    type=click.Choice(["links", "pairs"]),
    default="links",
    show_default=True,
    help="links: municipalities and what links them; pairs: municipalities by shared arrangements.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None, help="The day (links only).")
@click.option(
    "--region",
    metavar="IRI",
    default=None,
    help="Only the members of this region (sgid:collaboration/lillehammer-regionen); pairs: "
    "default that region, 'all' for every pair.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the SVG to FILE (atomically) instead of stdout.",
)
@data_option
@click.option(
    "--no-network-isolation",
    "no_isolation",
    is_flag=True,
    help="Run the local engine even where it cannot be cut off from the network.",
)
def command(
    picture: str,
    as_of: str | None,
    region: str | None,
    out: Path | None,
    data: Path | None,
    no_isolation: bool,
) -> None:
    """Draw a network picture (SVG) of municipalities and their arrangements."""
    from kg.errors import ParameterError
    from kg.publish import network
    from kg.query.queries import PARAMETER_TYPES

    if as_of is not None and picture == "pairs":
        raise click.UsageError("--as-of applies to --picture links (pairs count every period)")
    chosen: str | None = None
    if region is not None and region != "all":
        chosen = PARAMETER_TYPES["iri"].check(region)
        if chosen is None:
            raise ParameterError(
                f"--region expects an IRI such as sgid:collaboration/lillehammer-regionen, "
                f"got '{region}'"
            )
    from kg.query.engines import Limits, open_engine

    limits = Limits(isolated=not no_isolation)
    if limits.isolated:
        from kg.query.sandbox import require_isolation

        require_isolation("the query engine", "run it")
    engine = open_engine("oxigraph", data=data, limits=limits)
    if picture == "pairs":
        edges = network.pair_edges(engine, network.LILLEHAMMER_REGION if region is None else chosen)
        text = network.svg(edges, "Kommuner etter felles ordninger", bipartite=False)
    else:
        edges = network.link_edges(engine, as_of, chosen)
        day = f" {as_of}" if as_of else ""
        text = network.svg(edges, f"Kommuner og det som knytter dem sammen{day}", bipartite=True)
    if out is None:
        sys.stdout.write(text)
        return
    from kg.publish.export import write_atomic

    write_atomic(out, text.encode("utf-8"))
    click.echo(f"wrote {len(edges)} lines to {out}", err=True)
