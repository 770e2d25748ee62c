"""params.yaml validation: one typed object, one-line errors naming the key and what is allowed."""

import pytest

from stages.core.errors import ParamsError
from stages.core.params import check_keyword, load_params, parse_params
from tests.conftest import ROOT

VALID = {"keywords": ["백자 달항아리"]}


def error_for(data) -> str:
    with pytest.raises(ParamsError) as caught:
        parse_params(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_shipped_params_file_is_valid():
    params = load_params(ROOT / "params.yaml")
    assert len(params.keywords) >= 3
    assert params.tts.provider == "espeak"


def test_defaults_fill_missing_sections():
    params = parse_params(VALID)
    assert (params.retry.max_tries, params.tts.format) == (8, "mp3")


def test_info_defaults_are_the_public_sources():
    info = parse_params(VALID).info
    assert info.sources == ["heritage", "wikipedia", "local"]
    assert (info.heritage_url, info.wikipedia_url) == ("https://www.khs.go.kr/cha/", "https://ko.wikipedia.org")
    assert load_params(ROOT / "params.yaml").info.model_dump(exclude={"provider"}) == info.model_dump(exclude={"provider"})


@pytest.mark.parametrize("contact", ["docent@example.org", "https://example.org/docent", None])
def test_info_contact_is_an_email_or_a_url_or_unset(contact):
    assert parse_params({**VALID, "info": {"contact": contact}}).info.contact == contact


@pytest.mark.parametrize(("section", "bad", "named"), [
    ({"tts": {"format": "aac"}}, "tts.format", "'mp3', 'wav', 'flac' or 'opus'"),
    ({"info": {"provider": "google"}}, "info.provider", "'local', 'heritage', 'wikipedia' or 'auto'"),
    ({"info": {"sources": ["heritage", "naver"]}}, "info.sources.1", "'heritage', 'wikipedia' or 'local'"),
    ({"info": {"sources": ["local", "local"]}}, "info.sources", "local listed twice"),
    ({"info": {"sources": []}}, "info.sources", "at least 1 item"),
    ({"info": {"heritage_url": "www.khs.go.kr/cha/"}}, "info.heritage_url", "not an http:// or https:// URL"),
    ({"info": {"timeout": 3}}, "info.timeout", "provider, sources, heritage_url, wikipedia_url"),
    ({"info": {"contact": "call me"}}, "info.contact", "not an e-mail address or an http(s):// URL"),
    ({"script": {"provider": "gpt"}}, "script.provider", "'template'"),
    ({"tts": {"chunk_chars": 50}}, "tts.chunk_chars", "100–4096"),
    ({"retry": {"max_tries": 0}}, "retry.max_tries", "1–100"),
])
def test_a_bad_value_names_the_key_and_the_allowed_values(section, bad, named):
    message = error_for({**VALID, **section})
    assert message.startswith(f"params.yaml: {bad}:") and named in message


@pytest.mark.parametrize("keyword", ["", "   ", "../x", "a/b", "a\\b", "tab\there", "nul\x00", ".hidden", "가" * 101])
def test_unsafe_keywords_are_rejected(keyword):
    with pytest.raises(ParamsError):
        check_keyword(keyword)
    assert "keywords" in error_for({"keywords": [keyword]})


@pytest.mark.parametrize(("keyword", "named"), [
    ("$(touch PWNED)", "contains '$'"), ("`touch PWNED`", "contains '`'"), ('"quoted"', """contains '"'"""),
    ("a\\b", "contains '\\'"), ("C:drive", "contains ':'"), ("what?", "contains '?'"), ("a*", "contains '*'"),
    ("<b>", "contains '<'"), ("a>b", "contains '>'"), ("a|b", "contains '|'"), ("a@b", "contains '@'"),
    ("trailing ", "ends with a space"), ("trailing.", "ends with '.'"),
    ("CON", "a device name on Windows"), ("nul", "a device name on Windows"), ("Com1.jar", "a device name on Windows"),
    ("LPT9 .x", "a device name on Windows"),
])
def test_keywords_that_are_not_portable_file_names_are_refused_naming_the_character(keyword, named):
    with pytest.raises(ParamsError) as caught:
        check_keyword(keyword)
    assert named in str(caught.value) and repr(keyword) in str(caught.value)
    message = error_for({"keywords": ["백자 달항아리", keyword]})
    assert message.startswith("params.yaml: keywords.1: keyword") and named in message


@pytest.mark.parametrize("keyword", ["청자 상감운학문 매병", "Moon Jar (달항아리)", "가" * 100, "CONSOLE", "COM10",
                                     "Console table"])
def test_keywords_with_spaces_and_hangul_are_accepted(keyword):
    assert check_keyword(keyword) == keyword


def test_a_keyword_listed_twice_is_rejected():
    assert "listed twice" in error_for({"keywords": ["a", "a"]})


def test_malformed_yaml_is_one_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("keywords: [a\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"params.yaml is not valid YAML \(line \d+, column \d+: .*\); fix it"):
        load_params(path)


def test_a_top_level_list_is_rejected():
    assert "top level" in error_for(["a"])


def test_tts_keeps_the_providers_own_keys_unread_for_the_provider_to_check():
    # Loading params must not import speech code (the info and script stages load it): tts.voice, speed and the
    # like are validated by the provider's Options (tests/speech/voices/test_options.py), not here.
    tts = parse_params({**VALID, "tts": {"provider": "realtime", "voice": "fable", "speed": 9}}).tts
    assert tts.provider == "realtime" and tts.options == {"voice": "fable", "speed": 9}
