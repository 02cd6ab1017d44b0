"""The competency queries: every query in ``queries/`` (except ``*-violation``) answers its
question on the seed (tests/conftest.py) exactly as its golden file says, on rdflib and on
pyoxigraph. The national layer's answers are checked in tests/test_national.py.

Golden files (``tests/golden/queries/<name>.json``, format in :mod:`golden`) are reviewed
claims: each row was read against the sources and the data. A query without a golden file
fails. To write golden files for new or changed queries, opt in explicitly::

    SAMARBEIDSGRAFEN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_competency.py

The golden tests then skip instead of passing; read every written row against the sources
(``git diff tests/golden``) before committing it.

Rules every query keeps, so that it runs the same on every engine (tested below):

- every parameter is a plain variable in the SELECT projection and never inside a BIND:
  pyoxigraph's ``substitutions`` (SPARQL-dev SEP-0007) refuse a variable that is not projected
  and leave a BIND expression that uses one unbound;
- ``SELECT DISTINCT`` (or ``COUNT(DISTINCT …)``): pyoxigraph 0.5's union default graph
  returns a triple once per graph that holds it (oxigraph issue 1919), and a later source
  restating a fact is normal here;
- a year is turned into a date with ``STRDT(CONCAT(STR(?year), "-01-01"), xsd:date)``: rdflib
  has no ``xsd:date()`` cast (not in SPARQL 1.1) and silently leaves it unbound;
- every prefix is declared in the file (analysts copy the files), and results are ordered;
- a graph's source is read as ``?g a sg:SourceGraph ; prov:wasDerivedFrom ?source``: every
  resource has ``prov:wasDerivedFrom`` too (derived on loading), and without the type Oxigraph
  joined those first (municipality-numbers-on-date on the national graph: 74 s, now 0.2 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import golden
import pyoxigraph as ox
import pytest
import support
from rdflib import Dataset, Variable
from rdflib.plugins.sparql.algebra import traverse
from rdflib.plugins.sparql.parserutils import CompValue

from kg.model.dataset import load_dataset
from kg.model.namespaces import ID, VOCAB
from kg.query import queries
from kg.query.engines import RdflibEngine, run

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated, use Dataset:DeprecationWarning")

CATALOGUE = queries.catalogue()
COMPETENCY = sorted(name for name, query in CATALOGUE.items() if not query.is_violation)

FIRE = "sgid:collaboration/brannvesen-lillehammer-oyer"
GAUSDAL = golden.cell(ID["organization/gausdal"])
CONSIDERING = golden.cell(VOCAB["membership-status/considering"])
TRUE = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
FALSE = '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>'


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The project's model and data (``data/``), loaded once."""
    return load_dataset()


@pytest.fixture(scope="module")
def engine(dataset: Dataset) -> RdflibEngine:
    return RdflibEngine(dataset)


@pytest.fixture(scope="module")
def store() -> Iterator[ox.Store]:
    """The same files in pyoxigraph."""
    yield golden.oxigraph_store()


# The behaviour tests below the goldens check what the answers must say about the sources the
# project started from; they load those files only (as the goldens do: the tests' data folder is
# the seed), so that a new source in data/ changes none of them
# (tests/test_new_source_in_a_copy.py).
SEED_FILES = list(support.SEED_FILES)


@pytest.fixture(scope="module")
def seed() -> RdflibEngine:
    """The model and the seed sources (the 2010 page, the registry facts)."""
    return RdflibEngine(load_dataset(SEED_FILES))


@pytest.fixture(scope="module")
def seed_store() -> Iterator[ox.Store]:
    """The same seed files in pyoxigraph."""
    yield golden.oxigraph_store(SEED_FILES)


def answer(engine: RdflibEngine, name: str, **params: str) -> golden.Table:
    """Query ``name`` on rdflib with these parameters (the header's examples for the rest)."""
    query = CATALOGUE[name]
    return golden.table(query, run(query, engine, params), params)


