"""Canonical RDF: one sorted list of quads, and writers whose bytes depend on nothing else.

Why not rdflib's serializers: they order named graphs and equal-valued literals by hash or
insertion order, invent prefixes (``ns1:``) for unknown namespaces and give blank nodes new
labels on every run (rdflib issues 1679, 2779 and 3545). Here each output is a pure function
of the *set* of quads, so the same input gives the same bytes whatever ``PYTHONHASHSEED`` is:

- Literals typed ``xsd:string`` are written as plain literals (the same RDF 1.1 term).
- Blank nodes get RDFC-1.0 (URDNA2015) canonical labels (``_:c14n0`` …), computed with PyLD
  over the quads that mention a blank node. They stay blank nodes rather than being skolemised,
  because the ontology's OWL class expressions and RDF lists must be blank nodes for OWL tools.
- N-Triples and N-Quads lines are sorted; Turtle and TriG list graphs, subjects and objects
  sorted by their N-Triples form, ``rdf:type`` first among predicates, and write a blank node
  used once inline (``[ … ]``, or ``( … )`` for a well-formed list), so its label disappears.
- Only the prefixes given (by default :data:`kg.model.namespaces.PREFIXES`) are used, and only those
  a document needs are declared; an IRI whose local part is not a plain name stays ``<…>``.

>>> from rdflib import Literal, URIRef
>>> from kg.model.namespaces import SG, SKOS
>>> oyer = URIRef("https://w3id.org/samarbeidsgrafen/id/organization/oyer")
>>> quads = canonical_quads([(oyer, SKOS.prefLabel, Literal("Øyer", lang="nb"), None),
...                          (oyer, RDF.type, SG.Municipality, None)])
>>> print(turtle(triples_of(quads)), end="")
@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<BLANKLINE>
<https://w3id.org/samarbeidsgrafen/id/organization/oyer>
    a sg:Municipality ;
    skos:prefLabel "Øyer"@nb .
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeAlias

from pyld.canon import URDNA2015
from rdflib import BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.errors import OutputError
from kg.model.namespaces import PREFIXES, RDF, XSD

Subject: TypeAlias = URIRef | BNode
Object: TypeAlias = URIRef | BNode | Literal
Triple: TypeAlias = tuple[Subject, URIRef, Object]
Quad: TypeAlias = tuple[Subject, URIRef, Object, URIRef | BNode | None]
"""A quad; graph ``None`` is the default graph."""

INDENT = "    "

# --------------------------------------------------------------------------------------------
# Terms in N-Triples syntax

_STRING_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f]')
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\]*')
_LOCAL_NAME = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _STRING_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def nt_iri(iri: str) -> str:
    """An IRI in ``<…>`` form, characters that IRIREF forbids written as ``\\uXXXX``.

    >>> nt_iri("http://example.org/a b")
    '<http://example.org/a\\\\u0020b>'
    """
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group(0)):04X}", iri) + ">"


def nt_string(text: str) -> str:
    """A string literal's quoted form in canonical N-Triples (RDF 1.1 §4 of N-Triples, and how
    Oxigraph writes it): ``"`` ``\\`` and the controls that have one escaped as ``\\t \\b \\n
    \\r \\f``, other controls and DEL as ``\\uXXXX``, everything else as itself.

    >>> print(nt_string('say "hei"\\n'))
    "say \\"hei\\"\\n"
    """
    return '"' + _STRING_SPECIAL.sub(_escape_char, text) + '"'


def _literal(term: Literal, write_iri: Callable[[str], str] = nt_iri) -> str:
    """A literal: its quoted string, then ``@language`` or ``^^`` and its datatype written by
    ``write_iri`` (none for ``xsd:string``).

    >>> _literal(Literal("hei", lang="nb"))
    '"hei"@nb'
    """
    text = nt_string(str(term))
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^{write_iri(term.datatype)}"
    return text


def nt_term(term: Node) -> str:
    """``term`` in N-Triples syntax (also the sort key of every writer here).

    >>> nt_term(Literal("1999", datatype=XSD.gYear))
    '"1999"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    >>> nt_term(BNode("c14n0"))
    '_:c14n0'
    """
    if isinstance(term, Literal):
        return _literal(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef):
        return nt_iri(term)
    raise TypeError(f"not an RDF term: {term!r}")


# --------------------------------------------------------------------------------------------
# Canonical quads


def _plain(term: Node) -> Node:
    """``"x"^^xsd:string`` is the same RDF term as ``"x"``; rdflib keeps them apart."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def check_iri(iri: URIRef) -> URIRef:
    """``iri`` if it is an absolute IRI that every RDF syntax can carry, else OutputError.

    A ``file:`` IRI is refused too: it is what a relative IRI in a data file resolves to.

    >>> check_iri(URIRef("https://w3id.org/samarbeidsgrafen/id/organization/øyer"))
    rdflib.term.URIRef('https://w3id.org/samarbeidsgrafen/id/organization/øyer')
    >>> check_iri(URIRef("file:///work/data/oyer"))
    Traceback (most recent call last):
    kg.errors.OutputError: cannot export <file:///work/data/oyer>: not an absolute web IRI ...
    """
    if not _ABSOLUTE_IRI.fullmatch(iri) or iri.lower().startswith("file:"):
        raise OutputError(
            f"cannot export <{iri}>: not an absolute web IRI "
            "(a relative IRI in a data file, a space or a forbidden character?)"
        )
    return iri


