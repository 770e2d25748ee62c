"""The entry's picture, fetched by the info stage beside the facts, against the fake 국가유산청; and a local picture's
credit, recorded for the guide."""

import json
import logging
from pathlib import Path

import pytest

from stages import info
from stages.core.info_file import Facts, FactSection
from stages.core.paths import INFO_DIR
from stages.facts.heritage import IMAGE_LICENCE
from stages.facts.picture import keep_picture
from tests.fake_heritage import BANGA, PICTURES, FakeHeritage, picture
from tests.fake_http import Reply

NUMBER = "0000780000000"  # the entry a search for BANGA chooses
PICTURE_PATH = f"{PICTURES}{NUMBER}.jpg"
JPG = INFO_DIR / f"{BANGA}.jpg"


def picture_requests(heritage: FakeHeritage) -> int:
    return heritage.paths().count(PICTURE_PATH)


def test_the_info_stage_keeps_the_entrys_picture_and_its_licence(heritage, params, sources):
    sources(BANGA)
    assert info.run(params(provider="heritage"), BANGA) is False
    facts = json.loads((INFO_DIR / f"{BANGA}.json").read_text(encoding="utf-8"))
    assert facts["details"]["image"] == f"{heritage.origin}{PICTURE_PATH}"
    assert facts["details"]["image_licence"] == IMAGE_LICENCE == "공공누리 제1유형: 출처표시"
    assert JPG.read_bytes() == picture(NUMBER)
    assert picture_requests(heritage) == 1


def test_a_picture_is_fetched_once(heritage, params, sources):
    sources(BANGA)
    info.run(params(provider="heritage"), BANGA)
    asked = len(heritage.requests)
    for out in INFO_DIR.iterdir():  # DVC deletes a stage's outputs before it runs it
        out.unlink()
    assert info.run(params(provider="heritage"), BANGA) is True
    assert JPG.read_bytes() == picture(NUMBER) and len(heritage.requests) == asked


def test_a_missing_picture_is_one_warning_and_the_facts_stand(heritage, params, sources, caplog):
    sources(BANGA)
    heritage.missing_pictures.add(NUMBER)
    with caplog.at_level(logging.WARNING):
        info.run(params(provider="heritage"), BANGA)
    assert (INFO_DIR / f"{BANGA}.json").exists() and not list(INFO_DIR.glob(f"{BANGA}.*g"))
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "stages.facts.picture"
            or r.levelno >= logging.ERROR] == [
        ("WARNING", f"info: {BANGA}: kept the facts without the picture: GET {heritage.origin}{PICTURE_PATH}: "
                    "HTTP 404 Not Found")]
    assert picture_requests(heritage) == 1  # a 404 is an answer: not retried


def test_a_server_error_is_retried_and_a_lasting_one_leaves_the_facts_alone(heritage, params, sources, caplog):
    sources(BANGA)
    heritage.missing_pictures.add(NUMBER)
    info.run(params(provider="heritage"), BANGA)  # the facts are now in the stage cache, without a picture
    heritage.missing_pictures.clear()
    heritage.failures = [503, 502]  # the next requests are the picture's: the facts come from the cache
    info.run(params(provider="heritage"), BANGA)
    assert JPG.read_bytes() == picture(NUMBER) and picture_requests(heritage) == 4

    JPG.unlink()
    with FakeHeritage() as down:
        down.failures = [503] * 10
        facts = Facts.from_json((INFO_DIR / f"{BANGA}.json").read_text(encoding="utf-8"))
        facts.details["image"] = f"{down.origin}{PICTURE_PATH}"
        (INFO_DIR / f"{BANGA}.json").write_text(facts.to_json(), encoding="utf-8")
        with caplog.at_level(logging.WARNING):
            assert keep_picture(params(), BANGA, NoPreviousRun()) is None
        assert len(down.requests) == 3  # retry.max_tries
    assert not JPG.exists()
    assert caplog.records[-1].levelname == "WARNING"
    assert caplog.records[-1].getMessage().startswith(f"info: {BANGA}: kept the facts without the picture (")


