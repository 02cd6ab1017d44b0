"""``kg push``: one PUT per named graph, replace not duplicate, counts checked, Basic auth.

A fake store (a recording server on 127.0.0.1 that keeps what it is PUT and counts it when
asked) shows what goes over the wire; a real Oxigraph server shows that pushing twice, or a
changed graph, replaces and never duplicates. Every server is started and stopped here.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from _endpoints import Answer, Recorded, fake_endpoint, free_port, oxigraph_server
from rdflib import Dataset, URIRef
from support import run_kg

from kg.model import paths
from kg.model.dataset import ONTOLOGY_GRAPH, VOCAB_GRAPH, load_dataset, source_graphs
from kg.publish.push import graph_store_url, named_graphs, push
from kg.query.remote import RemoteEngine

PASSWORD_VARIABLE = "KG_TEST_PUSH_PASSWORD"
XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
_BOUND_GRAPH = re.compile(r"VALUES \(\?graph\) \{ \(<([^>]*)>\) \}")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


class FakeStore:
    """Answers PUT ``/store?graph=`` by keeping the lines, and ``/query`` COUNTs from them."""

    def __init__(self, skew: dict[str, int] | None = None) -> None:
        self.graphs: dict[str, set[bytes]] = {}
        self.skew = skew or {}

    def __call__(self, request: Recorded) -> Answer:
        parts = urllib.parse.urlsplit(request.target)
        parameters = urllib.parse.parse_qs(parts.query)
        if request.method == "PUT" and parts.path == "/store":
            (iri,) = parameters["graph"]
            created = iri not in self.graphs
            self.graphs[iri] = {line for line in request.body.splitlines() if line.strip()}
            return (201 if created else 204), {}, b""
        if parts.path == "/query":
            form = urllib.parse.parse_qs(request.body.decode()) if request.body else parameters
            found = _BOUND_GRAPH.search(form["query"][0])
            assert found, form["query"][0]
            iri = found.group(1)
            count = len(self.graphs.get(iri, ())) + self.skew.get(iri, 0)
            document = {
                "head": {"vars": ["triples"]},
                "results": {
                    "bindings": [
                        {"triples": {"type": "literal", "value": str(count), "datatype": XSD_INT}}
                    ]
                },
            }
            headers = {"Content-Type": "application/sparql-results+json"}
            return 200, headers, json.dumps(document).encode()
        return 404, {"Content-Type": "text/plain"}, b"no such resource"


def _expected_graphs(dataset: Dataset) -> set[str]:
    return {str(ONTOLOGY_GRAPH), str(VOCAB_GRAPH), *(str(g.iri) for g in source_graphs(dataset))}


# --------------------------------------------------------------------------------------------
# The wire


def test_one_put_per_named_graph_then_one_count_each(dataset: Dataset) -> None:
    fake = FakeStore()
    with fake_endpoint(fake) as endpoint:
        report = push(dataset, f"{endpoint.url}/query")
        sent = list(endpoint.requests)
    expected = _expected_graphs(dataset)
    puts = [r for r in sent if r.method == "PUT"]
    assert len(puts) == len(expected) == len(report.graphs)
    sent_graphs = set()
    for request in puts:
        (iri,) = urllib.parse.parse_qs(urllib.parse.urlsplit(request.target).query)["graph"]
        sent_graphs.add(iri)
        assert (
            request.request_line == f"PUT /store?graph={urllib.parse.quote(iri, safe='')} HTTP/1.1"
        )
        assert request.headers["content-type"] == "application/n-triples"
    assert sent_graphs == expected
    counts = [r for r in sent if r.method != "PUT"]
    assert len(counts) == len(expected)
    assert all(u.status == 201 and u.matches for u in report.graphs)
    assert report.triples == sum(g.triples for g in named_graphs(dataset))
    assert {str(g.iri) for g in report.graphs} == expected


def test_the_graphs_sent_are_the_local_graphs(dataset: Dataset) -> None:
    fake = FakeStore()
    with fake_endpoint(fake) as endpoint:
        push(dataset, f"{endpoint.url}/query")
    for graph in named_graphs(dataset):
        assert fake.graphs[str(graph.iri)] == {
            line.encode() for line in graph.ntriples().decode().splitlines()
        }


def test_pushing_again_replaces(dataset: Dataset) -> None:
    fake = FakeStore()
    with fake_endpoint(fake) as endpoint:
        first = push(dataset, f"{endpoint.url}/query")
        second = push(dataset, f"{endpoint.url}/query")
    assert [u.status for u in first.graphs] == [201] * len(first.graphs)
    assert [u.status for u in second.graphs] == [204] * len(second.graphs)
    assert [u.remote for u in second.graphs] == [u.remote for u in first.graphs]


# --------------------------------------------------------------------------------------------
# The CLI


def test_kg_push_sends_basic_auth_from_the_environment(tmp_path: Path) -> None:
    fake = FakeStore()
    with fake_endpoint(fake) as endpoint:
        done = run_kg(
            "push",
            f"{endpoint.url}/query",
            "--user",
            "kg",
            "--password-env",
            PASSWORD_VARIABLE,
            env={PASSWORD_VARIABLE: "pa:ss wörd"},
            cwd=tmp_path,
        )
        sent = list(endpoint.requests)
    assert done.returncode == 0, done.stderr
    assert sent
    expected = "Basic " + base64.b64encode("kg:pa:ss wörd".encode()).decode()
    assert {r.headers.get("authorization") for r in sent} == {expected}
    assert "pa:ss" not in done.stdout + done.stderr
    assert "counts at" in done.stdout and "match" in done.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--user", "kg", "--password-env", "KG_NO_SUCH_VARIABLE"], {}, "is not set"),
        (["--user", "kg"], {}, "--user needs --password-env"),
        (["--password-env", PASSWORD_VARIABLE], {PASSWORD_VARIABLE: "x"}, "needs --user"),
    ],
)
def test_credentials_are_given_together_and_only_through_the_environment(
    args: list[str], env: dict[str, str], message: str
) -> None:
    done = run_kg("push", "http://127.0.0.1:9/query", *args, env=env)
    assert done.returncode == 2
    assert message in done.stderr


def test_a_count_mismatch_exits_2_naming_the_graph_and_both_counts(
    dataset: Dataset, tmp_path: Path
) -> None:
    graph = str(VOCAB_GRAPH)
    local = next(g.triples for g in named_graphs(dataset) if str(g.iri) == graph)
    fake = FakeStore(skew={graph: -3})
    with fake_endpoint(fake) as endpoint:
        url = f"{endpoint.url}/query"
        done = run_kg("push", url, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"kg: error: {url}: the store counts {local - 3} triples in graph <{graph}>, "
        f"but {local} were pushed"
    ]


def test_a_refused_put_exits_2_with_status_url_and_graph(tmp_path: Path) -> None:
    def answer(request: Recorded) -> Answer:
        return 403, {"Content-Type": "text/plain"}, b"read-only store"

    with fake_endpoint(answer) as endpoint:
        done = run_kg("push", f"{endpoint.url}/query", "--no-backup", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"kg: error: {endpoint.url}/store?graph=https%3A%2F%2Fw3id.org")
    assert ": HTTP 403 PUT <https://w3id.org/samarbeidsgrafen/id/graph/" in line
    assert line.endswith(">: Forbidden: read-only store")


def test_an_unreachable_store_exits_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run_kg("push", url, cwd=tmp_path)
    assert done.returncode == 2
    assert "connection refused" in done.stderr and "127.0.0.1" in done.stderr


def test_the_graph_store_is_derived_or_given(tmp_path: Path) -> None:
    assert graph_store_url("http://127.0.0.1:7878/sparql") == "http://127.0.0.1:7878/store"
    done = run_kg("push", "http://127.0.0.1:9/fuseki/ds")
    assert done.returncode == 2
    assert "give it with --graph-store" in done.stderr
    fake = FakeStore()

    def routed(request: Recorded) -> Answer:
        # the store lives at /gsp here: map it onto the fake store's /store
        if request.target.startswith("/gsp"):
            request = Recorded(
                request.request_line,
                request.method,
                "/store" + request.target[len("/gsp") :],
                request.headers,
                request.body,
            )
        return fake(request)

    with fake_endpoint(routed) as endpoint:
        done = run_kg(
            "push", f"{endpoint.url}/query", "--graph-store", f"{endpoint.url}/gsp", cwd=tmp_path
        )
        targets = [r.target for r in endpoint.requests if r.method == "PUT"]
    assert done.returncode == 0, done.stderr
    assert targets and all(t.startswith("/gsp?graph=") for t in targets)


# --------------------------------------------------------------------------------------------
# A real Oxigraph server: replace, never duplicate


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("push") / "store") as base:
        yield base


def _counts(base: str) -> dict[URIRef, int]:
    result = RemoteEngine(f"{base}/query", timeout=30).query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return {row[0]: int(str(row[1])) for row in result.rows}


def test_push_twice_gives_the_same_counts(oxigraph: str, dataset: Dataset, tmp_path: Path) -> None:
    first = run_kg("push", f"{oxigraph}/query", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    after_one = _counts(oxigraph)
    second = run_kg("push", f"{oxigraph}/query", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert _counts(oxigraph) == after_one
    assert after_one == {g.iri: g.triples for g in named_graphs(dataset)}


def test_a_changed_graph_replaces_the_old_one(oxigraph: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data)
    full = load_dataset(data)
    run = run_kg("push", f"{oxigraph}/query", "--data", str(data), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    # drop the last statement block of one source file: that graph shrinks on the server
    target = sorted(data.glob("*.trig"))[-1]
    smaller = _drop_one_label(target)
    assert smaller
    fewer = load_dataset(data)
    graph = next(iter(_changed(full, fewer)))
    run = run_kg("push", f"{oxigraph}/query", "--data", str(data), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    counts = _counts(oxigraph)
    assert counts[graph] == next(g.triples for g in named_graphs(fewer) if g.iri == graph)
    assert counts[graph] < next(g.triples for g in named_graphs(full) if g.iri == graph)


def _drop_one_label(path: Path) -> bool:
    """Remove one ``rdfs:comment``/``dct:description``-free line: the first line that ends a
    statement with a plain literal object, keeping the syntax valid."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if re.fullmatch(r'[a-z]+:[A-Za-z]+ "[^"]*"@(nb|en) ;', stripped):
            del lines[index]
            path.write_text("".join(lines), encoding="utf-8")
            return True
    return False


def _changed(before: Dataset, after: Dataset) -> set[URIRef]:
    old = {g.iri: g.triples for g in named_graphs(before)}
    new = {g.iri: g.triples for g in named_graphs(after)}
    return {iri for iri in old if new.get(iri) != old[iri]}
