"""EspeakSpeech: offline speech in Korean, English and Mandarin from the espeak-ng library shipped in the
espeakng-loader wheel. Its Japanese voice reads kana only: it says "Chinese letter" for every kanji, so Japanese is
refused (docs/languages.md).

espeak-ng carries state from one utterance to the next inside the C library (the same text spoken twice
in a row gives different samples, and neither espeak_Initialize nor a voice reset clears it), so the
sound of a chunk would depend on which chunks were spoken before it in the same process. Each utterance
is therefore spoken by a child forked from a helper process that loaded espeak-ng and never spoke: every
chunk starts from the same pristine state, whatever the order, the concurrency or the cache held.

numpy and soundfile are imported by the helper, which speaks, not at the top: a stage whose chunks are all
cached only asks this provider who it is, and must not pay for loading them (docs/performance.md: Lean stage
processes).
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import importlib.metadata
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from stages.clients.retry import Decision, RetryPolicy
from stages.core.atomic import atomic_path
from stages.core.errors import ParamsError, PipelineError
from stages.core.languages import LANGUAGES
from stages.core.params import Params
from stages.speech.voices.options import VoiceOptions, parse_options

if TYPE_CHECKING:
    import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report errors to us instead of calling exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE_PARAMETER = 1
_DEFAULT_WPM = 175
_MIN_WPM, _MAX_WPM = 80, 450

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Engine:
    """The process-wide espeak-ng instance; the C library keeps global state, so calls are serialised."""

    _instance: _Engine | None = None
    _create_lock = threading.Lock()

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError:
            raise PipelineError("espeak-ng is not installed; run 'make audio' so that requirements.txt is installed") from None
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        self.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT)
        if self.rate <= 0:
            raise PipelineError("espeak-ng failed to start (its data folder could not be read)")
        self._lib = lib
        self._blocks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._collect)  # kept on self: the C side holds only a raw pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._lock = threading.Lock()

    @classmethod
    def get(cls) -> _Engine:
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _collect(self, wav, count, _events) -> int:
        import numpy as np

        if count > 0:
            self._blocks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def speak(self, text: str, words_per_minute: int, voice: str) -> np.ndarray:
        import numpy as np

        data = text.encode("utf-8")
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise PipelineError(f"espeak-ng has no {voice!r} voice in this installation")
            self._blocks = []
            self._lib.espeak_SetParameter(_RATE_PARAMETER, words_per_minute, 0)
            status = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            blocks, self._blocks = self._blocks, []
        if status != 0:
            raise PipelineError(f"espeak-ng could not synthesise the text (status {status})")
        return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)


@functools.cache
def engine_version() -> str:
    """The espeak-ng build that speaks: the espeakng-loader wheel (library and voice data) and the library's own
    version string, so an upgrade never mixes old and new voices in one narration."""
    try:
        import espeakng_loader

        wheel = importlib.metadata.version("espeakng-loader")
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
    except (ImportError, importlib.metadata.PackageNotFoundError, OSError):
        return "unavailable"  # synthesize() says how to install it; nothing is cached without it
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    library = (lib.espeak_Info(None) or b"").decode("utf-8", "replace")  # NULL: the data path is not wanted
    return f"espeakng-loader {wheel}, espeak-ng {library}"


class _Zygote:
    """The helper process: loads espeak-ng once, then forks one child per utterance (see the module docstring)."""

    _instance: _Zygote | None = None
    _create_lock = threading.Lock()

    def __init__(self) -> None:
        root = Path(__file__).resolve().parents[3]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
        # stdin closing (this process ending, however it ends) stops the helper.
        self._process = subprocess.Popen([sys.executable, "-m", "stages.speech.voices.espeak"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=env, text=True, encoding="utf-8")
        self._lock = threading.Lock()

    @classmethod
    def get(cls) -> _Zygote:
        with cls._create_lock:
            if cls._instance is None or cls._instance._process.poll() is not None:
                cls._instance = cls()
            return cls._instance

    def speak_to(self, text: str, words_per_minute: int, voice: str, dest: Path) -> None:
        """Have a fresh child speak `text` with `voice` into the WAV file `dest` (written atomically by the child)."""
        request = json.dumps({"text": text, "wpm": words_per_minute, "voice": voice, "dest": str(dest)},
                             ensure_ascii=False)
        with self._lock:
            try:
                self._process.stdin.write(request + "\n")
                self._process.stdin.flush()
                answer = self._process.stdout.readline()
            except (BrokenPipeError, OSError):
                answer = ""
        if not answer:
            raise PipelineError("the espeak-ng helper process stopped; run the stage again")
        error = json.loads(answer).get("error")
        if error:
            raise PipelineError(error)


def _serve() -> None:
    """The helper's loop: one JSON request a line on stdin, one JSON answer a line on stdout."""
    import numpy  # noqa: F401 (loaded once here, so that no forked child loads it again)
    import soundfile as sf

    try:
        engine = _Engine.get()
        failure = None
    except PipelineError as exc:
        engine, failure = None, str(exc)
    for line in sys.stdin:
        request = json.loads(line)
        if engine is None:
            print(json.dumps({"error": failure}), flush=True)
            continue
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: speak once from the pristine state, write the file, report, exit
            os.close(read_end)
            message = ""
            try:
                samples = engine.speak(request["text"], request["wpm"], request["voice"])
                with atomic_path(Path(request["dest"])) as tmp:
                    sf.write(tmp, samples, engine.rate, format="WAV", subtype="PCM_16")
            except BaseException as exc:  # the child must report and exit whatever happened
                message = str(exc) or type(exc).__name__
            os.write(write_end, message.encode("utf-8"))
            os._exit(0)
        os.close(write_end)
        chunks = []
        while data := os.read(read_end, 65536):
            chunks.append(data)
        os.close(read_end)
        os.waitpid(pid, 0)
        message = b"".join(chunks).decode("utf-8")
        print(json.dumps({"error": message or None}, ensure_ascii=False), flush=True)


