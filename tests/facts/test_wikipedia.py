"""The wikipedia provider against a local stand-in for Korean Wikipedia."""

import json
import threading
from pathlib import Path

import pytest

from stages.clients.retry import RetryError
from stages.core.errors import NoFacts, PipelineError
from stages.facts import wikipedia as wikipedia_module
from stages.facts.wikipedia import WikipediaInfo, flag, split_extract
from tests.fake_http import json_reply
from tests.fake_wikipedia import CHEOMSEONGDAE, Page

PAGE = "/wiki/%EA%B2%BD%EC%A3%BC_%EC%B2%A8%EC%84%B1%EB%8C%80"  # 경주_첨성대
FIXTURES = Path(__file__).parent / "fixtures"
PYTHON = "Python (programming language)"


def recorded(name: str) -> bytes:
    """A real answer of a MediaWiki, from another project's tests (fixtures/README.md says whose)."""
    return (FIXTURES / name).read_bytes()


def test_a_page_becomes_sections_with_their_urls_and_credit(wikipedia, params, sources):
    sources("경주 첨성대")
    facts = WikipediaInfo(params()).fetch("경주 첨성대")
    page = wikipedia.url + PAGE
    assert [(s.heading, s.text, s.source) for s in facts.sections] == [
        ("개요", "경주 첨성대는 신라 시대에 돌을 쌓아 만든 천문 관측대이다. 경주시 인왕동에 있다. 높이는 약 9미터이다.", page),
        ("역사", "선덕여왕 때 세워졌다고 전한다. 삼국유사에 그 이름이 나온다.", f"{page}#%EC%97%AD%EC%82%AC"),
        ("구조", "둥근 몸통에 창이 하나 나 있다.", f"{page}#%EA%B5%AC%EC%A1%B0"),
    ]
    assert facts.title == "경주 첨성대" and facts.provider == "wikipedia"
    assert facts.details["url"] == page and facts.details["license"] == "CC BY-SA 4.0"
    assert facts.details["description"] == "신라의 천문 관측대"
    assert facts.attribution == ["한국어 위키백과 「경주 첨성대」 문서(CC BY-SA 4.0)"]


def test_the_calls_use_the_documented_endpoints_and_a_descriptive_user_agent(wikipedia, params, sources):
    sources("경주 첨성대")
    WikipediaInfo(params()).fetch("경주 첨성대")
    summary, extract = wikipedia.requests
    assert summary.path == "/api/rest_v1/page/summary/경주_첨성대"
    assert extract.path == "/w/api.php"
    assert extract.query == {"action": "query", "prop": "extracts", "explaintext": "1", "redirects": "1",
                             "format": "json", "formatversion": "2", "titles": "경주 첨성대"}
    assert summary.user_agent.startswith("docent-audio-guide/") and "python-requests" in summary.user_agent


def test_a_title_that_does_not_match_exactly_is_found_by_search(wikipedia, params, sources):
    sources("경주첨성대")
    facts = WikipediaInfo(params()).fetch("경주첨성대")
    assert facts.title == "경주 첨성대" and facts.keyword == "경주첨성대"
    assert [seen.query.get("list") for seen in wikipedia.requests[1:2]] == ["search"]


def test_a_missing_page_lists_the_candidates(wikipedia, params, sources):
    sources("첨성대")
    with pytest.raises(NoFacts) as caught:
        WikipediaInfo(params()).fetch("첨성대")
    assert str(caught.value) == ("wikipedia: no page titled '첨성대'; candidates: 경주 첨성대 — "
                                 "pin one with 'wikipedia: <title>' in sources/첨성대.md")


def test_a_missing_page_without_candidates(wikipedia, params, sources):
    sources("없는 문서")
    with pytest.raises(NoFacts, match=r"^wikipedia: no page titled '없는 문서' \(the search found nothing\)$"):
        WikipediaInfo(params()).fetch("없는 문서")


