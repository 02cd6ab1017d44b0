"""The catalogue read from its headers alone (``kg query --list``), the ``analytics`` tag, and
the plain-string prefix map those need."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_PROJECT, run_kg

from kg.errors import QueryError, UnsafeQueryError
from kg.model import namespaces, prefixes
from kg.query import queries

REAL = Path(__file__).parent.parent / "queries"


def test_entries_come_from_the_headers_and_tokens_alone(tmp_path: Path) -> None:
    """A query whose SPARQL does not parse is still listed; it fails when it is loaded."""
    (tmp_path / "broken.rq").write_text("# title: Broken\n# tags: x, analytics\nSELECT WHERE {\n")
    (tmp_path / "ask.rq").write_text("# title: Ask\n# param: s (iri) = sgid:x -- it\nASK {}\n")
    found = queries.entries(tmp_path)
    assert [(e.name, e.kind, e.header.title) for e in found.values()] == [
        ("ask", "ask", "Ask"),
        ("broken", "select", "Broken"),
    ]
    assert found["broken"].header.tags == ("x", "analytics")
    assert [(p.name, p.type, p.example) for p in found["ask"].header.params] == [
        ("s", "iri", "sgid:x")
    ]
    with pytest.raises(QueryError):
        queries.load_query(tmp_path / "broken.rq")


def test_an_unsafe_file_is_refused_by_name_even_in_the_list(tmp_path: Path) -> None:
    path = tmp_path / "drop.rq"
    path.write_text("# title: Drop\nDROP ALL\n")
    with pytest.raises(UnsafeQueryError) as caught:
        queries.entries(tmp_path)
    assert str(caught.value) == f"{path}: updates are refused (DROP): queries only read"


def test_a_bad_example_in_a_header_is_refused_without_rdflib(tmp_path: Path) -> None:
    path = tmp_path / "bad.rq"
    path.write_text("# title: Bad\n# param: d (date) = 2010-02-30 -- no such day\nASK {}\n")
    with pytest.raises(QueryError) as caught:
        queries.entry(path)
    assert str(caught.value) == (
        f"{path}:2: example value: parameter 'd' expects a date (YYYY-MM-DD), got '2010-02-30'"
    )


def test_the_list_is_the_loaded_catalogue() -> None:
    """What the headers say is what loading (and parsing) the queries says."""
    listed = queries.entries(REAL)
    loaded = queries.catalogue(REAL)
    assert list(listed) == list(loaded)
    for name, entry in listed.items():
        query = loaded[name]
        assert (entry.kind, entry.header.title, entry.header.params, entry.header.tags) == (
            query.kind,
            query.title,
            query.params,
            query.tags,
        )


def test_kg_query_list_lists_a_query_that_does_not_parse(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "queries").mkdir(parents=True)
    (root / "queries" / "broken.rq").write_text(
        "# title: Broken on purpose\n# param: n (integer) = 1 -- a number\nSELECT WHERE {\n"
    )
    done = run_kg("query", "--list", root=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "name    kind    as-of  title",
        "------  ------  -----  " + "-" * 77,
        "broken  select  no     Broken on purpose",
        "    columns:",
        "    parameters: n (integer)",
    ]
    fails = run_kg("query", "broken", root=root)
    assert fails.returncode == 2
    assert fails.stderr.startswith(f"kg: error: {root / 'queries' / 'broken.rq'}:3:")


def test_analytics_queries_are_those_that_read_the_whole_graph() -> None:
    tagged = sorted(n for n, q in queries.catalogue(REAL).items() if q.is_analytics)
    assert tagged == [
        "collaboration-distinct-participants-violation",
        "conflicting-values",
        "cooperations-by-domain",
        "council-seats-match-rule-violation",
        "host-is-member-violation",
        "host-municipalities",
        "identifier-crosswalk",
        "inter-municipal-companies",
        "joint-company-owners",
        "member-count",
        "municipality-history",
        "municipality-number-county-violation",
        "municipality-number-overlap-violation",
        "municipality-pairs-by-shared-arrangements",
        "one-value-per-source-violation",
        "unknown-values",
    ]
    assert all(not q.params for n, q in queries.catalogue(REAL).items() if n in tagged)
    assert queries.ANALYTICS_TAG == "analytics"


def test_the_plain_prefix_map_is_the_namespaces() -> None:
    expected = {
        "sg": namespaces.SG,
        "sgid": namespaces.ID,
        "sgv": namespaces.VOCAB,
        "sgsh": namespaces.SHAPES,
        "org": namespaces.ORG,
        "cv": namespaces.CV,
        "legal": namespaces.LEGAL,
        "rov": namespaces.ROV,
        "adms": namespaces.ADMS,
        "skos": namespaces.SKOS,
        "prov": namespaces.PROV,
        "time": namespaces.TIME,
        "schema": namespaces.SCHEMA,
        "locn": namespaces.LOCN,
        "dcat": namespaces.DCAT,
        "dcatap": namespaces.DCATAP,
        "void": namespaces.VOID,
        "dct": namespaces.DCTERMS,
        "foaf": namespaces.FOAF,
        "owl": namespaces.OWL,
        "rdf": namespaces.RDF,
        "rdfs": namespaces.RDFS,
        "xsd": namespaces.XSD,
        "sh": namespaces.SH,
        "vann": namespaces.VANN,
        "wd": namespaces.WD,
    }
    assert prefixes.PREFIXES == {p: str(ns) for p, ns in expected.items()}
    assert namespaces.PREFIXES is prefixes.PREFIXES
    assert FIXTURE_PROJECT.is_dir()
