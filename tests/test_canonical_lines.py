"""The fast writers (from N-Triples lines) give the bytes of the term writers (the reference).

:mod:`kg.model.canonical` has two ways to each document: from rdflib terms (``turtle``, ``trig``,
``nquads``, ``ntriples``) and from sorted N-Triples lines (``*_of_lines``), which the build uses
on a store's dump. On the project data, the synthetic data, the export fixtures and tricky
literals and blank nodes, they must agree byte for byte; and a store's snapshot must equal the
rdflib dataset's snapshot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.collection import Collection

from kg.model import canonical, store
from kg.model.dataset import load_dataset, new_dataset
from kg.model.namespaces import ID, RDF, RDFS, SKOS, XSD
from kg.publish.export import FORMATS, Snapshot

FIXTURES = Path(__file__).parent / "fixtures"


def reference(dataset: Dataset, fmt: str) -> bytes:
    """The bytes of the term writers, from canonical rdflib quads."""
    quads = canonical.canonical_quads(dataset.quads((None, None, None, None)))
    triples = canonical.triples_of(quads)
    text = {
        "trig": lambda: canonical.trig(quads),
        "nquads": lambda: canonical.nquads(quads),
        "turtle": lambda: canonical.turtle(triples),
        "nt": lambda: canonical.ntriples(triples),
    }[fmt]()
    return text.encode("utf-8")


def tricky() -> Dataset:
    """Escapes, typed and language literals, lists, inline and shared blank nodes, an IRI no
    prefix can shorten, a blank node in two graphs."""
    ds = new_dataset()
    g1, g2 = ds.graph(ID["graph/one"]), ds.graph(ID["graph/two"])
    s = ID["organization/x"]
    g1.add(
        (
            s,
            SKOS.prefLabel,
            Literal('tab\there "quoted" back\\slash\nnew\x01\x7f\x08\x0c', lang="nb"),
        )
    )
    g1.add((s, RDFS.comment, Literal("1999", datatype=XSD.gYear)))
    g1.add((s, RDFS.comment, Literal("x", datatype=URIRef("http://example.org/dt"))))
    g1.add((s, RDFS.seeAlso, URIRef("http://example.org/a/b#c.d")))
    g1.add((s, RDFS.seeAlso, URIRef("http://example.org/with.dot.")))
    g1.add((s, RDFS.label, Literal("contains _:b0 text")))
    inline, shared = BNode(), BNode()
    g1.add((s, RDFS.member, inline))
    g1.add((inline, RDFS.label, Literal("inline")))
    g1.add((s, RDFS.member, shared))
    g2.add((shared, RDFS.label, Literal("shared")))
    head = BNode()
    Collection(g1, head, [Literal("a"), Literal("b")])
    g1.add((ID["organization/y"], RDFS.member, head))
    g1.add((ID["organization/y"], RDF.type, RDFS.Class))
    ds.graph(ID["graph/two"]).add((ID["organization/z"], RDF.value, Literal(True)))
    return ds


def datasets() -> list[tuple[str, Dataset]]:
    found = [("project", load_dataset()), ("tricky", tricky())]
    for path in sorted((FIXTURES / "export").glob("*.trig")):
        found.append((path.name, load_dataset([path], with_model=False)))
    return found


@pytest.mark.parametrize("fmt", ["trig", "nquads", "turtle", "nt"])
@pytest.mark.parametrize("name,dataset", datasets(), ids=lambda v: v if isinstance(v, str) else "")
def test_line_writers_equal_term_writers(name: str, dataset: Dataset, fmt: str) -> None:
    assert Snapshot.of(dataset).render(fmt) == reference(dataset, fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_store_snapshot_equals_dataset_snapshot(fmt: str) -> None:
    loaded = store.load(store.input_files())
    assert Snapshot.of_store(loaded).render(fmt) == Snapshot.of(load_dataset()).render(fmt)


def test_store_union_is_the_datasets_union() -> None:
    loaded = store.load(store.input_files())
    dataset = load_dataset()
    assert loaded.triple_count == len(set(dataset.triples((None, None, None))))
