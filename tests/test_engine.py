"""The rdflib engine and the engine-neutral result: exact answers on the fixture data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.compare import isomorphic
from support import FIXTURE_PROJECT, use_project

from kg.errors import QueryError, UnsafeQueryError
from kg.model import paths
from kg.model.dataset import load_dataset
from kg.model.namespaces import ID, ORG, XSD
from kg.query import queries
from kg.query.engines import Engine, QueryResult, RdflibEngine, check_format, run

FIXTURES = Path(__file__).parent / "fixtures"

OYER = ID["organization/oyer"]
LILLEHAMMER = ID["organization/lillehammer"]
GAUSDAL = ID["organization/gausdal"]
REGION = ID["collaboration/region"]
FIRE = ID["collaboration/fire"]


@pytest.fixture(scope="module")
def dataset() -> Iterator[Dataset]:
    """The fixture project's model and data, loaded once."""
    with pytest.MonkeyPatch.context() as patch:
        use_project(patch)
        yield load_dataset()


@pytest.fixture
def engine(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> RdflibEngine:
    monkeypatch.setattr(paths, "QUERIES_DIR", FIXTURE_PROJECT / "queries")
    return RdflibEngine(dataset)


def names(result: QueryResult, variable: str = "member") -> list[str]:
    return [str(r[variable]) for r in result.records()]


def test_the_engine_is_an_engine(engine: RdflibEngine) -> None:
    assert isinstance(engine, Engine)


# --------------------------------------------------------------------------------------------
# Exact answers


def test_members_on_the_default_date(engine: RdflibEngine) -> None:
    result = run(queries.get("members-on-date"), engine)
    assert result.kind == "select"
    assert result.variables == (Variable("member"), Variable("name"))
    assert result.rows == (
        (GAUSDAL, Literal("Gausdal kommune", lang="nb")),
        (LILLEHAMMER, Literal("Lillehammer kommune", lang="nb")),
        (OYER, Literal("Øyer kommune", lang="nb")),
    )


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("1993-12-31", []),
        ("1994-01-01", [LILLEHAMMER, OYER]),
        ("2009-12-31", [GAUSDAL, LILLEHAMMER, OYER]),
        ("2010-01-01", [LILLEHAMMER, OYER]),
    ],
)
def test_members_as_of_a_date(engine: RdflibEngine, as_of: str, expected: list[URIRef]) -> None:
    result = run(queries.get("members-on-date"), engine, as_of=as_of)
    assert [row[0] for row in result.rows] == expected


def test_a_member_that_only_considers_joining_is_no_member(engine: RdflibEngine) -> None:
    result = run(
        queries.get("members-on-date"), engine, {"collaboration": "sgid:collaboration/fire"}
    )
    assert [row[0] for row in result.rows] == [OYER]


def test_other_parameter_types(engine: RdflibEngine) -> None:
    founded = run(queries.get("founded-in"), engine, {"year": "2004"})
    assert founded.rows == ((FIRE,),)
    assert run(queries.get("founded-in"), engine, {"year": "2005"}).rows == ()
    larger = run(queries.get("larger-than"), engine, {"minimum": "1"})
    assert larger.rows == ((FIRE, Literal(1)), (REGION, Literal(3)))
    assert run(queries.get("larger-than"), engine).rows == ((REGION, Literal(3)),)


def test_ask(engine: RdflibEngine) -> None:
    query = queries.get("is-member")
    assert run(query, engine).boolean is True
    no = run(query, engine, {"organisation": "sgid:organization/gausdal"})
    assert (no.kind, no.boolean) == ("ask", False)


def test_construct(engine: RdflibEngine) -> None:
    result = run(queries.get("memberships-graph"), engine)
    assert result.kind == "construct"
    expected = Graph()
    for member in (GAUSDAL, LILLEHAMMER, OYER):
        expected.add((member, ORG.memberOf, REGION))
    assert result.graph is not None
    assert isomorphic(result.graph, expected)


def test_a_string_parameter_is_a_value_never_query_text(engine: RdflibEngine) -> None:
    query = queries.get(str(FIXTURES / "queries" / "own-header.rq"))
    assert names(run(query, engine), "organisation") == [
        str(GAUSDAL),
        str(LILLEHAMMER),
        str(ID["organization/ringebu"]),
        str(OYER),
    ]
    hostile = 'nb") || true) } SELECT * WHERE { ?s ?p ?o # '
    assert run(query, engine, {"language": hostile}).rows == ()


# --------------------------------------------------------------------------------------------
# Safety in the engine


def test_the_engine_refuses_service(engine: RdflibEngine) -> None:
    with pytest.raises(UnsafeQueryError):
        engine.query("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


def test_from_must_name_a_graph_the_engine_holds(engine: RdflibEngine) -> None:
    graph = ID["graph/fixture-region"]
    held = engine.query(f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s a ?c }}")
    assert held.rows[0][0] is not None and int(held.rows[0][0]) > 0
    with pytest.raises(UnsafeQueryError, match="not a graph here"):
        engine.query(f"SELECT * FROM <{ID['graph/not-loaded']}> WHERE {{ ?s ?p ?o }}")


# --------------------------------------------------------------------------------------------
# Result formats

SMALL = QueryResult(
    "select",
    (Variable("org"), Variable("name"), Variable("n"), Variable("note")),
    (
        (OYER, Literal("Øyer kommune", lang="nb"), Literal(2), None),
        (BNode("x"), Literal('say "hi",\tthen'), Literal("1.5", datatype=XSD.decimal), None),
    ),
)


