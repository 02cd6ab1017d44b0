"""Bufdir's child-welfare cooperation arrangements 2023 ("Interkommunale samarbeid på
barnevernsområdet 2023", via Datahotellet): one collaboration per row, one membership per
municipality number.

The file is ``;``-separated UTF-8 (with a byte-order mark) with the header
``kommunenavn;kommunenummer;fylke``; each row is an arrangement, its members' names and numbers
comma-separated in one cell each (``ØYER, GAUSDAL;3440, 3441;Innlandet``). It gives no names of
the arrangements, no hosts, forms or organisation numbers. ``meta.xml`` (the time it was updated,
in unix seconds) and ``fields.csv`` (the column names) may be given with it and are described as
parts of the source.

The list speaks for 2023: each number is resolved on 2023-01-01 and on 2023-12-31, and the two
must agree. A number that does not name a municipality in 2023 is linked only where SSB KLASS says
whom it means, and each such link is reported and carries a note on the membership
(``skos:editorialNote``, nb and en) saying what the source gave:

- a number KLASS's code changes replaced before 2023 (``1849``, Hamarøy's until 2019-12-31) is
  linked to the municipality with the successor number;
- a number that begins on 2024-01-01 (the list was updated on 2024-02-22, after the 2024 county
  split renumbered Buskerud, Telemark, Troms and Finnmark) is linked to the municipality that has it
  from that day, when that municipality existed through 2023 under another number.

Any other number is reported as unmatched and left out. Each name is checked against the
municipality's name in 2023 (the source writes them upper case), the counts of names and numbers
against each other, and the members' counties (the first two digits of their numbers) against
each other: an arrangement across a county border is reported and kept.

The arrangements have no names in the source; the shapes require a Norwegian one, so each gets a
descriptive label made from its members' names, as the project does for unnamed cooperations
(docs/source-review.md, F19: «Samarbeid om …», «Felles brannvesen for Lillehammer og Øyer»),
and a description that says the label is made.

>>> split_cell("3449,3450, 3451")
(['3449', '3450', '3451'], True)
>>> split_cell("ØYER, GAUSDAL")
(['ØYER', 'GAUSDAL'], False)
>>> joined(["Øyer", "Gausdal", "Lillehammer"], "og")
'Øyer, Gausdal og Lillehammer'
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from kg.errors import LoadError
from kg.link.common import (
    BUFDIR,
    NLOD_2,
    GraphBuilder,
    Municipalities,
    Report,
    SourceInfo,
    day_before,
    utf8_text,
)
from kg.model.namespaces import ADMS, DCTERMS, ID, ORG, SG, SKOS, VOCAB

SLUG = "bufdir-barnevernsamarbeid-2023"
HEADER = ["kommunenavn", "kommunenummer", "fylke"]
FIELDS_HEADER = ["shortname", "name", "content"]
YEAR = "2023"
FIRST_DAY = "2023-01-01"
LAST_DAY = "2023-12-31"
NEXT_DAY = "2024-01-01"
"""The first day after the year: the numbers the 2024 county split gave begin on it."""

CHILD_WELFARE = VOCAB["policy-domain/child-welfare"]
PARTICIPANT = VOCAB["role/participant"]
MEMBER = VOCAB["membership-status/member"]

IndexFor = Callable[[Sequence[URIRef]], Municipalities]


# --------------------------------------------------------------------------------------------
# Reading the files


@dataclass(frozen=True)
class Row:
    line: int
    names_cell: str
    numbers_cell: str
    county: str
    names: tuple[str, ...]
    numbers: tuple[str, ...]
    numbers_unspaced: bool
    names_unspaced: bool


def split_cell(cell: str) -> tuple[list[str], bool]:
    """The comma-separated parts of a cell, and whether a comma is not followed by a space."""
    parts = [part.strip() for part in cell.split(",")]
    return parts, bool(re.search(r",(?! )", cell))


def _text(path: Path, what: str) -> str:
    return utf8_text(
        path,
        path.read_bytes(),
        f"Bufdir publishes {what} as UTF-8; give the file as published or convert it"
        " with iconv -t utf-8",
    )


def read_dataset(path: Path) -> list[Row]:
    """The rows of ``dataset.csv``; a file that is not the list as published is refused."""
    text = _text(path, "the list")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    header = next(reader, None)
    if header != HEADER:
        raise LoadError(
            str(path),
            f"the header is {header!r}, not {HEADER!r}",
            line=1,
            hint="give Bufdir's dataset.csv of the child-welfare cooperation arrangements",
        )
    rows: list[Row] = []
    for cells in reader:
        line = reader.line_num
        if not cells:
            continue
        if len(cells) != 3:
            raise LoadError(
                str(path),
                f"{len(cells)} fields, not 3 (kommunenavn;kommunenummer;fylke)",
                line=line,
                hint="each row is one arrangement: names, numbers and county, ';'-separated",
            )
        names_cell, numbers_cell, county = cells
        names, names_unspaced = split_cell(names_cell)
        numbers, numbers_unspaced = split_cell(numbers_cell)
        for number in numbers:
            if not re.fullmatch(r"\d{4}", number):
                raise LoadError(
                    str(path),
                    f"municipality number {number!r} is not four digits",
                    line=line,
                    hint="correct the number in the kommunenummer cell or leave the row out",
                )
        if any(not name for name in names):
            raise LoadError(
                str(path),
                f"the names cell {names_cell!r} has an empty name",
                line=line,
                hint="give one name per municipality, comma-separated",
            )
        rows.append(
            Row(
                line,
                names_cell,
                numbers_cell,
                county.strip(),
                tuple(names),
                tuple(numbers),
                numbers_unspaced,
                names_unspaced,
            )
        )
    if not rows:
        raise LoadError(str(path), "no arrangements after the header", line=1)
    return rows


def read_meta(path: Path) -> tuple[str, str]:
    """The dataset's name and the day it was updated (UTC), from Datahotellet's ``meta.xml``."""
    text = _text(path, "meta.xml")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise LoadError(
            str(path), f"malformed XML: {exc}", line=exc.position[0], hint="fetch it again"
        ) from None
    updated = root.findtext("updated")
    name = root.findtext("name")
    if root.tag != "metadata" or updated is None or not updated.strip().isdigit() or not name:
        raise LoadError(
            str(path),
            "not Datahotellet's meta.xml: no <metadata> with <updated> (unix time) and <name>",
            hint="give the meta.xml of the dataset",
        )
    day = datetime.fromtimestamp(int(updated.strip()), UTC).date().isoformat()
    return name.strip(), day


def read_fields(path: Path) -> None:
    """Check ``fields.csv``: it names the three columns of the list."""
    text = _text(path, "fields.csv")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",")
    header = next(reader, None)
    if header != FIELDS_HEADER:
        raise LoadError(str(path), f"the header is {header!r}, not {FIELDS_HEADER!r}", line=1)
    names = [cells[0] for cells in reader if cells]
    if names != HEADER:
        raise LoadError(
            str(path),
            f"the fields are {names!r}, not {HEADER!r}",
            hint="give the fields.csv of the same dataset",
        )


def _is_fields(path: Path) -> bool:
    first = path.read_bytes().split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").strip()
    return first == ",".join(FIELDS_HEADER).encode()


# --------------------------------------------------------------------------------------------
# The graph


def joined(names: Sequence[str], conjunction: str) -> str:
    """``A``, ``A og B``, ``A, B og C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Link:
    number: str
    name: str
    municipality: URIRef
    note_nb: str | None = None
    note_en: str | None = None


