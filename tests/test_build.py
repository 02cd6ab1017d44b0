"""The build: dist/ layout, every file parses and holds the same graph, byte-identical rebuilds
(also under other PYTHONHASHSEED values), and failures that leave an earlier dist/ untouched.

The build runs on the project's data when it exists (else on the export fixture), always with
the test shapes in tests/fixtures/export/shapes.ttl, so these tests check the build, not the
project's shapes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from support import run_kg

from kg.errors import LoadError, OutputError, ValidationFailed
from kg.model import jsonld as kg_jsonld
from kg.model import paths
from kg.model.dataset import ONTOLOGY_GRAPH, data_files, load_dataset
from kg.publish import build as kg_build
from kg.publish.build import CHECKSUMS, build

FIXTURES = Path(__file__).parent / "fixtures" / "export"
SHAPES = FIXTURES / "shapes.ttl"


def _project_data() -> Path | None:
    try:
        return paths.DATA_DIR if data_files(paths.DATA_DIR) else None
    except LoadError:
        return None


DATA = _project_data() or FIXTURES / "data"

EXPECTED_FILES = {
    "SHA256SUMS",
    "context.jsonld",
    "frames/collaboration.jsonld",
    "frames/council.jsonld",
    "frames/organization.jsonld",
    "ontology.ttl",
    "samarbeidsgrafen.jsonld",
    "samarbeidsgrafen.nq",
    "samarbeidsgrafen.nt",
    "samarbeidsgrafen.trig",
    "samarbeidsgrafen.ttl",
    "shapes.ttl",
    "crosswalk.csv",
    "municipality-history.csv",
    "catalog.ttl",
    "catalog.jsonld",
    "catalog-dcat-ap.ttl",
    "void.ttl",
}
NOT_RDF = {"SHA256SUMS", "crosswalk.csv", "municipality-history.csv"}


def outputs(folder: Path) -> set[str]:
    """The files of a dist/ but the HTML documentation (docs/: tests/test_docs.py), which must
    be there too."""
    names = set(files_of(folder))
    assert "docs/index.html" in names
    return {n for n in names if not n.startswith("docs/")}


RDFLIB_FORMAT = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}
OX_FORMAT = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def state_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry's bytes and mtime: what "exactly as it was" compares."""
    state = {}
    for path in sorted(folder.rglob("*")):
        content = path.read_bytes() if path.is_file() else b"<dir>"
        state[path.relative_to(folder).as_posix()] = (content, path.stat().st_mtime_ns)
    return state


kg = partial(run_kg, timeout=None)
"""Run the installed ``kg`` command (``seed=``: under that ``PYTHONHASHSEED``); no time limit."""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    result = build(DATA, out, shapes=SHAPES)
    assert result.out == out
    return out


@pytest.fixture()
def earlier(dist: Path, tmp_path: Path) -> Path:
    """A copy of a finished dist/ (mtimes kept) that a later, failing build must not touch."""
    out = tmp_path / "site" / "dist"
    shutil.copytree(dist, out)
    return out


def union_of(path: Path) -> Graph:
    data = path.read_bytes()
    union = Graph()
    if path.suffix == ".jsonld":
        return kg_jsonld.parse_jsonld(data, union)
    if path.suffix in (".trig", ".nq"):
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_FORMAT[path.suffix])
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return union.parse(data=data, format=RDFLIB_FORMAT[path.suffix])


# --------------------------------------------------------------------------------------------
# A good build


def test_layout(dist: Path) -> None:
    assert outputs(dist) == EXPECTED_FILES
    assert sorted(p.name for p in dist.parent.iterdir()) == ["dist"]  # no temporary folders


def test_checksums(dist: Path) -> None:
    files = files_of(dist)
    lines = files.pop(CHECKSUMS).decode().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert set(listed) == set(files)
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES - NOT_RDF))
def test_every_file_parses_with_rdflib_and_pyoxigraph(dist: Path, name: str) -> None:
    path = dist / name
    graph = union_of(path)
    assert len(graph) > 0 or name == "context.jsonld"
    quads = list(ox.parse(path.read_bytes(), format=OX_FORMAT[path.suffix]))
    assert len({(q.subject, q.predicate, q.object) for q in quads}) == len(graph)
    if path.suffix == ".jsonld" and name != "context.jsonld":
        nquads = kg_jsonld.to_nquads(json.loads(path.read_bytes()))
        assert isomorphic(Graph().parse(data=nquads, format="nquads"), graph)


