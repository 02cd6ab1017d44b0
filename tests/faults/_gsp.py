"""A recording Graph Store Protocol server for the push tests: it keeps graphs as sets of
N-Triples lines, answers ``GET``/``PUT``/``DELETE`` on ``/store?graph=`` and the push's
``COUNT`` on ``/query``, and can be told to fail (or stall) on its n-th ``PUT``."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

from _endpoints import Answer, Recorded

XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
_BOUND_GRAPH = re.compile(r"VALUES \(\?graph\) \{ \(<([^>]*)>\) \}")


class GraphStore:
    """Graphs by IRI; ``fail_put`` (1-based) answers that ``PUT`` with ``failure`` once, or,
    with ``stall`` seconds, answers it only after that long."""

    def __init__(
        self,
        graphs: dict[str, set[bytes]] | None = None,
        *,
        fail_put: int | None = None,
        failure: Answer = (500, {"Content-Type": "text/plain"}, b"disk full"),
        stall: float = 0.0,
    ) -> None:
        self.graphs = {iri: set(lines) for iri, lines in (graphs or {}).items()}
        self.fail_put = fail_put
        self.failure = failure
        self.stall = stall
        self.puts = 0

    def snapshot(self) -> dict[str, frozenset[bytes]]:
        """The store's state, to compare before and after."""
        return {iri: frozenset(lines) for iri, lines in self.graphs.items()}

    def __call__(self, request: Recorded) -> Answer:
        parts = urllib.parse.urlsplit(request.target)
        parameters = urllib.parse.parse_qs(parts.query)
        if parts.path == "/store":
            (iri,) = parameters["graph"]
            if request.method == "GET":
                if iri not in self.graphs:
                    return 404, {"Content-Type": "text/plain"}, b"no such graph"
                body = b"".join(line + b"\n" for line in sorted(self.graphs[iri]))
                return 200, {"Content-Type": "application/n-triples"}, body
            if request.method == "DELETE":
                return (204, {}, b"") if self.graphs.pop(iri, None) is not None else (404, {}, b"")
            if request.method == "PUT":
                self.puts += 1
                if self.puts == self.fail_put:
                    if self.stall:
                        time.sleep(self.stall)
                    else:
                        return self.failure
                created = iri not in self.graphs
                self.graphs[iri] = {line for line in request.body.splitlines() if line.strip()}
                return (201 if created else 204), {}, b""
        if parts.path == "/query":
            form = urllib.parse.parse_qs(request.body.decode()) if request.body else parameters
            found = _BOUND_GRAPH.search(form["query"][0])
            assert found, form["query"][0]
            count = len(self.graphs.get(found.group(1), ()))
            value = {"type": "literal", "value": str(count), "datatype": XSD_INT}
            document = {
                "head": {"vars": ["triples"]},
                "results": {"bindings": [{"triples": value}]},
            }
            headers = {"Content-Type": "application/sparql-results+json"}
            return 200, headers, json.dumps(document).encode()
        return 404, {"Content-Type": "text/plain"}, b"no such resource"
