"""Shared entry-point wrapper: logging set-up and one-line errors instead of tracebacks."""

import logging
import os
import sys
from collections.abc import Callable

from stages.core.errors import PipelineError

log = logging.getLogger("stages")


def run_main(main: Callable[[list[str]], None], argv: list[str] | None = None) -> None:
    """Run a stage's main; turn a PipelineError into `error: ...` on stderr and exit status 1."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        main(sys.argv[1:] if argv is None else argv)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.stderr.flush()
        # Not sys.exit: that would join the worker threads, and one mid-request could hold the exit for up to
        # requests.timeout. Every output is written atomically, so nothing half-written is left in place.
        os._exit(130)


def one_keyword(argv: list[str], usage: str) -> str:
    """The single KEYWORD argument every stage takes."""
    if len(argv) != 1:
        raise PipelineError(f"usage: {usage} KEYWORD")
    return argv[0]
