"""Case g (issue 14): whole catalogues through real `dvc repro`, against DVC's floor of the same graph shape.

For each size N, in fresh temp git + DVC projects, each with its own chunk cache: ours (one hand-written
~300-character script per keyword, one chunk each, tts.provider openai against the fake server in its own
process at 1.5 s latency, requests.concurrency 4), the same graph with trivial cp-like commands, and today's
shape (22 file deps per stage). At the smallest size also the rpm spacing and the lean stage process; at
N = 96 an espeak first run.

    python -m bench.scale [--large] [--quick] [--sizes 24,96]
"""

import argparse
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.catalogue import docent_project, edit_params, keywords, trivial_project
from bench.table import Row, table
from stages.core.paths import LOCK_FILES
from stages.speech.narration_cache import NARRATIONS
from tests.conftest import FAKE_KEY, RAN, Project, project_env
from tests.test_pipeline_openai import FakeProcess

SIZES = (24, 96)
LARGE = 200
LATENCY = 1.5
CONCURRENCY = 4  # params.yaml's requests.concurrency, left as shipped
RPM = 120
ESPEAK_SIZE = 96
LEAN_RUNS = 5
TODAY_CUT = 2.2  # today's shape at N = 96 is stopped once it has run this many times our espeak first run
TODAY_BUDGET = 40 * 60  # … or this long, whichever comes first
TIMEOUT = 4 * 3600  # a first run at N = 200 takes far longer than Project.run's default 10 minutes


@dataclass
class Repro:
    """One timed `dvc repro`: wall time, stages run, speech requests that reached the fake."""

    seconds: float
    stages: int
    requests: int = 0
    cut: bool = False  # stopped before the end (today's shape at N = 96): `stages` were done in `seconds`

    @property
    def per_stage(self) -> float:
        return self.seconds / self.stages


def repro(project: Project, *args: str, fake: FakeProcess | None = None) -> Repro:
    before = fake.count("speech") if fake else 0
    started = time.perf_counter()
    output = project.run("dvc", "repro", *args, timeout=TIMEOUT).stdout
    seconds = time.perf_counter() - started
    return Repro(seconds, len(RAN.findall(output)), fake.count("speech") - before if fake else 0)


def lock_texts(project: Project) -> list[str]:
    """The project's lock files (ours has three; today's shape one)."""
    return [project.file(str(lock)).read_text(encoding="utf-8") for lock in LOCK_FILES if project.file(str(lock)).exists()]


@dataclass(frozen=True)
class Locks:
    """Lines of the lock files: in all, and of the largest, which is what DVC re-reads and rewrites per stage."""

    total: int = 0
    largest: int = 0

    def __str__(self) -> str:
        return f"{self.total:,}" if self.total == self.largest else f"{self.total:,} in all, largest {self.largest:,}"


def lock_lines(project: Project) -> Locks:
    lines = [len(text.splitlines()) for text in lock_texts(project)]
    return Locks(sum(lines), max(lines, default=0))


@dataclass
class Ours:
    """Our pipeline at one size; with `rpm` and `lean`, also the paced voice change and the lean-process check."""

    n: int
    first: Repro
    voice: Repro | None = None
    in_flight: int = 0  # the most speech requests the fake answered at once during the voice change
    span: float = 0.0  # the voice change's first request arriving → its last answered, at the fake
    cached: Repro | None = None
    encoded: Repro | None = None  # the voice change again with every chunk cached, the narrations to encode
    noop: Repro | None = None
    lock: Locks = Locks()
    rpm: "Paced | None" = None
    lean: tuple[float, float] | None = None
    engine: str = "openai"  # espeak: the first run only (--quick at N = 96 and above)

    @property
    def ideal(self) -> float:
        return math.ceil(self.n / CONCURRENCY) * LATENCY


@dataclass
class Floor:
    """Trivial commands in our graph at one size, and today's shape (None where it was not measured)."""

    first: Repro
    rerun: Repro | None = None
    noop: Repro | None = None
    lock: Locks = Locks()
    today: Repro | None = None
    today_lock: Locks = Locks()


