"""What ``kg query --list`` and ``kg query NAME --describe`` say about a query, from its header
and its tokens alone (no rdflib: finding one's way stays fast).

The columns of a SELECT are the variables its outermost projection names
(:func:`select_columns`): a ``?var`` at the top level of the ``SELECT`` clause, or the ``?var``
after ``AS`` in a ``( expression AS ?var )``. A ``SELECT *`` has no list of its own
(``None``), nor has an ASK, CONSTRUCT or DESCRIBE.

>>> select_columns("PREFIX a: <urn:a#> SELECT DISTINCT ?m (MIN(?n) AS ?name) WHERE { ?m a:p ?n }")
['m', 'name']
>>> select_columns("ASK { ?s ?p ?o }") is None
True
"""

from __future__ import annotations

import json
import shlex
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kg.model import paths
from kg.query.queries import AS_OF_PARAMETER, Entry, Parameter
from kg.query.querytext import normalise, significant

LIST_WIDTH = 100
"""The width ``kg query --list`` fits its table in."""


def select_columns(text: str) -> list[str] | None:
    """The variables the outermost ``SELECT`` of ``text`` projects, in order; ``None`` for
    ``SELECT *`` or another query form (see the module docstring)."""
    found = significant(normalise(text))
    start = next(
        (
            i
            for i, t in enumerate(found)
            if t.kind == "word" and t.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
        ),
        None,
    )
    if start is None or found[start].text.upper() != "SELECT":
        return None
    columns: list[str] = []
    depth = 0
    after_as = False
    for token in found[start + 1 :]:
        word = token.text.upper() if token.kind == "word" else ""
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth -= 1
        elif depth == 0 and (word in ("WHERE", "FROM") or token.text == "{"):
            break
        elif depth == 0 and token.text == "*":
            return None
        elif token.kind == "var" and (depth == 0 or (depth == 1 and after_as)):
            columns.append(token.text[1:])
        after_as = depth == 1 and word == "AS"
    return columns


def takes_as_of(params: Iterable[Parameter]) -> bool:
    """Whether a query declares the parameter ``--as-of`` binds."""
    return any(p.name == AS_OF_PARAMETER for p in params)


def shown_path(path: Path) -> str:
    """``path`` relative to the project root when inside it, else as given."""
    try:
        return str(path.resolve().relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(path)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def columns_of(entry: Entry) -> list[str] | None:
    """The columns of a catalogue entry's query (its file's text read again: cheap)."""
    return select_columns(_read(entry.path)) if entry.kind == "select" else None


def record(entry: Entry) -> dict[str, Any]:
    """Everything the header and the tokens say about one query, for JSON."""
    return {
        "name": entry.name,
        "kind": entry.kind,
        "title": entry.header.title,
        "description": entry.header.description,
        "columns": columns_of(entry),
        "asOf": takes_as_of(entry.header.params),
        "parameters": [
            {
                "name": p.name,
                "type": p.type,
                "default": p.example,
                "required": p.example is None,
                "description": p.description,
            }
            for p in entry.header.params
        ],
        "tags": list(entry.header.tags),
        "path": shown_path(entry.path),
    }


SHORT_CHARS = 160
"""The most characters of a description ``kg query --list`` shows (the first sentence)."""


def short(description: str, limit: int = SHORT_CHARS) -> str:
    """The first sentence of a description, cut at ``limit`` characters with an ellipsis.

    >>> short("Who is a member. On that day.")
    'Who is a member.'
    >>> short("a b c d e f", 8)
    'a b c…'
    """
    head, dot, _ = description.partition(". ")
    text = head + "." if dot else description
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _param_text(params: Sequence[Parameter]) -> str:
    return ", ".join(f"{p.name} ({p.type})" for p in params)


def listing_table(found: Iterable[Entry], width: int = LIST_WIDTH) -> str:
    """The catalogue in ``width`` columns: a row per query with its name, kind, whether it
    takes ``--as-of`` and its title (wrapped in its column), then, indented, the first
    sentence of its description, its columns and its parameters, wrapped."""
    items = list(found)
    header = ["name", "kind", "as-of", "title"]
    fixed = [
        max([len(header[0]), *(len(e.name) for e in items)]),
        max([len(header[1]), *(len(e.kind) for e in items)]),
        len(header[2]),
    ]
    title_width = max(20, width - sum(fixed) - 2 * len(fixed))
    indent = "    "

    def line(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:3], fixed, strict=True)]
        return "  ".join([*padded, cells[3]]).rstrip()

    def detail(text: str) -> list[str]:
        return textwrap.wrap(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
        )

    lines = [line(header), line(["-" * w for w in (*fixed, title_width)])]
    for e in items:
        title = textwrap.wrap(e.header.title or "(no title)", title_width, break_on_hyphens=False)
        as_of = "yes" if takes_as_of(e.header.params) else "no"
        lines.append(line([e.name, e.kind, as_of, title[0]]))
        lines.extend(line(["", "", "", piece]) for piece in title[1:])
        if e.header.description:
            lines.extend(detail(short(e.header.description)))
        columns = columns_of(e)
        if columns is not None:
            lines.extend(detail("columns: " + ", ".join(columns)))
        if e.header.params:
            lines.extend(detail("parameters: " + _param_text(e.header.params)))
    return "\n".join(lines)


