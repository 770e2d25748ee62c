"""Several languages end to end, with real `dvc repro`: hand-written translations narrated offline, a language added
to a built catalogue, and machine translation through the fake OpenAI server."""

import hashlib
import json
import re
import shutil
from html.parser import HTMLParser

import pytest
import soundfile as sf

from tests.conftest import RAN, Project, copy_project, edit_params
from tests.test_pipeline import CATALOGUE, encoded, speech_calls
from tests.test_pipeline_openai import KEYWORDS, FakeProcess, openai_env, repro

pytestmark = pytest.mark.slow

# espeak-ng's speaking rate at tts.speed 1.0 in characters a second (spaces and punctuation included), measured on
# the shipped narrations (docs/languages.md): a text read by another language's voice is far off its own rate.
ESPEAK_CHARS_PER_S = {"ko": 6.9, "en": 16.0, "zh": 3.9}
RATE_TOLERANCE = 0.3
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def set_languages(project: Project, languages: str) -> None:
    params = project.file("params.yaml")
    text, count = re.subn(r"(?m)^languages: .*$", f"languages: {languages}", params.read_text(encoding="utf-8"))
    assert count == 1
    params.write_text(text, encoding="utf-8")


def digests(project: Project, *patterns: str) -> dict[str, str]:
    """md5 of every file matching the patterns under outputs/, by path."""
    return {str(path.relative_to(project.path)): hashlib.md5(path.read_bytes()).hexdigest()
            for pattern in patterns for path in sorted(project.path.glob(pattern)) if path.is_file()}


FIRST_LANGUAGE_FILES = ("outputs/script/*.md", "outputs/audio/*.*", "outputs/spoken/*.txt", "outputs/metrics/*.json")


