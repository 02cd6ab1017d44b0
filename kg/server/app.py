"""``kg serve``: prepare the dataset, start the processes, serve until a signal, clean up."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType

from kg.errors import KgError
from kg.model import paths
from kg.model.dataset import data_files, ontology_files, vocabulary_files
from kg.publish.build import BASENAME, build
from kg.query.queries import catalogue
from kg.server.backend import Supervisor, WorkerPool, graph_names, load_store
from kg.server.front import Front, ServerConfig, catalogue_bytes


class ServeError(KgError):
    """The server cannot start (its port is taken, say)."""


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived: leave the serving loop and clean up."""


def input_files(data: Path | None) -> list[Path]:
    """Every file the build reads: data, ontology, code lists and shapes."""
    source = paths.DATA_DIR if data is None else data
    files = data_files(source) if source.is_dir() else [source]
    files += ontology_files() + vocabulary_files()
    files += sorted(paths.SHAPES_DIR.glob("*.ttl")) if paths.SHAPES_DIR.is_dir() else []
    return files


def is_stale(dataset: Path, inputs: list[Path]) -> bool:
    """Whether ``dataset`` is missing or older than one of ``inputs``."""
    if not dataset.is_file():
        return True
    built = dataset.stat().st_mtime
    return any(p.stat().st_mtime > built for p in inputs if p.exists())


def dataset_file(
    data: Path | None,
    dist: Path,
    rebuild: bool = False,
    report: Callable[[str], None] = lambda line: None,
) -> Path:
    """``dist/samarbeidsgrafen.nq``, built first when it is missing, stale or ``rebuild``."""
    nquads = dist / f"{BASENAME}.nq"
    if rebuild or is_stale(nquads, input_files(data)):
        report(f"building {dist}/ from {data or paths.DATA_DIR} ...")
        result = build(data, dist)
        report(f"built {len(result.files)} files into {dist}/ ({result.warnings} warnings)")
    else:
        report(f"serving {nquads} (up to date)")
    return nquads


def _open_built_store(nquads: Path, location: Path) -> bool:
    """Put the store ``kg build`` kept when it wrote ``nquads`` (:mod:`kg.model.store`; found by the
    file's checksum, so it holds exactly what the file says) at ``location``, as a RocksDB
    checkpoint (hard links: instant, and safe if the cache is pruned meanwhile); ``False``
    when there is none."""
    import hashlib

    from kg.model import store

    digest = hashlib.sha256()
    with nquads.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    cached = store.find_by_nquads(digest.hexdigest())
    if cached is None:
        return False
    _say(f"opening the built store {cached.path}")
    try:
        cached.open().backup(str(location))
    except OSError as exc:
        _say(f"cannot use the built store ({' '.join(str(exc).split())}); loading instead")
        shutil.rmtree(location, ignore_errors=True)
        return False
    return True


class _StopSignals:
    """SIGTERM and SIGINT: while starting, raise :class:`Stopped` (a build or load stops at
    once); while serving, set :attr:`event`, which ends the supervisor's loop within 0.2 s
    (raising there could leave a lock of the queue it waits on half released)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.serving = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()
        if not self.serving:
            raise Stopped(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {s: signal.signal(s, self) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _say(line: str) -> None:
    print(f"kg serve: {line}", file=sys.stderr, flush=True)


def serve(
    config: ServerConfig,
    data: Path | None = None,
    dist: Path | None = None,
    rebuild: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; then stop the workers and remove the temporary store.

    ``dist`` defaults to ``dist/``; with ``data`` but no ``dist`` the build goes to a temporary
    folder (so ``dist/`` never holds another folder's data). Must run in the main thread.
    """
    _check_isolation(config)
    scratch = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    pools: list[WorkerPool] = []
    stop = _StopSignals()
    front: Front | None = None
    try:
        with stop.installed():
            if dist is None:
                dist = scratch / "dist" if data is not None else Path("dist")
            source = dataset_file(data, dist, rebuild, _say)
            if not _open_built_store(source, scratch / "store"):
                _say(f"loading {source} into {scratch / 'store'}")
                load_store(scratch / "store", [source])
            supervisor = Supervisor()
            workers = WorkerPool(
                scratch / "store",
                config.workers,
                scratch,
                supervisor,
                isolated=config.isolated,
                memory=config.worker_memory,
            )
            pools.append(workers)
            workers.start()
            graphs = frozenset(graph_names(workers, config.timeout))
            try:
                front = Front(config, workers, graphs, _catalogue, dist=dist)
            except OSError as error:
                where = f"{config.host}:{config.port}"
                raise ServeError(f"cannot listen on {where}: {error.strerror or error}") from None
            thread = threading.Thread(
                target=front.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
            )
            thread.start()
            url = replace(config, port=front.server_address[1]).url
            (on_ready or _print_ready)(url)
            stop.serving = True
            if not stop.event.is_set():
                supervisor.run(stop.event)
            _say("stopping")
    except Stopped:
        _say("stopping")
    finally:
        previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            if front is not None:
                front.shutdown()
                front.server_close()
            for pool in pools:
                pool.close()
            shutil.rmtree(scratch, ignore_errors=True)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _check_isolation(config: ServerConfig) -> None:
    """Refuse to start where the workers cannot be cut off the network, unless told to."""
    from kg.query.sandbox import require_isolation, unavailable_reason

    if config.isolated:
        require_isolation("the query workers", "serve")
        return
    reason = unavailable_reason()
    if reason is None:
        return
    _say(
        f"WARNING: serving without network isolation ({reason}): a SERVICE query that the "
        "check misses could make this machine send requests"
    )


def _catalogue() -> bytes:
    return catalogue_bytes(catalogue().values())


def _print_ready(url: str) -> None:
    print(f"Serving samarbeidsgrafen at {url} (SPARQL endpoint: {url}sparql)", flush=True)


__all__ = [
    "ServeError",
    "ServerConfig",
    "dataset_file",
    "input_files",
    "is_stale",
    "serve",
]
