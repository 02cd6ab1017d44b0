"""``kg find TEXT``: the IRIs of the things whose labels, names or identifiers match TEXT.

The matching is :mod:`kg.query.find`'s (case- and accent-insensitive, every word of TEXT in
the label); TEXT never enters a query. Exit 0 with matches, 1 without (one line on stderr
saying what to try), 2 on a usage or load error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.cli.options import data_option, engine_option
from kg.errors import ParameterError
from kg.model.prefixes import PREFIXES
from kg.model.render import table

DEFAULT_LIMIT = 50
"""Matches ``kg find`` shows unless told otherwise (``--limit``)."""


def _kinds(kinds: tuple[str, ...]) -> str:
    """The first kind worth showing, compacted, and how many more (json lists them all)."""
    from kg.query.find import shown_kinds

    shown = shown_kinds(kinds)
    if not shown:
        return ""
    more = f" +{len(shown) - 1}" if len(shown) > 1 else ""
    return _compact(shown[0]) + more


def _compact(iri: str) -> str:
    from rdflib import URIRef

    from kg.model.render import shorten

    return shorten(URIRef(iri))


def _kind_iri(value: str) -> str:
    from kg.query.queries import PARAMETER_TYPES

    iri = PARAMETER_TYPES["iri"].check(value)
    if iri is None or ":" not in value:
        known = ", ".join(sorted(PREFIXES))
        raise ParameterError(
            f"--kind expects a class as a prefixed name (sg:Municipality, "
            f"cv:PublicOrganisation) or an IRI, got '{value}' (prefixes: {known})"
        )
    return iri


@click.command("find")
@click.argument("text", metavar="TEXT")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="CLASS",
    help="Only things of this class (sg:Municipality, cv:PublicOrganisation, sg:JointCompany, "
    "an IRI); repeatable: any of them.",
)
@click.option(
    "--format",
    "-f",
    "format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format (json: full IRIs, every match).",
)
@click.option(
    "--limit",
    "limit",
    type=click.IntRange(1),
    default=DEFAULT_LIMIT,
    show_default=True,
    metavar="N",
    help="Show at most N matches in the table (json lists them all).",
)
@data_option
@engine_option
@click.option(
    "--no-network-isolation",
    "no_isolation",
    is_flag=True,
    help="Run the local engine even where it cannot be cut off from the network.",
)
def command(
    text: str,
    kinds: tuple[str, ...],
    format: str,
    limit: int,
    data: Path | None,
    engine: str | None,
    no_isolation: bool,
) -> None:
    """Find the IRIs of things by their names, labels or identifiers."""
    if not text.strip():
        raise click.UsageError("give a part of a name or an identifier to look for")
    wanted = [_kind_iri(k) for k in kinds]
    from kg.query.engines import Limits, open_engine
    from kg.query.find import names, search

    limits = Limits(isolated=not no_isolation)
    if limits.isolated:
        from kg.query.sandbox import require_isolation

        require_isolation("the query engine", "run it")
    named = names(open_engine(engine or "oxigraph", data=data, limits=limits))
    known = {kind for item in named for kind in item.kinds}
    for given, iri in zip(kinds, wanted, strict=True):
        if iri not in known:
            from kg.query.queries import suggestion

            close = suggestion(given, sorted({_compact(k) for k in known}))
            hint = f"did you mean {close}?" if close else "kg find TEXT --format json lists kinds"
            raise ParameterError(f"no named thing in the data is of kind '{given}' ({hint})")
    matches = search(text, named, wanted)
    if not matches:
        of_kind = f" among things of kind {', '.join(kinds)}" if kinds else ""
        hint = (
            "drop --kind, or try"
            if kinds
            else "try a shorter part of a name, without punctuation, or"
        )
        click.echo(
            f"kg: nothing named like '{text}'{of_kind} ({hint} an organisation or "
            "municipality number such as 0521)",
            err=True,
        )
        sys.exit(1)
    if format == "json":
        records = [
            {
                "iri": m.iri,
                "kinds": list(m.kinds),
                "label": m.label,
                "language": m.language or None,
                "property": m.property,
            }
            for m in matches
        ]
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    rows = [
        [
            _compact(m.iri),
            _kinds(m.kinds),
            " ".join(m.label.split()),  # a label of several lines is one line in the table
            m.language,
            _compact(m.property),
        ]
        for m in matches[:limit]
    ]
    click.echo(table(["iri", "kind", "label", "lang", "via"], rows))
    if len(matches) > limit:
        click.echo(
            f"kg: {limit} of {len(matches)} matches shown (add words or --kind, or raise --limit)",
            err=True,
        )
