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

from stages.core.paths import stage_address
from tests.conftest import HEAVY_PACKAGES, RAN, ROOT, Project, imported_packages, project_env

KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]


def stages_for(keyword: str, *kinds: str) -> set[str]:
    return {f"{kind}@{keyword}" for kind in kinds}


def all_stages() -> set[str]:
    return set().union(*(stages_for(k, "info", "script", "audio") for k in KEYWORDS))


def test_first_repro_makes_every_output_and_decodable_audio(built_project: Project):
    assert built_project.first_run == all_stages() | {"speak", "report", "guide"}
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


def test_editing_one_source_reruns_only_that_keyword(project: Project):
    source = project.file("sources/백자 달항아리.md")
    source.write_text(source.read_text(encoding="utf-8") + "\n## 덧붙임\n달항아리는 보름달처럼 둥급니다.\n",
                      encoding="utf-8")
    assert project.repro() == stages_for("백자 달항아리", "info", "script", "audio") | {"speak", "report", "guide"}


def test_changing_speed_reruns_only_audio(project: Project):
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace("speed: 1.0", "speed: 1.3"), encoding="utf-8")
    assert project.repro() == set().union(*(stages_for(k, "audio") for k in KEYWORDS)) | {"speak", "report", "guide"}


@pytest.mark.parametrize(("old", "new"), [("max_tries: 8", "max_tries: 3"), ("concurrency: 4", "concurrency: 2")])
def test_changing_how_calls_are_made_reruns_nothing(project: Project, old, new):
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    assert old in text
    params.write_text(text.replace(old, new), encoding="utf-8")
    assert project.repro() == set()


def test_editing_openai_code_leaves_every_info_stage_up_to_date(project: Project):
    """info@* depends on the web clients file by file: an edited OpenAI client or voice re-queries no source."""
    for path in ("stages/clients/openai_access.py", "stages/speech/voices/openai.py"):
        code = project.file(path)
        code.write_text(code.read_text(encoding="utf-8") + "# an edited comment\n", encoding="utf-8")
    status = json.loads(project.run("dvc", "status", "--json").stdout)
    changed = {name.rsplit(":", 1)[-1] for name in status}
    assert stages_for(KEYWORDS[0], "audio") <= changed  # the edit is seen: the stages that speak are stale
    assert not {name for name in changed if name.startswith("info@")}


def test_editing_the_lexicon_resynthesises_only_the_chunks_whose_spoken_form_changes(project: Project):
    lexicon = project.file("lexicon.yaml")
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "달항아리: 달 항아리\n", encoding="utf-8")
    result = project.run("dvc", "repro")
    ran = set(RAN.findall(result.stdout))
    # speak and every audio stage depend on the lexicon; no info or script stage does.
    audio = set().union(*(stages_for(k, "audio") for k in KEYWORDS))
    assert "speak" in ran and ran - {"speak", "report", "guide"} == audio
    summaries = dict(re.findall(r"audio: outputs/audio/(.+)\.mp3 \(\d+ chunks, \d+ from the cache, (\d+) requests",
                                result.stderr))
    # Only 백자 달항아리 says the word: speak synthesises its changed chunks, and no other narration's.
    changed, requests = re.search(r"speak: (\d+) of 3 narrations changed; \d+ chunks, (\d+) requests",
                                  result.stderr).groups()
    assert changed == "1" and int(requests) > 0 and set(summaries.values()) == {"0"}
    assert "달 항아리" in project.file("outputs/spoken/백자 달항아리.txt").read_text(encoding="utf-8")


def test_hand_edited_script_resynthesises_only_that_keyword(project: Project):
    keyword = "성덕대왕신종"
    project.file(f"scripts/{keyword}.md").write_text(
        "안녕하세요. 이 종은 손으로 고쳐 쓴 해설로 소개합니다.\n\n성덕대왕신종은 771년에 완성되었습니다.\n",
        encoding="utf-8")
    ran = project.repro()
    # Every script stage re-runs (the scripts/ folder changed), but only the edited keyword's text changed.
    assert ran == set().union(*(stages_for(k, "script") for k in KEYWORDS)) | {
        "speak", f"audio@{keyword}", "report", "guide"}
    assert project.file(f"outputs/script/{keyword}.md").read_bytes() == project.file(
        f"scripts/{keyword}.md").read_bytes()


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


