"""Written Korean → what a voice should say: numbers with their counters, units, dates, times, hanja, abbreviations.

Pure, deterministic and regex-driven, so the same text always gives the same spoken form (the chunk cache is
keyed by it) and a whole narration reads in milliseconds. Text with nothing to read differently (Hangul,
punctuation) comes back byte-identical. Each pass turns one kind of written form into Hangul; a pass leaves a
NUL mark after what it wrote, so that a particle written right after a number (3/5이, 3m이) can be made to agree
with the spoken word before the marks are removed.
"""

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from stages.core.errors import PipelineError
from stages.core.files import read_text_file
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

# Counters read with native numbers (세 개, 스무 채, 한 시) up to 99; every other word after a number is Sino.
_NATIVE_COUNTERS = (
    "개", "명", "마리", "채", "그루", "권", "장", "시", "살", "시간", "가지", "벌", "켤레", "자루", "척", "송이", "잔",
    "곳", "군데", "달", "쌍", "줄", "사람", "자리", "통", "포기", "톨", "알", "해", "차례", "마디", "바퀴", "번째")
# Sino words that start like a native counter (개월 is not 개, 달러 is not 달), and Sino counters and Hangul units that
# get a space before them (칠백오십일 년, 사십이 점 일 센티미터).
_SINO_COUNTERS = (
    "개월", "개국", "개년", "개소", "달러", "시대", "시기", "장르", "권역", "채널", "년", "월", "일", "세기", "세",
    "층", "호", "점", "분", "초", "회", "차", "번", "원", "엔", "유로", "위안", "파운드", "퍼센트", "미터", "센티미터",
    "밀리미터", "킬로미터", "그램", "킬로그램", "톤", "리터", "밀리리터", "평", "인치", "주", "주년", "년대", "년간",
    "학년", "관", "위", "킬로와트", "와트", "헤르츠", "도")
_COUNTERS = "|".join(sorted(_NATIVE_COUNTERS + _SINO_COUNTERS, key=len, reverse=True))

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
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Anything a pass could change; text without any of these is returned as it is.
_TRIGGER = re.compile(rf"[0-9０-９A-Za-z{_HANJA}%°℃℉$₩￦€¥￥£√~〜～㎜㎝㎞㎡㎢㎥㎎㎏㎖ℓ]")

_INT = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
_NUMBER = rf"(?:{_INT})(?:\.\d+)?"
_VALUE = rf"(?:\d+(?:과|와))?√?(?:{_INT})/√?(?:{_INT})|(?:{_INT})분의\s?(?:{_INT})|√?{_NUMBER}"
_VALUE_PARTS = re.compile(
    rf"(?:(?P<whole>\d+)(?P<and>과|와))?(?P<root_num>√)?(?P<num>{_INT})/(?P<root_den>√)?(?P<den>{_INT})"
    rf"|(?P<den2>{_INT})분의\s?(?P<num2>{_INT})|(?P<root>√)?(?P<int>{_INT})(?:\.(?P<frac>\d+))?")
_TOKEN = re.compile(
    rf"(?=[-−√\d])(?P<sign>(?<![\w.,)\]])[-−](?=√?\d))?(?P<a>{_VALUE})(?:(?P<dash>\s?[~〜～–—]\s?|-)(?P<b>{_VALUE}))?"
    rf"(?:\s?(?P<unit>{_UNITS})(?![A-Za-z])|\s?(?P<counter>{_COUNTERS}))?")

# 1일(월)〜3일, 20일〜25일: a tilde between two spoken dates, once both are read (each ends in a mark).
_TILDE_BETWEEN = re.compile(rf"(?<={_MARK})\s*[~〜～]\s*(?=[가-힣])")
_WEEKDAY_KEYS = "".join(_WEEKDAYS)
_WEEKDAY = re.compile(rf"(?<=\d일)\s?\(\s*([{_WEEKDAY_KEYS}])\s*(?:[~〜～]\s*([{_WEEKDAY_KEYS}])\s*)?\)")
_HANJA_PARENS = re.compile(rf"\s?[(（]([^()（）]*[{_HANJA}][^()（）]*)[)）]")
_HANGUL = re.compile(r"[가-힣]")
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
    """Turns written Korean into its spoken form; `lexicon` maps written words to how they are said."""

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
            (_HANJA_PARENS, self._hanja),
            *(((self._lexicon, self._word),) if self._lexicon else ()),
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
            (_TOKEN, self._token),
            (_TILDE_BETWEEN, lambda m: " 부터 "),
            (_STRAY_DIGITS, lambda m: digits(m.group()) + _MARK),
            (_ACRONYM, lambda m: spell(m.group()) + _MARK),
        )

    def spoken(self, text: str) -> str:
        """The spoken form of `text`; text with nothing to change comes back unchanged."""
        if not _TRIGGER.search(text) and not (self._lexicon and self._lexicon.search(text)):
            return text
        text = text.translate(_FULLWIDTH_DIGITS).replace(_MARK, "")
        for pattern, replace in self._passes:
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
        native_counter = counter in _NATIVE_COUNTERS and not after_je
        first = self._value(match["a"], counter, native_counter, bool(counter or unit))
        sign = "마이너스 " if match["sign"] else ""
        if match["b"]:
            second = self._value(match["b"], counter, native_counter, bool(counter or unit))
            if match["dash"] == "-" and not (counter or unit):  # 3-1 is a code, not a range
                return f"{sign}{first}-{second}{_MARK}"
            if native_counter or counter == "월":  # 세 개부터 네 개, 유월부터 칠월; but 십이부터 십삼 세기
                first += " " + counter if counter != "월" else ""
            first = f"{first} 부터 {second}"
        spoken = sign + first
        if unit:
            spoken = self._with_unit(spoken, unit)
        elif counter == "번째":
            spoken += " 번째"
        elif counter and counter != "월":
            spoken += " " + counter
        following = match.string[match.end():match.end() + 1]
        if after_je and not counter and _HANGUL.match(following) \
                and not match.string.startswith(_PARTICLE_START, match.end()):
            spoken += " "  # 제1전시실: 제일 전시실
        if _HANGUL.match(match.string[match.start() - 1:match.start()]) and not after_je:
            spoken = " " + spoken  # 기원전128년: 기원전 백이십팔 년; 5월10일: 오월 십 일
        return spoken + _MARK

    @staticmethod
    def _with_unit(number: str, unit: str) -> str:
        if unit in _TEMPERATURE:
            return f"{_TEMPERATURE[unit]} {number} {_UNIT_WORDS[unit]}"
        return f"{number} " + " 퍼 ".join(_UNIT_WORDS[part] for part in unit.split("/") if part)

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
        text = read_text_file(path)  # not UTF-8: one line naming the iconv command that fixes it
    except FileNotFoundError:
        raise PipelineError(f"{path} is missing: create it (written: spoken, one entry a line) or restore it") from None
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise PipelineError(f"{path} is not valid YAML{where}: write one `written: spoken` entry a line") from None
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise PipelineError(f"{path} must be a mapping of written forms to spoken forms (`UNESCO: 유네스코`)")
    for written, said in entries.items():
        if not isinstance(written, str) or not written or not isinstance(said, str):
            raise PipelineError(f"{path}: entry {written!r}: {said!r}: both sides must be text; quote them")
    return entries


def reader_for(tts: TTSParams) -> Reader | None:
    """The speak and audio stages' reader, with ./lexicon.yaml's entries (none if it is missing); None if tts.reading
    is false."""
    if not tts.reading:
        return None
    return Reader(load_lexicon(LEXICON) if LEXICON.is_file() else {})
