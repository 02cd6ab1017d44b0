"""Adding a source: a later source is a new named graph that closes periods and adds facts; it
never edits or overwrites an earlier graph (README.md, "Adding data").

The later source here is MADE UP and lives in ``tests/fixtures/later-source/`` only: a fictional
2021 page saying that Gausdal, considering the fire service in 2010, joined it in 2012 (the old
"considering" membership stays, its period closed in 2011; the membership is a new one) and
that Oppland fylkeskommune's part in the partnership ended on 2019-12-31 (an end added to the
interval the 2010 graph gave). Loading it next to ``data/``:

- what the graphs said stays, triple for triple, and the new graph describes its source;
- answers as of 2010 stay exactly the same, also where the later source closes a period that
  was still open in 2010 (as-of queries do not return the end, which is later knowledge);
- answers as of 2021 show the change, on rdflib and on pyoxigraph alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import golden
import pytest
from rdflib import Dataset

from kg import namespaces, paths, queries
from kg.dataset import data_files, load_dataset, source_graphs
from kg.engines import RdflibEngine, run
from kg.namespaces import ADMS, DCTERMS, FOAF, ID, PROV, SG, VOCAB
from kg.validate import validate

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")

LATER = Path(__file__).parent / "fixtures" / "later-source"
FIXTURE = LATER / "regionalt-samarbeid-2021-fictional.trig"

XSD_GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"
GRAPH_2010 = ID["graph/oyer-regionalt-samarbeid-2010"]
GRAPH_REGISTRY = ID["graph/registry-facts"]
GRAPH_LATER = ID["graph/test-fixture-regionalt-samarbeid-2021"]
SOURCE_LATER = ID["source/test-fixture-regionalt-samarbeid-2021"]

FIRE = "sgid:collaboration/brannvesen-lillehammer-oyer"
REGION = "sgid:collaboration/lillehammer-regionen"
PARTNERSHIP = "sgid:collaboration/partnerskap-oppland-lillehammer-regionen"
GAUSDAL = golden.cell(ID["organization/gausdal"])
LILLEHAMMER = golden.cell(ID["organization/lillehammer"])
OYER = golden.cell(ID["organization/oyer"])
REGION_IRI = golden.cell(ID["collaboration/lillehammer-regionen"])
COUNTY = golden.cell(ID["organization/oppland-fylkeskommune"])
COUNTY_PARTNER_INTERVAL = (
    "sgid:interval/partnerskap-oppland-lillehammer-regionen--oppland-fylkeskommune--partner"
)
COUNTY_PARTNER_STATEMENT = {
    "subject": (
        "sgid:membership/partnerskap-oppland-lillehammer-regionen--oppland-fylkeskommune--partner"
    ),
    "predicate": "org:member",
    "object": "sgid:organization/oppland-fylkeskommune",
}
CATALOGUE = queries.catalogue()


def _files() -> list[Path]:
    return [*data_files(paths.DATA_DIR), FIXTURE]


@pytest.fixture(scope="module")
def before() -> Dataset:
    """The project's data as it is."""
    return load_dataset()


@pytest.fixture(scope="module")
def after() -> Dataset:
    """The project's data with the made-up later source added."""
    return load_dataset(_files())


def answer(dataset: Dataset, name: str, **params: str) -> golden.Table:
    query = CATALOGUE[name]
    return golden.table(query, run(query, RdflibEngine(dataset), params), params)


def records(found: golden.Table) -> list[dict[str, Any]]:
    return [dict(zip(found["variables"], row, strict=True)) for row in found["rows"]]


# --------------------------------------------------------------------------------------------
# The fixture is a source of its own, and it stays out of data/


def test_the_made_up_source_is_not_in_data() -> None:
    assert paths.DATA_DIR not in FIXTURE.resolve().parents
    for path in data_files(paths.DATA_DIR):
        assert "test-fixture" not in path.read_text(encoding="utf-8"), path


def test_the_later_source_is_a_graph_of_its_own_describing_its_document(after: Dataset) -> None:
    found = {g.iri: g.source for g in source_graphs(after)}
    assert found == {
        GRAPH_2010: ID["source/oyer-regionalt-samarbeid-2010"],
        GRAPH_REGISTRY: ID["source/registry-facts"],
        GRAPH_LATER: SOURCE_LATER,
    }
    later = after.graph(GRAPH_LATER)
    assert (GRAPH_LATER, PROV.wasDerivedFrom, SOURCE_LATER) in later
    for prop in (DCTERMS.title, FOAF.page, SG.asOf):
        assert later.value(SOURCE_LATER, prop) is not None, prop
    assert later.value(SOURCE_LATER, SG.asOf).datatype == namespaces.XSD.gYear


def test_earlier_graphs_stay_triple_for_triple(before: Dataset, after: Dataset) -> None:
    for iri in (GRAPH_2010, GRAPH_REGISTRY):
        assert set(after.graph(iri)) == set(before.graph(iri)), iri


def test_the_considering_membership_stays_with_its_period_closed(after: Dataset) -> None:
    considering = ID["membership/brannvesen-lillehammer-oyer--gausdal--prospective-member"]
    status = VOCAB["membership-status/considering"]
    assert (considering, ADMS.status, status) in after.graph(GRAPH_2010)
    joined = ID["membership/brannvesen-lillehammer-oyer--gausdal--participant"]
    assert joined != considering
    assert (joined, ADMS.status, VOCAB["membership-status/member"]) in after.graph(GRAPH_LATER)