def listing_json(found: Iterable[Entry]) -> str:
    """The catalogue as a JSON array of :func:`record`, one per query, in name order."""
    return json.dumps([record(e) for e in found], ensure_ascii=False, indent=2) + "\n"


def example_command(entry: Entry, path_given: bool = False) -> str:
    """A command line that runs the query with its header's example values."""
    words = ["kg", "query", shown_path(entry.path) if path_given else entry.name]
    for p in entry.header.params:
        value = p.example if p.example is not None else f"{p.type.upper()}"
        if p.name == AS_OF_PARAMETER:
            words += ["--as-of", value]
        else:
            words += ["--param", f"{p.name}={value}"]
    return " ".join(shlex.quote(w) for w in words)


def describe(entry: Entry, path_given: bool = False, width: int = LIST_WIDTH) -> str:
    """What one query is, takes and returns, for people: ``kg query NAME --describe``."""
    lines = [f"{entry.name} ({entry.kind})"]
    if entry.header.title:
        lines.append(entry.header.title)
    if entry.header.description:
        lines += ["", *textwrap.wrap(entry.header.description, width, break_on_hyphens=False)]
    lines.append("")
    if entry.header.params:
        lines.append("parameters:")
        for p in entry.header.params:
            given = "required" if p.example is None else f"default {p.example}"
            what = f": {p.description}" if p.description else ""
            lines += textwrap.wrap(
                f"{p.name} ({p.type}, {given}){what}",
                width,
                initial_indent="  ",
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
    else:
        lines.append("parameters: none")
    columns = columns_of(entry)
    if entry.kind == "select":
        listed = ", ".join(columns) if columns else "(SELECT *)"
        lines += textwrap.wrap("columns: " + listed, width, subsequent_indent="  ")
    elif entry.kind == "ask":
        lines.append("returns: true or false")
    else:
        lines.append("returns: a graph (RDF triples)")
    as_of = "yes: --as-of YYYY-MM-DD binds asOf" if takes_as_of(entry.header.params) else "no"
    lines.append(f"as-of: {as_of}")
    if entry.header.tags:
        lines.append("tags: " + ", ".join(entry.header.tags))
    lines.append(f"file: {shown_path(entry.path)}")
    lines.append(f"example: {example_command(entry, path_given)}")
    return "\n".join(lines)


__all__ = [
    "LIST_WIDTH",
    "columns_of",
    "describe",
    "example_command",
    "listing_json",
    "listing_table",
    "record",
    "select_columns",
    "takes_as_of",
]
