"""The analyst's way in (issue #11): finding IRIs (``kg find``) and queries (``kg query --list``,
``--describe``), one prefix map everywhere, hints that name real IRIs, and syntax errors that
point at the place. Exact stdout, stderr and exit codes, on the seed (conftest.py) unless a
test runs on the fixture project."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from functools import partial
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from support import FIXTURE_PROJECT, PROJECT_ROOT, run_kg

from kg.model.dataset import load_dataset
from kg.model.prefixes import PREFIXES
from kg.query import queries
from kg.query.engines import Limits, OxigraphEngine, run
from kg.query.find import fold, rank
from kg.query.listing import select_columns

fixture_kg = partial(run_kg, root=FIXTURE_PROJECT)
"""``kg`` on the fixture project (its own small catalogue and data)."""


def assert_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: {message}\n"


# --------------------------------------------------------------------------------------------
# kg find


def test_find_ignores_case_and_accents() -> None:
    done = run_kg("find", "GAUSDAL kommune")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "iri                        kind             label            lang  via\n"
        "-------------------------  ---------------  ---------------  ----  --------------\n"
        "sgid:organization/gausdal  sg:Municipality  Gausdal kommune  nb    skos:prefLabel\n"
    )
    oyer = run_kg("find", "oyer")
    assert oyer.returncode == 0, oyer.stderr
    first = oyer.stdout.splitlines()[2:4]
    assert [line.split()[:2] for line in first] == [
        ["sgid:organization/oyer", "sg:Municipality"]
    ] * 2
    assert "Øyer kommune" in first[0] and "Øyer municipality" in first[1]
    assert "employer" not in oyer.stdout  # a word must begin with the text


def test_find_by_kind_and_every_name_property() -> None:
    done = run_kg("find", "glør", "--kind", "sg:JointCompany")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "iri                         kind             label                          lang  via\n"
        "--------------------------  ---------------  -----------------------------  ----  "
        "---------------\n"
        "sgid:organization/glor-iks  sg:JointCompany  GLØR                           en    "
        "skos:prefLabel\n"
        "sgid:organization/glor-iks  sg:JointCompany  GLØR                           nb    "
        "skos:prefLabel\n"
        "sgid:organization/glor-iks  sg:JointCompany  GLØR - renovasjonsselskapet    nb    "
        "skos:altLabel\n"
        "sgid:organization/glor-iks  sg:JointCompany  Renovasjonsselskapet GLØR IKS        "
        "legal:legalName\n"
    )


def test_find_an_organisation_number_as_json() -> None:
    done = run_kg("find", "961381185", "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == [
        {
            "iri": "https://w3id.org/samarbeidsgrafen/id/organization/oyer",
            "kinds": [
                "https://w3id.org/samarbeidsgrafen/ontology#Municipality",
                "http://data.europa.eu/m8g/PublicOrganisation",
                "http://www.w3.org/ns/org#FormalOrganization",
            ],
            "label": "961381185",
            "language": None,
            "property": "http://www.w3.org/ns/adms#identifier",
        }
    ]


def test_find_limits_the_table_and_says_so() -> None:
    done = run_kg("find", "kommune", "--limit", "2")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 4
    assert re.fullmatch(
        r"kg: 2 of \d+ matches shown \(add words or --kind, or raise --limit\)\n", done.stderr
    )


def test_find_without_a_match_exits_1_and_says_what_to_try() -> None:
    done = run_kg("find", "zzyzx")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "kg: nothing named like 'zzyzx' (try a shorter part of a name, without punctuation, or "
        "an organisation or municipality number such as 0521)\n"
    )
    kind = run_kg("find", "glør", "--kind", "sg:Municipality")
    assert (kind.returncode, kind.stdout) == (1, "")
    assert kind.stderr == (
        "kg: nothing named like 'glør' among things of kind sg:Municipality (drop --kind, or "
        "try an organisation or municipality number such as 0521)\n"
    )


def test_find_refuses_a_kind_that_is_no_iri() -> None:
    known = ", ".join(sorted(PREFIXES))
    assert_error(
        run_kg("find", "oyer", "--kind", "Municipality"),
        "--kind expects a class as a prefixed name (sg:Municipality, cv:PublicOrganisation) or "
        f"an IRI, got 'Municipality' (prefixes: {known})",
    )


def test_find_text_never_enters_the_query() -> None:
    """A text that would break or change a SPARQL text is just text to match."""
    done = run_kg("find", '" } ; DROP ALL #')
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("kg: nothing named like '\" } ; DROP ALL #'")


def test_matching_rules() -> None:
    assert fold("Øyer") == fold("oyer") == "oyer"
    assert fold("Ærø Åsnes") == "aero asnes"
    assert rank("oyer", fold("Øyer")) == 0
    assert rank("oyer", fold("Øyer kommune")) == 1
    assert rank("oyer", fold("Lillehammer og Øyer")) == 2
    assert rank("oyer", fold("employer audit")) is None


# --------------------------------------------------------------------------------------------
# kg query --list and --describe

FIXTURE_LIST = """\
name                    kind       as-of  title
----------------------  ---------  -----  ----------------------------------------------------------
collaborations          select     no     Collaborations and when they were founded
    Every inter-municipal cooperation with its name and founding date, oldest first.
    columns: collaboration, name, founded
