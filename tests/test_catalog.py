"""The catalogue for portals (dist/catalog.ttl, catalog.jsonld, catalog-dcat-ap.ttl, void.ttl):
the official DCAT-AP-NO 2.00 and DCAT-AP 3.0.1 shapes, offline; every byte size and checksum
against its file; one distribution per export file; the deployer's settings."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD
from support import PROJECT_ROOT, SEED_FILES, run_kg

from kg.model import paths
from kg.publish import dcat
from kg.publish.build import build
from kg.publish.publishing import Publication, PublishingError, load, parse

STANDARDS = PROJECT_ROOT.parent / "shared" / "reference" / "standards"
DCAT_AP_NO = STANDARDS / "dcat-ap-no" / "DCAT-AP-NO-shacl_shapes_2.00.ttl"
DCAT_AP_3 = (
    STANDARDS / "semic-dcat-ap" / "3.0.1" / "html-shacl" / "shapes.ttl",
    STANDARDS / "semic-dcat-ap" / "3.0.1" / "html-shacl" / "range.ttl",
)
SPDX = "http://spdx.org/rdf/terms#"
EXPORTS = {
    "context.jsonld",
    "crosswalk.csv",
    "frames/collaboration.jsonld",
    "frames/council.jsonld",
    "frames/organization.jsonld",
    "municipality-history.csv",
    "ontology.ttl",
    "samarbeidsgrafen.jsonld",
    "samarbeidsgrafen.nq",
    "samarbeidsgrafen.nt",
    "samarbeidsgrafen.trig",
    "samarbeidsgrafen.ttl",
    "shapes.ttl",
}
"""The files of dist/ that are distributions (not the checksums, the catalogue, the docs)."""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalogue") / "dist"
    build(paths.DATA_DIR, out, publication=Publication())
    return out


def _shapes(*files: Path) -> Graph:
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        pytest.skip(f"the official shapes are not here ({', '.join(missing)}): ../shared is absent")
    graph = Graph()
    for file in files:
        graph.parse(file, format="turtle")
    return graph


def _report(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _, text = validate(
        data, shacl_graph=shapes, inference="none", do_owl_imports=False, allow_warnings=True
    )
    return bool(conforms), str(text)


def _catalogue(dist: Path, name: str = "catalog.ttl") -> Graph:
    return Graph().parse(dist / name, format="json-ld" if name.endswith(".jsonld") else "turtle")


@pytest.mark.parametrize("name", ["catalog.ttl", "catalog.jsonld"])
def test_the_catalogue_conforms_to_dcat_ap_no_2(dist: Path, name: str) -> None:
    conforms, text = _report(_catalogue(dist, name), _shapes(DCAT_AP_NO))
    assert conforms, text


def test_the_european_catalogue_conforms_to_dcat_ap_3(dist: Path) -> None:
    conforms, text = _report(_catalogue(dist, "catalog-dcat-ap.ttl"), _shapes(*DCAT_AP_3))
    assert conforms, text


def test_the_two_profiles_differ_in_the_byte_size_datatype_and_the_checksum_alone(
    dist: Path,
) -> None:
    """The official shapes contradict each other on dcat:byteSize (xsd:decimal in DCAT-AP-NO
    2.00, xsd:nonNegativeInteger in DCAT-AP 3.0.1) and DCAT-AP-NO requires SHA-1: everything
    else is the same graph."""
    norwegian, european = _catalogue(dist), _catalogue(dist, "catalog-dcat-ap.ttl")

    def without_sizes_and_checksums(graph: Graph) -> Graph:
        kept = Graph()
        for s, p, o in graph:
            if p == DCAT.byteSize or str(p).startswith(SPDX) or str(o).startswith(SPDX):
                continue
            kept.add((s, p, o))
        return kept

    assert isomorphic(without_sizes_and_checksums(norwegian), without_sizes_and_checksums(european))
    assert {o.datatype for o in norwegian.objects(None, DCAT.byteSize)} == {XSD.decimal}
    assert {o.datatype for o in european.objects(None, DCAT.byteSize)} == {XSD.nonNegativeInteger}
    # The Norwegian catalogue breaks DCAT-AP 3.0.1 on the byte sizes' datatype and nowhere else.
    conforms, text = _report(norwegian, _shapes(*DCAT_AP_3))
    assert not conforms
    messages = {line.strip() for line in text.splitlines() if line.strip().startswith("Message:")}
    assert messages == {"Message: Value is not Literal with datatype xsd:nonNegativeInteger"}


def test_one_distribution_per_export_file(dist: Path) -> None:
    graph = _catalogue(dist)
    dataset = URIRef(dcat.DATASET)
    urls = {
        str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(dataset, DCAT.distribution)
    }
    assert urls == {f"https://w3id.org/samarbeidsgrafen/dist/{name}" for name in EXPORTS}
    on_disk = {
        p.relative_to(dist).as_posix()
        for p in dist.rglob("*")
        if p.is_file() and not p.relative_to(dist).as_posix().startswith("docs/")
    }
    assert on_disk - EXPORTS == {"SHA256SUMS", *dcat.CATALOGUE_FILES}


@pytest.mark.parametrize(
    ("name", "algorithm"), [("catalog.ttl", "sha1"), ("catalog-dcat-ap.ttl", "sha256")]
)
def test_every_byte_size_and_checksum_matches_its_file(
    dist: Path, name: str, algorithm: str
) -> None:
    graph = _catalogue(dist, name)
    checked = set()
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        url = str(graph.value(distribution, DCAT.downloadURL))
        file = dist / url.removeprefix("https://w3id.org/samarbeidsgrafen/dist/")
        data = file.read_bytes()
        assert int(graph.value(distribution, DCAT.byteSize)) == len(data)
        checksum = graph.value(distribution, URIRef(SPDX + "checksum"))
        assert graph.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(
            f"{SPDX}checksumAlgorithm_{algorithm}"
        )
        value = graph.value(checksum, URIRef(SPDX + "checksumValue"))
        assert value == Literal(hashlib.new(algorithm, data).hexdigest(), datatype=XSD.hexBinary)
        checked.add(file.relative_to(dist).as_posix())
    assert checked == EXPORTS


def test_the_jsonld_holds_the_turtle_graph(dist: Path) -> None:
    assert isomorphic(_catalogue(dist), _catalogue(dist, "catalog.jsonld"))


def test_only_absolute_iris(dist: Path) -> None:
    for name in dcat.CATALOGUE_FILES:
        graph = _catalogue(dist, name)
        for triple in graph:
            for term in triple:
                if isinstance(term, URIRef):
                    assert str(term).startswith(("http://", "https://", "mailto:")), (name, term)


def test_void_counts_the_source_graphs(dist: Path) -> None:
    void = _catalogue(dist, "void.ttl")
    ns = "http://rdfs.org/ns/void#"
    dataset = URIRef(dcat.DATASET)
    subsets = set(void.objects(dataset, URIRef(ns + "subset")))
    assert subsets == {
        URIRef("https://w3id.org/samarbeidsgrafen/id/graph/oyer-regionalt-samarbeid-2010"),
        URIRef("https://w3id.org/samarbeidsgrafen/id/graph/registry-facts"),
    }
    union = Graph()
    from rdflib import Dataset

    quads = Dataset()
    quads.parse(dist / "samarbeidsgrafen.trig", format="trig")
    for subset in subsets:
        count = len(quads.graph(subset))
        assert void.value(subset, URIRef(ns + "triples")) == Literal(count)
        union += quads.graph(subset)
    assert void.value(dataset, URIRef(ns + "triples")) == Literal(len(union))
    assert void.value(dataset, URIRef(ns + "sparqlEndpoint")) == URIRef(
        "https://w3id.org/samarbeidsgrafen/sparql"
    )


def test_dates_and_version_come_from_the_data(dist: Path) -> None:
    graph = _catalogue(dist)
    dataset = URIRef(dcat.DATASET)
    # The seed's graphs were read on 2026-11-29; the ontology was issued then.
    assert graph.value(dataset, DCTERMS.modified) == Literal("2026-11-29", datatype=XSD.date)
    assert graph.value(dataset, DCTERMS.issued) == Literal("2026-11-29", datatype=XSD.date)
    import kg

    assert graph.value(dataset, URIRef(str(DCAT) + "version")) == Literal(kg.__version__)
    period = graph.value(dataset, DCTERMS.temporal)
    # The seed's earliest statement: "nearly twenty years" before 2010, about 1990; its latest
    # date: Øyer's number 3440 from 2020-01-01.
    assert graph.value(period, DCAT.startDate) == Literal("1990-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2020-01-01", datatype=XSD.date)


def test_a_deployer_sets_its_organisation_and_addresses(tmp_path: Path) -> None:
    settings = tmp_path / "publishing.toml"
    settings.write_text(
        '[dataset]\nbase_url = "https://data.example.no/samarbeid/"\n'
        '[publisher]\norgnr = "961381185"\nname = "Øyer kommune"\n'
        '[contact]\nemail = "post@example.no"\n',
        encoding="utf-8",
    )
    publication = load(settings)
    out = tmp_path / "dist"
    build(paths.DATA_DIR, out, publication=publication)
    graph = _catalogue(out)
    publisher = URIRef(
        "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/961381185"
    )
    assert graph.value(URIRef(dcat.DATASET), DCTERMS.publisher) == publisher
    assert graph.value(publisher, DCTERMS.identifier) == Literal("961381185")
    assert str(graph.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))) == "Øyer kommune"
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert "https://data.example.no/samarbeid/samarbeidsgrafen.ttl" in urls
    conforms, text = _report(graph, _shapes(DCAT_AP_NO))
    assert conforms, text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[publisher]\norgnr = "961381186"\nname = "X"\n',
            "{f}: publisher.orgnr = '961381186' is not an organisation number (nine digits, the "
            "last the modulus-11 check digit): copy it from Enhetsregisteret",
        ),
        (
            '[publisher]\norgnr = "961381185"\n',
            "{f}: publisher.orgnr is set but publisher.name is not (give the organisation's name "
            "as registered)",
        ),
        (
            '[dataset]\nbase_url = "dist/"\n',
            "{f}: dataset.base_url = 'dist/' is not an absolute http(s) URL (write it whole, e.g. "
            "https://example.org/dist/)",
        ),
        (
            '[dataset]\nbase_url = "https://example.org/dist"\n',
            "{f}: dataset.base_url = 'https://example.org/dist' must end with / (file names "
            "follow it)",
        ),
        (
            '[dataset]\nissued = "2026-13-01"\n',
            "{f}: dataset.issued = '2026-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            '[dataset]\nbaseurl = "https://example.org/"\n',
            "{f}: unknown key dataset.baseurl (known in [dataset]: base_url, release_url, "
            "endpoint_url, homepage, issued)",
        ),
        (
            '[owner]\nname = "X"\n',
            "{f}: unknown table [owner] (known: [dataset], [publisher], [contact])",
        ),
    ],
)
def test_bad_settings_are_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    settings = tmp_path / "publishing.toml"
    settings.write_text(text, encoding="utf-8")
    with pytest.raises(PublishingError) as error:
        parse(text, settings)
    assert str(error.value) == message.format(f=settings)


def test_kg_build_refuses_bad_settings_before_building(tmp_path: Path) -> None:
    root = tmp_path / "project"
    for folder in ("ontology", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    (root / "data").mkdir()
    for path in SEED_FILES:
        shutil.copy(path, root / "data" / path.name)
    (root / "publishing.toml").write_text('[publisher]\norgnr = "123"\nname = "X"\n')
    out = tmp_path / "dist"
    done = run_kg("build", "--out", str(out), root=root)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"kg: error: {root / 'publishing.toml'}: publisher.orgnr = '123' is not an organisation "
        "number (nine digits, the last the modulus-11 check digit): copy it from "
        "Enhetsregisteret\n"
    )
    assert not out.exists()


def test_the_committed_settings_are_the_defaults() -> None:
    assert load(PROJECT_ROOT / "publishing.toml") == Publication()
