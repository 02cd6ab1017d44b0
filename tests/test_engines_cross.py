"""Every named query gives the same answers on rdflib, on pyoxigraph and on an Oxigraph server.

The server is the venv's ``oxigraph serve`` on 127.0.0.1 (``--union-default-graph``, so that
queries see the union of the named graphs, as the local engines do), filled by the installed
``kg push`` and reached through :class:`kg.query.remote.RemoteEngine` (SPARQLWrapper). It is started
once for the module and always stopped. The seed (tests/conftest.py) is loaded once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _endpoints import oxigraph_server
from rdflib import Dataset, Literal, Variable
from support import run_kg

from kg.errors import ParameterError
from kg.model.dataset import load_dataset
from kg.model.namespaces import ID, SG, XSD
from kg.query import queries
from kg.query.engines import (
    Engine,
    OxigraphEngine,
    QueryResult,
    RdflibEngine,
    open_engine,
    run,
)
from kg.query.remote import RemoteEngine

CATALOGUE = queries.catalogue()
NAMES = sorted(CATALOGUE)

VARIANTS = [
    ("members-on-date", {"asOf": "1980-01-01"}),
    ("members-on-date", {"asOf": "2021-03-01"}),
    ("is-member", {"organization": "sgid:organization/oyer"}),
    ("region-members", {"region": "sgid:collaboration/no-such-region"}),
    ("leader-in-year", {"year": "1999"}),
    ("municipality-numbers-on-date", {"asOf": "2019-12-31"}),
    ("source-of-resource", {"resource": "sgid:organization/lillehammer"}),
    (
        "statement-sources",
        {
            "subject": "sgid:membership/glor-iks--oyer--owner",
            "predicate": "org:member",
            "object": "sgid:organization/oyer",
        },
    ),
    (
        "statement-sources",
        {
            "subject": "sgid:organization/oyer",
            "predicate": "adms:identifier",
            "object": "sgid:identifier/kommunenummer-0521",
        },
    ),
]
"""Non-default parameter values (the examples run in the main test)."""


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="module")
def rdflib_engine(dataset: Dataset) -> RdflibEngine:
    return RdflibEngine(dataset)


@pytest.fixture(scope="module")
def oxigraph_engine(dataset: Dataset) -> OxigraphEngine:
    return OxigraphEngine(dataset)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server holding the project's dataset, pushed by ``kg push``."""
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    with oxigraph_server(location) as base:
        done = run_kg("push", f"{base}/query", cwd=location.parent)  # its backup goes there
        assert done.returncode == 0, done.stderr
        yield base


@pytest.fixture(scope="module")
def remote(server: str) -> RemoteEngine:
    return RemoteEngine(f"{server}/query", timeout=30)


@pytest.fixture(scope="module")
def rdflib_answers(rdflib_engine: RdflibEngine) -> dict[str, QueryResult]:
    """Every catalogue query with its example parameters on rdflib, run once."""
    return {name: run(CATALOGUE[name], rdflib_engine) for name in NAMES}


def test_the_catalogue_is_not_empty() -> None:
    assert len(NAMES) >= 10
    assert any(q.params for q in CATALOGUE.values())


@pytest.mark.parametrize("name", NAMES)
def test_each_query_gives_the_same_answers_on_every_engine(
    name: str,
    rdflib_answers: dict[str, QueryResult],
    oxigraph_engine: OxigraphEngine,
    remote: RemoteEngine,
) -> None:
    query = CATALOGUE[name]
    expected = rdflib_answers[name]
    on_oxigraph = run(query, oxigraph_engine)
    on_server = run(query, remote)
    assert on_oxigraph.kind == on_server.kind == expected.kind
    assert on_oxigraph.variables == on_server.variables == expected.variables
    assert on_oxigraph.as_set() == expected.as_set()
    assert on_server.as_set() == expected.as_set()
    if query.is_violation:
        assert expected.rows == ()


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_other_parameter_values_give_the_same_answers(
    name: str,
    params: dict[str, str],
    rdflib_engine: RdflibEngine,
    oxigraph_engine: OxigraphEngine,
    remote: RemoteEngine,
) -> None:
    query = CATALOGUE[name]
    expected = run(query, rdflib_engine, params).as_set()
    assert run(query, oxigraph_engine, params).as_set() == expected
    assert run(query, remote, params).as_set() == expected


def test_the_answers_are_not_trivially_empty(rdflib_answers: dict[str, QueryResult]) -> None:
    """The comparison means something: every report query finds rows in the seed, except those
    whose answers are in the national layer (tests/test_national.py, tests/test_link_*.py check
    them on the committed data) and the one that needs two disagreeing sources."""
    reports = [n for n in NAMES if not CATALOGUE[n].is_violation and CATALOGUE[n].kind == "select"]
    empty = sorted(n for n in reports if not rdflib_answers[n].rows)
    assert empty == [
        "child-welfare-arrangements",  # Bufdir's list
        "conflicting-values",  # the seed's two sources agree (tests/test_adding_a_source.py)
        "inter-municipal-companies",  # Enhetsregisteret's extract
        "municipality-number-then-and-now",  # 0521's beginning is in KLASS, not in the seed
    ]


def test_every_parameter_of_a_select_is_returned() -> None:
    """pyoxigraph substitutes only variables a SELECT returns (SEP-0007 as Oxigraph has it)."""
    for query in CATALOGUE.values():
        if query.kind not in ("select", "describe"):
            continue
        parsed = queries.check_safe(query.full_text)
        assert parsed.algebra is not None
        projected = {str(v) for v in parsed.algebra.algebra.get("PV") or ()}
        missing = {p.name for p in query.params} - projected
        assert not missing, f"{query.name}: parameters {missing} are not in the SELECT clause"


