"""The reading normaliser on museum text: numbers with counters, units, dates, times, hanja, lexicon, the CLI."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from stages.core.errors import PipelineError
from stages.speech.reading import Reader, load_lexicon, native, read_number, sino

ROOT = Path(__file__).resolve().parent.parent.parent
READER = Reader({"UNESCO": "유네스코", "X선": "엑스선", "CT": "씨티", "3D": "쓰리디"})


def said(text: str) -> str:
    return READER.spoken(text)


@pytest.mark.parametrize(("written", "spoken"), [
    ("751년", "칠백오십일 년"), ("1935년에", "천구백삼십오 년에"), ("771년에 완성", "칠백칠십일 년에 완성"),
    ("1,342년", "천삼백사십이 년"), ("1900년대", "천구백 년대"), ("기원전 57년", "기원전 오십칠 년"),
])
def test_years_are_sino(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("12세기", "십이 세기"), ("17세기 후반", "십칠 세기 후반"), ("12~13세기", "십이 부터 십삼 세기"),
    ("12〜13세기", "십이 부터 십삼 세기"), ("1392–1910년", "천삼백구십이 부터 천구백십 년"),
    ("12-13세기", "십이 부터 십삼 세기"), ("3~4개", "세 개 부터 네 개"), ("6~7월", "유월 부터 칠월"),
])
def test_centuries_and_ranges(written, spoken):
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
    ("5세", "오 세"), ("3층", "삼 층"), ("여러 점 가운데 3점", "여러 점 가운데 삼 점"), ("10분", "십 분"),
    ("15일", "십오 일"),
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
    "월~금 개관, 가~나", "",
])
def test_hangul_text_passes_through_byte_identical(text):
    assert said(text) is text or said(text) == text
    assert said(text).encode("utf-8") == text.encode("utf-8")


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


@pytest.mark.parametrize("keyword", ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"])
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
