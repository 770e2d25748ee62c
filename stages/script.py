"""script stage: `python -m stages.script` writes every keyword's narration in every language of params.yaml:
outputs/script/<keyword>.md for the first language, outputs/script/<lang>/<keyword>.md for the others, each from
scripts/[<lang>/]<keyword>.md when the museum wrote one, else from the script provider, through the stage cache: an
edit to one stop writes that stop's narrations only, a new language that language's (stages/narration/scripts.py).
"""

import logging
from functools import partial

from stages.core import atomic
from stages.core.catalogue import Failures, each_keyword
from stages.core.cli import no_arguments, run_main
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params
from stages.core.paths import script_path
from stages.narration.scripts import make_script, script_cache

log = logging.getLogger(__name__)


def run(params: Params, keyword: str, language: str | None = None) -> bool:
    """Make the keyword's narration in `language` (default: the first); True when it came from the stage cache."""
    return make_script(params, keyword, language)


def main(argv: list[str]) -> None:
    no_arguments(argv, "script")
    params = load_checked_params(warn=("script.model",))
    atomic.remove_stale_temps(*(script_path(kw, params.folder(lang)) for lang in params.languages for kw in params.keywords))
    failures, cached, several = Failures("script"), 0, len(params.languages) > 1
    for language in params.languages:  # the first language first: the others are translated from it
        cache = script_cache(params, language)
        made = each_keyword("script", params.keywords, partial(make_script, params, language=language, cache=cache),
                            language=language if several else None, failures=failures)
        cache.write_keys(params.keywords)
        cached += sum(made.values())
    failures.raise_any(len(params.keywords) * len(params.languages), "narrations" if several else "keywords")
    languages = f" × {len(params.languages)} languages" if several else ""
    log.info("script: %d keywords%s, %d from the cache", len(params.keywords), languages, cached)


if __name__ == "__main__":
    run_main(main)
