"""How the oxigraph engine and a remote endpoint bind parameters: a ``VALUES`` block.

Parameters are typed terms (:meth:`kg.query.queries.Query.bindings`), never the user's text. Each is
written by rdflib (``term.n3()``) into a one-row ``VALUES`` block placed right after the
``{`` that opens the query's outermost WHERE group (:func:`where_group_start`). Everything in
that group (its ``FILTER``, ``BIND``, ``OPTIONAL``) then sees the values as pre-bound; a group
nested in it (a ``UNION`` branch, a sub-``SELECT``) is evaluated before the join, so a
parameter that only such a group uses is not bound there. The catalogue's queries keep their
parameters in the outer group, and the cross-engine tests prove the answers equal. A query
without such a group (``DESCRIBE <x>``, ``CONSTRUCT WHERE { … }``) gets the block as its final
``VALUES`` clause, which is the same there: such a pattern has no filters.

Why a ``VALUES`` block, measured (``bench/queries.py``): on Oxigraph it is what the planner can
use. pyoxigraph's ``substitutions`` (SEP-0007), which the oxigraph engine used before, bind
only variables the query returns and are applied after the query is planned: binding one IRI
cost 161 ms at 1M triples where the same IRI in a ``VALUES`` block cost 0.3 ms (here
``is-member``: 141 ms against 0.3 ms). A remote endpoint takes nothing else. The rdflib engine
keeps rdflib's own ``initBindings``: rdflib joins a leading block as a part of its own, and
three catalogue queries took 400 to 1000 times longer with it on the project's data
(``council-composition`` 24 ms against 9.5 s, ``leader-in-year`` 6 ms against 4.7 s,
``members-on-date`` 8 ms against 4.5 s); both bind a parameter of the outermost group alike,
and the cross-engine tests compare every catalogue query's answers.

**The safety check judges the text that runs.** :func:`bind` takes a
:class:`kg.query.queries.ParsedQuery`: a text :func:`kg.query.queries.check_safe` has judged (tokens
and rdflib's parse) and normalised. It does not parse the bound text again (that is an rdflib
parse, 25 to 300 ms a query); instead it proves, mechanically, on every call, that the
insertion cannot change what the check saw:

1. the block, tokenised alone (:func:`kg.query.querytext.tokens`), is exactly ``VALUES ( ?v … ) {
   ( term … ) }``: one variable token per name, and each term one IRI token, or one string
   token with a language tag or ``^^`` and an IRI token; nothing else but spaces (no comment,
   no word, no brace or parenthesis of its own), and it is unchanged by
   :func:`kg.query.querytext.normalise` (no ``\\u`` escape, no ``\\r``);
2. the significant tokens of the bound text are those of the judged text with the block's
   tokens inserted right after the group's ``{`` (or at the end), none merged or split: the
   rest of the query reads exactly as it did;
3. :func:`kg.query.querytext.scan` judges the bound text itself (its verdict on the bound text, not
   the judged one's), and it must come back unchanged by normalising and of the same kind.

An ``InlineData`` element of constant terms at the start of a group (or a final ``VALUES``
clause) adds no ``SERVICE``, update, ``FROM``, prefix or function to the parse: rdflib's
verdict on the judged text holds for the bound one. A value that cannot be written this way
(a blank node, or a string with a backslash, ``u`` and hex digits, which SPARQL expands before
parsing, anywhere) raises :class:`UnwritableValueError`; the oxigraph engine then substitutes
it (pyoxigraph's ``substitutions``, for a variable the query returns), and a remote endpoint
refuses it.

>>> from rdflib import Literal, Variable
>>> from kg.model.namespaces import XSD
>>> year = {Variable("year"): Literal("2010", datatype=XSD.gYear)}
>>> print(bind_values("SELECT ?m WHERE { ?m ?p ?d FILTER(YEAR(?d) = ?year) }", year))
SELECT ?m WHERE { VALUES (?year) { ("2010"^^<http://www.w3.org/2001/XMLSchema#gYear>) } ?m ?p ?d ...
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from kg.errors import ParameterError, QueryError
from kg.query import querytext
from kg.query.querytext import QUERY_FORMS, Token, significant

if TYPE_CHECKING:
    from rdflib import Variable
    from rdflib.term import Node

    from kg.query.queries import ParsedQuery


class UnwritableValueError(ParameterError):
    """A value no query text can carry unchanged: the in-process engines bind it natively."""


_VARNAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\U000EFFFF]+")
_QUERY_FORMS = set(QUERY_FORMS)
_ESCAPE_LIKE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
_LANGUAGE = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")


def where_group_start(text: str) -> int | None:
    """Offset of the ``{`` that opens the query's outermost WHERE group, or ``None`` if it has
    none (``DESCRIBE <x>``, or the short form ``CONSTRUCT WHERE { … }``, whose group may hold
    triples only).

    The query form keyword is found after the prologue; a CONSTRUCT template is skipped; the
    group is the first ``{`` not inside parentheses (a projection may hold ``EXISTS { … }``).

    >>> text = "PREFIX a: <urn:{>  # {\\nSELECT (EXISTS { ?x ?y ?z } AS ?e) WHERE { ?s ?p ?o }"
    >>> text[where_group_start(text):]
    '{ ?s ?p ?o }'
    >>> where_group_start("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    29
    >>> where_group_start("CONSTRUCT WHERE { ?s ?p ?o }") is None
    True
    """
    return _group_start(significant(text))


def _group_start(found: Sequence[Token]) -> int | None:
    if any(t.kind == "punct" and t.text == "\\" for t in found):
        # SPARQL expands \u escapes anywhere before parsing: ``\u007B`` may be a brace.
        raise QueryError(
            "cannot bind parameters into a query with \\u escapes outside strings and IRIs "
            "(write the characters themselves)"
        )
    form_at = next(
        (i for i, t in enumerate(found) if t.kind == "word" and t.text.upper() in _QUERY_FORMS),
        None,
    )
    if form_at is None:
        return None
    rest = found[form_at + 1 :]
    if found[form_at].text.upper() == "CONSTRUCT":
        if not rest or rest[0].text != "{":
            return None  # CONSTRUCT WHERE { … }: the template is the pattern
        depth = 0
        for index, token in enumerate(rest):
            depth += {"{": 1, "}": -1}.get(token.text, 0) if token.kind == "punct" else 0
            if depth == 0:
                rest = rest[index + 1 :]
                break
    parentheses = 0
    for token in rest:
        if token.kind != "punct":
            continue
        if token.text == "(":
            parentheses += 1
        elif token.text == ")":
            parentheses -= 1
        elif token.text == "{" and parentheses == 0:
            return token.start
    return None


def _written(variable: Variable, term: Node) -> str:
    """``term`` as rdflib writes it, or :class:`UnwritableValueError` saying why it cannot be."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, BNode) or not isinstance(term, URIRef | Literal):
        raise UnwritableValueError(
            f"parameter '{variable}': a remote endpoint takes IRIs and literals, not {term!r}"
        )
    try:
        written = term.n3()
    except Exception as exc:  # rdflib refuses an IRI it cannot write with a bare Exception
        raise UnwritableValueError(f"parameter '{variable}': cannot write {term!r}") from exc
    if _ESCAPE_LIKE.search(written):
        # SPARQL expands \u escapes before parsing, anywhere: the value would change.
        raise UnwritableValueError(
            f"parameter '{variable}': a value with a backslash followed by u and hex "
            "digits cannot be sent to an endpoint unchanged"
        )
    return written


def values_block(bindings: Mapping[Variable, Node]) -> str:
    """A one-row ``VALUES`` block for ``bindings``, each term written by rdflib's ``n3()``.

    >>> from rdflib import Literal, Variable
    >>> from kg.model.namespaces import ID
    >>> print(values_block({Variable("org"): ID["organization/oyer"], Variable("q"): Literal('"')}))
    VALUES (?org ?q) { (<https://w3id.org/samarbeidsgrafen/id/organization/oyer> "\\"") }
    """
    names = []
    terms = []
    for variable, term in bindings.items():
        if not _VARNAME.fullmatch(str(variable)):
            raise ParameterError(f"'{variable}' is not a SPARQL variable name")
        names.append(f"?{variable}")
        terms.append(_written(variable, term))
    block = f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"
    _check_block(block, len(names))
    return block


def _check_block(block: str, count: int) -> None:
    """Step 1 of the proof (module docstring): ``block`` reads as a block of ``count``
    variables and ``count`` constant terms, nothing else, in every reading."""
    if querytext.normalise(block) != block:
        raise UnwritableValueError("a parameter value would change when the query is read")
    found = [t for t in querytext.tokens(block) if t.kind != "space"]
    kinds = [(t.kind, t.text) for t in found]
    head = [("word", "VALUES"), ("punct", "(")]
    middle = [("punct", ")"), ("punct", "{"), ("punct", "(")]
    tail = [("punct", ")"), ("punct", "}")]
    ok = (
        kinds[:2] == head
        and all(kind == "var" for kind, _ in kinds[2 : 2 + count])
        and kinds[2 + count : 5 + count] == middle
        and kinds[-2:] == tail
        and _terms(found[5 + count : -2]) == count
    )
    if not ok:
        raise UnwritableValueError("a parameter value cannot be written as one RDF term")


def _terms(found: Sequence[Token]) -> int:
    """How many terms ``found`` is, or -1 if it is not only terms. A term is a run of adjacent
    tokens (terms are written apart): an IRI, a string, a string with ``^^`` and an IRI, or a
    string with ``@`` and a language tag."""
    units: list[list[Token]] = []
    end = -1
    for token in found:
        if token.start == end:
            units[-1].append(token)
        else:
            units.append([token])
        end = token.start + len(token.text)
    for unit in units:
        kinds = [t.kind for t in unit]
        texts = [t.text for t in unit]
        if kinds in (["iri"], ["string"]) or (
            kinds == ["string", "punct", "punct", "iri"] and texts[1:3] == ["^", "^"]
        ):
            continue
        tag = "".join(texts[1:])
        if kinds[0] == "string" and texts[1:2] == ["@"] and _LANGUAGE.fullmatch(tag):
            continue
        return -1
    return len(units)


def insert_values(text: str, block: str) -> str:
    """``text`` with ``block`` right after the ``{`` opening its outermost WHERE group, or as
    its final clause when it has none (see :func:`where_group_start`)."""
    start = where_group_start(text)
    if start is None:
        return f"{text.rstrip()}\n{block}\n"
    return f"{text[: start + 1]} {block}{text[start + 1 :]}"


def _check_insertion(judged: str, bound: str, block: str) -> None:
    """Step 2 of the proof: the bound text's tokens are the judged text's with the block's
    inserted at one place, all others unchanged."""
    before = [(t.kind, t.text) for t in significant(judged)]
    added = [(t.kind, t.text) for t in significant(block)]
    after = [(t.kind, t.text) for t in significant(bound)]
    start = where_group_start(judged)
    if start is None:
        at = len(before)
    else:
        at = next(i for i, t in enumerate(significant(judged)) if t.start == start) + 1
        if at < len(before) and before[at] == ("word", "SELECT"):
            raise UnwritableValueError(
                "cannot bind parameters into a WHERE clause that is a sub-SELECT alone: "
                "put it in braces ({ { SELECT … } })"
            )
    if after != before[:at] + added + before[at:]:
        raise QueryError("binding the parameters would change how the query reads: refused")


def bind(parsed: ParsedQuery, bindings: Mapping[Variable, Node]) -> str:
    """The text that runs: ``parsed.text`` (judged by :func:`kg.query.queries.check_safe`) with
    ``bindings`` as a ``VALUES`` block, proven not to change what the check saw (see the
    module docstring). Without bindings it is ``parsed.text`` itself.

    >>> from rdflib import URIRef, Variable
    >>> from kg.query.queries import check_safe
    >>> print(bind(check_safe("ASK { ?s ?p ?o }"), {Variable("s"): URIRef("urn:x:a")}))
    ASK { VALUES (?s) { (<urn:x:a>) } ?s ?p ?o }
    """
    if not bindings:
        return parsed.text
    block = values_block(bindings)
    bound = insert_values(parsed.text, block)
    _check_insertion(parsed.text, bound, block)
    judged = querytext.scan(bound, check_from=False)
    if judged.text != bound or judged.kind != parsed.kind:  # pragma: no cover - steps 1 and 2
        raise QueryError("binding the parameters would change how the query reads: refused")
    return bound


def bind_values(text: str, bindings: Mapping[Variable, Node]) -> str:
    """``text`` checked (:func:`kg.query.queries.check_safe`) and bound (:func:`bind`): the
    normalised text with ``bindings`` as a ``VALUES`` block opening its outermost WHERE group.

    ``\\u`` escapes outside strings and IRIs are refused rather than expanded: the block's
    place is found in the text as written.

    >>> from rdflib import Literal, Variable
    >>> print(bind_values("ASK { ?s ?p ?o }", {Variable("o"): Literal(1)}))
    ASK { VALUES (?o) { ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) } ?s ?p ?o }
    """
    from kg.query.queries import check_safe

    if not bindings:
        return text
    where_group_start(text)  # refuses \u escapes outside strings and IRIs, as written
    return bind(check_safe(text), bindings)


__all__ = [
    "UnwritableValueError",
    "bind",
    "bind_values",
    "insert_values",
    "values_block",
    "where_group_start",
]
