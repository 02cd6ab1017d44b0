"""``kg push`` that fails halfway says which graphs were replaced and which were not, and the
commands it prints finish the push or roll it back; the roll back gives the store exactly the
state it had before. Every server here is a recording Graph Store on 127.0.0.1."""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from _endpoints import fake_endpoint, free_port
from _gsp import GraphStore
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from support import run_kg

from kg.model.dataset import load_dataset
from kg.publish.push import named_graphs

PASSWORD_VARIABLE = "KG_TEST_HALFWAY_PASSWORD"
PASSWORD = "hemmelig-passord-7"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


def _graph(lines: frozenset[bytes] | bytes) -> Graph:
    data = lines if isinstance(lines, bytes) else b"\n".join(sorted(lines))
    return Graph().parse(data=data, format="nt")


def _before(dataset: Dataset) -> dict[str, set[bytes]]:
    """A store that holds older contents of the first and last graph, and an unrelated one."""
    iris = [str(g.iri) for g in named_graphs(dataset)]
    return {
        iris[0]: {b'<urn:old:a> <urn:old:p> "first, as it was" .'},
        iris[-1]: {b"<urn:old:b> <urn:old:p> <urn:old:c> .", b'<urn:old:b> <urn:old:q> "2" .'},
        "urn:other:graph": {b"<urn:x> <urn:y> <urn:z> ."},
    }


