"""Every triple of the data is in a source graph (issue #9): a data file that states one outside
every named graph, or a named graph that is not a source graph, is refused with one line naming
the file and line, exit 2, and nothing written.

``kg validate`` is run as installed on the fixture project (its small ontology and shapes) and
``kg build`` on the project's ontology (the fixture project has no JSON-LD context to export
with), from a folder holding ``data/`` so that the messages name the files as given; both
loaders (Oxigraph's in :func:`kg.model.store.load`, rdflib's in
:func:`kg.model.dataset.load_dataset`) are then asked directly, and must give the same line.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import pytest
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from support import FIXTURE_PROJECT, run_kg, use_project

from kg.errors import LoadError
from kg.model import paths, store
from kg.model.dataset import load_dataset
from kg.model.sourcegraphs import Found, refusal

kg = partial(run_kg, root=FIXTURE_PROJECT)
kg_build = partial(run_kg, "build", timeout=None)
"""``kg build`` on the project's own ontology, code lists and context."""
EXPORT = Path(__file__).parent / "fixtures" / "export"

PREFIXES = """\
@prefix sg: <https://w3id.org/samarbeidsgrafen/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix o: <https://w3id.org/samarbeidsgrafen/id/organization/> .
@prefix graph: <https://w3id.org/samarbeidsgrafen/id/graph/> .
"""
SG = "https://w3id.org/samarbeidsgrafen/ontology#"
ID = "https://w3id.org/samarbeidsgrafen/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"

TOP_LEVEL = PREFIXES + (
    "\n"  # 6
    "graph:new {\n"  # 7
    "    graph:new a sg:SourceGraph ;\n"
    "        prov:wasDerivedFrom <https://w3id.org/samarbeidsgrafen/id/source/new> .\n"
    '    o:oyer skos:altLabel "Øyer { } ." , """a long\n'  # 10: braces in strings
    'string } with # no comment""" .   # a comment { with a brace\n'
    "}\n"  # 12
    "\n"
    'o:oyer skos:prefLabel "Øyer"@nb .\n'  # 14
)
UNNAMED = PREFIXES + (
    "\n{ }\n"  # 7: an empty block states nothing
    "{\n"  # 8
    '    o:lillehammer skos:altLabel "Lillehammer"@nb .\n'
    "}\n"
)
NOT_A_SOURCE = PREFIXES + (
    "\n"
    "GRAPH graph:notes {\n"  # 7
    '    o:gausdal skos:altLabel "Gausdal"@nb .\n'
    "}\n"
)
NO_GRAPH = (
    f"<{ID}graph/new> <{RDF_TYPE}> <{SG}SourceGraph> <{ID}graph/new> .\n"
    f'<{ID}organization/oyer> <{ALT_LABEL}> "Øyer" <{ID}graph/new> .\n'
    f'<{ID}organization/ringebu> <{ALT_LABEL}> "Ringebu" .\n'  # 3
)
TURTLE = PREFIXES + '\n# no graph here\no:oyer skos:altLabel "Øyer"@nb .\n'  # 8

TRIPLE_SYNTAX_HINT = (
    "(data files are TriG, N-Quads or JSON-LD with named source graphs; "
    "write it as TriG, the triples in graph:NAME { ... })"
)
CASES = {
    "top.trig": (
        TOP_LEVEL,
        "14:1: a triple about sgid:organization/oyer is outside every named graph, so it has "
        "no source (move it into the graph block of its source: graph:NAME { ... })",
    ),
    "unnamed.trig": (
        UNNAMED,
        "8:1: a graph block without a name: its triples (the first about "
        "sgid:organization/lillehammer) are in the default graph and have no source "
        "(name the block after its source graph: graph:NAME { ... })",
    ),
    "notes.trig": (
        NOT_A_SOURCE,
        "7:1: the named graph sgid:graph/notes does not describe itself as a source graph "
        "(say inside it: sgid:graph/notes a sg:SourceGraph ; prov:wasDerivedFrom <its source> .)",
    ),
    "nograph.nq": (
        NO_GRAPH,
        "3:1: a triple about sgid:organization/ringebu without a graph has no source "
        "(give the line its source graph's IRI as the fourth term)",
    ),
    "plain.ttl": (
        TURTLE,
        "8:1: a Turtle file has no named graphs, so its triples have no source "
        + TRIPLE_SYNTAX_HINT,
    ),
}
"""File name → its text and what follows ``data/NAME:`` in the one line of the error."""


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished dist/ of the project's data (with the build tests' shapes), which a refused
    build must leave as it was."""
    out = tmp_path_factory.mktemp("earlier") / "dist"
    data, shapes = str(paths.DATA_DIR), str(EXPORT / "shapes.ttl")
    done = kg_build("--data", data, "--shapes", shapes, "--out", str(out), "-q")
    assert done.returncode == 0, done.stderr
    return out


def state_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (
            p.read_bytes() if p.is_file() else b"<dir>",
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
    }


def project_with(tmp_path: Path, name: str, text: str) -> Path:
    """``tmp_path/data`` with the fixture project's valid source and the file ``name``."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE_PROJECT / "data" / "region.trig", data)
    (data / name).write_text(text, encoding="utf-8")
    return data


