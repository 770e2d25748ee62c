"""How long each stage command DVC runs takes, seen from outside, so that a run's wall time splits into our
stage processes' own time and DVC's (case g: DVC's own overhead per stage).

DVC runs a stage's cmd as `$SHELL -c cmd` (dvc/stage/run.py), so pointing SHELL at a small wrapper times every
stage process from the shell's start to its exit, interpreter start-up and imports included, with no hook in
stages/ and the same for our pipeline and for the trivial floor.
"""

import re
from dataclasses import dataclass
from pathlib import Path

# DVC sets DVC_STAGE to the stage's name for its command; the wrapper logs it with the start and end times, then
# the `times` builtin's two lines (the shell's own CPU time, then its children's: the stage process and its own
# children), written without a fork so that the children's line is this shell's.
_WRAPPER = """#!/bin/sh
start=$(date +%s.%N)
/bin/sh "$@"
status=$?
end=$(date +%s.%N)
{ printf 'stage %s %s %s\\n' "$start" "$end" "$DVC_STAGE"; times; } >> "$BENCH_STAGE_TIMES"
exit $status
"""
_MINUTES_SECONDS = re.compile(r"(\d+)m([\d.]+)s")


@dataclass(frozen=True)
class StageTime:
    stage: str
    seconds: float
    cpu: float  # user + system time of the stage process and its children: above `seconds` when it used both cores


class StageClock:
    """A timing shell and its log in `folder`; env() is what a project's dvc commands need to use it."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.shell = folder / "timed-sh"
        self.log = folder / "stage-times.log"
        self.shell.write_text(_WRAPPER, encoding="utf-8")
        self.shell.chmod(0o755)
        self.log.write_text("", encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {"SHELL": str(self.shell), "BENCH_STAGE_TIMES": str(self.log)}

    def take(self) -> list[StageTime]:
        """The stage commands run since the last take(), in order, and empty the log."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        with open(self.log, "w", encoding="utf-8"):
            pass
        times = []
        for index in range(0, len(lines), 3):  # "stage start end name", the shell's CPU, its children's CPU
            _, start, end, stage = lines[index].split(" ", 3)
            cpu = sum(int(m) * 60 + float(s) for m, s in _MINUTES_SECONDS.findall(lines[index + 2]))
            times.append(StageTime(stage, float(end) - float(start), cpu))
        return times

