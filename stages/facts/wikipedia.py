"""WikipediaInfo: broader context from Korean Wikipedia (text under CC BY-SA 4.0, credited in the info file)."""

import logging
import re
import threading
from urllib.parse import quote

from stages.clients.web import Web
from stages.core.errors import NoFacts, PipelineError
from stages.core.info_file import Facts, FactSection
from stages.core.params import Params
from stages.core.text import squash
from stages.facts.sources import read_source

LICENSE = "CC BY-SA 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
SHOWN_CANDIDATES = 15
# Sections that hold references and links rather than prose about the subject.
SKIPPED_SECTIONS = {"같이 보기", "각주", "주석", "참고 문헌", "참고문헌", "참고 자료", "외부 링크", "외부 고리",
                    "각주 및 참고 문헌", "출처", "관련 항목", "참조", "더 읽을거리", "갤러리"}
_HEADING = re.compile(r"^(={2,6})\s*(.*?)\s*\1\s*$")
_SPACES = re.compile(r"\s+")
# Wikimedia blocks some clients that do not say who runs them with a 403 (T400119).
CONTACT_HINT = ("set info.contact in params.yaml to your e-mail address or a URL: Wikimedia asks every client for "
                "one in its User-Agent, https://meta.wikimedia.org/wiki/User-Agent_policy")
_warned = threading.Event()  # the missing-contact warning, once per process
log = logging.getLogger(__name__)



def flag(entry: dict, name: str) -> bool:
    """A true/false field of a query answer: formatversion=2 sends true, formatversion=1 an empty string."""
    return entry.get(name) not in (None, False)


def split_extract(extract: str) -> list[tuple[str, str]]:
    """A plain-text extract as (heading, text): the lead is 개요, each level-2 heading starts a section.

    Deeper headings stay inside their level-2 section; reference sections and empty ones are dropped.
    """
    sections: list[tuple[str, list[str]]] = [("개요", [])]
    for line in extract.splitlines():
        heading = _HEADING.match(line.strip())
        if heading and len(heading.group(1)) == 2:
            sections.append((heading.group(2), []))
        elif not heading and line.strip():
            sections[-1][1].append(_SPACES.sub(" ", line).strip())
    return [(title, " ".join(lines)) for title, lines in sections if lines and title not in SKIPPED_SECTIONS]


