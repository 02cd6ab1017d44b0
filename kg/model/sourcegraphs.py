"""Every triple of the data in a source graph: what the loaders refuse, and where it is.

The rule (``DESIGN.md``, "Time and provenance"): every triple of the data is in a named graph
that describes itself as a source graph, ``G a sg:SourceGraph`` inside ``G``; the ontology and
the code lists have graphs of their own, and the default graph holds nothing of its own. A
data file is refused with one :class:`~kg.errors.LoadError` (exit 2) when what its parser
produced has

- a triple in the default graph: in TriG a statement outside every graph block or inside an
  unnamed ``{ ... }`` block, in N-Quads a line without a graph, in JSON-LD a node outside every
  named graph, and every triple of a Turtle, N-Triples or RDF/XML file (they have no graphs); or
- a named graph that is not a source graph: one that does not say ``G a sg:SourceGraph`` inside
  itself, one named by a blank node, or the graph of the ontology or of the code lists.

**The decision is the loaders'**, made on the quads their parser produced:
:func:`kg.model.store.load` on Oxigraph's, :func:`kg.model.dataset.load_data_file` on rdflib's. Each
tells :func:`refusal` what one file added (:class:`Found`); :func:`refusal` then only *locates* the
first offence in the file's text, so that both loaders give the same line: a small lexer finds, for
TriG and Turtle, the statements outside graph blocks, the unnamed blocks and the named blocks
(skipping comments, strings, long strings and IRIs); for N-Quads, the lines; for JSON-LD, the
``"@id"``; for RDF/XML, the first node element. A statement the lexer finds is checked against the
parser's triples where its subject is an IRI; where the lexer finds nothing that agrees, the file is
refused all the same, naming the subject or the graph without a line.

>>> text = '@prefix o: <https://w3id.org/samarbeidsgrafen/id/organization/> .\\n\\no:oyer a o:X .'
>>> [(e.kind, e.line, e.column, e.written, e.iri) for e in trig_events(text, "file:///x.trig")]
[('triple', 3, 1, 'o:oyer', 'https://w3id.org/samarbeidsgrafen/id/organization/oyer')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from kg.errors import LoadError
from kg.model.prefixes import PREFIXES

SOURCE_GRAPH = PREFIXES["sg"] + "SourceGraph"
RDF_TYPE = PREFIXES["rdf"] + "type"
MODEL_GRAPHS = {
    PREFIXES["sgid"] + "graph/ontology": "the ontology",
    PREFIXES["sgid"] + "graph/vocabularies": "the code lists",
}
"""The graphs of the ontology and the code lists, which no data file may write into."""

TRIPLE_SYNTAXES = {"turtle": "a Turtle", "nt": "an N-Triples", "xml": "an RDF/XML"}
"""Syntaxes without named graphs (by :func:`kg.model.dataset.syntax_of` name), as people call
them."""

DATA_SYNTAXES = "data files are TriG, N-Quads or JSON-LD with named source graphs"


@dataclass(frozen=True)
class Found:
    """What one data file added, as its loader's parser produced it."""

    default: bool = False
    """Whether the file put any triple in the default graph."""
    graphs: tuple[str, ...] = ()
    """IRIs of the named graphs the file wrote into that are not source graphs (sorted)."""
    blank_graph: bool = False
    """Whether the file has a graph named by a blank node."""
    is_subject: Callable[[str], bool] = field(default=lambda iri: True, compare=False)
    """Whether an IRI is the subject of a triple the file put in the default graph."""
    least_subject: Callable[[], str | None] = field(default=lambda: None, compare=False)
    """The least IRI (as a string) that is a subject in the default graph; ``None`` if every
    subject there is a blank node."""

    @property
    def refused(self) -> bool:
        return self.default or bool(self.graphs) or self.blank_graph


# --------------------------------------------------------------------------------------------
# Locating: TriG and Turtle


