"""Integrity of the model: local terms declared and documented, code lists complete, the ontology
ready for its HTML page, loading and validation offline, and the official CPOV shapes satisfied.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from support import iris_of

from kg.errors import LoadError
from kg.model.dataset import load_dataset, new_dataset, parse_file, union_graph
from kg.model.namespaces import BASE, CV, ID, ORG, PREFIXES, SG, VANN, VOCAB

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "samarbeidsgrafen.ttl"
VOCAB_DIR = ROOT / "ontology" / "vocab"
SHAPES_DIR = ROOT / "ontology" / "shapes"
DATA_DIR = ROOT / "data"
"""The committed data, seed and national layer (the tests that read it are marked national)."""
QUERIES_DIR = ROOT / "queries"
SHARED = ROOT.parent / "shared"
CPOV_SHAPES = SHARED / "reference/standards/semic-cpov/core-public-organisation-ap-SHACL-2.1.2.ttl"
ONTOLOGY_IRI = URIRef(BASE + "ontology")
LOCAL_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


# --------------------------------------------------------------------------------------------
# Collecting the terms a file uses


def iris_in_text(text: str, namespace: str, prefixes: Iterable[str]) -> set[str]:
    """IRIs of ``namespace`` in a SPARQL or Turtle text: written out, or as ``prefix:local``."""
    found = set(re.findall(r"<(" + re.escape(namespace) + r"[^>\s]+)>", text))
    for prefix in prefixes:
        for local in re.findall(r"(?<![\w:/#-])" + prefix + r":([A-Za-z_][\w-]*)", text):
            found.add(namespace + local)
    return found


def used_iris(namespace: str, prefixes: Iterable[str]) -> dict[str, set[str]]:
    """IRIs of ``namespace`` used in data/, ontology/shapes/ and queries/, by file."""
    prefixes = tuple(prefixes)
    used: dict[str, set[str]] = {}
    for path in sorted(DATA_DIR.glob("*.trig")):
        dataset = load_dataset([path], with_model=False)
        used[path.name] = {i for i in iris_of(union_graph(dataset)) if i.startswith(namespace)}
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph = Graph().parse(path)
        texts = [str(o) for o in graph.objects(None, SH.select)]
        found = {i for i in iris_of(graph) if i.startswith(namespace)}
        for text in texts:
            found |= iris_in_text(text, namespace, prefixes)
        used[path.name] = found
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        used[path.name] = iris_in_text(path.read_text(encoding="utf-8"), namespace, prefixes)
    return used


@functools.cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@functools.cache
def vocabularies() -> Graph:
    graph = Graph()
    for path in sorted(VOCAB_DIR.glob("*.ttl")):
        graph.parse(path)
    return graph


def declared_local_terms() -> set[str]:
    """sg: terms the ontology declares as a class or a property."""
    graph = ontology()
    return {
        str(s)
        for kind in LOCAL_TYPES
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(str(SG))
    }


def declared_concepts() -> set[str]:
    graph = vocabularies()
    return {
        str(s)
        for kind in (SKOS.Concept, SKOS.ConceptScheme)
        for s in graph.subjects(RDF.type, kind)
    }


def undeclared(used: dict[str, set[str]], declared: set[str]) -> dict[str, list[str]]:
    return {name: sorted(iris - declared) for name, iris in used.items() if iris - declared}


# --------------------------------------------------------------------------------------------
# Declared terms


@pytest.mark.national
def test_every_sg_term_used_is_declared_in_the_ontology() -> None:
    used = used_iris(str(SG), ["sg"])
    assert set().union(*used.values()) >= {str(SG.Municipality), str(SG.seatRole)}
    assert undeclared(used, declared_local_terms()) == {}


@pytest.mark.national
def test_every_vocabulary_concept_used_is_declared_in_the_code_lists() -> None:
    used = used_iris(str(VOCAB), [])
    assert str(VOCAB["role/host-municipality"]) in set().union(*used.values())
    assert undeclared(used, declared_concepts()) == {}


def test_the_term_collector_finds_undeclared_terms() -> None:
    text = (
        "PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>\n"
        "SELECT * WHERE { ?x a sg:Municipalty ; sgsh:notAShape ?y ; "
        "<https://w3id.org/samarbeidsgrafen/ontology#seatsEach> ?n } # sg:Region"
    )
    found = iris_in_text(text, str(SG), ["sg"])
    assert found == {str(SG.Municipalty), str(SG.seatsEach), str(SG.Region)}
    assert undeclared({"q.rq": found}, declared_local_terms()) == {"q.rq": [str(SG.Municipalty)]}


def test_local_terms_have_one_kind_each() -> None:
    graph = ontology()
    local = {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(SG))}
    kinds = {s: {k for k in LOCAL_TYPES if (s, RDF.type, k) in graph} for s in local}
    assert {str(s): sorted(k) for s, k in kinds.items() if len(k) != 1} == {}


# --------------------------------------------------------------------------------------------
# Documented and placed in the standard vocabularies


def is_standard(term: object) -> bool:
    return isinstance(term, URIRef) and not term.startswith(BASE)


def class_members(graph: Graph, node: object) -> list[object]:
    """A class expression's named classes: the class itself, or the members of owl:unionOf."""
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        return list(Collection(graph, union)) if union is not None else []
    return [node]


