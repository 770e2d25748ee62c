"""`python -m stages.reading`: written lines on stdin → one spoken line per input line on stdout.

Uses ./lexicon.yaml when there is one. It is how the normaliser is tried by hand and benchmarked (bench/reading.py).
"""

import sys

from stages.core.cli import run_main
from stages.core.errors import PipelineError
from stages.core.paths import LEXICON
from stages.korean.reading import Reader, load_lexicon


def main(argv: list[str]) -> None:
    if argv:
        raise PipelineError("usage: python -m stages.reading < written.txt  (no arguments; reads stdin)")
    reader = Reader(load_lexicon(LEXICON) if LEXICON.exists() else {})
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline="\n", closefd=False)
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n", closefd=False)
    with stdout:
        for line in stdin:
            # A line's own line breaks (\r, U+2028 …) must not become extra output lines.
            spoken = reader.spoken(line.rstrip("\n").rstrip("\r"))
            stdout.write(" ".join(spoken.splitlines()) + "\n")


if __name__ == "__main__":
    run_main(main)
