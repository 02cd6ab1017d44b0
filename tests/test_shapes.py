"""The SHACL shapes and the violation queries: the project's data passes, every defect is refused.

Every core shape has a failing fixture in ``tests/fixtures/shapes/`` (a valid source graph plus one
defect) and every recommended shape one in ``warnings/``. A fixture says in its leading comment
lines what validation must report, one block per result::

    # shape: sgsh:OrganisationNumberChecksumShape
    # focus: sgid:identifier/orgnr-988077918
    # message: The organisation number 988077918 fails the modulus-11 check: ...

``shape`` is a shape IRI (as sh:sourceShape reports it) or ``query:NAME`` for a row of
``queries/NAME.rq``; ``focus`` is ``(blank node)`` for a blank focus node. The test compares
the exact set of results of that severity, so that a fixture also proves that nothing else fails.
``valid/`` holds edge cases that must pass with no result at all.

SHACL results are read straight from pySHACL's report (its ``sh:result`` links, not the nested
``sh:detail`` results); the violation queries run on rdflib and on pyoxigraph, which must agree.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from kg.model.dataset import load_dataset, union_graph
from kg.model.namespaces import ID, PREFIXES, SHAPES

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "ontology" / "shapes"
CORE = SHAPES_DIR / "core.ttl"
RECOMMENDED = SHAPES_DIR / "recommended.ttl"
QUERIES_DIR = ROOT / "queries"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
REFUSED = sorted(FIXTURES.glob("*.trig"))
WARNED = sorted((FIXTURES / "warnings").glob("*.trig"))
VALID = sorted((FIXTURES / "valid").glob("*.trig"))
BLANK = "(blank node)"

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
NODE_CONSTRAINTS = (SH["or"], SH.xone, SH["and"], SH["not"], SH.sparql, SH.nodeKind, SH["class"])


@dataclass(frozen=True, order=True)
class Finding:
    """One result as the tests compare it."""

    severity: str
    shape: str
    focus: str
    message: str


# --------------------------------------------------------------------------------------------
# Helpers


def expand(name: str) -> str:
    """``sgsh:X`` → the full IRI, by the project's prefix map; ``query:…`` is kept."""
    prefix, _, local = name.partition(":")
    if prefix == "query" or prefix not in PREFIXES:
        return name
    return PREFIXES[prefix] + local


def expected_findings(path: Path, severity: str) -> set[Finding]:
    """The results a fixture's leading comment lines announce."""
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    fields = [re.fullmatch(r"# (shape|focus|message): (.*)", line) for line in header]
    values = [(m.group(1), m.group(2)) for m in fields if m]
    assert [key for key, _ in values] == ["shape", "focus", "message"] * (len(values) // 3), (
        f"{path.name}: the header must give shape, focus and message for each result"
    )
    found = set()
    for i in range(0, len(values), 3):
        shape, focus, message = (value for _, value in values[i : i + 3])
        focus = focus if focus == BLANK else expand(focus)
        found.add(Finding(severity, expand(shape), focus, message))
    return found


@functools.cache
def shapes_graph() -> Graph:
    """Core and recommended shapes together, as validation uses them."""
    graph = Graph()
    graph.parse(CORE)
    graph.parse(RECOMMENDED)
    return graph


def shacl_findings(data: Graph, shapes: Graph | None = None) -> list[Finding]:
    """Every top-level result of pySHACL's report, with exactly one message each."""
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes if shapes is not None else shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    found = []
    for result in report.objects(None, SH.result):
        messages = list(report.objects(result, SH.resultMessage))
        assert len(messages) == 1, f"result with {len(messages)} messages: {messages}"
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        assert isinstance(severity, URIRef)
        found.append(
            Finding(
                severity=severity.removeprefix(str(SH)),
                shape=str(report.value(result, SH.sourceShape)),
                focus=BLANK if isinstance(focus, BNode) else str(focus),
                message=str(messages[0]),
            )
        )
    return sorted(found)


