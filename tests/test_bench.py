"""The benchmark harness (``bench/run.py``, ``bench/baseline.py``, ``bench/synthetic.py``): the
structure of what it writes, never its timings (timed asserts are flaky on a shared machine).

One end-to-end run on two synthetic regions (one run each, one named query) checks the
report and the raw figures; the report of a hand-made results document checks the stage
rows and the ratios exactly, with a ``kg build --timings`` that this ``kg`` may not have yet.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import kg_executable

BENCH = Path(__file__).resolve().parents[1] / "bench"
ID = "https://w3id.org/samarbeidsgrafen/id/"
BASELINE_STAGES = ["load", "union", "validate", "export:turtle", "export:jsonld"]
OTHER = "other (start-up, imports, exit)"
TARGETS = [
    "`kg build` ≤ 40 s wall",
    "≥ 10× faster than the plain pipeline (wall)",
    "peak RSS ≤ 2 GB",
    "named queries ≤ 100 ms in-process (analytics ≤ 3 s)",
    "`kg query NAME` ≤ 0.5 s (whole process)",
    "`kg query --list` ≤ 0.3 s",
    "`kg --help` ≤ 0.2 s",
    "incremental rebuild ≤ 5 s",
]


def load(name: str) -> ModuleType:
    """A bench script as a module (``bench/`` is no package; its names stay out of the way)."""
    sys.path.insert(0, str(BENCH))  # run.py imports synthetic
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def table(text: str, header: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose header row starts with ``header``: first cell →
    the other cells."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("name", ["run", "baseline", "synthetic"])
def test_the_bench_doctests_pass(name: str) -> None:
    failed, attempted = doctest.testmod(load(name), optionflags=doctest.ELLIPSIS)
    assert (failed, attempted > 0) == (0, True)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``bench/run.py --sizes r2 --runs 1`` into a temporary folder (data kept): the folder
    of REPORT.md and results.json, and the work folder."""
    kg_executable()  # the harness runs the installed kg
    root = tmp_path_factory.mktemp("bench")
    out, work = root / "out", root / "work"
    env = {
        k: v for k, v in os.environ.items() if k not in ("SAMARBEIDSGRAFEN_ROOT", "KG_CACHE_DIR")
    }
    argv = [sys.executable, str(BENCH / "run.py"), "--sizes", "r2", "--runs", "1"]
    argv += ["--cli-runs", "1", "--queries", "region-members", "--out", str(out)]
    argv += ["--work", str(work), "--keep"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "r2: kg build cold 1/1: " in done.stderr
    return out, work


def test_the_harness_writes_every_row(harness: tuple[Path, Path]) -> None:
    out, _ = harness
    results = json.loads((out / "results.json").read_text("utf-8"))
    text = (out / "REPORT.md").read_text("utf-8")
    (size,) = results["sizes"]
    assert (size["label"], size["regions"], size["files"]) == ("r2", 3, 3)
    assert (
        size["triples"]
        == 3 * results["calibration"]["per_region"] + 3 * (results["calibration"]["per_file"])
    )
    for side in ("kg_cold", "baseline", "kg_incremental"):
        assert [(r["rc"], r["timed_out"]) for r in size[side]] == [(0, False)]
    assert [s["name"] for s in size["baseline"][0]["timings"]["stages"]] == BASELINE_STAGES
    kg_timings = size["kg_cold"][0]["timings"]
    kg_stages = [s["name"] for s in kg_timings["stages"]] if kg_timings else []
    assert (kg_timings is not None) == results["kg_build_timings"]

    rows = table(text, "stage")
    expected = [*kg_stages, *(s for s in BASELINE_STAGES if s not in kg_stages)]
    assert list(rows) == [*expected, OTHER, "**whole process**"]
    kg_wall = size["kg_cold"][0]["wall"]
    base_wall = size["baseline"][0]["wall"]
    assert rows["**whole process**"][4] == f"{base_wall / kg_wall:.1f}×"
    assert f"Baseline/kg, whole process: wall **{base_wall / kg_wall:.1f}×**" in text
    for stage in BASELINE_STAGES:
        assert rows[stage][2] != "n/a"  # the baseline timed every stage
    assert "pySHACL in the baseline: conforms False, " in text

    queries = table(text, "query")
    assert list(queries) == ["region-members"]
    assert queries["region-members"][0] == "select"
    assert list(table(text, "command")) == ["`kg query --list`", "`kg --help`"]
    targets = table(text, "target")
    assert list(targets) == TARGETS
    assert targets[TARGETS[0]][1] in ("yes (at r2, not 1M)", "no (at r2, not 1M)")
    assert targets[TARGETS[6]][1] in ("yes", "no")  # --help does not depend on the size


def test_the_harness_data_is_one_graph_per_file(harness: tuple[Path, Path]) -> None:
    out, work = harness
    (size,) = json.loads((out / "results.json").read_text("utf-8"))["sizes"]
    data = Path(size["data"])
    assert data.parent.parent.parent == work  # work/kg-bench-…/r2/data, kept
    names = ["small-source", "synthetic-01", "synthetic-02"]
    assert sorted(p.name for p in data.iterdir()) == [f"{n}.trig" for n in names]
    small = (data / "small-source.trig").read_text("utf-8")
    assert '"Syntetisk region 2 (endra 1)"@nb' in small  # the incremental run's change
    for name in names:  # each file one graph of its own, derived from a source of its own
        text = (data / f"{name}.trig").read_text("utf-8")
        assert re.findall(r"^<\S+> \{$", text, re.M) == [f"<{ID}graph/bench-{name}> {{"]
        assert f"prov:wasDerivedFrom <{ID}source/bench-{name}> ;" in text


def run_document(
    wall: float, cpu: float, rss: int, stages: list[tuple[str, float]] | None
) -> dict[str, Any]:
    """One run as results.json holds it; ``stages`` (name, wall) with CPU = wall / 2."""
    timings = None
    if stages is not None:
        timings = {
            "stages": [{"name": n, "wall": w, "cpu": w / 2} for n, w in stages],
            "wall": sum(w for _, w in stages),
            "cpu": sum(w / 2 for _, w in stages),
            "triples": 1000,
        }
    return {
        "argv": [],
        "rc": 0,
        "timed_out": False,
        "wall": wall,
        "cpu": cpu,
        "maxrss_bytes": rss,
        "stdout_bytes": 10,
        "stderr_tail": "",
        "timings": timings,
    }


def test_the_report_of_a_results_document(tmp_path: Path) -> None:
    run = load("run")
    kg_stages = [("load", 1.0), ("validate", 2.0), ("export:trig", 0.5)]
    base_stages = [("load", 3.0), ("validate", 30.0), ("export:turtle", 4.0)]
    failed = run_document(9.0, 9.0, 10**9, None) | {"rc": 2, "stderr_tail": "kg: error: no"}
    size = {
        "label": "1m",
        "regions": 4098,
        "files": 21,
        "triples": 1_000_000,
        "data_bytes": 60 * 10**6,
        "kg_cold": [
            run_document(4.0, 5.0, 1_500 * 10**6, kg_stages),
            run_document(5.0, 6.0, 1_200 * 10**6, kg_stages),
            failed,
        ],
        "baseline": [
            run_document(40.0, 40.0, 3 * 10**9, base_stages),
            run_document(50.0, 48.0, 3 * 10**9, base_stages),
        ],
        "kg_incremental": [run_document(2.0, 2.0, 900 * 10**6, kg_stages)],
    }
    query = {"name": "q", "kind": "select", "analytics": False, "format": "csv"}
    heavy = {"name": "h", "kind": "select", "analytics": True, "format": "csv"}
    results: dict[str, Any] = {
        "command": "python bench/run.py",
        "started": "then",
        "finished": "now",
        "machine": {
            "cores": 2,
            "usable_cores": 2,
            "cpu": "CPU",
            "memory_bytes": 2**30,
            "system": "Linux",
            "python": "3.11",
            "libraries": {"rdflib": "7"},
            "load_average": [1.0, 1.0, 1.0],
            "commit": "abc",
        },
        "load_average_end": [1.0, 1.0, 1.0],
        "runs": 3,
        "baseline_runs": 2,
        "cli_runs": 5,
        "kg_build_timings": True,
        "sizes": [size],
        "queries": {
            "size": "1m",
            "named": [
                query | {"runs": [run_document(0.4, 0.3, 10**8, None)]},
                heavy | {"runs": [run_document(2.0, 1.9, 10**8, None)]},
            ],
            "list": [run_document(0.2, 0.2, 10**8, None)],
            "help": [run_document(0.25, 0.2, 10**8, None)],
            "in_process": {
                "q": {"median": 0.05, "min": 0.04, "max": 0.06},
                "h": {"median": 1.5, "min": 1.4, "max": 1.6},
            },
            "in_process_note": "bench/queries.py time_queries, 3 runs each",
        },
    }
    text = run.report(results)
    out = tmp_path / "out"
    (tmp_path / "results.json").write_text(json.dumps(results), "utf-8")
    assert run.main(["--render", str(tmp_path / "results.json"), "--out", str(out)]) == 0
    assert (out / "REPORT.md").read_text("utf-8") == text
    stages = table(text, "stage")
    assert stages == {
        "load": ["1.00", "0.50", "3.00", "1.50", "3.0×"],
        "validate": ["2.00", "1.00", "30.0", "15.0", "15.0×"],
        "export:trig": ["0.50", "0.25", "n/a", "n/a", "n/a"],
        "export:turtle": ["n/a", "n/a", "4.00", "2.00", "n/a"],
        OTHER: ["1.00 (0.50–1.50)", "3.75", "8.00 (3.00–13.0)", "25.5", "8.0×"],
        "**whole process**": ["4.50 (4.00–5.00)", "5.50", "45.0 (40.0–50.0)", "44.0", "10.0×"],
    }
    assert list(stages) == ["load", "validate", "export:trig", "export:turtle", OTHER] + [
        "**whole process**"
    ]
    assert "Median (min–max) of 3 runs (the baseline: 2 runs), kg and baseline" in text
    assert "Baseline/kg, whole process: wall **10.0×**, CPU **8.0×**." in text
    assert "Peak RSS: kg 1,500 MB, baseline 3,000 MB." in text
    assert "- kg build cold run 3 failed (exit 2): `kg: error: no`" in text
    assert table(text, "query") == {
        "q": ["select", "50 ms", "0.40", "0.30", "100 MB", "10 bytes"],
        "h (analytics)": ["select", "1,500 ms", "2.00", "1.90", "100 MB", "10 bytes"],
    }
    assert table(text, "target") == {
        TARGETS[0]: ["4.50 s at 1m", "yes"],
        TARGETS[1]: ["10.0× (CPU 8.0×) at 1m", "yes"],
        TARGETS[2]: ["1,500 MB at 1m (kg builds)", "yes"],
        TARGETS[3]: ["slowest 50 ms (q); analytics 1,500 ms (h) at 1m", "yes"],
        TARGETS[4]: [
            "slowest median 0.40 s (q; analytics queries not counted) at 1m",
            "yes",
        ],
        TARGETS[5]: ["0.20 s (median)", "yes"],
        TARGETS[6]: ["0.25 s (median)", "no"],
        TARGETS[7]: ["2.00 s at 1m", "yes"],
    }


def test_a_bad_size_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "10x", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines()[-1] == (
        "bench/run.py: error: argument --sizes: '10x' is not a size (use 10k, 100k, 1m, a number"
        " of triples, or rN for N regions)"
    )
    assert list(tmp_path.iterdir()) == []
