"""Was a text read verbatim? Compare what was heard with what should have been said, after normalisation.

Both sides are normalised the same way (Unicode NFKC, case, whitespace and punctuation dropped), so spacing and
punctuation never count. In Korean, numbers are also spelt out as their Sino-Korean readings, so "1,342년에" and
"천삼백사십이 년에" are the same reading: the expected text is the spoken form the engine was asked for
(stages.korean.reading), and digits a transcript writes are read by the same read_number. Other languages keep
numbers as digits (1,342 is 1342), the way transcription models write them.

The character error rate (CER) is the edit distance divided by the expected length. Three things fail a read
(`problems`): a CER over the threshold; a run of MAX_RUN or more consecutive characters added or skipped (a
preamble, a comment or a dropped phrase hides under the CER of a long chunk); and a number heard differently,
which a single character can do (1446 heard as 1443: CER 0.004 in a 250-character chunk) and which is the one
error a museum cannot publish.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from stages.korean.reading import read_number

# 1,342 and 1,000,000 are one number; 3.14 is read 삼점일사.
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# A run of this many consecutive added or skipped characters fails a read whatever its CER.
MAX_RUN = 5
# A Sino-Korean number at the start of a word (천사백사십육 년, 사십이점일, 십이 세기): two syllables or more, with a
# unit among them, so that 이, 사 and 구 alone (particles, the starts of words) and 백자 are not taken for numbers.
_UNIT = "십백천만억"
_SINO = re.compile(f"[영일이삼사오육칠팔구{_UNIT}]+(?:점[영일이삼사오육칠팔구]+)?")
_SPACED_POINT = re.compile("([영일이삼사오육칠팔구십백천만억]) *점 *([영일이삼사오육칠팔구])")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Chinese and Japanese are written without spaces: a "word" there is a run of digits or Latin letters, or one character.
_UNSPACED_WORD = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+|\w", re.I)
_SHOWN_WORDS = 4  # words of context either side of a difference, in a failure message


def _numbers_read(text: str, language: str) -> str:
    """NFKC, case-folded, and numbers as they are said: Korean readings in Korean, plain digits elsewhere."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if language == "ko":
        return _NUMBER.sub(lambda match: read_number(match.group()), text)
    return _NUMBER.sub(lambda match: match.group().replace(",", ""), text)


