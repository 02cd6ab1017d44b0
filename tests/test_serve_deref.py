"""``kg serve`` dereferences every project IRI (issue #11): the ontology and each of its terms,
every code list and concept, the shapes, the JSON-LD context, and it serves ``dist/docs/``.

One server for the module, on a copy of the seed's build with a ``docs/`` folder of fixtures
(and, outside it, files and symbolic links a path must never reach).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import serving
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from kg.model import paths
from kg.model.jsonld import context_file, parse_jsonld
from kg.model.namespaces import BASE, SG, SHAPES, VOCAB
from kg.server.front import CSP, NO_DOCS
from kg.server.pages import local_path

ONTOLOGY_FILE = paths.ONTOLOGY_DIR / "samarbeidsgrafen.ttl"
ONTOLOGY_IRI = URIRef(BASE + "ontology")
TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld", "text/html": "html"}


def _graph(*files: Path) -> Graph:
    graph = Graph()
    for file in files:
        graph.parse(file, format="turtle")
    return graph


_ONTOLOGY = _graph(ONTOLOGY_FILE)
ONTOLOGY_TERMS = sorted(
    {s for s in _ONTOLOGY.subjects() if isinstance(s, URIRef) and s.startswith(str(SG))}, key=str
)
_VOCABULARIES = _graph(*sorted(paths.VOCAB_DIR.glob("*.ttl")))
SCHEMES = sorted(
    (s for s in _VOCABULARIES.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)),
    key=str,
)
CONCEPTS = sorted(
    (s for s in _VOCABULARIES.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)), key=str
)
VERSION_IRI = str(_ONTOLOGY.value(ONTOLOGY_IRI, OWL.versionIRI))


def test_the_term_lists_are_the_files() -> None:
    # What the parametrised tests below walk through (so that none of them is empty).
    assert len(ONTOLOGY_TERMS) > 40
    assert URIRef(SG + "Municipality") in ONTOLOGY_TERMS
    assert len(SCHEMES) >= 7 and URIRef(VOCAB + "kostra-function") in SCHEMES
    assert len(CONCEPTS) > 70 and URIRef(VOCAB + "role/owner") in CONCEPTS
    assert VERSION_IRI.startswith(BASE + "ontology/")


# --------------------------------------------------------------------------------------------
# The server


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed's build with a ``docs/`` folder, and things outside it."""
    base = tmp_path_factory.mktemp("deref")
    built = serving.project_dist(tmp_path_factory.getbasetemp())
    copy = base / "dist"
    shutil.copytree(built, copy)  # copy2 keeps the times: the build is up to date
    (base / "outside.txt").write_text("outside the dist\n")
    (base / "outside").mkdir()
    (base / "outside" / "secret.txt").write_text("a secret\n")
    (copy / "secret.txt").write_text("beside docs/\n")
    docs = copy / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "index.html").write_text("<!DOCTYPE html><title>Docs</title><p>Hjem</p>\n")
    (docs / "style.css").write_text("body { color: black; }\n")
    (docs / "app.js").write_text("console.log(1);\n")
    (docs / "data.json").write_text('{"a": 1}\n')
    (docs / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (docs / "notes.bin").write_bytes(b"\x00\x01")
    (docs / ".hidden").write_text("hidden\n")
    (docs / "sub" / "index.html").write_text("<!DOCTYPE html><title>Sub</title>\n")
    (docs / "sub" / "page.html").write_text("<!DOCTYPE html><title>Page</title>\n")
    (docs / "link-in.html").symlink_to(docs / "index.html")
    (docs / "link-out.txt").symlink_to(base / "outside.txt")
    (docs / "link-secret.txt").symlink_to(copy / "secret.txt")
    (docs / "dir-out").symlink_to(base / "outside")
    return copy


@pytest.fixture(scope="module")
def server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    running = serving.start(["--dist", str(dist)], tmp_path_factory.mktemp("deref-run"))
    try:
        yield running
    finally:
        running.stop()


def dereference(server: serving.Server, iri: str, accept: str) -> serving.Response:
    """GET an IRI's path on the server as a client would: without its fragment."""
    path = local_path(iri)
    assert path is not None, f"no server path for {iri}"
    return server.request("GET", urlsplit(path).path, headers={"Accept": accept})


def check_answer(answer: serving.Response, accept: str, iri: URIRef, vary: bool = True) -> str:
    """The answer is 200 in ``accept`` with a charset and says something about ``iri``."""
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == f"{accept}; charset=utf-8"
    assert answer.headers["x-content-type-options"] == "nosniff"
    if vary:
        assert answer.headers.get("vary") == "Accept"
    if accept == "text/turtle":
        graph = Graph().parse(data=answer.text, format="turtle")
        assert (iri, None, None) in graph
    elif accept == "application/ld+json":
        document = json.loads(answer.body)
        assert isinstance(document["@context"], dict)  # inline, never fetched
        assert (iri, None, None) in parse_jsonld(document)
    else:
        assert answer.headers["content-security-policy"] == CSP
        assert answer.text.startswith("<!DOCTYPE html>")
        assert str(iri) in answer.text
    return answer.text


# --------------------------------------------------------------------------------------------
# The ontology


@pytest.mark.parametrize("accept", sorted(TYPES))
@pytest.mark.parametrize("term", [ONTOLOGY_IRI, *ONTOLOGY_TERMS], ids=lambda t: str(t)[len(BASE) :])
def test_every_ontology_term_dereferences(
    server: serving.Server, term: URIRef, accept: str
) -> None:
    page = check_answer(dereference(server, term, accept), accept, term)
    if accept == "text/html" and term != ONTOLOGY_IRI:
        fragment = str(term)[len(SG) :]
        assert f'<section class="term" id="{fragment}">' in page  # ontology#X lands on it


def test_the_ontology_is_the_built_file_and_has_its_other_forms(
    server: serving.Server, dist: Path
) -> None:
    built = (dist / "ontology.ttl").read_bytes()
    negotiated = server.request("GET", "/ontology", headers={"Accept": "text/turtle"})
    assert negotiated.body == built
    assert server.request("GET", "/ontology").body == built  # no Accept: Turtle
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    assert server.request("GET", "/ontology", headers=browser).media_type == "text/html"
    triples = server.request("GET", "/ontology", headers={"Accept": "application/n-triples"})
    assert triples.headers["content-type"] == "application/n-triples; charset=utf-8"
    assert Graph().parse(data=triples.text, format="nt").isomorphic(_graph(dist / "ontology.ttl"))
    suffixes = {
        ".ttl": "text/turtle",
        ".jsonld": "application/ld+json",
        ".html": "text/html",
        ".nt": "application/n-triples",
    }
    for suffix, media_type in suffixes.items():
        # The suffix chooses, whatever Accept says.
        answer = server.request("GET", f"/ontology{suffix}", headers={"Accept": "image/png"})
        if media_type in TYPES:
            check_answer(answer, media_type, ONTOLOGY_IRI, vary=False)
        else:
            assert answer.status == 200 and answer.body == triples.body
        assert answer.media_type == media_type and "vary" not in answer.headers
    assert server.request("GET", "/ontology.ttl").body == built
    jsonld = json.loads(server.request("GET", "/ontology.jsonld").body)
    assert parse_jsonld(jsonld).isomorphic(_graph(dist / "ontology.ttl"))
    head = server.request("HEAD", "/ontology", headers={"Accept": "text/turtle"})
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == str(len(built))


def test_the_ontology_page_links_work(server: serving.Server) -> None:
    page = server.request("GET", "/ontology.html").text
    found = re.findall(r' id="([^"]+)"', page)
    ids = set(found)
    assert len(found) == len(ids)  # no id twice
    for href in sorted(set(re.findall(r'href="([^"]+)"', page))):
        if href.startswith("#"):
            assert href[1:] in ids, href
        elif href.startswith("/"):
            parts = urlsplit(href)
            assert server.request("GET", parts.path).status == 200, href
            if parts.path == "/ontology" and parts.fragment:
                assert parts.fragment in ids, href
        else:
            assert href.startswith(("http://", "https://")), href
    # sg:begins has a union of classes as its range: a blank node, drawn as a list.
    section = page[page.index('<section class="term" id="begins">') :]
    section = section[: section.index("</section>")]
    assert '<ul class="bnode">' in section and '<span class="list">( ' in section
    assert '<a href="/ontology#QualifiedStatement">' in section


def test_a_version_iri_answers_the_ontology_another_is_404(server: serving.Server) -> None:
    path = urlsplit(VERSION_IRI).path.removeprefix("/samarbeidsgrafen")
    assert local_path(VERSION_IRI) == path
    answer = server.request("GET", path, headers={"Accept": "text/turtle"})
    check_answer(answer, "text/turtle", ONTOLOGY_IRI)
    missing = server.request("GET", "/ontology/9.9.9")
    assert missing.status == 404
    assert missing.text == (
        f"nothing is known about <{BASE}ontology/9.9.9> (the ontology's version IRIs: "
        f"{VERSION_IRI})\n"
    )


def test_unacceptable_and_unknown_document_paths(server: serving.Server) -> None:
    refused = server.request("GET", "/ontology", headers={"Accept": "image/png"})
    assert refused.status == 406
    assert refused.text == (
        "cannot give the ontology in image/png: use one of text/turtle, application/ld+json, "
        "text/html, application/n-triples\n"
    )
    for path in ("/ontology.rdf", "/ontologyx", "/ontology/", "/ontology/a/b", "/shapes.csv"):
        answer = server.request("GET", path)
        assert (answer.status, answer.text) == (404, f"no page at {path}\n"), path


# --------------------------------------------------------------------------------------------
# Code lists and concepts


@pytest.mark.parametrize("accept", sorted(TYPES))
@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: str(s)[len(VOCAB) :])
def test_every_code_list_dereferences_with_its_concepts(
    server: serving.Server, scheme: URIRef, accept: str
) -> None:
    answer = dereference(server, scheme, accept)
    page = check_answer(answer, accept, scheme)
    members = sorted(set(_VOCABULARIES.subjects(SKOS.inScheme, scheme)), key=str)
    assert members
    if accept == "text/turtle":
        graph = Graph().parse(data=page, format="turtle")
        for concept in members:  # every concept with what it says: its label at least
            assert graph.value(concept, SKOS.prefLabel) is not None, concept
    if accept == "text/html":
        for concept in members:
            slug = str(concept)[len(scheme) + 1 :]
            assert f'<tr id="{slug}">' in page
            assert f'<a href="/vocab/{str(scheme)[len(VOCAB) :]}/{slug}">' in page
            notations = sorted(str(n) for n in _VOCABULARIES.objects(concept, SKOS.notation))
            assert f'<tr id="{slug}"><td>{html.escape(", ".join(notations))}</td>' in page


