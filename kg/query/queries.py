"""The catalogue of named SPARQL queries: one ``.rq`` file per query, with a header.

A query file starts with comment lines that say what the query is for and what it takes::

    # title: Members of a collaboration on a date
    # description: Organisations whose membership (status member) of ?collaboration covers ?date.
    #   A continuation line is indented by two spaces after '#'.
    # param: collaboration (iri) = sgid:collaboration/lillehammer-regionen -- the collaboration
    # param: date (date) = 2010-06-01 -- the day asked about
    # tags: membership, as-of

Each ``param`` names a variable of the query, its type (``iri``, ``date``, ``year``,
``string``, ``integer``, ``decimal``, ``boolean``, or ``term``: an IRI or a literal written
as in Turtle, ``"Gausdal"@nb``, ``"2651"``, ``"2010"^^xsd:gYear``), an example value (also
the default when the user gives none) and a description. Values are typed terms bound to the
variables by the engine (a ``VALUES`` block, :mod:`kg.query.binding`), never the user's text pasted
in (convention 8). A query whose name ends in ``-violation`` must return no rows;
:mod:`kg.validation.validate` runs it as part of validation.

The tag ``analytics`` (:data:`ANALYTICS_TAG`, in the ``# tags:`` line like any other) marks a
query that inherently reads the whole graph (a report over every collaboration, a check of
every seat): it is held to 3 seconds at a million triples, every other named query to 100 ms
(``bench/queries.py`` measures both). Write the others so that they start from their
parameters or from a few resources.

Reading the catalogue's headers (:func:`entries`, ``kg query --list``) parses no SPARQL and
imports no rdflib: the query form comes from the tokens of the text
(:func:`kg.query.querytext.scan`). Loading a query (:func:`load_query`) parses it once, with rdflib,
as :func:`check_safe` judges it.

Every text is first normalised (:func:`kg.query.querytext.normalise`: code-point escapes expanded
once, as SPARQL 1.1 §19.2 says, one line-end convention), and only that text is judged,
parsed and run: :func:`check_safe` refuses updates, ``SERVICE`` and ``FROM`` graphs outside the
dataset by the tokens of that text (:func:`kg.query.querytext.scan`) and by rdflib's parse of it.

>>> q = query_from_text("# title: Count\\nSELECT (COUNT(*) AS ?n) WHERE { ?s a sg:Municipality }")
>>> q.kind, q.title
('select', 'Count')
>>> "PREFIX sg: <https://w3id.org/samarbeidsgrafen/ontology#>" in q.full_text
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import (
    ParameterError,
    QueryError,
    QueryLimitError,
    QuerySyntaxError,
    UnknownQueryError,
    UnsafeQueryError,
)
from kg.model import paths
from kg.model.prefixes import PREFIXES, sparql_prologue
from kg.query import querytext
from kg.query.querytext import expand_codepoint_escapes

if TYPE_CHECKING:  # rdflib and pyparsing are imported when a query is parsed or bound
    from pyparsing import ParseBaseException, ParseResults
    from rdflib import Variable
    from rdflib.plugins.sparql.sparql import Query as AlgebraQuery
    from rdflib.term import Node, URIRef

QUERY_SUFFIX = ".rq"
VIOLATION_SUFFIX = "-violation"
AS_OF_PARAMETER = "asOf"
"""The parameter that ``--as-of DATE`` binds, when a query declares it."""
ANALYTICS_TAG = "analytics"
"""The tag of a query that inherently reads the whole graph (3 s at 1M triples, not 100 ms)."""
ID_IRI = PREFIXES["sgid"]
XSD_IRI = PREFIXES["xsd"]

UPDATE_KEYWORDS = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}
"""rdflib's name of each SPARQL Update operation → its keyword, for messages."""

HEADER_FIELDS = ("title", "description", "param", "tags")

KIND_BY_CLAUSE = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}


# --------------------------------------------------------------------------------------------
# Parameter types


def _iri(value: str) -> str | None:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if not colon:
        return None
    if prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    elif not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", prefix):
        return None
    if not text or re.search(r'[\s<>"{}|^`\\]', text):
        return None
    return text


