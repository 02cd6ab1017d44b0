"""SSB KLASS: every municipality since 1971 from classification 131, its names and numbers with
their periods, the county municipalities by the county part of the numbers, and every code change
as a change event; the municipalities' organisation numbers from correspondence table 1236.

The files are the KLASS API's answers, exactly as it gives them: the classification
(``classifications/131``), its versions (``versions/{id}``, one per file, each with ``validFrom``,
``validTo`` and ``classificationItems``) and the change table (``classifications/131/changes``,
``codeChanges``). Table 1236 is SSB's CSV export (cp1252, ``;``, quoted).

Who is who across a change (documented in docs/national-graph.md):

- a change with one old code and one new code (on that day, in that change) is the same
  municipality going on: a new number (``sg:Renumbering``), a new name (``sg:Rename``) or both;
- several old codes to one new code is a merger (``sg:Merger``), one to several a split
  (``sg:Split``), several to several both; a new code that is one of the old codes goes on as
  that municipality (1805 Narvik took in 1855 Ankenes in 1974 and kept its number), every other
  new code is a new municipality, and every old code that does not go on ends;
- a number's period runs from the first version that lists it to the day before the first that
  does not; for numbers in the first version read (1971) the beginning is "by 1971-01-01 at the
  latest" (``sg:approximate``): the number may be older, KLASS's earlier versions were not read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.errors import EndpointError, LoadError
from kg.link.common import (
    CC_BY_4,
    FYLKESNUMMER,
    KOMMUNENUMMER,
    ORGNR,
    SSB,
    GraphBuilder,
    Municipalities,
    Report,
    SourceInfo,
    day_before,
    orgnr_valid,
    slug,
    utf8_text,
)
from kg.model.namespaces import CV, DCTERMS, ID, ORG, SCHEMA, SG, SKOS, VOCAB

KOMM = VOCAB["organisation-form/KOMM"]
FYLK = VOCAB["organisation-form/FYLK"]
SLUG_131 = "ssb-klass-131"
SLUG_1236 = "ssb-klass-1236"
UNKNOWN_CODE = "9999"
"""KLASS's "Uoppgitt" (not given): a code for statistics, not a municipality."""

IndexFor = Callable[[Sequence[URIRef]], Municipalities]


# --------------------------------------------------------------------------------------------
# Reading the files


def read_json(path: Path) -> Any:
    """A JSON file as the KLASS API answers it (UTF-8); refused with line and column."""
    text = utf8_text(
        path,
        path.read_bytes(),
        "the KLASS API answers UTF-8 JSON; fetch the file again or convert it",
    )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Unterminated string"):
            what = "a string begins here and is never closed"
        elif exc.pos >= len(text.rstrip()):
            what = "the file ends before the JSON does"
        else:
            what = exc.msg[:1].lower() + exc.msg[1:]
        raise LoadError(
            str(path),
            f"malformed JSON: {what}",
            line=exc.lineno,
            column=exc.colno,
            hint="the file is not a whole KLASS API answer: fetch it again",
        ) from None


@dataclass(frozen=True)
class Version:
    path: Path
    name: str
    valid_from: str
    valid_to: str | None
    items: dict[str, str]
    introduction: str
    last_modified: str
    unknown: str | None = None
    """The name of the code 9999 where the version lists it (left out of ``items``)."""
    notes: dict[str, str] = field(default_factory=dict)
    """Each item's ``notes`` where it has any (county names are read from them too)."""


@dataclass
class Klass:
    """The files of classification 131 that were given."""

    versions: list[Version] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)
    changes_path: Path | None = None
    classification: dict[str, Any] | None = None
    classification_path: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        found = [v.path for v in self.versions]
        found += [p for p in (self.classification_path, self.changes_path) if p is not None]
        return tuple(sorted(found, key=lambda p: p.name))


