"""pyshacl-turbo and pySHACL give the same report, from a dataset and from a pyoxigraph store.

The reference is pySHACL on the rdflib union graph (what ``kg validate`` always did); the fast
path is pyshacl-turbo, the default. Both run on the project's data and on every fixture of
``tests/fixtures/shapes/`` (each core and recommended shape fails in one of them, see
tests/test_shapes.py), and must give equal typed results: severity, focus node, path, value,
shape, message and constraint component, in the same order; their report graphs must be
isomorphic too. A :class:`pyoxigraph.Store` whose default graph holds the union is validated
like the dataset it was made from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_isomorphic
from rdflib.term import Node
from support import FIXTURE_PROJECT, run_kg

from kg.errors import ShapesError
from kg.model.dataset import load_dataset
from kg.model.namespaces import ID, SH, SHAPES
from kg.query.engines import oxigraph_store
from kg.validation.validate import (
    DEFAULT_SHACL_ENGINE,
    SHACL_ENGINES,
    ValidationReport,
    ValidationResult,
    check_shacl_engine,
    load_shapes,
    shacl_report,
    store_graph,
    validate,
)

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "ontology" / "shapes"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
ALL_FIXTURES = sorted(
    [
        *FIXTURES.glob("*.trig"),
        *(FIXTURES / "warnings").glob("*.trig"),
        *(FIXTURES / "valid").glob("*.trig"),
    ]
)
NONCONFORMING = ROOT / "tests" / "fixtures" / "validate" / "nonconforming.trig"
"""Four violations of the fixture project's shapes (tests/fixtures/project)."""
BACKWARDS = FIXTURES / "interval-end-before-start.trig"
"""A period that ends before it begins: refused by a SPARQL constraint."""


def dataset_of(fixture: Path | None) -> Dataset:
    """The fixture with the ontology and code lists (``None``: the project's own data)."""
    return load_dataset([fixture] if fixture is not None else None)


def name_of(fixture: Path | None) -> str:
    return "project-data" if fixture is None else f"{fixture.parent.name}/{fixture.name}"


def announces_shape_results(fixture: Path | None) -> bool:
    """Whether the fixture's header announces a result of a shape (not of a violation query):
    a guard against comparing two empty reports."""
    if fixture is None:
        return False
    shapes = re.findall(r"^# shape: (\S+)", fixture.read_text(encoding="utf-8"), re.MULTILINE)
    return any(not shape.startswith("query:") for shape in shapes)


def blank_nodes_alike(results: tuple[ValidationResult, ...]) -> list[tuple[object, ...]]:
    """Results with every blank node the same (a store labels them afresh), in order."""

    def term(node: object) -> object:
        return BNode("b") if isinstance(node, BNode) else node

    return [
        (r.severity, term(r.focus_node), r.path, term(r.value), r.shape, r.message, r.constraint)
        for r in results
    ]


def test_the_engine_names() -> None:
    assert SHACL_ENGINES == ("turbo", "pyshacl")
    assert DEFAULT_SHACL_ENGINE == "turbo"
    assert check_shacl_engine("pyshacl") == "pyshacl"
    with pytest.raises(ShapesError) as caught:
        validate(Dataset(), SHAPES_DIR, engine="jena")
    assert str(caught.value) == "unknown SHACL engine 'jena' (use turbo or pyshacl)"


def test_there_are_a_hundred_and_five_fixtures() -> None:
    assert len(ALL_FIXTURES) == 105


@pytest.mark.parametrize("fixture", [None, *ALL_FIXTURES], ids=name_of)
def test_both_engines_give_the_same_report_and_a_store_too(fixture: Path | None) -> None:
    dataset = dataset_of(fixture)
    # The violation queries do not depend on the SHACL engine: run them once, on the project.
    queries = None if fixture is None else ()
    turbo = validate(dataset, SHAPES_DIR, engine="turbo", queries=queries)
    reference = validate(dataset, SHAPES_DIR, engine="pyshacl", queries=queries)
    assert turbo.results == reference.results
    assert turbo.conforms == reference.conforms
    assert turbo.summary() == reference.summary()
    assert to_isomorphic(turbo.graph) == to_isomorphic(reference.graph)
    if announces_shape_results(fixture):
        assert turbo.results, f"{name_of(fixture)} is refused by no shape"

    from_store = validate(oxigraph_store(dataset), SHAPES_DIR, queries=queries)
    assert blank_nodes_alike(from_store.results) == blank_nodes_alike(turbo.results)
    assert from_store.summary() == turbo.summary()


