"""Finding a stop and listening, in headless Chromium: the number field and pad, the name search, playback speed,
resuming, going on to the next stop, and the lock screen's Media Session. Skipped like test_browser.py where
Chromium is missing."""

import re
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.publishing.conftest import Catalogue, built_site
from tests.publishing.test_browser import browser, open_page, wait_for  # noqa: F401 (browser: a fixture)

pytestmark = pytest.mark.browser
NAMES = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Three stops of four 2-second sentences each."""
    def fill(catalogue: Catalogue) -> None:
        for name in NAMES:
            catalogue.add(name, details={"designation": "국보"}, seconds_each=2.0)

    return built_site(tmp_path_factory, "finding", fill)


@pytest.fixture
def fresh(browser, site):  # noqa: F811
    """The browser on the site with nothing remembered from another test."""
    open_page(browser, site / "index.html")
    browser.execute_script("window.localStorage.clear()")
    return browser


def message(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".finder-message").text


def test_the_number_pad_opens_the_stop_whose_number_is_typed(fresh, site):
    fresh.find_element(By.CSS_SELECTOR, '.keypad button[data-key="2"]').click()
    assert fresh.find_element(By.ID, "stop-number").get_attribute("value") == "2"
    fresh.find_elements(By.CSS_SELECTOR, ".keypad button[type=submit]")[0].click()
    wait_for(fresh, "return location.pathname.endsWith('/stops/2.html')")


def test_an_unknown_number_says_so_in_one_line_and_stays(fresh, site):
    field = fresh.find_element(By.ID, "stop-number")
    field.send_keys("99", Keys.ENTER)
    wait_for(fresh, "return document.querySelector('.finder-message').textContent.length > 0")
    assert message(fresh) == "99번 전시물은 없습니다. 라벨의 번호를 다시 확인하세요."
    assert fresh.execute_script("return location.pathname").endswith("/index.html")
    assert fresh.find_element(By.CSS_SELECTOR, ".finder-message").get_attribute("role") == "status"
    # The delete key takes the last digit off; the keyboard's own Enter then goes.
    fresh.find_element(By.CSS_SELECTOR, '.keypad button[data-key="delete"]').click()
    assert field.get_attribute("value") == "9"


def test_the_field_on_a_stop_page_goes_with_the_keyboard_alone(fresh, site):
    open_page(fresh, site / "stops/3.html")
    field = fresh.find_element(By.ID, "stop-number")
    assert field.get_attribute("inputmode") == "numeric"  # a phone shows its number pad
    assert fresh.find_element(By.CSS_SELECTOR, "label[for=stop-number]").text == "전시물 번호"
    field.send_keys("１", Keys.ENTER)  # a full-width digit, as some phone keyboards type
    wait_for(fresh, "return location.pathname.endsWith('/stops/1.html')")


def test_the_search_filters_the_stops_by_name_without_spaces_and_says_how_many(fresh, site):
    search = fresh.find_element(By.ID, "stop-search")
    search.send_keys("달항")
    visible = lambda: [li.text.split("\n")[0] for li in fresh.find_elements(By.CSS_SELECTOR, "#stop-list li")  # noqa: E731
                       if li.is_displayed()]
    assert visible() == ["2 백자 달항아리"]
    wait_for(fresh, "return document.getElementById('search-status').textContent === '전시물 1점'")
    search.clear()
    search.send_keys("청자상감")  # typed without the space the name has
    assert visible() == ["1 청자 상감운학문 매병"]
    search.send_keys("없는이름")
    assert visible() == []
    wait_for(fresh, "return document.getElementById('search-status').textContent === '이 이름의 전시물이 없습니다.'")


def test_the_playback_speed_is_chosen_and_remembered(fresh, site):
    open_page(fresh, site / "stops/1.html")
    fresh.find_element(By.CSS_SELECTOR, '.speed button[data-rate="1.5"]').click()
    assert fresh.execute_script("return document.getElementById('narration').playbackRate") == 1.5
    assert fresh.find_element(By.CSS_SELECTOR, '.speed button[data-rate="1.5"]').get_attribute("aria-pressed") == "true"
    open_page(fresh, site / "stops/2.html")
    wait_for(fresh, "return document.getElementById('narration').playbackRate === 1.5")
    assert fresh.find_element(By.CSS_SELECTOR, '.speed button[data-rate="1"]').get_attribute("aria-pressed") == "false"


def test_a_stop_resumes_where_the_visitor_left_it(fresh, site):
    open_page(fresh, site / "stops/1.html")
    fresh.execute_script("document.getElementById('narration').play()")
    wait_for(fresh, "return document.getElementById('narration').currentTime > 4.5")
    fresh.execute_script("document.getElementById('narration').pause()")
    left = fresh.execute_script("return document.getElementById('narration').currentTime")
    open_page(fresh, site / "stops/1.html")
    assert fresh.find_element(By.CSS_SELECTOR, ".listening-note").text == "0:04부터 이어서 듣습니다."
    fresh.execute_script("document.getElementById('narration').play()")  # nothing is loaded before play
    wait_for(fresh, "return document.getElementById('narration').currentTime > 4")
    resumed = fresh.execute_script("var a = document.getElementById('narration'); a.pause(); return a.currentTime")
    assert left - 0.2 < resumed < left + 1.0
    # Another stop starts at its start.
    open_page(fresh, site / "stops/2.html")
    time.sleep(0.3)
    assert fresh.execute_script("return document.getElementById('narration').currentTime") == 0


def test_the_next_stop_plays_on_only_when_asked_and_the_choice_is_remembered(fresh, site):
    open_page(fresh, site / "stops/1.html")
    onward = fresh.find_element(By.ID, "autoplay-next")
    assert not onward.is_selected()  # off by default
    audio = "document.getElementById('narration')"
    fresh.execute_script(f"{audio}.currentTime = 6.5; {audio}.play()")
    wait_for(fresh, f"return {audio}.ended")
    time.sleep(0.5)
    assert fresh.execute_script("return location.pathname").endswith("/stops/1.html")  # stayed

    onward.click()
    fresh.execute_script(f"{audio}.currentTime = 6.5; {audio}.play()")
    wait_for(fresh, "return location.pathname.endsWith('/stops/2.html')")
    wait_for(fresh, f"return {audio} && {audio}.currentTime > 0.5 && !{audio}.paused")
    assert fresh.find_element(By.ID, "autoplay-next").is_selected()  # remembered on the next page


def test_the_lock_screen_shows_the_stop_and_its_controls(fresh, site):
    # Keep the handlers the page registers, so that the test can press the lock screen's buttons.
    script = fresh.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.handlers = {};
        var original = navigator.mediaSession.setActionHandler.bind(navigator.mediaSession);
        navigator.mediaSession.setActionHandler = function (action, handler) {
            window.handlers[action] = handler; original(action, handler); };"""})
    try:
        open_page(fresh, site / "stops/2.html")
        metadata = fresh.execute_script("var m = navigator.mediaSession.metadata; return [m.title, m.artist]")
        assert metadata == ["2. 백자 달항아리", "도슨트 오디오 가이드"]
        assert sorted(fresh.execute_script("return Object.keys(window.handlers).filter(k => window.handlers[k])")) == [
            "nexttrack", "pause", "play", "previoustrack", "seekbackward", "seekforward", "seekto"]
        fresh.execute_script("window.handlers.play(); window.handlers.seekforward({})")
        wait_for(fresh, "return document.getElementById('narration').currentTime >= 6")
        fresh.execute_script("window.handlers.nexttrack()")
        wait_for(fresh, "return location.pathname.endsWith('/stops/3.html')")
        # The last stop has no next track.
        assert fresh.execute_script("return window.handlers.nexttrack") is None
    finally:
        fresh.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def test_without_javascript_the_controls_are_disabled_in_place_and_the_list_works(site):
    """Disabled, not hidden: enabling them moves nothing on the page (no layout shift)."""
    index = (site / "index.html").read_text(encoding="utf-8")
    stop = (site / "stops/1.html").read_text(encoding="utf-8")
    for page, controls in ((index, 15), (stop, 7)):  # field + Go (+ pad of 12, search) / field + Go + 4 speeds + next
        assert page.count(" disabled>") == controls
        assert not re.search(r'<(form|div) class="(finder|search|listening)"[^>]* hidden', page)
    assert index.count('<li data-search="') == 3 and 'href="stops/3.html"' in index


def test_with_javascript_every_control_is_enabled(fresh, site):
    for page in ("index.html", "stops/1.html"):
        open_page(fresh, site / page)
        assert fresh.execute_script("return document.querySelectorAll('input:disabled, button:disabled').length") == 0
