"""Where the dataset is published and by whom: ``publishing.toml`` at the project root.

Every key is optional; without the file the defaults describe the project itself (its w3id
addresses, the project as publisher, a ``foaf:Agent``). A deployer sets its own addresses and
its organisation number (Enhetsregisteret): the publisher is then the organisation at
Digdir's interim publisher address
``https://organization-catalog.fellesdatakatalog.digdir.no/organizations/<orgnr>``, which is
what data.norge.no matches against the registering organisation. A bad value is a
:class:`PublishingError` naming the file, the key, what is wrong and what to do.

>>> Publication().download_url("frames/organizations.jsonld")
'https://w3id.org/samarbeidsgrafen/dist/frames/organizations.jsonld'
>>> Publication.for_release("0.4.0", "2026-12-02").download_url("samarbeidsgrafen.ttl")
'https://w3id.org/samarbeidsgrafen/releases/0.4.0/samarbeidsgrafen.ttl'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.model.prefixes import BASE

FILE_NAME = "publishing.toml"
ORGANISATION_CATALOGUE = "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/"
"""DCAT-AP-NO's interim pattern for a publisher's IRI (the organisation number appended)."""


class PublishingError(KgError):
    """``publishing.toml`` cannot be used as it is."""


@dataclass(frozen=True)
class Publication:
    """The settings of one publication of ``dist/`` (see the module docstring)."""

    base_url: str = BASE + "dist/"
    """Where the files of ``dist/`` are downloaded from (the file name is appended)."""
    release_url: str = BASE + "releases/{version}/"
    """Where a release's files are, ``{version}`` replaced (``kg release``)."""
    endpoint_url: str = BASE + "sparql"
    homepage: str = BASE
    issued: str | None = None
    """The dataset's first publication (default: the ontology's ``dct:issued``)."""
    modified: str | None = None
    """Set by a release; by default the latest day a source graph was read."""
    version: str | None = None
    """Set by a release; by default the ontology's ``owl:versionInfo``."""
    publisher_orgnr: str | None = None
    publisher_name: str = "samarbeidsgrafen"
    contact_name: str = "samarbeidsgrafen"
    contact_email: str | None = None

    @property
    def publisher_iri(self) -> str:
        if self.publisher_orgnr:
            return ORGANISATION_CATALOGUE + self.publisher_orgnr
        return BASE + "id/agent/samarbeidsgrafen"

    def download_url(self, name: str) -> str:
        return self.base_url + name

    @classmethod
    def for_release(
        cls, version: str, date: str, settings: Publication | None = None
    ) -> Publication:
        """The settings (read from ``publishing.toml`` unless given) for release ``version``
        on ``date``: its files under :attr:`release_url`, that version and that date."""
        base = settings or load()
        return replace(
            base,
            base_url=base.release_url.replace("{version}", version),
            version=version,
            modified=date,
        )


_KEYS: dict[str, dict[str, str]] = {
    "dataset": {
        "base_url": "url",
        "release_url": "url",
        "endpoint_url": "url",
        "homepage": "url",
        "issued": "date",
    },
    "publisher": {"orgnr": "orgnr", "name": "text"},
    "contact": {"name": "text", "email": "email"},
}
_FIELDS = {
    ("dataset", "base_url"): "base_url",
    ("dataset", "release_url"): "release_url",
    ("dataset", "endpoint_url"): "endpoint_url",
    ("dataset", "homepage"): "homepage",
    ("dataset", "issued"): "issued",
    ("publisher", "orgnr"): "publisher_orgnr",
    ("publisher", "name"): "publisher_name",
    ("contact", "name"): "contact_name",
    ("contact", "email"): "contact_email",
}
_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_valid(number: str) -> bool:
    """Nine digits whose last is the modulus-11 check digit of the first eight.

    >>> orgnr_valid("961381185"), orgnr_valid("961381186"), orgnr_valid("96138118")
    (True, False, False)
    """
    if not re.fullmatch(r"\d{9}", number):
        return False
    remainder = sum(int(d) * w for d, w in zip(number, _WEIGHTS, strict=False)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(number[8])


def _check(where: str, kind: str, value: Any) -> str:
    if not isinstance(value, str):
        raise PublishingError(f"{where} must be a string in quotes, not {value!r}")
    if kind == "url":
        allowed = value.replace("{version}", "0.0.0") if where.endswith("release_url") else value
        if not _URL.fullmatch(allowed):
            raise PublishingError(
                f"{where} = {value!r} is not an absolute http(s) URL (write it whole, "
                "e.g. https://example.org/dist/)"
            )
        if where.endswith(("base_url", "release_url")) and not value.endswith("/"):
            raise PublishingError(f"{where} = {value!r} must end with / (file names follow it)")
        if where.endswith("release_url") and "{version}" not in value:
            raise PublishingError(f"{where} = {value!r} must contain {{version}}")
    elif kind == "date":
        from kg.publish.release import is_day

        if not is_day(value):
            raise PublishingError(f"{where} = {value!r} is not a date (YYYY-MM-DD)")
    elif kind == "orgnr":
        if not orgnr_valid(value):
            raise PublishingError(
                f"{where} = {value!r} is not an organisation number (nine digits, the last the "
                "modulus-11 check digit): copy it from Enhetsregisteret"
            )
    elif kind == "email":
        if not _EMAIL.fullmatch(value):
            raise PublishingError(f"{where} = {value!r} is not an e-mail address")
    elif not value.strip():
        raise PublishingError(f"{where} is empty (give a name, or leave the key out)")
    return value


def parse(text: str, where: Path) -> Publication:
    """The settings in ``text`` (the contents of ``where``)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PublishingError(
            f"{where}: not TOML: {exc} (see the comments in {FILE_NAME})"
        ) from None
    values: dict[str, str] = {}
    for table, content in document.items():
        keys = _KEYS.get(table)
        if keys is not None and not isinstance(content, dict):
            raise PublishingError(
                f"{where}: {table} must be a table: write [{table}] and keys under it"
            )
        if keys is None or not isinstance(content, dict):
            known = ", ".join(f"[{t}]" for t in _KEYS)
            raise PublishingError(f"{where}: unknown table [{table}] (known: {known})")
        for key, value in content.items():
            kind = keys.get(key)
            if kind is None:
                raise PublishingError(
                    f"{where}: unknown key {table}.{key} (known in [{table}]: {', '.join(keys)})"
                )
            values[_FIELDS[(table, key)]] = _check(f"{where}: {table}.{key}", kind, value)
    if "publisher_orgnr" in values and "publisher_name" not in values:
        raise PublishingError(
            f"{where}: publisher.orgnr is set but publisher.name is not (give the organisation's "
            "name as registered)"
        )
    return Publication(**values)


def settings_file() -> Path:
    from kg.model import paths

    return paths.ROOT / FILE_NAME


def load(path: Path | None = None) -> Publication:
    """The settings of ``path`` (default ``publishing.toml`` at the project root); the defaults
    when the file is not there."""
    where = path or settings_file()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Publication()
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishingError(f"cannot read {where}: {exc}") from None
    return parse(text, where)


__all__ = ["FILE_NAME", "Publication", "PublishingError", "load", "orgnr_valid", "parse"]
