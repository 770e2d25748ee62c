"""Shared entry-point wrapper: logging set-up and one-line errors instead of tracebacks."""

import logging
import os
import re
import sys
from collections.abc import Callable

from stages.core.atomic import discard_live_temps
from stages.core.errors import PipelineError

log = logging.getLogger("stages")


def run_main(main: Callable[[list[str]], None], argv: list[str] | None = None) -> None:
    """Run a stage's main; turn a PipelineError into `error: ...` on stderr and exit status 1."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    # We use no pydantic plugin. Without this, building the params models scans every installed distribution's
    # entry points for one, about 20 ms of each stage process (docs/performance.md: Lean stage processes); the
    # models are built on first use, after this. A user's own setting wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        main(sys.argv[1:] if argv is None else argv)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.stderr.flush()
        discard_live_temps()  # a worker thread mid-request or in a retry wait holds its temp file open
        # Not sys.exit: that would join the worker threads, and one mid-request could hold the exit for up to
        # requests.timeout. Every output is written atomically, so nothing half-written is left in place.
        os._exit(130)


def one_keyword(argv: list[str], usage: str) -> str:
    """The single KEYWORD argument every stage takes."""
    if len(argv) != 1:
        raise PipelineError(f"usage: {usage} KEYWORD")
    return argv[0]


# DVC_STAGE is `<stage>@<keyword>`, prefixed with `<path>/dvc.yaml:` when dvc.yaml is not in the current folder
# (dvc/stage/run.py: prepare_kwargs sets it to stage.addressing). A keyword holds no ':', so the prefix is unambiguous.
_DVC_STAGE = re.compile(r"(?:.*?dvc\.yaml:)?(?P<stage>[^@:]+)@(?P<keyword>.*)", re.S)


def stage_keyword(argv: list[str], stage: str) -> str:
    """A foreach stage's keyword: the one argument when run by hand, else DVC_STAGE's, which no shell ever parses."""
    usage = f"usage: python -m stages.{stage} KEYWORD (under dvc repro the keyword comes from DVC_STAGE)"
    if argv:
        return one_keyword(argv, f"python -m stages.{stage}")
    addressing = os.environ.get("DVC_STAGE")
    if not addressing:
        raise PipelineError(usage)
    match = _DVC_STAGE.fullmatch(addressing)
    if match is None or match["stage"] != stage:
        raise PipelineError(f"DVC_STAGE is {addressing!r}, not {stage}@<keyword>; {usage}")
    return match["keyword"]