def test_a_disambiguation_page_lists_its_entries(wikipedia, params, sources):
    sources("반가사유상")
    with pytest.raises(NoFacts) as caught:
        WikipediaInfo(params()).fetch("반가사유상")
    assert str(caught.value) == (
        "wikipedia: '반가사유상' is a disambiguation page; candidates: 금동 미륵보살 반가사유상 (국보 제78호), "
        "금동 미륵보살 반가사유상 (국보 제83호) — pin one with 'wikipedia: <title>' in sources/반가사유상.md")


def test_a_pinned_title_is_used(wikipedia, params, sources):
    sources("별을 보던 대", "---\nwikipedia: 경주 첨성대\n---\n# 별을 보던 대\n")
    facts = WikipediaInfo(params()).fetch("별을 보던 대")
    assert facts.title == "경주 첨성대" and wikipedia.paths()[0] == "/api/rest_v1/page/summary/경주_첨성대"


def test_a_pinned_title_that_is_missing_is_no_facts(wikipedia, params, sources):
    sources("x", "---\nwikipedia: 경주 첨성대 (탑)\n---\n")
    with pytest.raises(NoFacts, match=r"no page titled '경주 첨성대 \(탑\)' \(pinned in sources/x.md\); candidates"):
        WikipediaInfo(params()).fetch("x")


def test_a_503_then_success_is_retried(wikipedia, params, sources):
    sources("경주 첨성대")
    wikipedia.failures, wikipedia.retry_after = [503], "0"
    assert WikipediaInfo(params()).fetch("경주 첨성대").title == "경주 첨성대"
    assert wikipedia.paths()[:2] == ["/api/rest_v1/page/summary/경주_첨성대"] * 2


def test_a_429_is_retried_and_a_403_is_not(wikipedia, params, sources):
    sources("경주 첨성대")
    wikipedia.failures = [429, 403]
    with pytest.raises(RetryError, match=r"^wikipedia: GET .*/page/summary/.*: HTTP 403 Forbidden; set info.contact "
                                         r"in params.yaml to your e-mail address or a URL: .*User-Agent_policy$"):
        WikipediaInfo(params()).fetch("경주 첨성대")
    assert len(wikipedia.requests) == 2


def test_a_403_with_a_contact_set_names_it(wikipedia, params, sources):
    sources("경주 첨성대")
    wikipedia.failures = [403]
    with pytest.raises(RetryError, match=r"HTTP 403 Forbidden; Wikimedia refused the User-Agent with info.contact "
                                         r"'docent@example.org'$"):
        WikipediaInfo(params(contact="docent@example.org")).fetch("경주 첨성대")


def test_the_contact_goes_into_the_user_agent(wikipedia, params, sources):
    sources("경주 첨성대")
    WikipediaInfo(params(contact="https://example.org/docent")).fetch("경주 첨성대")
    agent = wikipedia.requests[0].user_agent
    assert agent.startswith("docent-audio-guide/1.0 (https://example.org/docent; ") and "python-requests/" in agent


def test_a_missing_contact_is_warned_about_once_saying_how_to_set_it(wikipedia, params, sources, caplog,
                                                                     monkeypatch):
    monkeypatch.setattr(wikipedia_module, "_warned", threading.Event())
    sources("경주 첨성대")
    for _ in range(2):
        WikipediaInfo(params()).fetch("경주 첨성대")
    warnings = [r.getMessage() for r in caplog.records if "info.contact" in r.getMessage()]
    assert len(warnings) == 1 and "set info.contact in params.yaml" in warnings[0]
    caplog.clear()
    monkeypatch.setattr(wikipedia_module, "_warned", threading.Event())
    WikipediaInfo(params(contact="docent@example.org")).fetch("경주 첨성대")
    assert "info.contact" not in caplog.text


def test_a_redirect_page_is_followed_to_its_targets_facts(wikipedia, params, sources):
    sources("慶州瞻星臺")
    facts = WikipediaInfo(params()).fetch("慶州瞻星臺")
    assert facts.title == "경주 첨성대" and facts.sections[0].text.startswith("경주 첨성대는 신라 시대에")
    summary, target, extract = wikipedia.requests
    assert (summary.path, target.path) == ("/api/rest_v1/page/summary/慶州瞻星臺", "/api/rest_v1/page/summary/경주_첨성대")
    assert extract.query["titles"] == "경주 첨성대"


