"""The national graph as researchers use it: what a number meant on a day and what it is now,
the history table, and the validation queries on numbers and counties (docs/national-graph.md).

Runs on the committed data/ (support.PROJECT_DATA: the seed and the national layer; pyoxigraph,
in process); the validation queries also on copies of
the data with one fault put in, to see that each catches what it is for.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import golden
import pyoxigraph as ox
import pytest
from support import PROJECT_DATA

from kg.model.dataset import data_files, load_dataset
from kg.publish.stats import summarize_store
from kg.query import queries
from kg.validation.validate import validate

pytestmark = pytest.mark.national

CATALOGUE = queries.catalogue()
ORG_ID = "https://w3id.org/samarbeidsgrafen/id/organization/"


@pytest.fixture(scope="module")
def store() -> Iterator[ox.Store]:
    yield golden.oxigraph_store(data_files(PROJECT_DATA))


def rows(store: ox.Store, name: str, **params: str) -> list[dict[str, str | None]]:
    query = CATALOGUE[name]
    found = golden.oxigraph_table(
        query, golden.run_on_oxigraph(store, query, query.bindings(params)), params
    )
    return [dict(zip(found["variables"], row, strict=True)) for row in found["rows"]]


def values(found: list[dict[str, str | None]], *columns: str) -> list[tuple[str | None, ...]]:
    return [tuple(_plain(r[c]) for c in columns) for r in found]


def _plain(cell: str | None) -> str | None:
    """A golden cell without its syntax: an IRI's text, a literal's lexical form."""
    if cell is None:
        return None
    if cell.startswith("<"):
        return cell[1:-1]
    if cell.startswith('"'):
        return cell[1 : cell.rindex('"')]
    return cell


NATIONAL_GOLDEN = ("child-welfare-arrangements", "inter-municipal-companies")
"""Queries whose answers are in the national layer, each with a reviewed golden file in
tests/golden/national/ (``make goldens`` rewrites them; read every row before committing)."""


@pytest.mark.parametrize("name", NATIONAL_GOLDEN)
def test_a_national_answer_is_its_golden_result(store: ox.Store, name: str) -> None:
    query = CATALOGUE[name]
    found = golden.oxigraph_table(query, golden.run_on_oxigraph(store, query, query.bindings()))
    expected = golden.read(name, golden.NATIONAL_DIR)
    if golden.updating():
        if expected != found:
            path = golden.write(name, found, golden.NATIONAL_DIR)
            pytest.skip(f"wrote {path}: read every row against the sources before committing")
        pytest.skip("golden file up to date")
    assert expected is not None, f"no golden file {golden.path_of(name, golden.NATIONAL_DIR)}"
    assert golden.row_set(found) == golden.row_set(expected), golden.differences(expected, found)
    assert found == expected, golden.differences(expected, found)


def test_every_national_golden_file_belongs_to_a_query() -> None:
    files = sorted(p.stem for p in golden.NATIONAL_DIR.glob("*.json"))
    assert files == sorted(NATIONAL_GOLDEN)


def test_0521_on_2019_06_01_is_oyer_which_is_3440_now(store: ox.Store) -> None:
    found = rows(store, "municipality-number-then-and-now", number="0521", asOf="2019-06-01")
    assert values(
        found,
        "municipality",
        "municipalityLabel",
        "validFrom",
        "validFromApproximate",
        "validUntil",
        "nowMunicipality",
        "nowNumber",
        "nowLabel",
    ) == [
        (
            ORG_ID + "oyer",
            "Øyer",
            "1971-01-01",
            "true",
            "2019-12-31",
            ORG_ID + "oyer",
            "3440",
            "Øyer",
        )
    ]


@pytest.mark.parametrize(
    ("number", "day", "expected"),
    [
        # Hamarøy: its number 1849 became 1875 (the row of KLASS's change table), not Narvik's
        # 1806, although the change of 2020 joined both.
        ("1849", "2010-01-01", [("kommune-1849", "Hamarøy", "kommune-1875", "1875")]),
        # Sarpsborg 1992: 0102 became 0105, and that is 3105 now (via 3003 in 2020).
        ("0102", "1980-01-01", [("kommune-0102", "Sarpsborg", "kommune-0105", "3105")]),
        # Ålesund was split in 2024: two numbers now.
        (
            "1507",
            "2021-01-01",
            [
                ("kommune-1507", "Ålesund", "kommune-1508", "1508"),
                ("kommune-1507", "Ålesund", "kommune-1580", "1580"),
            ],
        ),
        # Before the first version read, the number's meaning is not known: no row.
        ("0521", "1960-01-01", []),
        # A number never used.
        ("0999", "2010-01-01", []),
    ],
)
def test_then_and_now(
    store: ox.Store, number: str, day: str, expected: list[tuple[str, ...]]
) -> None:
    found = rows(store, "municipality-number-then-and-now", number=number, asOf=day)
    got = [
        (m.removeprefix(ORG_ID), label, now.removeprefix(ORG_ID), n)
        for m, label, now, n in values(
            found, "municipality", "municipalityLabel", "nowMunicipality", "nowNumber"
        )
        if m and label and now and n
    ]
    assert got == expected
    assert len(found) == len(expected)


def test_the_history_has_every_number_once(store: ox.Store) -> None:
    found = rows(store, "municipality-history")
    numbers = [_plain(r["number"]) for r in found]
    assert len(numbers) == 895
    assert len(set(numbers)) == 895
    by_number = {_plain(r["number"]): r for r in found}
    columns = (
        "names",
        "validFrom",
        "validFromApproximate",
        "validUntil",
        "municipality",
        "successors",
        "currentNumbers",
    )
    assert values([by_number["0521"]], *columns) == [
        (
            "Øyer",
            "1971-01-01",
            "true",
            "2019-12-31",
            ORG_ID + "oyer",
            "3440 from 2020-01-01",
            "3440",
        )
    ]
    assert values([by_number["1507"]], *columns) == [
        (
            "Ålesund",
            "2020-01-01",
            "false",
            "2023-12-31",
            ORG_ID + "kommune-1507",
            "1508 from 2024-01-01; 1580 from 2024-01-01",
            "1508; 1580",
        )
    ]
    assert values([by_number["0301"]], *columns) == [
        ("Oslo", "1971-01-01", "true", None, ORG_ID + "kommune-0301", None, "0301")
    ]
    # A name history: the names while the number was in use.
    assert _plain(by_number["1849"]["names"]) == "Hamarøy / Hábmer - Hamarøy"


def test_the_history_table_is_the_query_as_csv(store: ox.Store) -> None:
    from kg.query.engines import OxigraphEngine, run

    engine = OxigraphEngine.of_store(store, union=True)
    text = run(CATALOGUE["municipality-history"], engine).to_csv()
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [
        "number",
        "names",
        "validFrom",
        "validFromApproximate",
        "validUntil",
        "municipality",
        "successors",
        "currentNumbers",
    ]
    assert len(table) == 896
    assert [
        "0521",
        "Øyer",
        "1971-01-01",
        "true",
        "2019-12-31",
        ORG_ID + "oyer",
        "3440 from 2020-01-01",
        "3440",
    ] in table


# --------------------------------------------------------------------------------------------
# Validation queries on numbers and counties


VIOLATIONS = ["municipality-number-county-violation", "municipality-number-overlap-violation"]


@pytest.mark.parametrize("name", VIOLATIONS)
def test_the_data_keeps_the_rule(store: ox.Store, name: str) -> None:
    assert rows(store, name) == []


def _copy_with(tmp_path: Path, edits: dict[str, tuple[str, str]]) -> list[Path]:
    """The data files, copied, with ``old`` replaced by ``new`` once in the named files."""
    copies = []
    for path in sorted(PROJECT_DATA.glob("*.trig")):
        target = tmp_path / path.name
        shutil.copyfile(path, target)
        if path.name in edits:
            old, new = edits[path.name]
            text = target.read_text(encoding="utf-8")
            assert text.count(old) == 1, (path.name, old)
            target.write_text(text.replace(old, new), encoding="utf-8")
        copies.append(target)
    return copies


def test_a_county_that_ended_early_is_caught(tmp_path: Path) -> None:
    interval = "    <https://w3id.org/samarbeidsgrafen/id/interval/fylkesnummer-05>\n"
    block = (
        interval + "        a time:Interval ;\n"
        "        time:hasBeginning <https://w3id.org/samarbeidsgrafen/id/instant/"
        "1971-01-01--at-latest> ;\n"
        "        time:hasEnd <https://w3id.org/samarbeidsgrafen/id/instant/2019-12-31> .\n"
    )
    files = _copy_with(
        tmp_path,
        {
            "ssb-klass-131.trig": (block, block.replace("2019-12-31", "2018-12-31")),
            "registry-facts.trig": (
                "iv:fylkesnummer-05 a time:Interval ; time:hasEnd t:2019-12-31 .",
                "iv:fylkesnummer-05 a time:Interval ; time:hasEnd t:2018-12-31 .\n"
                '    t:2018-12-31 a time:Instant ; time:inXSDDate "2018-12-31"^^xsd:date .',
            ),
        },
    )
    found = rows(golden.oxigraph_store(files), "municipality-number-county-violation")
    focus = sorted(_plain(r["focus"]) or "" for r in found)
    assert len(focus) == 26
    assert all(f.rsplit("-", 1)[-1].startswith("05") for f in focus)
    assert _plain(found[0]["message"]) == (
        "municipality number 0501 (1971-01-01 to 2019-12-31) lies in no period of county"
        " number 05; give the county municipality its number for that period, or correct the"
        " period of the municipality number"
    )


def test_a_number_given_to_two_municipalities_is_caught(tmp_path: Path) -> None:
    files = _copy_with(
        tmp_path,
        {
            "registry-facts.trig": (
                "    o:gausdal adms:identifier id:orgnr-961381274 , id:kommunenummer-0522 ,"
                " id:kommunenummer-3441 ;",
                "    o:gausdal adms:identifier id:orgnr-961381274 , id:kommunenummer-0522 ,"
                " id:kommunenummer-3441 , id:kommunenummer-3440 ;",
            )
        },
    )
    found = rows(golden.oxigraph_store(files), "municipality-number-overlap-violation")
    messages = sorted(_plain(r["message"]) or "" for r in found)
    assert messages == [
        f"municipality number 3440 belongs to <{ORG_ID}gausdal> and <{ORG_ID}oyer>: one of them"
        " is the same municipality (use one IRI) or has another number",
        "two municipality numbers on the same days: 3440 (2020-01-01 to 9999-12-31) and 3441"
        " (2020-01-01 to 9999-12-31); end the first the day before the second begins",
    ]


# --------------------------------------------------------------------------------------------
# kg stats: what each source added


def test_stats_say_what_each_source_added(store: ox.Store) -> None:
    summary = summarize_store(store)
    adds = {
        str(g.iri).rsplit("/", 1)[-1]: [(str(c).rsplit("#", 1)[-1], n) for c, n in g.adds]
        for g in summary.graphs
        if g.kind == "source"
    }
    assert adds["ssb-klass-131"] == [
        ("Identifier", 927),
        ("CodeChange", 594),
        ("Municipality", 532),
        ("ChangeEvent", 467),
    ]
    assert adds["bufdir-barnevernsamarbeid-2023"] == [
        ("Membership", 204),
        ("InterMunicipalCooperation", 64),
    ]


def test_the_committed_data_conforms() -> None:
    """The whole data passes the shapes and the violation queries (what `kg build` requires):
    every county municipality has its name from KLASS or the register, every number its rule."""
    report = validate(load_dataset(data_files(PROJECT_DATA)), severity="Violation")
    assert report.violations == (), report.summary()
    assert report.conforms
