"""A local HTTP server that speaks OpenAI's speech, transcription and chat completion APIs, with scriptable faults.

Paths: /v1/audio/speech, /v1/audio/transcriptions, /v1/chat/completions.

In tests:

    with FakeOpenAI() as fake:                      # or the `fake_openai` fixture
        fake.queue("speech", "429", "reset")         # the next two speech requests fail like that
        fake.always["speech"] = "503"                # every speech request fails (None: stop)
        client = openai.OpenAI(base_url=fake.url, api_key="sk-test", max_retries=0)
        ...
        fake.count("speech")                         # requests that reached /v1/audio/speech

As a process, for DVC stage subprocesses and benchmarks:

    python -m tests.fake_openai --port 0 [--latency 0.05] [--fault speech=429,500] [--always speech=503]
                                [--translation-number-faults 2] [--transcription-latency 0.5]

prints `listening on http://127.0.0.1:PORT/v1` and serves until killed. Its counts are at
GET /_fake/stats (counts, the most requests answered at once, every request's arrival time, the models asked for,
the translations asked for), POST /_fake/reset-peaks, and POST /_fake/faults {"queue": {"speech": ["429"]},
"always": {...}, "translation_number_faults": 2, "invented_years": 1, "mishear": {"사십육": 1}, "drop": {...}} scripts
it; `invented_years = N` makes the next N narrations written from facts state a year no fact holds (the fact guard's
case). Endpoints, for queue/always/counts: "speech", "transcription", "chat".

Faults (FAULTS): ok (no fault: answers normally, so a queue can alternate), 429 (no retry-after,
retry-after-ms or x-ratelimit-* headers, as real 429s often come: openai/openai-node#1477), 429-ms (with
retry-after-ms, `retry_after_ms`, 1500 unless set, retry-after and x-ratelimit-*), quota / quota-type /
quota-code (insufficient_quota in type and code, type only, code only), 401, 400, 403, 404, 408, 409, 422,
500, 502 (an HTML page, as a proxy in front of the API sends it), 503, reset (connection reset before
headers), cut (connection closed mid-body), short (a complete HTTP response, its chunked stream properly
terminated, whose audio is cut in half), stall (no answer for `stall_seconds`), stall-body (headers and
half the body, then silence).

Chat answers a Korean narration made of the prompt's facts, or, when the system message names a
`Target language: Japanese (ja).` (stages/narration/translation.py's prompt), a stand-in translation: one
paragraph per paragraph of the first user message, every number kept as written, the words replaced by filler in
the target's script (Latin syllables for en, hiragana for ja, hanzi for zh), so that a voice of that language can
read it (Korean large-number units, 1만 2천, are kept for ja and zh, not for en). `translation_number_faults = N` makes the next N translations change a number. A queued `chat_replies`
entry answers the next chat request of either kind instead: a string is the content; a dict may set `content`,
`refusal` and `finish_reason` ("length", "content_filter").

Speech is a sine tone: its frequency comes from a hash of the input text, its duration is 150 ms per
character divided by the speed, its level from the voice (VOICE_GAIN_DB: onyx −9 dB, nova +4 dB), in the
requested response_format (wav, pcm, flac, mp3, opus). A WAV declares its RIFF and data sizes as 0xFFFFFFFF,
as the real streamed endpoint does (hexdumps in speaches-ai/speaches#493 and remsky/Kokoro-FastAPI#94); set
`wav_sizes_unknown = False` for exact sizes.

Transcription (POST /v1/audio/transcriptions, multipart/form-data as the SDK sends it: `file`, `model`, and optional
`language` (ISO-639-1), `prompt`, `response_format`, `temperature`, `include[]`, `timestamp_granularities[]`) hears the
fake's own speech: the speech endpoint remembers the `input` of every answer by its tone's frequency (and duration),
and a transcription decodes the upload (soundfile), finds its dominant frequency (numpy FFT) and answers the text of
the nearest remembered tone within a few Hz (of those, the nearest in duration; then the latest); any other audio is
heard as "" (silence, as a real model hears a tone), and audio cut to under 80% of what was said as only the
same share of the text's beginning. Answers, by `response_format`:
  json (default)  {"text", "usage"}: usage {"type": "tokens", "input_tokens", "input_token_details": {"text_tokens",
                  "audio_tokens"}, "output_tokens", "total_tokens"}, or {"type": "duration", "seconds"} for whisper-1;
                  gpt-transcribe adds "languages": [{"code"}]; gpt-4o-* add "logprobs" with include[]=logprobs
  verbose_json    {"task": "transcribe", "language" (the English name: "korean"), "duration", "text", "segments":
                  [{"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob", "compression_ratio",
                  "no_speech_prob"}], "usage": {"type": "duration", "seconds"}} (+ "words" with
                  timestamp_granularities[]=word); refused for gpt-4o-* models, as the real API does
  text            the text and a newline, text/plain
Other formats, a missing file or model, a bad language, temperature or file name, and an undecodable file get
the real 400 bodies. `transcription_latency` (seconds, `--transcription-latency`; None: `latency`) replaces `latency`
for this endpoint. Faults for the listening check, per chunk: `mishear = {"<substring of the spoken text>": N}`
makes the next N transcriptions of audio whose text holds the substring mishear one number (the first: its last
digit, 1446 → 1443; else the last syllable of a Sino-Korean number word, 천사백사십육 → 천사백사십삼; with no number,
the text's last syllable becomes 삼), and `drop = {"<phrase>": N}` leaves that phrase out of the next N transcripts
of audio whose text holds it. `transcripts` lists what each transcription heard and answered.
"""

import argparse
import collections
import contextlib
import hashlib
import io
import json
import math
import re
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import soundfile as sf

from tests.fake_http import serve_until_interrupted