def import_files(
    files: Sequence[Path], index_for: IndexFor, read_on: str
) -> tuple[list[GraphBuilder], list[Report]]:
    datasets: list[Path] = []
    metas: list[Path] = []
    fields: list[Path] = []
    for path in files:
        if path.suffix.lower() == ".xml":
            metas.append(path)
        elif path.suffix.lower() == ".csv":
            (fields if _is_fields(path) else datasets).append(path)
        else:
            raise LoadError(
                str(path), "not a file of the Bufdir list (dataset.csv, fields.csv, meta.xml)"
            )
    if len(datasets) != 1:
        where = datasets[1] if datasets else files[0]
        raise LoadError(
            str(where),
            f"{len(datasets)} lists given; give exactly one dataset.csv (with its fields.csv"
            " and meta.xml if you have them)",
        )
    if len(metas) > 1 or len(fields) > 1:
        raise LoadError(str((metas + fields)[1]), "give at most one meta.xml and one fields.csv")
    dataset = datasets[0]
    rows = read_dataset(dataset)
    meta = read_meta(metas[0]) if metas else None
    for path in fields:
        read_fields(path)
    report = Report("Bufdir barnevernsamarbeid 2023", SLUG)
    index = index_for([ID[f"graph/{SLUG}"]])
    graph = build(
        rows, dataset, meta, tuple(sorted(files, key=lambda p: p.name)), index, read_on, report
    )
    return [graph], [report]


