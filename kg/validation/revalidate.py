"""Re-validate after one source graph changed: only the nodes the change can reach.

A SHACL result is about one focus node, and most shapes read only a bounded neighbourhood of
it: ``sh:path org:member`` reads one hop, ``sh:class`` on those members one more (their
``rdf:type``), a SPARQL constraint whose triple patterns all hang off ``$this`` as many hops as
its longest chain. :func:`locality` measures that bound for a shapes graph, and which
predicates are read, in which direction, at which distance from the focus node; it refuses,
with reasons, what is not bounded: ``sh:zeroOrMorePath``/``sh:oneOrMorePath``, recursive
shapes, SPARQL that reads triples not connected to ``$this`` (or uses GRAPH, SERVICE,
subqueries, or LIMIT in a target), SHACL rules, functions and custom constraint components,
and any SHACL parameter it does not know.

When a source graph changes (its old and new triples known), :func:`affected_focus_nodes`
takes the nodes whose changed triples are read at some distance *k* and walks back *k* steps
along the predicates the shapes walk forward: every focus node whose results can differ is in
that set. :func:`revalidate` then validates those nodes on a small store holding just what
their validation reads (:func:`neighbourhood`, and the class hierarchy), keeps the previous
results of every other node, runs the violation queries in full (they take milliseconds on
the store, plus a sandboxed process each) and merges: the report equals a full validation,
result for result (tests/test_revalidate.py checks it on the project's data, on synthetic data
and on every fixture).

Two things are taken as fixed: the ontology's ``rdfs:subClassOf`` hierarchy, which targets and
``sh:class`` read through, is not data (a change that states ``rdfs:subClassOf`` re-validates
everything), and the shapes. Blank nodes are compared by label: a store patched in place keeps
them; a file parsed afresh gives its blank nodes new labels, so all of its triples with blank
nodes count as changed (correct, just less incremental), and a previous report that names
blank nodes the store no longer has makes :func:`revalidate` validate everything.

Why not pyshacl-turbo's ``focus_nodes`` on the whole store: turbo reads its input at some
15 µs a triple on every call, 15 to 30 seconds for a million triples before the first shape
runs, whatever the focus; and ``focus_nodes`` takes IRIs only, not blank nodes. A
neighbourhood of a few hundred triples validates in milliseconds (there, the affected IRIs are
passed as ``focus_nodes``).

>>> from kg.validation.validate import load_shapes
>>> print(locality(load_shapes()).explain())
shapes read at most 2 hops
"""

from __future__ import annotations

import bisect
import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kg.model.namespaces import RDF, SH
from kg.model.render import shorten
from kg.query.engines import OxigraphEngine, catalogue_limits, from_oxigraph, to_oxigraph
from kg.query.queries import Query
from kg.validation.validate import (
    DEFAULT_SHACL_ENGINE,
    QUERY_SHAPE_SCHEME,
    SEVERITIES,
    Severity,
    ValidationReport,
    ValidationResult,
    check_severity,
    check_shacl_engine,
    load_shapes,
    run_shacl,
    run_violation_queries,
    severity_rank,
    validate,
)

ANY_PREDICATE = URIRef("urn:x-kg:any-predicate")
"""Stands for every predicate: a SPARQL variable or negated path, ``sh:closed``."""

Read = tuple[int, URIRef, bool]
"""A read: at nodes this many steps from the focus node, triples of this predicate
(:data:`ANY_PREDICATE`: any) out of the node (``True``) or into it (``False``)."""
_Reads = frozenset[tuple[int, URIRef, bool, bool]]
"""Reads while analysing, the last field saying whether the read is also a step (the node at
its other end is read further)."""

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

_VALUE_ONLY = frozenset(
    {
        SH.datatype,
        SH.nodeKind,
        SH.minLength,
        SH.maxLength,
        SH.pattern,
        SH.flags,
        SH.languageIn,
        SH["in"],
        SH.hasValue,
        SH.minInclusive,
        SH.maxInclusive,
        SH.minExclusive,
        SH.maxExclusive,
    }
)
"""Constraint parameters that look at the value node alone (and the shapes graph)."""
_COUNTS = frozenset(
    {
        SH.minCount,
        SH.maxCount,
        SH.uniqueLang,
        SH.qualifiedMinCount,
        SH.qualifiedMaxCount,
        SH.qualifiedValueShapesDisjoint,
    }
)
"""Parameters that count or compare the value nodes of the path: the path's reads suffice."""
_PAIRS = frozenset({SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals})
"""Parameters that read another property of the focus node."""
_DESCRIPTIVE = frozenset(
    {
        SH.name,
        SH.description,
        SH.message,
        SH.severity,
        SH.deactivated,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.ignoredProperties,
        SH.path,
        SH.qualifiedValueShape,
        SH.closed,
        SH.prefixes,
        SH.declare,
        *TARGETS,
    }
)
"""Parameters that read no data (or that :class:`_Analysis` handles apart)."""
_NOT_LOCAL_TYPES = (
    (SH.ConstraintComponent, "custom constraint components"),
    (SH.SPARQLFunction, "SHACL functions"),
    (SH.Function, "SHACL functions"),
    (SH.SPARQLTargetType, "custom target types"),
    (SH.TargetType, "custom target types"),
    (SH.JSConstraint, "SHACL-JS"),
)
_NOT_LOCAL_PREDICATES = (
    (SH.rule, "SHACL rules (they change the data before validating)"),
    (SH.js, "SHACL-JS"),
    (SH.expression, "node expressions"),
    (SH.parameter, "custom constraint components"),
)


