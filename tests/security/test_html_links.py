"""Only web IRIs become links on resource pages (issue #7, item 8).

An IRI in the data is whatever a source wrote: ``javascript:alert(1)`` is a valid IRI, and as an
``href`` it runs script when clicked. The page shows such IRIs as text and links only project
IRIs (as local paths) and absolute ``http``/``https`` IRIs.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef

from kg.model.namespaces import ID, RDFS, SKOS, XSD
from kg.server.pages import Source, Statements, resource_html

OYER = ID["organization/oyer"]
HOSTILE = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]


def hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


@pytest.mark.parametrize("iri", HOSTILE)
def test_a_hostile_object_iri_is_shown_not_linked(iri: str) -> None:
    graph = Graph()
    graph.add((OYER, RDFS.label, Literal("Øyer kommune", lang="nb")))
    graph.add((OYER, RDFS.seeAlso, URIRef(iri)))
    page = resource_html(OYER, graph, [])
    assert all(
        not h.lower().startswith(("javascript:", "data:", "vbscript:", "file:"))
        for h in hrefs(page)
    )
    assert '<span class="iri-text">' in page


@pytest.mark.parametrize("iri", HOSTILE)
def test_a_hostile_predicate_or_inbound_subject_is_not_linked(iri: str) -> None:
    graph = Graph()
    graph.add((OYER, URIRef(iri), Literal("x")))
    page = resource_html(OYER, graph, [(URIRef(iri), SKOS.related, "Evil")])
    assert [h for h in hrefs(page) if not h.startswith(("/", "http://", "https://"))] == []


def test_project_and_web_iris_stay_links() -> None:
    graph = Graph()
    graph.add((OYER, RDFS.seeAlso, URIRef("https://www.wikidata.org/entity/Q484282")))
    graph.add((OYER, SKOS.related, ID["organization/gausdal"]))
    links = hrefs(resource_html(OYER, graph, []))
    assert "https://www.wikidata.org/entity/Q484282" in links
    assert "/id/organization/gausdal" in links


@pytest.mark.parametrize("iri", HOSTILE)
def test_a_hostile_source_iri_and_title_are_shown_not_linked_or_run(iri: str) -> None:
    graph = Graph()
    graph.add((OYER, RDFS.label, Literal("Øyer kommune", lang="nb")))
    sources = {
        (RDFS.label, Literal("Øyer kommune", lang="nb")): (
            Source(
                ID["graph/g"],
                URIRef(iri),
                '<script>alert(1)</script>"',
                Literal("2010", datatype=XSD.gYear),
                Literal('<b onclick="x">', datatype=XSD.date),
            ),
        )
    }
    page = resource_html(OYER, graph, [], Statements(sources=sources))
    assert [h for h in hrefs(page) if not h.startswith(("/", "http://", "https://"))] == []
    assert "<script>" not in page and "<b " not in page
    assert (
        '<li title="graph sgid:graph/g"><span class="source-title">'
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span> "
        '<span class="as-of">as of 2010</span>, '
        '<span class="read">read &lt;b onclick=&quot;x&quot;&gt;</span></li>'
    ) in page
