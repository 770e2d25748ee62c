"""Case g's figures: what one `dvc repro` took, split into our stage processes' time and DVC's, and the table rows.

DVC's own overhead is a run's wall time minus the time of the stage processes it ran (bench/stage_times.py).
Per stage, it is that over the stages run (five at most, whatever N). Per keyword-stage item, it is that over the
stages the per-keyword pipeline of issue 22 would have run for the same change: one info, script and audio
stage per keyword, one report and one guide. That is the unit of the issue's figures, so the two designs compare
like for like.
"""

import math
from dataclasses import dataclass, field

from bench.table import Row

LATENCY = 1.5
CONCURRENCY = 4  # params.yaml's requests.concurrency, left as shipped
RPM = 120
PER_KEYWORD = ("info", "script", "audio")  # the kinds the per-keyword shape had one stage per keyword of
FIRST_RUN_BUDGET = 15 * 60  # the target for an espeak first run at N = 300
QUICK_RUN = 5.0  # the target for a no-op `dvc repro` and `dvc status` at N = 300
FLAT = 1.2  # DVC's overhead per stage at the largest N against the smallest
EDIT_GROWTH = 1.5
VOICE_CHANGE = 1.3  # the whole voice change against the cached re-run plus the network ideal
AT_THE_FAKE = 1.2


@dataclass
class Repro:
    """One timed `dvc repro`: wall time, the stages it ran and each one's process time, the requests at the fake."""

    n: int
    seconds: float
    stages: list[str]
    processes: dict[str, float]  # each stage process's wall time
    cpu: dict[str, float]  # … and its CPU time, children included
    requests: int = 0
    stderr: str = field(default="", repr=False)

    @property
    def own(self) -> float:
        return sum(self.processes.values())

    @property
    def dvc(self) -> float:
        return self.seconds - self.own

    @property
    def items(self) -> int:
        return sum(self.n if stage in PER_KEYWORD else 1 for stage in self.stages)

    @property
    def per_stage(self) -> float:
        return self.dvc / len(self.stages)

    @property
    def per_item(self) -> float:
        return self.dvc / self.items

    def __str__(self) -> str:
        if not self.stages:
            return f"{self.seconds:.2f} s, no stage run, {self.requests} requests"
        stages = ", ".join(f"{stage} {seconds:.1f} s (CPU {self.cpu[stage]:.1f} s)"
                           for stage, seconds in self.processes.items())
        return (f"{self.seconds:.1f} s: stage processes {self.own:.1f} s ({stages}); DVC {self.dvc:.1f} s = "
                f"{self.per_stage:.2f} s/stage, {self.per_item * 1000:.1f} ms per keyword-stage; "
                f"{self.requests} requests")


@dataclass
class Lane:
    """One project's runs at one size: ours with espeak, ours with openai, or the same-graph floor."""

    name: str
    n: int
    first: Repro | None = None
    change: Repro | None = None  # a voice change: tts.voice (openai, floor) or tts.speed (espeak)
    cached: Repro | None = None  # back to the first voice, `--no-run-cache`: every chunk and narration cached
    noop: Repro | None = None
    edit: Repro | None = None  # one keyword's scripts/<keyword>.md edited
    status: float | None = None  # `dvc status`, everything up to date
    in_flight: int = 0  # openai: the most speech requests the fake answered at once in the voice change
    starts: list[float] = field(default_factory=list)  # openai: the voice change's request arrivals at the fake
    paced: Repro | None = None  # openai at the smallest size: a voice change at requests.rpm RPM
    paced_starts: list[float] = field(default_factory=list)

    @property
    def ideal(self) -> float:
        """The network-bound time of N one-chunk requests at CONCURRENCY in flight."""
        return math.ceil(self.n / CONCURRENCY) * LATENCY

    @property
    def span(self) -> float:
        """The voice change's first request arriving at the fake to its last answered."""
        return self.starts[-1] - self.starts[0] + LATENCY


def _brief(r: Repro) -> str:
    return (f"{r.seconds:.1f} s (stages {r.own:.1f} s, CPU {sum(r.cpu.values()):.1f} s; DVC {r.dvc:.1f} s: {r.per_stage:.2f} s/stage, "
            f"{r.per_item * 1000:.1f} ms/item)")


def _lanes(lanes: list[Lane], n: int, run: str) -> list[tuple[str, Repro]]:
    return [(lane.name, getattr(lane, run)) for lane in lanes if lane.n == n and getattr(lane, run) is not None]


def _by_name(lanes: list[Lane], name: str) -> list[Lane]:
    return sorted((lane for lane in lanes if lane.name == name), key=lambda lane: lane.n)