@pytest.mark.parametrize("accept", sorted(TYPES))
@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda c: str(c)[len(VOCAB) :])
def test_every_concept_dereferences(server: serving.Server, concept: URIRef, accept: str) -> None:
    page = check_answer(dereference(server, concept, accept), accept, concept)
    if accept == "text/html":
        scheme = _VOCABULARIES.value(concept, SKOS.inScheme)
        scheme_path = local_path(str(scheme))
        assert f'<a class="scheme" href="{scheme_path}">' in page  # the other concepts
        assert f'<a href="{scheme_path}">' in page  # skos:inScheme, linked


def test_concept_and_code_list_pages_link_to_pages_that_answer(server: serving.Server) -> None:
    for path in ("/vocab/cooperation-form", "/vocab/cooperation-form/vertskommune-1992-28"):
        page = server.request("GET", path, headers={"Accept": "text/html"}).text
        hrefs = sorted({h for h in re.findall(r'href="(/[^"]*)"', page)})
        assert "/vocab/cooperation-form/vertskommune" in hrefs  # skos:broader
        assert "/vocab/cooperation-form" in hrefs or path == "/vocab/cooperation-form"
        for href in hrefs:
            target = urlsplit(href)
            answer = server.request("GET", target.path + (f"?{target.query}" * bool(target.query)))
            assert answer.status == 200, (path, href, answer.text)
    labels = server.request("GET", "/vocab/cooperation-form", headers={"Accept": "text/html"})
    assert (
        '<tr id="iks"><td>IKS</td><td><a href="/vocab/cooperation-form/iks">'
        'interkommunalt selskap <span class="lang">@nb</span>'
    ) in labels.text