def test_a_title_not_in_normalised_form_is_followed_to_the_page(wikipedia, params, sources):
    sources("x", "---\nwikipedia: 경주  첨성대\n---\n# x\n")
    facts = WikipediaInfo(params()).fetch("x")
    assert facts.title == "경주 첨성대"
    assert [seen.path for seen in wikipedia.requests[:2]] == ["/api/rest_v1/page/summary/경주__첨성대",
                                                              "/api/rest_v1/page/summary/경주_첨성대"]


def test_the_fake_answers_redirects_with_301_and_302(wikipedia):
    import requests

    base = wikipedia.url + "/api/rest_v1/page/summary/"
    moved = requests.get(base + "경주 첨성대", allow_redirects=False, timeout=10)
    redirect = requests.get(base + "慶州瞻星臺", allow_redirects=False, timeout=10)
    assert (moved.status_code, moved.headers["Location"]) == (301, "%EA%B2%BD%EC%A3%BC_%EC%B2%A8%EC%84%B1%EB%8C%80")
    assert (redirect.status_code, redirect.headers["Location"]) == (302, moved.headers["Location"])


def test_split_extract_keeps_prose_and_drops_reference_sections():
    extract = "머리말.\n\n== 역사 ==\n첫째.\n=== 세부 ===\n둘째.\n\n== 빈 절 ==\n\n== 참고 문헌 ==\n책.\n"
    assert split_extract(extract) == [("개요", "머리말."), ("역사", "첫째. 둘째.")]
    assert split_extract("== 역사 ==\n본문.") == [("역사", "본문.")]


# Real answers in formatversion=1, which MediaWiki before 1.25 (and so a mirror in info.wikipedia_url) sends
# whatever formatversion asks: `pages` is an object keyed by page id, and true is "".

def test_a_formatversion_1_extract_keyed_by_page_id_becomes_sections(wikipedia, params, sources):
    wikipedia.pages[PYTHON] = Page(PYTHON, extract="Python is a high-level, general-purpose programming language.")
    wikipedia.answers["extracts"] = recorded("fv1_extract_python.json")
    sources("파이썬", f"---\nwikipedia: {PYTHON}\n---\n# 파이썬\n")
    facts = WikipediaInfo(params()).fetch("파이썬")
    assert [s.heading for s in facts.sections] == ["개요", "History"]
    assert facts.sections[0].text.startswith("Python is a high-level, general-purpose programming language. Its ")
    assert facts.sections[0].text.endswith("ranks based on searches in 24 platforms.")
    assert facts.sections[1].text.startswith("Python was conceived in the late 1980s by Guido van Rossum")
    assert facts.sections[1].source.endswith("#History")


def test_an_extract_from_an_older_mediawiki_is_read(wikipedia, params, sources):
    wikipedia.pages["Celtuce"] = Page("Celtuce", extract="Celtuce is a cultivar of lettuce.")
    wikipedia.answers["extracts"] = recorded("fv1_extract_celtuce.json")
    sources("줄기상추", "---\nwikipedia: Celtuce\n---\n# 줄기상추\n")
    facts = WikipediaInfo(params()).fetch("줄기상추")
    assert [s.heading for s in facts.sections] == ["개요"]
    assert facts.sections[0].text.startswith("Celtuce (Lactuca sativa var. asparagina, augustana, or angustata)")
    assert facts.sections[0].text.endswith("stir frying with more strongly flavored ingredients.")


def test_a_missing_page_in_formatversion_1_leaves_the_summarys_extract(wikipedia, params, sources):
    wikipedia.answers["extracts"] = recorded("fv1_missing_page.json")
    sources("경주 첨성대")
    facts = WikipediaInfo(params()).fetch("경주 첨성대")
    assert [(s.heading, s.text) for s in facts.sections] == [("개요", CHEOMSEONGDAE.extract.split("\n")[0])]


def test_flag_reads_true_in_both_format_versions():
    page = next(iter(json.loads(recorded("fv1_missing_page.json"))["query"]["pages"].values()))
    assert page["missing"] == "" and flag(page, "missing") and flag({"missing": True}, "missing")
    assert not flag(page, "invalid") and not flag({"missing": False}, "missing")