def records(found: golden.Table) -> list[dict[str, Any]]:
    """The rows of a golden table as dicts, variable name → cell."""
    return [dict(zip(found["variables"], row, strict=True)) for row in found["rows"]]


# --------------------------------------------------------------------------------------------
# The catalogue and its headers


def test_there_are_at_least_twenty_competency_queries() -> None:
    assert len(COMPETENCY) >= 20, COMPETENCY


def test_every_golden_file_belongs_to_a_query() -> None:
    stale = sorted(p.stem for p in golden.GOLDEN_DIR.glob("*.json") if p.stem not in COMPETENCY)
    assert not stale, f"golden files without a query: {stale}"


def _nodes(algebra: Any, name: str) -> list[CompValue]:
    found: list[CompValue] = []

    def visit(node: Any) -> None:
        if isinstance(node, CompValue) and node.name == name:
            found.append(node)

    traverse(algebra, visitPre=visit)
    return found


@pytest.mark.parametrize("name", COMPETENCY)
def test_header_says_what_the_query_is_for(name: str) -> None:
    query = CATALOGUE[name]
    assert query.title and query.description and query.tags, f"{name}: header incomplete"
    assert query.kind in ("select", "ask", "construct"), query.kind
    for param in query.params:
        assert param.example, f"{name}: parameter {param.name} has no example value"
        assert param.description, f"{name}: parameter {param.name} is not described"


@pytest.mark.parametrize("name", COMPETENCY)
def test_parameters_are_projected_and_never_bound_by_an_expression(name: str) -> None:
    """A parameter is bound by the engine (a VALUES block, initBindings) and never by the query:
    a BIND may read it (the as-of queries compare days with it), never assign it."""
    query = CATALOGUE[name]
    algebra = queries.check_safe(query.full_text).algebra
    assert algebra is not None
    root = algebra.algebra
    for extend in _nodes(root, "Extend"):
        bound = {p.variable for p in query.params} & {extend.var}
        # rdflib projects a GROUP BY key through an Extend from its own __agg_ variable.
        if isinstance(extend.expr, Variable) and str(extend.expr).startswith("__agg"):
            continue
        assert not bound, f"{name}: parameter {bound} bound by a BIND or projected expression"
    if query.kind == "select":
        projected = set(root.PV)
        for param in query.params:
            assert param.variable in projected, f"{name}: project ?{param.name} plainly"
        assert _nodes(root, "OrderBy"), f"{name}: a SELECT needs an ORDER BY"


@pytest.mark.parametrize("name", COMPETENCY)
def test_query_declares_every_prefix_it_uses(name: str) -> None:
    # pyoxigraph parses the text as written, with no prefixes of its own.
    query = CATALOGUE[name]
    golden.run_on_oxigraph(ox.Store(), query, query.bindings())


# --------------------------------------------------------------------------------------------
# Golden results and the same answers on pyoxigraph


@pytest.mark.parametrize("name", COMPETENCY)
def test_answer_is_the_golden_result(engine: RdflibEngine, name: str) -> None:
    query = CATALOGUE[name]
    found = golden.table(query, run(query, engine))
    expected = golden.read(name)
    if golden.updating():
        if expected != found:
            path = golden.write(name, found)
            pytest.skip(f"wrote {path}: read every row against the sources before committing")
        pytest.skip("golden file up to date")
    assert expected is not None, (
        f"no golden file {golden.path_of(name)}: run with {golden.UPDATE_ENV}=1, "
        "then review every row"
    )
    assert golden.row_set(found) == golden.row_set(expected), golden.differences(expected, found)
    assert found == expected, golden.differences(expected, found)


