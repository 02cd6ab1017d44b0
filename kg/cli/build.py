"""``kg build``: load, validate and export everything into ``dist/``, replacing it atomically.

Exit codes: 0 built; 1 the data violates the core shapes (the violations table on stdout,
nothing written); 2 a load, shapes or output error (one line on stderr, nothing written), or
interrupted by SIGINT or SIGTERM ("Aborted.", the earlier output left as it was).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click

from kg.cli.options import data_option, shacl_engine_option, shapes_option
from kg.errors import ValidationFailed
from kg.model.render import table
from kg.publish.build import BuildResult, build
from kg.publish.export import write_atomic
from kg.publish.progress import Stages
from kg.validation.validate import ValidationReport


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within this block, SIGTERM interrupts like SIGINT (Ctrl-C): a ``KeyboardInterrupt`` that
    unwinds through the build's clean-up, so no temporary folder is left and ``out`` stays as
    it was. (Python's default for SIGTERM ends the process at once, cleaning nothing.)"""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("build")
@data_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Output folder; replaced only when the build succeeds.",
)
@shapes_option
@shacl_engine_option
@click.option(
    "--timings",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Write the stage times as JSON to FILE (also when the build fails).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not keep the built store for kg query, kg stats and kg serve (KG_CACHE_DIR).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Print nothing on success (no progress, no tables)."
)
def command(
    data: Path | None,
    out: Path,
    shapes: tuple[Path, ...],
    shacl_engine: str,
    timings: Path | None,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Build dist/: every export format, framed views, context, ontology, shapes, checksums.

    On a terminal, the stages show while they run and their times at the end."""
    stages = Stages(show=not quiet and sys.stderr.isatty())
    try:
        with sigterm_as_interrupt():
            result = build(
                data,
                out,
                shapes=list(shapes) or None,
                shacl_engine=shacl_engine,
                stages=stages,
                cache=not no_cache,
            )
        with stages.stage("summary"):
            summary = _summary(result)
    except ValidationFailed as failed:
        stages.close()
        # The table on stdout; kg.cli.main prints the one-line error and exits 1.
        show_violations(failed, data)
        raise
    finally:
        stages.close()
        if timings is not None:
            write_atomic(timings, (json.dumps(stages.to_json(), indent=2) + "\n").encode())
    if quiet:
        return
    click.echo(summary)
    click.echo()
    rows = [[f.name, str(f.size)] for f in result.files if not f.name.startswith("docs/")]
    pages = [f for f in result.files if f.name.startswith("docs/")]
    if pages:  # the documentation in one line: its pages are many
        rows.append([f"docs/ ({len(pages)} pages and pictures)", str(sum(f.size for f in pages))])
    click.echo(f"wrote {len(result.files)} files to {result.out}/")
    click.echo(table(["file", "bytes"], rows))
    if stages.show:
        click.echo("\n" + stages.table(), err=True)


def show_violations(failed: ValidationFailed, data: Path | None) -> None:
    """The report of a build that stopped on violations, on stdout, each result with the file
    and line where its resource is described (``kg release`` prints it the same way)."""
    if not isinstance(failed.report, ValidationReport):
        return
    from kg.model.locate import where_described
    from kg.model.store import input_files

    results = failed.report.results
    where = where_described(
        [path for _, path in input_files(data)], (r.focus_node for r in results)
    )
    click.echo(failed.report.to_table(where), nl=False)


def _summary(result: BuildResult) -> str:
    """The summary of the built store and the answers of the catalogue's example queries."""
    from kg.publish.build import BUILD_QUERY_LIMITS
    from kg.publish.stats import summarize_store, summary_text
    from kg.query.engines import OxigraphEngine

    loaded = result.loaded
    summary = summarize_store(loaded.store, result.report, result.triples)
    engine = OxigraphEngine.of_store(loaded.store, BUILD_QUERY_LIMITS, union=True)
    return summary_text(summary, result.report, example_queries=None, engine=engine)
