"""The build swap is atomic, SIGTERM cleans up like SIGINT, and stale folders go (issue #7, 7).

- A reader polling ``out/samarbeidsgrafen.nq`` from another process while builds replace
  ``out`` again and again never finds it missing.
- ``kg build`` sent SIGTERM while it writes its temporary folder removes it and leaves the
  earlier output as it was.
- A build killed with SIGKILL leaves its temporary folder behind; the next build removes it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import kg_executable

from kg.publish import build as kg_build

BENCH = Path(__file__).resolve().parents[2] / "bench" / "synthetic.py"
NQ = "samarbeidsgrafen.nq"

POLLER = """
import os, sys
target, stop, ready = sys.argv[1], sys.argv[2], sys.argv[3]
misses = checks = 0
open(ready, "w").close()
while not os.path.exists(stop):
    checks += 1
    if not os.path.exists(target):
        misses += 1
print(misses, checks)
"""


def state_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry's bytes and mtime."""
    state = {}
    for path in sorted(folder.rglob("*")):
        content = path.read_bytes() if path.is_file() else b"<dir>"
        state[path.relative_to(folder).as_posix()] = (content, path.stat().st_mtime_ns)
    return state


def temporary_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-"))


def test_no_moment_without_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    files = {
        NQ: b"<urn:x:s> <urn:x:p> <urn:x:o> .\n",
        **{f"f{i}.txt": b"x" * 64 for i in range(20)},
    }
    kg_build.write_folder(out, files)
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER, str(out / NQ), str(stop), str(ready)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        while not ready.exists():
            time.sleep(0.01)
        for _ in range(300):
            kg_build.write_folder(out, files)
    finally:
        stop.touch()
        output, _ = poller.communicate(timeout=60)
    misses, checks = map(int, output.split())
    assert checks > 1000  # the reader really ran alongside
    assert misses == 0
    assert temporary_folders(out) == []


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic data folder large enough that writing the output takes a while."""
    folder = tmp_path_factory.mktemp("synthetic")
    subprocess.run(
        [sys.executable, str(BENCH), str(folder), "--regions", "60"], check=True, timeout=120
    )
    return folder


def start_build(data: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(kg_executable()), "build", "--data", str(data), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_staging(process: subprocess.Popen[str], out: Path, timeout: float = 300) -> None:
    """Return as soon as the build's temporary folder exists (it is writing the output)."""
    deadline = time.monotonic() + timeout
    prefix = f".{out.name}-build-{process.pid}-"
    while time.monotonic() < deadline:
        if any(p.name.startswith(prefix) for p in out.parent.iterdir()):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.0005)
    raise AssertionError("the build never started writing")


def earlier_build(out: Path) -> dict[str, tuple[bytes, int]]:
    kg_build.write_folder(out, {NQ: b"<urn:x:s> <urn:x:p> <urn:x:earlier> .\n"})
    return state_of(out)


def test_sigterm_during_a_build_cleans_up_like_sigint(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    before = earlier_build(out)
    process = start_build(synthetic, out)
    wait_for_staging(process, out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr.strip() == "Aborted."
    assert temporary_folders(out) == []
    assert state_of(out) == before


def test_a_later_build_removes_what_a_killed_build_left(synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    earlier_build(out)
    process = start_build(synthetic, out)
    wait_for_staging(process, out)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    stale = temporary_folders(out)
    assert len(stale) == 1 and stale[0].startswith(f".dist-build-{process.pid}-")
    kg_build.write_folder(out, {NQ: b"<urn:x:s> <urn:x:p> <urn:x:later> .\n"})
    assert temporary_folders(out) == []
    assert (out / NQ).read_bytes() == b"<urn:x:s> <urn:x:p> <urn:x:later> .\n"


def test_a_build_in_progress_keeps_its_folder(tmp_path: Path) -> None:
    """Only the folders of dead processes are stale: a running build's folder stays."""
    out = tmp_path / "dist"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = tmp_path / f".dist-build-{sleeper.pid}-0123abcd"
        running.mkdir()
        kg_build.write_folder(out, {NQ: b""})
        assert temporary_folders(out) == [running.name]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert os.path.isdir(running)
