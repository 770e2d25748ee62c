"""Catalogue-sized projects for the DVC benchmarks: ours, and trivial stages of a chosen graph shape."""

import re
import shutil
from pathlib import Path

import yaml

from stages.speech.chunking import speakable_paragraphs
from tests.conftest import ROOT, Project, copy_project, edit_params, project_env

SHIPPED = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]
# 12 paragraphs of 240–330 characters: one ~1-minute chunk each at the default tts.chunk_chars
PARAGRAPHS = speakable_paragraphs((ROOT / "tests" / "long_narration.md").read_text(encoding="utf-8"))
# The same-graph floor's commands: one script standing in for every stage, copied into the floor's project.
TRIVIAL_STAGES = Path(__file__).with_name("trivial_stages.py")
TRIVIAL_KINDS = {"info", "script", "audio", "report", "guide"}  # the stages of dvc.yaml trivial_stages.py can write


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


def trivial_project(path: Path, count: int, shape: str = "one", *, scripts: bool = False, build: bool = True,
                   env: dict[str, str] | None = None) -> Project:
    """Trivial stages over `count` keywords, in one of two graph shapes.

    one: info → script → audio per keyword (foreach), one dep each, no params (DVC's floor);
    ours: our dvc.yaml with every stage, dep, param and out kept and only the commands trivial (bench/trivial_stages.py),
    over the same sources and (`scripts`) the same hand-written scripts/ folder as docent_project's.
    """
    if shape == "ours":
        project = docent_project(path, count, env=env or project_env(), scripts=scripts, build=False)
        spec = yaml.safe_load(project.file("dvc.yaml").read_text(encoding="utf-8"))
        assert set(spec["stages"]) == TRIVIAL_KINDS, f"bench/trivial_stages.py cannot stand in for {set(spec['stages']) ^ TRIVIAL_KINDS}"
        for name, stage in spec["stages"].items():
            stage["cmd"] = f"python {TRIVIAL_STAGES.name} {name}"
        project.file("dvc.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        shutil.copy(TRIVIAL_STAGES, project.file(TRIVIAL_STAGES.name))
    else:
        project = copy_project(path)  # for the same git + DVC set-up; its pipeline is replaced below
        project.env = env or project_env()
        listed = keywords(count)
        (path / "in").mkdir()
        for keyword in listed:
            (path / "in" / f"{keyword}.txt").write_text(keyword, encoding="utf-8")
        stages = {}
        for stage, source in (("info", "in/${item}.txt"), ("script", "info/${item}.txt"),
                              ("audio", "script/${item}.txt")):
            do = {"cmd": f'mkdir -p {stage} && cp "{source}" "{stage}/${{item}}.txt"', "deps": [source],
                  "outs": [f"{stage}/${{item}}.txt"]}
            stages[stage] = {"foreach": "${keywords}", "do": do}
        project.file("params.yaml").write_text(with_keywords("keywords:\n  - x\n", listed), encoding="utf-8")
        project.file("dvc.yaml").write_text(yaml.safe_dump({"stages": stages}, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    project.commit(f"trivial pipeline ({shape})")
    if build:
        project.run("dvc", "repro")
        project.commit("built")
    return project
