"""``kg release VERSION``: freeze a build into ``releases/VERSION/`` and date it everywhere.

A release is the moment the project says "this is version X of the data and the ontology". It

1. checks the version: ``MAJOR.MINOR.PATCH``, later than the ontology's ``owl:versionInfo``,
   and ``releases/VERSION/`` not there yet (a release is never rewritten);
2. checks that ``CHANGELOG.md`` has entries under ``## [Unreleased]`` (a release says what
   changed);
3. writes the version into the ontology (``owl:versionInfo``, ``owl:versionIRI``,
   ``dct:modified`` = the release date) and into the package (``kg.__version__``);
4. builds into ``releases/VERSION/`` (the build's atomic swap: the folder appears whole or not
   at all), the catalogue saying this version, this date and the release's download addresses;
5. renames ``## [Unreleased]`` to ``## [VERSION] - DATE`` and opens a new empty
   ``## [Unreleased]`` above it.

If the build fails (the data does not conform, a load error), the ontology and the package are
put back as they were and nothing else is changed. Every file is replaced atomically.

>>> text = "# Changelog\\n\\n## [Unreleased]\\n\\n### Added\\n- x\\n"
>>> bump_changelog(text, "0.4.0", "2026-12-02")
'# Changelog\\n\\n## [Unreleased]\\n\\n## [0.4.0] - 2026-12-02\\n\\n### Added\\n- x\\n'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
UNRELEASED = "## [Unreleased]"
_UNRELEASED_LINE = re.compile(r"^## \[Unreleased\][ \t]*$", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^## ", re.MULTILINE)
_VERSION_INFO = re.compile(r'(owl:versionInfo\s+")([^"]*)(")')
_VERSION_IRI = re.compile(r"(owl:versionIRI\s+<)([^>]*/)([^/>]*)(>)")
_ISSUED = re.compile(r'(\n(\s+)dct:issued\s+"[^"]*"\^\^xsd:date\s*;)')
_MODIFIED = re.compile(r'(dct:modified\s+")([^"]*)("\^\^xsd:date)')
_PACKAGE_VERSION = re.compile(r'^(__version__ = ")([^"]*)(")$', re.MULTILINE)


class ReleaseError(KgError):
    """A release that cannot be made: bad version, one already made, nothing to release."""


@dataclass(frozen=True)
class Plan:
    """What a release writes: the new texts of the files it changes, and where it builds."""

    version: str
    date: str
    out: Path
    ontology: tuple[Path, str, str]
    """``(file, old text, new text)``"""
    package: tuple[Path, str, str]
    changelog: tuple[Path, str, str]


_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def is_day(text: str) -> bool:
    """``YYYY-MM-DD`` and a real day (``fromisoformat`` alone also takes ``20261202`` and
    ``2026-W49-3``).

    >>> is_day("2026-12-02"), is_day("2026-02-30"), is_day("20261202"), is_day("2026-W49-3")
    (True, False, False, False)
    """
    if not _DAY.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def version_key(version: str) -> tuple[int, int, int]:
    """``"0.10.1"`` → ``(0, 10, 1)``; a :class:`ReleaseError` for anything else."""
    match = VERSION.fullmatch(version)
    if match is None:
        raise ReleaseError(
            f"version {version!r} is not MAJOR.MINOR.PATCH (semantic versioning, e.g. 0.4.0)"
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def ontology_version(text: str, where: Path) -> str:
    """The ``owl:versionInfo`` of the ontology's Turtle text."""
    match = _VERSION_INFO.search(text)
    if match is None:
        raise ReleaseError(f'{where}: no owl:versionInfo on the ontology (add one, e.g. "0.1.0")')
    return match.group(2)


def bump_ontology(text: str, version: str, date: str, where: Path) -> str:
    """The ontology's text with ``owl:versionInfo``, ``owl:versionIRI`` and ``dct:modified``
    set to the release (``dct:modified`` added after ``dct:issued`` when it is not there)."""
    ontology_version(text, where)
    text = _VERSION_INFO.sub(lambda m: f"{m.group(1)}{version}{m.group(3)}", text, count=1)
    if _VERSION_IRI.search(text) is None:
        raise ReleaseError(f"{where}: no owl:versionIRI on the ontology (add one)")
    text = _VERSION_IRI.sub(lambda m: f"{m.group(1)}{m.group(2)}{version}{m.group(4)}", text, 1)
    if _MODIFIED.search(text) is not None:
        return _MODIFIED.sub(lambda m: f"{m.group(1)}{date}{m.group(3)}", text, count=1)
    issued = _ISSUED.search(text)
    if issued is None:
        raise ReleaseError(f"{where}: no dct:issued date on the ontology (add one)")
    line = f'\n{issued.group(2)}dct:modified "{date}"^^xsd:date ;'
    return text[: issued.end()] + line + text[issued.end() :]