class HtmlLang(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang, self.tracks = None, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "track":
            self.tracks.append(attrs.get("srclang"))


@pytest.fixture(scope="module")
def three_languages(tmp_path_factory) -> Project:
    """A fresh copy with languages [ko, en, zh] and the shipped scripts/en and scripts/zh, after one `dvc repro`."""
    project = copy_project(tmp_path_factory.mktemp("languages") / "repo")
    set_languages(project, "[ko, en, zh]")
    project.result = project.run("dvc", "repro")
    project.commit("three languages")
    return project


def test_nine_narrations_offline_each_in_its_own_voice(three_languages: Project):
    assert set(RAN.findall(three_languages.result.stdout)) == CATALOGUE
    for language, folder in (("ko", ""), ("en", "en/"), ("zh", "zh/")):
        for keyword in KEYWORDS:
            script = three_languages.file(f"outputs/script/{folder}{keyword}.md").read_text(encoding="utf-8")
            audio = sf.info(three_languages.file(f"outputs/audio/{folder}{keyword}.mp3"))
            rate = len(script) / audio.duration
            # Its voice's rate, and no other's: a Korean voice would not read English at an English voice's pace.
            nearest = min(ESPEAK_CHARS_PER_S, key=lambda other: abs(ESPEAK_CHARS_PER_S[other] - rate))
            assert nearest == language and abs(rate / ESPEAK_CHARS_PER_S[language] - 1) < RATE_TOLERANCE, \
                (language, keyword, rate)
            metrics = json.loads(three_languages.file(f"outputs/metrics/{folder}{keyword}.json").read_text("utf-8"))
            assert metrics["language"] == language and metrics["voice"] == {"ko": "ko", "en": "en-us", "zh": "cmn"}[language]
            spoken = three_languages.file(f"outputs/spoken/{folder}{keyword}.txt").read_text(encoding="utf-8")
            # The Korean reading rules run for Korean only: no Hangul reaches another language's voice.
            assert bool(HANGUL.search(spoken)) == (language == "ko")
    english = three_languages.file("outputs/spoken/en/청자 상감운학문 매병.txt").read_text(encoding="utf-8")
    assert "In nineteen thirty-five, Jeon Hyeong-pil" in english and "42.1 centimetres" in english
    totals = json.loads(three_languages.file("metrics.json").read_text(encoding="utf-8"))
    assert totals["narrations"] == 9 and {lang: t["narrations"] for lang, t in totals["languages"].items()} == \
        {"ko": 3, "en": 3, "zh": 3}


def test_the_guide_holds_every_language_with_one_label_per_stop(three_languages: Project):
    guide = three_languages.file("outputs/guide")
    stops = json.loads(three_languages.file("outputs/stops.json").read_text(encoding="utf-8"))["stops"]
    for language in ("ko", "en", "zh"):
        for stop in stops:
            page = HtmlLang((guide / language / "stops" / f"{stop['number']}.html").read_text(encoding="utf-8"))
            assert page.lang == language and page.tracks == [language]
        media = sorted(path.name for path in (guide / language / "media").iterdir())
        assert media == sorted(f"{stop['number']}.{ext}" for stop in stops for ext in ("mp3", "vtt"))
    for stop in stops:  # the language-neutral page each QR label points at links to every language's
        neutral = (guide / "stops" / f"{stop['number']}.html").read_text(encoding="utf-8")
        assert all(f"../{language}/stops/{stop['number']}.html" in neutral for language in ("ko", "en", "zh"))
    labels = (guide / "labels.html").read_text(encoding="utf-8")
    assert labels.count("<svg") == len(stops)


def test_adding_a_language_makes_only_that_language(built_project: Project, tmp_path):
    project = Project(shutil.copytree(built_project.path, tmp_path / "repo", symlinks=True))
    before = digests(project, *FIRST_LANGUAGE_FILES)
    set_languages(project, "[ko, en]")
    result = project.run("dvc", "repro")
    assert set(RAN.findall(result.stdout)) == CATALOGUE - {"info"}
    assert "script: 3 keywords × 2 languages, 3 from the cache" in result.stderr
    assert encoded(result.stderr) == {f"en/{keyword}" for keyword in KEYWORDS}
    assert digests(project, *FIRST_LANGUAGE_FILES) == before  # Korean, byte for byte
    assert project.repro() == set()


def test_a_language_without_its_narration_names_the_file_to_write(built_project: Project, tmp_path):
    project = Project(shutil.copytree(built_project.path, tmp_path / "repo", symlinks=True))
    set_languages(project, "[ko, ja]")
    result = project.run("dvc", "repro", check=False)
    assert result.returncode != 0
    assert ("no Japanese narration for '청자 상감운학문 매병': write scripts/ja/청자 상감운학문 매병.md or set "
            "script.provider: openai") in result.stderr
    assert "Traceback" not in result.stderr
    assert not project.file("outputs/script/ja").exists() or not any(project.file("outputs/script/ja").glob("*.md"))


def test_exp_run_sets_languages_like_any_param(built_project: Project, tmp_path):
    project = Project(shutil.copytree(built_project.path, tmp_path / "repo", symlinks=True))
    project.run("dvc", "exp", "run", "-S", "languages=[ko,en]", "-n", "english")
    shown = json.loads(project.run("dvc", "exp", "show", "--json").stdout)
    found = [exp for entry in shown for exp in entry.get("experiments") or [] if exp.get("name") == "english"]
    metrics = found[0]["revs"][0]["data"]["metrics"]["metrics.json"]["data"]
    assert metrics["languages"]["en"]["narrations"] == 3 and metrics["narrations"] == 6


@pytest.fixture(scope="module")
def fake_process():
    fake = FakeProcess()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def korean_openai(tmp_path_factory, fake_process) -> Project:
    """Script and speech by OpenAI (the fake), Korean only, built and committed."""
    project = copy_project(tmp_path_factory.mktemp("openai-languages") / "repo")
    shutil.rmtree(project.file("scripts/en"))
    shutil.rmtree(project.file("scripts/zh"))
    edit_params(project, {"script.provider": "openai", "tts.provider": "openai", "tts.model": "gpt-4o-mini-tts"})
    repro(project, fake_process)
    project.commit("korean by openai")
    return project


def test_adding_a_translated_language_asks_nothing_for_korean(korean_openai: Project, fake_process, tmp_path):
    project = Project(shutil.copytree(korean_openai.path, tmp_path / "repo", symlinks=True))
    before = digests(project, *FIRST_LANGUAGE_FILES)
    stats = fake_process.stats()
    set_languages(project, "[ko, ja]")
    ran, output = repro(project, fake_process)
    after = fake_process.stats()
    assert ran == CATALOGUE - {"info"}
    assert after["counts"]["chat"] - stats["counts"]["chat"] == 3  # three translations, no Korean narration
    assert after["translations"].get("ja", 0) - stats["translations"].get("ja", 0) == 3
    ja_chunks = sum(json.loads(project.file(f"outputs/metrics/ja/{kw}.json").read_text("utf-8"))["chunks"]
                    for kw in KEYWORDS)
    assert after["counts"]["speech"] - stats["counts"]["speech"] == speech_calls(output) == ja_chunks
    assert digests(project, *FIRST_LANGUAGE_FILES) == before
    keys = json.loads(project.file("outputs/script/ja/.keys.json").read_text(encoding="utf-8"))
    assert all(record["machine_translation"] for record in keys.values())
    assert "機械翻訳" in project.file("outputs/guide/ja/stops/1.html").read_text(encoding="utf-8")


def test_a_translation_that_changes_a_number_is_asked_again_then_refused(korean_openai: Project, fake_process,
                                                                          tmp_path):
    project = Project(shutil.copytree(korean_openai.path, tmp_path / "repo", symlinks=True))
    set_languages(project, "[ko, zh]")
    fake_process._call("/_fake/faults", {"translation_number_faults": 2})
    before = fake_process.stats()["translations"].get("zh", 0)
    result = project.run("dvc", "repro", check=False, **openai_env(fake_process))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    # The first keyword's two answers both changed a number; the other two were translated once each.
    assert fake_process.stats()["translations"].get("zh", 0) - before == 4
    # The fake changes the first number it finds (the stand-in's narration may state it twice, so "adds" it is).
    assert re.search(r"openai translation: the Chinese narration of '청자 상감운학문 매병' (drops or changes|adds) \d",
                     result.stderr)
    assert "asked twice" in result.stderr
    assert not project.file("outputs/script/zh/청자 상감운학문 매병.md").exists()


def test_a_fresh_clone_re_translates_only_the_stop_that_changed(korean_openai: Project, fake_process, tmp_path):
    """After `dvc pull`, with empty local caches, DVC's cache stands in for every language's narrations: an edit to
    one stop's Korean narration asks for that stop's translation and speech only."""
    from tests.test_sharing import push_and_clone

    project = Project(shutil.copytree(korean_openai.path, tmp_path / "repo", symlinks=True))
    set_languages(project, "[ko, ja]")
    repro(project, fake_process)
    project.commit("japanese")
    clone = push_and_clone(project, tmp_path)
    assert not clone.file(".cache").exists()
    keyword = KEYWORDS[1]
    edited = clone.file(f"outputs/script/{keyword}.md").read_text(encoding="utf-8") + "\n감사합니다.\n"
    clone.file(f"scripts/{keyword}.md").write_text(edited, encoding="utf-8")
    stats = fake_process.stats()
    ran, output = repro(clone, fake_process)
    after = fake_process.stats()
    assert ran == CATALOGUE - {"info"}
    assert after["counts"]["chat"] - stats["counts"]["chat"] == 1  # that stop's Japanese, nothing else
    assert after["translations"].get("ja", 0) - stats["translations"].get("ja", 0) == 1
    assert encoded(output) == {keyword, f"ja/{keyword}"}
    for other in set(KEYWORDS) - {keyword}:
        for folder in ("", "ja/"):
            path = f"outputs/audio/{folder}{other}.mp3"
            assert clone.file(path).read_bytes() == project.file(path).read_bytes()
