"""`make bench`: speed, memory and request counts of the audio stage, against the fake OpenAI server.

Prints one markdown table (numbers and their ratios, all measured in this run) and, with --docs,
writes it into docs/performance.md. Not a test: nothing here asserts a time.

    python -m bench.run [--docs] [--skip-dvc] [--large] [--quick]
"""

import argparse
import asyncio
import contextlib
import io
import logging
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import soundfile as sf

from bench import languages, reading, scale
from bench import mastering as bench_mastering
from bench.catalogue import docent_project, trivial_project
from bench.table import Row, table
from stages.core import atomic
from stages.core.info_file import Facts, FactSection
from stages.core.params import Params, TTSParams, parse_params
from stages.core.paths import info_path, script_path
from stages.core.progress import Progress
from stages.speech.chunking import speakable_paragraphs
from stages.speech.metrics import NarrationMetrics, RunCost
from stages.speech.narrate import Narrator, narrate
from stages.speech.voices.espeak import EspeakSpeech
from tests.conftest import FAKE_KEY, ROOT, project_env
from tests.fake_openai import SECONDS_PER_CHAR, FakeOpenAI

KEYWORD = "청자 상감운학문 매병"
LONG_NARRATION = (ROOT / "tests" / "long_narration.md").read_text(encoding="utf-8")
PARAGRAPHS = speakable_paragraphs(LONG_NARRATION)  # 12 paragraphs of 240–330 characters
SENTENCE = "학의 수를 세어 보려는 관람객이 많은데, 보는 방향을 바꾸면 숨어 있던 학이 새로 나타나서 끝까지 세기가 쉽지 않습니다."
EDITED = "학이 모두 몇 마리인지 세어 보는 분이 많은데, 보는 방향을 바꾸면 숨어 있던 학이 새로 나타나서 끝까지 세기가 쉽지 않습니다."
ONE_PARAGRAPH_PER_CHUNK = 400  # tts.chunk_chars under which no two of the 12 paragraphs share a chunk
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"  # its <!-- bench --> block holds the table
_BLOCK = re.compile(r"(<!-- bench -->\n).*?(<!-- /bench -->)", re.S)


def write_bench_facts(folder: Path) -> None:
    """The stage reads the facts too (for the credits in the tags and subtitles)."""
    facts = Facts(keyword=KEYWORD, title=KEYWORD, provider="local",
                  sections=[FactSection("개요", "사실.", f"sources/{KEYWORD}.md")])
    atomic.write_text(folder / info_path(KEYWORD), facts.to_json())


