"""``kg build``: load, validate and export everything into ``dist/``, replacing it atomically.

Exit codes: 0 built; 1 the data violates the core shapes (the violations table on stdout,
nothing written); 2 a load, shapes or output error (one line on stderr, nothing written), or
interrupted by SIGINT or SIGTERM ("Aborted.", the earlier output left as it was).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import click

from kg.build import build
from kg.cli.options import data_option, shapes_option
from kg.errors import ValidationFailed
from kg.render import table
from kg.stats import summary_text
from kg.validate import ValidationReport


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
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def command(data: Path | None, out: Path, shapes: tuple[Path, ...], quiet: bool) -> None:
    """Build dist/: every export format, framed views, context, ontology, shapes, checksums."""
    try:
        with sigterm_as_interrupt():
            result = build(data, out, shapes=list(shapes) or None)
    except ValidationFailed as failed:
        # The table on stdout; kg.cli.main prints the one-line error and exits 1.
        if isinstance(failed.report, ValidationReport):
            click.echo(failed.report.to_table())
        raise
    if quiet:
        return
    click.echo(summary_text(result.dataset, result.report, example_queries=None))
    click.echo()
    rows = [[f.name, str(f.size)] for f in result.files]
    click.echo(f"wrote {len(result.files)} files to {result.out}/")
    click.echo(table(["file", "bytes"], rows))