@dataclass(frozen=True)
class Locality:
    """How far from its focus node any shape reads, or why that has no bound.

    ``depth`` counts the levels of nodes whose triples are read: 1 for a path of one step from
    the focus node, 2 when those values' ``rdf:type`` is read too (``sh:class``), and so on;
    ``None`` with ``reasons`` when some shape reads beyond any bound. ``reads`` says which
    triples are read at which level (see :data:`Read`); ``steps`` are the reads walked along,
    to the nodes of the next level.
    """

    depth: int | None
    reasons: tuple[str, ...] = ()
    reads: frozenset[Read] = frozenset()
    steps: frozenset[Read] = frozenset()

    @property
    def local(self) -> bool:
        """Whether a change can be re-validated near where it happened."""
        return self.depth is not None

    def explain(self) -> str:
        """``shapes read at most 3 hops``, or the reasons why everything must be validated.

        >>> Locality(None, ("sgsh:X uses sh:zeroOrMorePath (no bound)",)).explain()
        'sgsh:X uses sh:zeroOrMorePath (no bound)'
        """
        if self.depth is None:
            shown = list(self.reasons[:3])
            if len(self.reasons) > 3:
                shown.append(f"and {len(self.reasons) - 3} more")
            return "; ".join(shown)
        return f"shapes read at most {self.depth} hop" + ("" if self.depth == 1 else "s")

    def at(self, level: int, *, steps: bool = False) -> dict[bool, set[URIRef]]:
        """The predicates read (or stepped along) at ``level``, out of (``True``) and into
        (``False``) the node."""
        found: dict[bool, set[URIRef]] = {True: set(), False: set()}
        for at, predicate, forward in self.steps if steps else self.reads:
            if at == level:
                found[forward].add(predicate)
        return found


# --------------------------------------------------------------------------------------------
# Analysing the shapes


def _name(node: Node) -> str:
    return shorten(node) if isinstance(node, URIRef) else "a blank-node shape"


def _shift(reads: _Reads, by: int) -> _Reads:
    return frozenset((at + by, p, forward, step) for at, p, forward, step in reads)


@dataclass
class _Scope:
    """The triple patterns of one part of a SPARQL query that must all match together, with
    the parts (UNION branches, OPTIONAL, MINUS, EXISTS) that see its variables but do not bind
    them for it."""

    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    parts: list[_Scope] = field(default_factory=list)


