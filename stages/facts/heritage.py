"""HeritageInfo: official facts from the National Heritage Service (국가유산청) open API."""

import html
import logging
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlencode

from stages.clients.web import Web
from stages.core.errors import NoFacts, PipelineError
from stages.core.info_file import Facts, FactSection
from stages.core.params import Params
from stages.core.text import squash
from stages.facts.sources import HERITAGE_CODES, HeritagePin, read_source

log = logging.getLogger(__name__)

SEARCH = "SearchKindOpenapiList.do"
DETAIL = "SearchKindOpenapiDt.do"
PAGE_UNIT = 100  # search hits per page
# totalCnt counts every hit, and a common name has hundreds: read at most this many pages looking for the
# exact name, then say the search was cut short.
MAX_PAGES = 10
# Kind codes (종목) in the order a name shared by several entries is resolved: national designations first.
KINDS = {"11": "국보", "12": "보물", "13": "사적", "15": "명승", "16": "천연기념물", "17": "국가무형유산",
         "18": "국가민속문화유산", "79": "국가등록문화유산"}
ATTRIBUTION = "국가유산청"
# The detail API names each entry's picture (imageUrl) but no licence of its own. The agency's default for the
# pictures it publishes is 공공누리 (KOGL) type 1, source attribution; that default is what is recorded, and the guide
# credits the picture with it. A picture released under another type says so on the portal, not in the API.
IMAGE_LICENCE = "공공누리 제1유형: 출처표시"
# Detail fields carried into Facts.details, under the names the narration template reads.
DETAIL_FIELDS = {"ccmaName": "designation", "ccceName": "era", "ccbaLcad": "location", "ccbaPoss": "owner",
                 "ccbaQuan": "quantity", "ccbaAsdt": "designated", "imageUrl": "image"}

_SPACES = re.compile(r"\s+")  # in Python's re this includes the no-break and ideographic spaces
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
# Tags that end a paragraph; <br> only breaks a line, and two in a row end a paragraph.
_BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"}