def test_unknown_code_lists_are_404(server: serving.Server) -> None:
    answer = server.request("GET", "/vocab/no-such-list", headers={"Accept": "text/turtle"})
    assert (answer.status, answer.text) == (
        404,
        f"nothing is known about <{VOCAB}no-such-list>\n",
    )
    assert server.request("GET", "/vocab/").text == "no resource at /vocab/\n"
    refused = server.request("GET", "/vocab/role", headers={"Accept": "image/png"})
    assert refused.status == 406


# --------------------------------------------------------------------------------------------
# The shapes, the context, every project IRI of the build


def test_the_shapes_dereference(server: serving.Server, dist: Path) -> None:
    shapes = _graph(dist / "shapes.ttl")
    terms = sorted(
        {s for s in shapes.subjects() if isinstance(s, URIRef) and s.startswith(str(SHAPES))},
        key=str,
    )
    assert len(terms) > 100
    for accept in TYPES:
        answer = dereference(server, terms[0], accept)
        page = check_answer(answer, accept, terms[0])
        if accept == "text/html":
            for term in terms:
                assert f'<section class="term" id="{term[len(SHAPES) :]}">' in page
    core = server.request("GET", "/shapes/core", headers={"Accept": "text/turtle"})
    check_answer(core, "text/turtle", URIRef(BASE + "shapes/core"))
    missing = server.request("GET", "/shapes/none")
    assert (missing.status, missing.text) == (404, f"nothing is known about <{BASE}shapes/none>\n")