@dataclass(frozen=True)
class Event:
    """A statement or a graph block of a file, where it begins."""

    kind: str
    """``triple`` (a statement outside every block), ``unnamed`` (an unnamed block holding a
    statement) or ``graph`` (a named block)."""
    line: int
    column: int
    written: str
    """The subject (``triple``, ``unnamed``: of its first statement) or the graph's name, as
    written; ``[`` for an anonymous blank node, ``(`` for a list, ``<<`` for a quoted triple."""
    iri: str | None = None
    """``written`` as an absolute IRI, where it is one."""

    @property
    def blank(self) -> bool:
        return self.written.startswith("_:") or self.written == "["


def _quoted(quote: str) -> str:
    body = f"[^{quote}\\\\\\n\\r]"
    return f"{quote}{body}*(?:\\\\.{body}*)*{quote}"


_LONG = r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""' + r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
_STRING = f"{_LONG}|{_quoted(chr(34))}|{_quoted(chr(39))}"
_IRIREF = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_TOKEN = re.compile(
    r"[ \t\r\n]+|#[^\r\n]*"
    rf"|(?P<string>{_STRING})|(?P<iri>{_IRIREF})|(?P<punct><<|>>|[{{}}\[\]();,])"
    r"|(?P<word>[^ \t\r\n{}\[\]()<>;,\"'#]+)|(?P<other>.)",
    re.DOTALL,
)
"""TriG's tokens, as far as locating needs them: blanks and comments (skipped), strings, IRIs,
punctuation, and words (prefixed names, keywords, numbers, blank node labels, ``a``)."""
_SKIP = re.compile(rf"{_STRING}|{_IRIREF}|#[^\r\n]*|(?P<brace>[{{}}])", re.DOTALL)
"""What can hide a brace inside a graph block (strings, IRIs, comments), and braces."""
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LOCAL_ESCAPE = re.compile(r"\\(.)")


