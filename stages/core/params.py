"""params.yaml, parsed once into one typed, validated object.

Every stage calls load_params(); no other place reads params.yaml by key.
"""

import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from stages.core.errors import ParamsError
from stages.core.files import read_yaml_file
from stages.core.languages import LanguageCode

PARAMS_FILE = Path("params.yaml")
MAX_KEYWORD_CHARS = 100
AUDIO_FORMATS = ("mp3", "wav", "flac", "opus")
# The default names a model with no announced shutdown (stages/core/model_shutdowns.py; a test holds it to it).
# gpt-5.4-mini: the small model of the newest chat family that has one; a three-minute narration from a page of
# facts is a short writing task, and the large models cost several times as much for it.
SCRIPT_MODEL = "gpt-5.4-mini"


# Characters a keyword may not hold: Windows refuses " * : < > ? \ | in file names, so a clone there would break;
# $ and ` mean something to a shell; '@' was DVC's separator in the per-keyword stage names (`audio@<keyword>`)
# of the pipeline before its stages became one per kind for the whole catalogue, and is refused still.
UNSAFE_KEYWORD_CHARS = '"$`\\:*?<>|@'
# Device names Windows will not create as files, whatever follows the first dot (CON.md and CON.json too).
WINDOWS_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))}


def check_keyword(keyword: str) -> str:
    """Return the keyword if it is safe to use verbatim as a file name on every system, else raise ParamsError."""
    shown = repr(keyword)
    if not isinstance(keyword, str) or not keyword.strip():
        raise ParamsError(f"keyword {shown} is empty; give the name of a subject, e.g. 백자 달항아리")
    if "/" in keyword:
        raise ParamsError(f"keyword {shown} contains '/'; keywords are file names, not paths")
    unsafe = next((ch for ch in keyword if ch in UNSAFE_KEYWORD_CHARS), None)
    if unsafe is not None:
        raise ParamsError(f"keyword {shown} contains '{unsafe}'; keywords are file names on every system, so none of "
                          f"{' '.join(UNSAFE_KEYWORD_CHARS)} may appear in one")
    if any(unicodedata.category(ch) == "Cc" for ch in keyword):
        raise ParamsError(f"keyword {shown} contains a control character")
    if keyword.startswith("."):
        raise ParamsError(f"keyword {shown} starts with '.'; that would make a hidden file")
    if keyword.endswith((" ", ".")):
        end = "a space" if keyword.endswith(" ") else "'.'"
        raise ParamsError(f"keyword {shown} ends with {end}; Windows drops it from file names, so remove it")
    if keyword.split(".", 1)[0].rstrip(" ").upper() in WINDOWS_DEVICE_NAMES:
        raise ParamsError(f"keyword {shown} is a device name on Windows, where its files cannot be made; add a word "
                          f"(e.g. {keyword} 전시품)")
    if len(keyword) > MAX_KEYWORD_CHARS:
        raise ParamsError(f"keyword {shown[:40]}… is {len(keyword)} characters; the limit is {MAX_KEYWORD_CHARS}")
    return keyword


def _keyword_value(keyword: str) -> str:
    try:
        return check_keyword(keyword)
    except ParamsError as exc:
        raise ValueError(str(exc)) from None  # pydantic reports ValueError with the key's location


Keyword = Annotated[str, AfterValidator(_keyword_value)]


class Section(BaseModel):
    # Built on first use, not at import: by then run_main has turned pydantic's plugin scan off (stages/core/cli.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{url!r} is not an http:// or https:// URL")
    return url


def _unique(names: list[str]) -> list[str]:
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} listed twice")
    return names


BaseURL = Annotated[str, AfterValidator(_base_url)]