def _date(value: str) -> str | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return None
    return value


def _year(value: str) -> str | None:
    return value if re.fullmatch(r"-?\d{4}", value) else None


def _string(value: str) -> str | None:
    return value


def _integer(value: str) -> str | None:
    return value if re.fullmatch(r"[+-]?\d+", value) else None


def _decimal(value: str) -> str | None:
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        return None
    try:
        Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        return None
    return value


_BOOLEANS = {"true": "true", "false": "false", "1": "true", "0": "false"}


def _boolean(value: str) -> str | None:
    return _BOOLEANS.get(value)


_LITERAL = re.compile(
    r'"(?P<lexical>.*)"(?:@(?P<language>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?P<datatype>.+))?',
    re.DOTALL,
)
XSD_STRING = XSD_IRI + "string"


def _rdf_term(value: str) -> str | None:
    """An IRI (as :func:`_iri` reads it) or a literal, in one canonical spelling: ``<iri>``,
    ``"lexical"``, ``"lexical"@lang`` (the tag in lower case) or ``"lexical"^^<datatype>``.

    The lexical form is everything between the first and the last ``"`` before the tag or
    datatype, taken as written (no escapes); ``^^xsd:string`` is the plain literal.

    >>> _rdf_term('"Gausdal"@NB'), _rdf_term('"2010"^^xsd:gYear'), _rdf_term('"2651"')
    ('"Gausdal"@nb', '"2010"^^<http://www.w3.org/2001/XMLSchema#gYear>', '"2651"')
    >>> _rdf_term("sgid:organization/oyer"), _rdf_term("Gausdal"), _rdf_term('"x"^^nope')
    ('<https://w3id.org/samarbeidsgrafen/id/organization/oyer>', None, None)
    """
    text = value.strip()
    found = _LITERAL.fullmatch(text)
    if found is None:
        iri = _iri(text)
        return None if iri is None else f"<{iri}>"
    lexical, language, datatype = found.group("lexical", "language", "datatype")
    if language is not None:
        return f'"{lexical}"@{language.lower()}'
    if datatype is not None:
        datatype_iri = _iri(datatype)
        if datatype_iri is None:
            return None
        if datatype_iri != XSD_STRING:
            return f'"{lexical}"^^<{datatype_iri}>'
    return f'"{lexical}"'


def _term_of(text: str) -> Node:
    """The RDF term of the canonical spelling :func:`_rdf_term` gives."""
    from rdflib import Literal, URIRef

    found = _LITERAL.fullmatch(text)
    if found is None:
        return URIRef(text[1:-1])
    lexical, language, datatype = found.group("lexical", "language", "datatype")
    if language is not None:
        return Literal(lexical, lang=language)
    if datatype is not None:
        return Literal(lexical, datatype=URIRef(datatype[1:-1]))
    return Literal(lexical)


def _term(kind: str, text: str) -> Node:
    """The RDF term of a value :func:`_iri` (and the others) accepted, as ``text``."""
    from rdflib import Literal, URIRef

    if kind == "iri":
        return URIRef(text)
    if kind == "date":
        return Literal(text, datatype=URIRef(XSD_IRI + "date"))
    if kind == "year":
        return Literal(text, datatype=URIRef(XSD_IRI + "gYear"))
    if kind == "integer":
        return Literal(int(text))
    if kind == "decimal":
        return Literal(Decimal(text), datatype=URIRef(XSD_IRI + "decimal"))
    if kind == "boolean":
        return Literal(text == "true")
    if kind == "term":
        return _term_of(text)
    return Literal(text)


@dataclass(frozen=True)
class ParameterType:
    """A parameter type: its header name, how to describe it and how to check a value.

    ``check`` is plain Python (the value in the form its term takes, or ``None``), so that a
    header's examples are checked without rdflib; :meth:`convert` makes the term.
    """

    name: str
    expects: str
    check: Callable[[str], str | None]

    def convert(self, value: str) -> Node | None:
        """The RDF term for ``value``, or ``None`` when it is not of this type."""
        text = self.check(value)
        return None if text is None else _term(self.name, text)


