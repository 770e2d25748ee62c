"""Case h (issue 23): a catalogue in four languages through real `dvc repro`, at N and 4N narrations.

For each size N, a fresh temp git + DVC project with one hand-written ~300-character script per keyword in each
of ko, en, ja and zh (scripts/<lang>/<keyword>.md). ko, en and zh are spoken offline by espeak-ng; ja, which espeak
cannot read, by the OpenAI speech API at the fake server in its own process (tts.per_language.ja). The runs:

- first run with languages [ko, en, zh];
- adding ja: only ja's narrations are made (N requests at the fake, every other chunk from the cache), and the
  other languages' files do not change by a byte;
- no-op, `dvc status`, and a one-stop edit (one keyword's English script): one chunk made.

Each run splits into our stage processes' time and DVC's own (bench/stage_times.py), per stage and per
narration-stage item (keyword × language in the script and audio stages).

    python -m bench.languages [--sizes 24,300] [--keep DIR]
"""

import argparse
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path

from bench.catalogue import docent_project, keywords
from bench.scale import TimedProject, audio_work, clocked_env, log
from bench.scale_rows import FLAT, Repro
from bench.table import Row, table
from tests.conftest import FAKE_KEY, ROOT
from tests.test_pipeline_openai import FakeProcess

SIZES = (24, 300)
LATENCY = 0.2  # the fake's, for ja's requests: a real server's latency, not the subject here
LANGUAGES = ("ko", "en", "ja", "zh")
EDIT = "\nIt is one of the works visitors stay longest in front of.\n"
# One ~300-character paragraph per language to vary per keyword: the shipped English and Chinese scripts' own
# paragraphs, and Japanese written for the bench.
JAPANESE = [
    "この作品は高麗時代に作られた青磁の梅瓶で、国宝に指定されています。雲と鶴の文様が象嵌の技法で表されています。"
    "肩から胴にかけての曲線はなめらかで、見る角度によって表情が変わります。どうぞゆっくりとご覧ください。",
    "朝鮮時代後期に作られた白磁の大きな壺です。満月のように丸くふくよかな姿から、月の壺と呼ばれています。"
    "上と下を別々に作ってつなぎ合わせたため、胴の中ほどに継ぎ目が残っています。飾り気のない白さが魅力です。",
    "統一新羅時代に作られた大きな梵鐘で、国宝に指定されています。高さは三メートルを超え、重さは約十八・九トンです。"
    "澄んだ長い余韻を残す深い音で知られ、今は録音された音でその響きを聞くことができます。",
]


def paragraphs(language: str) -> list[str]:
    if language == "ja":
        return JAPANESE
    texts = sorted((ROOT / "scripts" / language).glob("*.md"))
    return [p for path in texts for p in path.read_text(encoding="utf-8").split("\n\n") if len(p) > 80]


def scripted_project(workdir: Path, n: int, fake: FakeProcess):
    """Ours over n keywords with a hand-written script in each language; languages [ko, en, zh] to start."""
    clock, env = clocked_env(workdir, f"languages-{n}", DOCENT_CACHE_DIR=str(workdir / f"cache-languages-{n}"),
                             OPENAI_BASE_URL=fake.url, OPENAI_API_KEY=FAKE_KEY)
    project = docent_project(workdir / f"languages-{n}", n, env=env, scripts=True, build=False)
    for language in LANGUAGES[1:]:
        folder = project.file(f"scripts/{language}")
        folder.mkdir(exist_ok=True)
        for path in folder.glob("*.md"):
            path.unlink()  # the shipped ones: every keyword gets the bench's own, one chunk each
        texts = paragraphs(language)
        for index, keyword in enumerate(keywords(n)):
            (folder / f"{keyword}.md").write_text(f"No {index + 1}: {texts[index % len(texts)]}\n", encoding="utf-8")
    params = project.file("params.yaml")
    text = params.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^languages: .*$", "languages: [ko, en, zh]", text)
    text = text.replace("  per_language: {}", "  per_language: {ja: {provider: openai, model: tts-1}}")
    params.write_text(text, encoding="utf-8")
    project.commit("scripts in four languages")
    return TimedProject(project, clock, n, fake)


