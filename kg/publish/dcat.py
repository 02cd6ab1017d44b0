"""The dataset described for portals: a DCAT-AP-NO catalogue and VoID (``dist/catalog.ttl``,
``dist/catalog.jsonld``, ``dist/void.ttl``).

What data.norge.no and data.europa.eu harvest is one ``dcat:Catalog`` with one ``dcat:Dataset``
(this graph), one ``dcat:Distribution`` per export file of ``dist/`` (its download address, IANA
media type, EU file type, byte size and checksum as an ``spdx:Checksum``, the licence) and a
``dcat:DataService`` for the SPARQL endpoint. The dataset node is a ``void:Dataset`` too
(endpoint, dumps, triples, the IRI space, the vocabularies, one subset per source graph) for
linked-data crawlers. The shapes both portals validate with reject references to terms they
cannot type, and their types live in the EU authority tables (not loaded here): the terms used
are described by a small stand-in graph, ``ontology/catalogue/eu-terms.ttl`` (type,
``skos:inScheme``, and ``skos:prefLabel`` where a shape requires one).

Nothing here reads the clock: the dates are the data's (``dct:modified`` the latest day a source
graph was read, unless a release gives its date), so the same input gives the same bytes.
Where the dataset is published and who publishes it is configuration:
:mod:`kg.publish.publishing` (``publishing.toml``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.model import canonical, paths
from kg.model.prefixes import BASE, PREFIXES
from kg.publish.publishing import Publication

DCAT = PREFIXES["dcat"]
DCT = PREFIXES["dct"]
FOAF = PREFIXES["foaf"]
SKOS = PREFIXES["skos"]
VOID = PREFIXES["void"]
OWL = PREFIXES["owl"]
PROV = PREFIXES["prov"]
SG = PREFIXES["sg"]
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

CATALOGUE_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "spdx": SPDX,
    "vcard": VCARD,
    "eudt": EU + "data-theme/",
    "euft": EU + "file-type/",
    "eulic": EU + "licence/",
    "euc": EU + "country/",
    "eular": EU + "language/",
    "euar": EU + "access-right/",
    "iana": IANA,
}
"""The project's prefixes and those of the catalogue's own vocabularies (SPDX, vCard, the EU
authority tables, IANA media types); used for the catalogue's files only."""

CATALOGUE_FILES = ("catalog.ttl", "catalog.jsonld", "catalog-dcat-ap.ttl", "void.ttl")
"""What :func:`render` writes; never distributions of themselves."""

BYTE_SIZE_TYPES = {"dcat-ap-no": XSD.decimal, "dcat-ap": XSD.nonNegativeInteger}
"""The datatype of ``dcat:byteSize`` in each profile. The two official shape sets contradict
each other here (DCAT-AP-NO 2.00: exactly ``xsd:decimal``; DCAT-AP 3.0.1: exactly
``xsd:nonNegativeInteger``; both at most one value, both violations): no literal passes both,
so the catalogue is written twice, identical but for this datatype and the checksum
(:data:`CHECKSUM_ALGORITHMS`) — ``catalog.ttl`` and
``catalog.jsonld`` for data.norge.no (DCAT-AP-NO 2, in force), ``catalog-dcat-ap.ttl`` for
data.europa.eu (DCAT-AP 3.0.1)."""
CHECKSUM_ALGORITHMS = {"dcat-ap-no": "sha1", "dcat-ap": "sha256"}
"""The checksum each profile gives: DCAT-AP-NO 2.00 requires exactly one, SHA-1
(``spdx:checksumAlgorithm_sha1``); DCAT-AP takes SHA-256, as ``SHA256SUMS`` has it."""

CATALOG = URIRef(BASE + "id/catalog/samarbeidsgrafen")
DATASET = URIRef(BASE + "id/dataset/samarbeidsgrafen")
SERVICE = URIRef(BASE + "id/service/sparql")
ONTOLOGY = URIRef(BASE + "ontology")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
THEMES = (EU + "data-theme/GOVE", EU + "data-theme/REGI")
"""EU data themes: Government and public sector; Regions and cities. (LOS themes are
recommended by DCAT-AP-NO too, but no LOS IRI could be confirmed offline: left out.)"""
LICENCE = EU + "licence/CC_BY_4_0"
COUNTRY = EU + "country/NOR"
ACCESS = EU + "access-right/PUBLIC"
LANGUAGES = (EU + "language/NOB", EU + "language/ENG")


