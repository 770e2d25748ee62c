"""The tts keys a speech provider reads beyond the shared ones, and their one-line validation.

Every provider accepts the same keys, so that switching tts.provider is a one-line edit of params.yaml; each
provider's Options subclass checks the values it uses against its own engine (voices, speeds, models).
"""

from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stages.core.errors import ParamsError
from stages.core.model_shutdowns import TRANSCRIBE
from stages.core.params import TTSParams, describe

# How a docent speaks, in each language's own words: an instruction in Korean would steer an English read towards a
# Korean accent. tts.instructions replaces the first language's; tts.per_language.<code>.instructions any other's.
DOCENT_INSTRUCTIONS = {
    "ko": ("박물관 도슨트처럼 차분하고 따뜻한 목소리로, 또렷한 표준어 발음과 여유 있는 속도로 "
           "관람객에게 작품을 소개하듯 말해 주세요. 문장 사이에는 자연스럽게 쉬어 주세요."),
    "en": ("Speak like a museum docent: a calm, warm voice, clear standard pronunciation and an unhurried pace, as if "
           "introducing the work to visitors standing in front of it. Pause naturally between sentences."),
    "ja": ("博物館のドーセントのように、落ち着いた温かい声で、はっきりとした標準的な発音とゆったりとした速さで、"
           "目の前の来館者に作品を紹介するように話してください。文と文の間では自然に間を取ってください。"),
    "zh": ("请像博物馆讲解员一样，用沉稳温暖的声音、清晰标准的普通话和从容的语速，像在作品前向观众介绍一样讲述。"
           "句与句之间自然停顿。"),
}


class VoiceOptions(BaseModel):
    """tts.model, voice, speed, instructions and max_cer, with the ranges every engine shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    default_model: ClassVar[str | None] = None  # what `model: null` means for this provider

    # Unset or null: the provider's default (default_model; espeak and the speech API have none).
    model: str | None = None
    voice: str = "alloy"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    # How to speak (OpenAI models that take instructions; tts-1 and tts-1-hd do not). Unset: DOCENT_INSTRUCTIONS in the
    # language being read (instructions_in).
    instructions: str | None = Field(default=None, max_length=4096)
    # The highest character error rate of a read: the listening check's (tts.verify) and realtime's own transcript's.
    max_cer: float = Field(default=0.1, ge=0.0, le=1.0)
    # How each new chunk is heard back (docs/checks.md): transcribe (OpenAI's transcription API) or off. Unset or null:
    # the provider's default_verify, transcribe for OpenAI's neural voices.
    verify: Literal["transcribe", "off"] | None = None
    verify_model: str = Field(default=TRANSCRIBE, min_length=1)  # the transcription model of tts.verify: transcribe
    default_verify: ClassVar[Literal["transcribe", "off"]] = "off"

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """`model: null` means the provider's default, which moves with the code when a model is retired; `verify:
        null` the provider's own default."""
        if isinstance(data, dict) and data.get("model") is None:
            data = {**data, "model": cls.default_model}
        if isinstance(data, dict) and data.get("verify") is None:
            data = {**data, "verify": cls.default_verify}
        if isinstance(data, dict) and isinstance(data["verify"], bool):  # YAML 1.1 reads a bare off as false
            data = {**data, "verify": "transcribe" if data["verify"] else "off"}
        return data


Options = TypeVar("Options", bound=VoiceOptions)


def instructions_in(options: VoiceOptions, language: str) -> str:
    """How to speak a narration in `language`: tts.instructions as set for it, else the docent's in that language."""
    return options.instructions if options.instructions is not None else DOCENT_INSTRUCTIONS[language]


def parse_options(options: type[Options], tts: TTSParams) -> Options:
    """tts's provider keys validated by the provider's Options; any problem is a one-line ParamsError."""
    try:
        return options.model_validate(tts.options)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "extra_forbidden":
            allowed = ", ".join([*TTSParams.model_fields, *options.model_fields])
            raise ParamsError(f"params.yaml: tts.{error['loc'][0]}: unknown key; allowed keys here: {allowed}") from None
        raise ParamsError(f"params.yaml: {describe(error, options, 'tts.')}") from None


def token_price(chars: int, duration_s: float, input_per_million: float, audio_per_minute: float) -> float:
    """USD for a model billed by tokens: Hangul runs about one token per syllable, so the character count is
    used as the (upper-bound) input-token estimate, and the audio is priced by the minute."""
    return round(chars * input_per_million / 1e6 + duration_s / 60 * audio_per_minute, 6)
