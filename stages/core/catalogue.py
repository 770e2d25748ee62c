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
    """The keywords that failed in a stage, each with its one-line reason, in catalogue order (language by
    language: a translation is named `keyword (en)`)."""

    stage: str
    reasons: dict[str, str] = field(default_factory=dict)

    def add(self, keyword: str, error: PipelineError, language: str | None = None) -> None:
        item = f"{keyword} ({language})" if language else keyword
        self.reasons[item] = str(error)
        log.error("%s: %s: %s", self.stage, item, error)

    def raise_any(self, total: int, unit: str = "keywords") -> None:
        """Fail the stage in one line if any keyword failed (`total` of `unit`, e.g. 9 narrations)."""
        if not self.reasons:
            return
        if len(self.reasons) == 1 and total == 1:
            raise PipelineError(next(iter(self.reasons.values())))
        shown = list(self.reasons.items())[:MESSAGE_KEYWORDS]
        more = len(self.reasons) - len(shown)
        listed = "; ".join(f"{keyword}: {reason}" for keyword, reason in shown) + (f"; and {more} more" if more else "")
        raise PipelineError(f"{self.stage}: {len(self.reasons)} of {total} {unit} failed (the others are done and "
                            f"cached): {listed}")


def each_keyword(stage: str, keywords: Sequence[str], step: Callable[[str], T], *, language: str | None = None,
                 failures: Failures | None = None) -> dict[str, T]:
    """step(keyword) for every keyword, in order, with a progress bar; one line naming the ones that failed (with
    `failures`, gathered there for the caller to raise once for every language instead)."""
    own = failures is None
    failures = failures if failures is not None else Failures(stage)
    results: dict[str, T] = {}
    label = f"{stage} ({language})" if language else stage
    with Progress(label, len(keywords), unit="keyword", counts_cached=False) as progress:
        for keyword in keywords:
            try:
                results[keyword] = step(keyword)
            except PipelineError as error:
                failures.add(keyword, error, language)
            progress.done(cached=False)
    if own:
        failures.raise_any(len(keywords))
    return results
