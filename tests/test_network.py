"""The network pictures (kg plot, dist/docs/network-*.svg) are the rows of named queries:
their lines read back equal the query's answer, exactly."""

from __future__ import annotations

import csv
import io

import pytest
from support import NATIONAL_ENV, run_kg

from kg.publish.network import LILLEHAMMER_REGION, edges_of_svg

SGID = "https://w3id.org/samarbeidsgrafen/id/"


def rows(*args: str, env: dict[str, str] | None = None) -> list[dict[str, str]]:
    done = run_kg("query", *args, "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def plot(*args: str, env: dict[str, str] | None = None) -> list[tuple[str, str, int]]:
    done = run_kg("plot", *args, env=env)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    return edges_of_svg(done.stdout)


def test_the_pairs_picture_is_the_pairs_query_within_the_region() -> None:
    members = {r["member"] for r in rows("region-members")}
    expected = sorted(
        (r["first"], r["second"], int(r["shared"]))
        for r in rows("municipality-pairs-by-shared-arrangements")
        if {r["first"], r["second"]} <= members
    )
    assert plot("--picture", "pairs") == expected
    # The seed's region: Gausdal, Lillehammer and Øyer, each pair sharing arrangements.
    assert [(a.removeprefix(SGID), b.removeprefix(SGID)) for a, b, _ in expected] == [
        ("organization/gausdal", "organization/lillehammer"),
        ("organization/gausdal", "organization/oyer"),
        ("organization/lillehammer", "organization/oyer"),
    ]


@pytest.mark.parametrize("as_of", [None, "1995-01-01", "2010-06-01"])
def test_the_links_picture_is_the_links_query_on_the_day(as_of: str | None) -> None:
    day = ["--as-of", as_of] if as_of else []
    expected = sorted({(r["municipality"], r["link"], 1) for r in rows("municipality-links", *day)})
    assert plot(*day) == expected
    assert expected  # a picture of something


def test_a_region_keeps_its_members() -> None:
    members = {r["member"] for r in rows("region-members")}
    everything = plot()
    assert plot("--region", "sgid:collaboration/lillehammer-regionen") == [
        e for e in everything if e[0] in members
    ]
    assert LILLEHAMMER_REGION == SGID + "collaboration/lillehammer-regionen"


def test_before_the_sources_speak_there_are_fewer_links() -> None:
    assert len(plot("--as-of", "1995-01-01")) < len(plot("--as-of", "2010-06-01"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--as-of", "2010-13-01"],
            "parameter 'asOf' expects a date (YYYY-MM-DD), got '2010-13-01'",
        ),
        (
            ["--picture", "pairs", "--as-of", "2010-01-01"],
            "--as-of applies to --picture links (pairs count every period) (see kg plot --help)",
        ),
        (
            ["--region", "foo"],
            "--region expects an IRI such as sgid:collaboration/lillehammer-regionen, got 'foo'",
        ),
    ],
)
def test_bad_options_are_one_line(args: list[str], message: str) -> None:
    done = run_kg("plot", *args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"kg: error: {message}\n")


def test_the_picture_is_the_same_bytes_twice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    assert run_kg("plot", "--out", str(first)).returncode == 0
    assert run_kg("plot", "--out", str(second), seed="7").returncode == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.national
def test_the_national_picture_is_the_national_links() -> None:
    expected = sorted(
        {(r["municipality"], r["link"], 1) for r in rows("municipality-links", env=NATIONAL_ENV)}
    )
    assert plot(env=NATIONAL_ENV) == expected
    # Both kinds of link are drawn: memberships (Bufdir's arrangements) and IKS seats.
    relations = {r["relation"] for r in rows("municipality-links", env=NATIONAL_ENV)}
    assert relations == {"member", "seat"}