@pytest.mark.parametrize(
    "name", ["samarbeidsgrafen.nq", "samarbeidsgrafen.ttl", "samarbeidsgrafen.nt"]
)
def test_every_format_holds_the_same_graph(dist: Path, name: str) -> None:
    assert isomorphic(union_of(dist / name), union_of(dist / "samarbeidsgrafen.trig"))


def test_jsonld_holds_the_same_graph(dist: Path) -> None:
    assert isomorphic(
        union_of(dist / "samarbeidsgrafen.jsonld"), union_of(dist / "samarbeidsgrafen.trig")
    )
    document = json.loads((dist / "samarbeidsgrafen.jsonld").read_bytes())
    assert isinstance(document["@context"], dict)  # inlined for harvesters


def test_named_graphs_in_trig_and_nquads(dist: Path) -> None:
    loaded = load_dataset(DATA)
    expected = {g.identifier for g in loaded.graphs() if len(g)}
    for name, fmt in [("samarbeidsgrafen.trig", "trig"), ("samarbeidsgrafen.nq", "nquads")]:
        parsed = Dataset()
        parsed.parse(data=(dist / name).read_bytes(), format=fmt)
        assert {g.identifier for g in parsed.graphs() if len(g)} == expected
        for graph_name in expected:
            assert isomorphic(parsed.graph(graph_name), loaded.graph(graph_name))


def test_ontology_shapes_and_context(dist: Path) -> None:
    ontology = Graph().parse(data=(dist / "ontology.ttl").read_bytes(), format="turtle")
    assert isomorphic(ontology, load_dataset(DATA).graph(ONTOLOGY_GRAPH))
    shapes = Graph().parse(data=(dist / "shapes.ttl").read_bytes(), format="turtle")
    assert isomorphic(shapes, Graph().parse(SHAPES))
    assert (dist / "context.jsonld").read_bytes() == kg_jsonld.context_file().read_bytes()


def test_two_builds_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    again = build(DATA, tmp_path / "again", shapes=SHAPES)
    assert files_of(again.out) == files_of(dist)
    assert {f.name: f.sha256 for f in again.files} == {
        name: hashlib.sha256(data).hexdigest() for name, data in files_of(dist).items()
    }


def test_builds_under_two_hash_seeds_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    args = ["build", "--data", str(DATA), "--shapes", str(SHAPES)]
    first = kg(*args, "--out", str(tmp_path / "a"), seed="0")
    assert first.returncode == 0, first.stderr
    written = len(files_of(tmp_path / "a"))
    assert f"wrote {written} files to {tmp_path / 'a'}/" in first.stdout
    assert "triples" in first.stdout  # the summary
    second = kg(*args, "--out", str(tmp_path / "b"), "--quiet", seed="12345")
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b") == files_of(dist)


def test_build_replaces_an_earlier_dist(earlier: Path) -> None:
    (earlier / "stale.txt").write_text("from an older build")
    build(DATA, earlier, shapes=SHAPES)
    assert outputs(earlier) == EXPECTED_FILES
    assert sorted(p.name for p in earlier.parent.iterdir()) == ["dist"]


# --------------------------------------------------------------------------------------------
# Failed builds leave the earlier dist/ as it was


def assert_untouched(earlier: Path, before: dict[str, tuple[bytes, int]]) -> None:
    assert state_of(earlier) == before
    assert sorted(p.name for p in earlier.parent.iterdir()) == ["dist"]


def test_syntax_error_exits_2_and_writes_nothing(earlier: Path, tmp_path: Path) -> None:
    before = state_of(earlier)
    data = tmp_path / "broken"
    data.mkdir()
    (data / "broken.trig").write_text("@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b }\n")
    result = kg("build", "--data", str(data), "--shapes", str(SHAPES), "--out", str(earlier))
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(data / "broken.trig") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_untouched(earlier, before)
    with pytest.raises(LoadError):
        build(data, earlier, shapes=SHAPES)
    assert_untouched(earlier, before)


