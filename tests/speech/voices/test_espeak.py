"""The offline voice: the same text gives the same samples whatever was spoken before it."""

import hashlib

import soundfile as sf

from stages.core.params import parse_params
from stages.speech.voices.espeak import EspeakSpeech
from tests.conftest import speak

TEXTS = ["고려의 상감 청자입니다. 국립중앙박물관에 있습니다.", "백자 달항아리는 조선 후기의 백자입니다!",
         "성덕대왕신종은 771년에 완성되었습니다?"]


def spoken(order: list[int], folder) -> dict[int, str]:
    speech = EspeakSpeech(parse_params({"keywords": ["k"]}))
    digests = {}
    for index in order:
        dest = folder / f"{index}-{len(digests)}.wav"
        speak(speech, TEXTS[index], dest)
        digests[index] = hashlib.sha256(dest.read_bytes()).hexdigest()
    return digests


def test_the_same_chunks_in_two_orders_give_the_same_bytes(tmp_path):
    assert spoken([0, 1, 2], tmp_path) == spoken([2, 1, 0], tmp_path)


def test_the_same_text_twice_in_a_row_gives_the_same_bytes(tmp_path):
    speech = EspeakSpeech(parse_params({"keywords": ["k"]}))
    speak(speech, TEXTS[0], tmp_path / "a.wav")
    speak(speech, TEXTS[0], tmp_path / "b.wav")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert sf.info(tmp_path / "a.wav").frames > 0
    assert not list(tmp_path.glob(".*.tmp"))


def test_it_costs_nothing_and_credits_the_engine_and_speed():
    speech = EspeakSpeech(parse_params({"keywords": ["k"], "tts": {"speed": 1.25, "model": "gpt-4o-mini-tts"}}))
    assert speech.est_cost_usd(5000, 300.0) == 0.0
    assert speech.credit() == "espeak-ng Korean, speed 1.25"
