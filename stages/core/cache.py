"""A content-addressed, atomic file cache shared by every keyword and every `dvc exp` run.

An entry's name is the hash of everything that determines its content. An entry is written to a temp
file beside it, checked, then renamed into place, so a killed writer never leaves a half entry behind,
and concurrent writers of the same entry each rename a complete file (the last one wins, all equal).
"""

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from stages.core.atomic import atomic_path

CACHE_ENV = "DOCENT_CACHE_DIR"
DEFAULT_DIR = Path(".cache")


def cache_root() -> Path:
    """$DOCENT_CACHE_DIR, else .cache/ in the project (git-ignored).

    DVC runs a queued experiment in a temporary copy of the repository but sets DVC_ROOT to the real one,
    so `dvc exp run --queue` shares the project's cache instead of filling one that is thrown away.
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("DVC_ROOT") or ".") / DEFAULT_DIR


def content_key(parts: dict) -> str:
    """A stable hash of a JSON-able description of the content."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Cache:
    """One kind of entry (e.g. 'chunks' or 'chat') under the cache root, named by content key."""

    def __init__(self, kind: str, suffix: str, root: Path | None = None) -> None:
        self.dir = (root or cache_root()) / kind
        self.suffix = suffix

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}{self.suffix}"

    def get(self, key: str) -> Path | None:
        path = self.path(key)
        return path if path.is_file() else None

    def put(self, key: str, write: Callable[[Path], None], check: Callable[[Path], None] | None = None) -> Path:
        """Create the entry with write(temp_path); check(temp_path) must raise if the content is bad."""
        path = self.path(key)
        with atomic_path(path) as tmp:
            write(tmp)
            if check is not None:
                check(tmp)
        return path


_ENTRY = re.compile(r"^\.?[0-9a-f]{64}\b")  # an entry, or the temp file of one (".<key>.wav.xxxx.tmp")


def clean(root: Path | None = None) -> int:
    """Delete every entry and left-over temp file under the root; return how many files went.

    Only files laid out as entries (<kind>/<2 hex>/<key>…) are touched, so a DOCENT_CACHE_DIR pointed
    at the wrong folder by mistake loses nothing else.
    """
    root = root or cache_root()
    removed = 0
    for path in sorted(root.glob("*/??/*")):
        if path.is_file() and _ENTRY.match(path.name) and path.parent.name == path.name.lstrip(".")[:2]:
            path.unlink()
            removed += 1
    for folder in sorted(root.glob("*/??"), reverse=True) + sorted(root.glob("*")):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty
    with contextlib.suppress(OSError):
        root.rmdir()
    return removed

