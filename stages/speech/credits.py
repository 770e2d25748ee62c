"""Where a narration's facts came from and which voice read them: for the tags and the subtitles' header."""

from stages.core.info_file import Facts
from stages.core.params import TTSParams


def credit_lines(facts: Facts, tts: TTSParams) -> list[str]:
    """One line per source, the licence credits the facts carry, and the voice."""
    sources = sorted({section.source for section in facts.sections})
    lines = [f"출처: {source}" for source in sources] + list(facts.attribution)
    voice = "espeak-ng Korean" if tts.provider == "espeak" else f"{tts.provider} {tts.model} {tts.voice}"
    lines.append(f"음성: {voice}, speed {tts.speed}")
    return lines
