"""``kg validate`` and ``kg stats`` as installed: exit codes, stdout report, stderr summary."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

from rdflib import Graph, Literal
from support import FIXTURE_PROJECT, run_kg

from kg.model.namespaces import SH

FIXTURES = Path(__file__).parent / "fixtures"
VALIDATE = FIXTURES / "validate"


kg = partial(run_kg, root=FIXTURE_PROJECT)
"""Run the installed ``kg`` on a project root (the fixture project unless ``root=``)."""


# --------------------------------------------------------------------------------------------
# kg validate


def test_the_project_data_conforms_with_warnings() -> None:
    done = kg("validate")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "conforms: 0 violations, 2 warnings\n"
    heads = [paragraph.splitlines()[0] for paragraph in done.stdout.split("\n\n")]
    assert heads == ["Warning sgid:organization/ringebu", "Warning sgid:organization/ringebu"]
    assert "^org:member" in done.stdout


def test_given_files_that_do_not_conform_exit_1() -> None:
    done = kg("validate", str(VALIDATE / "nonconforming.trig"))
    assert done.returncode == 1
    assert done.stderr == "kg: error: does not conform: 4 violations, 0 warnings\n"
    heads = [paragraph.split()[0] for paragraph in done.stdout.split("\n\n")]
    assert heads == ["Violation"] * 4  # the text itself: tests/test_validate_report.py


def test_json_report() -> None:
    done = kg("validate", str(VALIDATE / "nonconforming.trig"), "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert (report["conforms"], report["violations"], report["warnings"]) == (False, 4, 0)
    assert [r["shape"].rpartition("#")[2] for r in report["results"]] == [
        "InstantDate",
        "MembershipMember",
        "OrganisationName",
        "query:period-order-violation",
    ]


def test_turtle_report_is_the_shacl_report_graph() -> None:
    done = kg("validate", "--format", "turtle")
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format="turtle")
    assert (None, SH.conforms, Literal(True)) in graph
    assert len(list(graph.subjects(SH.resultSeverity, SH.Warning))) == 2


def test_a_folder_of_files(tmp_path: Path) -> None:
    shutil.copy(VALIDATE / "nonconforming.trig", tmp_path)
    shutil.copy(FIXTURE_PROJECT / "data" / "region.trig", tmp_path)
    done = kg("validate", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == "kg: error: does not conform: 4 violations, 2 warnings\n"


def test_a_syntax_error_names_file_line_and_column() -> None:
    done = kg("validate", "bad.ttl", cwd=VALIDATE)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: bad.ttl:3:16: expected '.' or '}' or ']' at end of statement (fix the syntax)\n"
    )


def test_a_missing_file() -> None:
    done = kg("validate", "missing.trig", cwd=VALIDATE)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "kg: error: missing.trig: no such file (check the path)\n"


def test_an_unknown_syntax() -> None:
    done = kg("validate", "README.md", cwd=FIXTURE_PROJECT)
    assert done.returncode == 2
    assert done.stderr.startswith("kg: error: README.md: unknown RDF syntax '.md' (use one of ")


def test_no_shapes_is_a_load_error(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    for shapes in (root / "ontology" / "shapes").iterdir():
        shapes.unlink()
    done = kg("validate", root=root)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"kg: error: no shapes in {root / 'ontology' / 'shapes'} "
        "(expected core.ttl and recommended.ttl there)\n"
    )


def test_shapes_given_on_the_command_line() -> None:
    shapes = FIXTURE_PROJECT / "ontology" / "shapes" / "core.ttl"
    done = kg("validate", "--shapes", str(shapes))
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "conforms: 0 violations, 0 warnings\n")


# --------------------------------------------------------------------------------------------
# kg stats


def test_stats() -> None:
    done = kg("stats")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    total, _, _, graph_count, _ = lines[0].split()
    assert graph_count == "3"
    graphs = {line.split()[0]: line.split()[1:] for line in lines[4:7]}
    source = graphs.pop("sgid:graph/fixture-region")
    assert source[:2] == ["source", "sgid:source/fixture-document"]
    # the file's 62 triples, plus the provenance the loader derives for described resources
    assert int(source[2]) >= 62
    assert graphs == {
        "sgid:graph/ontology": ["ontology", "8"],
        "sgid:graph/vocabularies": ["vocabularies", "8"],
    }
    assert int(total) == int(source[2]) + 8 + 8
    classes = dict(line.split() for line in lines[10:17])
    assert classes == {
        "org:Membership": "5",
        "sg:Municipality": "4",
        "time:Instant": "4",
        "time:Interval": "4",
        "sg:InterMunicipalCooperation": "2",
        "sg:SourceDocument": "1",
        "sg:SourceGraph": "1",
    }
    assert lines[-1] == "validation: 0 violations, 2 warnings"


def test_stats_with_example_answers() -> None:
    done = kg("stats", "--queries")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Collaborations and when they were founded (collaborations):" in text
    assert "Members of a collaboration on a date (members-on-date):" in text
    assert text.rstrip().endswith('sgid:organization/oyer         "Øyer kommune"@nb')