@pytest.mark.parametrize("name", COMPETENCY)
def test_same_answer_on_pyoxigraph(engine: RdflibEngine, store: ox.Store, name: str) -> None:
    query = CATALOGUE[name]
    bindings = query.bindings()
    on_rdflib = golden.table(query, run(query, engine))
    on_oxigraph = golden.oxigraph_table(query, golden.run_on_oxigraph(store, query, bindings))
    assert golden.row_set(on_oxigraph) == golden.row_set(on_rdflib), golden.differences(
        on_rdflib, on_oxigraph
    )
    assert on_oxigraph == on_rdflib, golden.differences(on_rdflib, on_oxigraph)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("members-on-date", {"asOf": "1989-12-31"}),
        ("members-on-date", {"asOf": "1990-01-01"}),
        ("members-on-date", {"collaboration": "sgid:collaboration/lillehammer-regionen"}),
        (
            "members-on-date",
            {"collaboration": "sgid:collaboration/lillehammer-regionen", "asOf": "2011-01-01"},
        ),
        ("municipality-numbers-on-date", {"asOf": "2019-12-31"}),
        ("leader-in-year", {"year": "2011"}),
        ("prospective-members", {"asOf": "2021-06-01"}),
        ("municipality-arrangements", {"municipality": "sgid:organization/gausdal"}),
        ("is-member", {"organization": "sgid:organization/oyer"}),
    ],
)
def test_same_answer_on_pyoxigraph_with_other_parameters(
    engine: RdflibEngine, store: ox.Store, name: str, params: dict[str, str]
) -> None:
    query = CATALOGUE[name]
    on_rdflib = golden.table(query, run(query, engine, params), params)
    answer = golden.run_on_oxigraph(store, query, query.bindings(params))
    assert golden.oxigraph_table(query, answer, params) == on_rdflib


# --------------------------------------------------------------------------------------------
# What the answers must say, whatever the golden files say


@pytest.mark.parametrize("day", ["1995-01-01", "2010-06-01", "2021-06-01"])
def test_considering_is_never_membership_on_any_day(seed: RdflibEngine, day: str) -> None:
    members = records(answer(seed, "members-on-date", collaboration=FIRE, asOf=day))
    assert {r["memberLabel"] for r in members} == {
        '"Lillehammer kommune"@nb',
        '"Øyer kommune"@nb',
    }


def test_considering_is_not_counted(seed: RdflibEngine) -> None:
    counts = {r["collaboration"]: r["members"] for r in records(answer(seed, "member-count"))}
    fire = golden.cell(ID["collaboration/brannvesen-lillehammer-oyer"])
    assert counts[fire] == '"2"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert answer(seed, "is-member", collaboration=FIRE)["boolean"] is False
    gausdal = records(
        answer(seed, "municipality-arrangements", municipality="sgid:organization/gausdal")
    )
    assert fire not in {r["arrangement"] for r in gausdal}
    pairs = {
        (r["firstLabel"], r["secondLabel"]): r["shared"]
        for r in records(answer(seed, "municipality-pairs-by-shared-arrangements"))
    }
    # Lillehammer and Øyer share the fire service, Gausdal (only considering it) does not.
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert pairs[('"Lillehammer kommune"@nb', '"Øyer kommune"@nb')] == f'"10"{integer}'
    assert pairs[('"Gausdal kommune"@nb', '"Lillehammer kommune"@nb')] == f'"9"{integer}'


def test_considering_appears_among_prospective_members(seed: RdflibEngine) -> None:
    rows = records(answer(seed, "prospective-members", asOf="2010-06-01"))
    assert [(r["organization"], r["status"]) for r in rows] == [(GAUSDAL, CONSIDERING)]


def test_the_approximate_start_is_visibly_approximate(seed: RdflibEngine) -> None:
    year_1990 = '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    members = records(answer(seed, "members-on-date", collaboration=FIRE, asOf="2010-06-01"))
    assert members and all(r["approximate"] == TRUE and r["start"] == year_1990 for r in members)
    rows = records(answer(seed, "municipality-arrangements", municipality="sgid:organization/oyer"))
    fire = golden.cell(ID["collaboration/brannvesen-lillehammer-oyer"])
    assert {r["approximate"] for r in rows if r["arrangement"] == fire} == {TRUE}
    assert {r["approximate"] for r in rows if r["arrangement"] != fire} == {FALSE}


