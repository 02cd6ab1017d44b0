"""What every importer shares: the source it reads, the graph it writes, its report, and the
municipalities of the graph it links to.

An importer reads files in a registry's own format and writes one named graph per source
(``data/<slug>.trig``, graph ``graph:<slug>``), described with PROV: publisher, the files read
(name, size, SHA-256), the date the source speaks for (``sg:asOf``), when it was read, licence.
It links to the things already in the graph (the municipalities of SSB KLASS, the IKS of the
registry facts) by their identifiers and names *on a date* (:class:`Municipalities`), and reports
what it could not link (:class:`Report`): nothing is dropped silently and nothing is guessed.

>>> orgnr_valid("961381185"), orgnr_valid("961381186")
(True, False)
>>> slug("Nord-Aurdal (Innlandet)")
'nord-aurdal-innlandet'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.errors import LoadError
from kg.model import canonical
from kg.model.namespaces import ADMS, DCAT, DCTERMS, FOAF, ID, PREFIXES, PROV, SG, SKOS, TIME, VOCAB
from kg.publish.export import write_atomic

SPDX = Namespace("http://spdx.org/rdf/terms#")

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]

IDENTIFIER_TYPE = VOCAB["identifier-type/"]
KOMMUNENUMMER = URIRef(IDENTIFIER_TYPE + "kommunenummer")
FYLKESNUMMER = URIRef(IDENTIFIER_TYPE + "fylkesnummer")
ORGNR = URIRef(IDENTIFIER_TYPE + "organisasjonsnummer")

CC_BY_4 = URIRef("http://creativecommons.org/licenses/by/4.0/")
NLOD_2 = URIRef("http://data.norge.no/nlod/no/2.0")

SSB = ID["organization/statistisk-sentralbyra"]
BRREG = ID["organization/bronnoysundregistrene"]
BUFDIR = ID["organization/bufdir"]
KARTVERKET = ID["organization/kartverket"]


# --------------------------------------------------------------------------------------------
# Values


def orgnr_valid(number: str) -> bool:
    """Whether ``number`` is nine digits whose last is the modulus-11 check digit of the first
    eight (weights 3 2 7 6 5 4 3 2), as Brønnøysundregistrene assigns them."""
    if len(number) != 9 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[8])


def slug(text: str) -> str:
    """A lower-case ASCII slug: letters and digits, words joined by ``-`` (æ→ae, ø→o, å→a)."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def name_key(name: str) -> str:
    """A name as compared across registries: case, spacing and accents on Latin letters aside.

    >>> name_key("  NORD-AURDAL ") == name_key("Nord-Aurdal")
    True
    """
    return " ".join(name.casefold().split())


