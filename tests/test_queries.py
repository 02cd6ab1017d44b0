"""The query catalogue: headers, typed parameters, classification by parsing, safety."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef, Variable

from kg.errors import (
    ParameterError,
    QueryError,
    QuerySyntaxError,
    UnknownQueryError,
    UnsafeQueryError,
)
from kg.model import paths
from kg.model.namespaces import ID, SG, XSD
from kg.query import queries
from kg.query.queries import Parameter, check_safe, parse_header, query_from_text

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project"
LOOSE = FIXTURES / "queries"
TERM = 'an IRI or a literal ("text", "text"@nb, "2010"^^xsd:gYear)'


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the catalogue at the fixture project's queries/."""
    monkeypatch.setattr(paths, "QUERIES_DIR", PROJECT / "queries")
    yield PROJECT


# --------------------------------------------------------------------------------------------
# Header


def test_header_fields_with_continuation_lines() -> None:
    header = parse_header(
        "# title: Members of a collaboration on a date\n"
        "# description: Organisations whose membership covers ?date.\n"
        "#   A continuation line is indented by two spaces after '#'.\n"
        "# param: collaboration (iri) = sgid:collaboration/lillehammer-regionen -- the one\n"
        "#   asked about\n"
        "# param: date (date) = 2010-06-01 -- the day asked about\n"
        "# tags: membership, as-of\n"
        "SELECT ?m WHERE { ?m ?collaboration ?date }\n"
    )
    assert header.title == "Members of a collaboration on a date"
    assert header.description == (
        "Organisations whose membership covers ?date. "
        "A continuation line is indented by two spaces after '#'."
    )
    assert header.params == (
        Parameter(
            "collaboration",
            "iri",
            "sgid:collaboration/lillehammer-regionen",
            "the one asked about",
        ),
        Parameter("date", "date", "2010-06-01", "the day asked about"),
    )
    assert header.tags == ("membership", "as-of")


def test_header_ends_at_the_first_line_of_the_query() -> None:
    header = parse_header("# title: A\nSELECT * WHERE { ?s ?p ?o }\n# title: B\n")
    assert header.title == "A"


def test_header_unknown_field_is_an_error() -> None:
    with pytest.raises(QueryError, match=r"^q:2: unknown header field 'parm' \(known: title, "):
        parse_header("# title: A\n# parm: x (iri)\nASK {}", "q")


def test_header_unknown_parameter_type_is_an_error() -> None:
    with pytest.raises(QueryError) as caught:
        queries.load_query(LOOSE / "bad-header.rq")
    assert str(caught.value) == (
        f"{LOOSE / 'bad-header.rq'}:2: param 'when' has unknown type 'datetime' "
        "(use one of iri, date, year, string, integer, decimal, boolean, term)"
    )


def test_header_example_must_have_the_declared_type() -> None:
    with pytest.raises(QueryError, match=r"example value: parameter 'd' expects a date"):
        parse_header("# param: d (date) = 2010-02-30 -- a day that does not exist\nASK {}")


def test_a_declared_parameter_must_be_a_variable_of_the_query() -> None:
    with pytest.raises(QueryError, match=r"param 'nowhere' is not a variable of the query"):
        query_from_text("# param: nowhere (date) = 2010-01-01\nASK { ?s ?p ?o }")


# --------------------------------------------------------------------------------------------
# Parameter types


@pytest.mark.parametrize(
    ("type_", "value", "term"),
    [
        ("iri", "sgid:organization/oyer", ID["organization/oyer"]),
        ("iri", "https://example.org/x", URIRef("https://example.org/x")),
        ("iri", "<https://example.org/x>", URIRef("https://example.org/x")),
        ("date", "2010-06-01", Literal("2010-06-01", datatype=XSD.date)),
        ("year", "1999", Literal("1999", datatype=XSD.gYear)),
        ("string", "Øyer kommune", Literal("Øyer kommune")),
        ("integer", "-12", Literal(-12)),
        ("decimal", "12.50", Literal("12.50", datatype=XSD.decimal)),
        ("boolean", "true", Literal(True)),
        ("boolean", "0", Literal(False)),
        ("term", "sgid:organization/oyer", ID["organization/oyer"]),
        ("term", "<https://example.org/x>", URIRef("https://example.org/x")),
        ("term", '"Gausdal"@nb', Literal("Gausdal", lang="nb")),
        ("term", '"Gausdal"@NB', Literal("Gausdal", lang="nb")),
        ("term", '"2651"', Literal("2651")),
        ("term", '"2651"^^xsd:string', Literal("2651")),
        ("term", '"2010"^^xsd:gYear', Literal("2010", datatype=XSD.gYear)),
        (
            "term",
            '"1"^^<http://example.org/t>',
            Literal("1", datatype=URIRef("http://example.org/t")),
        ),
        ("term", '"say "hi""@en', Literal('say "hi"', lang="en")),
        ("term", '""', Literal("")),
    ],
)
def test_parameter_values_become_typed_terms(type_: str, value: str, term: object) -> None:
    assert Parameter("p", type_).convert(value) == term


