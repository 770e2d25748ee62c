"""Was a text read verbatim? Compare what was said with what should have been, after normalisation.

Both sides are normalised the same way (Unicode NFKC, case, numbers spelt out as Korean readings,
whitespace and punctuation dropped), so "1,342년에" and "천삼백사십이 년에" are the same reading. The expected
text is the spoken form the engine was asked for (stages.korean.reading); digits a transcript writes are read
the Sino-Korean way, by the same read_number.
The character error rate (CER) is the edit distance divided by the expected length. A preamble or a
comment hides under the CER of a long chunk, so the longest run of added and of skipped characters is
reported too.
"""

import re
import unicodedata
from dataclasses import dataclass

from stages.korean.reading import read_number

# 1,342 and 1,000,000 are one number; 3.14 is read 삼점일사.
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def pronounced(text: str) -> str:
    """Only what is pronounced: NFKC, case-folded, numbers as Korean readings, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NUMBER.sub(lambda match: read_number(match.group()), text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@dataclass(frozen=True)
class Comparison:
    """How a heard text differs from the expected one, both normalised."""

    expected: str
    heard: str
    distance: int  # Levenshtein edits from expected to heard
    added: str  # the longest run of consecutive characters heard but not expected (e.g. a preamble)
    skipped: str  # the longest run of consecutive expected characters not heard

    @property
    def cer(self) -> float:
        if not self.expected:
            return 0.0 if not self.heard else 1.0
        return self.distance / len(self.expected)


def compare(expected_text: str, heard_text: str) -> Comparison:
    """Normalise both texts and align them."""
    expected, heard = pronounced(expected_text), pronounced(heard_text)
    # A faithful read is mostly shared prefix and suffix: only the middle needs the quadratic alignment.
    start = 0
    while start < min(len(expected), len(heard)) and expected[start] == heard[start]:
        start += 1
    end = 0
    while end < min(len(expected), len(heard)) - start and expected[-1 - end] == heard[-1 - end]:
        end += 1
    a, b = expected[start:len(expected) - end], heard[start:len(heard) - end]
    distance, added, skipped = _align(a, b)
    return Comparison(expected=expected, heard=heard, distance=distance, added=added, skipped=skipped)


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