def test_as_of_a_year_counts_from_the_first_to_the_last_day(seed: RdflibEngine) -> None:
    def members(**params: str) -> set[tuple[str, str, str]]:
        rows = records(answer(seed, "members-on-date", **params))
        return {(r["memberLabel"], r["roleLabel"], r["state"]) for r in rows}

    participant, chair = '"deltaker"@nb', '"leder"@nb'
    in_force, not_known = '"in force"', '"not known"'
    lillehammer, oyer = '"Lillehammer kommune"@nb', '"Øyer kommune"@nb'
    # The fire service began "about 1990": on the eve of 1990 its start is not known either way.
    assert members(collaboration=FIRE, asOf="1989-12-31") == {
        (lillehammer, participant, not_known),
        (oyer, participant, not_known),
    }
    assert members(collaboration=FIRE, asOf="1990-01-01") == {
        (lillehammer, participant, in_force),
        (oyer, participant, in_force),
    }
    # The page speaks for 2010: what it states is in force from 1 January to 31 December 2010,
    # and not known on the next day (no later source says it goes on or ends).
    region = "sgid:collaboration/lillehammer-regionen"
    assert (oyer, chair, in_force) in members(collaboration=region, asOf="2010-01-01")
    assert (oyer, chair, in_force) in members(collaboration=region, asOf="2010-12-31")
    assert {state for *_, state in members(collaboration=region, asOf="2011-01-01")} == {not_known}
    assert len(members(collaboration=region, asOf="2011-01-01")) == 4


def test_municipality_numbers_change_on_2020_01_01(seed: RdflibEngine) -> None:
    def numbers(day: str) -> list[str]:
        rows = records(answer(seed, "municipality-numbers-on-date", asOf=day))
        return [r["number"] for r in rows]

    assert numbers("2019-12-31") == ['"0501"', '"0521"', '"0522"']
    assert numbers("2020-01-01") == ['"3405"', '"3440"', '"3441"']


def test_leader_in_a_year_other_than_2010_is_not_known(seed: RdflibEngine) -> None:
    for year in ("2009", "2011"):
        rows = records(answer(seed, "leader-in-year", year=year))
        assert [(r["leaderLabel"], r["state"]) for r in rows] == [
            ('"Øyer kommune"@nb', '"not known"')
        ]
    rows = records(answer(seed, "leader-in-year", year="2010"))
    assert [(r["leaderLabel"], r["state"]) for r in rows] == [('"Øyer kommune"@nb', '"in force"')]


def test_a_fact_two_sources_state_is_one_row_on_both_engines(
    seed: RdflibEngine, seed_store: ox.Store
) -> None:
    # Øyer's ownership of GLØR is in the 2010 graph and in the registry facts. pyoxigraph 0.5's
    # union default graph returns such triples once per graph (oxigraph issue 1919); DISTINCT
    # in the query keeps the answer one row.
    query = CATALOGUE["municipality-arrangements"]
    glor = golden.cell(ID["organization/glor-iks"])
    on_oxigraph = golden.oxigraph_table(
        query, golden.run_on_oxigraph(seed_store, query, query.bindings())
    )
    for found in (answer(seed, "municipality-arrangements"), on_oxigraph):
        assert [r["roleLabel"] for r in records(found) if r["arrangement"] == glor] == ['"eier"@nb']


# --------------------------------------------------------------------------------------------
# Which sources say a statement (statement-sources)