def _version(path: Path, doc: dict[str, Any], report: Report) -> Version:
    items: dict[str, str] = {}
    notes: dict[str, str] = {}
    unknown: str | None = None
    for index, item in enumerate(doc["classificationItems"]):
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not isinstance(name, str):
            raise LoadError(str(path), f"classificationItems[{index}] has no code and name")
        if code == UNKNOWN_CODE:
            unknown = name.strip()
            continue
        if name != name.strip():
            report.find(
                path,
                None,
                "defect",
                f"{code} is named {name!r}, with spaces around it",
                f"read as {name.strip()!r}",
            )
        items[code] = name.strip()
        if isinstance(item.get("notes"), str) and item["notes"].strip():
            notes[code] = item["notes"].strip()
    for key in ("validFrom", "name"):
        if not isinstance(doc.get(key), str):
            raise LoadError(str(path), f"a KLASS version has {key}; this file has none")
    return Version(
        path,
        doc["name"],
        doc["validFrom"],
        doc.get("validTo"),
        items,
        doc.get("introduction") or "",
        str(doc.get("lastModified") or "")[:10],
        unknown,
        notes,
    )


def read_klass(files: Sequence[Path], report: Report) -> tuple[Klass, list[Path]]:
    """The KLASS JSON files among ``files``, and the rest (left for other readers)."""
    klass = Klass()
    rest: list[Path] = []
    for path in files:
        if path.suffix.lower() != ".json":
            rest.append(path)
            continue
        doc = read_json(path)
        if isinstance(doc, dict) and "classificationItems" in doc:
            klass.versions.append(_version(path, doc, report))
        elif isinstance(doc, dict) and "codeChanges" in doc:
            rows = doc["codeChanges"]
            for index, row in enumerate(rows):
                missing = [
                    k
                    for k in ("oldCode", "oldName", "newCode", "newName", "changeOccurred")
                    if not isinstance(row.get(k), str)
                ]
                if missing:
                    raise LoadError(str(path), f"codeChanges[{index}] has no {', '.join(missing)}")
            klass.changes = rows
            klass.changes_path = path
        elif isinstance(doc, dict) and "versions" in doc and "id" in doc:
            klass.classification = doc
            klass.classification_path = path
        else:
            raise LoadError(
                str(path),
                "not a KLASS answer: no classificationItems (a version), codeChanges (a change"
                " table) or versions (a classification)",
                hint="give the files of classifications/131, versions/{id} and changes",
            )
    klass.versions.sort(key=lambda v: v.valid_from)
    return klass, rest


# --------------------------------------------------------------------------------------------
# Who is who


@dataclass
class Municipality:
    key: str  # its first code
    codes: list[str] = field(default_factory=list)
    iri: URIRef | None = None


@dataclass(frozen=True)
class Change:
    date: str
    rows: tuple[dict[str, str], ...]

    @property
    def olds(self) -> list[str]:
        return sorted({r["oldCode"] for r in self.rows})

    @property
    def news(self) -> list[str]:
        return sorted({r["newCode"] for r in self.rows})


def components(rows: Sequence[dict[str, str]]) -> list[Change]:
    """The code changes of each day grouped into the changes they make together (old and new
    codes connected by rows)."""
    parent: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def root(x: tuple[str, str, str]) -> tuple[str, str, str]:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for r in rows:
        d = r["changeOccurred"]
        parent[root((d, "old", r["oldCode"]))] = root((d, "new", r["newCode"]))
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        groups[root((r["changeOccurred"], "old", r["oldCode"]))].append(r)
    found = [Change(g[0]["changeOccurred"], tuple(g)) for g in groups.values()]
    return sorted(found, key=lambda c: (c.date, c.news))


def kind_of(change: Change, ends: dict[str, str | None]) -> list[URIRef]:
    olds, news = change.olds, change.news
    if len(olds) == 1 and len(news) == 1:
        kinds = []
        if olds != news:
            kinds.append(SG.Renumbering)
        names = {(r["oldName"].strip(), r["newName"].strip()) for r in change.rows}
        if any(a != b for a, b in names):
            kinds.append(SG.Rename)
        return kinds or [ORG.ChangeEvent]
    if len(news) == 1:
        return [SG.Merger]
    if len(olds) == 1:
        return [SG.Split]
    return [SG.Merger, SG.Split]


# --------------------------------------------------------------------------------------------
# The graph