def test_data_with_the_later_source_conforms() -> None:
    report = validate(load_dataset(_files()))
    assert report.conforms, report.to_table()


# --------------------------------------------------------------------------------------------
# As of 2010: the same answers


AS_OF_2010_UNCHANGED = [
    ("members-on-date", {"collaboration": FIRE, "asOf": "2010-06-01"}),
    ("members-on-date", {"collaboration": REGION, "asOf": "2010-06-01"}),
    # The later source closes these periods; the as-of-2010 answers still do not change.
    ("members-on-date", {"collaboration": PARTNERSHIP, "asOf": "2010-06-01"}),
    ("prospective-members", {"asOf": "2010-06-01"}),
    ("municipality-numbers-on-date", {"asOf": "2010-06-01"}),
    ("leader-in-year", {"year": "2010"}),
]


@pytest.mark.parametrize(("name", "params"), AS_OF_2010_UNCHANGED)
def test_as_of_2010_answers_are_unchanged(
    before: Dataset, after: Dataset, name: str, params: dict[str, str]
) -> None:
    assert answer(after, name, **params) == answer(before, name, **params)


# --------------------------------------------------------------------------------------------
# As of 2021: the change shows


def test_as_of_2021_gausdal_is_a_member_of_the_fire_service(
    before: Dataset, after: Dataset
) -> None:
    def members(dataset: Dataset) -> dict[str, Any]:
        rows = records(answer(dataset, "members-on-date", collaboration=FIRE, asOf="2021-06-01"))
        return {r["member"]: (r["start"], r["approximate"]) for r in rows}

    assert set(members(before)) == {LILLEHAMMER, OYER}
    joined = members(after)
    assert set(joined) == {GAUSDAL, LILLEHAMMER, OYER}
    assert joined[GAUSDAL] == (f'"2012"^^<{XSD_GYEAR}>', golden.cell_of(False))
    assert joined[OYER][1] == golden.cell_of(True)  # still "about 1990"
    assert answer(after, "is-member", collaboration=FIRE)["boolean"] is True
    assert answer(before, "is-member", collaboration=FIRE)["boolean"] is False


def test_as_of_2021_gausdal_is_no_longer_considering(before: Dataset, after: Dataset) -> None:
    old = records(answer(before, "prospective-members", asOf="2021-06-01"))
    assert [r["organization"] for r in old] == [GAUSDAL]  # open end: not known to have ended
    assert answer(after, "prospective-members", asOf="2021-06-01")["rows"] == []
    assert len(answer(after, "prospective-members", asOf="2011-12-31")["rows"]) == 1
    assert answer(after, "prospective-members", asOf="2012-01-01")["rows"] == []


def test_as_of_2021_the_county_has_left_the_partnership(before: Dataset, after: Dataset) -> None:
    def partners(dataset: Dataset, day: str) -> list[str]:
        rows = records(answer(dataset, "members-on-date", collaboration=PARTNERSHIP, asOf=day))
        return [r["member"] for r in rows]

    assert partners(before, "2021-06-01") == [REGION_IRI, COUNTY]
    assert partners(after, "2019-12-31") == [REGION_IRI, COUNTY]
    assert partners(after, "2020-01-01") == [REGION_IRI]


def test_the_sources_of_a_statement_show_the_end_the_later_source_adds(
    before: Dataset, after: Dataset
) -> None:
    # The 2010 page says the county is a partner from 1999; the later source closes the period
    # in its own graph. The statement itself is only in the 2010 graph.
    def period(dataset: Dataset) -> list[list[str | None]]:
        rows = records(answer(dataset, "statement-sources", **COUNTY_PARTNER_STATEMENT))
        columns = ["graph", "sourceAsOf", "begin", "beginGraph", "end", "endGraph"]
        return [[r[c] for c in columns] for r in rows]

    graph_2010, later = golden.cell(GRAPH_2010), golden.cell(GRAPH_LATER)
    year_2010, year_1999 = (f'"{y}"^^<{XSD_GYEAR}>' for y in ("2010", "1999"))
    end = '"2019-12-31"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert period(before) == [[graph_2010, year_2010, year_1999, graph_2010, None, None]]
    assert period(after) == [[graph_2010, year_2010, year_1999, graph_2010, end, later]]


def test_counts_follow_the_new_membership(after: Dataset) -> None:
    counts = {r["collaboration"]: r["members"] for r in records(answer(after, "member-count"))}
    fire = golden.cell(ID["collaboration/brannvesen-lillehammer-oyer"])
    assert counts[fire] == golden.cell_of(3)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("members-on-date", {"collaboration": FIRE, "asOf": "2021-06-01"}),
        ("members-on-date", {"collaboration": PARTNERSHIP, "asOf": "2010-06-01"}),
        ("prospective-members", {"asOf": "2010-06-01"}),
        ("member-count", {}),
        ("source-of-resource", {"resource": COUNTY_PARTNER_INTERVAL}),
        ("source-documents", {}),
        ("statement-sources", COUNTY_PARTNER_STATEMENT),
    ],
)
def test_same_answers_with_the_later_source_on_pyoxigraph(
    after: Dataset, name: str, params: dict[str, str]
) -> None:
    query = CATALOGUE[name]
    store = golden.oxigraph_store(_files())
    solutions = golden.run_on_oxigraph(store, query, query.bindings(params))
    found = golden.oxigraph_table(query, solutions, params)
    assert found == answer(after, name, **params)
