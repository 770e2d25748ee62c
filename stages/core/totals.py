"""The report's figures: the narrations' metrics summed over the catalogue, and per language when there are several."""

from stages.core.errors import PipelineError
from stages.core.files import read_json_object
from stages.core.params import Params
from stages.core.paths import metrics_path, remake_command

SUMMED = ("chars", "chunks", "duration_s", "bytes", "est_cost_usd")
_NEEDED = (*SUMMED, "lufs")  # lufs for lufs_spread, the loudest narration minus the quietest


def totals(rows: list[dict]) -> dict:
    sums = {name: round(sum(row[name] for row in rows), 6) for name in SUMMED} | {"narrations": len(rows)}
    sums["lufs_spread"] = round(max(lufs := [row["lufs"] for row in rows]) - min(lufs), 2)  # one volume
    heard = [row["heard_cer_max"] for row in rows if "heard_cer_max" in row]  # the listening check's (docs/checks.md)
    return sums | ({"heard_cer_max": max(heard)} if heard else {})


def read_metrics(keyword: str, folder: str | None) -> dict:
    """One narration's metrics; missing or malformed, one line saying how to make it again."""
    path = metrics_path(keyword, folder)
    try:
        return read_json_object(path, _NEEDED, f"remake it: {remake_command(keyword)}")
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing; run `{remake_command(keyword)}` first") from None


def catalogue_metrics(params: Params) -> dict[str, list[tuple[str, dict]]]:
    """Language → (keyword, metrics) of each narration, in the order of params.yaml."""
    return {language: [(keyword, read_metrics(keyword, params.folder(language))) for keyword in params.keywords]
            for language in params.languages}


def summary(metrics: dict[str, list[tuple[str, dict]]]) -> dict:
    """The totals, with one set per language under `languages` when there are several (a `dvc exp show` column
    each, e.g. languages.en.chars)."""
    every = totals([row for rows in metrics.values() for _, row in rows])
    if len(metrics) > 1:
        every["languages"] = {language: totals([row for _, row in rows]) for language, rows in metrics.items()}
    return every