PARAMETER_TYPES: dict[str, ParameterType] = {
    t.name: t
    for t in (
        ParameterType("iri", "an IRI (absolute, or prefixed like sgid:organization/oyer)", _iri),
        ParameterType("date", "a date (YYYY-MM-DD)", _date),
        ParameterType("year", "a year (YYYY)", _year),
        ParameterType("string", "a string", _string),
        ParameterType("integer", "an integer", _integer),
        ParameterType("decimal", "a decimal number (like 12.5)", _decimal),
        ParameterType("boolean", "a boolean (true or false)", _boolean),
        ParameterType(
            "term",
            'an IRI or a literal ("text", "text"@nb, "2010"^^xsd:gYear)',
            _rdf_term,
        ),
    )
}
"""Header type name → type, in the order the documentation lists them."""


@dataclass(frozen=True)
class Parameter:
    """A declared query parameter: the variable it binds, its type, an example and what it means.

    >>> Parameter("date", "date", "2010-06-01").convert("2011-01-31")
    rdflib.term.Literal('2011-01-31',
    datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#date'))
    >>> Parameter("date", "date").convert("2010-13-45")
    Traceback (most recent call last):
    kg.errors.ParameterError: parameter 'date' expects a date (YYYY-MM-DD), got '2010-13-45'
    """

    name: str
    type: str
    example: str | None = None
    description: str = ""

    def check(self, value: str) -> str:
        """``value`` in the form its term takes, or :class:`ParameterError` saying what was
        expected (plain Python: no RDF term is made)."""
        kind = PARAMETER_TYPES[self.type]
        text = kind.check(value)
        if text is None:
            raise ParameterError(f"parameter '{self.name}' expects {kind.expects}, got '{value}'")
        return text

    def convert(self, value: str) -> Node:
        """The RDF term for ``value``, or :class:`ParameterError` saying what was expected."""
        return _term(self.type, self.check(value))

    @property
    def variable(self) -> Variable:
        """The query variable this parameter binds."""
        from rdflib import Variable

        return Variable(self.name)


# --------------------------------------------------------------------------------------------
# Safety: parse, classify, refuse


@dataclass(frozen=True)
class ParsedQuery:
    """A query text that parsed: its kind, what it declares and names, and rdflib's algebra."""

    text: str
    kind: str
    declared_prefixes: frozenset[str] = frozenset()
    variables: frozenset[str] = frozenset()
    """Names of every variable that occurs in the query."""
    graphs: tuple[URIRef, ...] = ()
    """IRIs named in ``FROM`` and ``FROM NAMED`` (known once the query is translated)."""
    algebra: AlgebraQuery | None = field(default=None, repr=False, compare=False)
    """rdflib's algebra of the SPARQL reading, what :class:`kg.query.engines.RdflibEngine` runs."""


def _walk(node: Any) -> Iterator[Any]:
    """Every node of a parse tree: CompValues, lists of tokens and the terms at the leaves."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, CompValue):
            stack.extend(item.values())
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)


def _syntax_error(exc: ParseBaseException, text: str, path: str | None) -> QuerySyntaxError:
    """The error for ``text`` that does not parse: the furthest place the grammar failed,
    what it found there, the line and a caret (:func:`kg.query.syntax.message`)."""
    from kg.query import syntax

    message = " ".join(str(exc.msg).split()).replace("Expected", "expected")
    return QuerySyntaxError(syntax.message(path, text, fallback=(exc.loc, message)))


def _parse_tree(text: str, path: str | None = None) -> ParseResults:
    """Parse one reading with rdflib's grammar (no further escape processing)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser as sparql_parser

    try:
        return sparql_parser.Query.parse_string(text, parse_all=True)
    except ParseBaseException as exc:
        try:
            update = sparql_parser.UpdateUnit.parse_string(text, parse_all=True)
        except ParseBaseException:
            raise _syntax_error(exc, text, path) from None
        requests = update[0].get("request") or []
        if not requests:
            where = f"{path}: " if path else ""
            message = f"{where}empty query: no SELECT, ASK, CONSTRUCT or DESCRIBE"
            raise QuerySyntaxError(message) from None
        names = sorted({UPDATE_KEYWORDS.get(r.name, r.name) for r in requests})
        raise UnsafeQueryError(
            f"updates are refused ({', '.join(names)}): queries only read"
        ) from None


