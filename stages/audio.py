"""audio stage: `python -m stages.audio` speaks every keyword's narration, in every language of params.yaml, into
outputs/audio/ (the first language's; outputs/audio/<lang>/ for the others), with its subtitles, spoken text and
metrics; one language after another, the speech requests of all its keywords in one pool (stages/speech/narrate.py).
"""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.catalogue import Failures
from stages.core.cli import no_arguments, run_main
from stages.core.model_shutdowns import load_checked_params
from stages.speech.metrics import RunCost
from stages.speech.narrate import Narrator, outputs_of
from stages.speech.providers import check_speech

log = logging.getLogger(__name__)


def main(argv: list[str]) -> None:
    no_arguments(argv, "audio")
    params = load_checked_params(warn=("tts.model", "tts.verify_model"))
    check_speech(params)  # every language's voice, before any is spoken (a plain `dvc repro` skips check_params)
    remove_stale_temps(*(path for language in params.languages for keyword in params.keywords
                         for path in outputs_of(keyword, params.folder(language))))
    failures = Failures("audio")
    cost = RunCost(requests=0, retries=0, cached_chunks=0, new_chars=0)
    for language in params.languages:
        narrator = Narrator(params, language)
        narrator.narrate_all(params.keywords, failures)
        narrator.write_keys()
        cost += narrator.cost()
    total = len(params.keywords) * len(params.languages)
    failures.raise_any(total, "narrations")
    log.info("audio: %d narrations; %s", total, cost.line())


if __name__ == "__main__":
    run_main(main)
