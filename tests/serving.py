"""Run ``kg serve`` for the tests: a subprocess of the installed ``kg``, on a port the OS picks
(``--port 0``; the server prints its URL), waited for within a bound, stopped with SIGTERM, and
checked to leave no process and no temporary store behind.

Used by test_serve.py, test_protocol_w3c.py and test_browser.py.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from support import kg_executable

READY = re.compile(
    r"Serving samarbeidsgrafen at (http://[^ ]+/) \(SPARQL endpoint: (http://[^ ]+/sparql)\)"
)
START_TIMEOUT = 240.0
"""Seconds a server may take to start (a build included)."""
STOP_TIMEOUT = 30.0


def children(pid: int) -> dict[int, str]:
    """The direct child processes of ``pid``: process id → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def exists(pid: int) -> bool:
    """Whether a process (zombies included) with this id exists."""
    return Path(f"/proc/{pid}").exists()


@dataclass
class Response:
    """An HTTP answer, whatever its status."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


@dataclass
class Server:
    """A running ``kg serve``."""

    process: subprocess.Popen[bytes]
    url: str
    endpoint: str
    stdout: Path
    stderr: Path
    seen: dict[int, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        assert port is not None
        return port

    def workers(self) -> dict[int, str]:
        """The Oxigraph worker processes now (and remember them for the final check)."""
        now = children(self.process.pid)
        self.seen.update(now)
        return now

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> Response:
        """One request with exactly these headers (http.client adds no Content-Type)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            data = answer.read()
            found = {k.lower(): v for k, v in answer.getheaders()}
            return Response(answer.status, found, data)
        finally:
            connection.close()

    def stop(self) -> None:
        """SIGTERM; then the server must exit 0 within a bound, leaving no process or store."""
        self.workers()
        locations = {
            m.group(1) for cmd in self.seen.values() if (m := re.search(r"--location (\S+)", cmd))
        }
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
            raise AssertionError("kg serve did not stop within 30 s of SIGTERM") from None
        survivors = [pid for pid in self.seen if exists(pid)]
        for pid in survivors:  # do not leave them to the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert code == 0, f"kg serve exited with {code}: {self.stderr.read_text()[-2000:]}"
        assert not survivors, f"processes left behind: {[self.seen[p] for p in survivors]}"
        assert self.seen, "the server ran no worker processes"
        for location in locations:
            assert not Path(location).exists(), f"temporary store left behind: {location}"


def start(
    args: list[str],
    workdir: Path,
    timeout: float = START_TIMEOUT,
    preexec_fn: Callable[[], None] | None = None,
) -> Server:
    """Start ``kg serve --port 0 ARGS`` in ``workdir`` and wait until it says where it serves.

    ``preexec_fn`` runs in the child before ``kg`` starts (a seccomp filter, say)."""
    workdir.mkdir(parents=True, exist_ok=True)
    out, err = workdir / "serve.out", workdir / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(kg_executable()), "serve", "--port", "0", *args],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            preexec_fn=preexec_fn,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = READY.search(out.read_text(errors="replace"))
        if found:
            server = Server(process, found.group(1), found.group(2), out, err)
            server.workers()
            return server
        if process.poll() is not None:
            raise AssertionError(
                f"kg serve exited with {process.returncode}: {err.read_text()[-2000:]}"
            )
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=STOP_TIMEOUT)
    raise AssertionError(
        f"kg serve did not start within {timeout:.0f} s: {err.read_text()[-2000:]}"
    )


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections (and answers like a SPARQL server,
    with empty results, so that a client that does connect is not left waiting)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with client:
                client.settimeout(1.0)
                try:
                    client.recv(65536)
                    body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
                    client.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


_built: dict[Path, Path] = {}


def project_dist(base: Path) -> Path:
    """A ``dist/`` of the project's data, built once per test session under ``base``."""
    if base not in _built:
        from kg.publish.build import build

        out = base / "dist-project"
        build(None, out)
        _built[base] = out
    return _built[base]