def import_files(
    files: Sequence[Path], index_for: IndexFor, read_on: str
) -> tuple[list[GraphBuilder], list[Report]]:
    report_131 = Report("SSB KLASS 131", SLUG_131)
    klass, rest = read_klass(files, report_131)
    tables = [p for p in rest if p.suffix.lower() == ".csv"]
    other = [p for p in rest if p.suffix.lower() != ".csv"]
    if other:
        raise LoadError(
            str(other[0]),
            "not a KLASS file (a .json answer of the API, or table 1236 as .csv)",
        )
    graphs: list[GraphBuilder] = []
    reports: list[Report] = []
    skip = ([ID[f"graph/{SLUG_131}"]] if klass.versions else []) + (
        [ID[f"graph/{SLUG_1236}"]] if tables else []
    )
    index = index_for(skip)
    if klass.versions:
        graph = build_131(klass, index, read_on, report_131)
        graphs.append(graph)
        reports.append(report_131)
        index = _with_graph(index, graph)
    elif klass.changes or klass.classification:
        raise LoadError(
            str(klass.paths[0]),
            "a change table or classification without its versions",
            hint="give every version file (Kommuneinndeling YYYY.json) with it",
        )
    for table in tables:
        report = Report("SSB KLASS 1236", SLUG_1236)
        graphs.append(build_1236(table, index, read_on, report))
        reports.append(report)
    return graphs, reports


def _with_graph(index: Municipalities, graph: GraphBuilder) -> Municipalities:
    import pyoxigraph as ox

    from kg.link.common import _select  # noqa: F401  (same reader as for data/)

    store = ox.Store()
    store.bulk_load(graph.trig(), format=ox.RdfFormat.TRIG)
    fresh = Municipalities.from_store(store)
    for number, held in index.numbers.items():
        if number not in fresh.numbers:
            fresh.numbers[number] = held
    for orgnr, things in index.orgnrs.items():
        fresh.orgnrs[orgnr] |= things
    return fresh


