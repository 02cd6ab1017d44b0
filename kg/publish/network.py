"""Network pictures of who cooperates with whom, as SVG drawn from named queries' rows.

Two pictures, each the rows of one named query and nothing else:

- **pairs** (:func:`pair_edges`): municipalities joined by the number of arrangements they share
  (``municipality-pairs-by-shared-arrangements``; the line's width is the number), restricted
  to the members of a region (default the Lillehammer region, ``region-members``);
- **links** (:func:`link_edges`): municipalities and the arrangements and companies that link
  them on a day (``municipality-links``): memberships and the seats of inter-municipal
  companies, optionally restricted to a region's members.

Every line carries ``data-source``, ``data-target`` and ``data-weight`` (IRIs and the number),
so that the picture can be read back (:func:`edges_of_svg`) and compared with the query. The
layout is a circle (municipalities outside, arrangements inside), ordered by name and IRI:
deterministic, no random seed. No inline style or script: presentation attributes only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from kg.model.prefixes import PREFIXES

LILLEHAMMER_REGION = PREFIXES["sgid"] + "collaboration/lillehammer-regionen"
PAIRS_QUERY = "municipality-pairs-by-shared-arrangements"
LINKS_QUERY = "municipality-links"
REGION_QUERY = "region-members"


@dataclass(frozen=True, order=True)
class Edge:
    """One line of a picture: two nodes (IRIs, labels) and a weight."""

    source: str
    target: str
    weight: int
    source_label: str
    target_label: str


def _run(engine: object, name: str, params: dict[str, str], as_of: str | None = None) -> list:
    from kg.query.engines import run
    from kg.query.queries import get

    result = run(get(name), engine, params, as_of)  # type: ignore[arg-type]
    return [dict(zip(map(str, result.variables), row, strict=True)) for row in result.rows]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def region_members(engine: object, region: str) -> set[str]:
    """The IRIs of ``region``'s members (query ``region-members``)."""
    rows = _run(engine, REGION_QUERY, {"region": region})
    return {_text(row["member"]) for row in rows}


def pair_edges(engine: object, region: str | None = LILLEHAMMER_REGION) -> list[Edge]:
    """The rows of ``municipality-pairs-by-shared-arrangements`` as edges, both ends members of
    ``region`` (all pairs when ``None``)."""
    members = region_members(engine, region) if region else None
    edges = []
    for row in _run(engine, PAIRS_QUERY, {}):
        first, second = _text(row["first"]), _text(row["second"])
        if members is not None and not {first, second} <= members:
            continue
        edges.append(
            Edge(
                first,
                second,
                int(_text(row["shared"])),
                _text(row["firstLabel"]),
                _text(row["secondLabel"]),
            )
        )
    return sorted(edges)


def link_edges(engine: object, as_of: str | None = None, region: str | None = None) -> list[Edge]:
    """The rows of ``municipality-links`` on ``as_of`` (the query's default day when ``None``)
    as edges municipality → arrangement, weight 1; only ``region``'s members when given."""
    members = region_members(engine, region) if region else None
    edges = []
    for row in _run(engine, LINKS_QUERY, {}, as_of):
        municipality = _text(row["municipality"])
        if members is not None and municipality not in members:
            continue
        edges.append(
            Edge(
                municipality,
                _text(row["link"]),
                1,
                _text(row["municipalityLabel"]),
                _text(row["linkLabel"]),
            )
        )
    return sorted(set(edges))


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def svg(edges: Sequence[Edge], title: str, bipartite: bool) -> str:
    """The picture of ``edges``: sources on an outer circle and, when ``bipartite``, targets on
    an inner one (else all nodes on one circle)."""
    labels: dict[str, str] = {}
    for e in edges:
        labels.setdefault(e.source, e.source_label or e.source)
        labels.setdefault(e.target, e.target_label or e.target)
    outer = sorted(
        {e.source for e in edges} | (set() if bipartite else {e.target for e in edges}),
        key=lambda n: (labels[n], n),
    )
    inner = sorted({e.target for e in edges} - set(outer), key=lambda n: (labels[n], n))
    count = len(outer) + len(inner)
    size = 640 if count <= 30 else min(2400, 640 + 12 * count)
    centre = size / 2
    named = count <= 60
    radius_out = centre - (150 if named else 40)
    radius_in = radius_out * 0.55
    places: dict[str, tuple[float, float]] = {}
    for ring, radius in ((outer, radius_out), (inner, radius_in)):
        for i, node in enumerate(ring):
            angle = 2 * math.pi * i / max(len(ring), 1) - math.pi / 2
            places[node] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    heaviest = max((e.weight for e in edges), default=1)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 40}" '
        f'viewBox="0 0 {size} {size + 40}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{size}" height="{size + 40}" fill="#ffffff"/>',
        f'<text x="16" y="28" font-family="sans-serif" font-size="18" fill="#1a1a1a">'
        f"{escape(title)}</text>",
        '<g transform="translate(0 40)" font-family="sans-serif" font-size="11">',
    ]
    for e in edges:
        (x1, y1), (x2, y2) = places[e.source], places[e.target]
        width = 1 + 5 * (e.weight - 1) / max(heaviest - 1, 1) if heaviest > 1 else 1
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#4a6fa5" '
            f'stroke-opacity="0.6" stroke-width="{width:.1f}" data-source="{escape(e.source)}" '
            f'data-target="{escape(e.target)}" data-weight="{e.weight}">'
            f"<title>{escape(labels[e.source])} – {escape(labels[e.target])}: {e.weight}</title>"
            "</line>"
        )
        if not bipartite:  # the number of shared arrangements, written on the line
            out.append(
                f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 4:.1f}" text-anchor="middle" '
                f'fill="#1f3b5c" font-size="12">{e.weight}</text>'
            )
    for node in [*outer, *inner]:
        x, y = places[node]
        municipality = node in outer
        fill = "#c0392b" if municipality else "#2e8b57"
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if municipality else 4}" fill="{fill}" '
            f'data-node="{escape(node)}"><title>{escape(labels[node])}</title></circle>'
        )
        if named:
            anchor = "start" if x >= centre else "end"
            dx = 9 if x >= centre else -9
            out.append(
                f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                f'fill="#1a1a1a">{escape(_short(labels[node]))}</text>'
            )
    out += ["</g>", "</svg>", ""]
    return "\n".join(out)


_LINE = re.compile(r'data-source="([^"]*)" data-target="([^"]*)" data-weight="(\d+)"')


def edges_of_svg(text: str) -> list[tuple[str, str, int]]:
    """The ``(source, target, weight)`` of every line in a picture made by :func:`svg`."""
    from html import unescape

    return sorted((unescape(s), unescape(t), int(w)) for s, t, w in _LINE.findall(text))


def pictures(engine: object) -> dict[str, bytes]:
    """The two pictures of the documentation: the Lillehammer region's pairs, and the national
    links on the query's default day."""
    pairs = svg(
        pair_edges(engine),
        "Lillehammer-regionen: kommuner og felles ordninger (linjens bredde: antall)",
        bipartite=False,
    )
    links = svg(
        link_edges(engine),
        "Kommuner og samarbeid, selskaper og ordninger som knytter dem sammen",
        bipartite=True,
    )
    return {
        "network-lillehammer.svg": pairs.encode("utf-8"),
        "network-national.svg": links.encode("utf-8"),
    }


__all__ = [
    "Edge",
    "LILLEHAMMER_REGION",
    "edges_of_svg",
    "link_edges",
    "pair_edges",
    "pictures",
    "region_members",
    "svg",
]
