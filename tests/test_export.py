"""Exports: every format parses with rdflib and pyoxigraph, holds the same graph, keeps the named
graphs where it should, uses only our prefixes and absolute IRIs, and is byte-for-byte stable.
JSON-LD: the local context, a loader that never fetches, and the framed views.

The tests run on a small fixture (tests/fixtures/export/data) and, when it exists, on the
project's data too.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from support import iris_of, run_kg

from kg.errors import LoadError, OutputError
from kg.model import canonical, paths
from kg.model import jsonld as kg_jsonld
from kg.model.dataset import data_files, load_dataset, new_dataset
from kg.model.namespaces import ID, ORG, PREFIXES, RDF, RDFS, SKOS, XSD
from kg.publish.export import FORMATS, Snapshot, export, serialize, write_atomic

FIXTURES = Path(__file__).parent / "fixtures" / "export"
FIXTURE_DATA = FIXTURES / "data"
ID_BASE = str(ID)

OX_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
RDFLIB_FORMATS = {"trig": "trig", "nquads": "nquads", "turtle": "turtle", "nt": "nt"}
PROBE_BASE = "http://relative.invalid/base/"
"""Parsing with this base shows any relative IRI: it would resolve against it."""


def _has_project_data() -> bool:
    try:
        return bool(data_files(paths.DATA_DIR))
    except LoadError:
        return False


DATA_DIRS = [FIXTURE_DATA] + ([paths.DATA_DIR] if _has_project_data() else [])


class Exported:
    """One dataset and every format rendered from it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dataset = load_dataset(folder)
        self.snapshot = Snapshot.of(self.dataset)
        self.data = {fmt: self.snapshot.render(fmt) for fmt in FORMATS}
        self.frames = {
            kind: self.snapshot.render("jsonld", frame=kind) for kind in kg_jsonld.FRAME_KINDS
        }

    def union(self) -> Graph:
        """The union as rdflib reads it back from the TriG export."""
        ds = Dataset()
        ds.parse(data=self.data["trig"], format="trig", publicID=PROBE_BASE)
        union = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        return union


@pytest.fixture(scope="module", params=DATA_DIRS, ids=lambda p: p.parent.name)
def exported(request: pytest.FixtureRequest) -> Exported:
    return Exported(request.param)


@pytest.fixture(scope="module")
def fixture_export() -> Exported:
    return Exported(FIXTURE_DATA)


def rdflib_graph(fmt: str, data: bytes) -> Graph:
    """The union of what rdflib reads from ``data``."""
    if fmt == "jsonld":
        return kg_jsonld.parse_jsonld(data, Graph())
    if fmt in ("trig", "nquads"):
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_FORMATS[fmt], publicID=PROBE_BASE)
        union = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return Graph().parse(data=data, format=RDFLIB_FORMATS[fmt], publicID=PROBE_BASE)


def ox_union(fmt: str, data: bytes) -> ox.Dataset:
    """The union of what pyoxigraph reads from ``data``, canonicalised for comparison."""
    quads = ox.parse(data, format=OX_FORMATS[fmt], base_iri=PROBE_BASE)
    union = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    union.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return union


# --------------------------------------------------------------------------------------------
# Every format parses, and every format holds the same graph


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_parses_with_rdflib_and_pyoxigraph(exported: Exported, fmt: str) -> None:
    data = exported.data[fmt]
    assert data.endswith(b"\n")
    data.decode("utf-8")  # UTF-8 throughout
    graph = rdflib_graph(fmt, data)
    assert len(graph) == len(exported.snapshot.triples)
    assert len(ox_union(fmt, data)) == len(exported.snapshot.triples)


@pytest.mark.parametrize("fmt", ["nquads", "turtle", "nt", "jsonld"])
def test_every_format_holds_the_trig_union(exported: Exported, fmt: str) -> None:
    reference = exported.union()
    assert isomorphic(rdflib_graph(fmt, exported.data[fmt]), reference)
    assert ox_union(fmt, exported.data[fmt]) == ox_union("trig", exported.data["trig"])


