"""report stage: `python -m stages.report` totals the narrations' metrics into metrics.json, with lufs_spread, and
per language when there are several (`dvc metrics show`, `dvc exp show`), and writes the plot data, durations.json."""

import logging
from pathlib import Path

from stages.core import atomic
from stages.core.cli import no_arguments, run_main
from stages.core.params import Params, load_params
from stages.core.totals import catalogue_metrics, summary

log = logging.getLogger(__name__)

TOTALS_FILE = Path("metrics.json")
DURATIONS_FILE = Path("outputs/report/durations.json")


def run(params: Params) -> dict:
    metrics = catalogue_metrics(params)
    totals = summary(metrics)
    atomic.write_text(TOTALS_FILE, atomic.stable_json(totals))
    several = len(metrics) > 1  # a bar per narration, named with its language
    bars = [{"keyword": f"{keyword} ({language})" if several else keyword, "duration_s": row["duration_s"]}
            for language, rows in metrics.items() for keyword, row in rows]
    atomic.write_text(DURATIONS_FILE, atomic.stable_json(bars))
    log.info("report: %d narrations, %.1f s, est. $%.4f", totals["narrations"], totals["duration_s"],
             totals["est_cost_usd"])
    return totals


def main(argv: list[str]) -> None:
    no_arguments(argv, "report")
    atomic.remove_stale_temps(TOTALS_FILE, DURATIONS_FILE)
    run(load_params())


if __name__ == "__main__":
    run_main(main)
