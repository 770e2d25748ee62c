"""info stage: `python -m stages.info` gathers every keyword's facts into outputs/info/<keyword>.json; one whose
sources file, `info` params and facts code are unchanged comes from the stage cache (stages/core/stage_cache.py)."""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.catalogue import each_keyword
from stages.core.cli import no_arguments, run_main
from stages.core.info_file import Facts, write_facts
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params
from stages.core.paths import INFO_DIR, info_path, source_path
from stages.core.stage_cache import StageCache, file_bytes_key
from stages.facts.providers import INFO_PROVIDERS

log = logging.getLogger(__name__)

FACTS = StageCache("info", INFO_DIR, ".json")


def fetch(params: Params, keyword: str) -> Facts:
    """The keyword's facts from its provider, written to outputs/info/."""
    facts = INFO_PROVIDERS.get(params.info.provider)(params).fetch(keyword)
    via = "" if facts.provider == params.info.provider else f"{params.info.provider} → "
    log.info("info: %s ← %s%s (%d sections)", write_facts(facts), via, facts.provider, len(facts.sections))
    return facts


def run(params: Params, keyword: str) -> bool:
    """Make outputs/info/<keyword>.json; True when it came from the stage cache."""
    inputs = {"info": params.info.model_dump(mode="json"), "source": file_bytes_key(source_path(keyword))}
    return FACTS.make(keyword, inputs, info_path(keyword), lambda: fetch(params, keyword))


def main(argv: list[str]) -> None:
    no_arguments(argv, "info")
    params = load_checked_params()  # a script or speech model that has shut down stops the run before any facts
    remove_stale_temps(*(info_path(keyword) for keyword in params.keywords))
    cached = each_keyword("info", params.keywords, lambda keyword: run(params, keyword))
    FACTS.write_keys(params.keywords)
    log.info("info: %d keywords, %d from the cache", len(cached), sum(cached.values()))


if __name__ == "__main__":
    run_main(main)
