"""Verbatim checks: normalisation (whitespace, punctuation, numbers), CER, added and skipped runs."""

import pytest

from stages.speech.fidelity import compare, pronounced, read_number

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