@dataclass(frozen=True)
class FileType:
    """How a file of ``dist/`` is described: IANA media type, EU file type, what it holds."""

    media_type: str
    eu_type: str
    title_en: str
    title_nb: str


def file_type(name: str) -> FileType | None:
    """The description of ``dist/`` file ``name``; ``None`` for a file that is no
    distribution (the checksum list, the catalogue itself, the HTML documentation).

    >>> file_type("samarbeidsgrafen.trig").eu_type
    'http://publications.europa.eu/resource/authority/file-type/RDF_TRIG'
    >>> file_type("SHA256SUMS") is None, file_type("docs/index.html") is None
    (True, True)
    """
    path = PurePosixPath(name)
    if name in CATALOGUE_FILES or path.parts[0] == "docs" or "." not in name:
        return None
    stem = path.stem
    kinds = {
        ".ttl": ("text/turtle", "RDF_TURTLE", "Turtle", "Turtle"),
        ".trig": ("application/trig", "RDF_TRIG", "TriG, with the source graphs", "TriG"),
        ".nq": ("application/n-quads", "RDF_N_QUADS", "N-Quads, with the source graphs", "N-Quads"),
        ".nt": ("application/n-triples", "RDF_N_TRIPLES", "N-Triples", "N-Triples"),
        ".jsonld": ("application/ld+json", "JSON_LD", "JSON-LD", "JSON-LD"),
        ".csv": ("text/csv", "CSV", "CSV", "CSV"),
    }
    found = kinds.get(path.suffix)
    if found is None:
        return None
    media, eu, en, nb = found
    what_en, what_nb = _WHAT.get(stem, (stem, stem))
    if path.parts[0] == "frames":
        what_en, what_nb = f"framed view: {stem}", f"innrammet visning: {stem}"
    return FileType(IANA + media, EU + "file-type/" + eu, f"{what_en} ({en})", f"{what_nb} ({nb})")


_WHAT = {
    "samarbeidsgrafen": ("The whole graph", "Hele grafen"),
    "ontology": ("The ontology", "Ontologien"),
    "shapes": ("The SHACL shapes", "SHACL-formene"),
    "context": ("The JSON-LD context", "JSON-LD-konteksten"),
    "crosswalk": ("Identifier crosswalk", "Kryssreferanse for identifikatorer"),
    "municipality-history": ("Municipality numbers since 1971", "Kommunenumre siden 1971"),
}


@dataclass(frozen=True)
class Built:
    """A file already written into ``dist/``: name, size in bytes, SHA-256 and SHA-1 (hex)."""

    name: str
    size: int
    sha256: str
    sha1: str

    @classmethod
    def of(cls, name: str, data: bytes) -> Built:
        return cls(
            name,
            len(data),
            hashlib.sha256(data).hexdigest(),
            hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        )


@dataclass(frozen=True)
class Facts:
    """What the catalogue says that comes from the data: read from the store by
    :func:`facts`."""

    triples: int
    graphs: tuple[tuple[str, int, str], ...]
    """``(source graph IRI, its triples, its source document IRI)``, by IRI."""
    version: str | None
    issued: str | None
    last_read: str | None
    first_day: str | None
    last_day: str | None
    vocabularies: tuple[str, ...]
    sources: tuple[str, ...] = ()
    """The titles of the source documents (one each, the first by language and text)."""


_GRAPHS_QUERY = """
SELECT ?g ?source (MAX(STR(?read)) AS ?lastRead) WHERE {
  GRAPH ?g { ?g a sg:SourceGraph ; prov:wasDerivedFrom ?source .
             OPTIONAL { ?g dct:created|prov:generatedAtTime ?read } }
} GROUP BY ?g ?source ORDER BY ?g
"""
_COUNT_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_DAYS_QUERY = """
SELECT DISTINCT ?day WHERE {
  GRAPH ?g { ?g a sg:SourceGraph }
  GRAPH ?g { ?x time:inXSDDate|time:inXSDgYear|schema:startDate|schema:endDate ?day }
}
"""
_DAY = re.compile(r"(\d{4})(-\d\d-\d\d)?")


def coverage(values: Iterable[object]) -> tuple[str | None, str | None]:
    """The first and last day the dates and years in ``values`` cover (a year from 1 January
    to 31 December); values of other forms are not counted.

    >>> coverage(["1999", "2010-06-01", "2024-12-31", "about then"])
    ('1999-01-01', '2024-12-31')
    """
    days: list[str] = []
    for value in values:
        match = _DAY.fullmatch(str(value))
        if match is None:
            continue
        year, rest = match.groups()
        days.extend([year + rest] if rest else [f"{year}-01-01", f"{year}-12-31"])
    return (min(days), max(days)) if days else (None, None)