def day_before(day: str) -> str:
    """The day before an ISO date (KLASS's ``validTo`` is the first day *not* valid)."""
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def utf8_text(path: Path, data: bytes, hint: str) -> str:
    """``data`` (the bytes of ``path``) as UTF-8 text, a byte-order mark left out; refused with
    the line of the first byte that is not UTF-8 and what to do (``hint``)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            str(path),
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            line=data[: exc.start].count(b"\n") + 1,
            hint=hint,
        ) from None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# The graph an importer writes


@dataclass
class GraphBuilder:
    """The triples of one source graph, with helpers for the project's patterns."""

    slug: str
    triples: set[Triple] = field(default_factory=set)

    @property
    def iri(self) -> URIRef:
        return ID[f"graph/{self.slug}"]

    @property
    def source(self) -> URIRef:
        return ID[f"source/{self.slug}"]

    def add(self, s: URIRef | BNode, p: URIRef, o: URIRef | BNode | Literal) -> None:
        self.triples.add((s, p, o))

    def instant(self, day: str, approximate: bool = False) -> URIRef:
        """``t:DAY`` (``time:inXSDDate``); an approximate one (``sg:approximate``: the day by
        which it had begun at the latest, not its exact day) has an IRI of its own."""
        iri = ID[f"instant/{day}" + ("--at-latest" if approximate else "")]
        self.add(iri, RDF.type, TIME.Instant)
        self.add(iri, TIME.inXSDDate, Literal(day, datatype=XSD.date))
        if approximate:
            self.add(iri, SG.approximate, Literal(True))
            self.add(
                iri,
                RDFS.comment,
                Literal(
                    f"Senest {day}: den første dagen kilden dekker; det kan ha begynt før.",
                    lang="nb",
                ),
            )
            self.add(
                iri,
                RDFS.comment,
                Literal(
                    f"By {day} at the latest: the first day the source covers;"
                    " it may have begun earlier.",
                    lang="en",
                ),
            )
        return iri

    def interval(
        self,
        iri: URIRef,
        begins: str | None,
        ends: str | None,
        begins_approximate: bool = False,
    ) -> URIRef:
        """A ``time:Interval`` with its first and last day (either may be unknown: left out)."""
        self.add(iri, RDF.type, TIME.Interval)
        if begins is not None:
            self.add(iri, TIME.hasBeginning, self.instant(begins, begins_approximate))
        if ends is not None:
            self.add(iri, TIME.hasEnd, self.instant(ends))
        return iri

    def identifier(
        self,
        kind: str,
        notation: str,
        agency: str,
        type_: URIRef,
        period: tuple[str | None, str | None, bool] | None = None,
    ) -> URIRef:
        """``id:{kind}-{notation}`` (``adms:Identifier``) with its scheme and, if given, its
        period ``(first day, last day, first day approximate)`` as ``iv:{kind}-{notation}``."""
        iri = ID[f"identifier/{kind}-{notation}"]
        self.add(iri, RDF.type, ADMS.Identifier)
        self.add(iri, SKOS.notation, Literal(notation))
        self.add(iri, DCTERMS.type, type_)
        self.add(iri, ADMS.schemeAgency, Literal(agency))
        if period is not None:
            begins, ends, approximate = period
            interval = self.interval(ID[f"interval/{kind}-{notation}"], begins, ends, approximate)
            self.add(iri, DCTERMS.temporal, interval)
        return iri

    def describe_source(self, source: SourceInfo) -> None:
        """The source graph and its source document, with PROV, in the graph itself."""
        g, doc = self.iri, self.source
        self.add(g, RDF.type, SG.SourceGraph)
        self.add(g, PROV.wasDerivedFrom, doc)
        self.add(g, RDFS.label, Literal(source.title_en, lang="en"))
        self.add(g, RDFS.label, Literal(source.title_nb, lang="nb"))
        self.add(g, PROV.generatedAtTime, Literal(source.read_on, datatype=XSD.date))
        self.add(g, DCTERMS.created, Literal(source.read_on, datatype=XSD.date))
        self.add(doc, RDF.type, SG.SourceDocument)
        self.add(doc, RDF.type, PROV.Entity)
        self.add(doc, DCTERMS.title, Literal(source.title_nb, lang="nb"))
        self.add(doc, DCTERMS.title, Literal(source.title_en, lang="en"))
        self.add(doc, DCTERMS.publisher, source.publisher)
        self.add(source.publisher, FOAF.name, Literal(source.publisher_name, lang="nb"))
        self.add(doc, DCTERMS.license, source.licence)
        self.add(doc, SG.asOf, _as_of_literal(source.as_of))
        if source.url:
            self.add(doc, FOAF.page, URIRef(source.url))
        if source.description:
            self.add(doc, DCTERMS.description, Literal(source.description, lang="en"))
        self.add(doc, DCTERMS.language, Literal(source.language))
        for path in source.files:
            part = ID[f"source/{self.slug}/{slug(path.name)}"]
            self.add(doc, DCTERMS.hasPart, part)
            self.add(part, RDF.type, PROV.Entity)
            self.add(part, DCTERMS.identifier, Literal(path.name))
            self.add(
                part, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)
            )
            checksum = BNode(f"sha256-{self.slug}-{slug(path.name)}")
            self.add(part, SPDX.checksum, checksum)
            self.add(checksum, RDF.type, SPDX.Checksum)
            self.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
            self.add(checksum, SPDX.checksumValue, Literal(sha256(path), datatype=XSD.hexBinary))

    def quads(self) -> list[canonical.Quad]:
        return canonical.canonical_quads((s, p, o, self.iri) for s, p, o in self.triples)

    def trig(self) -> bytes:
        return canonical.trig(self.quads(), PREFIXES).encode("utf-8")

    def write(self, folder: Path) -> Path:
        """Write ``folder/<slug>.trig`` atomically; returns its path."""
        path = folder / f"{self.slug}.trig"
        write_atomic(path, self.trig())
        return path


def _as_of_literal(as_of: str) -> Literal:
    if re.fullmatch(r"\d{4}", as_of):
        return Literal(as_of, datatype=XSD.gYear)
    return Literal(as_of, datatype=XSD.date)


@dataclass(frozen=True)
class SourceInfo:
    """A source as PROV describes it: who published it, which files were read, the date it
    speaks for (a day or a year), when it was read, under which licence."""

    title_nb: str
    title_en: str
    publisher: URIRef
    publisher_name: str
    licence: URIRef
    as_of: str
    read_on: str
    files: tuple[Path, ...]
    url: str = ""
    description: str = ""
    language: str = "nb"
    """The language the source is written in."""


