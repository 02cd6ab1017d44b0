"""The ``kg`` command: one module per subcommand, each a thin wrapper over the library.

Exit codes: 0 success (or the data conforms), 1 the data does not conform, 2 a usage, load,
query or endpoint error. Results go to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import errno
import importlib
import importlib.util
import os
import sys
from typing import NoReturn

import click

from kg import __version__
from kg.errors import KgError, OutputError

COMMANDS = {
    "build": "kg.cli.build",
    "validate": "kg.cli.validate",
    "query": "kg.cli.query",
    "export": "kg.cli.export",
    "stats": "kg.cli.stats",
    "push": "kg.cli.push",
    "serve": "kg.cli.serve",
    "link": "kg.cli.link",
    "find": "kg.cli.find",
    "docs": "kg.cli.docs",
    "plot": "kg.cli.plot",
    "release": "kg.cli.release",
}
"""Subcommand name → module defining a click command named ``command``."""


_HELP_KEYWORDS = ("help", "short_help", "hidden", "deprecated")


def command_help(module: str) -> str | None:
    """The docstring of the ``command`` function in ``module``, read from its source without
    importing it (``kg --help`` would otherwise import every subcommand, and with them rdflib,
    pySHACL, PyLD and the server: seconds instead of a tenth of one). ``None`` when the source
    cannot say it: no such function, or a decorator that sets the help itself.

    >>> command_help("kg.cli.export")
    'Write the dataset in one format, deterministic bytes.'
    """
    import ast
    from pathlib import Path

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "command":
            for decorator in node.decorator_list:
                called = decorator.func if isinstance(decorator, ast.Call) else None
                name = getattr(called, "attr", getattr(called, "id", None))
                if name == "command" and isinstance(decorator, ast.Call):
                    if any(k.arg in _HELP_KEYWORDS for k in decorator.keywords):
                        return None
            return ast.get_docstring(node)
    return None


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs (its help in the list of
    commands is read from the module's source: :func:`command_help`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, m in COMMANDS.items() if importlib.util.find_spec(m) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None or importlib.util.find_spec(module) is None:
            return None
        command = importlib.import_module(module).command
        assert isinstance(command, click.Command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and command is not None:
            ctx.meta["kg.command"] = (name, command)
        return name, command, rest

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; a usage error click raises without a context while parsing its
        options (``Option '--format' requires an argument``) gets the subcommand's, so that the
        message names ``kg COMMAND --help``."""
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            resolved = ctx.meta.get("kg.command")
            if exc.ctx is None and resolved is not None:
                exc.ctx = click.Context(resolved[1], info_name=resolved[0], parent=ctx)
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands with their short help, as click writes it, importing none of
        them unless its help cannot be read from the source."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            module = COMMANDS[name]
            text = None if module in sys.modules else command_help(module)
            command = (
                self.get_command(ctx, name) if text is None else click.Command(name, help=text)
            )
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _parse_timeout(ctx: click.Context, param: click.Parameter, value: float | None) -> None:
    if value is None:
        return
    if not value > 0:
        raise click.BadParameter("must be a positive number of seconds", ctx=ctx, param=param)
    from kg.model import bounds

    bounds.set_parse_seconds(value)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "-V", "--version", prog_name="kg", message="%(prog)s %(version)s"
)
@click.option(
    "--parse-timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    expose_value=False,
    is_eager=True,
    callback=_parse_timeout,
    help="Stop parsing a file that takes longer than this (default 600 seconds per file).",
)
def cli() -> None:
    """samarbeidsgrafen: build, validate, query and export the cooperation graph."""


STDOUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.ENXIO})
"""Errors of a write that did not reach the file: stdout on a full disk, ``/dev/full``, a
vanished terminal."""


def _discard_stdout() -> None:
    """Point stdout at ``/dev/null``, so that the interpreter's last flush of what is still
    buffered cannot fail (and print a traceback) after the error was reported."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"kg: error: {message}", err=True)
    sys.exit(code)


def main() -> None:
    """Console entry point: runs the CLI and maps library errors to one line and an exit code."""
    try:
        code = cli.main(prog_name="kg", standalone_mode=False)
        sys.stdout.flush()  # a full disk shows here, while it can still be reported
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(2)
    except click.exceptions.NoArgsIsHelpError as exc:  # `kg` alone: the help, exit 2 (as git)
        click.echo(exc.ctx.get_help())
        sys.exit(2)
    except click.UsageError as exc:
        from kg.cli.usage import usage_message

        ctx = exc.ctx or click.Context(cli, info_name="kg")
        _fail(usage_message(exc, cli.list_commands(ctx)))
    except click.ClickException as exc:
        from kg.cli.usage import sentence

        _fail(sentence(exc.format_message()))
    except KgError as exc:
        if isinstance(exc, OutputError) and str(exc).startswith("cannot write to stdout"):
            _discard_stdout()
        _fail(str(exc), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(0)
    except RecursionError:
        _fail(
            "the data is nested too deeply to process "
            "(blank nodes or lists chained beyond Python's recursion limit; flatten the data)"
        )
    except MemoryError:
        _fail("out of memory (use a smaller data set or a machine with more memory)")
    except OSError as exc:
        if exc.errno not in STDOUT_ERRNOS or exc.filename is not None:
            raise
        _discard_stdout()
        _fail(f"cannot write to stdout: {exc.strerror} (free some space or write elsewhere)")
