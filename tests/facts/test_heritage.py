"""The heritage provider against a local stand-in for the 국가유산청 open API."""

import dataclasses
import json

import pytest

from stages.clients.retry import RetryError
from stages.core.errors import NoFacts, PipelineError
from stages.facts import heritage as heritage_module
from stages.facts.heritage import HeritageInfo, paragraphs
from tests.fake_heritage import BANGA, ENTRIES
from tests.fake_http import Reply, xml_reply

PIN_83 = "---\nheritage:\n  ccbaKdcd: 11\n  ccbaAsno: 0000830000000\n  ccbaCtcd: 11\n---\n# x\n"


def test_cdata_and_html_become_plain_sections_and_details(heritage, params, sources):
    sources(BANGA)
    facts = HeritageInfo(params()).fetch(BANGA)
    assert facts.title == BANGA and facts.provider == "heritage"
    assert [(s.heading, s.text) for s in facts.sections] == [
        ("개요", "반가사유상은 의자에 앉아 오른발을 왼쪽 무릎 위에 올리고, 손가락을 뺨에 댄 채 생각에 잠긴 보살상입니다. "
                 "이 상은 금동으로 만들었습니다."),
        ("상세 설명", "머리에는 화려한 탑 모양의 관을 쓰고 있어 \"탑관\"이라고 부릅니다. 몸에 걸친 천의 자락이 양 어깨를 덮고 흘러내립니다."),
    ]
    detail_url = f"{heritage.url}SearchKindOpenapiDt.do?ccbaKdcd=11&ccbaAsno=0000780000000&ccbaCtcd=11"
    assert {s.source for s in facts.sections} == {detail_url}
    assert facts.details["designation"] == "국보" and facts.details["era"] == "삼국시대"
    assert facts.details["designated"] == "1962-12-20" and facts.details["location"] == "서울 용산구 서빙고로 137"
    assert facts.attribution == ["국가유산청"]


def test_the_search_sends_the_name_page_unit_and_no_cancelled_entries(heritage, params, sources):
    sources(BANGA)
    HeritageInfo(params()).fetch(BANGA)
    search, detail = heritage.requests
    assert search.path == "/cha/SearchKindOpenapiList.do"
    assert search.query["ccbaMnm1"] == BANGA and search.query["ccbaCncl"] == "N" and int(search.query["pageUnit"]) > 1
    assert detail.query == {"ccbaKdcd": "11", "ccbaAsno": "0000780000000", "ccbaCtcd": "11"}


def test_several_entries_of_one_name_pick_one_and_record_the_others(heritage, params, sources):
    sources(BANGA)
    facts = HeritageInfo(params()).fetch(BANGA)
    # The server lists 83 first; the choice follows the codes, not the answer's order.
    assert facts.details["ccbaAsno"] == "0000780000000"
    assert "ccbaAsno: 0000830000000" in facts.details["other_matches"]
    assert "광배" not in facts.details["other_matches"]  # a longer name is a different entry


def test_the_same_answer_gives_the_same_bytes(heritage, params, sources):
    sources(BANGA)
    first, second = (HeritageInfo(params()).fetch(BANGA).to_json() for _ in range(2))
    assert first == second
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_a_keyword_with_spaces_is_searched_again_without_them(heritage, params, sources):
    heritage.entries = [dataclasses.replace(heritage.entries[1], name="석조여래좌상", number="0001230000000")]
    sources("석조 여래 좌상")
    assert HeritageInfo(params()).fetch("석조 여래 좌상").title == "석조여래좌상"
    assert [seen.query["ccbaMnm1"] for seen in heritage.requests[:2]] == ["석조 여래 좌상", "석조여래좌상"]


def test_a_match_as_written_needs_no_second_search(heritage, params, sources):
    heritage.entries = [dataclasses.replace(heritage.entries[1], name="석조 여래 좌상", number="0001230000000")]
    sources("석조 여래 좌상")
    assert HeritageInfo(params()).fetch("석조 여래 좌상").title == "석조 여래 좌상"
    assert heritage.paths() == ["/cha/SearchKindOpenapiList.do", "/cha/SearchKindOpenapiDt.do"]


