"""An endpoint's answer is parsed under the same bounds as a file: an XML answer with a DTD
(an entity bomb) is refused before any parser expands it, and so is deep nesting."""

from __future__ import annotations

import time

import pytest
from _endpoints import fake_endpoint
from support import run_kg

BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
    b"<boolean>&lol9;</boolean></sparql>"
)


@pytest.mark.parametrize(
    ("media_type", "body", "message"),
    [
        (
            "application/sparql-results+xml",
            BOMB,
            "RDF/XML with a document type declaration (<!DOCTYPE) is refused",
        ),  # fmt: skip
        (
            "application/sparql-results+json",
            b'{"head": {}, "boolean": ' + b"[" * 1000 + b"]" * 1000 + b"}",
            "brackets nested more than 100 deep",
        ),
    ],
    ids=["xml-entity-bomb", "json-nesting"],
)
def test_a_hostile_answer_is_refused_before_parsing(
    media_type: str, body: bytes, message: str
) -> None:
    with fake_endpoint(lambda _: (200, {"Content-Type": media_type}, body)) as fake:
        url = f"{fake.url}/query"
        started = time.monotonic()
        done = run_kg("query", "member-count", "--endpoint", url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: {url}: sent an answer that is refused: {message}\n"
    assert time.monotonic() - started < 30
