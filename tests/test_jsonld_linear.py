"""The linear JSON-LD writer gives PyLD's bytes.

On the project's data, on synthetic data and on a fixture of tricky cases
(tests/fixtures/jsonld-linear/tricky.ttl), :class:`kg.model.jsonld.JsonLdWriter` reading the sorted
N-Triples lines writes the compact document and every framed view byte for byte as the PyLD
path does (``dumps(pyld_compact(expand(triples)))``, ``dumps(pyld_frame(...))``). Its parts
are checked against PyLD's too: the processed context, term selection for every term and kind
of value, the expanded frames. And what it writes reads back, with PyLD, as the graph (the
compact document) or as a part of it (the views).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld
from pyld.context_resolver import ContextResolver
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.errors import LoadError, OutputError
from kg.model import canonical, paths
from kg.model import jsonld as kg_jsonld
from kg.model.dataset import load_dataset
from kg.model.jsonld import FRAME_KINDS, JsonLdWriter
from kg.publish.export import Snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "jsonld-linear" / "tricky.ttl"
SYNTHETIC = Path(__file__).parents[1] / "bench" / "synthetic.py"


@dataclass
class Case:
    """One dataset: its canonical triples, its N-Triples lines, and both paths' documents."""

    name: str
    triples: list[canonical.Triple]
    lines: str = ""
    reference: dict[str, bytes] = field(default_factory=dict)
    linear: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lines = canonical.ntriples(self.triples)
        expanded = kg_jsonld.expand(self.triples)
        self.reference["compact"] = kg_jsonld.dumps(kg_jsonld.pyld_compact(expanded))
        for kind in FRAME_KINDS:
            self.reference[kind] = kg_jsonld.dumps(kg_jsonld.pyld_frame(expanded, kind))
        writer = JsonLdWriter.from_ntriples(self.lines)
        self.linear["compact"] = writer.compact_bytes()
        for kind in FRAME_KINDS:
            self.linear[kind] = writer.frame_bytes(kind)


def tricky_triples() -> list[canonical.Triple]:
    """The fixture's triples, lexical forms as written (rdflib would make 007 into 7)."""
    normalize = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        graph = Graph().parse(FIXTURE, format="turtle")
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    return Snapshot.of(graph).triples


def synthetic_triples(folder: Path) -> list[canonical.Triple]:
    spec = importlib.util.spec_from_file_location("synthetic", SYNTHETIC)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(folder, 3)
    return Snapshot.of(load_dataset(folder)).triples


@pytest.fixture(scope="module", params=["project", "synthetic", "tricky"])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Case:
    if request.param == "project":
        return Case("project", Snapshot.of(load_dataset()).triples)
    if request.param == "synthetic":
        return Case("synthetic", synthetic_triples(tmp_path_factory.mktemp("synthetic")))
    return Case("tricky", tricky_triples())


# --------------------------------------------------------------------------------------------
# Byte identity with the PyLD path


def test_compact_document_is_byte_identical(case: Case) -> None:
    assert case.linear["compact"] == case.reference["compact"]


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_framed_view_is_byte_identical(case: Case, kind: str) -> None:
    assert case.linear[kind] == case.reference[kind]


def test_json_objects_are_the_pyld_objects(case: Case) -> None:
    writer = JsonLdWriter.from_triples(case.triples)
    expanded = kg_jsonld.expand(case.triples)
    assert writer.compact() == kg_jsonld.pyld_compact(expanded)
    for kind in FRAME_KINDS:
        assert writer.frame(kind) == kg_jsonld.pyld_frame(expanded, kind)


def test_views_do_not_depend_on_the_order_they_are_asked_for(case: Case) -> None:
    """The writer's caches (lines, types, labels, reverse indexes) are shared by the views."""
    writer = JsonLdWriter.from_ntriples(case.lines)
    for kind in reversed(FRAME_KINDS):
        assert writer.frame_bytes(kind) == case.reference[kind]
    assert writer.compact_bytes() == case.reference["compact"]
    assert writer.compact_bytes() == case.reference["compact"]