class _Analysis:
    """Walks the shapes graph once: what each shape reads, at which level, and the reasons
    for refusing. A shape's reads are relative to the node it checks (level 0)."""

    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self.reasons: list[str] = []
        self._reads: dict[Node, _Reads] = {}
        self._open: list[Node] = []

    def refuse(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    # ---- the whole graph ---------------------------------------------------------------------

    def run(self) -> Locality:
        graph = self.graph
        for kind, what in _NOT_LOCAL_TYPES:
            for node in graph.subjects(RDF.type, kind):
                self.refuse(f"the shapes use {what} ({_name(node)})")
        for predicate, what in _NOT_LOCAL_PREDICATES:
            for node in graph.subjects(predicate, None):
                self.refuse(f"the shapes use {what} ({_name(node)})")
        targeted = {s for t in TARGETS for s in graph.subjects(t, None)}
        for kind in (SH.NodeShape, SH.PropertyShape):
            targeted.update(s for s in graph.subjects(RDF.type, kind) if _is_class(graph, s))
        reads: set[tuple[int, URIRef, bool, bool]] = set()
        for shape in sorted(targeted, key=str):
            reads |= self.target_reads(shape) | self.shape_reads(shape)
        if self.reasons:
            return Locality(None, tuple(self.reasons))
        depth = max((at + 1 for at, _, _, _ in reads), default=0)
        return Locality(
            depth,
            (),
            frozenset((at, p, forward) for at, p, forward, _ in reads),
            frozenset((at, p, forward) for at, p, forward, step in reads if step),
        )

    # ---- targets -----------------------------------------------------------------------------

    def target_reads(self, shape: Node) -> _Reads:
        graph = self.graph
        reads: set[tuple[int, URIRef, bool, bool]] = set()
        if _is_class(graph, shape) or (shape, SH.targetClass, None) in graph:
            reads.add((0, RDF.type, True, False))  # the subclass hierarchy is the ontology's
        for predicate, forward in ((SH.targetSubjectsOf, True), (SH.targetObjectsOf, False)):
            for value in graph.objects(shape, predicate):
                if isinstance(value, URIRef):
                    reads.add((0, value, forward, False))
        found = frozenset(reads)
        for target in graph.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) in graph or (target, SH.select, None) in graph:
                found |= self.sparql_reads(target, shape, target=True)
            else:
                self.refuse(f"{_name(shape)} has a target this analysis does not know")
        return found

    # ---- shapes ------------------------------------------------------------------------------

    def shape_reads(self, shape: Node) -> _Reads:
        """What checking ``shape`` on a node reads, from that node."""
        if shape in self._reads:
            return self._reads[shape]
        if shape in self._open:
            self.refuse(f"recursive shapes ({_name(shape)})")
            return frozenset()
        self._open.append(shape)
        if (shape, SH.path, None) in self.graph:
            reads = self.property_reads(shape)
        else:
            reads = self.constraint_reads(shape, at_focus=True)
        self._open.pop()
        self._reads[shape] = reads
        return reads

    def property_reads(self, shape: Node) -> _Reads:
        graph = self.graph
        inner = self.constraint_reads(shape, at_focus=False)
        for value_shape in graph.objects(shape, SH.qualifiedValueShape):
            inner |= self.shape_reads(value_shape)
        if graph.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            for sibling in set(graph.objects(None, SH.qualifiedValueShape)):
                inner |= self.shape_reads(sibling)
        path = graph.value(shape, SH.path)
        assert path is not None
        reads, ends = self.path_reads(path, shape, 0, forward=True, step_last=bool(inner))
        for end in ends:
            reads |= _shift(inner, end)
        for predicate in _PAIRS:
            for other in graph.objects(shape, predicate):
                if isinstance(other, URIRef):
                    reads |= {(0, other, True, False)}
        return reads

    def constraint_reads(self, shape: Node, *, at_focus: bool) -> _Reads:
        """What the node-level parameters of ``shape`` read from the node they check (the
        focus node of a node shape, each value node of a property shape)."""
        graph = self.graph
        reads: _Reads = frozenset()
        for predicate, value in graph.predicate_objects(shape):
            if not isinstance(predicate, URIRef) or not predicate.startswith(str(SH)):
                continue
            if predicate == SH["class"]:
                reads |= {(0, RDF.type, True, False)}
            elif predicate in (SH.node, SH["not"], SH.property):
                reads |= self.shape_reads(value)
            elif predicate in (SH["and"], SH["or"], SH.xone):
                members = list(Collection(graph, value)) if isinstance(value, BNode) else []
                for member in members:
                    reads |= self.shape_reads(member)
            elif predicate == SH.closed:
                if value == Literal(True) and at_focus:
                    reads |= {(0, ANY_PREDICATE, True, False)}
            elif predicate == SH.sparql:
                reads |= self.sparql_reads(value, shape, target=False)
            elif predicate in _PAIRS:
                if at_focus and isinstance(value, URIRef):
                    reads |= {(0, value, True, False)}
            elif predicate not in _VALUE_ONLY | _COUNTS | _DESCRIPTIVE:
                local = predicate.removeprefix(str(SH))
                self.refuse(f"{_name(shape)} uses sh:{local}, which this analysis does not know")
        return reads

    def path_reads(
        self, path: Node, shape: Node, start: int, *, forward: bool, step_last: bool
    ) -> tuple[_Reads, set[int]]:
        """What a SHACL path from a node at level ``start`` reads, and the levels its value
        nodes are at (a path with alternatives of different lengths ends at several);
        ``step_last``: the values are read further, so the last step is walked along too."""
        graph = self.graph
        if isinstance(path, URIRef):
            return frozenset({(start, path, forward, step_last)}), {start + 1}
        if (path, RDF.first, None) in graph:
            items = list(Collection(graph, path))
            if not forward:
                items.reverse()
            reads: _Reads = frozenset()
            ends = {start}
            for i, item in enumerate(items, start=1):
                reached: set[int] = set()
                for at in ends:
                    more, further = self.path_reads(
                        item, shape, at, forward=forward, step_last=step_last or i < len(items)
                    )
                    reads |= more
                    reached |= further
                ends = reached
            return reads, ends
        inverse = graph.value(path, SH.inversePath)
        if inverse is not None:
            return self.path_reads(inverse, shape, start, forward=not forward, step_last=step_last)
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            reads = frozenset()
            ends = set()
            for item in Collection(graph, alternatives):
                more, further = self.path_reads(
                    item, shape, start, forward=forward, step_last=step_last
                )
                reads |= more
                ends |= further
            return reads, ends
        optional = graph.value(path, SH.zeroOrOnePath)
        if optional is not None:
            reads, ends = self.path_reads(
                optional, shape, start, forward=forward, step_last=step_last
            )
            return reads, ends | {start}
        for unbounded in (SH.zeroOrMorePath, SH.oneOrMorePath):
            if (path, unbounded, None) in graph:
                local = unbounded.removeprefix(str(SH))
                self.refuse(f"{_name(shape)} uses sh:{local} (no bound on the hops)")
                return frozenset(), set()
        self.refuse(f"{_name(shape)} has a path this analysis does not know")
        return frozenset(), set()

    # ---- SPARQL ------------------------------------------------------------------------------

    def prefixes(self, node: Node) -> dict[str, str]:
        found: dict[str, str] = {}
        for holder in self.graph.objects(node, SH.prefixes):
            for declaration in self.graph.objects(holder, SH.declare):
                prefix = self.graph.value(declaration, SH.prefix)
                namespace = self.graph.value(declaration, SH.namespace)
                if prefix is not None and namespace is not None:
                    found[str(prefix)] = str(namespace)
        return found

    def sparql_reads(self, node: Node, shape: Node, *, target: bool) -> _Reads:
        """What a SPARQL constraint or target reads from ``$this`` (``?this``)."""
        what = f"the SPARQL {'target' if target else 'constraint'} of {_name(shape)}"
        text = self.graph.value(node, SH.select)
        if text is None:
            self.refuse(f"{what} has no sh:select")
            return frozenset()
        if "$PATH" in str(text):
            self.refuse(f"{what} uses $PATH")
            return frozenset()
        try:
            algebra = _algebra(str(text), tuple(sorted(self.prefixes(node).items())))
        except Exception as exc:  # pyparsing's and rdflib's errors have no common base
            self.refuse(f"{what} cannot be read: {' '.join(str(exc).split())}")
            return frozenset()
        scope = _Scope()
        constants: dict[Node, URIRef] = {}
        problems: list[str] = []
        _collect(algebra, scope, constants, problems, target=target)
        for problem in problems:
            self.refuse(f"{what} uses {problem}")
        if problems:
            return frozenset()
        reads: set[tuple[int, URIRef, bool, bool]] = set()
        self.solve(scope, {Variable("this"): {0}}, constants, what, reads)
        return frozenset(reads)

    def solve(
        self,
        scope: _Scope,
        levels: dict[Node, set[int]],
        constants: dict[Node, URIRef],
        what: str,
        reads: set[tuple[int, URIRef, bool, bool]],
    ) -> None:
        """Give each variable its distances from ``$this`` through the patterns that bind it;
        a pattern none of whose ends is reached reads the data apart from ``$this``. A
        variable keeps the levels of the first pattern that reaches it: any one route of
        required patterns is in the data for every solution."""
        levels = dict(levels)
        pending = list(scope.triples)
        placed = True
        while placed:
            placed = False
            for triple in list(pending):
                if self.place(triple, levels, constants, reads):
                    pending.remove(triple)
                    placed = True
        for s, p, o in pending:
            pattern = " ".join(_pattern_term(t) for t in (s, p, o))
            self.refuse(f"{what} reads {pattern} apart from $this")
        for part in scope.parts:
            self.solve(part, levels, constants, what, reads)

    def place(
        self,
        triple: tuple[Node, Node, Node],
        levels: dict[Node, set[int]],
        constants: dict[Node, URIRef],
        reads: set[tuple[int, URIRef, bool, bool]],
    ) -> bool:
        """Record what this pattern reads, if one of its ends is reached (its other end, a
        variable, is reached then too); ``False`` if neither is, yet."""
        s, p, o = triple
        at_s = levels.get(s) if _is_variable(s) else None
        at_o = levels.get(o) if _is_variable(o) else None
        if at_s is None and at_o is None:
            return False
        forward = at_s is not None and (at_o is None or min(at_s) <= min(at_o))
        starts = at_s if forward else at_o
        assert starts is not None
        predicate: Any = constants.get(p, ANY_PREDICATE) if _is_variable(p) else p
        ends = {
            e for start in starts for e in self.sparql_path_reads(predicate, start, forward, reads)
        }
        far = o if forward else s
        if _is_variable(far) and far not in levels and ends:
            levels[far] = ends
        return True

    def sparql_path_reads(
        self, path: Any, start: int, forward: bool, reads: set[tuple[int, URIRef, bool, bool]]
    ) -> set[int]:
        """Record what a SPARQL property path reads from level ``start``; its end levels."""
        if isinstance(path, URIRef):
            reads.add((start, path, forward, True))
            return {start + 1}
        if isinstance(path, InvPath):
            return self.sparql_path_reads(path.arg, start, not forward, reads)
        if isinstance(path, SequencePath):
            parts = list(path.args) if forward else list(reversed(path.args))
            ends = {start}
            for part in parts:
                ends = {e for at in ends for e in self.sparql_path_reads(part, at, forward, reads)}
            return ends
        if isinstance(path, AlternativePath):
            return {
                e for part in path.args for e in self.sparql_path_reads(part, start, forward, reads)
            }
        if isinstance(path, MulPath) and path.mod == "?":
            return self.sparql_path_reads(path.path, start, forward, reads) | {start}
        if isinstance(path, MulPath):
            self.refuse(f"a SPARQL path with {path.mod} (no bound on the hops)")
            return set()
        if isinstance(path, NegatedPath):
            reads.add((start, ANY_PREDICATE, forward, True))
            return {start + 1}
        self.refuse(f"a SPARQL path this analysis does not know ({path!r})")
        return set()


