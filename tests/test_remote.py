"""The remote engine: what goes over the wire, what comes back, and every way it can fail.

Every server here is started by the test on 127.0.0.1 and stopped by it (see ``_endpoints``).
"""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from _endpoints import Answer, Recorded, fake_endpoint, free_port, json_answer
from rdflib import BNode, Dataset, Literal, URIRef, Variable
from support import run_kg, use_project

from kg.errors import EndpointError, ParameterError, QueryError
from kg.model.dataset import load_dataset, new_dataset
from kg.model.namespaces import ID, SKOS, XSD
from kg.query import queries
from kg.query.engines import OxigraphEngine, RdflibEngine, run
from kg.query.remote import (
    GRAPH_ACCEPT,
    POST_THRESHOLD,
    SELECT_ACCEPT,
    RemoteEngine,
    bind_values,
    check_url,
    where_group_start,
)

EMPTY_SELECT = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": []}}).encode()
ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()


@pytest.fixture(scope="module")
def project() -> Dataset:
    return load_dataset()


# --------------------------------------------------------------------------------------------
# The CLI's errors: one line naming the URL (and status), exit code 2


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_refused_connection_exits_2_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run_kg("query", "members-on-date", "--endpoint", url)
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line == f"kg: error: {url}: connection refused (is the endpoint running?)"
    assert done.stdout == ""


def test_a_timeout_exits_2_naming_the_url_and_the_limit() -> None:
    with fake_endpoint(json_answer(EMPTY_SELECT), delay=20) as fake:
        url = f"{fake.url}/query"
        started = time.monotonic()
        done = run_kg("query", "members-on-date", "--endpoint", url, "--timeout", "0.5")
        elapsed = time.monotonic() - started
    assert done.returncode == 2
    assert _one_line(done.stderr) == f"kg: error: {url}: no answer within 0.5 s (timed out)"
    assert elapsed < 15  # the query waited 0.5 s, not the server's 20


