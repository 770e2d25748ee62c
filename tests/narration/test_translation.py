"""OpenAITranslation against the fake server: numbers and paragraphs checked, asked again once, cached when accepted."""

import json
import re
import urllib.request
from decimal import Decimal

import pytest

from stages.core.cache import Cache
from stages.core.errors import PipelineError
from stages.core.params import parse_params
from stages.narration.numbers import differences, numbers
from stages.narration.translation import OpenAITranslation, correction, problems, source_narration

KEYWORD = "성덕대왕신종"
KOREAN = """안녕하세요, 여러분. 지금 보시는 종은 성덕대왕신종입니다.

이 종은 771년에 완성되었습니다. 높이는 3.66미터, 무게는 18.9톤에 이릅니다.

1,000년이 넘는 세월을 견딘 이 종의 소리를 함께 상상해 보시기 바랍니다.
"""
KANA = re.compile(r"[\u3040-\u309f]")
HANZI = re.compile(r"[\u4e00-\u9fff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def make_params(**script):
    return parse_params({"keywords": [KEYWORD], "languages": ["ko", "en", "ja", "zh"],
                         "script": {"provider": "openai", **script},
                         "retry": {"max_tries": 3}, "requests": {"timeout": 0.5}})


@pytest.fixture
def translation(fake_openai, chat_cache) -> OpenAITranslation:
    return OpenAITranslation(make_params(), sleep=lambda s: None, cache=chat_cache)


def entries(cache: Cache) -> list:
    return sorted(cache.dir.rglob("*.json")) if cache.dir.exists() else []


# --- the checks, pure -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "values"), [
    ("1446년 10월 9일", {1446, 10, 9}),
    ("높이 42.1cm, 무게 18.9톤", {Decimal("42.1"), Decimal("18.9")}),
    ("1,000점과 2,500,000원", {1000, 2500000}),
    ("1만 2천 점, 120만 명, 3억", {12000, 1200000, 300000000}),
    ("1万2千点、120万人", {12000, 1200000}),
    ("12,000 pieces and 1.2 million visitors", {12000, 1200000}),
    ("국보 제78호, No.78", {78}),
    ("１４４６年", {1446}),
    ("1446，1447", {1446, 1447}),
    ("on October 9, 1446", {10, 9, 1446}),
    ("the 9th of October", {9, 10}),
    ("in May 1446; you may look closer", {5, 1446}),
    ("3.50 and 3.5", {Decimal("3.5")}),
    ("세 왕과 three kings, 三国", set()),
])
def test_numbers_by_value(text, values):
    assert set(numbers(text)) == {Decimal(v) for v in values}


def test_differences_name_numbers_as_each_side_writes_them():
    assert differences("1446년 10월 9일에 1만 2천 자", "On October 9, 1447, 12,000 letters") == (["1446"], ["1447"])
    assert differences("771년, 771년", "in 771") == ([], [])  # said once where the original says it twice


def test_problems_name_numbers_and_paragraphs():
    assert problems(KOREAN, "One 771 3.66 18.9.\n\nTwo 1,000.", "Korean") == [
        "has 2 paragraphs where the Korean has 3"]
    assert problems("a 1 2 3 4 5", "a", "Korean") == ["drops or changes 1, 2, 3 and 2 more"]
    assert problems("1446년", "1446 and 7", "Korean") == ["adds 7, which the Korean narration does not state"]
    assert problems("1446년", "  \n") == ["is empty"]
    assert correction(["drops or changes 1446"], 1).startswith(
        "Your translation drops or changes 1446. Translate the narration again: keep every number exactly")


def test_source_narration_drops_comments_and_evens_the_blank_lines():
    assert source_narration("첫 문단입니다.\r\n<!-- 메모 1999 -->\r\n\r\n\r\n둘째   문단입니다.\n") == (
        "첫 문단입니다.\n\n둘째 문단입니다.")


# --- against the fake server ------------------------------------------------------------------------------------

def test_japanese_is_translated_in_one_request(translation, fake_openai):
    text = translation.translate(KOREAN, KEYWORD, "ko", "ja")
    assert fake_openai.count("chat") == 1 and translation.requests == 1 and fake_openai.translations == {"ja": 1}
    sent = fake_openai.received[-1]["json"]
    assert sent["model"] == "gpt-5.4-mini" and [m["role"] for m in sent["messages"]] == ["system", "user"]
    system, user = (m["content"] for m in sent["messages"])
    assert "Target language: Japanese (ja)." in system and "です・ます" in system and "exactly 3 paragraphs" in system
    assert user == source_narration(KOREAN)
    assert text.endswith("。\n") and not text.endswith("\n\n") and KANA.search(text) and not HANGUL.search(text)
    assert text.count("\n\n") == 2 and set(numbers(text)) == set(numbers(KOREAN))


@pytest.mark.parametrize(("target", "script", "marker"), [
    ("en", re.compile("[A-Za-z]"), "Revised Romanization"), ("zh", HANZI, "您")])
def test_each_target_gets_its_script_and_register(translation, fake_openai, target, script, marker):
    text = translation.translate(KOREAN, KEYWORD, "ko", target)
    assert marker in fake_openai.received[-1]["json"]["messages"][0]["content"]
    assert script.search(text) and not HANGUL.search(text) and set(numbers(text)) == set(numbers(KOREAN))