def _graph_name(graph: Node | None) -> URIRef | BNode | None:
    if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
        return None
    identifier = getattr(graph, "identifier", graph)  # rdflib may hand out a Graph
    if identifier == DATASET_DEFAULT_GRAPH_ID:
        return None
    if not isinstance(identifier, URIRef | BNode):
        raise TypeError(f"not a graph name: {identifier!r}")
    return identifier


def canonical_blank_labels(quads: Sequence[Quad]) -> dict[BNode, BNode]:
    """RDFC-1.0 canonical labels for the blank nodes in ``quads`` (old node → ``c14nN``).

    Only the quads mentioning a blank node take part: the algorithm reads nothing else, so
    the labels are the same as over the whole dataset, and a graph without blank nodes costs
    nothing.

    >>> a, b = BNode(), BNode()
    >>> p = URIRef("http://example.org/p")
    >>> labels = canonical_blank_labels([(a, p, b, None), (b, p, Literal("x"), None)])
    >>> sorted(str(v) for v in labels.values())
    ['c14n0', 'c14n1']
    """
    relevant = [q for q in quads if any(isinstance(t, BNode) for t in (q[0], q[2], q[3]))]
    if not relevant:
        return {}
    canon = URDNA2015()
    canon.main(pyld_dataset(relevant), {})
    issued: dict[str, str] = canon.canonical_issuer.existing
    return {BNode(old[2:]): BNode(new[2:]) for old, new in issued.items()}


