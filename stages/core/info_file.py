"""The info file: facts about one keyword, written as deterministic JSON."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.core.paths import info_path, remake_command


@dataclass(frozen=True)
class FactSection:
    heading: str
    text: str
    source: str  # where this section's facts come from (a file or a URL), so a narration can be traced back


# Details that describe the facts' picture, not the artefact: kept out of the chat prompt and the fact guard (a licence
# type's number is no claim). `image`, the picture's URL, stays in the prompt, where it has always been: taking it out
# would change every heritage keyword's prompt and buy its narration again.
PICTURE_DETAILS = frozenset({"image_licence"})


@dataclass(frozen=True)
class Facts:
    keyword: str
    title: str
    provider: str
    sections: list[FactSection]
    details: dict[str, str] = field(default_factory=dict)  # short labelled facts, e.g. {"era": "고려"}
    attribution: list[str] = field(default_factory=list)  # credit lines a licence asks for

    @property
    def stated(self) -> dict[str, str]:
        """The details that state something about the artefact (all but PICTURE_DETAILS)."""
        return {label: value for label, value in self.details.items() if label not in PICTURE_DETAILS}

    def to_json(self) -> str:
        # sort_keys and no timestamps: the same facts always give the same bytes, so nothing downstream re-runs.
        return atomic.stable_json(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Facts":
        data = json.loads(text)
        data["sections"] = [FactSection(**section) for section in data["sections"]]
        return cls(**data)


def write_facts(facts: Facts) -> Path:
    path = info_path(facts.keyword)
    atomic.write_text(path, facts.to_json())
    return path


def read_facts(keyword: str) -> Facts:
    path = info_path(keyword)
    try:
        return Facts.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing; run the info stage first ({remake_command(keyword)})") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise PipelineError(f"{path} is not a valid info file ({exc}); re-run it ({remake_command(keyword)})") from None
