"""When each OpenAI model shuts down, and the check that refuses a dead one before any stage writes a file.

The dates are the ones the installed SDK announces in its generated model lists ("Deprecated values: …
Announced shutdown date: YYYY-MM-DD", e.g. openai/types/shared/chat_model.py);
tests/core/test_model_shutdowns.py reads those lists and fails when an SDK upgrade announces a date this table
does not know. The replacements are ours: the SDK points at OpenAI's deprecations page, except for speech, where
its docstring (openai/resources/audio/speech.py) names gpt-realtime-2.1-mini through the Realtime API.

Only a call to OpenAI itself is checked: an OpenAI-compatible server reached through OPENAI_BASE_URL
(Kokoro-FastAPI, speaches, a local proxy) keeps serving `tts-1` and the like long after OpenAI's date.
"""

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from stages.core.errors import ParamsError
from stages.core.params import Params, load_params

# Which server answers OpenAI calls decides whether OpenAI's shutdown dates apply; the clients read the same.
BASE_URL_ENV = "OPENAI_BASE_URL"
OPENAI_URL = "https://api.openai.com/v1"  # the SDK's default base URL


def base_url() -> str | None:
    """OPENAI_BASE_URL for OpenAI-compatible servers, else None: the SDK's default (api.openai.com)."""
    return os.environ.get(BASE_URL_ENV, "").strip() or None

log = logging.getLogger(__name__)

TODAY_ENV = "DOCENT_TODAY"  # YYYY-MM-DD: the day the check takes as today (tests; planning a run ahead)
WARN_DAYS = 30  # this close to its date, a model still works but every run says when it ends

SMALL_CHAT = "gpt-5.4-mini"
LARGE_CHAT = "gpt-5.5"
REALTIME = "gpt-realtime-2.1"
REALTIME_MINI = "gpt-realtime-2.1-mini"
SPEECH_TO_REALTIME = f"tts.provider: realtime with tts.model: {REALTIME_MINI}"
# The migration's voices: speech-API voices the Realtime API does not have → the Realtime voices closest in
# character. Kept with the migration it serves; the realtime provider names them too when it refuses such a voice.
REALTIME_NEAREST = {"fable": ("ballad", "verse"), "onyx": ("cedar", "ash"), "nova": ("marin", "coral")}
TRANSCRIBE = "gpt-transcribe"


@dataclass(frozen=True)
class Shutdown:
    day: date
    use: str  # what to use instead, as it is written in params.yaml


def _announced(day: str, use: str, *models: str) -> dict[str, Shutdown]:
    return dict.fromkeys(models, Shutdown(date.fromisoformat(day), use))