@pytest.mark.parametrize(
    ("type_", "value", "expects"),
    [
        ("iri", "not an iri", "an IRI (absolute, or prefixed like sgid:organization/oyer)"),
        ("iri", "oyer", "an IRI (absolute, or prefixed like sgid:organization/oyer)"),
        ("date", "2010-13-45", "a date (YYYY-MM-DD)"),
        ("date", "20100601", "a date (YYYY-MM-DD)"),
        ("year", "99", "a year (YYYY)"),
        ("integer", "1.5", "an integer"),
        ("decimal", "1,5", "a decimal number (like 12.5)"),
        ("boolean", "yes", "a boolean (true or false)"),
        ("term", "Gausdal", TERM),
        ("term", '"Gausdal', TERM),
        ("term", '"Gausdal"@', TERM),
        ("term", '"Gausdal"^^date', TERM),
        ("term", '"Gausdal" @nb', TERM),
    ],
)
def test_wrong_parameter_values_say_the_expected_type(type_: str, value: str, expects: str) -> None:
    with pytest.raises(ParameterError) as caught:
        Parameter("p", type_).convert(value)
    assert str(caught.value) == f"parameter 'p' expects {expects}, got '{value}'"


def test_bindings_use_the_example_as_default_and_convert_given_values(project: Path) -> None:
    query = queries.get("members-on-date")
    assert query.bindings() == {
        Variable("collaboration"): ID["collaboration/region"],
        Variable("asOf"): Literal("2005-06-01", datatype=XSD.date),
    }
    given = query.bindings({"collaboration": "sgid:collaboration/fire"}, as_of="2012-01-01")
    assert given == {
        Variable("collaboration"): ID["collaboration/fire"],
        Variable("asOf"): Literal("2012-01-01", datatype=XSD.date),
    }


def test_unknown_parameter_lists_the_declared_ones(project: Path) -> None:
    with pytest.raises(ParameterError) as caught:
        queries.get("members-on-date").bindings({"date": "2010-01-01"})
    assert str(caught.value) == (
        "query members-on-date has no parameter 'date' (it declares: collaboration, asOf)"
    )


def test_as_of_needs_an_as_of_parameter(project: Path) -> None:
    with pytest.raises(ParameterError) as caught:
        queries.get("collaborations").bindings(as_of="2010-01-01")
    assert str(caught.value) == "query collaborations takes no as-of date"


def test_as_of_is_checked_as_a_date(project: Path) -> None:
    with pytest.raises(ParameterError, match=r"^parameter 'asOf' expects a date"):
        queries.get("members-on-date").bindings(as_of="last year")


def test_a_term_example_keeps_its_quotes() -> None:
    header = parse_header('# param: o (term) = "2651" -- a plain literal\nASK { ?s ?p ?o }')
    assert header.params[0].example == '"2651"'
    assert header.params[0].convert(header.params[0].example) == Literal("2651")


def test_a_parameter_without_example_must_be_given() -> None:
    query = query_from_text("# param: who (iri)\nASK { ?who ?p ?o }", name="q")
    with pytest.raises(ParameterError) as caught:
        query.bindings()
    assert "query q needs parameter 'who'" in str(caught.value)
    assert query.bindings({"who": "sg:x"}) == {Variable("who"): SG.x}