def build_131(klass: Klass, index: Municipalities, read_on: str, report: Report) -> GraphBuilder:
    versions = klass.versions
    first_day = versions[0].valid_from
    # Each code's run of versions, its names by version.
    runs: dict[str, list[int]] = defaultdict(list)
    for i, version in enumerate(versions):
        for code in version.items:
            runs[code].append(i)
    for code, run in runs.items():
        if run != list(range(run[0], run[-1] + 1)):
            report.find(
                versions[run[0]].path,
                None,
                "defect",
                f"{code} is missing from some versions between its first and last",
                "its period is read from first to last",
            )
    start = {c: versions[r[0]].valid_from for c, r in runs.items()}
    end = {c: versions[r[-1]].valid_to for c, r in runs.items()}  # first day not valid

    changes = components(klass.changes)
    for change in changes:
        for r in change.rows:
            if r["oldCode"] not in runs or r["newCode"] not in runs:
                report.find(
                    klass.changes_path or versions[0].path,
                    None,
                    "defect",
                    f"the change {r['oldCode']} → {r['newCode']} on {change.date} names a code"
                    " no version lists",
                    "the row is kept as a code change; no municipality is linked to the code",
                )
    by_new: dict[tuple[str, str], Change] = {}
    for change in changes:
        for code in change.news:
            by_new[(change.date, code)] = change

    # Who is who: follow the codes in order of their first day.
    holder: dict[str, Municipality] = {}
    for code in sorted(runs, key=lambda c: (start[c], c)):
        made_by = by_new.get((start[code], code))
        if made_by is not None and start[code] != first_day:
            olds = made_by.olds
            if (
                len(olds) == 1
                and len(made_by.news) == 1
                and olds[0] in holder
                and end.get(olds[0]) == made_by.date
            ):
                municipality = holder[olds[0]]
                municipality.codes.append(code)
                holder[code] = municipality
                continue
        elif start[code] != first_day:
            report.find(
                versions[runs[code][0]].path,
                None,
                "defect",
                f"{code} {versions[runs[code][0]].items[code]} first appears on {start[code]}"
                " with no code change that makes it",
                "taken as a new municipality",
            )
        holder[code] = Municipality(code, [code])
    for code in runs:
        if end[code] is not None and not any(
            r["oldCode"] == code and r["changeOccurred"] == end[code] for r in klass.changes
        ):
            report.find(
                versions[runs[code][-1]].path,
                None,
                "defect",
                f"{code} ends on {day_before(end[code] or '')} with no code change from it",
                "its period ends there all the same",
            )

    municipalities = sorted({id(m): m for m in holder.values()}.values(), key=lambda m: m.key)
    graph = GraphBuilder(SLUG_131)
    for m in municipalities:
        m.iri = _municipality_iri(m, start, index, report, versions[0].path)

    # The source.
    files = klass.paths
    as_of = max(
        [v.last_modified for v in versions if v.last_modified]
        + [str((klass.classification or {}).get("lastModified") or "")[:10]]
    )
    graph.describe_source(
        SourceInfo(
            title_nb="SSB KLASS 131 Standard for kommuneinndeling: versjoner 1971–2024 og"
            " endringer",
            title_en="SSB KLASS 131 Standard for municipal division: versions 1971–2024 and"
            " code changes",
            publisher=SSB,
            publisher_name="Statistisk sentralbyrå",
            licence=CC_BY_4,
            as_of=as_of,
            read_on=read_on,
            files=files,
            url="https://data.ssb.no/api/klass/v1/classifications/131",
            description="The KLASS API's answers for classification 131 (classifications/131,"
            " versions/{id}, changes), as the API gives them. The source speaks for the day of"
            " its latest change (lastModified).",
        )
    )

    # Municipalities: names, numbers, existence.
    for m in municipalities:
        assert m.iri is not None
        iri = m.iri
        for type_ in (SG.Municipality, CV.PublicOrganisation, ORG.FormalOrganization):
            graph.add(iri, RDF.type, type_)
        graph.add(iri, ORG.classification, KOMM)
        names: list[tuple[str, str, str | None]] = []  # name, first day, first day not
        for code in m.codes:
            for i in runs[code]:
                name = versions[i].items[code]
                if names and names[-1][0] == name and names[-1][2] == versions[i].valid_from:
                    names[-1] = (name, names[-1][1], versions[i].valid_to)
                else:
                    names.append((name, versions[i].valid_from, versions[i].valid_to))
        for name, _, _ in names:
            graph.add(iri, SKOS.prefLabel, Literal(name, lang="nb"))
        if len(names) > 1:
            local = str(iri).rsplit("/", 1)[-1]
            seen: dict[str, int] = defaultdict(int)
            for name, begins, ends in names:
                seen[name] += 1
                suffix = "" if seen[name] == 1 else f"-{seen[name]}"
                key = f"{local}--name-{slug(name)}{suffix}"
                statement = ID[f"statement/{key}"]
                graph.add(statement, RDF.type, SG.QualifiedStatement)
                graph.add(statement, RDF.subject, iri)
                graph.add(statement, RDF.predicate, SKOS.prefLabel)
                graph.add(statement, RDF.object, Literal(name, lang="nb"))
                interval = graph.interval(
                    ID[f"interval/{key}"],
                    begins,
                    None if ends is None else day_before(ends),
                    begins == first_day,
                )
                graph.add(statement, DCTERMS.temporal, interval)
            if len({n for n, _, _ in names}) < len(names):
                report.find(
                    versions[0].path,
                    None,
                    "defect",
                    f"{m.codes[-1]} has the name {names[0][0]!r} in two separate periods",
                    "each period is a qualified statement of its own",
                )
        for code in m.codes:
            ident = graph.identifier(
                "kommunenummer",
                code,
                "Statistisk sentralbyrå",
                KOMMUNENUMMER,
                (
                    start[code],
                    None if end[code] is None else day_before(end[code] or ""),
                    start[code] == first_day,
                ),
            )
            graph.add(iri, _ADMS_IDENTIFIER, ident)
        if start[m.codes[0]] != first_day:
            graph.add(iri, SCHEMA.startDate, Literal(start[m.codes[0]], datatype=XSD.date))
        last_end = end[m.codes[-1]]
        if last_end is not None:
            graph.add(iri, SCHEMA.endDate, Literal(day_before(last_end), datatype=XSD.date))

    # Change events and the rows of the change table.
    for change in changes:
        event = ID[f"event/kommuner-{change.date}-{change.news[0]}"]
        for type_ in kind_of(change, end):
            graph.add(event, RDF.type, type_)
        graph.add(event, RDF.type, ORG.ChangeEvent)
        graph.add(event, DCTERMS.date, Literal(change.date, datatype=XSD.date))
        before = [holder[c] for c in change.olds if c in holder]
        after = [holder[c] for c in change.news if c in holder]
        for m in before:
            assert m.iri is not None
            graph.add(event, ORG.originalOrganization, m.iri)
            graph.add(m.iri, ORG.changedBy, event)
        for m in after:
            assert m.iri is not None
            graph.add(event, ORG.resultingOrganization, m.iri)
            if m not in before:
                graph.add(m.iri, ORG.resultedFrom, event)
        for code in change.olds:
            if end.get(code) == change.date:
                graph.add(event, SG.ends, ID[f"identifier/kommunenummer-{code}"])
        for code in change.news:
            if start.get(code) == change.date:
                graph.add(event, SG.begins, ID[f"identifier/kommunenummer-{code}"])
        text = ", ".join(
            f"{r['oldCode']} {r['oldName'].strip()} → {r['newCode']} {r['newName'].strip()}"
            for r in sorted(change.rows, key=lambda r: (r["oldCode"], r["newCode"]))
        )
        graph.add(event, RDFS.label, Literal(f"Kommuneendring {change.date}: {text}", lang="nb"))
        graph.add(event, RDFS.label, Literal(f"Municipal change {change.date}: {text}", lang="en"))
        for r in change.rows:
            if r["oldCode"] != r["newCode"]:
                graph.add(
                    ID[f"identifier/kommunenummer-{r['newCode']}"],
                    DCTERMS.replaces,
                    ID[f"identifier/kommunenummer-{r['oldCode']}"],
                )
            row = ID[f"code-change/kommune-{change.date}-{r['oldCode']}-{r['newCode']}"]
            graph.add(row, RDF.type, SG.CodeChange)
            graph.add(row, DCTERMS.isPartOf, event)
            graph.add(row, DCTERMS.date, Literal(change.date, datatype=XSD.date))
            graph.add(row, SG.oldCode, Literal(r["oldCode"]))
            graph.add(row, SG.newCode, Literal(r["newCode"]))
            graph.add(row, SG.oldName, Literal(r["oldName"].strip(), lang="nb"))
            graph.add(row, SG.newName, Literal(r["newName"].strip(), lang="nb"))
    report.count("municipalities", len(municipalities))
    report.count("municipality numbers", len(runs))
    report.count("change events", len(changes))
    report.count("code changes", len(klass.changes))

    _counties(graph, versions, runs, start, end, index, report)
    listing = [v for v in versions if v.unknown is not None]
    if listing:
        unknown = " / ".join(sorted({v.unknown or "" for v in listing}))
        where = (
            f"in each of the {len(versions)} versions"
            if len(listing) == len(versions)
            else f"in {len(listing)} of the {len(versions)} versions"
        )
        report.find(
            listing[0].path,
            None,
            "skipped",
            f"{UNKNOWN_CODE} {unknown} (not given), {where}",
            "not a municipality: left out",
        )
    return graph


