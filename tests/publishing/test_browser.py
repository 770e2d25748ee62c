"""The guide in headless Chromium: read-along while the audio plays, seeking, axe-core at WCAG 2.1 AA, 360 px.

Skipped, with one line saying why, where Chromium or its driver is missing; in CI (CI=true) they must run.
"""

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.publishing.conftest import Catalogue

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
_MISSING = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
if _MISSING and os.environ.get("CI") != "true":
    pytest.skip(f"browser tests: {' and '.join(_MISSING)} missing (apt-get install chromium chromium-driver)",
                allow_module_level=True)

pytestmark = pytest.mark.browser
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SECONDS_EACH = 1.5  # per sentence of the test narration: short, so cues pass within a few seconds


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium through the Debian chromedriver, so Selenium Manager never downloads a thing."""
    if _MISSING:
        pytest.fail(f"CI=true but {' and '.join(_MISSING)} missing; .ci/run installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with pytest.MonkeyPatch.context() as env, tempfile.TemporaryDirectory(prefix="guide-chromium-") as profile:
        env.setenv("SE_OFFLINE", "true")  # should Selenium Manager be asked anyway, it fails rather than fetches
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--autoplay-policy=no-user-gesture-required", "--hide-scrollbars", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        driver.set_script_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Two stops, the first with six short sentences, built by the guide stage."""
    root = tmp_path_factory.mktemp("guide")
    with pytest.MonkeyPatch.context() as env:
        env.chdir(root)  # the stage reads and writes relative to the project folder
        catalogue = Catalogue(root)
        catalogue.add("청자 상감운학문 매병", seconds_each=SECONDS_EACH, details={"designation": "국보", "era": "고려"},
                      sentences=[f"{n}번째 문장은 이렇게 조금 길게 이어지는 해설입니다." for n in range(1, 7)])
        catalogue.add("백자 달항아리", attribution=["국가유산청"])
        return catalogue.build()


def viewport(driver: webdriver.Chrome, width: int, height: int = 800) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def open_page(driver: webdriver.Chrome, page: Path) -> None:
    driver.get(page.as_uri())
    driver.execute_script("return document.fonts && document.fonts.ready")


def wait_for(driver: webdriver.Chrome, script: str, seconds: float = 15) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not true within {seconds} s: {script}")


CURRENT = ("var c = document.querySelector('.cue.current');"
           "return c ? [...document.querySelectorAll('.cue')].indexOf(c) : -1")  # the highlighted sentence
CLOCK = "return document.getElementById('narration').currentTime"


def test_playing_advances_the_clock_and_the_highlight_follows_the_cues(browser, site):
    viewport(browser, 360)
    open_page(browser, site / "stops/1.html")
    assert browser.execute_script(CURRENT) == -1  # nothing is highlighted before playing
    browser.execute_script("var a = document.getElementById('narration'); a.muted = true; a.play();")
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
    assert browser.execute_script(CURRENT) == 0
    # Waited for, not read once: timeupdate comes about every 250 ms, so the highlight may trail the clock a little.
    wait_for(browser, f"{CURRENT.replace('return ', 'return (', 1)}) >= 2")
    assert browser.execute_script(CLOCK) >= 2 * SECONDS_EACH
    highlighted = browser.find_elements(By.CSS_SELECTOR, ".cue.current")
    assert len(highlighted) == 1 and highlighted[0].get_attribute("aria-current") == "true"


def test_clicking_or_pressing_enter_or_space_on_a_sentence_seeks_there(browser, site):
    viewport(browser, 360)
    open_page(browser, site / "stops/1.html")
    # play() is counted but does nothing here, so the clock stays where the seek put it.
    browser.execute_script("window.plays = 0; HTMLMediaElement.prototype.play = "
                           "function () { window.plays++; return Promise.resolve(); }")
    cues = browser.find_elements(By.CSS_SELECTOR, ".cue")
    cues[4].click()
    assert browser.execute_script(CLOCK) == pytest.approx(4 * SECONDS_EACH, abs=0.05)
    assert browser.execute_script(CURRENT) == 4 and browser.execute_script("return window.plays") == 1
    cues[1].send_keys(Keys.ENTER)
    assert browser.execute_script(CLOCK) == pytest.approx(SECONDS_EACH, abs=0.05)
    assert browser.execute_script(CURRENT) == 1
    cues[3].send_keys(Keys.SPACE)
    assert browser.execute_script(CURRENT) == 3
    # Focus is visible: the focused sentence has an outline.
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert browser.switch_to.active_element == cues[3] and outline != "none"


def run_axe(driver: webdriver.Chrome) -> dict:
    """axe-core's WCAG 2.1 A and AA rules on the open page; a rejected run fails at once instead of timing out."""
    axe = Axe(driver)
    axe.inject()
    results = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(function (r) { done(r); }, function (e) { done({error: String(e)}); });", WCAG_21_AA)
    assert "error" not in results, results.get("error")
    results["report"] = axe.report(results["violations"])
    return results


@pytest.mark.parametrize("page", ["index.html", "stops/1.html", "labels.html"])
def test_no_axe_violations_at_wcag_21_aa(browser, site, page):
    viewport(browser, 360)
    open_page(browser, site / page)
    if page.startswith("stops/"):
        # With a sentence highlighted, so the highlight's contrast is checked too.
        browser.execute_script("var a = document.getElementById('narration'); a.currentTime = 1; "
                               "a.dispatchEvent(new Event('timeupdate'))")
        wait_for(browser, "return document.querySelector('.cue.current') !== null")
    results = run_axe(browser)
    assert len(results["passes"]) >= 10, "axe ran hardly any rule"
    assert results["violations"] == [], results["report"]


def test_axe_does_catch_a_contrast_failure(browser, site):
    """The check above can fail: a pale sentence on the page is reported."""
    open_page(browser, site / "stops/1.html")
    browser.execute_script("document.querySelector('.cue').style.color = '#bbb'")
    assert "color-contrast" in {violation["id"] for violation in run_axe(browser)["violations"]}


@pytest.mark.parametrize("page", ["index.html", "stops/1.html", "labels.html"])
def test_nothing_overflows_at_360_px(browser, site, page, tmp_path):
    viewport(browser, 360)
    open_page(browser, site / page)
    width, client = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert client == 360 and width <= client
    shot = tmp_path / "page.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000
