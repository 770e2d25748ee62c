"""audio stage: `python -m stages.audio KEYWORD` speaks outputs/script/<keyword>.md into outputs/audio/.

The script is cut into chunks whose boundaries survive edits (chunking), each chunk's sound comes from the
shared content-addressed cache or from the speech provider, several at a time (synthesis), and the chunks
are encoded once, in script order, into tts.format (assembly).
"""

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stages import assembly, atomic
from stages.chunking import split_chunks
from stages.cli import one_keyword, run_main
from stages.config import Params, check_keyword, load_params
from stages.errors import PipelineError
from stages.facts import Facts, read_facts
from stages.metrics import NarrationMetrics, estimate_cost_usd, write_metrics
from stages.paths import audio_path, script_path, subtitles_path
from stages.progress import Progress
from stages.providers.speech import SPEECH_PROVIDERS
from stages.ratelimit import RateLimiter
from stages.subtitles import SpokenChunk, cues_for, render_vtt
from stages.synthesis import ChunkSynthesizer
from stages.tags import write_tags

log = logging.getLogger(__name__)

ALBUM = "도슨트 오디오 가이드"


@dataclass(frozen=True)
class Narration:
    """What one narration took and gave: for the metrics file."""

    keyword: str
    path: Path
    chars: int  # characters in all chunks
    chunks: int
    cached_chunks: int  # chunks whose sound came from the cache
    new_chars: int  # characters sent to the speech provider (what an edit costs)
    requests: int  # speech requests made, retries included
    retries: int  # provider retries plus truncation re-tries
    duration_s: float


def run(params: Params, keyword: str) -> Narration:
    source = script_path(keyword)
    try:
        script = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"{source} is missing; run the script stage first (dvc repro 'script@{keyword}')") from None
    provider = SPEECH_PROVIDERS[params.tts.provider](params)
    chunks = split_chunks(script, min(params.tts.chunk_chars, provider.max_chars))
    if not chunks:
        raise PipelineError(f"{source} has no speakable text")
    synthesizer = ChunkSynthesizer(provider, speed=params.tts.speed, concurrency=params.requests.concurrency,
                                   limiter=RateLimiter(params.requests.rpm))
    out = audio_path(keyword, params.tts.format)
    facts = read_facts(keyword)
    chunk_files: list[Path] = []
    with Progress(keyword, len(chunks)) as progress, \
            contextlib.closing(synthesizer.files(chunks, progress)) as files:
        parts = zip(_recorded(files, chunk_files), assembly.pauses([chunk.end for chunk in chunks]))
        encoded = assembly.encode(parts, out, params.tts.format, finish=lambda tmp: write_tags(
            tmp, params.tts.format, title=keyword, album=ALBUM, comment=_credits(facts, params, "; ")))
    duration = encoded.duration_s
    spoken = [SpokenChunk(chunk.text, start, length) for chunk, (start, length) in zip(chunks, encoded.spans)]
    notes = [facts.title, _credits(facts, params, "\n")]
    atomic.write_text(subtitles_path(keyword), render_vtt(cues_for(spoken), notes))
    narration = Narration(
        keyword=keyword,
        path=out,
        chars=sum(len(chunk.text) for chunk in chunks),
        chunks=len(chunks),
        cached_chunks=synthesizer.cached_chunks,
        new_chars=synthesizer.new_chars,
        requests=getattr(provider, "requests", synthesizer.calls),  # remote providers count their own, retries too
        retries=getattr(provider, "retries", 0) + synthesizer.truncation_retries,
        duration_s=duration,
    )
    log.info("audio: %s (%d chunks, %d from the cache, %d requests, %.1f s of sound)", out, narration.chunks,
             narration.cached_chunks, narration.requests, duration)
    write_metrics(keyword, _metrics(narration, params, provider, chunk_files))
    return narration


def _recorded(files: Iterator[Path], seen: list[Path]) -> Iterator[Path]:
    """Pass the chunk files through, remembering them for the per-chunk metrics."""
    for path in files:
        seen.append(path)
        yield path


def _credits(facts: Facts, params: Params, sep: str) -> str:
    """Where the facts came from and which voice read them: for the tags and the subtitles' header."""
    sources = sorted({section.source for section in facts.sections})
    lines = [f"출처: {source}" for source in sources] + list(facts.attribution)
    tts = params.tts
    voice = "espeak-ng Korean" if tts.provider == "espeak" else f"{tts.provider} {tts.model} {tts.voice}"
    lines.append(f"음성: {voice}, speed {tts.speed}")
    return sep.join(lines)


def _metrics(narration: Narration, params: Params, provider, chunk_files: list[Path]) -> NarrationMetrics:
    tts = params.tts
    # A provider that proves each chunk (realtime: its CER) reports the proof, read back from the chunk
    # files so that chunks served from the cache count too.
    narration_metrics = getattr(provider, "narration_metrics", None)
    extra = narration_metrics(chunk_files) if narration_metrics is not None else {}
    return NarrationMetrics(
        chars=narration.chars, chunks=narration.chunks, requests=narration.requests, retries=narration.retries,
        cached_chunks=narration.cached_chunks, duration_s=round(narration.duration_s, 3),
        bytes=narration.path.stat().st_size,
        est_cost_usd=estimate_cost_usd(tts.provider, tts.model, narration.chars, narration.duration_s),
        provider=tts.provider, model=tts.model, voice=tts.voice, speed=tts.speed, extra=extra,
    )


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.audio"))
    run(load_params(), keyword)


if __name__ == "__main__":
    run_main(main)