def test_the_context_is_served(server: serving.Server) -> None:
    answer = server.request("GET", "/context/v1.jsonld")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert answer.body == context_file().read_bytes()


def test_every_project_iri_of_the_build_has_a_path(server: serving.Server, dist: Path) -> None:
    text = "".join(
        (dist / name).read_text() for name in ("samarbeidsgrafen.nq", "ontology.ttl", "shapes.ttl")
    )
    iris = sorted(set(re.findall(r"<(https://w3id\.org/samarbeidsgrafen/[^>]*)>", text)))
    assert len(iris) > 200
    unanswered: list[tuple[str, int | None]] = []
    for iri in iris:
        if local_path(iri) is None:
            unanswered.append((iri, None))
            continue
        answer = dereference(server, iri, "text/turtle")
        if answer.status != 200:
            unanswered.append((iri, answer.status))
    # Only the names of the two graphs the build makes of the model say nothing about
    # themselves (the code lists' namespace `vocab/` is a prefix, not a resource).
    assert unanswered == [
        (f"{BASE}id/graph/ontology", 404),
        (f"{BASE}id/graph/vocabularies", 404),
        (f"{BASE}vocab/", None),
    ]


# --------------------------------------------------------------------------------------------
# docs/


def test_docs_files_with_their_types(server: serving.Server, dist: Path) -> None:
    moved = server.request("GET", "/docs")
    assert (moved.status, moved.headers["location"], moved.text) == (
        301,
        "/docs/",
        "moved to /docs/\n",
    )
    index = server.request("GET", "/docs/")
    assert index.status == 200
    assert index.body == (dist / "docs" / "index.html").read_bytes()
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.headers["content-security-policy"] == CSP
    expected = {
        "/docs/index.html": "text/html; charset=utf-8",
        "/docs/style.css": "text/css; charset=utf-8",
        "/docs/app.js": "text/javascript; charset=utf-8",
        "/docs/data.json": "application/json; charset=utf-8",
        "/docs/diagram.svg": "image/svg+xml",
        "/docs/notes.bin": "application/octet-stream",
        "/docs/sub/": "text/html; charset=utf-8",
        "/docs/sub/page.html": "text/html; charset=utf-8",
        "/docs/link-in.html": "text/html; charset=utf-8",  # a link that stays inside
        "/docs/sub/%70age.html": "text/html; charset=utf-8",  # percent-encoded letters
    }
    for path, content_type in expected.items():
        answer = server.request("GET", path)
        assert answer.status == 200, (path, answer.text)
        assert answer.headers["content-type"] == content_type, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        active = content_type.startswith(("text/html", "image/svg+xml"))
        assert ("content-security-policy" in answer.headers) == active, path
    assert server.request("GET", "/docs/sub/").body == (dist / "docs/sub/index.html").read_bytes()
    sub = server.request("GET", "/docs/sub")
    assert (sub.status, sub.headers["location"]) == (301, "/docs/sub/")
    head = server.request("HEAD", "/docs/style.css")
    assert head.status == 200 and head.body == b"" and head.headers["content-length"] == "23"
    post = server.request("POST", "/docs/", body=b"x", headers={"Content-Length": "1"})
    assert (post.status, post.text) == (405, "POST is not allowed on /docs/\n")


