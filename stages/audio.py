"""audio stage: `python -m stages.audio` speaks every keyword's outputs/script/<keyword>.md into outputs/audio/,
with its subtitles, spoken text and metrics; the speech requests of all of them go in one pool
(stages/speech/narrate.py)."""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.cli import no_arguments, run_main
from stages.core.model_shutdowns import load_checked_params
from stages.speech.narrate import Narrator, outputs_of

log = logging.getLogger(__name__)


def main(argv: list[str]) -> None:
    no_arguments(argv, "audio")
    params = load_checked_params(warn=("tts.model",))
    remove_stale_temps(*(path for keyword in params.keywords for path in outputs_of(keyword)))
    narrator = Narrator(params)
    narrator.narrate_all(params.keywords)
    narrator.write_keys()
    cost = narrator.cost()
    log.info("audio: %d narrations; %d chunks from the cache, %d requests, %d retries", len(params.keywords),
             cost.cached_chunks, cost.requests, cost.retries)


if __name__ == "__main__":
    run_main(main)
