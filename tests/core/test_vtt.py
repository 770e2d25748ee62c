"""WebVTT both ways: what the audio stage writes, the guide reads back."""

from stages.core.vtt import Cue, parse_vtt, render_vtt


def test_written_cues_and_notes_read_back_as_they_were():
    cues = [Cue(0.5, 2.25, "성덕대왕신종은 <큰> 종 & 소리입니다."), Cue(2.25, 3661.125, "A --> B")]
    read = parse_vtt(render_vtt(cues, ["성덕대왕신종", "출처: 위키백과 --> CC BY-SA"]))
    assert read.cues == cues
    assert read.notes == ["성덕대왕신종", "출처: 위키백과 → CC BY-SA"]