_ADMS_IDENTIFIER = URIRef("http://www.w3.org/ns/adms#identifier")


def _municipality_iri(
    m: Municipality, start: dict[str, str], index: Municipalities, report: Report, path: Path
) -> URIRef:
    """The IRI the graph already has for the municipality (by any of its numbers on its first
    day with that number), or a new one from its first number."""
    found: set[URIRef] = set()
    for code in m.codes:
        found.update(index.number_on(code, start[code]))
        found.update(index.number_on(code, "9999-12-31") if not found else ())
    if len(found) == 1:
        return next(iter(found))
    if len(found) > 1:
        report.find(
            path,
            None,
            "ambiguous",
            f"the numbers {', '.join(m.codes)} belong to {len(found)} things in the graph",
            "a new IRI is made",
        )
    return ID[f"organization/kommune-{m.key}"]


_COUNTY = re.compile(
    r"(?<!\d)(\d{2}) ((?:[A-ZÆØÅ][\w-]*)(?: og [A-ZÆØÅ][\w-]*)?)"
    r"(?= fylke|,| deles|\.| og \d| slått)"
)


def county_names(version: Version) -> dict[str, tuple[str, str]]:
    """County names a version gives in its own words, each with where: its introduction
    («30 Viken deles i 31 Østfold fylke, …», «… til nytt fylke 50 Trøndelag.»), else an item's
    notes on a county merger («I 2020 ble 09 Aust-Agder og 10 Vest-Agder slått sammen til
    42 Agder.»).

    >>> county_names(Version(Path("x"), "", "2024-01-01", None, {},
    ...     "30 Viken deles i 31 Østfold fylke og 32 Akershus fylke. 38 Vestfold og Telemark"
    ...     " fylke deles i 39 Vestfold fylke.", ""))
    {'30': ('Viken', 'the introduction'), '31': ('Østfold', 'the introduction'),
    '32': ('Akershus', 'the introduction'), '38': ('Vestfold og Telemark', 'the introduction'),
    '39': ('Vestfold', 'the introduction')}
    >>> county_names(Version(Path("x"), "", "1971-01-01", None, {}, "", "", None,
    ...     {"0901": "I 2020 ble 09 Aust-Agder og 10 Vest-Agder slått sammen til 42 Agder."}))
    {'09': ('Aust-Agder', 'the notes on 0901'), '10': ('Vest-Agder', 'the notes on 0901'),
    '42': ('Agder', 'the notes on 0901')}
    """
    found: dict[str, tuple[str, str]] = {}
    texts = [("the introduction", version.introduction, "fylke")]
    notes = sorted(version.notes.items())
    texts += [(f"the notes on {code}", text, "slått sammen til") for code, text in notes]
    for where, text, marker in texts:
        for sentence in re.split(r"(?<=\.)\s+", text):
            if marker not in sentence:
                continue
            for number, name in _COUNTY.findall(sentence):
                found.setdefault(number, (name, where))
    return found