# Grouped as the SDK announces them, then by what replaces them (a small model by a small one).
SHUTDOWNS: dict[str, Shutdown] = {
    **_announced("2024-09-13", SMALL_CHAT, "gpt-3.5-turbo-16k", "gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613",
                 "gpt-3.5-turbo-16k-0613"),
    **_announced("2024-12-06", LARGE_CHAT, "gpt-4-vision-preview"),
    **_announced("2025-06-06", LARGE_CHAT, "gpt-4-32k", "gpt-4-32k-0314", "gpt-4-32k-0613"),
    **_announced("2025-07-28", LARGE_CHAT, "o1-preview", "o1-preview-2024-09-12"),
    **_announced("2025-10-10", REALTIME_MINI, "gpt-4o-audio-preview-2024-10-01"),
    **_announced("2025-10-27", SMALL_CHAT, "o1-mini", "o1-mini-2024-09-12"),
    **_announced("2026-02-12", SMALL_CHAT, "codex-mini-latest"),
    **_announced("2026-02-17", LARGE_CHAT, "chatgpt-4o-latest"),
    **_announced("2026-03-26", LARGE_CHAT, "gpt-4-0125-preview", "gpt-4-turbo-preview", "gpt-4-0314"),
    **_announced("2026-05-07", REALTIME_MINI, "gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17",
                 "gpt-4o-audio-preview-2025-06-03", "gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17"),
    **_announced("2026-07-23", LARGE_CHAT, "gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5-codex", "gpt-5.1-chat-latest",
                 "gpt-5-chat-latest", "gpt-4o-search-preview", "gpt-4o-search-preview-2025-03-11",
                 "computer-use-preview", "computer-use-preview-2025-03-11", "o3-deep-research",
                 "o3-deep-research-2025-06-26"),
    **_announced("2026-07-23", SMALL_CHAT, "gpt-4o-mini-search-preview", "gpt-4o-mini-search-preview-2025-03-11",
                 "o4-mini-deep-research", "o4-mini-deep-research-2025-06-26"),
    **_announced("2026-08-10", LARGE_CHAT, "gpt-5.3-chat-latest", "gpt-5.2-chat-latest"),
    **_announced("2026-09-28", SMALL_CHAT, "gpt-3.5-turbo-1106"),
    **_announced("2026-10-23", LARGE_CHAT, "o1", "o1-2024-12-17", "o1-pro", "o1-pro-2025-03-19", "gpt-4o-2024-05-13",
                 "gpt-4-turbo", "gpt-4-turbo-2024-04-09", "gpt-4-1106-preview", "gpt-4", "gpt-4-0613"),
    **_announced("2026-10-23", SMALL_CHAT, "gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", "o4-mini", "o4-mini-2025-04-16",
                 "o3-mini", "o3-mini-2025-01-31", "gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
    **_announced("2026-12-11", LARGE_CHAT, "gpt-5", "gpt-5-2025-08-07", "gpt-5-pro", "gpt-5-pro-2025-10-06", "o3",
                 "o3-2025-04-16", "o3-pro", "o3-pro-2025-06-10"),
    **_announced("2026-12-11", SMALL_CHAT, "gpt-5-mini", "gpt-5-mini-2025-08-07", "gpt-5-nano", "gpt-5-nano-2025-08-07"),
    # gpt-4o-mini-tts-2025-03-20 is in the SDK's prose (speech.py: "scheduled to shut down on January 6, 2027"),
    # not in its list of values.
    **_announced("2027-01-06", SPEECH_TO_REALTIME, "tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-03-20",
                 "gpt-4o-mini-tts-2025-12-15"),
    **_announced("2027-01-14", LARGE_CHAT, "gpt-4.1", "gpt-4.1-2025-04-14", "gpt-4o", "gpt-4o-2024-11-20",
                 "gpt-4o-2024-08-06"),
    **_announced("2027-01-14", SMALL_CHAT, "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "gpt-4o-mini",
                 "gpt-4o-mini-2024-07-18"),
    **_announced("2027-01-20", REALTIME, "gpt-realtime", "gpt-realtime-2025-08-28"),
    **_announced("2027-01-20", REALTIME_MINI, "gpt-realtime-mini", "gpt-realtime-mini-2025-12-15", "gpt-audio-mini",
                 "gpt-audio-mini-2025-12-15"),
    **_announced("2027-02-26", TRANSCRIBE, "whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
                 "gpt-4o-mini-transcribe-2025-12-15", "gpt-4o-transcribe-diarize"),
    **_announced("2027-04-01", LARGE_CHAT, "gpt-5.1", "gpt-5.1-2025-11-13"),
    **_announced("2027-04-01", SMALL_CHAT, "gpt-5.4-nano", "gpt-5.4-nano-2026-03-17"),
}
# Names the SDK keeps in its lists but marks "Not a supported model ID".
UNSUPPORTED = {"gpt-5.1-mini": SMALL_CHAT}


def _instead(key: str, shutdown: Shutdown, params: Params) -> str:
    """The replacement, with the voice to pick where a speech-API voice has no Realtime twin."""
    voice = params.tts.options.get("voice", "alloy")
    nearest = REALTIME_NEAREST.get(voice) if shutdown.use == SPEECH_TO_REALTIME else None
    if key != "tts.model" or not nearest:
        return shutdown.use
    return f"{shutdown.use} and tts.voice: {nearest[0]} (it has no {voice}; {' or '.join(nearest)} come closest)"


def today() -> date:
    """Today in UTC, or the day DOCENT_TODAY names."""
    given = os.environ.get(TODAY_ENV, "").strip()
    if not given:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ParamsError(f"{TODAY_ENV}={given!r} is not a date; write it as YYYY-MM-DD or unset it") from None


def served_by_openai() -> bool:
    """Whether OpenAI calls go to OpenAI itself rather than to a compatible server named by OPENAI_BASE_URL."""
    url = base_url()
    return url is None or url.rstrip("/").lower() == OPENAI_URL


def called_models(params: Params) -> list[tuple[str, str]]:
    """(params key, model) of every OpenAI model this run would call."""
    called = []
    if params.script.provider == "openai":
        called.append(("script.model", params.script.model))
    # tts.model as written: loading params must not import speech code, so a null model (the provider's default,
    # which a test holds to have no announced shutdown) passes here unchecked.
    for language in params.languages:
        tts = params.in_language(language).tts
        if tts.provider not in ("openai", "realtime"):
            continue
        models = [("model", tts.options.get("model"))]
        # The listening check (tts.verify, on by default for these providers) calls a transcription model too.
        if tts.options.get("verify") in (None, "transcribe"):
            models.append(("verify_model", tts.options.get("verify_model") or TRANSCRIBE))
        for name, model in models:
            # Named under the key that set it: the language's own override, else tts's.
            key = f"tts.per_language.{language}.{name}" if name in params.tts.per_language.get(language, {}) else \
                f"tts.{name}"
            if isinstance(model, str) and (key, model) not in called:
                called.append((key, model))
    return called


def check_models(params: Params, *, warn: Collection[str] = (), on: date | None = None) -> None:
    """Refuse, in one line, a model this run would call at OpenAI that is shut down by `on` (default: today).

    The keys in `warn` also get a warning line when their model shuts down within WARN_DAYS: each stage warns
    about the model it calls itself, so the info stage does not repeat the script stage's warning.
    """
    if not served_by_openai():
        return
    day = on or today()
    for key, model in called_models(params):
        if model in UNSUPPORTED:
            raise ParamsError(f"params.yaml: {key}: {model!r} is not a model OpenAI serves; use {UNSUPPORTED[model]}")
        shutdown = SHUTDOWNS.get(model)
        if shutdown is None:
            continue
        if day >= shutdown.day:
            raise ParamsError(f"params.yaml: {key}: {model!r} was shut down on {shutdown.day}; "
                              f"use {_instead(key, shutdown, params)}")
        left = (shutdown.day - day).days
        if key in warn and left <= WARN_DAYS:
            log.warning("params.yaml: %s: %r shuts down on %s (in %d day%s); use %s", key, model, shutdown.day, left,
                        "" if left == 1 else "s", _instead(key, shutdown, params))


def load_checked_params(*, warn: Collection[str] = ()) -> Params:
    """params.yaml for a stage run: parsed, and refused if the run would call a model that has shut down."""
    params = load_params()
    check_models(params, warn=warn)
    return params