def _run_printed(
    command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command line that kg printed (``kg push ...``) with this venv's kg."""
    words = shlex.split(command)
    assert words[:2] == ["kg", "push"], command
    return run_kg(*words[1:], cwd=cwd, env=env)


def _hint(stderr: str, label: str) -> str:
    (line,) = [line for line in stderr.splitlines() if line.startswith(f"  {label}: ")]
    return line[len(f"  {label}: ") :]


def test_a_push_failing_on_the_third_graph_reports_and_rolls_back(
    dataset: Dataset, tmp_path: Path
) -> None:
    iris = [str(g.iri) for g in named_graphs(dataset)]
    assert len(iris) >= 4
    store = GraphStore(_before(dataset), fail_put=3)
    before = store.snapshot()
    with fake_endpoint(store) as endpoint:
        url = f"{endpoint.url}/query"
        done = run_kg("push", url, cwd=tmp_path)
        (folder,) = [p.name for p in tmp_path.glob("kg-push-backup-*")]
        failed = f"{endpoint.url}/store?graph={urllib.parse.quote(iris[2], safe='')}"
        rest = " ".join(f"<{iri}>" for iri in iris[3:])
        only = " ".join(f"--only {iri}" for iri in iris[2:])
        assert done.returncode == 2
        assert done.stderr.splitlines() == [
            f"kg: error: {failed}: HTTP 500 PUT <{iris[2]}>: Internal Server Error: disk full",
            f"  replaced (2 of {len(iris)}): <{iris[0]}> <{iris[1]}>",
            f"  failed (its state on the store is not known): <{iris[2]}>",
            f"  not sent ({len(iris) - 3}): {rest}",
            f"  the previous contents of all {len(iris)} graphs are in {folder}",
            f"  to roll back: kg push {url} --restore {folder}",
            f"  to finish: kg push {url} {only}",
        ]
        assert store.snapshot() != before  # two graphs were replaced
        rolled = _run_printed(_hint(done.stderr, "to roll back"), tmp_path)
        assert rolled.returncode == 0, rolled.stderr
        assert store.snapshot() == before  # exactly as it was, absent graphs absent again


def test_the_printed_finish_command_completes_the_push(dataset: Dataset, tmp_path: Path) -> None:
    store = GraphStore(_before(dataset), fail_put=3)
    with fake_endpoint(store) as endpoint:
        done = run_kg("push", f"{endpoint.url}/query", cwd=tmp_path)
        assert done.returncode == 2
        finished = _run_printed(_hint(done.stderr, "to finish"), tmp_path)
        assert finished.returncode == 0, finished.stderr
        state = store.snapshot()
    for graph in named_graphs(dataset):  # blank nodes are labelled afresh: compare as graphs
        assert isomorphic(_graph(state[str(graph.iri)]), _graph(graph.ntriples()))
    assert state["urn:other:graph"] == frozenset({b"<urn:x> <urn:y> <urn:z> ."})


def test_a_timeout_halfway_is_reported_the_same_way(dataset: Dataset, tmp_path: Path) -> None:
    iris = [str(g.iri) for g in named_graphs(dataset)]
    store = GraphStore(_before(dataset), fail_put=3, stall=4)
    before = store.snapshot()
    with fake_endpoint(store) as endpoint:
        url = f"{endpoint.url}/query"
        done = run_kg("push", url, "--timeout", "1", cwd=tmp_path)
        failed = f"{endpoint.url}/store?graph={urllib.parse.quote(iris[2], safe='')}"
        lines = done.stderr.splitlines()
        assert done.returncode == 2
        assert lines[0] == f"kg: error: {failed}: PUT <{iris[2]}>: no answer within 1 s (timed out)"
        assert lines[1] == f"  replaced (2 of {len(iris)}): <{iris[0]}> <{iris[1]}>"
        roll_back = _hint(done.stderr, "to roll back")
        assert roll_back.startswith(f"kg push {url} --timeout 1 --restore kg-push-backup-")
        rolled = _run_printed(roll_back, tmp_path)
        assert rolled.returncode == 0, rolled.stderr
        assert store.snapshot() == before


def test_credentials_stay_out_of_messages_files_and_printed_commands(
    dataset: Dataset, tmp_path: Path
) -> None:
    store = GraphStore(_before(dataset), fail_put=3)
    env = {PASSWORD_VARIABLE: PASSWORD}
    with fake_endpoint(store) as endpoint:
        url = f"{endpoint.url}/query"
        done = run_kg(
            "push", url, "--user", "kg", "--password-env", PASSWORD_VARIABLE, cwd=tmp_path, env=env
        )
        assert done.returncode == 2
        roll_back = _hint(done.stderr, "to roll back")
        assert roll_back.startswith(f"kg push {url} --user kg --password-env {PASSWORD_VARIABLE} ")
        rolled = _run_printed(roll_back, tmp_path, env=env)
    assert rolled.returncode == 0, rolled.stderr
    assert PASSWORD not in done.stderr + done.stdout + rolled.stderr + rolled.stdout
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not any(PASSWORD.encode() in p.read_bytes() for p in written)
    assert not any(b"kg:" + PASSWORD.encode() in p.read_bytes() for p in written)


def test_a_restore_goes_only_to_the_store_it_was_taken_from(
    dataset: Dataset, tmp_path: Path
) -> None:
    with fake_endpoint(GraphStore(fail_put=3)) as first:
        done = run_kg("push", f"{first.url}/query", cwd=tmp_path)
        assert done.returncode == 2
    (folder,) = [p.name for p in tmp_path.glob("kg-push-backup-*")]
    other = GraphStore()
    with fake_endpoint(other) as second:
        wrong = run_kg("push", f"{second.url}/query", "--restore", folder, cwd=tmp_path)
        requests = list(second.requests)
    assert (wrong.returncode, wrong.stderr) == (
        2,
        f"kg: error: {folder}: the backup was taken from {first.url}/store, not "
        f"{second.url}/store (give --graph-store {first.url}/store)\n",
    )
    assert requests == []


def test_a_backup_naming_a_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    folder.mkdir()
    (tmp_path / "secret.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    manifest = {
        "format": 1,
        "store": "http://127.0.0.1:9/store",
        "query": "http://127.0.0.1:9/query",
        "graphs": [{"graph": "urn:g", "file": "../secret.nt", "triples": 1}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    done = run_kg("push", "http://127.0.0.1:9/query", "--restore", str(folder))
    assert (done.returncode, done.stderr) == (
        2,
        f"kg: error: {folder}/manifest.json: not a usable backup manifest "
        "(file '../secret.nt' is not a backup file name)\n",
    )


def test_a_graph_too_large_to_back_up_stops_before_anything_is_replaced(
    dataset: Dataset, tmp_path: Path
) -> None:
    iris = [str(g.iri) for g in named_graphs(dataset)]
    big = {iris[1]: {f'<urn:s:{n}> <urn:p> "{"x" * 100}" .'.encode() for n in range(12000)}}
    store = GraphStore(big)
    before = store.snapshot()
    with fake_endpoint(store) as endpoint:
        done = run_kg("push", f"{endpoint.url}/query", "--max-result-mb", "1", cwd=tmp_path)
        methods = [r.method for r in endpoint.requests]
    graph = f"{endpoint.url}/store?graph={urllib.parse.quote(iris[1], safe='')}"
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"kg: error: {graph}: HTTP 200 GET <{iris[1]}> (backup; nothing replaced yet): the answer "
        f"is {sum(len(line) + 1 for line in big[iris[1]])} bytes, over the limit of 1 MiB "
        "(not read; raise the limit with --max-result-mb)"
    ]
    assert "PUT" not in methods and store.snapshot() == before


def test_a_failed_backup_leaves_no_folder_behind(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    done = run_kg("push", url, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.endswith(
        "(backup; nothing replaced yet): connection refused (is the endpoint running?)\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "urn:no:such"], "kg: error: --only <urn:no:such>: the data has no such graph"),
        (
            ["--restore", ".", "--only", "urn:x"],
            "kg: error: --only and --restore exclude each other (see kg push --help)",
        ),
        (
            ["--backup", "b", "--no-backup"],
            "kg: error: --backup and --no-backup exclude each other (see kg push --help)",
        ),
    ],
)
def test_bad_push_options_are_refused(args: list[str], message: str, tmp_path: Path) -> None:
    with fake_endpoint(GraphStore()) as endpoint:
        done = run_kg("push", f"{endpoint.url}/query", *args, cwd=tmp_path)
        methods = [r.method for r in endpoint.requests]
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == message
    assert "PUT" not in methods