class _Lexer:
    """Tokens of a TriG (or Turtle) text, with a look-ahead of one and line counting."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._peeked: tuple[str, str, int] | None = None
        self._line_pos = 0
        self._line = 1

    def next(self) -> tuple[str, str, int] | None:
        """The next token: ``(kind, text, start)``; ``None`` at the end."""
        if self._peeked is not None:
            token, self._peeked = self._peeked, None
            return token
        text = self.text
        while self.pos < len(text):
            found = _TOKEN.match(text, self.pos)
            assert found is not None  # the last alternative matches any character
            kind = found.lastgroup
            start = self.pos
            self.pos = found.end()
            if kind is None:
                continue  # blanks, a comment
            value = found.group()
            if kind == "word" and value != "." and (value.startswith(".") or value.endswith(".")):
                if value.startswith("."):  # a statement's end, then the next word
                    self.pos = start + 1
                    return "punct", ".", start
                stripped = value.rstrip(".")  # a word, then the statement's end
                if stripped:
                    self.pos = start + len(stripped)
                    value = stripped
                else:
                    self.pos = start + 1
                    return "punct", ".", start
            if kind == "word" and value == ".":
                kind = "punct"
            return kind, value, start
        return None

    def peek(self) -> tuple[str, str, int] | None:
        if self._peeked is None:
            self._peeked = self.next()
        return self._peeked

    def where(self, position: int) -> tuple[int, int]:
        """Line and column (both from 1) of a position at or after every earlier one asked."""
        self._line += self.text.count("\n", self._line_pos, position)
        self._line_pos = position
        return self._line, position - self.text.rfind("\n", 0, position)

    def skip_block(self) -> None:
        """Skip to just after the ``}`` that closes the block the lexer is in."""
        assert self._peeked is None
        depth = 1
        for found in _SKIP.finditer(self.text, self.pos):
            brace = found.group("brace")
            if brace is None:
                continue
            depth += 1 if brace == "{" else -1
            if depth == 0:
                self.pos = found.end()
                return
        self.pos = len(self.text)

    def skip_statement(self, depth: int = 0) -> None:
        """Skip to just after the ``.`` that ends the statement (or to the end of the text)."""
        while (token := self.next()) is not None:
            kind, value, _ = token
            if kind != "punct":
                continue
            if value in ("[", "(", "{", "<<"):
                depth += 1
            elif value in ("]", ")", "}", ">>"):
                depth -= 1
            elif value == "." and depth <= 0:
                return


def _resolve(kind: str, value: str, prefixes: dict[str, str], base: str) -> str | None:
    """A term as an absolute IRI, where it is an IRI and its prefix is known."""
    if kind == "iri":
        iri = value[1:-1]
        return iri if _ABSOLUTE.match(iri) else urljoin(base, iri)
    if kind == "word" and ":" in value and not value.startswith("_:"):
        prefix, local = value.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    return None


def trig_events(text: str, base: str) -> Iterator[Event]:
    """The statements outside graph blocks, the unnamed blocks that hold statements and the
    named blocks of a TriG (or Turtle, or N-Triples) text, in order; ``base`` resolves relative
    IRIs, as the parser's base IRI does.

    >>> text = 'PREFIX g: <http://e/g/>\\ng:a { g:a a g:G }\\n{ }\\n{\\n  _:x g:p 1 }\\n[ g:p 2 ] .'
    >>> for e in trig_events(text, "file:///x.trig"):
    ...     print(e.kind, e.line, e.column, e.written, e.iri)
    graph 2 1 g:a http://e/g/a
    unnamed 4 1 _:x None
    triple 6 1 [ None
    """
    lexer = _Lexer(text)
    prefixes: dict[str, str] = {}
    while (token := lexer.next()) is not None:
        kind, value, start = token
        keyword = value.lower() if kind == "word" else ""
        if keyword in ("@prefix", "prefix"):
            name, iri = lexer.next(), lexer.next()
            if name is not None and iri is not None and iri[0] == "iri":
                prefixes[name[1].rstrip(":")] = _resolve("iri", iri[1], prefixes, base) or ""
            if keyword == "@prefix" and (lexer.peek() or ("", "", 0))[1] == ".":
                lexer.next()
            continue
        if keyword in ("@base", "base"):
            iri = lexer.next()
            if iri is not None and iri[0] == "iri":
                base = _resolve("iri", iri[1], prefixes, base) or base
            if keyword == "@base" and (lexer.peek() or ("", "", 0))[1] == ".":
                lexer.next()
            continue
        if keyword == "graph":
            label = lexer.next()
            if label is None:
                return
            if label[1] == "[":
                lexer.next()  # ']'
            if (lexer.peek() or ("", "", 0))[1] == "{":
                lexer.next()
                line, column = lexer.where(start)
                yield Event("graph", line, column, label[1], _resolve(*label[:2], prefixes, base))
                lexer.skip_block()
            continue
        if kind == "punct" and value == "{":
            first = lexer.next()
            if first is None:
                return
            if first[1] == "}":
                continue  # an empty block: no triple
            line, column = lexer.where(start)
            yield Event("unnamed", line, column, first[1], _resolve(*first[:2], prefixes, base))
            lexer.skip_block()
            continue
        if kind == "punct" and value in ("[", "(", "<<"):
            if value == "[" and (lexer.peek() or ("", "", 0))[1] == "]":
                lexer.next()
                if (lexer.peek() or ("", "", 0))[1] == "{":  # [] { ... }: a blank graph name
                    lexer.next()
                    line, column = lexer.where(start)
                    yield Event("graph", line, column, "[")
                    lexer.skip_block()
                    continue
                line, column = lexer.where(start)
                yield Event("triple", line, column, "[")
                lexer.skip_statement()
                continue
            line, column = lexer.where(start)
            yield Event("triple", line, column, value)
            lexer.skip_statement(depth=1)
            continue
        if kind in ("iri", "word"):
            resolved = _resolve(kind, value, prefixes, base)
            line, column = lexer.where(start)
            if (lexer.peek() or ("", "", 0))[1] == "{":
                lexer.next()
                yield Event("graph", line, column, value, resolved)
                lexer.skip_block()
                continue
            yield Event("triple", line, column, value, resolved)
            lexer.skip_statement()
            continue
        # anything else (a stray '.', a string at the top): not a statement we can name


# --------------------------------------------------------------------------------------------
# Locating: N-Quads, JSON-LD, RDF/XML

_NQ_TERM = re.compile(
    r"[ \t]*(?:(?P<iri><[^>]*>)|(?P<blank>_:[^ \t.]+(?:\.+[^ \t.]+)*)"
    r'|(?P<literal>"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?))'
)


def nquads_events(text: str) -> Iterator[Event]:
    """The lines of an N-Quads text with a triple and no graph, and the first line of each
    graph, in order.

    >>> text = '<e:s> <e:p> "o" .\\n# c\\n <e:s> <e:p> _:o <e:g> .'
    >>> for e in nquads_events(text):
    ...     print(e.kind, e.line, e.column, e.written, e.iri)
    triple 1 1 <e:s> e:s
    graph 3 18 <e:g> e:g
    """
    seen: set[str] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        terms: list[tuple[str, str, int]] = []
        pos = 0
        while (found := _NQ_TERM.match(line, pos)) is not None and found.lastgroup:
            start = found.start(found.lastgroup)
            terms.append((found.lastgroup, found.group(found.lastgroup), start + 1))
            pos = found.end()
            if len(terms) == 4:
                break
        if len(terms) == 3:
            kind, written, column = terms[0]
            yield Event("triple", number, column, written, written[1:-1] if kind == "iri" else None)
        elif len(terms) == 4 and terms[3][1] not in seen:
            kind, written, column = terms[3]
            seen.add(written)
            yield Event("graph", number, column, written, written[1:-1] if kind == "iri" else None)


def jsonld_position(text: str, iri: str, base: str) -> tuple[int, int] | None:
    """Line and column of the first ``"@id"`` that names ``iri`` (written in full, with a
    project prefix, or relative to the file's folder), if there is one."""
    import json

    folder = base.rsplit("/", 1)[0] + "/"
    forms = [iri, _compact(iri)]
    if iri.startswith(folder):
        forms.append(iri[len(folder) :])
    for form in forms:
        pattern = r'"@id"\s*:\s*' + re.escape(json.dumps(form, ensure_ascii=False))
        found = re.search(pattern, text)
        if found is not None:
            start = found.start()
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return None


_XML_TAG = re.compile(
    r"<(?:!--.*?-->|\?.*?\?>|!\[CDATA\[.*?\]\]>|![^>]*>|(?P<end>/)?(?P<name>[^\s/>]+))", re.DOTALL
)


def xml_first_node(text: str) -> tuple[int, int] | None:
    """Line and column of the first node element of an RDF/XML text: the first element inside
    ``rdf:RDF``, or the root element where that is not ``rdf:RDF``.

    >>> xml_first_node('<?xml version="1.0"?>\\n<rdf:RDF xmlns:rdf="r">\\n  <rdf:Description/>')
    (3, 3)
    """
    root_seen = False
    for found in _XML_TAG.finditer(text):
        name = found.group("name")
        if name is None:
            continue
        if found.group("end"):
            return None  # closed before any node element
        if not root_seen and name.rsplit(":", 1)[-1] == "RDF":
            root_seen = True
            continue
        start = found.start()
        return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return None


# --------------------------------------------------------------------------------------------
# The one line


def _compact(iri: str) -> str:
    """``iri`` with a project prefix where one fits (as :func:`kg.model.render.shorten` shows
    it)."""
    from rdflib import URIRef

    from kg.model.render import shorten

    return shorten(URIRef(iri))


def _about(event: Event | None, found: Found) -> str:
    """What a refused triple is about, for the message: its subject, compact."""
    if event is not None:
        if event.iri is not None:
            return _compact(event.iri)
        if event.written.startswith("_:"):
            return event.written
        return {"[": "a blank node", "(": "a list", "<<": "a quoted triple"}.get(
            event.written, event.written
        )
    least = found.least_subject()
    return _compact(least) if least is not None else "a blank node"


def _located(event: Event | None, position: tuple[int, int] | None = None) -> dict[str, int | None]:
    if event is not None:
        return {"line": event.line, "column": event.column}
    if position is not None:
        return {"line": position[0], "column": position[1]}
    return {"line": None, "column": None}


def _graph_error(path: Path, graph: str | None, event: Event | None) -> LoadError:
    where = _located(event)
    if graph is None:  # a blank node
        written = event.written if event is not None and event.written != "[" else "[]"
        return LoadError(
            str(path),
            f"a graph named by a blank node ({written}) cannot be a source graph",
            **where,
            hint="name it with an IRI: graph:NAME { graph:NAME a sg:SourceGraph ; ... }",
        )
    name = _compact(graph)
    if graph in MODEL_GRAPHS:
        return LoadError(
            str(path),
            f"a data file may not write into {name}, the graph of {MODEL_GRAPHS[graph]}",
            **where,
            hint="put the statements in the graph of their source",
        )
    return LoadError(
        str(path),
        f"the named graph {name} does not describe itself as a source graph",
        **where,
        hint=f"say inside it: {name} a sg:SourceGraph ; prov:wasDerivedFrom <its source> .",
    )


def _default_error(path: Path, fmt: str, event: Event | None, found: Found) -> LoadError:
    where = _located(event)
    about = _about(event, found)
    if event is not None and event.kind == "unnamed":
        return LoadError(
            str(path),
            f"a graph block without a name: its triples (the first about {about}) are in the "
            "default graph and have no source",
            **where,
            hint="name the block after its source graph: graph:NAME { ... }",
        )
    if fmt == "nquads":
        return LoadError(
            str(path),
            f"a triple about {about} without a graph has no source",
            **where,
            hint="give the line its source graph's IRI as the fourth term",
        )
    hint = "move it into the graph block of its source: graph:NAME { ... }"
    if fmt == "json-ld":
        hint = 'put the node in the "@graph" of its source graph'
    return LoadError(
        str(path),
        f"a triple about {about} is outside every named graph, so it has no source",
        **where,
        hint=hint,
    )


def refusal(path: Path, fmt: str, text: str, found: Found) -> LoadError | None:
    """The error for a data file whose parser produced ``found`` (``None`` if nothing is
    refused): the first offence in the file's ``text`` (syntax ``fmt``), with its line and
    column where they can be found."""
    if not found.refused:
        return None
    base = path.resolve().as_uri()
    if fmt in TRIPLE_SYNTAXES:
        position: tuple[int, int] | None = None
        if fmt == "xml":
            position = xml_first_node(text)
        else:
            first = next((e for e in trig_events(text, base) if e.kind == "triple"), None)
            position = (first.line, first.column) if first is not None else None
        return LoadError(
            str(path),
            f"{TRIPLE_SYNTAXES[fmt]} file has no named graphs, so its triples have no source",
            **_located(None, position),
            hint=f"{DATA_SYNTAXES}; write it as TriG, the triples in graph:NAME {{ ... }}",
        )
    if fmt == "json-ld":
        return _jsonld_refusal(path, text, base, found)
    events = trig_events(text, base) if fmt == "trig" else nquads_events(text)
    bad = set(found.graphs)
    lost = False  # the lexer disagrees with the parser about the default graph
    for event in events:
        if event.kind == "graph":
            if event.iri in bad:
                return _graph_error(path, event.iri, event)
            if found.blank_graph and event.blank:
                return _graph_error(path, None, event)
            continue
        if not found.default or lost:
            continue
        if event.iri is not None and not found.is_subject(event.iri):
            lost = True
            continue
        return _default_error(path, fmt, event, found)
    if found.default:
        return _default_error(path, fmt, None, found)
    if found.graphs:
        return _graph_error(path, found.graphs[0], None)
    return _graph_error(path, None, None)


def _jsonld_refusal(path: Path, text: str, base: str, found: Found) -> LoadError:
    if found.default:
        least = found.least_subject()
        position = jsonld_position(text, least, base) if least is not None else None
        error = _default_error(path, "json-ld", None, found)
        if position is not None:
            error = LoadError(
                error.path, error.message, line=position[0], column=position[1], hint=error.hint
            )
        return error
    if found.graphs:
        located = [(jsonld_position(text, g, base), g) for g in found.graphs]
        at, graph = min(located, key=lambda item: (item[0] is None, item[0] or (0, 0), item[1]))
        error = _graph_error(path, graph, None)
        if at is not None:
            error = LoadError(error.path, error.message, line=at[0], column=at[1], hint=error.hint)
        return error
    return _graph_error(path, None, None)


__all__ = [
    "DATA_SYNTAXES",
    "MODEL_GRAPHS",
    "Event",
    "Found",
    "jsonld_position",
    "nquads_events",
    "refusal",
    "trig_events",
    "xml_first_node",
]
