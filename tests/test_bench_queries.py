"""``bench/queries.py``: the store it times is the oxigraph engine's, and so are the answers.

No time is asserted (timed asserts are flaky on a shared machine): only that every query is
timed as often as asked and returns what the engine returns.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kg.model import paths
from kg.model.dataset import load_dataset
from kg.query import queries
from kg.query.engines import Limits, OxigraphEngine, run

BENCH = Path(__file__).parent.parent / "bench" / "queries.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_queries", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_queries"] = module
    spec.loader.exec_module(module)
    return module


def test_time_queries_times_each_query_as_often_as_asked(bench: ModuleType) -> None:
    store = bench.load_store(paths.DATA_DIR)
    chosen = [queries.get("is-member"), queries.get("member-count")]
    times = bench.time_queries(store, chosen, 2)
    assert sorted(times) == ["is-member", "member-count"]
    assert all(len(runs) == 2 and all(t >= 0 for t in runs) for runs in times.values())


def test_the_benchmark_store_answers_as_the_oxigraph_engine(bench: ModuleType) -> None:
    store = bench.load_store(paths.DATA_DIR)
    engine = OxigraphEngine(load_dataset(), Limits(isolated=False))
    catalogue = queries.catalogue()
    now, before = bench.measure(store, catalogue.values(), 1)
    assert before == {}
    for name, query in catalogue.items():
        result = run(query, engine)
        expected = 1 if result.kind == "ask" else len(result.rows)
        assert now[name].rows == expected, name
