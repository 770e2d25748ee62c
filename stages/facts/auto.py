"""AutoInfo: asks the sources in info.sources in turn; the first with facts for the keyword answers."""

import logging

from stages.core.errors import NoFacts
from stages.core.info_file import Facts
from stages.core.params import Params
from stages.facts.heritage import HeritageInfo
from stages.facts.local import LocalInfo
from stages.facts.sources import read_source
from stages.facts.wikipedia import WikipediaInfo

log = logging.getLogger(__name__)

SOURCES = {provider.name: provider for provider in (HeritageInfo, WikipediaInfo, LocalInfo)}


class AutoInfo:
    """Tries heritage, wikipedia, local (info.sources); the info file's `provider` records which answered.

    Only "nothing for this keyword" (NoFacts) moves on to the next source. A source that cannot be
    reached stops the stage, so the facts never depend on which server happened to be up. When the
    keyword's sources file pins entries, only the pinned sources are asked.
    """

    name = "auto"

    def __init__(self, params: Params) -> None:
        self.params = params

    def fetch(self, keyword: str) -> Facts:
        pins = read_source(keyword).pins
        order = self.params.info.sources
        pinned = [name for name in order if getattr(pins, name, None)]
        reasons = []
        for name in pinned or order:
            try:
                facts = SOURCES[name](self.params).fetch(keyword)
            except NoFacts as exc:
                log.info("%s: %s", self.name, exc)
                reasons.append(str(exc))
                continue
            log.info("%s: %s answered for %r", self.name, name, keyword)
            return facts
        raise NoFacts(f"no source has facts for {keyword!r}: {'; '.join(reasons)}")