def placing_problems(graph: Graph) -> list[str]:
    """Local terms that are not tied to the standard vocabularies.

    A class must have a superclass that is standard or is a placed local class. A property must
    have a standard super-property, or a domain and a range that are each standard or placed.
    """
    classes = {s for s in graph.subjects(RDF.type, OWL.Class) if isinstance(s, URIRef)}

    @functools.cache
    def placed(cls: URIRef, seen: frozenset[URIRef] = frozenset()) -> bool:
        for parent in graph.objects(cls, RDFS.subClassOf):
            if is_standard(parent):
                return True
            if parent in classes and parent not in seen and placed(parent, seen | {cls}):
                return True
        return False

    def ok(node: object) -> bool:
        members = class_members(graph, node)
        return bool(members) and all(
            is_standard(m) or (m in classes and placed(m)) for m in members
        )

    problems = []
    for cls in sorted(classes):
        if cls.startswith(str(SG)) and not placed(cls):
            problems.append(f"{cls}: no rdfs:subClassOf into the standard vocabularies")
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(graph.subjects(RDF.type, kind)):
            if not prop.startswith(str(SG)):
                continue
            if any(is_standard(p) for p in graph.objects(prop, RDFS.subPropertyOf)):
                continue
            domain, range_ = graph.value(prop, RDFS.domain), graph.value(prop, RDFS.range)
            if not (ok(domain) and ok(range_)):
                problems.append(f"{prop}: neither a standard super-property nor domain and range")
    return problems


def documentation_problems(graph: Graph) -> list[str]:
    problems = []
    for term in sorted(declared_local_terms()):
        for predicate in (RDFS.label, SKOS.definition):
            languages = {
                o.language for o in graph.objects(URIRef(term), predicate) if isinstance(o, Literal)
            }
            for language in ("nb", "en"):
                if language not in languages:
                    problems.append(f"{term}: no {graph.qname(predicate)} @{language}")
    return problems


def test_every_local_term_has_labels_and_definitions_in_nb_and_en() -> None:
    assert len(declared_local_terms()) >= 25
    assert documentation_problems(ontology()) == []


def test_every_local_term_is_placed_in_the_standard_vocabularies() -> None:
    assert placing_problems(ontology()) == []


def test_the_placing_check_can_fail() -> None:
    graph = Graph().parse(
        data="""
        @prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix org: <http://www.w3.org/ns/org#> .
        sg:Loose a owl:Class .
        sg:Tied a owl:Class ; rdfs:subClassOf sg:Placed .
        sg:Placed a owl:Class ; rdfs:subClassOf org:Organization .
        sg:onlyDomain a owl:ObjectProperty ; rdfs:domain sg:Placed .
        sg:toLoose a owl:ObjectProperty ; rdfs:domain sg:Tied ; rdfs:range sg:Loose .
        sg:fine a owl:ObjectProperty ; rdfs:domain sg:Tied ; rdfs:range org:Organization .
        """,
        format="turtle",
    )
    assert placing_problems(graph) == [
        f"{SG.Loose}: no rdfs:subClassOf into the standard vocabularies",
        f"{SG.onlyDomain}: neither a standard super-property nor domain and range",
        f"{SG.toLoose}: neither a standard super-property nor domain and range",
    ]


# --------------------------------------------------------------------------------------------
# Metadata for the ontology's HTML page


