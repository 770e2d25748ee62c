"""The offline pipeline end to end, with real `dvc repro` in a temporary repository."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf

from tests.conftest import HEAVY_PACKAGES, RAN, ROOT, Project, imported_packages, project_env

KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]
CATALOGUE = {"info", "script", "audio", "report", "guide"}  # one stage per kind, for every keyword


def served_from_cache(log: str, stage: str) -> tuple[int, int]:
    """(keywords, from the cache) as the info or script stage logged them."""
    found = re.search(rf"{stage}: (\d+) keywords, (\d+) from the cache", log)
    return int(found[1]), int(found[2])


def encoded(log: str) -> set[str]:
    """The keywords whose narration the audio stage encoded (not copied from the narration cache)."""
    return set(re.findall(r"audio: outputs/audio/(.+)\.mp3 \(.*\d+ encode\(s\)\)", log))


def speech_calls(log: str) -> int:
    """Chunks the audio stage had the voice make (espeak: one call a chunk), from its closing line."""
    return int(re.search(r"audio: \d+ narrations; \d+ chunks from the cache, (\d+) requests", log)[1])


def test_first_repro_makes_every_output_and_decodable_audio(built_project: Project):
    assert built_project.first_run == CATALOGUE
    for keyword in KEYWORDS:
        info = built_project.file(f"outputs/info/{keyword}.json")
        script = built_project.file(f"outputs/script/{keyword}.md")
        assert info.stat().st_size > 0 and keyword in script.read_text(encoding="utf-8")
        audio = sf.info(built_project.file(f"outputs/audio/{keyword}.mp3"))
        assert audio.duration > 1.0
        spoken = built_project.file(f"outputs/spoken/{keyword}.txt").read_text(encoding="utf-8")
        assert spoken.strip() and not re.search(r"[0-9]", spoken)


def test_second_repro_runs_nothing(project: Project):
    assert project.repro() == set()


def test_editing_one_source_remakes_only_that_keyword(project: Project):
    source = project.file("sources/백자 달항아리.md")
    source.write_text(source.read_text(encoding="utf-8") + "\n## 덧붙임\n달항아리는 보름달처럼 둥급니다.\n",
                      encoding="utf-8")
    result = project.run("dvc", "repro")
    assert set(RAN.findall(result.stdout)) == CATALOGUE
    # Each stage runs for the catalogue, but the other keywords come from its cache.
    assert served_from_cache(result.stderr, "info") == served_from_cache(result.stderr, "script") == (3, 2)
    assert encoded(result.stderr) == {"백자 달항아리"}


def test_changing_speed_remakes_every_narration_and_nothing_before(project: Project):
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace("speed: 1.0", "speed: 1.3"), encoding="utf-8")
    result = project.run("dvc", "repro")
    assert set(RAN.findall(result.stdout)) == {"audio", "report", "guide"}
    assert encoded(result.stderr) == set(KEYWORDS)


@pytest.mark.parametrize(("old", "new"), [("max_tries: 8", "max_tries: 3"), ("concurrency: 4", "concurrency: 2")])
def test_changing_how_calls_are_made_reruns_nothing(project: Project, old, new):
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    assert old in text
    params.write_text(text.replace(old, new), encoding="utf-8")
    assert project.repro() == set()


def test_editing_openai_code_leaves_every_info_stage_up_to_date(project: Project):
    """The info stage depends on the web clients file by file: an edited OpenAI client or voice re-queries no source."""
    for path in ("stages/clients/openai_access.py", "stages/speech/voices/openai.py"):
        code = project.file(path)
        code.write_text(code.read_text(encoding="utf-8") + "# an edited comment\n", encoding="utf-8")
    status = json.loads(project.run("dvc", "status", "--json").stdout)
    assert "audio" in status  # the edit is seen: the stage that speaks is stale
    assert "info" not in status


def test_editing_the_lexicon_resynthesises_only_the_chunks_whose_spoken_form_changes(project: Project):
    lexicon = project.file("lexicon.yaml")
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "달항아리: 달 항아리\n", encoding="utf-8")
    result = project.run("dvc", "repro")
    # The audio stage depends on the lexicon; no info or script stage does.
    assert set(RAN.findall(result.stdout)) == {"audio", "report", "guide"}
    # Only 백자 달항아리 says the word: its changed chunks are made, and no other narration's.
    chunks = json.loads(project.file("outputs/metrics/백자 달항아리.json").read_text(encoding="utf-8"))["chunks"]
    assert encoded(result.stderr) == {"백자 달항아리"} and 0 < speech_calls(result.stderr) <= chunks
    assert "달 항아리" in project.file("outputs/spoken/백자 달항아리.txt").read_text(encoding="utf-8")


def test_hand_edited_script_resynthesises_only_that_keyword(project: Project):
    keyword = "성덕대왕신종"
    project.file(f"scripts/{keyword}.md").write_text(
        "안녕하세요. 이 종은 손으로 고쳐 쓴 해설로 소개합니다.\n\n성덕대왕신종은 771년에 완성되었습니다.\n",
        encoding="utf-8")
    result = project.run("dvc", "repro")
    # The script stage re-runs (the scripts/ folder changed), but only the edited keyword's text changed.
    assert set(RAN.findall(result.stdout)) == {"script", "audio", "report", "guide"}
    assert served_from_cache(result.stderr, "script") == (3, 2) and encoded(result.stderr) == {keyword}
    assert project.file(f"outputs/script/{keyword}.md").read_bytes() == project.file(
        f"scripts/{keyword}.md").read_bytes()


def test_with_an_empty_local_cache_a_one_stop_edit_remakes_that_stop_only(project: Project):
    """A fresh clone after `dvc pull` has the outputs but no .cache/: the other stops come back from DVC's cache."""
    shutil.rmtree(project.file(".cache"))
    keyword = "성덕대왕신종"
    others = {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in KEYWORDS if k != keyword}
    project.file(f"scripts/{keyword}.md").write_text("안녕하세요. 손으로 고쳐 쓴 해설입니다.\n", encoding="utf-8")
    result = project.run("dvc", "repro")
    assert set(RAN.findall(result.stdout)) == {"script", "audio", "report", "guide"}
    assert served_from_cache(result.stderr, "script") == (3, 2)
    assert encoded(result.stderr) == {keyword} and speech_calls(result.stderr) == 1  # its one chunk
    assert set(re.findall(r"audio: outputs/audio/(.+)\.mp3 \(from the last run, in DVC's cache\)", result.stderr)) == set(others)
    assert {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in others} == others
    assert "up to date" in project.run("dvc", "status").stdout