def _inspect(tree: ParseResults) -> tuple[str, frozenset[str], frozenset[str]]:
    """Kind, declared prefixes and variable names of a parse tree; raises if it is unsafe."""
    from rdflib import Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    kind = KIND_BY_CLAUSE.get(tree[1].name, tree[1].name)
    prefixes = frozenset(
        str(d.prefix or "") for d in tree[0] if isinstance(d, CompValue) and d.name == "PrefixDecl"
    )
    variables: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            raise UnsafeQueryError("SERVICE is refused: queries run on this dataset only")
        if isinstance(node, Variable):
            variables.add(str(node))
    return kind, prefixes, frozenset(variables)


@functools.lru_cache(maxsize=512)
def parse(text: str, path: str | None = None) -> ParsedQuery:
    """Normalise ``text`` (:func:`kg.query.querytext.normalise`), judge it, then parse that text.

    The normalised text is the only one anything reads from here on: :func:`kg.query.querytext.scan`
    judges its tokens, rdflib parses it, and engines run it (:attr:`ParsedQuery.text`).
    Raises :class:`QuerySyntaxError` when it does not parse (with line and column),
    :class:`UnsafeQueryError` for an update or a ``SERVICE``. Prefixes are not resolved here
    (see :func:`check_safe`), so a catalogue text may use the project prefixes without
    declaring them.

    >>> parse("ASK { ?s ?p ?o }").kind
    'ask'
    >>> parse("SELECT * WHERE { ?s ?p }")
    Traceback (most recent call last):
    kg.errors.QuerySyntaxError: 1:24: syntax error: unexpected '}' (expected a term)
      SELECT * WHERE { ?s ?p }
                             ^
    """
    parsed, _ = _parse(text, path)
    return parsed


def _judge(text: str, path: str | None = None) -> querytext.Scan:
    """:func:`kg.query.querytext.scan` of ``text``, a syntax or limit error naming ``path``."""
    try:
        return querytext.scan(text, check_from=False)
    except (QuerySyntaxError, QueryLimitError) as exc:
        if path is None:
            raise
        raise type(exc)(f"{path}: {exc}") from None


def _parse(text: str, path: str | None = None) -> tuple[ParsedQuery, ParseResults]:
    """The judged and parsed text, and its parse tree (one rdflib parse)."""
    from kg.query.sandbox import deep_call

    judged = _judge(text, path)
    tree = deep_call(lambda: _parse_tree(judged.text, path))
    kind, prefixes, variables = _inspect(tree)
    if kind != judged.kind:  # pragma: no cover - a disagreement the scan cannot have
        raise UnsafeQueryError(f"the query reads as {kind} and as {judged.kind}: refused")
    return ParsedQuery(judged.text, kind, prefixes, variables), tree


_PN_LOCAL_ESC = re.compile(r"\\([_~.!$&'()*+,;=/?#@%-])")


def _unescape_local_names(tree: ParseResults) -> None:
    """Drop the backslash of ``sgid:collaboration\\/x`` (SPARQL's PN_LOCAL_ESC); rdflib keeps it."""
    from rdflib.plugins.sparql.parserutils import CompValue

    for node in _walk(tree):
        if isinstance(node, CompValue) and node.name == "pname":
            local = node.get("localname")
            if isinstance(local, str) and "\\" in local:
                node["localname"] = _PN_LOCAL_ESC.sub(r"\1", local)


