"""Written Korean → what a voice should say: numbers with their counters, ranges, units, dates, times, hanja,
Roman numerals, abbreviations.

The Korean reader: every rule here is a rule of Korean (native numbers before counters for things, 두음법칙 in
hanja words, …), so another language gets a reader of its own rather than more cases in this one.
Pure, deterministic and regex-driven, so the same text always gives the same spoken form (the chunk cache is
keyed by it) and a whole narration reads in milliseconds. Text with nothing to read differently (Hangul,
punctuation) comes back byte-identical. Each pass turns one kind of written form into Hangul; a pass leaves a
NUL mark after what it wrote, so that a particle written right after a number (3/5이, 3m이) can be made to agree
with the spoken word before the marks are removed.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

from stages.core.errors import PipelineError
from stages.core.files import read_yaml_file
from stages.core.params import TTSParams
from stages.core.paths import LEXICON

_DIGITS = "영일이삼사오육칠팔구"
_SMALL_UNITS = ("", "십", "백", "천")
_LARGE_UNITS = ("", "만", "억", "조", "경")
_NATIVE_ONES = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")  # the forms said before a counter
_NATIVE_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠", "엔", "오", "피", "큐",
    "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "제트")))
_MARK = "\x00"  # after every spoken form a pass wrote; see _agree

# Counters for things, people and times take native numbers (세 개, 스무 채, 한 시, 작품 세 점) up to 99; every other
# word after a number is Sino. 점 counts works of art here, as in every museum text (작품 3점: 세 점), not scores.
_NATIVE_COUNTERS = (
    "개", "명", "마리", "채", "그루", "권", "장", "시", "살", "시간", "가지", "벌", "켤레", "자루", "척", "송이", "잔",
    "곳", "군데", "달", "쌍", "줄", "사람", "자리", "통", "포기", "톨", "알", "해", "차례", "마디", "바퀴", "번째")
# One-syllable counters for things that also begin Sino words (구역, 기념, 건물): a counter only where the word ends
# there or a particle follows (불상 3구가, 석탑 2기의); 점 for works, 폭 for screens, 기 for pagodas and tombs, 구 for
# statues, 면 for mirrors and faces, 칸 for the bays of a building. 부, a part of an exhibition, is Sino (1부: 일 부).
_OBJECT_COUNTERS = ("점", "폭", "첩", "기", "구", "면", "건", "칸", "겹")
_GUARDED_COUNTERS = (*_OBJECT_COUNTERS, "부")  # 부 but not 부터 or 부분
_AFTER_OBJECT_COUNTER = ("이", "입", "가", "의", "을", "를", "은", "는", "과", "와", "도", "만", "씩", "에", "으로", "로",
                         "쯤", "뿐", "까지", "부터", "가량", "남짓", "짜리", "밖에", "마다", "[^가-힣]", "$")
# Sino words that start like a native counter (개월 is not 개, 달러 is not 달), and Sino counters and Hangul units that
# get a space before them (칠백오십일 년, 사십이 점 일 센티미터).
_SINO_COUNTERS = (
    "개월", "개국", "개년", "개소", "달러", "시대", "시기", "장르", "권역", "채널", "년", "월", "일", "세기", "세",
    "층", "호", "분", "초", "회", "차", "번", "원", "엔", "유로", "위안", "파운드", "퍼센트", "미터", "센티미터",
    "밀리미터", "킬로미터", "그램", "킬로그램", "톤", "리터", "밀리리터", "평", "인치", "주", "주년", "년대", "년간",
    "학년", "관", "위", "킬로와트", "와트", "헤르츠", "도")
_COUNTERS = "|".join(sorted(_NATIVE_COUNTERS + _SINO_COUNTERS, key=len, reverse=True)) + \
    f"|(?:{'|'.join(_GUARDED_COUNTERS)})(?=(?:{'|'.join(_AFTER_OBJECT_COUNTER)}))"
# 번 counts times (세 번이나 옮겼다) unless a noun follows that it numbers (2번 진열장: 이 번). The word after it is a
# predicate or an adverb when it ends as one: these endings and adverbs are closed classes, nouns are not.
_TIMES_ADVERBS = ("다시", "더", "또", "모두", "거듭", "연속", "연달아", "계속", "이상", "이상의", "정도", "정도로", "가량",
                  "남짓", "넘게", "가까이", "크게", "새로", "만에", "밖에")
_PREDICATE_ENDINGS = tuple("다요고며서면지게니데나듯록어아여워와쳐겨켜혀려해돼봐져러라던")
_NUMBER_LABEL = re.compile(r"번호\s?$")
_CASE_PARTICLES = ("에서", "에게", "으로", "부터", "까지", "에", "의", "을", "를", "은", "는", "이", "가", "로", "과", "와")
# Ranges (7~8세기, 2~3점). Two neighbouring numbers under ten make one word (칠팔 세기, 두세 점); the native pairs
# with a word of their own are these (서너 개, 대여섯 명). Any other range reads both ends, counter and all, joined by
# 에서 (십이 세기에서 십삼 세기), which needs no 까지 to close it. Days of a month and decades are read as NeMo's
# public cases read them (7월5〜9일: 칠월 오 부터 구 일; 1970〜1980년대: 천구백칠십 부터 천구백팔십 년대).
_NATIVE_PAIRS = {3: "서너", 5: "대여섯", 6: "예닐곱", 7: "일고여덟"}
_NO_PAIR = ("월", "시", "번째")  # 유월에서 칠월, not 육칠월; 세 시에서 네 시, not 서너 시
_DAYS_OF_A_MONTH = re.compile(r"월\s?$")

_UNIT_WORDS = {
    "mm": "밀리미터", "cm": "센티미터", "m": "미터", "km": "킬로미터", "㎜": "밀리미터", "㎝": "센티미터", "㎞": "킬로미터",
    "m²": "제곱미터", "㎡": "제곱미터", "km²": "제곱킬로미터", "㎢": "제곱킬로미터", "m³": "세제곱미터", "㎥": "세제곱미터",
    "cm²": "제곱센티미터", "ha": "헥타르", "mg": "밀리그램", "g": "그램", "kg": "킬로그램", "㎎": "밀리그램", "㎏": "킬로그램",
    "t": "톤", "L": "리터", "l": "리터", "ℓ": "리터", "mL": "밀리리터", "ml": "밀리리터", "㎖": "밀리리터", "cc": "시시",
    "h": "시간", "hr": "시간", "min": "분", "s": "초", "sec": "초", "ms": "밀리초", "W": "와트", "kW": "킬로와트",
    "V": "볼트", "Hz": "헤르츠", "kHz": "킬로헤르츠", "MHz": "메가헤르츠", "N": "뉴턴", "rpm": "분당회전수",
    "dB": "데시벨", "kcal": "킬로칼로리", "cal": "칼로리", "KB": "킬로바이트", "MB": "메가바이트", "GB": "기가바이트",
    "TB": "테라바이트", "%p": "퍼센트포인트", "%": "퍼센트", "°": "도", "℃": "도", "°C": "도", "℉": "도", "°F": "도",
}
_TEMPERATURE = {"℃": "섭씨", "°C": "섭씨", "℉": "화씨", "°F": "화씨"}  # said before the number: 섭씨 삼십 도
_UNIT = "|".join(re.escape(u) for u in sorted(_UNIT_WORDS, key=len, reverse=True))
_UNITS = rf"(?:{_UNIT})(?:/(?:{_UNIT}))?"

_CURRENCY_SIGNS = {"US$": "달러", "HK$": "홍콩 달러", "C$": "캐나다 달러", "A$": "호주 달러", "$": "달러", "₩": "원",
                   "￦": "원", "€": "유로", "¥": "엔", "￥": "엔", "£": "파운드"}
_CURRENCY_CODES = {"krw": "원", "usd": "달러", "eur": "유로", "jpy": "엔", "cny": "위안", "gbp": "파운드",
                   "cad": "캐나다 달러", "nzd": "뉴질랜드 달러", "aud": "호주 달러", "hkd": "홍콩 달러", "chf": "스위스 프랑",
                   "aed": "아랍에미리트 디르함", "sgd": "싱가포르 달러"}
_WEEKDAYS = {"월": "월요일", "화": "화요일", "수": "수요일", "목": "목요일", "금": "금요일", "토": "토요일", "일": "일요일",
             "月": "월요일", "火": "화요일", "水": "수요일", "木": "목요일", "金": "금요일", "土": "토요일", "日": "일요일"}
# Domain and file-name endings that are said as a word; any other ending of three letters or fewer is spelt.
_SUFFIX_WORDS = {"com": "컴", "net": "넷", "app": "앱", "info": "인포", "biz": "비즈", "shop": "숍", "jpeg": "제이펙"}
_TLDS = ("com", "net", "org", "edu", "gov", "info", "biz", "app", "io", "kr", "jp", "cn", "uk", "de", "fr", "it",
         "us", "eu", "ca", "au", "museum")
_FILE_TYPES = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "svg", "pdf", "hwp", "hwpx", "doc",
               "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "zip", "mp3", "mp4", "wav", "mov", "html", "json")
_PARTICLES = {"이": ("이", "가"), "가": ("이", "가"), "은": ("은", "는"), "는": ("은", "는"), "을": ("을", "를"),
              "를": ("을", "를"), "과": ("과", "와"), "와": ("과", "와"), "으로": ("으로", "로"), "로": ("으로", "로")}
# After 제N a noun gets a space (제일 전시실), a particle does not (제일의).
_PARTICLE_START = ("의", "이", "가", "은", "는", "을", "를", "에", "과", "와", "도", "만", "로", "으로", "부터", "까지")

_HANJA = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ROMAN = "\u2160-\u217f"  # Ⅰ … ⅿ; one character is a numeral up to Ⅻ
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}  # the capitals read as a numeral (up to XXXIX)
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Anything a pass could change; text without any of these is returned as it is.
_TRIGGER = re.compile(rf"[0-9０-９A-Za-z{_HANJA}{_ROMAN}%°℃℉$₩￦€¥￥£√~〜～㎜㎝㎞㎡㎢㎥㎎㎏㎖ℓ]")

_INT = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
_NUMBER = rf"(?:{_INT})(?:\.\d+)?"
_VALUE = rf"(?:\d+(?:과|와))?√?(?:{_INT})/√?(?:{_INT})|(?:{_INT})분의\s?(?:{_INT})|√?{_NUMBER}"
_VALUE_PARTS = re.compile(
    rf"(?:(?P<whole>\d+)(?P<and>과|와))?(?P<root_num>√)?(?P<num>{_INT})/(?P<root_den>√)?(?P<den>{_INT})"
    rf"|(?P<den2>{_INT})분의\s?(?P<num2>{_INT})|(?P<root>√)?(?P<int>{_INT})(?:\.(?P<frac>\d+))?")
_TOKEN = re.compile(
    rf"(?=[-−√\d])(?P<sign>(?<![\w.,)\]])[-−](?=√?\d))?(?P<a>{_VALUE})(?:(?P<dash>\s?[~〜～–—]\s?|-)(?P<b>{_VALUE}))?"
    rf"(?:\s?(?P<unit>{_UNITS})(?![A-Za-z])|\s?(?P<counter>{_COUNTERS}))?")

# 1일(월)〜3일, 20일〜25일, 15세기〜16세기: a tilde between two spoken forms, once both are read (each ends in a mark).
_TILDE_BETWEEN = re.compile(rf"(?<={_MARK})\s*[~〜～]\s*(?=[가-힣])")
# 15세기 말~16세기 초, 고려 말~조선 초: a tilde after a word, read before any number is (the scan starts at the
# tilde, which is rare, not at every word; _tilde_after_word looks back at the word).
_TILDE_AFTER_WORD = re.compile(r"(?: [~〜～]|[~〜～]) ?(?=[\d가-힣])")
# 월~금: two days of the week, said as NeMo's cases say 1일(월〜금).
_WEEKDAY_RANGE = re.compile(r"([월화수목금토일]) ?[~〜～] ?([월화수목금토일])(?![가-힣])")
_WEEKDAY_KEYS = "".join(_WEEKDAYS)
_WEEKDAY = re.compile(rf"(?<=\d일)\s?\(\s*([{_WEEKDAY_KEYS}])\s*(?:[~〜～]\s*([{_WEEKDAY_KEYS}])\s*)?\)")
_HANJA_PARENS = re.compile(rf"\s?[(（]([^()（）]*[{_HANJA}][^()（）]*)[)）]")
# 白磁(백자): hanja first, its reading after it in parentheses.
_HANJA_GLOSSED = re.compile(rf"([{_HANJA}]+(?: [{_HANJA}]+)*)\s?[(（]([가-힣 ]+)[)）]")
_HANJA_RUN = re.compile(rf"[{_HANJA}]+")
# Ⅱ, and capitals that are a Roman numeral before a Hangul word: II부, 제IV장, 루이 XIV세 (_roman leaves V자).
_ROMAN_NUMERAL = re.compile(rf"[{_ROMAN}]+|(?=[IVX])(?<![A-Za-z])(?P<capitals>X{{0,3}}(?:IX|IV|V?I{{0,3}}))(?=[가-힣])")
_HANJA_PASSES = (_HANJA_PARENS, _HANJA_GLOSSED, _HANJA_RUN)
_HANGUL = re.compile(r"[가-힣]")
_HANGUL_WORD = re.compile(r"[가-힣]+")
_EMAIL = re.compile(r"(?<![A-Za-z0-9_.@])([A-Za-z0-9][\w.+-]*)@([A-Za-z0-9-]+)((?:\.[A-Za-z0-9-]+)+)")
_DOMAIN = re.compile(rf"(?<![A-Za-z0-9_.@])([A-Za-z][A-Za-z0-9-]*)((?:\.[A-Za-z]{{2,6}})*\.(?:{'|'.join(_TLDS)}))"
                     r"(?![A-Za-z0-9]|\.[A-Za-z0-9])")  # nvidia.co.kr, www.museum.go.kr에서
_FILE = re.compile(rf"(?<=\w)\.(?i:({'|'.join(_FILE_TYPES)}))(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d-])(\d{4})-(\d{4})-(\d{4})-(\d{4})(?![\d-])")
_PHONE = re.compile(r"(?<![\w.+-])(?:\+(\d{1,3})[\s-]?)?"  # +82 010-1234-5678, (123) 456-7890, 555.555.5555
                    r"(?:\((\d{2,4})\)[\s-]?|(\d{2,4})[\s.-])(\d{3,4})[.-](\d{4})(?![\d-])")
_DATE_YMD = re.compile(r"(?<![\d.])(\d{4})(?:([/-])(\d{1,2})\2(\d{1,2})|\.\s?(\d{1,2})\.\s?(\d{1,2}))(?![\d])")
_DATE_DMY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:]|,\d)")  # not the 1:50 of 1:50,000
# 3·1 운동, 6·25 전쟁, 4·19: a month and a day named together are said 삼일, 육이오, 사일구 (and 1·2층 일이 층).
_DOTTED_PAIR = re.compile(r"(?<!\d)(?<!\d[.,])(\d{1,2})[·・ㆍ](\d{1,2})(?!\d|[.,]\d)")
_TIMES = re.compile(r"(?<=\d)\s?[×xX]\s?(?=\d)")  # 19.5×30cm: 십구 점 오 곱하기 삼십 센티미터
_RATIO = re.compile(r"(?<=\d):(?=\d)")  # 1:50,000, once a clock time has been read
_MONEY = re.compile(
    rf"(?=[^\s가-힣])(?:(?P<sign>{'|'.join(re.escape(s) for s in _CURRENCY_SIGNS)})"
    rf"|(?<![A-Za-z])(?P<code>(?i:{'|'.join(_CURRENCY_CODES)})))"
    rf"\s?(?P<num>{_NUMBER})(?P<big>[만억조경]?)")
_DIGIT_STRING_AFTER_PLACES = re.compile(r"(?<=자리)(\s?)(\d{3,})")  # 끝자리 3456: digits, one by one
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])|(?<=[가-힣])[A-Z](?![A-Za-z])|(?<![A-Za-z])[A-Z](?=[가-힣])")
_STRAY_DIGITS = re.compile(r"\d+")
_AGREE = re.compile(rf"([가-힣]){_MARK}(으로|로|이|가|은|는|을|를|과|와)(?![가-힣])")


def _below_10000(n: int) -> str:
    spoken = ""
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit:
            spoken += ("" if digit == 1 and power else _DIGITS[digit]) + _SMALL_UNITS[power]  # 십, 백, 천 without 일
    return spoken


def digits(number: str) -> str:
    """Each digit on its own: 010 → 영일영."""
    return "".join(_DIGITS[int(d)] for d in number if d.isdigit())


def sino(number: str | int) -> str:
    """The Sino-Korean reading of a whole number: 1342 → 천삼백사십이, 10000 → 만, 100000000 → 일억."""
    n = int(str(number).replace(",", ""))
    if n >= 10 ** (4 * len(_LARGE_UNITS)):
        return digits(str(n))
    if n == 0:
        return "영"
    groups = []
    for unit in _LARGE_UNITS:
        n, group = divmod(n, 10000)
        if group:
            groups.append(("" if group == 1 and unit == "만" else _below_10000(group)) + unit)  # 만, not 일만
        if not n:
            break
    return "".join(reversed(groups))


def native(n: int) -> str:
    """The native reading said before a counter, 1–99: 1 → 한, 20 → 스무, 21 → 스물한."""
    if n == 20:
        return "스무"
    tens, ones = divmod(n, 10)
    return _NATIVE_TENS[tens] + _NATIVE_ONES[ones]


def read_number(number: str) -> str:
    """A written number read the Sino-Korean way, with no spaces: 1,342 → 천삼백사십이, 3.5 → 삼점오, 007 → 영영칠."""
    whole, _, fraction = number.replace(",", "").partition(".")
    spoken = digits(whole) if len(whole) > 1 and whole.startswith("0") else sino(whole)
    return spoken + ("점" + digits(fraction) if fraction else "")


def _decimal(whole: str, fraction: str | None, counted: bool) -> str:
    # A code such as 007 is read digit by digit, but 09분 is 구 분.
    spoken = digits(whole) if not counted and len(whole) > 1 and whole.startswith("0") else sino(whole)
    return f"{spoken} 점 {digits(fraction)}" if fraction else spoken


def spell(word: str) -> str:
    """Latin letters by their Korean names, digits by theirs: pdf → 피디에프, mp3 → 엠피삼."""
    return "".join(_LETTERS.get(ch, _DIGITS[int(ch)] if ch.isdigit() else ch) for ch in word.lower())


def _identifier(word: str) -> str:
    """A name in an address: letters kept as written, digits and signs said."""
    word = re.sub(r"\d+", lambda m: digits(m.group()), word)
    for sign, said in ((".", " 닷 "), ("_", " 언더바 "), ("-", " 하이픈 "), ("+", " 플러스 ")):
        word = word.replace(sign, said)
    return word


def _suffix(label: str, always_spell: bool = False) -> str:
    """A domain label or file type: a word if it is one (app → 앱), else spelt (kr → 케이알); long names are kept."""
    lower = label.lower()
    if lower in _SUFFIX_WORDS:
        return _SUFFIX_WORDS[lower]
    return spell(lower) if always_spell or len(lower) <= 3 else _identifier(label)


def _month(n: int) -> str:
    return {6: "유", 10: "시"}.get(n, sino(n)) + "월"  # 유월 and 시월 drop a 받침


def _hour(n: int) -> str:
    return native(n) if 1 <= n <= 12 else sino(n)


def _read_hanja(match: re.Match) -> str:
    """A run of hanja outside a gloss, said character by character by the hanja library's readings, with 두음법칙 at
    the start of a word (李舜臣: 이순신, 年間 after a space: 연간) and the few rules its one reading a character misses."""
    # Imported here, not at the top: its table takes half a second to load, and most text has no hanja.
    from hanja import translate

    run = unicodedata.normalize("NFC", match.group())  # a compatibility ideograph (U+F900–FAFF) → its unified form
    if len(run) > 2 and run.endswith("年間"):
        return _read_hanja(_HANJA_RUN.match(run[:-2])) + " 연간"  # 乾隆年間: an era name, then the noun 연간
    before = match.string[max(0, match.start() - 3):match.start()].rstrip(_MARK)[-1:]
    # Glued to a Hangul syllable or a digit (강녕 after a lexicon word, 51年), the run is inside a word: no 두음법칙.
    context = before if before and (_HANGUL.match(before) or before.isdigit()) else ""
    said = list(translate(context + run, "substitution")[len(context):])
    for i, ch in enumerate(run[:-1]):
        if ch == "不" and _initial(said[i + 1]) in ("ㄷ", "ㅈ"):
            said[i] = "부"  # 不 before ㄷ or ㅈ is 부: 不動 부동, 不正 부정
        elif ch in "六十" and run[i + 1] == "月":
            said[i] = "유" if ch == "六" else "시"  # 六月 유월, 十月 시월, as 6월 and 10월 are said
    if run[0] == "金" and (len(run) == 3 or run[1:2] == "氏"):
        said[0] = "김"  # a surname and a two-character given name, the shape of a Korean name: 金正喜 김정희; 金氏
    # No mark: a particle after hanja was written for its reading (歲寒圖는), and 제 must stay next to a number (第3卷).
    return "".join(ch for ch in said if not _HANJA_RUN.match(ch))  # a character it cannot read is dropped


def _initial(syllable: str) -> str:
    """The initial consonant of a Hangul syllable ('' for anything else)."""
    if not _HANGUL.match(syllable):
        return ""
    return "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"[(ord(syllable) - 0xAC00) // 588]


def _with_unit(number: str, unit: str) -> str:
    if unit in _TEMPERATURE:
        return f"{_TEMPERATURE[unit]} {number} {_UNIT_WORDS[unit]}"
    return f"{number} " + " 퍼 ".join(_UNIT_WORDS[part] for part in unit.split("/") if part)


def _with_counter(number: str, counter: str | None, unit: str | None) -> str:
    """A spoken number with what it counts: 세 개, 십이 세기, 사십이 점 일 센티미터; a month is already a word (유월)."""
    if unit:
        return _with_unit(number, unit)
    if counter and counter != "월":
        return f"{number} {counter}"
    return number


def _pair(a: str, b: str, native_counter: bool) -> str | None:
    """Two neighbouring numbers said as one word: 7~8 칠팔, 2~3 두세 (counting), 30~40 삼사십, 200~300 이삼백."""
    if not (a.isdigit() and b.isdigit()):
        return None
    first, second = int(a), int(b)
    if 1 <= first <= 8 and second == first + 1:
        return _native_pair(first) if native_counter else _sino_pair(first)
    for place in (10, 100, 1000, 10000):
        if first % place == 0 and second == first + place and 2 <= first // place <= 8:
            return _sino_pair(first // place) + sino(place)  # 삼사십 명 too: tens are said the Sino way here
    return None


def _native_pair(first: int) -> str:
    """두세, 서너, 대여섯: n and n+1 said together before a counter."""
    return _NATIVE_PAIRS.get(first, native(first) + native(first + 1))


def _sino_pair(first: int) -> str:
    """칠팔, 이삼: n and n+1 said together; 六 inside a word keeps its ㄹ (오륙 세기)."""
    return _DIGITS[first] + ("륙" if first == 5 else _DIGITS[first + 1])


def _is_span(a: str, b: str) -> bool:
    """1786-1856, a span of years (a life, a reign, a dynasty): two years of three or four digits, within a thousand."""
    return a.isdigit() and b.isdigit() and 3 <= len(a) == len(b) <= 4 and 0 < int(b) - int(a) < 1000


def _counts_times(text: str, start: int, end: int) -> bool:
    """Whether the N번 at start:end counts times (세 번이나, 세 번 옮겼다) rather than numbers a thing (2번 진열장)."""
    if _NUMBER_LABEL.search(text, max(0, start - 3), start):
        return False  # 작품 번호 23번: a label
    rest = text[end:end + 12]
    if rest.startswith("부터"):
        return False  # 1번부터 차례로: the first of a row of labels
    if not rest.startswith(" ") or not _HANGUL.match(rest[1:2]):
        return True  # 번이나, 번의, 번씩, or a clause ending at 번: a count
    word = _HANGUL_WORD.match(rest, 1).group()
    if word in _TIMES_ADVERBS:
        return True
    for particle in _CASE_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            word = word[:-len(particle)]  # 진열장에서 → 진열장
            break
    return word.endswith(_PREDICATE_ENDINGS) and word not in _CASE_PARTICLES


def _weekday_range(match: re.Match) -> str:
    if _HANGUL.match(match.string[match.start() - 1:match.start()]):
        return match.group()  # the end of a longer word
    first, last = match.groups()
    return f"{_WEEKDAYS[first]}부터 {_WEEKDAYS[last]}{_MARK}"


def _tilde_after_word(match: re.Match) -> str:
    # 말~16세기, 말~조선: 말에서; but not the tilde of 20일~25일 or 15세기~16세기 (a word right after a number),
    # which _TOKEN and _TILDE_BETWEEN read once the numbers are read.
    text, start = match.string, match.start()
    while start and _HANGUL.match(text[start - 1]):
        start -= 1
    if start == match.start() or start and (text[start - 1].isdigit() or text[start - 1] == _MARK):
        return match.group()
    return "에서 "


def _tilde_between(match: re.Match) -> str:
    # Between two days (20일〜25일, 1일(월)〜3일(수)), 부터 as in NeMo's cases; between any other two ends, 에서.
    # A day was read with a space before 일 (이십 일), a weekday ends in 요일; 제일 (Ⅰ) is no day.
    before = match.string[max(0, match.start() - 3):match.start() - 1]
    return " 부터 " if before.endswith((" 일", "요일")) else "에서 "


def _glossed(match: re.Match) -> str:
    # 白磁(백자): the gloss is how the hanja is said, when it has one syllable for each character.
    hanja, gloss = match.groups()
    if len(gloss.replace(" ", "")) == len(hanja.replace(" ", "")):
        return gloss
    return match.group()


def _roman(match: re.Match) -> str:
    """Ⅱ, IV: a Roman numeral is a label, said the Sino way (제Ⅱ부: 제이 부, Ⅲ장: 삼 장, never 세 장)."""
    numeral = match.group()
    if match["capitals"] and len(numeral) < 2 and match.string[match.start() - 1:match.start()] != "제":
        return numeral  # one capital (V자, I형) is a letter unless 제 stands before it
    total, previous = 0, 0
    for value in reversed([_ROMAN_VALUES[ch] if match["capitals"] else int(unicodedata.numeric(ch)) for ch in numeral]):
        total += -value if value < previous else value
        previous = max(previous, value)
    end = match.end()
    space = " " if _HANGUL.match(match.string[end:end + 1]) and not match.string.startswith(_PARTICLE_START, end) else ""
    return sino(total) + space + _MARK


def _final_consonant(syllable: str) -> int:
    """The 받침 index of a Hangul syllable (0: none, 8: ㄹ)."""
    return (ord(syllable) - 0xAC00) % 28


def _agree(match: re.Match) -> str:
    before, particle = match.group(1), match.group(2)
    with_final, without_final = _PARTICLES[particle]
    final = _final_consonant(before)
    if with_final == "으로":
        return before + ("으로" if final and final != 8 else "로")  # ㄹ 받침 takes 로
    return before + (with_final if final else without_final)


class Reader:
    """Turns written Korean (only Korean) into its spoken form; `lexicon` maps written words to how they are said."""

    def __init__(self, lexicon: Mapping[str, str] | None = None) -> None:
        self.lexicon = dict(lexicon or {})
        alternatives = []
        for key in sorted(self.lexicon, key=len, reverse=True):
            # A Latin or digit edge must not sit inside a longer word: CT is not the CT of CTA.
            before = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", key) else ""
            after = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", key) else ""
            alternatives.append(f"{before}{re.escape(key)}{after}")
        # The lookahead on the first characters lets the scan skip most positions at once.
        starts = "".join(sorted({re.escape(key[0]) for key in self.lexicon}))
        self._lexicon = re.compile(f"(?=[{starts}])(?:{'|'.join(alternatives)})") if alternatives else None
        self._passes: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
            (_WEEKDAY, self._weekday),
            (_HANJA_PARENS, self._hanja),  # the three hanja passes are skipped for text without hanja (see spoken)
            (_HANJA_GLOSSED, _glossed),
            *(((self._lexicon, self._word),) if self._lexicon else ()),
            (_HANJA_RUN, _read_hanja),
            (_ROMAN_NUMERAL, _roman),
            (_EMAIL, self._email),
            (_DOMAIN, lambda m: _identifier(m.group(1)) + self._labels(m.group(2))),
            (_FILE, lambda m: " 닷 " + _suffix(m.group(1), always_spell=True) + _MARK),
            # Groups read digit by digit; no word is added that the text does not have (NeMo adds 신용카드).
            (_CARD, lambda m: " ".join(digits(g) for g in m.groups()) + _MARK),
            (_PHONE, self._phone),
            (_DATE_YMD, self._ymd),
            (_DATE_DMY, self._dmy),
            (_CLOCK, self._clock),
            (_RATIO, lambda m: " 대 "),
            (_TIMES, lambda m: " 곱하기 "),
            (_DOTTED_PAIR, lambda m: sino(m.group(1)) + digits(m.group(2)) + _MARK),
            (_MONEY, self._money),
            (_DIGIT_STRING_AFTER_PLACES, lambda m: m.group(1) + digits(m.group(2)) + _MARK),
            (_WEEKDAY_RANGE, _weekday_range),
            (_TILDE_AFTER_WORD, _tilde_after_word),
            (_TOKEN, self._token),
            (_TILDE_BETWEEN, _tilde_between),
            (_STRAY_DIGITS, lambda m: digits(m.group()) + _MARK),
            (_ACRONYM, lambda m: spell(m.group()) + _MARK),
        )

    def spoken(self, text: str) -> str:
        """The spoken form of `text`; text with nothing to change comes back unchanged."""
        if not _TRIGGER.search(text) and not (self._lexicon and self._lexicon.search(text)):
            return text
        text = text.translate(_FULLWIDTH_DIGITS).replace(_MARK, "")
        hanja = _HANJA_RUN.search(text) is not None  # one scan instead of three, for most text
        for pattern, replace in self._passes:
            if hanja or pattern not in _HANJA_PASSES:
                text = pattern.sub(replace, text)
        return _AGREE.sub(_agree, text).replace(_MARK, "")

    # --- the passes ---------------------------------------------------------------------------------
    @staticmethod
    def _weekday(match: re.Match) -> str:
        first, last = match.groups()
        return " " + _WEEKDAYS[first] + (f"부터 {_WEEKDAYS[last]}" if last else "") + _MARK

    @staticmethod
    def _hanja(match: re.Match) -> str:
        # A gloss in hanja says nothing a listener hears; a gloss with Hangul in it (국보 제68호) is kept.
        return match.group() if _HANGUL.search(match.group(1)) else ""

    def _word(self, match: re.Match) -> str:
        return self.lexicon[match.group()] + _MARK

    def _labels(self, labels: str) -> str:
        return "".join(" 닷 " + _suffix(label) for label in labels.split(".")[1:]) + _MARK

    def _email(self, match: re.Match) -> str:
        local, name, labels = match.groups()
        return f"{_identifier(local)} 골뱅이 {_identifier(name)}{self._labels(labels)}"

    @staticmethod
    def _phone(match: re.Match) -> str:
        country, area, first, middle, last = match.groups()
        prefix = f"국가번호 {digits(country)} " if country else ""
        return prefix + " ".join(digits(g) for g in (area or first, middle, last)) + _MARK

    @staticmethod
    def _date(year: str, month: str, day: str) -> str:
        return f"{sino(year)} 년 {_month(int(month))} {sino(day)} 일{_MARK}"

    def _ymd(self, match: re.Match) -> str:
        year, _, month, day, dotted_month, dotted_day = match.groups()
        month, day = month or dotted_month, day or dotted_day
        if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
            return match.group()
        return self._date(year, month, day)

    def _dmy(self, match: re.Match) -> str:
        first, second, year = (int(g) for g in match.groups())
        if 1 <= first <= 12 and 1 <= second <= 31:  # 10/30/2024, the American order, when it can be
            return self._date(str(year), str(first), str(second))
        if 1 <= second <= 12 and 1 <= first <= 31:  # 29/12/2000
            return self._date(str(year), str(second), str(first))
        return match.group()

    @staticmethod
    def _clock(match: re.Match) -> str:
        hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        if hours > 24 or minutes > 59 or seconds > 59:
            return match.group()
        spoken = f"{_hour(hours)} 시"
        spoken += f" {sino(minutes)} 분" if minutes else ""
        spoken += f" {sino(seconds)} 초" if seconds else ""
        return spoken + _MARK

    @staticmethod
    def _money(match: re.Match) -> str:
        currency = _CURRENCY_SIGNS[match["sign"]] if match["sign"] else _CURRENCY_CODES[match["code"].lower()]
        whole, _, fraction = match["num"].partition(".")
        return f"{_decimal(whole, fraction or None, True)}{match['big']} {currency}{_MARK}"

    def _token(self, match: re.Match) -> str:
        """A number, or a range of two, with the counter or unit after it."""
        counter, unit = match["counter"], match["unit"]
        after_je = match.string[match.start() - 1:match.start()] == "제"  # 제3권 is 제삼 권, not 제세 권
        native_counter = not after_je and (counter in _NATIVE_COUNTERS or counter in _OBJECT_COUNTERS
                                           or counter == "번" and _counts_times(match.string, match.start(), match.end()))
        counted = bool(counter or unit)
        sign = "마이너스 " if match["sign"] else ""
        first = self._value(match["a"], counter, native_counter, counted)
        if not match["b"]:
            spoken = sign + _with_counter(first, counter, unit)
        else:
            second = self._value(match["b"], counter, native_counter, counted)
            if match["dash"] == "-" and not counted and not _is_span(match["a"], match["b"]):
                return f"{sign}{first}-{second}{_MARK}"  # 3-1 is a code, not a range
            spoken = sign + self._range(match, first, second, native_counter)
        following = match.string[match.end():match.end() + 1]
        if after_je and not counter and _HANGUL.match(following) \
                and not match.string.startswith(_PARTICLE_START, match.end()):
            spoken += " "  # 제1전시실: 제일 전시실
        if _HANGUL.match(match.string[match.start() - 1:match.start()]) and not after_je:
            spoken = " " + spoken  # 기원전128년: 기원전 백이십팔 년; 5월10일: 오월 십 일
        return spoken + _MARK

    @staticmethod
    def _range(match: re.Match, first: str, second: str, native_counter: bool) -> str:
        """Both ends of a range: 십이 세기에서 십삼 세기, or one word (칠팔 세기, 두세 점); days and decades as NeMo's."""
        counter, unit = match["counter"], match["unit"]
        start = match.start()
        if counter == "년대" or counter == "일" and _DAYS_OF_A_MONTH.search(match.string, max(0, start - 2), start):
            return f"{first} 부터 {_with_counter(second, counter, unit)}"
        if (counter or unit) and not match["sign"] and counter not in _NO_PAIR:
            pair = _pair(match["a"], match["b"], native_counter)
            if pair:
                return _with_counter(pair, counter, unit)
        return f"{_with_counter(first, counter, unit)}에서 {_with_counter(second, counter, unit)}"

    @staticmethod
    def _value(value: str, counter: str | None, native_counter: bool, counted: bool) -> str:
        parts = _VALUE_PARTS.fullmatch(value)
        if parts["num"]:
            root_num, root_den = ("루트 " if parts["root_num"] else ""), ("루트 " if parts["root_den"] else "")
            fraction = f"{root_den}{sino(parts['den'])}분의 {root_num}{sino(parts['num'])}"
            return f"{sino(parts['whole'])}{parts['and']} {fraction}" if parts["whole"] else fraction
        if parts["den2"]:
            return f"{sino(parts['den2'])}분의 {sino(parts['num2'])}"
        root = "루트 " if parts["root"] else ""
        whole, fraction = parts["int"], parts["frac"]
        n = int(whole.replace(",", ""))
        if fraction is None and native_counter:
            if counter == "번째":
                return "첫" if n == 1 else native(n) if 1 <= n <= 99 else sino(n)
            if 1 <= n <= (12 if counter == "시" else 99):
                return native(n)
        if fraction is None and counter == "월":
            return _month(n)
        return root + _decimal(whole, fraction, counted)


def load_lexicon(path: Path | str) -> dict[str, str]:
    """The written → spoken entries of a lexicon YAML file; one-line PipelineError if it cannot be used."""
    path = Path(path)
    try:
        entries = read_yaml_file(path, "write one `written: spoken` entry a line")
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing: create it (written: spoken, one entry a line) or restore it") from None
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise PipelineError(f"{path} must be a mapping of written forms to spoken forms (`UNESCO: 유네스코`)")
    for written, said in entries.items():
        if not isinstance(written, str) or not written or not isinstance(said, str):
            raise PipelineError(f"{path}: entry {written!r}: {said!r}: both sides must be text; quote them")
    return entries


def reader_for(tts: TTSParams) -> Reader | None:
    """The audio stage's reader, with ./lexicon.yaml's entries (none if it is missing); None if tts.reading
    is false."""
    if not tts.reading:
        return None
    return Reader(load_lexicon(LEXICON) if LEXICON.is_file() else {})