def violation_query_names() -> list[str]:
    """The names of ``queries/*-violation.rq``."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*-violation.rq"))


@functools.cache
def prepared_query(name: str) -> Query:
    """A violation query parsed once (rdflib's parser is slow)."""
    return prepareQuery((QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8"))


def query_findings_rdflib(dataset: Dataset) -> list[Finding]:
    """The rows of every violation query on rdflib (the dataset's default graph is the union)."""
    found = []
    for name in violation_query_names():
        for row in dataset.query(prepared_query(name)):
            found.append(Finding("Violation", f"query:{name}", str(row.focus), str(row.message)))
    return sorted(found)


def query_findings_oxigraph(dataset: Dataset) -> list[Finding]:
    """The same on pyoxigraph, querying the union of the named graphs."""
    store = pyoxigraph.Store()
    store.load(dataset.serialize(format="nquads").encode(), pyoxigraph.RdfFormat.N_QUADS)
    found = []
    for name in violation_query_names():
        text = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
        for row in store.query(text, use_default_graph_as_union=True):
            found.append(
                Finding("Violation", f"query:{name}", row["focus"].value, row["message"].value)
            )
    return sorted(found)


@functools.cache
def file_findings(path: Path) -> frozenset[Finding]:
    """Every result for one file: SHACL results of all severities and violation-query rows."""
    dataset = load_dataset([path])
    return frozenset([*shacl_findings(union_graph(dataset)), *query_findings_rdflib(dataset)])


def findings(path: Path, severity: str) -> set[Finding]:
    """The results of ``severity`` for one file."""
    return {f for f in file_findings(path) if f.severity == severity}


def reportable_shapes(shapes: Graph) -> set[str]:
    """Shapes that can be a result's sh:sourceShape: shapes with a target that carry node-level
    constraints, and the property shapes of shapes with a target."""
    found: set[str] = set()
    for shape in {s for t in TARGETS for s in shapes.subjects(t, None)}:
        found.update(str(p) for p in shapes.objects(shape, SH.property))
        if any((shape, c, None) in shapes for c in NODE_CONSTRAINTS):
            found.add(str(shape))
    return found


def shape_nodes(shapes: Graph) -> set[object]:
    """Every node used as a shape: typed, with targets, or referenced by another shape."""
    nodes: set[object] = set(shapes.subjects(RDF.type, SH.NodeShape))
    nodes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    nodes |= set(shapes.subjects(SH.path, None))
    nodes |= {s for t in TARGETS for s in shapes.subjects(t, None)}
    for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
        nodes |= set(shapes.objects(None, predicate))
    for predicate in (SH["or"], SH["and"], SH.xone):
        for head in shapes.objects(None, predicate):
            nodes |= set(Collection(shapes, head))
    return nodes


def unnamed_shapes(shapes: Graph) -> list[str]:
    """Shapes (and SPARQL constraints and targets) lacking an IRI, an sh:name or an sh:message."""
    problems = []
    for node in sorted(shape_nodes(shapes), key=str):
        if not isinstance(node, URIRef) or not node.startswith(str(SHAPES)):
            problems.append(f"{node!r}: not an IRI in {SHAPES}")
            continue
        for predicate in (SH.name, SH.message):
            if not isinstance(shapes.value(node, predicate), Literal):
                problems.append(f"{node}: no {predicate.removeprefix(str(SH))}")
    for node in {*shapes.objects(None, SH.sparql), *shapes.objects(None, SH.target)}:
        if not isinstance(node, URIRef) or not node.startswith(str(SHAPES)):
            problems.append(f"{node!r}: a SPARQL constraint or target without an IRI")
    for node in shapes.objects(None, SH.sparql):
        if not isinstance(shapes.value(node, SH.message), Literal):
            problems.append(f"{node}: a SPARQL constraint without a message")
    return problems


# --------------------------------------------------------------------------------------------
# The project's data


def test_project_data_conforms_with_no_result_at_all() -> None:
    from kg.validation.validate import validate

    report = validate(load_dataset())
    assert report.conforms
    assert report.results == ()
    assert report.summary() == "0 violations, 0 warnings"


def test_project_data_passes_core_and_recommended_shapes_directly() -> None:
    assert shacl_findings(union_graph(load_dataset())) == []


def test_violation_queries_return_no_rows_on_project_data() -> None:
    dataset = load_dataset()
    assert query_findings_rdflib(dataset) == []
    assert query_findings_oxigraph(dataset) == []


def test_the_shapes_see_the_project_data() -> None:
    """A guard against vacuous passes: one defect added to the real data is reported."""
    dataset = load_dataset()
    data = union_graph(dataset)
    identifier = URIRef(PREFIXES["sgid"] + "identifier/orgnr-961381185")
    data.set((identifier, URIRef(PREFIXES["skos"] + "notation"), Literal("961381186")))
    assert shacl_findings(data) == [
        Finding(
            "Violation",
            str(SHAPES.OrganisationNumberChecksumShape),
            str(identifier),
            "The organisation number 961381186 fails the modulus-11 check: check it against "
            "Enhetsregisteret, or leave it out if the source's number cannot be confirmed.",
        )
    ]


# --------------------------------------------------------------------------------------------
# Fixtures: refused, warned, valid


@pytest.mark.parametrize("fixture", REFUSED, ids=lambda p: p.name)
def test_fixture_is_refused_with_exactly_the_announced_violations(fixture: Path) -> None:
    expected = expected_findings(fixture, "Violation")
    assert expected, f"{fixture.name} announces no result"
    assert findings(fixture, "Violation") == expected


@pytest.mark.parametrize("fixture", WARNED, ids=lambda p: p.name)
def test_fixture_gets_exactly_the_announced_warnings(fixture: Path) -> None:
    expected = expected_findings(fixture, "Warning")
    assert expected, f"{fixture.name} announces no result"
    assert findings(fixture, "Warning") == expected
    assert findings(fixture, "Violation") == set()


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.name)
def test_valid_edge_cases_pass_without_any_result(fixture: Path) -> None:
    dataset = load_dataset([fixture])
    assert shacl_findings(union_graph(dataset)) == []
    assert query_findings_rdflib(dataset) == []
    assert query_findings_oxigraph(dataset) == []


def test_every_core_shape_has_a_refused_fixture() -> None:
    core = Graph().parse(CORE)
    announced = {f.shape for p in REFUSED for f in expected_findings(p, "Violation")}
    assert reportable_shapes(core) == {s for s in announced if not s.startswith("query:")}


def test_every_violation_query_has_a_refused_fixture() -> None:
    announced = {f.shape for p in REFUSED for f in expected_findings(p, "Violation")}
    queries = {f"query:{name}" for name in violation_query_names()}
    assert queries == {s for s in announced if s.startswith("query:")}
    assert {
        "query:council-seats-match-rule-violation",
        "query:host-is-member-violation",
    } <= queries


def test_every_recommended_shape_has_a_warned_fixture() -> None:
    recommended = Graph().parse(RECOMMENDED)
    announced = {f.shape for p in WARNED for f in expected_findings(p, "Warning")}
    assert reportable_shapes(recommended) == announced


@pytest.mark.parametrize(
    "fixture",
    [
        p
        for p in REFUSED
        if any(f.shape.startswith("query:") for f in expected_findings(p, "Violation"))
    ],
    ids=lambda p: p.name,
)
def test_violation_queries_agree_on_rdflib_and_pyoxigraph(fixture: Path) -> None:
    dataset = load_dataset([fixture])
    rows = query_findings_rdflib(dataset)
    assert rows
    assert query_findings_oxigraph(dataset) == rows


def test_kg_validate_turns_each_query_row_into_a_violation() -> None:
    from kg.validation.validate import validate

    report = validate(load_dataset([FIXTURES / "collaboration-same-member-twice.trig"]))
    assert not report.conforms
    assert [(str(r.shape), str(r.focus_node)) for r in report.violations] == [
        (
            "query:collaboration-distinct-participants-violation",
            PREFIXES["sgid"] + "collaboration/x",
        )
    ]


# --------------------------------------------------------------------------------------------
# The organisation-number checksum against a reference implementation


def modulus_11_valid(number: str) -> bool:
    """Enhetsregisteret's rule: weights 3,2,7,6,5,4,3,2,1 over nine digits sum to 0 mod 11."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 11 == 0


def test_reference_checksum_matches_the_registry_facts() -> None:
    assert modulus_11_valid("988077917")
    assert not modulus_11_valid("988077918")
    assert modulus_11_valid("939864970")  # check digit 11 → 0
    assert not any(modulus_11_valid(f"99000000{d}") for d in range(10))  # check digit 10


def test_checksum_constraint_agrees_with_the_reference_on_many_numbers(tmp_path: Path) -> None:
    rng = random.Random(20101)
    orgnr_type = PREFIXES["sgv"] + "identifier-type/organisasjonsnummer"
    numbers = {"988077917", "988077918", "939864970", "990000000", "000000000"}
    while len(numbers) < 50:
        numbers.add(f"{rng.randrange(10**9):09d}")
    valid = {n for n in numbers if modulus_11_valid(n)}
    while len(valid) < 25:  # random numbers pass one time in eleven: add passing ones
        eight = f"{rng.randrange(10**8):08d}"
        digit = [d for d in range(10) if modulus_11_valid(f"{eight}{d}")]
        if digit:
            numbers.add(f"{eight}{digit[0]}")
            valid.add(f"{eight}{digit[0]}")
    lines = [
        "@prefix adms: <http://www.w3.org/ns/adms#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix prov: <http://www.w3.org/ns/prov#> .",
        "@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .",
        "@prefix sgid: <https://w3id.org/samarbeidsgrafen/id/> .",
        "<urn:g> { <urn:g> a sg:SourceGraph ; prov:wasDerivedFrom <urn:src> .",
        '<urn:src> a sg:SourceDocument ; dct:title "t"@en ; dct:bibliographicCitation "c" .',
    ]
    for n in sorted(numbers):
        lines.append(
            f'<urn:id:{n}> a adms:Identifier ; skos:notation "{n}" ; adms:schemeAgency "x" ; '
            f"dct:type <{orgnr_type}> ."
        )
    lines.append("}")
    path = tmp_path / "orgnr.trig"
    path.write_text("\n".join(lines), encoding="utf-8")
    refused = {
        f.focus.removeprefix("urn:id:")
        for f in shacl_findings(union_graph(load_dataset([path])))
        if f.shape == str(SHAPES.OrganisationNumberChecksumShape)
    }
    assert refused == numbers - valid
    assert len(valid) >= 25 and len(refused) >= 40


# --------------------------------------------------------------------------------------------
# The shapes files themselves


@pytest.mark.parametrize("path", [CORE, RECOMMENDED], ids=lambda p: p.name)
def test_every_shape_has_an_iri_a_name_and_a_message(path: Path) -> None:
    shapes = Graph().parse(path)
    assert len(shape_nodes(shapes)) > 20
    assert unnamed_shapes(shapes) == []


def test_the_naming_check_refuses_a_blank_node_shape() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix sgsh: <https://w3id.org/samarbeidsgrafen/shapes#> .
        sgsh:S a sh:NodeShape ; sh:name "S" ; sh:message "m" ; sh:targetNode <urn:x> ;
            sh:property [ sh:path <urn:p> ; sh:minCount 1 ] ;
            sh:or ( sgsh:A [ sh:class <urn:C> ] ) .
        sgsh:A a sh:NodeShape ; sh:message "a" ; sh:class <urn:A> .
        """,
        format="turtle",
    )
    problems = unnamed_shapes(shapes)
    assert len(problems) == 3
    assert sum("not an IRI" in p for p in problems) == 2
    assert problems[0] == f"{SHAPES.A}: no name"


def test_recommended_shapes_warn_and_core_shapes_do_not() -> None:
    core = Graph().parse(CORE)
    recommended = Graph().parse(RECOMMENDED)
    assert set(core.objects(None, SH.severity)) <= {SH.Violation}
    for shape in reportable_shapes(recommended):
        assert recommended.value(URIRef(shape), SH.severity) == SH.Warning, shape
    for shape in {s for t in TARGETS for s in recommended.subjects(t, None)}:
        assert recommended.value(shape, SH.severity) == SH.Warning, shape


def test_sparql_constraints_are_aimed_at_few_targets() -> None:
    """Every shape with an sh:sparql constraint has a SPARQL target, not a whole class."""
    core = Graph().parse(CORE)
    with_sparql = set(core.subjects(SH.sparql, None))
    assert {s.removeprefix(str(SHAPES)) for s in with_sparql} == {
        "OrganisationNumberChecksumShape",
        "IntervalOrderShape",
        "OrganizationPeriodOrderShape",
    }
    for shape in with_sparql:
        assert set(core.predicates(shape)) & set(TARGETS) == {SH.target}
        target = core.value(shape, SH.target)
        assert (target, RDF.type, SH.SPARQLTarget) in core


@pytest.mark.parametrize("name", violation_query_names())
def test_violation_query_header_and_columns(name: str) -> None:
    from kg.query.queries import load_query

    query = load_query(QUERIES_DIR / f"{name}.rq")
    assert query.title and query.description
    assert "validation" in query.tags
    assert query.kind == "select"
    assert query.is_violation
    assert re.search(r"^SELECT (DISTINCT )?\?focus \?message$", query.text, re.MULTILINE)


def test_the_typed_report_lists_each_defect_once() -> None:
    """Regression: nested ``sh:detail`` results (under sh:node / sh:or) are not reported again.

    A membership whose member is neither an organisation nor a person fails
    ``sgsh:MembershipShape-member``; pySHACL also writes a nested result for the value shape,
    which the typed report must not repeat as a second violation.
    """
    from kg.validation.validate import validate

    fixture = FIXTURES / "membership-member-untyped.trig"
    report = validate(load_dataset([fixture]))
    assert [(str(r.shape), str(r.focus_node)) for r in report.violations] == [
        (str(SHAPES["MembershipShape-member"]), str(ID["membership/a--nobody"]))
    ]
