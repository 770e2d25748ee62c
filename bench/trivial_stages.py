"""The same-graph floor's stand-in for every stage of dvc.yaml (copied into the floor's project as trivial_stages.py).

`python trivial_stages.py STAGE` writes the files the real stage writes, by the same names, each a line of text,
so that DVC hashes, caches and locks the same outputs while the command itself costs next to nothing. Like ours,
the audio files change with the tts params (a voice change re-runs report and guide) and a keyword's script with
its hand-written scripts/<keyword>.md (a one-stop edit re-runs audio, report and guide). Standard library and
PyYAML only: the floor's project has none of bench/.
"""

import json
import sys
from pathlib import Path

import yaml


def write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def main(stage: str) -> None:
    params = yaml.safe_load(read("params.yaml"))
    keywords, tts = params["keywords"], params["tts"]
    fmt, tag = tts["format"], f"{tts['voice']} {tts['speed']}"
    for number, keyword in enumerate(keywords, 1):
        if stage == "info":
            write(f"outputs/info/{keyword}.json", json.dumps({"keyword": keyword}))
        elif stage == "script":
            hand = Path(f"scripts/{keyword}.md")
            write(f"outputs/script/{keyword}.md", read(str(hand)) if hand.exists() else keyword)
        elif stage == "audio":
            said = f"{tag} {read(f'outputs/script/{keyword}.md')}"
            for path in (f"outputs/audio/{keyword}.{fmt}", f"outputs/audio/{keyword}.vtt", f"outputs/spoken/{keyword}.txt"):
                write(path, said)
            write(f"outputs/metrics/{keyword}.json", json.dumps({"voice": tag, "chars": len(said)}))
        elif stage == "guide":
            said = read(f"outputs/audio/{keyword}.vtt")
            for path in (f"outputs/guide/stops/{number}.html", f"outputs/guide/media/{number}.{fmt}",
                         f"outputs/guide/media/{number}.vtt"):
                write(path, said)
    if stage == "report":
        write("metrics.json", "{}")
        write("outputs/report/durations.json", "[]")
    elif stage == "guide":
        for page in ("index.html", "labels.html", "assets/guide.css", "assets/guide.js"):
            write(f"outputs/guide/{page}", page)
        write("outputs/stops.json", json.dumps({"stops": keywords}))


if __name__ == "__main__":
    main(sys.argv[1])