def _counties(
    graph: GraphBuilder,
    versions: list[Version],
    runs: dict[str, list[int]],
    start: dict[str, str],
    end: dict[str, str | None],
    index: Municipalities,
    report: Report,
) -> None:
    first_day = versions[0].valid_from
    by_county: dict[str, list[str]] = defaultdict(list)
    for code in runs:
        by_county[code[:2]].append(code)
    named: dict[str, tuple[str, str, Version]] = {}
    for version in versions:
        for number, (name, where) in county_names(version).items():
            named.setdefault(number, (name, where, version))
    made = 0
    for number, codes in sorted(by_county.items()):
        if len(codes) == 1 and codes[0][2:] in ("01",) and len(runs) > 1:
            report.find(
                versions[runs[codes[0]][0]].path,
                None,
                "skipped",
                f"county number {number} has one municipality, {codes[0]}"
                f" {versions[runs[codes[0]][0]].items[codes[0]]}, a municipality with county"
                " functions",
                "no county municipality made for it",
            )
            continue
        begins = min(start[c] for c in codes)
        ends_at = None if any(end[c] is None for c in codes) else max(end[c] or "" for c in codes)
        existing = index.county_on(number, begins)
        iri = existing[0] if len(existing) == 1 else ID[f"organization/fylkeskommune-{number}"]
        for type_ in (SG.CountyMunicipality, CV.PublicOrganisation, ORG.FormalOrganization):
            graph.add(iri, RDF.type, type_)
        graph.add(iri, ORG.classification, FYLK)
        ident = graph.identifier(
            "fylkesnummer",
            number,
            "Statistisk sentralbyrå",
            FYLKESNUMMER,
            (begins, None if ends_at is None else day_before(ends_at), begins == first_day),
        )
        graph.add(iri, _ADMS_IDENTIFIER, ident)
        if begins != first_day:
            graph.add(iri, SCHEMA.startDate, Literal(begins, datatype=XSD.date))
        if ends_at is not None:
            graph.add(iri, SCHEMA.endDate, Literal(day_before(ends_at), datatype=XSD.date))
        if number in named:
            name, where, version = named[number]
            graph.add(iri, SKOS.prefLabel, Literal(f"{name} fylkeskommune", lang="nb"))
            report.find(
                version.path,
                None,
                "note",
                f"county {number} is named {name!r} in {where} of {version.name}",
                f"named «{name} fylkeskommune»",
            )
        made += 1
    report.count("county municipalities", made)


# --------------------------------------------------------------------------------------------
# --online: the same files from the KLASS API

