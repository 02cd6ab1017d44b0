"""The HTML documentation (dist/docs/, kg docs) in a real browser, served by ``kg serve`` under
its Content-Security-Policy: every page opens with no console error, every internal link and
fragment resolves; no inline style or script; the model picture names real terms; byte-identical
pages from two runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import serving
from rdflib import Graph
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from support import PROJECT_ROOT, run_kg
from test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, WAIT, _require_browser

from kg.model.prefixes import PREFIXES
from kg.publish.htmldocs import PATTERNS

EXPECTED_PAGES = {
    "index.html",
    "ontology.html",
    "model.svg",
    "network-lillehammer.svg",
    "network-national.svg",
    "style.css",
    "favicon.svg",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return serving.project_dist(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    _require_browser()
    running = serving.start(["--dist", str(dist)], tmp_path_factory.mktemp("docs-run"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Debian's Chromium, offline, keeping the page's console messages."""
    import os

    _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-docs')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def pages(dist: Path) -> list[str]:
    docs = dist / "docs"
    return sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file())


def test_the_docs_hold_every_page_kind(dist: Path) -> None:
    found = set(pages(dist))
    queries = {f"queries/{p.stem}.html" for p in (PROJECT_ROOT / "queries").glob("*.rq")}
    schemes = {
        f"vocab/{line.split('/vocab/')[1].split('>')[0]}.html"
        for path in (PROJECT_ROOT / "ontology" / "vocab").glob("*.ttl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "a skos:ConceptScheme" in line and line.startswith("<")
    }
    assert found == EXPECTED_PAGES | queries | schemes


def test_no_inline_style_or_script(dist: Path) -> None:
    for name in pages(dist):
        text = (dist / "docs" / name).read_text(encoding="utf-8")
        assert not re.search(r"<style|<script|\sstyle=|\son[a-z]+=", text), name


def test_every_page_opens_with_no_console_error_and_no_broken_link(
    dist: Path,
    server: serving.Server,
    browser: webdriver.Chrome,
) -> None:
    base = server.url + "docs/"
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    for name in pages(dist):
        if not name.endswith((".html", ".svg")):
            continue
        browser.get(base + name)
        ids[name] = set(
            browser.execute_script(
                "return Array.from(document.querySelectorAll('[id]')).map(e => e.id)"
            )
        )
        for href in browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href], img[src], link[href]'))"
            ".map(e => e.getAttribute('href') || e.getAttribute('src'))"
        ):
            links.append((name, href))
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == [], (name, errors)
    assert len(ids) >= 40
    broken = []
    for page, href in links:
        target, fragment = urldefrag(urljoin(base + page, href))
        if not target.startswith(base):
            assert urlsplit(target).scheme in ("http", "https"), (page, href)
            continue  # an external term's own address
        name = target[len(base) :]
        if name not in ids and not (dist / "docs" / name).is_file():
            broken.append((page, href))
        elif fragment and fragment not in ids.get(name, set()):
            broken.append((page, href))
    assert broken == []


def test_the_model_picture_names_real_terms() -> None:
    ontology = Graph().parse(PROJECT_ROOT / "ontology" / "samarbeidsgrafen.ttl")
    defined = {str(s) for s in ontology.subjects()}
    for source, label, target in PATTERNS:
        for name in (source, target, *label.split(", ")):
            prefix, local = name.split(":")
            iri = PREFIXES[prefix] + local
            if prefix == "sg":
                assert iri in defined, name
            else:
                assert prefix in ("org", "adms", "skos", "time", "dct", "prov"), name


def test_kg_docs_writes_the_same_pages_as_the_build(dist: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    done = run_kg("docs", "--out", str(out))
    assert (done.returncode, done.stderr) == (0, "")
    count = len(pages(dist))
    assert (
        done.stdout == f"wrote {count} pages and pictures to {out}/ (open {out / 'index.html'})\n"
    )
    for name in pages(dist):
        assert (out / name).read_bytes() == (dist / "docs" / name).read_bytes(), name