class PictureServer(FakeHeritage):
    """The fake service, answering its pictures with `reply`."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply

    def respond(self, path: str, query: dict[str, str]) -> Reply:
        return self.reply if path.startswith(PICTURES) else super().respond(path, query)


@pytest.mark.parametrize(("reply", "said"), [
    (Reply(200, b"<html><body>Not here</body></html>", "text/html"), "not a JPEG, PNG or WebP picture (text/html)"),
    (Reply(200, b"", "image/jpeg"), "not a JPEG, PNG or WebP picture (image/jpeg)"),
])
def test_an_answer_that_is_not_a_picture_is_a_warning(params, sources, caplog, reply, said):
    sources(BANGA)
    with PictureServer(reply) as server, caplog.at_level(logging.WARNING):
        info.run(params(provider="heritage", heritage_url=server.url), BANGA)
    assert not list(INFO_DIR.glob(f"{BANGA}.*g"))
    assert caplog.records[-1].getMessage().endswith(f"{PICTURE_PATH}: {said}")


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"\0" * 30, b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 30])
def test_a_png_or_webp_is_kept_under_its_own_suffix_and_a_stale_one_goes(params, sources, data):
    sources(BANGA)
    INFO_DIR.mkdir(parents=True)
    (INFO_DIR / f"{BANGA}.jpg").write_bytes(b"an older picture")
    with PictureServer(Reply(200, data, "application/octet-stream")) as server:
        info.run(params(provider="heritage", heritage_url=server.url), BANGA)
    suffix = ".png" if data.startswith(b"\x89PNG") else ".webp"
    assert sorted(p.name for p in INFO_DIR.glob(f"{BANGA}.*")) == [f"{BANGA}.json", f"{BANGA}{suffix}"]


def test_facts_without_a_picture_leave_none(params, sources):
    sources(BANGA, f"# {BANGA}\n\n## 개요\n문장입니다.\n")
    INFO_DIR.mkdir(parents=True)
    (INFO_DIR / f"{BANGA}.webp").write_bytes(b"left by an earlier run outside DVC")
    info.run(params(provider="local"), BANGA)
    assert [p.name for p in INFO_DIR.glob(f"{BANGA}.*")] == [f"{BANGA}.json"]


class NoPreviousRun:
    def file(self, path: Path) -> Path | None:
        return None


class PreviousRun:
    """The stage's last outputs as DVC's cache holds them (stages/core/previous_outputs.py), from a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def file(self, path: Path) -> Path | None:
        found = self.folder / path.name
        return found if found.is_file() else None


@pytest.mark.parametrize("same_url", [True, False])
def test_the_last_runs_picture_is_taken_from_dvcs_cache_when_its_facts_named_the_same_url(
        heritage, params, sources, tmp_path, same_url):
    url = f"{heritage.origin}{PICTURE_PATH}"
    facts = Facts(BANGA, BANGA, "heritage", [FactSection("개요", "문장입니다.", "x")], {"image": url})
    INFO_DIR.mkdir(parents=True)
    (INFO_DIR / f"{BANGA}.json").write_text(facts.to_json(), encoding="utf-8")
    last = tmp_path / "dvc-cache"
    last.mkdir()
    facts.details["image"] = url if same_url else f"{url}?old"
    (last / f"{BANGA}.json").write_text(facts.to_json(), encoding="utf-8")
    (last / f"{BANGA}.jpg").write_bytes(b"\xff\xd8\xff the last run's picture")
    keep_picture(params(), BANGA, PreviousRun(last))
    if same_url:
        assert JPG.read_bytes() == b"\xff\xd8\xff the last run's picture" and heritage.requests == []
    else:
        assert JPG.read_bytes() == picture(NUMBER) and heritage.paths() == [PICTURE_PATH]


def test_a_local_pictures_credit_is_recorded_for_the_guide(params, sources):
    sources(BANGA, f"---\npicture_credit: 국립중앙박물관\npicture_licence: CC BY 4.0\n---\n# {BANGA}\n\n## 개요\n문장입니다.\n")
    info.run(params(provider="local"), BANGA)
    info.FACTS.write_keys([BANGA])
    record = json.loads((INFO_DIR / ".keys.json").read_text(encoding="utf-8"))[BANGA]
    assert (record["picture_credit"], record["picture_licence"]) == ("국립중앙박물관", "CC BY 4.0")
    # Not among the facts, which a narration is written from.
    assert "국립중앙박물관" not in (INFO_DIR / f"{BANGA}.json").read_text(encoding="utf-8")
