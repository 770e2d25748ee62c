"""A stand-in for the 국가유산청 open API (SearchKindOpenapiList.do, SearchKindOpenapiDt.do) on 127.0.0.1.

It answers in the real shapes: XML whose values are CDATA padded with whitespace and line breaks, HTML
and entities inside `content`, the codes of a detail at <result> level with the fields in <item>, a
search that matches names by substring as written (spaces count), and an empty payload for codes that name
no entry. The search pages like the real one (digitie/python-krheritage-api pages with pageUnit/pageIndex
and reads `totalCnt` as the number of all matches): `totalCnt` counts every hit, the page holds at most
`pageUnit` (default 10) of them, starting at `pageIndex` (default 1). A detail's `imageUrl` points at this server,
as the real one points at its own host, and the server answers it with a real JPEG.
The descriptions are written for these tests.
"""

import functools
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from PIL import Image

from tests.fake_http import FakeServer, Reply, xml_reply

PICTURES = "/unisearch/images/national_treasure/"  # where the real service keeps an entry's picture


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # ccbaKdcd
    number: str  # ccbaAsno
    province: str  # ccbaCtcd
    designation: str  # ccmaName
    province_name: str
    district: str
    era: str
    location: str
    owner: str
    content: str  # HTML, as the API sends it


BANGA = "금동 미륵보살 반가사유상"
ENTRIES = [
    # Two national treasures share one name; the server lists the later number first.
    Entry(BANGA, "11", "0000830000000", "11", "국보", "서울", "용산구", "삼국시대", "서울 용산구 서빙고로 137",
          "국유", "<p>두 번째로 지정된 반가사유상입니다.</p><p>머리에 낮은 삼산관을 썼습니다.</p>"),
    Entry(BANGA, "11", "0000780000000", "11", "국보", "서울", "용산구", "삼국시대", "서울 용산구 서빙고로 137",
          "국유",
          "\r\n   <p>반가사유상은 의자에 앉아 오른발을 왼쪽 무릎 위에 올리고, 손가락을 뺨에 댄 채 생각에 잠긴"
          "&nbsp;보살상입니다.<br/>이 상은 금동으로 만들었습니다.</p>\r\n"
          "<p><span style=\"font-size:12px\">머리에는 화려한 탑 모양의 관을 쓰고 있어 &quot;탑관&quot;이라고 "
          "부릅니다.</span><br><br>몸에 걸친 천의 자락이 양 어깨를 덮고 흘러내립니다.</p>   \r\n"),
    Entry(f"{BANGA} 광배", "12", "0099990000000", "37", "보물", "경북", "경주시", "통일신라", "경북 경주시",
          "국유", "<p>광배만 전해집니다.</p>"),
    Entry("빈 설명 석탑", "12", "0099980000000", "37", "보물", "경북", "경주시", "고려시대", "경북 경주시", "국유",
          "  <p>&nbsp;</p>  "),
]


def cdata(value: str) -> str:
    """A value the way the API writes it: CDATA, padded with whitespace and line breaks."""
    return f"\n\t\t<![CDATA[ {value} ]]>\n\t"


def list_xml(entries: list[Entry], total: int, page_unit: str, page_index: str, first: int = 1) -> str:
    items = "".join(f"""
<item>
<sn>{sn}</sn>
<no>{sn * 7}</no>
<ccmaName>{cdata(e.designation)}</ccmaName>
<crltsnoNm>{int(e.number[2:6])}</crltsnoNm>
<ccbaMnm1>{cdata(e.name)}</ccbaMnm1>
<ccbaMnm2><![CDATA[]]></ccbaMnm2>
<ccbaCtcdNm>{cdata(e.province_name)}</ccbaCtcdNm>
<ccsiName>{cdata(e.district)}</ccsiName>
<ccbaAdmin>{cdata(e.owner)}</ccbaAdmin>
<ccbaKdcd>{e.kind}</ccbaKdcd>
<ccbaCtcd>{e.province}</ccbaCtcd>
<ccbaAsno>{e.number}</ccbaAsno>
<ccbaCncl>N</ccbaCncl>
<ccbaCpno>1{e.kind}{e.province}{e.number[:8]}</ccbaCpno>
<longitude>126.98</longitude>
<latitude>37.52</latitude>
<regDt>2024-05-17 10:00:00</regDt>
</item>""" for sn, e in enumerate(entries, first))
    return f"""<?xml version="1.0" encoding="utf-8"?>


<result>
<totalCnt>{total}</totalCnt>
<pageUnit>{escape(page_unit)}</pageUnit>
<pageIndex>{escape(page_index)}</pageIndex>{items}
</result>
"""