API_URL = "https://data.ssb.no/api/klass/v1"
"""The public KLASS API (``kg link klass --online --api-url`` points elsewhere)."""
CLASSIFICATION = "131"
SINCE = "1971-01-01"
"""The first day read: versions valid on or after it, and the code changes from it."""
TIMEOUT = 60.0
"""Seconds one request may take."""
PROJECT_URL = "https://w3id.org/samarbeidsgrafen"


def _user_agent() -> str:
    from kg import __version__

    return f"samarbeidsgrafen/{__version__} (kg link klass --online; {PROJECT_URL})"


def fetch(
    args: Sequence[Path],
    cache: Path,
    api_url: str | None = None,
    delay: float = 1.0,
    today: str | None = None,
) -> list[Path]:
    """Fetch classification 131 from the KLASS API into ``cache`` and return its files (and
    ``args``, the other files given, after them) for :func:`import_files`.

    Three kinds of answer, each kept as the API gives it: the classification
    (``{api}/classifications/131`` → ``131.json``), each of its versions valid on or after
    :data:`SINCE` (``{api}/versions/{id}``, the version's ``_links.self.href`` where it lies
    under ``api``, → ``{version name}.json``, as ``Kommuneinndeling 2024.json``) and the code
    changes (``{api}/classifications/131/changes?from=1971-01-01&to={today}`` →
    ``changetables.json``). An answer already in ``cache`` is not asked for again (delete the
    cache to read the API afresh); ``delay`` seconds pass between two requests. The answers
    are written (atomically) only once all of them were fetched and each is a JSON object:
    an error leaves the cache as it was. Raises :class:`EndpointError`.
    """
    import time
    from datetime import UTC, datetime

    from kg.publish.export import write_atomic

    api = (api_url or API_URL).rstrip("/")
    day = today or datetime.now(UTC).date().isoformat()
    fresh: dict[Path, bytes] = {}
    sent = 0

    def answer(url: str, path: Path) -> dict[str, Any]:
        nonlocal sent
        if path.is_file():
            data = path.read_bytes()
        else:
            if sent and delay > 0:
                time.sleep(delay)
            sent += 1
            data = _get(url)
            fresh[path] = data
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _not_json(url, path, exc) from None
        if not isinstance(doc, dict):
            raise _not_json(url, path, None)
        return doc

    classification = answer(
        f"{api}/classifications/{CLASSIFICATION}", cache / f"{CLASSIFICATION}.json"
    )
    versions = classification.get("versions")
    if not isinstance(versions, list):
        raise EndpointError(
            f"{api}/classifications/{CLASSIFICATION}",
            "the answer is not a KLASS classification (no versions): is --api-url the KLASS API"
            " (…/api/klass/v1)?",
        )
    files = [cache / f"{CLASSIFICATION}.json"]
    for index, version in enumerate(versions):
        ident = str(version.get("id")) if isinstance(version, dict) else ""
        if not re.fullmatch(r"\d{1,9}", ident):
            raise EndpointError(
                f"{api}/classifications/{CLASSIFICATION}",
                f"versions[{index}] has no numeric id: not a KLASS classification",
            )
        valid_from, valid_to = version.get("validFrom"), version.get("validTo")
        if not isinstance(valid_from, str) or valid_from > day:
            continue
        if isinstance(valid_to, str) and valid_to <= SINCE:
            continue
        # The file is named as offline (``Kommuneinndeling 2024.json``); nothing in a name
        # the API gives can lead out of the cache.
        name = re.sub(r"[^\w .()-]+", "-", str(version.get("name") or "")).strip(" .-")
        href = str(((version.get("_links") or {}).get("self") or {}).get("href") or "")
        url = href if href.startswith(api + "/") else f"{api}/versions/{ident}"
        path = cache / f"{name or 'version ' + ident}.json"
        if path in files:  # two versions of one name: the id tells them apart
            path = cache / f"{name} {ident}.json"
        answer(url, path)
        files.append(path)
    changes = cache / "changetables.json"
    answer(f"{api}/classifications/{CLASSIFICATION}/changes?from={SINCE}&to={day}", changes)
    files.append(changes)
    for path, data in fresh.items():
        write_atomic(path, data)
    return files + [p for p in args if p not in files]


