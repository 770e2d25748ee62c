"""The reading normaliser against NeMo's Korean text-normalisation cases and this project's museum phrases, and its
speed on museum-like text.

NeMo's cases (`written~spoken` per line) are read from ../shared/benchmarks/korean-tn/nemo/ beside the repository
(or beside the main checkout, from a git worktree); they are never copied into the project. The museum phrases
(counters for things, 번, ranges, Roman numerals, hanja, and what was already right) are the project's own, in
tests/korean/museum_phrases.tsv, which the tests hold at 100%. Every written form goes through one
`python -m stages.reading` subprocess, exactly as a user would pipe them, and is scored ignoring whitespace.
Not a test: nothing here asserts a score or a time.

    python -m bench.reading [--failures]
"""

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from stages.korean.reading import Reader, load_lexicon

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("shared", "benchmarks", "korean-tn", "nemo")
MUSEUM_PHRASES = ROOT / "tests" / "korean" / "museum_phrases.tsv"  # kind <TAB> written <TAB> spoken
FULL_MARKS = ("cardinal", "decimal", "date", "measure")  # the categories that must all pass
THROUGHPUT_CHARS = 100_000
_SPACE = re.compile(r"\s+")


@dataclass
class Category:
    name: str
    cases: list[tuple[str, str]]  # (written, spoken)
    failures: list[tuple[str, str, str]]  # (written, expected, got)

    @property
    def passed(self) -> int:
        return len(self.cases) - len(self.failures)


def cases_folder() -> Path | None:
    """../shared/… beside the repository, else beside the main checkout when this is a git worktree."""
    candidates = [ROOT.parent / CASES]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=ROOT,
                                capture_output=True, text=True)
    except OSError:  # no git: only the folder beside the repository counts
        common = None
    if common is not None and common.returncode == 0:
        candidates.append(Path(common.stdout.strip()).parent.parent / CASES)
    return next((folder for folder in candidates if any(folder.glob("test_cases_*.txt"))), None)


def read_cases(folder: Path) -> list[Category]:
    categories = []
    for path in sorted(folder.glob("test_cases_*.txt")):
        pairs = [line.split("~", 1) for line in path.read_text(encoding="utf-8").splitlines() if "~" in line]
        categories.append(Category(path.stem.removeprefix("test_cases_"), [(w, s) for w, s in pairs], []))
    return categories


def read_museum_phrases(path: Path = MUSEUM_PHRASES) -> list[Category]:
    """The project's museum phrases, one category per kind, in the order the file first names them."""
    categories: dict[str, Category] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, written, spoken = line.split("\t")
            categories.setdefault(kind, Category(kind, [], [])).cases.append((written, spoken))
    return list(categories.values())


def score(categories: list[Category]) -> None:
    """Fill each category's failures, from one `python -m stages.reading` run over every written form."""
    written = [w for category in categories for w, _ in category.cases]
    result = subprocess.run([sys.executable, "-m", "stages.reading"], cwd=ROOT, input="\n".join(written) + "\n",
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"python -m stages.reading failed: {result.stderr.strip()}")
    spoken = result.stdout.split("\n")[:-1]
    if len(spoken) != len(written):
        raise SystemExit(f"python -m stages.reading gave {len(spoken)} lines for {len(written)}")
    answers = iter(spoken)
    for category in categories:
        for w, expected in category.cases:
            got = next(answers)
            if _SPACE.sub("", got) != _SPACE.sub("", expected):
                category.failures.append((w, expected, got))


FORMS = ("높이 42.1cm의 매병(梅甁)은 1935년에 20채 값으로 사들였고, 3개의 고리가 달린 국보 제68호입니다. "
         "12~13세기 UNESCO 목록, 6월 10일 오후 3시 30분, 약 18.9t, 관람객의 3/4, 50%가 X선 사진을 봅니다. "
         "제Ⅱ부의 작품 3점과 2~3점은 15세기 말~16세기 초에 3번이나 옮겨진 金正喜의 歲寒圖와 白磁(백자)입니다.")


def museum_text(dense: bool = False, chars: int = THROUGHPUT_CHARS) -> str:
    """The shipped facts and the long test narration with a paragraph of written forms, repeated to `chars`.

    `dense` repeats only that paragraph (a number every 10 characters, 30 times the facts' density): a worst case.
    """
    facts = [line for path in sorted((ROOT / "sources").glob("*.md"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    narration = (ROOT / "tests" / "long_narration.md").read_text(encoding="utf-8").split("\n\n")
    cycle = [FORMS] if dense else [*facts, *narration, FORMS]
    text = ""
    while len(text) < chars:
        text += "\n\n".join(cycle) + "\n\n"
    return text[:chars]


def throughput(dense: bool = False) -> float:
    """Seconds to read THROUGHPUT_CHARS characters paragraph by paragraph (as the audio stage does), best of 5.

    The first hanja a process reads loads the hanja library (once, about half a second): that is done before the
    clock starts, and reported by `python -X importtime`, not here.
    """
    lexicon = ROOT / "lexicon.yaml"
    reader = Reader(load_lexicon(lexicon) if lexicon.exists() else {})
    paragraphs = museum_text(dense).split("\n\n")
    reader.spoken(FORMS)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for paragraph in paragraphs:
            reader.spoken(paragraph)
        best = min(best, time.perf_counter() - started)
    return best


def rows(failures: bool = False) -> list[tuple[str, str, str, str]]:
    """One (case, measured, ratio, target) per row of bench/run.py's table: NeMo scores, museum phrases, throughput."""
    table = []
    folder = cases_folder()
    if folder is None:
        print(f"bench: no NeMo cases at ../{CASES} beside the repository; skipping their score", file=sys.stderr)
    else:
        categories = read_cases(folder)
        score(categories)
        for category in categories:
            target = "100%" if category.name in FULL_MARKS else ""
            table.append((f"g. NeMo Korean TN, {category.name}", f"{category.passed}/{len(category.cases)}",
                          f"{category.passed / len(category.cases):.0%}", target))
            for w, expected, got in category.failures if failures else ():
                print(f"  {category.name}: {w} → {got} (NeMo: {expected.strip()})", file=sys.stderr)
        passed, total = sum(c.passed for c in categories), sum(len(c.cases) for c in categories)
        table.append((f"g. NeMo Korean TN, all {len(categories)} categories", f"{passed}/{total}",
                      f"{passed / total:.1%}", "≥ 98%"))
    kinds = read_museum_phrases()
    score(kinds)
    for kind in kinds:
        table.append((f"g. museum phrases, {kind.name}", f"{kind.passed}/{len(kind.cases)}",
                      f"{kind.passed / len(kind.cases):.0%}", ""))
        for w, expected, got in kind.failures if failures else ():
            print(f"  museum {kind.name}: {w} → {got} (expected: {expected})", file=sys.stderr)
    passed, total = sum(k.passed for k in kinds), sum(len(k.cases) for k in kinds)
    table.append((f"g. museum phrases, all {total}", f"{passed}/{total}", f"{passed / total:.1%}", "≥ 95%"))
    for dense, what in ((False, "museum text"), (True, "written forms only (a number every 10 characters)")):
        seconds = throughput(dense)
        table.append((f"g. reading {THROUGHPUT_CHARS:,} characters of {what}", f"{seconds * 1000:.0f} ms",
                      f"{THROUGHPUT_CHARS / seconds / 1e6:.1f} M characters/s", "≥ 1 M characters/s" if not dense else ""))
    return table


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reading", description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every case read differently from expected")
    args = parser.parse_args(argv)
    lines = ["| case | measured | ratio | target |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows(args.failures)]
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
