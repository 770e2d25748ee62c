"""Chunk synthesis: cache keys, cache hits, order under concurrency, truncation detection, the rpm limit."""

import asyncio
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from stages.clients.retry import Decision, RetryPolicy
from stages.core.cache import Cache
from stages.core.errors import PipelineError
from stages.core.params import RetryParams, parse_params
from stages.core.progress import Progress
from stages.speech.chunking import Chunk
from stages.speech.synthesis import ChunkSynthesizer, chunk_key
from stages.speech.verify import check_chunk
from stages.speech.voices.espeak import EspeakSpeech

RATE = 8000


def tone(text: str, seconds: float | None = None) -> np.ndarray:
    """A tone whose frequency names the text (sum of its code points), long enough for its text."""
    seconds = seconds if seconds is not None else 0.1 + 0.15 * len(text)
    t = np.arange(int(seconds * RATE)) / RATE
    return (np.sin(2 * np.pi * frequency(text) * t) * 8000).astype(np.int16)


def frequency(text: str) -> float:
    return 200 + sum(map(ord, text)) % 1500


def dominant_frequency(path: Path) -> float:
    samples, rate = sf.read(path, dtype="float32")
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])


class Busy(Exception):
    """A transient refusal whose server asks for a 30 s wait."""


def classify(error: BaseException) -> Decision:
    if isinstance(error, Busy):
        return Decision(retry=True, reason="busy", server_wait=30.0)
    return Decision(retry=False, reason=str(error))


class FakeSpeech:
    """Writes a tone per text after a latency; `faults` lists what the next tries do wrong. Its policy allows two
    tries, so a chunk that verify rejects is made once more, then fails."""

    name = "fake"
    max_chars = 4096
    chunk_format = "wav"

    def __init__(self, *, latency=lambda text: 0.0, faults: list[str] | None = None, voice: str = "alloy",
                 speed: float = 1.0, pace: float = 1.0) -> None:
        self.latency = latency
        self.faults = list(faults or [])
        self.voice = voice
        self.speed = speed
        self.pace = pace  # seconds per character relative to the default voice
        self.texts: list[str] = []
        self.policy = RetryPolicy(RetryParams(max_tries=2))
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def identity(self) -> dict:
        return {"provider": self.name, "voice": self.voice, "speed": self.speed}

    def accepts_cached(self, path: Path) -> bool:
        return True

    async def synthesize(self, text: str, dest: Path, *, check=None) -> None:
        await self.policy.run(lambda: self.attempt(text, dest), retry_on=(Busy,), what="fake speech", classify=classify,
                              check=(lambda _: check(dest)) if check else None)

    async def attempt(self, text: str, dest: Path) -> None:
        with self._lock:
            self.texts.append(text)
            fault = self.faults.pop(0) if self.faults else None
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency(text))
            if fault == "busy":
                raise Busy()
            if fault == "garbage":
                dest.write_bytes(b"RIFF\x00\x00not really a wave file")
            elif fault == "empty":
                sf.write(dest, np.zeros(0, dtype=np.int16), RATE, format="WAV", subtype="PCM_16")
            elif fault == "silent":
                sf.write(dest, np.zeros(RATE, dtype=np.int16), RATE, format="WAV", subtype="PCM_16")
            elif fault == "short":
                sf.write(dest, tone(text, 0.05), RATE, format="WAV", subtype="PCM_16")
            elif fault == "half":  # a body that ended cleanly at half its audio
                sf.write(dest, tone(text, self.seconds(text) / 2), RATE, format="WAV", subtype="PCM_16")
            else:
                sf.write(dest, tone(text, self.seconds(text)), RATE, format="WAV", subtype="PCM_16")
        finally:
            with self._lock:
                self.in_flight -= 1

    def seconds(self, text: str) -> float:
        return (0.1 + 0.15 * len(text)) * self.pace / self.speed


@pytest.fixture
def cache(tmp_path) -> Cache:
    return Cache("chunks", ".wav", root=tmp_path / "cache")


def chunks_of(*texts: str) -> list[Chunk]:
    return [Chunk(text, "paragraph") for text in texts]


