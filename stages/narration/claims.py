"""The checkable claims of a Korean narration, and whether its facts hold each one: the fact guard.

A claim is a number with its unit (a year, a century, a size, a weight, a designation number), a designation
(국보, 보물, …) or a dynasty. Claims and facts are compared in one form, the reading normaliser's spoken form without
spaces (stages/korean/reading.py), so that 42.1cm, 42.1 센티미터 and 사십이 점 일 센티미터 are the same claim, and
1443년 is not 1446년. Names are not checked: telling a person's name from any other word needs more than patterns.
"""

import re
from dataclasses import dataclass
from functools import cache

from stages.core.info_file import Facts
from stages.korean.reading import Reader

_DIGITS = r"[0-9][0-9,]*(?:\.[0-9]+)?"
# Sino-Korean numerals written as words: two syllables at least, or a decimal point, so that 이 세기 (this century)
# is not read as two centuries.
_WORDS = r"(?:[일이삼사오육칠팔구십백천만]{2,}|[일이삼사오육칠팔구십백천만]+\s?점\s?[일이삼사오육칠팔구영공]+)"
_KOREAN_UNITS = r"년|세기|센티미터|밀리미터|킬로미터|미터|킬로그램|그램|톤|호"
_LATIN_UNITS = r"(?:cm|mm|km|kg|m|g|t)(?![A-Za-z])|㎝|㎜|㎞|㎏"
_NUMBER = re.compile(rf"(?:제\s?)?(?:{_DIGITS}|{_WORDS})\s?(?:{_KOREAN_UNITS}|{_LATIN_UNITS})")
_DESIGNATION = re.compile(r"국보|보물|사적|명승|천연기념물|국가무형유산|국가민속문화유산")
_DYNASTY = re.compile(r"고조선|고구려|백제|통일신라|신라|가야|발해|고려|조선|대한제국")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")  # a point inside 42.1 ends no sentence
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Claim:
    text: str  # as the narration writes it, e.g. 1443년
    sentence: str  # the sentence it is in, as written
    said: str  # its spoken form without spaces: the form claims and facts are compared in


@cache
def _reader() -> Reader:
    return Reader()  # no lexicon: a claim is a number, a unit or a name, which the lexicon does not change


def said(text: str) -> str:
    """The one form claims and facts are compared in: spoken, with no spaces."""
    return _SPACE.sub("", _reader().spoken(text))


def claims(text: str) -> list[Claim]:
    """Every checkable claim of a narration, in order (a dynasty inside 통일신라 is one claim, not two)."""
    found: list[Claim] = []
    for sentence in filter(None, _SENTENCE_END.split(text)):
        spans: list[tuple[int, int]] = []
        for pattern in (_NUMBER, _DESIGNATION, _DYNASTY):  # a number first: 제78호 before anything inside it
            spans += [match.span() for match in pattern.finditer(sentence)
                      if not any(start < match.end() and match.start() < end for start, end in spans)]
        found += [Claim(sentence[start:end].strip(), sentence.strip(), said(sentence[start:end]))
                  for start, end in sorted(spans)]
    return found


def facts_text(facts: Facts) -> str:
    """Everything the facts state, in the compared form."""
    parts = [facts.title, *(f"{s.heading} {s.text}" for s in facts.sections), *map(str, facts.stated.values())]
    return said("\n".join(parts))


def unsupported(text: str, facts: Facts) -> list[Claim]:
    """The claims of `text` the facts do not hold, each once."""
    held = facts_text(facts)
    seen, missing = set(), []
    for claim in claims(text):
        if claim.said not in held and claim.said not in seen:
            seen.add(claim.said)
            missing.append(claim)
    return missing


def support(claim: Claim, facts: Facts) -> str | None:
    """Where the facts hold a claim: the heading of the first section (or the detail) that states it."""
    for section in facts.sections:
        if claim.said in said(f"{section.heading} {section.text}"):
            return section.heading
    for label, value in facts.stated.items():
        if claim.said in said(str(value)):
            return label
    return "title" if claim.said in said(facts.title) else None