def test_trig_union_is_the_loaded_dataset(exported: Exported) -> None:
    loaded = Graph()
    for s, p, o in exported.dataset.triples((None, None, None)):
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))  # the same RDF term, written plain
        loaded.add((s, p, o))
    assert isomorphic(exported.union(), loaded)


def test_jsonld_round_trips_through_pyld(exported: Exported) -> None:
    document = json.loads(exported.data["jsonld"])
    nquads = kg_jsonld.to_nquads(document)
    graph = Graph().parse(data=nquads, format="nquads")
    assert isomorphic(graph, exported.union())


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_named_graphs_are_kept(exported: Exported, fmt: str) -> None:
    parsed = Dataset()
    parsed.parse(data=exported.data[fmt], format=RDFLIB_FORMATS[fmt], publicID=PROBE_BASE)
    expected = {g for _, _, _, g in exported.snapshot.quads}
    found = {g.identifier for g in parsed.graphs() if len(g)}
    assert found == expected
    assert ID["graph/ontology"] in found and ID["graph/vocabularies"] in found
    for name in expected:
        assert name is not None
        assert isomorphic(parsed.graph(name), exported.dataset.graph(name))
    names = {q.graph_name for q in ox.parse(exported.data[fmt], format=OX_FORMATS[fmt])}
    assert {ox.NamedNode(str(g)) for g in expected if g is not None} == names


def test_union_formats_carry_resource_level_provenance(exported: Exported) -> None:
    graph = rdflib_graph("turtle", exported.data["turtle"])
    prov = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    memberships = set(graph.subjects(RDF.type, ORG.Membership))
    assert memberships
    assert all((m, prov, None) in graph for m in memberships)


# --------------------------------------------------------------------------------------------
# Only our prefixes, only absolute IRIs, sorted and stable


@pytest.mark.parametrize("fmt", ["trig", "turtle"])
def test_only_project_prefixes(exported: Exported, fmt: str) -> None:
    text = exported.data[fmt].decode()
    declared = dict(re.findall(r"^@prefix (\w*): <([^>]*)> \.$", text, flags=re.M))
    assert declared
    assert all(PREFIXES.get(prefix) == iri for prefix, iri in declared.items())
    assert "ns1:" not in text and "@base" not in text


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_only_absolute_iris(exported: Exported, fmt: str) -> None:
    graph = rdflib_graph(fmt, exported.data[fmt])
    assert not [iri for iri in iris_of(graph) if iri.startswith(PROBE_BASE)]
    assert not [iri for iri in iris_of(graph) if iri.startswith("file:")]


def test_jsonld_node_ids_are_full_iris(exported: Exported) -> None:
    def ids(node: Any) -> list[str]:
        if isinstance(node, list):
            return [i for item in node for i in ids(item)]
        if isinstance(node, dict):
            found = [node["id"]] if isinstance(node.get("id"), str) else []
            return found + [i for k, v in node.items() if k != "@context" for i in ids(v)]
        return []

    for data in [exported.data["jsonld"], *exported.frames.values()]:
        for identifier in ids(json.loads(data)):
            scheme = identifier.split(":", 1)[0]
            # things and concepts in full; vocabulary terms may use a declared prefix
            assert scheme in ("http", "https", "_") or scheme in PREFIXES, identifier
            assert scheme not in ("sgid", "sgv", "wd"), identifier


@pytest.mark.parametrize("fmt", ["nt", "nquads"])
def test_line_formats_are_sorted(exported: Exported, fmt: str) -> None:
    lines = exported.data[fmt].decode().splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(set(lines))


def test_output_is_the_same_for_a_fresh_load(exported: Exported) -> None:
    again = Exported(exported.folder)
    assert again.data == exported.data
    assert again.frames == exported.frames


