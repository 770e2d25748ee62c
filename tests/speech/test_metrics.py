"""Cost estimates from published prices."""

import pytest

from stages.speech.metrics import estimate_cost_usd


def test_per_character_models():
    assert estimate_cost_usd("openai", "tts-1", 1_000_000, 0) == pytest.approx(15.0)
    assert estimate_cost_usd("openai", "tts-1-hd", 2000, 0) == pytest.approx(0.06)


def test_token_priced_model_is_mostly_audio_minutes():
    cost = estimate_cost_usd("openai", "gpt-4o-mini-tts", 1000, 120.0)
    assert cost == pytest.approx(0.0006 + 0.03)


def test_realtime_model_audio_minutes_include_the_transcript():
    assert estimate_cost_usd("realtime", "gpt-realtime-2.1-mini", 1000, 120.0) == pytest.approx(0.0006 + 0.049)


def test_espeak_and_unknown_models_are_free():
    assert estimate_cost_usd("espeak", "gpt-4o-mini-tts", 5000, 300.0) == 0.0
    assert estimate_cost_usd("openai", "my-local-model", 5000, 300.0) == 0.0