SAMPLE_RATE = 24000  # what OpenAI's speech endpoint returns, and its raw pcm format
# Real voices differ in level; these differ by 13 dB, so mastering has something to even out.
VOICE_GAIN_DB = {"onyx": -9.0, "nova": 4.0}
SECONDS_PER_CHAR = 0.15  # about 5.5 Hangul syllables a second, as real Korean speech
MAX_INPUT_CHARS = 4096
VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
          "marin", "cedar"}
LEGACY_MODELS = {"tts-1", "tts-1-hd"}  # no ballad, verse, marin, cedar; no instructions
LEGACY_MISSING_VOICES = {"ballad", "verse", "marin", "cedar"}
RESPONSE_FORMATS = {"mp3", "opus", "aac", "flac", "wav", "pcm"}
ENDPOINTS = {"/v1/audio/speech": "speech", "/v1/audio/transcriptions": "transcription", "/v1/chat/completions": "chat"}
TRANSCRIPTION_FORMATS = ("json", "text", "srt", "verbose_json", "vtt", "diarized_json")  # what the API knows
TRANSCRIPTION_FILE_TYPES = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
# verbose_json names the language in English, as Whisper does ("korean"), where the request gives ISO-639-1 ("ko")
LANGUAGE_NAMES = {"ko": "korean", "en": "english", "ja": "japanese", "zh": "chinese", "fr": "french", "de": "german",
                  "es": "spanish", "it": "italian", "ru": "russian", "pt": "portuguese", "vi": "vietnamese",
                  "th": "thai", "id": "indonesian"}
AUDIO_TOKENS_PER_SECOND = 10  # what gpt-4o-transcribe bills for its input audio, about
MATCH_HZ = 3.0  # a tone is the remembered text's when its frequency is this close (or within a half FFT bin)
_STATUS_FAULTS = {"400": "Invalid request.", "403": "You are not allowed to use this model.",
                  "404": "The model does not exist or you do not have access to it.",
                  "408": "Request timed out.", "409": "Conflict: the request collided with another one.",
                  "422": "Unprocessable request.",
                  "500": "The server had an error while processing your request. Sorry about that!",
                  "503": "The engine is currently overloaded, please try again later."}
FAULTS = {"ok", "429", "429-ms", "502", "quota", "quota-type", "quota-code", "401", "reset", "cut", "short", "stall",
          "stall-body", *_STATUS_FAULTS}
_CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                  "wav": "audio/wav", "pcm": "audio/pcm"}
_ENCODINGS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III"),
              "opus": ("OGG", "OPUS")}
_RATE_HEADERS = {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "499",
    "x-ratelimit-reset-requests": "120ms",
    "x-ratelimit-limit-tokens": "2000000",
    "x-ratelimit-remaining-tokens": "1999000",
    "x-ratelimit-reset-tokens": "30ms",
}


BAD_GATEWAY_PAGE = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""


def tone_frequency(text: str) -> float:
    """200–799 Hz, fixed by the text: the same text always sounds the same, different texts differ."""
    return 200.0 + int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") % 600


def speech_seconds(text: str, speed: float = 1.0) -> float:
    return max(0.1, len(text) * SECONDS_PER_CHAR / speed)


def speech_samples(text: str, speed: float = 1.0, voice: str = "alloy") -> np.ndarray:
    """The int16 mono tone the fake speaks for `text`, as loud as `voice` speaks (VOICE_GAIN_DB)."""
    count = int(round(speech_seconds(text, speed) * SAMPLE_RATE))
    t = np.arange(count) / SAMPLE_RATE
    wave = 0.3 * 10 ** (VOICE_GAIN_DB.get(voice, 0.0) / 20) * np.sin(2 * np.pi * tone_frequency(text) * t)
    fade = min(count // 2, SAMPLE_RATE // 100)  # 10 ms ramps, so chunks join without clicks
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        wave[:fade] *= ramp
        wave[-fade:] *= ramp[::-1]
    return (wave * 32767).astype(np.int16)


def encode_audio(samples: np.ndarray, fmt: str) -> bytes:
    if fmt == "pcm":
        return samples.astype("<i2").tobytes()
    container, subtype = _ENCODINGS[fmt]
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", samplerate=SAMPLE_RATE, channels=1, format=container, subtype=subtype) as f:
        f.write(samples)
    return buffer.getvalue()


def unknown_wav_sizes(data: bytes) -> bytes:
    """The WAV with its RIFF and data sizes set to 0xFFFFFFFF, as when the length is not known in advance."""
    out = bytearray(data)
    at = out.index(b"data")
    out[4:8] = out[at + 4:at + 8] = b"\xff\xff\xff\xff"
    return bytes(out)


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def mask_key(key: str) -> str:
    """How OpenAI shows a refused key: a prefix, stars, the last four characters."""
    return f"{key[:3]}{'*' * max(0, len(key) - 7)}{key[-4:]}" if len(key) > 8 else "***"


def dominant_frequency(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """The strongest frequency in the audio, in Hz (0.0 for silence), and the FFT's bin width.

    A Hann window and a parabola through the peak bin's log magnitudes place a pure tone far inside its bin."""
    mono = np.asarray(samples, dtype=np.float64)
    if mono.ndim > 1:
        mono = mono.mean(axis=1)
    count = len(mono)
    if count < 16 or not np.any(np.abs(mono) > 1e-4):
        return 0.0, float(rate)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(count)))
    peak = int(np.argmax(spectrum[1:])) + 1
    offset = 0.0
    if peak + 1 < len(spectrum):
        a, b, c = np.log(spectrum[peak - 1:peak + 2] + 1e-12)
        if a - 2 * b + c < 0:
            offset = 0.5 * (a - c) / (a - 2 * b + c)
    return (peak + offset) * rate / count, rate / count