@dataclass
class Paced:
    """The voice change with requests.rpm set, and the request starts the fake saw."""

    voice: Repro
    encoded: Repro  # the same project's re-run with every chunk cached and the narrations to encode
    starts: list[float]

    @property
    def ideal(self) -> float:
        spaced = (len(self.starts) - 1) * 60 / RPM + LATENCY
        return max(spaced, math.ceil(len(self.starts) / CONCURRENCY) * LATENCY)

    @property
    def closest(self) -> float:
        return min(b - a for a, b in zip(self.starts, self.starts[1:]))

    @property
    def span(self) -> float:
        return self.starts[-1] - self.starts[0] + LATENCY


def ours(workdir: Path, n: int, paced: bool) -> Ours:
    """Our pipeline at N = n: first run, voice change, cached re-run, no-op; `paced`: the rpm run and lean check."""
    log(f"N={n}: ours (openai against the fake, {LATENCY:g} s latency)")
    fake = FakeProcess(latency=LATENCY)
    try:
        env = project_env(DOCENT_CACHE_DIR=str(workdir / f"cache-{n}"), OPENAI_BASE_URL=fake.url,
                          OPENAI_API_KEY=FAKE_KEY)
        project = docent_project(workdir / f"ours-{n}", n, env=env, scripts=True, build=False,
                                 params={"tts.provider": "openai", "tts.model": "gpt-4o-mini-tts", "requests.concurrency": str(CONCURRENCY)})
        first = logged(f"N={n} ours first", repro(project, fake=fake))
        assert first.stages == 3 * n + 3 and first.requests == n, first
        edit_params(project, {"tts.voice": "nova"})
        fake.reset_peaks()
        before = len(fake.starts("speech"))
        voice = logged(f"N={n} ours voice change", repro(project, fake=fake))
        in_flight = fake.most_in_flight("speech")
        starts = fake.starts("speech")[before:]
        span = starts[-1] - starts[0] + LATENCY
        log(f"N={n} voice change at the fake: at most {in_flight} in flight, {span:.2f} s")
        assert voice.stages == n + 3 and voice.requests == n, voice
        # Back to alloy, whose chunks are all cached; --no-run-cache so that DVC really runs speak, every audio
        # stage, report and guide (the stages of a voice change) instead of restoring alloy's outputs.
        edit_params(project, {"tts.voice": "alloy"})
        cached = logged(f"N={n} ours cached re-run", repro(project, "--no-run-cache", fake=fake))
        assert cached.stages == n + 3 and cached.requests == 0, cached
        # The voice change's work without its requests: back to nova, whose chunks are cached now, with the
        # encoded narrations dropped, so that every audio stage encodes as it did in the voice change.
        edit_params(project, {"tts.voice": "nova"})
        shutil.rmtree(workdir / f"cache-{n}" / NARRATIONS)
        encoded = logged(f"N={n} ours re-encode", repro(project, "--no-run-cache", fake=fake))
        assert encoded.stages == n + 3 and encoded.requests == 0, encoded
        noop = logged(f"N={n} ours no-op", repro(project, fake=fake))
        assert noop.stages == 0, noop
        result = Ours(n, first, voice, in_flight, span, cached, encoded, noop, lock_lines(project))
        if paced:
            edit_params(project, {"requests.rpm": f"{RPM:g}", "tts.voice": "echo"})
            before = len(fake.starts("speech"))
            paced_voice = logged(f"N={n} ours voice change at rpm {RPM:g}", repro(project, fake=fake))
            assert paced_voice.requests == n, paced_voice
            result.rpm = Paced(paced_voice, encoded, fake.starts("speech")[before:])
            log(f"N={n} rpm starts at the fake: {result.rpm.starts}")
            result.lean = lean_process(project, keywords(n)[0], fake)
            log(f"N={n} closest starts {result.rpm.closest:.3f} s; lean {result.lean}")
    finally:
        fake.stop()
    return result


def floor(workdir: Path, n: int, today: bool) -> Floor:
    """Trivial stages in our graph at N = n (first run, re-run after a tts change, no-op); `today`: today's shape."""
    log(f"N={n}: trivial stages in our graph")
    project = trivial_project(workdir / f"floor-{n}", n, "ours", scripts=True, build=False)
    first = logged(f"N={n} floor first", repro(project))
    edit_params(project, {"tts.voice": "nova"})
    rerun = logged(f"N={n} floor re-run", repro(project))
    noop = logged(f"N={n} floor no-op", repro(project))
    assert first.stages == 3 * n + 3 and rerun.stages == n + 3 and not noop.stages, (first, rerun, noop)
    result = Floor(first, rerun, noop, lock_lines(project))
    if today:
        result.today, result.today_lock = today_shape(workdir, n)
    return result


