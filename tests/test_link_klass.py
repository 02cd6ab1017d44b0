"""``kg link klass``: SSB KLASS classification 131 and correspondence table 1236 into source
graphs of ``data/``, on fixtures cut from the real files (tests/fixtures/klass, see its README),
on the real files (skipped where ../shared is absent) and on the committed data; its refusals;
and ``--online`` against a KLASS API this test serves on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Dataset
from support import PROJECT_DATA, run_kg

import kg
from kg.model import paths
from kg.model.dataset import data_files, load_dataset
from kg.model.namespaces import ID
from kg.query import queries
from kg.query.engines import OxigraphEngine, run
from kg.query.settings import Limits

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")

FIXTURES = Path(__file__).parent / "fixtures" / "klass"
KLASS_FILES = sorted(FIXTURES.glob("*.json"))
TABLE = FIXTURES / "corr-1236.cp1252.csv"
READ_ON = "2026-12-02"
NATIONAL = paths.SHARED_DIR / "sources" / "national"
G131 = ID["graph/ssb-klass-131"]
G1236 = ID["graph/ssb-klass-1236"]


def o(local: str) -> str:
    return str(ID[f"organization/{local}"])


def link(*args: Path | str, data: Path, root: Path | None = None) -> Any:
    """``kg link klass ARGS --read-on 2026-12-02 --data DATA`` (a subprocess: the real exit
    code and stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return run_kg(
        "link", "klass", *map(str, args), "--read-on", READ_ON, "--data", str(data),
        root=root, env=env,
    )  # fmt: skip


def select(dataset: Dataset, query: str) -> list[tuple[str | None, ...]]:
    rows = dataset.query(
        "PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "PREFIX adms: <http://www.w3.org/ns/adms#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        "PREFIX time: <http://www.w3.org/2006/time#>\n"
        "PREFIX schema: <http://schema.org/>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    )
    return sorted(tuple(None if v is None else str(v) for v in row) for row in rows)


def numbers_on(engine: OxigraphEngine, day: str) -> list[tuple[str, str, str]]:
    """municipality-numbers-on-date on ``day``: (number, municipality, state) by number."""
    query = queries.catalogue()["municipality-numbers-on-date"]
    result = run(query, engine, {"asOf": day})
    names = [str(v) for v in result.variables]
    found = [dict(zip(names, row, strict=True)) for row in result.rows]
    return [(str(r["number"]), str(r["municipality"]), str(r["state"])) for r in found]


# --------------------------------------------------------------------------------------------
# The fixtures imported


@dataclass
class Imported:
    data: Path
    stdout: str
    stderr: str
    dataset: Dataset = field(default_factory=Dataset)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    data = tmp_path_factory.mktemp("klass") / "data"
    data.mkdir()
    shutil.copy(paths.DATA_DIR / "registry-facts.trig", data)
    done = link(*KLASS_FILES, TABLE, data=data)
    assert done.returncode == 0, done.stderr
    result = Imported(data, done.stdout, done.stderr)
    for name in ("ssb-klass-131.trig", "ssb-klass-1236.trig"):
        result.dataset.parse(data / name, format="trig")
    return result


REPORT_131 = [
    "SSB KLASS 131: 15 municipalities, 19 municipality numbers, 8 change events, 14 code"
    " changes, 7 county municipalities; 3 finding(s)",
    "  Kommuneinndeling 2024.json: note: county 30 is named 'Viken' in the introduction of"
    " Kommuneinndeling 2024; named «Viken fylkeskommune»",
    "  Kommuneinndeling 2024.json: note: county 32 is named 'Akershus' in the introduction of"
    " Kommuneinndeling 2024; named «Akershus fylkeskommune»",
    "  Kommuneinndeling 2019.json: skipped: 9999 Uoppgitt (not given), in each of the 5"
    " versions; not a municipality: left out",
]
REPORT_1236 = [
    "SSB KLASS 1236: 6 organisation numbers; 1 finding(s)",
    "  corr-1236.cp1252.csv:6: unmatched: 958935420 OSLO KOMMUNE: municipality number 0301"
    " (Oslo) is no municipality of the graph in 2020–2023; left out",
]


def test_the_report_and_what_was_written(imported: Imported) -> None:
    data = imported.data
    assert imported.stdout.splitlines() == [
        *REPORT_131,
        *REPORT_1236,
        f"wrote {data / 'ssb-klass-131.trig'}",
        f"wrote {data / 'ssb-klass-1236.trig'}",
        f"wrote {data / 'ssb-klass-131.report.txt'}",
        f"wrote {data / 'ssb-klass-1236.report.txt'}",
    ]
    assert imported.stderr == ""
    assert (data / "ssb-klass-131.report.txt").read_text("utf-8") == "\n".join(REPORT_131) + "\n"
    assert (data / "ssb-klass-1236.report.txt").read_text("utf-8") == (
        "\n".join(REPORT_1236) + "\n"
    )
    assert sorted(p.name for p in data.iterdir()) == [
        "registry-facts.trig",
        "ssb-klass-1236.report.txt",
        "ssb-klass-1236.trig",
        "ssb-klass-131.report.txt",
        "ssb-klass-131.trig",
    ]


def test_municipalities_keep_the_iris_of_the_graph(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?m (GROUP_CONCAT(?name; separator="|") AS ?names) WHERE {{
          GRAPH <{G131}> {{ ?m a sg:Municipality ; skos:prefLabel ?name }}
        }} GROUP BY ?m""",
    )
    assert [(m, "|".join(sorted(str(n).split("|")))) for m, n in found] == [
        (o("gausdal"), "Gausdal"),
        (o("kommune-0213"), "Ski"),
        (o("kommune-0217"), "Oppegård"),
        (o("kommune-1504"), "Ålesund"),
        (o("kommune-1507"), "Ålesund"),
        (o("kommune-1508"), "Ålesund"),
        (o("kommune-1523"), "Ørskog"),
        (o("kommune-1529"), "Skodje"),
        (o("kommune-1534"), "Haram"),
        (o("kommune-1546"), "Sandøy"),
        (o("kommune-1580"), "Haram"),
        (o("kommune-1833"), "Rana|Rana - Raane"),
        (o("kommune-3020"), "Nordre Follo"),
        (o("lillehammer"), "Lillehammer"),
        (o("oyer"), "Øyer"),
    ]


def test_a_rename_gives_each_name_its_period(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?name ?begins ?approximate ?ends WHERE {{ GRAPH <{G131}> {{
          ?s rdf:subject <{o("kommune-1833")}> ; rdf:predicate skos:prefLabel ; rdf:object ?name ;
             dct:temporal ?i .
          ?i time:hasBeginning ?b . ?b time:inXSDDate ?begins .
          OPTIONAL {{ ?b sg:approximate ?approximate }}
          OPTIONAL {{ ?i time:hasEnd/time:inXSDDate ?ends }}
        }} }}""",
    )
    assert found == [
        ("Rana", "2019-01-01", "true", "2023-12-31"),
        ("Rana - Raane", "2024-01-01", None, None),
    ]


def test_numbers_and_their_periods(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?n ?m ?begins ?approximate ?ends ?start ?end WHERE {{ GRAPH <{G131}> {{
          ?m a sg:Municipality ; adms:identifier ?i .
          ?i skos:notation ?n ; dct:temporal ?t .
          ?t time:hasBeginning ?b . ?b time:inXSDDate ?begins .
          OPTIONAL {{ ?b sg:approximate ?approximate }}
          OPTIONAL {{ ?t time:hasEnd/time:inXSDDate ?ends }}
          OPTIONAL {{ ?m schema:startDate ?start }}
          OPTIONAL {{ ?m schema:endDate ?end }}
        }} }}""",
    )
    first = ("2019-01-01", "true", "2019-12-31", None, "2019-12-31")
    assert found == [
        ("0213", o("kommune-0213"), *first),
        ("0217", o("kommune-0217"), *first),
        ("0501", o("lillehammer"), "2019-01-01", "true", "2019-12-31", None, None),
        ("0521", o("oyer"), "2019-01-01", "true", "2019-12-31", None, None),
        ("0522", o("gausdal"), "2019-01-01", "true", "2019-12-31", None, None),
        ("1504", o("kommune-1504"), *first),
        ("1507", o("kommune-1507"), "2020-01-01", None, "2023-12-31", "2020-01-01", "2023-12-31"),
        ("1508", o("kommune-1508"), "2024-01-01", None, None, "2024-01-01", None),
        ("1523", o("kommune-1523"), *first),
        ("1529", o("kommune-1529"), *first),
        ("1534", o("kommune-1534"), *first),
        ("1546", o("kommune-1546"), *first),
        ("1580", o("kommune-1580"), "2024-01-01", None, None, "2024-01-01", None),
        ("1833", o("kommune-1833"), "2019-01-01", "true", None, None, None),
        ("3020", o("kommune-3020"), "2020-01-01", None, "2023-12-31", "2020-01-01", None),
        ("3207", o("kommune-3020"), "2024-01-01", None, None, "2020-01-01", None),
        ("3405", o("lillehammer"), "2020-01-01", None, None, None, None),
        ("3440", o("oyer"), "2020-01-01", None, None, None, None),
        ("3441", o("gausdal"), "2020-01-01", None, None, None, None),
    ]


def test_the_first_beginning_is_at_the_latest(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?instant ?day ?comment WHERE {{ GRAPH <{G131}> {{
          ?instant sg:approximate true ; time:inXSDDate ?day ; rdfs:comment ?comment .
          FILTER (LANG(?comment) = "en")
        }} }}""",
    )
    assert found == [
        (
            str(ID["instant/2019-01-01--at-latest"]),
            "2019-01-01",
            "By 2019-01-01 at the latest: the first day the source covers; it may have begun"
            " earlier.",
        )
    ]


def test_change_events_of_each_kind(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?e ?kinds ?date ?before ?after ?ends ?begins WHERE {{
          {{ SELECT ?e (GROUP_CONCAT(DISTINCT STRAFTER(STR(?k), "#"); separator=" ") AS ?kinds)
              (SAMPLE(?d) AS ?date)
              (GROUP_CONCAT(DISTINCT STRAFTER(STR(?x), "organization/"); separator=" ")
                AS ?before)
            WHERE {{ GRAPH <{G131}> {{ ?e a ?k ; dct:date ?d ; org:originalOrganization ?x }} }}
            GROUP BY ?e }}
          {{ SELECT ?e (GROUP_CONCAT(DISTINCT STRAFTER(STR(?y), "organization/"); separator=" ")
                AS ?after)
            WHERE {{ GRAPH <{G131}> {{ ?e org:resultingOrganization ?y }} }} GROUP BY ?e }}
          {{ SELECT ?e (GROUP_CONCAT(DISTINCT COALESCE(STRAFTER(STR(?i), "kommunenummer-"), "");
                separator=" ")
                AS ?ends)
            WHERE {{ GRAPH <{G131}> {{ ?e a org:ChangeEvent OPTIONAL {{ ?e sg:ends ?i }} }} }}
            GROUP BY ?e }}
          {{ SELECT ?e (GROUP_CONCAT(DISTINCT COALESCE(STRAFTER(STR(?j), "kommunenummer-"), "");
                separator=" ")
                AS ?begins)
            WHERE {{ GRAPH <{G131}> {{ ?e a org:ChangeEvent OPTIONAL {{ ?e sg:begins ?j }} }} }}
            GROUP BY ?e }}
        }}""",
    )

    def words(text: str | None) -> str:
        return " ".join(sorted((text or "").split()))

    event = str(ID["event/kommuner-"])
    assert [
        (e.removeprefix(event), words(k), d, words(b), words(a), words(x), words(y))
        for e, k, d, b, a, x, y in found
    ] == [
        (
            "2020-01-01-1507",
            "ChangeEvent Merger",
            "2020-01-01",
            "kommune-1504 kommune-1523 kommune-1529 kommune-1534 kommune-1546",
            "kommune-1507",
            "1504 1523 1529 1534 1546",
            "1507",
        ),
        ("2020-01-01-3020", "ChangeEvent Merger", "2020-01-01", "kommune-0213 kommune-0217",
         "kommune-3020", "0213 0217", "3020"),
        ("2020-01-01-3405", "ChangeEvent Renumbering", "2020-01-01", "lillehammer",
         "lillehammer", "0501", "3405"),
        ("2020-01-01-3440", "ChangeEvent Renumbering", "2020-01-01", "oyer", "oyer", "0521",
         "3440"),
        ("2020-01-01-3441", "ChangeEvent Renumbering", "2020-01-01", "gausdal", "gausdal",
         "0522", "3441"),
        ("2024-01-01-1508", "ChangeEvent Split", "2024-01-01", "kommune-1507",
         "kommune-1508 kommune-1580", "1507", "1508 1580"),
        ("2024-01-01-1833", "ChangeEvent Rename", "2024-01-01", "kommune-1833", "kommune-1833",
         "", ""),
        ("2024-01-01-3207", "ChangeEvent Renumbering", "2024-01-01", "kommune-3020",
         "kommune-3020", "3020", "3207"),
    ]  # fmt: skip


def test_each_code_change_is_a_row_of_its_event(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?date ?old ?oldName ?new ?newName ?event WHERE {{ GRAPH <{G131}> {{
          ?c a sg:CodeChange ; dct:date ?date ; sg:oldCode ?old ; sg:oldName ?oldName ;
             sg:newCode ?new ; sg:newName ?newName ; dct:isPartOf ?event .
        }} }}""",
    )
    event = str(ID["event/kommuner-"])
    assert [(d, a, an, b, bn, e.removeprefix(event)) for d, a, an, b, bn, e in found] == [
        ("2020-01-01", "0213", "Ski", "3020", "Nordre Follo", "2020-01-01-3020"),
        ("2020-01-01", "0217", "Oppegård", "3020", "Nordre Follo", "2020-01-01-3020"),
        ("2020-01-01", "0501", "Lillehammer", "3405", "Lillehammer", "2020-01-01-3405"),
        ("2020-01-01", "0521", "Øyer", "3440", "Øyer", "2020-01-01-3440"),
        ("2020-01-01", "0522", "Gausdal", "3441", "Gausdal", "2020-01-01-3441"),
        ("2020-01-01", "1504", "Ålesund", "1507", "Ålesund", "2020-01-01-1507"),
        ("2020-01-01", "1523", "Ørskog", "1507", "Ålesund", "2020-01-01-1507"),
        ("2020-01-01", "1529", "Skodje", "1507", "Ålesund", "2020-01-01-1507"),
        ("2020-01-01", "1534", "Haram", "1507", "Ålesund", "2020-01-01-1507"),
        ("2020-01-01", "1546", "Sandøy", "1507", "Ålesund", "2020-01-01-1507"),
        ("2024-01-01", "1507", "Ålesund", "1508", "Ålesund", "2024-01-01-1508"),
        ("2024-01-01", "1507", "Ålesund", "1580", "Haram", "2024-01-01-1508"),
        ("2024-01-01", "1833", "Rana", "1833", "Rana - Raane", "2024-01-01-1833"),
        ("2024-01-01", "3020", "Nordre Follo", "3207", "Nordre Follo", "2024-01-01-3207"),
    ]


def test_county_municipalities_from_the_county_part(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?c ?n ?begins ?ends ?label WHERE {{ GRAPH <{G131}> {{
          ?c a sg:CountyMunicipality ; adms:identifier ?i . ?i skos:notation ?n ; dct:temporal ?t .
          ?t time:hasBeginning/time:inXSDDate ?begins .
          OPTIONAL {{ ?t time:hasEnd/time:inXSDDate ?ends }}
          OPTIONAL {{ ?c skos:prefLabel ?label }}
        }} }}""",
    )
    assert found == [
        (o("fylkeskommune-02"), "02", "2019-01-01", "2019-12-31", None),
        (o("fylkeskommune-15"), "15", "2019-01-01", None, None),
        (o("fylkeskommune-18"), "18", "2019-01-01", None, None),
        (o("fylkeskommune-30"), "30", "2020-01-01", "2023-12-31", "Viken fylkeskommune"),
        (o("fylkeskommune-32"), "32", "2024-01-01", None, "Akershus fylkeskommune"),
        (o("innlandet-fylkeskommune"), "34", "2020-01-01", None, None),
        (o("oppland-fylkeskommune"), "05", "2019-01-01", "2019-12-31", None),
    ]


def test_organisation_numbers_from_table_1236(imported: Imported) -> None:
    found = select(
        imported.dataset,
        f"""SELECT ?m ?n ?begins ?approximate WHERE {{ GRAPH <{G1236}> {{
          ?m adms:identifier ?i . ?i skos:notation ?n ; dct:temporal/time:hasBeginning ?b .
          ?b time:inXSDDate ?begins ; sg:approximate ?approximate .
        }} }}""",
    )
    at_latest = ("2020-01-01", "true")
    assert found == [
        (o("gausdal"), "961381274", *at_latest),
        (o("kommune-1507"), "920415288", *at_latest),
        (o("kommune-1833"), "872418032", *at_latest),
        (o("kommune-3020"), "922092648", *at_latest),
        (o("lillehammer"), "945578564", *at_latest),
        (o("oyer"), "961381185", *at_latest),
    ]


def test_the_sources_are_described(imported: Imported) -> None:
    found = select(
        imported.dataset,
        """SELECT ?doc ?asOf ?read (GROUP_CONCAT(?name; separator="|") AS ?files) WHERE {
          GRAPH ?g { ?g prov:wasDerivedFrom ?doc ; prov:generatedAtTime ?read .
            ?doc sg:asOf ?asOf ; dct:hasPart/dct:identifier ?name . }
        } GROUP BY ?doc ?asOf ?read""",
    )
    assert [(d, a, r, "|".join(sorted(str(f).split("|")))) for d, a, r, f in found] == [
        (
            str(ID["source/ssb-klass-1236"]),
            "2023-12-31",
            READ_ON,
            "corr-1236.cp1252.csv",
        ),
        (
            str(ID["source/ssb-klass-131"]),
            "2024-11-27",
            READ_ON,
            "131.json|Kommuneinndeling 2019.json|Kommuneinndeling 2020.json|"
            "Kommuneinndeling 2022.json|Kommuneinndeling 2023.json|Kommuneinndeling 2024.json|"
            "changetables.json",
        ),
    ]


@pytest.fixture(scope="module")
def fixture_engine(imported: Imported) -> OxigraphEngine:
    return OxigraphEngine(load_dataset(sorted(imported.data.glob("*.trig"))))


def test_municipality_numbers_on_dates(fixture_engine: OxigraphEngine) -> None:
    def on(day: str) -> list[tuple[str, str]]:
        rows = numbers_on(fixture_engine, day)
        assert {state for _, _, state in rows} == {"in force"}
        return [(n, m.removeprefix(str(ID["organization/"]))) for n, m, _ in rows]

    assert on("2019-06-01") == [
        ("0213", "kommune-0213"),
        ("0217", "kommune-0217"),
        ("0501", "lillehammer"),
        ("0521", "oyer"),
        ("0522", "gausdal"),
        ("1504", "kommune-1504"),
        ("1523", "kommune-1523"),
        ("1529", "kommune-1529"),
        ("1534", "kommune-1534"),
        ("1546", "kommune-1546"),
        ("1833", "kommune-1833"),
    ]
    assert on("2020-06-01") == [
        ("1507", "kommune-1507"),
        ("1833", "kommune-1833"),
        ("3020", "kommune-3020"),
        ("3405", "lillehammer"),
        ("3440", "oyer"),
        ("3441", "gausdal"),
    ]
    assert on("2024-01-01") == [
        ("1508", "kommune-1508"),
        ("1580", "kommune-1580"),
        ("1833", "kommune-1833"),
        ("3207", "kommune-3020"),
        ("3405", "lillehammer"),
        ("3440", "oyer"),
        ("3441", "gausdal"),
    ]


def test_importing_again_gives_the_same_bytes(imported: Imported, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(imported.data, data)
    done = link(*KLASS_FILES, TABLE, data=data)
    assert done.returncode == 0, done.stderr
    for name in ("ssb-klass-131.trig", "ssb-klass-1236.trig"):
        assert (data / name).read_bytes() == (imported.data / name).read_bytes()


def test_9999_is_counted_in_the_versions_that_list_it(tmp_path: Path) -> None:
    name = "Kommuneinndeling 2022.json"
    doc = json.loads((FIXTURES / name).read_bytes())
    doc["classificationItems"] = [i for i in doc["classificationItems"] if i["code"] != "9999"]
    files = versions_with(tmp_path, name, json.dumps(doc, ensure_ascii=False).encode())
    data = tmp_path / "data"
    done = link(*files, data=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[3] == (
        "  Kommuneinndeling 2019.json: skipped: 9999 Uoppgitt (not given), in 4 of the 5"
        " versions; not a municipality: left out"
    )
    # Without the registry facts in data/, Øyer's IRI is made from its first number.
    trig = (data / "ssb-klass-131.trig").read_text("utf-8")
    assert f"<{o('kommune-0521')}>" in trig
    assert f"<{o('oyer')}>" not in trig


# --------------------------------------------------------------------------------------------
# The real files and the committed data


@pytest.mark.national
def test_the_real_files_give_the_committed_data_byte_for_byte(tmp_path: Path) -> None:
    if not (NATIONAL / "ssb-klass-131" / "changetables.json").is_file():
        pytest.skip(f"the national sources are not here ({NATIONAL}): nothing to re-import")
    data = tmp_path / "data"
    shutil.copytree(PROJECT_DATA, data)
    for name in ("ssb-klass-131.trig", "ssb-klass-1236.trig"):
        (data / name).unlink()
    table = (
        NATIONAL / "ssb-klass-correspondence-1236" / "corr-1236-orgnr-to-municipality.cp1252.csv"
    )
    done = link(*sorted((NATIONAL / "ssb-klass-131").glob("*.json")), table, data=data)
    assert done.returncode == 0, done.stderr
    for name in (
        "ssb-klass-131.trig",
        "ssb-klass-1236.trig",
        "ssb-klass-131.report.txt",
        "ssb-klass-1236.report.txt",
    ):
        assert (data / name).read_bytes() == (PROJECT_DATA / name).read_bytes(), name


@pytest.fixture(scope="module")
def data_engine() -> OxigraphEngine:
    """The project's data/ in pyoxigraph (the query takes minutes on it for now: no timeout)."""
    return OxigraphEngine(load_dataset(data_files(PROJECT_DATA)), Limits(timeout=1800.0))


@pytest.mark.national
def test_the_committed_data_answers_the_issue(data_engine: OxigraphEngine) -> None:
    counts = {}
    for day in ("2024-01-01", "2020-06-01", "2019-06-01"):
        rows = numbers_on(data_engine, day)
        counts[day] = sum(1 for _, _, state in rows if state == "in force")
        if day == "2019-06-01":
            assert [(m, s) for n, m, s in rows if n == "0521"] == [(o("oyer"), "in force")]
    assert counts == {"2024-01-01": 357, "2020-06-01": 356, "2019-06-01": 422}
    rows = numbers_on(data_engine, "2021-06-01")
    assert [(n, s) for n, m, s in rows if m == o("oyer")] == [("3440", "in force")]


@pytest.mark.national
def test_the_committed_data_has_every_code_change() -> None:
    dataset = Dataset()
    dataset.parse(PROJECT_DATA / "ssb-klass-131.trig", format="trig")
    found = select(
        dataset,
        f"""SELECT (COUNT(DISTINCT ?c) AS ?rows) (COUNT(DISTINCT ?e) AS ?events) WHERE {{
          GRAPH <{G131}> {{ ?c a sg:CodeChange ; dct:isPartOf ?e . ?e a org:ChangeEvent . }}
        }}""",
    )
    assert found == [("594", "467")]


# --------------------------------------------------------------------------------------------
# Refusals: one line, exit 2, nothing written


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with data/ (the registry facts and a KLASS import) and dist/."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "dist").mkdir()
    shutil.copy(paths.DATA_DIR / "registry-facts.trig", root / "data")
    (root / "data" / "ssb-klass-131.trig").write_bytes(b"# an earlier import\n")
    (root / "dist" / "municipality-history.csv").write_bytes(b"number,name\n")
    return root


def refused(project: Path, *args: Path) -> str:
    """Run the import in ``project``; assert exit 2, nothing on stdout, data/ and dist/ as
    they were, and return the one line of stderr."""
    before = _tree(project)
    done = link(*args, data=project / "data", root=project)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert _tree(project) == before
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def versions_with(tmp_path: Path, name: str, data: bytes) -> list[Path]:
    """The fixture's KLASS files, with ``name`` replaced by ``data``."""
    folder = tmp_path / "given"
    folder.mkdir(exist_ok=True)
    files = []
    for path in KLASS_FILES:
        target = folder / path.name
        target.write_bytes(data if path.name == name else path.read_bytes())
        files.append(target)
    return files


def test_truncated_json_is_refused(project: Path, tmp_path: Path) -> None:
    name = "Kommuneinndeling 2020.json"
    data = (FIXTURES / name).read_bytes()
    files = versions_with(tmp_path, name, data[:1000])
    assert refused(project, *files) == (
        f"kg: error: {tmp_path / 'given' / name}:1:935: malformed JSON: a string begins here and"
        " is never closed (the file is not a whole KLASS API answer: fetch it again)"
    )
    files = versions_with(tmp_path, name, data[:-1])
    assert refused(project, *files) == (
        f"kg: error: {tmp_path / 'given' / name}:1:{len(data.decode())}: malformed JSON: the file"
        " ends before the JSON does (the file is not a whole KLASS API answer: fetch it again)"
    )
    files = versions_with(tmp_path, name, data.replace(b'"validFrom":', b'"validFrom"', 1))
    column = data.index(b'"validFrom"') + 12  # after the key: ASCII only before it
    assert refused(project, *files) == (
        f"kg: error: {tmp_path / 'given' / name}:1:{column}: malformed"
        " JSON: expecting ':' delimiter (the file is not a whole KLASS API answer: fetch it again)"
    )


def test_a_version_in_latin_1_is_refused(project: Path, tmp_path: Path) -> None:
    name = "Kommuneinndeling 2019.json"
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    latin_1 = text.encode("latin-1", errors="replace")
    assert latin_1[265:266] == "å".encode("latin-1")  # the first letter beyond ASCII
    files = versions_with(tmp_path, name, latin_1)
    assert refused(project, *files) == (
        f"kg: error: {tmp_path / 'given' / name}:1: not UTF-8: byte 0xe5 at offset 265 (the"
        " KLASS API answers UTF-8 JSON; fetch the file again or convert it)"
    )


def test_a_version_in_utf_16_is_refused(project: Path, tmp_path: Path) -> None:
    name = "Kommuneinndeling 2024.json"
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    files = versions_with(tmp_path, name, text.encode("utf-16"))
    assert refused(project, *files) == (
        f"kg: error: {tmp_path / 'given' / name}:1: not UTF-8: byte 0xff at offset 0 (the KLASS"
        " API answers UTF-8 JSON; fetch the file again or convert it)"
    )


def test_table_1236_in_utf_8_is_refused(project: Path, tmp_path: Path) -> None:
    table = tmp_path / "corr-1236.utf-8.csv"
    table.write_bytes(TABLE.read_bytes().decode("cp1252").encode("utf-8"))
    assert refused(project, *KLASS_FILES, table) == (
        f"kg: error: {table}:3: the file is UTF-8; table 1236 is exported by SSB in cp1252 (give"
        " the file as SSB exports it, or convert it with iconv -t cp1252)"
    )


def test_a_bad_check_digit_in_table_1236_is_refused(project: Path, tmp_path: Path) -> None:
    table = tmp_path / "corr-1236.cp1252.csv"
    table.write_bytes(TABLE.read_bytes().replace(b'"961381185"', b'"961381186"'))
    assert refused(project, *KLASS_FILES, table) == (
        f"kg: error: {table}:7: organisation number 961381186 fails its check digit (mod 11)"
        " (correct the number or leave the row out)"
    )


def test_json_that_is_not_a_klass_answer_is_refused(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "roller.json"
    other.write_bytes(b'{"rollegrupper":[{"type":{"kode":"DELT"},"roller":[]}]}')
    assert refused(project, *KLASS_FILES, other) == (
        f"kg: error: {other}: not a KLASS answer: no classificationItems (a version),"
        " codeChanges (a change table) or versions (a classification) (give the files of"
        " classifications/131, versions/{id} and changes)"
    )


# --------------------------------------------------------------------------------------------
# --online, against a KLASS API served here


@dataclass
class Api:
    url: str
    requests: list[tuple[str, dict[str, list[str]], str, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    answers: dict[str, bytes] = field(default_factory=dict)
    """Path → body."""
    fail: str | None = None
    """A path answered with HTTP 500."""
    garbage: str | None = None
    """A path answered with a page that is not JSON."""


@pytest.fixture
def api() -> Iterator[Api]:
    """The fixtures as the KLASS API serves them (classifications/131, versions/{id},
    classifications/131/changes), on 127.0.0.1; counts the requests."""
    by_id = {}
    for path in FIXTURES.glob("Kommuneinndeling *.json"):
        by_id[str(json.loads(path.read_bytes())["id"])] = path.read_bytes()
    answers = {
        "/api/klass/v1/classifications/131": (FIXTURES / "131.json").read_bytes(),
        "/api/klass/v1/classifications/131/changes": (FIXTURES / "changetables.json").read_bytes(),
        **{f"/api/klass/v1/versions/{i}": data for i, data in by_id.items()},
    }
    state = Api("", answers=answers)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            state.times.append(time.monotonic())
            state.requests.append(
                (
                    url.path,
                    parse_qs(url.query),
                    self.headers.get("Accept", ""),
                    self.headers.get("User-Agent", ""),
                )
            )
            body = state.answers.get(url.path)
            status = 200 if body is not None else 404
            if state.fail == url.path:
                status, body = 500, b"Internal Server Error"
            if state.garbage == url.path:
                body = b"<html><body>Vedlikehold</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/klass/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


DELAY = 0.2


def online(api: Api, cache: Path, data: Path, *args: Path, root: Path | None = None) -> Any:
    return link(
        "--online", "--api-url", api.url, "--cache", str(cache), "--delay", str(DELAY), *args,
        data=data, root=root,
    )  # fmt: skip


def test_online_fetches_caches_and_imports(api: Api, imported: Imported, tmp_path: Path) -> None:
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    shutil.copy(paths.DATA_DIR / "registry-facts.trig", data)
    before = datetime.now(UTC).date()
    done = online(api, cache, data, TABLE)
    assert done.returncode == 0, done.stderr
    today = api.requests[-1][1]["to"][0]
    assert before <= date.fromisoformat(today) <= datetime.now(UTC).date()
    assert [(p, q, a) for p, q, a, _ in api.requests] == [
        ("/api/klass/v1/classifications/131", {}, "application/json"),
        ("/api/klass/v1/versions/1102", {}, "application/json"),
        ("/api/klass/v1/versions/1710", {}, "application/json"),
        ("/api/klass/v1/versions/1846", {}, "application/json"),
        ("/api/klass/v1/versions/1847", {}, "application/json"),
        ("/api/klass/v1/versions/1860", {}, "application/json"),
        (
            "/api/klass/v1/classifications/131/changes",
            {"from": ["1971-01-01"], "to": [today]},
            "application/json",
        ),
    ]
    gaps = [b - a for a, b in zip(api.times, api.times[1:], strict=False)]
    assert min(gaps) >= DELAY * 0.9, gaps
    assert {agent for *_, agent in api.requests} == {
        f"samarbeidsgrafen/{kg.__version__} (kg link klass --online; https://w3id.org/samarbeidsgrafen)"
    }
    # The answers are kept as given, under the names of the files offline.
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in KLASS_FILES)
    for path in KLASS_FILES:
        assert (cache / path.name).read_bytes() == path.read_bytes()
    # And the import is the one of the same files offline.
    for name in (
        "ssb-klass-131.trig",
        "ssb-klass-1236.trig",
        "ssb-klass-131.report.txt",
        "ssb-klass-1236.report.txt",
    ):
        assert (data / name).read_bytes() == (imported.data / name).read_bytes(), name
    # A second run asks nothing.
    api.requests.clear()
    again = online(api, cache, data, TABLE)
    assert again.returncode == 0, again.stderr
    assert api.requests == []
    assert (data / "ssb-klass-131.trig").read_bytes() == (
        imported.data / "ssb-klass-131.trig"
    ).read_bytes()


def test_online_error_answer_is_refused_and_writes_nothing(
    api: Api, project: Path, tmp_path: Path
) -> None:
    api.fail = "/api/klass/v1/versions/1846"
    cache = project / ".cache" / "link" / "klass"
    before = _tree(project)
    done = online(api, cache, project / "data", root=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"kg: error: {api.url}/versions/1846: HTTP 500 the KLASS API answered with an error"
        " (try again later): Internal Server Error"
    ]
    assert _tree(project) == before
    assert not cache.exists()
    assert len(api.requests) == 4


def test_online_answer_that_is_not_json_is_refused(api: Api, project: Path, tmp_path: Path) -> None:
    api.garbage = "/api/klass/v1/classifications/131/changes"
    cache = tmp_path / "cache"
    before = _tree(project)
    done = online(api, cache, project / "data", root=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"kg: error: {api.url}/classifications/131/changes?from=1971-01-01&to="
        f"{api.requests[-1][1]['to'][0]}: the answer is not JSON, not a KLASS answer (is"
        " --api-url the KLASS API, …/klass/v1?)"
    ]
    assert _tree(project) == before
    assert not cache.exists()


def _classification_with(api: Api, **changes: Any) -> None:
    """The classification the API answers, with version 1102 (2019) changed."""
    path = "/api/klass/v1/classifications/131"
    doc = json.loads(api.answers[path])
    for version in doc["versions"]:
        if version["id"] == 1102:
            version.update(changes)
    api.answers[path] = json.dumps(doc, ensure_ascii=False).encode()


def test_online_names_from_the_api_stay_in_the_cache(api: Api, tmp_path: Path) -> None:
    _classification_with(api, name="../../Kommuneinndeling 2019")
    data, cache = tmp_path / "data", tmp_path / "cache"
    done = online(api, cache, data)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in KLASS_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "data"]


def test_online_version_without_a_numeric_id_is_refused(
    api: Api, project: Path, tmp_path: Path
) -> None:
    _classification_with(api, id="1102/../../x")
    cache = tmp_path / "cache"
    before = _tree(project)
    done = online(api, cache, project / "data", root=project)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"kg: error: {api.url}/classifications/131: versions[0] has no numeric id: not a KLASS"
        " classification"
    ]
    assert _tree(project) == before
    assert not cache.exists()
