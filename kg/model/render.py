"""How RDF terms and rows look in text meant for people: tables with prefixed names.

Tables in the terminal use the project prefix map (:data:`kg.model.namespaces.PREFIXES`) and show
``sgid:organisation/oyer`` rather than the full IRI, even where Turtle would need the slash
escaped: these texts are for reading, the machine formats (CSV, JSON, Turtle) keep full IRIs.

>>> from rdflib import URIRef
>>> shorten(URIRef("https://w3id.org/samarbeidsgrafen/id/organisation/oyer"))
'sgid:organisation/oyer'
>>> print(table(["name", "n"], [["Øyer", "1"], ["Lillehammer", "12"]]))
name         n
-----------  --
Øyer         1
Lillehammer  12
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kg.model.prefixes import PREFIXES

if TYPE_CHECKING:  # rdflib is imported when a term is shown: table() and the listing need none
    from rdflib.paths import Path as PropertyPath
    from rdflib.term import Node

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: (-len(item[1]), item[0]))


def shorten(term: Node | PropertyPath | None) -> str:
    """A term as people read it: a prefixed name where a project prefix fits, else ``<iri>``.

    Literals look as in Turtle: quoted, with a language tag or a prefixed datatype, except
    integers, decimals and booleans, which stand bare; a blank node shows as ``_:label``;
    ``None`` (unbound) as the empty string.

    >>> from rdflib import Literal, URIRef
    >>> from kg.model.namespaces import XSD
    >>> shorten(Literal("2010-06-01", datatype=XSD.date))
    '"2010-06-01"^^xsd:date'
    >>> shorten(Literal("Øyer", lang="nb")), shorten(Literal("Øyer")), shorten(Literal(12))
    ('"Øyer"@nb', '"Øyer"', '12')
    >>> shorten(None)
    ''
    >>> shorten(URIRef("query:members-violation"))
    'query:members-violation'
    """
    if term is None:
        return ""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import XSD
    from rdflib.paths import Path as PropertyPath

    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in _BY_LENGTH:
            local = text[len(namespace) :]
            if text.startswith(namespace) and not any(c.isspace() for c in local):
                return f"{prefix}:{local}"
        return text if text.startswith("query:") else f"<{text}>"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is None or term.datatype == XSD.string:
            return f'"{term}"'
        if term.datatype in (XSD.integer, XSD.decimal, XSD.boolean):
            return str(term)
        return f'"{term}"^^{shorten(term.datatype)}'
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, PropertyPath):
        return path_text(term)
    return str(term)


def path_text(path: PropertyPath) -> str:
    """A property path in SPARQL syntax with prefixed names (``^org:member/time:hasBeginning``).

    >>> from kg.model.namespaces import ORG, TIME
    >>> path_text(~ORG.member / TIME.hasBeginning)
    '^org:member/time:hasBeginning'
    """
    from rdflib import URIRef
    from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath

    def part(p: object, nested: bool) -> str:
        if isinstance(p, URIRef):
            return shorten(p)
        if isinstance(p, InvPath):
            return "^" + part(p.arg, True)
        if isinstance(p, MulPath):
            return part(p.path, True) + str(p.mod)
        if isinstance(p, NegatedPath):
            return "!(" + "|".join(part(a, False) for a in p.args) + ")"
        if isinstance(p, SequencePath | AlternativePath):
            sep = "/" if isinstance(p, SequencePath) else "|"
            text = sep.join(part(a, True) for a in p.args)
            return f"({text})" if nested and len(p.args) > 1 else text
        return str(p)

    return part(path, False)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Aligned columns separated by two spaces, a rule under the header, no trailing blanks."""
    body = [list(row) for row in rows]
    widths = [len(h) for h in header]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines.extend(line(row) for row in body)
    return "\n".join(lines)


__all__ = ["path_text", "shorten", "table"]