@functools.cache
def picture(number: str) -> bytes:
    """An entry's picture: a small real JPEG (320 × 240), a different one for each number."""
    detail = 20 + int(number) // 10_000_000 % 80
    image = Image.effect_mandelbrot((320, 240), (-2.2, -1.2, 1.0, 1.2), detail).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def detail_xml(entry: Entry | None, kind: str, number: str, province: str, origin: str = "http://www.khs.go.kr") -> str:
    if entry is None:  # what the API answers for codes that name no entry: the shape, empty
        return """<?xml version="1.0" encoding="utf-8"?>
<result>
<ccbaKdcd></ccbaKdcd>
<ccbaAsno></ccbaAsno>
<ccbaCtcd></ccbaCtcd>
<ccbaCpno></ccbaCpno>
<longitude></longitude>
<latitude></latitude>
<item>
<ccmaName><![CDATA[]]></ccmaName>
<ccbaMnm1><![CDATA[]]></ccbaMnm1>
<content><![CDATA[]]></content>
</item>
</result>
"""
    return f"""<?xml version="1.0" encoding="utf-8"?>


<result>
<ccbaKdcd>{kind}</ccbaKdcd>
<ccbaAsno>{number}</ccbaAsno>
<ccbaCtcd>{province}</ccbaCtcd>
<ccbaCpno>1{kind}{province}{number[:8]}</ccbaCpno>
<longitude>126.98</longitude>
<latitude>37.52</latitude>
<item>
<ccmaName>{cdata(entry.designation)}</ccmaName>
<ccbaMnm1>{cdata(entry.name)}</ccbaMnm1>
<ccbaMnm2><![CDATA[]]></ccbaMnm2>
<gcodeName>{cdata("유물")}</gcodeName>
<bcodeName>{cdata("불교 조각")}</bcodeName>
<ccbaQuan>{cdata("1구")}</ccbaQuan>
<ccbaAsdt>19621220</ccbaAsdt>
<ccbaCtcdNm>{cdata(entry.province_name)}</ccbaCtcdNm>
<ccsiName>{cdata(entry.district)}</ccsiName>
<ccbaLcad>{cdata(entry.location)}</ccbaLcad>
<ccceName>{cdata(entry.era)}</ccceName>
<ccbaPoss>{cdata(entry.owner)}</ccbaPoss>
<ccbaAdmin>{cdata(entry.owner)}</ccbaAdmin>
<ccbaCncl>N</ccbaCncl>
<ccbaCndt></ccbaCndt>
<imageUrl>{origin}{PICTURES}{number}.jpg</imageUrl>
<content><![CDATA[{entry.content}]]></content>
</item>
</result>
"""


class FakeHeritage(FakeServer):
    """The two endpoints under /cha/ and the entries' pictures; `url` is what info.heritage_url should be."""

    def __init__(self, entries: list[Entry] = ENTRIES) -> None:
        super().__init__()
        self.entries = list(entries)
        self.url = f"{self.origin}/cha/"
        self.missing_pictures: set[str] = set()  # entry numbers whose picture answers 404

    def respond(self, path: str, query: dict[str, str]) -> Reply:
        if path == "/cha/SearchKindOpenapiList.do":
            name = query.get("ccbaMnm1", "")
            hits = [e for e in self.entries if name in e.name and query.get("ccbaCncl") == "N"]
            unit, index = query.get("pageUnit", "10"), query.get("pageIndex", "1")
            start = (int(index) - 1) * int(unit)
            return xml_reply(list_xml(hits[start:start + int(unit)], len(hits), unit, index, start + 1))
        if path == "/cha/SearchKindOpenapiDt.do":
            codes = (query.get("ccbaKdcd", ""), query.get("ccbaAsno", ""), query.get("ccbaCtcd", ""))
            entry = next((e for e in self.entries if (e.kind, e.number, e.province) == codes), None)
            return xml_reply(detail_xml(entry, *codes, origin=self.origin))
        number = path.removeprefix(PICTURES).removesuffix(".jpg")
        if path == f"{PICTURES}{number}.jpg" and number in {e.number for e in self.entries} - self.missing_pictures:
            return Reply(200, picture(number), "image/jpeg")
        return Reply(404, b"<html><body>404 Not Found</body></html>", "text/html")