def test_output_is_the_same_under_other_hash_seeds() -> None:
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from kg.model.dataset import load_dataset\n"
        "from kg.publish.export import FORMATS, Snapshot\n"
        "snap = Snapshot.of(load_dataset(Path(sys.argv[1])))\n"
        "for f in FORMATS: print(f, hashlib.sha256(snap.render(f)).hexdigest())\n"
        "print(hashlib.sha256(snap.render('jsonld', frame='organization')).hexdigest())\n"
    )
    outputs = set()
    for seed in ("0", "12345"):
        result = subprocess.run(
            [sys.executable, "-c", script, str(DATA_DIRS[-1])],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_blank_nodes_get_labels_from_content() -> None:
    """Blank nodes (none in the data, some in the ontology) come out the same every time."""
    ex = "http://example.org/"

    def build(order: int) -> Dataset:
        ds = new_dataset()
        g1, g2 = ds.graph(URIRef(ex + "g1")), ds.graph(URIRef(ex + "g2"))
        a, b, c, shared = BNode(), BNode(), BNode(), BNode()
        first, rest = BNode(), BNode()
        quads = [
            (g1, (URIRef(ex + "s"), RDFS.domain, a)),
            (g1, (a, RDF.type, URIRef(ex + "Class"))),
            (g1, (a, URIRef(ex + "unionOf"), first)),
            (g1, (first, RDF.first, URIRef(ex + "A"))),
            (g1, (first, RDF.rest, rest)),
            (g1, (rest, RDF.first, URIRef(ex + "B"))),
            (g1, (rest, RDF.rest, RDF.nil)),
            (g1, (b, URIRef(ex + "next"), c)),  # a cycle of blank nodes
            (g1, (c, URIRef(ex + "next"), b)),
            (g1, (shared, SKOS.prefLabel, Literal("in two graphs"))),
            (g2, (URIRef(ex + "t"), URIRef(ex + "p"), shared)),
        ]
        for graph, triple in quads if order == 0 else reversed(quads):
            graph.add(triple)
        return ds

    one, two = build(0), build(1)
    for fmt in FORMATS:
        assert serialize(one, fmt) == serialize(two, fmt), fmt
    trig = serialize(one, "trig").decode()
    assert "( <http://example.org/A> <http://example.org/B> )" in trig
    assert "_:c14n" in trig  # the cycle and the node shared by two graphs keep labels
    parsed = Dataset()
    parsed.parse(data=trig, format="trig")
    assert len(parsed) == len(one)
    assert ox_union("trig", trig.encode()) == ox_union("nquads", serialize(one, "nquads"))


def test_escapes_round_trip() -> None:
    ds = new_dataset()
    text = 'quote " backslash \\ newline \n return \r tab \t bell \x07 \\n Øyer'
    subject = URIRef("http://example.org/Øyer")
    ds.graph(URIRef("http://example.org/g")).add((subject, RDFS.label, Literal(text, lang="nb")))
    for fmt in FORMATS:
        graph = rdflib_graph(fmt, serialize(ds, fmt))
        assert (subject, RDFS.label, Literal(text, lang="nb")) in graph, fmt
        assert len(ox_union(fmt, serialize(ds, fmt))) == 1, fmt
    document = json.loads(serialize(ds, "jsonld"))
    assert document["@graph"][0]["label"]["nb"] == text


@pytest.mark.parametrize("iri", ["http://example.org/a b", "oyer", "file:///work/data/oyer"])
def test_iris_that_are_not_absolute_are_refused(iri: str) -> None:
    ds = new_dataset()
    ds.graph(URIRef("http://example.org/g")).add((URIRef(iri), RDFS.label, Literal("x")))
    with pytest.raises(OutputError, match="not an absolute web IRI"):
        serialize(ds, "nt")


# --------------------------------------------------------------------------------------------
# The context


def test_context_file_is_json_ld_1_1_with_the_project_prefixes() -> None:
    document = json.loads(kg_jsonld.context_file().read_bytes())
    ctx = document["@context"]
    assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    assert ctx["id"] == "@id" and ctx["type"]["@id"] == "@type"
    for prefix, iri in PREFIXES.items():
        value = ctx[prefix]
        assert (value if isinstance(value, str) else value["@id"]) == iri, prefix
    assert kg_jsonld.CONTEXT_IRI == "https://w3id.org/samarbeidsgrafen/context/v1.jsonld"


def test_context_terms() -> None:
    ctx = kg_jsonld.context()["@context"]
    assert ctx["member"] == {"@id": "org:member", "@type": "@id"}
    assert ctx["organization"] == {"@id": "org:organization", "@type": "@id"}
    assert ctx["role"] == {"@id": "org:role", "@type": "@id"}
    assert ctx["memberDuring"] == {"@id": "org:memberDuring", "@type": "@id"}
    assert ctx["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert ctx["value"]["@type"] == "xsd:decimal"
    assert ctx["inXSDDate"]["@type"] == "xsd:date"
    assert ctx["inXSDgYear"]["@type"] == "xsd:gYear"
    assert ctx["identifier"]["@container"] == "@set"


def test_every_predicate_has_a_name(exported: Exported) -> None:
    """No predicate stays a full IRI in JSON-LD: each has a term or a prefixed name."""
    predicates = {p for _, p, _ in exported.snapshot.triples}
    unnamed = [p for p in predicates if "://" in kg_jsonld.compact_iri(p)]
    assert not unnamed

    def keys(node: Any) -> set[str]:
        if isinstance(node, list):
            return {k for item in node for k in keys(item)}
        if isinstance(node, dict):
            own = {k for k in node if not k.startswith("@")}
            return own | {k for k, v in node.items() if k != "@context" for k in keys(v)}
        return set()

    document = json.loads(exported.data["jsonld"])
    assert not [k for k in keys(document["@graph"]) if "://" in k]


def test_data_predicates_have_short_terms(exported: Exported) -> None:
    """Predicates of the source graphs (not the ontology's OWL/RDFS plumbing) have terms."""
    data_predicates = {
        p
        for s, p, o, g in exported.snapshot.quads
        if g not in (ID["graph/ontology"], ID["graph/vocabularies"]) and p != RDF.type
    }
    assert kg_jsonld.predicates_without_term(data_predicates) == []


def test_compact_values(fixture_export: Exported) -> None:
    nodes = {n["id"]: n for n in json.loads(fixture_export.data["jsonld"])["@graph"]}
    partnership = nodes[ID_BASE + "collaboration/partnerskap"]
    assert partnership["startYear"] == "1999"
    assert partnership["hasUnnamedParticipants"] is False
    assert partnership["prefLabel"] == {"en": "Partnership", "nb": "Partnerskap"}
    amount = nodes[ID_BASE + "amount/partnerskap-2010"]
    assert amount["value"] == "3250000" and amount["validFrom"] == "2010-01-01"
    instant = nodes[ID_BASE + "instant/1999-approx"]
    assert instant["approximate"] is True and instant["inXSDgYear"] == "1999"
    membership = nodes[ID_BASE + "membership/partnerskap--oyer--partner"]
    assert membership["member"] == ID_BASE + "organization/oyer"
    assert membership["type"] == ["Membership"]


# --------------------------------------------------------------------------------------------
# Never fetch


def test_loader_serves_our_context_and_refuses_every_other_url() -> None:
    served = kg_jsonld.document_loader(kg_jsonld.CONTEXT_IRI)
    assert served["document"] == kg_jsonld.context()
    with pytest.raises(LoadError, match="never fetched"):
        kg_jsonld.document_loader("https://schema.org/")


def test_pyld_refuses_a_remote_context() -> None:
    document = {"@context": "https://example.org/context.jsonld", "@id": "urn:example:x"}
    with pytest.raises(LoadError) as caught:
        kg_jsonld.to_nquads(document)
    assert "https://example.org/context.jsonld" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_rdflib_parsing_never_fetches() -> None:
    remote = {"@context": "https://example.org/context.jsonld", "@id": "urn:example:x"}
    with pytest.raises(LoadError, match="never fetched"):
        kg_jsonld.parse_jsonld(remote)
    with pytest.raises(LoadError, match="never fetched"):
        kg_jsonld.parse_jsonld({"@context": {}, "@graph": [remote]})
    graph = kg_jsonld.parse_jsonld(
        {"@context": kg_jsonld.CONTEXT_IRI, "id": "urn:example:x", "prefLabel": {"nb": "x"}}
    )
    assert (URIRef("urn:example:x"), SKOS.prefLabel, Literal("x", lang="nb")) in graph


# --------------------------------------------------------------------------------------------
# Frames


def test_frame_files_exist_and_name_our_context() -> None:
    for kind in kg_jsonld.FRAME_KINDS:
        frame = kg_jsonld.frame_document(kind)
        assert frame["@context"] == kg_jsonld.CONTEXT_IRI


def framed(export_: Exported, kind: str) -> dict[str, dict[str, Any]]:
    document = json.loads(export_.frames[kind])
    assert isinstance(document["@context"], dict)  # inlined
    return {node["id"]: node for node in document["@graph"]}


def test_organization_frame(fixture_export: Exported) -> None:
    nodes = framed(fixture_export, "organization")
    assert set(nodes) == {ID_BASE + "organization/lillehammer", ID_BASE + "organization/oyer"}
    oyer = nodes[ID_BASE + "organization/oyer"]
    assert list(oyer) == [
        "id",
        "type",
        "classification",
        "hasMembership",
        "identifier",
        "prefLabel",
        "wasDerivedFrom",
    ]
    assert oyer["type"] == ["PublicOrganisation", "FormalOrganization", "Municipality"]
    assert oyer["prefLabel"] == {"en": "Øyer municipality", "nb": "Øyer kommune"}
    [identifier] = oyer["identifier"]
    assert set(identifier) == {"id", "type", "category", "notation", "schemeAgency", "temporal"}
    assert identifier["temporal"][0]["hasBeginning"]["inXSDDate"] == "2020-01-01"
    by_id = {m["id"].rsplit("/", 1)[1]: m for m in oyer["hasMembership"]}
    assert set(by_id) == {"partnerskap--oyer--partner", "regionradet--oyer--participant"}
    partner = by_id["partnerskap--oyer--partner"]
    assert set(partner) == {"id", "type", "memberDuring", "organization", "role", "status"}
    assert partner["organization"]["prefLabel"]["nb"] == "Partnerskap"
    assert partner["role"] == "https://w3id.org/samarbeidsgrafen/vocab/role/partner"
    interval = partner["memberDuring"]
    assert interval["hasBeginning"]["inXSDgYear"] == "1999"
    assert interval["hasBeginning"]["approximate"] is True
    assert interval["hasEnd"]["inXSDDate"] == "2010-12-31"


def test_collaboration_frame(fixture_export: Exported) -> None:
    nodes = framed(fixture_export, "collaboration")
    assert set(nodes) == {
        ID_BASE + "collaboration/partnerskap",
        ID_BASE + "collaboration/regionradet",
    }
    partnership = nodes[ID_BASE + "collaboration/partnerskap"]
    members = {m["member"]["id"]: m for m in partnership["memberships"]}
    assert set(members) == {ID_BASE + "organization/lillehammer", ID_BASE + "organization/oyer"}
    for membership in members.values():
        assert set(membership["member"]) == {"id", "type", "prefLabel"}
        assert "organization" not in membership  # the collaboration itself is the parent
    assert partnership["annualBudgetFrame"] == [ID_BASE + "amount/partnerskap-2010"]


def test_council_frame(fixture_export: Exported) -> None:
    nodes = framed(fixture_export, "council")
    [council] = nodes.values()
    assert council["id"] == ID_BASE + "collaboration/regionradet"
    [post] = council["posts"]
    assert post["role"] == "https://w3id.org/samarbeidsgrafen/vocab/role/mayor"
    assert post["representing"]["prefLabel"]["nb"] == "Øyer kommune"
    [rule] = council["compositionRule"]
    assert rule["seatsEach"] == 1
    assert {o["id"] for o in rule["allocatedTo"]} == {
        ID_BASE + "organization/lillehammer",
        ID_BASE + "organization/oyer",
    }
    [membership] = council["memberships"]
    assert membership["member"]["prefLabel"]["nb"] == "Øyer kommune"


def test_frames_drop_nothing(exported: Exported) -> None:
    """Every organisation, collaboration and council, with all its memberships, posts and
    identifiers: a property frame can silently filter nodes out (``{}`` on a language-map
    term means "match none" in PyLD), so compare with the graph."""
    graph = exported.union()

    def iris(nodes: Any) -> set[str]:
        return {n if isinstance(n, str) else n["id"] for n in nodes or []}

    def subjects(predicate: URIRef, value: URIRef) -> set[str]:
        return {str(s) for s in graph.subjects(predicate, value)}

    organizations = framed(exported, "organization")
    expected = {
        str(s)
        for cls in (ORG.FormalOrganization, URIRef("http://www.w3.org/ns/legal#LegalEntity"))
        for s in graph.subjects(RDF.type, cls)
    }
    assert set(organizations) == expected
    adms_identifier = URIRef("http://www.w3.org/ns/adms#identifier")
    for iri, node in organizations.items():
        assert iris(node.get("hasMembership")) == subjects(ORG.member, URIRef(iri))
        assert iris(node.get("memberships")) == subjects(ORG.organization, URIRef(iri))
        assert iris(node.get("identifier")) == {
            str(o) for o in graph.objects(URIRef(iri), adms_identifier)
        }
    collaborations = framed(exported, "collaboration")
    expected = {str(s) for s in graph.subjects(RDF.type, ORG.OrganizationalCollaboration)}
    assert set(collaborations) == expected
    for iri, node in collaborations.items():
        assert iris(node.get("memberships")) == subjects(ORG.organization, URIRef(iri))
    councils = framed(exported, "council")
    regional_council = URIRef("https://w3id.org/samarbeidsgrafen/ontology#RegionalCouncil")
    assert set(councils) == {str(s) for s in graph.subjects(RDF.type, regional_council)}
    for iri, node in councils.items():
        assert iris(node.get("posts")) == subjects(ORG.postIn, URIRef(iri))
        assert iris(node.get("memberships")) == subjects(ORG.organization, URIRef(iri))


@pytest.mark.parametrize("kind", kg_jsonld.FRAME_KINDS)
def test_frames_parse_and_are_part_of_the_graph(exported: Exported, kind: str) -> None:
    data = exported.frames[kind]
    graph = rdflib_graph("jsonld", data)
    assert len(graph) > 0
    assert len(ox_union("jsonld", data)) == len(graph)
    union = exported.union()
    assert all(triple in union for triple in graph)
    assert Graph().parse(data=kg_jsonld.to_nquads(json.loads(data)), format="nquads")


# --------------------------------------------------------------------------------------------
# export() and `kg export`


def test_export_writes_atomically(tmp_path: Path, fixture_export: Exported) -> None:
    out = tmp_path / "out" / "graph.ttl"
    data = export(fixture_export.dataset, "turtle", out)
    assert out.read_bytes() == data == fixture_export.data["turtle"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["graph.ttl"]


def test_write_atomic_under_a_file_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError) as caught:
        write_atomic(blocker / "graph.ttl", b"x")
    assert str(blocker / "graph.ttl") in str(caught.value)
    assert "\n" not in str(caught.value)


kg = partial(run_kg, text=False, timeout=None)
"""Run the installed ``kg`` command; its output as bytes, no time limit."""


def test_kg_export_to_stdout_and_file(tmp_path: Path, fixture_export: Exported) -> None:
    result = kg("export", "--format", "nt", "--data", str(FIXTURE_DATA))
    assert result.returncode == 0, result.stderr
    assert result.stdout == fixture_export.data["nt"]
    out = tmp_path / "organization.jsonld"
    args = ["--format", "jsonld", "--frame", "organization", "--out", str(out)]
    result = kg("export", *args, "--data", str(FIXTURE_DATA))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert out.read_bytes() == fixture_export.frames["organization"]


def test_kg_export_usage_errors() -> None:
    result = kg("export", "--format", "turtle", "--frame", "council")
    assert result.returncode == 2
    assert b"--frame needs --format jsonld" in result.stderr
    result = kg("export", "--format", "rdfxml")
    assert result.returncode == 2


def test_kg_export_load_error(tmp_path: Path) -> None:
    (tmp_path / "bad.trig").write_text("this is { not trig")
    result = kg("export", "--format", "turtle", "--data", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == b""
    assert str(tmp_path / "bad.trig").encode() in result.stderr


def test_canonical_writers_are_exported() -> None:
    assert canonical.nt_term(Literal("x", datatype=XSD.string)) == '"x"'
