"""The info stage end to end: a new keyword with info.provider: auto, real `dvc repro`, the fake sources."""

import json
import re
import shutil
from collections.abc import Iterator

import pytest
import soundfile as sf

from stages.core.paths import stage_address
from tests.conftest import RAN, ROOT, Project
from tests.fake_heritage import BANGA, FakeHeritage
from tests.fake_http import free_port
from tests.fake_wikipedia import FakeWikipedia
from tests.test_pipeline import KEYWORDS, _make


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeHeritage, FakeWikipedia]]:
    with FakeHeritage() as heritage, FakeWikipedia() as wikipedia:
        yield heritage, wikipedia


def use_auto(project: Project, heritage_url: str, wikipedia_url: str, max_tries: int = 8) -> None:
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    for old, new in [("provider: local", "provider: auto"),
                     ("heritage_url: https://www.khs.go.kr/cha/", f"heritage_url: {heritage_url}"),
                     ("wikipedia_url: https://ko.wikipedia.org", f"wikipedia_url: {wikipedia_url}"),
                     ("max_tries: 8", f"max_tries: {max_tries}"), ("initial_wait: 1.0", "initial_wait: 0.01")]:
        assert old in text
        text = text.replace(old, new)
    params.write_text(text, encoding="utf-8")


def test_a_new_keyword_becomes_a_narration_with_no_hand_written_facts(fresh_project: Project, servers):
    heritage, wikipedia = servers
    use_auto(fresh_project, heritage.url, wikipedia.url)
    # The shipped keywords' metrics, committed as in a clone: `make audio KEYWORD=…` then updates the report.
    shutil.copytree(ROOT / "outputs" / "metrics", fresh_project.file("outputs/metrics"))
    fresh_project.commit("auto")
    result = _make(fresh_project, "audio", f"KEYWORD={BANGA}")
    assert result.returncode == 0, result.stderr
    assert {f"{kind}@{BANGA}" for kind in ("info", "script", "audio")} | {"speak", "report"} <= set(
        RAN.findall(result.stdout))
    assert "# wikipedia:" in fresh_project.file(f"sources/{BANGA}.md").read_text(encoding="utf-8")

    info = json.loads(fresh_project.file(f"outputs/info/{BANGA}.json").read_text(encoding="utf-8"))
    assert info["provider"] == "heritage" and info["attribution"] == ["국가유산청"]
    assert all(section["source"].startswith(heritage.url) for section in info["sections"])
    script = fresh_project.file(f"outputs/script/{BANGA}.md").read_text(encoding="utf-8")
    assert "국보" in script and "삼국시대" in script  # the designation and era the fake heritage server gave
    assert sf.info(fresh_project.file(f"outputs/audio/{BANGA}.mp3")).duration > 1.0

    # Pinning another entry re-runs only that keyword, and asks for the pinned entry without a search.
    fresh_project.commit("built")
    for keyword in KEYWORDS:
        fresh_project.repro(stage_address("info", keyword))  # the shipped keywords: auto falls through to their local facts
        assert json.loads(fresh_project.file(f"outputs/info/{keyword}.json").read_text(encoding="utf-8"))[
            "provider"] == "local"
    source = fresh_project.file(f"sources/{BANGA}.md")
    source.write_text(source.read_text(encoding="utf-8").replace(
        "# heritage:\n#   ccbaKdcd: 11             # kind", "heritage:\n  ccbaKdcd: 11             # kind").replace(
        "#   ccbaAsno: 0000680000000", "  ccbaAsno: 0000830000000").replace(
        "#   ccbaCtcd: 11", "  ccbaCtcd: 11"), encoding="utf-8")
    before = len(heritage.requests)
    ran = fresh_project.repro(*(stage_address("info", keyword) for keyword in [*KEYWORDS, BANGA]))
    assert ran == {f"info@{BANGA}"}
    assert heritage.paths()[before:] == ["/cha/SearchKindOpenapiDt.do"]
    info = json.loads(fresh_project.file(f"outputs/info/{BANGA}.json").read_text(encoding="utf-8"))
    assert info["details"]["ccbaAsno"] == "0000830000000"


def test_unreachable_sources_fail_in_one_line(fresh_project: Project):
    closed = f"http://127.0.0.1:{free_port()}"
    use_auto(fresh_project, f"{closed}/cha/", closed, max_tries=2)
    fresh_project.run("python", "-m", "stages.keywords", BANGA)  # what `make audio KEYWORD=…` does first
    fresh_project.commit("auto, nothing listening")
    result = fresh_project.run("dvc", "repro", stage_address("info", BANGA), check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert re.fullmatch(rf"error: heritage: GET {re.escape(closed)}/cha/SearchKindOpenapiList\.do: "
                        r"gave up after 2 tries over [\d.]+ s: connection refused", errors[0])
    assert "Traceback" not in output
    assert not fresh_project.file(f"outputs/info/{BANGA}.json").exists()
