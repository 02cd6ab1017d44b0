"""Golden results of the competency queries: how an answer is written down and compared.

A golden file ``tests/golden/queries/<name>.json`` is a reviewed claim about what the query
answers on the project's data with its header's example parameters, not a snapshot::

    {
      "query": "members-on-date",
      "params": {"collaboration": "sgid:collaboration/...", "asOf": "2010-06-01"},
      "variables": ["collaboration", "asOf", "member", ...],
      "rows": [
        ["<https://w3id.org/...>", "\\"2010-06-01\\"^^<http://www.w3.org/2001/XMLSchema#date>",
         ...],
        ...
      ]
    }

Every cell is the term in N-Triples syntax (``<iri>``, ``"text"@nb``, ``"1990"^^<…#gYear>``,
a plain ``"text"`` for ``xsd:string``), ``null`` when the variable is unbound. Rows are in the
order the query gives them (every query has an ``ORDER BY``). An ASK is ``{"boolean": …}``.

The same table is built from rdflib's answer (through :mod:`kg.query.engines`) and from pyoxigraph's
(:func:`oxigraph_table`), so the two engines are compared cell by cell.

Regenerating is an explicit opt-in (see :data:`UPDATE_ENV`); a missing golden file fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef, Variable
from rdflib.term import Node

from kg.model import namespaces, paths
from kg.model.canonical import nt_iri, nt_string, nt_term
from kg.model.dataset import (
    ONTOLOGY_GRAPH,
    VOCAB_GRAPH,
    data_files,
    ontology_files,
    vocabulary_files,
)
from kg.query.engines import QueryResult
from kg.query.queries import Query

GOLDEN_DIR = Path(__file__).parent / "golden" / "queries"
"""Goldens of every competency query on the seed (tests/test_competency.py)."""
NATIONAL_DIR = Path(__file__).parent / "golden" / "national"
"""Goldens of the queries that read the national layer, on the committed data
(tests/test_national.py, pyoxigraph)."""

UPDATE_ENV = "SAMARBEIDSGRAFEN_UPDATE_GOLDEN"
"""Set this to 1 to (re)write golden files instead of comparing; the tests then skip, never
pass, and every written row must be read against the sources before it is committed."""

Table = dict[str, Any]


def updating() -> bool:
    """Whether the user asked to rewrite golden files (``SAMARBEIDSGRAFEN_UPDATE_GOLDEN=1``)."""
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def cell(term: Node | None) -> str | None:
    """An rdflib term as a golden cell (N-Triples), ``None`` for unbound.

    >>> cell(Literal("Øyer kommune", lang="nb"))
    '"Øyer kommune"@nb'
    >>> cell(None) is None
    True
    """
    return None if term is None else nt_term(term)


def oxigraph_cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    """A pyoxigraph term as a golden cell, written exactly as :func:`cell` writes rdflib's.

    >>> oxigraph_cell(ox.Literal("1990", datatype=ox.NamedNode(str(namespaces.XSD.gYear))))
    '"1990"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return nt_iri(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        text = nt_string(term.value)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value != str(namespaces.XSD.string):
            return f"{text}^^{nt_iri(term.datatype.value)}"
        return text
    raise TypeError(f"not an RDF term: {term!r}")


def cell_of(value: object) -> str | None:
    """A Python value as the cell of the literal an engine returns for it.

    >>> cell_of(True)
    '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    """
    return cell(Literal(value))


