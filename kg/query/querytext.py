"""One text for every parser: normalise a SPARQL query, then judge that text, token by token.

A check of a query is worth only as much as its agreement with the engine that runs it. rdflib,
Oxigraph and Java-based engines read the same text differently in two places (issue 7):

- **Code-point escapes.** SPARQL 1.1 §19.2 expands ``\\uXXXX`` and ``\\UXXXXXXXX`` anywhere
  before parsing; Oxigraph decodes them only inside strings and IRIs; Jena skips those after a
  backslash. ``"a\\u0022 || "`` is one string to Oxigraph and the end of one to the others.
- **Line ends.** A comment ends at ``\\n`` or ``\\r`` in SPARQL and Oxigraph, at ``\\n`` only in
  rdflib.

:func:`normalise` removes both: it expands every escape once, as the specification says, and
turns ``\\r\\n`` and ``\\r`` into ``\\n``. If the expanded text still holds an escape
(``\\u005Cu0022`` spells ``\\u0022``), it is refused: a second expansion would read it again. The
normalised text is then the only one anybody sees: it is what :func:`scan` judges, what rdflib
parses and what is sent to Oxigraph or to a remote endpoint, and in it every reading agrees.

:func:`scan` tokenises the normalised text (strings, IRIs, comments, prefixed names with their
escapes) and refuses, conservatively:

- ``SERVICE``: any word, and any prefix of a prefixed name, that contains it, in any
  case. Oxigraph reads ``SERVICE:x``, ``SERVICEex:y`` and ``trueSERVICE`` as the keyword
  next to another token; numbers and prefixed names are tokenised exactly as SPARQL says
  (``1e5SERVICE`` is a number and a word, ``ex:.SERVICE`` a name, a dot and a word);
- an IRI with ``'`` in it (``1<'>'`` compares to Oxigraph: the quote opens a string);
- an update: any of the update keywords as a bare word;
- ``FROM`` and ``FROM NAMED`` a graph not in the dataset;
- nesting deeper than :data:`MAX_DEPTH`, and a text longer than :data:`MAX_QUERY_CHARS`.

It is fast (a regular expression pass, tens of microseconds for a usual query), so the server
runs it on every request in the thread that reads it. None of this is the last line: the
engines themselves run where no connection can be made (:mod:`kg.query.sandbox`).

>>> normalise('SELECT * { BIND("a\\\\u0022 || " AS ?q) }')
'SELECT * { BIND("a" || " AS ?q) }'
>>> scan("SELECT * WHERE { ?s ?p ?o # x\\rSERVICE <http://x/> { ?a ?b ?c }\\n}").kind
Traceback (most recent call last):
kg.errors.UnsafeQueryError: SERVICE is refused: queries run on this dataset only
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from kg.errors import QueryLimitError, QuerySyntaxError, UnsafeQueryError

MAX_QUERY_CHARS = 1024 * 1024
"""The longest query text any entry point takes (1 MiB of characters)."""
MAX_DEPTH = 64
"""The deepest nesting of braces, parentheses and brackets a query may have."""

UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)
"""Bare words that occur only in SPARQL Update, never in a query."""
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


# --------------------------------------------------------------------------------------------
# Normalising


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def expand_codepoint_escapes(text: str) -> str:
    """Replace every ``\\uXXXX`` and ``\\UXXXXXXXX`` by its character, once, as SPARQL 1.1
    §19.2 says (an escape past U+10FFFF, or of a surrogate, is a syntax error).

    >>> expand_codepoint_escapes("\\\\u0053ERVICE")
    'SERVICE'
    >>> expand_codepoint_escapes("\\\\u000A0000")
    '\\n0000'
    """

    def character(found: re.Match[str]) -> str:
        value = int(found.group(1) or found.group(2), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise QuerySyntaxError(f"{found.group(0)} is not a Unicode character")
        return chr(value)

    return _ESCAPE.sub(character, text)


def normalise(text: str) -> str:
    """The one text every engine reads alike: escapes expanded once, ``\\n`` line ends.

    Raises :class:`QuerySyntaxError` when the expanded text still holds an escape, and
    :class:`QueryLimitError` for a text over :data:`MAX_QUERY_CHARS`.

    >>> normalise("ASK {\\r\\n}\\r")
    'ASK {\\n}\\n'
    >>> normalise("ASK { ?s ?p '\\\\u005Cu0022' }")
    Traceback (most recent call last):
    kg.errors.QuerySyntaxError: a \\u escape spells another escape (\\u0022); write the ...
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryLimitError(
            f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are taken"
        )
    if "\\" in text:
        text = expand_codepoint_escapes(text)
        again = _ESCAPE.search(text)
        if again is not None:
            raise QuerySyntaxError(
                f"a \\u escape spells another escape ({again.group(0)}); write the character itself"
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class Token:
    """A lexical unit of a SPARQL text: its kind, text and start offset."""

    kind: str
    text: str
    start: int


_LONG_STRING = r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
_SHORT_STRING = r"'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\""
_NAME_CHAR = r"[\w\-\u00B7\u00C0-\U000EFFFF]"
_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"(?:[^\W\d_]{_NAME_CHAR}*(?:\.{_NAME_CHAR}+)*)"
_LOCAL_FIRST = rf"(?:[\w\u00C0-\U000EFFFF:%]|{_LOCAL_ESCAPE})"
_LOCAL_NEXT = rf"(?:[\w\-\u00B7\u00C0-\U000EFFFF:%]|{_LOCAL_ESCAPE})"
_LOCAL = rf"(?:{_LOCAL_FIRST}(?:(?:{_LOCAL_NEXT}|\.)*{_LOCAL_NEXT})?)?"
"""PN_LOCAL exactly: no '-' or '.' first, no '.' last (``ex:a.`` is a name and a dot)."""
_NUMBER = r"(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_TOKENS = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>{_LONG_STRING}|{_SHORT_STRING})
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<var>[?$]{_NAME_CHAR}+)
  | (?P<bnode>_:(?:{_NAME_CHAR}|\.)*)
  | (?P<pname>{_PREFIX}?:{_LOCAL})
  | (?P<number>{_NUMBER})
  | (?P<word>[^\W\d_]\w*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokens(text: str) -> Iterator[Token]:
    """The tokens of a SPARQL text, comments and strings and IRIs each as one token.

    Braces and parentheses inside a string, an IRI, a comment or a prefixed name's escape
    (``ex:a\\(``) are not structure.

    >>> [t.text for t in tokens(r"ASK { ?s <urn:x#y> ex:a\\( '}' } # }") if t.kind != "space"]
    ['ASK', '{', '?s', '<urn:x#y>', 'ex:a\\\\(', "'}'", '}', '# }']
    """
    position = 0
    while position < len(text):
        found = _TOKENS.match(text, position)
        assert found is not None and found.lastgroup is not None  # ``punct`` matches anything
        yield Token(found.lastgroup, found.group(), position)
        position = found.end()


def significant(text: str) -> list[Token]:
    """The tokens of ``text`` that are neither white space nor comments."""
    return [t for t in tokens(text) if t.kind not in ("space", "comment")]


# --------------------------------------------------------------------------------------------
# Judging


@dataclass(frozen=True)
class Scan:
    """What the tokens of a normalised query say: its form, its prefixes and its ``FROM``."""

    text: str
    """The normalised text: what runs."""
    kind: str
    """``select``, ``ask``, ``construct`` or ``describe``."""
    prefixes: dict[str, str]
    """Prefixes the text declares, name → IRI."""
    graphs: tuple[str, ...]
    """IRIs named by ``FROM`` and ``FROM NAMED``."""
    variables: frozenset[str]
    """Names of the variables that occur."""


_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = {"}", ")", "]"}


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - text.rfind(chr(10), 0, offset)}"


