"""The guide offline: the service worker, the manifest, the saved tour and its versions.

Without a browser: the manifest, icons, listing, version and size text the build writes. In headless Chromium (the
same skip rule and flags as test_browser.py): the guide served over HTTP by a host that answers byte ranges, as real
hosts do and http.server does not; the tour saved, the host stopped, and the guide still playing; a rebuilt guide's
changed narration played after the update, not the kept one; and file://, where no worker runs, as it always was.
"""

import functools
import hashlib
import http.server
import io
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from stages.publishing import offline
from tests.publishing.chromium import chromium, skip_unless_available, viewport
from tests.publishing.chromium import wait_for as wait_until
from tests.publishing.conftest import SAMPLE_RATE, Catalogue, site_files
from tests.publishing.host import Host

SECONDS_EACH = 1.5
FIRST = "청자 상감운학문 매병"
KEYWORDS = [FIRST, "백자 달항아리", "금동미륵보살반가사유상"]


def build(root: Path, languages: tuple[str, ...] = ("ko",)) -> Catalogue:
    """Three stops, the first with six short sentences (its read-along passes quickly) and a picture, built by the
    guide stage."""
    with pytest.MonkeyPatch.context() as env:
        env.chdir(root)  # the stage reads and writes relative to the project folder
        catalogue = Catalogue(root, languages=list(languages))
        paint(catalogue, FIRST, "#336699")
        catalogue.add(FIRST, seconds_each=SECONDS_EACH,
                      sentences=[f"{n}번째 문장은 이렇게 조금 길게 이어지는 해설입니다." for n in range(1, 7)])
        for keyword in KEYWORDS[1:]:
            catalogue.add(keyword)
        catalogue.build()
    return catalogue


def rebuild(catalogue: Catalogue) -> Path:
    with pytest.MonkeyPatch.context() as env:
        env.chdir(catalogue.root)
        return catalogue.build()


def paint(catalogue: Catalogue, keyword: str, colour: str) -> None:
    """The museum's own picture of the object (sources/<keyword>.png)."""
    (catalogue.root / "sources").mkdir(exist_ok=True)
    Image.new("RGB", (800, 600), colour).save(catalogue.root / "sources" / f"{keyword}.png")


def narrate_again(catalogue: Catalogue, keyword: str) -> None:
    """The same length of narration, other bytes: a higher tone, as if the narration had been spoken again."""
    audio = catalogue.root / "outputs" / "audio" / f"{keyword}.wav"
    frames = sf.info(audio).frames
    sf.write(audio, 0.1 * np.sin(2 * np.pi * 660 * np.arange(frames) / SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")


# Without a browser: what the build writes.

def test_the_manifest_names_the_guide_and_its_icons(tmp_path):
    site = build(tmp_path).root / "outputs" / "guide"
    manifest = json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "도슨트 오디오 가이드" and manifest["lang"] == "ko"
    assert manifest["start_url"] == "./index.html" and manifest["scope"] == "./"
    assert manifest["display"] == "standalone"
    css = (site / "assets/guide.css").read_text(encoding="utf-8")
    assert f"--page: {manifest['background_color']};" in css and f"--page: {manifest['theme_color']};" in css
    for size in (192, 512):
        icons = [icon for icon in manifest["icons"] if icon["sizes"] == f"{size}x{size}"]
        assert {icon["purpose"] for icon in icons} == {"any", "maskable"}
        image = Image.open(site / icons[0]["src"])
        assert image.format == "PNG" and image.size == (size, size)
    # Every page loads offline.js, which links the manifest over http(s) (from file://, Chromium would refuse it).
    for page in ("index.html", "stops/1.html", "labels.html"):
        up = "../" if "/" in page else ""
        assert f'<script src="{up}assets/offline.js"></script>' in (site / page).read_text(encoding="utf-8")


def test_a_title_the_museum_wrote_names_the_app(tmp_path):
    catalogue = build(tmp_path)
    catalogue.guide = {"title": "국립 도자 박물관"}
    site = rebuild(catalogue)
    assert json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))["name"] == "국립 도자 박물관"


