"""OpenAIScript against the fake server: the prompt, the checks on the answer, the content-addressed chat cache."""

import pytest

from stages.clients.retry import RetryError
from stages.core.cache import Cache
from stages.core.errors import PipelineError
from stages.core.info_file import Facts, FactSection
from stages.core.params import parse_params
from stages.narration.openai import OpenAIScript, plain_narration
from stages.narration.providers import script_provider

FACTS = Facts(
    keyword="백자 달항아리",
    title="백자 달항아리",
    provider="local",
    sections=[
        FactSection("개요", "백자 달항아리는 조선 후기에 만들어진 커다란 백자 항아리입니다. " * 3, "sources/x.md"),
        FactSection("만든 방법", "위와 아래를 따로 빚은 뒤 이어 붙여 만들었습니다. " * 3, "sources/x.md"),
    ],
)


def make_params(**script):
    return parse_params({"keywords": ["x"], "script": {"provider": "openai", "minutes": 1.0, **script},
                         "retry": {"max_tries": 3}, "requests": {"timeout": 0.5}})


@pytest.fixture
def script(fake_openai, chat_cache) -> OpenAIScript:
    return OpenAIScript(make_params(), sleep=lambda s: None, cache=chat_cache)


def test_registered_under_its_params_name():
    assert script_provider("openai") is OpenAIScript


def test_prompt_carries_the_facts_and_the_target(script, fake_openai):
    text = script.write(FACTS)
    sent = fake_openai.received[-1]["json"]
    assert sent["model"] == "gpt-5.4-mini" and [m["role"] for m in sent["messages"]] == ["system", "user"]
    system, user = (m["content"] for m in sent["messages"])
    assert "사실만 사용하세요" in system
    assert "[개요] 백자 달항아리는" in user and "[만든 방법]" in user and "약 370자" in user
    assert text.startswith("안녕하세요") and text.endswith("\n") and "조선 후기" in text


def test_unchanged_request_is_answered_from_the_cache(fake_openai, chat_cache):
    first = OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    again = OpenAIScript(make_params(), cache=chat_cache)
    assert again.write(FACTS) == first
    assert fake_openai.count("chat") == 1 and again.requests == 0


@pytest.mark.parametrize("change", [{"minutes": 1.5}, {"model": "gpt-4.1-mini"}])
def test_changed_params_ask_again(fake_openai, chat_cache, change):
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    OpenAIScript(make_params(**change), cache=chat_cache).write(FACTS)
    assert fake_openai.count("chat") == 2


def test_another_server_with_the_same_model_asks_again(fake_openai, chat_cache, monkeypatch):
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url.replace("127.0.0.1", "localhost"))
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/")  # the same server, spelt differently
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    assert fake_openai.count("chat") == 2


def test_cached_script_needs_no_key(fake_openai, chat_cache, monkeypatch):
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    monkeypatch.delenv("OPENAI_API_KEY")
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    other = Facts(**{**FACTS.__dict__, "title": "다른 항아리"})
    with pytest.raises(PipelineError, match="OPENAI_API_KEY is not set"):
        OpenAIScript(make_params(), cache=chat_cache).write(other)


def test_markdown_is_stripped(script, fake_openai):
    body = "조선 후기의 백자 달항아리는 위와 아래를 따로 빚어 이어 붙였습니다. " * 5
    fake_openai.chat_replies.append(f"# 백자 달항아리\n\n**안녕하세요**, 여러분.\n\n- {body}\n* 둘째 _항목_은 __굵게__.\n")
    text = script.write(FACTS)
    assert text.startswith("안녕하세요, 여러분.") and "#" not in text and "*" not in text and "__" not in text
    assert f"\n\n{body.strip()}\n\n둘째 _항목_은 굵게." in text


def test_plain_narration_keeps_ordinary_text():
    assert plain_narration("1. 첫째 문장입니다.\n2) 둘째 문장입니다.\n\n> 인용입니다.") == (
        "첫째 문장입니다.\n\n둘째 문장입니다.\n\n인용입니다.")


@pytest.mark.parametrize(("reply", "message"), [
    ("", "empty narration"),
    ("## 제목만\n\n**  **", "empty narration"),
    ("안녕하세요.", "far from the ~370"),
    ("가나다라마바사. " * 200, "far from the ~370"),
])
def test_unusable_answer_is_refused_and_not_cached(script, fake_openai, reply, message):
    fake_openai.chat_replies.append(reply)
    with pytest.raises(PipelineError, match=message):
        script.write(FACTS)
    script.write(FACTS)  # not cached: the next run asks again
    assert fake_openai.count("chat") == 2


def test_attribution_is_appended_verbatim(script):
    facts = Facts(**{**FACTS.__dict__, "attribution": ["국립중앙박물관 (CC BY)"]})
    assert script.write(facts).endswith("이 해설은 국립중앙박물관 (CC BY)의 자료를 바탕으로 했습니다.\n")


@pytest.mark.parametrize("fault", ["429", "503", "reset", "cut", "stall"])
def test_transient_fault_is_retried(script, fake_openai, fault):
    fake_openai.queue("chat", fault)
    script.write(FACTS)
    assert fake_openai.count("chat") == 2 and script.requests == 2 and script.retries == 1


@pytest.mark.parametrize(("fault", "message"), [("quota", "credit is exhausted"), ("401", "OPENAI_API_KEY")])
def test_fatal_fault_makes_one_request(script, fake_openai, fault, message):
    fake_openai.queue("chat", fault)
    with pytest.raises(RetryError, match=message):
        script.write(FACTS)
    assert fake_openai.count("chat") == 1


def test_permanent_500_makes_max_tries_requests(script, fake_openai):
    fake_openai.always["chat"] = "500"
    with pytest.raises(RetryError, match="gave up after 3 tries"):
        script.write(FACTS)
    assert fake_openai.count("chat") == 3
