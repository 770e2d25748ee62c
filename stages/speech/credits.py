"""Where a narration's facts came from and which voice read them: for the tags and the subtitles' header."""

from stages.core.info_file import Facts
from stages.speech.synthesis import SpeechProvider


def credit_lines(facts: Facts, provider: SpeechProvider) -> list[str]:
    """One line per source, the licence credits the facts carry, and the voice (in the provider's own words)."""
    sources = sorted({section.source for section in facts.sections})
    lines = [f"출처: {source}" for source in sources] + list(facts.attribution)
    lines.append(f"음성: {provider.credit()}")
    return lines