@functools.lru_cache(maxsize=256)
def _algebra(text: str, prefixes: tuple[tuple[str, str], ...]) -> CompValue:
    """The algebra of a SPARQL query, parsed once (rdflib takes some 0.1 s a query)."""
    return prepareQuery(text, initNs=dict(prefixes)).algebra


def _is_class(graph: Graph, shape: Node) -> bool:
    """Whether ``shape`` is a class too, and so targets its instances (implicitly)."""
    return (shape, RDF.type, RDFS.Class) in graph or (shape, RDF.type, OWL.Class) in graph


def _is_variable(term: object) -> bool:
    return isinstance(term, Variable | BNode)


def _pattern_term(term: Node) -> str:
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, BNode):
        return "[]"
    return shorten(term) if isinstance(term, URIRef | Literal) else str(term)


_SAME_SCOPE_REFUSED = {
    "Graph": "GRAPH",
    "GraphGraphPattern": "GRAPH",
    "ServiceGraphPattern": "SERVICE",
    "SubSelect": "a subquery",
}


def _collect(
    node: object,
    scope: _Scope,
    constants: dict[Node, URIRef],
    problems: list[str],
    *,
    target: bool,
) -> None:
    """Sort the triple patterns of a query's algebra (or of the parse tree rdflib leaves in
    EXISTS) into scopes, noting constant BINDs and what the analysis refuses."""

    def into(child: object, where: _Scope) -> None:
        _collect(child, where, constants, problems, target=target)

    def part(*children: object) -> None:
        sub = _Scope()
        for child in children:
            into(child, sub)
        scope.parts.append(sub)

    if isinstance(node, list | tuple):
        for item in node:
            into(item, scope)
        return
    if not isinstance(node, CompValue):
        return
    name = node.name
    if name in _SAME_SCOPE_REFUSED:
        problems.append(_SAME_SCOPE_REFUSED[name])
    elif name == "BGP":
        scope.triples.extend(tuple(t) for t in node["triples"])
    elif name == "TriplesBlock":
        flat = [term for chunk in node["triples"] for term in chunk]
        scope.triples.extend(tuple(flat[i : i + 3]) for i in range(0, len(flat) - 2, 3))
    elif name == "ToMultiSet":
        inner = node.get("p")
        if not (isinstance(inner, CompValue) and inner.name == "values"):
            problems.append("a subquery")
    elif name in ("Union", "GroupOrUnionGraphPattern"):
        branches = [node["p1"], node["p2"]] if name == "Union" else list(node["graph"])
        if len(branches) == 1:
            into(branches[0], scope)
        else:
            for branch in branches:
                part(branch)
    elif name == "LeftJoin":
        into(node["p1"], scope)
        part(node["p2"], node.get("expr"))
    elif name == "Minus":
        into(node["p1"], scope)
        part(node["p2"])
    elif name in ("OptionalGraphPattern", "MinusGraphPattern"):
        part(node["graph"])
    elif name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
        part(node["graph"])
    elif name in ("Extend", "Bind"):
        expr = node.get("expr")
        if isinstance(expr, URIRef):
            constants[node["var"]] = expr
        into(expr, scope)
        into(node.get("p"), scope)
    elif name == "Slice" and target:
        problems.append("LIMIT or OFFSET in a target")
    else:
        for key, value in node.items():
            if key != "_vars":
                into(value, scope)


