"""audio stage: `python -m stages.audio KEYWORD` speaks outputs/script/<keyword>.md into outputs/audio/.

The script is cut into chunks whose boundaries survive edits (chunking), each chunk's sound comes from the
shared content-addressed cache or from the speech provider, several at a time (synthesis), and the chunks
are encoded once, in script order, into tts.format (assembly).
"""

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from stages import assembly
from stages.chunking import split_chunks
from stages.cli import one_keyword, run_main
from stages.config import Params, check_keyword, load_params
from stages.errors import PipelineError
from stages.paths import audio_path, script_path
from stages.progress import Progress
from stages.providers.speech import SPEECH_PROVIDERS
from stages.ratelimit import RateLimiter
from stages.synthesis import ChunkSynthesizer

log = logging.getLogger(__name__)


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
    with Progress(keyword, len(chunks)) as progress, \
            contextlib.closing(synthesizer.files(chunks, progress)) as files:
        parts = zip(files, assembly.pauses([chunk.end for chunk in chunks]))
        duration = assembly.encode(parts, out, params.tts.format)
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
    return narration


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.audio"))
    run(load_params(), keyword)


if __name__ == "__main__":
    run_main(main)