def test_an_http_500_exits_2_with_the_status_and_the_start_of_the_body() -> None:
    body = b"boom: the store is on fire\n" + b"x" * 5000

    def answer(_: Recorded) -> Answer:
        return 500, {"Content-Type": "text/plain"}, body

    with fake_endpoint(answer) as fake:
        url = f"{fake.url}/query"
        done = run_kg("query", "members-on-date", "--endpoint", url)
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert line.startswith(f"kg: error: {url}: HTTP 500 Internal Server Error: boom: the store is")
    assert len(line) < 500  # the start of the body, not all of it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "oxigraph"], "--engine and --endpoint exclude each other"),
        (["--data", "data"], "--data and --endpoint exclude each other"),
    ],
)
def test_local_options_with_an_endpoint_are_a_usage_error(args: list[str], message: str) -> None:
    done = run_kg("query", "member-count", "--endpoint", "http://127.0.0.1:9/query", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(EndpointError, match="not an http"):
        check_url("file:///etc/passwd")
    done = run_kg("query", "member-count", "--endpoint", "file:///etc/passwd")
    assert done.returncode == 2
    assert _one_line(done.stderr) == "kg: error: file:///etc/passwd: not an http(s) URL"


# --------------------------------------------------------------------------------------------
# What goes over the wire


def test_a_short_query_is_a_get_with_the_query_only_and_exact_accept() -> None:
    text = "SELECT ?x WHERE { ?x ?p ?o }"
    with fake_endpoint(json_answer(EMPTY_SELECT)) as fake:
        RemoteEngine(f"{fake.url}/sparql").query(text)
    sent = fake.last
    assert sent.request_line == (
        f"GET /sparql?query={urllib.parse.quote_plus(text, safe='/')} HTTP/1.1"
    )
    parameters = urllib.parse.parse_qs(urllib.parse.urlsplit(sent.target).query)
    assert parameters == {"query": [text]}  # no format=, output=, results=
    assert sent.headers["accept"] == SELECT_ACCEPT == "application/sparql-results+json"
    assert sent.headers["user-agent"].startswith("samarbeidsgrafen/")
    assert sent.body == b""


def test_a_long_query_is_posted_form_encoded() -> None:
    text = "# " + "a long comment " * 200 + "\nASK { ?s ?p ?o }"
    assert len(urllib.parse.urlencode({"query": text})) > POST_THRESHOLD
    with fake_endpoint(json_answer(ASK_TRUE)) as fake:
        assert RemoteEngine(f"{fake.url}/sparql").query(text).boolean is True
    sent = fake.last
    assert sent.request_line == "POST /sparql HTTP/1.1"  # nothing on the URL
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(sent.body.decode("ascii")) == {"query": [text]}
    assert sent.headers["accept"] == SELECT_ACCEPT


def test_a_construct_asks_for_n_triples_and_reads_it() -> None:
    data = (
        b"<https://w3id.org/samarbeidsgrafen/id/organization/oyer> "
        b'<http://www.w3.org/2004/02/skos/core#prefLabel> "\\u00D8yer"@nb .\n'
    )

    def answer(_: Recorded) -> Answer:
        return 200, {"Content-Type": "application/n-triples"}, data

    with fake_endpoint(answer) as fake:
        result = RemoteEngine(f"{fake.url}/sparql").query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert fake.last.headers["accept"] == GRAPH_ACCEPT
    assert result.kind == "construct" and result.graph is not None
    assert set(result.graph) == {
        (ID["organization/oyer"], SKOS.prefLabel, Literal("Øyer", lang="nb"))
    }


def test_a_turtle_answer_to_a_describe_is_read() -> None:
    data = b"<urn:x:a> <urn:x:p> 1 .\n"

    def answer(_: Recorded) -> Answer:
        return 200, {"Content-Type": "text/turtle; charset=utf-8"}, data

    with fake_endpoint(answer) as fake:
        result = RemoteEngine(f"{fake.url}/sparql").query("DESCRIBE <urn:x:a>")
    assert result.graph is not None
    assert set(result.graph) == {(URIRef("urn:x:a"), URIRef("urn:x:p"), Literal(1))}


def test_basic_authentication_is_sent() -> None:
    with fake_endpoint(json_answer(ASK_TRUE)) as fake:
        RemoteEngine(f"{fake.url}/sparql", user="kg", password="s3cret").query("ASK {}")
    assert fake.last.headers["authorization"] == "Basic a2c6czNjcmV0"


def test_a_named_query_binds_its_parameters_as_values_in_the_outer_group() -> None:
    with fake_endpoint(json_answer(EMPTY_SELECT)) as fake:
        done = run_kg(
            "query",
            "members-on-date",
            "--endpoint",
            f"{fake.url}/sparql",
            "--param",
            "asOf=2011-01-31",
            "-f",
            "json",
        )
    assert done.returncode == 0, done.stderr
    sent = fake.last
    text = (
        urllib.parse.parse_qs(sent.body.decode("ascii"))["query"][0]
        if sent.method == "POST"
        else urllib.parse.parse_qs(urllib.parse.urlsplit(sent.target).query)["query"][0]
    )
    block = (
        "VALUES (?collaboration ?asOf) { "
        "(<https://w3id.org/samarbeidsgrafen/id/collaboration/brannvesen-lillehammer-oyer> "
        '"2011-01-31"^^<http://www.w3.org/2001/XMLSchema#date>) }'
    )
    assert text.count("VALUES (?collaboration") == 1
    start = where_group_start(text)
    assert start is not None
    assert text[start:].startswith("{ " + block)
    assert json.loads(done.stdout)["results"]["bindings"] == []


# --------------------------------------------------------------------------------------------
# What comes back


def test_json_results_become_the_same_terms_as_the_local_engines() -> None:
    document = {
        "head": {"vars": ["iri", "blank", "tagged", "typed", "plain", "string", "unbound"]},
        "results": {
            "bindings": [
                {
                    "iri": {"type": "uri", "value": "https://w3id.org/samarbeidsgrafen/id/x"},
                    "blank": {"type": "bnode", "value": "b0"},
                    "tagged": {"type": "literal", "value": "Øyer", "xml:lang": "nb"},
                    "typed": {
                        "type": "literal",
                        "value": "2010-06-01",
                        "datatype": str(XSD.date),
                    },
                    "plain": {"type": "literal", "value": "x"},
                    "string": {"type": "literal", "value": "y", "datatype": str(XSD.string)},
                }
            ]
        },
    }
    with fake_endpoint(json_answer(json.dumps(document).encode())) as fake:
        result = RemoteEngine(f"{fake.url}/sparql").query("SELECT * WHERE { ?s ?p ?o }")
    assert [str(v) for v in result.variables] == document["head"]["vars"]
    (row,) = result.rows
    assert row[0] == URIRef("https://w3id.org/samarbeidsgrafen/id/x")
    assert isinstance(row[1], BNode)
    assert row[2] == Literal("Øyer", lang="nb")
    assert row[3] == Literal("2010-06-01", datatype=XSD.date)
    assert row[4] == Literal("x") and row[5] == Literal("y")  # xsd:string made plain
    assert row[6] is None


def test_an_answer_that_is_no_sparql_result_is_an_endpoint_error() -> None:
    def answer(_: Recorded) -> Answer:
        return 200, {"Content-Type": "text/html"}, b"<html>a login page</html>"

    with fake_endpoint(answer) as fake:
        url = f"{fake.url}/sparql"
        with pytest.raises(EndpointError) as caught:
            RemoteEngine(url).query("ASK {}")
    assert str(caught.value) == (f"{url}: HTTP 200 answered text/html, not SPARQL results")


def test_broken_json_is_an_endpoint_error() -> None:
    with fake_endpoint(json_answer(b"{not json")) as fake:
        with pytest.raises(EndpointError, match="cannot be read as json"):
            RemoteEngine(f"{fake.url}/sparql").query("ASK {}")


def test_a_4xx_keeps_status_and_body() -> None:
    def answer(_: Recorded) -> Answer:
        return 400, {"Content-Type": "text/plain"}, b"error at 1:7: expected WHERE"

    with fake_endpoint(answer) as fake:
        url = f"{fake.url}/sparql"
        with pytest.raises(EndpointError) as caught:
            RemoteEngine(url).query("ASK {}")
    error = caught.value
    assert (error.url, error.status, error.body) == (url, 400, "error at 1:7: expected WHERE")
    assert str(error) == f"{url}: HTTP 400 Bad Request: error at 1:7: expected WHERE"


def test_the_engine_refuses_what_is_unsafe_before_sending() -> None:
    with fake_endpoint(json_answer(ASK_TRUE)) as fake:
        engine = RemoteEngine(f"{fake.url}/sparql")
        with pytest.raises(QueryError, match="updates are refused"):
            engine.query("DROP ALL")
        with pytest.raises(QueryError, match="SERVICE is refused"):
            engine.query("ASK { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert fake.requests == []


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(QueryError, match="positive"):
        RemoteEngine("http://127.0.0.1:9/query", timeout=0)


# --------------------------------------------------------------------------------------------
# Finding the outermost group and binding VALUES


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("SELECT * { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("ask{?s ?p ?o}", "{?s ?p ?o}"),
        ("# SELECT { not this }\nSELECT * WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ('PREFIX a: <urn:x#>\nSELECT ("{" AS ?b) WHERE { ?s ?p ?o }', "{ ?s ?p ?o }"),
        ("SELECT (EXISTS { ?x ?y ?z } AS ?e) WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("SELECT ?s FROM <urn:x:g> WHERE { ?s ?p '''}''' }", "{ ?s ?p '''}''' }"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("CONSTRUCT { ?s ?p '{' } WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "{ ?s ?p ?o }"),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }", "{ { SELECT"),
        ("SELECT * WHERE { ?s a:b\\#c ?o } # }", "{ ?s a:b\\#c ?o } # }"),
    ],
)
def test_the_outermost_group_is_found(text: str, group: str) -> None:
    start = where_group_start(text)
    assert start is not None
    assert text[start:].startswith(group)


@pytest.mark.parametrize("text", ["CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <urn:x:a>"])
def test_a_query_without_such_group_gets_a_final_values_clause(text: str) -> None:
    assert where_group_start(text) is None
    bound = bind_values(text, {Variable("s"): URIRef("urn:x:a")})
    assert bound.rstrip().endswith("VALUES (?s) { (<urn:x:a>) }")


def test_code_point_escapes_outside_strings_are_refused() -> None:
    with pytest.raises(QueryError, match="escapes"):
        bind_values("SELECT * WHERE \\u007B ?s ?p ?o }", {Variable("s"): URIRef("urn:x:a")})


def test_blank_nodes_cannot_be_sent() -> None:
    with pytest.raises(ParameterError, match="IRIs and literals"):
        bind_values("ASK { ?s ?p ?o }", {Variable("s"): BNode()})


@pytest.mark.parametrize(
    "value",
    [
        'x" } ; DROP ALL #',
        "'''",
        'a\\"b',
        "line\none",
        "} } }",
        "é\x00\x07",
        "back\\slash \\n \\uZZZZ",
    ],
)
def test_a_string_parameter_is_a_value_never_query_text(value: str) -> None:
    """Whatever the user types, the bound query finds exactly the literal with that value."""
    dataset = new_dataset()
    graph = dataset.graph(ID["graph/g"])
    graph.add((ID["x/hit"], SKOS.prefLabel, Literal(value)))
    graph.add((ID["x/miss"], SKOS.prefLabel, Literal("other")))
    text = (
        "SELECT ?s WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        "FILTER(?l = ?name) }"
    )
    bound = bind_values(text, {Variable("name"): Literal(value)})
    assert bound.count("VALUES") == 1
    result = RdflibEngine(dataset).query(bound)
    assert result.rows == ((ID["x/hit"],),)


@pytest.mark.parametrize("value", ["\\u0022", "\\\\u0022", "\\U0001F600", "\\\\\\u0041"])
def test_a_value_that_would_read_as_an_escape_is_refused(value: str) -> None:
    """A backslash, then u and hex digits: SPARQL expands that before parsing, anywhere, so
    no text sent to an endpoint can carry it unchanged (the normalised text has no escapes)."""
    with pytest.raises(ParameterError) as caught:
        bind_values("ASK { ?s ?p ?name }", {Variable("name"): Literal(value)})
    assert str(caught.value) == (
        "parameter 'name': a value with a backslash followed by u and hex digits cannot be "
        "sent to an endpoint unchanged"
    )


def test_values_give_the_answers_of_true_pre_binding_for_every_catalogue_query(
    project: Dataset,
) -> None:
    """Each parameterised catalogue query: VALUES-bound text == Oxigraph's substitution."""
    engine = OxigraphEngine(project)
    checked = 0
    for query in queries.catalogue().values():
        if not query.params:
            continue
        bindings = query.bindings()
        substituted = run(query, engine).as_set()
        injected = engine.query(bind_values(query.full_text, bindings)).as_set()
        assert injected == substituted, query.name
        checked += 1
    assert checked >= 5


def test_the_fixture_queries_too_on_rdflib(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same on rdflib's own pre-binding, on the fixture project (small and fast)."""
    project = use_project(monkeypatch)
    engine = RdflibEngine(load_dataset(project / "data"))
    fixtures = queries.catalogue(project / "queries")
    assert any(q.params for q in fixtures.values())
    for query in fixtures.values():
        bindings = query.bindings()
        if not bindings:
            continue
        expected = run(query, engine).as_set()
        assert engine.query(bind_values(query.full_text, bindings)).as_set() == expected