def digests(bench: TimedProject, languages: tuple[str, ...]) -> dict[str, str]:
    folders = [f"outputs/{kind}" + ("" if language == "ko" else f"/{language}")
               for language in languages for kind in ("audio", "script", "spoken", "metrics")]
    return {str(path): hashlib.md5(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(bench.project.file(folder).glob("*.*"))
            if not path.name.startswith(".")}


def measure(workdir: Path, n: int) -> dict[str, Repro | float]:
    fake = FakeProcess(latency=LATENCY)
    try:
        bench = scripted_project(workdir, n, fake)
        log(f"N={n}: four languages ({4 * n} narrations)")
        first = bench.repro()
        narrations, repeated, made = audio_work(first.stderr)  # repeated: a chunk two narrations share, made once
        chunks = repeated + made
        assert len(first.stages) == 5 and narrations == 3 * n and made > 0, first
        log(f"N={n} first run, ko en zh: {first}")
        before = digests(bench, ("ko", "en", "zh"))
        params = bench.project.file("params.yaml")
        params.write_text(params.read_text(encoding="utf-8").replace("languages: [ko, en, zh]",
                                                                     "languages: [ko, en, ja, zh]"), encoding="utf-8")
        added = bench.repro()
        assert added.stages == ["script", "audio", "report", "guide"] and added.requests == n, added
        # Every chunk of ko, en and zh from the cache; ja's alone requested, all of them at the fake.
        assert audio_work(added.stderr) == (4 * n, chunks, added.requests), audio_work(added.stderr)
        assert digests(bench, ("ko", "en", "zh")) == before, "adding ja changed another language's files"
        log(f"N={n} adding ja: {added}")
        noop = bench.repro()
        assert not noop.stages, noop
        status = bench.status()
        script = bench.project.file(f"scripts/en/{keywords(n)[n // 2]}.md")
        script.write_text(script.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
        edit = bench.repro()
        total = chunks + added.requests
        assert audio_work(edit.stderr) == (4 * n, total - 1, 1), audio_work(edit.stderr)  # the edited chunk only
        log(f"N={n} one-stop edit (en): {edit}")
        return {"first": first, "added": added, "noop": noop, "status": status, "edit": edit}
    finally:
        fake.stop()


def items(run: Repro, languages: int) -> int:
    """Narration-stage items: keyword × language in the script and audio stages, keywords in info, 1 otherwise."""
    return sum(run.n * languages if stage in ("script", "audio") else run.n if stage == "info" else 1
               for stage in run.stages)


def rows(results: dict[int, dict]) -> list[Row]:
    sizes = sorted(results)
    out = []
    for n in sizes:
        r = results[n]
        h = f"h. N={n} × 4 languages ({4 * n} narrations):"
        for run, what, languages in (("first", "first run, ko en zh", 3), ("added", "adding ja (only ja made)", 4),
                                     ("edit", "one-stop edit (an English script)", 4)):
            x = r[run]
            out.append(Row(f"{h} {what}: {', '.join(x.stages)}",
                           f"{x.seconds:.1f} s (stages {x.own:.1f} s; DVC {x.dvc:.1f} s = {x.per_stage:.2f} s/stage, "
                           f"{x.dvc / items(x, languages) * 1000:.1f} ms per narration-stage item; {x.requests} "
                           f"requests at the fake)", "", ""))
        out.append(Row(f"{h} no-op `dvc repro`, `dvc status`", f"{r['noop'].seconds:.2f} s, {r['status']:.2f} s", "",
                       "≤ 5 s"))
    if len(sizes) > 1:
        a, b = results[sizes[0]], results[sizes[-1]]
        for run, what, languages in (("first", "first run", 3), ("added", "adding a language", 4),
                                     ("edit", "one-stop edit", 4)):
            x, y = a[run], b[run]
            per_item = [run.dvc / items(run, languages) * 1000 for run in (x, y)]
            out.append(Row(f"h. DVC's own overhead, {what}, N = {x.n} → {y.n} (4 languages)",
                           f"{x.per_stage:.2f} → {y.per_stage:.2f} s/stage; {per_item[0]:.1f} → {per_item[1]:.1f} ms "
                           f"per narration-stage item", f"{y.per_stage / x.per_stage:.2f}× per stage, "
                           f"{per_item[1] / per_item[0]:.2f}× per item", f"≤ {FLAT:g}× per stage" if run == "first" else ""))
    return out


def run(workdir: Path, sizes: tuple[int, ...] = SIZES) -> list[Row]:
    workdir.mkdir(parents=True, exist_ok=True)
    return rows({n: measure(workdir, n) for n in sorted(sizes)})


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.languages", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated keyword counts")
    parser.add_argument("--keep", type=Path, help="build the projects in this folder and leave them there")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    started = time.perf_counter()
    if args.keep:
        text = table(run(args.keep, sizes))
    else:
        with tempfile.TemporaryDirectory(prefix="docent-languages-") as tmp:
            text = table(run(Path(tmp), sizes))
    print(f"{text}\n\nMeasured {time.strftime('%Y-%m-%d')} in one `python -m bench.languages` run "
          f"({time.perf_counter() - started:.0f} s), sizes {', '.join(map(str, sizes))}.")


if __name__ == "__main__":
    main(sys.argv[1:])
