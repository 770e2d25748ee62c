"""The content-addressed cache: where it lives, a writer killed mid-entry, and writers racing on one entry."""

import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from stages.core.cache import Cache, cache_root, clean, content_key
from stages.speech.verify import check_chunk
from tests.conftest import ROOT

KEYS = [content_key({"text": f"{i}번째 문장"}) for i in range(24)]


def test_the_root_is_dot_cache_unless_an_environment_variable_moves_it(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCENT_CACHE_DIR", raising=False)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    assert cache_root() == Path(".cache")
    monkeypatch.setenv("DVC_ROOT", str(tmp_path / "repo"))  # a queued `dvc exp` runs in a temp copy of it
    assert cache_root() == tmp_path / "repo" / ".cache"
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_root() == tmp_path / "elsewhere"


def test_the_key_does_not_depend_on_dict_order():
    assert content_key({"a": 1, "b": "청자"}) == content_key({"b": "청자", "a": 1})
    assert content_key({"a": 1}) != content_key({"a": 2})


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from stages.core.cache import Cache

def write(tmp):
    with open(tmp, "wb") as f:
        f.write(b"RIFF" + bytes(4000))  # the first half of an entry
        f.flush()
        print("half written", flush=True)
        time.sleep(60)

Cache("chunks", ".wav", root=Path(sys.argv[1])).put(sys.argv[2], write)
"""


def test_a_writer_killed_mid_entry_leaves_nothing_a_later_run_trusts(tmp_path):
    cache = Cache("chunks", ".wav", root=tmp_path)
    key = KEYS[0]
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(tmp_path), key], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "half written"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert cache.get(key) is None
    assert [p.name.endswith(".tmp") for p in cache.dir.rglob("*") if p.is_file()] == [True]
    path = cache.put(key, lambda tmp: _write_wave(tmp, key), check=lambda tmp: check_chunk(tmp, "가", 1.0))
    assert cache.get(key) == path and sf.info(path).frames == _wave(key).size


def _wave(key: str) -> np.ndarray:
    rng = np.random.default_rng(int(key[:8], 16))
    return rng.integers(-8000, 8000, size=8000 + int(key[:3], 16), dtype=np.int16)


def _write_wave(tmp: Path, key: str) -> None:
    with sf.SoundFile(tmp, "w", samplerate=8000, channels=1, format="WAV", subtype="PCM_16") as f:
        samples = _wave(key)
        for start in range(0, samples.size, 512):  # in small pieces, so racing writers interleave
            f.write(samples[start:start + 512])


def _fill(root: str, order: int) -> None:
    cache = Cache("chunks", ".wav", root=Path(root))
    keys = KEYS[order:] + KEYS[:order]
    for key in keys:
        cache.put(key, lambda tmp, key=key: _write_wave(tmp, key), check=lambda tmp: check_chunk(tmp, "가", 1.0))


def test_parallel_writers_of_the_same_entries_never_corrupt_them(tmp_path):
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_fill, args=(str(tmp_path), order)) for order in (0, 6, 12, 18)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    cache = Cache("chunks", ".wav", root=tmp_path)
    for key in KEYS:
        samples, _ = sf.read(cache.get(key), dtype="int16")
        assert np.array_equal(samples, _wave(key))
    assert not [p for p in cache.dir.rglob("*.tmp")]


def test_clean_removes_entries_and_left_over_temp_files_only(tmp_path):
    cache = Cache("chunks", ".wav", root=tmp_path)
    for key in KEYS[:3]:
        cache.put(key, lambda tmp, key=key: _write_wave(tmp, key))
    left_over = cache.path(KEYS[3]).parent / f".{KEYS[3]}.wav.x1y2.tmp"
    left_over.parent.mkdir(parents=True, exist_ok=True)
    left_over.write_bytes(b"half")
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("mine")
    assert clean(tmp_path) == 4
    assert [p for p in tmp_path.rglob("*")] == [unrelated]