_SINO_DIGITS = "일이삼사오육칠팔구"
# A Sino-Korean number word, from its first syllable (천사백사십육, 사십이, 십이): at least one of 십, 백, 천, 만, 억,
# so that 이, 사 and 구 alone (particles, the starts of words) are not taken for numbers.
_BELOW_10000 = "(?:[이삼사오육칠팔구]?천)?(?:[이삼사오육칠팔구]?백)?(?:[이삼사오육칠팔구]?십)?[일이삼사오육칠팔구]?"
_SINO_NUMBER = re.compile(f"(?<![가-힣])(?:{_BELOW_10000}억)?(?:{_BELOW_10000}만)?{_BELOW_10000}"
                          "(?=[^가-힣]|$|(?:으로|은|는|이|가|을|를|의|에|도|와|과|로)(?![가-힣]))")  # a word, not 사천왕


def _misheard_digit(digit: int) -> int:
    """Another digit, one a listener could take it for: 6 → 3, 3 → 6, 1 → 4."""
    return digit - 3 if digit > 3 else digit + 3


def mishear_number(text: str) -> str:
    """`text` with one number misheard: the first written number's last digit (1446 → 1443), else the first
    Sino-Korean number word's last digit (천사백사십육 → 천사백사십삼; one ending in a unit gains 삼); with no number,
    the last syllable is heard as 삼."""
    digits = re.search(r"\d+", text)
    if digits:
        at = digits.end() - 1
        return text[:at] + str(_misheard_digit(int(text[at]))) + text[at + 1:]
    for word in _SINO_NUMBER.finditer(text):
        if len(word.group()) < 2 or not any(unit in word.group() for unit in "십백천만억"):
            continue
        last = word.group()[-1]
        if last in _SINO_DIGITS:
            heard = _SINO_DIGITS[_misheard_digit(_SINO_DIGITS.index(last) + 1) - 1]
            return text[:word.end() - 1] + heard + text[word.end():]
        return text[:word.end()] + "삼" + text[word.end():]
    syllables = [i for i, ch in enumerate(text) if "가" <= ch <= "힣" or ch.isalnum()]
    if not syllables:
        return text + "삼"
    at = syllables[-1]
    return text[:at] + ("삼" if text[at] != "삼" else "사") + text[at + 1:]


def drop_phrase(text: str, phrase: str) -> str:
    """`text` without its first `phrase`, the spaces around it closed up."""
    at = text.find(phrase)
    if at < 0:
        return text
    before, after = text[:at].rstrip(" "), text[at + len(phrase):].lstrip(" ")
    return f"{before} {after}" if before and after and after[0] not in ".,?!。、" else before + after


def detect_language(text: str) -> str | None:
    """The ISO-639-1 code of the script `text` is mostly written in (ko, ja, zh, en), None for no letters."""
    scripts = collections.Counter()
    for ch in text:
        if "가" <= ch <= "힣":
            scripts["ko"] += 1
        elif "\u3040" <= ch <= "\u30ff":
            scripts["ja"] += 2  # kana: Japanese even among kanji
        elif "\u4e00" <= ch <= "\u9fff":
            scripts["zh"] += 1
        elif ch.isascii() and ch.isalpha():
            scripts["en"] += 1
    return scripts.most_common(1)[0][0] if scripts else None


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, tuple[str, bytes]]]:
    """multipart/form-data → (text fields, each a list of its values; files: name → (filename, content))."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("no boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, list[str]] = collections.defaultdict(list)
    files: dict[str, tuple[str, bytes]] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        if not name:
            continue
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        if filename:
            files[name.group(1)] = (filename.group(1), content)
        else:
            fields[name.group(1)].append(content.decode("utf-8", "replace"))
    return dict(fields), files


_TARGET_CHARS = re.compile(r"약\s*([0-9,]+)\s*자")


INVENTED_YEAR = "이 작품은 1443년에 처음 만들어졌다고 전해집니다."  # a year the test facts never state


def chat_reply(messages: list[dict]) -> str:
    """A deterministic Korean narration made of the fact sentences in the prompt, near the asked length."""
    prompt = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    facts = []
    for line in prompt.splitlines():
        line = line.strip()
        if line.startswith("[") and "]" in line:  # [heading] fact sentences
            facts.append(line.split("]", 1)[1].strip())
        elif line.startswith("- ") and ": " in line:  # - label: value
            facts.append(line.split(": ", 1)[1].strip())
    facts = [fact for fact in facts if fact]
    facts = facts or ["이 작품은 오랜 세월을 견디고 오늘 우리 앞에 서 있습니다."]
    match = _TARGET_CHARS.search(prompt)
    target = int(match.group(1).replace(",", "")) if match else 600
    paragraphs = ["안녕하세요, 여러분. 지금부터 이 작품을 함께 살펴보겠습니다."]
    body = i = 0
    while i < len(facts) or (body < target * 0.8 and i < 10 * len(facts)):
        paragraphs.append(facts[i % len(facts)])
        body += len(paragraphs[-1])
        i += 1
    paragraphs.append("들어 주셔서 감사합니다.")
    return "\n\n".join(paragraphs)


_TARGET_LANGUAGE = re.compile(r"^Target language: [^(\n]*\((\w+)\)", re.M)
_FAKE_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_FAKE_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)([만천억]?)")
_SCALES = {"ja": {"만": "万", "천": "千", "억": "億"}, "zh": {"만": "万", "천": "千", "억": "亿"}}  # en: not kept
_SENTENCE_END = ".?!。？！"
_LATIN = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v"), ("a", "e", "i", "o", "u")
_KANA = "かきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもらりるれろやゆよわ"
_HANZI = "的是在人有我他这中大来上国个到说们为子和你地出道也时得就那要下以生会自着去之过家学对可她里后小心天而能好"
_FILLER_END = {"en": ".", "ja": "です。", "zh": "。", "ko": "니다."}


def translation_target(messages: list[dict]) -> str | None:
    """The language a translation request asks for ("en", "ja", "zh"), or None for any other chat request."""
    system = next((str(m.get("content", "")) for m in messages if m.get("role") in ("system", "developer")), "")
    match = _TARGET_LANGUAGE.search(system)
    return match.group(1) if match else None


def _filler_word(word: str, target: str) -> str:
    """A stand-in word in the target's script, fixed by the source word."""
    digest = hashlib.sha256(f"{target}:{word}".encode()).digest()
    if target == "en":
        consonants, vowels = _LATIN
        return "".join(consonants[digest[i] % len(consonants)] + vowels[digest[i + 1] % len(vowels)]
                       for i in range(0, 2 * (1 + digest[9] % 3), 2))
    if target == "ja":
        return "".join(_KANA[digest[i] % len(_KANA)] for i in range(1 + digest[9] % 3))
    if target == "ko":
        return "".join(chr(0xAC00 + (digest[i] * 256 + digest[i + 1]) % 11172) for i in range(0, 4, 2))
    return "".join(_HANZI[digest[i] % len(_HANZI)] for i in range(1 + digest[9] % 2))


