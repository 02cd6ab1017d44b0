"""``kg push``: upload the dataset's graphs to a SPARQL store and check the store's counts."""

from __future__ import annotations

import os
from pathlib import Path

import click

from kg.cli.options import data_option, timeout_option
from kg.dataset import load_dataset
from kg.push import push
from kg.remote import check_url


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
@timeout_option
@data_option
def command(
    url: str,
    graph_store: str | None,
    user: str | None,
    password_env: str | None,
    timeout: float | None,
    data: Path | None,
) -> None:
    """Upload every graph of the dataset to the store at QUERY-URL (one PUT per graph, which
    replaces it), then check that the store counts as many triples in each graph."""
    check_url(url)  # before anything is loaded: a malformed URL is one line, at once
    if graph_store is not None:
        check_url(graph_store)
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
    dataset = load_dataset(data)
    report = push(
        dataset,
        url,
        store_url=graph_store,
        user=user,
        password=password,
        **({"timeout": timeout} if timeout is not None else {}),
    )
    click.echo(report.to_table())
