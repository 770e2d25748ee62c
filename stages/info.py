"""info stage: `python -m stages.info [KEYWORD]` gathers facts into outputs/info/<keyword>.json."""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.cli import run_main, stage_keyword
from stages.core.info_file import Facts, write_facts
from stages.core.model_shutdowns import load_checked_params
from stages.core.params import Params, check_keyword
from stages.core.paths import info_path
from stages.facts.providers import INFO_PROVIDERS

log = logging.getLogger(__name__)


def run(params: Params, keyword: str) -> Facts:
    facts = INFO_PROVIDERS.get(params.info.provider)(params).fetch(keyword)
    path = write_facts(facts)
    via = "" if facts.provider == params.info.provider else f"{params.info.provider} → "
    log.info("info: %s ← %s%s (%d sections)", path, via, facts.provider, len(facts.sections))
    return facts


def main(argv: list[str]) -> None:
    keyword = check_keyword(stage_keyword(argv, "info"))
    params = load_checked_params()  # a script or speech model that has shut down stops the run before any facts
    remove_stale_temps(info_path(keyword))
    run(params, keyword)


if __name__ == "__main__":
    run_main(main)
