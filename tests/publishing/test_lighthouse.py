"""A stop page as a phone gets it from a host that gzips text: what it weighs over the wire, measured by Chromium,
and Lighthouse's scores at its mobile settings (npm lighthouse 12.2.3, pinned in tests/lighthouse/package-lock.json;
.ci/run installs it, locally `npm ci --prefix tests/lighthouse`)."""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.publishing.chromium import CHROMIUM, FLAGS, chromium, skip_unless_available, viewport, wait_for
from tests.publishing.conftest import Catalogue, built_site
from tests.publishing.host import Host
from tests.publishing.test_picture import add_picture, jpeg, photo

skip_unless_available()
pytestmark = pytest.mark.browser
LIGHTHOUSE = Path(__file__).parents[1] / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
TARGETS = {"performance": 0.90, "accessibility": 0.95, "best-practices": 0.95}
BUDGET = 60_000  # bytes over the wire for a stop page without its audio, picture included
# The read-along's worth of sentences of a real narration: 19, as the shipped 청자 script has.
SENTENCES = [f"{n}번째 문장에서는 고려 장인이 흙을 빚고 무늬를 새겨 넣은 과정을 천천히 살펴봅니다." for n in range(1, 20)]


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Iterator[Host]:
    """Three stops, the first with a 1600 × 1200 photo and a 19-sentence narration, served with gzip."""
    def fill(catalogue: Catalogue) -> None:
        catalogue.add("청자 상감운학문 매병", sentences=SENTENCES, seconds_each=8.0,
                      details={"designation": "국보", "era": "고려"})
        catalogue.add("백자 달항아리")
        catalogue.add("성덕대왕신종")
        add_picture(catalogue, "청자 상감운학문 매병", jpeg(photo()), picture_credit="국립중앙박물관",
                    picture_licence="공공누리 제1유형")

    with Host(built_site(tmp_path_factory, "lighthouse", fill), compress=True) as served:
        yield served


def test_a_stop_page_weighs_at_most_60_kb_over_the_wire_in_chromium(host):
    """Everything the page fetched, headers included, as Chromium counts it, at 360 px (srcset's 360 px picture)."""
    with chromium() as driver:
        viewport(driver, 360)
        driver.get(host.url + "stops/1.html")
        wait_for(driver, "var i = document.querySelector('.stop-picture img'); return i.complete && i.naturalWidth")
        wait_for(driver, "return document.readyState === 'complete'")
        entries = driver.execute_script("""
            return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
                .map(e => [e.name.split('/').slice(3).join('/'), e.transferSize, e.initiatorType]);""")
    fetched = {name: size for name, size, _ in entries}
    # The picture as srcset serves it at 360 px, the subtitles (the <track>), and not a byte of the narration.
    assert "pictures/1-360.webp" in fetched and not [name for name in fetched if ".wav" in name or ".mp3" in name]
    weight = sum(fetched.values())
    print(f"stop page over the wire: {weight} bytes in {len(fetched)} requests: {fetched}")
    assert weight <= BUDGET, fetched


@pytest.mark.slow
def test_lighthouse_scores_a_stop_page_at_mobile_settings(host, tmp_path):
    if not LIGHTHOUSE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {LIGHTHOUSE} is missing; .ci/run runs npm ci --prefix tests/lighthouse")
        pytest.skip("Lighthouse missing: npm ci --prefix tests/lighthouse installs 12.2.3")
    report = tmp_path / "report.json"
    # Lighthouse's default: a mid-range phone on slow 4G, simulated; its own Chromium, Debian's, with our flags.
    subprocess.run([str(LIGHTHOUSE), host.url + "stops/1.html", "--quiet", "--output=json", f"--output-path={report}",
                    f"--only-categories={','.join(TARGETS)}", f"--chrome-flags={' '.join(FLAGS)}"],
                   env={**os.environ, "CHROME_PATH": str(CHROMIUM)}, check=True, timeout=300,
                   capture_output=True)
    result = json.loads(report.read_text(encoding="utf-8"))
    scores = {name: result["categories"][name]["score"] for name in TARGETS}
    audits = result["audits"]
    print(f"lighthouse {result['lighthouseVersion']}: {scores}; LCP {audits['largest-contentful-paint']['displayValue']}"
          f", CLS {audits['cumulative-layout-shift']['displayValue']}, TBT {audits['total-blocking-time']['displayValue']}")
    assert result["lighthouseVersion"] == "12.2.3"
    failing = {name: score for name, score in scores.items() if score < TARGETS[name]}
    assert not failing, {name: [audit["id"] for audit in audits.values() if audit.get("score") is not None
                                and audit["score"] < 0.9 and audit.get("scoreDisplayMode") != "informative"]
                         for name in failing}
