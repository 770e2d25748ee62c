"""The numbers a narration states, by value: what a translation must keep one-to-one.

A number is a run of Arabic digits, maybe with thousands commas and a decimal part ("1,000" is 1000, "42.1cm" is
42.1), maybe scaled by the large-number units that follow it (3만, 1만 2천, 2万, 1.2 million), so that "120만" and
"1.2 million" are the same number. Full-width digits count as digits. In English, a month name next to a number
("October 9, 1446") counts as the month's number, as "10월 9일" writes it. Number words ("three", 三) are not
numbers here: the translation prompt asks for Arabic digits, and this check holds the model to it.
"""

import re
import unicodedata
from decimal import Decimal

# The units that multiply the number they follow; Korean, Japanese and Chinese write them straight after the digits.
_CJK_SCALES = {"천": 10**3, "千": 10**3, "만": 10**4, "万": 10**4, "萬": 10**4,
               "억": 10**8, "億": 10**8, "亿": 10**8, "조": 10**12, "兆": 10**12}
_WORD_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")

_DIGITS = r"(?<!\d)(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])"
_NUMBER = re.compile(rf"({_DIGITS})(?:([{''.join(_CJK_SCALES)}])|\s+({'|'.join(_WORD_SCALES)})\b)?")
# A month name right before or after a number (October 9 / 9 October / the 9th of October / May 1446).
_MONTH = re.compile(rf"\b({'|'.join(_MONTHS)})\b(?=,?\s+\d)|(?<=\d)(?:st|nd|rd|th)?(?:\s+of)?\s+({'|'.join(_MONTHS)})\b")


def numbers(text: str) -> dict[Decimal, str]:
    """Every number `text` states, by value, each with its first spelling (to name it in a message)."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and commas as ASCII ones
    found: dict[Decimal, str] = {}
    total: Decimal | None = None  # a compound number being summed: 1만 2천 is 12000
    last_scale = 0
    spelling = ""
    start = end = 0
    for match in _NUMBER.finditer(text):
        digits, cjk, word = match.groups()
        scale = _CJK_SCALES.get(cjk or "") or _WORD_SCALES.get(word or "") or 1
        value = Decimal(digits.replace(",", "")) * scale
        joined = total is not None and not text[end:match.start()].strip() and scale < last_scale and (
            scale > 1 or value < last_scale)
        if joined:
            total += value
            spelling = text[start:match.end()]
        else:
            if total is not None:
                found.setdefault(total.normalize(), spelling)
            total, start, spelling = value, match.start(), match.group()
        last_scale = scale if scale > 1 else 0
        end = match.end()
    if total is not None:
        found.setdefault(total.normalize(), spelling)
    for match in _MONTH.finditer(text):
        name = match.group(1) or match.group(2)
        found.setdefault(Decimal(_MONTHS.index(name) + 1), name)
    return found


def differences(source: str, translation: str) -> tuple[list[str], list[str]]:
    """The numbers of `source` that `translation` lacks (as `source` spells them), and those it adds (as it spells
    them). Compared as sets of values: a translation may say a year once where the original says it twice."""
    stated, kept = numbers(source), numbers(translation)
    return [text for value, text in stated.items() if value not in kept], \
        [text for value, text in kept.items() if value not in stated]
