"""One small exception tree: every error a user can meet, with what to do about it.

Each error's ``str()`` is a single line fit for a terminal; the CLI prints it on stderr and
exits with :attr:`KgError.exit_code`.

>>> str(LoadError("data/x.ttl", "unexpected end of file", line=3, column=7))
'data/x.ttl:3:7: unexpected end of file'
"""

from __future__ import annotations


class KgError(Exception):
    """Base of every error raised by :mod:`kg`."""

    exit_code = 2


class LoadError(KgError):
    """A data, ontology or shapes file cannot be read or parsed."""

    def __init__(
        self,
        path: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ShapesError(KgError):
    """The SHACL shapes themselves are malformed."""


class QueryError(KgError):
    """A query cannot be found, parsed, parameterised or evaluated."""


class UnknownQueryError(QueryError):
    """No query of that name is in the catalogue."""


class QuerySyntaxError(QueryError):
    """The query text is not valid SPARQL 1.1."""


class ParameterError(QueryError):
    """A query parameter is missing, unknown or of the wrong type."""


class UnsafeQueryError(QueryError):
    """The query would update data, or reach beyond the dataset (SERVICE, LOAD, remote FROM)."""


class QueryLimitError(QueryError):
    """A query ran past a bound: its deadline, its memory, its rows, or the size of its text."""


class EndpointError(KgError):
    """A remote SPARQL endpoint failed: unreachable, timed out, or answered with an error."""

    def __init__(self, url: str, message: str, status: int | None = None, body: str = "") -> None:
        self.url = url
        self.status = status
        self.body = body
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        status = f" HTTP {self.status}" if self.status is not None else ""
        body = " ".join(self.body.split())[:300]
        return f"{self.url}:{status} {self.message}" + (f": {body}" if body else "")


class OutputError(KgError):
    """An output file or folder cannot be written."""


class ValidationFailed(KgError):
    """The data does not conform to the core shapes; carries the report."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)
