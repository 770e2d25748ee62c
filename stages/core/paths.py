"""Where each stage reads and writes, in one place (relative to the project root, where DVC runs stages)."""

import shlex
from pathlib import Path

SOURCES_DIR = Path("sources")
HAND_EDITED_DIR = Path("scripts")
OUTPUTS = Path("outputs")
LEXICON = Path("lexicon.yaml")  # how written words are said (stages.speech.reading); a dependency of the audio stage
INFO_DIR = OUTPUTS / "info"
SCRIPT_DIR = OUTPUTS / "script"
AUDIO_DIR = OUTPUTS / "audio"
GUIDE_DIR = OUTPUTS / "guide"  # the published site, a DVC output like any other
STOPS_FILE = OUTPUTS / "stops.json"  # the guide's stop numbers, committed so that they never change
LOCK_FILE = Path("dvc.lock")


def remake_command(keyword: str) -> str:
    """The command that makes one keyword's narration again, quoted for a POSIX shell whatever it holds (' too)."""
    return f"make audio KEYWORD={shlex.quote(keyword)}"


def source_path(keyword: str) -> Path:
    return SOURCES_DIR / f"{keyword}.md"


def info_path(keyword: str) -> Path:
    return INFO_DIR / f"{keyword}.json"


def hand_edited_path(keyword: str) -> Path:
    return HAND_EDITED_DIR / f"{keyword}.md"


def script_path(keyword: str) -> Path:
    return SCRIPT_DIR / f"{keyword}.md"


def audio_path(keyword: str, fmt: str) -> Path:
    return AUDIO_DIR / f"{keyword}.{fmt}"


def subtitles_path(keyword: str) -> Path:
    return AUDIO_DIR / f"{keyword}.vtt"


def spoken_path(keyword: str) -> Path:
    return OUTPUTS / "spoken" / f"{keyword}.txt"


def metrics_path(keyword: str) -> Path:
    return OUTPUTS / "metrics" / f"{keyword}.json"
