"""A narration's plan: its script cut into chunks, each read into what the voice says, with its cache key and the
pause after it: what narrate.py plans for every narration, in the audio stage and in `make audio KEYWORD=…`."""

from dataclasses import dataclass

from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.params import Params
from stages.core.paths import remake_command, script_path
from stages.korean.reading import Reader, reader_for
from stages.speech.audio.layout import pauses as pauses_after
from stages.speech.chunking import Chunk, spoken_chunks
from stages.speech.synthesis import SpeechProvider, chunk_key
from stages.speech.years import YEAR_LANGUAGES, YearReader


@dataclass(frozen=True)
class Plan:
    chunks: list[Chunk]  # in script order
    keys: list[str]  # each chunk's cache key (synthesis.chunk_key)
    pauses: list[float]  # the silence after each chunk (layout.pauses)


class Planner:
    """Plans the narrations of one language in one run: one provider (its limit and identity), and the reader of
    that language, if it has one (tts.reading): Korean's (the lexicon read once) says numbers and units as Korean
    words, which no other voice must hear; English's and Chinese's say years as years, for a voice that would read
    them as cardinals (espeak-ng's; OpenAI's read them well, and their verbatim check compares digits)."""

    def __init__(self, params: Params, provider: SpeechProvider, language: str | None = None) -> None:
        self.params, self.provider = params, provider
        self.language = language or params.source_language
        self.reader: Reader | YearReader | None = None
        if params.tts.reading and self.language == "ko":
            self.reader = reader_for(params.tts)
        elif params.tts.reading and self.language in YEAR_LANGUAGES and provider.reads_years_as_cardinals:
            self.reader = YearReader(self.language)

    def script(self, keyword: str) -> str:
        """The keyword's script; missing or not UTF-8, one line saying how to make it."""
        path = script_path(keyword, self.params.folder(self.language))
        try:
            return read_text_file(path)
        except FileNotFoundError:
            raise PipelineError(f"{path} is missing; run the script stage first ({remake_command(keyword)})") from None

    def plan(self, script: str) -> Plan:
        """The chunks of `script`, at most tts.chunk_chars written and the engine's limit spoken, and their keys."""
        most = self.provider.max_chars
        chunks = spoken_chunks(script, min(self.params.tts.chunk_chars, most), most,
                               self.reader.spoken if self.reader else None)
        return Plan(chunks=chunks, keys=[chunk_key(self.provider, chunk.spoken) for chunk in chunks],
                    pauses=pauses_after([chunk.end for chunk in chunks], self.params.audio))
