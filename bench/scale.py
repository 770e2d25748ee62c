"""Case g (issue 22): whole catalogues through real `dvc repro`, against DVC's floor of the same graph.

For each size N, in fresh temp git + DVC projects, one after another, each with its own caches and one
hand-written ~300-character script per keyword (one chunk each):

- ours with espeak: first run, voice change (tts.speed, the espeak voice's only knob), cached re-run, no-op,
  `dvc status`, and a one-stop edit (one keyword's scripts/<keyword>.md, then `dvc repro`);
- ours with openai against the fake server in its own process (1.5 s latency, requests.concurrency 4): first
  run, voice change (tts.voice), cached re-run, no-op, with the requests that reach the fake counted;
- the same-graph floor (our dvc.yaml, every dep, param and out kept, trivial commands writing the same files):
  the same runs as ours with espeak.

Every stage process is timed from outside (bench/stage_times.py), so each run splits into our stage processes'
own time and DVC's, per stage and per keyword-stage item (bench/scale_rows.py).

    python -m bench.scale [--large] [--quick] [--sizes 24,96,300] [--keep DIR]
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from bench.catalogue import docent_project, edit_params, keywords, trivial_project
from bench.scale_rows import CONCURRENCY, LATENCY, RPM, Lane, Repro, rows
from bench.stage_times import StageClock
from bench.table import Row, table
from tests.conftest import FAKE_KEY, RAN, Project, project_env
from tests.test_pipeline_openai import FakeProcess

SIZES = (24, 96, 300)
LARGE = 1200
TIMEOUT = 4 * 3600  # a first run at N = 1,200 takes far longer than Project.run's default 10 minutes
EDIT = "\n관람객들이 가장 오래 머무는 작품 가운데 하나입니다.\n"  # the one-stop edit: a sentence added to one script
# What a stage logs of its work (stages/audio.py, stages/script.py): checked, never timed.
AUDIO_LOG = re.compile(r"audio: (\d+) narrations; (\d+) chunks from the cache, (\d+) requests")
SCRIPT_LOG = re.compile(r"script: (\d+) keywords, (\d+) from the cache")


class TimedProject:
    """One project of case g: its runs, each timed as a whole and per stage process."""

    def __init__(self, project: Project, clock: StageClock, n: int, fake: FakeProcess | None = None) -> None:
        self.project, self.clock, self.n, self.fake = project, clock, n, fake

    def repro(self, *args: str) -> Repro:
        before = self.fake.count("speech") if self.fake else 0
        self.clock.take()
        started = time.perf_counter()
        result = self.project.run("dvc", "repro", *args, timeout=TIMEOUT)
        seconds = time.perf_counter() - started
        ran, processes = RAN.findall(result.stdout), self.clock.take()
        assert ran == [p.stage for p in processes], (ran, processes)
        requests = self.fake.count("speech") - before if self.fake else 0
        return Repro(self.n, seconds, ran, {p.stage: p.seconds for p in processes}, {p.stage: p.cpu for p in processes},
                     requests, result.stderr)

    def status(self) -> float:
        started = time.perf_counter()
        output = self.project.run("dvc", "status", timeout=TIMEOUT).stdout
        seconds = time.perf_counter() - started
        assert "up to date" in output, output
        return seconds


def clocked_env(workdir: Path, name: str, **extra: str) -> tuple[StageClock, dict[str, str]]:
    """A project's environment with its stage clock; bytecode written, as in a user's project after a first run."""
    clock = StageClock(workdir / f"clock-{name}")
    env = project_env(**clock.env(), **extra)
    del env["PYTHONDONTWRITEBYTECODE"]
    return clock, env


def edited_keyword(n: int) -> str:
    return keywords(n)[n // 2]


def audio_work(stderr: str) -> tuple[int, int, int]:
    """(narrations, chunks from the cache, chunks synthesised) from the audio stage's last line."""
    found = AUDIO_LOG.findall(stderr)
    assert found, stderr[-2000:]
    return tuple(int(x) for x in found[-1])


