"""WebVTT: one cue per sentence, timed from the chunks' decoded durations."""

import re

import pytest

from stages.core.vtt import render_vtt
from stages.speech.subtitles import SpokenChunk, cues_for

_TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$")


def seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_one_cue_per_sentence_shared_by_length():
    chunks = [SpokenChunk("가나다라. 마바.", 0.0, 6.0), SpokenChunk("사아자차카타파하?", 6.6, 3.0)]
    cues = cues_for(chunks)
    assert [c.text for c in cues] == ["가나다라.", "마바.", "사아자차카타파하?"]
    assert cues[0].end_s == pytest.approx(6.0 * 5 / 8)
    assert cues[1].end_s == pytest.approx(6.0) and cues[2].start_s == pytest.approx(6.6)
    assert cues[-1].end_s == pytest.approx(9.6)


def test_cues_keep_the_written_text_and_can_be_timed_by_the_spoken_length():
    chunks = [SpokenChunk("751년. 끝.", 0.0, 8.0)]
    assert [c.text for c in cues_for(chunks)] == ["751년.", "끝."]
    assert cues_for(chunks)[0].end_s == pytest.approx(8.0 * 5 / 7)  # written: 751년. is 5 of 7 characters
    said = {"751년.": "칠백오십일 년.", "끝.": "끝."}
    cues = cues_for(chunks, said.get)
    assert [c.text for c in cues] == ["751년.", "끝."]
    assert cues[0].end_s == pytest.approx(8.0 * 7 / 9)  # spoken: 칠백오십일년. is 7 of 9


def test_rendered_file_is_valid_webvtt():
    cues = cues_for([SpokenChunk("A < B & C. 끝 --> 아님.", 0.0, 2.0)])
    text = render_vtt(cues, ["백자 달항아리", "출처: sources/백자 달항아리.md --> x"])
    lines = text.split("\n")
    assert lines[0] == "WEBVTT" and lines[1] == ""
    blocks = text.strip().split("\n\n")
    assert blocks[1].startswith("NOTE\n") and "-->" not in blocks[1]
    for number, block in enumerate(blocks[2:], start=1):
        ident, timing, payload = block.split("\n")
        assert ident == str(number)
        match = _TIMING.match(timing)
        assert match and seconds(*match.groups()[:4]) < seconds(*match.groups()[4:])
        assert "-->" not in payload.replace("--&gt;", "")
    assert "A &lt; B &amp; C." in text
