"""Chunks → checked chunk audio files in script order: from the cache when the same sound was made before,
else from the speech provider, `requests.concurrency` requests at a time.

The provider contract: `synthesize(text, dest)` writes one complete lossless chunk file at `dest`
atomically, and retries its own transient failures (stages/clients/retry.py), so this module adds no HTTP retry
layer. What it adds is the check no HTTP status gives: audio that is empty, undecodable or far shorter
than its text is re-synthesised once, then fails naming the chunk.

numpy and soundfile are imported where a chunk is decoded, not at the top: an audio stage whose narration
comes whole from the cache decodes nothing and never loads them (docs/performance.md: Lean stage
processes).
"""

import json
import logging
import re
import statistics
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Protocol

from stages.clients.retry import Interrupted
from stages.core.atomic import atomic_path, sweep_dead_temps
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.progress import Progress
from stages.speech.chunking import Chunk, first_words
from stages.speech.voices.options import VoiceOptions

log = logging.getLogger(__name__)

CHUNK_CACHE = "chunks"
# Faster than anyone speaks at speed 1.0 (Korean runs at 5–7 syllables a second): audio shorter than its
# text at this rate was cut off. A Hangul syllable counts 1, any other letter or digit ½.
FASTEST_UNITS_PER_S = 20.0
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# A voice keeps its pace: a chunk faster than this many times the voice's usual rate lost part of its audio.
# A response cut at half its audio is 2x; honest variation (pauses, numbers read out, a short chunk's
# leading and trailing silence) only ever makes a chunk slower.
FAST_FACTOR = 1.5
# Chunks with fewer spoken units than this are too short for their rate to mean much: they are neither
# judged by it nor used as a reference.
MIN_RATE_UNITS = 8.0
RATE_RECORD = "rates"  # cache kind: recent rates per engine identity, the reference for a narration's chunks
_RATE_HISTORY = 64  # rates kept per identity


class SpeechProvider(Protocol):
    """What the audio stage needs of a speech engine, capabilities included, so nothing is probed with getattr."""

    name: str
    max_chars: int  # the most characters one request may carry
    chunk_format: str  # the lossless format of the chunk files it writes
    counts_requests: bool  # True: `requests` and `retries` count its own HTTP attempts (remote engines)
    requests: int
    retries: int
    options: VoiceOptions  # its tts keys, validated by its own Options class

    def identity(self) -> dict:
        """Everything that changes the sound of a chunk besides its text: part of the cache key."""
        ...

    def synthesize(self, text: str, dest: Path) -> None:
        """Write one complete chunk file at dest, atomically, retrying its own transient failures."""
        ...

    def est_cost_usd(self, chars: int, duration_s: float) -> float:
        """What speaking the whole narration once costs, in USD, at its published prices (0 if none)."""
        ...

    def credit(self) -> str:
        """Who speaks, for the "음성: …" credit line in the tags and the subtitles' header."""
        ...

    def narration_metrics(self, chunk_files: list[Path]) -> dict:
        """Figures of its own for the metrics file (realtime: CER), read back from the chunk files."""
        ...

    def accepts_cached(self, path: Path) -> bool:
        """Whether a cached chunk file still passes the provider's current checks (realtime: tts.max_cer)."""
        ...

    def interrupt(self) -> None:
        """The run is stopping: end retry waits at once and start no further try (a no-op for a local engine)."""
        ...


class _Stopped(Exception):
    """A queued chunk not started because another chunk had already failed."""


class TruncatedAudio(Exception):
    """A chunk file that decodes to nothing, to noise-free zeros, or to far less than its text."""


def chunk_key(provider: SpeechProvider, spoken: str) -> str:
    """The cache key: everything that changes the sound of this chunk, the spoken text (not the written) included.

    A change to the reading normaliser or the lexicon that leaves a chunk's spoken form alone keeps its audio.
    """
    return content_key({"speech": provider.identity(), "chunk_format": provider.chunk_format, "text": spoken})