def test_the_listing_keeps_pages_by_version_and_media_by_content(tmp_path):
    site = build(tmp_path).root / "outputs" / "guide"
    listing = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    shell = {name for name, _ in listing["shell"][""]}
    assert {"index.html", "stops/1.html", "stops/3.html", "labels.html", "manifest.webmanifest", "assets/guide.css",
            "assets/guide.js", "assets/offline.js", "assets/icon-192.png", "assets/icon-512.png"} <= shell
    assert not shell & {"sw.js", "offline.json"} and not [name for name in shell if "media/" in name]
    tour = {url: size for url, size, _ in listing["tour"][""]}
    for number in (1, 2, 3):
        for suffix in ("wav", "vtt"):
            file = site / f"media/{number}.{suffix}"
            assert tour[f"media/{number}.{suffix}?v={offline.content_version(file)}"] == file.stat().st_size
        # The page asks for the very URLs the listing gives.
        page = (site / f"stops/{number}.html").read_text(encoding="utf-8")
        assert f'src="../media/{number}.wav?v={offline.content_version(site / f"media/{number}.wav")}"' in page
    total = sum(tour.values())
    assert listing["save"] == {"": {"bytes": total, "size": offline.size_text(total)}}


def test_a_guide_in_several_languages_keeps_each_languages_pages_apart(tmp_path):
    site = build(tmp_path, ("ko", "en")).root / "outputs" / "guide"
    listing = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    assert sorted(listing["shell"]) == ["", "en", "ko"]
    assert [url for url, _, _ in listing["tour"][""]] == ["pictures/1-360.webp", "pictures/1-720.webp",
                                                           "pictures/1-800.webp", "pictures/1-thumb.webp"]
    neutral = {name for name, _ in listing["shell"][""]}
    assert {"index.html", "stops/1.html", "labels.html", "assets/guide.css"} <= neutral
    assert not [name for name in neutral if name.startswith(("ko/", "en/"))]
    for code in ("ko", "en"):
        assert {name for name, _ in listing["shell"][code]} == {f"{code}/index.html", *(
            f"{code}/stops/{n}.html" for n in (1, 2, 3))}
        # The language's narrations and the pictures, which every language shows.
        total = sum(size for folder in ("", code) for _, size, _ in listing["tour"][folder])
        assert listing["save"][code] == {"bytes": total, "size": offline.size_text(total)}
        assert all(url.startswith(f"{code}/media/") for url, _, _ in listing["tour"][code])
    for page, up in (("stops/1.html", "../"), ("en/stops/1.html", "../../"), ("index.html", "")):
        assert f'<script src="{up}assets/offline.js"></script>' in (site / page).read_text(encoding="utf-8")


def test_pictures_are_part_of_every_languages_tour_by_name(tmp_path):
    """Files outside the shell and outside media/ (the pictures) are saved with the tour, addressed by name: their
    hash in the listing is how a new build's worker knows a changed one."""
    files = {"index.html": b"<p>", "stops/1.html": b"<p>", "en/index.html": b"<p>", "en/stops/1.html": b"<p>",
             "assets/guide.css": b"a{}", "en/media/1.mp3": b"x" * 1000, "pictures/1-360.webp": b"y" * 500,
             "sw.js": b"", "offline.json": b"{}"}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    content, digests = offline.listing(tmp_path, ["en"])
    assert content["shell"] == {"": [["assets/guide.css", digests["assets/guide.css"][:8]],
                                     ["index.html", digests["index.html"][:8]],
                                     ["stops/1.html", digests["stops/1.html"][:8]]],
                                "en": [["en/index.html", digests["en/index.html"][:8]],
                                       ["en/stops/1.html", digests["en/stops/1.html"][:8]]]}
    media, picture = digests["en/media/1.mp3"][:8], digests["pictures/1-360.webp"][:8]
    assert content["tour"] == {"": [["pictures/1-360.webp", 500, picture]],
                               "en": [[f"en/media/1.mp3?v={media}", 1000, media]]}
    assert content["save"] == {"en": {"bytes": 1500, "size": "2 kB"}}


