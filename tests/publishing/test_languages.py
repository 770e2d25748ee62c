"""The guide in several languages, without a browser: layout, each page's language and media, the language-neutral
pages, the switch, one label per stop, machine-translation credits, and a one-language guide left as it was."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stages.core.errors import PipelineError
from stages.core.languages import LANGUAGES as CODES
from stages.publishing.offline import content_version
from stages.publishing.site import qr_svg
from stages.publishing.strings import UI, duration_text
from tests.publishing.conftest import Catalogue, site_files

LANGUAGES = ["ko", "en", "ja"]
KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리"]
HANGUL = re.compile("[\uac00-\ud7a3]")


class _Elements(HTMLParser):
    """Every start tag as (tag, attributes), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str, tag: str, **wanted: str) -> list[dict[str, str]]:
    parser = _Elements()
    parser.feed(html)
    return [attrs for name, attrs in parser.elements
            if name == tag and all(attrs.get(key.replace("_", "-")) == value for key, value in wanted.items())]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture
def three(catalogue: Catalogue) -> Catalogue:
    """Two stops in Korean (the facts' language), English and Japanese; the Japanese narrations machine-translated."""
    catalogue.languages = LANGUAGES
    catalogue.add(KEYWORDS[0], seconds_each=30.5, details={"designation": "국보", "era": "고려"},
                  attribution=["국가유산청"], machine=("ja",),
                  translations={"en": ["The first sentence.", "The second one.", "The third.", "The fourth."]})
    catalogue.add(KEYWORDS[1], machine=("ja",))
    return catalogue


def test_every_language_has_its_own_pages_and_media_numbered_alike(three: Catalogue):
    site = three.build()
    names = sorted(site_files(site))
    for language in LANGUAGES:
        assert {f"{language}/index.html", f"{language}/stops/1.html", f"{language}/stops/2.html",
                f"{language}/media/1.wav", f"{language}/media/1.vtt", f"{language}/media/2.wav"} <= set(names)
    assert {"index.html", "stops/1.html", "stops/2.html", "labels.html", "assets/languages.js"} <= set(names)
    assert not [name for name in names if HANGUL.search(name)]  # numbers and language codes name every file
    for language in LANGUAGES:
        folder = Path("outputs/audio") / ("" if language == "ko" else language)
        for number, keyword in enumerate(KEYWORDS, start=1):
            assert (site / f"{language}/media/{number}.wav").read_bytes() == (folder / f"{keyword}.wav").read_bytes()
            assert (site / f"{language}/media/{number}.vtt").read_bytes() == (folder / f"{keyword}.vtt").read_bytes()
    # Stop numbers are the same in every language, from the one stops file.
    assert read(Path("outputs/stops.json")).count('"number"') == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stop_page_speaks_its_language(three: Catalogue, language: str):
    site = three.build()
    page = read(site / f"{language}/stops/1.html")
    assert f'<html lang="{language}">' in page
    # Each file's URL carries its content version (offline.py): this language's own narration and subtitles.
    media = site / language / "media"
    assert elements(page, "source", src=f"../media/1.wav?v={content_version(media / '1.wav')}", type="audio/wav")
    track, = elements(page, "track")
    names = {"ko": "한국어", "en": "English", "ja": "日本語"}
    assert track == {"kind": "captions", "srclang": language, "label": names[language],
                     "src": f"../media/1.vtt?v={content_version(media / '1.vtt')}", "default": ""}
    ui = UI[language]
    assert ui.transcript in page and ui.download in page and ui.credits in page
    assert duration_text(122, language) in page and f'datetime="PT2M2S">{duration_text(122, language)}' in page
    first = {"ko": "청자 상감운학문 매병 첫째 문장입니다.", "en": "The first sentence.", "ja": "ja sentence 1 about"}
    assert first[language] in page
    assert elements(page, "link", rel="stylesheet", href="../../assets/guide.css")
    assert elements(page, "script", src="../../assets/guide.js")


def test_durations_read_in_each_language():
    assert [duration_text(107, code) for code in ("ko", "en", "ja", "zh")] == ["1분 47초", "1 min 47 s", "1分47秒",
                                                                                 "1分47秒"]
    assert [duration_text(47, code) for code in ("ko", "en")] == ["47초", "47 s"]


def test_the_facts_are_shown_as_they_are_and_marked_as_korean(three: Catalogue):
    site = three.build()
    english = read(site / "en/stops/1.html")
    assert f'<span class="stop-number">1</span> <span lang="ko">{KEYWORDS[0]}</span></h1>' in english
    assert '<span lang="ko">국보</span> · <span lang="ko">고려</span>' in english
    assert 'Source: <span lang="ko">국가유산청</span>' in english and "Voice: test tone" in english
    korean = read(site / "ko/stops/1.html")
    assert "<span>국보</span> · <span>고려</span>" in korean and "자료: 국가유산청" in korean
    # The default guide.title is Korean: each language's pages name the guide in their own words.
    assert ">Audio guide</a>" in english and ">オーディオガイド</a>" in read(site / "ja/index.html")