def test_ontology_has_html_ready_metadata() -> None:
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    titles = {o.language for o in graph.objects(ONTOLOGY_IRI, DCTERMS.title)}
    assert titles >= {"nb", "en"}
    version = graph.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert isinstance(version, Literal) and re.fullmatch(r"\d+\.\d+\.\d+", str(version))
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}")
    assert isinstance(graph.value(ONTOLOGY_IRI, DCTERMS.license), URIRef)
    assert graph.value(ONTOLOGY_IRI, DCTERMS.creator) is not None
    assert graph.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("sg")
    assert graph.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri) == Literal(str(SG))
    assert PREFIXES["sg"] == str(SG)


# --------------------------------------------------------------------------------------------
# Offline: nothing reads from the network


class NetworkBlocked(AssertionError):
    """Raised by the guard on any attempt to open a connection."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse every socket connection, name lookup and urllib request; list the attempts."""
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., None]:
        def blocked(*args: object, **kwargs: object) -> None:
            attempts.append(f"{what} {args[1:] if what.startswith('socket.socket') else args}")
            raise NetworkBlocked(f"network access during the test: {what}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urllib.request.urlopen"))
    yield attempts


def test_the_network_guard_blocks(no_network: list[str]) -> None:
    with pytest.raises(NetworkBlocked):
        urllib.request.urlopen("http://example.org/")
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.org", 80))
    assert len(no_network) == 2


def test_loading_and_validating_read_nothing_from_the_network(no_network: list[str]) -> None:
    from kg.validation.validate import validate

    dataset = load_dataset()
    report = validate(dataset)
    assert report.conforms and report.results == ()
    assert no_network == []


def test_json_ld_with_a_remote_context_is_refused(tmp_path: Path, no_network: list[str]) -> None:
    path = tmp_path / "remote-context.jsonld"
    document = {
        "@context": "http://example.org/context.jsonld",
        "@id": "https://w3id.org/samarbeidsgrafen/id/organization/oyer",
        "name": "Øyer kommune",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    dataset = new_dataset()
    with pytest.raises(LoadError) as caught:
        parse_file(path, dataset)
    error = caught.value
    assert error.path == str(path)
    assert error.message == (
        "parsing may not reach the network (urllib.Request 'http://example.org/context.jsonld')"
    )
    assert error.hint == "use a local JSON-LD context"
    assert str(error) == f"{path}: {error.message} (use a local JSON-LD context)"
    assert no_network == []
    assert len(dataset) == 0


def test_json_ld_with_an_inline_context_loads(tmp_path: Path, no_network: list[str]) -> None:
    """The control case: the same document with its context inline is read, offline."""
    path = tmp_path / "inline-context.jsonld"
    document = {
        "@context": {"name": "http://xmlns.com/foaf/0.1/name"},
        "@id": "https://w3id.org/samarbeidsgrafen/id/organization/oyer",
        "name": "Øyer kommune",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    dataset = new_dataset()
    parse_file(path, dataset)
    assert set(dataset.triples((None, None, None))) == {
        (ID["organization/oyer"], URIRef("http://xmlns.com/foaf/0.1/name"), Literal("Øyer kommune"))
    }
    assert no_network == []


# --------------------------------------------------------------------------------------------
# The official CPOV 2.1.2 shapes


def cpov_results(data: Graph) -> list[tuple[str, str, str]]:
    if not CPOV_SHAPES.exists():
        pytest.skip(f"the CPOV 2.1.2 shapes are not at {CPOV_SHAPES} (shared/ is absent)")
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=Graph().parse(CPOV_SHAPES),
        inference="none",
        advanced=True,
        allow_warnings=True,
        do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    return sorted(
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.sourceConstraintComponent)),
        )
        for r in report.objects(None, SH.result)
    )


def public_organisations(dataset: Dataset) -> set[URIRef]:
    graph = union_graph(dataset)
    return {s for s in graph.subjects(RDF.type, CV.PublicOrganisation) if isinstance(s, URIRef)}


def test_official_cpov_shapes_accept_the_public_organisations() -> None:
    dataset = load_dataset()
    organisations = public_organisations(dataset)
    assert ID["organization/oyer"] in organisations
    assert ID["collaboration/regionradet-lillehammer-regionen"] in organisations
    assert cpov_results(union_graph(dataset)) == []


def test_official_cpov_shapes_see_the_data() -> None:
    """A guard against vacuous passes: a change event that is not one is reported by CPOV."""
    data = union_graph(load_dataset())
    oyer = ID["organization/oyer"]
    data.add((oyer, ORG.changedBy, ID["event/not-typed"]))
    assert cpov_results(data) == [
        (str(oyer), str(ORG.changedBy), str(SH.ClassConstraintComponent)),
    ]