def _contact(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not re.fullmatch(r"https?://\S+|[^\s@()]+@[^\s@()]+\.[^\s@()]+", value):
        raise ValueError(f"{value!r} is not an e-mail address or an http(s):// URL")
    return value
InfoSource = Literal["heritage", "wikipedia", "local"]


class InfoParams(Section):
    """How facts are gathered (dvc.yaml: a dependency of the info stage)."""

    provider: Literal["local", "heritage", "wikipedia", "auto"] = "local"
    # The order `auto` asks the sources in; the first with facts for the keyword answers.
    sources: Annotated[list[InfoSource], AfterValidator(_unique)] = Field(
        default=["heritage", "wikipedia", "local"], min_length=1)
    # Base URLs, so that a mirror or a test server can stand in; endpoint paths are appended.
    heritage_url: BaseURL = "https://www.khs.go.kr/cha/"
    wikipedia_url: BaseURL = "https://ko.wikipedia.org"
    # Who to contact about this client (an e-mail address or a URL): Wikimedia's User-Agent policy asks for it.
    contact: Annotated[str | None, AfterValidator(_contact)] = None


class ScriptParams(Section):
    """How the narration is written (a dependency of the script stage)."""

    provider: Literal["template", "openai"] = "template"
    model: str = Field(default=SCRIPT_MODEL, min_length=1)  # chat model (openai); null: the default
    minutes: float = Field(default=3.0, ge=0.5, le=30)  # spoken length to aim for (openai)

    @model_validator(mode="before")
    @classmethod
    def _default_model(cls, data: Any) -> Any:
        """`model: null` in params.yaml means the default, which moves with the code when a model is retired."""
        if isinstance(data, dict) and "model" in data and data["model"] is None:
            data = {key: value for key, value in data.items() if key != "model"}
        return data


# tts keys one language may not set apart: the guide plays every language's file in one format.
FOR_EVERY_LANGUAGE = ("format", "per_language")


class TTSParams(Section):
    """What the narration sounds like (a dependency of the audio stage): the keys every provider shares.

    The provider's own keys (model, voice, speed, instructions, max_cer) are kept here unread and validated by the
    provider's Options (stages/speech/voices/), so that loading params never imports speech code: the info and
    script stages load this file too. `make audio` (stages/check_params.py) and the audio stage check them before
    anything is written.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    provider: str = Field(default="espeak", min_length=1)  # a name in stages/speech/providers.py
    format: Literal[AUDIO_FORMATS] = "mp3"
    # Say numbers, units, dates and abbreviations as Korean words before any engine hears them
    # (docs/reading.md); false sends the written text as it is.
    reading: bool = True
    # Most characters per speech request, further capped by the engine's own limit. 1200 keeps a Korean
    # chunk well under gpt-4o-mini-tts's 2000-token input, and an edit or a retry re-buys at most that much.
    chunk_chars: int = Field(default=1200, ge=100, le=4096)

    # Overrides for one language, any tts key (provider, voice, instructions, …), e.g. ja: {provider: realtime};
    # validated like tts itself once merged (for_language).
    per_language: dict[LanguageCode, dict[str, Any]] = {}

    @property
    def options(self) -> dict[str, Any]:
        """The provider's own keys as written, for its Options to validate."""
        return dict(self.model_extra or {})

    def for_language(self, language: str, source: str) -> "TTSParams":
        """The keys one language is spoken with: these, but for `instructions`, which are the first language's (a
        Korean docent instruction must not direct an English read; each provider has one per language), then the
        language's per_language overrides."""
        data = self.model_dump(exclude={"per_language"})
        if language != source:
            data.pop("instructions", None)
        overrides = self.per_language.get(language, {})
        shared = next((key for key in FOR_EVERY_LANGUAGE if key in overrides), None)
        if shared:
            raise ParamsError(f"params.yaml: tts.per_language.{language}.{shared}: set it for every language, in tts")
        data.update(overrides)
        try:
            return TTSParams.model_validate(data)
        except ValidationError as exc:
            raise ParamsError(f"params.yaml: {describe(exc.errors()[0], TTSParams, f'tts.per_language.{language}.')}") \
                from None


class AudioParams(Section):
    """How the narration is mastered: loudness, peaks, silences (the audio stage only; re-encodes, never re-synthesises)."""

    loudness_lufs: float = Field(default=-16.0, ge=-36.0, le=-9.0)  # integrated loudness, BS.1770-4
    true_peak_db: float = Field(default=-1.0, ge=-12.0, le=0.0)  # highest 4× true peak of the decoded file, dBTP
    # The limiter aims this far under true_peak_db: MP3 and Opus encoding lift the peaks of speech by ~0.2 dB.
    peak_margin_db: float = Field(default=0.5, ge=0.0, le=3.0)
    lead_in_s: float = Field(default=0.5, ge=0.0, le=10.0)  # silence before the first word
    tail_s: float = Field(default=1.5, ge=0.0, le=30.0)  # silence after the last word
    # Silence from the last sound of a chunk to the first of the next, by what the chunk ends with.
    paragraph_pause_s: float = Field(default=0.6, ge=0.0, le=10.0)
    sentence_pause_s: float = Field(default=0.15, ge=0.0, le=10.0)
    word_pause_s: float = Field(default=0.05, ge=0.0, le=10.0)
    silence_threshold_db: float = Field(default=-50.0, ge=-90.0, le=-20.0)  # a chunk's edges under this are trimmed
    trim_keep_s: float = Field(default=0.015, ge=0.0, le=0.2)  # of that silence, kept so no soft consonant is cut


class RetryParams(Section):
    """How failed calls are retried; says how calls are made, so no stage depends on it."""

    max_tries: int = Field(default=8, ge=1, le=100)
    initial_wait: float = Field(default=1.0, gt=0, le=600)
    max_wait: float = Field(default=60.0, gt=0, le=3600)


class RequestsParams(Section):
    """How remote calls are made (parallelism, pacing, timeout); like retry, a dependency of no stage."""

    concurrency: int = Field(default=4, ge=1, le=64)
    rpm: float | None = Field(default=None, gt=0)  # optional client-side limit on requests per minute
    timeout: float = Field(default=60.0, gt=0, le=3600)  # seconds per request


def _site_url(url: str | None) -> str | None:
    if url is None:
        return None
    if not url.startswith(("http://", "https://")) or any(ch in url for ch in "?# "):
        raise ValueError(f"{url!r} is not an http:// or https:// URL without spaces, query or fragment")
    return url if url.endswith("/") else url + "/"  # stop pages are joined onto it


class GuideParams(Section):
    """The published audio guide (a dependency of the guide stage)."""

    # Where outputs/guide/ will be served from; the QR labels link to <base_url>stops/<n>.html.
    # Unset, they hold relative links, which work from the site itself but not from a printed label.
    base_url: Annotated[str | None, AfterValidator(_site_url)] = None
    title: str = Field(default="도슨트 오디오 가이드", min_length=1, max_length=200)  # on every page and label


class Params(Section):
    keywords: list[Keyword] = Field(min_length=1)
    # The first is the language of the facts and of the original narration; the others are translations of it.
    languages: Annotated[list[LanguageCode], AfterValidator(_unique)] = Field(default=["ko"], min_length=1)
    info: InfoParams = InfoParams()
    script: ScriptParams = ScriptParams()
    tts: TTSParams = TTSParams()
    audio: AudioParams = AudioParams()
    retry: RetryParams = RetryParams()
    requests: RequestsParams = RequestsParams()
    guide: GuideParams = GuideParams()

    def model_post_init(self, _context: Any) -> None:
        seen = set()
        for keyword in self.keywords:
            if keyword in seen:
                raise ParamsError(f"params.yaml: keywords: {keyword!r} is listed twice")
            seen.add(keyword)

    @property
    def source_language(self) -> str:
        return self.languages[0]

    def in_language(self, language: str) -> "Params":
        """These params with `tts` as `language` is spoken (TTSParams.for_language)."""
        return self.model_copy(update={"tts": self.tts.for_language(language, self.source_language)})

    def folder(self, language: str) -> str | None:
        """The subfolder a language's per-keyword outputs go in: None for the first language, whose outputs (and
        hand-written scripts) stay where a one-language catalogue has them."""
        return None if language == self.source_language else language


def describe(error: dict[str, Any], root: type[BaseModel] | None = None, prefix: str = "") -> str:
    """One line naming the key, the bad value and what is allowed (`root` at `prefix`: a section validated apart)."""
    root = root or Params
    loc = prefix + ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(error["loc"][:-1], root)
        allowed = ", ".join(parent.model_fields) if parent else "see docs/params.md"
        return f"{loc}: unknown key; allowed keys here: {allowed}"
    if kind == "literal_error":
        return f"{loc}: {error['input']!r} is not allowed; allowed values: {error['ctx']['expected']}"
    if kind == "missing":
        return f"{loc}: missing; it is required"
    if kind == "value_error":
        return f"{loc}: {error['ctx']['error']}"
    message = error["msg"]
    bounds = _bounds(error["loc"], root)
    return f"{loc}: {error['input']!r} is not allowed: {message}{bounds}"


def _model_at(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return None
        model = field.annotation
    return model


def _bounds(loc: tuple, root: type[BaseModel]) -> str:
    parent = _model_at(loc[:-1], root)
    if parent is None or str(loc[-1]) not in parent.model_fields:
        return ""
    low = high = None
    for meta in parent.model_fields[str(loc[-1])].metadata:
        for name in ("ge", "gt"):
            low = getattr(meta, name, None) if getattr(meta, name, None) is not None else low
        for name in ("le", "lt"):
            high = getattr(meta, name, None) if getattr(meta, name, None) is not None else high
    return f" (allowed: {low}–{high})" if low is not None and high is not None else ""


def parse_params(data: Any) -> Params:
    """Validate already-loaded YAML data (tts: only the shared keys; its provider checks the rest)."""
    if not isinstance(data, dict):
        raise ParamsError("params.yaml: the top level must be a mapping of sections (keywords, info, script, tts, retry)")
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(f"params.yaml: {describe(exc.errors()[0])}") from None


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and validate params.yaml; any problem is a one-line ParamsError."""
    try:
        data = read_yaml_file(path, "fix it (docs/params.md lists every key)", ParamsError)
    except FileNotFoundError:
        raise ParamsError(f"{path} not found; run from the project's top folder") from None
    return parse_params(data)

