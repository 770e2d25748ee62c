"""The guide in headless Chromium: read-along while the audio plays, seeking, axe-core at WCAG 2.1 AA, 360 px.

Skipped, with one line saying why, where Chromium or its driver is missing; in CI (CI=true) they must run.
"""

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.publishing.chromium import chromium, open_page, skip_unless_available, viewport, wait_for
from tests.publishing.conftest import Catalogue

skip_unless_available()

pytestmark = pytest.mark.browser
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SECONDS_EACH = 1.5  # per sentence of the test narration: short, so cues pass within a few seconds


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


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


# A guide in three languages: the language-neutral pages, the switch, and the redirect to the visitor's language.
LANGUAGES = ["ko", "en", "ja"]
LINKS = "return [...document.querySelectorAll('.language-choice a')].map(a => a.getBoundingClientRect().height)"


@pytest.fixture(scope="module")
def multi_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("guide-languages")
    with pytest.MonkeyPatch.context() as env:
        env.chdir(root)
        catalogue = Catalogue(root, languages=LANGUAGES)
        catalogue.add("청자 상감운학문 매병", seconds_each=SECONDS_EACH, details={"designation": "국보", "era": "고려"},
                      attribution=["국가유산청"], machine=("ja",),
                      translations={"en": [f"Sentence {n} goes on a little longer, as a narration does." for n in
                                           range(1, 7)],
                                    "ja": [f"{n}番目の文は、解説らしく少し長く続きます。" for n in range(1, 7)]},
                      sentences=[f"{n}번째 문장은 이렇게 조금 길게 이어지는 해설입니다." for n in range(1, 7)])
        catalogue.add("백자 달항아리", attribution=["국가유산청"])
        return catalogue.build()


def visitor(driver: webdriver.Chrome, preferred: str, remembered: str | None = None) -> None:
    """A visitor whose browser prefers `preferred` (an Accept-Language value) and who chose `remembered` before."""
    user_agent = driver.execute_script("return navigator.userAgent")
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": user_agent, "acceptLanguage": preferred})
    driver.get("about:blank")
    open_page(driver, Path(tempfile.gettempdir()))  # any file:// page: the guide's pages share its storage
    if remembered is None:
        driver.execute_script("localStorage.clear()")
    else:
        driver.execute_script("localStorage.setItem('guide-language', arguments[0])", remembered)