# --------------------------------------------------------------------------------------------
# The engines beyond the catalogue


def test_the_engines_are_engines(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine, remote: RemoteEngine
) -> None:
    for engine in (rdflib_engine, oxigraph_engine, remote):
        assert isinstance(engine, Engine)
    assert {e.name for e in (rdflib_engine, oxigraph_engine, remote)} == {
        "rdflib",
        "oxigraph",
        "remote",
    }


def test_oxigraph_terms_are_rdflib_terms(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine, remote: RemoteEngine
) -> None:
    """Typed literals keep their datatype, tags their language, plain strings stay plain."""
    text = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?label ?plain ?typed ?count WHERE {
          ?org skos:prefLabel ?label FILTER(LANG(?label) = "nb")
          BIND(STR(?label) AS ?plain)
          BIND(STRDT("2010", <http://www.w3.org/2001/XMLSchema#gYear>) AS ?typed)
          BIND(1 + 1 AS ?count)
        } ORDER BY ?label LIMIT 1
    """
    answers = [e.query(text).rows[0] for e in (rdflib_engine, oxigraph_engine, remote)]
    assert answers[0] == answers[1] == answers[2]
    label, plain, typed, count = answers[1]
    assert isinstance(label, Literal) and label.language == "nb"
    assert isinstance(plain, Literal) and plain.datatype is None and plain.language is None
    assert typed == Literal("2010", datatype=XSD.gYear)
    assert count == Literal(2)


def test_a_triple_in_two_graphs_is_counted_once_as_on_rdflib(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine
) -> None:
    """The in-process Oxigraph union is a set (oxigraph issue 1919 counts per graph)."""
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert oxigraph_engine.query(text).rows == rdflib_engine.query(text).rows


def test_graph_and_from_read_the_named_graphs(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine, remote: RemoteEngine
) -> None:
    per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    expected = rdflib_engine.query(per_graph).as_set()
    assert oxigraph_engine.query(per_graph).as_set() == expected
    assert remote.query(per_graph).as_set() == expected
    graph = ID["graph/ontology"]
    one = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    assert oxigraph_engine.query(one).rows == rdflib_engine.query(one).rows


def test_construct_and_ask_on_every_engine(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine, remote: RemoteEngine
) -> None:
    construct = """
        PREFIX org: <http://www.w3.org/ns/org#>
        CONSTRUCT { ?m org:memberOf ?c } WHERE { ?x org:member ?m ; org:organization ?c }
    """
    expected = rdflib_engine.query(construct)
    assert expected.graph is not None and len(expected.graph) > 0
    assert oxigraph_engine.query(construct).as_set() == expected.as_set()
    assert remote.query(construct).as_set() == expected.as_set()
    ask = "ASK { ?s a ?type }"
    oyer = {Variable("s"): ID["organization/oyer"]}
    assert {e.query(ask, oyer).boolean for e in (rdflib_engine, oxigraph_engine, remote)} == {True}


def test_a_parameter_the_query_does_not_return_is_bound_too(
    rdflib_engine: RdflibEngine, oxigraph_engine: OxigraphEngine, remote: RemoteEngine
) -> None:
    """A VALUES block binds any variable of the query (pyoxigraph's substitutions, which the
    oxigraph engine used before, bound only the variables a SELECT returns)."""
    text = "SELECT ?s WHERE { ?s a ?type }"
    bindings = {Variable("type"): SG.Municipality}
    expected = rdflib_engine.query(text, bindings).as_set()
    assert len(expected) == 3
    assert oxigraph_engine.query(text, bindings).as_set() == expected
    assert remote.query(text, bindings).as_set() == expected


def test_a_value_no_text_can_carry_is_substituted_so_it_must_be_returned(
    oxigraph_engine: OxigraphEngine,
) -> None:
    """A backslash, u and hex digits cannot be written in a query text unchanged; the oxigraph
    engine substitutes such a value, which binds only a variable the SELECT returns."""
    with pytest.raises(ParameterError, match=r"add \?name to the SELECT clause"):
        oxigraph_engine.query(
            "SELECT ?s WHERE { ?s ?p ?name }", {Variable("name"): Literal("\\u0041")}
        )
    text = "SELECT ?s ?name WHERE { ?s ?p ?name }"
    assert oxigraph_engine.query(text, {Variable("name"): Literal("\\u0041")}).rows == ()


def test_open_engine_by_name(tmp_path: Path) -> None:
    assert isinstance(open_engine("oxigraph"), OxigraphEngine)
    assert isinstance(open_engine(), RdflibEngine)
    remote = open_engine(endpoint="http://127.0.0.1:9/query", timeout=2)
    assert isinstance(remote, RemoteEngine) and remote.timeout == 2


# --------------------------------------------------------------------------------------------
# The CLI


def test_kg_query_on_each_engine_prints_the_same(server: str) -> None:
    outputs = [
        run_kg("query", "members-on-date", "--engine", "rdflib", "-f", "json"),
        run_kg("query", "members-on-date", "--engine", "oxigraph", "-f", "json"),
        run_kg("query", "members-on-date", "--endpoint", f"{server}/query", "-f", "json"),
    ]
    for done in outputs:
        assert done.returncode == 0, done.stderr
    answers = [QueryResult.parse(done.stdout, "json").as_set() for done in outputs]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]


def test_pushing_twice_keeps_the_same_answers(
    server: str, remote: RemoteEngine, tmp_path: Path
) -> None:
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    before = remote.query(text).as_set()
    done = run_kg("push", f"{server}/query", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert remote.query(text).as_set() == before