def _pyld_term(term: Node) -> dict[str, str]:
    if isinstance(term, BNode):
        return {"type": "blank node", "value": f"_:{term}"}
    if isinstance(term, URIRef):
        return {"type": "IRI", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            datatype = str(RDF.langString)
            return {
                "type": "literal",
                "value": str(term),
                "datatype": datatype,
                "language": term.language,
            }
        datatype = str(term.datatype) if term.datatype is not None else str(XSD.string)
        return {"type": "literal", "value": str(term), "datatype": datatype}
    raise TypeError(f"not an RDF term: {term!r}")


def pyld_dataset(quads: Iterable[Quad]) -> dict[str, list[dict[str, dict[str, str]]]]:
    """``quads`` as PyLD's RDF dataset (graph name or ``@default`` → triples), in order.

    Built directly rather than through PyLD's N-Quads parser, whose unescaping is lossy
    (``\\\\n`` becomes a new line) and whose duplicate check is quadratic.
    """
    dataset: dict[str, list[dict[str, dict[str, str]]]] = {}
    for s, p, o, g in quads:
        name = "@default" if g is None else _pyld_term(g)["value"]
        triple = {"subject": _pyld_term(s), "predicate": _pyld_term(p), "object": _pyld_term(o)}
        dataset.setdefault(name, []).append(triple)
    return dataset


def quad_key(quad: Quad) -> tuple[str, str, int, str, str]:
    """Sort key: graph (default first), subject, ``rdf:type`` first, predicate, object."""
    s, p, o, g = quad
    return ("" if g is None else nt_term(g), nt_term(s), p != RDF.type, nt_term(p), nt_term(o))


def canonical_quads(quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> list[Quad]:
    """The distinct quads, literals normalised, blank nodes relabelled, sorted by :func:`quad_key`.

    ``quads`` may come straight from ``Dataset.quads()``: rdflib's default-graph identifier
    becomes ``None``.
    """
    collected: set[Quad] = set()
    for s, p, o, g in quads:
        if not isinstance(s, URIRef | BNode) or not isinstance(p, URIRef):
            raise TypeError(f"not an RDF triple: {(s, p, o)!r}")
        if not isinstance(o, URIRef | BNode | Literal):
            raise TypeError(f"not an RDF object: {o!r}")
        obj = _plain(o)
        assert isinstance(obj, URIRef | BNode | Literal)
        name = _graph_name(g)
        for term in (s, p, obj, name):
            if isinstance(term, URIRef):
                check_iri(term)
            elif isinstance(term, Literal) and term.datatype is not None:
                check_iri(term.datatype)
        collected.add((s, p, obj, name))
    labels = canonical_blank_labels(list(collected))
    if labels:

        def relabel(term: Node) -> Node:
            return labels.get(term, term) if isinstance(term, BNode) else term

        collected = {
            (relabel(s), p, relabel(o), relabel(g) if g is not None else None)  # type: ignore[misc]
            for s, p, o, g in collected
        }
    return sorted(collected, key=quad_key)


def triples_of(quads: Iterable[Quad]) -> list[Triple]:
    """The union of the graphs: distinct triples, sorted (subject, ``rdf:type`` first, …)."""
    triples = {(s, p, o) for s, p, o, _ in quads}
    return sorted(triples, key=lambda t: quad_key((*t, None)))


# --------------------------------------------------------------------------------------------
# Line formats


def ntriples(triples: Iterable[Triple]) -> str:
    """N-Triples, one line per distinct triple, lines sorted."""
    lines = {f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in triples}
    return "".join(sorted(lines))


def nquads(quads: Iterable[Quad]) -> str:
    """N-Quads, one line per distinct quad, lines sorted."""
    lines = set()
    for s, p, o, g in quads:
        graph = "" if g is None else " " + nt_term(g)
        lines.add(f"{nt_term(s)} {nt_term(p)} {nt_term(o)}{graph} .\n")
    return "".join(sorted(lines))


# --------------------------------------------------------------------------------------------
# Turtle and TriG


class _Names:
    """Writes terms in Turtle syntax with the project's prefixes, remembering which it used."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self.longest_first = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.used: set[str] = set()
        # A local name has no "/" or "#": when every namespace ends with one, the only
        # namespace that can shorten an IRI is the IRI up to its last "/" or "#".
        self.by_namespace: dict[str, str] | None = None
        if all(ns[-1:] in ("/", "#") for ns in self.prefixes.values()):
            self.by_namespace = {ns: p for p, ns in reversed(self.longest_first)}

    def iri(self, iri: str) -> str:
        if self.by_namespace is not None:
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            prefix = self.by_namespace.get(iri[:cut])
            if prefix is not None and _LOCAL_NAME.fullmatch(iri, cut):
                self.used.add(prefix)
                return f"{prefix}:{iri[cut:]}"
            return nt_iri(iri)
        for prefix, namespace in self.longest_first:
            if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri[len(namespace) :]):
                self.used.add(prefix)
                return f"{prefix}:{iri[len(namespace) :]}"
        return nt_iri(iri)

    def term(self, term: Node) -> str:
        if isinstance(term, Literal):
            return _literal(term, self.iri)
        if isinstance(term, URIRef):
            return self.iri(term)
        return nt_term(term)

    def header(self) -> str:
        lines = [
            f"@prefix {p}: {nt_iri(ns)} ." for p, ns in self.prefixes.items() if p in self.used
        ]
        return "\n".join(lines) + "\n\n" if lines else ""


class _Block:
    """The triples of one graph, written subject by subject; blank nodes used once go inline."""

    def __init__(self, triples: Sequence[Triple], names: _Names, shared: set[BNode]) -> None:
        self.names = names
        self.properties: dict[Subject, dict[URIRef, list[Object]]] = defaultdict(
            lambda: defaultdict(list)
        )
        references: Counter[BNode] = Counter()
        for s, p, o in triples:  # already sorted: objects come in order
            self.properties[s][p].append(o)
            if isinstance(o, BNode):
                references[o] += 1
        self.inline = {b for b, n in references.items() if n == 1 and b not in shared}
        self.roots = self._roots()

    def _roots(self) -> list[Subject]:
        """Subjects written at top level: all but inline blank nodes reachable from another."""
        order = sorted(self.properties, key=nt_term)
        roots = [s for s in order if s not in self.inline]
        reached: set[Subject] = set()

        def reach(start: Subject) -> None:
            stack = [start]
            while stack:
                node = stack.pop()
                for objects in self.properties.get(node, {}).values():
                    for o in objects:
                        if isinstance(o, BNode) and o in self.inline and o not in reached:
                            reached.add(o)
                            stack.append(o)

        for root in roots:
            reach(root)
        for node in order:  # a cycle of blank nodes used once each: label its first node
            if node in self.inline and node not in reached:
                self.inline.discard(node)
                roots.append(node)
                reach(node)
        return sorted(roots, key=nt_term)

    def _list_items(self, node: BNode) -> list[Object] | None:
        """The members of a well-formed RDF list starting at ``node``, else None."""
        items: list[Object] = []
        current: Node = node
        while current != RDF.nil:
            if not isinstance(current, BNode) or current not in self.inline:
                return None
            props = self.properties.get(current, {})
            if set(props) != {RDF.first, RDF.rest}:
                return None
            if len(props[RDF.first]) != 1 or len(props[RDF.rest]) != 1:
                return None
            items.append(props[RDF.first][0])
            current = props[RDF.rest][0]
        return items

    def _object(self, term: Object, depth: int) -> str:
        if isinstance(term, BNode) and term in self.inline:
            items = self._list_items(term)
            if items is not None:
                return "( " + " ".join(self._object(i, depth + 1) for i in items) + " )"
            if not self.properties.get(term):
                return "[]"
            inner = self._predicates(term, depth + 1)
            return "[\n" + inner + "\n" + INDENT * depth + "]"
        return self.names.term(term)

    def _predicates(self, subject: Subject, depth: int) -> str:
        props = self.properties[subject]
        order = sorted(props, key=lambda p: (p != RDF.type, nt_term(p)))
        parts = []
        for p in order:
            verb = "a" if p == RDF.type else self.names.iri(p)
            objects = [self._object(o, depth) for o in props[p]]
            separator = " ,\n" + INDENT * (depth + 1)
            parts.append(INDENT * depth + verb + " " + separator.join(objects))
        return " ;\n".join(parts)

    def render_roots(self, depth: int) -> list[tuple[str, str]]:
        """``(subject in N-Triples form, its block)`` for each top-level subject, in order."""
        blocks = []
        for subject in self.roots:
            head = INDENT * depth + self.names.term(subject)
            text = head + "\n" + self._predicates(subject, depth + 1) + " .\n"
            blocks.append((nt_term(subject), text))
        return blocks

    def render(self, depth: int) -> str:
        return "\n".join(text for _, text in self.render_roots(depth))


def turtle(triples: Sequence[Triple], prefixes: Mapping[str, str] | None = None) -> str:
    """Canonical Turtle of ``triples`` (canonical: see the module docstring)."""
    names = _Names(PREFIXES if prefixes is None else prefixes)
    body = _Block(sorted(set(triples), key=lambda t: quad_key((*t, None))), names, set()).render(0)
    return names.header() + body


def trig(quads: Sequence[Quad], prefixes: Mapping[str, str] | None = None) -> str:
    """Canonical TriG of ``quads``: the default graph first, then named graphs sorted by name."""
    names = _Names(PREFIXES if prefixes is None else prefixes)
    by_graph: dict[URIRef | BNode | None, list[Triple]] = defaultdict(list)
    graphs_of: dict[BNode, set[URIRef | BNode | None]] = defaultdict(set)
    for s, p, o, g in sorted(set(quads), key=quad_key):
        by_graph[g].append((s, p, o))
        for term in (s, o, g):
            if isinstance(term, BNode):
                graphs_of[term].add(g)
    # A blank node label is scoped to the document: one seen in two graphs, or naming a graph,
    # must keep its label everywhere.
    shared = {b for b, gs in graphs_of.items() if len(gs) > 1 or b in by_graph}
    parts = []
    for g in sorted(by_graph, key=lambda g: "" if g is None else nt_term(g)):
        block = _Block(by_graph[g], names, shared)
        if g is None:
            parts.append(block.render(0))
        else:
            parts.append(names.term(g) + " {\n" + block.render(1) + "}\n")
    return names.header() + "\n".join(parts)


# --------------------------------------------------------------------------------------------
# The same documents from N-Triples lines (the fast path: a store's dump, no rdflib terms)
#
# A line is one triple in canonical N-Triples without its newline, ``<s> <p> o .``, exactly as
# :func:`nt_term` writes each term (and as Oxigraph dumps them). Sorting lines sorts triples by
# (subject, predicate, object) N-Triples forms, since a space sorts before every character a
# subject or predicate can end with; so the writers below give the same bytes as the ones above.

_TYPE_NT = nt_iri(str(RDF.type))

GraphLines: TypeAlias = dict[str | None, list[str]]
"""Graph IRI (``None``: the default graph) → its N-Triples lines."""


def split_line(line: str) -> tuple[str, str, str]:
    """The subject, predicate and object of an N-Triples line, as written.

    >>> split_line('<http://e/s> <http://e/p> "a b" .')
    ('<http://e/s>', '<http://e/p>', '"a b"')
    """
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest[:-2]


def parse_lines(lines: Iterable[str]) -> list[Triple]:
    """rdflib triples of some N-Triples lines, blank node labels and literals' lexical forms
    kept exactly (rdflib would write ``"007"^^xsd:integer`` as ``"7"``): for the few lines
    that need the term writers (blank nodes), and for tests."""
    import pyoxigraph as ox

    def term(node: object) -> Node:
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return BNode(node.value)
        assert isinstance(node, ox.Literal)
        if node.language:
            return Literal(node.value, lang=node.language, normalize=False)
        if node.datatype.value == str(XSD.string):
            return Literal(node.value, normalize=False)
        return Literal(node.value, datatype=URIRef(node.datatype.value), normalize=False)

    text = "".join(line + "\n" for line in lines)
    triples: list[Triple] = []
    for quad in ox.parse(text, format=ox.RdfFormat.N_TRIPLES):
        s, p, o = term(quad.subject), term(quad.predicate), term(quad.object)
        triples.append((s, p, o))  # type: ignore[arg-type]
    return triples


def canonical_graph_lines(graphs: GraphLines) -> GraphLines:
    """Each graph's lines, distinct and sorted, blank nodes relabelled ``_:c14nN`` by RDFC-1.0
    over the quads that mention one (as :func:`canonical_quads` does)."""
    blank_lines = {g: [line for line in lines if "_:" in line] for g, lines in graphs.items()}
    quads: list[Quad] = []
    parsed: dict[str | None, list[Triple]] = {}
    for g, lines in blank_lines.items():
        if not lines:
            continue
        triples = parse_lines(lines)
        parsed[g] = triples
        name = URIRef(g) if g is not None else None
        quads.extend((s, p, o, name) for s, p, o in triples)
    labels = canonical_blank_labels(quads) if quads else {}

    def relabel(term: Node) -> Node:
        return labels.get(term, term) if isinstance(term, BNode) else term

    result: GraphLines = {}
    for g, lines in graphs.items():
        if g in parsed:
            plain = [line for line in lines if "_:" not in line]
            # a literal may contain "_:": those lines parsed back unchanged
            rewritten = [
                f"{nt_term(relabel(s))} {nt_term(p)} {nt_term(relabel(o))} ."
                for s, p, o in parsed[g]
            ]
            lines = plain + rewritten
        result[g] = sorted(set(lines))
    return result


def union_lines(graphs: GraphLines) -> list[str]:
    """The distinct lines of all graphs, sorted (the union)."""
    union: set[str] = set()
    for lines in graphs.values():
        union.update(lines)
    return sorted(union)


def nquads_of_lines(graphs: GraphLines) -> str:
    """N-Quads of canonical graph lines: one line per quad, lines sorted (as :func:`nquads`)."""
    lines: list[str] = []
    for g, triples in graphs.items():
        suffix = " ." if g is None else f" {nt_iri(g)} ."
        lines.extend(line[:-2] + suffix for line in triples)
    lines.sort()
    return "".join(line + "\n" for line in lines)


def ntriples_of_lines(lines: Sequence[str]) -> str:
    """N-Triples of sorted distinct lines (as :func:`ntriples`)."""
    return "".join(line + "\n" for line in lines)


class _LineNames:
    """:class:`_Names` for terms already in N-Triples form, remembering each IRI's name."""

    def __init__(self, names: _Names) -> None:
        self.names = names
        self.cache: dict[str, str] = {}

    def iri(self, written: str) -> str:
        found = self.cache.get(written)
        if found is None:
            found = self.names.iri(written[1:-1]) if "\\" not in written else written
            self.cache[written] = found
        return found

    def term(self, written: str) -> str:
        first = written[0]
        if first == "<":
            return self.iri(written)
        if first == '"':
            cut = written.rfind('"^^<')
            if cut > 0:
                return written[: cut + 3] + self.iri(written[cut + 3 :])
        return written


def _subject_blocks(
    lines: Sequence[str], names: _LineNames, depth: int
) -> Iterator[tuple[str, str]]:
    """``(subject, text)`` of each subject of sorted, blank-node-free lines."""
    head_indent = INDENT * depth
    verb_indent = INDENT * (depth + 1)
    separator = " ,\n" + INDENT * (depth + 2)
    term, iri = names.term, names.iri
    subject = None
    by_predicate: dict[str, list[str]] = {}

    def block() -> str:
        parts = []
        types = by_predicate.pop(_TYPE_NT, None)
        if types is not None:
            parts.append(verb_indent + "a " + separator.join([term(o) for o in types]))
        for p, objects in by_predicate.items():
            parts.append(verb_indent + iri(p) + " " + separator.join([term(o) for o in objects]))
        return head_indent + term(subject) + "\n" + " ;\n".join(parts) + " .\n"  # type: ignore[arg-type]

    for line in lines:
        s, p, rest = line.split(" ", 2)
        if s != subject:
            if subject is not None:
                yield subject, block()
            subject, by_predicate = s, {}
        objects = by_predicate.get(p)
        if objects is None:
            by_predicate[p] = [rest[:-2]]
        else:
            objects.append(rest[:-2])
    if subject is not None:
        yield subject, block()


def _block_of_lines(
    lines: Sequence[str],
    names: _Names,
    depth: int,
    shared: set[BNode] = frozenset(),  # type: ignore[assignment]
) -> str:
    """One graph's sorted lines as Turtle subject blocks: the fast writer for subjects without
    blank nodes, :class:`_Block` for those with (inline ``[ … ]`` and lists, as before)."""
    blank_subjects: set[str] = set()
    for line in lines:
        if "_:" in line:
            s, _, o = split_line(line)
            if s.startswith("_:") or o.startswith("_:"):
                blank_subjects.add(s)
    fast = [line for line in lines if line.split(" ", 1)[0] not in blank_subjects]
    line_names = _LineNames(names)
    blocks = list(_subject_blocks(fast, line_names, depth))
    if blank_subjects:
        slow = [line for line in lines if line.split(" ", 1)[0] in blank_subjects]
        block = _Block(
            sorted(set(parse_lines(slow)), key=lambda t: quad_key((*t, None))), names, shared
        )
        blocks.extend(block.render_roots(depth))
        blocks.sort(key=lambda item: item[0])
    return "\n".join(text for _, text in blocks)


def turtle_of_lines(lines: Sequence[str], prefixes: Mapping[str, str] | None = None) -> str:
    """Canonical Turtle of sorted distinct lines: the bytes :func:`turtle` writes."""
    names = _Names(PREFIXES if prefixes is None else prefixes)
    body = _block_of_lines(lines, names, 0)
    return names.header() + body


def trig_of_lines(graphs: GraphLines, prefixes: Mapping[str, str] | None = None) -> str:
    """Canonical TriG of canonical graph lines: the bytes :func:`trig` writes."""
    names = _Names(PREFIXES if prefixes is None else prefixes)
    graphs_of: dict[str, set[str | None]] = defaultdict(set)
    for g, lines in graphs.items():
        for line in lines:
            if "_:" in line:
                s, _, o = split_line(line)
                for term in (s, o):
                    if term.startswith("_:"):
                        graphs_of[term].add(g)
    shared = {BNode(b[2:]) for b, gs in graphs_of.items() if len(gs) > 1}
    parts = []
    for g in sorted((g for g in graphs if graphs[g]), key=lambda g: "" if g is None else nt_iri(g)):
        body = _block_of_lines(graphs[g], names, 0 if g is None else 1, shared)
        if g is None:
            parts.append(body)
        else:
            parts.append(names.iri(g) + " {\n" + body + "}\n")
    return names.header() + "\n".join(parts)


__all__ = [
    "Quad",
    "Triple",
    "canonical_blank_labels",
    "canonical_graph_lines",
    "canonical_quads",
    "check_iri",
    "nquads",
    "nquads_of_lines",
    "ntriples_of_lines",
    "split_line",
    "trig_of_lines",
    "turtle_of_lines",
    "union_lines",
    "nt_iri",
    "nt_string",
    "nt_term",
    "ntriples",
    "pyld_dataset",
    "parse_lines",
    "quad_key",
    "trig",
    "triples_of",
    "turtle",
]
