"""auto: the sources in info.sources order, the first with facts answering."""

import pytest

from stages.clients.retry import RetryError
from stages.core.errors import NoFacts
from stages.facts.auto import AutoInfo
from stages.facts.providers import INFO_PROVIDERS
from tests.fake_heritage import BANGA
from tests.fake_http import free_port

LOCAL_FACTS = "# 달항아리\n\n## 개요\n손으로 쓴 사실입니다.\n"


def test_every_provider_is_registered_under_its_params_name():
    assert set(INFO_PROVIDERS.names()) == {"local", "heritage", "wikipedia", "auto"}
    assert all(INFO_PROVIDERS.get(name).name == name for name in INFO_PROVIDERS.names())


def test_heritage_answers_first(heritage, wikipedia, params, sources):
    sources(BANGA)
    facts = AutoInfo(params(provider="auto")).fetch(BANGA)
    assert facts.provider == "heritage" and wikipedia.requests == []


def test_wikipedia_answers_what_heritage_does_not_know(heritage, wikipedia, params, sources):
    sources("경주 첨성대")
    facts = AutoInfo(params(provider="auto")).fetch("경주 첨성대")
    assert facts.provider == "wikipedia" and len(heritage.requests) == 2  # as written, then without spaces


def test_local_answers_last(heritage, wikipedia, params, sources):
    sources("달항아리", LOCAL_FACTS)
    facts = AutoInfo(params(provider="auto")).fetch("달항아리")
    assert facts.provider == "local" and facts.sections[0].text == "손으로 쓴 사실입니다."


def test_when_no_source_has_facts_every_reason_is_given_in_one_line(heritage, wikipedia, params, sources):
    sources("없는 유물")
    with pytest.raises(NoFacts) as caught:
        AutoInfo(params(provider="auto")).fetch("없는 유물")
    message = str(caught.value)
    assert message.startswith("no source has facts for '없는 유물': heritage: no entry named '없는 유물'")
    assert "; wikipedia: no page titled '없는 유물'" in message
    assert "; sources/없는 유물.md has no facts" in message
    assert "info.provider: auto" not in message and "\n" not in message


def test_the_order_is_configurable(heritage, wikipedia, params, sources):
    sources(BANGA, LOCAL_FACTS)
    facts = AutoInfo(params(provider="auto", sources=["local", "heritage"])).fetch(BANGA)
    assert facts.provider == "local" and heritage.requests == [] and wikipedia.requests == []


def test_a_pinned_source_is_the_one_asked(heritage, wikipedia, params, sources):
    sources(BANGA, "---\nwikipedia: 경주 첨성대\n---\n")
    facts = AutoInfo(params(provider="auto")).fetch(BANGA)
    assert facts.provider == "wikipedia" and heritage.requests == []


def test_an_unreachable_source_stops_auto_instead_of_falling_through(heritage, wikipedia, params, sources):
    sources(BANGA, LOCAL_FACTS)
    with pytest.raises(RetryError, match=r"^heritage: GET http://127\.0\.0\.1:\d+/cha/SearchKindOpenapiList\.do: "
                                         r"gave up after 3 tries over [\d.]+ s: connection refused$"):
        AutoInfo(params(provider="auto", heritage_url=f"http://127.0.0.1:{free_port()}/cha/")).fetch(BANGA)
    assert wikipedia.requests == []