def test_a_keyword_without_the_entrys_spaces_is_not_found_by_the_real_search(heritage, params, sources):
    heritage.entries = [dataclasses.replace(heritage.entries[1], name="석조 여래 좌상", number="0001230000000")]
    sources("석조여래좌상")
    with pytest.raises(NoFacts, match="the search found nothing"):
        HeritageInfo(params()).fetch("석조여래좌상")


def test_the_fake_matches_spaces_as_written_and_counts_every_hit(heritage):
    import requests

    url = heritage.url + "SearchKindOpenapiList.do"
    squashed = requests.get(url, {"ccbaMnm1": "미륵보살반가", "ccbaCncl": "N"}, timeout=10).text
    assert "<totalCnt>0</totalCnt>" in squashed
    page = requests.get(url, {"ccbaMnm1": "반가", "ccbaCncl": "N", "pageUnit": 1, "pageIndex": 2}, timeout=10).text
    assert "<totalCnt>3</totalCnt>" in page and page.count("<item>") == 1 and "<pageIndex>2</pageIndex>" in page


def _many(count: int, last: str | None = None) -> list:
    """`count` entries whose names contain 반가사유상, then (if given) one named `last`."""
    base = ENTRIES[1]
    entries = [dataclasses.replace(base, name=f"반가사유상 {n}", number=f"{n:07d}000000") for n in range(count)]
    return entries + ([dataclasses.replace(base, name=last, number="0009990000000")] if last else [])


def test_the_exact_name_on_a_later_page_is_found(heritage, params, sources):
    heritage.entries = _many(150, "반가사유상")
    sources("반가사유상")
    facts = HeritageInfo(params()).fetch("반가사유상")
    assert facts.details["ccbaAsno"] == "0009990000000"
    assert [seen.query.get("pageIndex") for seen in heritage.requests[:-1]] == ["1", "2"]


def test_the_page_cap_stops_the_search_and_says_so(heritage, params, sources, monkeypatch, caplog):
    monkeypatch.setattr(heritage_module, "PAGE_UNIT", 2)
    heritage.entries = _many(25, "반가사유상")
    sources("반가사유상")
    with pytest.raises(NoFacts) as caught:
        HeritageInfo(params()).fetch("반가사유상")
    assert "searched only the first 20 of 26 hits for '반가사유상' (10 pages)" in str(caught.value)
    assert len(heritage.requests) == 10 and "searched only the first 20" in caplog.text


def test_no_hits_is_no_facts(heritage, params, sources):
    sources("없는 유물")
    with pytest.raises(NoFacts, match=r"^heritage: no entry named '없는 유물' \(the search found nothing\)$"):
        HeritageInfo(params()).fetch("없는 유물")


def test_hits_without_a_matching_name_list_the_candidates_and_how_to_pin(heritage, params, sources):
    sources("반가사유상")
    with pytest.raises(NoFacts) as caught:
        HeritageInfo(params()).fetch("반가사유상")
    message = str(caught.value)
    assert "no entry named '반가사유상'; the search found: " in message
    assert f"{BANGA} 광배 (보물, 경북 경주시; ccbaKdcd: 12, ccbaAsno: 0099990000000, ccbaCtcd: 37)" in message
    assert "pin one under 'heritage:' in sources/반가사유상.md" in message and "\n" not in message


def test_a_pin_skips_the_search(heritage, params, sources):
    sources("내 반가사유상", PIN_83)
    facts = HeritageInfo(params()).fetch("내 반가사유상")
    assert heritage.paths() == ["/cha/SearchKindOpenapiDt.do"]
    assert facts.details["ccbaAsno"] == "0000830000000" and facts.keyword == "내 반가사유상"


def test_a_pin_to_no_entry_is_no_facts(heritage, params, sources):
    sources("x", PIN_83.replace("0000830000000", "0000000000001"))
    with pytest.raises(NoFacts, match=r"no entry with ccbaKdcd: 11, ccbaAsno: 0000000000001, ccbaCtcd: 11 "
                                      r"\(pinned in sources/x.md\)"):
        HeritageInfo(params()).fetch("x")


def test_an_entry_without_a_description_is_no_facts(heritage, params, sources):
    sources("빈 설명 석탑")
    with pytest.raises(NoFacts, match="has no description"):
        HeritageInfo(params()).fetch("빈 설명 석탑")


def test_a_503_then_success_is_retried(heritage, params, sources):
    sources(BANGA)
    heritage.failures = [503]
    assert HeritageInfo(params()).fetch(BANGA).details["era"] == "삼국시대"
    assert heritage.paths()[:2] == ["/cha/SearchKindOpenapiList.do"] * 2


