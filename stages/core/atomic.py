"""Atomic file writes: a temp file in the destination directory, then os.replace."""

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)
TEMP_SUFFIX = ".tmp"
# `.<name>.p<pid>-<random>.tmp`: the writer's process id, so that a folder several processes write into (the
# shared chunk cache) can tell a dead writer's temp file from a live one's (sweep_dead_temps).
_OWNER = re.compile(r"\.p(\d+)-[^.]+" + re.escape(TEMP_SUFFIX) + "$")
# Temp files being written now, by any thread: Ctrl-C ends the process with os._exit (stages.core.cli), which
# runs no `finally`, so the exit path removes these itself (discard_live_temps).
_live: set[Path] = set()
_live_lock = threading.Lock()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so os.replace is a rename on one filesystem and readers never see half a file.
    fd, tmp_name = tempfile.mkstemp(prefix=f"{temp_prefix(path)}p{os.getpid()}-", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    with _live_lock:
        _live.add(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs and cache entries are ordinary readable files
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with _live_lock:
            _live.discard(tmp)


def discard_live_temps() -> None:
    """Delete the temp files still being written, before the process ends without unwinding its threads."""
    with _live_lock:
        for tmp in _live:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _live.clear()


def sweep_dead_temps(folder: Path) -> int:
    """Delete the temp files under `folder` whose writer process is gone (killed with -9, or the machine went down);
    return how many. A live writer's, another process's included, are left alone."""
    removed = 0
    for tmp in folder.rglob(f".*{TEMP_SUFFIX}"):
        owner = _OWNER.search(tmp.name)
        if owner is None or int(owner.group(1)) == os.getpid() or _alive(int(owner.group(1))):
            continue
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    if removed:
        log.info("removed %d temp file(s) under %s, left by an interrupted run", removed, folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def stable_json(data: object) -> str:
    """JSON that is the same bytes for the same data: sorted keys, UTF-8 text (Hangul unescaped), no timestamps."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically.

    Not fsync'd: the rename alone means a killed run leaves the old file or the new one, never half of one, which
    is the promise. Only a power cut could leave an empty file, and DVC then sees its hash change and makes it again.
    A catalogue run writes a few files per keyword, and an fsync each (about 7 ms here) made a run of 300 cached
    stops 10 s slower.
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def copy_file(source: Path, dest: Path) -> None:
    """Copy a file into place atomically."""
    with atomic_path(dest) as tmp:
        shutil.copyfile(source, tmp)


def temp_prefix(path: Path) -> str:
    """How the temp files (or folders) that stand in for `path` while it is written are named: `.<name>.<random>.tmp`."""
    return f".{path.name}."


def remove_stale_temps(*outputs: Path) -> list[Path]:
    """Delete the temp files (and temp folders) left beside these outputs when a run was killed; return what went.

    A stage calls it first, with its own outputs only: DVC runs one stage of a workspace at a time, so no
    temp file of these outputs can belong to a live writer.
    """
    removed = []
    # One listing per folder, not per output: a catalogue stage names thousands of outputs in a few folders.
    by_folder: dict[Path, set[str]] = {}
    for out in outputs:
        by_folder.setdefault(out.parent, set()).add(out.name)
    for folder, names in by_folder.items():
        with contextlib.suppress(FileNotFoundError):
            for entry in sorted(folder.iterdir()):
                if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
                    continue
                # `.<name>.<random>.tmp`: mkstemp's random part has no '.', so `.a.mp3.<random>.tmp` never
                # stands for `a.mp3.mp3`.
                name = entry.name[1:-len(TEMP_SUFFIX)].rpartition(".")[0]
                if name not in names:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)  # a folder output's staging copy (write_site)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
                log.info("removed %s, left by an interrupted run", entry)
    return removed
