"""Shared entry-point wrapper: logging set-up and one-line errors instead of tracebacks."""

import logging
import os
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
    """The single KEYWORD argument of a one-keyword command (make audio KEYWORD=x)."""
    if len(argv) != 1:
        raise PipelineError(f"usage: {usage} KEYWORD")
    return argv[0]


def no_arguments(argv: list[str], stage: str) -> None:
    """A catalogue stage takes no argument: one given (a keyword, as the per-keyword stages took) is refused, so that
    nobody pays for the whole catalogue while meaning one stop."""
    if argv:
        raise PipelineError(f"python -m stages.{stage} takes no argument: it makes every keyword in params.yaml; "
                            f"for one keyword run `make audio KEYWORD=<keyword>`")