def locality(shapes: Graph | Path | Iterable[Path] | None = None) -> Locality:
    """How far the shapes read from their focus nodes (see :class:`Locality`).

    The depth is the largest over the shapes that have targets (declared or implicit), of
    their targets' reads (``sh:targetClass``: the focus node's ``rdf:type``, through the
    ontology's ``rdfs:subClassOf``, which is taken as fixed) and of their constraints: a path's
    hops (inverse steps count; the branches of an alternative each end at their own level),
    plus what is checked on the values (``sh:class``: one more hop; ``sh:node``,
    ``sh:property``, ``sh:and``, ``sh:or``, ``sh:not``, ``sh:xone`` and
    ``sh:qualifiedValueShape``: the nested shape's reads, from there; a SPARQL constraint or
    target: its chains of patterns from ``$this``).

    >>> shapes = Graph().parse(format="turtle", data='''
    ... @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
    ... ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:class ex:D ] .
    ... ''')
    >>> found = locality(shapes)
    >>> found.depth, sorted(found.reads), sorted(found.steps)  # doctest: +NORMALIZE_WHITESPACE
    (2, [(0, rdflib.term.URIRef('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), True),
         (0, rdflib.term.URIRef('urn:ex:p'), True),
         (1, rdflib.term.URIRef('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), True)],
        [(0, rdflib.term.URIRef('urn:ex:p'), True)])
    >>> found = locality(shapes.parse(format="turtle", data='''
    ... @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
    ... ex:T sh:targetNode ex:x ; sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ] .
    ... '''))
    >>> found.depth, found.explain()
    (None, 'a blank-node shape uses sh:zeroOrMorePath (no bound on the hops)')
    """
    return _Analysis(load_shapes(shapes)).run()


