"""The W3C SPARQL 1.1 Protocol tests (``protocol/manifest.ttl`` of w3c/rdf-tests), replayed
against ``kg serve``.

The manifest encodes each test as HTTP requests in RDF (``ht:``, ``cnt:``) with the expected
status (``mf:expectedStatus``), result format (``mf:expectedFormat``: boolean, tabular, RDF) and
ASK answer (``mf:expectedBoolean``). It is read from
``../shared/reference/standards/w3c-rdf-tests/sparql11/protocol/`` next to the repository; without
it, the tests are skipped.

The server under test serves a dataset made of the manifest's own data: ``data1.nt`` to
``data3.nt`` as the named graphs the tests name (``http://kasei.us/2009/09/sparql/data/data1.rdf``
...), written as ``dist/samarbeidsgrafen.nq`` (newer than every input, so ``kg serve`` serves it
without building). With that data every query test can pass as written. What "passes" means:

- ``query_*`` (13 tests): run as written; the status, the format (checked by media type) and the
  ASK answer must be what the manifest says. ``data0.rdf`` (``query_get``, ``query_post_form``,
  ``query_content_type_*``) is not in the store: the protocol dataset names an empty graph, which
  does not change the answers the tests expect.
- ``bad_*`` (14 tests): the expected 4xx, and more precisely the status this endpoint documents
  (:data:`EXACT_STATUS`): 400, 403, 405 or 415.
- ``update_*`` (7 tests): this endpoint is read-only, so instead of 2xx each update request must
  be REFUSED with 403. The query requests that follow an update in the same test check what the
  update did; they are skipped, since nothing was updated.

Skipped: nothing else. The Graph Store Protocol and service-description manifests are not run
(the endpoint offers no Graph Store Protocol; the description is checked in test_serve.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
import serving
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node

from kg.model import paths
from kg.publish.build import BASENAME
from kg.server.negotiation import GRAPH_TYPES, SELECT_TYPES

PROTOCOL = paths.ROOT.parent / "shared/reference/standards/w3c-rdf-tests/sparql11/protocol"
MANIFEST = PROTOCOL / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")

EXACT_STATUS = {
    "bad_query_method": 405,
    "bad_multiple_queries": 400,
    "bad_query_wrong_media_type": 415,
    "bad_query_missing_form_type": 400,
    "bad_query_missing_direct_type": 400,
    "bad_query_non_utf8": 400,
    "bad_query_syntax": 400,
    "bad_update_get": 403,
    "bad_multiple_updates": 403,
    "bad_update_wrong_media_type": 415,
    "bad_update_missing_form_type": 400,
    "bad_update_non_utf8": 403,
    "bad_update_syntax": 403,
    "bad_update_dataset_conflict": 403,
}
"""The status this endpoint gives for each ``bad_*`` test (the manifest asks for any 4xx)."""

FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": set(SELECT_TYPES),
    "RDF": set(GRAPH_TYPES),
}


@dataclass(frozen=True)
class Request:
    """One ``ht:Request`` and what its ``ht:resp`` expects."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]
    format: str | None
    boolean: bool | None
    is_update: bool


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[Request, ...]


def _items(graph: Graph, node: Node | None) -> list[Node]:
    return list(Collection(graph, node)) if node is not None else []


def _request(graph: Graph, node: Node) -> Request:
    headers: dict[str, str] = {}
    for header in _items(graph, graph.value(node, HT.headers)):
        headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
    response = graph.value(node, HT.resp)
    statuses = frozenset(
        str(s).rsplit("#", 1)[1] for s in graph.objects(response, MF.expectedStatus)
    )
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    content_type = headers.get("content-type", "")
    path = str(graph.value(node, HT.absolutePath))
    is_update = (
        "sparql-update" in content_type
        or "update=" in (body or b"").decode("utf-8", errors="replace")
        or "update=" in path
        or "using-" in path
    )
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=path,
        headers=headers,
        body=body,
        statuses=statuses,
        format=str(expected_format) if expected_format is not None else None,
        boolean=expected_boolean.toPython() if expected_boolean is not None else None,
        is_update=is_update,
    )


def read_manifest() -> list[ProtocolTest]:
    """Every test of the manifest, in its order."""
    graph = Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = tuple(
            _request(graph, r) for r in _items(graph, graph.value(action, HT.requests))
        )
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), requests))
    return tests


def graph_data(graph: Graph) -> dict[str, Path]:
    """``ut:graphData``: graph name → data file."""
    found = {}
    for data in graph.objects(None, UT.graphData):
        location = urlsplit(str(graph.value(data, UT.graph)))
        found[str(graph.value(data, RDFS.label))] = Path(url2pathname(location.path))
    return found


TESTS = read_manifest() if MANIFEST.is_file() else []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    if not MANIFEST.is_file():
        pytest.skip(f"the W3C protocol tests are not at {MANIFEST}")
    dist = tmp_path_factory.mktemp("w3c") / "dist"
    dist.mkdir()
    graph = Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    lines = []
    for name, path in sorted(graph_data(graph).items()):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{name}> .\n")
    assert len(lines) == 3
    (dist / f"{BASENAME}.nq").write_text("".join(lines), encoding="utf-8")
    running = serving.start(["--dist", str(dist)], tmp_path_factory.mktemp("w3c-run"))
    assert "up to date" in running.stderr.read_text()
    try:
        yield running
    finally:
        running.stop()


def _check(server: serving.Server, test: ProtocolTest, request: Request) -> None:
    path = "/sparql/" + request.path.removeprefix("/sparql/")
    answer = server.request(request.method, path, request.body, dict(request.headers))
    where = f"{test.name} ({test.title}): {request.method} {request.path} -> {answer.status}"
    if test.name.startswith("update_"):
        assert request.is_update
        assert answer.status == 403, f"{where}: an update must be refused: {answer.text}"
        return
    if test.name in EXACT_STATUS:
        assert answer.status == EXACT_STATUS[test.name], f"{where}: {answer.text}"
    classes = {f"StatusCode{answer.status // 100}xx"}
    assert classes & request.statuses, f"{where}, expected {sorted(request.statuses)}"
    if request.format is not None:
        assert answer.media_type in FORMATS[request.format], f"{where}: {answer.media_type}"
    if request.boolean is not None:
        assert answer.media_type == "application/sparql-results+json"
        assert json.loads(answer.body)["boolean"] is request.boolean, where


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(server: serving.Server, test: ProtocolTest) -> None:
    for index, request in enumerate(test.requests):
        if test.name.startswith("update_") and index > 0 and not request.is_update:
            continue  # checks what the refused update would have done
        _check(server, test, request)


def test_the_manifest_was_read() -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"the W3C protocol tests are not at {MANIFEST}")
    names = [t.name for t in TESTS]
    assert len(names) == 34
    assert sum(n.startswith("query_") for n in names) == 13
    assert sum(n.startswith("update_") for n in names) == 7
    assert sum(n.startswith("bad_") for n in names) == 14
    assert set(EXACT_STATUS) == {n for n in names if n.startswith("bad_")}
