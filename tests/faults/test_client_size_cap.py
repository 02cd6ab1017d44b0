"""The client caps an answer's size: a ``Content-Length`` over the cap is refused before the
body is read, and a body without one stops being read once it passes the cap."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from _hostile import hostile_server
from support import run_kg

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"


def test_a_content_length_over_the_default_cap_is_refused_before_reading() -> None:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        # 10 GiB announced; nothing follows, so a client that reads waits for its deadline
        conn.sendall(HEADERS + b"Content-Length: 10737418240\r\n\r\n")
        stop.wait(30)

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        started = time.monotonic()
        done = run_kg("query", "member-count", "--endpoint", url, "--timeout", "20")
        elapsed = time.monotonic() - started
    assert (done.returncode, done.stderr) == (
        2,
        f"kg: error: {url}: HTTP 200 the answer is 10737418240 bytes, over the limit of 64 MiB "
        "(not read; raise the limit with --max-result-mb)\n",
    )
    assert elapsed < 15


def test_a_body_without_length_stops_being_read_past_the_cap() -> None:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        # 8 MiB of a JSON document's white space, as fast as the client takes it, then the end
        conn.sendall(HEADERS + b"Connection: close\r\n\r\n")
        conn.sendall(b'{"head": {"vars": ["x"]}, "results": {"bindings": []}')
        block = b" " * 65536
        for _ in range(128):
            conn.sendall(block)
        conn.sendall(b"}")

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        done = run_kg("query", "member-count", "--endpoint", url, "--max-result-mb", "1")
    assert (done.returncode, done.stderr) == (
        2,
        f"kg: error: {url}: HTTP 200 the answer passed the limit of 1 MiB "
        "(stopped reading; raise the limit with --max-result-mb)\n",
    )


def test_the_cap_can_be_raised() -> None:
    document = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}' + b" " * 2_000_000 + b"}"

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(HEADERS + b"Content-Length: %d\r\n\r\n" % len(document) + document)

    with hostile_server(behave) as server:
        url = f"{server.url}/query"
        small = run_kg("query", "member-count", "--endpoint", url, "--max-result-mb", "1")
        large = run_kg("query", "member-count", "--endpoint", url, "--max-result-mb", "2.5")
    assert small.returncode == 2 and "over the limit of 1 MiB" in small.stderr
    assert (large.returncode, large.stderr) == (0, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-result-mb", "1"],
            "--max-result-mb applies to a remote endpoint: give --endpoint URL "
            "(see kg query --help)",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9/query", "--max-result-mb", "0"],
            "invalid value for --max-result-mb: must be a positive number of MiB "
            "(see kg query --help)",
        ),
    ],
)
def test_a_bad_cap_is_a_usage_error(args: list[str], message: str) -> None:
    done = run_kg("query", "member-count", *args)
    assert done.returncode == 2
    # a usage error is one line, as every error of kg (kg.cli.usage)
    assert done.stderr == f"kg: error: {message}\n"
