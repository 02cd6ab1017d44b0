"""``kg serve``: the read-only SPARQL endpoint, its refusals, deadline, resource pages, CORS,
content negotiation and the query UI's data, against a real server process.

One server (module scope) is started with a dist folder that does not exist yet, so it builds
first; it runs with ``--timeout 1``, ``--max-result-mb 1`` and one allowed CORS origin. Tests
never reach the internet: every server and listener is on 127.0.0.1, started and stopped here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import serving
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.model.jsonld import parse_jsonld
from kg.publish.build import BASENAME
from kg.query import queries
from kg.server.app import is_stale
from kg.server.backend import free_port, oxigraph_binary

ALLOWED = "http://allowed.example"
OTHER = "http://other.example"
OYER = URIRef("https://w3id.org/samarbeidsgrafen/id/organization/oyer")
JSON = "application/sparql-results+json"

EXPENSIVE = {
    "aggregate": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "streaming": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
    'FILTER(CONCAT(STR(?c), STR(?f), STR(?i)) = "none") }',
}
"""Queries that run for hours on the project's graph (a cross join of every triple)."""

UPDATES = {
    "INSERT DATA": "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "DELETE DATA": "DELETE DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <http://127.0.0.1:9/data.ttl>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP ALL",
    "CREATE": "CREATE GRAPH <urn:x:g>",
    "ADD": "ADD DEFAULT TO <urn:x:g>",
    "MOVE": "MOVE DEFAULT TO <urn:x:g>",
    "COPY": "COPY DEFAULT TO <urn:x:g>",
}

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist folder that does not exist yet: the server must build it."""
    return tmp_path_factory.mktemp("serve") / "dist"


@pytest.fixture(scope="module")
def server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    args = ["--dist", str(dist), "--timeout", "1", "--max-result-mb", "1"]
    running = serving.start([*args, "--cors-origin", ALLOWED], tmp_path_factory.mktemp("run"))
    try:
        yield running
    finally:
        running.stop()


def get(server: serving.Server, query: str, accept: str = JSON, **headers: str) -> serving.Response:
    return server.request(
        "GET", "/sparql?" + urlencode({"query": query}), headers={"Accept": accept, **headers}
    )


def count_triples(server: serving.Server) -> int:
    answer = get(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert answer.status == 200, answer.text
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


# --------------------------------------------------------------------------------------------
# Start-up


def test_builds_a_missing_dist_on_start(server: serving.Server, dist: Path) -> None:
    assert (dist / f"{BASENAME}.nq").is_file()
    assert "building" in server.stderr.read_text()
    assert server.url.startswith("http://127.0.0.1:")
    assert server.endpoint == server.url + "sparql"


def test_staleness(tmp_path: Path) -> None:
    built = tmp_path / "x.nq"
    source = tmp_path / "data.trig"
    source.write_text("")
    assert is_stale(built, [source])
    built.write_text("")
    os.utime(source, (time.time() - 60, time.time() - 60))
    assert not is_stale(built, [source])
    os.utime(source, (time.time() + 60, time.time() + 60))
    assert is_stale(built, [source])


# --------------------------------------------------------------------------------------------
# The protocol


def test_three_query_forms_give_one_answer(server: serving.Server) -> None:
    query = f"SELECT ?label WHERE {{ <{OYER}> <{SKOS.prefLabel}> ?label }} ORDER BY ?label"
    answers = [
        get(server, query),
        server.request("GET", "/query?" + urlencode({"query": query}), headers={"Accept": JSON}),
        server.request(
            "POST", "/sparql", urlencode({"query": query}).encode(), {**FORM, "Accept": JSON}
        ),
        server.request("POST", "/sparql", query.encode("utf-8"), {**DIRECT, "Accept": JSON}),
    ]
    assert {a.status for a in answers} == {200}
    assert len({a.body for a in answers}) == 1
    values = {b["label"]["value"] for b in json.loads(answers[0].body)["results"]["bindings"]}
    assert "Øyer kommune" in values


def test_bad_requests(server: serving.Server) -> None:
    two = "/sparql?" + urlencode([("query", "ASK {}"), ("query", "ASK {}")])
    assert server.request("GET", two).status == 400
    utf16 = "ASK {}".encode("utf-16")
    assert server.request("POST", "/sparql", utf16, DIRECT).status == 400
    latin1 = "SELECT * WHERE { ?s ?p 'Øyer' }".encode("latin-1")
    assert server.request("POST", "/sparql", latin1, DIRECT).status == 400
    assert (
        server.request("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}).status == 415
    )
    assert server.request("POST", "/sparql", b"query=ASK%20%7B%7D").status == 400
    assert server.request("POST", "/sparql", b"", FORM).status == 400
    assert server.request("PUT", "/sparql", b"ASK {}", DIRECT).status == 405
    big = b"ASK {} #" + b"x" * (1024 * 1024)
    assert server.request("POST", "/sparql", big, DIRECT).status == 413
    assert server.request("GET", "/nowhere").status == 404


def test_syntax_error_gives_400_with_the_parsers_message(server: serving.Server) -> None:
    """The engine that would run the query parses it: its message, line and column."""
    answer = get(server, "SELECT * WHERE { ?s ?p }")
    assert (answer.status, answer.media_type) == (400, "text/plain")
    assert answer.text == "syntax error: 1:25: expected one of LATERAL, SERVICE, [_]\n"


def test_service_description(server: serving.Server) -> None:
    answer = server.request("GET", "/sparql", headers={"Accept": "text/turtle"})
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = Graph().parse(data=answer.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef(server.endpoint)
    assert (service, URIRef(sd + "endpoint"), service) in graph
    features = set(graph.objects(service, URIRef(sd + "feature")))
    assert URIRef(sd + "BasicFederatedQuery") not in features
    assert URIRef(sd + "UnionDefaultGraph") in features
    names = set(graph.objects(None, URIRef(sd + "name")))
    assert URIRef("https://w3id.org/samarbeidsgrafen/id/graph/ontology") in names


# --------------------------------------------------------------------------------------------
# Refusals


def _update_requests(update: str) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    form_update = urlencode({"update": update}).encode()
    form_query = urlencode({"query": update}).encode()
    return [
        ("POST", "/sparql", form_update, FORM),
        ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("GET", "/sparql?" + urlencode({"update": update}), None, {}),
        ("GET", "/sparql?" + urlencode({"query": update}), None, {}),
        ("POST", "/sparql", form_query, FORM),
        ("POST", "/sparql", update.encode(), DIRECT),
    ]


@pytest.mark.parametrize("name", sorted(UPDATES))
def test_every_update_form_is_refused(server: serving.Server, name: str) -> None:
    before = count_triples(server)
    for method, path, body, headers in _update_requests(UPDATES[name]):
        answer = server.request(method, path, body, headers)
        assert answer.status == 403, (name, method, path, headers, answer.text)
    assert count_triples(server) == before


def _service_queries(port: int) -> list[str]:
    target = f"<http://127.0.0.1:{port}/sparql>"
    return [
        f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT {target} {{ ?s ?p ?o }} }}",
        f"select * where {{ service {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053\\u0045RVICE {target} {{ ?s ?p ?o }} }}",
        f"ASK {{ ?x ?y ?z OPTIONAL {{ SERVICE {target} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
    ]


def test_service_is_refused_and_never_reaches_out(
    server: serving.Server, listener: serving.Listener
) -> None:
    for query in _service_queries(listener.port):
        for method, path, body, headers in [
            ("GET", "/sparql?" + urlencode({"query": query}), None, {}),
            ("POST", "/sparql", urlencode({"query": query}).encode(), FORM),
            ("POST", "/sparql", query.encode(), DIRECT),
        ]:
            answer = server.request(method, path, body, headers)
            assert answer.status == 403, (query, answer.text)
            assert "SERVICE" in answer.text
    load = f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>"
    assert (
        server.request("POST", "/sparql", urlencode({"update": load}).encode(), FORM).status == 403
    )
    assert get(server, load).status == 403
    time.sleep(0.5)
    assert listener.connections == 0


def test_oxigraph_itself_would_reach_out(listener: serving.Listener) -> None:
    """The control: Oxigraph's own server does call a SERVICE URL, so the front must refuse it
    (and the listener does see connections)."""
    port = free_port()
    process = subprocess.Popen(
        [str(oxigraph_binary()), "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        query = _service_queries(listener.port)[0]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and listener.connections == 0:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                time.sleep(0.05)
                continue
            body = query.encode()
            connection.sendall(
                b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            connection.settimeout(5)
            try:
                while connection.recv(65536):
                    pass
            except OSError:
                pass
            connection.close()
        assert listener.connections >= 1
    finally:
        process.kill()
        process.wait(timeout=10)


def test_from_a_graph_outside_the_store_is_refused(server: serving.Server) -> None:
    answer = get(server, "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }")
    assert answer.status == 403
    inside = "ASK FROM <https://w3id.org/samarbeidsgrafen/id/graph/ontology> { ?s ?p ?o }"
    assert get(server, inside).status == 200


# --------------------------------------------------------------------------------------------
# The deadline and the size limit


@pytest.mark.parametrize("name", sorted(EXPENSIVE))
def test_deadline_stops_the_query(server: serving.Server, name: str) -> None:
    before = server.workers()
    started = time.monotonic()
    answer = server.request(
        "POST", "/sparql", EXPENSIVE[name].encode(), {**DIRECT, "Origin": ALLOWED}, timeout=30
    )
    elapsed = time.monotonic() - started
    assert answer.status == 503, answer.text
    assert "deadline" in answer.text and answer.text.count("\n") == 1
    assert answer.headers.get("access-control-allow-origin") == ALLOWED
    assert elapsed < 1 + 4, f"the 1 s deadline answered after {elapsed:.1f} s"
    # The worker that ran it was killed and reaped; a new one takes its place.
    gone = set(before) - set(server.workers())
    assert gone, "no worker was replaced"
    assert not any(serving.exists(pid) for pid in gone)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(server.workers()) < len(before):
        time.sleep(0.05)
    assert get(server, "ASK {}").status == 200
    # Nothing runs on: the workers together use (almost) no CPU for a second.
    workers = list(server.workers())
    used = [serving.cpu_seconds(pid) for pid in workers]
    time.sleep(1.0)
    spent = sum(serving.cpu_seconds(pid) - u for pid, u in zip(workers, used, strict=True))
    assert spent < 0.3, f"workers used {spent:.2f} s of CPU after the deadline"


def test_a_query_too_long_to_plan_in_time_is_stopped(server: serving.Server) -> None:
    """Thousands of triple patterns: the token check is linear (milliseconds), but Oxigraph's
    join planner needs seconds from about a hundred patterns on (1.7 s at 100, 22 s at 200,
    measured with 0.5.13): the deadline stops it and the worker is replaced."""
    patterns = " ".join(f"?s <urn:x:p{i}> ?o{i} ." for i in range(4000))
    started = time.monotonic()
    answer = server.request("POST", "/sparql", f"ASK {{ {patterns} }}".encode(), DIRECT)
    assert (answer.status, answer.text) == (
        503,
        "query stopped: it did not finish within the 1 s deadline\n",
    )
    assert time.monotonic() - started < 1 + 4
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and get(server, "ASK {}").status != 200:
        time.sleep(0.1)
    assert get(server, "ASK {}").status == 200


def test_deeply_nested_query(server: serving.Server) -> None:
    nested = "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    answer = server.request("POST", "/sparql", nested.encode(), DIRECT)
    assert (answer.status, answer.text) == (
        400,
        "1:76: the query nests more than 64 levels deep\n",
    )
    assert get(server, "ASK {}").status == 200


def test_a_result_past_the_size_limit_is_stopped(server: serving.Server) -> None:
    """The worker stops serialising at the limit and says so: it stays in service."""
    before = set(server.workers())
    answer = get(server, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert answer.status == 500
    assert "larger than" in answer.text
    assert get(server, "ASK {}").status == 200
    assert set(server.workers()) == before


# --------------------------------------------------------------------------------------------
# Content negotiation


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, "SELECT (1 AS ?x) {}", JSON),
        ("*/*", "ASK {}", JSON),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "SELECT (1 AS ?x) {}",
         "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, text/csv", "SELECT (1 AS ?x) {}", "text/csv"),
        ("text/*;q=0.2, text/csv;q=0.1", "SELECT (1 AS ?x) {}", "text/tab-separated-values"),
        ("application/json", "ASK {}", JSON),
        ("text/html", "SELECT (1 AS ?x) {}", None),
        ("application/sparql-results+json", "CONSTRUCT { <urn:x:s> <urn:x:p> 1 } {}", None),
        ("text/turtle;q=0.4, application/n-triples;q=0.6", "CONSTRUCT { <urn:x:s> <urn:x:p> 1 } {}",
         "application/n-triples"),
        ("application/ld+json", f"DESCRIBE <{OYER}>", "application/ld+json"),
        ("application/rdf+xml", f"DESCRIBE <{OYER}>", "application/rdf+xml"),
        ("application/n-quads", "CONSTRUCT { <urn:x:s> <urn:x:p> 1 } {}", "application/n-quads"),
        (None, "CONSTRUCT { <urn:x:s> <urn:x:p> 1 } {}", "text/turtle"),
    ],
)  # fmt: skip
def test_content_negotiation_honours_q_values(
    server: serving.Server, accept: str | None, query: str, expected: str | None
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    answer = server.request("GET", "/sparql?" + urlencode({"query": query}), headers=headers)
    if expected is None:
        assert answer.status == 406, answer.text
    else:
        assert answer.status == 200, answer.text
        assert answer.media_type == expected
        assert "Accept" in answer.headers.get("vary", "")


# --------------------------------------------------------------------------------------------
# Resource pages


def test_resource_as_turtle(server: serving.Server) -> None:
    answer = server.request("GET", "/id/organization/oyer", headers={"Accept": "text/turtle"})
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = Graph().parse(data=answer.text, format="turtle")
    assert (OYER, SKOS.prefLabel, Literal("Øyer kommune", lang="nb")) in graph
    # The objects' names come along: every identifier has its notation.
    identifiers = set(graph.objects(OYER, URIRef("http://www.w3.org/ns/adms#identifier")))
    assert identifiers
    assert all(graph.value(i, SKOS.notation) is not None for i in identifiers)


def test_resource_as_jsonld(server: serving.Server) -> None:
    accept = {"Accept": "application/ld+json"}
    answer = server.request("GET", "/id/organization/oyer", headers=accept)
    assert answer.status == 200 and answer.media_type == "application/ld+json"
    document = json.loads(answer.body)
    assert isinstance(document["@context"], dict)  # the local context, inline: never fetched
    graph = parse_jsonld(document)
    assert (OYER, SKOS.prefLabel, Literal("Øyer kommune", lang="nb")) in graph


def test_resource_as_html(server: serving.Server) -> None:
    accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    answer = server.request("GET", "/id/organization/oyer", headers=accept)
    assert answer.status == 200 and answer.media_type == "text/html"
    assert "content-security-policy" in answer.headers
    page = answer.text
    assert '<h1 id="label">Øyer kommune</h1>' in page
    assert 'href="/id/identifier/orgnr-961381185"' in page  # related resources on this server
    assert 'href="/id/membership/' in page  # what points here
    query = queries.check_safe(
        f"SELECT ?property ?value WHERE {{\n  <{OYER}> ?property ?value .\n}}"
        " ORDER BY ?property ?value"
    )
    assert query.kind == "select"
    assert 'id="query-link" href="/?query=' + quote("SELECT ?property", safe="") in page


SOURCE_2010 = (
    '<a class="source-title" href="/id/source/oyer-regionalt-samarbeid-2010">'
    "Regionalt samarbeid på ulike måter</a> "
    '<span class="as-of">as of 2010</span>, <span class="read">read 2026-11-29</span></li>'
)
SOURCE_REGISTRY = (
    '<a class="source-title" href="/id/source/registry-facts">'
    "Registry facts for the Lillehammer region, with sources</a> "
    '<span class="as-of">no as-of date</span>, <span class="read">read 2026-11-29</span></li>'
)
IN_2010 = '<li title="graph sgid:graph/oyer-regionalt-samarbeid-2010">'
IN_REGISTRY = '<li title="graph sgid:graph/registry-facts">'


def html_page(server: serving.Server, path: str) -> str:
    answer = server.request("GET", path, headers={"Accept": "text/html"})
    assert answer.status == 200 and answer.media_type == "text/html", answer.text
    return answer.text


def test_resource_html_gives_each_statement_its_sources(server: serving.Server) -> None:
    # Øyer is described by the 2010 page (its name) and the registry facts (its identifiers).
    page = html_page(server, "/id/organization/oyer")
    assert (
        '<li><span class="value">Øyer kommune <span class="lang">@nb</span></span>'
        f'<ul class="sources">{IN_2010}{SOURCE_2010}</ul></li>'
    ) in page
    assert (
        '<li><span class="value"><a href="/id/identifier/orgnr-961381185">961381185 '
        '<span class="iri">sgid:identifier/orgnr-961381185</span></a></span>'
        f'<ul class="sources">{IN_REGISTRY}{SOURCE_REGISTRY}</ul></li>'
    ) in page
    values = page.count('<span class="value">')
    assert values == 12
    assert page.count('<ul class="sources">') == values  # every statement has its sources
    assert page.count(SOURCE_2010) + page.count(SOURCE_REGISTRY) == values


def test_a_statement_two_sources_make_lists_both(server: serving.Server) -> None:
    # Øyer's ownership of GLØR is on the 2010 page and in the registry facts.
    page = html_page(server, "/id/membership/glor-iks--oyer--owner")
    assert (
        '<li><span class="value"><a href="/id/organization/oyer">Øyer kommune '
        '<span class="iri">sgid:organization/oyer</span></a></span><ul class="sources">'
        f"{IN_2010}{SOURCE_2010}{IN_REGISTRY}{SOURCE_REGISTRY}</ul></li>"
    ) in page


def test_a_concept_page_has_no_sources(server: serving.Server) -> None:
    # Code lists are not source graphs: their statements come from the model, not a document.
    page = html_page(server, "/vocab/role/owner")
    assert '<span class="value">' in page and '<ul class="sources">' not in page


def test_resource_as_nquads_and_trig_keep_the_graphs(server: serving.Server) -> None:
    graph_2010 = URIRef("https://w3id.org/samarbeidsgrafen/id/graph/oyer-regionalt-samarbeid-2010")
    registry = URIRef("https://w3id.org/samarbeidsgrafen/id/graph/registry-facts")
    adms = "http://www.w3.org/ns/adms#identifier"
    orgnr = "https://w3id.org/samarbeidsgrafen/id/identifier/orgnr-961381185"
    for media_type, syntax in (("application/n-quads", "nquads"), ("application/trig", "trig")):
        answer = server.request("GET", "/id/organization/oyer", headers={"Accept": media_type})
        assert answer.status == 200 and answer.media_type == media_type, answer.text
        dataset = Dataset()
        dataset.parse(data=answer.text, format=syntax)
        quads = {(s, p, o, g) for s, p, o, g in dataset.quads()}
        assert {g for _, _, _, g in quads} == {graph_2010, registry}
        assert {s for s, _, _, _ in quads} == {OYER}
        assert (OYER, SKOS.prefLabel, Literal("Øyer kommune", lang="nb"), graph_2010) in quads
        assert (OYER, URIRef(adms), URIRef(orgnr), registry) in quads
        assert len(quads) == 12
    quad_view = {"Accept": "application/n-quads"}
    nquads = server.request("GET", "/id/organization/oyer", headers=quad_view)
    assert f"<{OYER}> <{adms}> <{orgnr}> <{registry}> .\n" in nquads.text
    assert server.request("GET", "/id/organization/no-such-place", headers=quad_view).status == 404


def test_resource_default_is_turtle_and_unknown_is_404(server: serving.Server) -> None:
    assert server.request("GET", "/id/organization/oyer").media_type == "text/turtle"
    assert server.request("GET", "/id/organization/no-such-place").status == 404
    assert server.request("GET", "/id/organization").status == 404
    assert server.request("GET", "/id/organization/oyer%3E%20%7D").status == 404
    html_only = {"Accept": "image/png"}
    assert server.request("GET", "/id/organization/oyer", headers=html_only).status == 406
    concept = server.request("GET", "/vocab/role/owner", headers={"Accept": "text/turtle"})
    assert concept.status == 200


# --------------------------------------------------------------------------------------------
# CORS


def test_cors_only_for_listed_origins_and_on_errors_too(server: serving.Server) -> None:
    requests = [
        ("GET", "/sparql?" + urlencode({"query": "ASK {}"}), 200),
        ("GET", "/sparql?" + urlencode({"query": "ASK {"}), 400),
        ("GET", "/sparql?" + urlencode({"update": "DROP ALL"}), 403),
        ("GET", "/id/organization/no-such-place", 404),
        ("GET", "/id/organization/oyer", 200),
    ]
    for method, path, status in requests:
        allowed = server.request(method, path, headers={"Origin": ALLOWED})
        assert allowed.status == status
        assert allowed.headers.get("access-control-allow-origin") == ALLOWED
        assert "Origin" in allowed.headers.get("vary", "")
        other = server.request(method, path, headers={"Origin": OTHER})
        assert other.status == status
        assert "access-control-allow-origin" not in other.headers
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    answer = server.request("OPTIONS", "/sparql", headers={"Origin": ALLOWED, **preflight})
    assert answer.status == 204
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "Content-Type" in answer.headers["access-control-allow-headers"]
    refused = server.request("OPTIONS", "/sparql", headers={"Origin": OTHER, **preflight})
    assert refused.status == 403
    assert "access-control-allow-origin" not in refused.headers


# --------------------------------------------------------------------------------------------
# The query UI


def test_ui_page_and_files(server: serving.Server) -> None:
    page = server.request("GET", "/")
    assert page.status == 200 and page.media_type == "text/html"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<table id="results">' in page.text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text)  # nothing from elsewhere
    script = server.request("GET", "/static/app.js")
    assert script.status == 200 and script.media_type == "text/javascript"
    assert server.request("GET", "/static/../pages.py").status == 404


def _rows_from_json(body: bytes) -> set[tuple[tuple[str, str], ...]]:
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    rows = set()
    for binding in json.loads(body)["results"]["bindings"]:
        row = []
        for name, term in binding.items():
            if term["type"] == "bnode":
                text = "_:"
            elif term["type"] == "uri":
                text = f"<{term['value']}>"
            elif "xml:lang" in term:
                text = f"{term['value']}@{term['xml:lang'].lower()}"
            elif term.get("datatype", xsd_string) != xsd_string:
                text = f"{term['value']}^^{term['datatype']}"
            else:
                text = term["value"]
            row.append((name, text))
        rows.add(tuple(sorted(row)))
    return rows


def _rows_from_pyoxigraph(solutions: ox.QuerySolutions) -> set[tuple[tuple[str, str], ...]]:
    rows = set()
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        row = []
        for name in names:
            term = solution[name]
            if term is None:
                continue
            if isinstance(term, ox.BlankNode):
                text = "_:"
            elif isinstance(term, ox.NamedNode):
                text = f"<{term.value}>"
            elif term.language:
                text = f"{term.value}@{term.language.lower()}"
            elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                text = f"{term.value}^^{term.datatype.value}"
            else:
                text = term.value
            row.append((name, text))
        rows.add(tuple(sorted(row)))
    return rows


def _term(node: object) -> ox.NamedNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    assert isinstance(node, Literal)
    if node.language:
        return ox.Literal(str(node), language=node.language)
    datatype = ox.NamedNode(str(node.datatype)) if node.datatype else None
    return ox.Literal(str(node), datatype=datatype)


def test_ui_catalogue_texts_run_with_the_example_values(server: serving.Server, dist: Path) -> None:
    answer = server.request("GET", "/api/queries")
    assert answer.status == 200 and answer.media_type == "application/json"
    catalogue = json.loads(answer.body)
    named = queries.catalogue()
    assert [q["name"] for q in catalogue["queries"]] == list(named)
    store = ox.Store()
    store.load(path=str(dist / f"{BASENAME}.nq"), format=ox.RdfFormat.N_QUADS)
    for entry in catalogue["queries"]:
        assert entry["title"] and entry["text"]
        query = named[entry["name"]]
        shown = server.request(
            "POST", "/sparql", entry["text"].encode(), {**DIRECT, "Accept": JSON}
        )
        assert shown.status == 200, (entry["name"], shown.text)
        if query.kind != "select" or not query.params:
            continue
        # The VALUES block binds what the CLI binds: same rows as a query with substitutions.
        substitutions = {ox.Variable(v): _term(t) for v, t in query.bindings().items()}
        expected = store.query(
            query.full_text, use_default_graph_as_union=True, substitutions=substitutions
        )
        assert isinstance(expected, ox.QuerySolutions)
        assert _rows_from_json(shown.body) == _rows_from_pyoxigraph(expected), entry["name"]


# --------------------------------------------------------------------------------------------
# Stopping


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signals(
    server: serving.Server, dist: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    second = serving.start(["--dist", str(dist), "--workers", "1"], tmp_path)
    assert "up to date" in second.stderr.read_text()  # the module's server built it
    assert second.workers()
    if signum == signal.SIGINT:
        second.process.send_signal(signal.SIGINT)
    second.stop()  # SIGTERM if still running; asserts exit 0, no process, no store left
