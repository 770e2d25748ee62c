"""Chunks → verified chunk audio files in script order: from the cache when the same sound was made before,
else from the speech provider. This module only schedules: asyncio, `requests.concurrency` requests at a time
(a Semaphore), and a TaskGroup, so that a chunk failing for good cancels its siblings' requests and retry waits.

The provider contract: `await synthesize(text, dest, check=)` writes one complete lossless chunk file at `dest`
atomically through its one retry policy (stages/clients/retry.py); `check` is verify's (stages/speech/verify.py):
audio that is empty, undecodable or far shorter than its text is rejected and tried again in the same count of
tries.

With a listener (tts.verify: transcribe, stages/speech/listening.py) each new chunk is then heard back in the same
task, before it enters the cache: a chunk heard differently is spoken once more, and heard differently again it
fails the run. Speech and transcription each have `concurrency` requests in flight (OpenAI limits each model on
its own), so a chunk is heard while the next ones are spoken. A cached chunk that was never heard (made with the
check off) is heard without being spoken again.

numpy and soundfile are imported where a chunk is decoded, not at the top: an audio stage whose narration
comes whole from the cache decodes nothing and never loads them (docs/performance.md: Lean stage
processes).
"""

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from stages.clients.retry import RetryError, RetryPolicy
from stages.core.atomic import atomic_path, sweep_dead_temps
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.progress import Progress
from stages.speech.chunking import Chunk, first_words
from stages.speech.listening import Listener, Misheard
from stages.speech.verify import TruncatedAudio, Verifier, VoiceRate, duration
from stages.speech.voices.options import VoiceOptions

log = logging.getLogger(__name__)

CHUNK_CACHE = "chunks"
# What a chunk's task starts from: nothing cached; cached audio never heard back; cached audio whose recorded
# hearing no longer passes (a stricter tts.max_cer): that hearing was its one, so it is spoken once more.
MAKE, HEAR, REMAKE = "make", "hear", "remake"
Check = Callable[[Path], Awaitable[None]]  # reads a try's file; raises Rejected to have it made again


class SpeechProvider(Protocol):
    """What the audio stage needs of a speech engine, capabilities included, so nothing is probed with getattr."""

    name: str
    max_chars: int  # the most characters one request may carry
    chunk_format: str  # the lossless format of the chunk files it writes
    counts_requests: bool  # True: `requests` and `retries` count its own HTTP attempts (remote engines)
    # True: its voices read a year as any other number (1935: "nineteen hundred thirty-five"), so the planner says
    # English and Chinese years as years first (stages/speech/years.py).
    reads_years_as_cardinals: bool
    voice: str  # the voice that speaks, for the metrics (espeak's is the language's own, not tts.voice)
    requests: int
    retries: int
    options: VoiceOptions  # its tts keys, validated by its own Options class
    policy: RetryPolicy  # its tries, verify's rejections included, go through this one policy

    @staticmethod
    def check_language(language: str) -> None:
        """Refuse, with a ParamsError naming a provider that can, a language it cannot read aloud properly."""
        ...

    def identity(self) -> dict:
        """Everything that changes the sound of a chunk besides its text: part of the cache key."""
        ...

    async def synthesize(self, text: str, dest: Path, *, check: Check | None = None) -> None:
        """Write one complete chunk file at dest, atomically, through its policy: after each try `check` reads the
        file and may reject it (Rejected), and that try is retried like any failure."""
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