def _iri_of(token: Token, prefixes: dict[str, str], base: str | None, text: str) -> str:
    if token.kind == "iri":
        iri = token.text[1:-1]
        if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
            if base is None:
                raise UnsafeQueryError(f"FROM <{iri}> is refused: a relative IRI with no BASE")
            iri = urllib.parse.urljoin(base, iri)
        return iri
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        where = _position(text, token.start)
        raise QuerySyntaxError(f"{where}: prefix '{prefix}:' is not declared")
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def _update_name(word: str, after: str) -> str:
    """The operation an update keyword starts, as SPARQL Update names it."""
    if word in ("INSERT", "DELETE") and after == "DATA":
        return f"{word} DATA"
    if word == "DELETE" and after == "WHERE":
        return "DELETE WHERE"
    if word in ("INSERT", "DELETE", "WITH"):
        return "DELETE/INSERT"
    return word


def refuse_outside(
    named: Collection[str], graphs: Collection[str] | None, *, allow_iri: str | None = None
) -> None:
    """Refuse a ``FROM`` IRI not in ``graphs`` (``None``: not starting with ``allow_iri``)."""
    for iri in named:
        if graphs is not None:
            inside = iri in graphs
        else:
            inside = allow_iri is not None and iri.startswith(allow_iri)
        if not inside:
            raise UnsafeQueryError(f"FROM <{iri}> is refused: not a graph here")