@functools.lru_cache(maxsize=512)
def _translate(text: str) -> ParsedQuery:
    """Judge, parse (once) and translate ``text``: what :func:`check_safe` returns."""
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateQuery

    from kg.query.sandbox import deep_call

    parsed, tree = _parse(text)
    _unescape_local_names(tree)
    try:
        algebra = deep_call(lambda: translateQuery(tree))
    except RecursionError:
        raise QueryLimitError("the query is nested too deeply to translate") from None
    except Exception as exc:  # rdflib raises bare Exceptions for unknown prefixes and the like
        raise QuerySyntaxError(" ".join(str(exc).split())) from None
    graphs = tuple(
        URIRef(str(clause.default if clause.default is not None else clause.named))
        for clause in (algebra.algebra.datasetClause or [])
    )
    return replace(parsed, graphs=graphs, algebra=algebra)


def check_safe(text: str, graphs: Collection[str] | None = None) -> ParsedQuery:
    """Parse ``text`` and refuse updates, ``SERVICE`` and ``FROM`` graphs outside the dataset.

    ``graphs`` are the IRIs of the dataset's graphs; without it, ``FROM`` may name only the
    project's own graphs (IRIs under ``sgid:``). Every prefix must be declared in ``text``
    (see :func:`with_prologue`). Engines run :attr:`ParsedQuery.text`, the normalised text that
    was judged; the server's front judges the same way (:func:`kg.query.querytext.scan`).

    >>> check_safe("SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    kg.errors.UnsafeQueryError: SERVICE is refused: queries run on this dataset only
    >>> check_safe("DROP ALL")
    Traceback (most recent call last):
    kg.errors.UnsafeQueryError: updates are refused (DROP): queries only read
    >>> check_safe("SELECT * FROM <http://example.org/d.ttl> WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    kg.errors.UnsafeQueryError: FROM <http://example.org/d.ttl> is refused: not a graph here
    """
    parsed = _translate(text)
    named = [str(iri) for iri in parsed.graphs]
    querytext.refuse_outside(named, graphs, allow_iri=ID_IRI)
    return parsed


def with_prologue(text: str) -> str:
    """``text`` with a ``PREFIX`` line for each project prefix it does not declare itself.

    The declared prefixes are read from the tokens (:func:`kg.query.querytext.scan`), not parsed.

    >>> with_prologue("PREFIX sg: <urn:x#>\\nASK {}").count("PREFIX sg:")
    1
    """
    return _with_prologue(text, frozenset(_judge(text).prefixes))


def _with_prologue(text: str, declared: Collection[str]) -> str:
    missing = {p: iri for p, iri in PREFIXES.items() if p not in declared}
    return (sparql_prologue(missing) if missing else "") + text


# --------------------------------------------------------------------------------------------
# Header


@dataclass(frozen=True)
class Header:
    """What a query file's leading comment lines say about it."""

    title: str = ""
    description: str = ""
    params: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = ()


_FIELD = re.compile(r"#\s?([A-Za-z][A-Za-z-]*):\s?(.*)")
_PARAM = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?P<type>[A-Za-z]+)\s*\)"
    r"(?:\s*=\s*(?P<example>.*?))?(?:\s+--\s*(?P<description>.*))?\s*"
)


def _header_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return
        yield number, line.rstrip()


def parse_header(text: str, where: str = "query") -> Header:
    """Read the header of a query text (see the module docstring for the format).

    A line ``#   more`` (two or more spaces of indent after ``#``) continues the previous
    field; a line ``#`` alone ends it; other comment lines are ignored.

    >>> h = parse_header('''# title: Members
    ... # description: Who is a member
    ... #   on that day.
    ... # param: date (date) = 2010-06-01 -- the day
    ... # tags: membership, as-of
    ... SELECT ?m WHERE { ?m ?p ?date }''')
    >>> h.description, h.params[0].example, h.tags
    ('Who is a member on that day.', '2010-06-01', ('membership', 'as-of'))
    """
    values: dict[str, list[str]] = {"title": [], "description": []}
    params: list[tuple[int, list[str]]] = []
    tags: list[str] = []
    current: list[str] | None = None
    for number, line in _header_lines(text):
        body = line[1:]
        if body.startswith("  ") and body.strip() and current is not None:
            current.append(body.strip())
            continue
        found = _FIELD.fullmatch(line.strip())
        if not found:
            current = None
            continue
        key, value = found.group(1).lower(), found.group(2).strip()
        if key not in HEADER_FIELDS:
            known = ", ".join(HEADER_FIELDS)
            raise QueryError(f"{where}:{number}: unknown header field '{key}' (known: {known})")
        if key == "tags":
            tags.extend(t.strip() for t in value.split(",") if t.strip())
            current = None
        elif key == "param":
            current = [value]
            params.append((number, current))
        else:
            if values[key]:
                raise QueryError(f"{where}:{number}: header field '{key}' given twice")
            current = values[key]
            current.append(value)
    return Header(
        title=" ".join(values["title"]),
        description=" ".join(values["description"]),
        params=tuple(_parameter(" ".join(parts), f"{where}:{n}") for n, parts in params),
        tags=tuple(tags),
    )


