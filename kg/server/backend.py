"""The query workers behind the front: a store loaded once, a pool of isolated worker processes.

Each worker (:mod:`kg.server.worker`) is a Python process that enters a network namespace of
its own before it imports the engine, then opens the Oxigraph store read-only and answers the
queries the front writes into its stdin, on its stdout. It listens on no port and can connect
nowhere: ``SERVICE`` and every other outbound request fail in it with ``ENETUNREACH``, whatever
the front's check let through, and no other local process can send it a query.

Why processes and a deadline kept by the front: Oxigraph's own timeout does not stop a query
(measured with 0.5.13: an aggregate over a cross join kept a core busy for minutes). The front
gives each query to one worker and reads the whole answer within the deadline, polling the
worker's resident memory as it waits. When the deadline passes, the memory passes its bound,
or the answer grows past the size limit, the front kills that worker (SIGKILL, which really
stops the query), answers the client, and the supervisor (the main thread) starts a fresh
worker in its place (about 0.2 s here). Other queries keep running on the other workers.

Every process is started by the main thread (the :class:`Supervisor`) with
``PR_SET_PDEATHSIG`` (Linux), so they die with the front even if it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from kg.errors import KgError

START_TIMEOUT = 30.0
"""Seconds a worker may take to say it is ready."""
MEMORY_POLL = 0.05
"""Seconds between two looks at a busy worker's resident memory."""


class BackendError(KgError):
    """The Oxigraph binary is missing, or a store or worker cannot be set up."""


