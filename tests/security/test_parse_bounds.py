"""Parsing is bounded (issue #7, item 3): hostile files give one line and exit 2, quickly.

Each test writes its hostile file into ``tmp_path`` and runs the installed ``kg validate`` on
it (from ``tmp_path``, so that the message names the file as given). Exit 2 is "cannot load";
exit 1 would claim the data was read and does not conform.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import pytest
from rdflib import Graph
from support import FIXTURE_PROJECT, run_kg

from kg.model.bounds import SAFE_XML_FORMAT

kg = partial(run_kg, root=FIXTURE_PROJECT, timeout=120)

RDF_XML_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
    ' xmlns:ex="http://example.org/">\n'
)


def billion_laughs() -> str:
    """The classic: ten entities, each ten of the one before; 10^9 'lol's from about 1 KB."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        + "\n".join(entities)
        + "\n]>\n"
        + RDF_XML_HEAD
        + '<rdf:Description rdf:about="http://example.org/x"><ex:p>&lol9;</ex:p>'
        + "</rdf:Description>\n</rdf:RDF>\n"
    )


def entity_bomb() -> str:
    """A quadratic blow-up in about 657 bytes: one large entity referred to many times."""
    value = "x" * 161
    refs = "&e;" * 90
    bomb = (
        f'<!DOCTYPE rdf:RDF [<!ENTITY e "{value}">]>\n'
        + RDF_XML_HEAD
        + f'<rdf:Description rdf:about="http://example.org/x"><ex:p>{refs}</ex:p>'
        + "</rdf:Description>\n</rdf:RDF>\n"
    )
    assert len(bomb.encode()) == 657
    return bomb


def external_entity() -> str:
    return (
        '<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        + RDF_XML_HEAD
        + '<rdf:Description rdf:about="http://example.org/x"><ex:p>&secret;</ex:p>'
        + "</rdf:Description>\n</rdf:RDF>\n"
    )


SOURCE_GRAPH = "<urn:g> a <https://w3id.org/samarbeidsgrafen/ontology#SourceGraph> ."
"""What makes ``<urn:g>`` a source graph, the only place data may state triples."""


def _validate(tmp_path: Path, name: str, content: str | bytes, *options: str) -> tuple[int, str]:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    done = kg(*options, "validate", name, cwd=tmp_path)
    assert done.stdout == ""
    return done.returncode, done.stderr


# --------------------------------------------------------------------------------------------
# RDF/XML with a DTD


@pytest.mark.parametrize(
    ("build", "line"),
    [(billion_laughs, 2), (entity_bomb, 1), (external_entity, 1)],
    ids=["billion-laughs", "entity-bomb", "external-entity"],
)
def test_rdf_xml_with_a_dtd_is_refused_at_once(tmp_path: Path, build: object, line: int) -> None:
    assert callable(build)
    started = time.monotonic()
    code, stderr = _validate(tmp_path, "bomb.rdf", build())
    assert time.monotonic() - started < 30
    assert code == 2
    assert stderr == (
        f"kg: error: bomb.rdf:{line}: RDF/XML with a document type declaration (<!DOCTYPE) is "
        "refused (remove the DTD and write entities out; RDF/XML never needs them)\n"
    )


def test_an_entity_declaration_without_doctype_is_refused(tmp_path: Path) -> None:
    text = RDF_XML_HEAD + '<!ENTITY e "x">\n</rdf:RDF>\n'
    code, stderr = _validate(tmp_path, "entity.rdf", text)
    assert code == 2
    assert stderr == (
        "kg: error: entity.rdf:2: RDF/XML with an entity declaration (<!ENTITY) is refused "
        "(remove the DTD and write entities out; RDF/XML never needs them)\n"
    )


def test_utf16_rdf_xml_cannot_hide_a_dtd(tmp_path: Path) -> None:
    code, stderr = _validate(tmp_path, "wide.rdf", billion_laughs().encode("utf-16"))
    assert code == 2
    assert stderr == "kg: error: wide.rdf: RDF/XML must be UTF-8 (convert it to UTF-8)\n"


@pytest.mark.parametrize("build", [billion_laughs, entity_bomb, external_entity])
def test_the_xml_parser_itself_refuses_a_dtd(build: object) -> None:
    """Defence in depth: the SAX parser rdflib gets refuses a DTD even past the byte check."""
    assert callable(build)
    with pytest.raises(ValueError, match="document type declaration"):
        Graph().parse(data=build(), format=SAFE_XML_FORMAT)


def test_the_xml_parser_still_reads_plain_rdf_xml() -> None:
    text = RDF_XML_HEAD + (
        '<rdf:Description rdf:about="http://example.org/x"><ex:p>v</ex:p></rdf:Description>'
        "\n</rdf:RDF>\n"
    )
    assert len(Graph().parse(data=text, format=SAFE_XML_FORMAT)) == 1


