"""The Oxigraph servers behind the front: a store loaded once, a pool of read-only workers.

Why a pool of processes and a deadline kept by the front: Oxigraph 0.5.13's own
``--timeout-s`` does not stop a query. Measured on this dataset: an aggregate over a cross
join (``SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }``) with
``--timeout-s 1`` kept a core busy for minutes and never answered, and a streaming SELECT was
cut off after one second with status 200 and a truncated body. So the front never passes
``--timeout-s``: it gives each query to one worker (an ``oxigraph serve-read-only`` process on
the same store, bound to 127.0.0.1 on a free port) and reads the whole answer within the
deadline. When the deadline passes, or the answer grows past the size limit, the front kills
that worker (SIGKILL, which really stops the query), answers the client, and the supervisor
(the main thread) starts a fresh worker in its place (about 70 ms here). Other queries keep
running on the other workers.

The same holds for the query checkers (:class:`Checker`): rdflib's parser, which
:func:`kg.queries.check_safe` uses, takes seconds on a query of a few thousand triple patterns,
so the check runs in a process of its own, within the same deadline, and is killed when late.

Every process is started by the main thread (the :class:`Supervisor`) with
``PR_SET_PDEATHSIG`` (Linux), so they die with the front even if it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
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
from urllib.parse import urlencode

from kg.errors import KgError

LOAD_TIMEOUT = 600.0
"""Seconds ``oxigraph load`` may take."""
START_TIMEOUT = 30.0
"""Seconds a worker may take to answer its first query."""


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


def load_store(binary: Path, location: Path, files: Sequence[Path]) -> None:
    """Load RDF ``files`` into a new Oxigraph store at ``location`` (with ``oxigraph load``)."""
    command = [str(binary), "load", "--location", str(location)]
    for path in files:
        command += ["--file", str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=LOAD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackendError(f"loading {files[0]} took longer than {LOAD_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        message = " ".join((done.stderr or done.stdout).split())[-400:]
        raise BackendError(f"oxigraph load failed: {message}")


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


@dataclass
class Answer:
    """A worker's complete answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


class DeadlineExceeded(Exception):
    """The query did not finish in time; the worker that ran it has been killed."""


class ResultTooLarge(Exception):
    """The answer grew past the size limit; the worker that ran it has been killed."""


class WorkerFailed(Exception):
    """The worker died or stopped answering (its process is replaced)."""


class Worker:
    """One ``oxigraph serve-read-only`` process over the store, on a port of 127.0.0.1."""

    def __init__(self, binary: Path, location: Path, log: Path) -> None:
        self.binary = binary
        self.location = location
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.retiring = False

    def pid(self) -> int | None:
        """The process id, while it runs."""
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the process and wait (bounded) until it answers ``ASK {}``."""
        last = "no attempt"
        for _attempt in range(5):  # a port taken between free_port() and bind: try another
            self.port = free_port()
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        str(self.binary),
                        "serve-read-only",
                        "--location",
                        str(self.location),
                        "--bind",
                        f"127.0.0.1:{self.port}",
                        "--union-default-graph",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    preexec_fn=_die_with_parent(),  # safe: prctl only, from the main thread
                )
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    last = f"exited with {self.process.returncode}"
                    break
                if self._answers():
                    return
                time.sleep(0.02)
            else:
                last = f"no answer within {START_TIMEOUT:.0f} s"
            self.kill()
        tail = self.log.read_text(errors="replace")[-300:] if self.log.exists() else ""
        raise BackendError(f"cannot start oxigraph ({last}): {' '.join(tail.split())}")

    def _answers(self) -> bool:
        try:
            answer = self.request(
                QueryJob("ASK {}", "application/sparql-results+json", [], 1024), 1.0
            )
        except (OSError, http.client.HTTPException, DeadlineExceeded, ResultTooLarge):
            return False
        return answer.status == 200 and b"true" in answer.body

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and reap it (no zombie)."""
        process, self.process = self.process, None
        _kill(process)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after two seconds; always reaped."""
        process, self.process = self.process, None
        _stop(process)

    def request(self, job: QueryJob, timeout: float) -> Answer:
        """POST ``job``'s query to the worker and read the whole answer within ``timeout`` seconds.

        Raises :class:`DeadlineExceeded` or :class:`ResultTooLarge` (the caller must kill the
        worker: the query may still run), or ``OSError``/``HTTPException`` when the worker is
        gone.
        """
        deadline = time.monotonic() + timeout
        path = "/query" + (f"?{urlencode(list(job.dataset))}" if job.dataset else "")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(
                "POST",
                path,
                body=job.query.encode("utf-8"),
                headers={
                    "Content-Type": "application/sparql-query; charset=utf-8",
                    "Accept": job.accept,
                },
            )
            response = connection.getresponse()
            chunks: list[bytes] = []
            size = 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeadlineExceeded()
                if connection.sock is not None:
                    connection.sock.settimeout(remaining)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > job.max_bytes:
                    raise ResultTooLarge()
                chunks.append(chunk)
            return Answer(
                response.status,
                response.getheader("Content-Type", "application/octet-stream"),
                b"".join(chunks),
            )
        except TimeoutError:
            raise DeadlineExceeded() from None
        finally:
            connection.close()


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
        long, :class:`ResultTooLarge`, or :class:`WorkerFailed`; in each case but the first the
        member is killed and replaced.
        """
        deadline = time.monotonic() + timeout
        try:
            member = self._idle.get(timeout=max(timeout, 0.001))
        except queue.Empty:
            raise DeadlineExceeded() from None
        try:
            result = job(member, max(deadline - time.monotonic(), 0.001))
        except (DeadlineExceeded, ResultTooLarge, WorkerFailed):
            self._replace(member)
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
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
        self, binary: Path, location: Path, size: int, logs: Path, supervisor: Supervisor
    ) -> None:
        workers = [Worker(binary, location, logs / f"oxigraph-{i}.log") for i in range(size)]
        super().__init__(workers, supervisor)

    def query(self, job: QueryJob, timeout: float) -> Answer:
        """Run ``job`` on a worker within ``timeout`` seconds (waiting for one counts)."""
        return self.use(timeout, lambda worker, left: worker.request(job, left))


