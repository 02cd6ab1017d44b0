"""Parameters as a VALUES block (:mod:`kg.query.binding`): where it goes, what it may hold, and the
proof that it cannot change what the safety check judged."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Literal, URIRef, Variable

from kg.errors import ParameterError, QueryError
from kg.model.namespaces import ID, XSD
from kg.query import queries, querytext
from kg.query.binding import (
    UnwritableValueError,
    _check_insertion,
    bind,
    insert_values,
    values_block,
)
from kg.query.engines import from_oxigraph
from kg.query.queries import check_safe

CATALOGUE = queries.catalogue()


def test_the_block_opens_the_outermost_group_of_the_judged_text() -> None:
    parsed = check_safe("SELECT ?m WHERE { ?m ?p ?d FILTER(YEAR(?d) = ?year) }")
    bound = bind(parsed, {Variable("year"): Literal("2010", datatype=XSD.gYear)})
    assert bound == (
        "SELECT ?m WHERE { VALUES (?year) "
        '{ ("2010"^^<http://www.w3.org/2001/XMLSchema#gYear>) } ?m ?p ?d FILTER(YEAR(?d) = ?year) }'
    )


def test_the_bound_text_is_the_judged_text_not_the_one_written() -> None:
    # The check normalises (\u escapes expanded once); the block goes into that text.
    parsed = check_safe("ASK { ?s ?p '\\u00C5' }")
    assert bind(parsed, {Variable("s"): ID["x"]}) == (
        "ASK { VALUES (?s) { (<https://w3id.org/samarbeidsgrafen/id/x>) } ?s ?p 'Å' }"
    )


def test_without_bindings_the_judged_text_runs_unchanged() -> None:
    parsed = check_safe("ASK { ?s ?p ?o }")
    assert bind(parsed, {}) == parsed.text


def test_a_query_without_a_where_group_gets_a_final_values_clause() -> None:
    parsed = check_safe("DESCRIBE ?s")
    assert bind(parsed, {Variable("s"): URIRef("urn:x:a")}) == (
        "DESCRIBE ?s\nVALUES (?s) { (<urn:x:a>) }\n"
    )


def test_a_where_clause_that_is_a_sub_select_alone_cannot_take_the_block() -> None:
    parsed = check_safe("SELECT * WHERE { SELECT ?s WHERE { ?s ?p ?o } }")
    with pytest.raises(UnwritableValueError) as caught:
        bind(parsed, {Variable("s"): URIRef("urn:x:a")})
    assert str(caught.value) == (
        "cannot bind parameters into a WHERE clause that is a sub-SELECT alone: "
        "put it in braces ({ { SELECT … } })"
    )


@pytest.mark.parametrize(
    "term",
    [
        URIRef("urn:x:a"),
        Literal("plain"),
        Literal("Øyer", lang="nb"),
        Literal("x", lang="de-1996"),
        Literal("2010-06-01", datatype=XSD.date),
        Literal(12),
        Literal(True),
        Literal('quote " and } brace'),
        Literal("two\nlines"),
        Literal("'''"),
        Literal('"""'),
        Literal("# not a comment"),
    ],
)
def test_every_writable_term_is_one_term_and_reads_back_unchanged(term: URIRef | Literal) -> None:
    """Bound to a query that returns it, each engine's parser reads back exactly the term."""
    parsed = check_safe("SELECT ?v WHERE { }")
    bound = bind(parsed, {Variable("v"): term})
    assert querytext.normalise(bound) == bound
    on_oxigraph = ox.Store().query(bound)
    assert [from_oxigraph(row["v"]) for row in on_oxigraph] == [term]
    algebra = check_safe(bound).algebra
    assert algebra is not None
    assert [row["v"] for row in Dataset().query(algebra)] == [term]


@pytest.mark.parametrize(
    ("term", "message"),
    [
        (BNode("b0"), "parameter 'v': a remote endpoint takes IRIs and literals, not "),
        (
            Literal("\\u0041"),
            "parameter 'v': a value with a backslash followed by u and hex digits cannot be "
            "sent to an endpoint unchanged",
        ),
    ],
)
def test_a_value_no_text_can_carry_is_refused_by_name(term: BNode | Literal, message: str) -> None:
    with pytest.raises(UnwritableValueError) as caught:
        values_block({Variable("v"): term})
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ParameterError)


def test_a_variable_name_must_be_a_sparql_name() -> None:
    with pytest.raises(ParameterError) as caught:
        values_block({Variable("a b"): Literal(1)})
    assert str(caught.value) == "'a b' is not a SPARQL variable name"


def test_an_insertion_that_would_merge_with_the_text_is_refused() -> None:
    # Hand-made: a "block" that opens a string reaching into the query is not a block.
    parsed = check_safe("ASK { ?s ?p 'x' }")
    bound = insert_values(parsed.text, "VALUES (?s) { (<urn:x:a>) } ?s ?p '")
    with pytest.raises(QueryError) as caught:
        _check_insertion(parsed.text, bound, "VALUES (?s) { (<urn:x:a>) } ?s ?p '")
    assert str(caught.value) == ("binding the parameters would change how the query reads: refused")


@pytest.mark.parametrize("name", sorted(n for n, q in CATALOGUE.items() if q.params))
def test_every_catalogue_query_binds_and_the_bound_text_passes_the_full_check(name: str) -> None:
    """The proof of :mod:`kg.query.binding` and rdflib's parse agree on every catalogue query: the
    bound text is safe by the full check too, and the block is the only thing added."""
    query = CATALOGUE[name]
    parsed = check_safe(query.full_text)
    bound = bind(parsed, query.bindings())
    again = check_safe(bound)
    assert again.kind == parsed.kind
    assert again.variables == parsed.variables
    assert bound.count("VALUES (") == parsed.text.count("VALUES (") + 1