# --------------------------------------------------------------------------------------------
# The nodes a change reaches


Triple = tuple[Any, Any, Any]
"""A changed triple: rdflib terms, pyoxigraph terms, or a :class:`pyoxigraph.Triple`/``Quad``."""

_DEFAULT = ox.DefaultGraph()


def _ox(term: Any) -> Any:
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term
    return to_oxigraph(term)


def _ox_triples(changed: Iterable[Any]) -> list[tuple[Any, Any, Any]]:
    found = []
    for item in changed:
        if isinstance(item, ox.Triple | ox.Quad):
            found.append((item.subject, item.predicate, item.object))
        else:
            s, p, o = item
            found.append((_ox(s), _ox(p), _ox(o)))
    return found


def _ox_predicates(predicates: set[URIRef]) -> set[ox.NamedNode] | None:
    """The predicates as pyoxigraph terms; ``None`` for every predicate."""
    if ANY_PREDICATE in predicates:
        return None
    return {ox.NamedNode(str(p)) for p in predicates}


def _lookups(predicates: set[ox.NamedNode] | None) -> list[ox.NamedNode | None]:
    return [None] if predicates is None else sorted(predicates, key=str)


def _matches(predicate: Any, predicates: set[ox.NamedNode] | None) -> bool:
    return predicates is None or predicate in predicates


def _predecessors(
    store: ox.Store,
    nodes: set[Any],
    forward: set[ox.NamedNode] | None,
    inverse: set[ox.NamedNode] | None,
) -> set[Any]:
    """The nodes from which one step (along ``forward`` predicates out of them, or
    ``inverse`` ones into them) reaches one of ``nodes``."""
    found: set[Any] = set()
    if forward is None or forward:
        for node in nodes:
            for predicate in _lookups(forward):
                for quad in store.quads_for_pattern(None, predicate, node, _DEFAULT):
                    found.add(quad.subject)
    if inverse is None or inverse:
        for node in nodes:
            if isinstance(node, ox.Literal):
                continue
            for predicate in _lookups(inverse):
                for quad in store.quads_for_pattern(node, predicate, None, _DEFAULT):
                    if not isinstance(quad.object, ox.Literal):
                        found.add(quad.object)
    return found


def _affected(store: ox.Store, changed: list[tuple[Any, Any, Any]], locality: Locality) -> set[Any]:
    assert locality.depth is not None
    affected: set[Any] = set()
    for level in range(locality.depth):
        reads = locality.at(level)
        out, into = _ox_predicates(reads[True]), _ox_predicates(reads[False])
        reached: set[Any] = set()
        for s, p, o in changed:
            if reads[True] and _matches(p, out):
                reached.add(s)
            if reads[False] and _matches(p, into) and not isinstance(o, ox.Literal):
                reached.add(o)
        # Walk back from the nodes at ``level`` to the focus nodes they are read from.
        affected |= reached
        for back in range(level - 1, -1, -1):
            if not reached:
                break
            steps = locality.at(back, steps=True)
            reached = _predecessors(
                store, reached, _ox_predicates(steps[True]), _ox_predicates(steps[False])
            )
            affected |= reached
    return affected