# --------------------------------------------------------------------------------------------
# Kind, syntax and prologue


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "select"),
        ("ASK { ?s ?p 'SELECT' }", "ask"),
        ("# SELECT in a comment\nASK {}", "ask"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <urn:x:y>", "describe"),
        ("PREFIX ask: <urn:ask:> SELECT ?ask WHERE { ?ask ask:x 1 }", "select"),
    ],
)
def test_kind_comes_from_parsing(text: str, kind: str) -> None:
    assert queries.parse(text).kind == kind


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        queries.load_query(LOOSE / "syntax-error.rq")
    assert str(caught.value).startswith(f"{LOOSE / 'syntax-error.rq'}:3:")


def test_the_project_prefixes_are_prepended_when_missing() -> None:
    query = query_from_text("ASK { ?s a sg:Municipality }")
    assert query.full_text.startswith("PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>\n")
    assert query.full_text.endswith("ASK { ?s a sg:Municipality }")
    check_safe(query.full_text)


def test_declared_prefixes_win() -> None:
    text = "PREFIX sg: <urn:other#>\nASK { ?s a sg:Municipality }"
    full = queries.with_prologue(text)
    assert full.count("PREFIX sg:") == 1
    assert "PREFIX org: <http://www.w3.org/ns/org#>" in full
    algebra = check_safe(full).algebra
    assert algebra is not None
    assert "urn:other#Municipality" in str(algebra.algebra)


def test_escaped_local_names_are_unescaped() -> None:
    parsed = check_safe(queries.with_prologue("ASK { ?s ?p sgid:organization\\/oyer }"))
    assert parsed.algebra is not None
    assert "https://w3id.org/samarbeidsgrafen/id/organization/oyer'" in str(parsed.algebra.algebra)


def test_an_undeclared_prefix_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="nope"):
        check_safe("ASK { ?s a nope:Thing }")


# --------------------------------------------------------------------------------------------
# Safety


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", "INSERT DATA"),
        ("DELETE DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", "DELETE DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
        ("LOAD <http://127.0.0.1:9/x.ttl>", "LOAD"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <urn:x:g>", "DROP"),
        ("CREATE GRAPH <urn:x:g>", "CREATE"),
        ("ADD DEFAULT TO <urn:x:g>", "ADD"),
        ("MOVE DEFAULT TO <urn:x:g>", "MOVE"),
        ("COPY DEFAULT TO <urn:x:g>", "COPY"),
        ("CLEAR ALL ; LOAD <http://127.0.0.1:9/x.ttl>", "CLEAR, LOAD"),
        ("\\u0044ROP ALL", "DROP"),
    ],
)
def test_updates_are_refused(text: str, keyword: str) -> None:
    with pytest.raises(UnsafeQueryError) as caught:
        check_safe(text)
    assert str(caught.value) == f"updates are refused ({keyword}): queries only read"


SERVICE_REFUSED = "SERVICE is refused: queries run on this dataset only"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?q ?r } } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
        "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE ?endpoint { ?s ?p ?o } } }",
        "ASK { { ?s ?p ?o } UNION { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\U00000053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { serv\\u0069ce <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # rdflib alone reads "\u000A0000" as one code point and sees a comment to the line end;
        # by SPARQL it is a newline, then a triple "0000 ?p ?o" and the SERVICE.
        "SELECT * WHERE { # \\u000A0000 ?p ?o . SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\n}",
    ],
)
def test_service_is_refused_wherever_it_is(text: str) -> None:
    with pytest.raises(UnsafeQueryError) as caught:
        check_safe(text)
    assert str(caught.value) == SERVICE_REFUSED


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }' }",
        "# SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }\nSELECT * WHERE { ?s ?p ?o }",
        "SELECT ?service WHERE { ?service a <urn:x:Service> }",
    ],
)
def test_the_word_service_outside_the_algebra_is_fine(text: str) -> None:
    assert check_safe(text).kind == "select"


def test_from_outside_the_dataset_is_refused() -> None:
    with pytest.raises(UnsafeQueryError) as caught:
        check_safe("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }")
    assert str(caught.value) == "FROM <http://127.0.0.1:9/data.ttl> is refused: not a graph here"
    with pytest.raises(UnsafeQueryError, match="FROM <urn:x:g>"):
        check_safe("SELECT * FROM NAMED <urn:x:g> WHERE { GRAPH ?g { ?s ?p ?o } }")