# --------------------------------------------------------------------------------------------
# Size and time


def test_a_file_over_1_gib_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.nt"
    with path.open("wb") as stream:  # sparse: no disk used
        stream.truncate((1 << 30) + 1)
    started = time.monotonic()
    done = kg("validate", "huge.nt", cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert done.returncode == 2
    assert done.stderr == (
        "kg: error: huge.nt: file is too large to parse (1073741825 bytes; the limit is 1 GiB) "
        "(split it into several files)\n"
    )


def test_a_slow_parse_is_stopped_at_the_time_bound(tmp_path: Path) -> None:
    # rdflib's N-Triples parser is quadratic in a line's length: 3 MiB takes over a minute.
    line = '<http://example.org/s> <http://example.org/p> "' + "a" * (3 << 20) + '" .\n'
    started = time.monotonic()
    code, stderr = _validate(tmp_path, "slow.nt", line, "--parse-timeout", "1")
    assert time.monotonic() - started < 20
    assert code == 2
    assert stderr == (
        "kg: error: slow.nt: parsing took longer than 1 seconds and was stopped "
        "(split the file, or allow more time with kg --parse-timeout SECONDS)\n"
    )


def test_the_parse_timeout_must_be_positive(tmp_path: Path) -> None:
    done = kg("--parse-timeout", "0", "validate", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "kg: error: invalid value for --parse-timeout: must be a positive number of seconds "
        "(see kg --help)\n"
    )


# --------------------------------------------------------------------------------------------
# Literals over 16 MiB

BIG = "a" * ((16 << 20) + 1024)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("big.nt", f'<http://example.org/s> <http://example.org/p> "{BIG}" .\n', 1),
        ("big.ttl", f'@prefix ex: <http://example.org/> .\n\nex:s ex:p """x\n{BIG}""" .\n', 3),
        ("big.trig", f"<http://example.org/g> {{\n<http://example.org/s> <p:p> '{BIG}' }}\n", 2),
        ("big.jsonld", f'{{"@id": "http://example.org/s",\n "http://example.org/p": "{BIG}"}}', 2),
        ("big.rdf", RDF_XML_HEAD + f"<rdf:Description><ex:p>{BIG}</ex:p></rdf:Description>", 2),
    ],
    ids=["nt", "turtle", "trig", "jsonld", "rdfxml"],
)
def test_a_literal_over_16_mib_is_refused_with_its_line(
    tmp_path: Path, name: str, content: str, line: int
) -> None:
    code, stderr = _validate(tmp_path, name, content)
    assert code == 2
    assert stderr.startswith(f"kg: error: {name}:{line}: a literal of 16.")
    assert stderr.endswith(
        " MiB is longer than the limit of 16 MiB "
        "(shorten it, or publish the text as a separate document and link to it)\n"
    )
    assert stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# Deep nesting

DEPTH = 100_000


@pytest.mark.parametrize(
    ("name", "content", "column"),
    [
        ("blank.ttl", "<s:s> <p:p> " + "[ <p:p> " * DEPTH + "1" + " ]" * DEPTH + " .\n", 813),
        ("list.ttl", "<s:s> <p:p> " + "( " * DEPTH + "1" + " )" * DEPTH + " .\n", 213),
        ("graph.trig", "<g:g> { <s:s> <p:p> " + "( " * DEPTH + " )" * DEPTH + " }\n", 219),
        ("arrays.jsonld", '{"@id": "s:s", "p:p": ' + "[" * DEPTH + "1" + "]" * DEPTH + "}", 122),
        (
            "objects.jsonld",
            '{"@id": "s:s", "p:p": ' + '{"p:p": ' * DEPTH + "1" + "}" * DEPTH + "}",
            815,
        ),
    ],
    ids=["blank-nodes", "collections", "trig", "json-arrays", "json-objects"],
)
def test_deep_nesting_is_refused_with_its_place(
    tmp_path: Path, name: str, content: str, column: int
) -> None:
    code, stderr = _validate(tmp_path, name, content)
    assert code == 2
    assert stderr == (
        f"kg: error: {name}:1:{column}: brackets nested more than 100 deep "
        "(flatten the data; the limit is 100 levels)\n"
    )