def _parameter(spec: str, where: str) -> Parameter:
    found = _PARAM.fullmatch(spec)
    if not found:
        raise QueryError(
            f"{where}: cannot read the param line {spec!r} "
            "(write: # param: NAME (TYPE) = EXAMPLE -- DESCRIPTION)"
        )
    kind = found.group("type").lower()
    if kind not in PARAMETER_TYPES:
        known = ", ".join(PARAMETER_TYPES)
        raise QueryError(
            f"{where}: param '{found.group('name')}' has unknown type '{kind}' (use one of {known})"
        )
    example = found.group("example")
    if example is not None:
        example = example.strip()
        if kind != "term" and len(example) >= 2 and example[0] == example[-1] == '"':
            example = example[1:-1]
    param = Parameter(found.group("name"), kind, example or None, found.group("description") or "")
    if param.example is not None:
        try:
            param.check(param.example)
        except ParameterError as exc:
            raise QueryError(f"{where}: example value: {exc}") from None
    return param


# --------------------------------------------------------------------------------------------
# Queries and the catalogue


@dataclass(frozen=True)
class Query:
    """A named query: its header, its text (as written) and its kind, found by parsing.

    >>> q = query_from_text('''# title: Organisations founded in a year
    ... # param: year (year) = 1999 -- the year
    ... SELECT ?o WHERE { ?o schema:foundingDate ?d FILTER(YEAR(?d) = ?year) }''', name="founded")
    >>> q.bindings({"year": "2004"})
    {rdflib.term.Variable('year'): rdflib.term.Literal('2004',
    datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYear'))}
    >>> q.bindings({"yaer": "2004"})
    Traceback (most recent call last):
    kg.errors.ParameterError: query founded has no parameter 'yaer' (it declares: year)
    """

    name: str
    title: str
    description: str
    params: tuple[Parameter, ...]
    tags: tuple[str, ...]
    text: str
    path: Path | None
    kind: str

    @property
    def full_text(self) -> str:
        """The text to run: the query with the project's ``PREFIX`` lines it lacks."""
        return with_prologue(self.text)

    @property
    def is_violation(self) -> bool:
        """Whether this query lists violations (name ends in ``-violation``): no rows expected."""
        return self.name.endswith(VIOLATION_SUFFIX)

    @property
    def is_analytics(self) -> bool:
        """Whether this query is tagged ``analytics``: it reads the whole graph (3 s, not 0.1 s)."""
        return ANALYTICS_TAG in self.tags

    def parameter(self, name: str) -> Parameter:
        """The declared parameter ``name``, or :class:`ParameterError` listing the declared ones."""
        for param in self.params:
            if param.name == name:
                return param
        declared = ", ".join(p.name for p in self.params)
        listing = f"it declares: {declared}" if declared else "it declares none"
        raise ParameterError(f"query {self.name} has no parameter '{name}' ({listing})")

    def bindings(
        self, values: Mapping[str, str] | None = None, as_of: str | None = None
    ) -> dict[Variable, Node]:
        """Typed terms for every declared parameter: the given value, else the example.

        ``as_of`` binds the parameter named ``asOf``; a query without it takes no as-of date.
        """
        given = dict(values or {})
        for name in given:
            self.parameter(name)
        if as_of is not None:
            if not any(p.name == AS_OF_PARAMETER for p in self.params):
                raise ParameterError(f"query {self.name} takes no as-of date")
            if AS_OF_PARAMETER in given and given[AS_OF_PARAMETER] != as_of:
                raise ParameterError(f"query {self.name}: the as-of date is given twice")
            given[AS_OF_PARAMETER] = as_of
        result: dict[Variable, Node] = {}
        for param in self.params:
            value = given.get(param.name, param.example)
            if value is None:
                raise ParameterError(
                    f"query {self.name} needs parameter '{param.name}' "
                    f"({PARAMETER_TYPES[param.type].expects}): give --param {param.name}=VALUE"
                )
            result[param.variable] = param.convert(value)
        return result


