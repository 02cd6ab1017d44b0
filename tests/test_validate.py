"""Validation: SHACL through pySHACL plus the violation queries, as one typed report."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from support import FIXTURE_PROJECT, use_project

from kg.errors import LoadError, QueryError, ShapesError
from kg.model import paths
from kg.model.dataset import load_dataset, union_graph
from kg.model.namespaces import ID, ORG, OWL, SH, SHAPES, SKOS, TIME
from kg.model.render import shorten
from kg.validation.validate import ValidationReport, ValidationResult, load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "validate" / "nonconforming.trig"


@pytest.fixture(autouse=True)
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test here runs on the fixture project (ontology, shapes, data, queries)."""
    yield use_project(monkeypatch)


@pytest.fixture(scope="module")
def good() -> ValidationReport:
    with pytest.MonkeyPatch.context() as patch:
        use_project(patch)
        return validate(load_dataset())


@pytest.fixture(scope="module")
def broken() -> ValidationReport:
    with pytest.MonkeyPatch.context() as patch:
        use_project(patch)
        return validate(load_dataset([BROKEN]))


def summary(report: ValidationReport) -> set[tuple[str, str, str, str, str]]:
    return {
        (r.severity, shorten(r.focus_node), shorten(r.path), shorten(r.shape), shorten(r.value))
        for r in report.results
    }


# --------------------------------------------------------------------------------------------
# Results


def test_the_fixture_data_conforms_with_two_warnings(good: ValidationReport) -> None:
    assert good.conforms is True
    assert good.violations == ()
    assert summary(good) == {
        ("Warning", "sgid:organization/ringebu", "owl:sameAs", "sgsh:MunicipalityWikidata", ""),
        ("Warning", "sgid:organization/ringebu", "^org:member", "sgsh:MunicipalityTakesPart", ""),
    }
    assert good.summary() == "0 violations, 2 warnings"


def test_a_result_has_every_field(good: ValidationReport) -> None:
    first = good.results[0]
    assert first == ValidationResult(
        severity="Warning",
        focus_node=ID["organization/ringebu"],
        path=~ORG.member,
        value=None,
        shape=SHAPES.MunicipalityTakesPart,
        message="A municipality should take part in at least one cooperation.",
        constraint=SH.MinCountConstraintComponent,
    )


def test_the_broken_data_has_four_violations(broken: ValidationReport) -> None:
    assert broken.conforms is False
    assert broken.warnings == ()
    assert summary(broken) == {
        ("Violation", "sgid:organization/nameless", "skos:prefLabel", "sgsh:OrganisationName", ""),
        ("Violation", "sgid:membership/nobody", "org:member", "sgsh:MembershipMember", ""),
        (
            "Violation",
            "sgid:instant/bad-date",
            "time:inXSDDate",
            "sgsh:InstantDate",
            '"1 January 2010"',
        ),
        (
            "Violation",
            "sgid:interval/backwards",
            "",
            "query:period-order-violation",
            '"2009-01-01"^^xsd:date',
        ),
    }
    assert broken.summary() == "4 violations, 0 warnings"


def test_a_violation_query_row_becomes_a_result(broken: ValidationReport) -> None:
    (from_query,) = [r for r in broken.results if str(r.shape).startswith("query:")]
    assert from_query.shape == URIRef("query:period-order-violation")
    assert from_query.constraint == SH.SPARQLConstraintComponent
    assert from_query.message == (
        "A period (time:Interval) must not end before it begins: ends 2009-01-01, begins 2010-01-01"
    )


def test_results_are_sorted(broken: ValidationReport) -> None:
    assert list(broken.results) == sorted(broken.results, key=ValidationResult.sort_key)
    assert [shorten(r.shape) for r in broken.results] == [
        "sgsh:InstantDate",
        "sgsh:MembershipMember",
        "sgsh:OrganisationName",
        "query:period-order-violation",
    ]


def test_the_same_data_gives_the_same_report(broken: ValidationReport) -> None:
    again = validate(load_dataset([BROKEN]))
    assert again.results == broken.results
    assert again.to_json() == broken.to_json()
    assert again.to_turtle() == broken.to_turtle()


def test_severity_keeps_only_the_more_severe_results() -> None:
    report = validate(load_dataset(), severity="Violation")
    assert report.results == ()
    assert report.conforms is True


def test_a_plain_graph_can_be_validated() -> None:
    graph = union_graph(load_dataset([BROKEN]))
    report = validate(graph)
    assert len(report.violations) == 4


def test_without_violation_queries_only_the_shapes_count() -> None:
    report = validate(load_dataset([BROKEN]), queries=())
    assert len(report.violations) == 3


def test_a_violation_query_without_focus_uses_its_first_variable(tmp_path: Path) -> None:
    (tmp_path / "unnamed-violation.rq").write_text(
        "# title: Memberships without a period\n"
        "# description: Every membership has a period.\n"
        "SELECT ?membership WHERE {\n"
        "  ?membership a org:Membership FILTER NOT EXISTS { ?membership org:memberDuring ?i }\n"
        "}\n",
        encoding="utf-8",
    )
    report = validate(load_dataset(), queries=tmp_path)
    assert [(shorten(r.focus_node), r.message) for r in report.violations] == [
        ("sgid:membership/fire--gausdal", "Every membership has a period"),
    ]


