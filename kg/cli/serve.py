"""``kg serve``: the read-only SPARQL endpoint, resource pages and query UI (see :mod:`kg.server`).

Runs until Ctrl-C or SIGTERM, then stops its query workers and removes its temporary store.
Exit codes: 0 stopped cleanly; 1 the data violates the core shapes (when it had to be built);
2 a load, build or start-up error (one line on stderr).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click

from kg.cli.options import F, data_option
from kg.server.app import serve
from kg.server.front import ServerConfig

_ORIGIN = re.compile(r"https?://[^/\s?#*]+")


def _origins(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    for origin in values:
        if not _ORIGIN.fullmatch(origin):
            raise click.BadParameter(
                f"'{origin}' is not an origin like https://example.org (no '*', path or slash)",
                ctx=ctx,
                param=param,
            )
    return tuple(values)


def _bounded(name: str, default: float, low: float, high: float, help: str) -> Callable[[F], F]:
    """A number option from ``low`` to ``high`` (a float if ``default`` is one, else an integer),
    its default shown in ``--help``."""
    kind = (
        click.FloatRange(low, high)
        if isinstance(default, float)
        else click.IntRange(int(low), int(high))
    )

    def decorate(function: F) -> F:
        return click.option(name, default=default, show_default=True, type=kind, help=help)(
            function
        )

    return decorate


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@_bounded("--port", 7878, 0, 65535, "Port to listen on (0: any free port; the URL is printed).")
@_bounded(
    "--timeout",
    10.0,
    0.1,
    3600,
    "Seconds a query may run; a slower query is stopped and answered with 503.",
)
@data_option
@click.option(
    "--dist",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Built dataset folder [default: dist/; with --data, a temporary folder].",
)
@click.option("--rebuild", is_flag=True, help="Build even when the dataset is up to date.")
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    callback=_origins,
    metavar="ORIGIN",
    help="An origin whose pages may read answers (repeatable); none by default.",
)
@_bounded("--workers", 2, 1, 32, "Worker processes (queries that run at the same time).")
@_bounded("--max-result-mb", 16, 1, 4096, "Largest answer in MiB; a larger one is stopped.")
@_bounded(
    "--worker-memory-mb",
    1024,
    64,
    1048576,
    "Memory in MiB a worker may use; a query that needs more is stopped (503).",
)
@click.option(
    "--no-network-isolation",
    "no_isolation",
    is_flag=True,
    help="Serve even where the workers cannot be cut off from the network (no Linux network "
    "namespaces): a SERVICE query the check missed could then make this machine send requests.",
)
def command(
    host: str,
    port: int,
    timeout: float,
    data: Path | None,
    dist: Path | None,
    rebuild: bool,
    cors_origins: tuple[str, ...],
    workers: int,
    max_result_mb: int,
    worker_memory_mb: int,
    no_isolation: bool,
) -> None:
    """Serve the graph: SPARQL endpoint at /sparql, resource pages at /id/..., query UI at /.

    Every project IRI dereferences: /id/..., /vocab/{scheme}[/{concept}], /ontology (#term),
    /shapes, /context/v1.jsonld; dist/docs/ is served at /docs/.
    """
    config = ServerConfig(
        host=host,
        port=port,
        timeout=timeout,
        cors_origins=cors_origins,
        workers=workers,
        max_result_bytes=max_result_mb * 1024 * 1024,
        worker_memory=worker_memory_mb * 1024 * 1024,
        isolated=not no_isolation,
    )
    serve(config, data=data, dist=dist, rebuild=rebuild)
