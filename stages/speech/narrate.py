"""Narrations, end to end: script → chunks → spoken form → chunk audio (cache or provider) → encoded file,
subtitles, metrics; one keyword, or a whole catalogue with its requests in one pool.

The script is cut into chunks whose boundaries survive edits (chunking), each chunk is read into what the voice
should say (reading, unless tts.reading is false), each chunk's sound comes from the shared content-addressed
cache or from the speech provider, several at a time (synthesis), and the chunks are trimmed, laid out with the
pauses of `audio`, brought to its loudness and peak ceiling (mastering) and encoded once, in script order, into
tts.format (assembly). Subtitles and tags keep the written text. A narration whose chunks and encoding are all
cached is copied from the encoded-narration cache without decoding anything.
"""

import contextlib
import logging
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from stages.core import atomic
from stages.core.cache import content_key
from stages.core.catalogue import Failures
from stages.core.errors import PipelineError
from stages.core.info_file import Facts, read_facts
from stages.core.params import AUDIO_FORMATS, Params
from stages.core.paths import (
    AUDIO_DIR,
    audio_path,
    language_folder,
    metrics_path,
    script_path,
    spoken_path,
    subtitles_path,
)
from stages.core.previous_outputs import PreviousOutputs, write_keys
from stages.core.progress import Progress
from stages.core.vtt import render_vtt
from stages.speech.audio.layout import Encoded
from stages.speech.chunking import PARAGRAPH_JOIN
from stages.speech.credits import credit_lines
from stages.speech.listening import listener_for
from stages.speech.metrics import NarrationMetrics, RunCost, narration_metrics, run_cost, write_metrics
from stages.speech.narration_cache import NarrationCache, narration_key
from stages.speech.plan import Plan, Planner
from stages.speech.providers import speech_provider
from stages.speech.subtitles import SpokenChunk, cues_for
from stages.speech.synthesis import ChunkSynthesizer

log = logging.getLogger(__name__)

ALBUM = "도슨트 오디오 가이드"
# Narrations encoded at once while the requests for the next ones are in flight: the machines this runs on have
# two cores, and the encoder (numpy, libsndfile, LAME) releases the GIL for most of its work.
ENCODERS = 2


@dataclass
class Narration:
    """One keyword's narration, planned: what it says, where it goes, and whether its encoding is cached."""

    keyword: str
    plan: Plan
    facts: Facts
    credits: list[str]
    tag_values: dict
    encoding_key: str
    hit: tuple[Path, Encoded] | None  # the cached encoding, when every chunk and the very same encoding are cached
    previous: dict | None = None  # else the last run's record, when DVC's cache holds that very narration


