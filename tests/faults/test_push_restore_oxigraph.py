"""On a real Oxigraph server: a push backs up what it replaces, and ``--restore`` gives the
store back exactly the graphs it had (a graph the push created is deleted again)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from _endpoints import oxigraph_server
from rdflib import Graph
from rdflib.compare import isomorphic
from support import run_kg

from kg.model import paths
from kg.query.remote import RemoteEngine


def _state(base: str) -> dict[str, Graph]:
    """Every named graph of the store, read back by the Graph Store Protocol."""
    listed = RemoteEngine(f"{base}/query").query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    graphs = {}
    for (iri,) in listed.rows:
        address = f"{base}/store?graph={urllib.request.quote(str(iri), safe='')}"
        request = urllib.request.Request(address, headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            graphs[str(iri)] = Graph().parse(data=answer.read(), format="nt")
    return graphs


def test_restore_gives_back_the_state_before_the_push(tmp_path: Path) -> None:
    older = paths.DATA_DIR / "oyer-regionalt-samarbeid-2010.trig"
    with oxigraph_server(tmp_path / "store") as base:
        url = f"{base}/query"
        first = run_kg("push", url, "--data", str(older), "--no-backup", cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        before = _state(base)
        second = run_kg("push", url, "--backup", "saved", cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines()[-1] == (
            f"the previous contents are saved in saved (to undo: kg push {url} --restore saved)"
        )
        after = _state(base)
        assert set(after) > set(before)  # the full data adds a graph
        restored = run_kg("push", url, "--restore", "saved", cwd=tmp_path)
        assert restored.returncode == 0, restored.stderr
        final = _state(base)
    assert set(final) == set(before)
    assert all(isomorphic(final[iri], before[iri]) for iri in before)
