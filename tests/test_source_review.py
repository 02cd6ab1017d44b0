"""The source review (``docs/source-review.md``) stays true to the page and to the data: its block
quotes are the page's title, headings and sentences, exactly (white space, of which the page has
non-breaking and double spaces, as single spaces), all of them and in page order; and
every compact IRI of a resource or code-list concept it names exists in the data or the code
lists."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from support import iris_of

from kg.model.dataset import load_dataset, union_graph

ROOT = Path(__file__).resolve().parent.parent
REVIEW = ROOT / "docs" / "source-review.md"
PAGE = ROOT.parent / "shared" / "sources" / "oyer-regionalt-samarbeid-2010.txt"
DATA = ROOT / "data" / "oyer-regionalt-samarbeid-2010.trig"

# A full stop after these does not end a sentence.
ABBREVIATIONS = ("bl.a.",)
# Prefixes of resources (id/) and code lists (vocab/) in the data files; standard vocabularies
# (org:, time:, …) are not checked here.
CHECKED_NAMESPACES = (
    "https://w3id.org/samarbeidsgrafen/id/",
    "https://w3id.org/samarbeidsgrafen/vocab/",
)


def sentences(paragraph: str) -> list[str]:
    """A paragraph split into sentences: after . ! or ? and white space, before a capital or a
    digit; a quotation mark after ? (a quoted title) does not end the sentence.

    >>> sentences("Den ene. Den andre, bl.a. Høgskolen? Ja. I 2003 ble det slik.")
    ['Den ene.', 'Den andre, bl.a. Høgskolen?', 'Ja.', 'I 2003 ble det slik.']
    """
    found: list[str] = []
    for part in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9])", paragraph.strip()):
        if found and found[-1].endswith(ABBREVIATIONS):
            found[-1] += " " + part
        else:
            found.append(part)
    return found


def page_units(text: str) -> list[str]:
    """The page's title, headings and sentences in order (every non-empty line is a heading or
    a paragraph), each run of white space as one space."""
    return [
        " ".join(unit.split())
        for line in text.splitlines()
        if line.strip()
        for unit in sentences(line)
    ]


def quoted(review: str) -> list[str]:
    """The review's block quotes, one per line."""
    return [line[2:] for line in review.splitlines() if line.startswith("> ")]


@functools.cache
def data_prefixes() -> dict[str, str]:
    text = DATA.read_text(encoding="utf-8")
    return {
        prefix: iri
        for prefix, iri in re.findall(r"@prefix (\w+): <([^>]+)>", text)
        if iri.startswith(CHECKED_NAMESPACES)
    }


def compact_iris(review: str) -> set[str]:
    """Every ``prefix:local`` with a checked prefix inside a code span of the review, expanded."""
    prefixes = data_prefixes()
    pattern = re.compile(r"(?<![\w:/#.-])(" + "|".join(prefixes) + r"):([\w][\w.-]*[\w]|[\w])")
    found: set[str] = set()
    for span in re.findall(r"`([^`]+)`", review, re.S):
        for prefix, local in pattern.findall(span):
            found.add(prefixes[prefix] + local)
    return found


def test_sentence_splitting_keeps_abbreviations_and_quoted_questions() -> None:
    line = 'Prosjektet "3 - 1 - hva kan vi?" har ført til noe. OFK, som bl.a. Høgskolen.   Les mer.'
    assert sentences(line) == [
        'Prosjektet "3 - 1 - hva kan vi?" har ført til noe.',
        "OFK, som bl.a. Høgskolen.",
        "Les mer.",
    ]


def test_the_review_quotes_every_sentence_of_the_page_exactly_and_in_order() -> None:
    if not PAGE.exists():
        pytest.skip(f"the source page is not at {PAGE} (shared/ is absent)")
    units = page_units(PAGE.read_text(encoding="utf-8"))
    assert len(units) == 26  # the title, three headings and 22 sentences
    assert quoted(REVIEW.read_text(encoding="utf-8")) == units


def test_every_resource_the_review_names_is_in_the_data() -> None:
    review = REVIEW.read_text(encoding="utf-8")
    named = compact_iris(review)
    assert "https://w3id.org/samarbeidsgrafen/id/organization/glor-iks" in named
    known = iris_of(union_graph(load_dataset()))
    assert sorted(named - known) == []


def test_the_iri_check_sees_a_name_that_is_not_in_the_data() -> None:
    named = compact_iris("`c:no-such-cooperation org:purpose dom:waste` and `o:oyer`")
    base = "https://w3id.org/samarbeidsgrafen/"
    assert named == {
        base + "id/collaboration/no-such-cooperation",
        base + "vocab/policy-domain/waste",
        base + "id/organization/oyer",
    }