def _pronounced_only(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def pronounced(text: str, language: str = "ko") -> str:
    """Only what is pronounced: NFKC, case-folded, numbers as said, no spaces or punctuation."""
    return _pronounced_only(_numbers_read(text, language))


def numbers(text: str, language: str = "ko") -> Counter[str]:
    """The numbers a text says, as said: Sino-Korean number words in Korean (a word that starts with one), digits
    elsewhere."""
    return _numbers_in(_numbers_read(text, language), language)


def _numbers_in(read: str, language: str) -> Counter[str]:
    """numbers() of a text already read by _numbers_read."""
    if language != "ko":
        return Counter(_DIGITS.findall(read))
    read = _SPACED_POINT.sub(r"\1점\2", read)  # 사십이 점 일 is one number, as 42.1 is
    found = Counter()
    for word in read.split():
        match = _SINO.match(_pronounced_only(word))
        if match and len(match.group()) >= 2 and any(unit in match.group() for unit in _UNIT):
            found[match.group()] += 1
    return found


@dataclass(frozen=True)
class Comparison:
    """How a heard text differs from the expected one, both normalised."""

    expected: str
    heard: str
    distance: int  # Levenshtein edits from expected to heard
    added: str  # the longest run of consecutive characters heard but not expected (e.g. a preamble)
    skipped: str  # the longest run of consecutive expected characters not heard
    numbers_said: Counter[str]  # the numbers of the expected text that the heard one does not have
    numbers_heard: Counter[str]  # and those heard that the text does not say

    @property
    def cer(self) -> float:
        if not self.expected:
            return 0.0 if not self.heard else 1.0
        return self.distance / len(self.expected)

    def problems(self, max_cer: float) -> list[str]:
        """Why this is not a faithful read, or [] if it is (see the module's docstring)."""
        found = []
        if self.cer > max_cer:
            found.append(f"CER {self.cer:.3f} > tts.max_cer {max_cer:g}")
        if len(self.added) >= MAX_RUN:
            found.append(f"added '{self.added}'")
        if len(self.skipped) >= MAX_RUN:
            found.append(f"skipped '{self.skipped}'")
        if self.numbers_said or self.numbers_heard:
            said, heard = " ".join(sorted(self.numbers_said.elements())), " ".join(sorted(self.numbers_heard.elements()))
            found.append(f"a number heard differently ({said or 'nothing'} → {heard or 'nothing'})")
        return found


def compare(expected_text: str, heard_text: str, language: str = "ko") -> Comparison:
    """Normalise both texts and align them."""
    said_read, heard_read = _numbers_read(expected_text, language), _numbers_read(heard_text, language)
    expected, heard = _pronounced_only(said_read), _pronounced_only(heard_read)
    # A faithful read is mostly shared prefix and suffix: only the middle needs the quadratic alignment.
    start = 0
    while start < min(len(expected), len(heard)) and expected[start] == heard[start]:
        start += 1
    end = 0
    while end < min(len(expected), len(heard)) - start and expected[-1 - end] == heard[-1 - end]:
        end += 1
    a, b = expected[start:len(expected) - end], heard[start:len(heard) - end]
    distance, added, skipped = _align(a, b)
    said, heard_numbers = _numbers_in(said_read, language), _numbers_in(heard_read, language)
    return Comparison(expected=expected, heard=heard, distance=distance, added=added, skipped=skipped,
                      numbers_said=said - heard_numbers, numbers_heard=heard_numbers - said)


def _align(a: str, b: str) -> tuple[int, str, str]:
    """Levenshtein distance from a to b (rapidfuzz), and the longest insertion and deletion of one optimal path."""
    from rapidfuzz.distance import Levenshtein  # C-backed; loaded only when a read is compared

    added = skipped = ""
    for kind, a_start, a_end, b_start, b_end in Levenshtein.opcodes(a, b):
        if kind == "insert" and b_end - b_start > len(added):
            added = b[b_start:b_end]
        elif kind == "delete" and a_end - a_start > len(skipped):
            skipped = a[a_start:a_end]
    return Levenshtein.distance(a, b), added, skipped


def differing_words(expected_text: str, heard_text: str, language: str = "ko") -> str:
    """The words that differ, as written on each side: "said '천사백사십육 년에' heard '천사백사십삼 년에'"; word by
    word, each compared in its pronounced form (rapidfuzz aligns the word lists), so spacing alone is no difference.

    Chinese and Japanese are written without spaces: there a word is a number, a Latin word or one character."""
    from rapidfuzz.distance import Levenshtein

    said, heard = _words(expected_text, language), _words(heard_text, language)
    if not said and not heard:
        return "no words"
    key = [pronounced(word, language) for word in said], [pronounced(word, language) for word in heard]
    parts = []
    joiner = "" if language in ("zh", "ja") else " "
    for kind, a_start, a_end, b_start, b_end in Levenshtein.opcodes(*key):
        if kind == "equal":
            continue
        a = joiner.join(said[a_start:a_end][:_SHOWN_WORDS * 2])
        b = joiner.join(heard[b_start:b_end][:_SHOWN_WORDS * 2])
        parts.append(f"said '{a}' heard '{b}'" if a and b else f"skipped '{a}'" if a else f"added '{b}'")
    return "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more" if len(parts) > 3 else "") if parts else \
        "only spacing or punctuation"


def _words(text: str, language: str) -> list[str]:
    if language in ("zh", "ja"):
        return _UNSPACED_WORD.findall(unicodedata.normalize("NFKC", text))
    return [word for word in text.split() if pronounced(word, language)]
