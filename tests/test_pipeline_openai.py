"""The pipeline with tts.provider and script.provider set to openai: real `dvc repro` against the fake server process."""

import json
import re
import shutil
import subprocess
import sys
import urllib.request

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf

from stages.core.params import load_params
from stages.speech.chunking import split_chunks
from stages.speech.voices.openai import MAX_INPUT_CHARS
from tests.conftest import FAKE_KEY, HEAVY_PACKAGES, RAN, ROOT, Project, copy_project, edit_params, imported_packages
from tests.test_pipeline import CATALOGUE, _make, encoded, served_from_cache

KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]


class FakeProcess:
    """`python -m tests.fake_openai` in its own process, as DVC's stage subprocesses need it."""

    def __init__(self, latency: float = 0.1) -> None:
        # A little latency, as a real server has, so that requests overlap and concurrency shows.
        self.process = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--port", "0", "--latency",
                                         str(latency)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().split()[-1]

    def _call(self, path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        with urllib.request.urlopen(self.url.removesuffix("/v1") + path, data=data, timeout=10) as response:
            return json.load(response)

    def stats(self) -> dict:
        return self._call("/_fake/stats")

    def count(self, endpoint: str) -> int:
        return self.stats()["counts"].get(endpoint, 0)

    def most_in_flight(self, endpoint: str) -> int:
        return self._call("/_fake/stats")["most_in_flight"].get(endpoint, 0)

    def starts(self, endpoint: str) -> list[float]:
        """The wall-clock arrival time of every request to `endpoint` so far, in order."""
        return self._call("/_fake/stats")["starts"].get(endpoint, [])

    def reset_peaks(self) -> None:
        self._call("/_fake/reset-peaks", {})

    def queue(self, endpoint: str, *faults: str) -> None:
        self._call("/_fake/faults", {"queue": {endpoint: list(faults)}})

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def fake_process():
    fake = FakeProcess()
    yield fake
    fake.stop()


def openai_env(fake: FakeProcess) -> dict[str, str]:
    return {"OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": FAKE_KEY}


def repro(project: Project, fake: FakeProcess, *targets: str) -> tuple[set[str], str]:
    result = project.run("dvc", "repro", *targets, **openai_env(fake))
    output = result.stdout + result.stderr
    assert FAKE_KEY not in output
    return set(RAN.findall(result.stdout)), output


def chunks_of(project: Project, *keywords: str) -> list[str]:
    """The chunks of these keywords' scripts, in order, repeats included."""
    cap = min(load_params(project.file("params.yaml")).tts.chunk_chars, MAX_INPUT_CHARS)
    return [chunk.text for keyword in keywords for chunk in split_chunks(
        project.file(f"outputs/script/{keyword}.md").read_text(encoding="utf-8"), cap)]


def chunk_texts(project: Project, *keywords: str) -> set[str]:
    """The distinct chunks of these keywords' scripts: one speech request each, as the chunk cache is shared."""
    return set(chunks_of(project, *keywords))


@pytest.fixture(scope="module")
def openai_project(tmp_path_factory, fake_process) -> Project:
    """The project switched to OpenAI for script and speech, after one `dvc repro`, committed."""
    project = copy_project(tmp_path_factory.mktemp("openai") / "repo")
    # script.model stays null: the default chat model.
    edit_params(project, {"script.provider": "openai", "tts.provider": "openai", "tts.model": "gpt-4o-mini-tts"})
    chat, speech = fake_process.count("chat"), fake_process.count("speech")
    project.first_run, project.first_output = repro(project, fake_process)
    project.chat_requests = fake_process.count("chat") - chat
    project.first_models = fake_process.stats()
    project.speech_requests = fake_process.count("speech") - speech
    project.commit("first repro with openai")
    return project


@pytest.fixture
def project(openai_project, tmp_path) -> Project:
    dest = tmp_path / "repo"
    shutil.copytree(openai_project.path, dest, symlinks=True)  # .cache/chat comes along, as in a real checkout
    return Project(dest)


def test_first_repro_narrates_every_keyword_with_decodable_audio(openai_project: Project):
    assert openai_project.first_run == CATALOGUE
    assert openai_project.chat_requests == len(KEYWORDS)
    assert openai_project.speech_requests == len(chunk_texts(openai_project, *KEYWORDS))
    for keyword in KEYWORDS:
        script = openai_project.file(f"outputs/script/{keyword}.md").read_text(encoding="utf-8")
        assert script.startswith("안녕하세요") and "#" not in script and "*" not in script
        audio = sf.info(openai_project.file(f"outputs/audio/{keyword}.mp3"))
        assert audio.duration > 1.0
    # The fake is an OpenAI-compatible server: OpenAI's shutdown of gpt-4o-mini-tts is not its own.
    assert "shut" not in openai_project.first_output
    assert fake_models(openai_project.first_models, "chat") == {"gpt-5.4-mini": len(KEYWORDS)}  # no model set


def fake_models(stats: dict, endpoint: str) -> dict[str, int]:
    return stats["models"].get(endpoint, {})


def test_a_model_past_its_shutdown_stops_the_run_before_any_file_is_written(fresh_project: Project):
    edit_params(fresh_project, {"script.provider": "openai", "script.model": "gpt-5-mini"})
    env = {"OPENAI_API_KEY": FAKE_KEY, "DOCENT_TODAY": "2026-12-11"}  # OpenAI itself: no OPENAI_BASE_URL
    line = "error: params.yaml: script.model: 'gpt-5-mini' was shut down on 2026-12-11; use gpt-5.4-mini\n"
    made = _make(fresh_project, "audio", **env)
    assert made.returncode != 0 and made.stderr.startswith(line) and "Traceback" not in made.stderr
    plain = fresh_project.run("dvc", "repro", check=False, **env)  # no params check first: the stages refuse
    assert plain.returncode != 0 and line in plain.stderr and "Traceback" not in plain.stderr
    assert [p.name for p in fresh_project.file("outputs").rglob("*")] == [".gitignore"]  # as committed


def test_make_audio_with_no_script_model_set_asks_for_the_new_default(fresh_project: Project):
    edit_params(fresh_project, {"script.provider": "openai"})  # params.yaml ships `model: null`
    fake = FakeProcess()
    try:
        result = _make(fresh_project, "audio", **openai_env(fake))
        assert result.returncode == 0, result.stdout + result.stderr
        assert fake_models(fake.stats(), "chat") == {"gpt-5.4-mini": len(KEYWORDS)}
    finally:
        fake.stop()


def test_hand_edit_makes_no_chat_request_for_the_other_keywords(project: Project, fake_process):
    keyword = "성덕대왕신종"
    project.file(f"scripts/{keyword}.md").write_text(
        "안녕하세요. 이 종은 손으로 고쳐 쓴 해설로 소개합니다.\n\n성덕대왕신종은 771년에 완성되었습니다.\n",
        encoding="utf-8")
    chat, speech = fake_process.count("chat"), fake_process.count("speech")
    ran, output = repro(project, fake_process)
    # The script stage re-runs (scripts/ changed); the other keywords come from its cache, byte-identical.
    assert ran == {"script", "audio", "report", "guide"}
    assert served_from_cache(output, "script") == (len(KEYWORDS), len(KEYWORDS) - 1)
    assert encoded(output) == {keyword}
    assert fake_process.count("chat") == chat
    assert fake_process.count("speech") - speech == len(chunk_texts(project, keyword))


def test_forced_rerun_of_the_script_stage_asks_nothing(project: Project, fake_process):
    before = {k: project.file(f"outputs/script/{k}.md").read_bytes() for k in KEYWORDS}
    chat = fake_process.count("chat")
    ran, output = repro(project, fake_process, "--force", "--single-item", "script")
    assert ran == {"script"} and served_from_cache(output, "script") == (len(KEYWORDS), len(KEYWORDS))
    # Without the stage's cache, the chat cache answers: still no request, and the same narrations.
    stage_cache = project.file(".cache/script")
    assert stage_cache.is_dir()
    shutil.rmtree(stage_cache)
    forget_every_cache(project)
    ran, output = repro(project, fake_process, "--force", "--single-item", "script")
    assert ran == {"script"} and served_from_cache(output, "script") == (len(KEYWORDS), 0)
    assert fake_process.count("chat") == chat
    assert {k: project.file(f"outputs/script/{k}.md").read_bytes() for k in KEYWORDS} == before
    # The same scripts, so nothing is asked for again (the stages whose objects left DVC's cache re-run, from ours).
    speech = fake_process.count("speech")
    repro(project, fake_process)
    assert (fake_process.count("chat"), fake_process.count("speech")) == (chat, speech)


def test_changing_the_audio_params_re_encodes_and_synthesises_nothing(project: Project, fake_process):
    """ACX's profile, longer pauses and room: every narration is encoded again from the cached chunks."""
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    for old, new in [("loudness_lufs: -16.0", "loudness_lufs: -19.0"), ("true_peak_db: -1.0", "true_peak_db: -3.0"),
                     ("lead_in_s: 0.5", "lead_in_s: 1.0"), ("paragraph_pause_s: 0.6", "paragraph_pause_s: 0.9")]:
        assert old in text
        text = text.replace(old, new)
    params.write_text(text, encoding="utf-8")
    before = {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in KEYWORDS}
    speech = fake_process.count("speech")
    ran, output = repro(project, fake_process)
    assert ran == {"audio", "report", "guide"} and encoded(output) == set(KEYWORDS)
    assert fake_process.count("speech") == speech  # 0 speech requests: no chunk's cache key holds `audio`
    for keyword in KEYWORDS:
        path = project.file(f"outputs/audio/{keyword}.mp3")
        assert path.read_bytes() != before[keyword]
        samples, rate = sf.read(path, dtype="float64")
        assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(-19.0, abs=0.5)
        assert 20 * np.log10(np.abs(scipy.signal.resample_poly(samples, 4, 1)).max()) <= -3.0
        assert np.flatnonzero(np.abs(samples) >= 10 ** (-50 / 20))[0] / rate == pytest.approx(1.0, abs=0.03)
    assert json.loads(project.file("metrics.json").read_text(encoding="utf-8"))["lufs_spread"] <= 1.0


def forget_every_cache(project: Project) -> None:
    """Empty DVC's cache too: otherwise a keyword missing from the stage caches comes back from the last run there."""
    shutil.rmtree(project.file(".dvc/cache"))


def stage_error(project: Project, module: str, *args: str, **env: str) -> str:
    result = project.run(sys.executable, "-m", module, *args, check=False, **env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert FAKE_KEY not in result.stdout + result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")][0]


def test_missing_key_is_one_line_when_something_must_be_synthesised(project: Project, fake_process, tmp_path):
    forget_every_cache(project)
    error = stage_error(project, "stages.audio", OPENAI_BASE_URL=fake_process.url,
                        DOCENT_CACHE_DIR=str(tmp_path / "empty"))
    assert error.startswith("error: OPENAI_API_KEY is not set")


def test_no_key_is_needed_when_every_chunk_is_cached(project: Project, fake_process):
    speech = fake_process.count("speech")
    loaded = imported_packages(project, "stages.audio", OPENAI_BASE_URL=fake_process.url)
    assert fake_process.count("speech") == speech
    assert not loaded & HEAVY_PACKAGES  # nothing to make: neither the SDK nor the encoder is imported


def test_refused_key_is_one_line_after_one_request(project: Project, fake_process, tmp_path):
    fake_process.queue("speech", "401")
    speech = fake_process.count("speech")
    # One request at a time, so no other chunk is already in flight; an empty chunk cache, so that it asks.
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace("concurrency: 4", "concurrency: 1"), encoding="utf-8")
    forget_every_cache(project)
    error = stage_error(project, "stages.audio", **openai_env(fake_process),
                        DOCENT_CACHE_DIR=str(tmp_path / "empty-cache"))
    assert "the API key was rejected (401); check OPENAI_API_KEY" in error
    assert fake_process.count("speech") - speech == 1


def test_key_never_reaches_disk_or_any_log_line(project: Project, fake_process, tmp_path):
    """Every line the preview and the stages under `dvc repro --verbose` log (requests, retries, clean-up,
    summaries), and every file."""
    keyword = "백자 달항아리"
    # Left by a killed run: the preview removes it (DVC deletes a stage's output folders itself before it runs).
    project.file(f"outputs/audio/.{keyword}.mp3.abcd1234.tmp").write_bytes(b"")
    cache = tmp_path / "cache"  # empty, so that chat and speech requests are made and logged
    forget_every_cache(project)
    env = {**openai_env(fake_process), "DOCENT_CACHE_DIR": str(cache)}
    output = ""
    for command in ([sys.executable, "-m", "stages.preview", keyword], ["dvc", "repro", "--verbose", "--force"]):
        fake_process.queue("chat", "reset")
        fake_process.queue("speech", "reset")
        result = project.run(*command, **env)
        output += result.stdout + result.stderr
    for line in ("left by an interrupted run", "waiting", "info: ", "script: ", "audio: ", "preview: ", "report: "):
        assert line in output, f"no {line!r} line to check"
    assert FAKE_KEY not in output
    leaked = [path for root in (project.path, cache) for path in root.rglob("*")
              if path.is_file() and not path.is_symlink() and FAKE_KEY.encode() in path.read_bytes()]
    assert leaked == []


def set_voice(project: Project, voice: str) -> None:
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace("  voice: alloy", f"  voice: {voice}"),
                      encoding="utf-8")


