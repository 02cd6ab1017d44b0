"""The summary that ``kg stats`` and ``kg build`` print, as library calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Dataset
from support import use_project

from kg.model.dataset import load_dataset
from kg.model.namespaces import ORG, OWL, SG, SKOS
from kg.publish.stats import catalogue_examples, summarize, summary_text
from kg.validation.validate import validate


@pytest.fixture
def dataset(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dataset]:
    use_project(monkeypatch)
    yield load_dataset()


def test_summarize_counts_entities_outside_the_model(dataset: Dataset) -> None:
    summary = summarize(dataset, validate(dataset))
    classes = dict(summary.classes)
    assert classes[ORG.Membership] == 5
    assert classes[SG.Municipality] == 4
    assert SG.SourceGraph in classes
    assert OWL.Class not in classes and SKOS.Concept not in classes  # model graphs left out
    assert summary.classes[0] == (ORG.Membership, 5)
    assert (summary.violations, summary.warnings) == (0, 2)
    assert [g.kind for g in summary.graphs] == ["source", "ontology", "vocabularies"]


def test_the_examples_are_the_queries_tagged_example(dataset: Dataset) -> None:
    assert [q.name for q in catalogue_examples()] == ["collaborations", "members-on-date"]
    assert [q.name for q in catalogue_examples(limit=1)] == ["collaborations"]


def test_summary_text_with_chosen_queries(dataset: Dataset) -> None:
    text = summary_text(dataset, None, ["is-member"], validation_note="skipped")
    assert "validation: not run (skipped)" in text
    assert text.endswith("Is an organisation a member? (is-member):\ntrue")
    assert "(collaborations)" not in summary_text(dataset)
    assert "(collaborations)" in summary_text(dataset, example_queries=None)