def worker_version(site: Path) -> str:
    return re.match(r'const VERSION = "([0-9a-f]{16})";\n', (site / "sw.js").read_text(encoding="utf-8")).group(1)


def test_the_version_changes_with_a_file_and_only_then(tmp_path):
    catalogue = build(tmp_path)
    site = catalogue.root / "outputs" / "guide"
    first = site_files(site)
    version = worker_version(site)
    assert site_files(rebuild(catalogue)) == first  # the same inputs, the same bytes, icons and all
    narrate_again(catalogue, KEYWORDS[1])
    second = site_files(rebuild(catalogue))
    assert worker_version(site) != version
    # Only the changed narration, the page naming it, the listing and the worker differ.
    assert {name for name in first.keys() | second.keys() if first.get(name) != second.get(name)} == {
        "media/2.wav", "stops/2.html", "offline.json", "sw.js"}


@pytest.mark.parametrize(("size", "text"), [(1, "1 kB"), (380_400, "380 kB"), (999_499, "999 kB"),
                                             (999_500, "1.0 MB"), (2_449_000, "2.4 MB"), (9_949_999, "9.9 MB"),
                                             (9_950_000, "10 MB"), (123_600_000, "124 MB"), (999_499_999, "999 MB"),
                                             (1_234_000_000, "1.2 GB")])
def test_the_size_reads_as_a_phone_counts_it(size, text):
    assert offline.size_text(size) == text


def test_the_icons_are_drawn_in_the_guides_colours():
    palette = {"text": "#1b1b1b", "page": "#fcfbf7", "current": "#ffe08a"}
    image = Image.open(io.BytesIO(offline.icon(192, palette))).convert("RGB")
    assert image.getpixel((4, 4)) == (0x1b, 0x1b, 0x1b)  # the corner, which a maskable crop may cut
    assert image.getpixel((96, 40)) == (0xff, 0xe0, 0x8a)  # the disc, inside the safe zone
    assert offline.icon(192, palette) == offline.icon(192, palette)


# In Chromium, served over HTTP.

@pytest.fixture
def host(tmp_path) -> Iterator[Host]:
    """The three-stop guide, built and served; each test on a port of its own, so a fresh origin with no worker."""
    served = Host(build(tmp_path).root / "outputs" / "guide").start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium as in test_browser.py, at a phone's 360 px, with the console's messages kept."""
    skip_unless_available()
    with chromium(console=True) as driver:
        viewport(driver, 360)
        yield driver


def wait_for(driver: webdriver.Chrome, script: str, seconds: float = 20) -> object:
    return wait_until(driver, script, seconds)


def run(driver: webdriver.Chrome, script: str, *args: object) -> object:
    """An async script: `script` is a function body that may await; its value comes back."""
    return driver.execute_async_script(
        f"var done = arguments[arguments.length - 1];"
        f"(async function () {{ {script} }}).apply(null, [...arguments].slice(0, -1))"
        f".then(done, e => done({{error: String(e)}}));",
        *args)


def errors(driver: webdriver.Chrome) -> list[str]:
    """The console's errors since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


CONTROLLED = "return navigator.serviceWorker.controller !== null"
MEDIA_KEYS = "return (await (await caches.open('guide-media ' + arguments[0])).keys()).map(r => r.url)"
CURRENT = ("var c = document.querySelector('.cue.current');"
           "return c ? [...document.querySelectorAll('.cue')].indexOf(c) : -1")
CLOCK = "return document.getElementById('narration').currentTime"
PLAY = "var a = document.getElementById('narration'); a.muted = true; a.play();"


def axe_violations(driver: webdriver.Chrome) -> list[dict]:
    from tests.publishing.test_browser import run_axe

    return run_axe(driver)["violations"]


