"""The violation report as people read it (issue #11): every line at most 100 columns, each
result naming its focus node, shape, path, value and message, and the file and line where the
node is described; ``kg validate`` and ``kg build`` print it the same way."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from support import FIXTURE_PROJECT, PROJECT_DATA, PROJECT_ROOT, run_kg

from kg.model.locate import Location, locate, nquads_subjects, trig_subjects, where_described
from kg.model.namespaces import ID, SHAPES, SKOS
from kg.validation.validate import (
    NOT_LOCATED,
    NOT_LOCATED_BLANK,
    REPORT_WIDTH,
    ValidationResult,
    result_text,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALIDATE = FIXTURES / "validate"
SHAPE_FIXTURES = FIXTURES / "shapes"

BROKEN_REPORT = """\
Violation sgid:instant/bad-date
  at nonconforming.trig:59
  shape sgsh:InstantDate, path time:inXSDDate, value "1 January 2010"
  An instant's date is an xsd:date.

Violation sgid:membership/nobody
  at nonconforming.trig:49
  shape sgsh:MembershipMember, path org:member
  A membership has exactly one member.

Violation sgid:organization/nameless
  at nonconforming.trig:28
  shape sgsh:OrganisationName, path skos:prefLabel
  An organisation has a name (skos:prefLabel).

Violation sgid:interval/backwards
  at nonconforming.trig:53
  shape query:period-order-violation, value "2009-01-01"^^xsd:date
  A period (time:Interval) must not end before it begins: ends 2009-01-01, begins 2010-01-01
"""


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


# --------------------------------------------------------------------------------------------
# kg validate, kg build


def test_kg_validate_names_file_and_line_of_each_focus_node() -> None:
    done = run_kg("validate", "nonconforming.trig", root=FIXTURE_PROJECT, cwd=VALIDATE)
    assert (done.returncode, done.stdout) == (1, BROKEN_REPORT)
    assert done.stderr == "kg: error: does not conform: 4 violations, 0 warnings\n"


CHECKSUM_REPORT = (
    "Violation sgid:identifier/orgnr-988077918\n"
    "  at shapes/orgnr-bad-checksum.trig:55\n"
    '  shape sgsh:OrganisationNumberChecksumShape, path skos:notation, value "988077918"\n'
    "  The organisation number 988077918 fails the modulus-11 check: check it against "
    "Enhetsregisteret,\n"
    "  or leave it out if the source's number cannot be confirmed.\n"
)
"""The project's own shapes on a refused fixture: a long message, wrapped; the file named
relative to the working folder."""


def test_a_long_message_is_wrapped_within_100_columns() -> None:
    done = run_kg("validate", "shapes/orgnr-bad-checksum.trig", cwd=FIXTURES)
    assert (done.returncode, done.stdout) == (1, CHECKSUM_REPORT)
    assert done.stderr == "kg: error: does not conform: 1 violation, 0 warnings\n"
    assert widest(done.stdout) == 98


def test_kg_build_prints_the_same_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_kg(
        "build",
        *("--data", "shapes/orgnr-bad-checksum.trig", "--out", str(out), "--no-cache"),
        cwd=FIXTURES,
        env={"KG_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert (done.returncode, done.stdout) == (1, CHECKSUM_REPORT)
    assert done.stderr == f"kg: error: 1 violation, 0 warnings; nothing written to {out}\n"
    assert not out.exists()


def test_a_blank_focus_node_says_why_it_has_no_line() -> None:
    done = run_kg("validate", "blank-node-site.trig", cwd=SHAPE_FIXTURES)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Violation _:")
    assert lines[1] == f"  at {NOT_LOCATED_BLANK}"
    assert lines[2].startswith("  shape sgsh:DescribedResourceIriShape, value _:")
    assert widest(done.stdout) <= REPORT_WIDTH


def test_every_refused_fixture_fits_100_columns_and_is_located(tmp_path: Path) -> None:
    """All the refused shape fixtures at once (one folder, the project's shapes): every line
    fits, every IRI focus node is found in a file."""
    for fixture in sorted(SHAPE_FIXTURES.glob("*.trig")):
        shutil.copy(fixture, tmp_path)
    done = run_kg("validate", "--format", "json", str(tmp_path))
    results = json.loads(done.stdout)["results"]
    done = run_kg("validate", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert widest(done.stdout) <= REPORT_WIDTH
    paragraphs = done.stdout.split("\n\n")
    assert len(paragraphs) == len(results) > 90
    for paragraph, result in zip(paragraphs, results, strict=True):
        head, at = paragraph.splitlines()[:2]
        assert head.startswith(result["severity"] + " ")
        if result["focus"].startswith("_:"):
            assert at == f"  at {NOT_LOCATED_BLANK}"
        else:
            assert re.match(r"  at [^ :]+\.trig:[0-9]+(,|$)", at), at


def test_json_and_turtle_carry_no_locations() -> None:
    done = run_kg(
        "validate", "nonconforming.trig", "-f", "json", root=FIXTURE_PROJECT, cwd=VALIDATE
    )
    assert done.returncode == 1
    assert "nonconforming.trig" not in done.stdout


# --------------------------------------------------------------------------------------------
# The text of one result


def test_long_terms_are_broken_so_no_line_is_wider_than_100() -> None:
    long_iri = URIRef("https://example.org/" + "x" * 150)
    result = ValidationResult(
        "Violation", long_iri, SKOS.prefLabel, Literal("y" * 130), SHAPES.Name, "z " * 80, None
    )
    text = result_text(result, ["data/a-file-with-a-long-name.trig:12345"] * 3)
    assert widest(text) == REPORT_WIDTH
    assert text.replace("\n", "").replace(" ", "").count("x" * 150) == 1


def test_a_focus_node_found_nowhere_says_so() -> None:
    result = ValidationResult("Warning", ID["organization/x"], None, None, None, "m", None)
    assert result_text(result, []) == f"Warning sgid:organization/x\n  at {NOT_LOCATED}\n  m\n"
    assert result_text(result) == "Warning sgid:organization/x\n  m\n"


# --------------------------------------------------------------------------------------------
# Locating


def test_trig_subjects_skip_strings_comments_and_nested_nodes() -> None:
    text = (
        "@prefix o: <http://e/o/> .\n"  # 1
        "@base <http://e/base/> .\n"  # 2
        "# o:commented a o:X .\n"  # 3
        "GRAPH <http://e/g> {\n"  # 4
        '  o:a o:p "a } brace . and a dot", """long\n'  # 5
        '  { string } ."""@en ;\n'  # 6
        "    o:q [ o:r o:nested ] .\n"  # 7
        "  <relative> o:p ( o:l1 o:l2 ) .\n"  # 8
        "  [ o:p o:blank ] o:q o:z .\n"  # 9
        "  o:last o:p 1.5 }\n"  # 10
        "<http://e/h> { o:b o:p o:c }\n"  # 11
        "o:outside o:p o:d .\n"  # 12
    )
    assert list(trig_subjects(text, "file:///x.trig")) == [
        ("http://e/o/a", 5),
        ("http://e/base/relative", 8),
        ("http://e/o/last", 10),
        ("http://e/o/b", 11),
        ("http://e/o/outside", 12),
    ]


