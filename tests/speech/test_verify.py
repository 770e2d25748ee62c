"""verify on its own: the fixed floor, and a first chunk judged once another chunk of its narration has a rate."""

import asyncio

import pytest
import soundfile as sf

from stages.speech.verify import TruncatedAudio, Verifier, VoiceRate, check_chunk, min_seconds
from tests.speech.test_synthesis import PARAGRAPHS, RATE, FakeSpeech, tone


def test_the_expected_length_scales_with_text_and_speed():
    assert min_seconds("가" * 100, 1.0) == pytest.approx(5.0)
    assert min_seconds("가" * 100, 2.0) == pytest.approx(2.5)
    assert min_seconds("abcd" * 25, 1.0) == pytest.approx(2.5)  # a Latin letter counts half a syllable
    assert min_seconds("…, !", 1.0) == 0


def test_check_chunk_names_the_problem(tmp_path):
    path = tmp_path / "a.wav"
    sf.write(path, tone("가", 0.2), RATE, format="WAV", subtype="PCM_16")
    with pytest.raises(TruncatedAudio, match="0.20 s of audio for 40 characters"):
        check_chunk(path, "가" * 40, 1.0)
    check_chunk(path, "가" * 4, 1.0)


def write(path, text, seconds):
    sf.write(path, tone(text, seconds), RATE, format="WAV", subtype="PCM_16")
    return path


def test_a_first_chunk_waits_for_another_rate_and_is_rejected_if_it_was_cut(tmp_path):
    voice = FakeSpeech()
    verifier = Verifier(VoiceRate("identity", tmp_path), speed=1.0)
    first, second = PARAGRAPHS[0], PARAGRAPHS[1]
    cut = write(tmp_path / "cut.wav", first, voice.seconds(first) / 2)  # passes the fixed floor on its own
    whole = write(tmp_path / "whole.wav", second, voice.seconds(second))
    verifier.expect([first, second])

    async def main():
        judged = asyncio.create_task(verifier.verify(cut, first))
        for _ in range(3):
            await asyncio.sleep(0)  # let it run as far as it goes
        assert not judged.done()  # no rate to compare it with yet, and another chunk is still being made
        await verifier.verify(whole, second)
        with pytest.raises(TruncatedAudio, match="over 1.5x this voice's usual"):
            await judged

    asyncio.run(main())
    assert verifier.rejected == 1 and first not in verifier.rate.narration  # its rate is no reference for others


def test_a_lone_first_chunk_with_nothing_to_compare_with_passes_on_the_floor(tmp_path):
    voice = FakeSpeech()
    verifier = Verifier(VoiceRate("identity", tmp_path), speed=1.0)
    text = PARAGRAPHS[0]
    verifier.expect([text])
    asyncio.run(verifier.verify(write(tmp_path / "a.wav", text, voice.seconds(text) / 2), text))
    assert verifier.rejected == 0