def query_from_text(text: str, name: str = "query", path: Path | None = None) -> Query:
    """A :class:`Query` from the text of a ``.rq`` file; checks its header, syntax and safety.

    The text is parsed once, as :func:`check_safe` judges the text that runs (the file with the
    project prefixes it lacks); a syntax error is then reported at its place in the file.
    """
    where = str(path) if path is not None else name
    header = parse_header(text, where)
    judged = _judge(text, where)
    try:
        parsed = check_safe(_with_prologue(text, judged.prefixes))
    except QuerySyntaxError:
        parse(text, where)  # the error at its line and column in the file, if the file has it
        _undeclared_prefix(judged, where)
        raise
    for param in header.params:
        if param.name not in parsed.variables:
            raise QueryError(f"{where}: param '{param.name}' is not a variable of the query")
    return Query(
        name=name,
        title=header.title,
        description=header.description,
        params=header.params,
        tags=header.tags,
        text=text,
        path=path,
        kind=parsed.kind,
    )


def _undeclared_prefix(judged: querytext.Scan, where: str) -> None:
    """Raise, at its place, the first prefixed name whose prefix neither the text nor the
    project's map declares (rdflib's translation says only "Unknown namespace prefix")."""
    from kg.query import syntax

    for token in querytext.significant(judged.text):
        prefix = token.text.partition(":")[0]
        if token.kind == "pname" and prefix not in judged.prefixes and prefix not in PREFIXES:
            line, column = syntax.position(judged.text, token.start)
            raise QuerySyntaxError(
                f"{where}:{line}:{column}: syntax error: prefix '{prefix}:' is not declared "
                f"(declare it with PREFIX {prefix}: <IRI>, or use a prefix of the project's map: "
                "docs/prefixes.md)\n" + syntax.caret_lines(judged.text, token.start)
            )


def load_query(path: Path) -> Query:
    """Read one ``.rq`` file (inside the catalogue or not); its name is the file's stem."""
    return _cached_query(_read(path), path.stem, path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"{path}: no such query file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read: {exc}") from None


@functools.lru_cache(maxsize=256)
def _cached_query(text: str, name: str, path: Path) -> Query:
    return query_from_text(text, name, path)


def query_files(folder: Path | None = None) -> list[Path]:
    """The ``.rq`` files of ``folder`` (default ``queries/``), in name order; none if missing.

    Listing is cheap; loading a query parses it (about 0.1 s each on rdflib), so callers that
    need only some queries pick their files first.
    """
    folder = paths.QUERIES_DIR if folder is None else folder
    return sorted(folder.glob(f"*{QUERY_SUFFIX}")) if folder.is_dir() else []


@dataclass(frozen=True)
class Entry:
    """A catalogue file as its header and its tokens say: what ``kg query --list`` shows.

    Made without parsing the SPARQL (and without rdflib): ``kind`` is the query form the
    tokens give (:func:`kg.query.querytext.scan`, which also refuses an update or a ``SERVICE``). A
    syntax error shows when the query is loaded to run (:func:`load_query`).
    """

    name: str
    kind: str
    header: Header
    path: Path


def entry(path: Path) -> Entry:
    """The :class:`Entry` of one ``.rq`` file; its name is the file's stem.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "count.rq"
    ...     _ = path.write_text("# title: Count\\n# param: n (integer) = 2 -- at least\\nASK {}\\n")
    ...     found = entry(path)
    >>> found.name, found.kind, found.header.title, [p.name for p in found.header.params]
    ('count', 'ask', 'Count', ['n'])
    """
    text = _read(path)
    header = parse_header(text, str(path))
    try:
        kind = querytext.scan(text, check_from=False).kind
    except QueryError as exc:
        raise type(exc)(f"{path}: {exc}") from None
    return Entry(path.stem, kind, header, path)


