"""``dist/crosswalk.csv``: the identifier crosswalk for researchers, without RDF tools."""

from __future__ import annotations

import csv
import io

import pytest

from kg.publish.build import build


@pytest.fixture(scope="module")
def crosswalk(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("build") / "dist"
    result = build(out=out)
    assert "crosswalk.csv" in {f.name for f in result.files}
    text = (out / "crosswalk.csv").read_bytes().decode("utf-8")
    assert text.endswith("\r\n")  # SPARQL 1.1 CSV results
    return list(csv.DictReader(io.StringIO(text)))


def test_the_columns(crosswalk: list[dict[str, str]]) -> None:
    assert list(crosswalk[0]) == [
        "organization",
        "organizationLabel",
        "typeLabel",
        "notation",
        "validFrom",
        "validUntil",
        "wikidata",
    ]


def test_oyer_with_its_numbers_before_and_after_2020(crosswalk: list[dict[str, str]]) -> None:
    oyer = "https://w3id.org/samarbeidsgrafen/id/organization/oyer"
    rows = [
        (r["typeLabel"], r["notation"], r["validFrom"], r["validUntil"], r["wikidata"])
        for r in crosswalk
        if r["organization"] == oyer
    ]
    assert rows == [
        ("kommunenummer", "0521", "", "2019-12-31", "http://www.wikidata.org/entity/Q316779"),
        ("kommunenummer", "3440", "2020-01-01", "", "http://www.wikidata.org/entity/Q316779"),
        ("organisasjonsnummer", "961381185", "", "", "http://www.wikidata.org/entity/Q316779"),
    ]


def test_every_organisation_number_in_the_data_is_there(crosswalk: list[dict[str, str]]) -> None:
    numbers = {r["notation"] for r in crosswalk if r["typeLabel"] == "organisasjonsnummer"}
    assert numbers == {
        "945578564",
        "961381185",
        "961381274",
        "961382335",
        "942116217",
        "971041692",
        "975264793",
    }


def test_the_file_is_the_named_query_answer(crosswalk: list[dict[str, str]]) -> None:
    from kg.model.dataset import load_dataset
    from kg.query.engines import RdflibEngine, run
    from kg.query.queries import get

    answer = run(get("identifier-crosswalk"), RdflibEngine(load_dataset())).to_csv()
    assert list(csv.DictReader(io.StringIO(answer))) == crosswalk
