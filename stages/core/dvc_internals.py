"""What DVC does not hand a stage, read from DVC's own records: the invoking `dvc` command, and dvc.lock.

The one module that reads DVC's internals, so that a change in DVC's layout is fixed in one place.

Which keywords the running `dvc` command narrates, read from its command line: a catalogue-level step (the speak stage) synthesises many keywords' chunks in one pool. It must bill only
for narrations this invocation makes: `dvc repro "audio@백자 달항아리"` narrates one keyword, `dvc repro`
and `dvc exp run` narrate all. DVC does not tell a stage what else it will run, so the step reads the
targets off the `dvc` process that started it, with DVC's own argument parser.
"""

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path

import yaml

from stages.core.paths import chunks_path

LOCK_FILE = Path("dvc.lock")

# Targets that pull in every audio stage: the foreach group itself and the stages downstream of all of them.
_WHOLE_CATALOGUE = {"audio", "speak", "report", "guide"}


def dvc_argv() -> list[str] | None:
    """The arguments of the `dvc` command this process runs under (after the program), or None if none."""
    import psutil

    try:
        for process in psutil.Process(os.getpid()).parents():
            argv = process.cmdline()
            for index, word in enumerate(argv[:3]):
                if os.path.basename(word) in ("dvc", "dvc.exe") or word == "dvc":
                    return argv[index + 1:]
                if word == "-m" and index + 1 < len(argv) and argv[index + 1] == "dvc":
                    return argv[index + 2:]
    except psutil.Error:
        return None
    return None


def narrated_keywords(keywords: Sequence[str], argv: list[str] | None) -> set[str]:
    """The keywords whose audio stage the dvc command `argv` may run; every keyword when it is not a targeted
    `dvc repro` or `dvc exp run` (run by hand, a queue worker), or when its targets cover the catalogue."""
    everything = set(keywords)
    if not argv:
        return everything
    from dvc.cli import DvcParserError
    from dvc.cli.parser import get_main_parser

    try:
        args = get_main_parser().parse_args(argv)
    except (DvcParserError, SystemExit):  # an argument list DVC itself would refuse: assume the whole catalogue
        return everything
    targets = getattr(args, "targets", None)
    if getattr(args, "cmd", None) not in ("repro", "run") or not targets:
        return everything
    if getattr(args, "downstream", False) or getattr(args, "all_pipelines", False):
        return everything
    stages = [f"audio@{keyword}" for keyword in keywords]
    narrated: set[str] = set()
    names = [target.rsplit(":", 1)[-1] for target in targets]
    if getattr(args, "single_item", False) and not getattr(args, "glob", False):
        # `dvc repro -s info@x script@x speak audio@x report` (make audio KEYWORD=x) runs exactly those
        # stages: the audio targets are what it narrates, whatever else is listed.
        return {name.removeprefix("audio@") for name in names if name.removeprefix("audio@") in everything
                and name.startswith("audio@")}
    for target in targets:
        name = target.rsplit(":", 1)[-1]  # dvc.yaml:audio@x → audio@x
        if getattr(args, "glob", False):
            narrated |= {stage.removeprefix("audio@") for stage in fnmatch.filter(stages, name)}
            if any(fnmatch.fnmatch(group, name) for group in _WHOLE_CATALOGUE):
                return everything
        elif name in _WHOLE_CATALOGUE:
            return everything
        elif name.startswith("audio@") and name.removeprefix("audio@") in everything:
            narrated.add(name.removeprefix("audio@"))
    return narrated


def recorded_manifests(lock: Path = LOCK_FILE) -> dict[str, str]:
    """keyword → the md5 dvc.lock holds for its audio stage's manifest dependency (what its last run used)."""
    try:
        stages = yaml.load(lock.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (FileNotFoundError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    recorded = {}
    for name, stage in ((stages or {}).get("stages") or {}).items():
        if not name.startswith("audio@"):
            continue
        keyword = name.removeprefix("audio@")
        for dep in stage.get("deps") or []:
            if dep.get("path") == chunks_path(keyword).as_posix() and dep.get("md5"):
                recorded[keyword] = dep["md5"]
    return recorded