_ONTOLOGY_QUERY = """
SELECT ?version ?issued WHERE {
  <https://w3id.org/samarbeidsgrafen/ontology> a owl:Ontology .
  OPTIONAL { <https://w3id.org/samarbeidsgrafen/ontology> owl:versionInfo ?version }
  OPTIONAL { <https://w3id.org/samarbeidsgrafen/ontology> dct:issued ?issued }
}
"""
_SOURCES_QUERY = """
SELECT ?source (MIN(?title) AS ?name) WHERE {
  GRAPH ?g { ?g a sg:SourceGraph ; prov:wasDerivedFrom ?source }
  ?source dct:title ?title .
} GROUP BY ?source ORDER BY ?source
"""
_PREDICATES_QUERY = "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?s ?p ?o } }"


def facts(engine: object) -> Facts:
    """The counts, dates and names the catalogue states, from ``engine`` (an
    :class:`kg.query.engines.OxigraphEngine` whose default graph is the union)."""
    from kg.query.queries import with_prologue

    def rows(text: str) -> list[tuple[object, ...]]:
        result = engine.query(with_prologue(text))  # type: ignore[attr-defined]
        return [tuple(row) for row in result.rows]

    counts = {str(g): int(str(n)) for g, n in rows(_COUNT_QUERY) if g is not None}
    graphs = tuple(
        (str(g), counts.get(str(g), 0), str(source)) for g, source, _ in rows(_GRAPHS_QUERY)
    )
    reads = [str(read) for _, _, read in rows(_GRAPHS_QUERY) if read is not None]
    first, last = coverage(day for (day,) in rows(_DAYS_QUERY))
    found = rows(_ONTOLOGY_QUERY)
    version, issued = found[0] if found else (None, None)
    names = sorted(str(graph) for graph, _, _ in graphs)
    values = " ".join(f"<{name}>" for name in names)  # IRIs the store holds, not user input
    distinct = (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
        f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    triples = int(str(rows(distinct)[0][0])) if names else 0
    used = {str(p) for (p,) in rows(_PREDICATES_QUERY)}
    vocabularies = tuple(
        sorted(
            {
                iri
                for prefix, iri in PREFIXES.items()
                if prefix not in ("sgid", "sgv", "sgsh") and any(p.startswith(iri) for p in used)
            }
        )
    )
    return Facts(
        triples=triples,
        graphs=graphs,
        version=None if version is None else str(version),
        issued=None if issued is None else str(issued),
        last_read=max(reads) if reads else None,
        first_day=None if first is None else str(first),
        last_day=None if last is None else str(last),
        vocabularies=vocabularies,
        sources=tuple(str(name) for _, name in rows(_SOURCES_QUERY) if name is not None),
    )


class _Writer:
    """Triples of the catalogue, added with short helpers."""

    def __init__(self) -> None:
        self.graph = Graph(bind_namespaces="none")

    def add(self, subject: URIRef | BNode, predicate: str, value: object) -> None:
        term = value if isinstance(value, URIRef | BNode | Literal) else Literal(value)
        self.graph.add((subject, URIRef(predicate), term))

    def iri(self, subject: URIRef | BNode, predicate: str, iri: str) -> None:
        self.graph.add((subject, URIRef(predicate), URIRef(iri)))

    def texts(self, subject: URIRef | BNode, predicate: str, nb: str, en: str) -> None:
        self.graph.add((subject, URIRef(predicate), Literal(nb, lang="nb")))
        self.graph.add((subject, URIRef(predicate), Literal(en, lang="en")))

    def day(self, subject: URIRef | BNode, predicate: str, day: str) -> None:
        self.graph.add((subject, URIRef(predicate), Literal(day, datatype=XSD.date)))

    def typed(self, subject: URIRef | BNode, *types: str) -> None:
        for kind in types:
            self.graph.add((subject, RDF.type, URIRef(kind)))


def _node(kind: str, name: str) -> URIRef:
    return URIRef(f"{BASE}id/{kind}/{name}")


def _slug(name: str) -> str:
    return name.replace("/", "--").replace(".", "-")


def catalogue_graph(
    files: Iterable[Built], facts_: Facts, publication: Publication, profile: str = "dcat-ap-no"
) -> tuple[Graph, Graph]:
    """The catalogue (DCAT-AP-NO, or DCAT-AP with ``profile="dcat-ap"``: see
    :data:`BYTE_SIZE_TYPES`; with the VoID statements on the dataset node) and the VoID
    description alone, as two graphs."""
    size_type = BYTE_SIZE_TYPES[profile]
    w = _Writer()
    pub = publication
    modified = pub.modified or facts_.last_read
    issued = pub.issued or facts_.issued
    version = pub.version or facts_.version

    # The publisher and the contact point.
    publisher = URIRef(pub.publisher_iri)
    w.typed(publisher, FOAF + "Agent")
    w.add(publisher, FOAF + "name", Literal(pub.publisher_name, lang="nb"))
    if pub.publisher_orgnr:
        w.add(publisher, DCT + "identifier", pub.publisher_orgnr)
    contact = _node("contact", "samarbeidsgrafen")
    w.typed(contact, VCARD + "Organization", VCARD + "Kind")
    w.add(contact, VCARD + "fn", pub.contact_name)
    if pub.contact_email:
        w.iri(contact, VCARD + "hasEmail", "mailto:" + pub.contact_email)
    w.iri(contact, VCARD + "hasURL", pub.homepage)

    # The catalogue.
    w.typed(CATALOG, DCAT + "Catalog")
    w.texts(CATALOG, DCT + "title", "Samarbeidsgrafen", "samarbeidsgrafen")
    w.texts(
        CATALOG,
        DCT + "description",
        "Katalog over samarbeidsgrafen: et åpent kunnskapsgrafdatasett om interkommunalt "
        "samarbeid i Norge, med distribusjoner og SPARQL-endepunkt.",
        "Catalogue of samarbeidsgrafen: an open knowledge-graph dataset of inter-municipal "
        "cooperation in Norway, with its distributions and SPARQL endpoint.",
    )
    w.add(CATALOG, DCT + "identifier", str(CATALOG))
    w.iri(CATALOG, DCT + "publisher", publisher)
    w.iri(CATALOG, DCAT + "contactPoint", contact)
    w.iri(CATALOG, FOAF + "homepage", pub.homepage)
    w.typed(URIRef(pub.homepage), FOAF + "Document")
    w.iri(CATALOG, DCT + "license", LICENCE)
    for language in LANGUAGES:
        w.iri(CATALOG, DCT + "language", language)
    w.iri(CATALOG, DCAT + "themeTaxonomy", EU + "data-theme")
    w.iri(CATALOG, DCAT + "dataset", DATASET)
    w.iri(CATALOG, DCAT + "service", SERVICE)
    w.iri(CATALOG, DCT + "spatial", COUNTRY)
    if issued:
        w.day(CATALOG, DCT + "issued", issued)
    if modified:
        w.day(CATALOG, DCT + "modified", modified)

    # The dataset.
    w.typed(DATASET, DCAT + "Dataset", VOID + "Dataset")
    w.texts(
        DATASET,
        DCT + "title",
        "Samarbeidsgrafen: interkommunalt samarbeid i Norge",
        "samarbeidsgrafen: inter-municipal cooperation in Norway",
    )
    sources = "; ".join(facts_.sources)
    w.texts(
        DATASET,
        DCT + "description",
        "Kunnskapsgraf over interkommunalt samarbeid i Norge: kommuner, samarbeid, selskaper og "
        "deres identifikatorer, med kilde og tid på hvert utsagn. Kilder: " + sources + ".",
        "Knowledge graph of inter-municipal cooperation in Norway: municipalities, cooperation "
        "arrangements, companies and their identifiers, with a source and a time on every "
        "statement. Sources: " + sources + ".",
    )
    w.add(DATASET, DCT + "identifier", str(DATASET))
    w.iri(DATASET, DCT + "publisher", publisher)
    w.iri(DATASET, DCAT + "contactPoint", contact)
    for theme in THEMES:
        w.iri(DATASET, DCAT + "theme", theme)
    for nb, en in (
        ("interkommunalt samarbeid", "inter-municipal cooperation"),
        ("kommuner", "municipalities"),
        ("kommunenummer", "municipality numbers"),
        ("interkommunale selskaper", "inter-municipal companies"),
    ):
        w.texts(DATASET, DCAT + "keyword", nb, en)
    w.iri(DATASET, DCT + "spatial", COUNTRY)
    if facts_.first_day or facts_.last_day:
        period = _node("period", "samarbeidsgrafen-coverage")
        w.typed(period, DCT + "PeriodOfTime")
        if facts_.first_day:
            w.day(period, DCAT + "startDate", facts_.first_day)
        if facts_.last_day:
            w.day(period, DCAT + "endDate", facts_.last_day)
        w.iri(DATASET, DCT + "temporal", period)
    w.iri(DATASET, DCT + "accessRights", ACCESS)
    w.iri(DATASET, DCT + "conformsTo", ONTOLOGY)
    w.iri(DATASET, DCAT + "landingPage", pub.homepage)
    for language in LANGUAGES:
        w.iri(DATASET, DCT + "language", language)
    if issued:
        w.day(DATASET, DCT + "issued", issued)
    if modified:
        w.day(DATASET, DCT + "modified", modified)
    if version:
        w.add(DATASET, DCAT + "version", version)
        w.add(DATASET, OWL + "versionInfo", version)
    ontology = ONTOLOGY
    w.typed(ontology, DCT + "Standard")
    w.texts(ontology, DCT + "title", "Samarbeidsgrafen-ontologien", "The samarbeidsgrafen ontology")

    # One distribution per export file.
    dumps: list[str] = []
    for built in sorted(files, key=lambda b: b.name):
        kind = file_type(built.name)
        if kind is None:
            continue
        url = pub.download_url(built.name)
        distribution = _node("distribution", _slug(built.name))
        w.typed(distribution, DCAT + "Distribution")
        w.iri(DATASET, DCAT + "distribution", distribution)
        w.texts(distribution, DCT + "title", kind.title_nb, kind.title_en)
        w.iri(distribution, DCAT + "accessURL", url)
        w.iri(distribution, DCAT + "downloadURL", url)
        w.iri(distribution, DCAT + "mediaType", kind.media_type)
        w.typed(URIRef(kind.media_type), DCT + "MediaType", DCT + "MediaTypeOrExtent")
        w.iri(distribution, DCT + "format", kind.eu_type)
        w.iri(distribution, DCT + "license", LICENCE)
        w.add(distribution, DCAT + "byteSize", Literal(str(built.size), datatype=size_type))
        checksum = _node("checksum", _slug(built.name))
        w.typed(checksum, SPDX + "Checksum")
        algorithm = CHECKSUM_ALGORITHMS[profile]
        w.iri(checksum, SPDX + "algorithm", SPDX + f"checksumAlgorithm_{algorithm}")
        value = getattr(built, algorithm)
        w.add(checksum, SPDX + "checksumValue", Literal(value, datatype=XSD.hexBinary))
        w.iri(distribution, SPDX + "checksum", checksum)
        if built.name.startswith("samarbeidsgrafen."):
            dumps.append(url)

    # The endpoint.
    w.typed(SERVICE, DCAT + "DataService")
    w.texts(
        SERVICE,
        DCT + "title",
        "SPARQL-endepunkt for samarbeidsgrafen",
        "samarbeidsgrafen SPARQL endpoint",
    )
    w.texts(
        SERVICE,
        DCT + "description",
        "SPARQL 1.1-endepunkt (bare lesing) over hele grafen; standardgrafen er unionen av "
        "kildegrafene.",
        "Read-only SPARQL 1.1 endpoint over the whole graph; the default graph is the union of "
        "the source graphs.",
    )
    w.add(SERVICE, DCT + "identifier", str(SERVICE))
    w.iri(SERVICE, DCAT + "endpointURL", pub.endpoint_url)
    w.iri(SERVICE, DCAT + "servesDataset", DATASET)
    w.iri(SERVICE, DCT + "publisher", publisher)
    w.iri(SERVICE, DCAT + "contactPoint", contact)
    w.iri(SERVICE, DCT + "license", LICENCE)
    w.iri(SERVICE, DCT + "conformsTo", SPARQL_PROTOCOL)
    w.typed(SPARQL_PROTOCOL, DCT + "Standard")
    w.add(SPARQL_PROTOCOL, DCT + "title", Literal("SPARQL 1.1 Protocol", lang="en"))

    # VoID, on the same dataset node.
    v = _Writer()
    v.typed(DATASET, VOID + "Dataset")
    v.iri(DATASET, VOID + "sparqlEndpoint", pub.endpoint_url)
    for url in sorted(dumps):
        v.iri(DATASET, VOID + "dataDump", url)
    v.add(DATASET, VOID + "triples", Literal(facts_.triples, datatype=XSD.integer))
    v.add(DATASET, VOID + "uriSpace", BASE + "id/")
    v.add(DATASET, VOID + "uriRegexPattern", "^" + BASE.replace(".", "\\.") + "(id|vocab)/")
    for vocabulary in facts_.vocabularies:
        v.iri(DATASET, VOID + "vocabulary", vocabulary)
    for graph, count, source in facts_.graphs:
        subset = URIRef(graph)
        v.typed(subset, VOID + "Dataset")
        v.iri(DATASET, VOID + "subset", subset)
        v.add(subset, VOID + "triples", Literal(count, datatype=XSD.integer))
        v.iri(subset, PROV + "wasDerivedFrom", source)
    w.graph += v.graph
    w.graph += eu_terms()
    return w.graph, v.graph


def eu_terms() -> Graph:
    """The stand-ins for the EU authority-table terms the catalogue uses
    (``ontology/catalogue/eu-terms.ttl``)."""
    graph = Graph(bind_namespaces="none")
    graph.parse(paths.ONTOLOGY_DIR / "catalogue" / "eu-terms.ttl", format="turtle")
    return graph


def _json_value(term: object, prefixes: Mapping[str, str]) -> dict[str, object]:
    if isinstance(term, URIRef):
        return {"@id": _compact(str(term), prefixes)}
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    assert isinstance(term, Literal)
    if term.language:
        return {"@value": str(term), "@language": term.language}
    if term.datatype is not None and str(term.datatype) != str(XSD.string):
        return {"@value": str(term), "@type": _compact(str(term.datatype), prefixes)}
    return {"@value": str(term)}


def _compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """A prefixed name for ``iri`` when one prefix covers it with a simple local part."""
    best = ""
    for prefix, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and all(c.isalnum() or c in "_-" for c in local):
            if len(namespace) > len(prefixes.get(best, "")):
                best = prefix
    return f"{best}:{iri[len(prefixes[best]) :]}" if best else iri


def jsonld(graph: Graph) -> bytes:
    """Compact JSON-LD of ``graph``: one node object per subject (sorted by IRI), properties
    and values sorted, a context of the prefixes used; deterministic bytes."""
    used = {
        prefix: namespace
        for prefix, namespace in CATALOGUE_PREFIXES.items()
        if prefix not in ("sgid", "sgv", "wd")
        and any(str(t).startswith(namespace) for triple in graph for t in triple)
    }
    nodes: dict[str, dict[str, list[dict[str, object]]]] = {}
    types: dict[str, set[str]] = {}
    for s, p, o in graph:
        key = str(s) if isinstance(s, URIRef) else f"_:{s}"
        if p == RDF.type:
            types.setdefault(key, set()).add(_compact(str(o), used))
            nodes.setdefault(key, {})
            continue
        values = nodes.setdefault(key, {}).setdefault(_compact(str(p), used), [])
        values.append(_json_value(o, used))
    out = []
    for key in sorted(nodes):
        node: dict[str, object] = {"@id": _compact(key, used) if not key.startswith("_:") else key}
        if key in types:
            node["@type"] = sorted(types[key])
        for prop in sorted(nodes[key]):
            node[prop] = sorted(
                nodes[key][prop], key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)
            )
        out.append(node)
    document = {"@context": dict(sorted(used.items())), "@graph": out}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def turtle(graph: Graph) -> bytes:
    """Canonical Turtle of ``graph`` with the catalogue's prefixes."""
    triples = [(s, p, o) for s, p, o in graph]
    return canonical.turtle(triples, CATALOGUE_PREFIXES).encode("utf-8")  # type: ignore[arg-type]


def render(files: Iterable[Built], facts_: Facts, publication: Publication) -> dict[str, bytes]:
    """``catalog.ttl``, ``catalog.jsonld``, ``catalog-dcat-ap.ttl`` and ``void.ttl`` for the
    files written so far."""
    files = list(files)
    catalogue, void = catalogue_graph(files, facts_, publication)
    european, _ = catalogue_graph(files, facts_, publication, "dcat-ap")
    return {
        "catalog.ttl": turtle(catalogue),
        "catalog.jsonld": jsonld(catalogue),
        "catalog-dcat-ap.ttl": turtle(european),
        "void.ttl": turtle(void),
    }


__all__ = [
    "CATALOG",
    "CATALOGUE_FILES",
    "CATALOGUE_PREFIXES",
    "DATASET",
    "SERVICE",
    "Built",
    "Facts",
    "FileType",
    "catalogue_graph",
    "eu_terms",
    "facts",
    "file_type",
    "jsonld",
    "render",
    "turtle",
]
