"""The query checker process: ``python -m kg.server.checker GRAPHS.json``.

Reads one JSON object per line on stdin (``{"query": TEXT}``), answers one per line on stdout:
``{"status": 200, "kind": "select"}`` when :func:`kg.queries.check_safe` accepts the query
against the store's graphs (listed in ``GRAPHS.json``), else the status the front answers with
and a one-line message (400 syntax, 403 unsafe). It starts by writing ``{"ready": true}``.

The parse runs in a thread with a large stack and a high recursion limit, because rdflib's
grammar recurses once per triple pattern. After checking a lot of text the process asks to be
replaced (``"retire": true``), which bounds the memory of the parser's caches.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from kg.errors import QueryError, QuerySyntaxError, UnsafeQueryError
from kg.queries import check_safe

STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 100_000
RETIRE_AFTER = 64 * 1024 * 1024
"""Characters of query text checked before the process asks to be replaced."""


def verdict(text: str, graphs: frozenset[str]) -> dict[str, Any]:
    """The answer for one query text.

    >>> verdict("ASK {}", frozenset())
    {'status': 200, 'kind': 'ask'}
    >>> verdict("ASK {", frozenset())["status"], verdict("DROP ALL", frozenset())["status"]
    (400, 403)
    """
    try:
        parsed = check_safe(text, graphs)
    except QuerySyntaxError as error:
        return {"status": 400, "message": f"syntax error: {error}"}
    except UnsafeQueryError as error:
        return {"status": 403, "message": str(error)}
    except QueryError as error:  # an undeclared prefix, say
        return {"status": 400, "message": str(error)}
    except RecursionError:
        return {"status": 400, "message": "the query is nested too deeply to be checked"}
    except Exception as error:  # the parser's own failures: the query is refused, not run
        name = type(error).__name__
        return {"status": 400, "message": f"the query cannot be checked ({name}: {error})"}
    return {"status": 200, "kind": parsed.kind}


def _serve(graphs: frozenset[str]) -> None:
    output = sys.stdout.buffer
    output.write(b'{"ready": true}\n')
    output.flush()
    checked = 0
    for line in sys.stdin.buffer:
        try:
            text = json.loads(line)["query"]
        except (ValueError, KeyError, TypeError):
            answer: dict[str, Any] = {"status": 400, "message": "unreadable request"}
            text = ""
        else:
            answer = verdict(text, graphs)
        checked += len(text)
        if checked > RETIRE_AFTER:
            answer["retire"] = True
        output.write(json.dumps(answer).encode("utf-8") + b"\n")
        output.flush()
        if answer.get("retire"):
            return


def main(argv: list[str] | None = None) -> None:
    """Check queries from stdin until it closes (or enough text was checked)."""
    args = sys.argv[1:] if argv is None else argv
    graphs = frozenset(json.loads(Path(args[0]).read_text(encoding="utf-8")))
    sys.setrecursionlimit(RECURSION_LIMIT)
    threading.stack_size(STACK_BYTES)
    worker = threading.Thread(target=_serve, args=(graphs,), name="checker")
    worker.start()
    worker.join()


if __name__ == "__main__":
    main()
