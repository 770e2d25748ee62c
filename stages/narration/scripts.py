"""Write one keyword's narration: a hand-edited scripts/<keyword>.md verbatim, else the script provider's."""

import logging
from pathlib import Path

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.info_file import read_facts
from stages.core.params import Params
from stages.core.paths import hand_edited_path, script_path
from stages.narration.providers import script_provider

log = logging.getLogger(__name__)


def write_script(params: Params, keyword: str) -> Path:
    """Write outputs/script/<keyword>.md; a hand-edited file must be UTF-8 (CRLF becomes LF) and not empty."""
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