def test_nquads_subjects() -> None:
    text = '<http://e/a> <http://e/p> "x" <http://e/g> .\n_:b <http://e/p> <http://e/c> .\n'
    assert list(nquads_subjects(text)) == [("http://e/a", 1)]


def test_locate_reads_trig_nquads_and_jsonld(tmp_path: Path) -> None:
    trig = tmp_path / "a.trig"
    trig.write_text("<http://e/g> {\n\n  <http://e/a> <http://e/p> 1 .\n}\n", encoding="utf-8")
    nquads = tmp_path / "b.nq"
    nquads.write_text("\n<http://e/a> <http://e/p> 2 <http://e/h> .\n", encoding="utf-8")
    jsonld = tmp_path / "c.jsonld"
    jsonld.write_text('{\n  "@graph": [\n    {"@id": "http://e/a"}\n  ]\n}\n', encoding="utf-8")
    found = locate([trig, nquads, jsonld], {"http://e/a", "http://e/nowhere"})
    assert found == {
        "http://e/a": [
            Location(str(trig), 3),
            Location(str(nquads), 2),
            Location(str(jsonld), 3),
        ]
    }
    where = where_described([trig], [URIRef("http://e/a"), BNode()])
    assert where(URIRef("http://e/a")) == [f"{trig}:3"]
    assert where(BNode()) == []


def _subjects(path: Path) -> set[str]:
    dataset = Dataset()
    fmt = "trig" if path.suffix == ".trig" else "turtle"
    dataset.parse(path, format=fmt, publicID=path.resolve().as_uri())
    return {str(s) for s, _, _, _ in dataset.quads() if isinstance(s, URIRef)}


def _lexed(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {iri for iri, _ in trig_subjects(text, path.resolve().as_uri())}


@pytest.mark.parametrize(
    "path",
    [
        *sorted((PROJECT_ROOT / "ontology").rglob("*.ttl")),
        *sorted(SHAPE_FIXTURES.rglob("*.trig")),
        VALIDATE / "nonconforming.trig",
    ],
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_the_lexer_finds_every_subject_the_parser_finds(path: Path) -> None:
    assert _lexed(path) == _subjects(path)


@pytest.mark.national
@pytest.mark.parametrize("path", sorted(PROJECT_DATA.glob("*.trig")), ids=lambda p: p.name)
def test_the_lexer_finds_every_subject_of_the_committed_data(path: Path) -> None:
    assert _lexed(path) == _subjects(path)