def test_a_disambiguation_pages_links_in_formatversion_1_are_the_candidates(wikipedia, params, sources):
    wikipedia.answers["links"] = recorded("fv1_links_celtuce.json")  # another page's links: the shape is the point
    sources("반가사유상")
    with pytest.raises(NoFacts) as caught:
        WikipediaInfo(params()).fetch("반가사유상")
    assert str(caught.value).startswith("wikipedia: '반가사유상' is a disambiguation page; candidates: Calcium, "
                                        "Carbohydrate, Chinese language, Dietary Reference Intake, ")
    assert ", … — pin one with 'wikipedia: <title>' in sources/반가사유상.md" in str(caught.value)


def test_an_older_mediawikis_search_answer_gives_the_candidates(wikipedia, params, sources):
    wikipedia.answers["search"] = recorded("fv1_search_menlo_park.json")  # with query-continue and warnings
    sources("멘로 파크")
    with pytest.raises(NoFacts) as caught:
        WikipediaInfo(params()).fetch("멘로 파크")
    assert str(caught.value) == ("wikipedia: no page titled '멘로 파크'; candidates: Edison, New Jersey — "
                                 "pin one with 'wikipedia: <title>' in sources/멘로 파크.md")


@pytest.mark.parametrize(("kind", "keyword", "body", "detail"), [
    ("extracts", "경주 첨성대", {"query": {"pages": "1868108"}}, "pages is not a list of objects"),
    ("extracts", "경주 첨성대", {"query": {"pages": {"1868108": ["Celtuce"]}}}, "pages is not a list of objects"),
    ("extracts", "경주 첨성대", {"query": {"pages": [{"title": "Celtuce", "extract": {"*": "Celtuce is"}}]}},
     "the extract is not text"),
    ("extracts", "경주 첨성대", {"query": "pages"}, "its query is not an object"),
    ("extracts", "경주 첨성대", ["query"], "it is not a JSON object"),
    ("links", "반가사유상", {"query": {"pages": {"1": {"title": "반가사유상", "links": "금동"}}}},
     "links is not a list of objects"),
    ("search", "없는 문서", {"query": {"search": [{"ns": 0, "title": 7}]}}, "a title in search is not text"),
])
def test_an_action_api_answer_of_another_shape_is_one_line(wikipedia, params, sources, kind, keyword, body, detail):
    wikipedia.answers[kind] = json.dumps(body).encode()
    sources(keyword)
    with pytest.raises(PipelineError) as caught:
        WikipediaInfo(params()).fetch(keyword)
    assert str(caught.value) == f"wikipedia: GET {wikipedia.url}/w/api.php: the answer is not a query answer ({detail})"


@pytest.mark.parametrize("error", [{"code": "readapidenied", "info": "You need read permission\nto use this module."},
                                   "readapidenied"])
def test_an_error_answer_is_one_line_in_the_wikis_words(wikipedia, params, sources, error):
    wikipedia.answers["extracts"] = json.dumps({"error": error}).encode()
    sources("경주 첨성대")
    with pytest.raises(PipelineError, match=r"^wikipedia: GET .*/w/api\.php: (You need read permission to use this "
                                            r"module\.|readapidenied)$"):
        WikipediaInfo(params()).fetch("경주 첨성대")


@pytest.mark.parametrize("summary", [
    {"type": "standard", "titles": "경주 첨성대"},
    {"type": "standard", "title": ["경주 첨성대"]},
    {"type": "standard", "title": "경주 첨성대", "description": {"text": "천문대"}},
    {"type": None, "title": "경주 첨성대"},
])
def test_a_summary_of_another_shape_is_one_line(wikipedia, params, sources, summary):
    wikipedia.respond = lambda path, query: json_reply(summary)
    sources("경주 첨성대")
    with pytest.raises(PipelineError, match=r"^wikipedia: GET .*/page/summary/.*: the answer is not a page summary$"):
        WikipediaInfo(params()).fetch("경주 첨성대")
