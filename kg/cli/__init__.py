"""The ``kg`` command: one module per subcommand, each a thin wrapper over the library.

Exit codes: 0 success (or the data conforms), 1 the data does not conform, 2 a usage, load,
query or endpoint error. Results go to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from kg import __version__
from kg.errors import KgError

COMMANDS = {
    "build": "kg.cli.build",
    "validate": "kg.cli.validate",
    "query": "kg.cli.query",
    "export": "kg.cli.export",
    "stats": "kg.cli.stats",
    "push": "kg.cli.push",
    "serve": "kg.cli.serve",
}
"""Subcommand name → module defining a click command named ``command``."""


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, m in COMMANDS.items() if importlib.util.find_spec(m) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None or importlib.util.find_spec(module) is None:
            return None
        command = importlib.import_module(module).command
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """samarbeidsgrafen: build, validate, query and export the cooperation graph."""


def main() -> None:
    """Console entry point: runs the CLI and maps library errors to one line and an exit code."""
    try:
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KgError as exc:
        click.echo(f"kg: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
