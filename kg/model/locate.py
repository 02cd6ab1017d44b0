"""Where a resource is described: the file and line of each statement about it, as written.

A validation report names a resource by IRI; the analyst fixes it in a file. This finds, for
each IRI asked about, the first line of each input file where it is the subject of a statement
(inside a graph block or not): in TriG and Turtle with the locating lexer of
:mod:`kg.model.sourcegraphs` (comments, strings, long strings and IRIs skipped, prefixes and
the base resolved as the parser resolves them), in N-Quads and N-Triples by line, in JSON-LD at
the first ``"@id"`` that names it. RDF/XML files, and resources that are only ever objects or
blank nodes, have no line here.

>>> text = '@prefix o: <http://e/o/> .\\n<http://e/g> {\\n  o:a o:p [ o:q o:b ] .\\n  o:b o:p 1 }'
>>> list(trig_subjects(text, "file:///x.trig"))
[('http://e/o/a', 3), ('http://e/o/b', 4)]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.model.sourcegraphs import _Lexer, _resolve, jsonld_position


@dataclass(frozen=True, order=True)
class Location:
    """A line of a file, the file as people read it (relative to the working folder when it is
    below it)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it is below it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)
    except OSError:  # pragma: no cover - the working folder is gone
        return os.fspath(resolved)


def _skip_statement(lexer: _Lexer) -> bool:
    """Skip the rest of a statement; ``True`` when it ended with the ``}`` closing its block
    (the last statement of a block needs no ``.``)."""
    depth = 0
    while (token := lexer.next()) is not None:
        kind, value, _ = token
        if kind != "punct":
            continue
        if value in ("[", "(", "<<"):
            depth += 1
        elif value in ("]", ")", ">>"):
            depth -= 1
        elif value == "}" and depth <= 0:
            return True
        elif value == "." and depth <= 0:
            return False
    return False


def trig_subjects(text: str, base: str) -> Iterator[tuple[str, int]]:
    """``(iri, line)`` of the subject of each statement of a TriG or Turtle text whose subject
    is an IRI, in order (graph names are not subjects; blank nodes, lists and quoted triples
    are skipped)."""
    lexer = _Lexer(text)
    prefixes: dict[str, str] = {}
    while (token := lexer.next()) is not None:
        kind, value, start = token
        keyword = value.lower() if kind == "word" else ""
        if keyword in ("@prefix", "prefix"):
            name, iri = lexer.next(), lexer.next()
            if name is not None and iri is not None and iri[0] == "iri":
                prefixes[name[1].rstrip(":")] = _resolve("iri", iri[1], prefixes, base) or ""
            if keyword == "@prefix" and (lexer.peek() or ("", "", 0))[1] == ".":
                lexer.next()
            continue
        if keyword in ("@base", "base"):
            iri = lexer.next()
            if iri is not None and iri[0] == "iri":
                base = _resolve("iri", iri[1], prefixes, base) or base
            if keyword == "@base" and (lexer.peek() or ("", "", 0))[1] == ".":
                lexer.next()
            continue
        if keyword == "graph":
            label = lexer.next()
            if label is not None and label[1] == "[":
                lexer.next()  # ']'
            if (lexer.peek() or ("", "", 0))[1] == "{":
                lexer.next()
            continue
        if kind == "punct":
            if value in ("[", "(", "<<"):  # a blank node, a list or a quoted triple
                _skip_nested(lexer)
                if (lexer.peek() or ("", "", 0))[1] == "{":  # [] { ... }: a blank graph name
                    lexer.next()
                    continue
                _skip_statement(lexer)
            continue  # '{', '}', a stray '.'
        if kind in ("iri", "word"):
            if (lexer.peek() or ("", "", 0))[1] == "{":  # a graph's name
                lexer.next()
                continue
            resolved = _resolve(kind, value, prefixes, base)
            if resolved is not None:
                yield resolved, lexer.where(start)[0]
            _skip_statement(lexer)


def _skip_nested(lexer: _Lexer) -> None:
    """Skip to just after the bracket that closes the one just read (``[``, ``(``, ``<<``)."""
    depth = 1
    while depth and (token := lexer.next()) is not None:
        kind, value, _ = token
        if kind == "punct" and value in ("[", "(", "<<"):
            depth += 1
        elif kind == "punct" and value in ("]", ")", ">>"):
            depth -= 1


def nquads_subjects(text: str) -> Iterator[tuple[str, int]]:
    """``(iri, line)`` of each N-Quads or N-Triples line whose subject is an IRI."""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped.startswith("<"):
            end = stripped.find(">")
            if end > 0:
                yield stripped[1:end], number


def locate(files: Iterable[Path], iris: Collection[str]) -> dict[str, list[Location]]:
    """For each of ``iris`` described in ``files``, the first line of each file that describes
    it, in the order of ``files``. A file that cannot be read is passed over (the loader has
    read it, or said why not)."""
    from kg.model.dataset import FORMAT_BY_SUFFIX

    wanted = set(iris)
    found: dict[str, list[Location]] = {}
    if not wanted:
        return found
    for path in files:
        fmt = FORMAT_BY_SUFFIX.get(path.suffix.lower())
        if fmt is None or fmt == "xml":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        base = path.resolve().as_uri()
        shown = shown_path(path)
        lines: dict[str, int] = {}
        if fmt in ("trig", "turtle"):
            pairs: Iterable[tuple[str, int]] = trig_subjects(text, base)
        elif fmt in ("nt", "nquads"):
            pairs = nquads_subjects(text)
        else:
            pairs = []
            for iri in sorted(wanted):
                position = jsonld_position(text, iri, base)
                if position is not None:
                    lines[iri] = position[0]
        for iri, line in pairs:
            if iri in wanted and iri not in lines:
                lines[iri] = line
        for iri in sorted(lines):
            found.setdefault(iri, []).append(Location(shown, lines[iri]))
    return found


def where_described(
    files: Iterable[Path], nodes: Iterable[object]
) -> Callable[[object], list[str]]:
    """A function from a node to the ``file:line`` strings where it is described in ``files``
    (the IRIs among ``nodes`` located at once, :func:`locate`); nothing for another node."""
    from rdflib import URIRef

    found = locate(files, {str(node) for node in nodes if isinstance(node, URIRef)})

    def where(node: object) -> list[str]:
        if not isinstance(node, URIRef):
            return []
        return [str(location) for location in found.get(str(node), [])]

    return where


__all__ = [
    "Location",
    "locate",
    "nquads_subjects",
    "shown_path",
    "trig_subjects",
    "where_described",
]