def test_a_voice_change_is_synthesised_across_keywords_in_one_pool(project: Project, fake_process):
    set_voice(project, "nova")
    speech = fake_process.count("speech")
    fake_process.reset_peaks()
    ran, output = repro(project, fake_process)
    assert ran == {"audio", "report", "guide"} and encoded(output) == set(KEYWORDS)
    chunks = len(chunk_texts(project, *KEYWORDS))
    assert fake_process.count("speech") - speech == chunks
    # A chunk said twice is asked for once; its second use counts as a cache hit.
    repeats = len(chunks_of(project, *KEYWORDS)) - chunks
    assert f"audio: {len(KEYWORDS)} narrations; {repeats} chunks from the cache, {chunks} requests, 0 retries" in output
    # Requests of several keywords were in flight together, up to requests.concurrency (4).
    assert fake_process.most_in_flight("speech") == min(4, len(chunk_texts(project, *KEYWORDS)))
    for keyword in KEYWORDS:  # complete narrations: every chunk's sound, in script order (tones checked elsewhere)
        assert sf.info(project.file(f"outputs/audio/{keyword}.mp3")).duration > 1.0


def test_cost_guard_a_one_keyword_run_requests_only_its_own_chunks(project: Project, fake_process):
    keyword, others = "백자 달항아리", [k for k in KEYWORDS if k != "백자 달항아리"]
    set_voice(project, "echo")
    untouched = {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in others}
    chat, speech = fake_process.count("chat"), fake_process.count("speech")
    result = _make(project, "audio", f"KEYWORD={keyword}", **openai_env(fake_process))
    assert result.returncode == 0, result.stdout + result.stderr
    ours, said = len(chunk_texts(project, keyword)), len(chunks_of(project, keyword))
    assert RAN.findall(result.stdout) == [] and encoded(result.stderr) == {keyword}  # outside DVC
    assert fake_process.count("speech") - speech == ours and fake_process.count("chat") == chat
    assert re.search(rf"preview: outputs/audio/{keyword}\.mp3 \(.*; {said} chunks, {said - ours} from the cache, "
                     rf"{ours} requests\)", result.stderr), result.stderr
    assert {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in others} == untouched
    # The next plain run pays for the other keywords only: the previewed narration comes from the caches.
    speech = fake_process.count("speech")
    ran, output = repro(project, fake_process)
    assert ran == {"audio", "report", "guide"} and encoded(output) == set(others)
    assert fake_process.count("speech") - speech == len(chunk_texts(project, *others) - chunk_texts(project, keyword))
