"""Bounds on parsing untrusted RDF: size, literal length, nesting, DTDs, and time.

Every data, ontology and shapes file reaches rdflib through :func:`kg.model.dataset.parse_file`,
which first reads it with :func:`read_bounded` and checks it with :func:`check_syntax`, then
parses it within :func:`deadline`. Each bound gives one :class:`~kg.errors.LoadError` naming
the file (and the line where the bytes tell it), so ``kg`` prints one line and exits 2:

- a file larger than :data:`MAX_FILE_BYTES` (1 GiB) is refused before it is read (and a file
  that grows, or a device, is read no further than that);
- RDF/XML with a document type declaration (``<!DOCTYPE``) or an entity declaration
  (``<!ENTITY``) is refused outright: RDF/XML never needs one, and entities are how a
  657-byte file expands to gigabytes ("billion laughs"). The XML parser rdflib gets is also
  built with external entities off and refuses any DTD itself (:class:`SafeRDFXMLParser`);
- a literal (any quoted string) longer than :data:`MAX_LITERAL_BYTES` (16 MiB) is refused;
- brackets (``[`` ``(`` ``{`` in Turtle, TriG, N-Triples and N-Quads; ``[`` ``{`` in JSON-LD)
  nested more than :data:`MAX_NESTING` deep are refused: the parsers (and the writers and
  canonicalisation after them) recurse once per level;
- a parse that runs longer than :func:`parse_seconds` (default :data:`PARSE_SECONDS`, 600 s per
  file; ``kg --parse-timeout SECONDS`` changes it) is stopped.

Why a timer signal for the time bound: rdflib's parsers are pure Python and run in the calling
thread, so ``SIGALRM`` (``setitimer``) interrupts them between two bytecodes and the exception
unwinds through ``finally`` blocks like any other; a watchdog thread could not stop the parse,
and a parse in a child process would have to ship the whole graph back. Signals reach only the
main thread, so in another thread (a server's worker) the time bound is not enforced; the size,
literal and nesting bounds are. The time bound is the backstop for slow paths the other checks
cannot see (rdflib's N-Triples parser is quadratic in the length of a line, for example).

>>> check_syntax(Path("x.ttl"), b'<a> <b> ( ( ( 1 ) ) ) .', "turtle", nesting=2)
Traceback (most recent call last):
kg.errors.LoadError: x.ttl:1:13: brackets nested more than 2 deep (flatten the data; ...)
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax import handler, xmlreader

from rdflib import Graph
from rdflib.parser import InputSource
from rdflib.plugins.parsers import rdfxml

from kg.errors import LoadError

MAX_FILE_BYTES = 1 << 30
"""The largest file parsed: 1 GiB (rdflib holds a graph in memory, about 1 KiB a triple)."""
MAX_LITERAL_BYTES = 16 << 20
"""The longest literal (quoted string) in a file: 16 MiB."""
MAX_NESTING = 100
"""The deepest nesting of brackets (blank nodes, collections, JSON arrays and objects)."""
PARSE_SECONDS = 600.0
"""How long one file may take to parse, by default: 10 minutes."""

_settings = {"parse_seconds": PARSE_SECONDS}


def parse_seconds() -> float:
    """The time bound of one parse, in seconds (see :func:`set_parse_seconds`)."""
    return _settings["parse_seconds"]


def set_parse_seconds(seconds: float) -> None:
    """Change the time bound of every later parse (``kg --parse-timeout``)."""
    if not seconds > 0:
        raise ValueError("the parse time bound must be a positive number of seconds")
    _settings["parse_seconds"] = seconds


def _mib(size: int) -> str:
    """A size for people: ``1 GiB``, ``16 MiB``, ``17.0 MiB``."""
    if size and size % (1 << 30) == 0:
        return f"{size >> 30} GiB"
    if size and size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    return f"{size / (1 << 20):.1f} MiB"


def _line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _column(data: bytes, position: int) -> int:
    return position - data.rfind(b"\n", 0, position)


# --------------------------------------------------------------------------------------------
# Size


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refusing a file over ``limit`` bytes before and while reading it."""
    try:
        with path.open("rb") as stream:
            size = path.stat().st_size
            if size > limit:
                raise _too_large(path, size, limit)
            data = stream.read(limit + 1)  # a device or a growing file: never more than this
    except FileNotFoundError:
        raise LoadError(str(path), "no such file", hint="check the path") from None
    except IsADirectoryError:
        raise LoadError(str(path), "is a folder, not a file", hint="give an RDF file") from None
    except OSError as exc:
        raise LoadError(str(path), exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise _too_large(path, len(data), limit)
    return data


def _too_large(path: Path, size: int, limit: int) -> LoadError:
    what = f"{size} bytes" if size <= limit + 1 else f"over {size} bytes"
    return LoadError(
        str(path),
        f"file is too large to parse ({what}; the limit is {_mib(limit)})",
        hint="split it into several files",
    )


# --------------------------------------------------------------------------------------------
# Literals, nesting and DTDs, from the bytes


def _strings(quote: bytes, newline_ok: bool) -> bytes:
    """A regex for a quoted string with backslash escapes (unrolled: linear, no backtracking)."""
    stop = b"" if newline_ok else rb"\n\r"
    body = rb"[^" + quote + rb"\\" + stop + rb"]"
    return quote + body + rb"*(?:\\." + body + rb"*)*" + quote


_TURTLE_TOKENS = re.compile(
    rb"(?P<string>"
    + rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    + rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    + rb"|"
    + _strings(b'"', newline_ok=False)
    + rb"|"
    + _strings(b"'", newline_ok=False)
    + rb")|<[^>\n]*>|#[^\n]*|\\.|(?P<open>[\[({])|(?P<close>[\])}])",
    re.DOTALL,
)
"""Strings, IRIs, comments and escapes (skipped whole, so a bracket in them does not count),
and brackets: Turtle, TriG, N-Triples and N-Quads share these tokens."""

_JSON_TOKENS = re.compile(
    rb"(?P<string>" + _strings(b'"', newline_ok=True) + rb")|(?P<open>[\[{])|(?P<close>[\]}])",
    re.DOTALL,
)
"""JSON strings and brackets."""

_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def check_syntax(
    path: Path,
    data: bytes,
    fmt: str,
    *,
    literal: int = MAX_LITERAL_BYTES,
    nesting: int = MAX_NESTING,
) -> None:
    """Refuse ``data`` (the bytes of ``path``, in rdflib syntax ``fmt``) if it has a literal
    over ``literal`` bytes, brackets nested over ``nesting`` deep, or (RDF/XML) a DTD."""
    if fmt == "xml":
        _check_xml(path, data, literal)
        return
    tokens = _JSON_TOKENS if fmt == "json-ld" else _TURTLE_TOKENS
    depth = 0
    for token in tokens.finditer(data):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > nesting:
                raise LoadError(
                    str(path),
                    f"brackets nested more than {nesting} deep",
                    line=_line(data, token.start()),
                    column=_column(data, token.start()),
                    hint=f"flatten the data; the limit is {nesting} levels",
                )
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "string" and token.end() - token.start() - 2 > literal:
            raise _long_literal(path, data, token.start(), token.end() - token.start(), literal)


def _long_literal(path: Path, data: bytes, start: int, size: int, limit: int) -> LoadError:
    return LoadError(
        str(path),
        f"a literal of {_mib(size)} is longer than the limit of {_mib(limit)}",
        line=_line(data, start),
        hint="shorten it, or publish the text as a separate document and link to it",
    )


def _check_xml(path: Path, data: bytes, literal: int) -> None:
    found = _DTD.search(data)
    if found is not None:
        doctype = found.group(1).upper() == b"DOCTYPE"
        what = "a document type declaration" if doctype else "an entity declaration"
        raise LoadError(
            str(path),
            f"RDF/XML with {what} (<!{found.group(1).decode()}) is refused",
            line=_line(data, found.start()),
            hint="remove the DTD and write entities out; RDF/XML never needs them",
        )
    if b"\x00" in data[:4096]:  # UTF-16 or UTF-32: the check above could not read it
        raise LoadError(str(path), "RDF/XML must be UTF-8", hint="convert it to UTF-8")
    # A literal is text between two tags or an attribute value inside one: no run of bytes
    # between two '<' can hold a longer one.
    previous = 0
    while True:
        position = data.find(b"<", previous + 1)
        end = len(data) if position < 0 else position
        if end - previous > literal:
            raise _long_literal(path, data, previous, end - previous, literal)
        if position < 0:
            return
        previous = position


def _refuse_doctype(*args: Any) -> None:
    raise ValueError("RDF/XML with a document type declaration (<!DOCTYPE) is refused")


def _refuse_entity(*args: Any) -> None:
    raise ValueError("RDF/XML with an entity declaration (<!ENTITY) is refused")


class SafeRDFXMLParser(rdfxml.RDFXMLParser):
    """rdflib's RDF/XML parser on a SAX parser that reads no external entity and no DTD.

    Defence in depth behind :func:`check_syntax`, which refuses a DTD in the bytes first: the
    expat reader gets ``feature_external_ges`` and ``feature_external_pes`` off, and expat's
    doctype and entity declaration handlers raise, so no entity is ever defined.
    """

    def parse(self, source: InputSource, sink: Graph, **args: Any) -> None:
        reader = rdfxml.create_parser(source, sink)
        reader.setFeature(handler.feature_external_ges, False)
        reader.setFeature(handler.feature_external_pes, False)
        _harden(reader)
        self._parser = reader
        preserve = args.get("preserve_bnode_ids")
        if preserve is not None:
            reader.getContentHandler().preserve_bnode_ids = preserve  # type: ignore[attr-defined]
        reader.parse(source)


def _harden(reader: xmlreader.XMLReader) -> None:
    """Make the expat reader's parser, created on each ``reset``, refuse DTDs and entities."""
    original_reset = reader.reset  # type: ignore[attr-defined]

    def reset() -> None:
        original_reset()
        expat = reader._parser  # type: ignore[attr-defined]
        expat.StartDoctypeDeclHandler = _refuse_doctype
        expat.EntityDeclHandler = _refuse_entity
        expat.UnparsedEntityDeclHandler = _refuse_entity
        expat.ExternalEntityRefHandler = _refuse_entity

    reader.reset = reset  # type: ignore[attr-defined]


SAFE_XML_FORMAT = "kg-rdfxml"
"""The rdflib format name of :class:`SafeRDFXMLParser`."""


def _register() -> None:
    from rdflib import plugin
    from rdflib.parser import Parser

    plugin.register(SAFE_XML_FORMAT, Parser, __name__, SafeRDFXMLParser.__name__)


_register()


# --------------------------------------------------------------------------------------------
# Time


class ParseTimeout(BaseException):
    """Raised in the main thread when a parse runs past its time bound.

    A ``BaseException``, so that a parser's ``except Exception`` cannot swallow it.
    """


@contextlib.contextmanager
def deadline(path: Path, seconds: float | None = None) -> Iterator[None]:
    """Stop the block with a :class:`LoadError` naming ``path`` after ``seconds`` (default
    :func:`parse_seconds`). Enforced in the main thread only, and only when no other interval
    timer is running (it is restored afterwards)."""
    limit = parse_seconds() if seconds is None else seconds
    usable = threading.current_thread() is threading.main_thread()
    if usable and signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        usable = False  # someone else's timer: do not steal it

    armed = [True]

    def expire(signum: int, frame: object) -> None:
        if armed[0]:  # never once the block has ended: the finally below must run whole
            raise ParseTimeout

    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    except ParseTimeout:
        raise LoadError(
            str(path),
            f"parsing took longer than {limit:g} seconds and was stopped",
            hint="split the file, or allow more time with kg --parse-timeout SECONDS",
        ) from None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LITERAL_BYTES",
    "MAX_NESTING",
    "PARSE_SECONDS",
    "SAFE_XML_FORMAT",
    "ParseTimeout",
    "SafeRDFXMLParser",
    "check_syntax",
    "deadline",
    "parse_seconds",
    "read_bounded",
    "set_parse_seconds",
]
