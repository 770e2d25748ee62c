"""A stand-in for Korean Wikipedia on 127.0.0.1: the REST summary and the action API (extracts, links, search).

It answers in the real shapes: a summary with `type` (standard or disambiguation), `titles` and
`content_urls`; the REST 404 problem document for a missing page; formatversion=2 query answers with
`pages` as a list and `missing: true`; plain-text extracts with `== 제목 ==` headings. Like the real REST
API, the summary of a redirect page is a 302 to its target, and a title not in normalised form (spaces,
runs of underscores) a 301 to the normalised one, both with a relative Location. The articles are written
for these tests. `answers` serves given action API answers instead (recorded ones, or odd shapes), byte for byte.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.fake_http import FakeServer, Reply, json_reply


@dataclass(frozen=True)
class Page:
    title: str
    extract: str = ""
    description: str = ""
    links: list[str] = field(default_factory=list)  # a disambiguation page's entries
    disambiguation: bool = False


CHEOMSEONGDAE = Page(
    "경주 첨성대",
    description="신라의 천문 관측대",
    extract=(
        "경주 첨성대는 신라 시대에 돌을 쌓아 만든 천문 관측대이다. 경주시 인왕동에 있다.\n"
        "높이는 약 9미터이다.\n\n"
        "== 역사 ==\n선덕여왕 때 세워졌다고 전한다.\n\n"
        "=== 기록 ===\n삼국유사에 그 이름이 나온다.\n\n"
        "== 구조 ==\n\n\n둥근 몸통에 창이 하나 나 있다.\n\n"
        "== 같이 보기 ==\n\n== 각주 ==\n\n== 외부 링크 ==\n"
    ),
)
PAGES = [
    CHEOMSEONGDAE,
    Page("반가사유상", disambiguation=True, description="동음이의어 문서",
         extract="반가사유상은 다음을 가리킨다.",
         links=["금동 미륵보살 반가사유상 (국보 제78호)", "금동 미륵보살 반가사유상 (국보 제83호)"]),
]
NOT_FOUND = {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found", "title": "Not found.",
             "method": "get", "detail": "Page or revision not found."}


class FakeWikipedia(FakeServer):
    """`/api/rest_v1/page/summary/{title}` and `/w/api.php`; `url` is what info.wikipedia_url should be."""

    def __init__(self, pages: list[Page] = PAGES, redirects: dict[str, str] | None = None) -> None:
        super().__init__()
        self.pages = {page.title: page for page in pages}
        self.redirects = dict(redirects or {"慶州瞻星臺": CHEOMSEONGDAE.title})  # redirect page → its target
        self.answers: dict[str, bytes] = {}  # prop or list (extracts, links, search) → a body
        self.url = self.origin

    def summary(self, page: Page) -> dict:
        key = page.title.replace(" ", "_")
        return {
            "type": "disambiguation" if page.disambiguation else "standard",
            "title": key,
            "displaytitle": f"<span class=\"mw-page-title-main\">{page.title}</span>",
            "namespace": {"id": 0, "text": ""},
            "titles": {"canonical": key, "normalized": page.title, "display": page.title},
            "pageid": 1000 + len(page.title),
            "lang": "ko",
            "dir": "ltr",
            "revision": "37000001",
            "tid": "0e5c9a10-0000-11ef-0000-000000000000",
            "timestamp": "2024-05-01T00:00:00Z",
            "description": page.description,
            "description_source": "local",
            "content_urls": {"desktop": {"page": f"https://ko.wikipedia.org/wiki/{quote(key)}"}},
            "extract": page.extract.split("\n")[0],
            "extract_html": f"<p>{page.extract.split(chr(10))[0]}</p>",
        }

    def respond(self, path: str, query: dict[str, str]) -> Reply:
        prefix = "/api/rest_v1/page/summary/"
        if path.startswith(prefix):
            asked = path[len(prefix):]
            normalised = re.sub(r"[ _]+", "_", asked).strip("_")
            if asked != normalised:
                return moved(301, normalised)
            if normalised.replace("_", " ") in self.redirects:
                return moved(302, self.redirects[normalised.replace("_", " ")])
            page = self.pages.get(normalised.replace("_", " "))
            if page is None:
                return json_reply({**NOT_FOUND, "uri": f"/ko.wikipedia.org/v1/page/summary/{quote(path)}"}, 404)
            return json_reply(self.summary(page))
        if path == "/w/api.php" and (query.get("prop") or query.get("list")) in self.answers:
            return Reply(200, self.answers[query.get("prop") or query.get("list")], "application/json; charset=utf-8")
        if path == "/w/api.php" and query.get("action") == "query":
            return json_reply({"batchcomplete": True, "query": self.query(query)})
        return Reply(404, b"<html><body>Not Found</body></html>", "text/html")

    def query(self, query: dict[str, str]) -> dict:
        if query.get("list") == "search":
            text = query.get("srsearch", "")
            hits = [p for p in self.pages.values() if any(word in p.title for word in text.split())
                    or text.replace(" ", "") in p.title.replace(" ", "")]
            return {"searchinfo": {"totalhits": len(hits)},
                    "search": [{"ns": 0, "title": p.title, "pageid": 1, "size": 900, "wordcount": 40,
                                "snippet": "<span class=\"searchmatch\">…</span>",
                                "timestamp": "2024-05-01T00:00:00Z"} for p in hits]}
        title = query.get("titles", "")
        if query.get("redirects") and title in self.redirects:
            title = self.redirects[title]
        page = self.pages.get(title)
        if page is None:
            return {"pages": [{"ns": 0, "title": title, "missing": True}]}
        answer: dict = {"pageid": 1, "ns": 0, "title": page.title}
        if query.get("prop") == "extracts":
            answer["extract"] = page.extract
        elif query.get("prop") == "links":
            answer["links"] = [{"ns": 0, "title": link} for link in page.links]
        return {"pages": [answer]}


def moved(status: int, title: str) -> Reply:
    """A REST redirect: relative to the summary path, as RESTBase sends it."""
    return Reply(status, b"", "text/plain", (("Location", quote(title.replace(" ", "_"), safe="")),))
