"""sources/<keyword>.md: the hand-kept facts file (and, later, pins to online entries)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from stages.errors import PipelineError
from stages.paths import source_path

TEMPLATE = """\
<!--
  Facts about "{keyword}", read by info.provider: local.
  Write a level-2 heading per topic (## 개요, ## 역사, ## 특징 …) and plain Korean sentences under it.
  Everything inside these comment markers is ignored.
-->
# {keyword}

<!-- ## 개요 -->
<!-- 여기에 사실을 문장으로 적으세요. -->
"""

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    title: str | None
    sections: list[tuple[str, str]]  # (heading, text)
    pins: dict = field(default_factory=dict)  # front matter: which online entry this keyword means


def parse_source(text: str, path: Path) -> SourceFile:
    """Split a sources file into front matter, title and (heading, text) sections."""
    pins: dict = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            pins = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError:
            raise PipelineError(f"{path}: the front matter between the --- lines is not valid YAML") from None
        if not isinstance(pins, dict):
            raise PipelineError(f"{path}: the front matter must be 'key: value' lines")
        text = text[match.end():]
    text = _COMMENT.sub("", text)
    title = None
    sections: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif line.startswith("# ") and title is None and not sections:
            title = line[2:].strip()
        elif line and sections:
            sections[-1][1].append(_LIST_MARKER.sub("", line))
    facts = [(heading, " ".join(lines)) for heading, lines in sections if lines]
    return SourceFile(path=path, title=title, sections=facts, pins=pins)


def read_source(keyword: str) -> SourceFile:
    path = source_path(keyword)
    try:
        return parse_source(path.read_text(encoding="utf-8"), path)
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing; create it (make audio KEYWORD=\"{keyword}\" writes a template)") from None
