"""One stop of the guide: what its page shows, gathered from the info, script, audio and metrics files."""

import json
from dataclasses import dataclass
from pathlib import Path

from stages.core.errors import PipelineError
from stages.core.info_file import Facts, read_facts
from stages.core.paths import audio_path, metrics_path, remake_command, script_path, subtitles_path
from stages.core.vtt import Cue, parse_vtt
from stages.publishing.transcript import paragraphs

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac", "opus": "audio/ogg"}


@dataclass(frozen=True)
class Credit:
    text: str
    url: str | None = None


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

    @property
    def audio_name(self) -> str:
        # Numbers, not keywords, name the site's files: no spaces or Hangul to escape in a URL on any host.
        return f"{self.number}{self.audio.suffix}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.audio.suffix.lstrip("."), "audio/mpeg")


def credits_for(facts: Facts, notes: list[str]) -> list[Credit]:
    """Where the facts come from, under which licence, and who (or what) speaks."""
    details = facts.details
    credits = [Credit(f"자료: {line}", details.get("url")) for line in facts.attribution]
    if not facts.attribution:
        sources = dict.fromkeys(section.source.split("#")[0] for section in facts.sections)
        credits += [Credit(f"자료: {source}", source if source.startswith(("http://", "https://")) else None)
                    for source in sources]
    if details.get("license"):
        # A narration made from share-alike text is an adaptation and carries the same licence.
        terms = f"이 해설은 위 자료를 바탕으로 만든 2차적 저작물이며 {details['license']} 조건으로 이용할 수 있습니다"
        credits.append(Credit(terms, details.get("license_url")))
    credits += [Credit(line) for line in notes if line.startswith("음성")]
    return credits


def load_stop(keyword: str, number: int, audio_format: str) -> Stop:
    """Read one keyword's outputs; a missing one is a PipelineError naming the stage to run."""
    facts = read_facts(keyword)
    files = {"audio": audio_path(keyword, audio_format), "subtitles": subtitles_path(keyword),
             "script": script_path(keyword), "metrics": metrics_path(keyword)}
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
                paragraphs=paragraphs(subtitles.cues, script), credits=credits_for(facts, subtitles.notes))