STATEMENT = "statement-sources"
GRAPH_2010 = golden.cell(ID["graph/oyer-regionalt-samarbeid-2010"])
GRAPH_REGISTRY = golden.cell(ID["graph/registry-facts"])
SOURCE_2010 = golden.cell(ID["source/oyer-regionalt-samarbeid-2010"])
SOURCE_REGISTRY = golden.cell(ID["source/registry-facts"])
TITLE_2010 = '"Regionalt samarbeid på ulike måter"@nb'
TITLE_REGISTRY = '"Registry facts for the Lillehammer region, with sources"@en'
YEAR_2010 = '"2010"^^<http://www.w3.org/2001/XMLSchema#gYear>'
READ = '"2026-11-29"^^<http://www.w3.org/2001/XMLSchema#date>'
PROVENANCE = ["graph", "source", "sourceTitle", "sourceAsOf", "read"]
PERIOD = ["begin", "beginGraph", "end", "endGraph", "approximate"]
STATEMENT_VARIANTS = [
    {
        "subject": "sgid:membership/glor-iks--oyer--owner",
        "predicate": "org:member",
        "object": "sgid:organization/oyer",
    },
    {
        "subject": "sgid:membership/brannvesen-lillehammer-oyer--oyer--participant",
        "predicate": "org:member",
        "object": "sgid:organization/oyer",
    },
    {
        "subject": "sgid:organization/oyer",
        "predicate": "adms:identifier",
        "object": "sgid:identifier/kommunenummer-0521",
    },
    {
        "subject": "sgid:address/landbrukskontoret-lillehammer-regionen",
        "predicate": "locn:postCode",
        "object": '"2651"',
    },
]


def _sources(found: golden.Table, columns: list[str]) -> list[list[str | None]]:
    return [[r[c] for c in columns] for r in records(found)]


@pytest.mark.parametrize("params", STATEMENT_VARIANTS, ids=lambda p: p["subject"])
def test_statement_sources_are_the_same_on_pyoxigraph(
    seed: RdflibEngine, seed_store: ox.Store, params: dict[str, str]
) -> None:
    query = CATALOGUE[STATEMENT]
    on_rdflib = golden.table(query, run(query, seed, params), params)
    answer = golden.run_on_oxigraph(seed_store, query, query.bindings(params))
    assert golden.oxigraph_table(query, answer, params) == on_rdflib
    assert on_rdflib["rows"], "every variant is a statement the data makes"


def test_a_statement_two_sources_make_has_a_row_for_each(seed: RdflibEngine) -> None:
    # Øyer's ownership of GLØR is in the 2010 page and in the registry facts, which have no
    # date of their own (a compiled reference): no as-of there, and no period in either.
    found = answer(seed, STATEMENT, **STATEMENT_VARIANTS[0])
    assert _sources(found, PROVENANCE + PERIOD) == [
        [GRAPH_2010, SOURCE_2010, TITLE_2010, YEAR_2010, READ, None, None, None, None, FALSE],
        [
            GRAPH_REGISTRY,
            SOURCE_REGISTRY,
            TITLE_REGISTRY,
            None,
            READ,
            None,
            None,
            None,
            None,
            FALSE,
        ],
    ]


def test_a_statement_about_a_membership_has_the_memberships_period(seed: RdflibEngine) -> None:
    found = answer(seed, STATEMENT, **STATEMENT_VARIANTS[1])
    year_1990 = '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    assert _sources(found, ["graph", *PERIOD]) == [
        [GRAPH_2010, year_1990, GRAPH_2010, None, None, TRUE],
    ]


def test_an_identifier_statement_has_the_identifiers_period(seed: RdflibEngine) -> None:
    found = answer(seed, STATEMENT, **STATEMENT_VARIANTS[2])
    end = '"2019-12-31"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert _sources(found, ["graph", *PERIOD]) == [
        [GRAPH_REGISTRY, None, None, end, GRAPH_REGISTRY, FALSE],
    ]


def test_a_statement_no_source_makes_has_no_rows(seed: RdflibEngine) -> None:
    params = {**STATEMENT_VARIANTS[3], "object": '"2652"'}
    assert answer(seed, STATEMENT, **params)["rows"] == []
    params = {**STATEMENT_VARIANTS[3], "object": '"2651"@nb'}  # the data's code is a plain string
    assert answer(seed, STATEMENT, **params)["rows"] == []


