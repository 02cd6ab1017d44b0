"""Property-based: whatever text or value comes in, no SERVICE, update or remote FROM reaches
an engine, and bound parameters never change the query's shape.

The judge is the engines themselves, outside any sandbox: a text the check accepts is run on a
plain pyoxigraph store and on rdflib, where a SERVICE or a remote FROM would connect to the
listener on 127.0.0.1; and it is offered to pyoxigraph as an update, which it must not parse.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import serving
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Literal, URIRef, Variable

from kg.errors import KgError, ParameterError
from kg.query.engines import OxigraphEngine, RdflibEngine
from kg.query.queries import Parameter, check_safe
from kg.query.querytext import scan
from kg.query.remote import bind_values

LISTENER = serving.Listener()
AT = f"http://127.0.0.1:{LISTENER.port}"

FRAGMENTS = [
    "SELECT", "ASK", "*", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", ".", ";", " ", "  ",
    "SERVICE", "service", "SeRvIcE", "SILENT", f"<{AT}/x>", f"<{AT}/a b>", "<urn:x:g>",
    "FROM", "NAMED", "INSERT", "DATA", "DELETE", "DROP", "ALL", "LOAD", "CLEAR", "WITH",
    '"', "'", '"""', "'''", "#", "\r", "\n", "\r\n", "\\", "\\u0022", "\\u0027", "\\u000A",
    "\\u000D", "\\u0023", "\\u005C", "\\u005Cu0022", "\\u0053ERVICE", "\\U00000053ERVICE",
    "\\u007B", "\\u007D", "BIND(", " AS ?q", "||", f"PREFIX : <{AT}/>", f"PREFIX x: <{AT}/>",
    "SERVICE:x", "SERVICEx:y", ":a", "x:b", "OPTIONAL", "LIMIT 1", "FILTER(", "true", "1",
    "a", "<", ">", "x:a\\#b",
]  # fmt: skip

CLAUSES = [
    f"SERVICE <{AT}/x> {{ ?a ?b ?c }}", "SERVICE:x { ?a ?b ?c }", "SERVICEx:y { ?a ?b ?c }",
    f"service silent <{AT}/y> {{ ?a ?b ?c }}", f"\\u0053ERVICE <{AT}/z> {{ ?a ?b ?c }}",
    "# comment", "#", "\r", "\n", " ", 'BIND("a\\u0022 || " AS ?q1)', 'BIND(" || \\u0022b" AS ?q2)',
    "BIND('a\\u0027 || ' AS ?q3)",
    f'BIND("a\\u0022 || " AS ?q1) SERVICE <{AT}/b> {{ ?x ?y ?z }} '
    'BIND(" || \\u0022b" AS ?q2)', "OPTIONAL {", "{", "}", "FILTER(true)", "?a ?b ?c .",
    f"FROM <{AT}/g>", "\\u000A", "\\u000D", "\\u0023", '"""', "'",
]  # fmt: skip
"""Whole clauses, hostile and harmless, so that many generated texts are valid queries."""

fragments = st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join)
clauses = st.lists(st.sampled_from(CLAUSES), max_size=8).map(" ".join)
PROLOGUE = f"PREFIX : <{AT}/> PREFIX x: <{AT}/> "
queries = st.one_of(
    clauses.map(lambda c: f"{PROLOGUE}SELECT * WHERE {{ ?s ?p ?o {c} }}"),
    st.tuples(clauses, clauses).map(
        lambda c: f"{PROLOGUE}SELECT * {c[0]} WHERE {{ ?s ?p ?o {c[1]} }}"
    ),
    fragments,
    st.tuples(fragments, fragments).map(lambda p: f"SELECT * WHERE {{ ?s ?p ?o {p[0]} }} {p[1]}"),
    st.tuples(fragments, fragments).map(lambda p: f"ASK {p[0]} {{ ?s ?p ?o {p[1]} }}"),
    st.text(alphabet=st.sampled_from(list("SERVICE{}<>#\"'\\u0022\r\n ?sp:")), max_size=60),
)