def first_runs(workdir: Path, n: int) -> tuple[Ours, Floor]:
    """--quick: the same-graph floor's first run, our first run with espeak, then today's shape (cut once it
    has run TODAY_CUT times ours), one after another (no network, no re-runs)."""
    floor = Floor(floor_first(workdir, n))
    spoken = espeak_first_run(workdir, n)
    budget = min(TODAY_BUDGET, TODAY_CUT * spoken.seconds)
    floor.today, floor.today_lock = today_shape(workdir, n, lambda: budget)
    return Ours(n, spoken, engine="espeak"), floor


def floor_first(workdir: Path, n: int) -> Repro:
    log(f"N={n}: trivial stages in our graph (first run only)")
    project = trivial_project(workdir / f"floor-{n}", n, "ours", scripts=True, build=False)
    return logged(f"N={n} floor first", repro(project))


def today_shape(workdir: Path, n: int, enough: Callable[[], float] = lambda: math.inf) -> tuple[Repro, Locks]:
    """Today's shape at N = n: its first run, or the part of it done once it has taken `enough()` seconds.

    At N = 96 this floor alone takes over an hour on a shared machine, and the target it serves only asks
    whether it is at least twice our espeak run: once it has run that long the answer is known, so it is
    stopped there (or at TODAY_BUDGET). A cut run's Repro has the stages done so far and `cut` set.
    """
    log(f"N={n}: trivial stages in today's shape ({n} keywords × 3 stages, 22 file deps each)")
    project = trivial_project(workdir / f"today-{n}", n, "today", build=False)
    started = time.perf_counter()
    process = subprocess.Popen(["dvc", "repro"], cwd=project.path, env=project.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    cut = False
    while process.poll() is None:
        if time.perf_counter() - started >= min(enough(), TIMEOUT):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
            cut = True
            break
        time.sleep(1)
    seconds = time.perf_counter() - started
    assert cut or process.returncode == 0, process.returncode
    done = Repro(seconds, _locked_stages(project), cut=cut)
    assert cut or done.stages == 3 * n, done
    return logged(f"N={n} today's shape first", done), lock_lines(project)


def _locked_stages(project: Project) -> int:
    """Stages the lock files record (those a run finished), counted by their entry lines, as a cut run may leave
    a file half written."""
    return sum(len(re.findall(r"^  \S.*:$", text, re.M)) for text in lock_texts(project))


def lean_process(project: Project, keyword: str, fake: FakeProcess) -> tuple[float, float]:
    """Medians of `python -m stages.audio <keyword>` with every chunk cached, and of importing numpy and soundfile."""
    before = fake.count("speech")
    stage, baseline = [], []
    for _ in range(LEAN_RUNS):  # interleaved, so that the machine's load weighs on both alike
        for samples, cmd in ((stage, ("-m", "stages.audio", keyword)), (baseline, ("-c", "import numpy, soundfile"))):
            started = time.perf_counter()
            project.run(sys.executable, *cmd)
            samples.append(time.perf_counter() - started)
    assert fake.count("speech") == before, "the cached audio stage sent a request"
    return statistics.median(stage), statistics.median(baseline)


def espeak_first_run(workdir: Path, n: int) -> Repro:
    log(f"N={n}: espeak first run")
    project = docent_project(workdir / f"espeak-{n}", n, env=project_env(DOCENT_CACHE_DIR=str(workdir / "espeak")),
                             scripts=True, build=False)
    return logged(f"N={n} espeak first", repro(project))


def rows(measured: list[tuple[Ours, Floor]], espeak: Repro | None) -> list[Row]:
    out = []
    for o, f in measured:
        g, today = f"g. N={o.n}:", f.today
        out.append(Row(f"{g} first `dvc repro`, ours with {o.engine} ({o.first.stages} stages, {o.first.requests} "
                       "requests)", f"{o.first.seconds:.0f} s, {o.first.per_stage:.2f} s/stage; same-graph floor "
                       f"{f.first.seconds:.0f} s, {f.first.per_stage:.2f} s/stage",
                       f"{o.first.seconds / f.first.seconds:.2f}× floor", ""))
        if o.voice and o.cached and o.encoded and f.rerun:
            network = o.voice.seconds - o.encoded.seconds
            out += [
                Row(f"{g} voice change (`tts.voice: nova`: {o.voice.stages} stages, {o.voice.requests} requests)",
                    f"{o.voice.seconds:.0f} s", "", ""),
                Row(f"{g} cached re-run (back to alloy, `dvc repro --no-run-cache`: the same {o.cached.stages} "
                    f"stages, {o.cached.requests} requests)", f"{o.cached.seconds:.0f} s; floor re-run (tts.voice "
                    f"changed) {f.rerun.seconds:.0f} s", f"{o.cached.seconds / f.rerun.seconds:.2f}× floor", "≤ 1.5×"),
                Row(f"{g} the voice change with every chunk cached, the narrations to encode (`--no-run-cache`, "
                    f"the encoded-narration cache emptied: {o.encoded.stages} stages, {o.encoded.requests} requests)",
                    f"{o.encoded.seconds:.0f} s", "", ""),
                Row(f"{g} network part of the voice change (voice change − the same with every chunk cached)",
                    f"{network:.0f} s; ideal ⌈{o.n} / {CONCURRENCY}⌉ × {LATENCY:g} s = {o.ideal:g} s",
                    f"{network / o.ideal:.2f}× ideal", "≤ 1.3×"),
                Row(f"{g} the same at the fake: first request in → last answered (at most {o.in_flight} in flight)",
                    f"{o.span:.1f} s; ideal {o.ideal:g} s", f"{o.span / o.ideal:.2f}× ideal", ""),
            ]
        if o.noop and f.noop:
            out.append(Row(f"{g} no-op `dvc repro`", f"{o.noop.seconds:.1f} s; floor {f.noop.seconds:.1f} s",
                           f"{o.noop.seconds / f.noop.seconds:.2f}× floor", ""))
        if o.lock.total:
            out.append(Row(f"{g} lock files, lines", f"{o.lock} (floor {f.lock}"
                           + (f"; today's shape, one file, {'≥ ' if today.cut else ''}{f.today_lock})" if today else ")"),
                           f"largest {'≤ ' if today.cut else ''}{o.lock.largest / f.today_lock.largest:.2f}× today's"
                           if today else "", ""))
        if today and not today.cut:  # a cut run is in the espeak row below
            out.append(Row(f"{g} today's shape floor, first run ({today.stages} trivial stages, 22 file deps each)",
                           f"{today.seconds:.0f} s, {today.per_stage:.2f} s/stage",
                           f"ours {o.first.seconds / today.seconds:.2f}×", ""))
    for (a, fa), (b, fb) in zip(measured, measured[1:]):
        curve = f"first run, cost per stage, N={a.n} → {b.n}"
        ours_growth, floor_growth = b.first.per_stage / a.first.per_stage, fb.first.per_stage / fa.first.per_stage
        engines = f" ({a.engine} → {b.engine})" if a.engine != b.engine else ""
        out += [
            Row(f"g. {curve}: ours{engines}", f"{a.first.per_stage:.2f} → {b.first.per_stage:.2f} s/stage",
                f"{ours_growth:.2f}× (floor's {floor_growth:.2f}×)", "≤ the floor's growth"),
            Row(f"g. {curve}: same-graph floor", f"{fa.first.per_stage:.2f} → {fb.first.per_stage:.2f} s/stage",
                f"{floor_growth:.2f}×", ""),
        ]
        if fa.today and fb.today:
            cut = f" (N={b.n}: its first {fb.today.stages} stages, the run cut)" if fb.today.cut else ""
            out.append(Row(f"g. {curve}: today's shape floor{cut}", f"{fa.today.per_stage:.2f} → "
                           f"{fb.today.per_stage:.2f} s/stage", f"{fb.today.per_stage / fa.today.per_stage:.2f}×", ""))
    o = measured[0][0]
    if o.rpm:
        rpm, network = o.rpm, o.rpm.voice.seconds - o.rpm.encoded.seconds
        g = f"g. N={o.n}, requests.rpm {RPM:g}:"
        out += [
            Row(f"{g} network part of a voice change (voice change {rpm.voice.seconds:.0f} s − the same with "
                "every chunk cached)",
                f"{network:.0f} s; RPM-bound ideal ({len(rpm.starts)} − 1) × {60 / RPM:g} s + {LATENCY:g} s = "
                f"{rpm.ideal:g} s", f"{network / rpm.ideal:.2f}× ideal", "≤ 1.3×"),
            Row(f"{g} the same at the fake: first request in → last answered", f"{rpm.span:.1f} s; ideal "
                f"{rpm.ideal:g} s", f"{rpm.span / rpm.ideal:.2f}× ideal", ""),
            Row(f"{g} closest two of {len(rpm.starts)} request starts at the fake",
                f"{rpm.closest:.3f} s (60/rpm = {60 / RPM:g} s)", f"{rpm.closest / (60 / RPM):.3f}×",
                "≥ 1 (none closer than 60/rpm)"),
        ]
    if o.lean:
        stage, baseline = o.lean
        out.append(Row(f"g. `python -m stages.audio <kw>`, every chunk cached, against `python -c \"import numpy, "
                       f"soundfile\"` (median of {LEAN_RUNS})", f"{stage:.2f} s; {baseline:.2f} s",
                       f"{stage - baseline:+.2f} s", "≤ +0.3 s"))
    at = [f for o, f in measured if o.n == ESPEAK_SIZE]
    if espeak and at and at[0].today:
        today = at[0].today
        if today.cut:  # a lower bound: the floor took at least this long, so the ratio is at most this
            floor_text = (f"≥ {today.seconds:.0f} s (stopped with {today.stages} of {3 * ESPEAK_SIZE} stages done; "
                          f"at the rate so far ≥ {today.seconds * 3 * ESPEAK_SIZE / max(today.stages, 1):.0f} s)")
        else:
            floor_text = f"{today.seconds:.0f} s"
        out.append(Row(f"g. N={ESPEAK_SIZE}: espeak first run ({espeak.stages} stages) against today's shape floor",
                       f"{espeak.seconds:.0f} s; {floor_text}",
                       f"{'≤ ' if today.cut else ''}{espeak.seconds / today.seconds:.2f}×", "≤ 0.5×"))
    return out


def run(workdir: Path, sizes: tuple[int, ...] = SIZES, quick: bool = False) -> list[Row]:
    """Measure every size in `workdir`; the rows of case g. `quick`: at N ≥ 96 first runs only (ours with espeak).

    Every run has the machine to itself, one after another: ours is a sequence of runs whose differences are
    the figures (the network part is voice change minus the same with every chunk cached), and a run beside
    one of them and not the other skews them (by 30 s at N = 24, in an earlier version that ran the floor's
    lane beside ours). Runs started together as pairs do not see the same load either once one of them ends
    first: at N = 96 the espeak run shared two cores with two others throughout, today's shape only for half
    its time.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    measured, espeak = [], None
    for n in sorted(sizes):
        if quick and n >= ESPEAK_SIZE:
            measured.append(first_runs(workdir, n))
            espeak = measured[-1][0].first
            continue
        # Today's shape costs hours at N = 200 (its cost per stage grows with N); it is measured up to 96.
        theirs = floor(workdir, n, today=n < ESPEAK_SIZE)
        measured.append((ours(workdir, n, n == min(sizes)), theirs))
        if n == ESPEAK_SIZE:
            espeak = espeak_first_run(workdir, n)
            budget = min(TODAY_BUDGET, TODAY_CUT * espeak.seconds)
            theirs.today, theirs.today_lock = today_shape(workdir, n, lambda budget=budget: budget)
    return rows(measured, espeak)


def log(message: str) -> None:
    print(f"bench: scale: {message} ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)


def logged(what: str, result: Repro) -> Repro:
    """`result`, logged as it comes, so that a run cut short still leaves its numbers."""
    log(f"{what}: {result}")
    return result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help=f"add N = {LARGE}")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated keyword counts")
    parser.add_argument("--quick", action="store_true",
                        help=f"at N ≥ {ESPEAK_SIZE} first runs only, ours with espeak (what fits in ~45 min on 2 cores)")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",")) + ((LARGE,) if args.large else ())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docent-scale-") as tmp:
        text = table(run(Path(tmp), sizes, args.quick))
    print(f"{text}\n\nMeasured {time.strftime('%Y-%m-%d')} in one `python -m bench.scale` run "
          f"({time.perf_counter() - started:.0f} s), sizes {', '.join(map(str, sizes))}.")


if __name__ == "__main__":
    main(sys.argv[1:])