def synthesise(provider, chunks, cache, **kwargs) -> tuple[list[Path], ChunkSynthesizer]:
    synthesizer = ChunkSynthesizer(provider, speed=1.0, cache=cache, **kwargs)
    with Progress("test", len(chunks)) as progress:
        return list(synthesizer.files(chunks, progress)), synthesizer


def test_the_key_covers_everything_that_changes_the_sound():
    base = FakeSpeech()
    assert chunk_key(base, "안녕하세요.") == chunk_key(FakeSpeech(), "안녕하세요.")
    assert chunk_key(base, "안녕하세요.") != chunk_key(base, "안녕하세요!")
    assert chunk_key(base, "안녕하세요.") != chunk_key(FakeSpeech(voice="nova"), "안녕하세요.")
    wav, flac = FakeSpeech(), FakeSpeech()
    flac.chunk_format = "flac"
    assert chunk_key(wav, "안녕") != chunk_key(flac, "안녕")


def test_changing_speed_misses_the_cache():
    slow = EspeakSpeech(parse_params({"keywords": ["x"], "tts": {"speed": 1.0}}))
    fast = EspeakSpeech(parse_params({"keywords": ["x"], "tts": {"speed": 1.3}}))
    assert chunk_key(slow, "안녕하세요.") != chunk_key(fast, "안녕하세요.")


def test_espeaks_identity_names_its_library_and_voice_data_version(monkeypatch):
    import importlib.metadata

    from stages.speech.voices import espeak

    speech = EspeakSpeech(parse_params({"keywords": ["x"]}))
    engine = speech.identity()["engine"]
    assert f"espeakng-loader {importlib.metadata.version('espeakng-loader')}" in engine and "espeak-ng 1." in engine
    before = chunk_key(speech, "안녕하세요.")
    monkeypatch.setattr(espeak, "engine_version", lambda: "espeakng-loader 9.9.9, espeak-ng 9.9")
    assert chunk_key(speech, "안녕하세요.") != before  # an upgrade never reuses the old voice's chunks


def test_output_follows_the_script_whatever_order_requests_finish_in(cache):
    texts = [f"{i}번째 문단입니다." for i in range(12)]
    # The first chunks are the slowest, so they finish last.
    provider = FakeSpeech(latency=lambda text: 0.05 * (12 - int(text.split("번")[0])) / 12)
    files, synthesizer = synthesise(provider, chunks_of(*texts), cache, concurrency=4)
    assert [dominant_frequency(f) for f in files] == pytest.approx([frequency(t) for t in texts], abs=3)
    assert provider.most_in_flight == 4
    assert (synthesizer.cached_chunks, synthesizer.calls) == (0, 12)


def test_a_second_run_takes_every_chunk_from_the_cache_and_an_edit_costs_one_request(cache):
    texts = ["첫째 문단입니다.", "둘째 문단입니다.", "셋째 문단입니다."]
    synthesise(FakeSpeech(), chunks_of(*texts), cache, concurrency=2)
    provider = FakeSpeech()
    _, synthesizer = synthesise(provider, chunks_of(*texts), cache, concurrency=2)
    assert provider.texts == [] and synthesizer.cached_chunks == 3
    _, synthesizer = synthesise(provider, chunks_of(texts[0], "둘째 문단을 고쳤습니다.", texts[2]), cache)
    assert provider.texts == ["둘째 문단을 고쳤습니다."] and synthesizer.cached_chunks == 2


def test_the_provider_is_sent_the_spoken_form_and_the_cache_is_keyed_by_it(cache):
    provider = FakeSpeech()
    synthesise(provider, [Chunk("751년에", "paragraph", spoken="칠백오십일 년에")], cache)
    assert provider.texts == ["칠백오십일 년에"]
    # Written differently, said the same: the cached audio serves it.
    _, synthesizer = synthesise(provider, [Chunk("칠백오십일 년에", "paragraph")], cache)
    assert provider.texts == ["칠백오십일 년에"] and synthesizer.cached_chunks == 1
    # Written the same, said differently: synthesised anew.
    synthesise(provider, [Chunk("751년에", "paragraph", spoken="서기 칠백오십일 년에")], cache)
    assert provider.texts[-1] == "서기 칠백오십일 년에" and len(provider.texts) == 2


