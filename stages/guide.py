"""guide stage: `python -m stages.guide` publishes the narrations as a static audio guide in outputs/guide/.

Stop numbers come from outputs/stops.json (committed), so a new keyword never renumbers the others. With several
languages (params.yaml `languages`), each has its own pages under outputs/guide/<lang>/, with the same numbers.
"""

import logging

from stages.core.atomic import remove_stale_temps
from stages.core.cli import no_arguments, run_main
from stages.core.params import Params, load_params
from stages.core.paths import GUIDE_DIR, STOPS_FILE
from stages.publishing.numbering import update_numbers
from stages.publishing.site import write_site
from stages.publishing.stop import Stop, load_stops

log = logging.getLogger(__name__)


def run(params: Params) -> list[Stop]:
    numbers = update_numbers(params.keywords)
    stops = load_stops(params, numbers)
    write_site(stops, params.guide)
    log.info("guide: %s (%d stops%s)", GUIDE_DIR, len(params.keywords),
             f" in {len(params.languages)} languages" if len(params.languages) > 1 else "")
    if params.guide.base_url is None:
        log.warning("guide: guide.base_url is unset, so the QR labels hold relative links; set it before printing")
    return stops


def main(argv: list[str]) -> None:
    no_arguments(argv, "guide")
    remove_stale_temps(GUIDE_DIR, STOPS_FILE)
    run(load_params())


if __name__ == "__main__":
    run_main(main)