def params_of(query: Query, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """The value of each parameter: the one given, else the header's example."""
    values = dict(given or {})
    return {p.name: values.get(p.name, p.example or "") for p in query.params}


def table(query: Query, result: QueryResult, params: Mapping[str, str] | None = None) -> Table:
    """The golden form of an rdflib answer (a :class:`kg.query.engines.QueryResult`) to ``query``
    run with ``params`` (the header's examples for the rest)."""
    head: Table = {"query": query.name, "params": params_of(query, params)}
    if result.kind == "ask":
        return {**head, "boolean": bool(result.boolean)}
    return {
        **head,
        "variables": [str(v) for v in result.variables],
        "rows": [[cell(t) for t in row] for row in result.rows],
    }


def oxigraph_table(query: Query, answer: Any, params: Mapping[str, str] | None = None) -> Table:
    """The golden form of pyoxigraph's answer (``QuerySolutions`` or ``QueryBoolean``)."""
    head: Table = {"query": query.name, "params": params_of(query, params)}
    if isinstance(answer, ox.QueryBoolean):
        return {**head, "boolean": bool(answer)}
    variables = [v.value for v in answer.variables]
    rows = [[oxigraph_cell(solution[v]) for v in variables] for solution in answer]
    return {**head, "variables": variables, "rows": rows}


def row_set(found: Table) -> set[tuple[str | None, ...]]:
    """The rows of a table as a set (the order-free comparison)."""
    return {tuple(row) for row in found.get("rows", [])}


def path_of(name: str, folder: Path = GOLDEN_DIR) -> Path:
    """The golden file of query ``name`` (in ``folder``: the seed's, or NATIONAL_DIR)."""
    return folder / f"{name}.json"


def read(name: str, folder: Path = GOLDEN_DIR) -> Table | None:
    """The golden table of query ``name``, or ``None`` when there is no golden file."""
    path = path_of(name, folder)
    if not path.exists():
        return None
    data: Table = json.loads(path.read_text(encoding="utf-8"))
    return data


def dumps(found: Table) -> str:
    """A golden table as JSON with one row per line, so that a review diff shows rows."""
    lines = ["{"]
    keys = [k for k in ("query", "params", "variables", "boolean") if k in found]
    for key in keys:
        value = json.dumps(found[key], ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {value},")
    if "rows" in found:
        rows = [json.dumps(row, ensure_ascii=False) for row in found["rows"]]
        lines.append('  "rows": [' + ("" if rows else "]"))
        if rows:
            lines += [f"    {row}," for row in rows[:-1]] + [f"    {rows[-1]}", "  ]"]
    else:
        lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(name: str, found: Table, folder: Path = GOLDEN_DIR) -> Path:
    """Write the golden file of query ``name`` (only when :func:`updating`)."""
    path = path_of(name, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(found), encoding="utf-8")
    return path


def differences(expected: Table, found: Table) -> str:
    """What differs between a golden table and an answer, for an assertion message."""
    notes = []
    for key in ("query", "params", "variables", "boolean"):
        if expected.get(key) != found.get(key):
            notes.append(f"{key}: golden {expected.get(key)!r}, got {found.get(key)!r}")
    missing = row_set(expected) - row_set(found)
    extra = row_set(found) - row_set(expected)
    notes += [f"missing row {list(r)}" for r in sorted(missing, key=str)]
    notes += [f"unexpected row {list(r)}" for r in sorted(extra, key=str)]
    if not notes and expected.get("rows") != found.get("rows"):
        notes.append("same rows in another order (check the query's ORDER BY)")
    return "\n".join(notes)


# --------------------------------------------------------------------------------------------
# pyoxigraph, loaded with the same files as kg.model.dataset.load_dataset


def oxigraph_store(data: Iterable[Path] | None = None) -> ox.Store:
    """An in-memory pyoxigraph store with the ontology, the code lists and the data files.

    The graphs are those of :func:`kg.model.dataset.load_dataset` (ontology and vocabularies in
    their own named graphs, each data file's named graphs as written), without the derived
    resource-level provenance, which no competency query reads.
    """
    store = ox.Store()
    for path in ontology_files():
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    for path in vocabulary_files():
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOCAB_GRAPH))
    for path in data_files(paths.DATA_DIR) if data is None else data:
        store.load(path=path, format=ox.RdfFormat.TRIG)
    return store


def oxigraph_term(term: Node) -> ox.NamedNode | ox.Literal:
    """An rdflib IRI or literal as a pyoxigraph term (for ``substitutions``)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        datatype = term.datatype or namespaces.XSD.string
        return ox.Literal(str(term), datatype=ox.NamedNode(str(datatype)))
    raise TypeError(f"cannot pass {term!r} to pyoxigraph")


def run_on_oxigraph(
    store: ox.Store, query: Query, bindings: Mapping[Variable, Node] | None = None
) -> Any:
    """Run the query's text as written (no prologue added: every file declares its prefixes)
    with the default graph as the union of all graphs and the parameters as substitutions."""
    substitutions = {ox.Variable(str(v)): oxigraph_term(t) for v, t in (bindings or {}).items()}
    return store.query(query.text, use_default_graph_as_union=True, substitutions=substitutions)