def _resolve(
    number: str, name: str, index: Municipalities, path: Path, line: int, report: Report
) -> Link | None:
    """The municipality ``number`` names in 2023, or the one KLASS says it means (reported)."""
    first, last = index.number_on(number, FIRST_DAY), index.number_on(number, LAST_DAY)
    if len(first) == 1 and first == last:
        return Link(number, name, first[0])
    if first or last:
        report.find(
            path,
            line,
            "ambiguous",
            f"{number} ({name}) names {len(set(first + last))} municipalities in 2023"
            f" ({', '.join(_local(m) for m in sorted(set(first + last)))})",
            "left out",
        )
        return None
    changes = index.replaced(number, LAST_DAY)
    if changes:
        day, new = changes[-1]
        found = index.number_on(new, FIRST_DAY)
        if len(found) == 1 and found == index.number_on(new, LAST_DAY):
            target = found[0]
            label = index.name_of(target, LAST_DAY) or new
            until = day_before(day)
            report.find(
                path,
                line,
                "defect",
                f"{number} ({name}) is no municipality's number in 2023: it was used until"
                f" {until}; KLASS changes it to {new} on {day}",
                f"linked to {new} {label}, with a note on the membership",
            )
            return Link(
                number,
                name,
                target,
                f"Kilden oppgir kommunenummer {number}, som ble brukt til og med {until};"
                f" SSB KLASS endrer det til {new} fra {day}. Medlemskapet er derfor knyttet til"
                f" {label} ({new}), kommunen med nummer {new} i 2023.",
                f"The source gives municipality number {number}, which was in use until {until};"
                f" SSB KLASS changes it to {new} from {day}. The membership is therefore linked"
                f" to {label} ({new}), the municipality with number {new} in 2023.",
            )
    later = index.number_on(number, NEXT_DAY)
    if len(later) == 1:
        target = later[0]
        held = sorted(
            {
                n
                for n, holders in index.numbers.items()
                for m, p in holders
                if m == target and p.covers(FIRST_DAY) and p.covers(LAST_DAY)
            }
        )
        if len(held) == 1:
            old = held[0]
            label = index.name_of(target, NEXT_DAY) or number
            report.find(
                path,
                line,
                "defect",
                f"{number} ({name}) is no municipality's number in 2023: it begins on"
                f" {NEXT_DAY}, as {label}'s number; in 2023 {label} had {old}",
                f"linked to {label} ({old} in 2023), with a note on the membership",
            )
            return Link(
                number,
                name,
                target,
                f"Kilden oppgir kommunenummer {number}, som {label} har fra {NEXT_DAY}"
                f" (SSB KLASS). I 2023 hadde {label} nummer {old}; medlemskapet er knyttet til"
                " kommunen.",
                f"The source gives municipality number {number}, which {label} has from"
                f" {NEXT_DAY} (SSB KLASS). In 2023 {label} had number {old}; the membership is"
                " linked to the municipality.",
            )
    report.find(
        path,
        line,
        "unmatched",
        f"{number} ({name}) is no municipality of the graph in 2023",
        "left out",
    )
    return None