def test_a_404_is_not_retried(heritage, params, sources):
    sources(BANGA)
    with pytest.raises(RetryError, match=r"^heritage: GET http://127\.0\.0\.1:\d+/nothere/SearchKindOpenapiList\.do: "
                                         r"HTTP 404 Not Found$"):
        HeritageInfo(params(heritage_url=heritage.origin + "/nothere/")).fetch(BANGA)
    assert len(heritage.requests) == 1


def test_an_answer_that_is_not_xml_is_one_line(heritage, params, sources):
    sources(BANGA)
    heritage.respond = lambda path, query: Reply(200, "<html><body>점검 중</p></html>".encode(), "text/html")
    with pytest.raises(PipelineError, match=r"^heritage: GET .*SearchKindOpenapiList\.do: the answer is not the "
                                            r"expected XML \(mismatched tag: line 1, column \d+\)$"):
        HeritageInfo(params()).fetch(BANGA)


def _in(encoding: str, reply: Reply) -> Reply:
    """The same answer, declared and encoded in another encoding."""
    text = reply.body.decode("utf-8").replace('encoding="utf-8"', f'encoding="{encoding}"')
    return Reply(reply.status, text.encode("cp949" if encoding.startswith("x-") else encoding),
                 f"text/xml;charset={encoding}")


@pytest.mark.parametrize("encoding", ["euc-kr", "cp949"])
def test_an_answer_in_a_korean_multi_byte_encoding_is_read(heritage, params, sources, encoding):
    respond = heritage.respond
    heritage.respond = lambda path, query: _in(encoding, respond(path, query))
    sources(BANGA)
    facts = HeritageInfo(params()).fetch(BANGA)
    assert facts.title == BANGA and facts.details["era"] == "삼국시대"
    assert facts.sections[0].text.startswith("반가사유상은 의자에 앉아")


def test_an_answer_in_an_unknown_encoding_is_one_line(heritage, params, sources):
    respond = heritage.respond
    heritage.respond = lambda path, query: _in("x-no-such-kr", respond(path, query))
    sources(BANGA)
    with pytest.raises(PipelineError, match=r"^heritage: GET .*SearchKindOpenapiList\.do: the answer is not the "
                                            r"expected XML \(unknown encoding: x-no-such-kr\)$"):
        HeritageInfo(params()).fetch(BANGA)


def test_an_answer_with_another_root_is_one_line_not_no_facts(heritage, params, sources):
    # An error in a gateway's envelope is well-formed XML with no <item>: read as a search, it found nothing.
    heritage.respond = lambda path, query: xml_reply(
        "<OpenAPI_ServiceResponse>\n\t<cmmMsgHeader>\n\t\t<errMsg>SERVICE ERROR</errMsg>\n"
        "\t\t<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>\n"
        "\t\t<returnReasonCode>30</returnReasonCode>\n\t</cmmMsgHeader>\n</OpenAPI_ServiceResponse>")
    sources(BANGA)
    with pytest.raises(PipelineError) as caught:
        HeritageInfo(params()).fetch(BANGA)
    assert not isinstance(caught.value, NoFacts)
    assert str(caught.value) == (f"heritage: GET {heritage.url}SearchKindOpenapiList.do: the answer is not the expected "
                                 "XML (its root is <OpenAPI_ServiceResponse>: SERVICE ERROR "
                                 "SERVICE_KEY_IS_NOT_REGISTERED_ERROR 30)")


@pytest.mark.parametrize(("html", "expected"), [
    ("  첫 문장.  ", ["첫 문장."]),
    ("<p>하나</p><p>둘</p>", ["하나", "둘"]),
    ("한 줄<br>이어진 줄<br><br>새 문단", ["한 줄 이어진 줄", "새 문단"]),
    ("줄\r\n\r\n다음 문단", ["줄", "다음 문단"]),
    ("&lt;중용&gt;과 &amp;nbsp;공백\u3000넓은", ["<중용>과 공백 넓은"]),
    ("<p>글<script>alert(1)</script><style>p{}</style></p>", ["글"]),
    ("<p>&nbsp;</p>", []),
    (None, []),
])
def test_paragraphs_are_plain_text(html, expected):
    assert paragraphs(html) == expected
