"""Script text → speakable chunks: markdown stripped, split at paragraphs, then sentences, under a cap."""

import re
from dataclasses import dataclass

from stages.korean import split_sentences

NORMALISER_VERSION = 1  # bump when normalise() changes what is spoken, so cached chunks are not reused

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+>]|\d+[.)])\s+", re.M)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+|~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M)


@dataclass(frozen=True)
class Chunk:
    text: str
    paragraph_end: bool  # a longer pause follows this chunk


def normalise(script: str) -> list[str]:
    """The script's paragraphs as plain speakable text (markdown markers gone, whitespace collapsed)."""
    text = _COMMENT.sub("", script.replace("\r\n", "\n"))
    text = _RULE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _EMPHASIS.sub("", text)
    paragraphs = (" ".join(block.split()) for block in re.split(r"\n\s*\n", text))
    return [p for p in paragraphs if p]


def _split_long_sentence(sentence: str, cap: int) -> list[str]:
    """Cut a sentence longer than the cap at the last comma, else the last space, else hard."""
    pieces = []
    while len(sentence) > cap:
        window = sentence[: cap + 1]
        cut = max(window.rfind(", "), window.rfind("، "))
        cut = cut + 1 if cut > 0 else window.rfind(" ")
        if cut <= 0:
            cut = cap
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def _split_paragraph(paragraph: str, cap: int) -> list[str]:
    if len(paragraph) <= cap:
        return [paragraph]
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(paragraph):
        for piece in _split_long_sentence(sentence, cap):
            candidate = f"{current} {piece}" if current else piece
            if len(candidate) <= cap:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def split_chunks(script: str, cap: int) -> list[Chunk]:
    """Chunks of at most `cap` characters, one paragraph (or a run of its sentences) each."""
    if cap < 1:
        raise ValueError("cap must be positive")
    chunks: list[Chunk] = []
    for paragraph in normalise(script):
        parts = _split_paragraph(paragraph, cap)
        chunks.extend(Chunk(text=part, paragraph_end=i == len(parts) - 1) for i, part in enumerate(parts))
    return chunks
