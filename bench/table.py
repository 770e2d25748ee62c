"""The benchmark's one output: rows of numbers and ratios, printed as a markdown table."""

from dataclasses import dataclass


@dataclass
class Row:
    case: str
    measured: str
    ratio: str
    target: str


def table(rows: list[Row]) -> str:
    lines = ["| case | measured | ratio | target |", "|---|---|---|---|"]
    lines += [f"| {r.case} | {r.measured} | {r.ratio} | {r.target} |" for r in rows]
    return "\n".join(lines)