def build(
    rows: Sequence[Row],
    path: Path,
    meta: tuple[str, str] | None,
    files: tuple[Path, ...],
    index: Municipalities,
    read_on: str,
    report: Report,
) -> GraphBuilder:
    graph = GraphBuilder(SLUG)
    description = (
        "Bufdir's list of inter-municipal cooperation arrangements in child welfare in 2023,"
        " one row per arrangement with its municipalities' names and numbers and a county;"
        " it gives no names of the arrangements, no hosts and no forms of cooperation."
    )
    if meta is not None:
        description += f" Updated {meta[1]} (meta.xml)."
    graph.describe_source(
        SourceInfo(
            title_nb=meta[0] if meta else "Interkommunale samarbeid på barnevernsområdet 2023",
            title_en="Inter-municipal cooperation arrangements in child welfare 2023",
            publisher=BUFDIR,
            publisher_name="Barne-, ungdoms- og familiedirektoratet",
            licence=NLOD_2,
            as_of=YEAR,
            read_on=read_on,
            files=files,
            description=description,
        )
    )
    # No address of the dataset is in the files read: the source is cited by publisher, title,
    # channel and update day (meta.xml).
    updated = f", oppdatert {meta[1]}" if meta is not None else ""
    graph.add(
        graph.source,
        DCTERMS.bibliographicCitation,
        Literal(
            "Barne-, ungdoms- og familiedirektoratet (Bufdir): «Interkommunale samarbeid på"
            f" barnevernsområdet 2023», datasett på Datahotellet{updated}"
            f" ({', '.join(p.name for p in files)})."
        ),
    )
    arrangements = 0
    links = 0
    seen: dict[URIRef, int] = {}
    for row in rows:
        if row.names_unspaced:
            report.find(
                path,
                row.line,
                "defect",
                f"the names cell {row.names_cell!r} separates names with ',' and no space",
                "read as comma-separated",
            )
        if row.numbers_unspaced:
            report.find(
                path,
                row.line,
                "defect",
                f"the numbers cell {row.numbers_cell!r} separates numbers with ',' and no space",
                f"read as {len(row.numbers)} numbers",
            )
        if re.search(r" ,", row.names_cell):
            report.find(
                path,
                row.line,
                "defect",
                f"the names cell {row.names_cell!r} has a space before a comma",
                "read without it",
            )
        paired = len(row.names) == len(row.numbers)
        if not paired:
            report.find(
                path,
                row.line,
                "defect",
                f"{len(row.names)} names ({row.names_cell}) for {len(row.numbers)} numbers"
                f" ({row.numbers_cell})",
                "members linked by number; names not checked",
            )
        found: list[Link] = []
        for position, number in enumerate(row.numbers):
            name = row.names[position] if paired else "?"
            link = _resolve(number, name, index, path, row.line, report)
            if link is None:
                continue
            if paired and link.municipality not in (
                index.name_on(name, FIRST_DAY) + index.name_on(name, LAST_DAY)
            ):
                report.find(
                    path,
                    row.line,
                    "defect",
                    f"{number} is named {name!r}; its municipality's name in 2023 is"
                    f" {index.name_of(link.municipality, LAST_DAY)!r}",
                    "linked by the number",
                )
            found.append(link)
        members = sorted({link.municipality for link in found})
        if len(members) < len(found):
            report.find(
                path,
                row.line,
                "defect",
                f"{row.numbers_cell} names a municipality twice",
                "one membership for it",
            )
        counties = sorted({_county(index, link) for link in found})
        if len(counties) > 1:
            by_county = {
                c: ", ".join(
                    f"{lk.number} {_label(index, lk)}" for lk in found if _county(index, lk) == c
                )
                for c in counties
            }
            parts = ", ".join(f"{c} ({who})" for c, who in by_county.items())
            report.find(
                path,
                row.line,
                "defect",
                f"the members are in {len(counties)} counties: {parts}; the county column"
                f" says {row.county!r}",
                "kept as one arrangement across the county border",
            )
        if len(members) < 2:
            report.find(
                path,
                row.line,
                "skipped",
                f"{row.names_cell}: {len(members)} member(s) linked, a collaboration needs two",
                "the arrangement is left out",
            )
            continue
        key = "barnevern-2023-" + "-".join(sorted(row.numbers))
        collaboration = ID[f"collaboration/{key}"]
        if collaboration in seen:
            report.find(
                path,
                row.line,
                "defect",
                f"the same numbers as on line {seen[collaboration]}",
                "one arrangement for both rows",
            )
            continue
        seen[collaboration] = row.line
        names = [_label(index, link) for link in found]
        unique_names = list(dict.fromkeys(names))
        graph.add(collaboration, RDF.type, ORG.OrganizationalCollaboration)
        graph.add(collaboration, RDF.type, SG.InterMunicipalCooperation)
        graph.add(collaboration, ORG.purpose, CHILD_WELFARE)
        graph.add(
            collaboration,
            SKOS.prefLabel,
            Literal(f"Samarbeid om barnevern for {joined(unique_names, 'og')}", lang="nb"),
        )
        graph.add(
            collaboration,
            SKOS.prefLabel,
            Literal(f"Cooperation on child welfare for {joined(unique_names, 'and')}", lang="en"),
        )
        graph.add(
            collaboration,
            DCTERMS.description,
            Literal(
                "Interkommunalt samarbeid på barnevernsområdet i 2023 etter Bufdirs liste"
                f" (fylke: {row.county}). Kilden gir ikke samarbeidet navn; navnet er laget av"
                " kommunenes navn. Vertskommune og samarbeidsform er ikke oppgitt.",
                lang="nb",
            ),
        )
        graph.add(
            collaboration,
            DCTERMS.description,
            Literal(
                "Inter-municipal cooperation in child welfare in 2023 according to Bufdir's list"
                f" (county: {row.county}). The source gives the arrangement no name; the name"
                " is made from the municipalities' names. Host and form of cooperation are not"
                " stated.",
                lang="en",
            ),
        )
        done: set[URIRef] = set()
        for link in found:
            if link.municipality in done:
                continue
            done.add(link.municipality)
            membership = ID[f"membership/{key}--{_local(link.municipality)}--participant"]
            graph.add(membership, RDF.type, ORG.Membership)
            graph.add(membership, ORG.organization, collaboration)
            graph.add(membership, ORG.member, link.municipality)
            graph.add(membership, ORG.role, PARTICIPANT)
            graph.add(membership, ADMS.status, MEMBER)
            if link.note_nb and link.note_en:
                graph.add(membership, SKOS.editorialNote, Literal(link.note_nb, lang="nb"))
                graph.add(membership, SKOS.editorialNote, Literal(link.note_en, lang="en"))
            links += 1
        arrangements += 1
    report.count("arrangements", arrangements)
    report.count("memberships", links)
    return graph


def _label(index: Municipalities, link: Link) -> str:
    return index.name_of(link.municipality, LAST_DAY) or link.name


def _county(index: Municipalities, link: Link) -> str:
    """The county part of the member's number in 2023 (the number the source gave, when it is
    the municipality's; else the municipality's own 2023 number)."""
    for number, holders in sorted(index.numbers.items()):
        for m, period in holders:
            if m == link.municipality and period.covers(LAST_DAY):
                return number[:2]
    return link.number[:2]