def affected_focus_nodes(
    store: ox.Store, changed: Iterable[Triple], locality: Locality
) -> set[Node]:
    """Every node whose SHACL results a change of ``changed`` triples can alter (a superset:
    the nodes passed on the way are in it too).

    A result of focus node *f* reads triples on walks out of *f* along the shapes' steps: a
    triple read at level *k* touches a node *k* steps from *f*. So, for each level, the nodes
    whose changed triples are read at that level (a triple's subject for a read out of a node,
    its object for a read into it) are walked back, *k* steps along the steps of levels
    *k - 1* to 0, on the store's default graph (the union, after the change). A walk into a
    removed triple starts with unchanged triples, which the store still has.
    """
    if locality.depth is None:
        raise ValueError(f"the shapes are not local: {locality.explain()}")
    return {_rdflib(n) for n in _affected(store, _ox_triples(changed), locality)}


def _rdflib(term: Any) -> Node:
    node = from_oxigraph(term)
    assert node is not None
    return node


def neighbourhood(store: ox.Store, nodes: Iterable[Any], locality: Locality) -> ox.Store:
    """A store with what validating ``nodes`` (pyoxigraph terms) reads: every triple out of
    them and of the nodes their shapes step to, level by level up to ``depth`` (all of them,
    not only the predicates read), the triples into those nodes that are read inversely, and
    the class hierarchy (``rdfs:subClassOf``)."""
    assert locality.depth is not None
    triples: set[ox.Triple] = set()
    level = {n for n in nodes if not isinstance(n, ox.Literal)}
    for at in range(locality.depth):
        steps = locality.at(at, steps=True)
        step_out, step_into = _ox_predicates(steps[True]), _ox_predicates(steps[False])
        into = _ox_predicates(locality.at(at)[False] | steps[False])
        reached: set[Any] = set()
        for node in level:
            for quad in store.quads_for_pattern(node, None, None, _DEFAULT):
                triples.add(quad.triple)
                if steps[True] and _matches(quad.predicate, step_out):
                    if not isinstance(quad.object, ox.Literal):
                        reached.add(quad.object)
            if into is not None and not into:
                continue
            for predicate in _lookups(into):
                for quad in store.quads_for_pattern(None, predicate, node, _DEFAULT):
                    triples.add(quad.triple)
                    if steps[False] and _matches(quad.predicate, step_into):
                        reached.add(quad.subject)
        level = reached
    subclass = ox.NamedNode(str(RDFS.subClassOf))
    for quad in store.quads_for_pattern(None, subclass, None, _DEFAULT):
        triples.add(quad.triple)
    small = ox.Store()
    small.extend(ox.Quad(t.subject, t.predicate, t.object, _DEFAULT) for t in triples)
    return small


# --------------------------------------------------------------------------------------------
# Re-validating


@dataclass(frozen=True)
class Revalidation:
    """What :func:`revalidate` did, for the build's log: how many nodes it re-validated
    (``None``: everything), in how many seconds, and why."""

    nodes: int | None
    seconds: float
    explanation: str


def _is_query_result(result: ValidationResult) -> bool:
    return str(result.shape).startswith(QUERY_SHAPE_SCHEME)


def _merged(
    kept: list[ValidationResult], new: Iterable[ValidationResult]
) -> tuple[ValidationResult, ...]:
    """``kept`` (in report order: what is left of a report's sorted results) with ``new``
    results put in their places, by binary search: the sort keys of a few of ``kept`` are
    computed, not of all (tens of thousands of results take a second to key)."""
    merged: list[ValidationResult] = []
    start = 0
    for result in sorted(new, key=ValidationResult.sort_key):
        at = bisect.bisect_right(kept, result.sort_key(), lo=start, key=ValidationResult.sort_key)
        merged.extend(kept[start:at])
        merged.append(result)
        start = at
    merged.extend(kept[start:])
    return tuple(merged)


def _stale_blank_nodes(
    previous: ValidationReport, store: ox.Store, changed: set[Any]
) -> list[BNode]:
    """Blank focus nodes of the previous report that the store no longer has, though no
    changed triple names them: the store was not patched in place (labels renewed)."""
    stale = []
    for result in previous.results:
        node = result.focus_node
        if isinstance(node, BNode):
            label = ox.BlankNode(str(node))
            if label in changed:
                continue
            if next(iter(store.quads_for_pattern(label, None, None, _DEFAULT)), None) is None and (
                next(iter(store.quads_for_pattern(None, None, label, _DEFAULT)), None) is None
            ):
                stale.append(node)
    return stale