def test_brackets_in_strings_iris_and_comments_do_not_count(tmp_path: Path) -> None:
    text = (
        "# " + "[" * 200 + "\n"
        f"<urn:g> {{ {SOURCE_GRAPH}\n"
        "<http://example.org/s> <http://example.org/p> "
        + '"'
        + "(" * 200
        + '" , """'
        + "[\n" * 200
        + '""" , <http://example.org/'
        + "(" * 200
        + "> .\n}\n"
    )
    code, stderr = _validate(tmp_path, "brackets.trig", text)
    assert (code, stderr) == (0, "conforms: 0 violations, 0 warnings\n")


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    depth = 98  # the graph's braces and the object list's own bracket make 100
    text = (
        f"<urn:g> {{ {SOURCE_GRAPH}\n"
        + "<s:s> <p:p> ( "
        + "[ <p:p> " * depth
        + "1"
        + " ]" * depth
        + " ) .\n}\n"
    )
    code, stderr = _validate(tmp_path, "deep.trig", text)
    assert (code, stderr) == (0, "conforms: 0 violations, 0 warnings\n")


def test_a_long_blank_node_chain_gives_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Flat syntax, deep structure: canonicalisation recurses along equal blank nodes."""
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    lines = [SOURCE_GRAPH.replace(" a ", f" {rdf_type} ")[:-1] + "<urn:g> ."]
    lines += ["<http://example.org/s> <http://example.org/p> _:b0 <urn:g> ."]
    lines += [f"_:b{i} <http://example.org/p> _:b{i + 1} <urn:g> ." for i in range(5000)]
    (tmp_path / "chain.nq").write_text("\n".join(lines) + "\n")
    done = kg("export", "--format", "nquads", "--data", "chain.nq", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: the data is nested too deeply to process (blank nodes or lists chained "
        "beyond Python's recursion limit; flatten the data)\n"
    )


# --------------------------------------------------------------------------------------------
# JSON-LD with invalid IRIs


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (
            '{"@id": "http://exa mple.org/x",\n "http://example.org/p": "v"}',
            'an invalid IRI as @id: "http://exa mple.org/x"',
            1,
        ),
        (
            '{"@id": "http://example.org/x",\n "http://example.org/p": {"@id": "http://a b/"}}',
            'an invalid IRI as @id: "http://a b/"',
            2,
        ),
        (
            '{"@id": "http://example.org/x",\n "not an iri": "v"}',
            'a property that is not an IRI: "not an iri"',
            2,
        ),
        (
            '{"@id": "http://example.org/x",\n "http://example.org/p": "v",\n'
            ' "@type": "http://example.org/A B"}',
            'an invalid IRI as @type: "http://example.org/A B"',
            3,
        ),
    ],
    ids=["subject", "object", "property", "type"],
)
def test_jsonld_with_an_invalid_iri_is_refused_naming_the_file(
    tmp_path: Path, content: str, message: str, line: int
) -> None:
    code, stderr = _validate(tmp_path, "bad.jsonld", content)
    assert code == 2
    assert stderr == (
        f"kg: error: bad.jsonld:{line}: JSON-LD has {message} "
        '(write a full IRI without spaces or <>"{}|^`\\ characters)\n'
    )


def test_jsonld_with_an_invalid_datatype_iri_is_refused(tmp_path: Path) -> None:
    content = (
        '{"@id": "http://example.org/x", "http://example.org/p":\n'
        ' {"@value": "1", "@type": "http://example.org/bad type"}}'
    )
    code, stderr = _validate(tmp_path, "bad.jsonld", content)
    assert code == 2
    assert stderr == (
        "kg: error: bad.jsonld: invalid JSON-LD: Invalid JSON-LD syntax; an element containing "
        '"@value" and "@type" must have an absolute IRI for the value of "@type". '
        "(fix the document)\n"
    )


def test_a_relative_iri_with_spaces_is_refused_as_written(tmp_path: Path) -> None:
    content = '{"@id": "http://example.org/x",\n "http://example.org/p": {"@id": "not an iri"}}'
    code, stderr = _validate(tmp_path, "rel.jsonld", content)
    assert code == 2
    resolved = (tmp_path.resolve() / "not an iri").as_uri().replace("%20", " ")
    assert stderr == (
        f'kg: error: rel.jsonld:2: JSON-LD has an invalid IRI as @id: "{resolved}" '
        '(write a full IRI without spaces or <>"{}|^`\\ characters)\n'
    )


def test_valid_jsonld_still_loads(tmp_path: Path) -> None:
    node = '{"@id": "http://example.org/x", "http://example.org/p": {"@id": "_:b"}}'
    graph = '{"@id": "urn:g", "@type": "https://w3id.org/samarbeidsgrafen/ontology#SourceGraph"}'
    content = f'{{"@id": "urn:g", "@graph": [{graph}, {node}]}}'
    code, stderr = _validate(tmp_path, "ok.jsonld", content)
    assert (code, stderr) == (0, "conforms: 0 violations, 0 warnings\n")
