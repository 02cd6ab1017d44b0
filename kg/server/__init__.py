"""``kg serve``: a read-only SPARQL 1.1 endpoint over the built dataset, with a thin front.

The dataset is ``dist/samarbeidsgrafen.nq`` (built first when it is missing or older than any
data, ontology, code list or shapes file). It is loaded into a temporary Oxigraph store (the
default graph holds the union of the graphs); a pool of worker processes
(:mod:`~kg.server.worker`) opens it read-only, each in a network namespace of its own, and
listens on no port: the front, on ``--host``/``--port``, is the only way in:

- ``/sparql`` (also ``/query``): the SPARQL 1.1 Protocol for queries (GET, form POST, direct
  POST), content negotiation with q-values, a Service Description on a GET without a query.
  Every query is normalised and judged by :func:`kg.query.querytext.scan` before a worker sees it,
  and the normalised text is what runs: updates and ``SERVICE`` are refused with 403 (and a
  worker could not connect anywhere anyway), syntax errors get 400. The front kills the
  worker of a query that runs too long or takes too much memory (503): see
  :mod:`kg.server.backend`.
- ``/id/{kind}/{slug}`` (and ``/vocab/{scheme}/{concept}``): the resource's description as
  Turtle, JSON-LD or HTML, so that the project's IRIs dereference; ``/vocab/{scheme}``: a code
  list with its concepts; ``/ontology`` and ``/shapes``: the built ``ontology.ttl`` and
  ``shapes.ttl`` whole (Turtle, JSON-LD, N-Triples, HTML with an element per hash term, also
  as ``/ontology.ttl`` …), ``/context/v1.jsonld``: the JSON-LD context (see
  :mod:`~kg.server.documents`).
- ``/docs/``: the built documentation, ``dist/docs/``, and never a file outside it.
- ``/``: the query UI, with the named queries of ``queries/``.

Modules: :mod:`~kg.server.app` (``serve``: dataset, processes, signals),
:mod:`~kg.server.front` (HTTP, every status code), :mod:`~kg.server.protocol` (reading a
protocol request), :mod:`~kg.server.negotiation` (``Accept``), :mod:`~kg.server.backend` (the
worker pool, the deadline and the memory bound), :mod:`~kg.server.worker` (the isolated worker
process), :mod:`~kg.server.pages` (resource pages, service description, the UI's catalogue),
:mod:`~kg.server.documents` (the ontology, shapes and code-list pages, ``docs/``).
"""

from __future__ import annotations

__all__: list[str] = []