@pytest.mark.parametrize(
    "fixture", [None, FIXTURES / "blank-node-site.trig", BACKWARDS], ids=name_of
)
def test_pyshacl_reads_a_store_like_turbo(fixture: Path | None) -> None:
    store = oxigraph_store(dataset_of(fixture))
    turbo = validate(store, SHAPES_DIR, engine="turbo")
    reference = validate(store, SHAPES_DIR, engine="pyshacl")
    assert turbo.results == reference.results
    assert turbo.summary() == reference.summary()


def test_the_violation_queries_run_on_the_store_itself() -> None:
    fixture = FIXTURES / "collaboration-same-member-twice.trig"
    store = oxigraph_store(dataset_of(fixture))
    report = validate(store, SHAPES_DIR)
    assert [(str(r.shape), r.focus_node) for r in report.violations] == [
        ("query:collaboration-distinct-participants-violation", ID["collaboration/x"])
    ]
    # Later changes to the store are seen: the engine wraps the store, it is no copy.
    store.update("DROP ALL")
    assert validate(store, SHAPES_DIR).results == ()


def test_only_the_default_graph_of_a_store_is_read() -> None:
    """Our stores keep the union in the default graph; the named graphs are not read twice."""
    dataset = dataset_of(BACKWARDS)
    assert validate(oxigraph_store(dataset), SHAPES_DIR).summary() == "1 violation, 0 warnings"
    only_named = oxigraph_store(dataset, union_default=False)
    with pytest.raises(ShapesError) as caught:
        validate(only_named, SHAPES_DIR)
    assert str(caught.value) == (
        "the store's default graph is empty but its named graphs are not: validation reads the "
        "default graph, so load the union into it first (INSERT { ?s ?p ?o } WHERE "
        "{ GRAPH ?g { ?s ?p ?o } })"
    )


def test_a_store_keeps_literal_forms_and_blank_node_labels() -> None:
    store = ox.Store()
    store.load(
        b'_:site <urn:p> "TRUE"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
        b'<urn:a> <urn:q> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n',
        format=ox.RdfFormat.N_TRIPLES,
    )
    graph = store_graph(store)
    (site,) = [s for s in graph.subjects() if isinstance(s, BNode)]
    assert {o.n3() for o in graph.objects() if isinstance(o, Literal)} == {
        '"TRUE"^^<http://www.w3.org/2001/XMLSchema#boolean>',
        '"x"',
    }
    (named,) = [q.subject for q in store if isinstance(q.subject, ox.BlankNode)]
    assert str(site) == named.value


def test_turbo_validates_only_the_focus_nodes_it_is_given() -> None:
    """pyshacl-turbo's ``focus_nodes``: the shapes' targets among those nodes, each checked in
    full; the nodes are IRIs."""
    dataset = dataset_of(BACKWARDS)
    shapes = load_shapes(SHAPES_DIR)
    interval = ID["interval/x"]
    report = shacl_report(dataset, shapes, focus_nodes=[interval])
    assert {report.value(r, SH.focusNode) for r in report.objects(None, SH.result)} == {interval}
    nothing = shacl_report(dataset, shapes, focus_nodes=[ID["organization/nowhere"]])
    assert list(nothing.objects(None, SH.result)) == []


@pytest.mark.parametrize("engine", SHACL_ENGINES)
def test_focus_nodes_keep_the_results_about_those_nodes(engine: str) -> None:
    dataset = dataset_of(FIXTURES / "membership-member-untyped.trig")
    full = validate(dataset, SHAPES_DIR, engine=engine)
    nodes: set[Node] = {ID["membership/a--nobody"], ID["organization/a"]}
    focused = validate(dataset, SHAPES_DIR, engine=engine, focus_nodes=nodes)
    assert focused.results == tuple(r for r in full.results if r.focus_node in nodes)
    assert [(str(r.shape), r.focus_node) for r in focused.results] == [
        (str(SHAPES["MembershipShape-member"]), ID["membership/a--nobody"])
    ]
    assert focused.conforms is False
    assert validate(dataset, SHAPES_DIR, engine=engine, focus_nodes=()).results == ()
    away = validate(dataset, SHAPES_DIR, engine=engine, focus_nodes={ID["organization/a"]})
    assert (away.results, away.conforms) == ((), True)


def test_focus_on_a_blank_node_validates_everything_and_keeps_its_results() -> None:
    dataset = dataset_of(FIXTURES / "blank-node-site.trig")
    full = validate(dataset, SHAPES_DIR, queries=())
    blanks = {r.focus_node for r in full.results if isinstance(r.focus_node, BNode)}
    assert len(blanks) == 1
    focused = validate(dataset, SHAPES_DIR, queries=(), focus_nodes=blanks)
    assert focused.results == tuple(r for r in full.results if r.focus_node in blanks)
    assert focused.results


