"""LocalInfo: facts from the hand-kept sources/<keyword>.md."""

from stages.core.errors import NoFacts
from stages.core.info_file import Facts, FactSection
from stages.core.params import Params
from stages.facts.sources import read_source


class LocalInfo:
    """Reads the facts written under '## ' headings in sources/<keyword>.md."""

    name = "local"

    def __init__(self, params: Params) -> None:
        self.params = params

    def fetch(self, keyword: str) -> Facts:
        source = read_source(keyword)
        if not source.sections:
            online = "" if self.params.info.provider != self.name else (
                ", or set info.provider: auto in params.yaml to fetch them from 국가유산청 and 위키백과")
            raise NoFacts(
                f"{source.path} has no facts: write '## 제목' headings with Korean sentences under them "
                f"(see sources/백자 달항아리.md for the shape){online}"
            )
        where = source.path.as_posix()
        return Facts(
            keyword=keyword,
            title=source.title or keyword,
            provider=self.name,
            sections=[FactSection(heading=h, text=t, source=where) for h, t in source.sections],
        )
