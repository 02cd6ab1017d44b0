"""``kg release VERSION``: the version and date move into the ontology, the package, the
catalogue and the changelog; ``releases/VERSION/`` is a whole build; refusals change nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, XSD
from support import PROJECT_ROOT, SEED_FILES, run_kg

import kg
from kg.publish import release

ONTOLOGY = PROJECT_ROOT / "ontology" / "samarbeidsgrafen.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/samarbeidsgrafen/ontology")
DATE = "2026-12-02"


def test_the_package_and_the_ontology_have_one_version() -> None:
    graph = Graph().parse(ONTOLOGY)
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(kg.__version__)
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        f"https://w3id.org/samarbeidsgrafen/ontology/{kg.__version__}"
    )


def test_the_ontology_says_the_release() -> None:
    text = release.bump_ontology(ONTOLOGY.read_text(encoding="utf-8"), "9.1.0", DATE, ONTOLOGY)
    graph = Graph().parse(data=text, format="turtle")
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("9.1.0")
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(
        "https://w3id.org/samarbeidsgrafen/ontology/9.1.0"
    )
    assert graph.value(ONTOLOGY_IRI, DCTERMS.modified) == Literal(DATE, datatype=XSD.date)
    # A second release replaces the date instead of adding one.
    again = release.bump_ontology(text, "9.2.0", "2027-01-05", ONTOLOGY)
    graph = Graph().parse(data=again, format="turtle")
    assert list(graph.objects(ONTOLOGY_IRI, DCTERMS.modified)) == [
        Literal("2027-01-05", datatype=XSD.date)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Changelog\n", "CHANGELOG.md: no '## [Unreleased]' section (add it, with what changed)"),
        (
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n- x\n",
            "CHANGELOG.md: nothing under '## [Unreleased]' (say what changed before releasing)",
        ),
    ],
)
def test_a_changelog_without_entries_is_refused(text: str, message: str) -> None:
    with pytest.raises(release.ReleaseError) as error:
        release.bump_changelog(text, "0.4.0", DATE)
    assert str(error.value) == message


def test_the_changelog_entries_move_under_the_version() -> None:
    text = (
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Added\n- a\n"
        "\n## [0.1.0] - 2026-01-01\n- b\n"
    )
    assert release.bump_changelog(text, "0.2.0", DATE) == (
        "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-02\n\n### Added\n- a\n"
        "\n## [0.1.0] - 2026-01-01\n- b\n"
    )


def _project(tmp_path: Path, data: list[Path] | None = None) -> Path:
    """A copy of what a release reads and writes: ontology, queries, CHANGELOG, the package's
    version file, publishing settings, and the seed's data."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "ontology", root / "ontology")
    shutil.copytree(PROJECT_ROOT / "queries", root / "queries")
    (root / "kg").mkdir()
    shutil.copy(PROJECT_ROOT / "kg" / "__init__.py", root / "kg" / "__init__.py")
    shutil.copy(PROJECT_ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    if (PROJECT_ROOT / "publishing.toml").exists():
        shutil.copy(PROJECT_ROOT / "publishing.toml", root / "publishing.toml")
    (root / "data").mkdir()
    for path in data or list(SEED_FILES):
        shutil.copy(path, root / "data" / path.name)
    return root


def _texts(root: Path) -> dict[str, str]:
    names = ("ontology/samarbeidsgrafen.ttl", "kg/__init__.py", "CHANGELOG.md")
    return {name: (root / name).read_text(encoding="utf-8") for name in names}


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = _project(tmp_path_factory.mktemp("release"))
    before = _texts(root)
    done = run_kg(
        "release", "9.0.0", "--date", DATE, root=root, env={"KG_CACHE_DIR": str(root / ".cache")}
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"released 9.0.0 ({DATE}) into {root / 'releases' / '9.0.0'}/\n"
        "CHANGELOG.md: the entries under [Unreleased] are now [9.0.0]\n"
    )
    return root, before


def test_a_release_dates_the_ontology_package_and_changelog(
    released: tuple[Path, dict[str, str]],
) -> None:
    root, before = released
    after = _texts(root)
    assert after["kg/__init__.py"] == before["kg/__init__.py"].replace(
        f'__version__ = "{kg.__version__}"', '__version__ = "9.0.0"'
    )
    assert after["CHANGELOG.md"] == before["CHANGELOG.md"].replace(
        "## [Unreleased]\n", f"## [Unreleased]\n\n## [9.0.0] - {DATE}\n", 1
    )
    ontology = Graph().parse(root / "ontology" / "samarbeidsgrafen.ttl")
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("9.0.0")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.modified) == Literal(DATE, datatype=XSD.date)


