"""The guide site without a browser: escaping, stable numbers, identical bytes, links, a self-contained copy."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stages.core.errors import ParamsError, PipelineError
from stages.core.params import parse_params
from stages.core.vtt import Cue, parse_vtt
from stages.publishing.numbering import assign_numbers, read_numbers, update_numbers
from stages.publishing.site import qr_svg, write_site
from stages.publishing.stop import load_stop
from stages.publishing.transcript import paragraphs
from tests.publishing.conftest import Catalogue, site_files

THREE = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def test_markup_in_a_keyword_or_fact_comes_out_as_text(catalogue: Catalogue):
    # A keyword cannot hold < or > (keyword rules), but & and ' are HTML's too.
    catalogue.add("달 & 'moon'", title="<script>alert('title')</script>", details={"era": "<b>고려</b>"},
                  sentences=["<script>alert('cue')</script> 문장입니다.", "둘째 문장입니다."],
                  attribution=["<img src=x onerror=alert(2)>"])
    catalogue.add("다음 전시물")
    site = catalogue.build()
    for name in ("index.html", "stops/1.html", "stops/2.html", "labels.html"):
        html = (site / name).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<b>" not in html and "<img" not in html, name
        assert "&lt;script&gt;alert" in html and "달 & 'moon'" not in html, name
        # Only the guide's own scripts, each from its assets folder: nothing of the facts became a script.
        assert all(re.fullmatch(r'<script src="[./]*assets/[a-z]+\.js">', tag)
                   for tag in re.findall(r"<script[^>]*>", html)), name
    stop = (site / "stops/1.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;고려&lt;/b&gt;" in stop and "&lt;img src=x onerror=alert(2)&gt;" in stop


def test_a_keyword_added_at_the_end_keeps_every_other_number():
    first = assign_numbers(THREE, {})
    assert first == {THREE[0]: 1, THREE[1]: 2, THREE[2]: 3}
    assert assign_numbers([*THREE, "금동미륵보살반가사유상"], first) == {**first, "금동미륵보살반가사유상": 4}
    # Reordered, or one taken out and another added: nobody is renumbered and no number is given twice.
    assert assign_numbers(list(reversed(THREE)), first) == first
    assert assign_numbers([THREE[0], THREE[2], "새 전시물"], first) == {**first, "새 전시물": 4}


def test_numbers_are_stored_and_found_again_by_a_rerun(catalogue: Catalogue):
    for keyword in THREE:
        catalogue.add(keyword)
    catalogue.build()
    stops_file = catalogue.root / "outputs/stops.json"
    written = stops_file.read_bytes()
    catalogue.keywords[:] = [THREE[2], "새 전시물", THREE[0]]  # reordered, one out, one new
    catalogue.add("새 전시물")
    catalogue.keywords.pop()
    site = catalogue.build()
    assert read_numbers(stops_file) == {THREE[0]: 1, THREE[1]: 2, THREE[2]: 3, "새 전시물": 4}
    index = (site / "index.html").read_text(encoding="utf-8")
    assert [link for link in links(index) if link.startswith("stops/")] == ["stops/3.html", "stops/4.html",
                                                                          "stops/1.html"]
    assert not (site / "stops/2.html").exists()
    catalogue.keywords[:] = THREE
    catalogue.build()
    assert json.loads(stops_file.read_text(encoding="utf-8"))["stops"][:3] == json.loads(written)["stops"]


def test_a_damaged_stops_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "stops.json"
    path.write_text('{"stops": [{"keyword": "a", "number": 1}, {"keyword": "b", "number": 1}]}', encoding="utf-8")
    with pytest.raises(PipelineError, match="listed twice"):
        update_numbers(["a", "b"], path)
    path.write_text('{"stops": [{"keyword": "a", "number": "1"}]}', encoding="utf-8")
    with pytest.raises(PipelineError, match="whole number"):
        update_numbers(["a"], path)


def test_rebuilding_gives_identical_bytes(catalogue: Catalogue):
    for keyword in THREE:
        catalogue.add(keyword)
    first = site_files(catalogue.build())
    stops = (catalogue.root / "outputs/stops.json").read_bytes()
    second = site_files(catalogue.build())
    assert first == second and (catalogue.root / "outputs/stops.json").read_bytes() == stops
    assert not [p for p in (catalogue.root / "outputs").iterdir() if p.name.startswith(".")]  # no staging left


@pytest.mark.parametrize(("base_url", "expected"), [
    (None, "stops/2.html"),
    ("https://museum.example/guide", "https://museum.example/guide/stops/2.html"),
    ("https://museum.example/guide/", "https://museum.example/guide/stops/2.html"),
])
def test_labels_link_to_the_stop_page_relative_or_under_base_url(catalogue: Catalogue, base_url, expected):
    catalogue.add("하나")
    catalogue.add("둘")
    catalogue.guide = {"base_url": base_url}
    labels = (catalogue.build() / "labels.html").read_text(encoding="utf-8")
    assert f'href="{expected}"' in labels
    assert qr_svg(expected) in labels  # the QR code holds exactly that address
    assert ("guide.base_url" in labels) == (base_url is None)  # the unset warning, on screen only


def test_base_url_must_be_a_plain_web_address():
    for bad in ("ftp://museum.example/", "museum.example/guide", "https://museum.example/?a=1"):
        with pytest.raises(ParamsError, match="guide.base_url"):
            parse_params({"keywords": ["a"], "guide": {"base_url": bad}})
    with pytest.raises(ParamsError, match="unknown key"):
        parse_params({"keywords": ["a"], "guide": {"baseurl": "https://museum.example/"}})


def test_the_site_is_self_contained(catalogue: Catalogue):
    for keyword in THREE:
        catalogue.add(keyword)
    site = catalogue.build()
    pages = sorted(site.rglob("*.html"))
    assert [p.relative_to(site).as_posix() for p in pages] == ["index.html", "labels.html", "stops/1.html",
                                                                "stops/2.html", "stops/3.html"]
    for page in pages:
        for link in links(page.read_text(encoding="utf-8")):
            if link.startswith("#"):
                continue
            assert not urlsplit(link).scheme, f"{page.name} links outside the site: {link}"
            target = (page.parent / urlsplit(link).path).resolve()
            assert target.is_file() and site.resolve() in target.parents, f"{page.name}: {link} is not in the site"
    for number, keyword in enumerate(THREE, start=1):
        assert (site / f"media/{number}.wav").read_bytes() == Path(f"outputs/audio/{keyword}.wav").read_bytes()
        assert (site / f"media/{number}.vtt").read_bytes() == Path(f"outputs/audio/{keyword}.vtt").read_bytes()


def test_stop_page_has_player_captions_cue_times_credits_and_neighbours(catalogue: Catalogue):
    catalogue.add("청자", details={"designation": "국보", "era": "고려", "url": "https://ko.wikipedia.org/wiki/청자",
                                 "license": "CC BY-SA 4.0", "license_url": "https://creativecommons.org/licenses/by-sa/4.0/"},
                  attribution=["한국어 위키백과 「청자」 문서(CC BY-SA 4.0)"], seconds_each=30.5)
    catalogue.add("종", attribution=["국가유산청"])
    catalogue.add("항아리")
    site = catalogue.build()
    stop = (site / "stops/2.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in stop and 'content="width=device-width, initial-scale=1"' in stop
    # What the lock screen shows (Media Session), and where the previous and next stops are (player.js).
    assert ('<audio id="narration" controls preload="none" data-title="2. 종" data-album="도슨트 오디오 가이드" '
            'data-previous="1.html" data-next="3.html">') in stop
    # ?v=: the subtitles' content version (offline.py), as for the narration
    assert re.search(r'<track kind="captions" srclang="ko" label="한국어" src="\.\./media/2\.vtt\?v=[0-9a-f]{8}" default>',
                     stop)
    assert stop.count('role="button" tabindex="0" data-start=') == 4
    assert 'data-start="2.000" data-end="4.000">둘째 문장입니다.</span>' in stop
    assert "자료: 국가유산청" in stop
    assert 'rel="prev" href="1.html"' in stop and 'rel="next" href="3.html"' in stop
    first = (site / "stops/1.html").read_text(encoding="utf-8")
    assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in first and "CC BY-SA 4.0 조건" in first
    assert 'rel="prev"' not in first
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "<span>국보</span> · <span>고려</span> · <time datetime=\"PT2M2S\">2분 2초</time>" in index


def test_a_missing_narration_names_the_stage_and_a_failed_build_leaves_the_site_whole(catalogue: Catalogue):
    catalogue.add("하나")
    site = catalogue.build()
    before = site_files(site)
    stop = load_stop("하나", 1, "wav")
    Path("outputs/audio/하나.wav").unlink()
    with pytest.raises(PipelineError, match=r"run the narration first \(make audio KEYWORD='하나'\)"):
        catalogue.build()
    with pytest.raises(FileNotFoundError):  # the copy fails half way through the new site
        write_site([stop], catalogue.params().guide)
    assert site_files(site) == before
    assert not [p for p in Path("outputs").iterdir() if p.name.startswith(".")]  # no staging folder left


def test_subtitles_are_read_back_with_escapes_and_notes():
    parsed = parse_vtt("WEBVTT\n\nNOTE\n제목\n음성: espeak\n\n1\n00:00:00.000 --> 00:00:01.500\n&lt;script&gt; &amp; "
                       "<v 도슨트>안녕</v>\n\n2\n00:01:01.500 --> 01:00:00.000\n끝.\n")
    assert parsed.notes == ["제목", "음성: espeak"]
    assert parsed.cues == [Cue(0.0, 1.5, "<script> & 안녕"), Cue(61.5, 3600.0, "끝.")]
    with pytest.raises(PipelineError, match="not a WebVTT file"):
        parse_vtt("1\n00:00:00.000 --> 00:00:01.000\n안녕\n")


def test_cues_follow_the_scripts_paragraphs_and_none_is_lost():
    cues = [Cue(i, i + 1, text) for i, text in enumerate(["하나입니다.", "둘입니다.", "셋입니다.", "넷입니다."])]
    assert paragraphs(cues, "하나입니다. 둘입니다.\n\n셋입니다.\n\n넷입니다.\n") == [cues[:2], cues[2:3], cues[3:]]
    # A hand-edited script with markdown the speech stage stripped: nothing matches, nothing is dropped.
    assert paragraphs(cues, "**하나**입니다.\n\n# 제목\n") == [cues]