def test_from_a_graph_of_the_dataset_is_allowed() -> None:
    graph = str(ID["graph/fixture-region"])
    text = f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    assert check_safe(text).graphs == (URIRef(graph),)
    assert check_safe(text, graphs={graph}).kind == "select"
    with pytest.raises(UnsafeQueryError):
        check_safe(text, graphs={"urn:x:other"})


@pytest.mark.parametrize(
    "name", ["update.rq", "service.rq", "service-escaped.rq", "from-remote.rq"]
)
def test_unsafe_query_files_are_refused_on_loading(name: str) -> None:
    with pytest.raises(UnsafeQueryError):
        queries.load_query(LOOSE / name)


# --------------------------------------------------------------------------------------------
# Catalogue


def test_catalogue_of_the_fixture_project(project: Path) -> None:
    found = queries.catalogue()
    assert list(found) == [
        "collaborations",
        "founded-in",
        "is-member",
        "larger-than",
        "members-on-date",
        "memberships-graph",
        "period-order-violation",
    ]
    assert {name: q.kind for name, q in found.items()} == {
        "collaborations": "select",
        "founded-in": "select",
        "is-member": "ask",
        "larger-than": "select",
        "members-on-date": "select",
        "memberships-graph": "construct",
        "period-order-violation": "select",
    }
    assert [q.name for q in queries.violation_queries()] == ["period-order-violation"]


def test_violation_and_tagged_queries_parse_only_their_own_files(tmp_path: Path) -> None:
    """Validation and summaries pick their files first: a broken unrelated query does not
    stop them (and the catalogue is not parsed for every ``kg validate``)."""
    (tmp_path / "broken.rq").write_text("# title: Broken\n# description: x\nSELECT WHERE {\n")
    (tmp_path / "a-violation.rq").write_text(
        "# title: A check\n# description: None.\nSELECT ?focus WHERE { ?focus a ?c } LIMIT 0\n"
    )
    (tmp_path / "shown.rq").write_text(
        "# title: Shown\n# description: x\n# tags: example\nASK {}\n"
    )
    assert [q.name for q in queries.violation_queries(tmp_path)] == ["a-violation"]
    assert [q.name for q in queries.tagged("example", tmp_path)] == ["shown"]
    with pytest.raises(QuerySyntaxError):
        queries.catalogue(tmp_path)


def test_get_by_name_or_by_path(project: Path) -> None:
    by_name = queries.get("founded-in")
    assert by_name.path == PROJECT / "queries" / "founded-in.rq"
    outside = queries.get(str(LOOSE / "own-header.rq"))
    assert outside.name == "own-header"
    assert outside.title == "Organisations with a name in a language"
    assert [(p.name, p.type, p.example) for p in outside.params] == [("language", "string", "nb")]


def test_unknown_name_suggests_the_closest(project: Path) -> None:
    with pytest.raises(UnknownQueryError) as caught:
        queries.get("members")
    assert (
        str(caught.value) == "no query named 'members' (did you mean is-member or members-on-date?)"
    )


def test_missing_file() -> None:
    with pytest.raises(QueryError) as caught:
        queries.get("nowhere/missing.rq")
    assert str(caught.value) == "nowhere/missing.rq: no such query file"


# --------------------------------------------------------------------------------------------
# The real catalogue: whatever is in queries/ must be complete and safe.

REAL_QUERIES = sorted((Path(__file__).parent.parent / "queries").glob("*.rq"))


@pytest.mark.skipif(not REAL_QUERIES, reason="queries/ holds no .rq files yet")
@pytest.mark.parametrize("path", REAL_QUERIES, ids=[p.stem for p in REAL_QUERIES])
def test_every_catalogue_query_is_documented_and_safe(path: Path) -> None:
    query = queries.load_query(path)
    assert query.title, "the header needs a title"
    assert query.description, "the header needs a description"
    for param in query.params:
        assert param.type in queries.PARAMETER_TYPES
        assert param.example is not None, f"param {param.name} needs an example value"
        assert param.description, f"param {param.name} needs a description"
    assert query.kind in ("select", "ask", "construct", "describe")
    if query.is_violation:
        assert query.kind == "select", "a violation query lists rows"
    check_safe(query.full_text)
    query.bindings()  # the examples are valid defaults
