"""A malformed endpoint URL is one line on stderr and exit 2, for ``kg query --endpoint`` and
``kg push`` (its query URL and ``--graph-store``) alike: one check,
:func:`kg.query.remote.check_url`, and a URL with credentials in it is refused without repeating
them."""

from __future__ import annotations

import pytest
from support import run_kg

CASES = [
    ("http://[::1", "http://[::1: not a valid URL (Invalid IPv6 URL)"),
    ("ftp://x", "ftp://x: not an http(s) URL"),
    ("file:///etc/passwd", "file:///etc/passwd: not an http(s) URL"),
    (
        "localhost:7878",
        "localhost:7878: not an http(s) URL (no scheme: write http://localhost:7878)",
    ),
    ("", ": not an http(s) URL"),
    (
        "http://example.org/my query",
        "http://example.org/my query: the URL contains a space (percent-encode it as %20)",
    ),
    (
        "http://example.org/q\r\nX-Injected: 1",
        "http://example.org/q\\r\\nX-Injected: 1: the URL contains a control character",
    ),
    (
        "http://kommune.no/spørring",
        "http://kommune.no/spørring: the URL contains non-ASCII characters (percent-encode them; "
        "a domain name in its xn-- form)",
    ),
    (
        "http://admin:s3cret@127.0.0.1:9/query",
        "http://***@127.0.0.1:9/query: credentials in the URL are refused "
        "(use --user and --password-env VAR)",
    ),
    ("http:///query", "http:///query: the URL has no host"),
    (
        "http://127.0.0.1:99999/query",
        "http://127.0.0.1:99999/query: not a valid URL (Port out of range 0-65535)",
    ),
    (
        "http://127.0.0.1:x/query",
        "http://127.0.0.1:x/query: not a valid URL (Port could not be cast to integer value as "
        "'x')",
    ),
]


@pytest.mark.parametrize(("url", "message"), CASES)
def test_kg_query_refuses_a_malformed_endpoint(url: str, message: str) -> None:
    done = run_kg("query", "member-count", "--endpoint", url)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"kg: error: {message}\n", "")
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize(("url", "message"), CASES)
def test_kg_push_refuses_a_malformed_query_url(url: str, message: str) -> None:
    done = run_kg("push", url)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"kg: error: {message}\n", "")
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize(("url", "message"), CASES)
def test_kg_push_refuses_a_malformed_graph_store(url: str, message: str) -> None:
    done = run_kg("push", "http://127.0.0.1:9/query", "--graph-store", url)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"kg: error: {message}\n", "")
    assert "s3cret" not in done.stderr
