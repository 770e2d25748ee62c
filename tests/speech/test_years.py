"""English and Chinese years are said as years; every other number is left to the voice."""

import pytest

from stages.speech.years import YearReader


@pytest.mark.parametrize(("written", "said"), [
    ("In 1935, he bought it.", "In nineteen thirty-five, he bought it."),
    ("It was completed in 771, in the reign of", "It was completed in seven seventy-one, in the reign of"),
    ("from 1446 to 1450", "from fourteen forty-six to fourteen fifty"),
    ("around 2024", "around twenty twenty-four"),
    ("It is 42.1 centimetres tall and weighs 18.9 tonnes.", "It is 42.1 centimetres tall and weighs 18.9 tonnes."),
    ("about 1200 pieces", "about 1200 pieces"),
    ("by 1935.5", "by 1935.5"),
    ("in 300 cm", "in 300 cm"),
    ("the 17th century", "the 17th century"),
    ("a thousand characters", "a thousand characters"),
])
def test_english_years_after_a_year_word_become_words(written, said):
    assert YearReader("en").spoken(written) == said


@pytest.mark.parametrize(("written", "said"), [
    ("这件梅瓶是在1935年买下的。", "这件梅瓶是在一九三五年买下的。"),
    ("到771年才完成", "到七七一年才完成"),
    ("高42.1厘米，重约18.9吨。", "高42.1厘米，重约18.9吨。"),
    ("12世纪", "12世纪"),
    ("历经18.5年", "历经18.5年"),
])
def test_chinese_years_are_said_digit_by_digit(written, said):
    assert YearReader("zh").spoken(written) == said