class _TextOnly(HTMLParser):
    """HTML to text: block tags become blank lines, <br> a line break; script and style are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        else:
            self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def _break(self, tag: str) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def clean_text(value: str | None) -> str:
    """One value as plain text on one line: no tags, entities decoded, whitespace collapsed."""
    return " ".join(paragraphs(value))


def paragraphs(value: str | None) -> list[str]:
    """HTML (or plain text) as plain-text paragraphs, split at blank lines and block tags; empty ones dropped."""
    if not value:
        return []
    parser = _TextOnly()
    parser.feed(value.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    text = html.unescape("".join(parser.parts))  # entities written twice (&amp;nbsp;) are common
    found = (_SPACES.sub(" ", block).strip() for block in _BLANK_LINE.split(text))
    return [paragraph for paragraph in found if paragraph]



def parse_xml(content: bytes) -> ET.Element:
    """An answer's root element, whatever encoding its declaration names.

    Expat decodes only UTF-8, UTF-16 and single-byte encodings itself; a Korean service or a proxy may send
    EUC-KR (or CP949), which Python then decodes first. A bad answer raises ParseError, ValueError or LookupError.
    """
    try:
        return ET.fromstring(content)
    except (ValueError, LookupError):  # "multi-byte encodings are not supported", "unknown encoding: …"
        declared = _DECLARED.match(content)
        if not declared:
            raise
        return ET.fromstring(content.decode(declared.group(1).decode("ascii")))


def _field(element: ET.Element, *tags: str) -> str:
    for tag in tags:
        found = element.findtext(tag)
        if found and found.strip():
            return found.strip()
    return ""


def _hit(item: ET.Element) -> tuple[str, HeritagePin, str]:
    """One search hit: its name, its codes, and how it is shown among the candidates."""
    name = clean_text(_field(item, "ccbaMnm1"))
    pin = HeritagePin(**{key: _field(item, key) for key in HERITAGE_CODES})
    place = " ".join(filter(None, (clean_text(_field(item, tag)) for tag in ("ccbaCtcdNm", "ccsiName"))))
    about = ", ".join(filter(None, (clean_text(_field(item, "ccmaName")), place)))
    return name, pin, f"{name} ({about}; {_pin_text(pin)})"


def _count(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def _pin_text(pin: HeritagePin) -> str:
    return ", ".join(f"{key}: {getattr(pin, key)}" for key in HERITAGE_CODES)


def _kind_order(pin: HeritagePin) -> tuple:
    kinds = list(KINDS)
    return (kinds.index(pin.ccbaKdcd) if pin.ccbaKdcd in KINDS else len(kinds), pin.ccbaKdcd, pin.ccbaCtcd,
            pin.ccbaAsno)


class HeritageInfo:
    """Searches the 국가유산청 open API by name (or takes the pinned codes) and reads the entry's description."""

    name = "heritage"

    def __init__(self, params: Params) -> None:
        self.params = params
        self.base = params.info.heritage_url.rstrip("/") + "/"

    def fetch(self, keyword: str) -> Facts:
        source = read_source(keyword)
        where = source.path.as_posix()
        with Web(self.params) as web:
            if source.pins.heritage:
                return self._detail(web, keyword, source.pins.heritage, [], f" (pinned in {where})")
            pin, others = self._search(web, keyword, where)
            return self._detail(web, keyword, pin, others, "")

    def _xml(self, web: Web, endpoint: str, query: dict[str, str | int]) -> ET.Element:
        url = self.base + endpoint
        response = web.get(url, query, what=self.name)
        try:
            root = parse_xml(response.content)
        except (ET.ParseError, ValueError, LookupError) as exc:
            raise PipelineError(f"{self.name}: GET {url}: the answer is not the expected XML ({exc})") from None
        # Both endpoints answer <result>; any other root (a gateway's error, a maintenance page in XHTML) would
        # read as "no entry" and send `auto` to the next source without a word.
        if root.tag != "result":
            said = _SPACES.sub(" ", " ".join(root.itertext())).strip()
            raise PipelineError(f"{self.name}: GET {url}: the answer is not the expected XML (its root is "
                                f"<{root.tag}>{': ' + said[:200] if said else ''})")
        return root

    def _search(self, web: Web, keyword: str, where: str) -> tuple[HeritagePin, list[str]]:
        """The entry named like the keyword (ignoring spaces), and the other entries of that name.

        The service matches the name as written, spaces included, so a keyword spelt with spaces that
        finds nothing exact is searched once more with them removed.
        """
        queries = list(dict.fromkeys((keyword, squash(keyword))))
        hits: list[tuple[str, HeritagePin, str]] = []
        capped: list[str] = []
        for query in queries:
            found, matches, cap = self._search_pages(web, query, keyword)
            seen = {label for _, _, label in hits}  # the label carries the codes: one per entry
            hits += [hit for hit in found if hit[2] not in seen]
            if cap:
                capped.append(cap)
            if matches:
                break
        matches = sorted(((pin, label) for name, pin, label in hits if squash(name) == squash(keyword)),
                         key=lambda match: _kind_order(match[0]))
        searched = f"; {' and '.join(capped)}" if capped else ""
        if not matches:
            if not hits:
                raise NoFacts(f"{self.name}: no entry named {keyword!r} (the search found nothing)")
            shown = "; ".join(label for _, _, label in hits[:10])
            raise NoFacts(f"{self.name}: no entry named {keyword!r}; the search found: {shown}{searched} — "
                          f"pin one under 'heritage:' in {where}")
        chosen, others = matches[0], [label for _, label in matches[1:]]
        if others:
            log.warning("%s: %d entries are named %r; using %s (pin another under 'heritage:' in %s)",
                        self.name, len(matches), keyword, chosen[1], where)
        return chosen[0], others

    def _search_pages(self, web: Web, query: str, keyword: str) -> tuple[list[tuple[str, HeritagePin, str]], bool, str]:
        """Hits for `query`, page by page until one is named like the keyword, the hits run out or MAX_PAGES.

        Returns the hits, whether one matched, and what was left unread when the page cap stopped the search.
        """
        hits: list[tuple[str, HeritagePin, str]] = []
        for page in range(1, MAX_PAGES + 1):
            root = self._xml(web, SEARCH, {"ccbaMnm1": query, "pageUnit": PAGE_UNIT, "pageIndex": page,
                                           "ccbaCncl": "N"})
            items = list(root.iter("item"))
            hits += [_hit(item) for item in items]
            if any(squash(name) == squash(keyword) for name, _, _ in hits):
                return hits, True, ""
            total = _count(root.findtext("totalCnt"))
            if not items or len(items) < PAGE_UNIT or (total is not None and len(hits) >= total):
                return hits, False, ""
        total = _count(root.findtext("totalCnt"))
        more = f"of {total} " if total is not None else ""
        cap = f"searched only the first {len(hits)} {more}hits for {query!r} ({MAX_PAGES} pages)"
        log.warning("%s: %s", self.name, cap)
        return hits, False, cap

    def _detail(self, web: Web, keyword: str, pin: HeritagePin, others: list[str], pinned: str) -> Facts:
        query = {key: getattr(pin, key) for key in HERITAGE_CODES}
        root = self._xml(web, DETAIL, query)
        item = root.find("item")
        scope = item if item is not None else root
        name = clean_text(_field(scope, "ccbaMnm1"))
        if not name:
            raise NoFacts(f"{self.name}: no entry with {_pin_text(pin)}{pinned}")
        url = f"{self.base}{DETAIL}?{urlencode(query)}"
        text = paragraphs(_field(scope, "content"))
        if not text:
            raise NoFacts(f"{self.name}: the entry {name!r} ({_pin_text(pin)}) has no description")
        sections = [FactSection(heading="개요", text=text[0], source=url)]
        if len(text) > 1:
            sections.append(FactSection(heading="상세 설명", text=" ".join(text[1:]), source=url))
        details = {label: clean_text(_field(scope, tag)) for tag, label in DETAIL_FIELDS.items()}
        details["designation"] = details["designation"] or KINDS.get(pin.ccbaKdcd, "")
        if re.fullmatch(r"\d{8}", details["designated"]):
            day = details["designated"]
            details["designated"] = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        details.update(query)
        if others:
            details["other_matches"] = " | ".join(others)
        if details["image"]:
            details["image_licence"] = IMAGE_LICENCE
        return Facts(
            keyword=keyword,
            title=name,
            provider=self.name,
            sections=sections,
            details={key: value for key, value in details.items() if value},
            attribution=[ATTRIBUTION],
        )
