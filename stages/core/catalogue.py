"""One stage, every keyword: run a keyword's step for each keyword in turn, and let one keyword's failure stop
none of the others.

Each stage of the pipeline is one DVC stage for the whole catalogue, so DVC's own bookkeeping (a lock entry
rewritten after every stage) does not grow with the number of stops (docs/performance.md: Scale). A keyword
whose inputs did not change is served from a content-addressed cache, so a one-stop edit does the work of
one stop. When a keyword fails, the others still finish and fill the cache; the stage then fails with one
line naming every keyword that failed, so that the next run redoes those only.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from stages.core.errors import PipelineError
from stages.core.progress import Progress

log = logging.getLogger(__name__)

T = TypeVar("T")
MESSAGE_KEYWORDS = 3  # the failures spelled out in the stage's one error line; the rest are counted


@dataclass
class Failures:
    """The keywords that failed in a stage, each with its one-line reason, in catalogue order."""

    stage: str
    reasons: dict[str, str] = field(default_factory=dict)

    def add(self, keyword: str, error: PipelineError) -> None:
        self.reasons[keyword] = str(error)
        log.error("%s: %s: %s", self.stage, keyword, error)

    def raise_any(self, total: int) -> None:
        """Fail the stage in one line if any keyword failed."""
        if not self.reasons:
            return
        if len(self.reasons) == 1 and total == 1:
            raise PipelineError(next(iter(self.reasons.values())))
        shown = list(self.reasons.items())[:MESSAGE_KEYWORDS]
        more = len(self.reasons) - len(shown)
        listed = "; ".join(f"{keyword}: {reason}" for keyword, reason in shown) + (f"; and {more} more" if more else "")
        raise PipelineError(f"{self.stage}: {len(self.reasons)} of {total} keywords failed (the others are done and "
                            f"cached): {listed}")


def each_keyword(stage: str, keywords: Sequence[str], step: Callable[[str], T]) -> dict[str, T]:
    """step(keyword) for every keyword, in order, with a progress bar; one line naming the ones that failed."""
    failures = Failures(stage)
    results: dict[str, T] = {}
    with Progress(stage, len(keywords), unit="keyword", counts_cached=False) as progress:
        for keyword in keywords:
            try:
                results[keyword] = step(keyword)
            except PipelineError as error:
                failures.add(keyword, error)
            progress.done(cached=False)
    failures.raise_any(len(keywords))
    return results
