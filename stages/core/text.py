"""Plain-text helpers every stage shares: Markdown markers, sentence ends, names compared without spaces.

One home for each pattern, so that the sources reader, the script writer and the chunker agree on what a
comment, a link or a list marker is.
"""

import re

COMMENT = re.compile(r"<!--.*?-->", re.S)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](src) → their text
# A bullet (-, *, +, •, ·) or a numbered item (1. or 1)) at the start of a line.
LIST_MARKER = re.compile(r"^[ \t]*(?:[-*+•·]|\d+[.)])[ \t]+", re.M)
QUOTE_MARKER = re.compile(r"^[ \t]*>[ \t]?", re.M)
BLANK_LINE = re.compile(r"\n\s*\n")

# A sentence ends at . ! ? … (Korean endings such as 다. 요. 까? included), maybe followed by closing quotes.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…。！？]+[\"'”’)\]」』]*(?=\s|$)|$)", re.S)


def unix_newlines(text: str) -> str:
    """CRLF and lone CR line ends as \\n, so every reader sees the same lines (Windows editors write CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, each with its whitespace collapsed to single spaces; empty ones dropped."""
    blocks = (" ".join(block.split()) for block in BLANK_LINE.split(text))
    return [block for block in blocks if block]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph at sentence ends, keeping each sentence's punctuation."""
    return [match.group().strip() for match in _SENTENCE.finditer(text.strip())]


def squash(name: str) -> str:
    """A name or title compared ignoring spaces and underscores (Wikipedia titles use _ for a space)."""
    return re.sub(r"[\s_]+", "", name)


def shortened(text: str, limit: int) -> str:
    """`text` on one line, cut after `limit` characters with "…": to quote it in a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def first_words(text: str, count: int = 6) -> str:
    """The opening words of `text` (a chunk), to name it in a message."""
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")