def test_a_changed_number_is_asked_again_once_and_the_second_answer_accepted(translation, fake_openai, chat_cache):
    fake_openai.translation_number_faults = 1
    text = translation.translate(KOREAN, KEYWORD, "ko", "ja")
    assert fake_openai.count("chat") == 2 and set(numbers(text)) == set(numbers(KOREAN))
    again = fake_openai.received[-1]["json"]["messages"]
    assert [m["role"] for m in again] == ["system", "user", "assistant", "user"] and "772" in again[2]["content"]
    assert again[3]["content"].startswith("Your translation drops or changes 771; it adds 772")
    # Cached under the first request: the next run asks nothing, although the accepted answer was the second.
    assert OpenAITranslation(make_params(), cache=chat_cache).translate(KOREAN, KEYWORD, "ko", "ja") == text
    assert fake_openai.count("chat") == 2


def test_a_number_changed_twice_is_refused_naming_it_and_nothing_is_cached(translation, fake_openai, chat_cache):
    fake_openai.translation_number_faults = 2
    with pytest.raises(PipelineError) as refused:
        translation.translate(KOREAN, KEYWORD, "ko", "ja")
    assert str(refused.value) == (
        "openai translation: the Japanese narration of '성덕대왕신종' drops or changes 771; it adds 772, which the "
        "Korean narration does not state (asked twice); write scripts/ja/성덕대왕신종.md by hand or run again")
    assert fake_openai.count("chat") == 2 and entries(chat_cache) == []
    translation.translate(KOREAN, KEYWORD, "ko", "ja")  # the next run asks afresh
    assert fake_openai.count("chat") == 3 and len(entries(chat_cache)) == 1


def test_merged_paragraphs_are_asked_again_then_refused(translation, fake_openai):
    fake_openai.chat_replies.extend(["こんにちは。\n\n1,000年です。", "こんにちは。771年、3.66、18.9。\n\n1,000年です。"])
    with pytest.raises(PipelineError, match=r"'성덕대왕신종' has 2 paragraphs where the Korean has 3 \(asked twice\)"):
        translation.translate(KOREAN, KEYWORD, "ko", "ja")
    assert fake_openai.received[-1]["json"]["messages"][-1]["content"].startswith(
        "Your translation drops or changes 771, 3.66 and 18.9; it has 2 paragraphs where the Korean has 3. "
        "Translate the narration again")


def test_markdown_in_the_answer_is_stripped_before_the_checks(translation, fake_openai):
    fake_openai.chat_replies.append("# 聖徳大王神鐘\n\n**こんにちは。**\n\n771年、3.66メートル、18.9トン。\n\n1,000年です。")
    assert translation.translate(KOREAN, KEYWORD, "ko", "ja") == (
        "こんにちは。\n\n771年、3.66メートル、18.9トン。\n\n1,000年です。\n")
    assert fake_openai.count("chat") == 1


def test_cached_translation_needs_no_request_and_no_key(fake_openai, chat_cache, monkeypatch):
    first = OpenAITranslation(make_params(), cache=chat_cache).translate(KOREAN, KEYWORD, "ko", "ja")
    monkeypatch.delenv("OPENAI_API_KEY")
    again = OpenAITranslation(make_params(), cache=chat_cache)
    assert again.translate(KOREAN, KEYWORD, "ko", "ja") == first and again.requests == 0
    assert fake_openai.count("chat") == 1


@pytest.mark.parametrize("change", [
    {"text": KOREAN.replace("771", "772")}, {"target": "en"}, {"model": "gpt-4.1-mini"}])
def test_a_changed_original_language_or_model_asks_again(fake_openai, chat_cache, change):
    OpenAITranslation(make_params(), cache=chat_cache).translate(KOREAN, KEYWORD, "ko", "ja")
    params = make_params(**({"model": change["model"]} if "model" in change else {}))
    OpenAITranslation(params, cache=chat_cache).translate(change.get("text", KOREAN), KEYWORD, "ko",
                                                          change.get("target", "ja"))
    assert fake_openai.count("chat") == 2


@pytest.mark.parametrize(("reply", "message"), [
    ({"refusal": "I can't help with that."}, "the chat model refused to write the Japanese narration of "
                                             "'성덕대왕신종': I can't help with that."),
    ({"content": "こんにちは。771年", "finish_reason": "length"}, "cut off at the model's length limit"),
    ({"content": "", "finish_reason": "content_filter"}, "withheld by the content filter"),
])
def test_refusal_and_cut_answers_fail_at_once_and_are_not_cached(translation, fake_openai, chat_cache, reply,
                                                                 message):
    fake_openai.chat_replies.append(reply)
    with pytest.raises(PipelineError, match=re.escape(message)):
        translation.translate(KOREAN, KEYWORD, "ko", "ja")
    assert fake_openai.count("chat") == 1 and entries(chat_cache) == []


def test_transient_fault_is_retried_by_the_policy(translation, fake_openai):
    fake_openai.queue("chat", "503")
    translation.translate(KOREAN, KEYWORD, "ko", "en")
    assert fake_openai.count("chat") == 2 and translation.retries == 1 and fake_openai.translations == {"en": 1}


def test_the_fake_takes_translation_faults_over_http(fake_openai):
    spec = json.dumps({"translation_number_faults": 2}).encode()
    request = urllib.request.Request(fake_openai.url.removesuffix("/v1") + "/_fake/faults", data=spec, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer)["translation_number_faults"] == 2
    assert fake_openai.translation_number_faults == 2