def chunk_key(provider: SpeechProvider, spoken: str) -> str:
    """The cache key: everything that changes the sound of this chunk, the spoken text (not the written) included.

    A change to the reading normaliser or the lexicon that leaves a chunk's spoken form alone keeps its audio.
    """
    return content_key({"speech": provider.identity(), "chunk_format": provider.chunk_format, "text": spoken})


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
                 cache: Cache | None = None, listener: Listener | None = None) -> None:
        self.provider = provider
        self.speed = speed
        self.concurrency = concurrency
        self.cache = cache or Cache(CHUNK_CACHE, f".{provider.chunk_format}")
        self.listener = listener
        self.cached_chunks = 0
        self.new_chars = 0  # characters sent for speech, each time a chunk is spoken
        self.new_seconds = 0.0  # audio those requests made, for what the run spent
        self.made = 0  # chunks synthesised (a chunk spoken twice counts twice)
        self._heard_from_cache: set[str] = set()  # cached chunks heard in this run and found faithful
        self.rate = VoiceRate(content_key({"speech": provider.identity(), "chunk_format": provider.chunk_format}),
                              self.cache.dir.parent)
        self.verifier = Verifier(self.rate, speed)
        self._failed = False

    @property
    def truncation_retries(self) -> int:
        """Tries whose audio verify rejected (each was followed by another try, or the run failed)."""
        return self.verifier.rejected

    @property
    def failed(self) -> bool:
        """A chunk failed for good in this run (the pool cancelled the rest)."""
        return self._failed

    @property
    def calls(self) -> int:
        """Tries that reached the engine and wrote a file: one per chunk made, plus each rejected one."""
        return self.made + self.verifier.rejected

    def reusable(self, key: str) -> Path | None:
        """The cache entry for `key` if it can be used as it is; an unreadable one is deleted."""
        path = self.cache.get(key)
        if path is not None and not _usable(path):
            log.warning("cache entry %s is unreadable; synthesising it again", path)
            path.unlink(missing_ok=True)
            return None
        return self._accepted(path)

    def cached(self, key: str) -> Path | None:
        """The cache entry for `key` if the provider still accepts it and, with a listener, it was heard as written
        under the current tts.max_cer; its header unread: enough where the chunk is not decoded, as when the
        narration made from it is itself cached."""
        path = self._accepted(self.cache.get(key))
        return path if path is not None and self._start(key) is None else None

    def _start(self, key: str) -> str | None:
        """For cached audio: HEAR or REMAKE when the listening check wants more of it, else None."""
        if self.listener is None:
            return None
        heard = self.listener.recorded(key)
        return HEAR if heard is None else None if self.listener.passes(heard) else REMAKE

    def _accepted(self, path: Path | None) -> Path | None:
        if path is not None and not self.provider.accepts_cached(path):
            log.info("cache entry %s does not pass %s's current checks; synthesising it again", path,
                     self.provider.name)
            return None  # the new entry replaces it atomically; until then it stays
        return path

    def files(self, chunks: Sequence[Chunk], progress: Progress) -> Iterator[Path]:
        """One narration's chunk files, in script order, whatever order the requests finish in (see pool)."""
        with self.pool([chunks], progress) as files_of:
            yield from files_of(0)

    @contextlib.contextmanager
    def pool(self, narrations: Sequence[Sequence[Chunk]], progress: Progress,
             labels: Sequence[str] = ()) -> Iterator[Callable[[int], Iterator[Path]]]:
        """Make every missing chunk of these narrations in one pool; yield files_of(i), narration i's chunk files.

        The requests run on an asyncio loop in a background thread, in narration order then script order, and
        `concurrency` at a time across narrations, so a catalogue's voice change keeps the speech service busy
        from the first request to the last. A consumer (an encoder, in any thread) takes each file of its
        narration as soon as it and those before it are done. Leaving the block (an error, Ctrl-C) cancels every
        request and retry wait at once. `labels` name the narrations in errors (a keyword).
        """
        keys = [[chunk_key(self.provider, chunk.spoken) for chunk in chunks] for chunks in narrations]
        found: dict[str, Path | None] = {}
        for narration_keys in keys:
            for key in narration_keys:
                if key not in found:
                    found[key] = self.reusable(key)
        # A text that comes back later (a repeated refrain, a phrase two stops share) is asked for once.
        work: dict[str, tuple[Chunk, str, str]] = {}
        for number, (chunks, narration_keys) in enumerate(zip(narrations, keys)):
            label = f"{labels[number]}: " if labels else ""
            self._learn_cached(chunks, [found[key] for key in narration_keys])
            for index, (chunk, key) in enumerate(zip(chunks, narration_keys)):
                start = MAKE if found[key] is None else self._start(key)
                if start is not None:
                    work.setdefault(key, (chunk, f"{label}chunk {index + 1}/{len(chunks)}", start))
        for key in work:
            found[key] = None  # made (or heard) in this run: the consumer waits for it
        runner = None
        if work:
            sweep_dead_temps(self.cache.dir)  # what a killed run left; a cached catalogue skips the walk
            runner = _Runner(lambda publish: self._make_all(work, progress, publish))
        counted: set[str] = set()
        lock = threading.Lock()

        def files_of(number: int) -> Iterator[Path]:
            for key in keys[number]:
                path = found[key] or runner.result(key)
                with lock:  # a chunk made in this run counts once as made, every other time as a cache hit
                    hit = found[key] is not None or key in counted or key in self._heard_from_cache
                    counted.add(key)
                    if hit:
                        self.cached_chunks += 1
                if hit:
                    progress.done(cached=True)
                yield path

        try:
            yield files_of
            self.rate.save()
        finally:
            if runner is not None:
                runner.stop()

    async def _make_all(self, work: dict[str, tuple[Chunk, str, str]], progress: Progress,
                        publish: Callable[[str, Path], None]) -> None:
        """Make every chunk in `work`, `concurrency` requests at a time; the first to fail for good cancels the rest."""
        gates = _Gates(asyncio.Semaphore(self.concurrency), asyncio.Semaphore(self.concurrency))
        self.verifier.expect(chunk.spoken for chunk, _, _ in work.values())
        try:
            async with asyncio.TaskGroup() as group:
                # Created in order, and the semaphore is first come first served: the front of the script (and of
                # the catalogue) is asked for first, so the encoders are rarely kept waiting.
                for key, (chunk, where, start) in work.items():
                    group.create_task(self._make(key, chunk, where, start, gates, progress, publish))
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None  # the chunk that failed first; its siblings were cancelled

    async def _make(self, key: str, chunk: Chunk, where: str, start: str, gates: "_Gates",
                    progress: Progress, publish: Callable[[str, Path], None]) -> None:
        text = chunk.spoken
        path = self.cache.path(key)
        try:
            if start == HEAR and await self._heard_well(key, path, duration(path), text, where, gates, last=False):
                self._heard_from_cache.add(key)  # its sound was in the cache: counted as a hit by files_of
                publish(key, path)
                return
            # Spoken once, and once more if it was heard differently; REMAKE and HEAR have had their one hearing.
            last_try = 0 if start != MAKE or self.listener is None else 1
            for attempt in range(last_try + 1):
                try:
                    with atomic_path(path) as tmp:  # renamed into the cache only once a try passed every check
                        seconds = await self._synthesize(text, tmp, gates.speech)
                        if seconds is None or (self.listener is not None and not await self._heard_well(
                                key, tmp, seconds, text, where, gates, last=attempt == last_try)):
                            raise _Discarded
                except _Discarded:
                    if self._failed:
                        return  # a chunk failed for good meanwhile: the group cancels this one next
                    continue  # heard differently: spoken once more
                break
        except RetryError as error:
            self._failed = True
            if isinstance(error.__cause__, TruncatedAudio):
                raise PipelineError(f"{where} ({first_words(chunk.text)!r}) came back "
                                    f"truncated: {error}; the speech service may be cutting long inputs short, try "
                                    f"a smaller tts.chunk_chars") from None
            raise
        finally:
            await self.verifier.finished(text)
        progress.done(cached=False)
        publish(key, path)

    async def _synthesize(self, text: str, dest: Path, gate: asyncio.Semaphore) -> float | None:
        """Speak `text` into `dest` through the provider and verify; the seconds of audio made, or None if the run
        failed before its turn."""
        # A chunk holds its slot through its retries, so the front of the script is not sent to the back of the
        # queue; it gives the slot up only while verify waits for another chunk's rate.
        async with gate:
            if self._failed:
                return None  # the slot came free because a chunk failed for good
            try:
                await self.provider.synthesize(
                    text, dest, check=lambda written: self.verifier.verify(written, text, idle=_released(gate)))
            except BaseException:
                self._failed = True  # before the slot is released: no queued chunk may start after this
                raise
        seconds = duration(dest)
        self.made += 1
        self.new_chars += len(text)
        self.new_seconds += seconds
        return seconds

    async def _heard_well(self, key: str, path: Path, seconds: float, text: str, where: str, gates: "_Gates", *,
                          last: bool) -> bool:
        """Whether the chunk file at `path` (`seconds` long) is heard as `text` (then recorded); heard differently on
        its last chance, the run fails with one line, and nothing of the chunk is cached."""
        async with gates.listen:
            if self._failed:
                return False
            try:
                heard = await self.listener.listen(path, text, seconds, where)
            except Misheard as misheard:
                if not last:
                    log.warning("listening: %s was heard differently (%s); speaking it once more", where, misheard)
                    return False
                self._failed = True
                raise PipelineError(f"{where} was heard differently twice ({misheard}); nothing of it was cached: "
                                    f"reword it, add the word to lexicon.yaml, or raise tts.max_cer") from None
            except BaseException:
                self._failed = True
                raise
        self.listener.store(key, heard)
        return True

    # -- the voice's own rate ---------------------------------------------------------------------------
    def _learn_cached(self, chunks: Sequence[Chunk], found: Sequence[Path | None]) -> None:
        """The narration's cached chunks are the first reference for its new ones."""
        import soundfile as sf

        for chunk, path in zip(chunks, found):
            if path is not None:
                try:
                    self.rate.add(chunk.spoken, duration(path), made=False)
                except (sf.LibsndfileError, RuntimeError):
                    pass


