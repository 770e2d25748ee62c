"""A local server that speaks the OpenAI Realtime event protocol over a websocket, with scripted faults.

Point the real SDK at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1; the SDK connects to
ws://127.0.0.1:PORT/v1/realtime?model=…. Each `response.create` takes the next behaviour from the
script (a faithful read when the script is empty):

  faithful     audio deltas, the transcript equal to the input text, status completed
  paraphrase   the transcript says something else (half the words, then a summary)
  slip         one syllable misheard: a small CER that a loose tts.max_cer accepts and a strict one does not
  preamble     "네, 읽어 드리겠습니다. " and then the text
  incomplete   half the text, then status incomplete, reason max_output_tokens
  quota        response.done with status failed and an insufficient_quota error (how the real API reports it)
  quota_event  an error event (insufficient_quota), then the server closes the connection
  auth         an error event (invalid_api_key), then the server closes the connection
  rate_limit   response.done with status failed and a rate_limit_exceeded error ("try again in 0.25s")
  close_1011   response.created and some audio, then a close with code 1011 (server error)
  close_1000   response.created and some audio, then a normal close (1000) without response.done
  close_none   response.created and some audio, then a close frame without a status code (the client sees 1005)
  drop         response.created and some audio, then the TCP connection is cut (the client sees 1006)
  stall        response.created, then silence for a long time

Handshakes can be refused too: `refuse_handshakes(429, 503, "quota")` answers the next upgrades with HTTP
429 (retry-after-ms: 300), 503, or 429 insufficient_quota, in that order.

`session.update` is checked as the real API checks it: an unknown voice (see `voices`), a speed outside
0.25–1.5 or an audio format other than 24 kHz PCM is an `error` event, and the session keeps its defaults.
A key in `refused_keys` is refused as the real API refuses a bad key (twilio-samples' realtime logs,
openai-realtime-api-beta#2): the upgrade completes, an `error` event (invalid_request_error, code
invalid_api_key) follows, and the server closes with code 3000. A key in `forbidden_keys` (valid, but
without access) gets HTTP 403 at the upgrade. `session.reasoning` is accepted only for `reasoning_models`;
for any other model it is an `error` event naming the parameter.

Standalone, for `dvc repro` end to end:
    python -m tests.fake_realtime --port 0 [--script paraphrase,faithful] [--stats stats.json]
prints "listening on http://127.0.0.1:PORT/v1" and serves until killed.
"""

import argparse
import base64
import collections
import contextlib
import hashlib
import http
import itertools
import json
import logging
import math
import os
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response
from websockets.sync.server import ServerConnection, serve

from tests.fake_http import serve_until_interrupted

REALTIME_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
SAMPLE_RATE = 24000
PREAMBLE = "네, 읽어 드리겠습니다. "
BEHAVIOURS = ("faithful", "slip", "paraphrase", "preamble", "incomplete", "quota", "quota_event", "auth", "rate_limit",
              "close_1011", "close_1000", "close_none", "drop", "stall")
REASONING_MODELS = ("gpt-realtime-2", "gpt-realtime-2.1", "gpt-realtime-2.1-mini")
BAD_KEY_CLOSE = 3000  # the IANA-registered "Unauthorized" close code the real API sends after invalid_api_key
_DELTA_SAMPLES = SAMPLE_RATE // 5  # 0.2 s of audio per delta event
_QUIET = logging.getLogger("tests.fake_realtime.websockets")  # not websockets' "connection open" on every session
_QUIET.setLevel(logging.WARNING)


def pitch_of(text: str) -> int:
    """The tone's frequency for `text`, in Hz."""
    return 200 + int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) % 600


def tone(text: str, seconds: float, speed: float) -> bytes:
    """PCM16 mono at 24 kHz: a sine whose pitch depends on the text, so order can be checked by ear or FFT."""
    pitch = pitch_of(text)
    count = max(1, int(seconds / speed * SAMPLE_RATE))
    samples = (int(8000 * math.sin(2 * math.pi * pitch * n / SAMPLE_RATE)) for n in range(count))
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


