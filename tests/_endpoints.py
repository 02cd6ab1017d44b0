"""Servers the remote-engine and push tests start on 127.0.0.1, and always stop.

- :func:`fake_endpoint`: a tiny threaded HTTP server that records every request (request
  line, headers, body) and answers through a function the test gives (status, headers, body),
  after an optional delay; the delay waits on an event that teardown sets, so no thread
  outlives the test by more than a moment.
- :func:`oxigraph_server`: the ``oxigraph serve`` process from the venv, on a free port, in its
  own process group, stopped (TERM, then KILL) with everything it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

STARTUP_SECONDS = 30.0
"""How long a server may take to answer before the test gives up."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------------------------
# A recording HTTP server


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    request_line: str
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]
"""What the fake endpoint sends back: status, headers, body."""


@dataclass
class FakeEndpoint:
    """A running fake server: its base URL and the requests it received, in order."""

    url: str
    requests: list[Recorded] = field(default_factory=list)

    @property
    def last(self) -> Recorded:
        assert self.requests, "the fake endpoint received no request"
        return self.requests[-1]


@contextlib.contextmanager
def fake_endpoint(
    answer: Callable[[Recorded], Answer],
    *,
    delay: float = 0.0,
) -> Iterator[FakeEndpoint]:
    """Serve on a free port of 127.0.0.1 until the block ends, answering with ``answer``."""
    release = threading.Event()
    endpoint = FakeEndpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(
                request_line=self.requestline,
                method=self.command,
                target=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            endpoint.requests.append(recorded)
            if delay:
                release.wait(timeout=delay)
            status, headers, payload = answer(recorded)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield endpoint
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_answer(document: bytes, status: int = 200) -> Callable[[Recorded], Answer]:
    """An answer function that always sends ``document`` as SPARQL JSON results."""
    return lambda _: (status, {"Content-Type": "application/sparql-results+json"}, document)


# --------------------------------------------------------------------------------------------
# A real Oxigraph server


def oxigraph_executable() -> Path:
    found = Path(sys.executable).parent / "oxigraph"
    if not found.exists():
        pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed in this venv")
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` and its process group: TERM, then KILL after five seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def oxigraph_server(location: Path, *, union_default_graph: bool = True) -> Iterator[str]:
    """``oxigraph serve`` on a free port of 127.0.0.1, storing in ``location``; yields its base
    URL (``/query`` and ``/store`` below it) once it answers, and stops it afterwards."""
    executable = oxigraph_executable()
    log_path = location.parent / f"{location.name}.log"
    for _attempt in range(3):  # the free port may be taken between asking and binding
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [str(executable), "serve", "--location", str(location)]
        command += ["--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                if _answers(f"{base}/query?query=ASK%7B%7D"):
                    break
                time.sleep(0.1)
            if process.poll() is not None:
                continue  # it exited (port taken?): try another port
            if not _answers(f"{base}/query?query=ASK%7B%7D"):
                raise AssertionError(
                    f"oxigraph did not answer within {STARTUP_SECONDS} s: {log_path.read_text()}"
                )
            yield base
            return
        finally:
            stop(process)
    raise AssertionError(f"oxigraph did not start: {log_path.read_text()}")
