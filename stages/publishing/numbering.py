"""Stable stop numbers: a keyword keeps its number for good, so a printed QR label never points at another object."""

import json
from pathlib import Path

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.core.paths import STOPS_FILE


def read_numbers(path: Path = STOPS_FILE) -> dict[str, int]:
    """The numbers given so far, keyword → number; {} when the file does not exist yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise PipelineError(f"{path} is not valid JSON ({exc}); fix it or restore it with git checkout") from None
    fix = f"{path}: each entry of `stops` needs a keyword and a whole number ≥ 1; fix it or git checkout it"
    if not isinstance(data, dict) or not isinstance(data.get("stops"), list):
        raise PipelineError(fix)
    numbers: dict[str, int] = {}
    for entry in data["stops"]:
        keyword, number = (entry.get("keyword"), entry.get("number")) if isinstance(entry, dict) else (None, None)
        if not isinstance(keyword, str) or type(number) is not int or number < 1:
            raise PipelineError(fix)
        if keyword in numbers or number in numbers.values():
            raise PipelineError(f"{path}: {keyword!r} or number {number} is listed twice; give each its own entry")
        numbers[keyword] = number
    return numbers


def assign_numbers(keywords: list[str], known: dict[str, int]) -> dict[str, int]:
    """Keep every known number; a new keyword gets the next number after the highest ever given."""
    numbers = dict(known)
    # Numbers of keywords taken out of params.yaml stay taken: their labels may still hang in the museum.
    following = max(numbers.values(), default=0) + 1
    for keyword in keywords:
        if keyword not in numbers:
            numbers[keyword] = following
            following += 1
    return numbers


def render_numbers(numbers: dict[str, int]) -> str:
    """The stops file's text: entries by number, so a diff shows a new stop as lines added at the end."""
    by_number = sorted(numbers.items(), key=lambda item: item[1])
    entries = [{"keyword": keyword, "number": number} for keyword, number in by_number]
    return atomic.stable_json({"stops": entries})


def update_numbers(keywords: list[str], path: Path = STOPS_FILE) -> dict[str, int]:
    """Read the stops file, number the new keywords, write it back (same bytes when nothing is new)."""
    numbers = assign_numbers(keywords, read_numbers(path))
    atomic.write_text(path, render_numbers(numbers))
    return numbers
