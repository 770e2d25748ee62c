"""speak stage: `python -m stages.speak` warms the chunk cache for every narration this run makes, in one pool.

The audio@<keyword> stages that follow find their chunks in the cache (see stages/speech/warming.py).
"""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.cli import run_main
from stages.core.dvc_internals import dvc_argv, narrated_keywords
from stages.core.model_shutdowns import load_checked_params
from stages.core.paths import chunks_path
from stages.speech.warming import warm

log = logging.getLogger(__name__)


def main(argv: list[str]) -> None:
    params = load_checked_params(warn=("tts.model",))
    remove_stale_temps(*(chunks_path(keyword) for keyword in params.keywords))
    narrated = narrated_keywords(params.keywords, dvc_argv())
    done = warm(params, narrated)
    log.info("speak: %d of %d narrations changed; %d chunks, %d requests", done.keywords, len(narrated),
             done.chunks, done.requests)


if __name__ == "__main__":
    run_main(main)
