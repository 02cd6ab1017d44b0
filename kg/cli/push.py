"""``kg push``: upload the dataset's graphs to a SPARQL store and check the store's counts; back
them up first, and put a backup back (``--restore``) or finish a push (``--only``)."""

from __future__ import annotations

import datetime
import os
import shlex
from pathlib import Path

import click

from kg.cli.options import data_option, max_result_option, timeout_option
from kg.publish.push import PushIncomplete, push, restore
from kg.query.remote import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, MIB, check_url


def default_backup_folder() -> Path:
    """A new folder in the current directory, named by the time: ``kg-push-backup-<UTC>``."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(f"kg-push-backup-{stamp}")
    suffix = 2
    while folder.exists():
        folder = Path(f"kg-push-backup-{stamp}-{suffix}")
        suffix += 1
    return folder


@click.command("push")
@click.argument("url", metavar="QUERY-URL")
@click.option(
    "--graph-store",
    "graph_store",
    metavar="URL",
    default=None,
    help="Graph Store Protocol endpoint (default for Oxigraph: QUERY-URL with /query or "
    "/sparql replaced by /store).",
)
@click.option("--user", default=None, metavar="USER", help="User for HTTP Basic authentication.")
@click.option(
    "--password-env",
    "password_env",
    default=None,
    metavar="VAR",
    help="Environment variable holding the password (never give it on the command line).",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="GRAPH",
    help="Push only this graph (its IRI; repeatable): how to finish a push that stopped.",
)
@click.option(
    "--backup",
    "backup",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Save the graphs' previous contents here first (a new folder; default "
    "kg-push-backup-<time> in the current directory).",
)
@click.option("--no-backup", "no_backup", is_flag=True, help="Replace without a backup first.")
@click.option(
    "--restore",
    "restore_from",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    metavar="DIR",
    help="Put the graphs saved in DIR by an earlier push back, instead of pushing.",
)
@timeout_option
@max_result_option
@data_option
def command(
    url: str,
    graph_store: str | None,
    user: str | None,
    password_env: str | None,
    only: tuple[str, ...],
    backup: Path | None,
    no_backup: bool,
    restore_from: Path | None,
    timeout: float | None,
    max_result_mb: float | None,
    data: Path | None,
) -> None:
    """Upload every graph of the dataset to the store at QUERY-URL (one PUT per graph, which
    replaces it), then check that the store counts as many triples in each graph.

    First each graph's previous contents are saved in a backup folder; if the push stops
    halfway, the message says which graphs were replaced and gives the commands that finish
    it (--only) or roll it back (--restore DIR)."""
    check_url(url)  # before anything is loaded: a malformed URL is one line, at once
    if graph_store is not None:
        check_url(graph_store)
    if backup is not None and no_backup:
        raise click.UsageError("--backup and --no-backup exclude each other")
    if restore_from is not None:
        given = [name for name, value in _push_options(only, backup, no_backup, data) if value]
        if given:
            raise click.UsageError(f"{given[0]} and --restore exclude each other")
    password = None
    if password_env is not None:
        if user is None:
            raise click.UsageError("--password-env needs --user")
        password = os.environ.get(password_env)
        if password is None:
            raise click.UsageError(f"the environment variable {password_env} is not set")
    elif user is not None:
        raise click.UsageError(
            "--user needs --password-env VAR (the variable holding the password)"
        )
    options = {
        "store_url": graph_store,
        "user": user,
        "password": password,
        "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
        "max_bytes": DEFAULT_MAX_BYTES if max_result_mb is None else int(max_result_mb * MIB),
    }
    base = ["kg", "push", url]
    if graph_store is not None:
        base += ["--graph-store", graph_store]
    if user is not None and password_env is not None:
        base += ["--user", user, "--password-env", password_env]  # the variable's name only
    if timeout is not None:
        base += ["--timeout", f"{timeout:g}"]
    if max_result_mb is not None:
        base += ["--max-result-mb", f"{max_result_mb:g}"]
    if restore_from is not None:
        try:
            report = restore(restore_from, url, **options)  # type: ignore[arg-type]
        except PushIncomplete as stopped:
            again = shlex.join([*base, "--restore", str(restore_from)])
            stopped.hints.append(f"to finish the restore, run it again: {again}")
            raise
        click.echo(report.to_table())
        return
    from kg.model.dataset import load_dataset

    dataset = load_dataset(data)
    folder = None if no_backup else (backup or default_backup_folder())
    try:
        report = push(
            dataset,
            url,
            only=only or None,
            backup=folder,
            **options,  # type: ignore[arg-type]
        )
    except PushIncomplete as stopped:
        finish = [*base, *(["--data", str(data)] if data is not None else [])]
        for iri in stopped.remaining:
            finish += ["--only", str(iri)]
        if folder is not None:
            stopped.hints.append(f"to roll back: {shlex.join([*base, '--restore', str(folder)])}")
        else:
            stopped.hints.append("no backup was taken (--no-backup): it cannot be rolled back")
        stopped.hints.append(f"to finish: {shlex.join(finish)}")
        raise
    click.echo(report.to_table())
    if folder is not None:
        undo = shlex.join([*base, "--restore", str(folder)])
        click.echo(f"the previous contents are saved in {folder} (to undo: {undo})")


def _push_options(
    only: tuple[str, ...], backup: Path | None, no_backup: bool, data: Path | None
) -> list[tuple[str, object]]:
    return [("--only", only), ("--backup", backup), ("--no-backup", no_backup), ("--data", data)]