founded-in              select     no     Collaborations founded in a year
    Collaborations whose founding date falls in ?year.
    columns: collaboration
    parameters: year (year)
is-member               ask        no     Is an organisation a member?
    Whether ?organisation holds a membership (status member) of ?collaboration.
    parameters: organisation (iri), collaboration (iri)
larger-than             select     no     Collaborations with at least a number of members
    Collaborations with at least ?minimum memberships of status member, ever.
    columns: collaboration, members
    parameters: minimum (integer)
members-on-date         select     yes    Members of a collaboration on a date
    Organisations whose membership (status member) of ?collaboration covers ?asOf.
    columns: member, name
    parameters: collaboration (iri), asOf (date)
memberships-graph       construct  no     The memberships of a collaboration as a graph
    Each member of ?collaboration, linked to it directly with org:memberOf.
    parameters: collaboration (iri)
period-order-violation  select     no     Periods that end before they begin
    A period (time:Interval) must not end before it begins.
    columns: focus, value, message
"""


def test_list_shows_title_description_columns_as_of_and_parameters() -> None:
    done = fixture_kg("query", "--list")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == FIXTURE_LIST


def test_the_list_of_the_catalogue_fits_in_100_columns() -> None:
    done = run_kg("query", "--list")
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 100
    named = [line.split()[0] for line in done.stdout.splitlines()[2:] if line[:1] != " "]
    assert named == list(queries.entries())


def test_list_as_json_has_everything() -> None:
    done = fixture_kg("query", "--list", "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    listed = json.loads(done.stdout)
    assert [q["name"] for q in listed] == [
        "collaborations",
        "founded-in",
        "is-member",
        "larger-than",
        "members-on-date",
        "memberships-graph",
        "period-order-violation",
    ]
    assert listed[4] == {
        "name": "members-on-date",
        "kind": "select",
        "title": "Members of a collaboration on a date",
        "description": "Organisations whose membership (status member) of ?collaboration covers "
        "?asOf. An open beginning or end does not exclude a membership.",
        "columns": ["member", "name"],
        "asOf": True,
        "parameters": [
            {
                "name": "collaboration",
                "type": "iri",
                "default": "sgid:collaboration/region",
                "required": False,
                "description": "the collaboration asked about",
            },
            {
                "name": "asOf",
                "type": "date",
                "default": "2005-06-01",
                "required": False,
                "description": "the day asked about",
            },
        ],
        "tags": ["membership", "as-of", "example"],
        "path": "queries/members-on-date.rq",
    }
    assert listed[2]["columns"] is None and listed[5]["columns"] is None  # ask, construct


def test_list_refuses_a_format_it_cannot_write() -> None:
    done = fixture_kg("query", "--list", "--format", "csv")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "kg: error: --list writes table or json, not csv (see kg query --help)\n"


@pytest.fixture(scope="module")
def seed_engine() -> OxigraphEngine:
    return OxigraphEngine(load_dataset(), Limits(isolated=False))


@pytest.mark.parametrize("name", list(queries.entries()))
def test_listed_columns_are_the_variables_of_the_result(
    name: str, seed_engine: OxigraphEngine
) -> None:
    """For every named query, the columns --list shows (from the tokens) are the variables of
    its actual answer on the seed."""
    query = queries.get(name)
    columns = select_columns(query.text)
    result = run(query, seed_engine)
    if query.kind == "select":
        assert columns == [str(v) for v in result.variables]
    else:
        assert columns is None


def test_columns_of_tricky_projections() -> None:
    text = (
        "# title: x\nPREFIX a: <urn:a#>\nSELECT DISTINCT ?m (MIN(IF(?x, ?y, ?z)) AS ?low)\n"
        "  (COUNT(DISTINCT ?n) AS ?count) # ?comment\nWHERE { { SELECT ?inner WHERE { } } }"
    )
    assert select_columns(text) == ["m", "low", "count"]
    assert select_columns("SELECT * WHERE { ?s ?p ?o }") is None
    assert select_columns("SELECT ?s FROM <urn:g> WHERE { ?s ?p ?o }") == ["s"]


FIXTURE_DESCRIBE = """\
members-on-date (select)
Members of a collaboration on a date

