"""Is this chunk whole and at its voice's usual rate? One check of each try's file, before it enters the cache.

A failure raises TruncatedAudio, a Rejected answer: the retry policy (stages/clients/retry.py) tries again as for
any transient failure, in the same count of tries. The Realtime provider's fidelity check (said as written) lives
in its own try (stages/speech/voices/realtime.py), where the transcript is.

numpy and soundfile are imported where a chunk is decoded, not at the top: an audio stage whose narration comes
whole from the cache decodes nothing and never loads them (docs/performance.md: Lean stage processes).
"""

import asyncio
import contextlib
import json
import re
import statistics
import threading
from collections.abc import Iterable
from pathlib import Path

from stages.clients.retry import Rejected
from stages.core.atomic import atomic_path
from stages.core.cache import Cache

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


class TruncatedAudio(Rejected):
    """A chunk file that decodes to nothing, to noise-free zeros, or to far less than its text."""


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
            for block in audio.blocks(blocksize=1 << 16, dtype="int16"):  # a block at a time: memory stays flat
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


def duration(path: Path) -> float:
    import soundfile as sf

    return sf.info(path).duration


class Verifier:
    """Checks each try's chunk file: complete and decodable (check_chunk), then not faster than its voice's rate.

    A chunk made while there is no rate to compare it with (the first an identity ever makes) waits, its try's
    request done, until another chunk of the narration has a rate or none is left to make, and is judged then.
    """

    def __init__(self, rate: VoiceRate, speed: float) -> None:
        self.rate = rate
        self.speed = speed
        self.rejected = 0  # tries whose file failed a check
        self._unfinished: set[str] = set()  # texts still being made: a first chunk may wait for their rates
        self._changed = asyncio.Condition()

    def expect(self, texts: Iterable[str]) -> None:
        self._unfinished.update(texts)

    async def finished(self, text: str) -> None:
        """`text` is made or failed for good: a first chunk waiting for another's rate stops waiting for it."""
        self._unfinished.discard(text)
        async with self._changed:
            self._changed.notify_all()

    async def verify(self, path: Path, text: str, *,
                     idle: contextlib.AbstractAsyncContextManager = contextlib.nullcontext()) -> None:
        """Raise TruncatedAudio unless the file at `path` is the whole of `text`, at this voice's usual pace.

        `idle` is entered while a first chunk waits for another's rate (the scheduler lends its slot meanwhile).
        """
        try:
            seconds = check_chunk(path, text, self.speed)
            if spoken_units(text) < MIN_RATE_UNITS:
                return  # too short to be judged by its rate at all
            if self.rate.reference(text) is None:
                self.rate.add(text, seconds)  # the reference the others may be waiting for
                async with idle, self._changed:
                    self._changed.notify_all()
                    await self._changed.wait_for(lambda: self.rate.reference(text) is not None
                                                 or not self._unfinished - {text})
                reason = self.rate.judge(text, seconds)
                if reason is not None:
                    self.rate.forget(text)
                    raise TruncatedAudio(reason)
                return
            reason = self.rate.judge(text, seconds)
            if reason is not None:
                raise TruncatedAudio(reason)
            self.rate.add(text, seconds)
            async with self._changed:
                self._changed.notify_all()
        except TruncatedAudio:
            self.rejected += 1
            raise