def spoken_units(text: str) -> float:
    hangul = len(_HANGUL.findall(text))
    other = sum(ch.isalnum() for ch in text) - hangul
    return hangul + other / 2


def min_seconds(text: str, speed: float) -> float:
    """The least audio `text` can take at `speed`; anything shorter was truncated."""
    return spoken_units(text) / (FASTEST_UNITS_PER_S * speed)


def check_chunk(path: Path, text: str, speed: float) -> float:
    """Decode the whole chunk file; raise TruncatedAudio if it is not the full text."""
    import numpy as np
    import soundfile as sf

    frames, sound = 0, False
    try:
        with sf.SoundFile(path) as audio:
            rate = audio.samplerate
            for block in audio.blocks(blocksize=1 << 16, dtype="int16"):  # a block at a time, in every thread
                frames += block.shape[0]
                sound = sound or bool(np.any(block))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise TruncatedAudio(f"the audio cannot be decoded ({exc})") from None
    if not sound:
        raise TruncatedAudio("the audio is empty")
    seconds = frames / rate
    least = min_seconds(text, speed)
    if seconds < least:
        raise TruncatedAudio(f"{seconds:.2f} s of audio for {len(text)} characters (at least {least:.2f} s expected)")
    return seconds


class VoiceRate:
    """The speaking rate of one engine identity: spoken units a second of its accepted chunks, each judged
    against the median of the others (this narration's, and those recorded in the cache for the identity).

    A limit fixed in advance cannot tell a fast voice from a cut one; the same voice at the same speed can.
    """

    def __init__(self, identity_key: str, root: Path) -> None:
        self.record = Cache(RATE_RECORD, ".json", root=root).path(identity_key)
        self.recorded = self._load()
        self.narration: dict[str, float] = {}  # chunk text → its rate, this narration's accepted chunks
        self.made: set[str] = set()  # those synthesised in this run: only they are new to the record
        self._lock = threading.Lock()

    def _load(self) -> list[float]:
        try:
            rates = json.loads(self.record.read_text(encoding="utf-8"))
            return [float(rate) for rate in rates if float(rate) > 0]
        except (OSError, ValueError, TypeError):
            return []  # no record yet, or an unreadable one: the narration's own chunks are the reference

    def add(self, text: str, seconds: float, *, made: bool = True) -> None:
        if spoken_units(text) >= MIN_RATE_UNITS and seconds > 0:
            with self._lock:
                self.narration[text] = spoken_units(text) / seconds
                if made:
                    self.made.add(text)

    def forget(self, text: str) -> None:
        with self._lock:
            self.narration.pop(text, None)
            self.made.discard(text)

    def reference(self, text: str) -> float | None:
        """The median rate of the identity's other chunks, or None when there is none to compare with."""
        with self._lock:
            others = self.recorded + [rate for other, rate in self.narration.items() if other != text]
        return statistics.median(others) if others else None

    def judge(self, text: str, seconds: float) -> str | None:
        """Why a chunk of `seconds` is too short for `text` at this voice's rate, or None if it is not (or cannot
        be told)."""
        units = spoken_units(text)
        usual = self.reference(text)
        if units < MIN_RATE_UNITS or usual is None or seconds <= 0 or units / seconds <= FAST_FACTOR * usual:
            return None
        return (f"{seconds:.2f} s of audio for {len(text)} characters: {units / seconds:.1f} syllables a second, "
                f"over {FAST_FACTOR:g}x this voice's usual {usual:.1f} (at least {units / (FAST_FACTOR * usual):.2f} "
                f"s expected)")

    def save(self) -> None:
        """Keep this narration's rates as the reference for the identity's next chunks."""
        with self._lock:
            # Cached chunks were recorded when they were made; recording them again would let one narration
            # that is re-run often outweigh the rest.
            rates = (self.recorded + [self.narration[text] for text in sorted(self.made)])[-_RATE_HISTORY:]
        if rates != self.recorded:
            with atomic_path(self.record) as tmp:
                tmp.write_text(json.dumps([round(rate, 4) for rate in rates]), encoding="utf-8")


