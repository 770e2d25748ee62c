"""One narration, end to end: script → chunks → spoken form → chunk audio (cache or provider) → encoded file,
subtitles, metrics.

The script is cut into chunks whose boundaries survive edits (chunking), each chunk is read into what the voice
should say (reading, unless tts.reading is false), each chunk's sound comes from the shared content-addressed
cache or from the speech provider, several at a time (synthesis), and the chunks are trimmed, laid out with the
pauses of `audio`, brought to its loudness and peak ceiling (mastering) and encoded once, in script order, into
tts.format (assembly). Subtitles and tags keep the written text.
"""

import contextlib
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.core.info_file import read_facts
from stages.core.params import Params
from stages.core.paths import audio_path, script_path, spoken_path, subtitles_path
from stages.core.progress import Progress
from stages.core.vtt import render_vtt
from stages.speech.chunking import PARAGRAPH_JOIN
from stages.speech.credits import credit_lines
from stages.speech.metrics import (
    NarrationMetrics,
    RunCost,
    narration_metrics,
    run_cost,
    write_metrics,
    write_run_summary,
)
from stages.speech.narration_cache import NarrationCache, narration_key
from stages.speech.plan import Planner
from stages.speech.providers import speech_provider
from stages.speech.subtitles import SpokenChunk, cues_for
from stages.speech.synthesis import ChunkSynthesizer

log = logging.getLogger(__name__)

ALBUM = "도슨트 오디오 가이드"


def narrate(params: Params, keyword: str) -> tuple[NarrationMetrics, RunCost]:
    """Speak outputs/script/<keyword>.md into outputs/audio/ with its subtitles and metrics."""
    provider = speech_provider(params.tts.provider)(params)
    planner = Planner(params, provider)
    reader = planner.reader
    planned = planner.plan(planner.script(keyword))
    chunks, keys, pauses = planned.chunks, planned.keys, planned.pauses
    if not chunks:
        raise PipelineError(f"{script_path(keyword)} has no speakable text")
    atomic.write_text(spoken_path(keyword), "\n\n".join(chunk.spoken.replace(PARAGRAPH_JOIN, "\n")
                                                        for chunk in chunks) + "\n")
    synthesizer = ChunkSynthesizer(provider, speed=provider.options.speed, concurrency=params.requests.concurrency)
    out = audio_path(keyword, params.tts.format)
    facts = read_facts(keyword)
    credits = credit_lines(facts, provider)
    fmt = params.tts.format
    tag_values = {"title": keyword, "album": ALBUM, "comment": "; ".join(credits)}
    chunk_files = [synthesizer.cached(key) for key in keys]  # not decoded: on a hit nothing is
    encodings = NarrationCache(fmt)
    encoding_key = narration_key(keys, pauses, fmt, tag_values, params.audio.model_dump())
    hit = encodings.lookup(encoding_key) if all(chunk_files) else None
    with atomic.atomic_path(out) as tmp:  # the narration's one writer: a cached copy or a fresh encoding
        if hit is not None:  # every chunk and the very same encoding are cached: nothing to make
            cached, encoded = hit
            shutil.copyfile(cached, tmp)
            synthesizer.cached_chunks = len(chunks)
        else:
            # Imported only now: encoding needs numpy, soundfile and mutagen, which a cached narration never loads.
            from stages.speech.audio.assembly import encode
            from stages.speech.audio.tags import write_tags

            chunk_files = []
            with Progress(keyword, len(chunks)) as progress, \
                    contextlib.closing(synthesizer.files(chunks, progress)) as files:
                parts = zip(_recorded(files, chunk_files), pauses)
                encoded = encode(parts, tmp, fmt, params.audio, finish=lambda path: write_tags(path, fmt, **tag_values))
    if hit is None:
        encodings.store(encoding_key, out, encoded)
    spoken = [SpokenChunk(chunk.text, start, length) for chunk, (start, length) in zip(chunks, encoded.spans)]
    cues = cues_for(spoken, reader.spoken if reader else None)  # timed by how long each sentence is to say
    atomic.write_text(subtitles_path(keyword), render_vtt(cues, [facts.title, "\n".join(credits)]))
    cost = run_cost(synthesizer, provider)
    metrics = narration_metrics(params.tts, chunks, provider, chunk_files, out, encoded.measured)
    log.info("audio: %s (%d chunks, %d from the cache, %d requests, %d retries, %.1f s of sound; %+.1f dB to "
             "%.1f LUFS, %.1f dBTP, %d encode(s))", out, metrics.chunks, cost.cached_chunks, cost.requests,
             cost.retries, metrics.duration_s, encoded.gain_db, encoded.measured.lufs, encoded.measured.true_peak_db,
             encoded.encodes)
    write_metrics(keyword, metrics)
    write_run_summary(keyword, cost)
    return metrics, cost


def _recorded(files: Iterator[Path], seen: list[Path]) -> Iterator[Path]:
    """Pass the chunk files through, remembering them for the per-chunk metrics."""
    for path in files:
        seen.append(path)
        yield path