class Narrator:
    """Narrates the keywords of one run in one language, with one provider, one planner and one chunk synthesizer."""

    def __init__(self, params: Params, language: str | None = None) -> None:
        self.language = language or params.source_language
        self.folder = params.folder(self.language)  # where this language's files go (stages/core/paths.py)
        self.params = params = params.in_language(self.language)
        self.provider = speech_provider(params.tts.provider)(params, language=self.language)
        self.planner = Planner(params, self.provider, self.language)
        self.listener = listener_for(params, self.provider.options, self.language)  # tts.verify
        self.synthesizer = ChunkSynthesizer(self.provider, speed=self.provider.options.speed,
                                            concurrency=params.requests.concurrency, listener=self.listener)
        self.encodings = NarrationCache(params.tts.format)
        self.previous = PreviousOutputs("audio", language_folder(AUDIO_DIR, self.folder))
        self.records: dict[str, dict] = {}  # keyword → what its narration was made from, for KEYS_FILE

    def prepare(self, keyword: str) -> Narration:
        """Plan the keyword's narration and write what the voice is asked to say (outputs/spoken/)."""
        plan = self.planner.plan(self.planner.script(keyword))
        if not plan.chunks:
            raise PipelineError(f"{script_path(keyword, self.folder)} has no speakable text")
        atomic.write_text(spoken_path(keyword, self.folder), "\n\n".join(chunk.spoken.replace(PARAGRAPH_JOIN, "\n")
                                                            for chunk in plan.chunks) + "\n")
        facts = read_facts(keyword)
        credits = credit_lines(facts, self.provider)
        tag_values = {"title": keyword, "album": ALBUM, "comment": "; ".join(credits)}
        key = narration_key(plan.keys, plan.pauses, self.params.tts.format, tag_values, self.params.audio.model_dump())
        # Chunk entries are not decoded here: on a hit nothing is.
        cached = all(self.synthesizer.cached(chunk_key) for chunk_key in plan.keys)
        hit = self.encodings.lookup(key) if cached else None
        # Not in this machine's caches (a fresh clone after `dvc pull`): the last run's file, if it is this one.
        previous = self.previous.record(keyword, self._record_key(key)) if hit is None else None
        if previous is not None and not all(self.previous.file(path) for path in self._restored(keyword)):
            previous = None
        return Narration(keyword, plan, facts, credits, tag_values, key, hit, previous)

    def _record_key(self, encoding_key: str) -> str:
        """What the narration's record (and so its metrics) is made from: its encoding, and who heard its chunks.

        Without a listener it is the encoding key itself, so records made before the listening check stay valid."""
        if self.listener is None:
            return encoding_key
        return content_key({"narration": encoding_key, "heard_by": self.listener.identity()})

    def _restored(self, keyword: str) -> list[Path]:
        return [audio_path(keyword, self.params.tts.format, self.folder), subtitles_path(keyword, self.folder)]

    def _reuse(self, narration: Narration) -> NarrationMetrics:
        """The narration and its subtitles as the last run made them, from DVC's cache; its metrics from the record."""
        if not self.previous.restore(self._restored(narration.keyword)):
            raise PipelineError(f"DVC's cache lost {self._restored(narration.keyword)[0]} during the run; run "
                                f"`make audio` again")
        atomic.write_text(metrics_path(narration.keyword, self.folder), narration.previous["metrics"])
        self.records[narration.keyword] = narration.previous
        log.info("audio: %s (from the last run, in DVC's cache)", self._restored(narration.keyword)[0])
        return NarrationMetrics.from_json(narration.previous["metrics"])

    def finish(self, narration: Narration, files: Iterator[Path] | None) -> NarrationMetrics:
        """Copy the cached encoding, or encode `files` (its chunk files in script order, as they are made); then
        write the subtitles and metrics."""
        if narration.previous is not None:
            return self._reuse(narration)
        fmt, keyword, plan = self.params.tts.format, narration.keyword, narration.plan
        out = audio_path(keyword, fmt, self.folder)
        with atomic.atomic_path(out) as tmp:  # the narration's one writer: a cached copy or a fresh encoding
            if narration.hit is not None:
                cached, encoded = narration.hit
                shutil.copyfile(cached, tmp)
                self.synthesizer.cached_chunks += len(plan.chunks)
                chunk_files = [self.synthesizer.cache.path(key) for key in plan.keys]
            else:
                # Imported only now: encoding needs numpy, soundfile and mutagen, which a cached narration never loads.
                from stages.speech.audio.assembly import encode
                from stages.speech.audio.tags import write_tags

                chunk_files = []
                with contextlib.closing(files) as chunks_made:
                    parts = zip(_recorded(chunks_made, chunk_files), plan.pauses)
                    encoded = encode(parts, tmp, fmt, self.params.audio,
                                     finish=lambda path: write_tags(path, fmt, **narration.tag_values))
        if narration.hit is None:
            self.encodings.store(narration.encoding_key, out, encoded)
        spoken = [SpokenChunk(chunk.text, start, length) for chunk, (start, length) in zip(plan.chunks, encoded.spans)]
        reader = self.planner.reader
        cues = cues_for(spoken, reader.spoken if reader else None)  # timed by how long each sentence is to say
        atomic.write_text(subtitles_path(keyword, self.folder), render_vtt(cues, [narration.facts.title, "\n".join(narration.credits)]))
        metrics = narration_metrics(self.params.tts, plan.chunks, self.provider, chunk_files, out, encoded.measured,
                                    self.language, self.listener, plan.keys)
        log.info("audio: %s (%d chunks, %.1f s of sound; %+.1f dB to %.1f LUFS, %.1f dBTP, %s)", out, metrics.chunks,
                 metrics.duration_s, encoded.gain_db, encoded.measured.lufs, encoded.measured.true_peak_db,
                 "from the narration cache" if narration.hit else f"{encoded.encodes} encode(s)")
        write_metrics(keyword, metrics, self.folder)
        self.records[keyword] = {"key": self._record_key(narration.encoding_key), "metrics": metrics.to_json()}
        return metrics

    def narrate_all(self, keywords: Sequence[str], failures: Failures | None = None) -> dict[str, NarrationMetrics]:
        """Every keyword's narration: the missing chunks of all of them in one pool, each narration encoded as
        soon as its chunks are in, ENCODERS at a time; one line naming the keywords that failed (with `failures`,
        gathered there for the caller to raise instead)."""
        own = failures is None
        failures = failures if failures is not None else Failures("audio")
        narrations: list[Narration] = []
        for keyword in keywords:
            try:
                narrations.append(self.prepare(keyword))
            except PipelineError as error:
                failures.add(keyword, error, self.folder)
        done: dict[str, NarrationMetrics] = {}
        for narration in (n for n in narrations if n.hit is not None or n.previous is not None):
            done[narration.keyword] = self.finish(narration, None)
        missing = [n for n in narrations if n.hit is None and n.previous is None]
        if missing:
            total = sum(len(n.plan.chunks) for n in missing)
            # The pool is left first: on a failure or Ctrl-C that cancels the requests, so the encoders waiting
            # for chunks end at once and the executor's exit does not wait on them.
            label = f"audio ({self.language})" if len(self.params.languages) > 1 else "audio"
            with Progress(f"{label}: {len(missing)} to make", total) as progress, \
                    ThreadPoolExecutor(ENCODERS, thread_name_prefix="encoder") as encoders, \
                    self.synthesizer.pool([n.plan.chunks for n in missing], progress,
                                          [n.keyword for n in missing]) as files_of:
                jobs = [encoders.submit(self.finish, narration, files_of(number))
                        for number, narration in enumerate(missing)]
                try:
                    for narration, job in zip(missing, jobs):
                        try:
                            done[narration.keyword] = job.result()
                        except PipelineError as error:
                            if self.synthesizer.failed:
                                raise  # a chunk failed for good: every narration still waiting would say the same
                            failures.add(narration.keyword, error, self.folder)
                finally:
                    for job in jobs:
                        job.cancel()  # those not started; the pool's exit stops the requests the others wait for
        if own:
            failures.raise_any(len(keywords))
        return {keyword: done[keyword] for keyword in keywords if keyword in done}

    def cost(self) -> RunCost:
        return run_cost(self.synthesizer, self.provider, self.listener)

    def write_keys(self) -> None:
        write_keys(self.previous.folder, self.records, self.params.keywords)


def outputs_of(keyword: str, folder: str | None = None) -> list[Path]:
    """Every file a narration may have written: each format's, since a run killed while writing flac leaves its
    temp file behind even after tts.format changes."""
    return [*(audio_path(keyword, fmt, folder) for fmt in AUDIO_FORMATS), subtitles_path(keyword, folder),
            spoken_path(keyword, folder), metrics_path(keyword, folder)]


def narrate(params: Params, keyword: str, language: str | None = None) -> tuple[NarrationMetrics, RunCost]:
    """Speak the keyword's script in `language` (default: the first) into outputs/audio/ with its subtitles and
    metrics."""
    narrator = Narrator(params, language)
    metrics = narrator.narrate_all([keyword])[keyword]
    return metrics, narrator.cost()


def _recorded(files: Iterator[Path], seen: list[Path]) -> Iterator[Path]:
    """Pass the chunk files through, remembering them for the per-chunk metrics."""
    for path in files:
        seen.append(path)
        yield path