def rows(lanes: list[Lane]) -> list[Row]:
    sizes = sorted({lane.n for lane in lanes})
    small, large = sizes[0], sizes[-1]
    out: list[Row] = []
    for n in sizes:
        g = f"g. N={n}:"
        at = {lane.name: lane for lane in lanes if lane.n == n}
        for run, what in (("first", "first `dvc repro`"), ("change", "voice change (espeak: tts.speed)"),
                          ("cached", "cached re-run (back, `--no-run-cache`)"), ("edit", "one-stop edit")):
            measured = _lanes(lanes, n, run)
            first = measured[0][1]
            ratio = ""
            if "ours espeak" in at and "floor" in at and getattr(at["floor"], run).dvc > 0:
                ratio = f"espeak's DVC time {getattr(at['ours espeak'], run).dvc / getattr(at['floor'], run).dvc:.2f}× the floor's"
            out.append(Row(f"{g} {what}: {', '.join(first.stages)} ({first.items} keyword-stage items)",
                           "; ".join(f"{name} {_brief(r)}" for name, r in measured), ratio, ""))
        openai = at.get("ours openai")
        if openai:
            whole = openai.change.seconds / (openai.cached.seconds + openai.ideal)
            audio = openai.change.processes["audio"]
            target = n == small
            out += [
                Row(f"{g} openai voice change against the cached re-run + ⌈{n} / {CONCURRENCY}⌉ × {LATENCY:g} s "
                    f"({openai.change.requests} requests; cached re-run {openai.cached.requests}, no-op "
                    f"{openai.noop.requests})", f"{openai.change.seconds:.1f} s (its audio stage {audio:.1f} s, CPU "
                    f"{openai.change.cpu['audio']:.1f} s); {openai.cached.seconds:.1f} s + {openai.ideal:g} s", f"{whole:.2f}×", f"≤ {VOICE_CHANGE:g}×" if target else ""),
                Row(f"{g} the same at the fake: first request in → last answered (at most {openai.in_flight} in "
                    "flight)", f"{openai.span:.1f} s; ideal {openai.ideal:g} s", f"{openai.span / openai.ideal:.2f}×",
                    f"≤ {AT_THE_FAKE:g}×" if target else ""),
            ]
        quick = f"≤ {QUICK_RUN:g} s" if n == large else ""
        noops = _lanes(lanes, n, "noop")
        out.append(Row(f"{g} no-op `dvc repro`", "; ".join(f"{name} {r.seconds:.2f} s" for name, r in noops),
                       f"{max(r.seconds for _, r in noops) / QUICK_RUN:.2f}× {QUICK_RUN:g} s" if quick else "", quick))
        statuses = [(lane.name, lane.status) for lane in lanes if lane.n == n and lane.status is not None]
        out.append(Row(f"{g} `dvc status`", "; ".join(f"{name} {s:.2f} s" for name, s in statuses),
                       f"{max(s for _, s in statuses) / QUICK_RUN:.2f}× {QUICK_RUN:g} s" if quick else "", quick))
    if len(sizes) > 1:
        out += _curves(lanes, sizes)
    espeak = _by_name(lanes, "ours espeak")
    if espeak:
        big = espeak[-1].first
        out.append(Row(f"g. N={big.n}: espeak first run", f"{big.seconds:.0f} s ({big.seconds / 60:.1f} min)",
                       f"{big.seconds / FIRST_RUN_BUDGET:.2f}× 15 min", "≤ 15 min"))
    for name in ("ours espeak", "floor"):
        edits = _by_name(lanes, name)
        if len(edits) > 1:
            a, b = edits[0].edit, edits[-1].edit
            out.append(Row(f"g. one-stop edit, N={b.n} against N={a.n}: {name}", f"{a.seconds:.1f} s → {b.seconds:.1f} s",
                           f"{b.seconds / a.seconds:.2f}×", f"≤ {EDIT_GROWTH:g}×" if name != "floor" else ""))
    paced = next((lane for lane in lanes if lane.paced), None)
    if paced:
        starts = paced.paced_starts
        closest = min(b - a for a, b in zip(starts, starts[1:]))
        ideal = max((len(starts) - 1) * 60 / RPM + LATENCY, paced.ideal)
        span = starts[-1] - starts[0] + LATENCY
        out += [
            Row(f"g. N={paced.n}, requests.rpm {RPM:g}: voice change, first request in → last answered at the fake",
                f"{span:.1f} s (whole `dvc repro` {paced.paced.seconds:.0f} s); RPM-bound ideal ({len(starts)} − 1) × "
                f"{60 / RPM:g} s + {LATENCY:g} s = {ideal:g} s", f"{span / ideal:.2f}× ideal", ""),
            Row(f"g. N={paced.n}, requests.rpm {RPM:g}: closest two of {len(starts)} request starts at the fake",
                f"{closest:.3f} s (60/rpm = {60 / RPM:g} s)", f"{closest / (60 / RPM):.3f}×", "≥ 1"),
        ]
    return out


def _curves(lanes: list[Lane], sizes: list[int]) -> list[Row]:
    """DVC's own overhead per stage and per keyword-stage item, from the smallest size to the largest."""
    out = []
    span = " → ".join(map(str, sizes))
    for run, what in (("first", "first run"), ("change", "voice change"), ("edit", "one-stop edit")):
        for name in ("ours espeak", "ours openai", "floor"):
            curve = [getattr(lane, run) for lane in _by_name(lanes, name) if getattr(lane, run) is not None]
            if len(curve) < 2:
                continue
            a, b = curve[0], curve[-1]
            out.append(Row(f"g. DVC's own overhead, {what}, N = {span}: {name}",
                           f"{' → '.join(f'{r.per_stage:.2f}' for r in curve)} s/stage; "
                           f"{' → '.join(f'{r.per_item * 1000:.1f}' for r in curve)} ms per keyword-stage",
                           f"N={b.n}/N={a.n}: {b.per_stage / a.per_stage:.2f}× per stage, "
                           f"{b.per_item / a.per_item:.2f}× per item", f"≤ {FLAT:g}×" if run == "first" else ""))
        if run == "first":
            for name in ("ours espeak", "floor"):
                curve = [lane.first for lane in _by_name(lanes, name)]
                out.append(Row(f"g. first run, wall time per keyword-stage item (the issue's s/stage), N = {span}: "
                               f"{name}", " → ".join(f"{r.seconds / r.items:.3f}" for r in curve) + " s",
                               f"{curve[-1].seconds / curve[-1].items / (curve[0].seconds / curve[0].items):.2f}×", ""))
    return out