@pytest.fixture
def stranger(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """A visitor whose browser prefers French, which the guide lacks, and who chose nothing: the neutral page stays."""
    visitor(browser, "fr-FR,fr")
    yield browser
    visitor(browser, "en-US,en")


@pytest.mark.parametrize("page", ["en/stops/1.html", "ja/stops/1.html", "stops/1.html", "index.html",
                                  "labels.html"])
def test_no_axe_violations_in_a_guide_of_several_languages(stranger, multi_site, page):
    viewport(stranger, 360)
    open_page(stranger, multi_site / page)
    assert stranger.current_url == (multi_site / page).as_uri()  # nothing redirected
    results = run_axe(stranger)
    assert len(results["passes"]) >= 10, "axe ran hardly any rule"
    assert results["violations"] == [], results["report"]


@pytest.mark.parametrize("page", ["stops/1.html", "index.html", "en/stops/1.html", "ja/index.html"])
def test_nothing_overflows_at_360_px_in_any_language(stranger, multi_site, page):
    viewport(stranger, 360)
    open_page(stranger, multi_site / page)
    width, client = stranger.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert client == 360 and width <= client


def test_every_language_on_the_neutral_page_is_a_target_44_px_high_at_360_px(stranger, multi_site):
    viewport(stranger, 360)
    for page in ("stops/1.html", "index.html"):
        open_page(stranger, multi_site / page)
        heights = stranger.execute_script(LINKS)
        assert len(heights) == len(LANGUAGES) and min(heights) >= 44, (page, heights)
        widths = stranger.execute_script("return [...document.querySelectorAll('.language-choice a')]"
                                         ".map(a => a.getBoundingClientRect().width)")
        assert min(widths) >= 44
    # The switch in a language page's header too.
    open_page(stranger, multi_site / "en/stops/1.html")
    heights = stranger.execute_script(
        "return [...document.querySelectorAll('.language-switch a')].map(a => a.getBoundingClientRect().height)")
    assert len(heights) == len(LANGUAGES) and min(heights) >= 44


def test_the_neutral_page_goes_to_the_remembered_choice_then_to_the_preferred_language(browser, multi_site):
    viewport(browser, 360)
    try:
        # Nothing remembered, a preferred language the guide has: there.
        visitor(browser, "ja-JP,ja;q=0.9,en;q=0.8")
        open_page(browser, multi_site / "stops/2.html")
        assert browser.current_url == (multi_site / "ja/stops/2.html").as_uri()
        # Choosing English on the switch remembers it, and it wins over the browser's preference from then on.
        browser.find_element(By.CSS_SELECTOR, ".language-switch a[hreflang='en']").click()
        assert browser.current_url == (multi_site / "en/stops/2.html").as_uri()
        open_page(browser, multi_site / "stops/1.html")
        assert browser.current_url == (multi_site / "en/stops/1.html").as_uri()
        open_page(browser, multi_site / "index.html")
        assert browser.current_url == (multi_site / "en/index.html").as_uri()
        # Nothing the guide has: the page stays, and its links lead on and remember the choice.
        visitor(browser, "fr-FR,fr")
        open_page(browser, multi_site / "stops/1.html")
        assert browser.current_url == (multi_site / "stops/1.html").as_uri()
        browser.find_element(By.CSS_SELECTOR, ".language-choice a[hreflang='ko']").click()
        assert browser.current_url == (multi_site / "ko/stops/1.html").as_uri()
        assert browser.execute_script("return localStorage.getItem('guide-language')") == "ko"
        open_page(browser, multi_site / "stops/2.html")
        assert browser.current_url == (multi_site / "ko/stops/2.html").as_uri()
        # A remembered language the guide no longer has is passed over.
        visitor(browser, "en-GB", remembered="zh")
        open_page(browser, multi_site / "stops/1.html")
        assert browser.current_url == (multi_site / "en/stops/1.html").as_uri()
    finally:
        visitor(browser, "en-US,en")


def test_the_neutral_page_works_without_javascript(browser, multi_site):
    """With scripts off it stays, and its plain links lead to each language's page."""
    visitor(browser, "en-US,en")  # with scripts on, this visitor would be sent to English at once
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        neutral = multi_site / "stops/1.html"
        browser.get(neutral.as_uri())
        assert browser.current_url == neutral.as_uri()
        browser.find_element(By.CSS_SELECTOR, ".language-choice a[hreflang='ja']").click()
        assert browser.current_url == (multi_site / "ja/stops/1.html").as_uri()
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.fixture(scope="module")
def narrated_site(tmp_path_factory) -> Path:
    """The shipped catalogue in ko, en and zh (with the shipped hand-written scripts), through the real pipeline."""
    from tests.conftest import copy_project
    from tests.test_pipeline_languages import set_languages

    project = copy_project(tmp_path_factory.mktemp("narrated") / "repo")
    set_languages(project, "[ko, en, zh]")
    project.run("dvc", "repro")
    return project.file("outputs/guide")


@pytest.mark.slow
@pytest.mark.parametrize("page", ["en/stops/1.html", "zh/stops/2.html", "ko/stops/3.html", "stops/1.html",
                                  "index.html"])
def test_no_axe_violations_in_the_narrated_guide_of_three_languages(stranger, narrated_site, page):
    viewport(stranger, 360)
    open_page(stranger, narrated_site / page)
    assert stranger.current_url == (narrated_site / page).as_uri()
    if "/stops/" in page and not page.startswith("stops/"):  # the audio the page plays decodes in the browser
        # Nothing is loaded before play (preload="none"): ask for the metadata as pressing play would.
        stranger.execute_script("var a = document.getElementById('narration'); a.preload = 'metadata'; a.load()")
        wait_for(stranger, "return document.getElementById('narration').readyState >= 1")
        assert stranger.execute_script("return document.getElementById('narration').duration") > 60
    results = run_axe(stranger)
    assert len(results["passes"]) >= 10, "axe ran hardly any rule"
    assert results["violations"] == [], results["report"]
    if page.startswith(("stops/", "index")):
        heights = stranger.execute_script(LINKS)
        assert len(heights) == 3 and min(heights) >= 44, heights
