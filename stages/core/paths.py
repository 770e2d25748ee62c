"""Where each stage reads and writes, in one place (relative to the project root, where DVC runs stages)."""

import shlex
from pathlib import Path

SOURCES_DIR = Path("sources")
HAND_EDITED_DIR = Path("scripts")
OUTPUTS = Path("outputs")
LEXICON = Path("lexicon.yaml")  # how written words are said (stages.korean.reading); a dependency of the audio stage
INFO_DIR = OUTPUTS / "info"
SCRIPT_DIR = OUTPUTS / "script"
AUDIO_DIR = OUTPUTS / "audio"
SPOKEN_DIR = OUTPUTS / "spoken"
METRICS_DIR = OUTPUTS / "metrics"
GUIDE_DIR = OUTPUTS / "guide"  # the published site, a DVC output like any other
STOPS_FILE = OUTPUTS / "stops.json"  # the guide's stop numbers, committed so that they never change
LOCK_FILE = Path("dvc.lock")


def remake_command(keyword: str) -> str:
    """The command that makes one keyword's narration again, quoted for a POSIX shell whatever it holds (' too)."""
    return f"make audio KEYWORD={shlex.quote(keyword)}"


def language_folder(folder: Path, language: str | None) -> Path:
    """A per-keyword folder, or its language's subfolder (None: the first language's, Params.folder)."""
    return folder / language if language else folder


def source_path(keyword: str) -> Path:
    return SOURCES_DIR / f"{keyword}.md"


def info_path(keyword: str) -> Path:
    return INFO_DIR / f"{keyword}.json"


# The names the picture of a keyword's facts may have beside its info file: the info stage writes one
# (stages/facts/picture.py), the guide shows it (stages/publishing/picture.py), `make prune` removes a dropped one.
PICTURE_SUFFIXES = (".jpg", ".png", ".webp")


def fetched_picture_path(keyword: str, suffix: str) -> Path:
    return INFO_DIR / f"{keyword}{suffix}"


def fetched_picture_paths(keyword: str) -> list[Path]:
    """Every name the keyword's fetched picture may have."""
    return [fetched_picture_path(keyword, suffix) for suffix in PICTURE_SUFFIXES]


def hand_edited_path(keyword: str, language: str | None = None) -> Path:
    return language_folder(HAND_EDITED_DIR, language) / f"{keyword}.md"


def script_path(keyword: str, language: str | None = None) -> Path:
    return language_folder(SCRIPT_DIR, language) / f"{keyword}.md"


def audio_path(keyword: str, fmt: str, language: str | None = None) -> Path:
    return language_folder(AUDIO_DIR, language) / f"{keyword}.{fmt}"


def subtitles_path(keyword: str, language: str | None = None) -> Path:
    return language_folder(AUDIO_DIR, language) / f"{keyword}.vtt"


def spoken_path(keyword: str, language: str | None = None) -> Path:
    return language_folder(SPOKEN_DIR, language) / f"{keyword}.txt"


def metrics_path(keyword: str, language: str | None = None) -> Path:
    return language_folder(METRICS_DIR, language) / f"{keyword}.json"