def scan(
    text: str,
    graphs: Collection[str] | None = None,
    *,
    allow_iri: str | None = None,
    check_from: bool = True,
) -> Scan:
    """Normalise ``text`` and judge it; the :class:`Scan` of the text that may run.

    ``graphs`` are the IRIs ``FROM`` may name (``None``: any IRI that starts with
    ``allow_iri``, or none at all; ``check_from=False``: not checked here). Raises
    :class:`UnsafeQueryError` for ``SERVICE``, an update
    or a ``FROM`` outside the dataset, :class:`QuerySyntaxError` when no query form is found,
    :class:`QueryLimitError` past the size or depth bounds.

    >>> scan("PREFIX ex: <http://example.org/>\\nSELECT ?x FROM ex:g WHERE { ?x ?p ?o }",
    ...      ["http://example.org/g"]).graphs
    ('http://example.org/g',)
    >>> scan("PREFIX : <http://127.0.0.1/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }")
    Traceback (most recent call last):
    kg.errors.UnsafeQueryError: SERVICE is refused: queries run on this dataset only
    >>> scan("DROP ALL")
    Traceback (most recent call last):
    kg.errors.UnsafeQueryError: updates are refused (DROP): queries only read
    """
    text = normalise(text)
    found = significant(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    kind: str | None = None
    updates: list[str] = []
    named: list[str] = []
    variables: set[str] = set()
    depth = 0
    deepest = 0
    for index, token in enumerate(found):
        word = token.text.upper()
        if (token.kind == "pname" and "SERVICE" in word.partition(":")[0]) or (
            token.kind == "word" and "SERVICE" in word
        ):  # Oxigraph reads SERVICE:x, true.SERVICE:x and trueSERVICE with the keyword in it
            raise UnsafeQueryError("SERVICE is refused: queries run on this dataset only")
        if token.kind == "iri" and "'" in token.text:
            # 1<'>' is a comparison to Oxigraph, an IRI to a tokenizer: the quote would open a
            # string for one reading only
            raise QuerySyntaxError(
                f"{_position(text, token.start)}: an IRI with ' in it is refused (write it as %27)"
            )
        if token.kind == "punct":
            if token.text in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
                if depth > MAX_DEPTH:
                    raise QueryLimitError(
                        f"{_position(text, token.start)}: the query nests more than "
                        f"{MAX_DEPTH} levels deep"
                    )
            elif token.text in _CLOSE:
                depth -= 1
            continue
        if token.kind == "var":
            variables.add(token.text[1:])
            continue
        if token.kind != "word":
            continue
        if word in UPDATE_WORDS:
            after = found[index + 1].text.upper() if index + 1 < len(found) else ""
            updates.append(_update_name(word, after))
        elif word in QUERY_FORMS and kind is None:
            kind = word.lower()
        elif word == "PREFIX" and kind is None:
            name = found[index + 1] if index + 1 < len(found) else None
            iri = found[index + 2] if index + 2 < len(found) else None
            if name is not None and iri is not None and iri.kind == "iri":
                prefixes[name.text.rstrip(":")] = iri.text[1:-1]
        elif word == "BASE" and kind is None:
            iri = found[index + 1] if index + 1 < len(found) else None
            if iri is not None and iri.kind == "iri":
                base = iri.text[1:-1]
        elif word == "FROM":
            target = found[index + 1] if index + 1 < len(found) else None
            if target is not None and target.text.upper() == "NAMED":
                target = found[index + 2] if index + 2 < len(found) else None
            if target is not None and target.kind in ("iri", "pname"):
                named.append(_iri_of(target, prefixes, base, text))
    if updates:
        names = ", ".join(sorted(set(updates)))
        raise UnsafeQueryError(f"updates are refused ({names}): queries only read")
    if kind is None:
        raise QuerySyntaxError("no query: a SELECT, ASK, CONSTRUCT or DESCRIBE is expected")
    if check_from:
        refuse_outside(named, graphs, allow_iri=allow_iri)
    return Scan(text, kind, prefixes, tuple(named), frozenset(variables))


__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_CHARS",
    "QUERY_FORMS",
    "Scan",
    "Token",
    "UPDATE_WORDS",
    "expand_codepoint_escapes",
    "normalise",
    "refuse_outside",
    "scan",
    "significant",
    "tokens",
]