def test_a_title_the_museum_wrote_is_kept_and_marked_as_the_first_languages(three: Catalogue):
    three.guide = {"title": "국립 도자 박물관"}
    site = three.build()
    assert '<a href="../index.html"><span lang="ko">국립 도자 박물관</span></a>' in read(site / "en/stops/1.html")
    assert '<a href="../index.html">국립 도자 박물관</a>' in read(site / "ko/stops/1.html")


def test_machine_translations_are_credited_as_such(three: Catalogue):
    site = three.build()
    for number in (1, 2):
        assert "この解説は韓国語の解説を機械翻訳したものです" in read(site / f"ja/stops/{number}.html")
        assert "machine translation" not in read(site / f"en/stops/{number}.html")
        assert "기계 번역" not in read(site / f"ko/stops/{number}.html")


def test_the_neutral_stop_page_links_every_language_without_javascript(three: Catalogue):
    site = three.build()
    page = read(site / "stops/2.html")
    links = [(a["href"], a["hreflang"], a["lang"]) for a in elements(page, "a") if "hreflang" in a]
    assert links == [(f"../{code}/stops/2.html", code, code) for code in LANGUAGES]
    assert [a["href"] for a in elements(page, "link", rel="alternate")] == [link for link, _, _ in links]
    # languages.js in the head, to leave before anything shows; offline.js, for a visitor who stays (over http(s)).
    assert [s["src"] for s in elements(page, "script")] == ["../assets/languages.js", "../assets/offline.js"]
    assert not elements(page, "audio")
    for code in LANGUAGES:  # each prompt in its own language
        assert f'<span lang="{code}">{UI[code].choose}</span>' in page
    front = read(site / "index.html")
    assert [a["href"] for a in elements(front, "a") if "hreflang" in a] == [f"{code}/index.html" for code in LANGUAGES]


def test_every_language_page_offers_the_switch_to_the_same_stop(three: Catalogue):
    site = three.build()
    for language in LANGUAGES:
        for page, up in (("stops/1.html", "../../"), ("index.html", "../")):
            html = read(site / language / page)
            switch = [a for a in elements(html, "a") if "hreflang" in a]
            assert [a["href"] for a in switch] == [f"{up}{code}/{page}" for code in LANGUAGES]
            assert [a.get("aria-current") for a in switch] == ["page" if code == language else None
                                                               for code in LANGUAGES]
            assert f'<nav class="language-switch" aria-label="{UI[language].switch}">' in html
            assert elements(html, "script", src=f"{up}assets/languages.js")


def test_one_label_per_stop_pointing_at_the_neutral_page(three: Catalogue):
    three.guide = {"base_url": "https://museum.example/guide/"}
    labels = read(three.build() / "labels.html")
    assert labels.count('<article class="label"') == 2
    for number in (1, 2):
        url = f"https://museum.example/guide/stops/{number}.html"
        assert f'href="{url}"' in labels and qr_svg(url) in labels
        assert f'<p class="label-number">{number}</p>' in labels
    assert '<html lang="ko">' in labels
    for code in LANGUAGES[1:]:
        assert f'<p class="label-hint" lang="{code}">' in labels


def test_the_multilingual_site_is_self_contained_and_rebuilds_to_the_same_bytes(three: Catalogue):
    site = three.build()
    first = site_files(site)
    for page in sorted(site.rglob("*.html")):
        for attrs in (a for tag in ("a", "link", "script", "source", "track") for a in elements(read(page), tag)):
            link = attrs.get("href") or attrs.get("src")
            if not link or link.startswith("#") or urlsplit(link).scheme:
                continue
            target = (page.parent / urlsplit(link).path).resolve()
            assert target.is_file() and site.resolve() in target.parents, f"{page}: {link} is not in the site"
    assert site_files(three.build()) == first


def test_a_missing_translation_names_its_file(three: Catalogue):
    Path(f"outputs/audio/en/{KEYWORDS[1]}.wav").unlink()
    with pytest.raises(PipelineError, match=rf"outputs/audio/en/{KEYWORDS[1]}\.wav is missing"):
        three.build()


def assert_one_language_layout(files: list[str]) -> None:
    """The pages and media where a one-language guide has always had them, and no language folder or asset."""
    assert {"index.html", "labels.html", "stops/1.html", "media/1.wav", "media/1.vtt", "assets/guide.css"} <= set(files)
    assert not [name for name in files if name.split("/")[0] in CODES or "languages." in name]


def test_one_language_keeps_the_guide_as_it_was(catalogue: Catalogue):
    """No language folders, neutral pages or language assets: a one-language guide's URLs and bytes do not move."""
    catalogue.add(KEYWORDS[0])
    site = catalogue.build()
    assert_one_language_layout(site_files(site))
    page = read(site / "stops/1.html")
    assert "hreflang" not in page and "languages." not in page and page.count(" lang=") == 1


def test_a_guide_in_one_other_language_is_laid_out_as_a_korean_one(catalogue: Catalogue):
    catalogue.languages = ["en"]
    catalogue.add(KEYWORDS[0], sentences=["One.", "Two."], seconds_each=53.5)
    site = catalogue.build()
    assert_one_language_layout(site_files(site))
    page = read(site / "stops/1.html")
    assert '<html lang="en">' in page and 'srclang="en" label="English"' in page and ">1 min 47 s</time>" in page
    assert ">Audio guide</a>" in page and "machine translation" not in page