# --------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Finding:
    """One thing an importer could not take as it stands: a defect of the source, a name or
    number it could not link, a row it skipped; with what it did about it."""

    path: str
    line: int | None
    kind: str  # "defect", "unmatched", "ambiguous", "skipped"
    message: str
    action: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.kind}: {self.message}; {self.action}"


@dataclass
class Report:
    """What an importer added and what it found."""

    source: str
    slug: str
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def find(
        self, path: str | Path, line: int | None, kind: str, message: str, action: str
    ) -> None:
        self.findings.append(Finding(str(Path(path).name), line, kind, message, action))

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def lines(self) -> list[str]:
        added = ", ".join(f"{n} {what}" for what, n in self.counts.items())
        head = f"{self.source}: {added}" if added else f"{self.source}: nothing added"
        tail = f"{len(self.findings)} finding(s)" if self.findings else "no findings"
        return [head + f"; {tail}", *(f"  {f}" for f in self.findings)]


# --------------------------------------------------------------------------------------------
# The municipalities of the graph, to link to


@dataclass(frozen=True)
class Period:
    """The days ``first``..``last`` (ISO dates; ``None`` when the source gives no bound)."""

    first: str | None
    last: str | None

    def covers(self, day: str) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


Held = tuple[URIRef, Period]
"""A thing and the period it held a number or a name."""


