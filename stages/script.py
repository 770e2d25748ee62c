"""script stage: `python -m stages.script` writes every keyword's narration to outputs/script/<keyword>.md, from
scripts/<keyword>.md when the museum wrote one, else from the script provider (stages/narration/scripts.py).

A keyword whose facts, hand-edited file, `script` params and narration code are unchanged comes from the stage
cache, so editing one stop writes that stop's narration only (stages/core/stage_cache.py).
"""

import logging

from stages.core import atomic
from stages.core.catalogue import each_keyword
from stages.core.cli import no_arguments, run_main
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params
from stages.core.paths import SCRIPT_DIR, hand_edited_path, info_path, script_path
from stages.core.stage_cache import StageCache, file_bytes_key
from stages.narration.scripts import write_script

log = logging.getLogger(__name__)

SCRIPTS = StageCache("script", SCRIPT_DIR, ".md")


def run(params: Params, keyword: str) -> bool:
    """Make outputs/script/<keyword>.md; True when it came from the stage cache."""
    inputs = {"script": params.script.model_dump(mode="json"), "facts": file_bytes_key(info_path(keyword)),
              "hand_edited": file_bytes_key(hand_edited_path(keyword))}
    return SCRIPTS.make(keyword, inputs, script_path(keyword), lambda: write_script(params, keyword))


def main(argv: list[str]) -> None:
    no_arguments(argv, "script")
    params = load_checked_params(warn=("script.model",))
    atomic.remove_stale_temps(*(script_path(keyword) for keyword in params.keywords))
    cached = each_keyword("script", params.keywords, lambda keyword: run(params, keyword))
    SCRIPTS.write_keys(params.keywords)
    log.info("script: %d keywords, %d from the cache", len(cached), sum(cached.values()))


if __name__ == "__main__":
    run_main(main)