class EspeakOptions(VoiceOptions):
    """espeak-ng reads tts.speed only; the other keys are accepted unchecked, so switching provider is one line."""

    def model_post_init(self, _context: object) -> None:
        if self.verify == "transcribe":
            raise ParamsError("params.yaml: tts.verify: transcribe hears the neural voices (tts.provider openai or "
                              "realtime) through OpenAI's transcription API; espeak runs offline, and no offline "
                              "transcriber ships its weights in a wheel, so use tts.verify: off with espeak")


# The espeak-ng voice for each language it reads properly. Its `ja` voice is not here: it speaks kana, and every kanji
# as the English words "Chinese letter" (docs/offline-voices.md), and a Japanese narration is mostly kanji.
VOICES = {"ko": "ko", "en": "en-us", "zh": "cmn"}
LANGUAGE_CREDITS = {"ko": "Korean", "en": "English", "zh": "Mandarin"}


class EspeakSpeech:
    """Offline voice from espeak-ng, by the narration's language; tts.speed scales its rate, tts.voice is not used."""

    name = "espeak"
    Options = EspeakOptions
    max_chars = 4096  # no API limit; keeps each chunk's audio a few MB at most
    chunk_format = "wav"
    counts_requests = False  # a local engine: the synthesizer's one call per chunk is the count
    reads_years_as_cardinals = True  # "nineteen hundred thirty-five", 一千九百三十五年: the planner says them first
    requests = retries = 0

    def __init__(self, params: Params, *, language: str | None = None) -> None:
        self.options = parse_options(self.Options, params.tts)
        self.language = language or params.source_language
        self.check_language(self.language)
        self.voice = VOICES[self.language]
        self.policy = RetryPolicy(params.retry)
        self.speed = self.options.speed
        self.words_per_minute = max(_MIN_WPM, min(_MAX_WPM, round(_DEFAULT_WPM * self.speed)))

    @staticmethod
    def check_language(language: str) -> None:
        """Refuse, in one line naming what can, a language espeak-ng cannot read aloud properly."""
        if language not in VOICES:
            raise ParamsError(f"params.yaml: tts.provider: espeak cannot read {LANGUAGES[language].english}: its voice "
                              f"says \"Chinese letter\" for every kanji; set tts.per_language.{language}.provider: "
                              f"realtime (OpenAI) for it")

    def identity(self) -> dict:
        """Everything that changes the sound this provider makes."""
        return {"provider": self.name, "voice": self.voice, "words_per_minute": self.words_per_minute,
                "engine": engine_version()}

    def est_cost_usd(self, chars: int, duration_s: float) -> float:
        return 0.0  # offline: nothing is billed

    def credit(self) -> str:
        return f"espeak-ng {LANGUAGE_CREDITS[self.language]}, speed {self.speed}"

    def narration_metrics(self, chunk_files: list[Path]) -> dict:
        return {}

    def accepts_cached(self, path: Path) -> bool:
        return True  # deterministic: the identity names everything that changes the sound

    async def synthesize(self, text: str, dest: Path, *, check=None) -> None:
        """Write `text` spoken as a 16-bit mono WAV file at `dest`, atomically; the same text, the same bytes.

        Nothing of espeak's own is retried: only a try that `check` rejects is made again, under the one policy.
        """

        async def attempt() -> None:
            # The pipe round-trip to the helper, which forks one child per utterance, on a worker thread: the loop
            # goes on scheduling (and cancelling) while the child speaks.
            await asyncio.to_thread(_Zygote.get().speak_to, text, self.words_per_minute, self.voice, dest)

        await self.policy.run(attempt, retry_on=(), classify=_fatal, what=f"espeak speech of {len(text)} characters",
                              check=(lambda _: check(dest)) if check else None)


def _fatal(error: BaseException) -> Decision:
    return Decision(retry=False, reason=str(error))


if __name__ == "__main__":
    _serve()
