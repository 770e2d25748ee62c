"""A small catalogue of narrated stops written as the upstream stages write them, and the guide built from it."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from stages.core.info_file import Facts, FactSection
from stages.core.params import Params, parse_params

SAMPLE_RATE = 8000


@dataclass
class Catalogue:
    """The outputs/ folder of a project with some narrated keywords; build() runs the guide stage on it."""

    root: Path
    keywords: list[str] = field(default_factory=list)
    guide: dict = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: ["ko"])  # params.yaml `languages`; the first has the facts

    def add(self, keyword: str, sentences: list[str] | None = None, seconds_each: float = 2.0, title: str = "",
            details: dict[str, str] | None = None, attribution: list[str] | None = None,
            translations: dict[str, list[str]] | None = None, machine: tuple[str, ...] = ()) -> None:
        """Write the info file of one keyword, and its script, audio (WAV), subtitles and metrics files in each of
        `languages` (the others' sentences from `translations`, or made up); `machine`: the languages whose script
        the script stage would have marked as a machine translation."""
        sentences = sentences or [f"{keyword} 첫째 문장입니다.", "둘째 문장입니다.", "셋째 문장입니다.",
                                  "넷째 문장입니다."]
        out = self.root / "outputs"
        facts = Facts(keyword=keyword, title=title or keyword, provider="local", details=details or {},
                      attribution=attribution or [],
                      sections=[FactSection(heading="개요", text=" ".join(sentences), source=f"sources/{keyword}.md")])
        _write(out / "info" / f"{keyword}.json", facts.to_json())
        for n, language in enumerate(self.languages):
            folder = Path(language if n else "")  # the first language's files stay where a one-language guide has them
            said = sentences if not n else (translations or {}).get(language) or [
                f"{language} sentence {i + 1} about {keyword}." for i in range(len(sentences))]
            _narration(out, folder, keyword, said, seconds_each)
            keys_file = out / "script" / folder / ".keys.json"
            keys = json.loads(keys_file.read_text(encoding="utf-8")) if keys_file.exists() else {}
            keys[keyword] = {"key": f"{language}-{keyword}", "machine_translation": language in machine}
            _write(keys_file, json.dumps(keys, ensure_ascii=False))
        self.keywords.append(keyword)

    def params(self) -> Params:
        return parse_params({"keywords": self.keywords, "languages": self.languages, "tts": {"format": "wav"},
                             "guide": self.guide})

    def build(self) -> Path:
        from stages.guide import run

        run(self.params())
        return self.root / "outputs" / "guide"


def built_site(tmp_path_factory: pytest.TempPathFactory, name: str, fill: Callable[[Catalogue], None],
               **catalogue: object) -> Path:
    """A catalogue filled by `fill` in a folder of its own, built by the guide stage; the site's folder."""
    root = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as env:
        env.chdir(root)  # the stage reads and writes relative to the project folder
        built = Catalogue(root, **catalogue)
        fill(built)
        return built.build()


def _narration(out: Path, folder: Path, keyword: str, sentences: list[str], seconds_each: float) -> None:
    """One language's script, audio, subtitles and metrics of a keyword, in `folder` of each output folder."""
    half = len(sentences) // 2
    _write(out / "script" / folder / f"{keyword}.md", f"{' '.join(sentences[:half])}\n\n{' '.join(sentences[half:])}\n")
    duration = seconds_each * len(sentences)
    t = np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE
    (out / "audio" / folder).mkdir(parents=True, exist_ok=True)
    sf.write(out / "audio" / folder / f"{keyword}.wav", 0.1 * np.sin(2 * np.pi * 440 * t), SAMPLE_RATE,
             subtype="PCM_16")
    cues = [f"{i + 1}\n{_stamp(i * seconds_each)} --> {_stamp((i + 1) * seconds_each)}\n{_vtt_text(s)}\n"
            for i, s in enumerate(sentences)]
    _write(out / "audio" / folder / f"{keyword}.vtt",
           f"WEBVTT\n\nNOTE\n{keyword}\n출처: sources/{keyword}.md\n음성: test tone\n\n" + "\n".join(cues))
    _write(out / "metrics" / folder / f"{keyword}.json", json.dumps({"duration_s": duration}))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def catalogue(tmp_path, monkeypatch) -> Catalogue:
    """An empty catalogue in a temporary project folder, which is the working directory (stages run there)."""
    monkeypatch.chdir(tmp_path)
    return Catalogue(tmp_path)


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}

