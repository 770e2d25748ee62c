"""Script text → speakable chunks whose boundaries stay put when the text around them is edited.

Greedy packing ("fill each chunk up to the cap") moves every later boundary when one sentence grows by
a word, so a one-word edit would re-synthesise the rest of the script. Here a chunk may only start at a
paragraph (or, inside an over-long paragraph, a sentence) whose *opening words* hash below a threshold:
content-defined boundaries. Whether a boundary falls in a gap depends on nothing but the first
ANCHOR_WINDOW characters after it, so editing a sentence anywhere else changes exactly one chunk, the one
holding it, and every other chunk keeps its text (and its cache entry).

A run of units between two boundaries that is longer than the cap is cut in two before its lowest-marked
unit, and so on until every piece fits: content-defined again, so only an edit that pushes a run over the
cap (or one in a paragraph's opening words) moves a boundary, and then only inside that run. A paragraph
longer than the cap is cut into sentences the same way; a sentence longer than the cap is cut at a comma,
else a space.
"""

import dataclasses
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from stages.core.text import (
    BLANK_LINE,
    COMMENT,
    LINK,
    LIST_MARKER,
    QUOTE_MARKER,
    first_words,  # noqa: F401 (synthesis.py imports it from here; its home is core/text.py)
    paragraphs,
    split_sentences,
    unix_newlines,
)

ANCHOR_WINDOW = 12  # characters of a unit's opening that decide whether a chunk may start there
# Share of units that start a chunk: about one paragraph in three, so an edit re-buys a few paragraphs,
# not the whole cap; sentences are shorter, so about one in eight.
PARAGRAPH_SHARE = 1 / 3
SENTENCE_SHARE = 1 / 8
PARAGRAPH_JOIN = "\n\n"  # kept inside a chunk so that a speech model hears the paragraph break
SENTENCE_JOIN = " "

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M)
_CLAUSE_END = re.compile(r"[,，、;:]\s")

End = Literal["paragraph", "sentence", "word"]


@dataclass(frozen=True)
class Chunk:
    text: str  # as written: what the subtitles show, and what decides the chunk boundaries
    end: End  # what the chunk's last word ends; assembly puts a pause to match after it
    spoken: str = ""  # what the voice is asked to say (stages.korean.reading); left empty, the written text

    def __post_init__(self) -> None:
        if not self.spoken:
            object.__setattr__(self, "spoken", self.text)


def speakable_paragraphs(script: str) -> list[str]:
    """The script's paragraphs as plain speakable text (markdown markers gone, whitespace collapsed)."""
    text = COMMENT.sub("", unix_newlines(script))
    text = _RULE.sub("", text)
    text = LINK.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = QUOTE_MARKER.sub("", LIST_MARKER.sub("", text))
    text = _EMPHASIS.sub("", text)
    # A paragraph with no letter or digit (a stray "…" or "—") has nothing to say and would come back silent.
    return [p for p in paragraphs(text) if any(ch.isalnum() for ch in p)]


