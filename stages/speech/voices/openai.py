"""OpenAISpeech: OpenAI's speech API, streamed into a temp file that is moved into place only when whole."""

import logging
from collections.abc import Callable
from pathlib import Path

from stages.clients import openai_access
from stages.clients.openai_access import IncompleteBody
from stages.core.atomic import atomic_path
from stages.core.errors import ParamsError, PipelineError
from stages.core.model_shutdowns import REALTIME_MINI
from stages.core.params import Params
from stages.speech.voices.options import VoiceOptions, instructions_in, parse_options, token_price

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4096
OUTPUT_FORMATS = {"mp3", "wav", "flac", "opus"}  # what the audio stage can encode the narration to
_WAV_UNKNOWN_SIZES = {0, 0xFFFFFFFF}  # what a streamed WAV header may carry before its length is known
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin",
          "cedar")
LEGACY_TTS_MODELS = frozenset({"tts-1", "tts-1-hd"})  # older voices only, and no instructions
NEWER_VOICES = frozenset({"ballad", "verse", "marin", "cedar"})  # not available with the legacy models
# Published prices, USD. The tts-1 models bill the input text by the character; gpt-4o-mini-tts bills $0.60 per
# 1M text-input tokens and $12 per 1M audio-output tokens, which OpenAI itself puts at about $0.015 a minute.
PER_MILLION_CHARS = {"tts-1": 15.0, "tts-1-hd": 30.0}
PER_TOKEN = {"gpt-4o-mini-tts": {"input_per_million": 0.60, "audio_per_minute": 0.015}}


class OpenAIOptions(VoiceOptions):
    """The speech API's models and voices, checked so that `make audio` refuses a bad one before any request.

    No default model: OpenAI shuts all its speech models down on 2027-01-06, so this provider serves compatible
    servers, whose model names differ, and the model is named.
    """

    default_verify = "transcribe"  # each new chunk heard back by OpenAI's transcription API (docs/checks.md)

    def model_post_init(self, _context: object) -> None:
        if self.model is None:
            raise ParamsError("params.yaml: tts.model: tts.provider openai needs the model your server serves, e.g. "
                              "tts-1 for Kokoro-FastAPI; OpenAI's own speech models shut down on 2027-01-06, so for "
                              f"OpenAI itself use tts.provider: realtime (its default model is {REALTIME_MINI})")
        if self.voice not in VOICES:
            raise ParamsError(f"params.yaml: tts.voice: {self.voice!r} is not an OpenAI voice; allowed: "
                              f"{', '.join(VOICES)}")
        if self.model in LEGACY_TTS_MODELS and self.voice in NEWER_VOICES:
            allowed = ", ".join(v for v in VOICES if v not in NEWER_VOICES)
            raise ParamsError(f"params.yaml: tts.voice: {self.voice!r} is not available with {self.model}; allowed: "
                              f"{allowed} (or use tts.provider: realtime, which has {self.voice})")


def check_format(params: Params) -> None:
    """The narration's format must be one this provider's chunks can be encoded to (voices: OpenAIOptions)."""
    if params.tts.format not in OUTPUT_FORMATS:
        raise ParamsError(f"params.yaml: tts.format: {params.tts.format!r} is not supported with OpenAI speech; "
                          f"allowed: {', '.join(sorted(OUTPUT_FORMATS))}")


def check_wav(path: Path) -> None:
    """Raise IncompleteBody unless `path` is a WAV file with all the samples its header announces."""
    total = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(64 * 1024)  # the header chunks come first and are small
    declared = None
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        at = 12
        while at + 8 <= len(head):
            chunk_id, size = head[at:at + 4], int.from_bytes(head[at + 4:at + 8], "little")
            if chunk_id == b"data":
                declared = (size, total - at - 8)
                break
            at += 8 + size + (size & 1)
    if declared is None:
        raise IncompleteBody(f"{total} bytes without a WAV data chunk")
    size, present = declared
    if size not in _WAV_UNKNOWN_SIZES and present < size:
        raise IncompleteBody(f"WAV body has {present} of {size} announced bytes")
    import soundfile as sf  # here, not at the top: a stage whose chunks are all cached never loads it

    try:
        frames = sf.info(path).frames
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise IncompleteBody(f"audio cannot be decoded ({exc})") from None
    if frames <= 0:
        raise IncompleteBody("audio has no samples")