REFUSED = [
    "/docs/../secret.txt",
    "/docs/../../outside.txt",
    "/docs/sub/../../secret.txt",
    "/docs/%2e%2e/secret.txt",
    "/docs/%2E%2E%2Fsecret.txt",
    "/docs/sub/..%2f..%2fsecret.txt",
    "/docs/./index.html",
    "/docs//etc/passwd",
    "/docs/%2Fetc%2Fpasswd",
    "/docs/index.html%00.txt",
    "/docs/..%5csecret.txt",
    "/docs/%ff.html",
    "/docs/a%0d%0aSet-Cookie:%20x",
]


@pytest.mark.parametrize("path", REFUSED)
def test_docs_paths_that_leave_the_folder_are_refused(server: serving.Server, path: str) -> None:
    answer = server.request("GET", path)
    assert (answer.status, answer.text) == (
        400,
        f"refused path {path}: a docs/ path names a file inside the folder (no '.' or '..' "
        "segment, empty segment, backslash or control character)\n",
    )
    assert "set-cookie" not in answer.headers


NOT_THERE = [
    "/docs/missing.html",
    "/docs/.hidden",
    "/docs/link-out.txt",  # a symbolic link to a file outside the dist
    "/docs/link-secret.txt",  # … and to one beside docs/
    "/docs/dir-out/secret.txt",  # a link to a folder outside
    "/docs/%252e%252e/secret.txt",  # encoded twice: a name, not a parent
    "/docs/sub/missing/",
]


@pytest.mark.parametrize("path", NOT_THERE)
def test_docs_files_not_there_are_404(server: serving.Server, path: str) -> None:
    answer = server.request("GET", path)
    assert (answer.status, answer.text) == (404, f"no file at {path}\n")


def test_a_dist_without_docs_says_how_to_build_them(server: serving.Server, dist: Path) -> None:
    docs, away = dist / "docs", dist / "docs-away"
    os.rename(docs, away)
    try:
        for path in ("/docs/", "/docs/index.html"):
            answer = server.request("GET", path)
            assert (answer.status, answer.text) == (404, NO_DOCS + "\n")
        assert NO_DOCS == (
            "no documentation: the served dist/ has no docs/ folder (run kg build or kg docs)"
        )
    finally:
        os.rename(away, docs)
    assert server.request("GET", "/docs/").status == 200
