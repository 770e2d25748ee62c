"""The listening check (tts.verify: transcribe): each new chunk of a neural voice is heard back by OpenAI's
transcription API, through the SDK with the chunk's language, and compared with the text it was asked to say
(stages/speech/fidelity.py: CER, added and skipped runs, numbers).

The transcriber is not told what to expect (no `prompt`): a model given the text leans towards hearing it. Its
requests go through the same retry policy and requests.rpm budget as speech, from inside the chunk's own task
(stages/speech/synthesis.py), so a chunk is heard while the next ones are being spoken. What a chunk was heard to
say is kept beside its audio in the cache, so a cached chunk is never transcribed again and its CER is in the
narration's metrics whatever the cache held.
"""

import json
import logging
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from stages.clients import openai_access
from stages.core.atomic import write_text
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.params import Params
from stages.core.text import shortened
from stages.speech.fidelity import compare, differing_words
from stages.speech.voices.options import VoiceOptions

log = logging.getLogger(__name__)

HEARD = "heard"  # cache kind: what each chunk was heard to say, by transcription model
# Published prices per minute of input audio, USD (developers.openai.com/api/docs/models/<model>).
PER_MINUTE = {"gpt-transcribe": 0.0045, "gpt-4o-transcribe": 0.006, "gpt-4o-mini-transcribe": 0.003,
              "gpt-4o-mini-transcribe-2025-12-15": 0.003, "whisper-1": 0.006}
_SHOWN_CHARS = 200  # of a transcript in the log


@dataclass(frozen=True)
class Heard:
    """What one chunk was heard to say: the transcript, its CER against the chunk's text, the audio's length."""

    heard: str
    cer: float
    seconds: float


class Misheard(Exception):
    """A chunk whose transcript differs from its text: the message names how (fidelity's problems and words)."""


class Listener(openai_access.OpenAIAccess):
    """Transcribes chunk files with tts.verify_model, judges them against tts.max_cer, and records what it heard."""

    def __init__(self, params: Params, options: VoiceOptions, language: str) -> None:
        super().__init__(params)  # its own count of tries, the same retry settings and the same rpm budget
        self.model = options.verify_model
        self.max_cer = options.max_cer
        self.language = language
        self.records = Cache(HEARD, ".json")
        self._recorded: dict[str, Heard] = {}  # records read or written in this run: a narration's are read twice
        self.heard_seconds = 0.0  # audio transcribed in this run, for its cost
        self.misheard = 0  # transcripts that failed the check in this run

    def identity(self) -> dict:
        """Who listens: part of a record's key and of the narration's, so another model hears every chunk anew."""
        return {"model": self.model, **openai_access.server_identity()}

    def _record_path(self, chunk_key: str) -> Path:
        return self.records.path(content_key({"chunk": chunk_key, "heard_by": self.identity()}))

    def recorded(self, chunk_key: str) -> Heard | None:
        """What the chunk was heard to say when it passed, or None if it was never heard (or the record is unreadable).

        Remembered: a cached narration's records are read when it is planned and again for its metrics."""
        if chunk_key not in self._recorded:
            try:
                self._recorded[chunk_key] = Heard(**json.loads(self._record_path(chunk_key).read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                return None
        return self._recorded[chunk_key]

    def passes(self, heard: Heard) -> bool:
        """A recorded hearing still passes: its CER is within the current tts.max_cer (the other problems are
        independent of any setting, and a record is only written for a chunk that had none)."""
        return heard.cer <= self.max_cer

    def store(self, chunk_key: str, heard: Heard) -> None:
        write_text(self._record_path(chunk_key), json.dumps(asdict(heard), ensure_ascii=False))
        self._recorded[chunk_key] = heard

    async def listen(self, path: Path, text: str, seconds: float, where: str) -> Heard:
        """Transcribe the chunk file at `path`; raise Misheard unless it says `text`."""
        transcript = await self._transcribe(path, where)
        self.heard_seconds += seconds
        comparison = compare(text, transcript, self.language)
        problems = comparison.problems(self.max_cer)
        if problems:
            self.misheard += 1
            if comparison.cer <= self.max_cer:  # the CER is always named, even when something else failed the read
                problems.insert(0, f"CER {comparison.cer:.3f}")
            raise Misheard(f"{', '.join(problems)}: {differing_words(text, transcript, self.language)}")
        log.info("listening: %s heard as written (CER %.3f)", where, comparison.cer)
        return Heard(heard=transcript, cer=round(comparison.cer, 4), seconds=round(seconds, 3))

    async def _transcribe(self, path: Path, where: str) -> str:
        transcriptions = self.async_client.audio.transcriptions  # built before the first try, as in speech
        upload = (path.name.split(".")[0] + ".wav", path.read_bytes(), "audio/wav")  # named: the API wants a type

        async def attempt() -> str:
            answer = await transcriptions.create(file=upload, model=self.model, language=self.language,
                                                 response_format="json")
            return answer.text

        transcript = await openai_access.run(self.policy, attempt, what=f"transcription of {where}")
        log.debug("listening: %s heard '%s'", where, shortened(transcript, _SHOWN_CHARS))
        return transcript

    def cost_usd(self, seconds: float) -> float:
        """What transcribing `seconds` of audio costs at the model's published price (0 for an unknown model)."""
        return round(seconds / 60 * PER_MINUTE.get(self.model, 0.0), 6)

    def metrics(self, chunk_keys: Sequence[str]) -> dict:
        """The narration's CERs as heard: per chunk in script order, the worst and the mean."""
        records = [self.recorded(key) for key in chunk_keys]
        if any(record is None for record in records):
            raise PipelineError("a chunk of this narration was never heard back; run `make audio` again")
        cers = [record.cer for record in records]
        return {"verify": "transcribe", "heard_cer": cers, "heard_cer_max": max(cers, default=0.0),
                "heard_cer_mean": round(statistics.fmean(cers), 4) if cers else 0.0}


def listener_for(params: Params, options: VoiceOptions, language: str) -> Listener | None:
    """The listening check of tts.verify, or None when it is off."""
    return Listener(params, options, language) if options.verify == "transcribe" else None
