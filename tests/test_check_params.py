"""`make audio`'s first step: params.yaml checked in one line before DVC runs, the speech provider's keys included."""

import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT


def check(tmp_path, tts: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"keywords": ["백자 달항아리"], "tts": tts}, allow_unicode=True), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DOCENT_"))}
    return subprocess.run([sys.executable, "-m", "stages.check_params", str(path)], cwd=ROOT, capture_output=True,
                          text=True, env=clean, timeout=60)


@pytest.mark.parametrize(("tts", "line"), [
    ({"provider": "realtime", "voice": "fable"}, "tts.voice: 'fable' is a speech-API voice"),
    ({"provider": "realtime", "speed": 2.0}, "tts.speed: 2.0 is not allowed with tts.provider realtime"),
    ({"provider": "openai"}, "tts.model: tts.provider openai needs the model your server serves"),
    ({"provider": "polly"}, "tts.provider: 'polly' is not a provider; allowed: espeak, openai, realtime"),
])
def test_a_bad_speech_key_is_one_line(tmp_path, tts, line):
    result = check(tmp_path, tts)
    assert result.returncode == 1 and result.stderr.startswith(f"error: params.yaml: {line}")
    assert result.stderr.count("\n") == 1


def test_a_good_file_prints_nothing(tmp_path):
    result = check(tmp_path, {"provider": "realtime", "voice": "marin", "speed": 1.5})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
