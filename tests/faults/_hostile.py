"""A hostile HTTP server on 127.0.0.1: it reads the request, then does whatever the test's
``behave`` function does with the raw socket (drip bytes, stall, lie about lengths).

``behave`` gets the connected socket and a :class:`threading.Event` that is set when the test
ends; a behaviour that waits or drips must wait on that event (``stop.wait(seconds)``), so that
no thread outlives the test by more than a moment. Every request is recorded, as raw bytes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, threading.Event], None]


@dataclass
class HostileServer:
    """A running hostile server: its base URL and the raw requests it read, in order."""

    url: str
    requests: list[bytes] = field(default_factory=list)


def _read_request(conn: socket.socket) -> bytes:
    """The request's head and as much body as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextlib.contextmanager
def hostile_server(behave: Behaviour) -> Iterator[HostileServer]:
    """Serve on a free port of 127.0.0.1 until the block ends, each connection by ``behave``."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    server = HostileServer(url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    workers: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                server.requests.append(_read_request(conn))
                behave(conn, stop)
            except OSError:
                pass  # the client gave up: that is what these tests want

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=serve, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for worker in workers:
            worker.join(timeout=5)


def drip(conn: socket.socket, stop: threading.Event, data: bytes, every: float) -> None:
    """Send ``data`` one byte at a time, one every ``every`` seconds, until done or stopped."""
    for index in range(len(data)):
        if stop.wait(every):
            return
        conn.sendall(data[index : index + 1])
