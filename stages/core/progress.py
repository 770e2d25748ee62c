"""Items done out of total (chunks, keywords), and how many came from the cache: a tqdm bar on a terminal, log
lines elsewhere."""

import logging
import sys
import threading
from typing import TextIO

from tqdm import tqdm

log = logging.getLogger(__name__)
LOG_STEPS = 10  # without a terminal, about this many lines per narration, so a long one does not flood the log


class Progress:
    """Thread-safe: synthesis threads call done() as their chunks finish, in any order."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, unit: str = "chunk",
                 counts_cached: bool = True) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.counts_cached = counts_cached
        self.finished = 0
        self.cached = 0
        self._lock = threading.Lock()
        stream = stream if stream is not None else sys.stderr
        self._bar = None
        if stream.isatty():
            self._bar = tqdm(total=total, desc=label, unit=unit, file=stream, dynamic_ncols=True, leave=True)
            if counts_cached:
                self._bar.set_postfix_str("0 cached", refresh=False)
        self._every = max(1, -(-total // LOG_STEPS))

    def done(self, *, cached: bool) -> None:
        with self._lock:
            self.finished += 1
            self.cached += cached
            if self._bar is not None:
                if self.counts_cached:
                    self._bar.set_postfix_str(f"{self.cached} cached", refresh=False)
                self._bar.update(1)
            elif self.finished == self.total or self.finished % self._every == 0:
                cached = f" ({self.cached} from the cache)" if self.counts_cached else ""
                log.info("%s: %d/%d %ss%s", self.label, self.finished, self.total, self.unit, cached)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
