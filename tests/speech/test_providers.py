"""Adding a speech provider is one module and one registry line: a stand-in, written here, narrates end to end."""

import sys
import textwrap

import mutagen
import pytest

from stages.core.errors import ParamsError
from stages.core.info_file import Facts, FactSection, write_facts
from stages.core.params import parse_params
from stages.core.paths import metrics_path, script_path, subtitles_path
from stages.speech.narrate import narrate
from stages.speech.providers import SPEECH_PROVIDERS, speech_options, speech_provider
from stages.speech.voices.espeak import EspeakSpeech

KEYWORD = "백자 달항아리"
SCRIPT = "백자 달항아리는 조선 후기의 백자입니다.\n\n보름달처럼 둥근 모양에서 이름이 왔습니다.\n"

# The whole provider: its options (with a check of its own), identity, price, credit, capabilities, synthesis.
TONE_MODULE = '''
    """ToneSpeech: a test tone as long as the text, standing in for a new engine."""

    from pathlib import Path

    from stages.clients.retry import Decision, RetryPolicy
    from stages.core.errors import ParamsError
    from stages.core.params import Params
    from stages.speech.voices.options import VoiceOptions, parse_options
    from tests.fake_openai import speech_samples


    class ToneOptions(VoiceOptions):
        default_model = "sine-1"

        def model_post_init(self, _context: object) -> None:
            if self.voice not in ("low", "high"):
                raise ParamsError(f"params.yaml: tts.voice: {self.voice!r} is not a tone voice; allowed: low, high")


    class ToneSpeech:
        """A sine tone, 0.15 s a character."""

        name = "tone"
        Options = ToneOptions
        max_chars = 30
        chunk_format = "wav"
        counts_requests = False
        reads_years_as_cardinals = False
        requests = retries = 0

        def __init__(self, params: Params, *, language: str | None = None) -> None:
            self.options = parse_options(self.Options, params.tts)
            self.voice = self.options.voice
            self.policy = RetryPolicy(params.retry)

        @staticmethod
        def check_language(language: str) -> None:
            """A tone says nothing in any language."""

        def identity(self) -> dict:
            return {"provider": self.name, "voice": self.options.voice, "speed": self.options.speed}

        def est_cost_usd(self, chars: int, duration_s: float) -> float:
            return round(chars * 0.001, 6)

        def credit(self) -> str:
            return f"tone {self.options.voice}, speed {self.options.speed}"

        def narration_metrics(self, chunk_files: list[Path]) -> dict:
            return {"tone_chunks": len(chunk_files)}

        def accepts_cached(self, path: Path) -> bool:
            return True

        async def synthesize(self, text: str, dest: Path, *, check=None) -> None:
            import soundfile as sf

            async def attempt() -> None:
                sf.write(dest, speech_samples(text, self.options.speed), 24000, format="WAV", subtype="PCM_16")

            await self.policy.run(attempt, retry_on=(), classify=lambda error: Decision(False, str(error)),
                                  what="tone", check=(lambda _: check(dest)) if check else None)
'''


@pytest.fixture
def tone_registered(tmp_path, monkeypatch):
    """tone_speech.py on sys.path, and its one registry line."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "tone_speech.py").write_text(textwrap.dedent(TONE_MODULE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.setitem(SPEECH_PROVIDERS.entries, "tone", "tone_speech:ToneSpeech")
    yield
    sys.modules.pop("tone_speech", None)


def test_a_new_provider_is_one_module_and_one_registry_line(tone_registered, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    script_path(KEYWORD).parent.mkdir(parents=True)
    script_path(KEYWORD).write_text(SCRIPT, encoding="utf-8")
    write_facts(Facts(keyword=KEYWORD, title=KEYWORD, provider="local",
                      sections=[FactSection("개요", "사실.", f"sources/{KEYWORD}.md")]))
    params = parse_params({"keywords": [KEYWORD], "tts": {"provider": "tone", "voice": "low", "format": "wav"}})

    metrics, cost = narrate(params, KEYWORD)

    assert (metrics.provider, metrics.model, metrics.voice, metrics.chunks) == ("tone", "sine-1", "low", 2)
    assert metrics.est_cost_usd == round(metrics.chars * 0.001, 6) and metrics.extra == {"tone_chunks": 2}
    assert cost.requests == 2 and '"tone_chunks": 2' in metrics_path(KEYWORD).read_text(encoding="utf-8")
    assert "음성: tone low, speed 1.0" in subtitles_path(KEYWORD).read_text(encoding="utf-8")
    assert "음성: tone low, speed 1.0" in str(mutagen.File(tmp_path / "outputs" / "audio" / f"{KEYWORD}.wav").tags)


def test_a_new_providers_own_check_is_one_line(tone_registered):
    with pytest.raises(ParamsError, match=r"^params.yaml: tts.voice: 'alloy' is not a tone voice; allowed: low, high$"):
        speech_options(parse_params({"keywords": [KEYWORD], "tts": {"provider": "tone"}}).tts)


def test_an_unknown_provider_names_the_registered_ones():
    with pytest.raises(ParamsError, match=r"^params.yaml: tts.provider: 'polly' is not a provider; "
                                          r"allowed: espeak, openai, realtime$"):
        speech_provider("polly")


def test_every_provider_is_registered_under_its_params_name():
    assert speech_provider("espeak") is EspeakSpeech
    assert all(speech_provider(name).name == name for name in SPEECH_PROVIDERS.names())


def test_the_audio_stage_refuses_a_bad_provider_key_before_writing_anything(tmp_path, monkeypatch):
    # Under a plain `dvc repro` nothing checked the provider's keys before this stage: narrate() does, first.
    monkeypatch.chdir(tmp_path)
    params = parse_params({"keywords": [KEYWORD], "tts": {"provider": "realtime", "voice": "fable"}})
    with pytest.raises(ParamsError, match=r"^params.yaml: tts.voice: 'fable' is a speech-API voice"):
        narrate(params, KEYWORD)
    assert list(tmp_path.iterdir()) == []