def test_an_unreadable_cache_entry_is_made_again(cache):
    [path], _ = synthesise(FakeSpeech(), chunks_of("안녕하세요."), cache)
    path.write_bytes(b"damaged")
    provider = FakeSpeech()
    [again], _ = synthesise(provider, chunks_of("안녕하세요."), cache)
    assert provider.texts == ["안녕하세요."] and sf.info(again).frames > 0


@pytest.mark.parametrize("fault", ["garbage", "empty", "silent", "short"])
def test_a_truncated_chunk_is_synthesised_once_more(cache, fault):
    provider = FakeSpeech(faults=[fault])
    [path], synthesizer = synthesise(provider, chunks_of("고려청자의 빛깔은 비색이라고 불렸습니다."), cache)
    assert len(provider.texts) == 2 and synthesizer.truncation_retries == 1
    check_chunk(path, "고려청자의 빛깔은 비색이라고 불렸습니다.", 1.0)


def test_a_chunk_truncated_twice_fails_naming_its_first_words_and_caches_nothing(cache):
    provider = FakeSpeech(faults=["short", "short"])
    text = "고려청자의 빛깔은 비색이라고 불렸습니다. 하늘빛을 닮았기 때문입니다."
    with pytest.raises(PipelineError, match="chunk 1/2 \\('고려청자의 빛깔은 비색이라고 불렸습니다. 하늘빛을 닮았기 …'\\) came back truncated: "
                                           "fake speech: gave up after 2 tries"):
        synthesise(provider, chunks_of(text, "안녕하세요."), cache)
    assert cache.get(chunk_key(provider, text)) is None
    assert not list(cache.dir.rglob("*.tmp"))


def test_a_failure_stops_the_queued_chunks(cache):
    provider = FakeSpeech(faults=["short", "short"], latency=lambda text: 0.02)
    with pytest.raises(PipelineError):
        synthesise(provider, chunks_of(*[f"{i}번째 문단입니다." for i in range(40)]), cache, concurrency=1)
    assert len(provider.texts) < 10


PARAGRAPHS = ["고려청자의 빛깔은 비색이라고 불렸으며 송나라 사람들도 천하제일이라 칭찬했습니다.",
              "상감 기법은 그릇 표면에 무늬를 새기고 그 홈을 흰 흙과 붉은 흙으로 메우는 방법입니다.",
              "이 매병에는 구름 사이를 나는 학이 가득 새겨져 있어 운학문이라는 이름이 붙었습니다.",
              "매병은 입이 좁고 어깨가 넓으며 몸체가 아래로 갈수록 좁아지는 병입니다."]


def duration(path: Path) -> float:
    return sf.info(path).duration


def test_a_chunk_cut_at_half_its_audio_is_made_again_although_it_passes_the_fixed_floor(cache, tmp_path):
    half = tmp_path / "half.wav"
    sf.write(half, tone(PARAGRAPHS[2], FakeSpeech().seconds(PARAGRAPHS[2]) / 2), RATE, format="WAV",
             subtype="PCM_16")
    check_chunk(half, PARAGRAPHS[2], 1.0)  # the fixed floor alone lets half the audio through
    provider = FakeSpeech(faults=["ok", "ok", "half"])
    files, synthesizer = synthesise(provider, chunks_of(*PARAGRAPHS), cache)
    assert provider.texts == [*PARAGRAPHS[:3], PARAGRAPHS[2], PARAGRAPHS[3]] and synthesizer.truncation_retries == 1
    assert [duration(f) for f in files] == pytest.approx([provider.seconds(t) for t in PARAGRAPHS], abs=0.01)


def test_the_first_chunk_cut_at_half_is_judged_once_another_chunk_is_done(cache):
    provider = FakeSpeech(faults=["half"])
    files, synthesizer = synthesise(provider, chunks_of(*PARAGRAPHS), cache)
    assert synthesizer.truncation_retries == 1 and provider.texts.count(PARAGRAPHS[0]) == 2
    assert duration(files[0]) == pytest.approx(provider.seconds(PARAGRAPHS[0]), abs=0.01)
    assert duration(cache.get(chunk_key(provider, PARAGRAPHS[0]))) == pytest.approx(provider.seconds(PARAGRAPHS[0]),
                                                                                   abs=0.01)