ISSUE_BYPASSES = (
    f"SELECT * WHERE {{ ?s ?p ?o # x\rSERVICE <{AT}/a> {{ ?a ?b ?c }}\n}} LIMIT 1",
    f'SELECT * WHERE {{ BIND("a\\u0022 || " AS ?q1) SERVICE <{AT}/b> {{ ?x ?y ?z }} '
    'BIND(" || \\u0022b" AS ?q2) }',
)


@pytest.fixture(scope="module", autouse=True)
def _listener() -> Iterator[None]:
    yield
    LISTENER.close()


def _store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o")))
    return store


def _rdflib() -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.graph(URIRef("urn:x:g")).add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("o")))
    return dataset


STORE = _store()
DATASET = _rdflib()


def _drain(result: object) -> None:
    if not isinstance(result, ox.QueryBoolean):
        list(result)  # type: ignore[call-overload]


def _run_unguarded(text: str) -> None:
    """Run ``text`` on both engines with no check and no sandbox, swallowing their errors."""
    before = LISTENER.connections
    try:
        _drain(STORE.query(text))
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    parsed = check_safe(text)
    try:
        _drain(DATASET.query(parsed.algebra))
    except Exception:  # rdflib's evaluation errors have no common base class
        pass
    assert LISTENER.connections == before, f"an accepted text connected out: {text!r}"
    with pytest.raises(SyntaxError):
        ox.Store().update(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
@example(ISSUE_BYPASSES[0])
@example(ISSUE_BYPASSES[1])
def test_no_accepted_text_reaches_out_or_updates(text: str) -> None:
    try:
        parsed = check_safe(text, {"urn:x:g"})
    except KgError:
        return
    assert "\\u" not in parsed.text.lower() and "\r" not in parsed.text
    _run_unguarded(parsed.text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
@example(ISSUE_BYPASSES[0])
@example(ISSUE_BYPASSES[1])
def test_the_endpoint_check_lets_nothing_through_either(text: str) -> None:
    try:
        judged = scan(text, ["urn:x:g"])
    except KgError:
        return
    before = LISTENER.connections
    try:
        _drain(STORE.query(judged.text))
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    assert LISTENER.connections == before, f"an accepted text connected out: {text!r}"


values = st.lists(
    st.sampled_from(list("\"'{}()#\r\n\\u0022 <>?.;:aéSERVICE") + ["\\u0022", "\x00", "} ;"]),
    max_size=20,
).map("".join)
LABEL = URIRef("urn:x:label")


def _labelled(value: str) -> Dataset:
    dataset = Dataset(default_union=True)
    graph = dataset.graph(URIRef("urn:x:g"))
    graph.add((URIRef("urn:x:hit"), LABEL, Literal(value)))
    graph.add((URIRef("urn:x:miss"), LABEL, Literal(value + "x")))
    return dataset


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_a_bound_value_is_a_value_on_every_engine(value: str) -> None:
    dataset = _labelled(value)
    text = "SELECT ?s ?name WHERE { ?s <urn:x:label> ?name }"
    expected = ((URIRef("urn:x:hit"), Literal(value)),)
    bindings = {Variable("name"): Literal(value)}
    for engine in (RdflibEngine(dataset), OxigraphEngine(dataset)):
        assert engine.query(text, bindings).rows == expected, engine.name
    try:
        bound = bind_values(text, bindings)
    except ParameterError as error:
        assert "backslash followed by u" in str(error)
        return
    assert RdflibEngine(dataset).query(bound).rows == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_an_iri_parameter_is_an_iri_or_refused(value: str) -> None:
    try:
        term = Parameter("org", "iri").convert(value)
    except ParameterError:
        return
    assert isinstance(term, URIRef)
    assert not any(c in str(term) for c in '<>"{}|^`\\') and not any(c.isspace() for c in term)
