"""report stage: `python -m stages.report` totals the narrations' metrics into metrics.json, with lufs_spread
(`dvc metrics show`, `dvc exp show`), and writes the plot data, durations.json."""

import logging
from pathlib import Path

from stages.core import atomic
from stages.core.cli import no_arguments, run_main
from stages.core.errors import PipelineError
from stages.core.files import read_json_object
from stages.core.params import Params, load_params
from stages.core.paths import metrics_path, remake_command

log = logging.getLogger(__name__)

TOTALS_FILE = Path("metrics.json")
DURATIONS_FILE = Path("outputs/report/durations.json")
_SUMMED = ("chars", "chunks", "duration_s", "bytes", "est_cost_usd")
_NEEDED = (*_SUMMED, "lufs")  # lufs for lufs_spread, the loudest narration minus the quietest


def run(params: Params) -> dict:
    rows = []
    for keyword in params.keywords:
        path = metrics_path(keyword)
        try:
            rows.append((keyword, read_json_object(path, _NEEDED, f"remake it: {remake_command(keyword)}")))
        except FileNotFoundError:
            raise PipelineError(f"{path} is missing; run `{remake_command(keyword)}` first") from None
    totals = {name: round(sum(row[name] for _, row in rows), 6) for name in _SUMMED} | {"narrations": len(rows)}
    totals["lufs_spread"] = round(max(lufs := [row["lufs"] for _, row in rows]) - min(lufs), 2)  # one volume for all
    atomic.write_text(TOTALS_FILE, atomic.stable_json(totals))
    atomic.write_text(DURATIONS_FILE, atomic.stable_json([{"keyword": k, "duration_s": row["duration_s"]} for k, row in rows]))
    log.info("report: %d narrations, %.1f s, est. $%.4f", len(rows), totals["duration_s"], totals["est_cost_usd"])
    return totals


def main(argv: list[str]) -> None:
    no_arguments(argv, "report")
    atomic.remove_stale_temps(TOTALS_FILE, DURATIONS_FILE)
    run(load_params())


if __name__ == "__main__":
    run_main(main)