def test_many_values_that_do_not_repeat() -> None:
    """Past 1024 new values a property's lines stop being kept: the bytes stay the same."""
    org = "http://www.w3.org/ns/org#"
    ids = "https://w3id.org/samarbeidsgrafen/id/"
    triples = []
    for i in range(2100):
        subject = rdflib.URIRef(f"{ids}organization/n{i:04d}")
        triples += [
            # one in 20 in the organization view (PyLD's framing is slow)
            (
                subject,
                rdflib.RDF.type,
                rdflib.URIRef(org + ("Organization", "FormalOrganization")[i % 20 == 0]),
            ),
            (subject, rdflib.RDFS.label, rdflib.Literal(f"n{i}", lang="nb")),
            (subject, rdflib.URIRef(org + "classification"), rdflib.URIRef(f"{ids}c/{i % 3}")),
            (subject, rdflib.URIRef(org + "hasSite"), rdflib.URIRef(f"{ids}site/{i}")),
        ]
    triples = canonical.triples_of(canonical.canonical_quads((*t, None) for t in triples))
    writer = JsonLdWriter.from_ntriples(canonical.ntriples(triples))
    expanded = kg_jsonld.expand(triples)
    assert writer.compact_bytes() == kg_jsonld.dumps(kg_jsonld.pyld_compact(expanded))
    assert writer._lines[org + "hasSite"][0] is None  # no longer kept
    assert len(writer._lines[org + "classification"][0]) == 3  # kept: they repeat
    assert writer.frame_bytes("organization") == kg_jsonld.dumps(
        kg_jsonld.pyld_frame(expanded, "organization")
    )


