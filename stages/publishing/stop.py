"""One stop of the guide: what its page shows, gathered from the info, script, audio and metrics files."""

import json
from dataclasses import dataclass
from pathlib import Path

from stages.core.errors import PipelineError
from stages.core.info_file import Facts, read_facts
from stages.core.params import Params
from stages.core.paths import (
    INFO_DIR,
    SCRIPT_DIR,
    audio_path,
    language_folder,
    metrics_path,
    remake_command,
    script_path,
    subtitles_path,
)
from stages.core.previous_outputs import read_keys
from stages.core.vtt import Cue, parse_vtt
from stages.publishing.picture import Picture, load_picture
from stages.publishing.strings import UI, VOICE_NOTE
from stages.publishing.transcript import paragraphs

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac", "opus": "audio/ogg"}


@dataclass(frozen=True)
class Credit:
    text: str
    url: str | None = None
    label: str = ""  # in the page's language, before the text, e.g. "자료: "
    text_language: str | None = None  # the text's language when it is the facts' (marked on the page if it differs)


@dataclass(frozen=True)
class Stop:
    number: int
    keyword: str
    title: str
    designation: str  # e.g. 국보; "" when the facts do not carry it
    era: str
    duration_s: float
    audio: Path  # the narration in outputs/audio, copied into the site
    subtitles: Path
    paragraphs: list[list[Cue]]
    credits: list[Credit]
    language: str = "ko"  # of the narration, its transcript and the page's own words
    facts_language: str = "ko"  # of title, designation and era: the first language's, untranslated
    picture: Picture | None = None  # the same in every language

    @property
    def audio_name(self) -> str:
        # Numbers, not keywords, name the site's files: no spaces or Hangul to escape in a URL on any host.
        return f"{self.number}{self.audio.suffix}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.audio.suffix.lstrip("."), "audio/mpeg")


def credits_for(facts: Facts, notes: list[str], language: str = "ko", facts_language: str = "ko",
                machine_translation: bool = False) -> list[Credit]:
    """Where the facts come from, under which licence, whether the narration is a machine translation, and who (or
    what) speaks; in the page's language, the facts' own lines as they are."""
    ui = UI[language]
    details = facts.details
    credits = [Credit(line, details.get("url"), ui.source, facts_language) for line in facts.attribution]
    if not facts.attribution:
        sources = dict.fromkeys(section.source.split("#")[0] for section in facts.sections)
        credits += [Credit(source, source if source.startswith(("http://", "https://")) else None, ui.source)
                    for source in sources]
    if details.get("license"):
        # A narration made from share-alike text is an adaptation and carries the same licence.
        credits.append(Credit(ui.licence.format(licence=details["license"]), details.get("license_url")))
    if machine_translation:
        credits.append(Credit(ui.machine_translation.format(source=ui.names[facts_language])))
    credits += [Credit(match.group(1), label=ui.voice) for line in notes if (match := VOICE_NOTE.match(line))]
    return credits


def load_stop(keyword: str, number: int, audio_format: str, language: str = "ko", folder: str | None = None,
              facts_language: str = "ko", machine_translation: bool = False, picture: Picture | None = None,
              facts: Facts | None = None) -> Stop:
    """Read one keyword's outputs in one language (`folder`: Params.folder); a missing one is a PipelineError naming
    the stage to run. `picture` is load_picture's and `facts` the keyword's, each read once for every language."""
    facts = facts or read_facts(keyword)
    files = {"audio": audio_path(keyword, audio_format, folder), "subtitles": subtitles_path(keyword, folder),
             "script": script_path(keyword, folder), "metrics": metrics_path(keyword, folder)}
    for path in files.values():
        if not path.exists():
            raise PipelineError(f"{path} is missing; run the narration first ({remake_command(keyword)})")
    subtitles = parse_vtt(files["subtitles"].read_text(encoding="utf-8"), str(files["subtitles"]))
    if not subtitles.cues:
        raise PipelineError(f"{files['subtitles']} has no cues; re-run it ({remake_command(keyword)})")
    try:
        duration = float(json.loads(files["metrics"].read_text(encoding="utf-8"))["duration_s"])
    except (ValueError, KeyError, TypeError):
        raise PipelineError(f"{files['metrics']} has no duration_s; re-run it ({remake_command(keyword)})") from None
    script = files["script"].read_text(encoding="utf-8")
    return Stop(number=number, keyword=keyword, title=facts.title or keyword,
                designation=facts.details.get("designation", ""), era=facts.details.get("era", ""),
                duration_s=duration, audio=files["audio"], subtitles=files["subtitles"],
                paragraphs=paragraphs(subtitles.cues, script),
                credits=credits_for(facts, subtitles.notes, language, facts_language, machine_translation),
                language=language, facts_language=facts_language, picture=picture)


def load_stops(params: Params, numbers: dict[str, int]) -> list[Stop]:
    """Every stop in every language, the first language's first; the same numbers in each."""
    stops: list[Stop] = []
    credits = read_keys(INFO_DIR)  # what the info stage recorded per keyword: its local picture's credit
    facts = {keyword: read_facts(keyword) for keyword in params.keywords}
    pictures = {keyword: load_picture(keyword, numbers[keyword], facts[keyword], credits.get(keyword))
                for keyword in params.keywords}
    # tts.format and languages only choose among the files the earlier stages wrote; changing either changes
    # outputs/audio or outputs/script, dependencies, so the guide stage still re-runs when it must while depending on
    # the `guide` params alone.
    for language in params.languages:
        folder = params.folder(language)
        # What the script stage recorded per keyword: whether the narration in this language is a machine translation.
        keys = read_keys(language_folder(SCRIPT_DIR, folder))
        stops += [load_stop(keyword, numbers[keyword], params.tts.format, language, folder, params.source_language,
                            folder is not None and _machine_translation(keys.get(keyword)), pictures[keyword],
                            facts[keyword])
                  for keyword in params.keywords]
    return stops


def _machine_translation(record: object) -> bool:
    return isinstance(record, dict) and record.get("machine_translation") is True
