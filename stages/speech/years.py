"""Years said as a speaker of the narration's language says them, for voices that read a year as any other number:
espeak-ng's en-us says `1935` "nineteen hundred thirty-five", and its Mandarin voice says `1935年` 一千九百三十五年
where a speaker says 一九三五年. Maintained libraries say them (num2words for English, cn2an for Chinese); every other
number is left as digits, which the voices read well (docs/languages.md: Reading numbers)."""

import re
from collections.abc import Callable

# English: a three- or four-digit number after a word that introduces a year ("in 1935", "completed in 771", "from
# 1446 to 1450"), never one with a decimal or a unit after it (1935.5, 300 cm); "in 1200 pieces" becomes "twelve
# hundred", which is also how that number is said.
_ENGLISH_YEAR = re.compile(r"(?i)\b(in|since|from|until|till|to|by|around|circa|c\.|before|after|between|and|of)(\s+)"
                           r"([1-9][0-9]{2}|1[0-9]{3}|20[0-9]{2})(?![0-9.,]?[0-9])"
                           r"(?!\s*(?:%|[a-z]*\s*(?:cm|mm|m|km|kg|g|t)\b))")
# Chinese: digits before 年 (year), with no digit or point before them (not 18.5年, a length of time, by itself).
_CHINESE_YEAR = re.compile(r"(?<![0-9.])([0-9]{3,4})年")


def _english(match: re.Match) -> str:
    # Imported at the first year: num2words loads every language it has (0.14 s), which a narration without a
    # year, or a stage whose narrations are all cached, should not pay for.
    from num2words import num2words

    return f"{match.group(1)}{match.group(2)}{num2words(int(match.group(3)), to='year', lang='en')}"


def _chinese(match: re.Match) -> str:
    import cn2an  # at the first year, as above (0.27 s)

    return cn2an.transform(match.group(0), "an2cn")  # 1935年 → 一九三五年, digit by digit as a year is said


_SAY: dict[str, tuple[re.Pattern, Callable[[re.Match], str]]] = {"en": (_ENGLISH_YEAR, _english),
                                                                  "zh": (_CHINESE_YEAR, _chinese)}
YEAR_LANGUAGES = tuple(_SAY)  # the languages whose years are read here


class YearReader:
    """A narration's spoken form in English or Chinese: its years in words, nothing else changed."""

    def __init__(self, language: str) -> None:
        self.pattern, self.say = _SAY[language]

    def spoken(self, text: str) -> str:
        return self.pattern.sub(self.say, text)
