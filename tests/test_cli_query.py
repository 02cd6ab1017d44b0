"""``kg query`` as installed: exact outputs, exit codes and error messages."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest
from support import FIXTURE_PROJECT, run_kg

FIXTURES = Path(__file__).parent / "fixtures"
LOOSE = FIXTURES / "queries"
KNOWN = (
    "collaborations, founded-in, is-member, larger-than, members-on-date, memberships-graph, "
    "period-order-violation"
)


kg = partial(run_kg, root=FIXTURE_PROJECT)
"""Run the installed ``kg`` on the fixture project."""


# --------------------------------------------------------------------------------------------
# Answers


def test_list() -> None:
    done = kg("query", "--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["name", "kind", "as-of", "title"]
    by_name = {line.split()[0]: i for i, line in enumerate(lines[2:], 2) if line[:1] != " "}
    assert list(by_name) == KNOWN.split(", ")
    at = by_name["members-on-date"]
    assert lines[at].split()[:3] == ["members-on-date", "select", "yes"]
    assert "Members of a collaboration on a date" in lines[at]
    assert "    parameters: collaboration (iri), asOf (date)" in lines[at:]
    assert lines[by_name["larger-than"] + 3] == "    parameters: minimum (integer)"
    assert lines[by_name["is-member"]].split()[1] == "ask"


def test_table_with_defaults() -> None:
    done = kg("query", "members-on-date")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "member                         name\n"
        "-----------------------------  ------------------------\n"
        'sgid:organization/gausdal      "Gausdal kommune"@nb\n'
        'sgid:organization/lillehammer  "Lillehammer kommune"@nb\n'
        'sgid:organization/oyer         "Øyer kommune"@nb\n'
    )


def test_csv_with_parameters_and_as_of() -> None:
    done = kg(
        "query",
        "members-on-date",
        "--param",
        "collaboration=sgid:collaboration/region",
        "--as-of",
        "2010-01-01",
        "--format",
        "csv",
    )
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(io.StringIO(done.stdout, newline=""))) == [
        ["member", "name"],
        ["https://w3id.org/samarbeidsgrafen/id/organization/lillehammer", "Lillehammer kommune"],
        ["https://w3id.org/samarbeidsgrafen/id/organization/oyer", "Øyer kommune"],
    ]


def test_json_of_an_ask() -> None:
    done = kg("query", "is-member", "-p", "organisation=sgid:organization/gausdal", "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"head": {}, "boolean": False}


def test_turtle_of_a_construct() -> None:
    done = kg("query", "memberships-graph", "--format", "turtle")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("@prefix org: <http://www.w3.org/ns/org#> .\n")
    assert done.stdout.count("org:memberOf") == 3


def test_a_file_outside_the_catalogue_with_its_own_header() -> None:
    done = kg("query", str(LOOSE / "own-header.rq"), "-p", "language=en", "-f", "tsv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "?organisation\t?name\n"


def test_other_data(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "validate" / "nonconforming.trig", tmp_path)
    done = kg("query", "collaborations", "--data", str(tmp_path), "-f", "tsv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "?collaboration\t?name\t?founded",
        '<https://w3id.org/samarbeidsgrafen/id/collaboration/club>\t"Klubben"@nb\t',
    ]


# --------------------------------------------------------------------------------------------
# Errors: exit 2, one line on stderr, nothing on stdout


def assert_error(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: {message}\n"


def test_unknown_query_suggests_the_closest() -> None:
    assert_error(
        kg("query", "members"),
        "no query named 'members' (did you mean is-member or members-on-date?)",
    )


def test_parameter_of_the_wrong_type_says_the_expected_type() -> None:
    assert_error(
        kg("query", "members-on-date", "--as-of", "2010-13-45"),
        "parameter 'asOf' expects a date (YYYY-MM-DD), got '2010-13-45'",
    )
    assert_error(
        kg("query", "larger-than", "--param", "minimum=two"),
        "parameter 'minimum' expects an integer, got 'two'",
    )


def test_unknown_parameter_lists_the_declared_ones() -> None:
    assert_error(
        kg("query", "members-on-date", "--param", "date=2010-01-01"),
        "query members-on-date has no parameter 'date' (it declares: collaboration, asOf)",
    )


def test_as_of_on_a_query_without_it() -> None:
    assert_error(
        kg("query", "collaborations", "--as-of", "2010-01-01"),
        "query collaborations takes no as-of date",
    )


def test_missing_file() -> None:
    assert_error(kg("query", "missing.rq"), "missing.rq: no such query file")


def test_missing_data_folder() -> None:
    done = kg("query", "collaborations", "--data", "no-such-folder")
    assert (done.returncode, done.stdout) == (2, "")
    assert "'no-such-folder' does not exist" in done.stderr


def test_syntax_error_gives_the_parser_message_with_line_and_column() -> None:
    done = kg("query", "syntax-error.rq", cwd=LOOSE)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: syntax-error.rq:3:25: syntax error: unexpected '}' (expected a term)\n"
        "  SELECT ?s WHERE { ?s ?p }\n"
        "                          ^\n"
    )


def test_an_update_is_refused() -> None:
    assert_error(
        kg("query", str(LOOSE / "update.rq")),
        "updates are refused (INSERT DATA): queries only read",
    )


@pytest.mark.parametrize("name", ["service.rq", "service-escaped.rq"])
def test_service_is_refused(name: str) -> None:
    assert_error(
        kg("query", str(LOOSE / name)), "SERVICE is refused: queries run on this dataset only"
    )


def test_a_remote_from_is_refused() -> None:
    assert_error(
        kg("query", str(LOOSE / "from-remote.rq")),
        "FROM <http://127.0.0.1:9/data.ttl> is refused: not a graph here",
    )


def test_a_format_that_does_not_fit() -> None:
    assert_error(
        kg("query", "collaborations", "--format", "turtle"),
        "a SELECT result cannot be written as turtle (use table, csv, tsv, json or xml)",
    )


def test_no_query_is_a_usage_error() -> None:
    done = kg("query")
    assert (done.returncode, done.stdout) == (2, "")
    assert "give a query name or a .rq file" in done.stderr


def test_a_malformed_param_is_a_usage_error() -> None:
    done = kg("query", "founded-in", "--param", "year")
    assert (done.returncode, done.stdout) == (2, "")
    assert "'year' is not NAME=VALUE" in done.stderr