def test_forced_rerun_gives_byte_identical_outputs(project: Project):
    keyword = KEYWORDS[1]
    paths = [f"outputs/info/{keyword}.json", f"outputs/script/{keyword}.md", f"outputs/audio/{keyword}.mp3",
             f"outputs/audio/{keyword}.vtt"]
    before = {p: project.file(p).read_bytes() for p in paths}
    assert project.repro("--force", "--single-item", stage_address("info", keyword), stage_address("script", keyword),
                         f"audio@{keyword}") == stages_for(keyword, "info", "script", "audio")
    assert {p: project.file(p).read_bytes() for p in paths} == before


def test_an_audio_stage_with_nothing_to_make_loads_no_encoder(project: Project, tmp_path):
    keyword = KEYWORDS[0]
    before = project.file(f"outputs/audio/{keyword}.mp3").read_bytes()
    assert not imported_packages(project, "stages.audio", keyword) & HEAVY_PACKAGES
    assert project.file(f"outputs/audio/{keyword}.mp3").read_bytes() == before
    # With nothing cached the same stage encodes, and the check above would see the packages load.
    encoded = imported_packages(project, "stages.audio", keyword, DOCENT_CACHE_DIR=str(tmp_path / "empty"))
    assert {"numpy", "soundfile", "mutagen"} <= encoded
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
    assert errors == [f"error: keyword {payload!r} contains '{payload[0]}'; keywords are file names on every system, "
                      "so none of \" $ ` \\ : * ? < > | @ may appear in one"], output
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


def test_make_audio_with_a_keyword_updates_the_report_and_runs_no_other_keyword(project: Project):
    keyword = "새 달항아리"
    shutil.copy(project.file(f"sources/{KEYWORDS[1]}.md"), project.file(f"sources/{keyword}.md"))
    result = _make(project, "audio", f"KEYWORD={keyword}")
    assert result.returncode == 0, result.stderr
    ran = set(RAN.findall(result.stdout))
    assert ran == stages_for(keyword, "info", "script", "audio") | {"speak", "report"}
    totals = json.loads(project.file("metrics.json").read_text(encoding="utf-8"))
    assert totals["narrations"] == len(KEYWORDS) + 1
    plotted = json.loads(project.file("outputs/report/durations.json").read_text(encoding="utf-8"))
    assert [row["keyword"] for row in plotted] == [*KEYWORDS, keyword]
    assert "changed" not in project.run("dvc", "status", "report").stdout


def test_kill_9_mid_narration_leaves_no_temp_file_after_the_next_run(fresh_project: Project, tmp_path):
    keyword = KEYWORDS[1]
    # A long hand-written script and an empty chunk cache, so the narration is still being written when killed.
    shutil.copy(ROOT / "tests" / "long_narration.md", fresh_project.file(f"scripts/{keyword}.md"))
    env = {"DOCENT_CACHE_DIR": str(tmp_path / "cache")}
    fresh_project.repro(stage_address("script", keyword), **env)
    audio = fresh_project.file("outputs/audio")
    stage = subprocess.Popen([sys.executable, "-m", "stages.audio", keyword], cwd=fresh_project.path,
                             env={**project_env(), **env}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(audio.glob(f".{keyword}.mp3.*.tmp")) and stage.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    stage.send_signal(signal.SIGKILL)
    assert stage.wait(timeout=30) == -signal.SIGKILL
    assert list(audio.glob(f".{keyword}.mp3.*.tmp")), "the stage was not killed mid-narration"
    assert f"audio@{keyword}" in fresh_project.repro(f"audio@{keyword}", **env)
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
