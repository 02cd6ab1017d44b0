"""``kg link bufdir``: Bufdir's child-welfare cooperation arrangements 2023.

The real list is read from ``/work/shared/sources/national`` (skipped where it is absent) and
linked to the municipalities of the project's ``data/`` (SSB KLASS 131); the refusals run on the
small fixtures in ``tests/fixtures/bufdir/``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import golden
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from support import PROJECT_DATA, run_kg

from kg.link import bufdir
from kg.link.common import GraphBuilder, Municipalities, Report
from kg.model.dataset import data_files
from kg.model.namespaces import ADMS, ID, ORG, SKOS, VOCAB
from kg.query import queries
from kg.query.engines import Limits, OxigraphEngine, run

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "sources" / "national"
"""``../shared/sources/national`` beside the project (its README.md gives each source)."""
FOLDER = SOURCE / "bufdir-child-welfare-cooperation-2023"
FILES = [FOLDER / "dataset.csv", FOLDER / "fields.csv", FOLDER / "meta.xml"]
FIXTURES = Path(__file__).parent / "fixtures" / "bufdir"
READ_ON = "2026-12-02"
GRAPH_FILE = PROJECT_DATA / f"{bufdir.SLUG}.trig"
REPORT_FILE = PROJECT_DATA / f"{bufdir.SLUG}.report.txt"


def _needs_source() -> None:
    if not FOLDER.is_dir():
        pytest.skip(f"the national sources are not here ({FOLDER}): Bufdir's list is not read")


@pytest.fixture(scope="module")
def imported() -> tuple[GraphBuilder, Report]:
    _needs_source()
    existing = sorted(p for p in PROJECT_DATA.glob("*.trig") if p != GRAPH_FILE)
    graphs, reports = bufdir.import_files(
        FILES, lambda skip: Municipalities.from_files(existing, skip), READ_ON
    )
    assert len(graphs) == 1 and len(reports) == 1
    return graphs[0], reports[0]


def _objects(graph: GraphBuilder, s: URIRef, p: URIRef) -> set[object]:
    return {o for s2, p2, o in graph.triples if s2 == s and p2 == p}


def _subjects(graph: GraphBuilder, p: URIRef, o: object) -> set[object]:
    return {s for s, p2, o2 in graph.triples if p2 == p and o2 == o}


# --------------------------------------------------------------------------------------------
# The real list


def test_64_arrangements_and_204_member_links(imported: tuple[GraphBuilder, Report]) -> None:
    graph, report = imported
    arrangements = _subjects(graph, RDF.type, ORG.OrganizationalCollaboration)
    assert len(arrangements) == 64
    assert _subjects(graph, ORG.purpose, VOCAB["policy-domain/child-welfare"]) == arrangements
    memberships = _subjects(graph, RDF.type, ORG.Membership)
    assert len(memberships) == 204
    links = {
        (o, m2) for m in memberships for o in _objects(graph, m, ORG.organization)
        for m2 in _objects(graph, m, ORG.member)
    }  # fmt: skip
    assert len(links) == 204
    member = VOCAB["membership-status/member"]
    assert all(_objects(graph, m, ADMS.status) == {member} for m in memberships)  # type: ignore[arg-type]
    assert report.counts == {"arrangements": 64, "memberships": 204}
    assert report.lines()[0] == (
        "Bufdir barnevernsamarbeid 2023: 64 arrangements, 204 memberships; 49 finding(s)"
    )


def test_the_three_known_traps_are_reported(imported: tuple[GraphBuilder, Report]) -> None:
    _, report = imported
    lines = report.lines()
    assert (
        "  dataset.csv:9: defect: 1849 (HAMARØY) is no municipality's number in 2023: it was"
        " used until 2019-12-31; KLASS changes it to 1875 on 2020-01-01; linked to 1875"
        " Hábmer - Hamarøy, with a note on the membership"
    ) in lines
    assert (
        "  dataset.csv:7: defect: the members are in 2 counties: 11 (1160 Vindafjord), 46 (4611"
        " Etne); the county column says 'Rogaland'; kept as one arrangement across the county"
        " border"
    ) in lines
    assert (
        "  dataset.csv:26: defect: the numbers cell '3449,3450, 3451, 3453' separates numbers"
        " with ',' and no space; read as 4 numbers"
    ) in lines


def test_what_else_the_list_holds_is_reported(imported: tuple[GraphBuilder, Report]) -> None:
    _, report = imported
    kinds: dict[str, int] = {}
    for finding in report.findings:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    assert kinds == {"defect": 49}
    later = [f for f in report.findings if "it begins on 2024-01-01" in f.message]
    assert len(later) == 40  # Buskerud, Telemark, Troms and Finnmark in their 2024 numbers
    assert str(later[0]) == (
        "dataset.csv:16: defect: 3334 (FLESBERG) is no municipality's number in 2023: it begins"
        " on 2024-01-01, as Flesberg's number; in 2023 Flesberg had 3050; linked to Flesberg"
        " (3050 in 2023), with a note on the membership"
    )
    names = [str(f) for f in report.findings if "is named" in f.message]
    assert names == [
        "dataset.csv:11: defect: 1820 is named 'ALSTADHAUG'; its municipality's name in 2023 is"
        " 'Alstahaug'; linked by the number",
        "dataset.csv:21: defect: 3419 is named 'VÅLER(INNLANDET)'; its municipality's name in"
        " 2023 is 'Våler (Innlandet)'; linked by the number",
        "dataset.csv:36: defect: 4219 is named 'EVJE OG HORNES'; its municipality's name in"
        " 2023 is 'Evje og Hornnes'; linked by the number",
    ]
    borders = [f.line for f in report.findings if "county border" in f.action]
    assert borders == [7, 52, 65]  # Etne; Os with Røros and Holtålen; Rindal with Tingvoll …


def test_1849_is_linked_to_hamaroy_with_a_note(imported: tuple[GraphBuilder, Report]) -> None:
    graph, _ = imported
    collaboration = ID["collaboration/barnevern-2023-1804-1836-1838-1848-1849-1856-1857"]
    hamaroy = ID["organization/kommune-1875"]
    membership = ID[
        "membership/barnevern-2023-1804-1836-1838-1848-1849-1856-1857--kommune-1875--participant"
    ]
    assert _objects(graph, membership, ORG.organization) == {collaboration}
    assert _objects(graph, membership, ORG.member) == {hamaroy}
    assert _objects(graph, membership, SKOS.editorialNote) == {
        Literal(
            "Kilden oppgir kommunenummer 1849, som ble brukt til og med 2019-12-31; SSB KLASS"
            " endrer det til 1875 fra 2020-01-01. Medlemskapet er derfor knyttet til Hábmer -"
            " Hamarøy (1875), kommunen med nummer 1875 i 2023.",
            lang="nb",
        ),
        Literal(
            "The source gives municipality number 1849, which was in use until 2019-12-31; SSB"
            " KLASS changes it to 1875 from 2020-01-01. The membership is therefore linked to"
            " Hábmer - Hamarøy (1875), the municipality with number 1875 in 2023.",
            lang="en",
        ),
    }
    assert _objects(graph, collaboration, SKOS.prefLabel) == {
        Literal(
            "Samarbeid om barnevern for Bodø, Rødøy, Gildeskål, Steigen, Hábmer - Hamarøy, Røst"
            " og Værøy",
            lang="nb",
        ),
        Literal(
            "Cooperation on child welfare for Bodø, Rødøy, Gildeskål, Steigen, Hábmer - Hamarøy,"
            " Røst and Værøy",
            lang="en",
        ),
    }
    notes = {s for s, p, _ in graph.triples if p == SKOS.editorialNote}
    assert len(notes) == 41  # 1849 and the forty 2024 numbers


def test_oyer_and_gausdal_join_the_graph_on_their_iris(
    imported: tuple[GraphBuilder, Report],
) -> None:
    graph, _ = imported
    collaboration = ID["collaboration/barnevern-2023-3440-3441"]
    members = {
        o
        for m in _subjects(graph, ORG.organization, collaboration)
        for o in _objects(graph, m, ORG.member)
    }  # type: ignore[arg-type]
    assert members == {ID["organization/oyer"], ID["organization/gausdal"]}


@pytest.mark.national
def test_reimport_gives_the_committed_files_byte_for_byte(
    imported: tuple[GraphBuilder, Report],
) -> None:
    graph, report = imported
    assert graph.trig() == GRAPH_FILE.read_bytes()
    assert ("\n".join(report.lines()) + "\n").encode() == REPORT_FILE.read_bytes()


@pytest.mark.national
def test_the_named_query_lists_204_members_of_64_arrangements() -> None:
    """On the project's data (the committed graph), with the project's default engine."""
    engine = OxigraphEngine.of_store(
        golden.oxigraph_store(data_files(PROJECT_DATA)), Limits(isolated=False), union=True
    )
    found = run(queries.catalogue()["child-welfare-arrangements"], engine)
    rows = found.records()
    assert len(rows) == 204
    assert len({str(r["arrangement"]) for r in rows}) == 64
    assert all(r["municipalityNumber"] is not None for r in rows)
    assert all(r["municipalityLabel"] is not None for r in rows)
    oyer = [
        (str(r["municipalityNumber"]), str(r["municipalityLabel"]))
        for r in rows
        if r["arrangement"] == ID["collaboration/barnevern-2023-3440-3441"]
    ]
    assert oyer == [("3440", "Øyer"), ("3441", "Gausdal")]
    noted = sorted(str(r["municipalityNumber"]) for r in rows if r.get("note") is not None)
    assert len(noted) == 41
    assert "1875" in noted and "3047" in noted


# --------------------------------------------------------------------------------------------
# Refusals: one line, exit 2, nothing written


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(PROJECT_DATA / "oyer-regionalt-samarbeid-2010.trig", folder)
    return folder


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "latin-1.csv",
            "latin-1.csv:2: not UTF-8: byte 0xd8 at offset 32 (Bufdir publishes the list as"
            " UTF-8; give the file as published or convert it with iconv -t utf-8)",
        ),
        (
            "non-numeric.csv",
            "non-numeric.csv:3: municipality number '34x1' is not four digits (correct the number"
            " in the kommunenummer cell or leave the row out)",
        ),
    ],
)
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_written(
    data_copy: Path, fixture: str, message: str
) -> None:
    before = _snapshot(data_copy)
    path = FIXTURES / fixture
    done = run_kg("link", "bufdir", str(path), "--data", str(data_copy), "--read-on", READ_ON)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"kg: error: {FIXTURES}/{message}\n"
    assert _snapshot(data_copy) == before