@dataclass(frozen=True)
class Verdict:
    """What the checker says of a query: HTTP status (200: safe) and the kind or the reason."""

    status: int
    kind: str = ""
    message: str = ""


class Checker:
    """A ``python -m kg.server.checker`` process that runs :func:`kg.queries.check_safe`.

    Parsing runs in its own process because rdflib's parser is slow on long queries (a
    1000-pattern group takes seconds, growing faster than linearly) and recurses deeply: in a
    process of its own it is held to the deadline (killed when late) and a crash costs nothing.
    """

    def __init__(self, graphs_file: Path, log: Path) -> None:
        self.graphs_file = graphs_file
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.retiring = False
        self._buffer = b""

    def pid(self) -> int | None:
        """The process id, while it runs."""
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the process and wait (bounded) for its ``ready`` line."""
        self.retiring = False
        self._buffer = b""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kg.server.checker", str(self.graphs_file)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                bufsize=0,
                preexec_fn=_die_with_parent(),  # safe: prctl only, from the main thread
            )
        try:
            ready = json.loads(self._line(time.monotonic() + START_TIMEOUT))
        except (DeadlineExceeded, WorkerFailed, ValueError):
            self.kill()
            tail = self.log.read_text(errors="replace")[-300:] if self.log.exists() else ""
            raise BackendError(
                f"cannot start the query checker: {' '.join(tail.split())}"
            ) from None
        if not ready.get("ready"):
            self.kill()
            raise BackendError("the query checker did not start")

    def _line(self, deadline: float) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded()
            readable, _, _ = select.select([descriptor], [], [], remaining)
            if not readable:
                raise DeadlineExceeded()
            chunk = os.read(descriptor, 65536)
            if not chunk:
                raise WorkerFailed("the query checker stopped")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def check(self, query: str, timeout: float) -> Verdict:
        """The checker's verdict on ``query`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps({"query": query}).encode("utf-8") + b"\n")
        answer = json.loads(self._line(deadline))
        self.retiring = bool(answer.get("retire"))
        return Verdict(int(answer["status"]), answer.get("kind", ""), answer.get("message", ""))

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        process, self.process = self.process, None
        _kill(process)

    def stop(self) -> None:
        """Close its input (it exits), SIGKILL it if it lingers; always reaped."""
        process, self.process = self.process, None
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        _stop(process)


class CheckerPool(Pool[Checker]):
    """The query checkers."""

    def __init__(self, graphs_file: Path, size: int, logs: Path, supervisor: Supervisor) -> None:
        checkers = [Checker(graphs_file, logs / f"checker-{i}.log") for i in range(size)]
        super().__init__(checkers, supervisor)

    def check(self, query: str, timeout: float) -> Verdict:
        """Check ``query`` within ``timeout`` seconds (waiting for a checker counts)."""
        return self.use(timeout, lambda checker, left: checker.check(query, left))


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
    "Checker",
    "CheckerPool",
    "Pool",
    "QueryJob",
    "Supervisor",
    "Verdict",
    "DeadlineExceeded",
    "ResultTooLarge",
    "Worker",
    "WorkerFailed",
    "WorkerPool",
    "free_port",
    "graph_names",
    "load_store",
    "oxigraph_binary",
]