def _get(url: str) -> bytes:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": _user_agent()}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode("utf-8", "replace")
        raise EndpointError(
            url, "the KLASS API answered with an error (try again later)", exc.code, body
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise EndpointError(
            url, f"cannot reach the KLASS API: {reason} (check the network or --api-url)"
        ) from None


def _not_json(url: str, path: Path, exc: Exception | None) -> EndpointError:
    what = "not JSON" if exc is not None else "not a JSON object"
    if path.is_file():
        return EndpointError(url, f"the cached {path} is {what} (delete it to fetch it again)")
    return EndpointError(
        url, f"the answer is {what}, not a KLASS answer (is --api-url the KLASS API, …/klass/v1?)"
    )


# --------------------------------------------------------------------------------------------
# Table 1236: organisation number → municipality number


def read_1236(path: Path) -> list[tuple[int, str, str, str, str]]:
    """The rows of correspondence table 1236 (``line, orgnr, name, number, municipality``), as
    SSB exports it: cp1252, ``;``-separated, quoted. A file that reads as UTF-8 with letters
    beyond ASCII is refused: it is not the export as published (Ø would read as Ã˜)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        first = next((i for i, b in enumerate(data) if b > 0x7F), None)
        if first is not None:
            raise LoadError(
                str(path),
                "the file is UTF-8; table 1236 is exported by SSB in cp1252",
                line=data[:first].count(b"\n") + 1,
                hint="give the file as SSB exports it, or convert it with iconv -t cp1252",
            )
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
    if text is None:
        raise LoadError(str(path), "not cp1252 text", hint="give the file as SSB exports it")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    rows: list[tuple[int, str, str, str, str]] = []
    header = next(reader, None)
    expected = ["sourceCode", "sourceName", "targetCode", "targetName"]
    if header != expected:
        raise LoadError(
            str(path),
            f"the header is {header!r}, not {expected!r}",
            line=1,
            hint="give KLASS correspondence table 1236 as exported",
        )
    for row in reader:
        line = reader.line_num
        if len(row) != 4:
            raise LoadError(str(path), f"{len(row)} fields, not 4", line=line)
        orgnr, name, number, municipality = (cell.strip() for cell in row)
        if not orgnr_valid(orgnr):
            raise LoadError(
                str(path),
                f"organisation number {orgnr} fails its check digit (mod 11)",
                line=line,
                hint="correct the number or leave the row out",
            )
        if not re.fullmatch(r"\d{4}", number):
            raise LoadError(
                str(path), f"municipality number {number!r} is not four digits", line=line
            )
        rows.append((line, orgnr, name, number, municipality))
    return rows


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def build_1236(path: Path, index: Municipalities, read_on: str, report: Report) -> GraphBuilder:
    rows = read_1236(path)
    graph = GraphBuilder(SLUG_1236)
    graph.describe_source(
        SourceInfo(
            title_nb="SSB KLASS korrespondansetabell 1236: organisasjonsnummer til kommunenummer"
            " 2020–2023",
            title_en="SSB KLASS correspondence table 1236: organisation number to municipality"
            " number 2020–2023",
            publisher=SSB,
            publisher_name="Statistisk sentralbyrå",
            licence=CC_BY_4,
            as_of="2023-12-31",
            read_on=read_on,
            files=(path,),
            url="https://data.ssb.no/api/klass/v1/correspondencetables/1236",
            description="Classification 582 (organisation numbers of municipalities) to 131,"
            " valid 2020-01-01 to 2023-12-31: it speaks for the last day of that period; each"
            " organisation number is known from 2020-01-01 at the latest.",
        )
    )
    linked = 0
    for line, orgnr, name, number, municipality in rows:
        found = index.number_on(number, "2020-01-01") or index.number_on(number, "2023-12-31")
        if len(found) != 1:
            report.find(
                path,
                line,
                "unmatched",
                f"{orgnr} {name}: municipality number {number} ({municipality}) is no"
                " municipality of the graph in 2020–2023",
                "left out",
            )
            continue
        ident = graph.identifier(
            "orgnr", orgnr, "Brønnøysundregistrene", ORGNR, ("2020-01-01", None, True)
        )
        graph.add(found[0], _ADMS_IDENTIFIER, ident)
        linked += 1
    report.count("organisation numbers", linked)
    return graph
