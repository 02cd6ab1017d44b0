"""Local queries are bounded like remote ones: a deadline, a row cap, a memory bound, a size and
a nesting bound, on every engine; and the endpoint's workers have a memory bound of their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serving
from support import run_kg

from kg.errors import QueryLimitError
from kg.model.dataset import load_dataset
from kg.query.engines import Limits, OxigraphEngine, RdflibEngine
from kg.query.querytext import MAX_QUERY_CHARS

ENGINES = ["rdflib", "oxigraph"]
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
"""Hours of work on the project's graph: 1729³ rows to count."""
SORTED_CROSS_JOIN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
"""Three million rows held in memory to be sorted."""


def _query_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_deadline_stops_a_local_query(engine: str, tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_kg("query", _query_file(tmp_path, CROSS_JOIN), "--engine", engine, "--timeout", "2")
    elapsed = time.monotonic() - started
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: the query stopped: it did not finish within 2 s "
        "(raise --timeout, or narrow it)\n"
    )
    assert elapsed < 2 + 20, f"answered after {elapsed:.1f} s"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_row_cap_is_an_error_never_a_cut(engine: str, tmp_path: Path) -> None:
    text = "SELECT * WHERE { ?s ?p ?o }"
    done = run_kg("query", _query_file(tmp_path, text), "--engine", engine, "--max-rows", "5")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "kg: error: the query returned more than 5 rows (add a LIMIT, or raise --max-rows)\n"
    )
    limited = run_kg("query", _query_file(tmp_path, text + " LIMIT 5"), "--engine", engine,
                     "--max-rows", "5", "--format", "csv")  # fmt: skip
    assert (limited.returncode, len(limited.stdout.splitlines())) == (0, 6)


@pytest.mark.parametrize("engine", ENGINES)
def test_forty_nested_groups_are_answered(engine: str, tmp_path: Path) -> None:
    """rdflib recursed past Python's limit on these; it now parses and evaluates them."""
    inner = "?m a <https://w3id.org/samarbeidsgrafen/ontology#Municipality>"
    text = "SELECT (COUNT(?m) AS ?n) WHERE " + "{ " * 40 + inner + " }" * 40
    done = run_kg("query", _query_file(tmp_path, text), "--engine", engine, "--format", "csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == "n"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_hundred_triple_patterns_are_answered(engine: str, tmp_path: Path) -> None:
    patterns = " ".join(f"?s <urn:x:p{i}> ?o{i} ." for i in range(100))
    done = run_kg("query", _query_file(tmp_path, f"ASK {{ {patterns} }}"), "--engine", engine)
    assert (done.returncode, done.stdout, done.stderr) == (0, "false\n", "")


@pytest.mark.parametrize("engine", ENGINES)
def test_nesting_past_the_bound_is_one_line(engine: str, tmp_path: Path) -> None:
    text = "ASK " + "{ " * 100 + "}" * 100
    path = _query_file(tmp_path, text)
    done = run_kg("query", path, "--engine", engine)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: {path}: 1:133: the query nests more than 64 levels deep\n"


def test_a_query_text_past_the_size_bound_is_one_line(tmp_path: Path) -> None:
    text = "ASK { }" + " " * MAX_QUERY_CHARS
    path = _query_file(tmp_path, text)
    done = run_kg("query", path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"kg: error: {path}: the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} "
        "are taken\n"
    )


@pytest.fixture(scope="module")
def project() -> object:
    return load_dataset(None)


@pytest.mark.parametrize("engine", [RdflibEngine, OxigraphEngine], ids=ENGINES)
def test_the_memory_bound_stops_a_local_query(engine: type, project: object) -> None:
    chosen = engine(project, Limits(memory=128 * 1024 * 1024, max_rows=10**9))
    with pytest.raises(QueryLimitError) as caught:
        chosen.query(SORTED_CROSS_JOIN)
    assert str(caught.value) == (
        "query stopped: it needed more than 128 MiB of memory (add a LIMIT, or narrow it)"
    )
    assert len(chosen.query("SELECT * WHERE { ?s ?p ?o } LIMIT 3").rows) == 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    dist = serving.project_dist(tmp_path_factory.mktemp("dist"))
    args = ["--dist", str(dist), "--timeout", "60", "--worker-memory-mb", "256"]
    running = serving.start(args, tmp_path_factory.mktemp("run"))
    try:
        yield running
    finally:
        running.stop()


def test_the_endpoint_stops_a_worker_past_its_memory_bound(server: serving.Server) -> None:
    before = set(server.workers())
    started = time.monotonic()
    answer = server.request(
        "POST", "/sparql", SORTED_CROSS_JOIN.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert (answer.status, answer.text) == (
        503,
        "query stopped: it needed more than 256 MiB of memory\n",
    )
    assert time.monotonic() - started < 60, "the deadline, not the memory bound, stopped it"
    gone = before - set(server.workers())
    assert gone and not any(serving.exists(pid) for pid in gone)
    deadline = time.monotonic() + 20
    ask = "/sparql?query=ASK%20%7B%7D"
    while time.monotonic() < deadline and server.request("GET", ask).status != 200:
        time.sleep(0.1)
    answer = server.request("GET", ask)
    assert (answer.status, json.loads(answer.body)) == (200, {"head": {}, "boolean": True})


def test_the_engine_child_dies_with_kg_query(tmp_path: Path) -> None:
    """SIGTERM to `kg query` alone (not its process group): the sandboxed child goes too."""
    import os
    import signal
    import subprocess

    process = subprocess.Popen(
        [str(serving.kg_executable()), "query", _query_file(tmp_path, CROSS_JOIN),
         "--engine", "oxigraph", "--timeout", "120"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    children: dict[int, str] = {}
    while time.monotonic() < deadline and not children:
        children = serving.children(process.pid)
        time.sleep(0.1)
    assert children, "kg query started no child"
    os.kill(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(serving.exists(p) for p in children):
        time.sleep(0.05)
    assert not any(serving.exists(pid) for pid in children), "the child outlived kg query"