def oxigraph_binary() -> Path:
    """The ``oxigraph`` CLI (PyPI package ``oxigraph``): next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found is None:
        raise BackendError(
            "the oxigraph server is not installed (pip install 'samarbeidsgrafen[server]')"
        )
    return Path(found)


def load_store(location: Path, files: Sequence[Path]) -> None:
    """Load RDF ``files`` into a new Oxigraph store at ``location``; the default graph then
    holds the union of all graphs, each triple once (what rdflib's union default graph
    answers; Oxigraph's own union option counts a triple once per graph that states it)."""
    import pyoxigraph as ox

    try:
        store = ox.Store(str(location))
        for path in files:
            format = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
            if format is None:
                raise BackendError(f"{path}: no RDF syntax is known for '{path.suffix}'")
            store.bulk_load(path=str(path), format=format)
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        store.flush()
    except (OSError, SyntaxError, ValueError) as exc:
        message = " ".join(str(exc).split())[-400:]
        raise BackendError(f"cannot load {files[0] if files else 'the store'}: {message}") from None
    del store  # closes the database: the workers open it read-only


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when its parent thread ends (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    kill = int(signal.SIGKILL)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, kill, 0, 0, 0)

    return preexec


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL ``process`` and reap it (no zombie)."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM ``process``, SIGKILL it after two seconds; always reaped."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        _kill(process)


@dataclass(frozen=True)
class QueryJob:
    """What a worker is asked: the query, the media type to answer in (``Accept``), the dataset
    parameters (``default-graph-uri``, ``named-graph-uri``) and the largest answer in bytes."""

    query: str
    accept: str
    dataset: Sequence[tuple[str, str]]
    max_bytes: int
    base: str | None = None
    """The IRI relative IRIs of the query resolve against (the endpoint's URL)."""

    def request(self) -> bytes:
        """The job as the worker reads it: one line of JSON."""
        default = [v for k, v in self.dataset if k == "default-graph-uri"]
        named = [v for k, v in self.dataset if k == "named-graph-uri"]
        given = bool(self.dataset)
        line = {
            "query": self.query,
            "accept": self.accept,
            "default": default if given else None,
            "named": named if given else None,
            "max_bytes": self.max_bytes,
            "base": self.base,
        }
        return json.dumps(line).encode("utf-8") + b"\n"


@dataclass
class Answer:
    """A worker's complete answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


class DeadlineExceeded(Exception):
    """The query did not finish in time; the worker that ran it has been killed."""


class ResultTooLarge(Exception):
    """The answer grew past the size limit. ``clean``: the worker stopped serialising and said
    so itself (it stays in service); otherwise it has been killed."""

    def __init__(self, clean: bool = False) -> None:
        self.clean = clean
        super().__init__("result too large")


class WorkerFailed(Exception):
    """The worker died or stopped answering (its process is replaced)."""


class MemoryExceeded(Exception):
    """The worker's resident memory passed its bound; the worker has been killed."""


def resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Pipes:
    """Both ends of a child's stdin and stdout, read and written within a deadline."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.stdin = process.stdin.fileno()
        self.stdout = process.stdout.fileno()
        os.set_blocking(self.stdin, False)
        self.buffer = b""

    def _wait(
        self, descriptor: int, write: bool, deadline: float, watch: Callable[[], None]
    ) -> None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded()
            wanted = ([], [descriptor]) if write else ([descriptor], [])
            ready = select.select(wanted[0], wanted[1], [], min(remaining, MEMORY_POLL))
            if ready[0] or ready[1]:
                return
            watch()

    def write(self, data: bytes, deadline: float, watch: Callable[[], None]) -> None:
        view = memoryview(data)
        while view:
            self._wait(self.stdin, True, deadline, watch)
            try:
                view = view[os.write(self.stdin, view) :]
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise WorkerFailed("the worker stopped") from None

    def _fill(self, deadline: float, watch: Callable[[], None]) -> None:
        self._wait(self.stdout, False, deadline, watch)
        chunk = os.read(self.stdout, 1 << 20)
        if not chunk:
            raise WorkerFailed("the worker stopped")
        self.buffer += chunk

    def line(self, deadline: float, watch: Callable[[], None], limit: int = 1 << 20) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > limit:
                raise WorkerFailed("the worker sent an over-long line")
            self._fill(deadline, watch)
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def exactly(self, size: int, deadline: float, watch: Callable[[], None]) -> bytes:
        while len(self.buffer) < size:
            self._fill(deadline, watch)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


class Worker:
    """One isolated worker process (:mod:`kg.server.worker`) over the store, reached by pipes."""

    def __init__(
        self, location: Path, log: Path, isolated: bool = True, memory: int | None = None
    ) -> None:
        self.location = location
        self.log = log
        self.isolated = isolated
        self.memory = memory
        self.process: subprocess.Popen[bytes] | None = None
        self.pipes: _Pipes | None = None
        self.retiring = False

    def pid(self) -> int | None:
        """The process id, while it runs."""
        return self.process.pid if self.process is not None else None

    def command(self) -> list[str]:
        """The worker's command line."""
        command = [sys.executable, "-m", "kg.server.worker", "--location", str(self.location)]
        return command if self.isolated else [*command, "--open"]

    def start(self) -> None:
        """Start the process and wait (bounded) for its ``ready`` line."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                bufsize=0,
                preexec_fn=_die_with_parent(),  # safe: prctl only, from the main thread
            )
        self.pipes = _Pipes(self.process)
        try:
            ready = json.loads(self.pipes.line(time.monotonic() + START_TIMEOUT, _nothing))
        except (DeadlineExceeded, WorkerFailed, ValueError):
            self.kill()
            tail = self.log.read_text(errors="replace")[-300:] if self.log.exists() else ""
            raise BackendError(f"cannot start a query worker: {' '.join(tail.split())}") from None
        if not ready.get("ready") or bool(ready.get("isolated")) != self.isolated:
            self.kill()
            raise BackendError(f"the query worker started wrongly: {ready}")

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and reap it (no zombie)."""
        process, self.process, self.pipes = self.process, None, None
        _kill(process)

    def stop(self) -> None:
        """Close its input (it exits), SIGKILL it if it lingers; always reaped."""
        process, self.process, self.pipes = self.process, None, None
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        _stop(process)

    def _watch(self) -> None:
        if self.memory is not None and self.process is not None:
            if resident_bytes(self.process.pid) > self.memory:
                raise MemoryExceeded()

    def request(self, job: QueryJob, timeout: float) -> Answer:
        """Send ``job`` and read the whole answer within ``timeout`` seconds.

        Raises :class:`DeadlineExceeded`, :class:`ResultTooLarge` or :class:`MemoryExceeded`
        (the caller must kill the worker: the query may still run), or :class:`WorkerFailed`.
        """
        if self.pipes is None:
            raise WorkerFailed("the worker is not running")
        deadline = time.monotonic() + timeout
        self.pipes.write(job.request(), deadline, self._watch)
        try:
            header = json.loads(self.pipes.line(deadline, self._watch))
            length = int(header["length"])
        except (ValueError, KeyError, TypeError):
            raise WorkerFailed("the worker sent an unreadable answer") from None
        if length > job.max_bytes:
            raise ResultTooLarge()
        if header.get("too_large"):
            self.pipes.exactly(length, deadline, self._watch)  # its one-line message
            raise ResultTooLarge(clean=True)
        body = self.pipes.exactly(length, deadline, self._watch)
        return Answer(int(header["status"]), str(header["content_type"]), body)


def _nothing() -> None:
    pass


class Member(Protocol):
    """A process a :class:`Pool` lends out: it can be (re)started, killed and stopped."""

    retiring: bool
    """Set when the member should be replaced after its current job (not killed mid-job)."""

    def start(self) -> None: ...

    def kill(self) -> None: ...

    def stop(self) -> None: ...

    def pid(self) -> int | None: ...


M = TypeVar("M", bound=Member)
R = TypeVar("R")


class Supervisor:
    """Restarts the members that pools have killed, from the thread that runs :meth:`run`.

    That thread is the main thread, so every process is a child of a thread that lives as long
    as the front (``PR_SET_PDEATHSIG`` fires when the parent *thread* ends).
    """

    def __init__(self) -> None:
        self.broken: queue.Queue[tuple[Pool[Any], Member]] = queue.Queue()
        self.restarts = 0

    def run(self, stopping: threading.Event, interval: float = 0.2) -> None:
        """Until ``stopping`` is set: start a replacement for each killed member."""
        while not stopping.is_set():
            try:
                pool, member = self.broken.get(timeout=interval)
            except queue.Empty:
                continue
            if stopping.is_set():
                break
            try:
                member.start()
            except BackendError as exc:
                print(f"kg serve: {exc}; retrying", file=sys.stderr, flush=True)
                self.broken.put((pool, member))
                stopping.wait(1.0)
                continue
            self.restarts += 1
            pool.restarted(member)


class Pool(Generic[M]):
    """Processes of one kind; each job gets a member of its own for its whole run."""

    def __init__(self, members: Sequence[M], supervisor: Supervisor) -> None:
        self.members = list(members)
        self.supervisor = supervisor
        self._idle: queue.Queue[M] = queue.Queue()

    def start(self) -> None:
        """Start every member (from the main thread)."""
        for member in self.members:
            member.start()
            self._idle.put(member)

    def use(self, timeout: float, job: Callable[[M, float], R]) -> R:
        """``job(member, seconds left)`` on an idle member, all within ``timeout`` seconds.

        Raises :class:`DeadlineExceeded` when no member is free in time or the job runs too
        long, :class:`ResultTooLarge`, :class:`MemoryExceeded` or :class:`WorkerFailed`; in
        each case but the first the member is killed and replaced.
        """
        deadline = time.monotonic() + timeout
        try:
            member = self._idle.get(timeout=max(timeout, 0.001))
        except queue.Empty:
            raise DeadlineExceeded() from None
        try:
            result = job(member, max(deadline - time.monotonic(), 0.001))
        except ResultTooLarge as exc:
            if exc.clean:  # the worker stopped by itself and is ready for the next query
                self._idle.put(member)
            else:
                self._replace(member)
            raise
        except (DeadlineExceeded, WorkerFailed, MemoryExceeded):
            self._replace(member)
            raise
        except (OSError, ValueError) as exc:
            self._replace(member)
            raise WorkerFailed(str(exc) or type(exc).__name__) from None
        except BaseException:
            self._replace(member)
            raise
        if member.retiring:
            self._replace(member)
        else:
            self._idle.put(member)
        return result

    def _replace(self, member: M) -> None:
        member.kill()
        self.supervisor.broken.put((self, member))

    def restarted(self, member: M) -> None:
        """A replacement is running: lend it out again."""
        self._idle.put(member)

    def close(self) -> None:
        """Stop and reap every member."""
        for member in self.members:
            member.stop()

    def pids(self) -> list[int]:
        """Process ids of the running members."""
        return [pid for m in self.members if (pid := m.pid()) is not None]


class WorkerPool(Pool[Worker]):
    """The Oxigraph workers over one store."""

    def __init__(
        self,
        location: Path,
        size: int,
        logs: Path,
        supervisor: Supervisor,
        isolated: bool = True,
        memory: int | None = None,
    ) -> None:
        workers = [
            Worker(location, logs / f"worker-{i}.log", isolated, memory) for i in range(size)
        ]
        super().__init__(workers, supervisor)

    def query(self, job: QueryJob, timeout: float) -> Answer:
        """Run ``job`` on a worker within ``timeout`` seconds (waiting for one counts)."""
        return self.use(timeout, lambda worker, left: worker.request(job, left))


def graph_names(pool: WorkerPool, timeout: float) -> list[str]:
    """IRIs of the named graphs in the store."""
    job = QueryJob(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
        "application/sparql-results+json",
        [],
        64 * 1024 * 1024,
    )
    answer = pool.query(job, max(timeout, 10.0))
    if answer.status != 200:
        raise BackendError(f"cannot list the graphs: HTTP {answer.status}")
    bindings = json.loads(answer.body)["results"]["bindings"]
    return sorted(b["g"]["value"] for b in bindings if b.get("g", {}).get("type") == "uri")


__all__ = [
    "Answer",
    "BackendError",
    "MemoryExceeded",
    "Pool",
    "QueryJob",
    "Supervisor",
    "DeadlineExceeded",
    "ResultTooLarge",
    "Worker",
    "WorkerFailed",
    "WorkerPool",
    "free_port",
    "graph_names",
    "load_store",
    "oxigraph_binary",
    "resident_bytes",
]
