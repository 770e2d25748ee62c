"""script stage: `python -m stages.script [KEYWORD]` writes outputs/script/<keyword>.md; a hand-edited
scripts/<keyword>.md, when present, is used verbatim instead (it must be UTF-8; CRLF becomes LF)."""

import logging
from pathlib import Path

from stages.core import atomic
from stages.core.cli import run_main, stage_keyword
from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.info_file import read_facts
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params, check_keyword
from stages.core.paths import hand_edited_path, script_path
from stages.narration.providers import script_provider

log = logging.getLogger(__name__)


def run(params: Params, keyword: str) -> Path:
    out = script_path(keyword)
    hand_edited = hand_edited_path(keyword)
    if hand_edited.is_file():
        text = read_text_file(hand_edited)  # refused here, in one line, if it is not UTF-8
        if not text.strip():
            raise PipelineError(f"{hand_edited} is empty; write the narration there or delete the file")
        atomic.write_text(out, text)
        log.info("script: %s ← %s (hand-edited, used verbatim)", out, hand_edited)
        return out
    facts = read_facts(keyword)
    text = script_provider(params.script.provider)(params).write(facts)
    atomic.write_text(out, text)
    log.info("script: %s ← %s (%d characters)", out, params.script.provider, len(text))
    return out


def main(argv: list[str]) -> None:
    keyword = check_keyword(stage_keyword(argv, "script"))
    params = load_checked_params(warn=("script.model",))
    atomic.remove_stale_temps(script_path(keyword))
    run(params, keyword)


if __name__ == "__main__":
    run_main(main)
