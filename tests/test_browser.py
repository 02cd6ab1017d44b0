"""The query UI in a real browser: Debian's Chromium driven by Selenium through Debian's
chromedriver, against ``kg serve`` on 127.0.0.1.

Chromium and chromedriver come from Debian (``make browser-deps`` installs the packages
``chromium`` and ``chromium-driver``). Selenium is pointed at ``/usr/bin/chromedriver`` and
``/usr/bin/chromium`` and runs offline, so Selenium Manager never downloads anything. The test
skips only when the browser is missing and cannot be installed here (not root, or no
apt-get); where it could be installed, a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import serving
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT = 30.0
"""Seconds any one step in the page may take."""


def _require_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    installable = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if installable:
        pytest.fail(
            "chromium and chromium-driver are missing but could be installed here: "
            "run `make browser-deps` (make test does)"
        )
    pytest.skip("chromium/chromedriver missing and not installable here (not root or no apt-get)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    _require_browser()
    dist = serving.project_dist(tmp_path_factory.getbasetemp())
    running = serving.start(["--dist", str(dist)], tmp_path_factory.mktemp("browser-run"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager: never download
        driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def test_pick_a_named_query_run_it_and_see_its_rows(
    server: serving.Server, browser: webdriver.Chrome
) -> None:
    browser.get(server.url)
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    entries = browser.find_elements(By.CSS_SELECTOR, "#queries li")
    assert len(entries) >= 5
    browser.find_element(By.CSS_SELECTOR, '#queries li[data-name="members-on-date"] button').click()
    text = browser.find_element(By.ID, "query").get_attribute("value") or ""
    assert "VALUES (?collaboration ?asOf)" in text
    browser.find_element(By.ID, "run").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    table = browser.find_element(By.ID, "results").text
    assert "Øyer kommune" in table
    assert "Lillehammer kommune" in table
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#results thead th")]
    assert headers[:4] == ["collaboration", "asOf", "membership", "member"]
    assert "rows" in browser.find_element(By.ID, "status").text


def test_an_error_is_shown_not_a_table(server: serving.Server, browser: webdriver.Chrome) -> None:
    browser.get(server.url)
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    area = browser.find_element(By.ID, "query")
    area.clear()
    area.send_keys("DROP ALL")
    browser.find_element(By.ID, "run").click()
    wait.until(lambda d: d.find_element(By.ID, "status").text.startswith("403"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")


def test_resource_page_links_to_the_ui(server: serving.Server, browser: webdriver.Chrome) -> None:
    browser.get(server.url + "id/organization/oyer")
    assert browser.find_element(By.ID, "label").text == "Øyer kommune"
    browser.find_element(By.ID, "query-link").click()
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert "organization/oyer" in (
        browser.find_element(By.ID, "query").get_attribute("value") or ""
    )
    browser.find_element(By.ID, "run").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert "Øyer kommune" in browser.find_element(By.ID, "results").text


def test_resource_page_shows_the_sources_and_links_to_them(
    server: serving.Server, browser: webdriver.Chrome
) -> None:
    browser.get(server.url + "id/membership/glor-iks--oyer--owner")
    member = browser.find_element(
        By.XPATH, '//tr[th/a[@href="http://www.w3.org/ns/org#member"]]//ul[@class="sources"]'
    )
    assert [li.text for li in member.find_elements(By.TAG_NAME, "li")] == [
        "Regionalt samarbeid på ulike måter as of 2010, read 2026-11-29",
        "Registry facts for the Lillehammer region, with sources no as-of date, read 2026-11-29",
    ]
    member.find_element(By.LINK_TEXT, "Regionalt samarbeid på ulike måter").click()
    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: d.current_url.endswith("/id/source/oyer-regionalt-samarbeid-2010"))
    assert browser.find_element(By.ID, "label").text == "Regionalt samarbeid på ulike måter"