def test_json_is_sparql_results_json() -> None:
    doc = json.loads(SMALL.to_json())
    assert doc == {
        "head": {"vars": ["org", "name", "n", "note"]},
        "results": {
            "bindings": [
                {
                    "org": {"type": "uri", "value": str(OYER)},
                    "name": {"type": "literal", "value": "Øyer kommune", "xml:lang": "nb"},
                    "n": {"type": "literal", "value": "2", "datatype": str(XSD.integer)},
                },
                {
                    "org": {"type": "bnode", "value": "x"},
                    "name": {"type": "literal", "value": 'say "hi",\tthen'},
                    "n": {"type": "literal", "value": "1.5", "datatype": str(XSD.decimal)},
                },
            ]
        },
    }


def test_json_and_xml_read_back_to_the_same_answers() -> None:
    for fmt in ("json", "xml"):
        again = QueryResult.parse(SMALL.serialize(fmt), fmt)
        assert again.as_set() == SMALL.as_set(), fmt


def test_xml_is_sparql_results_xml() -> None:
    root = ElementTree.fromstring(SMALL.to_xml())
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == [
        "org",
        "name",
        "n",
        "note",
    ]
    first = root.findall("r:results/r:result", ns)[0]
    literal = first.find("r:binding[@name='name']/r:literal", ns)
    assert literal is not None and literal.text == "Øyer kommune"
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "nb"
    assert first.find("r:binding[@name='note']", ns) is None


def test_csv_and_tsv() -> None:
    rows = list(csv.reader(io.StringIO(SMALL.to_csv(), newline="")))
    assert rows == [
        ["org", "name", "n", "note"],
        [str(OYER), "Øyer kommune", "2", ""],
        ["_:x", 'say "hi",\tthen', "1.5", ""],
    ]
    assert SMALL.to_csv().endswith("\r\n")
    assert SMALL.to_tsv().splitlines() == [
        "?org\t?name\t?n\t?note",
        f'<{OYER}>\t"Øyer kommune"@nb\t"2"^^<{XSD.integer}>\t',
        f'_:x\t"say \\"hi\\",\\tthen"\t"1.5"^^<{XSD.decimal}>\t',
    ]


def test_table_uses_prefixed_names() -> None:
    assert SMALL.to_table().splitlines()[2].split() == [
        "sgid:organization/oyer",
        '"Øyer',
        'kommune"@nb',
        "2",
    ]


def test_ask_formats() -> None:
    yes = QueryResult("ask", boolean=True)
    assert yes.to_table() == "true"
    assert json.loads(yes.to_json()) == {"head": {}, "boolean": True}
    assert yes.to_csv() == "boolean\r\ntrue\r\n"
    assert "<boolean>true</boolean>" in yes.to_xml()


def test_graph_formats(engine: RdflibEngine) -> None:
    result = run(queries.get("memberships-graph"), engine)
    turtle = result.serialize("turtle")
    assert turtle.startswith("@prefix org: <http://www.w3.org/ns/org#> .\n")
    assert result.graph is not None
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), result.graph)
    document = json.loads(result.serialize("jsonld"))
    assert "@context" in document
    assert isomorphic(
        Graph().parse(data=result.serialize("jsonld"), format="json-ld"), result.graph
    )
    assert result.serialize("table") == turtle.rstrip("\n")


@pytest.mark.parametrize(
    ("kind", "fmt", "message"),
    [
        ("select", "turtle", "a SELECT result cannot be written as turtle (use table, csv, "),
        ("ask", "jsonld", "an ASK result cannot be written as jsonld (use table, csv, "),
        ("construct", "csv", "a graph cannot be written as csv (use table, turtle or jsonld)"),
        ("select", "yaml", "unknown result format 'yaml'"),
    ],
)
def test_a_format_that_does_not_fit_is_refused(kind: str, fmt: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        check_format(kind, fmt)
    assert str(caught.value).startswith(message)


def test_select_as_turtle_is_a_clear_error() -> None:
    with pytest.raises(QueryError, match="a SELECT result cannot be written as turtle"):
        SMALL.to_turtle()


# --------------------------------------------------------------------------------------------
# The comparable form


def test_as_set_ignores_order_of_rows_and_variables_but_counts_duplicates() -> None:
    x, y = Variable("x"), Variable("y")
    one, two = Literal(1), Literal(2)
    a = QueryResult("select", (x, y), ((one, two), (two, None)))
    b = QueryResult("select", (y, x), ((None, two), (two, one)))
    assert a.as_set() == b.as_set()
    doubled = QueryResult("select", (x, y), ((one, two), (one, two), (two, None)))
    assert doubled.as_set() != a.as_set()


def test_as_set_treats_plain_and_xsd_string_literals_and_blank_nodes_alike() -> None:
    x = Variable("x")
    a = QueryResult("select", (x,), ((Literal("a"),), (BNode("one"),)))
    b = QueryResult("select", (x,), ((Literal("a", datatype=XSD.string),), (BNode("two"),)))
    assert a.as_set() == b.as_set()


def test_as_set_of_graphs_ignores_blank_node_labels() -> None:
    first, second = Graph(), Graph()
    first.add((BNode("a"), ORG.memberOf, REGION))
    second.add((BNode("b"), ORG.memberOf, REGION))
    assert (
        QueryResult("construct", graph=first).as_set()
        == QueryResult("construct", graph=second).as_set()
    )
    assert QueryResult("ask", boolean=False).as_set() == frozenset({False})
