"""``kg link brreg``: Enhetsregisteret (Brønnøysundregistrene) into source graphs.

Four formats, told apart by their content (and the ``.gz`` / ``.csv`` suffix); each file is one
source graph:

- an entity, as ``GET {api}/enheter/{orgnr}`` answers (``organisasjonsnummer``, ``navn``,
  ``organisasjonsform.kode``, ``registreringsdatoEnhetsregisteret``, ``stiftelsesdato``,
  ``slettedato``, ``forretningsadresse.kommunenummer`` …): graph
  ``enhetsregisteret-enhet-{orgnr}``;
- a roles response, ``GET {api}/enheter/{orgnr}/roller`` (``rollegrupper[].roller[]``): the
  participants DTPR and DTSO become owner memberships of the company. The response names its
  company only in ``_links.self.href`` (``…/enheter/{orgnr}/roller``); where that link is absent
  the file name must start with the number (``{orgnr}-roller.json``, as ``--online`` saves it),
  and where both are given they must agree. Graph ``enhetsregisteret-roller-{orgnr}``;
- the bulk file ``enheter_alle.json.gz``: a gzipped JSON array of entities, streamed (an
  incremental UTF-8 decoder over gzip chunks and :meth:`json.JSONDecoder.raw_decode` on a
  bounded buffer; the array is never held whole). Graph ``enhetsregisteret-enheter-alle``;
- the public-sector extract CSV (``entityName,homepage,orgForm,orgDescr,municipality,
  orgNumber``, its year in the file name): graph
  ``enhetsregisteret-offentlige-virksomheter-{year}``.

What an entity becomes, by its organisation form:

- IKS: a ``sg:JointCompany`` (also ``org:FormalOrganization``, ``legal:LegalEntity``) with its
  legal name and ``skos:prefLabel`` as the register writes it, ``legal:companyType`` and
  ``org:classification`` ``of:IKS``, its organisation number (an identifier whose period runs
  from the registration to the day before the deletion, where given), ``schema:startDate`` from
  ``stiftelsesdato``, ``sg:seatMunicipality`` and a registered site, as the registry facts
  give GLØR's;
- KOMM: the organisation number of the municipality it is (by number in the JSON, by name in
  the extract);
- FYLK: the organisation number of the county municipality whose number is the county part of
  its seat municipality's number, where the county municipality's name agrees with the
  entity's (a county municipality seated outside its county, like Viken in Oslo, or one being
  deleted whose seat's county is now its successor, is reported and left out);
- any other form: counted, one report line per form, not imported.

The thing an organisation number is held by in the graph (:attr:`Municipalities.orgnrs`)
keeps its IRI (GLØR IKS stays ``o:glor-iks``); an IKS or owner not in the graph gets
``o:enhet-{orgnr}``. Every organisation number read is checked (:func:`orgnr_valid`): a bad
check digit refuses the file, nothing is written. Seats are resolved on the source's date (the
day read for the API's answers and the bulk file; for the extract of year *Y*, by name on both
*Y*-01-01 and *Y*-12-31, which must agree); names that resolve to no municipality or to several
(Herøy, Våler in 2021) are reported and the seat left out, never guessed.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg import __version__
from kg.errors import LoadError
from kg.link.common import (
    BRREG,
    NLOD_2,
    ORGNR,
    GraphBuilder,
    Municipalities,
    Report,
    SourceInfo,
    day_before,
    name_key,
    orgnr_valid,
    unique,
    utf8_text,
)
from kg.model.namespaces import ADMS, ID, LEGAL, LOCN, ORG, SCHEMA, SG, SKOS, VOCAB
from kg.publish.export import write_atomic

API_URL = "https://data.brreg.no/enhetsregisteret/api"
USER_AGENT = f"samarbeidsgrafen/{__version__} (kg link brreg; https://w3id.org/samarbeidsgrafen)"
AGENCY = "Brønnøysundregistrene"
OWNER_ROLES = ("DTPR", "DTSO")
"""Participant roles of an IKS or ANS: shared (DTPR) and joint and several (DTSO) liability."""

OF = Namespace(VOCAB["organisation-form/"])
ROLE_OWNER = VOCAB["role/owner"]
MS_MEMBER = VOCAB["membership-status/member"]
CHUNK = 1 << 20
MAX_ENTITY = 64 << 20
"""No entity is this long: a decode error with this much buffered is the file's, not the chunk's."""

Index = Callable[[Sequence[URIRef]], Municipalities]


# --------------------------------------------------------------------------------------------
# Reading


@dataclass
class Source:
    """One file: its format, slug and what its date is."""

    path: Path
    kind: str  # "entity", "roles", "bulk", "extract"
    slug: str
    orgnr: str = ""
    year: str = ""
    data: Any = None


def _decode(path: Path, raw: bytes) -> str:
    return utf8_text(
        path,
        raw,
        "Enhetsregisteret's files are UTF-8: convert it, e.g. iconv -f cp1252 -t utf-8",
    )


def _json(path: Path) -> Any:
    text = _decode(path, path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            str(path), f"malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from None


def _classify(path: Path) -> Source:
    name = path.name.lower()
    if name.endswith(".csv"):
        year = re.search(r"(19|20)\d\d", path.name)
        if year is None:
            raise LoadError(
                str(path), "the extract's year is not in its file name", hint="name it …_2021.csv"
            )
        return Source(
            path,
            "extract",
            f"enhetsregisteret-offentlige-virksomheter-{year.group()}",
            year=year.group(),
        )
    if name.endswith(".gz"):
        return Source(path, "bulk", "enhetsregisteret-enheter-alle")
    with path.open("rb") as stream:
        head = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return Source(path, "bulk", "enhetsregisteret-enheter-alle")
    data = _json(path)
    if isinstance(data, dict) and "rollegrupper" in data:
        orgnr = _roles_company(path, data)
        return Source(path, "roles", f"enhetsregisteret-roller-{orgnr}", orgnr=orgnr, data=data)
    if isinstance(data, dict) and "organisasjonsnummer" in data:
        orgnr = _checked(path, str(data["organisasjonsnummer"]), _line_of(path, data))
        return Source(path, "entity", f"enhetsregisteret-enhet-{orgnr}", orgnr=orgnr, data=data)
    raise LoadError(
        str(path),
        "not an Enhetsregisteret entity, roles response or entity array",
        line=1,
        hint="give enheter/{orgnr} or enheter/{orgnr}/roller as the API answers it",
    )


def _line_of(path: Path, data: dict[str, Any]) -> int:
    """The line of a single entity's ``organisasjonsnummer`` (for messages)."""
    text = path.read_text(encoding="utf-8-sig")
    found = re.search(r'"organisasjonsnummer"\s*:', text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _checked(path: Path | str, number: str, line: int | None) -> str:
    if not orgnr_valid(number):
        what = (
            "is not nine digits"
            if not re.fullmatch(r"\d{9}", number)
            else ("fails its check digit (mod 11)")
        )
        raise LoadError(
            str(path),
            f"organisation number {number} {what}",
            line=line,
            hint="check it against Enhetsregisteret; nothing was written",
        )
    return number


def _roles_company(path: Path, data: dict[str, Any]) -> str:
    href = str(((data.get("_links") or {}).get("self") or {}).get("href") or "")
    linked = re.search(r"/enheter/(\d+)/roller/?$", href)
    named = re.match(r"(\d{9})\D", path.name)
    if linked and named and linked.group(1) != named.group(1):
        raise LoadError(
            str(path),
            f"the file name says {named.group(1)}, its _links.self says {linked.group(1)}",
            hint="name the file after the company whose roles it holds",
        )
    found = linked or named
    if found is None:
        raise LoadError(
            str(path),
            "a roles response that names no company (no _links.self, no number in the file name)",
            hint="name it {orgnr}-roller.json",
        )
    return _checked(path, found.group(1), None)


def _stream_entities(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The entities of a JSON array (gzipped where the name ends in ``.gz``), one at a time,
    with the line each begins on."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")
    buf = ""
    pos = 0
    line = 1  # the line of buf[pos]
    column = 0  # characters of that line before buf[0]
    eof = False
    offset = 0  # bytes read, for the encoding message
    first = True

    def refill() -> bool:
        nonlocal buf, pos, column, eof, offset
        if eof:
            return False
        try:
            block = raw.read(CHUNK)
        except EOFError:
            raise LoadError(
                str(path),
                f"truncated gzip stream (it ends after {offset} bytes, before its end marker)",
                hint="download the file again",
            ) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise LoadError(str(path), f"not a readable gzip stream: {exc}") from None
        try:
            text = utf8.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise LoadError(
                str(path),
                f"not UTF-8 (byte 0x{block[exc.start]:02x} at byte {offset + exc.start} of the "
                "decompressed stream): Enhetsregisteret's files are UTF-8",
                line=line + buf.count("\n", pos),
                hint="convert it, e.g. iconv -f cp1252 -t utf-8",
            ) from None
        offset += len(block)
        if not block:
            eof = True
        last = buf.rfind("\n", 0, pos)
        column = column + pos if last < 0 else pos - last - 1
        buf = buf[pos:] + text
        pos = 0
        return bool(block) or bool(text)

    def fail(message: str, at: int) -> LoadError:
        lines = buf.count("\n", pos, at)
        last = buf.rfind("\n", 0, at)
        col = (column + at if last < 0 else at - last - 1) + 1
        return LoadError(str(path), f"malformed JSON: {message}", line=line + lines, column=col)

    def skip_space() -> str:
        nonlocal pos, line
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                if buf[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not refill():
                return ""

    try:
        if skip_space() == "\ufeff":
            pos += 1
        if skip_space() != "[":
            raise fail("expected '[' (an array of entities)", pos)
        pos += 1
        while True:
            char = skip_space()
            if char == "]" and first:
                pos += 1
                break
            if char != "{":
                raise fail("expected an entity object '{'" if char else "unexpected end", pos)
            while True:
                try:
                    entity, end = decoder.raw_decode(buf, pos)
                    break
                except json.JSONDecodeError:
                    if len(buf) - pos <= MAX_ENTITY and refill():
                        continue
                    try:  # refill may have moved the buffer: the error's position, again
                        decoder.raw_decode(buf, pos)
                    except json.JSONDecodeError as exc:
                        raise fail(exc.msg, exc.pos) from None
                    raise
            yield line, entity
            line += buf.count("\n", pos, end)
            pos = end
            first = False
            char = skip_space()
            if char == ",":
                pos += 1
                continue
            if char == "]":
                pos += 1
                break
            raise fail("expected ',' or ']' after an entity" if char else "unexpected end", pos)
        if skip_space():
            raise fail("extra data after the array", pos)
    finally:
        raw.close()


# --------------------------------------------------------------------------------------------
# Linking


@dataclass
class Importer:
    """The state of one source graph being written."""

    source: Source
    index: Municipalities
    day: str
    graph: GraphBuilder
    report: Report
    companies: dict[str, URIRef] = field(default_factory=dict)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def on(self) -> str:
        """The day references are resolved on: the extract's year's first day, else the day
        read (the API and the bulk file speak for the day they are read)."""
        return f"{self.source.year}-01-01" if self.source.year else self.day

    @property
    def file(self) -> str:
        return str(self.source.path)

    def thing(self, orgnr: str) -> URIRef | None:
        """The thing of the graph that holds ``orgnr``, or ``None``."""
        return unique(self.index.orgnrs.get(orgnr, ()))

    def identifier(self, thing: URIRef, orgnr: str, first: str | None, end: str | None) -> None:
        last = day_before(end) if end else None
        period = (first, last, False) if first or last else None
        iri = self.graph.identifier("orgnr", orgnr, AGENCY, ORGNR, period)
        self.graph.add(thing, ADMS.identifier, iri)

    # ---- what an entity becomes

    def entity(
        self,
        line: int | None,
        orgnr: str,
        name: str,
        form: str,
        form_label: str,
        seat: list[URIRef] | None,
        seat_text: str,
        registered: str | None = None,
        deleted: str | None = None,
        founded: str | None = None,
        address: dict[str, Any] | None = None,
    ) -> None:
        if form == "IKS":
            self.company(line, orgnr, name, seat, seat_text, registered, deleted, founded, address)
        elif form == "KOMM":
            self.municipality(line, orgnr, seat, seat_text, registered, deleted)
        elif form == "FYLK":
            self.county(line, orgnr, name, seat, seat_text, registered, deleted)
        else:
            self.skipped[(form, form_label)] += 1

    def company(
        self,
        line: int | None,
        orgnr: str,
        name: str,
        seat: list[URIRef] | None,
        seat_text: str,
        registered: str | None,
        deleted: str | None,
        founded: str | None,
        address: dict[str, Any] | None,
    ) -> None:
        g = self.graph
        iri = self.thing(orgnr) or ID[f"organization/enhet-{orgnr}"]
        self.companies[orgnr] = iri
        for type_ in (SG.JointCompany, ORG.FormalOrganization, LEGAL.LegalEntity):
            g.add(iri, RDF.type, type_)
        g.add(iri, LEGAL.legalName, Literal(name))
        g.add(iri, SKOS.prefLabel, Literal(name, lang="nb"))
        g.add(iri, LEGAL.companyType, OF["IKS"])
        g.add(iri, ORG.classification, OF["IKS"])
        self.identifier(iri, orgnr, registered, deleted)
        if founded:
            g.add(iri, SCHEMA.startDate, Literal(founded, datatype=XSD.date))
        self.report.count("joint companies (IKS)")
        municipality = self.seat(line, f"IKS {orgnr} {name}", seat, seat_text)
        if municipality is None:
            return
        g.add(iri, SG.seatMunicipality, municipality)
        self.report.count("seats resolved")
        seat_name = self.index.name_of(municipality, self.on)
        if seat_name is None:
            return
        local = str(iri).rsplit("/", 1)[-1]
        site, addr = ID[f"site/{local}"], ID[f"address/{local}"]
        g.add(iri, ORG.hasRegisteredSite, site)
        g.add(site, RDF.type, ORG.Site)
        g.add(site, RDFS.label, Literal(f"{name}, forretningskommune {seat_name}", lang="nb"))
        g.add(site, ORG.siteAddress, addr)
        g.add(addr, RDF.type, LOCN.Address)
        g.add(addr, LOCN.adminUnitL2, Literal(seat_name, lang="nb"))
        if address:
            lines = [str(x) for x in address.get("adresse") or () if x]
            if lines:
                g.add(addr, LOCN.thoroughfare, Literal(", ".join(lines), lang="nb"))
            if address.get("postnummer"):
                g.add(addr, LOCN.postCode, Literal(str(address["postnummer"])))
            if address.get("poststed"):
                g.add(addr, LOCN.postName, Literal(str(address["poststed"]), lang="nb"))

    def seat(
        self,
        line: int | None,
        what: str,
        found: list[URIRef] | None,
        text: str,
        action: str = "seat left out",
    ) -> URIRef | None:
        if found is None:
            self.report.find(
                self.file, line, "unmatched", f"{what}: no seat municipality given", action
            )
            return None
        if len(found) == 1:
            return found[0]
        if not found:
            self.report.find(
                self.file,
                line,
                "unmatched",
                f"{what}: seat municipality {text} is no municipality of the graph on "
                f"{self.when()}",
                action,
            )
        else:
            self.report.find(
                self.file,
                line,
                "ambiguous",
                f"{what}: seat municipality {text} names {len(found)} municipalities on "
                f"{self.when()} ({', '.join(_short(m) for m in found)})",
                action,
            )
        return None

    def when(self) -> str:
        y = self.source.year
        return f"{y}-01-01 and {y}-12-31" if y else self.on

    def municipality(
        self,
        line: int | None,
        orgnr: str,
        found: list[URIRef] | None,
        text: str,
        registered: str | None,
        deleted: str | None,
    ) -> None:
        held = self.thing(orgnr)
        candidates = found or []
        if held is not None and len(candidates) > 1 and held in candidates:
            candidates = [held]  # the organisation number tells the namesakes apart
        if len(candidates) != 1:
            self.seat(line, f"KOMM {orgnr}", found, text, "organisation number left out")
            return
        if held is not None and held != candidates[0]:
            # Not a defect of the source: a municipality merged into a new one (Voss 1235 into
            # Voss 4621, 2020) can hand its organisation number on. One identifier node has
            # one holder and one period, so the earlier holder is not given it here.
            self.report.find(
                self.file,
                line,
                "unmatched",
                f"KOMM {orgnr}: {text} is {_short(candidates[0])} on {self.when()}, but the graph "
                f"gives this number to {_short(held)}",
                "organisation number left out (an identifier has one holder)",
            )
            return
        self.identifier(candidates[0], orgnr, registered, deleted)
        self.report.count("municipality organisation numbers")

    def county(
        self,
        line: int | None,
        orgnr: str,
        name: str,
        found: list[URIRef] | None,
        text: str,
        registered: str | None,
        deleted: str | None,
    ) -> None:
        what = f"FYLK {orgnr} {name}"
        seat = self.seat(line, what, found, text, "organisation number left out")
        if seat is None:
            return
        numbers = sorted(
            {
                n
                for n, held in self.index.numbers.items()
                for m, p in held
                if m == seat and p.covers(self.on)
            }
        )
        counties = self.index.county_on(numbers[0][:2], self.on) if len(numbers) == 1 else []
        if len(counties) != 1:
            self.report.find(
                self.file,
                line,
                "unmatched",
                f"{what}: no county municipality of the graph has the county part of seat "
                f"{text} ({'/'.join(numbers) or 'no number'}) on {self.on}",
                "organisation number left out",
            )
            return
        county = counties[0]
        own = _county_name(name)
        names = sorted({_county_name(n) for n, _ in self.index.labels.get(county, ())})
        if not names and "SLETTING" not in name:
            # KLASS names no county before 2018: the register's county municipality seated in
            # the county is its name (as the register writes it).
            self.graph.add(county, SKOS.prefLabel, Literal(name, lang="nb"))
            self.report.find(
                self.file,
                line,
                "note",
                f"{what}: seated in county {numbers[0][:2]}, {_short(county)}, which has no name"
                " in the graph",
                f"named {name!r} from the register, with its organisation number",
            )
            self.identifier(county, orgnr, registered, deleted)
            self.report.count("county municipality organisation numbers")
            return
        if own not in names:
            seat_text = text if text.startswith(numbers[0]) else f"{text} ({numbers[0]})"
            why = (
                "whose name in the graph ("
                + ", ".join(sorted({n for n, _ in self.index.labels.get(county, ())}))
                + ") is not the entity's"
                if names
                else "which has no name in the graph to confirm it by"
            )
            deleting = " (the register says it is being deleted)" if "SLETTING" in name else ""
            self.report.find(
                self.file,
                line,
                "unmatched",
                f"{what}: seat {seat_text} is in county {numbers[0][:2]}, {_short(county)}, "
                f"{why}{deleting}",
                "organisation number left out",
            )
            return
        self.identifier(county, orgnr, registered, deleted)
        self.report.count("county municipality organisation numbers")

    def finish(self) -> None:
        for (form, label), n in sorted(self.skipped.items()):
            self.report.find(
                self.file, None, "skipped", f"{n} of form {form} ({label})", "not imported"
            )


def _county_name(name: str) -> str:
    bare = re.sub(r"\s+under\s+(sletting|avvikling|tvangsavvikling)\b.*$", "", name, flags=re.I)
    bare = re.sub(r"\s+fylkeskommune$", "", bare.strip(), flags=re.I)
    return name_key(bare)


def _short(iri: URIRef) -> str:
    return "o:" + str(iri).rsplit("/", 1)[-1]


def _date(value: Any) -> str | None:
    text = str(value) if value else ""
    return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


# --------------------------------------------------------------------------------------------
# The formats


def _describe(imp: Importer, title_nb: str, title_en: str, as_of: str, url: str, desc: str) -> None:
    imp.graph.describe_source(
        SourceInfo(
            title_nb=title_nb,
            title_en=title_en,
            publisher=BRREG,
            publisher_name=AGENCY,
            licence=NLOD_2,
            as_of=as_of,
            read_on=imp.day,
            files=(imp.source.path,),
            url=url,
            description=desc,
        )
    )


def _json_entity(imp: Importer, line: int | None, data: dict[str, Any]) -> None:
    orgnr = _checked(imp.file, str(data.get("organisasjonsnummer", "")), line)
    form = data.get("organisasjonsform") or {}
    address = data.get("forretningsadresse") or None
    number = str(address.get("kommunenummer") or "") if address else ""
    seat = imp.index.number_on(number, imp.on) if number else None
    text = f"{number} ({address.get('kommune', '')})" if address and number else ""
    imp.entity(
        line,
        orgnr,
        str(data.get("navn", "")),
        str(form.get("kode", "")),
        str(form.get("beskrivelse", "")),
        seat,
        text,
        _date(data.get("registreringsdatoEnhetsregisteret")),
        _date(data.get("slettedato")),
        _date(data.get("stiftelsesdato")),
        address,
    )


def _entity_file(imp: Importer) -> None:
    data = imp.source.data
    orgnr = imp.source.orgnr
    url = str(((data.get("_links") or {}).get("self") or {}).get("href") or "")
    _describe(
        imp,
        f"Enhetsregisteret: enhet {orgnr}",
        f"The Central Coordinating Register for Legal Entities: entity {orgnr}",
        imp.day,
        url or f"{API_URL}/enheter/{orgnr}",
        "One entity as the Enhetsregisteret API answers enheter/{orgnr}, on the day read.",
    )
    _json_entity(imp, _line_of(imp.source.path, data), data)
    imp.finish()


def _bulk_file(imp: Importer) -> None:
    _describe(
        imp,
        "Enhetsregisteret: alle enheter (totaluttrekk)",
        "The Central Coordinating Register for Legal Entities: all entities (bulk download)",
        imp.day,
        f"{API_URL}/enheter/lastned",
        "The bulk download enheter_alle.json.gz (a JSON array of every entity), on the day read.",
    )
    n = 0
    for line, data in _stream_entities(imp.source.path):
        n += 1
        _json_entity(imp, line, data)
    imp.report.count("entities read", n)
    imp.finish()


def _extract_file(imp: Importer) -> None:
    year = imp.source.year
    _describe(
        imp,
        f"Offentlige virksomheter i Enhetsregisteret {year} (uttrekk)",
        f"Public-sector entities of Enhetsregisteret, {year} (extract)",
        year,
        "https://github.com/nlnwa/DHNB2023",
        "An extract of Enhetsregisteret: the public-sector entities with a homepage, made by the "
        "National Library's web-archive team (nlnwa/DHNB2023, "
        "docs/offentligeVirksomheter_2011-2021.xlsx, 2023-03), exported to CSV unchanged.",
    )
    text = _decode(imp.source.path, imp.source.path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = ["entityName", "homepage", "orgForm", "orgDescr", "municipality", "orgNumber"]
    if reader.fieldnames != columns:
        raise LoadError(
            imp.file,
            f"expected the columns {','.join(columns)}, got {','.join(reader.fieldnames or [])}",
            line=1,
        )
    rows = []
    for row in reader:
        line = reader.line_num
        rows.append((line, row, _checked(imp.file, row["orgNumber"].strip(), line)))
    for line, row, orgnr in rows:
        form = row["orgForm"].strip()
        seat: list[URIRef] | None = None
        name = row["municipality"].strip()
        if form in ("IKS", "KOMM", "FYLK") and name:
            first = imp.index.name_on(name, f"{year}-01-01")
            last = imp.index.name_on(name, f"{year}-12-31")
            seat = first if first == last else []
        imp.entity(
            line, orgnr, row["entityName"].strip(), form, row["orgDescr"].strip(), seat, name
        )
    imp.finish()


def _roles_file(imp: Importer, known: dict[str, URIRef]) -> None:
    orgnr = imp.source.orgnr
    data = imp.source.data
    _describe(
        imp,
        f"Enhetsregisteret: roller for {orgnr}",
        f"The Central Coordinating Register for Legal Entities: roles of {orgnr}",
        imp.day,
        f"{API_URL}/enheter/{orgnr}/roller",
        "The roles of one entity as the Enhetsregisteret API answers enheter/{orgnr}/roller, on "
        "the day read; the participants (DTPR, DTSO) are its owners.",
    )
    company = imp.thing(orgnr) or known.get(orgnr)
    text = imp.source.path.read_text(encoding="utf-8-sig")
    owners = []
    for group in data.get("rollegrupper") or ():
        for role in group.get("roller") or ():
            kode = str((role.get("type") or {}).get("kode", ""))
            if kode not in OWNER_ROLES:
                continue
            unit = role.get("enhet")
            if not isinstance(unit, dict):
                imp.report.find(
                    imp.file,
                    None,
                    "skipped",
                    f"a {kode} participant that is not an entity (a person)",
                    "not imported",
                )
                continue
            owner = str(unit.get("organisasjonsnummer", ""))
            found = text.find(f'"{owner}"')
            line = text.count("\n", 0, found) + 1 if found >= 0 else None
            _checked(imp.file, owner, line)
            if role.get("avregistrert"):
                imp.report.find(
                    imp.file,
                    line,
                    "skipped",
                    f"{kode} {owner}: deregistered (avregistrert)",
                    "not imported",
                )
                continue
            owners.append((line, kode, owner, unit, role.get("ansvarsandel")))
    if company is None:
        imp.report.find(
            imp.file,
            None,
            "unmatched",
            f"company {orgnr} is not in the graph, so its {len(owners)} owner(s) have no company",
            f"owners left out (import its entity with it: kg link brreg {orgnr}.json "
            f"{imp.source.path.name})",
        )
        return
    g = imp.graph
    company_local = str(company).rsplit("/", 1)[-1]
    for line, kode, owner, unit, share in owners:
        member = imp.thing(owner)
        if member is None:
            member = ID[f"organization/enhet-{owner}"]
            names = unit.get("navn")
            label = " ".join(names) if isinstance(names, list) else str(names or "")
            g.add(member, RDF.type, ORG.FormalOrganization)
            if label:
                g.add(member, SKOS.prefLabel, Literal(label, lang="nb"))
            imp.identifier(member, owner, None, None)
            form = str((unit.get("organisasjonsform") or {}).get("kode", ""))
            if form in ("KOMM", "FYLK"):
                imp.report.find(
                    imp.file,
                    line,
                    "unmatched",
                    f"{kode} {owner} ({form}) holds no organisation number in the graph",
                    f"owner minted as {_short(member)}",
                )
        membership = ID[f"membership/{company_local}--{str(member).rsplit('/', 1)[-1]}--owner"]
        g.add(membership, RDF.type, ORG.Membership)
        g.add(membership, ORG.organization, company)
        g.add(membership, ORG.member, member)
        g.add(membership, ORG.role, ROLE_OWNER)
        g.add(membership, ADMS.status, MS_MEMBER)
        percent = _percent(share)
        if percent is not None:
            g.add(membership, SG.ownershipShare, Literal(percent, datatype=XSD.decimal))
        imp.report.count("owner memberships")


def _percent(value: Any) -> Decimal | None:
    """``"50%"`` → 50 (the participant's share of the liability, which for an IKS is its share
    of the company: IKS-loven § 3)."""
    match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*%\s*", str(value or ""))
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    return number if 0 <= number <= 100 else None


# --------------------------------------------------------------------------------------------
# The importer's entry points


def import_files(
    files: Sequence[Path], index_for: Index, read_on: str
) -> tuple[list[GraphBuilder], list[Report]]:
    """Read every file (refusing the first that is malformed) and return one graph and one
    report per file; nothing is written here."""
    sources = [_classify(path) for path in files]
    slugs = [s.slug for s in sources]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise LoadError(
            str(sources[slugs.index(twice[0])].path),
            f"two files would write graph {twice[0]}",
            hint="give each source once",
        )
    index = index_for([GraphBuilder(s).iri for s in slugs])
    graphs: list[GraphBuilder] = []
    reports: list[Report] = []
    known: dict[str, URIRef] = {}
    importers = []
    for source in sources:
        imp = Importer(
            source,
            index,
            read_on,
            GraphBuilder(source.slug),
            Report(f"kg link brreg {source.path.name}", source.slug),
        )
        importers.append(imp)
        if source.kind == "entity":
            _entity_file(imp)
        elif source.kind == "bulk":
            _bulk_file(imp)
        elif source.kind == "extract":
            _extract_file(imp)
        known.update(imp.companies)
    for imp in importers:
        if imp.source.kind == "roles":
            _roles_file(imp, known)
        graphs.append(imp.graph)
        reports.append(imp.report)
    return graphs, reports


def fetch(
    files: Sequence[Path], cache: Path, api_url: str | None = None, delay: float = 1.0
) -> list[Path]:
    """``--online``: the entity and the roles of each organisation number given (as the
    FILE arguments), from ``{api}/enheter/{orgnr}`` and ``…/roller``, saved under ``cache/``
    as ``{orgnr}.json`` and ``{orgnr}-roller.json``; a file already there is not fetched
    again. ``delay`` seconds pass between two requests."""
    base = (api_url or API_URL).rstrip("/")
    numbers = [_checked("--online", str(f), None) for f in files]
    cache.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    last = 0.0
    for orgnr in numbers:
        for url, path in (
            (f"{base}/enheter/{orgnr}", cache / f"{orgnr}.json"),
            (f"{base}/enheter/{orgnr}/roller", cache / f"{orgnr}-roller.json"),
        ):
            out.append(path)
            if path.is_file():
                continue
            wait = last + delay - time.monotonic()
            if last and wait > 0:
                time.sleep(wait)
            request = urllib.request.Request(
                url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = response.read()
            except urllib.error.HTTPError as exc:
                raise LoadError(url, f"HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, OSError) as exc:
                raise LoadError(url, f"cannot fetch it: {exc}") from None
            finally:
                last = time.monotonic()
            write_atomic(path, body)
    return out
