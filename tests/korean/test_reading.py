"""The reading normaliser on museum text: numbers with counters, ranges, units, dates, times, hanja, Roman numerals,
lexicon, the CLI."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from stages.core.errors import PipelineError
from stages.core.params import load_params
from stages.korean.reading import Reader, load_lexicon, native, read_number, sino

ROOT = Path(__file__).resolve().parent.parent.parent
READER = Reader({"UNESCO": "유네스코", "X선": "엑스선", "CT": "씨티", "3D": "쓰리디"})
MUSEUM_PHRASES = Path(__file__).with_name("museum_phrases.tsv")  # also scored by bench/reading.py


def said(text: str) -> str:
    return READER.spoken(text)


@pytest.mark.parametrize(("written", "spoken"), [
    ("751년", "칠백오십일 년"), ("1935년에", "천구백삼십오 년에"), ("771년에 완성", "칠백칠십일 년에 완성"),
    ("1,342년", "천삼백사십이 년"), ("1900년대", "천구백 년대"), ("기원전 57년", "기원전 오십칠 년"),
])
def test_years_are_sino(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("12세기", "십이 세기"), ("17세기 후반", "십칠 세기 후반"), ("12~13세기", "십이 세기에서 십삼 세기"),
    ("12〜13세기", "십이 세기에서 십삼 세기"), ("1392–1910년", "천삼백구십이 년에서 천구백십 년"),
    ("12-13세기", "십이 세기에서 십삼 세기"), ("12세기~13세기", "십이 세기에서 십삼 세기"),
    ("6~7월", "유월에서 칠월"), ("25~30cm", "이십오 센티미터에서 삼십 센티미터"), ("3~5점", "세 점에서 다섯 점"),
])
def test_a_range_reads_both_ends(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("7~8세기", "칠팔 세기"), ("5~6세기", "오륙 세기"), ("2~3년", "이삼 년"), ("2~3m", "이삼 미터"), ("1~2점", "한두 점"),
    ("2~3점", "두세 점"), ("3~4개", "서너 개"), ("4~5명", "네다섯 명"), ("5~6개", "대여섯 개"), ("6~7명", "예닐곱 명"),
    ("7~8개", "일고여덟 개"), ("8~9개", "여덟아홉 개"), ("2~3일 동안", "이삼 일 동안"),
    ("20~30cm", "이삼십 센티미터"), ("30~40점", "삼사십 점"), ("200~300년", "이삼백 년"), ("5000~6000명", "오륙천 명"),
    # not a pair: a month, an hour, an order, numbers further apart or past nine
    ("3~4월", "삼월에서 사월"), ("3~4시", "세 시에서 네 시"), ("9~10세기", "구 세기에서 십 세기"),
    ("2~4점", "두 점에서 네 점"), ("기원전 2~1세기", "기원전 이 세기에서 일 세기"), ("10~20점", "열 점에서 스무 점"),
])
def test_neighbouring_numbers_under_ten_are_one_word(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("15세기 말~16세기 초", "십오 세기 말에서 십육 세기 초"), ("10세기 후반 ~ 11세기", "십 세기 후반에서 십일 세기"),
    ("김정희(1786~1856)", "김정희(천칠백팔십육에서 천팔백오십육)"), ("김홍도(1745-1806)", "김홍도(천칠백사십오에서 천팔백육)"),
    ("3-1", "삼-일"), ("2077-9000", "이천칠십칠-구천"),  # codes, not spans of years
    ("고려 말~조선 초", "고려 말에서 조선 초"), ("월~금 개관", "월요일부터 금요일 개관"), ("화 ~ 일", "화요일부터 일요일"),
])
def test_a_tilde_after_a_word_and_spans_of_years(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("7월5〜9일", "칠월 오 부터 구 일"), ("8월20일〜25일", "팔월 이십 일 부터 이십오 일"),
    ("1970〜1980년대", "천구백칠십 부터 천구백팔십 년대"), ("5~9일", "오 일에서 구 일"),
])
def test_days_of_a_month_and_decades_keep_nemos_reading(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("국보 제68호", "국보 제육십팔 호"), ("제1전시실", "제일 전시실"), ("제3권", "제삼 권"), ("제1의 작품", "제일의 작품"),
    ("보물 제1437호로", "보물 제천사백삼십칠 호로"),
])
def test_ordinals_with_je_are_sino_even_before_a_native_counter(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("42.1cm의", "사십이 점 일 센티미터의"), ("42.1센티미터에", "사십이 점 일 센티미터에"), ("3.75m", "삼 점 칠오 미터"),
    ("40센티미터를", "사십 센티미터를"), ("18.9톤에", "십팔 점 구 톤에"), ("약 3t,", "약 삼 톤,"), ("20 km", "이십 킬로미터"),
    ("500g", "오백 그램"), ("2.5kg이", "이 점 오 킬로그램이"), ("15mm", "십오 밀리미터"), ("60km/h", "육십 킬로미터 퍼 시간"),
    ("30℃", "섭씨 삼십 도"), ("3m이 넘는다", "삼 미터가 넘는다"),
])
def test_measurements_keep_their_particle_and_comma(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("3개의 고리", "세 개의 고리"), ("기와집 20채", "기와집 스무 채"), ("2명", "두 명"), ("1마리", "한 마리"),
    ("21그루", "스물한 그루"), ("4권", "네 권"), ("3장의 그림", "세 장의 그림"), ("7살", "일곱 살"), ("2시간", "두 시간"),
    ("99개", "아흔아홉 개"), ("100개", "백 개"), ("3개월", "삼 개월"), ("5달러", "오 달러"), ("1번째", "첫 번째"),
    ("12번째", "열두 번째"), ("1.5개", "일 점 오 개"),
])
def test_native_counters_up_to_99_and_sino_words_that_look_like_them(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("작품 3점", "작품 세 점"), ("여러 점 가운데 3점", "여러 점 가운데 세 점"), ("20점을", "스무 점을"), ("1점만", "한 점만"),
    ("120점", "백이십 점"), ("30여 점", "삼십여 점"), ("1,500여 점", "천오백여 점"), ("8폭 병풍", "여덟 폭 병풍"),
    ("석탑 2기가", "석탑 두 기가"), ("불상 3구", "불상 세 구"), ("정면 5칸", "정면 다섯 칸"), ("문서 4건", "문서 네 건"),
    ("거울 2면", "거울 두 면"), ("3구역", "삼구역"), ("2.5점", "이 점 오 점"), ("제2기", "제이 기"),
    ("1부", "일 부"), ("1~3부로", "일 부에서 삼 부로"), ("1부터", "일부터"),  # 부, a part, is Sino; 부터 is no counter
])
def test_counters_for_things_take_native_numbers(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("3번이나 옮겼다", "세 번이나 옮겼다"), ("2번 불탔다", "두 번 불탔다"), ("1번도", "한 번도"), ("5번의 보수", "다섯 번의 보수"),
    ("10번 이상", "열 번 이상"), ("4번 바뀌었습니다", "네 번 바뀌었습니다"), ("3번 고쳐 지었다", "세 번 고쳐 지었다"),
    ("모두 3번.", "모두 세 번."),
    ("2번 진열장", "이 번 진열장"), ("4번 출구로", "사 번 출구로"), ("3번 전시실에서", "삼 번 전시실에서"),
    ("작품 번호 23번", "작품 번호 이십삼 번"), ("제2번", "제이 번"), ("1번부터 차례로", "일 번부터 차례로"),
])
def test_beon_counts_times_natively_and_labels_the_sino_way(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("제Ⅱ부", "제이 부"), ("Ⅲ장", "삼 장"), ("제Ⅰ~Ⅲ부", "제일에서 삼 부"), ("제Ⅲ장의", "제삼 장의"), ("ⅩⅣ세", "십사 세"), ("ⅳ", "사"), ("Ⅱ가", "이가"),
    ("제II부", "제이 부"), ("IV장", "사 장"), ("루이 XIV세", "루이 십사 세"), ("제V부", "제오 부"),
    ("V자형", "브이자형"), ("VI", "브이아이"),  # one capital, or none before Hangul: letters
])
def test_roman_numerals_are_labels_said_the_sino_way(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("5세", "오 세"), ("3층", "삼 층"), ("3회", "삼 회"), ("10분", "십 분"), ("15일", "십오 일"),
])
def test_sino_counters(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("매병(梅甁)", "매병"), ("매병 (梅甁)은", "매병은"), ("청자 상감운학문 매병(靑磁 象嵌雲鶴文 梅甁)", "청자 상감운학문 매병"),
    ("매병(國寶 第68號)이", "매병이"), ("국보(제68호)", "국보(제육십팔 호)"),
])
def test_hanja_glosses_in_parentheses_are_dropped_hangul_ones_kept(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("白磁(백자)", "백자"), ("歲寒圖 (세한도)는", "세한도는"), ("靑磁 象嵌雲鶴文 梅甁(청자 상감운학문 매병)", "청자 상감운학문 매병"),
    ("王(임금)", "왕(임금)"),  # a gloss of the meaning, not of the sound, is kept
])
def test_hanja_before_its_reading_in_parentheses_gives_way_to_it(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("歲寒圖", "세한도"), ("乾隆 연간", "건륭 연간"), ("康熙 年間", "강희 연간"), ("李舜臣", "이순신"), ("柳成龍", "유성룡"),
    ("龍 무늬", "용 무늬"), ("樂浪", "낙랑"), ("李白의 詩", "이백의 시"),  # 두음법칙 at the start of a word only
    ("金正喜", "김정희"), ("慶州 金氏", "경주 김씨"), ("金冠", "금관"), ("金剛山圖", "금강산도"),  # 金: 김 in a name
    ("不動", "부동"), ("不可", "불가"), ("六月", "유월"), ("十月", "시월"),
    ("第3卷", "제삼 권"), ("乾隆 51年에", "건륭 오십일 년에"), ("國寶 第68號", "국보 제육십팔 호"),
    ("乾隆年間", "건륭 연간"),
    ("\uf9e1", "이"),  # a compatibility ideograph (李) reads as its unified form
])
def test_hanja_outside_a_gloss_is_read(written, spoken):
    assert said(written) == spoken


def test_a_lexicon_word_in_hanja_comes_before_the_librarys_reading():
    # The library reads 寧 령 in every word; the shipped lexicon.yaml has the words that say 녕.
    assert said("壽福康寧") == "수복강령"
    assert Reader({"康寧": "강녕"}).spoken("壽福康寧") == "수복강녕"
    assert Reader(load_lexicon(ROOT / "lexicon.yaml")).spoken("安寧, 康寧殿") == "안녕, 강녕전"


def test_the_hanja_library_is_imported_only_for_text_with_hanja():
    code = ("import sys; from stages.korean.reading import Reader; r = Reader(); "
            "r.spoken('높이 42.1cm의 매병(梅甁)은 12~13세기에 만든 작품 3점 가운데 하나'); "
            "assert 'hanja' not in sys.modules, 'imported for text without hanja'; "
            "assert r.spoken('歲寒圖') == '세한도' and 'hanja' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("written", "spoken"), [
    ("6월", "유월"), ("10월", "시월"), ("6월 25일", "유월 이십오 일"), ("10월 3일", "시월 삼 일"), ("1월", "일월"),
    ("2024-07-23", "이천이십사 년 칠월 이십삼 일"), ("2024. 10. 9.", "이천이십사 년 시월 구 일."),
    ("5월10일(금)", "오월 십 일 금요일"),
])
def test_dates(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("3시 30분", "세 시 삼십 분"), ("오후 1시", "오후 한 시"), ("12시", "열두 시"), ("14시", "십사 시"),
    ("10:30", "열 시 삼십 분"), ("18:05", "십팔 시 오 분"), ("오전 9시 5분 30초", "오전 아홉 시 오 분 삼십 초"),
])
def test_times(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("50%", "오십 퍼센트"), ("10%가", "십 퍼센트가"), ("3/4", "사분의 삼"), ("전체의 4/7이 남았다", "전체의 칠분의 사가 남았다"),
    ("3분의 1", "삼분의 일"), ("1과 1/2", "일과 이분의 일"), ("-3", "마이너스 삼"), ("1,000,000", "백만"),
    ("3.14", "삼 점 일사"), ("0.05", "영 점 영오"), ("₩15,000", "만오천 원"), ("1:50,000", "일 대 오만"),
    ("19.5×30cm", "십구 점 오 곱하기 삼십 센티미터"), ("www.museum.go.kr에서", "www 닷 museum 닷 지오 닷 케이알에서"),
    ("전화 02-2077-9000", "전화 영이 이영칠칠 구영영영"), ("3·1 운동과 6·25 전쟁", "삼일 운동과 육이오 전쟁"),
])
def test_percent_fractions_decimals_and_money(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("UNESCO 세계유산", "유네스코 세계유산"), ("UNESCO가", "유네스코가"), ("X선 촬영", "엑스선 촬영"), ("CT를", "씨티를"),
    ("3D 스캔", "쓰리디 스캔"), ("CTA", "씨티에이"), ("KBS와", "케이비에스와"),
])
def test_lexicon_entries_match_whole_words_and_other_capitals_are_spelt(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize("text", [
    "성덕대왕신종은 통일신라 시대에 만들어진 거대한 범종으로, 국보로 지정되어 있습니다.",
    "기와집 스무 채 값에 이르는 거금을 치르고… “에밀레” 하고 울렸다고 합니다!  두 칸  띄움\t탭",
    "", "   ",
])
def test_hangul_text_passes_through_byte_identical(text):
    assert said(text) is text or said(text) == text
    assert said(text).encode("utf-8") == text.encode("utf-8")


def museum_phrases() -> list[tuple[str, str, str]]:
    rows = [line.split("\t") for line in MUSEUM_PHRASES.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert all(len(row) == 3 for row in rows), [row for row in rows if len(row) != 3]
    return [(kind, written, spoken) for kind, written, spoken in rows]


@pytest.mark.parametrize(("kind", "written", "spoken"), museum_phrases())
def test_museum_phrases_read_as_a_docent_says_them(kind, written, spoken):
    # With the shipped lexicon, as `python -m stages.reading` reads; spaces aside, as the benchmark scores.
    reader = Reader(load_lexicon(ROOT / "lexicon.yaml"))
    assert re.sub(r"\s", "", reader.spoken(written)) == re.sub(r"\s", "", spoken)


def test_no_digit_survives():
    text = "1 22 333 4444 55555 0 007 3-1 1234-5678 10:99 9.9.9 abc123 2/0 99999999999999999999999"
    spoken = said(text)
    assert not any(ch.isdigit() for ch in spoken), spoken


def test_number_readings():
    assert [sino(n) for n in (0, 10, 11, 10000, 12345, 100000000, 1_0000_0001)] == [
        "영", "십", "십일", "만", "만이천삼백사십오", "일억", "일억일"]
    assert [native(n) for n in (1, 2, 3, 4, 10, 20, 21, 30, 99)] == [
        "한", "두", "세", "네", "열", "스무", "스물한", "서른", "아흔아홉"]
    assert read_number("3.5") == "삼점오" and read_number("007") == "영영칠" and read_number("1,342") == "천삼백사십이"


def test_reading_is_fast():
    text = "높이 42.1cm의 매병(梅甁)은 1935년에 20채 값으로, 3개의 고리와 12~13세기 제68호. " * 50
    assert said(text * 2) == said(text) * 2  # and deterministic; speed itself is measured in bench/reading.py


def test_the_shipped_lexicon_loads(tmp_path):
    lexicon = load_lexicon(ROOT / "lexicon.yaml")
    assert lexicon["UNESCO"] == "유네스코" and lexicon["X선"] == "엑스선"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in lexicon.items())


@pytest.mark.parametrize(("content", "message"), [
    (b"UNESCO: [\n", r"is not valid YAML \(line"),
    (b"\xff\xfeU\x00", "is not UTF-8"),
    (b"- UNESCO\n- CT\n", "must be a mapping"),
    (b"UNESCO: {a: b}\n", "both sides must be text"),
    (b"2: \xec\x9d\xb4\n", "both sides must be text"),
])
def test_a_bad_lexicon_is_one_line_naming_the_fix(tmp_path, content, message):
    path = tmp_path / "lexicon.yaml"
    path.write_bytes(content)
    with pytest.raises(PipelineError, match=message) as error:
        load_lexicon(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


def test_an_empty_lexicon_is_no_entries(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert load_lexicon(tmp_path / "lexicon.yaml") == {}


def cli(stdin: bytes, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent), "LANG": "C"}
    return subprocess.run([sys.executable, "-m", "stages.reading"], input=stdin, cwd=cwd, env=env,
                          capture_output=True, timeout=60)


def test_the_cli_prints_one_spoken_line_per_written_line_in_utf8(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("CT: 씨티\n", encoding="utf-8")
    written = ["3개의 고리", "", "CT 촬영\r", "이미 한글입니다", "42.1cm\u2028의", "매병(梅甁)"]
    result = cli(("\n".join(written) + "\n").encode(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8").split("\n") == [
        "세 개의 고리", "", "씨티 촬영", "이미 한글입니다", "사십이 점 일 센티미터 의", "매병", ""]


def test_the_cli_without_a_lexicon_and_a_last_line_without_newline(tmp_path):
    result = cli("KBS\n6월".encode(), tmp_path)
    assert result.stdout.decode("utf-8") == "케이비에스\n유월\n"


def test_the_cli_reports_a_bad_lexicon_in_one_line(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("UNESCO: [\n", encoding="utf-8")
    result = cli(b"1\n", tmp_path)
    assert result.returncode == 1 and result.stderr.decode("utf-8").count("\n") == 1
    assert result.stderr.decode("utf-8").startswith("error: lexicon.yaml is not valid YAML")


@pytest.mark.parametrize("keyword", load_params(ROOT / "params.yaml").keywords)
def test_the_shipped_narrations_say_no_digit_and_no_hanja(tmp_path, monkeypatch, keyword):
    # The whole offline path of a fresh clone: sources/ → info (local) → script (template) → chunks → spoken form,
    # as the audio stage reads it, with the shipped lexicon.yaml.
    from stages import info, script
    from stages.core.params import parse_params
    from stages.core.paths import script_path
    from stages.speech.chunking import spoken_chunks

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / f"{keyword}.md").write_bytes((ROOT / "sources" / f"{keyword}.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    params = parse_params({"keywords": [keyword]})
    info.run(params, keyword)
    script.run(params, keyword)
    written = script_path(keyword).read_text(encoding="utf-8")
    chunks = spoken_chunks(written, params.tts.chunk_chars, 4096, Reader(load_lexicon(ROOT / "lexicon.yaml")).spoken)
    spoken = "\n".join(chunk.spoken for chunk in chunks)
    assert re.search(r"\d", written), "the shipped facts have numbers: the test must see some"
    assert not re.search(r"[0-9]", spoken), spoken
    assert not re.search(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", spoken), spoken


def test_the_narrations_in_outputs_say_no_digit_and_no_hanja():
    # The scripts a checkout has in outputs/script/ (after `make audio` or `dvc pull`), read as the audio stage reads.
    scripts = sorted((ROOT / "outputs" / "script").glob("*.md"))
    if not scripts:
        pytest.skip("no outputs/script/*.md in this checkout (make audio or dvc pull makes them)")
    reader = Reader(load_lexicon(ROOT / "lexicon.yaml"))
    for path in scripts:
        spoken = reader.spoken(path.read_text(encoding="utf-8"))
        assert not re.search(r"[0-9]", spoken), f"{path.name}: {spoken}"
        assert not re.search(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", spoken), f"{path.name}: {spoken}"
