"""Adding a source: a later source is a new named graph that closes periods and adds facts; it
never edits or overwrites an earlier graph (README.md, "Adding data"; docs/time-and-sources.md).

The later source here is MADE UP and lives in ``tests/fixtures/later-source/`` only (its README
says what it "says"): a join after "considering" (Gausdal joins the fire service on 2012-01-01),
a rename with a change of form (Regionrådet becomes an interkommunalt politisk råd on
2020-01-01), a disagreement on a start date (the partnership since 2000, where the 2010 page
says 1999), and a county merger with a succession (Innlandet takes Oppland's place in the
partnership on 2020-01-01). Everything it adds has an IRI of its own (``fixture-2021--``).

The tests compare the data without that source (``before``) and with it (``after``), so they
hold whether or not ``data/`` already has it (``tests/test_new_source_in_a_copy.py`` copies the
repository, adds the source to ``data/`` and runs every test there):

- what the earlier graphs said stays, triple for triple;
- answers as of 2010 stay exactly the same; later answers show the change, "not known" where
  no source speaks, and both disagreeing values with their sources;
- the answers are the same on rdflib and on pyoxigraph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import golden
import pytest
from rdflib import Dataset, URIRef

from kg.model import paths
from kg.model.dataset import load_dataset, source_graphs
from kg.model.namespaces import ID, PROV, SG, VOCAB
from kg.query import queries
from kg.query.engines import RdflibEngine, run
from kg.validation.validate import validate

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")

LATER = Path(__file__).parent / "fixtures" / "later-source"
FIXTURE = LATER / "regionalt-samarbeid-2021-fictional.trig"
GRAPH_LATER = ID["graph/fixture-2021--regionalt-samarbeid"]
SOURCE_LATER = ID["source/fixture-2021--regionalt-samarbeid"]
SOURCE_2010 = ID["source/oyer-regionalt-samarbeid-2010"]
SOURCE_REGISTRY = ID["source/registry-facts"]

FIRE = "sgid:collaboration/brannvesen-lillehammer-oyer"
REGION = "sgid:collaboration/lillehammer-regionen"
PARTNERSHIP = "sgid:collaboration/partnerskap-oppland-lillehammer-regionen"
COUNCIL = "sgid:collaboration/regionradet-lillehammer-regionen"
CATALOGUE = queries.catalogue()

RENAMED_STATEMENT = {
    "subject": COUNCIL,
    "predicate": "skos:prefLabel",
    "object": '"Regionrådet for Lillehammer-regionen"@nb',
}
IN_FORCE, NOT_KNOWN = '"in force"', '"not known"'


def cell(kind_slug: str) -> str | None:
    return golden.cell(ID[kind_slug])


def _earlier_files() -> list[Path]:
    """The sources the project started from (the 2010 page, the registry facts): the tests
    below assert exact answers on them, so that another source in ``data/`` (or this one,
    copied there by tests/test_new_source_in_a_copy.py) changes none of them."""
    return [
        paths.DATA_DIR / "oyer-regionalt-samarbeid-2010.trig",
        paths.DATA_DIR / "registry-facts.trig",
    ]


@pytest.fixture(scope="module")
def before() -> Dataset:
    return load_dataset(_earlier_files())


@pytest.fixture(scope="module")
def after() -> Dataset:
    return load_dataset([*_earlier_files(), FIXTURE])


def answer(dataset: Dataset, name: str, **params: str) -> golden.Table:
    query = CATALOGUE[name]
    return golden.table(query, run(query, RdflibEngine(dataset), params), params)


def records(found: golden.Table) -> list[dict[str, Any]]:
    return [dict(zip(found["variables"], row, strict=True)) for row in found["rows"]]


def pick(found: golden.Table, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in records(found)]


# --------------------------------------------------------------------------------------------
# The fixture is a source of its own, with IRIs of its own


def test_the_later_source_is_a_graph_of_its_own_describing_its_document(after: Dataset) -> None:
    found = {g.iri: g.source for g in source_graphs(after)}
    assert found[GRAPH_LATER] == SOURCE_LATER
    later = after.graph(GRAPH_LATER)
    assert (GRAPH_LATER, PROV.wasDerivedFrom, SOURCE_LATER) in later
    assert str(later.value(SOURCE_LATER, SG.asOf)) == "2021"


def test_what_the_fixture_mints_has_iris_of_its_own(before: Dataset, after: Dataset) -> None:
    """Every resource the fixture describes is either one the earlier data describes or one
    with a slug of its own, so that a real later source never collides with it."""
    known = {s for s in before.subjects() if isinstance(s, URIRef)}
    minted = {
        s for s in after.graph(GRAPH_LATER).subjects() if isinstance(s, URIRef) and s not in known
    }
    # Instants are named by their day (sgid:instant/2012-01-01): any source means the same one.
    minted = {s for s in minted if "/id/instant/" not in str(s)}
    assert minted and all("/fixture-2021--" in str(s) for s in minted), sorted(minted)


def test_earlier_graphs_stay_triple_for_triple(before: Dataset, after: Dataset) -> None:
    earlier = [g.iri for g in source_graphs(before)]
    assert len(earlier) >= 2
    for iri in earlier:
        assert set(after.graph(iri)) == set(before.graph(iri)), iri


def test_data_with_the_later_source_conforms() -> None:
    report = validate(load_dataset([*_earlier_files(), FIXTURE]))
    assert report.conforms, report.to_table()


# --------------------------------------------------------------------------------------------
# As of 2010: the same answers, exactly

AS_OF_2010_UNCHANGED = [
    ("members-on-date", {"collaboration": FIRE, "asOf": "2010-06-01"}),
    ("members-on-date", {"collaboration": REGION, "asOf": "2010-06-01"}),
    ("members-on-date", {"collaboration": PARTNERSHIP, "asOf": "2010-06-01"}),
    ("members-on-date", {"collaboration": COUNCIL, "asOf": "2010-06-01"}),
    ("members-on-date", {"collaboration": FIRE, "asOf": "2005-01-01"}),
    ("prospective-members", {"asOf": "2010-06-01"}),
    ("municipality-numbers-on-date", {"asOf": "2010-06-01"}),
    ("leader-in-year", {"year": "2010"}),
    ("statements-on-date", {"resource": COUNCIL, "asOf": "2010-06-01"}),
    ("statements-on-date", {"resource": FIRE, "asOf": "2010-06-01"}),
]


@pytest.mark.parametrize(("name", "params"), AS_OF_2010_UNCHANGED)
def test_as_of_2010_answers_are_unchanged(
    before: Dataset, after: Dataset, name: str, params: dict[str, str]
) -> None:
    assert answer(after, name, **params) == answer(before, name, **params)


# --------------------------------------------------------------------------------------------
# Later: the change shows, with the sources that decide it


def test_a_join_after_considering(before: Dataset, after: Dataset) -> None:
    def members(dataset: Dataset, day: str) -> list[tuple[Any, ...]]:
        found = answer(dataset, "members-on-date", collaboration=FIRE, asOf=day)
        return pick(found, "member", "state", "start", "begunEvidence", "endEvidence")

    gausdal = cell("organization/gausdal")
    lillehammer, oyer = cell("organization/lillehammer"), cell("organization/oyer")
    s2010, later = golden.cell(SOURCE_2010), golden.cell(SOURCE_LATER)
    assert members(after, "2015-06-01") == [
        (gausdal, IN_FORCE, '"2012-01-01"^^<http://www.w3.org/2001/XMLSchema#date>', later, later),
        (lillehammer, IN_FORCE, '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>', s2010, later),
        (oyer, IN_FORCE, '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>', s2010, later),
    ]
    # Without the later source, 2015 is after everything the graph knows: not known.
    assert {state for _, state, *_ in members(before, "2015-06-01")} == {NOT_KNOWN}

    # The considering status ends the day Gausdal joins (an event ends it).
    def prospective(day: str) -> list[tuple[Any, ...]]:
        return pick(answer(after, "prospective-members", asOf=day), "organization", "state")

    assert prospective("2011-12-31") == [(gausdal, IN_FORCE)]
    assert prospective("2012-01-01") == []
    assert answer(after, "is-member", collaboration=FIRE)["boolean"] is True
    assert answer(before, "is-member", collaboration=FIRE)["boolean"] is False


def test_nothing_is_claimed_where_no_source_speaks(after: Dataset) -> None:
    # After the last source's year: every membership is "not known", none "in force".
    found = answer(after, "members-on-date", collaboration=FIRE, asOf="2025-01-01")
    assert {state for (state,) in pick(found, "state")} == {NOT_KNOWN}
    assert len(found["rows"]) == 3
    # Before the first source, a membership with no beginning is "not known" either.
    found = answer(after, "members-on-date", collaboration=REGION, asOf="2005-01-01")
    assert pick(found, "state") == [(NOT_KNOWN,)] * 4  # three participants and the chair


def test_a_rename_with_a_change_of_form(after: Dataset) -> None:
    def said(day: str, prop: str) -> list[tuple[Any, ...]]:
        found = answer(after, "statements-on-date", resource=COUNCIL, asOf=day)
        return [(v, s) for p, v, s in pick(found, "property", "value", "state") if p == prop]

    label = golden.cell(URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
    form = golden.cell(URIRef("http://www.w3.org/ns/org#classification"))
    old_name = '"Regionrådet for Lillehammer-regionen"@nb'
    new_name = '"Lillehammer-regionen interkommunale politiske råd"@nb'
    english = '"The regional council of the Lillehammer region"@en'
    ipr = golden.cell(VOCAB["cooperation-form/ipr"])
    # The old name is in force until the rename ends it; the English name, which only the 2010
    # page gives, is not known after 2010.
    assert said("2019-06-01", label) == [(old_name, IN_FORCE), (english, NOT_KNOWN)]
    assert said("2019-06-01", form) == []
    assert said("2021-06-01", label) == [(new_name, IN_FORCE), (english, NOT_KNOWN)]
    assert said("2021-06-01", form) == [(ipr, IN_FORCE)]
    # One body: counted once, under its current name.
    counts = pick(answer(after, "member-count"), "collaboration", "collaborationLabel")
    assert [
        label for c, label in counts if c == cell("collaboration/regionradet-lillehammer-regionen")
    ] == [new_name]


def test_a_disagreement_keeps_both_values_with_their_sources(after: Dataset) -> None:
    found = answer(after, "conflicting-values")
    gyear = "^^<http://www.w3.org/2001/XMLSchema#gYear>"
    assert pick(found, "resource", "value", "source") == [
        (
            cell("collaboration/partnerskap-oppland-lillehammer-regionen"),
            f'"1999"{gyear}',
            golden.cell(SOURCE_2010),
        ),
        (
            cell("collaboration/partnerskap-oppland-lillehammer-regionen"),
            f'"2000"{gyear}',
            golden.cell(SOURCE_LATER),
        ),
    ]


def test_the_county_merger_closes_and_passes_on_memberships(after: Dataset) -> None:
    def partners(day: str) -> list[tuple[Any, ...]]:
        found = answer(after, "members-on-date", collaboration=PARTNERSHIP, asOf=day)
        return pick(found, "member", "state")

    region = cell("collaboration/lillehammer-regionen")
    oppland, innlandet = (
        cell("organization/oppland-fylkeskommune"),
        cell("organization/innlandet-fylkeskommune"),
    )
    assert partners("2019-12-31") == [(region, IN_FORCE), (oppland, IN_FORCE)]
    assert partners("2020-01-01") == [(innlandet, IN_FORCE), (region, IN_FORCE)]
    # Oppland ceased on 2019-12-31 (the registry facts): its council seat ends with it.
    council = answer(after, "members-on-date", collaboration=COUNCIL, asOf="2020-06-01")
    assert oppland not in {m for (m,) in pick(council, "member")}
    events = pick(answer(after, "change-events"), "event", "kind")
    assert (cell("event/innlandet-fylkeskommune-2020"), golden.cell(SG.Merger)) in events
    assert (
        cell("event/fixture-2021--partnerskap-innlandet-2020"),
        golden.cell(SG.Succession),
    ) in events


def test_the_sources_of_a_statement_show_the_end_the_later_source_adds(
    before: Dataset, after: Dataset
) -> None:
    # The 2010 page names Regionrådet; the later source ends that name (a rename) in its own
    # graph. The statement itself is only in the 2010 graph.
    def period(dataset: Dataset) -> list[list[str | None]]:
        rows = records(answer(dataset, "statement-sources", **RENAMED_STATEMENT))
        columns = ["graph", "sourceAsOf", "begin", "beginGraph", "end", "endGraph"]
        return [[r[c] for c in columns] for r in rows]

    graph_2010 = golden.cell(ID["graph/oyer-regionalt-samarbeid-2010"])
    year_2010 = '"2010"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    end = '"2019-12-31"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert period(before) == [[graph_2010, year_2010, None, None, None, None]]
    assert period(after) == [[graph_2010, year_2010, None, None, end, golden.cell(GRAPH_LATER)]]


DISAGREEING = """\
@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix iv: <https://w3id.org/samarbeidsgrafen/id/interval/> .
@prefix t: <https://w3id.org/samarbeidsgrafen/id/instant/> .
@prefix graph: <https://w3id.org/samarbeidsgrafen/id/graph/> .
@prefix src: <https://w3id.org/samarbeidsgrafen/id/source/> .
# MADE UP: a later source that restates one beginning and disagrees on another.
graph:fixture-2022--beginnings {
  graph:fixture-2022--beginnings a sg:SourceGraph ;
    prov:wasDerivedFrom src:fixture-2022--beginnings ; dct:created "2026-12-02"^^xsd:date .
  src:fixture-2022--beginnings a sg:SourceDocument ; dct:title "Oppdiktet"@nb ;
    sg:asOf "2022"^^xsd:gYear .
  iv:brannvesen-lillehammer-oyer--oyer--participant time:hasBeginning t:1990-approx .
  t:1990-approx a time:Instant ; time:inXSDgYear "1990"^^xsd:gYear ; sg:approximate true .
  iv:partnerskap-oppland-lillehammer-regionen--lillehammer-regionen--partner
    time:hasBeginning t:2000 .
  t:2000 a time:Instant ; time:inXSDgYear "2000"^^xsd:gYear .
}
"""


def test_a_restated_beginning_changes_nothing_and_a_disagreeing_one_shows(
    before: Dataset, tmp_path: Path
) -> None:
    later = tmp_path / "beginnings.trig"
    later.write_text(DISAGREEING, encoding="utf-8")
    dataset = load_dataset([*_earlier_files(), later])
    fire = {"collaboration": FIRE, "asOf": "2010-06-01"}
    assert answer(dataset, "members-on-date", **fire) == answer(before, "members-on-date", **fire)

    def partner(day: str) -> list[tuple[Any, ...]]:
        found = answer(dataset, "members-on-date", collaboration=PARTNERSHIP, asOf=day)
        rows = pick(found, "member", "state", "start", "startSource")
        return [r[1:] for r in rows if r[0] == cell("collaboration/lillehammer-regionen")]

    gyear = "^^<http://www.w3.org/2001/XMLSchema#gYear>"
    s2010 = golden.cell(SOURCE_2010)
    s2022 = golden.cell(ID["source/fixture-2022--beginnings"])
    # On a day the two beginnings disagree about, each source's answer is a row of its own.
    assert partner("1999-06-01") == [
        (IN_FORCE, f'"1999"{gyear}', s2010),
        ('"not in force"', f'"2000"{gyear}', s2022),
    ]
    assert partner("2010-06-01") == [
        (IN_FORCE, f'"1999"{gyear}', s2010),
        (IN_FORCE, f'"2000"{gyear}', s2022),
    ]


# --------------------------------------------------------------------------------------------
# The same answers on pyoxigraph


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("members-on-date", {"collaboration": FIRE, "asOf": "2015-06-01"}),
        ("members-on-date", {"collaboration": FIRE, "asOf": "2010-06-01"}),
        ("members-on-date", {"collaboration": PARTNERSHIP, "asOf": "2020-01-01"}),
        ("members-on-date", {"collaboration": REGION, "asOf": "2005-01-01"}),
        ("prospective-members", {"asOf": "2010-06-01"}),
        ("leader-in-year", {"year": "2010"}),
        ("leader-in-year", {"year": "2021"}),
        ("municipality-numbers-on-date", {"asOf": "2020-01-01"}),
        ("statements-on-date", {"resource": COUNCIL, "asOf": "2010-06-01"}),
        ("prospective-members", {"asOf": "2011-12-31"}),
        ("statements-on-date", {"resource": COUNCIL, "asOf": "2021-06-01"}),
        ("conflicting-values", {}),
        ("member-count", {}),
        ("change-events", {}),
        ("source-documents", {}),
        ("statement-sources", RENAMED_STATEMENT),
    ],
)
def test_same_answers_with_the_later_source_on_pyoxigraph(
    after: Dataset, name: str, params: dict[str, str]
) -> None:
    query = CATALOGUE[name]
    store = golden.oxigraph_store([*_earlier_files(), FIXTURE])
    solutions = golden.run_on_oxigraph(store, query, query.bindings(params))
    found = golden.oxigraph_table(query, solutions, params)
    assert found == answer(after, name, **params)