# --------------------------------------------------------------------------------------------
# kg build and kg validate


@pytest.mark.parametrize("name", sorted(CASES))
def test_kg_build_refuses_the_file_naming_file_and_line(
    name: str, tmp_path: Path, earlier: Path
) -> None:
    text, message = CASES[name]
    project_with(tmp_path, name, text)
    dist = tmp_path / "dist"
    shutil.copytree(earlier, dist)
    before = state_of(dist)
    done = kg_build("--data", "data", "--out", "dist", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: data/{name}:{message}\n"
    assert state_of(dist) == before


@pytest.mark.parametrize("name", sorted(CASES))
def test_kg_validate_refuses_the_file_naming_file_and_line(name: str, tmp_path: Path) -> None:
    text, message = CASES[name]
    project_with(tmp_path, name, text)
    done = kg("validate", f"data/{name}", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: data/{name}:{message}\n"
    folder = kg("validate", "data", cwd=tmp_path)
    assert (folder.returncode, folder.stdout) == (2, "")
    assert folder.stderr == f"kg: error: data/{name}:{message}\n"


def test_a_build_that_is_refused_writes_no_dist(tmp_path: Path) -> None:
    project_with(tmp_path, "top.trig", TOP_LEVEL)
    done = kg_build("--data", "data", "--out", "dist", cwd=tmp_path)
    assert (done.returncode, done.stderr.count("\n")) == (2, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


# --------------------------------------------------------------------------------------------
# Both loaders, the same line

MORE = {
    "plain.nt": (
        f'<{ID}organization/oyer> <{ALT_LABEL}> "Øyer" .\n',
        "1:1: an N-Triples file has no named graphs, so its triples have no source "
        + TRIPLE_SYNTAX_HINT,
    ),
    "plain.rdf": (
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:skos="http://www.w3.org/2004/02/skos/core#">\n'
        "  <!-- <not:this> -->\n"
        f'  <rdf:Description rdf:about="{ID}organization/oyer">\n'  # 5
        "    <skos:altLabel>Øyer</skos:altLabel>\n"
        "  </rdf:Description>\n"
        "</rdf:RDF>\n",
        "5:3: an RDF/XML file has no named graphs, so its triples have no source "
        + TRIPLE_SYNTAX_HINT,
    ),
    "nodes.jsonld": (
        '{"@context": {"sgid": "https://w3id.org/samarbeidsgrafen/id/"},\n'
        ' "@graph": [\n'
        f'  {{"@id": "sgid:organization/oyer", "{ALT_LABEL}": "Øyer"}}]}}\n',
        "3:4: a triple about sgid:organization/oyer is outside every named graph, so it has "
        'no source (put the node in the "@graph" of its source graph)',
    ),
    "notes.jsonld": (
        '{"@context": {"sgid": "https://w3id.org/samarbeidsgrafen/id/"},\n'
        ' "@id": "sgid:graph/notes",\n'
        f' "@graph": [{{"@id": "sgid:organization/oyer", "{ALT_LABEL}": "Øyer"}}]}}\n',
        "2:2: the named graph sgid:graph/notes does not describe itself as a source graph "
        "(say inside it: sgid:graph/notes a sg:SourceGraph ; prov:wasDerivedFrom <its source> .)",
    ),
    "blank.trig": (
        PREFIXES + '\n_:notes { o:oyer skos:altLabel "Øyer" }\n',
        "7:1: a graph named by a blank node (_:notes) cannot be a source graph "
        "(name it with an IRI: graph:NAME { graph:NAME a sg:SourceGraph ; ... })",
    ),
    "blank.nq": (
        f'<{ID}organization/oyer> <{ALT_LABEL}> "Øyer" _:notes .\n',
        "1:112: a graph named by a blank node (_:notes) cannot be a source graph "
        "(name it with an IRI: graph:NAME { graph:NAME a sg:SourceGraph ; ... })",
    ),
    "ontology.trig": (
        PREFIXES + '\ngraph:ontology { o:oyer skos:altLabel "Øyer" }\n',
        "7:1: a data file may not write into sgid:graph/ontology, the graph of the ontology "
        "(put the statements in the graph of their source)",
    ),
    "first.trig": (  # the first offence in the file is the one named
        PREFIXES + '\ngraph:notes { o:oyer skos:altLabel "Øyer" }\no:oyer a sg:Municipality .\n',
        "7:1: the named graph sgid:graph/notes does not describe itself as a source graph "
        "(say inside it: sgid:graph/notes a sg:SourceGraph ; prov:wasDerivedFrom <its source> .)",
    ),
    "blank-subject.trig": (
        PREFIXES + "\n  [ skos:altLabel 'x' ] .\n",
        "7:3: a triple about a blank node is outside every named graph, so it has no source "
        "(move it into the graph block of its source: graph:NAME { ... })",
    ),
    "relative.trig": (
        "@base <https://w3id.org/samarbeidsgrafen/id/> .\n"
        f"<graph/ok> {{ <graph/ok> a <{SG}SourceGraph> }}\n"
        "<organization/oyer> a <https://w3id.org/samarbeidsgrafen/ontology#Municipality> .\n",
        "3:1: a triple about sgid:organization/oyer is outside every named graph, so it has "
        "no source (move it into the graph block of its source: graph:NAME { ... })",
    ),
}
"""More files, for the loaders directly: name → text and what follows ``PATH:``."""


@pytest.mark.parametrize("name", sorted({**CASES, **MORE}))
def test_both_loaders_give_the_same_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_project(monkeypatch)
    text, message = {**CASES, **MORE}[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as oxigraph:
        store.load(store.input_files(path))
    with pytest.raises(LoadError) as rdflib:
        load_dataset([path])
    assert str(oxigraph.value) == str(rdflib.value) == f"{path}:{message}"


def test_a_graph_split_over_blocks_of_one_file_is_one_source_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_project(monkeypatch)
    path = tmp_path / "split.trig"
    path.write_text(
        PREFIXES
        + '\ngraph:g { o:oyer skos:altLabel "Øyer" }\ngraph:g { graph:g a sg:SourceGraph }\n',
        encoding="utf-8",
    )
    loaded = store.load(store.input_files(path))
    assert f"{ID}graph/g" in loaded.graph_names()
    assert not list(load_dataset([path]).graph(DATASET_DEFAULT_GRAPH_ID))


def test_where_the_lexer_finds_nothing_the_file_is_refused_without_a_line() -> None:
    """The decision is the parser's: if the lexer cannot place it, the subject is named."""
    found = Found(
        default=True,
        is_subject=lambda iri: False,
        least_subject=lambda: ID + "organization/oyer",
    )
    text = PREFIXES + 'o:a o:b "c" .'  # found by the lexer, but not what the parser says
    error = refusal(Path("x.trig"), "trig", text, found)
    assert str(error) == (
        "x.trig: a triple about sgid:organization/oyer is outside every named graph, so it has "
        "no source (move it into the graph block of its source: graph:NAME { ... })"
    )
    graph = Found(graphs=(ID + "graph/elsewhere",))
    assert str(refusal(Path("x.nq"), "nquads", "", graph)) == (
        "x.nq: the named graph sgid:graph/elsewhere does not describe itself as a source graph "
        "(say inside it: sgid:graph/elsewhere a sg:SourceGraph ; prov:wasDerivedFrom "
        "<its source> .)"
    )
    assert refusal(Path("x.trig"), "trig", "", Found()) is None
