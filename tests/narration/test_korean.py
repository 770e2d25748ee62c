from stages.core.text import split_sentences
from stages.narration.korean import josa


def test_particles_agree_with_the_final_consonant():
    assert josa("매병", "은") == "매병은"
    assert josa("항아리", "은") == "항아리는"
    assert josa("신종", "을") == "신종을"
    assert josa("달항아리", "을") == "달항아리를"
    assert josa("서울", "으로") == "서울로"
    assert josa("부산", "으로") == "부산으로"
    assert josa("CT", "을") == "CT을(를)"


def test_sentences_split_at_korean_and_latin_endings():
    text = '높이는 42.1cm입니다. 정말 그런가요? 그렇습니다! "이렇게 말했다." 그리고… 끝'
    assert split_sentences(text) == ["높이는 42.1cm입니다.", "정말 그런가요?", "그렇습니다!", '"이렇게 말했다."', "그리고…", "끝"]


def test_no_sentences_in_blank_text():
    assert split_sentences("  \n ") == []