class _Discarded(Exception):
    """A try's file that is not to enter the cache (atomic_path deletes it on the way out)."""


@dataclasses.dataclass(frozen=True)
class _Gates:
    """`concurrency` slots for speech requests and as many for transcriptions."""

    speech: asyncio.Semaphore
    listen: asyncio.Semaphore


@contextlib.asynccontextmanager
async def _released(gate: asyncio.Semaphore) -> AsyncIterator[None]:
    """Give a held slot to another chunk for the duration of the block."""
    gate.release()
    try:
        yield
    finally:
        # Shielded: cancelled here, the slot is still taken back before the caller's `async with` releases it.
        await asyncio.shield(gate.acquire())


class _Runner:
    """An asyncio loop in a background thread, making chunk files that a synchronous consumer takes by key."""

    def __init__(self, main: Callable[[Callable[[str, Path], None]], Awaitable[None]]) -> None:
        self._done: dict[str, Path] = {}
        self._failure: BaseException | None = None
        self._finished = False
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(main,), name="speech", daemon=True)
        self._thread.start()
        self._started.wait()

    def _publish(self, key: str, path: Path) -> None:
        with self._changed:
            self._done[key] = path
            self._changed.notify_all()

    def _run(self, main) -> None:
        async def body() -> None:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
            self._started.set()
            await main(self._publish)

        try:
            asyncio.run(body())
        except BaseException as error:  # handed to the consumer, which raises it in its own thread
            failure = error
        else:
            failure = None
        finally:
            self._started.set()
        with self._changed:
            self._failure, self._finished = failure, True
            self._changed.notify_all()

    def result(self, key: str) -> Path:
        """The file made for `key`, once it is made; the run's failure if it failed first."""
        with self._changed:
            while key not in self._done:
                if self._finished:
                    if isinstance(self._failure, asyncio.CancelledError) or self._failure is None:
                        raise PipelineError("chunk synthesis stopped before every chunk was made")
                    raise self._failure
                self._changed.wait()
            return self._done[key]

    def stop(self) -> None:
        """Cancel whatever is still running (retry waits end at once) and wait for the loop to close."""
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not self._finished:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:
                pass  # the loop closed meanwhile
        self._thread.join()
