"""Content negotiation on ``Accept``, with q-values, as RFC 9110 §12.5.1 describes.

Each media range's quality applies to the types it matches; the most specific matching range
decides (``text/csv`` over ``text/*`` over ``*/*``). ``q=0`` means "not acceptable". Among
the types with the highest quality, the server's order of preference decides. No ``Accept``
header means ``*/*``.

>>> choose("text/csv;q=0.5, application/sparql-results+xml;q=0.9", SELECT_TYPES)
'application/sparql-results+xml'
>>> choose("text/*;q=0.1, text/csv;q=0", SELECT_TYPES)
'text/tab-separated-values'
>>> choose("text/html", SELECT_TYPES) is None
True
>>> choose(None, GRAPH_TYPES)
'text/turtle'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SELECT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
"""Media types of SELECT and ASK results, the server's preference first."""

GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-quads",
)
"""Media types of CONSTRUCT and DESCRIBE results (and of the service description)."""

ALIASES = {"application/json": "application/sparql-results+json", "application/xml": None}
"""Media ranges some clients send for result formats (``application/json`` is JSON results)."""


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header: ``type/subtype`` (either may be ``*``) and its q."""

    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 2 exact, 1 ``type/*``, 0
        ``*/*``, -1 no match."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed entries are ignored.

    >>> [(r.type, r.subtype, r.quality) for r in parse_accept("text/*;q=0.3, text/csv")]
    [('text', '*', 0.3), ('text', 'csv', 1.0)]
    >>> parse_accept("text/csv;q=x, nonsense")
    []
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        quality = 1.0
        valid = True
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    valid = False
                if not 0.0 <= quality <= 1.0:
                    valid = False
        if valid:
            ranges.append(MediaRange(kind, sub, quality))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The quality the client gives ``media_type``: that of the most specific matching range."""
    best = -1
    found = 0.0
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best or (specificity == best and media_range.quality > found):
            if specificity >= 0:
                best, found = specificity, media_range.quality
    return found if best >= 0 else 0.0


def _with_aliases(ranges: list[MediaRange]) -> list[MediaRange]:
    extra = []
    for media_range in ranges:
        alias = ALIASES.get(f"{media_range.type}/{media_range.subtype}")
        if alias is not None:
            kind, _, sub = alias.partition("/")
            extra.append(MediaRange(kind, sub, media_range.quality))
    return ranges + extra


def choose(header: str | None, available: Sequence[str]) -> str | None:
    """The type of ``available`` the client prefers, or ``None`` when none is acceptable.

    >>> choose("application/json", SELECT_TYPES)
    'application/sparql-results+json'
    >>> choose("application/*;q=0.8, text/csv;q=0.9", SELECT_TYPES)
    'text/csv'
    >>> choose("*/*;q=0.1, text/turtle;q=0", GRAPH_TYPES)
    'application/n-triples'
    """
    ranges = _with_aliases(parse_accept(header))
    best: str | None = None
    best_quality = 0.0
    for media_type in available:
        q = quality(ranges, media_type)
        if q > best_quality:
            best, best_quality = media_type, q
    return best


__all__ = ["GRAPH_TYPES", "SELECT_TYPES", "MediaRange", "choose", "parse_accept", "quality"]