@dataclass
class Municipalities:
    """Municipalities (and county municipalities) of the graph by number, name and organisation
    number, each with its period, to resolve a registry's reference *as of a day*."""

    numbers: dict[str, list[tuple[URIRef, Period]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    names: dict[str, list[tuple[URIRef, Period]]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[URIRef, list[tuple[str, Period]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    orgnrs: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    counties: dict[str, list[tuple[URIRef, Period]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    successors: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    """Number → the (date, number) pairs of KLASS's code changes from it."""

    def number_on(self, number: str, day: str) -> list[URIRef]:
        """The municipalities that had ``number`` on ``day`` (one, or none)."""
        return sorted({m for m, p in self.numbers.get(number, ()) if p.covers(day)})

    def name_on(self, name: str, day: str) -> list[URIRef]:
        """The municipalities named ``name`` on ``day``: several where the name is ambiguous
        (Herøy, Våler), none where no municipality had it."""
        return sorted({m for m, p in self.names.get(name_key(name), ()) if p.covers(day)})

    def county_on(self, number: str, day: str) -> list[URIRef]:
        return sorted({c for c, p in self.counties.get(number, ()) if p.covers(day)})

    def name_of(self, municipality: URIRef, day: str) -> str | None:
        for name, period in self.labels.get(municipality, ()):
            if period.covers(day):
                return name
        return None

    def replaced(self, number: str, day: str) -> list[tuple[str, str]]:
        """The code changes from ``number`` on or before ``day``: ``(date, new number)``."""
        return sorted((d, new) for d, new in self.successors.get(number, ()) if d <= day)

    @classmethod
    def from_files(cls, files: Sequence[Path], skip: Iterable[URIRef] = ()) -> Municipalities:
        """Read the municipalities out of the project's data files (``data/*.trig``), leaving
        out the graphs ``skip`` (those being rewritten)."""
        import pyoxigraph as ox

        store = ox.Store()
        for path in files:
            try:
                store.bulk_load(path=str(path), format=ox.RdfFormat.TRIG)
            except (SyntaxError, ValueError, OSError) as exc:
                raise LoadError(str(path), f"cannot read it to link to: {exc}") from None
        return cls.from_store(store, skip)

    @classmethod
    def from_store(cls, store: object, skip_graphs: Iterable[URIRef] = ()) -> Municipalities:
        index = cls()
        left_out = ", ".join(f"<{g}>" for g in sorted(skip_graphs))
        skip = f"FILTER (?g NOT IN ({left_out}))" if left_out else ""
        numbers = _select(
            store,
            f"""
            SELECT ?m ?type ?n ?b ?e WHERE {{
              GRAPH ?g {{ ?m <{ADMS.identifier}> ?i }} {skip}
              ?i <{DCTERMS.type}> ?type ; <{SKOS.notation}> ?n .
              FILTER (?type IN (<{KOMMUNENUMMER}>, <{FYLKESNUMMER}>, <{ORGNR}>))
              OPTIONAL {{ ?i <{DCTERMS.temporal}>/<{TIME.hasBeginning}>/<{TIME.inXSDDate}> ?b }}
              OPTIONAL {{ ?i <{DCTERMS.temporal}>/<{TIME.hasEnd}>/<{TIME.inXSDDate}> ?e }}
            }}""",
        )
        alive: dict[URIRef, list[Period]] = defaultdict(list)
        for m, type_, n, b, e in numbers:
            period = Period(b, e)
            if type_ == str(KOMMUNENUMMER):
                index.numbers[n].append((URIRef(m), period))
                alive[URIRef(m)].append(period)
            elif type_ == str(FYLKESNUMMER):
                index.counties[n].append((URIRef(m), period))
            else:
                index.orgnrs[n].add(URIRef(m))
        names = _select(
            store,
            f"""
            SELECT ?m ?name ?b ?e WHERE {{
              GRAPH ?g {{ ?m <{SKOS.prefLabel}> ?name }} {skip}
              ?m a <{SG.Municipality}> .
              FILTER (LANG(?name) = "nb")
              OPTIONAL {{
                ?s <{RDF.subject}> ?m ; <{RDF.predicate}> <{SKOS.prefLabel}> ;
                   <{RDF.object}> ?name .
                OPTIONAL {{ ?s <{DCTERMS.temporal}>/<{TIME.hasBeginning}>/<{TIME.inXSDDate}> ?b }}
                OPTIONAL {{ ?s <{DCTERMS.temporal}>/<{TIME.hasEnd}>/<{TIME.inXSDDate}> ?e }}
              }}
            }}""",
        )
        for m, name, b, e in sorted(set(names)):
            iri = URIRef(m)
            if b is None and e is None:
                periods = alive.get(iri) or [Period(None, None)]
                period = Period(
                    None
                    if any(p.first is None for p in periods)
                    else min(p.first or "" for p in periods),
                    None
                    if any(p.last is None for p in periods)
                    else max(p.last or "" for p in periods),
                )
            else:
                period = Period(b, e)
            index.labels[iri].append((name, period))
            for key in _name_keys(name):
                index.names[key].append((iri, period))
        # County municipalities' names (no periods: a county municipality's name is its own),
        # in ``labels`` only: an importer checks a county found by number against its name.
        county_names = _select(
            store,
            f"""
            SELECT ?c ?name WHERE {{
              GRAPH ?g {{ ?c <{SKOS.prefLabel}> ?name }} {skip}
              ?c a <{SG.CountyMunicipality}> .
              FILTER (LANG(?name) = "nb")
            }}""",
        )
        for c, name in sorted(set(county_names)):
            index.labels[URIRef(c)].append((name, Period(None, None)))
        changes = _select(
            store,
            f"""
            SELECT ?old ?new ?d WHERE {{
              ?c a <{SG.CodeChange}> ; <{SG.oldCode}> ?old ; <{SG.newCode}> ?new ;
                 <{DCTERMS.date}> ?d .
            }}""",
        )
        for old, new, d in changes:
            if old != new:
                index.successors[old].append((d, new))
        return index


def _span(periods: Sequence[Period]) -> Period:
    """The period from the first beginning to the last end (unbounded where one is)."""
    firsts = [p.first for p in periods]
    lasts = [p.last for p in periods]
    return Period(
        None if None in firsts else min(f for f in firsts if f is not None),
        None if None in lasts else max(e for e in lasts if e is not None),
    )


def _name_keys(name: str) -> Iterator[str]:
    """The keys a municipality's name is found under: the name, the name without KLASS's
    ``(county)`` qualifier, and each part of a name in several languages (``Snåase - Snåsa``)."""
    keys = {name_key(name)}
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    keys.add(name_key(bare))
    for part in bare.split(" - "):
        keys.add(name_key(part))
    yield from sorted(k for k in keys if k)


def _select(store: object, query: str) -> list[tuple[Any, ...]]:
    import pyoxigraph as ox

    assert isinstance(store, ox.Store)
    rows = []
    for solution in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        rows.append(tuple(None if v is None else v.value for v in solution))
    return rows


def write_graphs(
    folder: Path, graphs: Sequence[GraphBuilder], reports: Sequence[Report]
) -> list[Path]:
    """Write each graph as ``folder/<slug>.trig`` and the reports as ``folder/<slug>.report.txt``
    (atomically; every file is rendered before the first is written)."""
    rendered: list[tuple[Path, bytes]] = []
    for graph in graphs:
        rendered.append((folder / f"{graph.slug}.trig", graph.trig()))
    for report in reports:
        text = "\n".join(report.lines()) + "\n"
        rendered.append((folder / f"{report.slug}.report.txt", text.encode("utf-8")))
    for path, data in rendered:
        write_atomic(path, data)
    return [path for path, _ in rendered]


def unique(items: Iterable[URIRef]) -> URIRef | None:
    found = sorted(set(items))
    return found[0] if len(found) == 1 else None