def save_the_tour(driver: webdriver.Chrome, host: Host) -> None:
    """On the index over HTTP: the section shows the size before a byte of the tour is fetched; Enter saves it."""
    driver.get(host.url + "index.html")
    wait_for(driver, CONTROLLED)
    wait_for(driver, "return !document.getElementById('offline').hidden")
    manifest = driver.execute_script("return document.querySelector('link[rel=manifest]').href")
    assert manifest == host.url + "manifest.webmanifest"
    listing = json.loads((host.site / "offline.json").read_text(encoding="utf-8"))
    button = driver.find_element(By.ID, "save-tour")
    assert button.text == f"전체 해설 저장하기 ({listing['save']['']['size']})"
    assert not [path for path in host.paths() if "/media/" in path]  # nothing large without the button
    button.send_keys(Keys.ENTER)  # the keyboard's way
    done = driver.find_element(By.ID, "offline").get_attribute("data-done")
    wait_for(driver, f"return document.getElementById('save-status').textContent === {json.dumps(done)}")
    assert driver.execute_script("return document.getElementById('save-progress').hidden")
    assert driver.switch_to.active_element == button and button.get_attribute("aria-disabled") is None


@pytest.mark.browser
def test_the_saved_tour_plays_offline_seeks_and_goes_on_to_the_next_stop(browser, host):
    browser.get_log("browser")
    save_the_tour(browser, host)
    media = [path for path in host.paths() if "/media/" in path]
    assert sorted(media) == sorted(f"/media/{n}.{suffix}" for n in (1, 2, 3) for suffix in ("wav", "vtt"))
    assert errors(browser) == []
    host.stop()  # the gallery's basement

    browser.get(host.url + "index.html")
    if browser.find_elements(By.ID, "stop-number"):  # the number pad, where it has landed
        field = browser.find_element(By.ID, "stop-number")
        field.send_keys("1", Keys.ENTER)
        wait_for(browser, "return location.pathname === '/stops/1.html' && document.readyState === 'complete'")
    else:
        browser.get(host.url + "stops/1.html")
    assert browser.find_element(By.CSS_SELECTOR, "h1 .stop-number").text == "1"
    wait_for(browser, "var i = document.querySelector('figure img'); return i.complete && i.naturalWidth > 0")
    assert browser.execute_script(CURRENT) == -1
    browser.execute_script(PLAY)
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
    wait_for(browser, f"{CURRENT.replace('return ', 'return (', 1)}) === 0")
    # Seeking asks for a range the worker cuts from the kept file.
    browser.execute_script("document.getElementById('narration').currentTime = 4 * arguments[0] + 0.1", SECONDS_EACH)
    wait_for(browser, f"return document.getElementById('narration').currentTime > {4 * SECONDS_EACH + 0.3}")
    wait_for(browser, f"{CURRENT.replace('return ', 'return (', 1)}) === 4")

    browser.find_element(By.CSS_SELECTOR, "a[rel='next']").click()
    wait_for(browser, "return location.pathname === '/stops/2.html' && document.readyState === 'complete'")
    assert browser.find_element(By.CSS_SELECTOR, "h1 .stop-number").text == "2"
    browser.execute_script(PLAY)
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")


RANGE = """
    var url = arguments[1] || document.getElementById('narration').currentSrc;  // the narration, unless told
    var response = await fetch(url, {headers: arguments[0]});
    var body = new Uint8Array(await response.arrayBuffer());
    var digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', body)))
        .map(b => b.toString(16).padStart(2, '0')).join('');
    return [response.status, response.headers.get('Content-Range'), response.headers.get('Content-Length'),
            body.length, digest];
"""


@pytest.mark.browser
def test_the_worker_answers_byte_ranges_from_a_kept_narration_as_a_host_would(browser, host):
    save_the_tour(browser, host)
    host.stop()
    browser.get(host.url + "stops/1.html")
    audio = (host.site / "media/1.wav").read_bytes()
    size = len(audio)

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    assert run(browser, RANGE, {}) == [200, None, str(size), size, sha(audio)]
    assert run(browser, RANGE, {"Range": "bytes=100-199"}) == [206, f"bytes 100-199/{size}", "100", 100,
                                                                sha(audio[100:200])]
    assert run(browser, RANGE, {"Range": "bytes=1000-"}) == [206, f"bytes 1000-{size - 1}/{size}", str(size - 1000),
                                                             size - 1000, sha(audio[1000:])]
    assert run(browser, RANGE, {"Range": "bytes=-50"}) == [206, f"bytes {size - 50}-{size - 1}/{size}", "50", 50,
                                                           sha(audio[-50:])]
    assert run(browser, RANGE, {"Range": f"bytes=0-{size + 10}"})[:3] == [206, f"bytes 0-{size - 1}/{size}", str(size)]
    assert run(browser, RANGE, {"Range": f"bytes={size}-"})[:2] == [416, f"bytes */{size}"]