def test_a_violation_query_must_be_a_select(tmp_path: Path) -> None:
    (tmp_path / "ask-violation.rq").write_text("# title: x\nASK { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="violation query ask-violation must be a SELECT"):
        validate(load_dataset(), queries=tmp_path)


# --------------------------------------------------------------------------------------------
# Renderers


def test_text_has_prefixed_names_and_a_paragraph_a_result(broken: ValidationReport) -> None:
    assert broken.to_table() == (
        "Violation sgid:instant/bad-date\n"
        '  shape sgsh:InstantDate, path time:inXSDDate, value "1 January 2010"\n'
        "  An instant's date is an xsd:date.\n"
        "\n"
        "Violation sgid:membership/nobody\n"
        "  shape sgsh:MembershipMember, path org:member\n"
        "  A membership has exactly one member.\n"
        "\n"
        "Violation sgid:organization/nameless\n"
        "  shape sgsh:OrganisationName, path skos:prefLabel\n"
        "  An organisation has a name (skos:prefLabel).\n"
        "\n"
        "Violation sgid:interval/backwards\n"
        '  shape query:period-order-violation, value "2009-01-01"^^xsd:date\n'
        "  A period (time:Interval) must not end before it begins: ends 2009-01-01, begins "
        "2010-01-01\n"
    )


def test_json_has_stable_keys(broken: ValidationReport) -> None:
    doc = json.loads(broken.to_json())
    assert list(doc) == ["conforms", "violations", "warnings", "infos", "results"]
    assert (doc["conforms"], doc["violations"], doc["warnings"]) == (False, 4, 0)
    assert doc["results"][0] == {
        "severity": "Violation",
        "focus": str(ID["instant/bad-date"]),
        "path": str(TIME.inXSDDate),
        "value": '"1 January 2010"',
        "shape": str(SHAPES.InstantDate),
        "message": "An instant's date is an xsd:date.",
        "constraint": str(SH.DatatypeConstraintComponent),
    }
    assert doc["results"][3]["shape"] == "query:period-order-violation"


def test_turtle_is_the_report_graph(broken: ValidationReport) -> None:
    text = broken.to_turtle()
    assert "@prefix sgsh: <https://w3id.org/samarbeidsgrafen/shapes#> ." in text
    parsed = Graph().parse(data=text, format="turtle")
    assert isomorphic(parsed, broken.graph)
    assert (None, SH.conforms, Literal(False)) in parsed
    assert len(list(parsed.subjects(SH.resultSeverity, SH.Violation))) == 4


def test_report_graph_records_conformance_with_warnings(good: ValidationReport) -> None:
    assert (None, SH.conforms, Literal(True)) in good.graph
    assert len(list(good.graph.subjects(SH.resultSeverity, SH.Warning))) == 2


# --------------------------------------------------------------------------------------------
# Shapes


def test_no_shapes_is_a_shapes_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "SHAPES_DIR", tmp_path)
    with pytest.raises(ShapesError) as caught:
        validate(Dataset())
    assert str(caught.value) == (
        f"no shapes in {tmp_path} (expected core.ttl and recommended.ttl there)"
    )


def test_a_missing_shapes_folder_is_a_shapes_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "SHAPES_DIR", FIXTURE_PROJECT / "nowhere")
    with pytest.raises(ShapesError, match="no such shapes file or folder"):
        validate(Dataset())


def test_a_broken_shapes_file_names_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "core.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:x:s> a sh:NodeShape\n")
    with pytest.raises(LoadError) as caught:
        load_shapes(tmp_path)
    assert str(caught.value) == f"{broken}:2:25: EOF found after object (fix the syntax)"


def test_given_shapes_replace_the_default(tmp_path: Path) -> None:
    only = tmp_path / "only.ttl"
    shutil.copy(FIXTURE_PROJECT / "ontology" / "shapes" / "recommended.ttl", only)
    report = validate(load_dataset([BROKEN]), [only], queries=())
    assert report.conforms is True
    assert report.summary() == "0 violations, 0 warnings"


def test_shapes_are_read_once_until_a_file_changes(tmp_path: Path) -> None:
    copy = tmp_path / "shapes"
    shutil.copytree(FIXTURE_PROJECT / "ontology" / "shapes", copy)
    first = load_shapes(copy)
    assert load_shapes(copy) is first
    core = copy / "core.ttl"
    core.write_text(core.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    stat = core.stat()
    os.utime(core, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_shapes(copy)
    assert second is not first
    assert isomorphic(first, second)


def test_subclass_targets_work_through_the_ontology_in_the_union() -> None:
    dataset = load_dataset([BROKEN])
    graph = union_graph(dataset)
    assert (ID["organization/nameless"], SKOS.prefLabel, None) not in graph
    report = validate(dataset, queries=())
    assert ID["organization/nameless"] in {r.focus_node for r in report.violations}
    assert (ID["organization/nameless"], OWL.sameAs, None) in graph


def test_validation_leaves_the_shared_shapes_graph_as_read() -> None:
    """Regression: pySHACL adds triples to the shapes graph it is given; the cached graph that
    ``load_shapes`` shares (``kg build`` publishes it as shapes.ttl) must not change."""
    shapes = Path(__file__).resolve().parent.parent / "ontology" / "shapes"
    before = set(load_shapes(shapes))
    validate(load_dataset(), shapes)
    assert set(load_shapes(shapes)) == before
