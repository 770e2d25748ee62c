"""The artefact's picture in headless Chromium: the rendition srcset picks for a phone, no layout shift, axe-core.

Beside test_browser.py, whose browser and axe helpers it uses (and whose skip, where Chromium is missing, it shares).
"""

from pathlib import Path

import pytest

from tests.publishing.conftest import Catalogue, built_site
from tests.publishing.test_browser import browser, open_page, run_axe, wait_for  # noqa: F401 (a fixture)
from tests.publishing.test_picture import add_picture, jpeg, photo

pytestmark = pytest.mark.browser
CHOSEN = "return document.querySelector('.stop-picture img').currentSrc.split('/').pop()"
BOX = ("var i = document.querySelector('.stop-picture img'); var r = i.getBoundingClientRect();"
       "return [r.width, r.height, i.naturalWidth, i.loading]")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Two stops: the first with a 1600 × 1200 photo, the second without a picture."""
    def fill(catalogue: Catalogue) -> None:
        catalogue.add("청자 상감운학문 매병", details={"designation": "국보", "era": "고려"})
        catalogue.add("백자 달항아리")
        add_picture(catalogue, "청자 상감운학문 매병", jpeg(photo()), picture_credit="국립중앙박물관",
                    picture_licence="공공누리 제1유형")

    return built_site(tmp_path_factory, "guide", fill)


def device(driver, width: int, pixel_ratio: float) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 800, "deviceScaleFactor": pixel_ratio, "mobile": width < 600})


@pytest.mark.parametrize(("width", "pixel_ratio", "chosen"), [
    (360, 1, "1-360.webp"),  # 328 CSS px wide: the 360 px rendition
    (360, 2, "1-720.webp"),
    (1024, 1, "1-720.webp"),  # the page's column is 40rem, 640 px
    (1024, 3, "1-1280.webp"),
])
def test_the_phone_fetches_the_rendition_its_screen_needs(browser, site, width, pixel_ratio, chosen):  # noqa: F811
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})  # srcset may reuse a larger one
    device(browser, width, pixel_ratio)
    open_page(browser, site / "stops/1.html")
    wait_for(browser, "var i = document.querySelector('.stop-picture img'); return i.complete && i.naturalWidth > 0")
    assert browser.execute_script(CHOSEN) == chosen


def test_the_pictures_box_is_kept_before_it_arrives_and_it_is_not_lazy(browser, site):  # noqa: F811
    """width and height give the box its size before a byte of the picture is in, so nothing moves when it comes."""
    device(browser, 360, 1)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*pictures/*"]})
    try:
        open_page(browser, site / "stops/1.html")
        width, height, natural, loading = browser.execute_script(BOX)
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    assert natural == 0  # the picture never came
    assert width == 328 and abs(height - 246) <= 1 and loading == "auto"
    open_page(browser, site / "stops/1.html")
    wait_for(browser, "return document.querySelector('.stop-picture img').naturalWidth > 0")
    assert browser.execute_script(BOX)[:2] == [width, height]


@pytest.mark.parametrize("page", ["index.html", "stops/1.html", "stops/2.html"])
def test_no_axe_violations_with_and_without_a_picture(browser, site, page):  # noqa: F811
    device(browser, 360, 1)
    open_page(browser, site / page)
    results = run_axe(browser)
    assert len(results["passes"]) >= 10, "axe ran hardly any rule"
    assert results["violations"] == [], results["report"]
    width, client = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client == 360
