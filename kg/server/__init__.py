"""``kg serve``: a read-only SPARQL 1.1 endpoint over the built dataset, with a thin front.

The dataset is ``dist/samarbeidsgrafen.nq`` (built first when it is missing or older than any
data, ontology, code list or shapes file). It is loaded into a temporary Oxigraph store; a
pool of ``oxigraph serve-read-only`` workers (union default graph) listens on free ports of
127.0.0.1 only. The front, on ``--host``/``--port``, is the only way in:

- ``/sparql`` (also ``/query``): the SPARQL 1.1 Protocol for queries (GET, form POST, direct
  POST), content negotiation with q-values, a Service Description on a GET without a query.
  Every query is parsed by :func:`kg.queries.check_safe` (in a checker process of the front)
  before a worker sees it: updates and ``SERVICE`` (Oxigraph's server would fetch any URL for
  it, even read-only) are refused with 403, syntax errors get 400. The deadline covers the
  check and the run; the front kills the process of a query that runs too long (503): see
  :mod:`kg.server.backend`.
- ``/id/{kind}/{slug}`` (and ``/vocab/{scheme}/{concept}``): the resource's description as
  Turtle, JSON-LD or HTML, so that the project's IRIs dereference.
- ``/``: the query UI, with the named queries of ``queries/``.

Modules: :mod:`~kg.server.app` (``serve``: dataset, processes, signals),
:mod:`~kg.server.front` (HTTP, every status code), :mod:`~kg.server.protocol` (reading a
protocol request), :mod:`~kg.server.negotiation` (``Accept``), :mod:`~kg.server.backend` (the
Oxigraph workers and checkers, the deadline), :mod:`~kg.server.checker` (the checker process),
:mod:`~kg.server.pages` (resource pages, service description, the UI's catalogue).
"""

from __future__ import annotations

__all__: list[str] = []