def test_the_release_folder_is_a_whole_build_of_that_version(
    released: tuple[Path, dict[str, str]],
) -> None:
    root, _ = released
    out = root / "releases" / "9.0.0"
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8")
    listed = {line.split("  ", 1)[1] for line in sums.splitlines()}
    present = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert listed == present
    published = Graph().parse(out / "ontology.ttl")
    assert published.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("9.0.0")
    catalogue = (out / "catalog.ttl").read_text(encoding="utf-8")
    assert f'"{DATE}"^^xsd:date' in catalogue
    assert re.search(r'"9\.0\.0"', catalogue)


def test_a_release_is_never_made_twice(released: tuple[Path, dict[str, str]]) -> None:
    root, _ = released
    before = _texts(root)
    done = run_kg("release", "9.0.0", "--date", DATE, root=root)
    out = root / "releases" / "9.0.0"
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"kg: error: {out} exists: a release is frozen and never rewritten "
        "(choose a later version)\n"
    )
    assert _texts(root) == before


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.0", "version '1.0' is not MAJOR.MINOR.PATCH (semantic versioning, e.g. 0.4.0)"),
        ("v1.0.0", "version 'v1.0.0' is not MAJOR.MINOR.PATCH (semantic versioning, e.g. 0.4.0)"),
        (
            "0.0.1",
            "version 0.0.1 is not later than the ontology's {current} ({onto}); choose a later one",
        ),
    ],
)
def test_a_bad_version_is_refused_and_nothing_changes(
    tmp_path: Path, version: str, message: str
) -> None:
    root = _project(tmp_path)
    before = _texts(root)
    done = run_kg("release", version, root=root)
    onto = root / "ontology" / "samarbeidsgrafen.ttl"
    expected = message.format(current=kg.__version__, onto=onto)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"kg: error: {expected}\n")
    assert _texts(root) == before
    assert not (root / "releases").exists()


@pytest.mark.parametrize("date", ["20261202", "2026-W49-3", "2026-02-30", "2.12.2026"])
def test_a_release_date_is_a_day_written_yyyy_mm_dd(tmp_path: Path, date: str) -> None:
    root = _project(tmp_path)
    before = _texts(root)
    done = run_kg("release", "9.0.0", "--date", date, root=root)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kg: error: --date {date!r} is not a date (YYYY-MM-DD)\n"
    assert _texts(root) == before


def test_a_release_of_data_that_does_not_conform_changes_nothing(tmp_path: Path) -> None:
    broken = PROJECT_ROOT / "tests" / "fixtures" / "validate" / "nonconforming.trig"
    root = _project(tmp_path, [*SEED_FILES, broken])
    before = _texts(root)
    done = run_kg(
        "release", "9.0.0", "--date", DATE, root=root, env={"KG_CACHE_DIR": str(tmp_path / "c")}
    )
    out = root / "releases" / "9.0.0"
    assert (done.returncode, done.stderr) == (
        1,
        f"kg: error: 18 violations, 8 warnings; nothing written to {out}\n",
    )
    assert "Violation sgid:organization/nameless" in done.stdout  # the report, as kg build
    assert _texts(root) == before
    assert not (root / "releases").exists()  # not even the folder of the releases
