"""`python -m stages.preview KEYWORD` (what `make audio KEYWORD=x` runs): narrate one keyword, outside DVC.

The pipeline's stages each run for the whole catalogue, so `dvc repro` cannot be pointed at one keyword. This
runs the same three steps for that keyword alone (facts, narration, speech), into the same outputs and the same
caches, so it pays for that keyword only, and the next `make audio` finds its work done and adds the stop to the
guide and the report.
"""

import logging

from stages import info, script
from stages.core.atomic import remove_stale_temps
from stages.core.cli import one_keyword, run_main
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import check_keyword
from stages.core.paths import audio_path, info_path, script_path
from stages.speech.narrate import narrate, outputs_of

log = logging.getLogger(__name__)


def main(argv: list[str]) -> None:
    keyword = check_keyword(one_keyword(argv, "python -m stages.preview"))
    params = load_checked_params(warn=("script.model", "tts.model", "tts.verify_model"))
    if keyword not in params.keywords:
        log.warning("preview: %r is not in params.yaml's keywords, so `make audio` will not publish it", keyword)
    folders = [params.folder(language) for language in params.languages]
    remove_stale_temps(info_path(keyword), *(path for folder in folders  # a killed run's
                                             for path in (script_path(keyword, folder), *outputs_of(keyword, folder))))
    info.run(params, keyword)
    for language in params.languages:  # the first first: the others are translated from it
        script.run(params, keyword, language)
    for language, folder in zip(params.languages, folders):
        metrics, cost = narrate(params, keyword, language)
        log.info("preview: %s (%.1f s; %d chunks, %d from the cache, %d requests); `make audio` adds it to the guide "
                 "and the report", audio_path(keyword, params.in_language(language).tts.format, folder),
                 metrics.duration_s, metrics.chunks, cost.cached_chunks, cost.requests)


if __name__ == "__main__":
    run_main(main)