class WikipediaInfo:
    """Reads a Korean Wikipedia page: the REST summary, then the plain-text extract split at its headings."""

    name = "wikipedia"

    def __init__(self, params: Params) -> None:
        self.params = params
        self.base = params.info.wikipedia_url.rstrip("/")
        self.api = f"{self.base}/w/api.php"

    def fetch(self, keyword: str) -> Facts:
        source = read_source(keyword)
        where = source.path.as_posix()
        pinned = source.pins.wikipedia
        contact = self.params.info.contact
        if not contact and not _warned.is_set():
            _warned.set()
            log.warning("%s: info.contact is not set; %s", self.name, CONTACT_HINT)
        hint = f"; {CONTACT_HINT}" if not contact else f"; Wikimedia refused the User-Agent with info.contact {contact!r}"
        with Web(self.params, hints={403: hint}) as web:
            summary = self._summary(web, pinned or keyword)
            if summary is None and pinned:
                raise NoFacts(f"{self.name}: no page titled {pinned!r} (pinned in {where})"
                              f"{self._candidates(self._search(web, pinned), where)}")
            if summary is None:
                hits = self._search(web, keyword)
                exact = [title for title in hits if squash(title) == squash(keyword)]
                if not exact:
                    raise NoFacts(f"{self.name}: no page titled {keyword!r}{self._candidates(hits, where)}")
                summary = self._summary(web, exact[0])
                if summary is None:
                    raise NoFacts(f"{self.name}: the search found {exact[0]!r}, but the page is missing")
            title = self._title(summary)
            if summary.get("type") == "disambiguation":
                raise NoFacts(f"{self.name}: {title!r} is a disambiguation page"
                              f"{self._candidates(self._links(web, title), where)}")
            extract = self._extract(web, title) or summary.get("extract") or ""
        page = f"{self.base}/wiki/{quote(title.replace(' ', '_'))}"
        sections = [FactSection(heading=heading, text=text,
                                source=page if heading == "개요" else f"{page}#{quote(heading.replace(' ', '_'))}")
                    for heading, text in split_extract(extract)]
        if not sections:
            raise NoFacts(f"{self.name}: the page {title!r} has no text")
        details = {"url": page, "license": LICENSE, "license_url": LICENSE_URL, "wikipedia_title": title}
        if summary.get("description"):
            details["description"] = _SPACES.sub(" ", summary["description"]).strip()
        return Facts(
            keyword=keyword,
            title=title,
            provider=self.name,
            sections=sections,
            details=details,
            attribution=[f"한국어 위키백과 「{title}」 문서({LICENSE})"],
        )

    def _summary(self, web: Web, title: str) -> dict | None:
        """The REST summary of a page, or None when there is no such page (404)."""
        url = f"{self.base}/api/rest_v1/page/summary/{quote(title.replace(' ', '_'), safe='')}"
        status, data = web.get_json(url, what=self.name, accept=(404,))
        if status == 404:
            return None
        # Every field read later is checked here, so a summary of another shape is one line, not a traceback.
        if (not isinstance(data, dict) or not isinstance(data.get("type"), str) or not self._title(data)
                or not all(isinstance(data.get(key) or "", str) for key in ("description", "extract"))):
            raise PipelineError(f"{self.name}: GET {url}: the answer is not a page summary")
        return data

    @staticmethod
    def _title(summary: dict) -> str:
        titles = summary.get("titles")
        candidates = (titles.get("normalized") if isinstance(titles, dict) else None, summary.get("title"))
        title = next((title for title in candidates if isinstance(title, str) and title), "")
        return title.replace("_", " ")

    def _query(self, web: Web, **query: str | int) -> dict:
        """The `query` object of an action API answer; an error answer is one line with the wiki's own words."""
        _, data = web.get_json(self.api, {"action": "query", "format": "json", "formatversion": 2, **query},
                               what=self.name)
        if not isinstance(data, dict):
            raise self._unexpected("it is not a JSON object")
        if "error" in data:
            error = data["error"]
            info = error.get("info") if isinstance(error, dict) else error
            raise PipelineError(f"{self.name}: GET {self.api}: {_SPACES.sub(' ', str(info or 'an error')).strip()}")
        answer = data.get("query") or {}  # PHP encodes an empty object as [], which means empty here too
        if not isinstance(answer, dict):
            raise self._unexpected("its query is not an object")
        return answer

    def _entries(self, value: object, what: str) -> list[dict]:
        """A list of objects from a query answer (pages, links, search hits), in either format version.

        MediaWiki before 1.25 ignores formatversion=2, and a mirror in info.wikipedia_url may be one: its
        formatversion=1 answer keys `pages` by page id ({"12345": {...}, "-1": {...}}) instead of listing them.
        """
        if value is None:
            return []
        entries = list(value.values()) if isinstance(value, dict) else value
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise self._unexpected(f"{what} is not a list of objects")
        return entries

    def _titles(self, entries: list[dict], what: str) -> list[str]:
        titles = [entry.get("title") or "" for entry in entries]
        if not all(isinstance(title, str) for title in titles):
            raise self._unexpected(f"a title in {what} is not text")
        return [title for title in titles if title]

    def _unexpected(self, detail: str) -> PipelineError:
        return PipelineError(f"{self.name}: GET {self.api}: the answer is not a query answer ({detail})")

    def _search(self, web: Web, text: str) -> list[str]:
        hits = self._query(web, list="search", srsearch=text, srnamespace=0, srlimit=SHOWN_CANDIDATES)
        return self._titles(self._entries(hits.get("search"), "search"), "search")

    def _links(self, web: Web, title: str) -> list[str]:
        pages = self._query(web, prop="links", titles=title, plnamespace=0, pllimit="max").get("pages")
        links = [link for page in self._entries(pages, "pages") for link in self._entries(page.get("links"), "links")]
        return self._titles(links, "links")

    def _extract(self, web: Web, title: str) -> str:
        pages = self._query(web, prop="extracts", explaintext=1, redirects=1, titles=title).get("pages")
        found = [page for page in self._entries(pages, "pages") if not flag(page, "missing") and not flag(page, "invalid")]
        extract = found[0].get("extract") if found else None
        if not isinstance(extract or "", str):
            raise self._unexpected("the extract is not text")
        return extract or ""

    def _candidates(self, titles: list[str], where: str) -> str:
        if not titles:
            return " (the search found nothing)"
        shown = ", ".join(titles[:SHOWN_CANDIDATES]) + (", …" if len(titles) > SHOWN_CANDIDATES else "")
        return f"; candidates: {shown} — pin one with 'wikipedia: <title>' in {where}"
