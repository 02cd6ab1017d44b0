"""Incremental re-validation equals a full validation, result for result.

A change is applied to one named graph of a store (and to the union in its default graph, as
the build keeps it); :func:`kg.validation.revalidate.revalidate` re-validates only what the change
can reach and merges with the previous report; a full :func:`kg.validation.validate.validate` of the
changed store must give exactly the same results. On the project's data, on synthetic data and on
every shapes fixture; and the shapes analysis (:func:`kg.validation.revalidate.locality`) on small
shapes graphs, with its exact reasons for refusing.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph

from kg.model.dataset import load_dataset
from kg.model.namespaces import ID, PREFIXES, RDFS, SHAPES
from kg.query.engines import oxigraph_store
from kg.validation.revalidate import (
    ANY_PREDICATE,
    Locality,
    affected_focus_nodes,
    locality,
    neighbourhood,
    revalidate,
    revalidation,
)
from kg.validation.validate import (
    ValidationReport,
    load_shapes,
    report_of,
    results_of,
    shacl_report,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "ontology" / "shapes"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
ALL_FIXTURES = sorted(
    [
        *FIXTURES.glob("*.trig"),
        *(FIXTURES / "warnings").glob("*.trig"),
        *(FIXTURES / "valid").glob("*.trig"),
    ]
)
DEFAULT = ox.DefaultGraph()
OxTriple = tuple[Any, Any, Any]


def iri(name: str) -> ox.NamedNode:
    prefix, _, local = name.partition(":")
    return ox.NamedNode(PREFIXES[prefix] + local)


def literal(text: str) -> ox.Literal:
    return ox.Literal(text)


# --------------------------------------------------------------------------------------------
# Changing one graph of a store


def change(
    store: ox.Store,
    graph: ox.NamedNode,
    removed: Iterable[OxTriple] = (),
    added: Iterable[OxTriple] = (),
) -> list[OxTriple]:
    """Remove and add triples in ``graph`` and keep the union in the default graph; the
    changed triples."""
    removed, added = list(removed), list(added)
    for s, p, o in removed:
        store.remove(ox.Quad(s, p, o, graph))
        others = [q for q in store.quads_for_pattern(s, p, o) if q.graph_name != DEFAULT]
        if not others:
            store.remove(ox.Quad(s, p, o, DEFAULT))
    for s, p, o in added:
        store.add(ox.Quad(s, p, o, graph))
        store.add(ox.Quad(s, p, o, DEFAULT))
    return removed + added


def triples_of(store: ox.Store, graph: ox.NamedNode) -> list[OxTriple]:
    found = [
        (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
    ]
    return sorted(found, key=str)


def rename(store: ox.Store, graph: ox.NamedNode, old: Any, new: Any) -> list[OxTriple]:
    """Give a node of ``graph`` another IRI there (other graphs still name the old one)."""
    before = [t for t in triples_of(store, graph) if old in (t[0], t[2])]
    after = [tuple(new if term == old else term for term in t) for t in before]
    return change(store, graph, before, after)


def full_report(store: ox.Store, **options: Any) -> ValidationReport:
    return validate(store, SHAPES_DIR, **options)


def assert_incremental_equals_full(
    previous: ValidationReport, store: ox.Store, changed: list[OxTriple], **options: Any
) -> str:
    after, why = revalidate(previous, store, SHAPES_DIR, changed, **options)
    full = full_report(store, **options)
    assert after.results == full.results
    assert after.conforms == full.conforms
    assert after.summary() == full.summary()
    return why


# --------------------------------------------------------------------------------------------
# The project's data


@pytest.fixture
def project_store() -> ox.Store:
    return oxigraph_store(load_dataset())


REGISTRY = iri("sgid:graph/registry-facts")
OYER_2010 = iri("sgid:graph/oyer-regionalt-samarbeid-2010")
ORGNR = iri("sgid:identifier/orgnr-961381185")


def test_the_project_shapes_read_at_most_two_hops() -> None:
    found = locality(SHAPES_DIR)
    assert (found.depth, found.reasons) == (2, ())
    assert found.explain() == "shapes read at most 2 hops"
    assert (0, RDFS.label, True) in found.reads
    assert not any(p == ANY_PREDICATE for _, p, _ in found.reads)


def test_adding_and_removing_a_violation_on_the_project_data(project_store: ox.Store) -> None:
    store = project_store
    clean = full_report(store)
    assert clean.results == ()
    notation = iri("skos:notation")
    bad = change(store, REGISTRY, [(ORGNR, notation, literal("961381185"))])
    bad += change(store, REGISTRY, added=[(ORGNR, notation, literal("961381186"))])
    why = assert_incremental_equals_full(clean, store, bad)
    assert why == "re-validated the 1 node the change can reach (shapes read at most 2 hops)"
    broken = full_report(store)
    assert [(str(r.shape), r.focus_node) for r in broken.results] == [
        (str(SHAPES.OrganisationNumberChecksumShape), ID["identifier/orgnr-961381185"])
    ]
    fixed = change(store, REGISTRY, [(ORGNR, notation, literal("961381186"))])
    fixed += change(store, REGISTRY, added=[(ORGNR, notation, literal("961381185"))])
    assert_incremental_equals_full(broken, store, fixed)
    assert full_report(store).results == ()


def test_renaming_a_node_on_the_project_data(project_store: ox.Store) -> None:
    store = project_store
    before = full_report(store)
    changed = rename(store, OYER_2010, iri("sgid:organization/oyer"), iri("sgid:organization/x"))
    assert len(changed) > 10
    assert_incremental_equals_full(before, store, changed)
    assert full_report(store).violations  # the other graphs still name sgid:organization/oyer


def test_removing_a_type_and_a_label_on_the_project_data(project_store: ox.Store) -> None:
    store = project_store
    before = full_report(store)
    gausdal = iri("sgid:organization/gausdal")
    typed = [t for t in triples_of(store, OYER_2010) if t[0] == gausdal and t[1] == iri("rdf:type")]
    labels = [
        t for t in triples_of(store, OYER_2010) if t[0] == gausdal and "prefLabel" in str(t[1])
    ]
    changed = change(store, OYER_2010, typed[:1] + labels)
    assert_incremental_equals_full(before, store, changed)
    assert full_report(store).results


def test_the_violation_queries_run_in_full(project_store: ox.Store) -> None:
    store = project_store
    before = full_report(store)
    membership = next(t[0] for t in triples_of(store, OYER_2010) if t[1] == iri("org:member"))
    member = next(
        t[2]
        for t in triples_of(store, OYER_2010)
        if t[0] == membership and t[1] == iri("org:member")
    )
    changed = change(store, OYER_2010, added=[(membership, iri("org:member"), member)])
    duplicate = [
        t
        for t in triples_of(store, OYER_2010)
        if t[0] == membership and t[1] == iri("org:organization")
    ]
    assert duplicate
    assert_incremental_equals_full(before, store, changed)


def test_a_change_stating_a_subclass_validates_everything(project_store: ox.Store) -> None:
    store = project_store
    before = full_report(store)
    changed = change(
        store, OYER_2010, added=[(iri("sg:Municipality"), iri("rdfs:subClassOf"), iri("sg:Region"))]
    )
    why = assert_incremental_equals_full(before, store, changed)
    assert why == (
        "validated everything: a changed triple states rdfs:subClassOf "
        "(the class hierarchy is read as fixed)"
    )


def test_what_it_did(project_store: ox.Store) -> None:
    store = project_store
    before = full_report(store)
    labels = [t for t in triples_of(store, OYER_2010) if t[1] == iri("skos:prefLabel")]
    changed = change(store, OYER_2010, labels[:1])
    first, done = revalidation(before, store, SHAPES_DIR, changed)
    assert (done.nodes, done.explanation) == (
        1,
        "re-validated the 1 node the change can reach (shapes read at most 2 hops)",
    )
    assert done.seconds > 0
    # A type is read at level 1 too (sh:class): what points at the node is re-validated.
    gausdal = iri("sgid:organization/gausdal")
    typed = [(gausdal, iri("rdf:type"), iri("sg:Municipality"))]
    _, done = revalidation(first, store, SHAPES_DIR, change(store, OYER_2010, typed))
    assert done.nodes is not None and done.nodes > 1
    assert done.explanation == (
        f"re-validated the {done.nodes} nodes the change can reach (shapes read at most 2 hops)"
    )


def test_nothing_changed(project_store: ox.Store) -> None:
    before = full_report(project_store)
    after, why = revalidate(before, project_store, SHAPES_DIR, [])
    assert after == before
    assert why == "re-validated no node: the change reaches none (shapes read at most 2 hops)"


# --------------------------------------------------------------------------------------------
# Synthetic data


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "synthetic.py"), str(out), "--regions", "5"],
        check=True,
        capture_output=True,
    )
    return out / "synthetic.trig"


SYNTHETIC = iri("sgid:graph/bench-synthetic")


@pytest.mark.parametrize("scenario", ["add-violation", "remove-violation", "rename", "remove-node"])
def test_synthetic_data(synthetic_file: Path, scenario: str) -> None:
    store = oxigraph_store(load_dataset([synthetic_file]))
    before = full_report(store)
    assert before.conforms
    identifier = iri("sgid:identifier/bench-r2-k1-orgnr")
    notation = iri("skos:notation")
    (good,) = [
        t[2] for t in triples_of(store, SYNTHETIC) if t[0] == identifier and t[1] == notation
    ]
    wrong = literal(good.value[:-1] + str((int(good.value[-1]) + 1) % 10))
    if scenario == "add-violation":
        changed = change(
            store, SYNTHETIC, [(identifier, notation, good)], [(identifier, notation, wrong)]
        )
    elif scenario == "remove-violation":
        change(store, SYNTHETIC, [(identifier, notation, good)], [(identifier, notation, wrong)])
        before = full_report(store)
        assert not before.conforms
        changed = change(
            store, SYNTHETIC, [(identifier, notation, wrong)], [(identifier, notation, good)]
        )
    elif scenario == "rename":
        changed = rename(
            store,
            SYNTHETIC,
            iri("sgid:organization/bench-r3-k0"),
            iri("sgid:organization/bench-renamed"),
        )
    else:
        region = iri("sgid:collaboration/bench-r1-region")
        changed = change(
            store, SYNTHETIC, [t for t in triples_of(store, SYNTHETIC) if t[0] == region]
        )
    why = assert_incremental_equals_full(before, store, changed)
    assert why.startswith("re-validated ")
    if scenario == "add-violation":
        assert not full_report(store).conforms


# --------------------------------------------------------------------------------------------
# Every fixture


def name_of(fixture: Path) -> str:
    return f"{fixture.parent.name}/{fixture.name}"


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=name_of)
def test_every_fixture(fixture: Path) -> None:
    """The neighbourhood of each failing focus node reproduces its results exactly; removing
    one triple near the defect re-validates to what a full validation gives."""
    store = oxigraph_store(load_dataset([fixture]))
    shapes = load_shapes(SHAPES_DIR)
    found = locality(shapes)
    before = full_report(store, queries=())
    focus = {r.focus_node for r in before.results}
    small = neighbourhood(store, [to_ox(n) for n in focus], found)
    again = [r for r in results_of(shacl_report(small, shapes)) if r.focus_node in focus]
    assert report_of(again, before.conforms).results == before.results

    model = {ox.NamedNode(str(ID["graph/ontology"])), ox.NamedNode(str(ID["graph/vocabularies"]))}
    graphs = sorted((g for g in store.named_graphs() if g not in model), key=str)
    data = {t: g for g in graphs for t in triples_of(store, g)}  # every data triple is in one
    near = [t for t in data if from_ox(t[0]) in focus]
    removed = random.Random(fixture.name).choice(sorted(near or data, key=str))
    graph = data[removed]
    changed = change(store, graph, [removed])
    why = assert_incremental_equals_full(before, store, changed, queries=())
    assert why.startswith("re-validated ")


def to_ox(node: Any) -> Any:
    from kg.query.engines import to_oxigraph

    return to_oxigraph(node)


def from_ox(term: Any) -> Any:
    from kg.query.engines import from_oxigraph

    return from_oxigraph(term)


# --------------------------------------------------------------------------------------------
# The shapes analysis


def shapes(text: str) -> Graph:
    return Graph().parse(
        format="turtle",
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + text,
    )


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("ex:S sh:targetNode ex:x ; sh:hasValue ex:x .", 0),
        ("ex:S sh:targetClass ex:C .", 1),
        ("ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .", 1),
        ("ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:class ex:C ] .", 2),
        ("ex:S sh:targetNode ex:x ; sh:property [ sh:path ( ex:p ex:q ) ] .", 2),
        ("ex:S sh:targetNode ex:x ; sh:property [ sh:path [ sh:inversePath ex:p ] ] .", 1),
        (
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path [ sh:alternativePath "
            "( ex:p ( ex:q ex:r ) ) ] ; sh:class ex:C ] .",
            3,
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:node ex:T ] .\n"
            "ex:T sh:property [ sh:path ex:q ; sh:class ex:C ] .",
            3,
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape "
            "[ sh:class ex:C ] ; sh:qualifiedMinCount 1 ] .",
            2,
        ),
        ("ex:S sh:targetNode ex:x ; sh:or ( [ sh:class ex:C ] [ sh:datatype ex:D ] ) .", 1),
        ("ex:S sh:targetNode ex:x ; sh:closed true .", 1),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { $this '
            '<urn:ex:p> ?a . ?a <urn:ex:q> ?b . OPTIONAL { ?b <urn:ex:r> ?c } }" ] .',
            3,
        ),
        (
            'ex:S sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this '
            '<urn:ex:p>/<urn:ex:q> ?a FILTER NOT EXISTS { ?a ^<urn:ex:r> ?b } }" ] .',
            3,
        ),
    ],
)
def test_depth(text: str, depth: int) -> None:
    found = locality(shapes(text))
    assert (found.depth, found.reasons) == (depth, ())


def test_reads_and_steps_by_level() -> None:
    found = locality(
        shapes(
            "ex:S sh:targetClass ex:C ; sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ;"
            " sh:class ex:D ] ."
        )
    )
    assert found.depth == 3
    assert {(at, str(pred), forward) for at, pred, forward in found.reads} == {
        (0, "urn:ex:p", True),
        (0, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", True),
        (1, "urn:ex:q", False),
        (2, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", True),
    }
    assert {(at, str(pred), forward) for at, pred, forward in found.steps} == {
        (0, "urn:ex:p", True),
        (1, "urn:ex:q", False),
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ] .",
            "a blank-node shape uses sh:zeroOrMorePath (no bound on the hops)",
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:property ex:P . ex:P sh:path [ sh:oneOrMorePath ex:p ] .",
            "<urn:ex:P> uses sh:oneOrMorePath (no bound on the hops)",
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:node ex:S ] .",
            "recursive shapes (<urn:ex:S>)",
        ),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { ?a '
            '<urn:ex:p> ?b }" ] .',
            "the SPARQL constraint of <urn:ex:S> reads ?a <urn:ex:p> ?b apart from $this",
        ),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { GRAPH ?g '
            '{ $this <urn:ex:p> ?b } }" ] .',
            "the SPARQL constraint of <urn:ex:S> uses GRAPH",
        ),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { { SELECT '
            '?x WHERE { ?x <urn:ex:p> ?y } } }" ] .',
            "the SPARQL constraint of <urn:ex:S> uses a subquery",
        ),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { { $this '
            '<urn:ex:p> ?a } UNION { ?a <urn:ex:q> ?b } }" ] .',
            "the SPARQL constraint of <urn:ex:S> reads ?a <urn:ex:q> ?b apart from $this",
        ),
        (
            'ex:S sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this '
            '<urn:ex:p> ?a } LIMIT 1" ] .',
            "the SPARQL target of <urn:ex:S> uses LIMIT or OFFSET in a target",
        ),
        (
            'ex:S sh:targetNode ex:x ; sh:sparql [ sh:select "SELECT $this WHERE { $this '
            '<urn:ex:p>+ ?a }" ] .',
            "a SPARQL path with + (no bound on the hops)",
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:rule [ a sh:TripleRule ] .",
            "the shapes use SHACL rules (they change the data before validating) (<urn:ex:S>)",
        ),
        (
            "ex:S sh:targetNode ex:x ; sh:frobnicate 1 .",
            "<urn:ex:S> uses sh:frobnicate, which this analysis does not know",
        ),
    ],
)
def test_what_is_not_local(text: str, reason: str) -> None:
    found = locality(shapes(text))
    assert found.depth is None
    assert reason in found.reasons


def test_shapes_that_are_not_local_validate_everything(project_store: ox.Store) -> None:
    unbounded = shapes(
        "ex:S sh:targetClass <https://w3id.org/samarbeidsgrafen/ontology#Municipality> ; "
        'sh:property [ sh:path [ sh:oneOrMorePath ex:p ] ; sh:maxCount 0 ; sh:message "m" ] .'
    )
    store = project_store
    before = validate(store, unbounded, queries=())
    changed = change(
        store,
        OYER_2010,
        added=[(iri("sgid:organization/oyer"), ox.NamedNode("urn:ex:p"), literal("1"))],
    )
    after, why = revalidate(before, store, unbounded, changed, queries=())
    assert after.results == validate(store, unbounded, queries=()).results
    assert len(after.results) == 1
    assert (
        why
        == "validated everything: a blank-node shape uses sh:oneOrMorePath (no bound on the hops)"
    )


def test_affected_focus_nodes_walks_back_along_the_steps(project_store: ox.Store) -> None:
    found = locality(SHAPES_DIR)
    gausdal = iri("sgid:organization/gausdal")
    # The rdf:type of a municipality is read at level 0 (its targets) and at level 1 (sh:class
    # of what points at it): the memberships and posts that name it are affected too.
    nodes = affected_focus_nodes(
        project_store, [(gausdal, iri("rdf:type"), iri("sg:Municipality"))], found
    )
    pointing = {q.subject for q in project_store.quads_for_pattern(None, None, gausdal, DEFAULT)}
    assert {to_ox(n) for n in nodes} >= {gausdal} | pointing
    # A label is read at level 0 only.
    label = affected_focus_nodes(
        project_store, [(gausdal, iri("skos:prefLabel"), literal("x"))], found
    )
    assert {to_ox(n) for n in label} == {gausdal}
    with pytest.raises(ValueError, match="the shapes are not local"):
        affected_focus_nodes(project_store, [], Locality(None, ("no",)))


def test_stale_blank_nodes_validate_everything() -> None:
    fixture = FIXTURES / "blank-node-site.trig"
    store = oxigraph_store(load_dataset([fixture]))
    before = full_report(store, queries=())
    assert any(isinstance(r.focus_node, BNode) for r in before.results)
    fresh = oxigraph_store(load_dataset([fixture]))  # parsed again: new blank-node labels
    after, why = revalidate(before, fresh, SHAPES_DIR, [], queries=())
    assert why == (
        "validated everything: the previous report names 1 blank node(s) the store no longer "
        "has (patch the store in place to keep their labels)"
    )
    assert after.results == full_report(fresh, queries=()).results
