"""The info stage end to end: a new keyword with info.provider: auto, real `dvc repro`, the fake sources."""

import json
import re
from collections.abc import Iterator

import pytest
import soundfile as sf

from tests.conftest import RAN, Project
from tests.fake_heritage import BANGA, PICTURES, FakeHeritage, picture
from tests.fake_http import free_port
from tests.fake_wikipedia import FakeWikipedia
from tests.test_pipeline import KEYWORDS, _make, encoded, served_from_cache


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


def searched_names(heritage: FakeHeritage, since: int) -> set[str]:
    """The names the heritage server was searched for since its request number `since`."""
    return {seen.query.get("ccbaMnm1", "") for seen in heritage.requests[since:]
            if seen.path == "/cha/SearchKindOpenapiList.do"}


def test_a_new_keyword_becomes_a_narration_with_no_hand_written_facts(fresh_project: Project, servers):
    heritage, wikipedia = servers
    use_auto(fresh_project, heritage.url, wikipedia.url)
    fresh_project.commit("auto")
    before = len(heritage.requests)
    result = _make(fresh_project, "audio", f"KEYWORD={BANGA}")
    assert result.returncode == 0, result.stderr
    # The preview runs outside DVC, for this keyword alone: no stage, no other keyword searched or narrated.
    assert RAN.findall(result.stdout) == [] and f"preview: outputs/audio/{BANGA}.mp3 (" in result.stderr
    assert searched_names(heritage, before) == {BANGA} and encoded(result.stderr) == {BANGA}
    assert not [k for k in KEYWORDS if fresh_project.file(f"outputs/info/{k}.json").exists()]
    assert "# wikipedia:" in fresh_project.file(f"sources/{BANGA}.md").read_text(encoding="utf-8")

    info = json.loads(fresh_project.file(f"outputs/info/{BANGA}.json").read_text(encoding="utf-8"))
    assert info["provider"] == "heritage" and info["attribution"] == ["국가유산청"]
    assert all(section["source"].startswith(heritage.url) for section in info["sections"])
    # The entry's picture is kept beside its facts.
    assert fresh_project.file(f"outputs/info/{BANGA}.jpg").read_bytes() == picture("0000780000000")
    script = fresh_project.file(f"outputs/script/{BANGA}.md").read_text(encoding="utf-8")
    assert "국보" in script and "삼국시대" in script  # the designation and era the fake heritage server gave
    assert sf.info(fresh_project.file(f"outputs/audio/{BANGA}.mp3")).duration > 1.0

    # The info stage then finds the preview's facts in its cache, and gathers the shipped keywords': auto falls
    # through to their local facts.
    result = fresh_project.run("dvc", "repro", "info")
    assert set(RAN.findall(result.stdout)) == {"info"}
    assert served_from_cache(result.stderr, "info") == (len(KEYWORDS) + 1, 1)
    for keyword in KEYWORDS:
        assert json.loads(fresh_project.file(f"outputs/info/{keyword}.json").read_text(encoding="utf-8"))[
            "provider"] == "local"

    # Pinning another entry gathers that keyword's facts only, and asks for the pinned entry without a search.
    source = fresh_project.file(f"sources/{BANGA}.md")
    source.write_text(source.read_text(encoding="utf-8").replace(
        "# heritage:\n#   ccbaKdcd: 11             # kind", "heritage:\n  ccbaKdcd: 11             # kind").replace(
        "#   ccbaAsno: 0000680000000", "  ccbaAsno: 0000830000000").replace(
        "#   ccbaCtcd: 11", "  ccbaCtcd: 11"), encoding="utf-8")
    before, asked_wikipedia = len(heritage.requests), len(wikipedia.requests)
    result = fresh_project.run("dvc", "repro", "info")
    assert set(RAN.findall(result.stdout)) == {"info"}
    assert served_from_cache(result.stderr, "info") == (len(KEYWORDS) + 1, len(KEYWORDS))
    assert heritage.paths()[before:] == ["/cha/SearchKindOpenapiDt.do", f"{PICTURES}0000830000000.jpg"]
    assert len(wikipedia.requests) == asked_wikipedia
    info = json.loads(fresh_project.file(f"outputs/info/{BANGA}.json").read_text(encoding="utf-8"))
    assert info["details"]["ccbaAsno"] == "0000830000000"


def test_unreachable_sources_fail_in_one_line(fresh_project: Project):
    closed = f"http://127.0.0.1:{free_port()}"
    use_auto(fresh_project, f"{closed}/cha/", closed, max_tries=2)
    fresh_project.commit("auto, nothing listening")
    gave_up = (rf"heritage: GET {re.escape(closed)}/cha/SearchKindOpenapiList\.do: gave up after 2 tries over "
               r"[\d.]+ s: connection refused")

    # One keyword (`make audio KEYWORD=…`): its own reason, as the line.
    result = _make(fresh_project, "audio", f"KEYWORD={BANGA}")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert re.fullmatch(f"error: {gave_up}", errors[0])
    assert "Traceback" not in output
    assert not fresh_project.file(f"outputs/info/{BANGA}.json").exists()

    # The whole catalogue (`dvc repro`): one line naming the keywords that failed, each with its reason.
    result = fresh_project.run("dvc", "repro", "info", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    total = len(KEYWORDS) + 1
    assert re.fullmatch(rf"error: info: {total} of {total} keywords failed \(the others are done and cached\): "
                        rf"{re.escape(KEYWORDS[0])}: {gave_up}; .*; and \d+ more", errors[0]), errors[0]
    assert "Traceback" not in output
    assert not list(fresh_project.file("outputs").rglob("*.json"))