def test_lines_from_pyoxigraph_give_the_same_bytes(case: Case) -> None:
    """Lines as pyoxigraph writes them (what the build's store dumps) give the same bytes; its
    escapes are the canonical N-Triples ones that kg.model.canonical writes too."""
    quads = ox.parse(case.lines.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    text = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    lines = sorted(text.splitlines(keepends=True))
    if case.name == "tricky":
        assert lines == case.lines.splitlines(keepends=True)  # the same canonical escapes
    writer = JsonLdWriter.from_ntriples(lines)
    assert writer.compact_bytes() == case.reference["compact"]
    for kind in FRAME_KINDS:
        assert writer.frame_bytes(kind) == case.reference[kind]


def test_the_tricky_cases_are_in_the_fixture() -> None:
    """The fixture keeps exercising what it is for (a guard against a quietly easier file)."""
    case = Case("tricky", tricky_triples())
    ids = "https://w3id.org/samarbeidsgrafen/id/"
    nodes = {n.get("id"): n for n in json.loads(case.linear["compact"])["@graph"]}
    oyer = nodes[ids + "organization/oyer"]
    assert list(oyer["prefLabel"]) == ["id", "@none", "en", "nb"]  # "id" sorts like the key
    assert oyer["prefLabel"]["nb"] == ["Øyer kommune", "Øyer"]
    integer = "xsd:integer"
    assert oyer["seatsEach"] == [
        {"@type": integer, "@value": "+5"},
        0,
        0,
        {"@type": integer, "@value": "007"},
        3,
    ]
    assert (oyer["date"], oyer["year"]) == ("2020-01-01", "2020")
    assert oyer["dct:date"] == [{"@type": "xsd:duration", "@value": "P1Y"}, "whenever"]
    assert oyer["org:purpose"] == "a literal purpose"
    assert oyer["purpose"] == [ids + "domain/x"]
    assert oyer["creator"] == {"id": ids + "organization/oyer-2"}
    assert oyer["http://example.org/nested"] == {
        "@list": [{"@list": ["a", "b"]}, "c", {"@list": []}]
    }
    assert oyer["http://example.org/null"] == ["@null", "not null"]
    assert nodes["http://example.org/iriList"]["http://example.org/items"] == {
        "@list": ["iri cell"]
    }
    assert "http://example.org/cell" not in nodes  # an IRI cell folded, as PyLD folds it
    shared = nodes["http://example.org/sharedList"]["http://example.org/items"]
    assert shared["id"].startswith("_:c14n")  # a cell used twice is not folded
    organizations = json.loads(case.linear["organization"])["@graph"]
    assert [n["prefLabel"]["nb"] for n in organizations if "id" not in n] == [
        "Anonymous",
        "Anonymous 2",
    ]  # blank nodes written once lose their identifier
    framed = {n.get("id"): n for n in organizations}[ids + "organization/oyer"]
    assert framed["seatsEach"] == [
        {"@type": integer, "@value": "+5"},
        0,
        {"@type": integer, "@value": "007"},
        3,
    ]
    assert framed["http://example.org/lonelyNull"] is None  # PyLD's "@null" cleanup
    assert framed["http://example.org/null"] == ["not null"]
    collaborations = {n["id"]: n for n in json.loads(case.linear["collaboration"])["@graph"]}
    assert collaborations[ids + "collaboration/empty"]["memberships"] == []
    council = collaborations[ids + "collaboration/c"]
    assert council["compositionRule"] == [ids + "rule/named", {}]
    by_id = {m["id"]: m for m in council["memberships"]}
    assert by_id[ids + "membership/m2"] == {
        "id": ids + "membership/m2",
        "type": ["Membership"],
        "org:role": "a literal role",
    }  # the bare member and the literal interval are filtered out
    assert by_id[ids + "membership/self"]["member"] == ids + "collaboration/c"  # circular
    interval = by_id[ids + "membership/m1"]["memberDuring"]
    assert interval["hasEnd"] == {"id": ids + "interval/i1", "type": ["Interval"]}
    [council_view] = json.loads(case.linear["council"])["@graph"]
    [post] = council_view["posts"]
    assert post["holders"][0] == {"prefLabel": {"nb": "Blank holder"}}
    allocated = [o.get("id") for r in council_view["compositionRule"] for o in r["allocatedTo"]]
    assert allocated.count(allocated[0]) == 2 and allocated[0].startswith("_:b")


# --------------------------------------------------------------------------------------------
# What is written reads back as the graph, or as part of it


def nquads_graph(document: bytes) -> Graph:
    return Graph().parse(data=kg_jsonld.to_nquads(json.loads(document)), format="nquads")


def test_compact_document_reads_back_as_the_graph(case: Case) -> None:
    if case.name == "tricky":
        pytest.skip("the tricky fixture changes terms on purpose (-0, an IRI list cell)")
    graph = Graph()
    for triple in case.triples:
        graph.add(triple)
    assert isomorphic(nquads_graph(case.linear["compact"]), graph)


@pytest.mark.parametrize("kind", FRAME_KINDS)
def test_framed_views_read_back_as_part_of_the_graph(case: Case, kind: str) -> None:
    union = Graph()
    for triple in case.triples:
        union.add(triple)
    framed = nquads_graph(case.linear[kind])
    assert isomorphic(framed, nquads_graph(case.reference[kind]))
    if case.name != "tricky":  # there, literals like "-0" and "@null" change on purpose
        without_blanks = [t for t in framed if not any(isinstance(x, rdflib.BNode) for x in t)]
        assert without_blanks and all(t in union for t in without_blanks)


# --------------------------------------------------------------------------------------------
# The parts, against PyLD's own


@pytest.fixture(scope="module")
def pyld_context() -> tuple[pyld.JsonLdProcessor, dict[str, Any]]:
    processor = pyld.JsonLdProcessor()
    options = kg_jsonld._options()
    options["contextResolver"] = ContextResolver(
        pyld._resolved_context_cache, kg_jsonld.document_loader
    )
    initial = processor._get_initial_context(options)
    active = processor.process_context(initial, kg_jsonld.context()["@context"], options)
    return processor, active


def test_term_definitions_are_pyld_s(pyld_context: tuple[Any, dict[str, Any]]) -> None:
    _, active = pyld_context
    ctx = kg_jsonld._shared_context()
    assert set(ctx.terms) == set(active["mappings"])
    for name, term in ctx.terms.items():
        mapping = active["mappings"][name]
        assert term.iri == mapping["@id"], name
        assert term.reverse == mapping["reverse"], name
        assert term.type == mapping.get("@type"), name
        assert term.container == tuple(sorted(mapping.get("@container", []))), name
        assert term.prefix == mapping["_prefix"], name
    assert ctx.inverse == processor_inverse(pyld_context)


def processor_inverse(pyld_context: tuple[Any, dict[str, Any]]) -> Any:
    processor, active = pyld_context
    return processor._get_inverse_context(active)


DATATYPES = [
    "http://www.w3.org/2001/XMLSchema#date",
    "http://www.w3.org/2001/XMLSchema#gYear",
    "http://www.w3.org/2001/XMLSchema#dateTime",
    "http://www.w3.org/2001/XMLSchema#decimal",
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#boolean",
    "http://example.org/my_type",
]


def value_samples() -> Iterator[tuple[Any, Any, Any]]:
    """(kind for the writer, the value as PyLD sees it, the writer's item) for every kind."""
    yield kg_jsonld._KIND_NODE, {"@id": "http://example.org/x"}, "http://example.org/x"
    yield kg_jsonld._KIND_NODE, {"@id": "http://www.w3.org/ns/org#Organization"}, None
    yield kg_jsonld._KIND_PLAIN, {"@value": "x"}, ("x", None, None)
    yield kg_jsonld._KIND_PLAIN, {"@value": True}, (True, None, None)
    yield kg_jsonld._KIND_PLAIN, {"@value": 3}, (3, None, None)
    for language in ("nb", "id", "en-gb", "x_y"):
        yield language, {"@value": "x", "@language": language}, ("x", language, None)
    for datatype in DATATYPES:
        yield datatype, {"@value": "x", "@type": datatype}, ("x", None, datatype)
    lists: list[list[Any]] = [
        [],
        ["http://example.org/a", "http://example.org/b"],
        [("a", None, None), ("b", None, None)],
        [("a", "nb", None), ("b", "nb", None)],
        [("a", "nb", None), ("b", "en", None)],
        [(DATATYPES[0], None, DATATYPES[0])],
        [("a", None, DATATYPES[0]), ("b", None, DATATYPES[1])],
        ["http://example.org/a", ("a", "nb", None)],
        [("a", "nb", None), "http://example.org/a"],
    ]
    for items in lists:
        as_pyld = [
            {"@id": i}
            if isinstance(i, str)
            else {"@value": i[0], **({"@language": i[1]} if i[1] else {})}
            | ({"@type": i[2]} if i[2] else {})
            for i in items
        ]
        yield kg_jsonld._list_kind(items), {"@list": as_pyld}, None


def test_term_selection_is_pyld_s(pyld_context: tuple[Any, dict[str, Any]]) -> None:
    """Every IRI of the context (and some it lacks), every kind of value: PyLD's key."""
    processor, active = pyld_context
    ctx = kg_jsonld._shared_context()
    iris = sorted({t.iri for t in ctx.terms.values() if not t.iri.startswith("@")})
    iris += ["http://example.org/p", "http://www.w3.org/ns/org#unknown", "urn:x:y"]
    checked = 0
    for iri in iris:
        for kind, value, _ in value_samples():
            expected = processor._compact_iri(active, iri, value, vocab=True)
            assert ctx.select(iri, kind)[0] == expected, (iri, value)
            checked += 1
        reverse = processor._compact_iri(
            active, iri, {"@id": "http://x/y"}, vocab=True, reverse=True
        )
        assert ctx.select(iri, kg_jsonld._KIND_REVERSE)[0] == reverse, iri
        reverse = processor._compact_iri(active, iri, {}, vocab=True, reverse=True)
        assert ctx.select(iri, kg_jsonld._KIND_REVERSE_NO_ID)[0] == reverse, iri
        reverse = processor._compact_iri(active, iri, [], vocab=True, reverse=True)
        assert ctx.select(iri, kg_jsonld._KIND_REVERSE_EMPTY)[0] == reverse, iri
        for vocab in (True, False):
            assert ctx.compact_iri(iri, vocab) == processor._compact_iri(active, iri, vocab=vocab)
    assert checked > 1500


def test_frames_expand_as_pyld_expands_them() -> None:
    options = kg_jsonld._options(isFrame=True, keepFreeFloatingNodes=True)
    for kind in FRAME_KINDS:
        [expected] = pyld.expand(kg_jsonld.localize(kg_jsonld.frame_document(kind)), options)
        assert kg_jsonld._shared_frame(kind).expanded() == expected, kind


# --------------------------------------------------------------------------------------------
# Features outside the subset are refused by name


def frame_error(frame: dict[str, Any]) -> str:
    ctx = kg_jsonld._shared_context()
    with pytest.raises(LoadError) as caught:
        kg_jsonld._parse_frame({"@context": kg_jsonld.CONTEXT_IRI, **frame}, ctx, "f.jsonld")
    return str(caught.value)


def test_unsupported_frame_features_are_named() -> None:
    def refused(feature: str, detail: str = "") -> str:
        return (
            f"f.jsonld: frame feature {feature} is not supported by the linear JSON-LD writer"
            + (f" ({detail})" if detail else "")
            + " (use kg.model.jsonld.pyld_frame, or extend JsonLdWriter)"
        )

    assert frame_error({"member": {"@embed": "@once"}}) == refused(
        '"@embed": "@once"', "only @always and @never"
    )
    assert frame_error({"@omitDefault": False}) == refused('"@omitDefault"')
    assert frame_error({"id": "https://example.org/x"}) == refused('"@id"')
    assert frame_error({"prefLabel": {"@embed": "@never"}}) == refused(
        '"prefLabel": {"@embed": "@never"}', "a language map in a frame"
    )
    assert frame_error({"nosuchterm": {}}) == refused(
        '"nosuchterm"', "not a term, compact IRI or IRI of the context"
    )
    assert frame_error({"member": [{}]}) == refused(
        '"member": [{}]', "a frame entry is {} or a node frame"
    )
    assert frame_error({"type": ["NoSuchClass"]}) == refused(
        '"type": "NoSuchClass"', "not a term, compact IRI or IRI of the context"
    )


def test_unsupported_context_features_are_named() -> None:
    base = kg_jsonld.context()["@context"]
    cases = {
        '"@vocab"': {**base, "@vocab": "http://example.org/"},
        '"@container": "@list"': {**base, "x": {"@id": "org:x", "@container": "@list"}},
        '"@type": "@vocab"': {**base, "x": {"@id": "org:x", "@type": "@vocab"}},
        '"@language"': {**base, "x": {"@id": "org:x", "@language": "nb"}},
    }
    for feature, document in cases.items():
        with pytest.raises(LoadError) as caught:
            kg_jsonld._Context({"@context": document}, "c.jsonld")
        message = str(caught.value)
        assert message.startswith(f"c.jsonld: context feature {feature} is not supported"), message
        assert message.endswith(
            " (use kg.model.jsonld.pyld_compact and pyld_frame, or extend JsonLdWriter)"
        ), message


def test_an_iri_that_reads_as_a_compact_iri_is_refused() -> None:
    writer = JsonLdWriter.from_ntriples(['<org:x> <http://example.org/p> "x" .'])
    with pytest.raises(OutputError) as caught:
        writer.compact_bytes()
    assert str(caught.value) == (
        "cannot write <org:x> in JSON-LD: it would read as a compact IRI with the prefix "
        "'org' of the context"
    )


# --------------------------------------------------------------------------------------------
# Reading N-Triples


def test_escapes_and_spacing() -> None:
    lines = [
        r"<http://example.org/\u00D8yer>"
        "\t<http://www.w3.org/2000/01/rdf-schema#label>  "
        r'"tab\there \"q\" \\ \U0001F600 \u00e9 raw tab:	."@NB .  # a comment',
        "",
        "# a comment line",
        r'<http://example.org/\u00D8yer> <http://example.org/p> "x y ." .',
    ]
    [node] = JsonLdWriter.from_ntriples(lines).compact()["@graph"]
    assert node == {
        "id": "http://example.org/Øyer",
        "label": {"nb": 'tab\there "q" \\ 😀 é raw tab:\t.'},
        "http://example.org/p": "x y .",
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("<http://a> <http://b> .", "not an N-Triples triple (subject predicate object .)"),
        ('"x" <http://b> <http://c> .', "the subject must be an IRI or a blank node, not '\"x\"'"),
        ("<http://a> _:p <http://c> .", "a predicate is an IRI"),
        ('<http://a> <http://b> "x\\q" .', "unknown escape sequence \\q"),
        ('<http://a> <http://b> "x"@1 .', "'1' is not a language tag"),
        (
            '<http://a> <http://b> "x"^^xsd:string .',
            "a literal ends with @language, ^^<datatype> or nothing",
        ),
        (
            '<http://a> <http://b> "{}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .',
            "rdf:JSON literals are not supported by the JSON-LD writer",
        ),
        ('<http://a> <http://b> "\\U00110000" .', "escape \\U00110000 is not a character"),
    ],
)
def test_a_bad_line_is_one_clear_error(line: str, message: str) -> None:
    good = '<http://a> <http://b> "fine" .'
    with pytest.raises(LoadError) as caught:
        JsonLdWriter.from_ntriples([good, line], source="union.nt")
    assert str(caught.value) == f"union.nt:2: {message}"


def test_empty_and_single_node_documents() -> None:
    empty = JsonLdWriter.from_ntriples([])
    assert empty.compact_bytes() == kg_jsonld.dumps(kg_jsonld.pyld_compact([]))
    for kind in FRAME_KINDS:
        assert empty.frame_bytes(kind) == kg_jsonld.dumps(kg_jsonld.pyld_frame([], kind))
    line = '<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .'
    single = JsonLdWriter.from_ntriples(line)
    expanded = [{"@id": "http://example.org/a", str(rdflib.RDFS.label): [{"@value": "a"}]}]
    assert single.compact_bytes() == kg_jsonld.dumps(kg_jsonld.pyld_compact(expanded))


def test_project_paths_are_the_context_of_the_writer() -> None:
    assert kg_jsonld._shared_context().source == str(paths.CONTEXT_DIR / "v1.jsonld")