def entries(folder: Path | None = None) -> dict[str, Entry]:
    """Every query file of ``folder`` (default ``queries/``) as an :class:`Entry`, in name
    order: the headers and query forms, no SPARQL parsed (see :class:`Entry`)."""
    return {path.stem: entry(path) for path in query_files(folder)}


def catalogue(folder: Path | None = None) -> dict[str, Query]:
    """Every query in ``folder`` (default ``queries/``), by name, in name order.

    An empty or missing folder gives an empty catalogue; a broken file raises its error.
    """
    return {path.stem: load_query(path) for path in query_files(folder)}


def tagged(tag: str, folder: Path | None = None) -> list[Query]:
    """The catalogue's queries whose header lists ``tag``, in name order.

    Only the headers of the other files are read, not their SPARQL.
    """
    chosen = []
    for path in query_files(folder):
        text = path.read_text(encoding="utf-8")
        if tag in parse_header(text, str(path)).tags:
            chosen.append(load_query(path))
    return chosen


def is_path(name_or_path: str | Path) -> bool:
    """Whether the user named a file (``x.rq``, ``dir/x``) rather than a catalogue entry."""
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or text.endswith(QUERY_SUFFIX) or "/" in text


def get(name_or_path: str | Path, folder: Path | None = None) -> Query:
    """The query with that name in the catalogue, or read from that ``.rq`` file.

    >>> get("no-such-query", folder=Path("/nonexistent"))
    Traceback (most recent call last):
    kg.errors.UnknownQueryError: no query named 'no-such-query' (the catalogue is empty)
    """
    if is_path(name_or_path):
        return load_query(Path(name_or_path))
    name = str(name_or_path)
    folder = paths.QUERIES_DIR if folder is None else folder
    path = folder / f"{name}{QUERY_SUFFIX}"
    if path.is_file():
        return load_query(path)  # only this file: parsing the whole catalogue is slow
    raise UnknownQueryError(unknown_query_message(name, [p.stem for p in query_files(folder)]))


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The known names closest to ``name`` (difflib), as ``a``, ``a or b``, ``a, b or c``.

    >>> suggestion("membrs-on-date", ["members-on-date", "is-member"])
    'members-on-date'
    """
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if not close:
        return None
    return close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]


def unknown_query_message(name: str, known: Sequence[str]) -> str:
    """What to say of a query name the catalogue lacks: the names it may have meant, else
    where the names are listed.

    >>> unknown_query_message("membrs-on-date", ["members-on-date", "is-member"])
    "no query named 'membrs-on-date' (did you mean members-on-date?)"
    >>> unknown_query_message("x", ["members-on-date"])
    "no query named 'x' (kg query --list shows the names)"
    """
    if not known:
        return f"no query named '{name}' (the catalogue is empty)"
    close = suggestion(name, known)
    if close is not None:
        return f"no query named '{name}' (did you mean {close}?)"
    return f"no query named '{name}' (kg query --list shows the names)"


def violation_queries(folder: Path | None = None) -> list[Query]:
    """The catalogue's ``*-violation`` queries, in name order (only those files are parsed)."""
    files = query_files(folder)
    return [load_query(p) for p in files if p.stem.endswith(VIOLATION_SUFFIX)]


__all__ = [
    "ANALYTICS_TAG",
    "AS_OF_PARAMETER",
    "PARAMETER_TYPES",
    "Entry",
    "Header",
    "Parameter",
    "ParameterType",
    "ParsedQuery",
    "Query",
    "catalogue",
    "check_safe",
    "entries",
    "entry",
    "expand_codepoint_escapes",
    "get",
    "is_path",
    "load_query",
    "parse",
    "parse_header",
    "query_from_text",
    "query_files",
    "suggestion",
    "unknown_query_message",
    "tagged",
    "violation_queries",
    "with_prologue",
]