def fake_translation(messages: list[dict], target: str, change_number: bool = False) -> str:
    """The first user message "translated": the same paragraphs and numbers, filler words in the target's script.

    With `change_number`, the first number is one more in its last digit (or, with none, a 7 is added)."""
    source = next((str(m.get("content", "")) for m in messages if m.get("role") == "user"), "")
    spaced = target == "en"
    out = []
    for block in re.split(r"\n\s*\n", source.strip()):
        sentences, words = [], []
        for token in block.split():
            numbers = _FAKE_NUMBER.findall(token)
            if not numbers:
                words.append(_filler_word(token, target))
            elif spaced:
                words += [digits for digits, _ in numbers]
            else:  # a filler word after each number, so that two numbers never run together (1万2千 is one)
                scales = _SCALES.get(target, {})
                words += [digits + scales[unit] if unit else digits + _filler_word(token + digits, target)
                          for digits, unit in numbers]
            if token.rstrip("\"'”’)」』").endswith(tuple(_SENTENCE_END)):
                sentences.append(words)
                words = []
        if words:
            sentences.append(words)
        if sentences:
            out.append((" " if spaced else "").join(_filler_sentence(words, target) for words in sentences))
    text = "\n\n".join(out)
    if change_number:
        first = _FAKE_DIGITS.search(text)
        if first:  # a number always ends in a digit: 1446 becomes 1447
            text = text[:first.end() - 1] + str((int(text[first.end() - 1]) + 1) % 10) + text[first.end():]
        else:
            text += (" " if spaced else "") + _filler_sentence(["7"], target)
    return text


def _filler_sentence(words: list[str], target: str) -> str:
    if target == "en":
        sentence = " ".join(words)
        return sentence[:1].upper() + sentence[1:] + _FILLER_END[target]
    return ("" if target != "ko" else " ").join(words) + _FILLER_END[target]