class OpenAISpeech(openai_access.OpenAIAccess):
    """OpenAI text-to-speech (tts.model, tts.voice, tts.speed, tts.instructions); WAV chunks, retried by one policy."""

    name = "openai"
    Options = OpenAIOptions
    max_chars = MAX_INPUT_CHARS
    chunk_format = "wav"
    counts_requests = True
    reads_years_as_cardinals = False  # its voices say 1935 as a year in every language

    def __init__(self, params: Params, *, language: str | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.options = options = parse_options(self.Options, params.tts)
        check_format(params)
        self.model, self.voice, self.speed = options.model, options.voice, options.speed
        # tts-1 and tts-1-hd refuse instructions; every newer model takes them. The voices are multilingual: the
        # language only chooses the instructions.
        instructions = instructions_in(options, language or params.source_language)
        self.instructions = instructions.strip() if options.model not in LEGACY_TTS_MODELS else ""
        super().__init__(params, sleep=sleep)

    @staticmethod
    def check_language(language: str) -> None:
        """Every voice reads every language of the guide."""

    def identity(self) -> dict:
        """Everything that changes the sound this provider makes."""
        return {"provider": self.name, "model": self.model, "voice": self.voice, "speed": self.speed,
                "instructions": self.instructions or None, "format": self.chunk_format,
                **openai_access.server_identity()}

    def est_cost_usd(self, chars: int, duration_s: float) -> float:
        """What speaking `chars` characters into `duration_s` seconds costs at OpenAI's published prices."""
        if self.model in PER_MILLION_CHARS:
            return round(chars * PER_MILLION_CHARS[self.model] / 1e6, 6)
        prices = PER_TOKEN.get(self.model)
        if prices is None:
            return 0.0  # an unknown (e.g. self-hosted, OpenAI-compatible) model: no published price
        return token_price(chars, duration_s, **prices)

    def credit(self) -> str:
        return f"{self.name} {self.model} {self.voice}, speed {self.speed}"

    def narration_metrics(self, chunk_files: list[Path]) -> dict:
        return {}

    def accepts_cached(self, path: Path) -> bool:
        return True  # a cached chunk passed every check this provider makes when it was written

    def request(self, text: str) -> dict:
        """The speech API's arguments for `text`."""
        args = {"model": self.model, "voice": self.voice, "input": text, "speed": self.speed,
                "response_format": self.chunk_format}
        if self.instructions:
            args["instructions"] = self.instructions
        return args

    async def synthesize(self, text: str, dest: Path, *, check=None) -> None:
        """Write `text` spoken as a WAV file at `dest`; only a complete, decodable body ever reaches `dest`."""
        if not text.strip():
            raise PipelineError("tts: nothing to say (an empty chunk)")
        if len(text) > MAX_INPUT_CHARS:
            raise PipelineError(f"tts: a chunk of {len(text)} characters is over the speech API's limit of "
                                f"{MAX_INPUT_CHARS}; split the script into shorter paragraphs")
        args = self.request(text)
        log.info("openai speech: %d characters (~%d tokens), model %s, voice %s, speed %s", len(text),
                 openai_access.estimate_tokens(text), self.model, self.voice, self.speed)

        # Made before the first try, not inside it: the first client and its speech resource take a second or
        # more to build (the SDK's lazy imports, its TLS context); built inside a try, after the rate limiter,
        # they delayed that request until the next chunks' turns came due, and those requests left with it.
        speech = self.async_client.audio.speech.with_streaming_response

        async def attempt() -> None:
            # A fresh temp file per try, beside dest; atomic_path deletes it if the try fails.
            with atomic_path(dest) as tmp:
                async with speech.create(**args) as response:
                    await response.stream_to_file(tmp)
                check_wav(tmp)

        await openai_access.run(self.policy, attempt, what="openai speech",
                                check=(lambda _: check(dest)) if check else None)