def test_a_focused_report_graph_holds_its_results_with_their_paths() -> None:
    dataset = dataset_of(FIXTURES / "description-plain-string.trig")
    full = validate(dataset, SHAPES_DIR, queries=())
    focus = {ID["organization/a"]}
    focused = validate(dataset, SHAPES_DIR, queries=(), focus_nodes=focus)
    assert focused.results == full.results
    assert len(list(focused.graph.objects(None, SH.result))) == len(full.results) == 3
    reread = ValidationReport(focused.conforms, focused.results, focused.graph)
    from kg.validation.validate import results_of

    assert sorted(results_of(reread.graph), key=ValidationResult.sort_key) == list(full.results)


def test_results_of_one_value_are_ordered_by_constraint_component() -> None:
    report = validate(dataset_of(FIXTURES / "description-plain-string.trig"), SHAPES_DIR)
    assert [str(r.constraint).removeprefix(str(SH)) for r in report.violations] == [
        "DatatypeConstraintComponent",
        "LanguageInConstraintComponent",
    ]


def test_a_shapes_error_from_turbo_is_one_clear_line() -> None:
    shapes = Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:property [ sh:minCount 1 ] .
        """,
    )
    for engine in SHACL_ENGINES:
        with pytest.raises(ShapesError) as caught:
            validate(Dataset(), shapes, engine=engine, queries=())
        assert str(caught.value).startswith("the shapes cannot be used: ")
        assert "\n" not in str(caught.value)


def test_a_literal_datatype_string_value_is_the_plain_literal() -> None:
    shapes = Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> a sh:NodeShape ; sh:targetNode <urn:x> ;
            sh:property [ sh:path <urn:p> ; sh:maxLength 1 ; sh:message "short" ] .
        """,
    )
    store = ox.Store()
    store.load(b'<urn:x> <urn:p> "long" .\n', format=ox.RdfFormat.N_TRIPLES)
    for engine in SHACL_ENGINES:
        (result,) = validate(store, shapes, engine=engine, queries=()).results
        assert result.value == Literal("long")
        assert result.focus_node == URIRef("urn:x")


# --------------------------------------------------------------------------------------------
# kg validate --shacl-engine


def kg(*args: str) -> tuple[int, str, str]:
    done = run_kg("validate", *args, root=FIXTURE_PROJECT)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("engine", SHACL_ENGINES)
def test_kg_validate_with_either_engine(engine: str) -> None:
    assert kg("--shacl-engine", engine)[0::2] == (0, "conforms: 0 violations, 2 warnings\n")
    code, out, err = kg(str(NONCONFORMING), "--shacl-engine", engine, "--format", "json")
    assert (code, err) == (1, "kg: error: does not conform: 4 violations, 0 warnings\n")
    assert out == kg(str(NONCONFORMING), "--format", "json")[1]


def test_kg_validate_refuses_an_unknown_engine() -> None:
    assert kg("--shacl-engine", "jena") == (
        2,
        "",
        "kg: error: invalid value for --shacl-engine: 'jena' is not one of turbo, pyshacl "
        "(see kg validate --help)\n",
    )


def test_kg_validate_help_names_the_reference() -> None:
    code, out, _ = kg("--help")
    assert code == 0
    assert "--shacl-engine [turbo|pyshacl]" in out
    assert "pyshacl (pySHACL, the reference, much" in out
    assert "[default: turbo]" in out


def test_the_public_turbo_call_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the internal call (another pyshacl-turbo), ``pyshacl_turbo.validate`` is used."""
    import kg.validation.validate

    dataset = dataset_of(FIXTURES / "description-plain-string.trig")
    fast = validate(dataset, SHAPES_DIR, queries=())
    monkeypatch.setattr(kg.validation.validate, "_turbo_native", lambda *args: None)
    public = validate(dataset, SHAPES_DIR, queries=())
    assert public.results == fast.results
    assert to_isomorphic(public.graph) == to_isomorphic(fast.graph)


def test_the_report_graph_is_read_when_first_asked_for() -> None:
    report = validate(dataset_of(BACKWARDS), SHAPES_DIR)
    assert callable(report.report_graph)
    graph = report.graph
    assert report.report_graph is graph
    assert (None, SH.conforms, Literal(False)) in graph
    assert len(list(graph.objects(None, SH.result))) == len(report.results) == 1
