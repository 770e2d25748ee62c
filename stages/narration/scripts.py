"""Make one keyword's narration in one language: from the stage cache when its inputs are unchanged, else a
hand-written scripts/[<lang>/]<keyword>.md verbatim, else the script provider's (the first language: written from the
facts; any other: translated from the first language's)."""

import logging
import shlex
from pathlib import Path

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.core.files import read_text_file
from stages.core.info_file import Facts, read_facts
from stages.core.languages import LANGUAGES
from stages.core.params import Params
from stages.core.paths import SCRIPT_DIR, hand_edited_path, info_path, language_folder, script_path
from stages.core.stage_cache import StageCache, file_bytes_key
from stages.narration.claims import unsupported
from stages.narration.providers import script_provider, translator

log = logging.getLogger(__name__)


def machine_translated(params: Params, keyword: str, language: str) -> bool:
    """Whether the keyword's narration in `language` will be a machine translation (for the guide's credits)."""
    return language != params.source_language and not hand_edited_path(keyword, params.folder(language)).is_file()


def warn_unsupported(path: Path, text: str, facts: Facts) -> None:
    """A museum's own narration is never blocked: each claim its facts do not hold is one warning, for a curator."""
    for claim in unsupported(text, facts):
        log.warning("script: %s states %s in \"%s\", which the facts do not hold (python -m stages.factcheck %s)",
                    path, claim.text, claim.sentence, shlex.quote(facts.keyword))


def write_script(params: Params, keyword: str, language: str | None = None) -> Path:
    """Write the keyword's narration in `language` (default: the first); a hand-written file must be UTF-8 (CRLF
    becomes LF) and not empty. No language falls back to another's text: without a way to make it, one line says
    which file to write."""
    language = language or params.source_language
    folder = params.folder(language)
    out = script_path(keyword, folder)
    hand_edited = hand_edited_path(keyword, folder)
    if hand_edited.is_file():
        text = read_text_file(hand_edited)  # refused here, in one line, if it is not UTF-8
        if not text.strip():
            raise PipelineError(f"{hand_edited} is empty; write the narration there or delete the file")
        atomic.write_text(out, text)
        log.info("script: %s ← %s (hand-written, used verbatim)", out, hand_edited)
        if folder is None and language == "ko" and info_path(keyword).is_file():
            warn_unsupported(hand_edited, text, read_facts(keyword))
        return out
    name = LANGUAGES[language].english
    if language != params.source_language:
        translate = translator(params.script.provider)
        if translate is None:
            raise PipelineError(f"no {name} narration for {keyword!r}: write {hand_edited} or set script.provider: "
                                f"openai")
        source = script_path(keyword)
        try:
            original = read_text_file(source)
        except FileNotFoundError:
            raise PipelineError(f"{source} is missing, so there is nothing to translate into {name}") from None
        text = translate(params).translate(original, keyword, params.source_language, language)
        atomic.write_text(out, text)
        log.info("script: %s ← %s translation of %s (%d characters)", out, params.script.provider, source, len(text))
        return out
    if language != "ko":
        raise PipelineError(f"no {name} narration for {keyword!r}: write {hand_edited} (the script providers write "
                            f"Korean, the language of the facts)")
    facts = read_facts(keyword)
    text = script_provider(params.script.provider)(params).write(facts)
    atomic.write_text(out, text)
    log.info("script: %s ← %s (%d characters)", out, params.script.provider, len(text))
    return out


def script_cache(params: Params, language: str) -> StageCache:
    """The stage cache of one language's narrations; its record of them lives in that language's folder."""
    return StageCache("script", language_folder(SCRIPT_DIR, params.folder(language)), ".md")


def make_script(params: Params, keyword: str, language: str | None = None, cache: StageCache | None = None) -> bool:
    """Make the keyword's narration in `language` (default: the first); True when it came from the stage cache."""
    language = language or params.source_language
    folder = params.folder(language)
    cache = cache or script_cache(params, language)
    # What the narration is made from: the facts for the first language, that language's narration for the others.
    # Not the list of languages: adding one changes no other's key.
    made_from = info_path(keyword) if folder is None else script_path(keyword)
    inputs = {"script": params.script.model_dump(mode="json"), "language": language,
              "source_language": params.source_language, "made_from": file_bytes_key(made_from),
              "hand_edited": file_bytes_key(hand_edited_path(keyword, folder))}
    return cache.make(keyword, inputs, script_path(keyword, folder), lambda: write_script(params, keyword, language),
                      record={"machine_translation": machine_translated(params, keyword, language)})