@pytest.mark.browser
def test_a_played_narration_is_kept_and_nothing_else_is_fetched_before(browser, host):
    browser.get(host.url + "stops/1.html")
    wait_for(browser, CONTROLLED)
    assert run(browser, MEDIA_KEYS, host.url) == []
    assert not [path for path in host.paths() if "/media/" in path and path.endswith(".wav")]  # preload: none
    browser.execute_script(PLAY)
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
    src = browser.execute_script("return document.getElementById('narration').currentSrc")
    deadline = time.monotonic() + 10
    while src not in run(browser, MEDIA_KEYS, host.url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(url.split("?")[0] for url in run(browser, MEDIA_KEYS, host.url)) == [
        host.url + "media/1.vtt", host.url + "media/1.wav"]
    host.stop()
    browser.get(host.url + "stops/1.html")
    browser.execute_script(PLAY)
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
    # The next stop's page is kept (the pages were, at the first visit); its narration, never played, is not.
    browser.get(host.url + "stops/2.html")
    assert browser.find_element(By.CSS_SELECTOR, "h1 .stop-number").text == "2"
    browser.execute_script(PLAY)
    # A <source> that fails sets no error on the element: the element is left with no source it could load.
    wait_for(browser, "return document.getElementById('narration').networkState === HTMLMediaElement.NETWORK_NO_SOURCE")
    assert browser.execute_script(CLOCK) == 0


@pytest.mark.browser
def test_a_changed_narration_is_the_one_played_after_the_update_not_the_kept_one(browser, tmp_path):
    catalogue = build(tmp_path)
    host = Host(catalogue.root / "outputs" / "guide").start()
    try:
        save_the_tour(browser, host)
        old = {"audio": offline.content_version(host.site / "media/1.wav"), "version": worker_version(host.site)}
        host.stop()
        narrate_again(catalogue, FIRST)
        paint(catalogue, FIRST, "#993366")  # and a new photograph of it
        rebuild(catalogue)
        new = {"audio": offline.content_version(host.site / "media/1.wav"), "version": worker_version(host.site)}
        assert new["audio"] != old["audio"] and new["version"] != old["version"]
        host.log.clear()
        host.start()  # the same folder, the same port

        # The kept page first (the old worker answers); the browser meanwhile finds the new worker, which takes over.
        browser.get(host.url + "stops/1.html")
        names = "return (await caches.keys()).filter(n => n.startsWith('guide ' + arguments[0]))"
        deadline = time.monotonic() + 20
        while run(browser, names, host.url) != [f"guide {host.url} {new['version']}"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run(browser, names, host.url) == [f"guide {host.url} {new['version']}"]
        browser.refresh()  # the next visit: the new build's page, from the new worker
        src = browser.execute_script("return document.getElementById('narration').querySelector('source').src")
        assert src == f"{host.url}media/1.wav?v={new['audio']}"
        browser.execute_script(PLAY)
        wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
        assert browser.execute_script("return document.getElementById('narration').currentSrc") == src
        fresh = (host.site / "media/1.wav").read_bytes()
        assert run(browser, RANGE, {})[4] == hashlib.sha256(fresh).hexdigest()
        # The picture too is the new one, though its address did not change.
        picture = browser.execute_script("return document.querySelector('figure img').currentSrc")
        assert run(browser, RANGE, {}, picture)[4] == hashlib.sha256((host.site / picture.removeprefix(host.url)).read_bytes()).hexdigest()
        # The new worker fetched only what changed: the page naming the new narration, that narration (played) and
        # the picture; the unchanged pages and the rest of the saved tour were carried over.
        fetched = set(host.paths())
        assert {"/sw.js", "/offline.json", "/stops/1.html", "/media/1.wav"} <= fetched
        assert not [path for path in fetched - {"/sw.js", "/offline.json", "/stops/1.html", "/media/1.wav"}
                    if not path.startswith("/pictures/1-")]
        deadline = time.monotonic() + 10
        while f"{host.url}media/1.wav?v={new['audio']}" not in run(browser, MEDIA_KEYS, host.url):
            assert time.monotonic() < deadline, "the played narration was not kept"
            time.sleep(0.1)
        kept = run(browser, MEDIA_KEYS, host.url)
        assert f"{host.url}media/1.wav?v={old['audio']}" not in kept  # the old narration is gone
        assert not [url for url in kept if "/pictures/" in url]  # and so is the old picture: its hash changed
        assert len(kept) == 6  # three narrations and their subtitles
    finally:
        host.stop()


@pytest.mark.browser
def test_in_several_languages_the_visitors_language_is_kept_and_a_label_still_leads_to_it(browser, tmp_path):
    catalogue = build(tmp_path, ("ko", "en", "ja"))
    host = Host(catalogue.root / "outputs" / "guide").start()
    listing = json.loads((host.site / "offline.json").read_text(encoding="utf-8"))
    user_agent = browser.execute_script("return navigator.userAgent")
    browser.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": user_agent, "acceptLanguage": "en-GB,en"})
    try:
        browser.get(host.url + "stops/1.html")  # what a QR label holds: the neutral page, which goes on to English
        wait_for(browser, "return location.pathname === '/en/stops/1.html'")
        wait_for(browser, CONTROLLED)
        shell = "return (await (await caches.open((await caches.keys()).find(n => n.startsWith('guide ')))).keys())" \
                ".map(r => r.url.slice(arguments[0].length))"
        wanted = {name for folder in ("", "en") for name, _ in listing["shell"][folder]}
        deadline = time.monotonic() + 20
        while not wanted <= set(run(browser, shell, host.url)) and time.monotonic() < deadline:
            time.sleep(0.2)
        kept = set(run(browser, shell, host.url))
        assert wanted <= kept and not [name for name in kept if name.startswith(("ko/", "ja/"))]
        assert not [path for path in host.paths() if path.startswith(("/ko/", "/ja/"))]  # nor fetched
        # The English index offers the English tour alone.
        browser.get(host.url + "en/index.html")
        wait_for(browser, "return !document.getElementById('offline').hidden")
        assert browser.find_element(By.ID, "save-tour").text == (
            f"Save the whole tour for offline ({listing['save']['en']['size']})")
        host.stop()
        browser.get(host.url + "stops/2.html")  # another label, in the basement
        wait_for(browser, "return location.pathname === '/en/stops/2.html' && document.readyState === 'complete'")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    finally:
        host.stop()
        browser.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": user_agent})


@pytest.mark.browser
def test_from_file_urls_the_guide_works_without_a_worker_and_without_errors(browser, tmp_path):
    site = build(tmp_path).root / "outputs" / "guide"
    browser.get_log("browser")
    browser.get((site / "index.html").as_uri())
    assert browser.execute_script("return document.getElementById('offline').hidden") is True
    browser.get((site / "stops/1.html").as_uri())
    browser.execute_script(PLAY)
    wait_for(browser, "return document.getElementById('narration').currentTime > 0.3")
    wait_for(browser, f"{CURRENT.replace('return ', 'return (', 1)}) >= 0")
    assert browser.execute_script("return document.querySelector('link[rel=manifest]')") is None
    # Chromium refuses a <track> from file:// as it always has (why guide.js follows the audio's clock instead).
    assert [error for error in errors(browser) if "Unsafe attempt to load URL" not in error
            or ".vtt?v=" not in error] == []


@pytest.mark.browser
def test_the_save_section_has_no_axe_violations_while_saving_or_saved(browser, host):
    save_the_tour(browser, host)
    assert axe_violations(browser) == []
    browser.execute_script("var bar = document.getElementById('save-progress'); bar.max = 10; bar.value = 4; "
                           "bar.hidden = false; document.getElementById('save-status').textContent = ''")
    assert axe_violations(browser) == []
