"""The languages a catalogue can be narrated in: params.yaml `languages`, whose first entry is the language the facts
and the original narration are in; each other one is a translation of it (docs/languages.md)."""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47, as in <html lang> and <track srclang>
    english: str  # in messages, e.g. "no English narration for …"
    native: str  # on the guide's language switch, in the language itself


LANGUAGES = {language.code: language for language in (
    Language("ko", "Korean", "한국어"),
    Language("en", "English", "English"),
    Language("ja", "Japanese", "日本語"),
    Language("zh", "Chinese", "中文"),
)}
LanguageCode = Literal["ko", "en", "ja", "zh"]  # LANGUAGES' keys, for pydantic's one-line refusal of any other