def transcription_usage(model: str, text: str, prompt: str, seconds: float) -> dict:
    """A json transcription's usage: audio seconds for whisper-1, tokens for the gpt-*-transcribe models."""
    if model.startswith("whisper"):
        return {"type": "duration", "seconds": math.ceil(seconds)}
    audio, prompt_tokens = max(1, math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)), len(prompt) // 2
    output = max(1, len(text) // 2) if text else 0
    return {"type": "tokens", "input_tokens": audio + prompt_tokens,
            "input_token_details": {"text_tokens": prompt_tokens, "audio_tokens": audio},
            "output_tokens": output, "total_tokens": audio + prompt_tokens + output}


def verbose_transcription(text: str, seconds: float, language: str, temperature: float, words: bool) -> dict:
    """A verbose_json answer: one segment a sentence, its time shared out by characters, as Whisper returns it."""
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+|(?<=[。？！])|\n+", text) if s.strip()]
    total = sum(len(s) for s in sentences) or 1
    segments, word_times, at = [], [], 0.0
    for index, sentence in enumerate(sentences):
        end = min(seconds, at + seconds * len(sentence) / total)
        data = sentence.encode("utf-8")
        segments.append({"id": index, "seek": 0, "start": round(at, 2), "end": round(end, 2), "text": " " + sentence,
                         "tokens": [50364 + (b * 31 + i) % 40000 for i, b in enumerate(data[:64])],
                         "temperature": temperature, "avg_logprob": -0.21,
                         "compression_ratio": round(len(data) / len(zlib.compress(data)), 4),
                         "no_speech_prob": 0.01})
        chars, start = sum(len(w) for w in sentence.split()) or 1, at
        for word in sentence.split():
            stop = start + (end - at) * len(word) / chars
            word_times.append({"word": word, "start": round(start, 2), "end": round(stop, 2)})
            start = stop
        at = end
    answer = {"task": "transcribe", "language": LANGUAGE_NAMES.get(language, language), "duration": round(seconds, 2),
              "text": text, "segments": segments, "usage": {"type": "duration", "seconds": math.ceil(seconds)}}
    if words:
        answer["words"] = word_times
    return answer


class FakeOpenAI:
    """The server; start() / stop(), or use it as a context manager."""

    def __init__(self, *, port: int = 0, latency: float = 0.0, stall_seconds: float = 3.0,
                 api_key: str | None = None, retry_after_ms: int = 1500,
                 transcription_latency: float | None = None) -> None:
        self.latency = latency  # seconds added before every answer
        self.transcription_latency = transcription_latency  # seconds before a transcription's answer; None: latency
        self.speech_latency: Callable[[str], float] | None = None  # in-process: extra seconds for this input text
        self.retry_after_ms = retry_after_ms  # what a 429 asks the client to wait
        self.stall_seconds = stall_seconds  # how long a stall lasts; longer than the client's timeout
        self.api_key = api_key  # when set, any other bearer key is refused with a 401
        self.wav_sizes_unknown = True  # WAV headers with 0xFFFFFFFF sizes, as the real streamed endpoint sends
        self.faults: dict[str, collections.deque] = {name: collections.deque() for name in ENDPOINTS.values()}
        self.always: dict[str, str | None] = {name: None for name in ENDPOINTS.values()}
        # Answers the next chat requests instead of the generated narration or translation: a str is the content,
        # a dict may set "content", "refusal" and "finish_reason".
        self.chat_replies: collections.deque[str | dict] = collections.deque()
        self.translation_number_faults = 0  # the next N translations change a number
        self.invented_years = 0  # the next N narrations written from facts state a year the facts do not hold
        # Listening-check faults, by a substring of the spoken text: the next N transcriptions of that audio mishear
        # a number (mishear_number), or leave the phrase out (drop).
        self.mishear: dict[str, int] = {}
        self.drop: dict[str, int] = {}
        # What the speech endpoint said: (text, seconds of audio) → (tone frequency, order), for transcription
        self.spoken: dict[tuple[str, float], tuple[float, int]] = {}
        self._said = 0  # speech answers so far: the order in `spoken`
        self.transcripts: list[dict] = []  # per transcription: {"heard", "text", "language", "model", "format"}
        self.realtime_port: int | None = None  # a FakeRealtime to relay /v1/realtime upgrades to (_relay)
        self.translations: collections.Counter[str] = collections.Counter()  # translations answered, per language
        self.counts: collections.Counter[str] = collections.Counter()  # requests received, per endpoint
        self.in_flight: collections.Counter[str] = collections.Counter()  # requests being answered now
        self.most_in_flight: collections.Counter[str] = collections.Counter()  # the most at once, per endpoint
        self.received: list[dict] = []  # request bodies, per arrival: {"endpoint", "json"}
        # Wall-clock arrival of every request, per endpoint: a benchmark checks the rpm spacing across processes.
        self.starts: dict[str, list[float]] = {name: [] for name in ENDPOINTS.values()}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base_url to give the SDK (OPENAI_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, endpoint: str, *faults: str) -> None:
        """The next requests to `endpoint` ("speech", "transcription" or "chat") fail with these faults, in order."""
        unknown = set(faults) - FAULTS
        if unknown or endpoint not in self.faults:
            raise ValueError(f"unknown fault(s) {sorted(unknown)} or endpoint {endpoint!r}")
        with self._lock:
            self.faults[endpoint].extend(faults)

    def count(self, endpoint: str | None = None) -> int:
        with self._lock:
            return sum(self.counts.values()) if endpoint is None else self.counts[endpoint]

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.most_in_flight.clear()
            self.received.clear()
            self.translations.clear()
            self.transcripts.clear()
            for starts in self.starts.values():
                starts.clear()

    def stats(self) -> dict:
        with self._lock:
            return {"counts": dict(self.counts), "pending": {k: list(v) for k, v in self.faults.items()},
                    "always": dict(self.always), "most_in_flight": dict(self.most_in_flight),
                    "starts": {k: list(v) for k, v in self.starts.items()},
                    "translations": dict(self.translations),
                    "translation_number_faults": self.translation_number_faults,
                    "invented_years": self.invented_years,
                    "mishear": dict(self.mishear), "drop": dict(self.drop),
                    "transcripts": list(self.transcripts),
                    "models": {endpoint: dict(collections.Counter(r["json"].get("model") for r in self.received
                                                                  if r["endpoint"] == endpoint))
                               for endpoint in ENDPOINTS.values()}}

    def remember(self, text: str, seconds: float, frequency: float | None = None) -> None:
        """The speech endpoint (or a FakeRealtime, with its tone's `frequency`) said `text` in `seconds` of audio: a
        transcription of that tone hears it."""
        with self._lock:
            self._said += 1
            self.spoken[(text, round(seconds, 3))] = (frequency or tone_frequency(text), self._said)

    def hear(self, samples: np.ndarray, rate: int) -> str:
        """The text the speech endpoint said in this audio, or "" for audio it never made (or silence).

        The remembered tone nearest in frequency, within MATCH_HZ or half an FFT bin; among tones the FFT cannot
        tell apart (a quarter bin), the nearest in duration; then the latest said. Audio under 80% of the said
        duration (a cut response) is heard as the same share of the text's beginning."""
        frequency, bin_hz = dominant_frequency(samples, rate)
        if not frequency:
            return ""
        seconds = len(samples) / rate
        tolerance, unit = max(MATCH_HZ, bin_hz / 2), max(0.25, bin_hz / 4)
        with self._lock:
            candidates = [(round(abs(f - frequency) / unit), abs(said - seconds), -order, text, said)
                          for (text, said), (f, order) in self.spoken.items() if abs(f - frequency) <= tolerance]
        if not candidates:
            return ""
        *_, text, said = min(candidates)
        if seconds < 0.8 * said:  # audio cut short: only its beginning is heard
            text = text[:round(len(text) * seconds / said)]
        return text

    def _spoil(self, heard: str) -> str:
        """The transcript of `heard`, with the mishear and drop faults whose substring it holds (each used once)."""
        text = heard
        with self._lock:
            for faults in (self.drop, self.mishear):
                for key in [key for key, left in faults.items() if key and left > 0 and key in heard]:
                    text = drop_phrase(text, key) if faults is self.drop else mishear_number(text)
                    faults[key] -= 1
                    if faults[key] <= 0:
                        del faults[key]
        return text

    def _next_fault(self, endpoint: str) -> str | None:
        with self._lock:
            self.counts[endpoint] += 1
            self.starts[endpoint].append(time.time())
            self.in_flight[endpoint] += 1
            self.most_in_flight[endpoint] = max(self.most_in_flight[endpoint], self.in_flight[endpoint])
            fault = self.faults[endpoint].popleft() if self.faults[endpoint] else self.always[endpoint]
            return None if fault == "ok" else fault

    def _finished(self, endpoint: str) -> None:
        with self._lock:
            self.in_flight[endpoint] -= 1

    def start(self) -> "FakeOpenAI":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # ends any stall at once
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A fault that resets or cuts a connection makes the handler's own final flush fail; that is expected.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.fake = fake
    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as the real API
    disable_nagle_algorithm = True  # headers and body chunks leave at once, not 40 ms apart (delayed ACKs)
    fake: FakeOpenAI

    def log_message(self, format, *args) -> None:  # quiet: tests read counts, not access logs
        pass

    # --- plumbing -------------------------------------------------------------------------------
    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", f"req_fake_{self.fake.count()}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str, type_: str, code: str | None = None,
                    param: str | None = None, headers: dict | None = None) -> None:
        self._send_json(status, error_body(message, type_, code, param), headers)

    def _reset(self) -> None:
        """Close with a TCP reset (SO_LINGER 0) before any response byte."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send_body(self, status: int, content_type: str, data: bytes, fault: str | None) -> None:
        """A 200 body in chunked transfer encoding; `cut` and `stall-body` break it half way."""
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("x-request-id", f"req_fake_{self.fake.count()}")
        for name, value in _RATE_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        half = max(1, len(data) // 2) if fault in ("cut", "stall-body") else len(data)
        for start in range(0, half, 4096):
            piece = data[start:min(start + 4096, half)]
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        self.wfile.flush()
        if fault == "cut":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "stall-body":
            self.fake._stop.wait(self.fake.stall_seconds)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    # --- requests -------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path == "/_fake/stats":
            self._send_json(200, self.fake.stats())
        elif self.path.startswith("/v1/realtime") and self.fake.realtime_port is not None:
            self._relay(self.fake.realtime_port)
        else:
            self._send_error(404, f"Invalid URL (GET {self.path})", "invalid_request_error")

    def _relay(self, port: int) -> None:
        """Hand a websocket upgrade and everything after it to the FakeRealtime on `port`, byte for byte: one base
        URL serves the Realtime API and the HTTP endpoints, as api.openai.com does."""
        upstream = socket.create_connection(("127.0.0.1", port))
        head = self.requestline + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
        upstream.sendall((head + "\r\n").encode("latin-1"))

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(upstream, self.connection), daemon=True)
        back.start()
        pump(self.connection, upstream)
        back.join()
        upstream.close()
        self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            raw = bytearray()
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                raw += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return bytes(raw)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        raw = self._read_body()
        if self.path == "/_fake/faults":
            self._control(raw)
            return
        if self.path == "/_fake/reset-peaks":
            with self.fake._lock:
                self.fake.most_in_flight.clear()
            self._send_json(200, {})
            return
        endpoint = ENDPOINTS.get(self.path.split("?", 1)[0])
        if endpoint is None:
            self._send_error(404, f"Invalid URL (POST {self.path})", "invalid_request_error")
            return
        fault = self.fake._next_fault(endpoint)
        try:
            latency = self.fake.latency
            if endpoint == "transcription" and self.fake.transcription_latency is not None:
                latency = self.fake.transcription_latency
            if latency:
                time.sleep(latency)
            if fault and self._fail(fault):
                return
            auth = self.headers.get("authorization", "")
            key = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
            if not key or (self.fake.api_key is not None and key != self.fake.api_key):
                self._send_error(401, f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
                                      f"https://platform.openai.com/account/api-keys.", "invalid_request_error",
                                 "invalid_api_key")
                return
            if endpoint == "transcription":
                self._transcription(raw, fault)
                return
            try:
                body = json.loads(raw.decode("utf-8"))
                if not isinstance(body, dict):
                    raise ValueError
            except ValueError:
                self._send_error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
                return
            with self.fake._lock:
                self.fake.received.append({"endpoint": endpoint, "json": body})
            if endpoint == "speech":
                self._speech(body, fault)
            else:
                self._chat(body, fault)
        finally:
            self.fake._finished(endpoint)

    def _fail(self, fault: str) -> bool:
        """Answer with the fault; False for the faults that break a body that is otherwise normal."""
        if fault == "429-ms":
            wait_ms = self.fake.retry_after_ms
            self._send_error(429, "Rate limit reached for requests per min (RPM): Limit 500, Used 500. "
                                  f"Please try again in {wait_ms / 1000:g}s.", "requests", "rate_limit_exceeded",
                             headers={"retry-after-ms": str(wait_ms), "retry-after": str(-(-wait_ms // 1000)),
                                      **_RATE_HEADERS})
        elif fault == "429":
            self._send_error(429, "Rate limit reached for requests per min (RPM). Please try again later.",
                             "requests", "rate_limit_exceeded")
        elif fault == "502":
            page = BAD_GATEWAY_PAGE.encode("utf-8")
            self.send_response(502)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
        elif fault.startswith("quota"):
            type_ = "insufficient_quota" if fault in ("quota", "quota-type") else "invalid_request_error"
            code = "insufficient_quota" if fault in ("quota", "quota-code") else None
            self._send_error(429, "You exceeded your current quota, please check your plan and billing details.",
                             type_, code)
        elif fault == "401":
            self._send_error(401, "Incorrect API key provided: sk-***. You can find your API key at "
                                  "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                             "invalid_api_key")
        elif fault in _STATUS_FAULTS:
            type_ = "server_error" if fault.startswith("5") else "invalid_request_error"
            self._send_error(int(fault), _STATUS_FAULTS[fault], type_)
        elif fault == "reset":
            self._reset()
        elif fault == "stall":
            self.fake._stop.wait(self.fake.stall_seconds)
            self.close_connection = True
        else:
            return False  # cut, stall-body: handled while the body is sent
        return True

    def _speech(self, body: dict, fault: str | None) -> None:
        model, text, voice = body.get("model"), body.get("input"), body.get("voice")
        speed, fmt = body.get("speed", 1.0), body.get("response_format", "mp3")
        if not isinstance(model, str) or not model:
            self._send_error(400, "you must provide a model parameter", "invalid_request_error", param="model")
        elif not isinstance(text, str) or not text:
            self._send_error(400, "Input must be a non-empty string.", "invalid_request_error", param="input")
        elif len(text) > MAX_INPUT_CHARS:
            self._send_error(400, f"[{{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should "
                                  f"have at most {MAX_INPUT_CHARS} characters'}}]", "invalid_request_error",
                             "string_above_max_length", "input")
        elif voice not in VOICES or (model in LEGACY_MODELS and voice in LEGACY_MISSING_VOICES):
            self._send_error(400, f"Invalid value for 'voice': {voice!r} is not supported by {model}.",
                             "invalid_request_error", "invalid_value", "voice")
        elif not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
            self._send_error(400, f"Invalid value for 'speed': {speed!r}; expected a number from 0.25 to 4.0.",
                             "invalid_request_error", "invalid_value", "speed")
        elif fmt not in RESPONSE_FORMATS:
            self._send_error(400, f"Invalid value for 'response_format': {fmt!r}.", "invalid_request_error",
                             "invalid_value", "response_format")
        elif fmt == "aac":
            self._send_error(400, "aac is not produced by this fake server.", "invalid_request_error",
                             "invalid_value", "response_format")
        elif "instructions" in body and model in LEGACY_MODELS:
            self._send_error(400, f"instructions are not supported for {model}.", "invalid_request_error",
                             "invalid_value", "instructions")
        else:
            if self.fake.speech_latency is not None:
                time.sleep(self.fake.speech_latency(text))
            samples = speech_samples(text, float(speed), voice)
            self.fake.remember(text, len(samples) / SAMPLE_RATE)
            data = encode_audio(samples, fmt)
            if fmt == "wav" and self.fake.wav_sizes_unknown:
                data = unknown_wav_sizes(data)
            if fault == "short":
                data = data[:len(data) // 2]
            self._send_body(200, _CONTENT_TYPES[fmt], data, fault)

    def _transcription(self, raw: bytes, fault: str | None) -> None:
        content_type = self.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            self._send_error(400, f"Invalid Content-Type header ({content_type or 'none'}), expected "
                                  "multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: "
                                  "multipart/form-data')", "invalid_request_error")
            return
        try:
            fields, files = parse_multipart(content_type, raw)
        except ValueError:
            self._send_error(400, "Could not parse multipart form", "invalid_request_error")
            return
        form = {name: values[-1] for name, values in fields.items()}
        with self.fake._lock:
            self.fake.received.append({"endpoint": "transcription", "json": {
                **form, **{name: values for name, values in fields.items() if name.endswith("[]")},
                **{name: filename for name, (filename, _) in files.items()}}})
        model, fmt = form.get("model", ""), form.get("response_format", "json")
        language, prompt = form.get("language"), form.get("prompt", "")
        include, granularities = fields.get("include[]", []), fields.get("timestamp_granularities[]", [])
        gpt4o = model.startswith("gpt-4o")
        temperature: float | None = 0.0
        try:
            temperature = float(form.get("temperature", 0.0))
        except ValueError:
            temperature = None
        if not model:
            self._send_error(400, "you must provide a model parameter", "invalid_request_error", param="model")
        elif "file" not in files:
            self._send_error(400, "Missing required parameter: 'file'.", "invalid_request_error",
                             "missing_required_parameter", "file")
        elif fmt not in TRANSCRIPTION_FORMATS:
            supported = ", ".join(f"'{f}'" for f in TRANSCRIPTION_FORMATS[:-1])
            self._send_error(400, f"Invalid value: '{fmt}'. Supported values are: {supported}, and "
                                  f"'{TRANSCRIPTION_FORMATS[-1]}'.", "invalid_request_error", "invalid_value",
                             "response_format")
        elif gpt4o and "diarize" not in model and fmt not in ("json", "text"):
            self._send_error(400, f"response_format '{fmt}' is not compatible with model '{model}'. Use 'json' or "
                                  "'text' instead.", "invalid_request_error", "unsupported_value", "response_format")
        elif fmt in ("srt", "vtt", "diarized_json"):
            self._send_error(400, f"{fmt} is not produced by this fake server.", "invalid_request_error",
                             "invalid_value", "response_format")
        elif language is not None and not re.fullmatch(r"[a-z]{2}", language):
            self._send_error(400, f"Invalid language '{language}'. Language parameter must be specified in "
                                  "ISO-639-1 format.", "invalid_request_error", "invalid_language_format", "language")
        elif temperature is None or not 0.0 <= temperature <= 1.0:
            self._send_error(400, f"Invalid value for 'temperature': {form.get('temperature')!r}; expected a number "
                                  "from 0 to 1.", "invalid_request_error", "invalid_value", "temperature")
        elif "." in files["file"][0] and files["file"][0].rsplit(".", 1)[1].lower() not in TRANSCRIPTION_FILE_TYPES:
            self._send_error(400, f"Invalid file format. Supported formats: {list(TRANSCRIPTION_FILE_TYPES)}",
                             "invalid_request_error")
        else:
            try:
                samples, rate = sf.read(io.BytesIO(files["file"][1]), dtype="float32")
            except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
                self._send_error(400, "The audio file could not be decoded or its format is not supported.",
                                 "invalid_request_error")
                return
            heard = self.fake.hear(samples, rate)
            text = self.fake._spoil(heard)
            seconds = len(samples) / rate if rate else 0.0
            language = language or detect_language(text) or "en"
            with self.fake._lock:
                self.fake.transcripts.append({"heard": heard, "text": text, "language": language, "model": model,
                                              "format": fmt})
            if fmt == "text":
                self._send_body(200, "text/plain; charset=utf-8", (text + "\n").encode("utf-8"), fault)
                return
            if fmt == "verbose_json":
                answer = verbose_transcription(text, seconds, language, temperature, "word" in granularities)
            else:
                answer = {"text": text, "usage": transcription_usage(model, text, prompt, seconds)}
                if model.startswith("gpt-transcribe"):
                    answer["languages"] = [{"code": language}] if text else []
                if gpt4o and "logprobs" in include:
                    answer["logprobs"] = [{"token": ch, "logprob": -0.01, "bytes": list(ch.encode("utf-8"))}
                                          for ch in text]
            self._send_body(200, "application/json", json.dumps(answer, ensure_ascii=False).encode("utf-8"), fault)

    def _chat(self, body: dict, fault: str | None) -> None:
        model, messages = body.get("model"), body.get("messages")
        if not isinstance(model, str) or not model:
            self._send_error(400, "you must provide a model parameter", "invalid_request_error", param="model")
            return
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and m.get("role") in {"system", "developer", "user", "assistant"}
                for m in messages):
            self._send_error(400, "Invalid 'messages': expected a non-empty array of messages.",
                             "invalid_request_error", "invalid_value", "messages")
            return
        target = translation_target(messages)
        with self.fake._lock:
            reply = self.fake.chat_replies.popleft() if self.fake.chat_replies else None
            change_number = invent_year = False
            if target is not None:
                self.fake.translations[target] += 1
                if reply is None and self.fake.translation_number_faults > 0:
                    self.fake.translation_number_faults -= 1
                    change_number = True
            elif reply is None and self.fake.invented_years > 0:
                self.fake.invented_years -= 1
                invent_year = True
        reply = reply if isinstance(reply, dict) else {"content": reply}
        content, refusal = reply.get("content"), reply.get("refusal")
        if content is None and refusal is None:
            content = fake_translation(messages, target, change_number) if target else chat_reply(messages)
            if invent_year:  # a year no fact states, as a chat model sometimes adds one (the fact guard's case)
                content = content.replace("\n\n", f"\n\n{INVENTED_YEAR}\n\n", 1)
        prompt_chars = sum(len(str(m.get("content", ""))) for m in messages)
        answer_chars = len(content or refusal or "")
        completion = {
            "id": f"chatcmpl-fake{self.fake.count('chat')}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal},
                         "logprobs": None, "finish_reason": reply.get("finish_reason", "stop")}],
            "usage": {"prompt_tokens": prompt_chars // 2, "completion_tokens": answer_chars // 2,
                      "total_tokens": prompt_chars // 2 + answer_chars // 2},
        }
        data = json.dumps(completion, ensure_ascii=False).encode("utf-8")
        self._send_body(200, "application/json", data, fault)

    def _control(self, raw: bytes) -> None:
        try:
            spec = json.loads(raw or b"{}")
            for endpoint, faults in spec.get("queue", {}).items():
                self.fake.queue(endpoint, *faults)
            for endpoint, fault in spec.get("always", {}).items():
                if fault is not None and fault not in FAULTS:
                    raise ValueError(fault)
                self.fake.always[endpoint] = fault
            for counter in ("translation_number_faults", "invented_years"):  # how many answers to spoil
                if counter in spec:
                    count = spec[counter]
                    if not isinstance(count, int) or count < 0:
                        raise ValueError(f"{counter}: {count!r}")
                    with self.fake._lock:
                        setattr(self.fake, counter, count)
            for knob in ("mishear", "drop"):  # {"<substring of a chunk's text>": how many transcriptions to spoil}
                if knob in spec:
                    counts = spec[knob]
                    if not isinstance(counts, dict) or not all(
                            isinstance(k, str) and k and isinstance(n, int) and n >= 0 for k, n in counts.items()):
                        raise ValueError(f"{knob}: {counts!r}")
                    with self.fake._lock:
                        getattr(self.fake, knob).update({k: n for k, n in counts.items() if n})
                        for key in [k for k, n in counts.items() if not n]:
                            getattr(self.fake, knob).pop(key, None)
            if spec.get("reset_counts"):
                self.fake.reset_counts()
        except (ValueError, AttributeError, TypeError) as exc:
            self._send_json(400, {"error": str(exc)})
            return
        self._send_json(200, self.fake.stats())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_openai", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added before every answer")
    parser.add_argument("--transcription-latency", type=float, default=None, metavar="SECONDS",
                        help="seconds before a transcription's answer, instead of --latency (default: --latency)")
    parser.add_argument("--stall-seconds", type=float, default=3.0)
    parser.add_argument("--retry-after-ms", type=int, default=1500, help="the wait a 429 asks for")
    parser.add_argument("--api-key", default=None, help="refuse every other key with a 401")
    parser.add_argument("--fault", action="append", default=[], metavar="ENDPOINT=F1,F2",
                        help="queue faults, e.g. speech=429,reset")
    parser.add_argument("--always", action="append", default=[], metavar="ENDPOINT=FAULT")
    parser.add_argument("--translation-number-faults", type=int, default=0, metavar="N",
                        help="the first N translations change a number")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(port=args.port, latency=args.latency, stall_seconds=args.stall_seconds, api_key=args.api_key,
                      retry_after_ms=args.retry_after_ms, transcription_latency=args.transcription_latency)
    for spec in args.fault:
        endpoint, _, faults = spec.partition("=")
        fake.queue(endpoint, *faults.split(","))
    for spec in args.always:
        endpoint, _, fault = spec.partition("=")
        fake.always[endpoint] = fault
    fake.translation_number_faults = args.translation_number_faults
    print(f"listening on {fake.url}", flush=True)
    fake.start()
    serve_until_interrupted(fake.stop)


if __name__ == "__main__":
    main(sys.argv[1:])
