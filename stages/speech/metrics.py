"""Per-narration metrics (outputs/metrics/<keyword>.json) and the run summary; each provider prices itself.

The metrics are tracked (committed, compared by `dvc exp show`), so they describe the narration only: its
text, its params and its audio. What one run took (requests, retries, cache hits) depends on the state of
the chunk cache, so it goes to the stage's log instead.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path

from stages.core import atomic
from stages.core.params import TTSParams
from stages.core.paths import metrics_path
from stages.speech.audio.layout import Measurement
from stages.speech.chunking import Chunk
from stages.speech.listening import Listener
from stages.speech.synthesis import ChunkSynthesizer, SpeechProvider


@dataclass(frozen=True)
class RunCost:
    """What one run of a narration took (not what the narration is): for the log and the run summary."""

    requests: int  # speech requests made, retries included
    retries: int  # provider retries plus truncation re-tries
    cached_chunks: int  # chunks whose sound came from the cache
    new_chars: int  # characters sent to the speech provider (what an edit costs)
    transcriptions: int = 0  # transcription requests of the listening check, retries included
    misheard: int = 0  # chunks heard differently from their text (each was spoken again, or failed the run)
    spent_usd: float = 0.0  # what this run's speech and transcription requests cost at published prices

    def __add__(self, other: "RunCost") -> "RunCost":
        return RunCost(*(a + b for a, b in zip(astuple(self), astuple(other))))

    def line(self) -> str:
        """The run's cost line: `12 chunks from the cache, 13 requests, 0 retries, 13 transcriptions (1 heard
        differently), est. $0.0123 spent`."""
        heard = f", {self.transcriptions} transcriptions ({self.misheard} heard differently)" if self.transcriptions \
            else ""
        spent = f", est. ${self.spent_usd:.4f} spent" if self.spent_usd else ""
        return f"{self.cached_chunks} chunks from the cache, {self.requests} requests, {self.retries} retries{heard}{spent}"


@dataclass(frozen=True)
class NarrationMetrics:
    chars: int
    chunks: int
    duration_s: float
    bytes: int
    est_cost_usd: float
    provider: str
    model: str
    voice: str
    speed: float
    lufs: float | None  # integrated loudness of the decoded file, BS.1770-4 (None: no sound)
    true_peak_db: float | None  # its 4× true peak, dBTP
    lra: float | None  # its loudness range, LU (EBU Tech 3342)
    language: str = "ko"  # the narration's, so that `dvc exp show` and the report can total each language
    extra: dict = field(default_factory=dict)  # provider-specific figures, e.g. per-chunk CER

    def to_json(self) -> str:
        data = asdict(self)
        data.update(data.pop("extra"))
        return atomic.stable_json(data)

    @classmethod
    def from_json(cls, text: str) -> "NarrationMetrics":
        data = json.loads(text)
        named = {name: data.pop(name) for name in cls.__dataclass_fields__ if name != "extra"}
        return cls(**named, extra=data)


def run_cost(synthesizer: ChunkSynthesizer, provider: SpeechProvider, listener: Listener | None = None) -> RunCost:
    """What this run took: a remote provider counts its own HTTP attempts, a local one makes one call a chunk."""
    spent = provider.est_cost_usd(synthesizer.new_chars, synthesizer.new_seconds)
    if listener is not None:
        spent += listener.cost_usd(listener.heard_seconds)
    return RunCost(
        requests=provider.requests if provider.counts_requests else synthesizer.calls,
        retries=provider.retries if provider.counts_requests else synthesizer.truncation_retries,
        cached_chunks=synthesizer.cached_chunks, new_chars=synthesizer.new_chars,
        transcriptions=listener.requests if listener is not None else 0,
        misheard=listener.misheard if listener is not None else 0, spent_usd=round(spent, 6))


def narration_metrics(tts: TTSParams, chunks: Sequence[Chunk], provider: SpeechProvider,
                      chunk_files: list[Path], out: Path, measured: Measurement, language: str,
                      listener: Listener | None = None, chunk_keys: Sequence[str] = ()) -> NarrationMetrics:
    """The record of one narration: what it is (text, voice, length, loudness as decoded from the file, and with the
    listening check, how faithfully it was heard)."""
    chars = sum(len(chunk.spoken) for chunk in chunks)  # what the engine is sent (and bills)
    # What making the whole narration once costs, hearing it back included, whatever the cache saved this time.
    cost = provider.est_cost_usd(chars, measured.duration_s)
    # Read back from the chunk files and records, so that chunks served from the cache count too (realtime: CER).
    extra = provider.narration_metrics(chunk_files)
    if listener is not None:
        cost = round(cost + listener.cost_usd(measured.duration_s), 6)
        extra |= listener.metrics(chunk_keys)
    return NarrationMetrics(
        chars=chars, chunks=len(chunks), duration_s=round(measured.duration_s, 3), bytes=out.stat().st_size,
        est_cost_usd=cost, provider=tts.provider, model=provider.options.model,
        voice=provider.voice, speed=provider.options.speed,
        lufs=_rounded(measured.lufs), true_peak_db=_rounded(measured.true_peak_db), lra=_rounded(measured.lra),
        language=language, extra=extra,
    )


def _rounded(value: float) -> float | None:
    """Two decimals; None for −inf (no sound), which JSON cannot hold."""
    return round(value, 2) if math.isfinite(value) else None


def write_metrics(keyword: str, metrics: NarrationMetrics, folder: str | None = None) -> Path:
    path = metrics_path(keyword, folder)
    atomic.write_text(path, metrics.to_json())
    return path
