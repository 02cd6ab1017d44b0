"""Where a SPARQL text stops being SPARQL, said so that a person can fix it.

rdflib's grammar (pyparsing) reports a failed parse where the outermost rule gave up: for
``SELECT ?s WHERE { ?s ?p }`` that is column 18, the group, with ``Expected SelectQuery``.
The place to fix is further on: the ``}`` where an object was expected. :func:`locate` parses
the text once more, on the error path only, with a failure action on every element of the
grammar, and keeps the furthest position any element failed at and what was expected there:
the classic "furthest failure" of a recursive-descent parser. :func:`message` then writes::

    bad.rq:1:25: syntax error: unexpected '}' (expected a term)
      SELECT ?s WHERE { ?s ?p }
                              ^

Line and column are 1-based and count in the text the user wrote (no prologue added).

>>> print(message("bad.rq", "SELECT ?s WHERE { ?s ?p }"))
bad.rq:1:25: syntax error: unexpected '}' (expected a term)
  SELECT ?s WHERE { ?s ?p }
                          ^
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from kg.query.querytext import tokens

_LOCK = threading.Lock()
_QUOTED = re.compile(r"'([^']+)'")
_TERM_STARTS = {"?", "$", "<", ":", "[", "(", "true", "false"}
"""Literal tokens whose expectation means a term (a variable, IRI, literal, node) may start."""
_CLOSERS = {")", "}", "]"}


def _elements(root: Any) -> Iterator[Any]:
    """Every element of a pyparsing grammar, once."""
    from pyparsing import ParserElement

    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        stack.extend(getattr(element, "exprs", None) or ())
        inner = getattr(element, "expr", None)
        if isinstance(inner, ParserElement):
            stack.append(inner)


def locate(text: str) -> tuple[int, list[str]] | None:
    """The furthest offset rdflib's query grammar failed at in ``text``, and the literal tokens
    (keywords, punctuation) it expected there; ``None`` if ``text`` parses."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser as sparql_parser

    from kg.query.sandbox import deep_call

    furthest = [-1]
    expected: list[Any] = []

    def nothing(*_: Any) -> None:
        return None

    def failed(_text: str, loc: int, element: Any, exc: Exception, *_: Any) -> None:
        at = getattr(exc, "loc", loc)
        if at > furthest[0]:
            furthest[0] = at
            expected[:] = [element]
        elif at == furthest[0]:
            expected.append(element)

    with _LOCK:
        elements = list(_elements(sparql_parser.Query))
        saved = [(e, e.debugActions, e.debug) for e in elements]
        try:
            for element in elements:
                element.set_debug_actions(nothing, nothing, failed)
            try:
                deep_call(lambda: sparql_parser.Query.parse_string(text, parse_all=True))
            except ParseBaseException:
                pass
            else:
                return None
        finally:
            for element, actions, debug in saved:
                element.debugActions = actions
                element.debug = debug
    literals = sorted({m.group(1) for e in expected if (m := _QUOTED.fullmatch(str(e)))})
    return max(furthest[0], 0), literals


def _found(text: str, offset: int) -> tuple[int, str]:
    """The offset of the first token at or after ``offset`` (skipping space and comments) and
    how to name it."""
    for token in tokens(text[offset:]):
        if token.kind in ("space", "comment"):
            continue
        shown = token.text if len(token.text) <= 20 else token.text[:19] + "…"
        return offset + token.start, repr(shown)
    return len(text), "end of the query"


_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def _what(found: str, literals: list[str]) -> str:
    closers = sorted(_CLOSERS & set(literals))
    if found in ("'\"'", '"\'"'):
        return f"unexpected {found} (a string that is not closed?)"
    if found == "'/'":
        return (
            f"unexpected {found} (in a prefixed name a / is written \\/, as in "
            "sgid:organization\\/oyer; or write the whole <IRI>)"
        )
    if set(_FORMS) <= set(literals):
        return f"unexpected {found} (expected SELECT, ASK, CONSTRUCT or DESCRIBE)"
    if set(literals) & _TERM_STARTS and not closers:
        return f"unexpected {found} (expected a term)"
    if 0 < len(literals) <= 3:
        listed = " or ".join(literals)
        return f"unexpected {found} (expected {listed})"
    if closers:
        return f"unexpected {found} (is a {' or '.join(closers)} missing?)"
    return f"unexpected {found}"


def caret_lines(text: str, offset: int) -> str:
    """The line holding ``offset`` and a caret under it, each indented by two spaces."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    line = text[start : end if end != -1 else len(text)]
    pad = "".join("\t" if c == "\t" else " " for c in line[: offset - start])
    return f"  {line}\n  {pad}^"


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def message(where: str | None, text: str, fallback: tuple[int, str] | None = None) -> str:
    """The whole message for a text that does not parse: place, what, the line and a caret.

    ``fallback`` is (offset, what) to use if :func:`locate` finds the text parses after all.
    """
    located = locate(text)
    if located is None:
        if fallback is None:
            return f"{where + ':' if where else ''}syntax error"
        offset, what = fallback
    else:
        offset, literals = located
        offset, found = _found(text, offset)
        what = _what(found, literals)
    line, column = position(text, offset)
    head = f"{where}:" if where else ""
    return f"{head}{line}:{column}: syntax error: {what}\n{caret_lines(text, offset)}"


__all__ = ["caret_lines", "locate", "message", "position"]
