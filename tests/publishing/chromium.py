"""Headless Debian Chromium for the guide's browser tests, through the Debian chromedriver (Selenium Manager never
downloads a thing), and the small waits the tests share.

Where Chromium or its driver is missing the browser tests are skipped with one line saying why; in CI (CI=true) they
must run, and .ci/run installs both.
"""

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
SKIP_REASON = f"browser tests: {' and '.join(MISSING)} missing (apt-get install chromium chromium-driver)"
# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required", "--hide-scrollbars")


def skip_unless_available() -> None:
    """At a module's top: skip it where Chromium is missing, unless CI must run it."""
    if MISSING and os.environ.get("CI") != "true":
        pytest.skip(SKIP_REASON, allow_module_level=True)


@contextlib.contextmanager
def chromium(*, console: bool = False) -> Iterator[webdriver.Chrome]:
    """A fresh profile each time; `console`: keep the console's messages for driver.get_log("browser")."""
    if MISSING:
        pytest.fail(f"CI=true but {' and '.join(MISSING)} missing; .ci/run installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as env, tempfile.TemporaryDirectory(prefix="guide-chromium-") as profile:
        env.setenv("SE_OFFLINE", "true")  # should Selenium Manager be asked anyway, it fails rather than fetches
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        driver.set_script_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def viewport(driver: webdriver.Chrome, width: int, height: int = 800, pixel_ratio: float = 1) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": pixel_ratio, "mobile": width < 600})


def open_page(driver: webdriver.Chrome, page: Path) -> None:
    driver.get(page.as_uri())
    driver.execute_script("return document.fonts && document.fonts.ready")


def wait_for(driver: webdriver.Chrome, script: str, seconds: float = 15) -> object:
    """The script's value once it is true; an AssertionError naming the script when it is not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not true within {seconds} s: {script}")