class _Session:
    def __init__(self, number: int, model: str) -> None:
        self.number = number
        self.model = model
        self.voice = "alloy"
        self.speed = 1.0
        self.instructions = "You are a helpful assistant."
        self.updated = False  # a session.update was accepted on this connection


class FakeRealtime:
    """The server; use as a context manager, or start()/stop(). Counters are read by the tests."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seconds_per_char: float = 0.02,
                 voices: tuple[str, ...] = REALTIME_VOICES, stats_path: Path | None = None) -> None:
        self.host = host
        self.requested_port = port
        self.seconds_per_char = seconds_per_char
        self.voices = set(voices)
        self.refused_keys: set[str] = set()
        self.forbidden_keys: set[str] = set()
        self.reasoning_models = set(REASONING_MODELS)
        self.stall_seconds = 30.0
        self.stats_path = stats_path
        # Told what each response said aloud (its transcript, the seconds of audio, the tone's pitch), so that a fake
        # transcription endpoint can hear it back: FakeOpenAI.remember.
        self.said: Callable[[str, float, float], None] | None = None
        self.script: collections.deque[str] = collections.deque()
        self.handshake_faults: collections.deque[int | str] = collections.deque()
        self.lock = threading.Lock()
        self._stats_lock = threading.Lock()  # sessions run in parallel threads; one stats writer at a time
        self.sessions = 0  # websocket sessions opened (handshakes accepted)
        self.handshakes_refused = 0
        self.responses: list[dict] = []  # one per response.create: input text, behaviour, session settings
        self.session_updates: list[dict] = []  # the `session` of every session.update received
        self.errors: list[dict] = []  # every error event sent
        self.keys_seen: set[str] = set()
        self._ids = itertools.count(1)
        self._server = None
        self._thread: threading.Thread | None = None
        self._open: set[ServerConnection] = set()
        self._stopping = threading.Event()

    # -- control -------------------------------------------------------------------------------
    def queue(self, *behaviours: str) -> "FakeRealtime":
        for behaviour in behaviours:
            if behaviour not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
        with self.lock:
            self.script.extend(behaviours)
        return self

    def refuse_handshakes(self, *faults: int | str) -> "FakeRealtime":
        with self.lock:
            self.handshake_faults.extend(faults)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.socket.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> "FakeRealtime":
        self._server = serve(self._handle, self.host, self.requested_port, process_request=self._check_handshake,
                             compression=None, max_size=None, logger=_QUIET)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-realtime", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
        with self.lock:
            still_open = list(self._open)
        for ws in still_open:  # the handler threads are not daemons: end their sessions so they return
            with contextlib.suppress(Exception):
                ws.close(code=1001, reason="server shutting down")
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeRealtime":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stats(self) -> dict:
        with self.lock:
            return {
                "sessions": self.sessions,
                "handshakes_refused": self.handshakes_refused,
                "responses": len(self.responses),
                "texts": [r["text"] for r in self.responses],
                "behaviours": [r["behaviour"] for r in self.responses],
                "session_updates": len(self.session_updates),
                "errors": [e["code"] for e in self.errors],
                "keys_seen": len(self.keys_seen),
            }

    def _save_stats(self) -> None:
        if self.stats_path is None:
            return
        with self._stats_lock:
            tmp = self.stats_path.with_name(f".{self.stats_path.name}.tmp")
            tmp.write_text(json.dumps(self.stats(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.stats_path)

    # -- protocol ------------------------------------------------------------------------------
    def _check_handshake(self, connection: ServerConnection, request) -> Response | None:
        path, _, query = request.path.partition("?")
        auth = request.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        if path != "/v1/realtime":
            return self._refuse(http.HTTPStatus.NOT_FOUND, "invalid_request_error", None, f"Invalid URL (GET {path})")
        if key in self.forbidden_keys:
            return self._refuse(http.HTTPStatus.FORBIDDEN, "invalid_request_error", "model_not_found",
                                "The model does not exist or you do not have access to it.")
        if "model=" not in query:
            return self._refuse(http.HTTPStatus.BAD_REQUEST, "invalid_request_error", None, "Missing model")
        with self.lock:
            fault = self.handshake_faults.popleft() if self.handshake_faults else None
        if fault == "quota":
            return self._refuse(http.HTTPStatus.TOO_MANY_REQUESTS, "insufficient_quota", "insufficient_quota",
                                "You exceeded your current quota, please check your plan and billing details.")
        if fault == 429:
            return self._refuse(http.HTTPStatus.TOO_MANY_REQUESTS, "requests", "rate_limit_exceeded",
                                "Rate limit reached for requests.", {"retry-after-ms": "300"})
        if fault is not None:
            return self._refuse(http.HTTPStatus(fault), "server_error", None, "The server had an error.")
        with self.lock:
            self.keys_seen.add(key)
        return None

    def _refuse(self, status: http.HTTPStatus, kind: str, code: str | None, message: str,
                extra_headers: dict[str, str] | None = None) -> Response:
        with self.lock:
            self.handshakes_refused += 1
        body = json.dumps({"error": {"message": message, "type": kind, "code": code, "param": None}}).encode()
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                           *(extra_headers or {}).items()])
        return Response(status.value, status.phrase, headers, body)

    def _event(self, kind: str, **fields) -> str:
        return json.dumps({"type": kind, "event_id": f"event_{next(self._ids)}", **fields}, ensure_ascii=False)

    def _error(self, ws: ServerConnection, kind: str, code: str | None, message: str, param: str | None = None,
               event_id: str | None = None) -> None:
        error = {"type": kind, "code": code, "message": message, "param": param, "event_id": event_id}
        with self.lock:
            self.errors.append(error)
        ws.send(self._event("error", error=error))

    def _session_json(self, session: _Session) -> dict:
        return {
            "type": "realtime", "object": "realtime.session", "id": f"sess_{session.number}",
            "model": session.model, "output_modalities": ["audio"], "instructions": session.instructions,
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "voice": session.voice,
                                 "speed": session.speed}},
            "max_output_tokens": "inf",
        }

    def _handle(self, ws: ServerConnection) -> None:
        model = ws.request.path.partition("model=")[2].split("&")[0]
        with self.lock:
            self.sessions += 1
            session = _Session(self.sessions, model)
            self._open.add(ws)
        self._save_stats()
        try:
            key = ws.request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not key or key in self.refused_keys:
                self._error(ws, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
                ws.close(code=BAD_KEY_CLOSE, reason="invalid_api_key")
                return
            ws.send(self._event("session.created", session=self._session_json(session)))
            for message in ws:
                event = json.loads(message)
                kind = event.get("type")
                if kind == "session.update":
                    self._session_update(ws, session, event)
                elif kind == "response.create":
                    if self._response(ws, session, event) == "closed":
                        return
                else:
                    self._error(ws, "invalid_request_error", "unknown_event", f"unexpected event {kind!r}",
                                event_id=event.get("event_id"))
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                self._open.discard(ws)

    def _session_update(self, ws: ServerConnection, session: _Session, event: dict) -> None:
        update = event.get("session") or {}
        with self.lock:
            self.session_updates.append(update)
        output = (update.get("audio") or {}).get("output") or {}
        voice = output.get("voice", session.voice)
        speed = output.get("speed", session.speed)
        fmt = output.get("format", {"type": "audio/pcm", "rate": SAMPLE_RATE})
        if update.get("type") != "realtime":
            return self._error(ws, "invalid_request_error", "invalid_value", "session.type must be 'realtime'",
                               "session.type", event.get("event_id"))
        if voice not in self.voices:
            allowed = ", ".join(f"'{v}'" for v in sorted(self.voices))
            return self._error(ws, "invalid_request_error", "invalid_value",
                               f"Invalid value: '{voice}'. Supported values are: {allowed}.",
                               "session.audio.output.voice", event.get("event_id"))
        if not 0.25 <= float(speed) <= 1.5:
            return self._error(ws, "invalid_request_error", "decimal_above_max_value" if speed > 1.5 else
                               "decimal_below_min_value", f"Invalid 'session.audio.output.speed': {speed}.",
                               "session.audio.output.speed", event.get("event_id"))
        if fmt != {"type": "audio/pcm", "rate": SAMPLE_RATE}:
            return self._error(ws, "invalid_request_error", "invalid_value", f"Unsupported format {fmt}",
                               "session.audio.output.format", event.get("event_id"))
        if "reasoning" in update and session.model not in self.reasoning_models:
            return self._error(ws, "invalid_request_error", "unknown_parameter",
                               "Unknown parameter: 'session.reasoning'.", "session.reasoning", event.get("event_id"))
        if update.get("output_modalities", ["audio"]) != ["audio"]:
            return self._error(ws, "invalid_request_error", "invalid_value", "output_modalities must be ['audio']",
                               "session.output_modalities", event.get("event_id"))
        session.voice, session.speed = voice, float(speed)
        session.instructions = update.get("instructions", session.instructions)
        session.updated = True
        ws.send(self._event("session.updated", session=self._session_json(session)))

    def _response(self, ws: ServerConnection, session: _Session, event: dict) -> str | None:
        request = event.get("response") or {}
        items = request.get("input") or []
        texts = [part.get("text", "") for item in items if item.get("role") == "user"
                 for part in item.get("content", []) if part.get("type") == "input_text"]
        if request.get("conversation") != "none" or len(texts) != 1:
            self._error(ws, "invalid_request_error", "invalid_value",
                        "expected conversation 'none' and one user message with input_text",
                        "response", event.get("event_id"))
            return None
        text = texts[0]
        with self.lock:
            behaviour = self.script.popleft() if self.script else "faithful"
            self.responses.append({
                "text": text, "behaviour": behaviour, "session": session.number, "session_updated": session.updated,
                "voice": session.voice, "speed": session.speed, "instructions": session.instructions,
                "max_output_tokens": request.get("max_output_tokens"),
            })
        self._save_stats()
        response_id = f"resp_{next(self._ids)}"
        item_id = f"item_{next(self._ids)}"
        ids = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}

        if behaviour in ("quota_event", "auth"):
            code, kind, message = {
                "quota_event": ("insufficient_quota", "insufficient_quota",
                          "You exceeded your current quota, please check your plan and billing details."),
                "auth": ("invalid_api_key", "invalid_request_error", "Incorrect API key provided."),
            }[behaviour]
            self._error(ws, kind, code, message, event_id=event.get("event_id"))
            ws.close()
            return "closed"

        ws.send(self._event("response.created", response=self._response_json(response_id, "in_progress", session)))
        if behaviour in ("rate_limit", "quota"):
            error = {
                "rate_limit": {"type": "rate_limit_exceeded", "code": "rate_limit_exceeded",
                               "message": "Rate limit reached for requests. Please try again in 0.25s."},
                "quota": {"type": "insufficient_quota", "code": "insufficient_quota",
                          "message": "You exceeded your current quota, please check your plan and billing details."},
            }[behaviour]
            ws.send(self._event("response.done", response=self._response_json(
                response_id, "failed", session, {"type": "failed", "error": error})))
            return None

        transcript = {
            "paraphrase": " ".join(text.split()[::2]) + " 이렇게 요약할 수 있습니다.",
            "preamble": PREAMBLE + text,
            "incomplete": text[: len(text) // 2],
            "slip": text[:len(text) // 2] + ("가" if text[len(text) // 2] != "가" else "나") + text[len(text) // 2 + 1:],
        }.get(behaviour, text)
        audio = tone(text, self.seconds_per_char * len(transcript), session.speed)
        if self.said is not None:
            self.said(transcript, len(audio) / 2 / SAMPLE_RATE, pitch_of(text))
        ws.send(self._event("response.output_item.added", response_id=response_id, output_index=0,
                            item={"id": item_id, "type": "message", "role": "assistant", "status": "in_progress",
                                  "content": []}))
        ws.send(self._event("response.content_part.added", **ids, part={"type": "audio", "transcript": ""}))
        for start in range(0, len(audio), 2 * _DELTA_SAMPLES):
            ws.send(self._event("response.output_audio.delta", **ids,
                                delta=base64.b64encode(audio[start:start + 2 * _DELTA_SAMPLES]).decode()))
            if start == 0:
                ws.send(self._event("response.output_audio_transcript.delta", **ids, delta=transcript[:10]))
                if behaviour == "close_1011":
                    ws.close(code=1011, reason="Internal server error")
                    return "closed"
                if behaviour == "close_1000":
                    ws.close()
                    return "closed"
                if behaviour == "close_none":
                    ws.close(code=None)  # an empty close frame: no status code
                    return "closed"
                if behaviour == "drop":
                    with contextlib.suppress(OSError):
                        ws.socket.shutdown(socket.SHUT_RDWR)
                    ws.socket.close()
                    return "closed"
                if behaviour == "stall":
                    self._stopping.wait(self.stall_seconds)
                    return None
        ws.send(self._event("response.output_audio.done", **ids))
        ws.send(self._event("response.output_audio_transcript.done", **ids, transcript=transcript))
        ws.send(self._event("response.content_part.done", **ids, part={"type": "audio", "transcript": transcript}))
        if behaviour == "incomplete":
            status, details = "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        else:
            status, details = "completed", None
        ws.send(self._event("response.output_item.done", response_id=response_id, output_index=0,
                            item={"id": item_id, "type": "message", "role": "assistant", "status": status,
                                  "content": [{"type": "output_audio", "transcript": transcript}]}))
        ws.send(self._event("response.done", response=self._response_json(
            response_id, status, session, details, transcript=transcript, audio_seconds=len(audio) / 2 / SAMPLE_RATE,
            text_tokens=len(text))))
        return None

    def _response_json(self, response_id: str, status: str, session: _Session, details: dict | None = None, *,
                       transcript: str | None = None, audio_seconds: float = 0.0, text_tokens: int = 0) -> dict:
        output = [] if transcript is None else [{
            "id": f"item_{response_id}", "type": "message", "role": "assistant", "object": "realtime.item",
            "status": status, "content": [{"type": "output_audio", "transcript": transcript}],
        }]
        audio_tokens = int(audio_seconds * 20)  # output audio: one token per 50 ms
        transcript_tokens = len(transcript or "")
        return {
            "object": "realtime.response", "id": response_id, "status": status, "status_details": details,
            "output": output, "conversation_id": None, "output_modalities": ["audio"],
            "audio": {"output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "voice": session.voice}},
            "max_output_tokens": "inf", "metadata": None,
            "usage": {
                "total_tokens": text_tokens + audio_tokens + transcript_tokens, "input_tokens": text_tokens,
                "output_tokens": audio_tokens + transcript_tokens,
                "input_token_details": {"text_tokens": text_tokens, "audio_tokens": 0, "cached_tokens": 0},
                "output_token_details": {"text_tokens": transcript_tokens, "audio_tokens": audio_tokens},
            },
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_realtime", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", default="", help="comma-separated behaviours for the first responses")
    parser.add_argument("--stats", type=Path, help="JSON file rewritten with the counters after every event")
    parser.add_argument("--seconds-per-char", type=float, default=0.06)
    args = parser.parse_args(argv)
    server = FakeRealtime(args.host, args.port, seconds_per_char=args.seconds_per_char, stats_path=args.stats)
    try:
        server.queue(*[b for b in args.script.split(",") if b])
    except ValueError as exc:
        parser.error(str(exc))
    server.start()
    server._save_stats()
    print(f"listening on {server.base_url}", flush=True)
    serve_until_interrupted(server.stop)


if __name__ == "__main__":
    main(sys.argv[1:])