def revalidate(
    previous: ValidationReport,
    store: ox.Store,
    shapes: Graph | Path | Iterable[Path] | None = None,
    changed_triples: Iterable[Triple] = (),
    *,
    severity: Severity = "Info",
    queries: Path | Iterable[Query] | None = None,
    engine: str = DEFAULT_SHACL_ENGINE,
) -> tuple[ValidationReport, str]:
    """The report of ``store`` after ``changed_triples`` changed, from ``previous`` (the report
    before, made with the same shapes, queries and ``severity`` by
    :func:`kg.validation.validate.validate` or by this function: its results are in report order),
    and a line saying what was done: ``re-validated the 37 nodes the change can reach (shapes read
    at most 3 hops)``, or ``validated everything: …`` with the reasons.

    ``store`` holds the data *after* the change, the union in its default graph (as
    :func:`kg.validation.validate.validate` takes it); ``changed_triples`` are the triples removed
    and the triples added (either order, as rdflib or pyoxigraph terms). The SHACL results of the
    nodes the change can reach (:func:`affected_focus_nodes`) are computed afresh on their
    neighbourhood; every other previous SHACL result is kept; the violation queries run again
    in full. When the shapes are not local (:func:`locality`), the class hierarchy changed, or
    the previous report names blank nodes the store no longer has, everything is validated.
    """
    report, done = revalidation(
        previous,
        store,
        shapes,
        changed_triples,
        severity=severity,
        queries=queries,
        engine=engine,
    )
    return report, done.explanation


def revalidation(
    previous: ValidationReport,
    store: ox.Store,
    shapes: Graph | Path | Iterable[Path] | None = None,
    changed_triples: Iterable[Triple] = (),
    *,
    severity: Severity = "Info",
    queries: Path | Iterable[Query] | None = None,
    engine: str = DEFAULT_SHACL_ENGINE,
) -> tuple[ValidationReport, Revalidation]:
    """:func:`revalidate`, telling what it did as a :class:`Revalidation`."""
    started = time.perf_counter()
    check_severity(severity)
    shacl_engine = check_shacl_engine(engine)
    shapes_graph = load_shapes(shapes)
    changed = _ox_triples(changed_triples)
    found = locality(shapes_graph)
    why: str | None = None
    if not found.local:
        why = found.explain()
    elif any(p == ox.NamedNode(str(RDFS.subClassOf)) for _, p, _ in changed):
        why = "a changed triple states rdfs:subClassOf (the class hierarchy is read as fixed)"
    else:
        mentioned = {t for s, _, o in changed for t in (s, o)}
        stale = _stale_blank_nodes(previous, store, mentioned)
        if stale:
            why = (
                f"the previous report names {len(stale)} blank node(s) the store no longer has "
                "(patch the store in place to keep their labels)"
            )
    if why is not None:
        report = validate(store, shapes_graph, severity=severity, queries=queries, engine=engine)
        seconds = time.perf_counter() - started
        return report, Revalidation(None, seconds, f"validated everything: {why}")

    affected = _affected(store, changed, found)
    affected_nodes = {_rdflib(n) for n in affected}
    fresh: list[ValidationResult] = []
    if affected:
        small = neighbourhood(store, affected, found)
        iris = [n for n in affected_nodes if isinstance(n, URIRef)]
        outcome = run_shacl(
            small,
            shapes_graph,
            engine=shacl_engine,
            focus_nodes=iris if len(iris) == len(affected_nodes) else None,
        )
        fresh = [r for r in outcome.results if r.focus_node in affected_nodes]
    kept = [
        r
        for r in previous.results
        if not _is_query_result(r) and r.focus_node not in affected_nodes
    ]
    from_queries = run_violation_queries(
        queries, OxigraphEngine.of_store(store, catalogue_limits()), store
    )
    limit = SEVERITIES.index(severity)
    new = [r for r in fresh + from_queries if severity_rank(r.severity) <= limit]
    results = _merged(kept, new)
    conforms = not any(severity_rank(r.severity) == 0 for r in results)
    count = len(affected)
    if count == 0:
        explanation = f"re-validated no node: the change reaches none ({found.explain()})"
    elif count == 1:
        explanation = f"re-validated the 1 node the change can reach ({found.explain()})"
    else:
        explanation = f"re-validated the {count:,} nodes the change can reach ({found.explain()})"
    seconds = time.perf_counter() - started
    report = ValidationReport(conforms=conforms, results=results)
    return report, Revalidation(count, seconds, explanation)


__all__ = [
    "Locality",
    "Revalidation",
    "affected_focus_nodes",
    "locality",
    "neighbourhood",
    "revalidate",
    "revalidation",
]
