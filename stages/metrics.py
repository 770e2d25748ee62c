"""Per-narration metrics (outputs/metrics/<keyword>.json) and the cost estimate behind est_cost_usd."""

from dataclasses import asdict, dataclass, field
from pathlib import Path

from stages import atomic
from stages.paths import metrics_path

# Published prices, USD. Per-character models bill the input text; the others bill tokens, estimated here.
PER_MILLION_CHARS = {"tts-1": 15.0, "tts-1-hd": 30.0}
# gpt-4o-mini-tts: $0.60 per 1M text-input tokens and $12 per 1M audio-output tokens, which OpenAI
# itself puts at about $0.015 per minute of audio. Hangul runs about one token per syllable, so the
# character count is used as the (upper-bound) input-token estimate.
PER_TOKEN = {
    "gpt-4o-mini-tts": {"input_per_million": 0.60, "audio_per_minute": 0.015},
    # gpt-realtime-2.1-mini: $20 per 1M audio-output tokens at 20 tokens a second ($0.024 a minute), plus the
    # transcript at $2.40 per 1M text-output tokens (~220 tokens a minute of Korean); text input $0.60 per 1M.
    # Re-reads of unfaithful chunks are extra (see README, Realtime speech).
    "gpt-realtime-2.1-mini": {"input_per_million": 0.60, "audio_per_minute": 0.0245},
}


def estimate_cost_usd(provider: str, model: str, chars: int, duration_s: float) -> float:
    """What synthesising the whole narration once costs, whatever the cache saved this time."""
    if provider == "espeak":
        return 0.0
    if model in PER_MILLION_CHARS:
        return round(chars * PER_MILLION_CHARS[model] / 1e6, 6)
    prices = PER_TOKEN.get(model)
    if prices is None:
        return 0.0  # an unknown (e.g. self-hosted, OpenAI-compatible) model: no published price
    text = chars * prices["input_per_million"] / 1e6
    audio = duration_s / 60 * prices["audio_per_minute"]
    return round(text + audio, 6)


@dataclass(frozen=True)
class NarrationMetrics:
    chars: int
    chunks: int
    requests: int
    retries: int
    cached_chunks: int
    duration_s: float
    bytes: int
    est_cost_usd: float
    provider: str
    model: str
    voice: str
    speed: float
    extra: dict = field(default_factory=dict)  # provider-specific figures, e.g. per-chunk CER

    def to_json(self) -> str:
        data = asdict(self)
        data.update(data.pop("extra"))
        return atomic.stable_json(data)


def write_metrics(keyword: str, metrics: NarrationMetrics) -> Path:
    path = metrics_path(keyword)
    atomic.write_text(path, metrics.to_json())
    return path