class Bench:
    def __init__(self, workdir: Path, fake: FakeOpenAI, sizes: tuple[int, ...] = scale.SIZES,
                 quick: bool = False) -> None:
        self.workdir = workdir
        self.fake = fake
        self.sizes = sizes
        self.quick = quick
        self.caches = 0

    @contextlib.contextmanager
    def fresh_cache(self) -> Iterator[Path]:
        self.caches += 1
        cache = self.workdir / f"cache-{self.caches}"
        os.environ["DOCENT_CACHE_DIR"] = str(cache)
        try:
            yield cache
        finally:
            del os.environ["DOCENT_CACHE_DIR"]

    @staticmethod
    def params(**tts_and_requests) -> Params:
        requests = {k: tts_and_requests.pop(k) for k in ("concurrency", "rpm") if k in tts_and_requests}
        return parse_params({"keywords": [KEYWORD], "requests": requests,
                             "tts": {"provider": "openai", "model": "gpt-4o-mini-tts", **tts_and_requests}})

    def requests_only(self, **tts_and_requests) -> float:
        """Seconds to make the chunks of the script narrate() last wrote, in a fresh cache, with no encoding: the
        network-bound part of a run."""
        with self.fresh_cache(), contextlib.chdir(self.workdir):
            narrator = Narrator(self.params(**tts_and_requests))
            chunks = narrator.prepare(KEYWORD).plan.chunks
            started = time.perf_counter()
            with Progress("bench", len(chunks), stream=io.StringIO()) as progress:
                for _ in narrator.synthesizer.files(chunks, progress):
                    pass
            return time.perf_counter() - started

    def narrate(self, script: str, **tts_and_requests) -> tuple[NarrationMetrics, RunCost, float, int]:
        """narrate() `script`; returns the record, the wall time and the speech requests the fake saw."""
        path = self.workdir / script_path(KEYWORD)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8")
        write_bench_facts(self.workdir)
        params = self.params(**tts_and_requests)
        before = self.fake.count("speech")
        started = time.perf_counter()
        with contextlib.chdir(self.workdir):
            narration, cost = narrate(params, KEYWORD)
        return narration, cost, time.perf_counter() - started, self.fake.count("speech") - before

    # --- the cases ----------------------------------------------------------------------------------
    def concurrency(self, latency: float = 1.0) -> list[Row]:
        self.fake.latency = latency
        walls = {}
        for concurrency in (4, 1):
            with self.fresh_cache():
                narration, _, walls[concurrency], _ = self.narrate(LONG_NARRATION, chunk_chars=ONE_PARAGRAPH_PER_CHUNK,
                                                                concurrency=concurrency)
            assert narration.chunks == 12, narration
        self.fake.latency = 0.0
        rows = []
        for concurrency, target in ((4, "≤ 1.25"), (1, "")):
            ideal = math.ceil(12 / concurrency) * latency
            rows.append(Row(f"a. 12 chunks, {latency:g} s latency, concurrency {concurrency}",
                            f"{walls[concurrency]:.2f} s (ideal {ideal:g} s)", f"{walls[concurrency] / ideal:.2f}× ideal",
                            target))
        rows.append(Row("a. concurrency 4 against 1", f"{walls[1]:.2f} s → {walls[4]:.2f} s",
                        f"{walls[1] / walls[4]:.2f}× faster", ""))
        return rows

    def one_edit(self) -> list[Row]:
        with self.fresh_cache():
            first, _, _, first_requests = self.narrate(LONG_NARRATION)
            assert LONG_NARRATION.count(SENTENCE) == 1
            edited, edited_cost, _, requests = self.narrate(LONG_NARRATION.replace(SENTENCE, EDITED))
        return [Row(f"b. one sentence edited in paragraph 5 of 12 ({first.chunks} chunks at tts.chunk_chars "
                    f"{TTSParams().chunk_chars})",
                    f"{requests} request (first run {first_requests}); {edited_cost.new_chars} of {edited.chars} "
                    f"characters re-sent", f"{edited_cost.new_chars / edited.chars:.0%} of the script", "exactly 1")]

    def storms(self) -> list[Row]:
        rows = self.storm(latency=1.0)
        extra = self.storm(latency=0.2)[0]
        extra.target = "— (see below)"
        return rows + [extra]

    def storm(self, latency: float, retry_after_ms: int = 500) -> list[Row]:
        self.fake.latency = latency
        self.fake.retry_after_ms = retry_after_ms
        self.fake.queue("speech", *["429-ms", "ok"] * 200)  # every other request refused, whatever chunk it is for
        try:
            with self.fresh_cache():
                narration, cost, wall, requests = self.narrate(LONG_NARRATION, chunk_chars=ONE_PARAGRAPH_PER_CHUNK,
                                                         concurrency=4)
        finally:
            with self.fake._lock:
                self.fake.faults["speech"].clear()
            self.fake.latency = 0.0
        # The best a client can do: each chunk meets one 429, waits what it was told, and succeeds next time.
        ideal = math.ceil(narration.chunks / 4) * (2 * latency + retry_after_ms / 1000)
        return [Row(f"c. 429 storm: every other request refused (retry-after-ms {retry_after_ms}), "
                    f"{narration.chunks} chunks, {latency:g} s latency, concurrency 4",
                    f"{requests} requests, {cost.retries} retries; {wall:.2f} s (ideal {ideal:.1f} s)",
                    f"{requests / narration.chunks:.2f} requests/chunk; {wall / ideal:.2f}× ideal",
                    "≤ 2.1 requests/chunk; ≤ 1.5×")]

    def memory(self) -> list[Row]:
        results = {}
        for minutes in (10, 60):
            results[minutes] = self._peak_rss(minutes)
        (rss10, _), (rss60, _) = results[10], results[60]
        imports = self._stage_peak_rss(self.workdir, "import stages.audio")
        return [Row(f"d. peak RSS, {minutes}-minute narration (openai → mp3, `python -m stages.audio`)",
                    f"{rss:.0f} MB ({dur / 60:.1f} min of audio)", f"{rss / 150:.2f}× budget", "≤ 150 MB")
                for minutes, (rss, dur) in results.items()] + [
            Row("d. 60-minute against 10-minute", f"{rss60 - rss10:+.1f} MB (importing the stage alone: "
                f"{imports:.0f} MB)", f"{rss60 / rss10:.2f}×", "within 20 MB")]

    def _peak_rss(self, minutes: int) -> tuple[float, float]:
        folder = self.workdir / f"rss-{minutes}"
        (folder / "outputs" / "script").mkdir(parents=True)
        paragraphs, seconds, n = [], 0.0, 0
        while seconds < minutes * 60:
            text = f"{n + 1}번째 이야기입니다. {PARAGRAPHS[n % len(PARAGRAPHS)]}"
            paragraphs.append(text)
            seconds += len(text) * SECONDS_PER_CHAR + 0.6
            n += 1
        (folder / script_path(KEYWORD)).write_text("\n\n".join(paragraphs), encoding="utf-8")
        write_bench_facts(folder)
        (folder / "params.yaml").write_text(f"keywords: [{KEYWORD}]\ntts: {{provider: openai, model: gpt-4o-mini-tts, format: mp3}}\n",
                                            encoding="utf-8")
        rss = self._stage_peak_rss(folder, "runpy.run_module('stages.audio', run_name='__main__', alter_sys=True)")
        return rss, sf.info(folder / "outputs" / "audio" / f"{KEYWORD}.mp3").duration

    def _stage_peak_rss(self, folder: Path, code: str) -> float:
        """Peak RSS in MB of `python -m stages.audio` in `folder`, or of other `code`.

        Read from VmHWM at exit: getrusage's ru_maxrss would also count the bench process, whose
        memory a child carries over from fork to exec.
        """
        probe = ("import atexit, re, sys; atexit.register(lambda: print(re.search(r'VmHWM:\\s*(\\d+)', "
                 "open('/proc/self/status').read()).group(0), file=sys.stderr)); "
                 f"sys.argv = ['stages.audio']; import runpy; {code}")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_BASE_URL": self.fake.url, "OPENAI_API_KEY": FAKE_KEY,
               "DOCENT_CACHE_DIR": str(folder / "cache")}
        result = subprocess.run([sys.executable, "-c", probe], cwd=folder, env=env, capture_output=True,
                                text=True, timeout=1800)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return int(re.search(r"VmHWM:\s*(\d+)", result.stderr).group(1)) / 1024

    def mastering(self) -> list[Row]:
        figures = bench_mastering.speed(300.0)
        return [Row(f"g. mastering: loudness pass + true-peak limiter, 300 s of speech-like sound at "
                    f"{bench_mastering.RATE} Hz ({figures['limited_share']:.0%} of samples limited)",
                    f"loudness {figures['loudness']:.0f}×, limiter {figures['limiter']:.0f}× real time",
                    f"{figures['loudness+limiter']:.0f}× real time together", "≥ 100×")]

    def espeak(self) -> list[Row]:
        params = parse_params({"keywords": [KEYWORD]})
        speech = EspeakSpeech(params)
        asyncio.run(speech.synthesize("준비.", self.workdir / "warm.wav"))  # loads the voice data once
        seconds = 0.0
        started = time.perf_counter()
        for index, paragraph in enumerate(PARAGRAPHS):
            path = self.workdir / f"espeak-{index}.wav"
            asyncio.run(speech.synthesize(paragraph, path))
            seconds += sf.info(path).duration
        synthesis = time.perf_counter() - started
        path = self.workdir / script_path(KEYWORD)
        path.write_text(LONG_NARRATION, encoding="utf-8")
        with self.fresh_cache(), contextlib.chdir(self.workdir):
            started = time.perf_counter()
            narration, _ = narrate(params, KEYWORD)
            stage = time.perf_counter() - started
        return [Row(f"e. espeak synthesis, {len(PARAGRAPHS)} paragraphs", f"{seconds:.0f} s of audio in {synthesis:.2f} s",
                    f"{seconds / synthesis:.0f}× real time", "≥ 100×"),
                Row("e. espeak audio stage incl. cache writes and mp3 encode", f"{narration.duration_s:.0f} s of audio "
                    f"in {stage:.2f} s", f"{narration.duration_s / stage:.0f}× real time", "")]

    def dvc_noop(self, keywords: int = 20, runs: int = 3) -> list[Row]:
        ours = docent_project(self.workdir / "dvc-docent", keywords,
                              env=project_env(DOCENT_CACHE_DIR=str(self.workdir / "dvc-cache")))
        floor = trivial_project(self.workdir / "dvc-floor", keywords)
        same_graph = trivial_project(self.workdir / "dvc-same-graph", keywords, "ours")
        timings = {}
        for name, project in (("ours", ours), ("floor", floor), ("same graph", same_graph)):
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                output = project.run("dvc", "repro").stdout
                samples.append(time.perf_counter() - started)
                assert "Running stage" not in output, output
            timings[name] = statistics.median(samples)
        return [Row(f"f. no-op `dvc repro`, {keywords} keywords (median of {runs})",
                    f"{timings['ours']:.2f} s; trivial stages {timings['floor']:.2f} s",
                    f"{timings['ours'] / timings['floor']:.2f}× DVC's floor", "reported"),
                Row("f. the same, against trivial commands in our graph (every stage, dep, param and out of ours)",
                    f"{timings['ours']:.2f} s; {timings['same graph']:.2f} s",
                    f"{timings['ours'] / timings['same graph']:.2f}×", "")]

    def listening(self, latency: float = 1.0, transcription: float = 0.5) -> list[Row]:
        """Case i: a 12-chunk voice change with the listening check against the same without it."""
        self.fake.latency, self.fake.transcription_latency = latency, transcription
        runs = {}
        try:
            for name, verify, mishear in (("off", "off", {}), ("on", "transcribe", {}),
                                          ("misheard", "transcribe", {PARAGRAPHS[8][:20]: 1})):
                self.fake.mishear = dict(mishear)
                with self.fresh_cache():
                    before = self.fake.count("transcription")
                    _, cost, wall, speech = self.narrate(LONG_NARRATION, chunk_chars=ONE_PARAGRAPH_PER_CHUNK,
                                                         concurrency=4, verify=verify)
                    runs[name] = (wall, speech, self.fake.count("transcription") - before, cost)
                    if name == "on":
                        before = self.fake.count("transcription")
                        _, _, _, again = self.narrate(LONG_NARRATION, chunk_chars=ONE_PARAGRAPH_PER_CHUNK,
                                                      concurrency=4, verify=verify)
                        cached = (again, self.fake.count("transcription") - before)
            pool = {verify: self.requests_only(chunk_chars=ONE_PARAGRAPH_PER_CHUNK, concurrency=4, verify=verify)
                    for verify in ("off", "transcribe")}
        finally:
            self.fake.latency, self.fake.transcription_latency, self.fake.mishear = 0.0, None, {}
        (off, _, _, off_cost), (on, speech, heard, on_cost) = runs["off"], runs["on"]
        wall, m_speech, m_heard, _ = runs["misheard"]
        return [Row(f"i. 12-chunk voice change, speech {latency:g} s, transcription {transcription:g} s, concurrency 4: "
                    f"tts.verify transcribe against off", f"{on:.2f} s against {off:.2f} s; {speech} speech + {heard} "
                    f"transcription requests; est. ${on_cost.spent_usd:.4f} against ${off_cost.spent_usd:.4f}",
                    f"{on / off:.2f}×", "≤ 1.3×"),
                Row("i. the same, its requests alone (no encoding; the ideal is 3 rounds of speech, then the last "
                    "round's transcriptions: 3.5 s against 3 s)", f"{pool['transcribe']:.2f} s against {pool['off']:.2f} s",
                    f"{pool['transcribe'] / pool['off']:.2f}×", "≤ 1.3×"),
                Row("i. the same, the stand-in mishearing one chunk's year", f"{m_speech} speech + {m_heard} "
                    f"transcription requests; {wall:.2f} s", f"{wall / off:.2f}× without the check", "13 + 13"),
                Row("i. the same again, every chunk cached", f"{cached[0]} speech + {cached[1]} transcription requests",
                    "", "0 + 0")]

    def scale(self) -> list[Row]:
        return scale.run(self.workdir / "scale", self.sizes, self.quick)

    def languages(self) -> list[Row]:
        return languages.run(self.workdir / "languages", (min(self.sizes), languages.SIZES[-1]))


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    memory = ""
    with contextlib.suppress(OSError, AttributeError):
        kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 ** 2:.0f} GiB"
    dvc = subprocess.run(["dvc", "--version"], capture_output=True, text=True, env=project_env()).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, DVC {dvc}, libsndfile {sf.__libsndfile_version__}; "
            f"load average {os.getloadavg()[0]:.1f} at the start")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", "--readme", dest="docs", action="store_true",
                        help="write the table into docs/performance.md (--readme: its former name)")
    parser.add_argument("--skip-dvc", action="store_true",
                        help="leave out cases f, g and h (they build catalogue-sized projects and run real dvc)")
    parser.add_argument("--large", action="store_true", help=f"case g also at N = {scale.LARGE} keywords")
    parser.add_argument("--quick", action="store_true", help="case g: ours with openai at the smallest size only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(message)s")
    where = machine()
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="docent-bench-") as tmp, FakeOpenAI() as fake:
        os.environ.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY=FAKE_KEY)
        bench = Bench(Path(tmp), fake, scale.SIZES + ((scale.LARGE,) if args.large else ()), args.quick)
        for case in (bench.concurrency, bench.one_edit, bench.storms, bench.listening, bench.memory, bench.mastering,
                     bench.espeak,
                     *(() if args.skip_dvc else (bench.dvc_noop, bench.scale, bench.languages))):
            print(f"bench: {case.__name__} …", file=sys.stderr, flush=True)
            rows += case()
        print("bench: reading …", file=sys.stderr, flush=True)
        rows += [Row(*row) for row in reading.rows()]
    text = f"{table(rows)}\n\nMeasured {time.strftime('%Y-%m-%d')} in one `make bench` run ({time.perf_counter() - started:.0f} s) on {where}."
    print(text)
    if args.docs:
        doc = PERFORMANCE_DOC.read_text(encoding="utf-8")
        if not _BLOCK.search(doc):
            raise SystemExit("docs/performance.md has no <!-- bench --> … <!-- /bench --> block to fill")
        PERFORMANCE_DOC.write_text(_BLOCK.sub(lambda m: f"{m.group(1)}{text}\n{m.group(2)}", doc), encoding="utf-8")
        print(f"bench: table written to {PERFORMANCE_DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
