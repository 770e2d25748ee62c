"""A catalogue stage's per-keyword cache: made once, restored after, keyed by every input, refreshed on request."""

import pytest

from stages.core.stage_cache import REFRESH_ENV, StageCache


@pytest.fixture
def stage_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    return StageCache("script", tmp_path / "outputs" / "script", ".md")


def maker(out, made: list, text: str = "narration"):
    def make():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        made.append(text)
    return make


def test_an_output_is_made_once_then_restored_byte_for_byte(stage_cache, tmp_path):
    out, made = tmp_path / "outputs" / "script" / "백자 달항아리.md", []
    assert stage_cache.make("백자 달항아리", {"facts": "a"}, out, maker(out, made)) is False
    out.unlink()  # as DVC deletes a stage's outputs before it runs
    assert stage_cache.make("백자 달항아리", {"facts": "a"}, out, maker(out, made, "other")) is True
    assert made == ["narration"] and out.read_text(encoding="utf-8") == "narration"


def test_any_changed_input_or_another_keyword_misses(stage_cache):
    key = stage_cache.key("백자 달항아리", {"facts": "a"})
    assert key != stage_cache.key("백자 달항아리", {"facts": "b"})
    assert key != stage_cache.key("성덕대왕신종", {"facts": "a"})


def test_refresh_makes_it_again_and_replaces_the_entry(stage_cache, tmp_path, monkeypatch):
    out, made = tmp_path / "outputs" / "script" / "x.md", []
    stage_cache.make("x", {}, out, maker(out, made, "old"))
    monkeypatch.setenv(REFRESH_ENV, "info, script")
    assert stage_cache.make("x", {}, out, maker(out, made, "new")) is False
    monkeypatch.delenv(REFRESH_ENV)
    out.unlink()
    assert stage_cache.make("x", {}, out, maker(out, made, "unused")) is True
    assert made == ["old", "new"] and out.read_text(encoding="utf-8") == "new"


def test_the_keys_record_what_each_output_was_made_from(stage_cache, tmp_path):
    import json

    out = tmp_path / "outputs" / "script" / "x.md"
    stage_cache.make("x", {"facts": "a"}, out, maker(out, []))
    stage_cache.write_keys(["x"])
    keys = json.loads((tmp_path / "outputs" / "script" / ".keys.json").read_text(encoding="utf-8"))
    assert keys == {"x": {"key": stage_cache.key("x", {"facts": "a"})}}
