"""Catalogue-sized projects for the DVC benchmarks: ours, and trivial stages of a chosen graph shape."""

import re
import shutil
from pathlib import Path

import yaml

from stages.core.paths import PIPELINE_FILES
from stages.speech.chunking import speakable_paragraphs
from tests.conftest import ROOT, Project, copy_project, edit_params, project_env

SHIPPED = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]
# 12 paragraphs of 240–330 characters: one ~1-minute chunk each at the default tts.chunk_chars
PARAGRAPHS = speakable_paragraphs((ROOT / "tests" / "long_narration.md").read_text(encoding="utf-8"))
_PIPELINES = ["dvc.yaml", *(path.as_posix() for path in PIPELINE_FILES.values())]
TODAY_FILE_DEPS = 22  # the "today": a stage's input plus 21 code files, before the layout
# A cp-like command per stage of our dvc.yaml, writing every output that stage declares. Like ours, the speak
# and audio outputs change with tts.voice, so that a voice change re-runs the same stages (report and guide too).
_TRIVIAL = {
    "info": 'mkdir -p outputs/info && cp "sources/${item}.md" "outputs/info/${item}.json"',
    "script": 'mkdir -p outputs/script && cp "outputs/info/${item}.json" "outputs/script/${item}.md"',
    "speak": 'mkdir -p outputs/chunks && for f in outputs/script/*.md; do '
             'k="outputs/chunks/$(basename "$f" .md).json"; cp "$f" "$k"; echo "${tts.voice}" >> "$k"; done',
    "audio": 'mkdir -p outputs/audio outputs/metrics && cp "outputs/chunks/${item}.json" '
             '"outputs/audio/${item}.${tts.format}" && cp "outputs/script/${item}.md" "outputs/audio/${item}.vtt" '
             '&& echo "{\\"voice\\": \\"${tts.voice}\\"}" > "outputs/metrics/${item}.json" '
             '&& mkdir -p outputs/spoken && cp "outputs/script/${item}.md" "outputs/spoken/${item}.txt"',
    "report": 'mkdir -p outputs/report && cat outputs/metrics/*.json > /dev/null && echo "{}" > metrics.json '
              '&& echo "[]" > outputs/report/durations.json',
    "guide": 'mkdir -p outputs/guide && cp outputs/audio/*.vtt outputs/guide/ && echo "{}" > outputs/stops.json',
}


def keywords(count: int) -> list[str]:
    return SHIPPED[:count] + [f"{SHIPPED[i % 3]} {i // 3 + 2}" for i in range(count - 3)]


def with_keywords(params_text: str, listed: list[str]) -> str:
    """params.yaml's text with its keyword list replaced (comments kept)."""
    block = "keywords:\n" + "".join(f"  - {k}\n" for k in listed)
    return re.sub(r"keywords:\n(?:  - .*\n)+", lambda _: block, params_text)


def docent_project(path: Path, count: int, *, env: dict[str, str], scripts: bool = False, build: bool = True,
                   params: dict[str, str] | None = None) -> Project:
    """Our pipeline over `count` keywords (copies of the shipped sources); `scripts`: a hand-written ~300-character
    script per keyword, distinct, one chunk each; `params`: params.yaml lines to change (edit_params)."""
    project = copy_project(path)
    listed = keywords(count)
    for index, keyword in enumerate(listed):
        base = re.sub(r" \d+$", "", keyword)
        if keyword != base:
            shutil.copy(project.file(f"sources/{base}.md"), project.file(f"sources/{keyword}.md"))
        if scripts:
            text = f"{index + 1}번째 전시품, {keyword}입니다. {PARAGRAPHS[index % len(PARAGRAPHS)]}\n"
            project.file(f"scripts/{keyword}.md").write_text(text, encoding="utf-8")
    params_file = project.file("params.yaml")
    params_file.write_text(with_keywords(params_file.read_text(encoding="utf-8"), listed), encoding="utf-8")
    edit_params(project, params or {})
    project.env = env
    project.commit(f"{count} keywords")
    if build:
        project.run("dvc", "repro")
        project.commit("built")
    return project


def trivial_project(path: Path, count: int, shape: str = "one", *, scripts: bool = False, build: bool = True) -> Project:
    """Trivial cp-like stages over `count` keywords, in one of three graph shapes.

    one: info → script → audio per keyword, one dep each, no params (DVC's floor);
    ours: every stage of our pipeline files with their deps, params and outs, only the commands trivial (`scripts`: with
    the same hand-written scripts/ folder as docent_project's, which every script stage hashes);
    today: info → script → audio per keyword, each with its input and 21 code files as deps, as before the layout.
    """
    if shape == "ours":
        project = docent_project(path, count, env=project_env(), scripts=scripts, build=False)
        pipelines = {file: yaml.safe_load(project.file(file).read_text(encoding="utf-8")) for file in _PIPELINES}
        names = {name for spec in pipelines.values() for name in spec["stages"]}
        assert names == set(_TRIVIAL), f"bench/catalogue.py needs a trivial command for {names ^ set(_TRIVIAL)}"
        for file, spec in pipelines.items():
            for name, stage in spec["stages"].items():
                (stage["do"] if "foreach" in stage else stage)["cmd"] = _TRIVIAL[name]
            project.file(file).write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    else:
        project = copy_project(path)  # for the same git + DVC set-up; its pipeline is replaced below, in one file
        shutil.rmtree(project.file("pipelines"))
        listed = keywords(count)
        (path / "in").mkdir()
        for keyword in listed:
            (path / "in" / f"{keyword}.txt").write_text(keyword, encoding="utf-8")
        ours = {name: stage for file in _PIPELINES
                for name, stage in yaml.safe_load((ROOT / file).read_text(encoding="utf-8"))["stages"].items()}
        code = sorted(p.relative_to(path).as_posix() for p in (path / "stages").rglob("*.py"))
        stages = {}
        for stage, source in (("info", "in/${item}.txt"), ("script", "info/${item}.txt"),
                              ("audio", "script/${item}.txt")):
            do = {"cmd": f'mkdir -p {stage} && cp "{source}" "{stage}/${{item}}.txt"', "deps": [source],
                  "outs": [f"{stage}/${{item}}.txt"]}
            if shape == "today":
                do["deps"] += code[:TODAY_FILE_DEPS - 1]
                do["params"] = ours[stage]["do"]["params"]
            stages[stage] = {"foreach": "${keywords}", "do": do}
        params = (ROOT / "params.yaml").read_text(encoding="utf-8") if shape == "today" else "keywords:\n  - x\n"
        project.file("params.yaml").write_text(with_keywords(params, listed), encoding="utf-8")
        project.file("dvc.yaml").write_text(yaml.safe_dump({"stages": stages}, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    project.commit(f"trivial pipeline ({shape})")
    if build:
        project.run("dvc", "repro")
        project.commit("built")
    return project