def violating_data(tmp_path: Path) -> Path:
    """The fixture with Øyer's labels removed: it violates the test shape."""
    data = tmp_path / "violating"
    data.mkdir()
    text = (FIXTURES / "data" / "fixture.trig").read_text(encoding="utf-8")
    labels = '        skos:prefLabel "Øyer kommune"@nb , "Øyer municipality"@en ;\n'
    assert labels in text
    (data / "fixture.trig").write_text(text.replace(labels, ""), encoding="utf-8")
    return data


def test_violation_exits_1_with_the_table_and_writes_nothing(earlier: Path, tmp_path: Path) -> None:
    before = state_of(earlier)
    data = violating_data(tmp_path)
    result = kg("build", "--data", str(data), "--shapes", str(SHAPES), "--out", str(earlier))
    assert result.returncode == 1
    assert "A municipality needs a skos:prefLabel." in result.stdout
    assert "sgid:organization/oyer" in result.stdout
    assert "violation" in result.stderr
    assert_untouched(earlier, before)
    with pytest.raises(ValidationFailed) as caught:
        build(data, earlier, shapes=SHAPES)
    report = caught.value.report
    messages = [r.message for r in report.violations]  # type: ignore[attr-defined]
    assert "A municipality needs a skos:prefLabel." in messages
    assert_untouched(earlier, before)


def test_unwritable_output_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder: nothing can be made under it, even by root")
    out = blocker / "dist"
    result = kg("build", "--data", str(DATA), "--shapes", str(SHAPES), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]
    with pytest.raises(OutputError, match="cannot write output folder"):
        build(DATA, out, shapes=SHAPES)
    with pytest.raises(OutputError, match="cannot write output folder"):
        kg_build.write_folder(out, {"a.txt": b"a"})


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.write_text("not a folder")
    with pytest.raises(OutputError, match="not a folder"):
        build(DATA, out, shapes=SHAPES)
    assert out.read_text() == "not a folder"


def test_failure_while_writing_files_leaves_no_trace(
    earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state_of(earlier)
    written: list[Path] = []
    real_write = kg_build._write_file

    def failing_write(path: Path, data: bytes) -> None:
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(kg_build, "_write_file", failing_write)
    with pytest.raises(OutputError, match="No space left on device"):
        build(DATA, earlier, shapes=SHAPES)
    assert_untouched(earlier, before)


def test_failure_during_the_swap_restores_the_earlier_dist(
    earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback swap (two renames, where RENAME_EXCHANGE is unavailable) undoes itself."""
    before = state_of(earlier)
    real_rename = os.rename
    calls: list[tuple[str, str]] = []

    def failing_rename(source: str | Path, target: str | Path) -> None:
        calls.append((str(source), str(target)))
        if len(calls) == 2:  # the new folder into place, after the old one was moved aside
            raise OSError(5, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(kg_build, "exchange", lambda first, second: False)
    monkeypatch.setattr(kg_build.os, "rename", failing_rename)
    with pytest.raises(OutputError, match="Input/output error"):
        build(DATA, earlier, shapes=SHAPES)
    monkeypatch.undo()
    assert_untouched(earlier, before)


def test_failure_of_the_exchange_leaves_the_earlier_dist(
    earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state_of(earlier)

    def failing_exchange(first: Path, second: Path) -> bool:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(kg_build, "exchange", failing_exchange)
    with pytest.raises(OutputError, match="Input/output error"):
        build(DATA, earlier, shapes=SHAPES)
    monkeypatch.undo()
    assert_untouched(earlier, before)


def test_failing_writer_leaves_no_trace(earlier: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = state_of(earlier)

    def broken(_: object) -> bytes:
        raise RuntimeError("writer bug")

    monkeypatch.setattr(kg_build, "WRITERS", [*kg_build.WRITERS, ("broken.txt", broken)])
    with pytest.raises(RuntimeError, match="writer bug"):
        build(DATA, earlier, shapes=SHAPES)
    assert_untouched(earlier, before)
