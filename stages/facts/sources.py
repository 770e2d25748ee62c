"""sources/<keyword>.md: the hand-kept facts file, and pins to the online entry a keyword means."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.paths import source_path
from stages.core.text import COMMENT, LIST_MARKER, unix_newlines

TEMPLATE = """\
---
# Pins (optional): the online entry this keyword means, for info.provider heritage, wikipedia or auto.
# To pin one, remove the '# ' before its lines and put in the entry's codes or page title; a fetched
# entry's codes are under "details" in outputs/info/<keyword>.json. For example:
# heritage:
#   ccbaKdcd: 11             # kind (종목): 11 국보, 12 보물, 13 사적, 15 명승, 16 천연기념물, 17 국가무형유산, 18 국가민속문화유산, 79 국가등록문화유산
#   ccbaAsno: 0000680000000  # number (관리번호)
#   ccbaCtcd: 11             # province (시도)
# wikipedia: {keyword}
# The picture (optional): sources/{keyword}.jpg, .png or .webp beside this file is shown in the guide, with
# this credit and licence under it (without either, the guide's own name stands as its credit). For example:
# picture_credit: 국립중앙박물관
# picture_licence: 공공누리 제1유형
---
<!--
  Facts about "{keyword}", read by info.provider: local (and by auto when the online sources have none).
  Write a level-2 heading per topic (## 개요, ## 역사, ## 특징 …) and plain Korean sentences under it.
  Everything inside these comment markers is ignored.
-->
# {keyword}

<!-- ## 개요 -->
<!-- 여기에 사실을 문장으로 적으세요. -->
"""
HERITAGE_CODES = ("ccbaKdcd", "ccbaAsno", "ccbaCtcd")
PICTURE_KEYS = ("picture_credit", "picture_licence")  # credit for sources/<keyword>.jpg (.png, .webp)
FRONT_MATTER_KEYS = ("heritage", "wikipedia", *PICTURE_KEYS)

# Between a first line `---` and the next `---` line (the file may end right after it); text has \n line ends.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


@dataclass(frozen=True)
class HeritagePin:
    """A 국가유산청 entry, named by the three codes its detail API takes."""

    ccbaKdcd: str  # kind (종목), e.g. 11 국보
    ccbaAsno: str  # designation number (관리번호)
    ccbaCtcd: str  # province (시도)


@dataclass(frozen=True)
class Pins:
    """The front matter: which online entry this keyword means, per source, and the credit of its picture."""

    heritage: HeritagePin | None = None
    wikipedia: str | None = None  # a page title
    # Not pins: who took sources/<keyword>.jpg and under which licence, shown under it in the guide.
    picture_credit: str | None = None
    picture_licence: str | None = None

    def __bool__(self) -> bool:
        """Whether an online entry is pinned (a picture's credit pins nothing)."""
        return self.heritage is not None or self.wikipedia is not None


@dataclass(frozen=True)
class SourceFile:
    path: Path
    title: str | None
    sections: list[tuple[str, str]]  # (heading, text)
    pins: Pins = field(default_factory=Pins)


def parse_pins(data: object, path: Path) -> Pins:
    """Validate the front matter's keys and values; any problem is one line naming the key."""
    if data is None:
        return Pins()
    if not isinstance(data, dict):
        raise PipelineError(f"{path}: the front matter must be 'key: value' lines")
    unknown = sorted(set(data) - set(FRONT_MATTER_KEYS))
    if unknown:
        raise PipelineError(f"{path}: front matter: unknown key {unknown[0]!r}; allowed keys: "
                            f"{', '.join(FRONT_MATTER_KEYS)}")
    heritage = data.get("heritage")
    if heritage is not None:
        if not isinstance(heritage, dict) or set(heritage) != set(HERITAGE_CODES):
            raise PipelineError(f"{path}: front matter: heritage needs exactly the keys {', '.join(HERITAGE_CODES)}")
        bad = [key for key in HERITAGE_CODES if not isinstance(heritage[key], str) or not heritage[key].strip()]
        if bad:
            raise PipelineError(f"{path}: front matter: heritage.{bad[0]} must be a code such as 11")
        heritage = HeritagePin(**{key: heritage[key].strip() for key in HERITAGE_CODES})
    wikipedia = data.get("wikipedia")
    if wikipedia is not None and (not isinstance(wikipedia, str) or not wikipedia.strip()):
        raise PipelineError(f"{path}: front matter: wikipedia must be a page title")
    credit = {}
    for key in PICTURE_KEYS:
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip() or "\n" in value.strip()):
            raise PipelineError(f"{path}: front matter: {key} must be one line of text, such as 국립중앙박물관")
        credit[key] = value.strip() if value else None
    return Pins(heritage=heritage, wikipedia=wikipedia.strip() if wikipedia else None, **credit)


def parse_source(text: str, path: Path) -> SourceFile:
    """Split a sources file into front matter (pins), title and (heading, text) sections."""
    pins = Pins()
    text = unix_newlines(text).removeprefix("\ufeff")  # a CRLF file's front matter must still be found
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            # BaseLoader reads every value as text, so codes keep their leading zeros (ccbaAsno: 0000680000000).
            data = yaml.load(match.group(1), Loader=yaml.BaseLoader)
        except yaml.YAMLError:
            raise PipelineError(f"{path}: the front matter between the --- lines is not valid YAML") from None
        pins = parse_pins(data, path)
        text = text[match.end():]
    text = COMMENT.sub("", text)
    title = None
    sections: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif line.startswith("# ") and title is None and not sections:
            title = line[2:].strip()
        elif line and sections:
            sections[-1][1].append(LIST_MARKER.sub("", line))
    facts = [(heading, " ".join(lines)) for heading, lines in sections if lines]
    return SourceFile(path=path, title=title, sections=facts, pins=pins)


def read_source(keyword: str) -> SourceFile:
    path = source_path(keyword)
    try:
        return parse_source(read_text_file(path), path)
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing; create it (make audio KEYWORD=\"{keyword}\" writes a template)") from None
