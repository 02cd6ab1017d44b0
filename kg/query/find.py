"""Find things by name: the IRIs whose labels, names or identifiers match a text (``kg find``).

One query (:data:`LABELS_QUERY`, no parameters: the user's text never enters SPARQL) lists every
literal the data names things with, and every identifier notation reached through
``adms:identifier`` (organisation and municipality numbers), each with the thing's types.
The text is matched here, in Python, case- and accent-insensitively (:func:`fold`: ``oyer``
finds ``Øyer``, ``gloer`` does not find ``GLØR`` but ``glor`` does): every word of the text must
occur in the label. The properties are those the data and the ontology name things with
(:data:`LABEL_PROPERTIES`).

Matches are ordered: exact matches first, then labels that start with the text, then the
rest; within that by IRI, then by property (in the order of :data:`LABEL_PROPERTIES`),
label and language.

>>> fold("Øyer  Kommune"), fold("GLØR - renovasjonsselskapet"), fold("Bærum")
('oyer kommune', 'glor - renovasjonsselskapet', 'baerum')
>>> rank("oyer", fold("Øyer kommune")), rank("oyer kommune", fold("Øyer kommune"))
(1, 0)
>>> rank("kommune oyer", fold("Øyer kommune")), rank("oslo", fold("Øyer kommune"))
(2, None)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.model.prefixes import PREFIXES

if TYPE_CHECKING:
    from kg.query.engines import Engine

IDENTIFIER = PREFIXES["adms"] + "identifier"
IDENTIFIER_CLASS = PREFIXES["adms"] + "Identifier"
NOTATION = PREFIXES["skos"] + "notation"

LABEL_PROPERTIES = (
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["skos"] + "altLabel",
    PREFIXES["legal"] + "legalName",
    PREFIXES["rdfs"] + "label",
    PREFIXES["foaf"] + "name",
    PREFIXES["dct"] + "title",
    NOTATION,
    IDENTIFIER,
)
"""The properties a thing is found by, in the order matches list them: its preferred and
alternative labels, its legal name (Enhetsregisteret), ``rdfs:label`` (source graphs,
ontology terms), ``foaf:name`` (agents), ``dct:title`` (source documents), a code's
``skos:notation``, and the notation of an identifier it has (``adms:identifier``: orgnr,
kommunenummer, fylkesnummer)."""

LABELS_QUERY = """SELECT ?thing ?property ?label
  (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
WHERE {
  {
    VALUES ?property { skos:prefLabel skos:altLabel legal:legalName rdfs:label foaf:name
      dct:title skos:notation }
    ?thing ?property ?label .
    FILTER(isLITERAL(?label))
  }
  UNION
  {
    ?thing adms:identifier ?identifier .
    ?identifier skos:notation ?label .
    BIND(adms:identifier AS ?property)
  }
  OPTIONAL { ?thing a ?type }
}
GROUP BY ?thing ?property ?label
"""
"""Every naming literal with its thing and the thing's types (space-separated IRIs)."""

_LETTERS = {ord("ø"): "o", ord("æ"): "ae", ord("đ"): "d", ord("ł"): "l", ord("þ"): "th"}


def fold(text: str) -> str:
    """``text`` for matching: case folded, letters without their accents (``ø`` → ``o``,
    ``æ`` → ``ae``, ``å`` → ``a``), runs of white space as one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


_WORD = re.compile(r"\w+")


def rank(folded_text: str, folded_label: str) -> int | None:
    """0 the label is the text, 1 it starts with it, 2 each word of the text begins a word
    of the label (``oyer`` is in ``Lillehammer og Øyer``, not in ``employer``), else ``None``
    (both folded)."""
    if folded_label == folded_text:
        return 0
    if folded_label.startswith(folded_text):
        return 1
    words = _WORD.findall(folded_label)
    wanted = _WORD.findall(folded_text)
    if wanted and all(any(w.startswith(part) for w in words) for part in wanted):
        return 2
    return None


def shown_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    """The kinds worth showing in a table: the project's own classes if it has any, else all.

    >>> shown_kinds([PREFIXES["sg"] + "Municipality", PREFIXES["org"] + "FormalOrganization"])
    ('https://w3id.org/samarbeidsgrafen/ontology#Municipality',)
    """
    own = tuple(k for k in kinds if k.startswith(PREFIXES["sg"]))
    return own or tuple(kinds)


@dataclass(frozen=True)
class Match:
    """A thing whose label (or identifier) matched: what ``kg find`` lists."""

    iri: str
    kinds: tuple[str, ...]
    """The thing's types (IRIs), those of the project's ontology first, then by IRI."""
    label: str
    language: str
    property: str
    rank: int


def _kind_order(iri: str) -> tuple[int, str]:
    return (0 if iri.startswith(PREFIXES["sg"]) else 1, iri)


@dataclass(frozen=True)
class Named:
    """One naming literal of the data: a thing, the property, the label, its types."""

    iri: str
    property: str
    label: str
    language: str
    kinds: tuple[str, ...]


def names(engine: Engine) -> list[Named]:
    """Every naming literal of the data behind ``engine`` (:data:`LABELS_QUERY`), without the
    notations of identifier resources themselves (their owners are found by them)."""
    from rdflib import Literal, URIRef

    from kg.query.queries import with_prologue

    result = engine.query(with_prologue(LABELS_QUERY))
    found: list[Named] = []
    for thing, prop, label, types in result.rows:
        if not isinstance(thing, URIRef) or not isinstance(label, Literal):
            continue  # a blank node has no IRI to find
        kinds = tuple(sorted(set(str(types or "").split()), key=_kind_order))
        if str(prop) == NOTATION and IDENTIFIER_CLASS in kinds:
            continue
        found.append(Named(str(thing), str(prop), str(label), label.language or "", kinds))
    return found


def search(text: str, named: Iterable[Named], kinds: Sequence[str] = ()) -> list[Match]:
    """The matches of ``text`` among ``named``, of one of ``kinds`` (IRIs) if given, ordered
    (see the module docstring)."""
    folded = fold(text)
    order = {p: i for i, p in enumerate(LABEL_PROPERTIES)}
    matches: list[Match] = []
    for item in named:
        if kinds and not set(kinds) & set(item.kinds):
            continue
        found = rank(folded, fold(item.label))
        if found is not None:
            matches.append(
                Match(item.iri, item.kinds, item.label, item.language, item.property, found)
            )
    best: dict[str, int] = {}
    for m in matches:
        best[m.iri] = min(best.get(m.iri, m.rank), m.rank)
    unique = {(m.iri, m.property, m.label, m.language): m for m in matches}
    return sorted(
        unique.values(),
        key=lambda m: (
            best[m.iri],
            m.iri,
            m.rank,
            order.get(m.property, len(order)),
            m.label,
            m.language,
        ),
    )


def find(text: str, engine: Engine, kinds: Sequence[str] = ()) -> list[Match]:
    """The things of the data behind ``engine`` whose names match ``text``."""
    return search(text, names(engine), kinds)


__all__ = [
    "LABELS_QUERY",
    "LABEL_PROPERTIES",
    "Match",
    "Named",
    "find",
    "fold",
    "names",
    "rank",
    "search",
    "shown_kinds",
]
