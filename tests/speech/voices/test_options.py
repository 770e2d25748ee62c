"""The tts keys each provider checks itself: one-line errors naming the key and what is allowed."""

import pytest

from stages.core.errors import ParamsError
from stages.core.params import load_params, parse_params
from stages.speech.providers import speech_options
from stages.speech.voices.options import DOCENT_INSTRUCTIONS
from tests.conftest import ROOT


def options(**tts):
    return speech_options(parse_params({"keywords": ["백자 달항아리"], "tts": tts}).tts)


def error_for(**tts) -> str:
    with pytest.raises(ParamsError) as caught:
        options(**tts)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_shipped_params_file_is_valid_for_its_provider():
    shipped = speech_options(load_params(ROOT / "params.yaml").tts)
    assert (shipped.model, shipped.voice, shipped.speed, shipped.instructions) == (None, "alloy", 1.0,
                                                                                  DOCENT_INSTRUCTIONS["ko"])


@pytest.mark.parametrize(("tts", "bad", "named"), [
    ({"provider": "polly"}, "tts.provider", "espeak, openai, realtime"),
    ({"speed": 4.5}, "tts.speed", "0.25–4.0"),
    ({"speed": 0.1}, "tts.speed", "0.25–4.0"),
    ({"max_cer": -1}, "tts.max_cer", "0.0–1.0"),
    ({"colour": "blue"}, "tts.colour", "provider, format, reading, chunk_chars, per_language, model, voice, speed"),
    ({"provider": "openai", "model": "tts-1", "colour": "blue"}, "tts.colour", "model, voice"),
])
def test_a_bad_value_names_the_key_and_the_allowed_values(tts, bad, named):
    message = error_for(**tts)
    assert message.startswith(f"params.yaml: {bad}:") and named in message


def test_espeak_accepts_every_providers_keys_unchecked():
    # Switching tts.provider is a one-line edit: the other keys stay, and espeak reads only the speed.
    assert options(provider="espeak", voice="fable", speed=3.0, model="tts-1").voice == "fable"