QUALIFIED_FIXTURE = """\
@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix graph: <https://w3id.org/samarbeidsgrafen/id/graph/> .
@prefix src: <https://w3id.org/samarbeidsgrafen/id/source/> .
@prefix addr: <https://w3id.org/samarbeidsgrafen/id/address/> .
@prefix st: <https://w3id.org/samarbeidsgrafen/id/statement/> .
@prefix iv: <https://w3id.org/samarbeidsgrafen/id/interval/> .
@prefix t: <https://w3id.org/samarbeidsgrafen/id/instant/> .

# TEST FIXTURE: MADE-UP sources and facts, only to show how a qualified statement's period and
# an end a later source adds are read. Nothing here is a real fact.
graph:test-fixture-a {
    graph:test-fixture-a a sg:SourceGraph ;
        prov:wasDerivedFrom src:test-fixture-a ; dct:created "2026-11-30"^^xsd:date .
    src:test-fixture-a a sg:SourceDocument ;
        dct:title "Test fixture A"@en ; sg:asOf "2012"^^xsd:gYear .
    addr:test-fixture-office locn:adminUnitL2 "Gausdal"@nb .
    st:test-fixture-office-in-gausdal a sg:QualifiedStatement ;
        rdf:subject addr:test-fixture-office ;
        rdf:predicate locn:adminUnitL2 ;
        rdf:object "Gausdal"@nb ;
        dct:temporal iv:test-fixture-office-in-gausdal .
    iv:test-fixture-office-in-gausdal a time:Interval ;
        time:hasBeginning t:test-fixture-2008 .
    t:test-fixture-2008 a time:Instant ; time:inXSDgYear "2008"^^xsd:gYear ; sg:approximate true .
}
graph:test-fixture-b {
    graph:test-fixture-b a sg:SourceGraph ;
        prov:wasDerivedFrom src:test-fixture-b ; dct:created "2026-12-01"^^xsd:date .
    src:test-fixture-b a sg:SourceDocument ; dct:title "Test fixture B"@nb .
    addr:test-fixture-office locn:adminUnitL2 "Gausdal"@nb .
    iv:test-fixture-office-in-gausdal time:hasEnd t:test-fixture-2015-06-30 .
    t:test-fixture-2015-06-30 a time:Instant ; time:inXSDDate "2015-06-30"^^xsd:date .
}
"""


def test_a_qualified_statements_period_with_an_end_a_later_source_adds(
    tmp_path: Path,
) -> None:
    path = tmp_path / "qualified.trig"
    path.write_text(QUALIFIED_FIXTURE, encoding="utf-8")
    query = CATALOGUE[STATEMENT]
    params = {
        "subject": "sgid:address/test-fixture-office",
        "predicate": "locn:adminUnitL2",
        "object": '"Gausdal"@nb',
    }
    found = golden.table(query, run(query, RdflibEngine(load_dataset([path])), params), params)
    graph_a, graph_b = (golden.cell(ID[f"graph/test-fixture-{x}"]) for x in "ab")
    begin = '"2008"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    end = '"2015-06-30"^^<http://www.w3.org/2001/XMLSchema#date>'
    assert _sources(found, ["graph", "sourceTitle", "sourceAsOf", "read", *PERIOD]) == [
        [
            graph_a,
            '"Test fixture A"@en',
            '"2012"^^<http://www.w3.org/2001/XMLSchema#gYear>',
            '"2026-11-30"^^<http://www.w3.org/2001/XMLSchema#date>',
            *[begin, graph_a, end, graph_b, TRUE],
        ],
        [
            graph_b,
            '"Test fixture B"@nb',
            None,
            '"2026-12-01"^^<http://www.w3.org/2001/XMLSchema#date>',
            *[begin, graph_a, end, graph_b, TRUE],
        ],
    ]
    answer = golden.run_on_oxigraph(golden.oxigraph_store([path]), query, query.bindings(params))
    assert golden.oxigraph_table(query, answer, params) == found