def _duration(path: Path) -> float:
    import soundfile as sf

    return sf.info(path).duration


def _usable(path: Path) -> bool:
    """A cache entry whose header still reads (entries were fully checked before they were renamed in)."""
    import soundfile as sf

    try:
        return sf.info(path).frames > 0
    except (sf.LibsndfileError, RuntimeError):
        return False


class ChunkSynthesizer:
    """Turns a narration's chunks into cached chunk files; counts what it did, for the narration's record."""

    def __init__(self, provider: SpeechProvider, *, speed: float, concurrency: int = 1,
                 cache: Cache | None = None) -> None:
        self.provider = provider
        self.speed = speed
        self.concurrency = concurrency
        self.cache = cache or Cache(CHUNK_CACHE, f".{provider.chunk_format}")
        self.cached_chunks = 0
        self.new_chars = 0
        self.calls = 0  # synthesize() calls, truncation re-tries included
        self.truncation_retries = 0
        self._lock = threading.Lock()
        self._failure: BaseException | None = None
        self.rate = VoiceRate(content_key({"speech": provider.identity(), "chunk_format": provider.chunk_format}),
                              self.cache.dir.parent)
        self._unjudged: set[str] = set()  # chunks accepted while there was no rate to compare them with

    def reusable(self, key: str) -> Path | None:
        """The cache entry for `key` if it can be used as it is; an unreadable one is deleted."""
        path = self.cache.get(key)
        if path is not None and not _usable(path):
            log.warning("cache entry %s is unreadable; synthesising it again", path)
            path.unlink(missing_ok=True)
            return None
        return self._accepted(path)

    def cached(self, key: str) -> Path | None:
        """The cache entry for `key` if the provider still accepts it, its header unread: enough where the chunk
        is not decoded, as when the narration made from it is itself cached."""
        return self._accepted(self.cache.get(key))

    def _accepted(self, path: Path | None) -> Path | None:
        if path is not None and not self.provider.accepts_cached(path):
            log.info("cache entry %s does not pass %s's current checks; synthesising it again", path,
                     self.provider.name)
            return None  # the new entry replaces it atomically; until then it stays
        return path

    def files(self, chunks: Sequence[Chunk], progress: Progress) -> Iterator[Path]:
        """Each chunk's audio file, in script order, whatever order the requests finish in."""
        keys = [chunk_key(self.provider, chunk.spoken) for chunk in chunks]
        found: list[Path | None] = []
        for key in keys:
            path = self.reusable(key)
            found.append(path)
            if path is not None:
                self.cached_chunks += 1
                progress.done(cached=True)
        self._learn_cached(chunks, found)
        if any(path is None for path in found):
            sweep_dead_temps(self.cache.dir)  # what a killed run left; a cached narration skips the walk
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="speech")
        # Submitted in script order, so the pool works from the front and the encoder is rarely kept waiting.
        # A text that comes back later in the script (a repeated refrain) is asked for once.
        futures: dict[str, Future[Path]] = {}
        repeats: set[int] = set()
        for index, path in enumerate(found):
            if path is not None:
                continue
            if keys[index] in futures:
                repeats.add(index)
            else:
                futures[keys[index]] = pool.submit(self._synthesize, index, keys[index], chunks, progress)
        try:
            for index, path in enumerate(found):
                if path is None:
                    try:
                        path = futures[keys[index]].result()
                    except (_Stopped, Interrupted):
                        raise self._failure from None  # the failure that stopped this chunk, not the stop
                    path = self._judged_late(index, keys[index], chunks, futures, progress) or path
                if index in repeats:  # made earlier in this narration: counts as a cache hit
                    self.cached_chunks += 1
                    progress.done(cached=True)
                yield path
            self.rate.save()
        except BaseException:
            # A chunk failed for good, Ctrl-C, or the consumer stopped: the chunks still sleeping in a retry
            # wait give up at once instead of spending their whole retry budget, and queued ones never start.
            self.provider.interrupt()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _synthesize(self, index: int, key: str, chunks: Sequence[Chunk], progress: Progress) -> Path:
        try:
            return self._synthesize_once_or_twice(index, key, chunks, progress)
        except (_Stopped, Interrupted):
            raise
        except BaseException as error:
            with self._lock:
                self._failure = self._failure or error
            self.provider.interrupt()  # the other chunks' retry waits end now, not after their whole budget
            raise

    def _synthesize_once_or_twice(self, index: int, key: str, chunks: Sequence[Chunk], progress: Progress) -> Path:
        chunk = chunks[index]
        for attempt in (1, 2):
            with self._lock:
                # Once one chunk has failed for good (a refused key, an exhausted quota), start no more requests.
                if self._failure is not None:
                    raise _Stopped()
                self.calls += 1
            try:
                path = self.cache.put(key, lambda tmp: self.provider.synthesize(chunk.spoken, tmp),
                                      check=lambda tmp: self._check(tmp, chunk.spoken))
            except TruncatedAudio as exc:
                where = f"chunk {index + 1}/{len(chunks)} ({first_words(chunk.text)!r})"
                if attempt == 2:
                    raise PipelineError(f"{where} came back truncated twice: {exc}; the speech service may be "
                                        f"cutting long inputs short, try a smaller tts.chunk_chars") from None
                log.warning("%s came back truncated (%s); synthesising it once more", where, exc)
                with self._lock:
                    self.truncation_retries += 1
                continue
            with self._lock:
                self.new_chars += len(chunk.spoken)
            progress.done(cached=False)
            return path
        raise AssertionError("unreachable")

    # -- the voice's own rate ---------------------------------------------------------------------------
    def _learn_cached(self, chunks: Sequence[Chunk], found: Sequence[Path | None]) -> None:
        """The narration's cached chunks are the first reference for its new ones."""
        import soundfile as sf

        for chunk, path in zip(chunks, found):
            if path is not None:
                try:
                    self.rate.add(chunk.spoken, _duration(path), made=False)
                except (sf.LibsndfileError, RuntimeError):
                    pass

    def _check(self, tmp: Path, text: str) -> None:
        """check_chunk, then the voice's rate; a chunk with nothing to compare with is judged again later."""
        seconds = check_chunk(tmp, text, self.speed)
        if self.rate.reference(text) is None:
            if spoken_units(text) < MIN_RATE_UNITS:
                return  # too short to be judged by its rate at all
            with self._lock:
                self._unjudged.add(text)
        else:
            reason = self.rate.judge(text, seconds)
            if reason is not None:
                raise TruncatedAudio(reason)
        self.rate.add(text, seconds)

    def _judged_late(self, index: int, key: str, chunks: Sequence[Chunk], futures: dict[str, Future[Path]],
                     progress: Progress) -> Path | None:
        """A chunk accepted with no rate to compare it with (the first an identity ever made) is judged once
        another chunk of the narration is done, before it is used; if it fails it is made once more."""
        text = chunks[index].spoken  # what was synthesised, and is synthesised again if it fails
        with self._lock:
            if text not in self._unjudged:
                return None
            self._unjudged.discard(text)
        others = [future for other, future in futures.items() if other != key]
        if others:
            wait(others, return_when=FIRST_COMPLETED)
        path = self.cache.path(key)
        reason = self.rate.judge(text, _duration(path))
        if reason is None:
            return None
        where = f"chunk {index + 1}/{len(chunks)} ({first_words(chunks[index].text)!r})"
        log.warning("%s came back truncated (%s); synthesising it once more", where, reason)
        path.unlink(missing_ok=True)
        with self._lock:
            self.truncation_retries += 1
            self.calls += 1
        self.rate.forget(text)
        try:
            return self.cache.put(key, lambda tmp: self.provider.synthesize(text, tmp),
                                  check=lambda tmp: self._check(tmp, text))
        except TruncatedAudio as exc:
            raise PipelineError(f"{where} came back truncated twice: {exc}; the speech service may be cutting "
                                f"long inputs short, try a smaller tts.chunk_chars") from None