def anchor_mark(unit: str) -> float:
    """A number in [0, 1) fixed by the unit's opening words; a chunk may start at the unit if it is low."""
    digest = hashlib.sha256(unit[:ANCHOR_WINDOW].encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def group(units: Sequence[str], join: str, cap: int, share: float) -> list[tuple[int, int]]:
    """Cut units (each at most `cap` long) into runs [start, stop) whose joined text is at most `cap`.

    A run starts at every unit whose mark is below `share`. A run still over the cap is cut in two
    before its lowest-marked unit, again and again: the cuts inside it are content-defined too.
    """
    marks = [anchor_mark(unit) for unit in units]
    runs: list[tuple[int, int]] = []

    def length(lo: int, hi: int) -> int:
        return sum(len(unit) for unit in units[lo:hi]) + len(join) * (hi - lo - 1)

    def cut(lo: int, hi: int) -> None:
        if hi - lo == 1 or length(lo, hi) <= cap:
            runs.append((lo, hi))
            return
        middle = min(range(lo + 1, hi), key=lambda i: marks[i])
        cut(lo, middle)
        cut(middle, hi)

    starts = [0] + [i for i in range(1, len(units)) if marks[i] < share]
    for lo, hi in zip(starts, starts[1:] + [len(units)]):
        if lo < hi:
            cut(lo, hi)
    return runs


def split_long_sentence(sentence: str, cap: int) -> list[str]:
    """Cut a sentence longer than the cap after its last comma that fits, else its last space, else hard."""
    pieces = []
    while len(sentence) > cap:
        window = sentence[: cap + 1]
        clause_ends = [m.end() for m in _CLAUSE_END.finditer(window)]
        cut = clause_ends[-1] if clause_ends else window.rfind(" ")
        if cut <= 0:
            cut = cap
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def _split_paragraph(paragraph: str, cap: int) -> list[Chunk]:
    """A paragraph over the cap, as chunks of whole sentences (pieces of a sentence only if it is over the cap)."""
    chunks: list[Chunk] = []
    sentences: list[str] = []

    def flush() -> None:
        for lo, hi in group(sentences, SENTENCE_JOIN, cap, SENTENCE_SHARE):
            chunks.append(Chunk(SENTENCE_JOIN.join(sentences[lo:hi]), "sentence"))
        sentences.clear()

    for sentence in split_sentences(paragraph):
        if len(sentence) <= cap:
            sentences.append(sentence)
            continue
        flush()
        pieces = split_long_sentence(sentence, cap)
        chunks.extend(Chunk(piece, "word" if i < len(pieces) - 1 else "sentence") for i, piece in enumerate(pieces))
    flush()
    return chunks[:-1] + [Chunk(chunks[-1].text, "paragraph")]


def split_chunks(script: str, cap: int) -> list[Chunk]:
    """The script's speakable text as chunks of at most `cap` characters, in script order, none empty."""
    if cap < 1:
        raise ValueError("cap must be positive")
    chunks: list[Chunk] = []
    units: list[str] = []

    def flush() -> None:
        for lo, hi in group(units, PARAGRAPH_JOIN, cap, PARAGRAPH_SHARE):
            chunks.append(Chunk(PARAGRAPH_JOIN.join(units[lo:hi]), "paragraph"))
        units.clear()

    for paragraph in speakable_paragraphs(script):
        if len(paragraph) <= cap:
            units.append(paragraph)
        else:  # an over-long paragraph is cut on its own, so its sentences never shift the paragraphs around it
            flush()
            chunks.extend(_split_paragraph(paragraph, cap))
    flush()
    return chunks


def spoken_chunks(script: str, cap: int, most: int, read: Callable[[str], str] | None) -> list[Chunk]:
    """The script's chunks, cut on the written text, each with its spoken form `read(text)` (the written text when
    `read` is None); none longer than `most` to say. Every narration's chunks are cut here (speech/plan.py).

    Reading makes a text longer (1,342 → 천삼백사십이), so a chunk near the engine's limit may overflow it once
    read: then the written text is cut again at a cap shrunk in proportion, which only long-chunk settings meet.
    A paragraph with nothing left to say (a lone hanja gloss) is dropped, and so is a chunk made only of them.
    """
    while True:
        chunks = split_chunks(script, cap)
        if read is not None:
            pairs = ((chunk, _said(read(chunk.text))) for chunk in chunks)
            chunks = [dataclasses.replace(chunk, spoken=said) for chunk, said in pairs if said]
        longest = max((len(chunk.spoken) for chunk in chunks), default=0)
        if longest <= most or cap == 1:
            return chunks
        cap = max(1, min(cap - 1, cap * most // longest))


def _said(spoken: str) -> str:
    """A chunk's spoken form without the paragraphs that had only a hanja gloss (now nothing to say)."""
    return PARAGRAPH_JOIN.join(p.strip() for p in BLANK_LINE.split(spoken) if any(ch.isalnum() for ch in p))
