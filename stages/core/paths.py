"""Where each stage reads and writes, in one place (relative to the project root, where DVC runs stages)."""

import shlex
from pathlib import Path

SOURCES_DIR = Path("sources")
HAND_EDITED_DIR = Path("scripts")
OUTPUTS = Path("outputs")
LEXICON = Path("lexicon.yaml")  # how written words are said (stages.speech.reading); a dependency of speak, audio@*
CHUNKS_DIR = OUTPUTS / "chunks"
GUIDE_DIR = OUTPUTS / "guide"  # the published site, a DVC output like any other
STOPS_FILE = OUTPUTS / "stops.json"  # the guide's stop numbers, committed so that they never change
# The pipeline files: the root dvc.yaml (speak, audio@*, report, guide) and one per keyword stage that has its own
# lock (docs/performance.md: Scale). DVC addresses a stage of a file other than ./dvc.yaml as
# `<file>:<stage>@<keyword>`.
PIPELINE_FILES = {"info": Path("pipelines/info/dvc.yaml"), "script": Path("pipelines/script/dvc.yaml")}
LOCK_FILES = [Path("dvc.lock"), *(path.with_suffix(".lock") for path in PIPELINE_FILES.values())]


def stage_address(stage: str, keyword: str) -> str:
    """How `dvc repro` names a keyword's stage: `audio@x`, `pipelines/info/dvc.yaml:info@x`."""
    pipeline = PIPELINE_FILES.get(stage)
    return f"{pipeline.as_posix()}:{stage}@{keyword}" if pipeline else f"{stage}@{keyword}"


def repro_command(stage: str, keyword: str) -> str:
    """The command that re-makes a keyword's stage, quoted for a POSIX shell whatever the keyword holds (' too)."""
    return f"dvc repro {shlex.quote(stage_address(stage, keyword))}"


def source_path(keyword: str) -> Path:
    return SOURCES_DIR / f"{keyword}.md"


def info_path(keyword: str) -> Path:
    return OUTPUTS / "info" / f"{keyword}.json"


def hand_edited_path(keyword: str) -> Path:
    return HAND_EDITED_DIR / f"{keyword}.md"


def script_path(keyword: str) -> Path:
    return OUTPUTS / "script" / f"{keyword}.md"


def audio_path(keyword: str, fmt: str) -> Path:
    return OUTPUTS / "audio" / f"{keyword}.{fmt}"


def subtitles_path(keyword: str) -> Path:
    return OUTPUTS / "audio" / f"{keyword}.vtt"


def spoken_path(keyword: str) -> Path:
    return OUTPUTS / "spoken" / f"{keyword}.txt"


def metrics_path(keyword: str) -> Path:
    return OUTPUTS / "metrics" / f"{keyword}.json"


def chunks_path(keyword: str) -> Path:
    """The keyword's chunk list (cache keys in script order), written by the speak stage."""
    return CHUNKS_DIR / f"{keyword}.json"
