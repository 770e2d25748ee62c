"""info stage: `python -m stages.info` gathers each keyword's facts and picture into outputs/info/, through a cache."""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.catalogue import each_keyword
from stages.core.cli import no_arguments, run_main
from stages.core.info_file import write_facts
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params
from stages.core.paths import INFO_DIR, fetched_picture_paths, info_path, source_path
from stages.core.stage_cache import StageCache, file_bytes_key
from stages.facts.picture import credit_record, keep_picture
from stages.facts.providers import INFO_PROVIDERS

log = logging.getLogger(__name__)
FACTS = StageCache("info", INFO_DIR, ".json")  # by the sources file, the `info` params and the facts code


def fetch(params: Params, keyword: str) -> None:
    """The keyword's facts from its provider, written to outputs/info/."""
    facts = INFO_PROVIDERS.get(params.info.provider)(params).fetch(keyword)
    via = "" if facts.provider == params.info.provider else f"{params.info.provider} → "
    log.info("info: %s ← %s%s (%d sections)", write_facts(facts), via, facts.provider, len(facts.sections))


def run(params: Params, keyword: str) -> bool:
    """Make outputs/info/<keyword>.json and the picture its facts name; True when the facts came from the cache."""
    inputs = {"info": params.info.model_dump(mode="json"), "source": file_bytes_key(source_path(keyword))}
    cached = FACTS.make(keyword, inputs, info_path(keyword), lambda: fetch(params, keyword), credit_record(keyword))
    keep_picture(params, keyword, FACTS.previous)
    return cached


def main(argv: list[str]) -> None:
    no_arguments(argv, "info")
    params = load_checked_params()  # a script or speech model that has shut down stops the run before any facts
    remove_stale_temps(*(path for keyword in params.keywords for path in (info_path(keyword), *fetched_picture_paths(keyword))))
    cached = each_keyword("info", params.keywords, lambda keyword: run(params, keyword))
    FACTS.write_keys(params.keywords)
    log.info("info: %d keywords, %d from the cache", len(cached), sum(cached.values()))


if __name__ == "__main__":
    run_main(main)
