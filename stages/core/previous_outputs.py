"""What a catalogue stage made in its last run, read back from DVC's own cache: for the keywords the local stage
caches do not have.

The stage caches live in .cache/, on one machine. A team member who clones the project and runs `dvc pull` has
every output but an empty .cache/; without this, the first edit to one stop would re-run the stage for every
keyword (and with an OpenAI provider, pay for every one again). DVC deletes a stage's outputs before it runs, but
dvc.lock still names them, and DVC's cache (filled by the last run or by `dvc pull`) still holds them. Each stage
writes, beside its per-keyword outputs, KEYS_FILE: the cache key each keyword's output was made from. A keyword
whose key is the same today gets its last output back from DVC's cache, unchanged.
"""

import json
import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import yaml

from stages.core import atomic
from stages.core.paths import LOCK_FILE

log = logging.getLogger(__name__)

KEYS_FILE = ".keys.json"  # in a stage's output folder: keyword → what its output was made from


class PreviousOutputs:
    """One stage's outputs as its last run left them in DVC's cache, found through dvc.lock; empty when there is
    no lock, no entry for the stage, or DVC's cache lacks the objects (never pulled)."""

    def __init__(self, stage: str, folder: Path) -> None:
        self.stage = stage
        self.folder = folder  # the output folder that holds KEYS_FILE

    @cached_property
    def _objects(self) -> dict[str, Path]:
        """Each file of the stage's folder outputs, by its path in the project → its object in DVC's cache."""
        try:
            lock = yaml.load(LOCK_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            outs = [out for out in lock["stages"][self.stage]["outs"] if str(out.get("md5", "")).endswith(".dir")]
        except (FileNotFoundError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError):
            return {}
        if not outs:
            return {}
        # Imported only now: a stage whose keywords are all in its local cache never pays for importing DVC.
        from dvc.exceptions import DvcException
        from dvc.repo import Repo

        try:
            odb = Repo(".").cache.local
        except DvcException:
            return {}
        objects = {}
        for out in outs:
            try:
                manifest = json.loads(Path(odb.oid_to_path(out["md5"])).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not in this machine's DVC cache
            for entry in manifest:
                objects[f"{out['path']}/{entry['relpath']}"] = Path(odb.oid_to_path(entry["md5"]))
        return objects

    def file(self, path: Path) -> Path | None:
        """The object holding `path` as the last run made it, if DVC's cache has it."""
        found = self._objects.get(path.as_posix())
        return found if found is not None and found.is_file() else None

    @cached_property
    def keys(self) -> dict:
        found = self.file(self.folder / KEYS_FILE)
        return _read_keys_file(found) if found else {}

    def record(self, keyword: str, key: str) -> dict | None:
        """What the last run recorded for the keyword, if its output was made from `key` then."""
        record = self.keys.get(keyword)
        return record if isinstance(record, dict) and record.get("key") == key else None

    def restore(self, paths: list[Path]) -> bool:
        """Copy `paths` back as the last run made them; False (nothing copied) if DVC's cache lacks any."""
        found = [self.file(path) for path in paths]
        if not all(found):
            return False
        for path, source in zip(paths, found):
            atomic.copy_file(source, path)
        return True


def write_keys(folder: Path, records: dict[str, dict], keywords: Sequence[str]) -> None:
    """Record what each keyword's output in `folder` was made from ({"key": …} and whatever else restoring it
    needs), as a DVC output with the rest of the folder.

    In catalogue order, not sorted: the info stage's file is how the report and the guide, which follow the order of
    params.yaml, see a reordering without each recording the whole keyword list in dvc.lock (dvc.yaml).
    """
    # By `keywords`, not as the records came in: the audio stage's encoders finish in any order.
    ordered = {keyword: dict(sorted(records[keyword].items())) for keyword in keywords if keyword in records}
    atomic.write_text(folder / KEYS_FILE, json.dumps(ordered, ensure_ascii=False, indent=2) + "\n")


def read_keys(folder: Path) -> dict:
    """The KEYS_FILE a stage left in `folder` in this workspace (keyword → record); {} when there is none."""
    return _read_keys_file(folder / KEYS_FILE)


def _read_keys_file(path: Path) -> dict:
    """A KEYS_FILE's records; {} when it is missing, unreadable or not a mapping."""
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return keys if isinstance(keys, dict) else {}