def test_a_lone_new_chunk_is_judged_by_what_the_cache_recorded_for_the_same_voice(cache):
    synthesise(FakeSpeech(), chunks_of(*PARAGRAPHS[:3]), cache, concurrency=2)
    provider = FakeSpeech(faults=["half", "half"])
    with pytest.raises(PipelineError, match=r"chunk 1/1 .* came back truncated: .* gave up after 2 tries .* syllables a second, over "
                                            r"1.5x this voice's usual"):
        synthesise(provider, chunks_of(PARAGRAPHS[3]), cache)
    assert cache.get(chunk_key(provider, PARAGRAPHS[3])) is None


def test_the_record_keeps_each_made_chunk_once(cache):
    import json

    for _ in range(3):  # the same narration again: every chunk from the cache, nothing new to record
        _, synthesizer = synthesise(FakeSpeech(), chunks_of(*PARAGRAPHS), cache)
    assert len(json.loads(synthesizer.rate.record.read_text(encoding="utf-8"))) == len(PARAGRAPHS)


@pytest.mark.parametrize("speed", [1.0, 1.5])
def test_honest_variation_short_chunks_and_speed_pass(cache, speed):
    texts = ["네, 그렇습니다.", *PARAGRAPHS, "감사합니다.", "이제 다음 작품으로 가 보겠습니다.", PARAGRAPHS[0] * 3]
    provider = FakeSpeech(speed=speed)
    files, synthesizer = synthesise(provider, chunks_of(*texts), cache, concurrency=3)
    assert synthesizer.truncation_retries == 0 and len(provider.texts) == len(texts)
    # A voice twice as fast is not judged by the first voice's rate: each identity keeps its own.
    fast = FakeSpeech(speed=speed, voice="nova", pace=0.5)
    _, synthesizer = synthesise(fast, chunks_of(*texts), cache, concurrency=3)
    assert synthesizer.truncation_retries == 0


def test_a_text_repeated_in_the_script_is_asked_for_once(cache):
    provider = FakeSpeech(latency=lambda text: 0.01)
    texts = ["후렴입니다.", "첫째 절입니다.", "후렴입니다.", "둘째 절입니다.", "후렴입니다."]
    files, synthesizer = synthesise(provider, chunks_of(*texts), cache, concurrency=4)
    assert sorted(provider.texts) == sorted(set(texts))
    assert files[0] == files[2] == files[4]
    assert (synthesizer.calls, synthesizer.cached_chunks) == (3, 2)


def test_after_a_chunk_fails_no_new_request_starts_and_its_error_is_the_one_raised(cache):
    class Refused(PipelineError):
        pass

    class RefusingSpeech(FakeSpeech):
        async def attempt(self, text: str, dest: Path) -> None:
            if text == "1번째 문단입니다.":
                raise Refused("the API key was rejected (401)")
            await super().attempt(text, dest)

    # Chunk 0 is slow, so the stage is still waiting for it when chunk 1 fails: the other requests must
    # not go on to ask for the rest of the script meanwhile.
    provider = RefusingSpeech(latency=lambda text: 0.3 if text.startswith("0번째") else 0.01)
    with pytest.raises(Refused, match="401"):
        synthesise(provider, chunks_of(*[f"{i}번째 문단입니다." for i in range(40)]), cache, concurrency=4)
    assert len(provider.texts) <= 4


def test_a_fatal_chunk_cancels_its_siblings_retry_waits_and_queued_chunks(cache):
    class Refused(PipelineError):
        pass

    class RefusingSpeech(FakeSpeech):
        async def attempt(self, text: str, dest: Path) -> None:
            if "하나" in text:
                await asyncio.sleep(0.05)  # after "둘" was refused with a 30 s wait
                raise Refused("refused for good")
            await super().attempt(text, dest)

    provider = RefusingSpeech(faults=["busy", "busy"])
    with pytest.raises(Refused):
        synthesise(provider, chunks_of("하나입니다.", "둘입니다.", "셋입니다."), cache, concurrency=2)
    # "둘" was sleeping out its 30 s when "하나" failed: its wait was cancelled, so it never tried again, and "셋",
    # queued behind the two, never started.
    assert provider.texts == ["둘입니다."]
    assert not list(cache.dir.rglob("*.tmp"))
