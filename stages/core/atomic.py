"""Atomic file writes: a temp file in the destination directory, then os.replace."""

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so os.replace is a rename on one filesystem and readers never see half a file.
    fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs and cache entries are ordinary readable files
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def stable_json(data: object) -> str:
    """JSON that is the same bytes for the same data: sorted keys, UTF-8 text (Hangul unescaped), no timestamps."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically, flushed to disk before the rename."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def temp_prefix(path: Path) -> str:
    """How the temp files (or folders) that stand in for `path` while it is written are named: `.<name>.<random>.tmp`."""
    return f".{path.name}."


def remove_stale_temps(*outputs: Path) -> list[Path]:
    """Delete the temp files (and temp folders) left beside these outputs when a run was killed; return what went.

    A stage calls it first, with its own outputs only: DVC runs one stage of a workspace at a time, so no
    temp file of these outputs can belong to a live writer.
    """
    removed = []
    for out in outputs:
        # mkstemp's random part has no '.', so `.a.mp3.<random>.tmp` never matches the temps of `a.mp3.mp3`.
        pattern = re.compile(re.escape(temp_prefix(out)) + r"[^.]+" + re.escape(TEMP_SUFFIX))
        with contextlib.suppress(FileNotFoundError):
            for entry in sorted(out.parent.iterdir()):
                if not pattern.fullmatch(entry.name):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)  # a folder output's staging copy (write_site)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
                log.info("removed %s, left by an interrupted run", entry)
    return removed