def bump_changelog(text: str, version: str, date: str, where: Path = Path("CHANGELOG.md")) -> str:
    """The changelog with its ``## [Unreleased]`` entries under ``## [VERSION] - DATE`` and a
    new empty ``## [Unreleased]`` above them."""
    match = _UNRELEASED_LINE.search(text)
    if match is None:
        raise ReleaseError(f"{where}: no '{UNRELEASED}' section (add it, with what changed)")
    following = _NEXT_SECTION.search(text, match.end())
    body = text[match.end() : following.start() if following else len(text)]
    if not body.strip():
        raise ReleaseError(
            f"{where}: nothing under '{UNRELEASED}' (say what changed before releasing)"
        )
    return f"{text[: match.start()]}{UNRELEASED}\n\n## [{version}] - {date}{text[match.end() :]}"


def bump_package(text: str, version: str, where: Path) -> str:
    """``kg/__init__.py`` with ``__version__`` set to ``version``."""
    if _PACKAGE_VERSION.search(text) is None:
        raise ReleaseError(f"{where}: no __version__ line")
    return _PACKAGE_VERSION.sub(lambda m: f"{m.group(1)}{version}{m.group(3)}", text, count=1)


def plan(
    version: str,
    *,
    root: Path,
    ontology_file: Path,
    package_file: Path,
    releases: Path,
    date: str | None = None,
) -> Plan:
    """Check everything a release needs and return what it will write; writes nothing."""
    key = version_key(version)
    day = date or dt.date.today().isoformat()
    if not is_day(day):
        raise ReleaseError(f"--date {day!r} is not a date (YYYY-MM-DD)")
    out = releases / version
    if out.exists():
        raise ReleaseError(
            f"{out} exists: a release is frozen and never rewritten (choose a later version)"
        )
    changelog_file = root / "CHANGELOG.md"
    texts = {}
    for path in (ontology_file, package_file, changelog_file):
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ReleaseError(f"cannot read {path}: {exc.strerror}") from None
    current = ontology_version(texts[ontology_file], ontology_file)
    if VERSION.fullmatch(current) and version_key(current) >= key:
        raise ReleaseError(
            f"version {version} is not later than the ontology's {current} "
            f"({ontology_file}); choose a later one"
        )
    onto, package, changelog = (texts[p] for p in (ontology_file, package_file, changelog_file))
    return Plan(
        version,
        day,
        out,
        (ontology_file, onto, bump_ontology(onto, version, day, ontology_file)),
        (package_file, package, bump_package(package, version, package_file)),
        (changelog_file, changelog, bump_changelog(changelog, version, day, changelog_file)),
    )


def _write(path: Path, text: str) -> None:
    from kg.publish.export import write_atomic

    write_atomic(path, text.encode("utf-8"))


def carry_out(plan: Plan, build: Callable[[Plan], object]) -> None:
    """Write the plan: the ontology and package first, then ``build(plan)`` (which writes
    ``plan.out``), then the changelog. If any step fails or is interrupted, every file is put
    back, the release folder removed, and the releases folder too when this made it."""
    releases = plan.out.parent
    made_releases = not releases.exists()
    written: list[tuple[Path, str]] = []
    built = False
    try:
        for path, old, new in (plan.ontology, plan.package):
            written.append((path, old))
            _write(path, new)
        build(plan)
        built = True
        path, old, new = plan.changelog
        written.append((path, old))
        _write(path, new)
    except BaseException:
        for path, old in reversed(written):
            _write(path, old)
        if built:
            shutil.rmtree(plan.out, ignore_errors=True)
        if made_releases:
            with contextlib.suppress(OSError):
                releases.rmdir()  # only if empty: nothing of an earlier release is touched
        raise


__all__ = [
    "Plan",
    "ReleaseError",
    "bump_changelog",
    "bump_ontology",
    "bump_package",
    "carry_out",
    "plan",
    "version_key",
]