def _make(project: Project, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`make` in the project copy, using this test run's venv instead of building one."""
    venv = project.file(".venv")
    if not venv.exists():
        venv.symlink_to(ROOT / ".venv")
    # Older than the venv's stamp, so make does not reinstall what this test run already has.
    os.utime(project.file("requirements.txt"), (0, 0))
    return project.run("make", "--no-print-directory", *args, check=False, **env)


def _listing(project: Project) -> set[str]:
    return {str(p.relative_to(project.path)) for p in project.path.rglob("*")
            if ".git" not in p.parts and ".dvc" not in p.parts and ".venv" not in p.parts}


def test_make_audio_rejects_a_path_keyword_and_writes_nothing(project: Project):
    params_before = project.file("params.yaml").read_bytes()
    files_before = _listing(project)
    result = _make(project, "audio", "KEYWORD=../x")
    assert result.returncode != 0
    assert "keyword '../x'" in result.stderr and "Traceback" not in result.stderr
    assert project.file("params.yaml").read_bytes() == params_before
    assert _listing(project) - {".venv"} == files_before


def test_malformed_params_is_a_one_line_error(project: Project):
    project.file("params.yaml").write_text("keywords: [a\ntts: {speed: 1\n", encoding="utf-8")
    result = _make(project, "audio")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: params.yaml is not valid YAML (line")


METRIC_FIELDS = {"chars", "chunks", "duration_s", "bytes", "est_cost_usd", "lufs", "true_peak_db", "lra",
                 "provider", "model", "voice", "speed"}


def test_each_narration_has_subtitles_tags_and_metrics(built_project: Project):
    import json
    import re

    import mutagen

    from stages.core.text import split_sentences
    from stages.speech.chunking import speakable_paragraphs

    for keyword in KEYWORDS:
        audio = built_project.file(f"outputs/audio/{keyword}.mp3")
        duration = sf.info(audio).duration
        vtt = built_project.file(f"outputs/audio/{keyword}.vtt").read_text(encoding="utf-8")
        assert vtt.startswith("WEBVTT\n\nNOTE\n") and f"출처: sources/{keyword}.md" in vtt
        ends = [float(h) * 3600 + float(m) * 60 + float(s) for h, m, s in
                re.findall(r"--> (\d\d):(\d\d):(\d\d\.\d\d\d)", vtt)]
        script = built_project.file(f"outputs/script/{keyword}.md").read_text(encoding="utf-8")
        assert len(ends) == sum(len(split_sentences(p)) for p in speakable_paragraphs(script))  # one cue per sentence
        assert ends == sorted(ends)
        samples, rate = sf.read(audio, dtype="float64")
        loud = np.flatnonzero(np.abs(samples) >= 10 ** (-50 / 20))
        assert abs(ends[-1] - (loud[-1] + 1) / rate) <= 0.3  # the last cue ends with the speech, not the tail
        assert (samples.size - loud[-1] - 1) / rate == pytest.approx(1.5, abs=0.03)  # audio.tail_s
        assert loud[0] / rate == pytest.approx(0.5, abs=0.03)  # audio.lead_in_s
        # Mastered: audio.loudness_lufs ± 0.5 LU, true peak ≤ audio.true_peak_db, measured independently.
        assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(-16.0, abs=0.5)
        assert 20 * np.log10(np.abs(scipy.signal.resample_poly(samples, 4, 1)).max()) <= -1.0

        tags = mutagen.File(audio).tags
        assert str(tags["TIT2"]) == keyword and str(tags["TALB"]) and "출처" in str(tags["COMM::kor"])

        metrics = json.loads(built_project.file(f"outputs/metrics/{keyword}.json").read_text(encoding="utf-8"))
        assert METRIC_FIELDS <= set(metrics)
        assert metrics["duration_s"] == pytest.approx(duration, abs=1e-3)
        assert metrics["bytes"] == audio.stat().st_size and metrics["est_cost_usd"] == 0.0
        assert metrics["provider"] == "espeak" and metrics["chars"] > 500

    totals = json.loads(built_project.file("metrics.json").read_text(encoding="utf-8"))
    assert totals["narrations"] == len(KEYWORDS)
    assert 0 <= totals["lufs_spread"] <= 1.0
    rows = json.loads(built_project.file("outputs/report/durations.json").read_text(encoding="utf-8"))
    assert [row["keyword"] for row in rows] == KEYWORDS
    assert totals["duration_s"] == pytest.approx(sum(row["duration_s"] for row in rows))
    assert "outputs/metrics" not in built_project.file(".gitignore").read_text(encoding="utf-8")


def test_a_forced_rerun_with_no_cache_gives_byte_identical_outputs(project: Project, tmp_path):
    paths = [f"outputs/{kind}/{keyword}.{suffix}" for keyword in KEYWORDS
             for kind, suffix in (("info", "json"), ("script", "md"), ("audio", "mp3"), ("audio", "vtt"))]
    before = {p: project.file(p).read_bytes() for p in paths}
    shutil.rmtree(project.file(".dvc/cache"))  # nor DVC's: every output is made again
    result = project.run("dvc", "repro", "--force", DOCENT_CACHE_DIR=str(tmp_path / "empty"))
    assert set(RAN.findall(result.stdout)) == CATALOGUE and encoded(result.stderr) == set(KEYWORDS)
    assert served_from_cache(result.stderr, "info") == (3, 0)
    assert {p: project.file(p).read_bytes() for p in paths} == before


def test_an_audio_stage_with_nothing_to_make_loads_no_encoder(project: Project, tmp_path):
    keyword = KEYWORDS[0]
    before = project.file(f"outputs/audio/{keyword}.mp3").read_bytes()
    assert not imported_packages(project, "stages.audio") & HEAVY_PACKAGES
    assert project.file(f"outputs/audio/{keyword}.mp3").read_bytes() == before
    # With nothing cached (nor in DVC's cache) the same narration is encoded, and the check above would see the
    # packages load.
    shutil.rmtree(project.file(".dvc/cache"))
    made = imported_packages(project, "stages.preview", keyword, DOCENT_CACHE_DIR=str(tmp_path / "empty"))
    assert {"numpy", "soundfile", "mutagen"} <= made
    assert project.file(f"outputs/audio/{keyword}.mp3").read_bytes() == before


SHELL_PAYLOADS = ["$(touch PWNED)", "`touch PWNED`"]


def only_keyword(project: Project, keyword: str) -> None:
    """params.yaml listing just this keyword, with a facts file, committed: what a hostile commit could hold."""
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    listed = "keywords:\n" + "".join(f"  - {k}\n" for k in KEYWORDS)
    assert listed in text
    params.write_text(text.replace(listed, f"keywords:\n  - '{keyword}'\n"), encoding="utf-8")
    shutil.copy(project.file(f"sources/{KEYWORDS[1]}.md"), project.file(f"sources/{keyword}.md"))
    project.commit("a hostile keyword")


def pwned(project: Project) -> list[str]:
    return [str(p) for p in [*project.path.parent.rglob("PWNED"), ROOT / "PWNED"] if p.exists()]


@pytest.mark.parametrize("payload", SHELL_PAYLOADS)
def test_a_shell_payload_committed_as_a_keyword_runs_nothing_under_plain_dvc_repro(fresh_project: Project, payload):
    only_keyword(fresh_project, payload)
    result = fresh_project.run("dvc", "repro", check=False)
    assert pwned(fresh_project) == []
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: params.yaml: keywords.0: keyword {payload!r} contains '{payload[0]}'; keywords are "
                      "file names on every system, so none of \" $ ` \\ : * ? < > | @ may appear in one"], output
    assert "Traceback" not in output
    assert not fresh_project.file("outputs/info").exists()


@pytest.mark.parametrize("payload", SHELL_PAYLOADS)
def test_make_audio_refuses_a_shell_payload_in_params_before_dvc_runs(fresh_project: Project, payload):
    only_keyword(fresh_project, payload)
    result = _make(fresh_project, "audio")
    assert pwned(fresh_project) == []
    assert result.returncode != 0 and "Running stage" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert errors == [f"error: params.yaml: keywords.0: keyword {payload!r} contains '{payload[0]}'; keywords are "
                      "file names on every system, so none of \" $ ` \\ : * ? < > | @ may appear in one"]


@pytest.mark.parametrize("keyword", [*SHELL_PAYLOADS, "$(shell touch PWNED)", "a\\b", "C:x", "a@b", "끝.", "끝 "])
def test_make_audio_refuses_a_keyword_that_is_no_portable_file_name_and_writes_nothing(project: Project, keyword):
    params_before = project.file("params.yaml").read_bytes()
    files_before = _listing(project)
    result = _make(project, "audio", f"KEYWORD={keyword}")
    assert pwned(project) == []
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(errors) == 1 and errors[0].startswith(f"error: keyword {keyword!r} "), result.stderr
    assert project.file("params.yaml").read_bytes() == params_before
    assert _listing(project) - {".venv"} == files_before


def test_make_audio_with_a_keyword_narrates_it_alone_and_the_next_run_publishes_it(project: Project):
    keyword = "새 달항아리"
    shutil.copy(project.file(f"sources/{KEYWORDS[1]}.md"), project.file(f"sources/{keyword}.md"))
    before = {k: project.file(f"outputs/audio/{k}.mp3").stat().st_mtime_ns for k in KEYWORDS}
    result = _make(project, "audio", f"KEYWORD={keyword}")
    assert result.returncode == 0, result.stderr
    assert RAN.findall(result.stdout) == [] and encoded(result.stderr) == {keyword}  # outside DVC, that keyword only
    assert {k: project.file(f"outputs/audio/{k}.mp3").stat().st_mtime_ns for k in KEYWORDS} == before
    assert sf.info(project.file(f"outputs/audio/{keyword}.mp3")).duration > 1.0
    # The next plain run publishes it, with its work already done: nothing fetched, written or encoded again.
    result = _make(project, "audio")
    assert set(RAN.findall(result.stdout)) == CATALOGUE
    assert served_from_cache(result.stderr, "info") == served_from_cache(result.stderr, "script") == (4, 4)
    assert encoded(result.stderr) == set() and speech_calls(result.stderr) == 0
    totals = json.loads(project.file("metrics.json").read_text(encoding="utf-8"))
    assert totals["narrations"] == len(KEYWORDS) + 1
    plotted = json.loads(project.file("outputs/report/durations.json").read_text(encoding="utf-8"))
    assert [row["keyword"] for row in plotted] == [*KEYWORDS, keyword]
    assert "up to date" in project.run("dvc", "status").stdout


def test_kill_9_mid_narration_leaves_no_temp_file_after_the_next_run(fresh_project: Project, tmp_path):
    keyword = KEYWORDS[1]
    # A long hand-written script and an empty chunk cache, so the narration is still being written when killed.
    shutil.copy(ROOT / "tests" / "long_narration.md", fresh_project.file(f"scripts/{keyword}.md"))
    env = {"DOCENT_CACHE_DIR": str(tmp_path / "cache")}
    fresh_project.repro("script", **env)
    audio = fresh_project.file("outputs/audio")
    stage = subprocess.Popen([sys.executable, "-m", "stages.audio"], cwd=fresh_project.path,
                             env={**project_env(), **env}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(audio.glob(f".{keyword}.mp3.*.tmp")) and stage.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    stage.send_signal(signal.SIGKILL)
    assert stage.wait(timeout=30) == -signal.SIGKILL
    assert list(audio.glob(f".{keyword}.mp3.*.tmp")), "the stage was not killed mid-narration"
    assert "audio" in fresh_project.repro("audio", **env)
    assert list(fresh_project.file("outputs").rglob("*.tmp")) == []
    assert sf.info(audio / f"{keyword}.mp3").duration > 200


def test_first_repro_builds_the_guide_with_the_committed_stop_numbers(built_project: Project):
    site = built_project.file("outputs/guide")
    index = (site / "index.html").read_text(encoding="utf-8")
    for number, keyword in enumerate(KEYWORDS, start=1):
        assert f'href="stops/{number}.html"' in index and keyword in index
        page = (site / f"stops/{number}.html").read_text(encoding="utf-8")
        assert f'src="../media/{number}.mp3"' in page and 'class="cue"' in page
        assert (site / f"media/{number}.mp3").read_bytes() == built_project.file(
            f"outputs/audio/{keyword}.mp3").read_bytes()
    assert (site / "labels.html").exists() and (site / "assets/guide.js").exists()
    # What the stage writes on a fresh clone is what git holds, so `git status` stays clean after `make audio`.
    for committed in ("outputs/stops.json", "outputs/.gitignore"):
        assert built_project.file(committed).read_bytes() == (ROOT / committed).read_bytes(), committed