def espeak_lane(bench: TimedProject, lane: Lane) -> None:
    """The runs ours with espeak and the floor share; `lane` collects them as they come."""
    n, ours = bench.n, lane.name != "floor"
    knob, changed, back = ("tts.speed", "1.25", "1.0") if ours else ("tts.voice", "nova", "alloy")
    first = logged(lane, "first run", bench.repro())
    assert len(first.stages) == 5, first
    if ours:
        assert audio_work(first.stderr) == (n, 0, n), audio_work(first.stderr)  # one chunk per keyword, all synthesised
    edit_params(bench.project, {knob: changed})
    change = logged(lane, f"voice change ({knob} {changed})", bench.repro())
    assert change.stages == ["audio", "report", "guide"], change
    if ours:
        assert audio_work(change.stderr) == (n, 0, n), audio_work(change.stderr)
    # Back to the first value, whose chunks and narrations are cached; --no-run-cache, so that DVC really runs
    # the voice change's stages instead of restoring the first run's outputs from its run-cache.
    edit_params(bench.project, {knob: back})
    cached = logged(lane, "cached re-run", bench.repro("--no-run-cache"))
    assert cached.stages == change.stages, cached
    if ours:
        assert audio_work(cached.stderr) == (n, n, 0), audio_work(cached.stderr)
    noop = logged(lane, "no-op", bench.repro())
    assert not noop.stages, noop
    lane.status = logged(lane, "dvc status", bench.status())
    script = bench.project.file(f"scripts/{edited_keyword(n)}.md")
    script.write_text(script.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    edit = logged(lane, f"one-stop edit (scripts/{edited_keyword(n)}.md)", bench.repro())
    assert edit.stages == ["script", "audio", "report", "guide"], edit
    if ours:
        assert SCRIPT_LOG.findall(edit.stderr)[-1] == (str(n), str(n - 1)), SCRIPT_LOG.findall(edit.stderr)
        assert audio_work(edit.stderr) == (n, n - 1, 1), audio_work(edit.stderr)  # that stop's chunk only
    lane.first, lane.change, lane.cached, lane.noop, lane.edit = first, change, cached, noop, edit


def espeak(workdir: Path, n: int) -> Lane:
    lane = Lane("ours espeak", n)
    log(f"N={n}: ours with espeak")
    clock, env = clocked_env(workdir, f"espeak-{n}", DOCENT_CACHE_DIR=str(workdir / f"cache-espeak-{n}"))
    project = docent_project(workdir / f"espeak-{n}", n, env=env, scripts=True, build=False)
    espeak_lane(TimedProject(project, clock, n), lane)
    return lane


def floor(workdir: Path, n: int) -> Lane:
    lane = Lane("floor", n)
    log(f"N={n}: the same-graph floor (trivial commands)")
    clock, env = clocked_env(workdir, f"floor-{n}")
    project = trivial_project(workdir / f"floor-{n}", n, "ours", scripts=True, build=False, env=env)
    espeak_lane(TimedProject(project, clock, n), lane)
    return lane


def openai(workdir: Path, n: int, paced: bool) -> Lane:
    """Ours with openai against the fake; `paced`: also a voice change at requests.rpm RPM."""
    lane = Lane("ours openai", n)
    log(f"N={n}: ours with openai against the fake ({LATENCY:g} s latency, concurrency {CONCURRENCY})")
    fake = FakeProcess(latency=LATENCY)
    try:
        clock, env = clocked_env(workdir, f"openai-{n}", DOCENT_CACHE_DIR=str(workdir / f"cache-openai-{n}"),
                                 OPENAI_BASE_URL=fake.url, OPENAI_API_KEY=FAKE_KEY)
        project = docent_project(workdir / f"openai-{n}", n, env=env, scripts=True, build=False,
                                 params={"tts.provider": "openai", "tts.model": "gpt-4o-mini-tts",
                                         "requests.concurrency": str(CONCURRENCY)})
        bench = TimedProject(project, clock, n, fake)
        first = logged(lane, "first run", bench.repro())
        assert len(first.stages) == 5 and first.requests == n, first
        edit_params(project, {"tts.voice": "nova"})
        fake.reset_peaks()
        before = len(fake.starts("speech"))
        change = logged(lane, "voice change (tts.voice nova)", bench.repro())
        assert change.stages == ["audio", "report", "guide"] and change.requests == n, change
        lane.in_flight = fake.most_in_flight("speech")
        lane.starts = fake.starts("speech")[before:]
        log(f"N={n} voice change at the fake: at most {lane.in_flight} in flight, span {lane.span:.2f} s")
        edit_params(project, {"tts.voice": "alloy"})
        cached = logged(lane, "cached re-run", bench.repro("--no-run-cache"))
        assert cached.stages == change.stages and cached.requests == 0, cached  # no request: asserted, not timed
        noop = logged(lane, "no-op", bench.repro())
        assert not noop.stages and noop.requests == 0, noop
        lane.first, lane.change, lane.cached, lane.noop = first, change, cached, noop
        if paced:
            edit_params(project, {"requests.rpm": f"{RPM:g}", "tts.voice": "echo"})
            before = len(fake.starts("speech"))
            paced_change = logged(lane, f"voice change at requests.rpm {RPM:g}", bench.repro())
            assert paced_change.requests == n, paced_change
            lane.paced = paced_change
            lane.paced_starts = fake.starts("speech")[before:]
    finally:
        fake.stop()
    return lane


def run(workdir: Path, sizes: tuple[int, ...] = SIZES, quick: bool = False) -> list[Row]:
    """Measure every size in `workdir`; the rows of case g. `quick`: ours with openai at the smallest size only.

    Every run has the machine to itself, one after another: a run beside another skews both, and the figures
    are differences and ratios of runs.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    lanes = []
    for n in sorted(sizes):
        lanes.append(floor(workdir, n))
        lanes.append(espeak(workdir, n))
        if not quick or n == min(sizes):
            lanes.append(openai(workdir, n, paced=n == min(sizes)))
    return rows(lanes)


def logged(lane: Lane, what: str, result: Repro | float) -> Repro | float:
    """`result`, logged as it comes, so that a run cut short still leaves its numbers."""
    log(f"N={lane.n} {lane.name} {what}: {result if isinstance(result, Repro) else f'{result:.2f} s'}")
    return result


def log(message: str) -> None:
    print(f"bench: scale: {message} ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help=f"add N = {LARGE}")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated keyword counts")
    parser.add_argument("--quick", action="store_true", help="ours with openai at the smallest size only")
    parser.add_argument("--keep", type=Path, help="build the projects in this folder and leave them there")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",")) + ((LARGE,) if args.large else ())
    started = time.perf_counter()
    if args.keep:
        text = table(run(args.keep, sizes, args.quick))
    else:
        with tempfile.TemporaryDirectory(prefix="docent-scale-") as tmp:
            text = table(run(Path(tmp), sizes, args.quick))
    print(f"{text}\n\nMeasured {time.strftime('%Y-%m-%d')} in one `python -m bench.scale` run "
          f"({time.perf_counter() - started:.0f} s), sizes {', '.join(map(str, sizes))}.")


if __name__ == "__main__":
    main(sys.argv[1:])
