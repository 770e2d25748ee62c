"""README.md is a short front door; docs/ holds the manual, and its links and code map match the tree."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MANUAL = [README, *DOCS]
MAX_README_LINES = 200

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_IMG = re.compile(r"<img\s[^>]*\bsrc=\"([^\"]+)\"")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code, where a [x](y) is an example, not a link."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup and punctuation dropped, lower case, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _relative_links(path: Path) -> list[str]:
    prose = _prose(path.read_text(encoding="utf-8"))
    targets = _LINK.findall(prose) + _IMG.findall(prose)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I)]  # http:, https:, mailto: …


def test_the_readme_is_a_front_door():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move detail into docs/ (at most {MAX_README_LINES})"


def test_the_readme_links_every_docs_file():
    linked = {(README.parent / link.split("#")[0]).resolve() for link in _relative_links(README)}
    assert [p.name for p in DOCS if p.resolve() not in linked] == []


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_each_docs_file_opens_with_a_title_and_a_one_line_purpose(path):
    title, blank, purpose, after = path.read_text(encoding="utf-8").split("\n")[:4]
    assert title.startswith("# ") and blank == "" and purpose.strip() and after == "", path.name


@pytest.mark.parametrize("path", MANUAL, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(path):
    broken = []
    for link in _relative_links(path):
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(f"{link}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{link}: no heading with that anchor in {file.name}")
    assert broken == [], f"{path.name}: " + "; ".join(broken)


def _code_map() -> dict[str, str]:
    """docs/development.md's code map: the text listed under each folder of stages/ ('' for stages/ itself)."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = re.search(r"^## Code map\n+```\n(.*?)^```", text, re.M | re.S)
    assert block, "docs/development.md has no code map block"
    folders: dict[str, str] = {}
    folder = None
    for line in block.group(1).splitlines():
        if line.startswith("stages/"):
            folder = ""
        elif not line.startswith(" "):
            folder = None  # pipelines/, tests/, …
        elif (sub := re.match(r"  (\w+)/", line)) and folder is not None:
            folder = sub.group(1)
        if folder is not None:
            folders[folder] = folders.get(folder, "") + line + "\n"
    return folders


def test_the_code_map_names_every_module_in_its_folder():
    folders = _code_map()
    missing = []
    for module in sorted((ROOT / "stages").rglob("*.py")):
        relative = module.relative_to(ROOT / "stages")
        if module.name == "__init__.py" or len(relative.parts) > 2:
            continue
        folder = relative.parts[0] if len(relative.parts) == 2 else ""
        if not re.search(rf"(?<![\w.]){re.escape(module.name)}\b", folders.get(folder, "")):
            missing.append(relative.as_posix())
    assert missing == [], f"docs/development.md's code map does not name: {', '.join(missing)}"


_NAMED_FILE = re.compile(r"(?<![\w/.-])((?:stages|tests|bench|pipelines|docs)/[\w/.-]*\w\.(?:py|md|yaml))")


def test_no_comment_or_page_names_a_file_that_does_not_exist():
    # Files move (the retry policy left core/ for clients/); a comment left pointing at the old place sends the
    # next reader nowhere. Every tracked text file is read, code included, but not the recorded fixtures, whose
    # notes name files in the projects they come from.
    tracked = [ROOT / name for name in _git_files() if name.endswith((".py", ".md", ".yaml", "Makefile"))
               and not name.startswith("tests/facts/fixtures/")]
    dangling = sorted({f"{path.relative_to(ROOT)}: {named}" for path in tracked
                       for named in _NAMED_FILE.findall(path.read_text(encoding="utf-8"))
                       if "<" not in named and "*" not in named and not (ROOT / named).exists()})
    assert dangling == []


def _git_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in listed.split("\0") if name]