Organisations whose membership (status member) of ?collaboration covers ?asOf. An open beginning or
end does not exclude a membership.

parameters:
  collaboration (iri, default sgid:collaboration/region): the collaboration asked about
  asOf (date, default 2005-06-01): the day asked about
columns: member, name
as-of: yes: --as-of YYYY-MM-DD binds asOf
tags: membership, as-of, example
file: queries/members-on-date.rq
example: kg query members-on-date --param collaboration=sgid:collaboration/region --as-of 2005-06-01
"""


def test_describe_says_what_a_query_takes_and_returns() -> None:
    done = fixture_kg("query", "members-on-date", "--describe")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == FIXTURE_DESCRIBE


def test_describe_an_ask_and_as_json() -> None:
    done = fixture_kg("query", "is-member", "--describe")
    assert done.returncode == 0, done.stderr
    assert "returns: true or false\nas-of: no\n" in done.stdout
    as_json = fixture_kg("query", "larger-than", "--describe", "-f", "json")
    assert as_json.returncode == 0, as_json.stderr
    described = json.loads(as_json.stdout)
    assert (described["columns"], described["parameters"][0]["default"]) == (
        ["collaboration", "members"],
        "2",
    )


def test_the_example_command_of_describe_runs() -> None:
    described = fixture_kg("query", "members-on-date", "--describe").stdout
    example = described.rsplit("example: kg ", 1)[1].split()
    done = fixture_kg(*example)
    assert done.returncode == 0, done.stderr
    assert done.stdout == fixture_kg("query", "members-on-date").stdout


def test_an_unknown_name_suggests_the_closest() -> None:
    assert_error(
        fixture_kg("query", "membrs-on-date", "--describe"),
        "no query named 'membrs-on-date' (did you mean members-on-date?)",
    )
    assert_error(
        fixture_kg("query", "membrs-on-date"),
        "no query named 'membrs-on-date' (did you mean members-on-date?)",
    )
    assert_error(
        fixture_kg("query", "xyzzy"), "no query named 'xyzzy' (kg query --list shows the names)"
    )


# --------------------------------------------------------------------------------------------
# One prefix map


def test_the_prefix_doc_lists_exactly_the_map() -> None:
    text = (PROJECT_ROOT / "docs" / "prefixes.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([A-Za-z]*):` \| `([^`]+)` \|$", text, re.M)
    assert rows == list(PREFIXES.items())


@pytest.mark.parametrize(
    "value",
    [
        "sgid:collaboration/region",
        "<https://w3id.org/samarbeidsgrafen/id/collaboration/region>",
        "https://w3id.org/samarbeidsgrafen/id/collaboration/region",
    ],
)
def test_an_iri_parameter_takes_prefixed_bracketed_and_bare_iris(value: str) -> None:
    done = fixture_kg("query", "members-on-date", "--param", f"collaboration={value}", "-f", "csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == "member,name"
    assert len(done.stdout.splitlines()) == 4


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_users_file_may_use_the_map_and_a_declared_prefix_wins(
    engine: str, tmp_path: Path
) -> None:
    undeclared = tmp_path / "undeclared.rq"
    undeclared.write_text(
        "SELECT ?name WHERE { sgid:organization\\/oyer skos:prefLabel ?name "
        'FILTER(LANG(?name) = "nb") }\n',
        encoding="utf-8",
    )
    declared = tmp_path / "declared.rq"
    declared.write_text(
        "PREFIX sgid: <https://w3id.org/samarbeidsgrafen/id/organization/>\n"
        'SELECT ?name WHERE { sgid:gausdal skos:prefLabel ?name FILTER(LANG(?name) = "nb") }\n',
        encoding="utf-8",
    )
    for path, name in ((undeclared, "Øyer kommune"), (declared, "Gausdal kommune")):
        done = run_kg("query", str(path), "--engine", engine, "-f", "csv")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.splitlines() == ["name", name]


# --------------------------------------------------------------------------------------------
# Hints name real IRIs

_PREFIXED = re.compile(r"\b(sgid|sgv|sg):((?:[\w-]|\\/|/)+[\w])")


def _hint_strings() -> list[str]:
    """Every string literal of the package that is not a docstring (messages and hints)."""
    found: list[str] = []
    for path in sorted((PROJECT_ROOT / "kg").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in docstrings:
                    found.append(node.value)
    return found


def test_every_example_iri_in_a_hint_is_in_the_data() -> None:
    from kg.query.queries import PARAMETER_TYPES

    texts = _hint_strings() + [t.expects for t in PARAMETER_TYPES.values()]
    named = {
        PREFIXES[prefix] + local.replace("\\/", "/")
        for text in texts
        for prefix, local in _PREFIXED.findall(text)
    }
    assert PREFIXES["sgid"] + "organization/oyer" in named  # the iri parameter's hint
    graph = load_dataset()
    subjects = {str(s) for s in graph.subjects(unique=True) if isinstance(s, URIRef)}
    classes = {str(o) for o in graph.objects(unique=True) if not isinstance(o, Literal)}
    missing = sorted(iri for iri in named if iri not in subjects | classes)
    assert missing == []


def test_a_bad_iri_names_an_iri_that_exists() -> None:
    assert_error(
        run_kg("query", "source-of-resource", "--param", "resource=organization/oyer"),
        "parameter 'resource' expects an IRI (absolute, or prefixed like "
        "sgid:organization/oyer), got 'organization/oyer'",
    )
    hinted = run_kg("query", "source-of-resource", "--param", "resource=sgid:organization/oyer")
    assert hinted.returncode == 0, hinted.stderr
    assert len(hinted.stdout.splitlines()) > 2  # following the hint finds something


# --------------------------------------------------------------------------------------------
# Syntax errors: place, what, the line and a caret


def test_a_syntax_error_points_at_the_place(tmp_path: Path) -> None:
    (tmp_path / "bad.rq").write_text("SELECT ?s WHERE { ?s ?p }\n", encoding="utf-8")
    done = run_kg("query", "bad.rq", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: bad.rq:1:25: syntax error: unexpected '}' (expected a term)\n"
        "  SELECT ?s WHERE { ?s ?p }\n"
        "                          ^\n"
    )


def test_line_and_column_count_in_the_users_text_after_its_header(tmp_path: Path) -> None:
    (tmp_path / "late.rq").write_text(
        "# title: Late\n# description: broken on line 5\nSELECT ?s\nWHERE {\n"
        "  ?s ?p ?o FILTER(?o > 3\n}\n",
        encoding="utf-8",
    )
    done = run_kg("query", "late.rq", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: late.rq:6:1: syntax error: unexpected '}' (is a ) missing?)\n  }\n  ^\n"
    )


def test_a_keyword_missing_and_a_slash_in_a_prefixed_name(tmp_path: Path) -> None:
    (tmp_path / "order.rq").write_text("SELECT ?s WHERE { ?s ?p ?o } ORDER ?s\n")
    assert_error(
        run_kg("query", "order.rq", cwd=tmp_path),
        "order.rq:1:36: syntax error: unexpected '?s' (expected BY)\n"
        "  SELECT ?s WHERE { ?s ?p ?o } ORDER ?s\n"
        "                                     ^",
    )
    (tmp_path / "slash.rq").write_text("ASK { sgid:organization/oyer ?p ?o }\n")
    assert_error(
        run_kg("query", "slash.rq", cwd=tmp_path),
        "slash.rq:1:24: syntax error: unexpected '/' (in a prefixed name a / is written \\/, as "
        "in sgid:organization\\/oyer; or write the whole <IRI>)\n"
        "  ASK { sgid:organization/oyer ?p ?o }\n"
        "                         ^",
    )


def test_an_undeclared_prefix_is_shown_at_its_place(tmp_path: Path) -> None:
    (tmp_path / "prefix.rq").write_text("SELECT ?s WHERE {\n  ?s ex:p ?o\n}\n")
    assert_error(
        run_kg("query", "prefix.rq", cwd=tmp_path),
        "prefix.rq:2:6: syntax error: prefix 'ex:' is not declared (declare it with PREFIX "
        "ex: <IRI>, or use a prefix of the project's map: docs/prefixes.md)\n"
        "    ?s ex:p ?o\n"
        "       ^",
    )


def test_find_refuses_a_kind_no_named_thing_has() -> None:
    assert_error(
        run_kg("find", "glør", "--kind", "sg:Municipalty"),
        "no named thing in the data is of kind 'sg:Municipalty' (did you mean sg:Municipality, "
        "sg:CountyMunicipality or sg:HostMunicipalityArrangement?)",
    )
