"""Verbatim checks: normalisation (whitespace, punctuation, numbers), CER, added and skipped runs."""

from collections import Counter

import pytest

from stages.speech.fidelity import compare, differing_words, numbers, pronounced, read_number

TEXT = "청자 상감운학문 매병은 12세기 고려에서 만들어졌습니다. 높이는 42.1cm입니다!"


@pytest.mark.parametrize(("written", "spoken"), [
    ("0", "영"), ("1", "일"), ("10", "십"), ("11", "십일"), ("100", "백"), ("1000", "천"), ("1342", "천삼백사십이"),
    ("10000", "만"), ("12345", "만이천삼백사십오"), ("100000000", "일억"), ("1,000,000", "백만"),
    ("3.14", "삼점일사"), ("007", "영영칠"),
])
def test_numbers_are_read_the_sino_korean_way(written, spoken):
    assert read_number(written) == spoken


def test_normalisation_keeps_only_what_is_pronounced():
    assert pronounced("  Hello,   WORLD! «1,342년»…  ") == "helloworld천삼백사십이년"


@pytest.mark.parametrize("heard", [
    TEXT,
    "청자 상감운학문 매병은, 십이 세기 고려에서 만들어졌습니다… 높이는 사십이 점 일 cm 입니다.",
    "청자상감운학문매병은 12 세기 고려에서 만들어졌습니다 높이는 42.1 CM 입니다",
])
def test_a_faithful_read_has_zero_cer_whatever_its_spacing_punctuation_and_numbers(heard):
    comparison = compare(TEXT, heard)
    assert comparison.cer == 0.0 and comparison.added == "" and comparison.skipped == ""


def test_a_preamble_is_an_added_run_even_when_the_cer_is_small():
    long_text = TEXT * 6
    comparison = compare(long_text, "네, 읽어 드리겠습니다. " + long_text)
    assert comparison.cer < 0.1
    assert comparison.added == "네읽어드리겠습니다"


def test_a_skipped_phrase_is_a_skipped_run():
    comparison = compare(TEXT, TEXT.replace("상감운학문 ", ""))
    assert comparison.skipped == "상감운학문" and comparison.cer == pytest.approx(5 / len(pronounced(TEXT)))


def test_a_paraphrase_has_a_high_cer():
    assert compare(TEXT, "고려 시대의 청자 병에 대한 설명이었습니다.").cer > 0.5


def test_an_empty_expected_text():
    assert compare("…", "").cer == 0.0 and compare("…", "네").cer == 1.0


def test_a_number_heard_differently_fails_a_read_whose_cer_is_tiny():
    text = "간송 전형필은 천구백삼십오 년에 이 매병을 찾아갔습니다. " * 6
    comparison = compare(text, text.replace("천구백삼십오", "천구백삼십이", 1))
    assert comparison.cer < 0.01
    assert comparison.problems(0.1) == ["a number heard differently (천구백삼십오 → 천구백삼십이)"]


def test_digits_in_a_transcript_are_the_same_number_as_their_reading():
    comparison = compare("천구백삼십오 년에, 사십이 점 일 센티미터", "1935년에 42.1센티미터")
    assert comparison.cer == 0.0 and comparison.problems(0.0) == []


@pytest.mark.parametrize("word", ["백자", "사람이", "일이", "삼국"])
def test_words_that_start_like_numbers_are_not_numbers(word):
    assert numbers(f"{word} 보세요") == Counter()


def test_other_languages_compare_numbers_as_digits():
    assert compare("Built in 1,446 by the king.", "built in 1446 by the king").cer == 0.0
    assert compare("Built in 1446.", "Built in 1443.", "en").problems(0.5) == ["a number heard differently (1446 → 1443)"]
    assert compare("它建于1446年。", "它建于1446年", "zh").cer == 0.0


def test_the_problems_name_added_and_skipped_runs_and_a_cer_over_the_threshold():
    long_text = TEXT * 6
    assert compare(long_text, "네, 읽어 드리겠습니다. " + long_text).problems(0.1) == ["added '네읽어드리겠습니다'"]
    assert compare(long_text, long_text.replace("상감운학문 ", "", 1)).problems(0.1) == ["skipped '상감운학문'"]
    problems = compare(TEXT, "고려 시대의 청자 병에 대한 설명이었습니다.").problems(0.1)
    assert problems[0].startswith("CER 0.") and problems[0].endswith("> tts.max_cer 0.1")


def test_the_differing_words_are_shown_as_written_on_each_side():
    said = "간송 전형필은 천구백삼십오 년에 이 매병을 찾아갔습니다."
    assert differing_words(said, said.replace("천구백삼십오", "1932")) == "said '천구백삼십오' heard '1932'"
    assert differing_words(said, said.replace("이 매병을 ", "")) == "skipped '이 매병을'"
    assert differing_words(said, "  " + said.replace(" ", "  ")) == "only spacing or punctuation"
    assert differing_words("它建于1446年。", "它建于1443年。", "zh") == "said '1446' heard '1443'"
