"""A catalogue stage's per-keyword results by content, so that a stage DVC re-runs for one changed keyword serves
every other keyword from here instead of doing its work again (fetching facts, writing a narration).

DVC re-runs a catalogue stage when any of its inputs change, and deletes its outputs first. The key of a
keyword's entry holds everything the keyword's output depends on: its own inputs (their bytes), the stage's
params section, and the code of the stage, which is exactly the code dvc.yaml lists in the stage's deps, so
that an edit DVC re-runs the stage for also misses here.
"""

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import yaml

from stages.core import atomic
from stages.core.cache import Cache, content_key
from stages.core.previous_outputs import PreviousOutputs, write_keys

PROJECT = Path(__file__).resolve().parents[2]  # where dvc.yaml and stages/ live, whatever the current folder
CODE_PREFIX = "stages/"
REFRESH_ENV = "DOCENT_REFRESH"


def files_hash(paths: list[Path], base: Path) -> str:
    """One hash of every .py file under `paths` (files or folders), by name relative to `base` and content."""
    digest = hashlib.sha256()
    files = sorted({file for path in paths for file in ([path] if path.is_file() else path.rglob("*.py"))})
    for file in files:
        digest.update(file.relative_to(base).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def module_version(path: str) -> str:
    """The hash of one module's source (pass `__file__`): part of the key of what that module's code makes and caches
    (a QR code, a picture's rendition, an icon), so that an entry made by an edited version is never taken for this
    one's. Read once per process."""
    module = Path(path)
    return files_hash([module], module.parent)


@cache
def code_version(stage: str) -> str:
    """The hash of the code the stage's deps in dvc.yaml name (its stages/ entries)."""
    stages = yaml.load((PROJECT / "dvc.yaml").read_text(encoding="utf-8"), Loader=yaml.SafeLoader)["stages"]
    deps = [PROJECT / dep for dep in stages[stage]["deps"] if dep.startswith(CODE_PREFIX)]
    return files_hash(deps, PROJECT)


def refreshed() -> set[str]:
    """The stages named in $DOCENT_REFRESH (e.g. `info,script`): they make every keyword afresh, using neither
    cache, for facts that changed online or a new chat answer, which no input of theirs shows."""
    return {name.strip() for name in os.environ.get(REFRESH_ENV, "").split(",") if name.strip()}


def file_bytes_key(path: Path) -> str | None:
    """The content hash of an input file, None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


class StageCache:
    """One stage's per-keyword outputs (one file each) under the cache root (<root>/<stage>/), and the record of
    what each was made from, kept with the outputs so that DVC's cache can stand in for this one
    (stages/core/previous_outputs.py)."""

    def __init__(self, stage: str, folder: Path, suffix: str) -> None:
        self.stage = stage
        self.folder = folder
        self.entries = Cache(stage, suffix)
        self.previous = PreviousOutputs(stage, folder)
        self.made: dict[str, dict] = {}  # keyword → {"key": …}, for this run's KEYS_FILE

    def key(self, keyword: str, inputs: dict) -> str:
        return content_key({"keyword": keyword, "inputs": inputs, "code": code_version(self.stage)})

    def make(self, keyword: str, inputs: dict, out: Path, make: Callable[[], object], record: dict | None = None) -> bool:
        """Restore `out` from this cache or from the stage's last run in DVC's cache, else make() it and keep it;
        True when it was not made. `record` goes into KEYS_FILE beside the key: facts about the output that its
        inputs decide (e.g. whether it is a machine translation), for the stages after this one."""
        key = self.key(keyword, inputs)
        self.made[keyword] = {"key": key, **(record or {})}
        if self.stage in refreshed():
            make()
            self.entries.put(key, lambda tmp: shutil.copyfile(out, tmp))  # the fresh result replaces the entry
            return False
        entry = self.entries.get(key)
        if entry is not None:
            atomic.copy_file(entry, out)
            return True
        reused = self.previous.record(keyword, key) is not None and self.previous.restore([out])
        if not reused:
            make()
        self.entries.put(key, lambda tmp: shutil.copyfile(out, tmp))
        return reused

    def write_keys(self, keywords: Sequence[str]) -> None:
        write_keys(self.folder, self.made, keywords)
