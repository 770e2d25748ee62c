"""What every OpenAI call shares: the client (key, base URL, no SDK retries), the retry classifier, the messages.

The speech, script and realtime providers all build their client with make_client() and send every
call through call(), so a refused key, an exhausted quota or a rate limit reads the same everywhere,
and the key itself never reaches a message or a log line.
"""

import asyncio
import hashlib
import logging
import os
import re
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

from stages.clients.http_status import StatusKind, status_kind
from stages.clients.ratelimit import shared_limiter
from stages.clients.retry import Decision, RetryPolicy, server_wait
from stages.core.cache import cache_root
from stages.core.errors import PipelineError
from stages.core.model_shutdowns import OPENAI_URL, base_url
from stages.core.params import Params

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)
T = TypeVar("T")

KEY_ENV = "OPENAI_API_KEY"
BILLING_URL = "https://platform.openai.com/settings/organization/billing"
KEYS_URL = "https://platform.openai.com/api-keys"

MISSING_KEY = (f"{KEY_ENV} is not set; export your OpenAI API key (export {KEY_ENV}=sk-...) "
               f"or switch back to the offline providers (tts.provider: espeak, script.provider: template)")


def key_rejected(how: str = "401") -> str:
    """The refused-key message; `how` says how the server refused it (an HTTP status, an error code)."""
    return f"the API key was rejected ({how}); check {KEY_ENV} (create a key at {KEYS_URL}); retrying will not help"


KEY_REJECTED = key_rejected()
QUOTA_EXHAUSTED = (f"the OpenAI credit is exhausted (429 insufficient_quota); add credit or raise the limit at "
                   f"{BILLING_URL}; retrying will not help")
PERMISSION_DENIED = (f"the API key may not use this model or endpoint (403); check that {KEY_ENV} belongs to a "
                     f"project with access to it at {KEYS_URL}; retrying will not help")



def retry_on() -> tuple[type[BaseException], ...]:
    """The failures worth classifying: the SDK's, and the transport's while a streamed body arrives.

    The SDK is imported here, on the first request, not with this module: it costs about a second of
    start-up, and a run served entirely from the cache makes no request.
    """
    import httpx2
    import openai

    return (openai.APIError, httpx2.TransportError)


class IncompleteBody(Exception):
    """A body that ended cleanly but is not whole (e.g. an undecodable audio file); worth another try."""


def api_key() -> str:
    """The key from OPENAI_API_KEY; a missing key is a one-line PipelineError."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise PipelineError(MISSING_KEY)
    return key


def server_identity() -> dict:
    """The server part of a cache key: the normalised OPENAI_BASE_URL, or nothing for OpenAI's own API.

    Another server that takes the same model names (Kokoro-FastAPI, LocalAI) must not share OpenAI's
    entries. OpenAI itself, named or by default, adds nothing, so entries made before this key existed stay valid.
    """
    url = base_url()
    if url is None:
        return {}
    parts = urlsplit(url)
    normal = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
    return {} if normal == OPENAI_URL else {"server": normal}


def limiter_name() -> str:
    """Which requests.rpm budget a call counts against: OpenAI's, or that of the compatible server in use."""
    url = base_url()
    return "openai" if url is None else "openai-" + hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:12]


def make_client(params: Params, on_send: Callable[[], None] | None = None) -> "openai.OpenAI":
    """One SDK client: key and base URL from the environment, SDK retries off, timeout from requests.timeout;
    `on_send` is called as each request leaves (the rate limiter's sent)."""
    import openai

    http_client = openai.DefaultHttpxClient(event_hooks={"request": [lambda request: on_send()]}) if on_send else None
    return openai.OpenAI(api_key=api_key(), base_url=base_url(), max_retries=0, timeout=params.requests.timeout,
                         http_client=http_client)


def make_async_client(params: Params, on_send: Callable[[], None] | None = None) -> "openai.AsyncOpenAI":
    """make_client() for asyncio: the same key, base URL, timeout and request hook, SDK retries off."""
    import openai

    async def sent(request) -> None:
        on_send()

    http_client = openai.DefaultAsyncHttpxClient(event_hooks={"request": [sent]}) if on_send else None
    return openai.AsyncOpenAI(api_key=api_key(), base_url=base_url(), max_retries=0,
                              timeout=params.requests.timeout, http_client=http_client)


def redact(text: str) -> str:
    """The text with the API key (should a server echo it) replaced by ***."""
    key = os.environ.get(KEY_ENV, "").strip()
    return text.replace(key, "***") if key else text


def _html_summary(text: str) -> str | None:
    """An HTML error page (a proxy's 502, a maintenance page) as its title, not its markup."""
    if not re.match(r"\s*<(!doctype|html|head|body|center|h1)\b", text, re.I):
        return None
    found = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S) or re.search(r"<h1[^>]*>(.*?)</h1>", text,
                                                                                     re.I | re.S)
    title = " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""
    return f"an HTML error page{f' ({title[:100]})' if title else ''} instead of the API's JSON error"


def _server_message(error: "openai.APIStatusError") -> str:
    body = error.body
    page = _html_summary(body) if isinstance(body, str) else None
    if page is not None:
        return page
    message = body.get("message") if isinstance(body, dict) else body if isinstance(body, str) else None
    return redact(" ".join(str(message).split()))[:300].rstrip(".") if message else "no message"


def is_quota(error: "openai.APIStatusError") -> bool:
    """insufficient_quota arrives as a 429 and may be named in the error's type or its code."""
    return "insufficient_quota" in {error.type, error.code}


def status_decision(status: int, *, quota: bool, wait: float | None, message: str,
                    refused: str = "request refused") -> Decision:
    """An OpenAI HTTP status (a call's or a websocket upgrade's) as a decision, with OpenAI's own messages."""
    kind = status_kind(status, quota=quota)
    fatal = {StatusKind.QUOTA: QUOTA_EXHAUSTED, StatusKind.AUTH: KEY_REJECTED, StatusKind.FORBIDDEN: PERMISSION_DENIED}
    if kind in fatal:
        return Decision(retry=False, reason=fatal[kind])
    if kind is StatusKind.RATE_LIMIT:
        return Decision(retry=True, reason="rate limited (429): too many requests or tokens per minute",
                        server_wait=wait)
    if kind is StatusKind.TRANSIENT:
        return Decision(retry=True, reason=f"server error {status}: {message}", server_wait=wait)
    return Decision(retry=False, reason=f"{refused} ({status}): {message}")


def classify(error: BaseException) -> Decision:
    """Whether a failed OpenAI call is worth another try, and the one line that says why."""
    import httpx2
    import openai

    if isinstance(error, openai.APIStatusError):
        return status_decision(error.status_code, quota=is_quota(error), wait=server_wait(error.response.headers),
                               message=_server_message(error))
    if isinstance(error, openai.APITimeoutError):
        return Decision(retry=True, reason="no answer within requests.timeout")
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        return Decision(retry=True, reason=f"connection failed ({type(cause).__name__ if cause else 'no detail'})")
    if isinstance(error, httpx2.TimeoutException):
        return Decision(retry=True, reason=f"body stalled longer than requests.timeout ({type(error).__name__})")
    if isinstance(error, httpx2.TransportError):
        return Decision(retry=True, reason=f"connection dropped mid-body ({type(error).__name__})")
    if isinstance(error, IncompleteBody):
        return Decision(retry=True, reason=f"incomplete body: {error}")
    return Decision(retry=False, reason=f"unexpected OpenAI error: {redact(str(error))}")


class OpenAIAccess:
    """What every OpenAI provider holds: params, the one retry policy (which counts the tries), and a client
    made on first use.

    The client is made on the first request, so a run whose results all come from a cache needs no key.
    """

    def __init__(self, params: Params, *, sleep: Callable[[float], None] | None = None) -> None:
        self.params = params
        # Every try, each retry included, waits its turn under requests.rpm, shared with every other process
        # using the same cache root and server.
        self.limiter = shared_limiter(params.requests.rpm, limiter_name(), cache_root())
        self.policy = RetryPolicy(params.retry, sleep=sleep, before_try=self.limiter.turn,
                                  after_try=self.limiter.settle)
        self._client: openai.OpenAI | None = None
        self._client_lock = threading.Lock()
        # One async client per event loop: its connections belong to the loop that opened them.
        self._async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @property
    def client(self) -> "openai.OpenAI":
        """One SDK client, shared by every thread."""
        with self._client_lock:
            if self._client is None:
                self._client = make_client(self.params, on_send=self.limiter.sent)
            return self._client

    @property
    def async_client(self) -> "openai.AsyncOpenAI":
        """The SDK's async client for the running event loop, made on first use."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = self._async_clients[loop] = make_async_client(self.params, on_send=self.limiter.sent)
        return client

    @property
    def requests(self) -> int:
        """Requests made so far, retries included."""
        return self.policy.attempts

    @property
    def retries(self) -> int:
        return self.policy.retries


def call(policy: RetryPolicy, fn: Callable[[], T], *, what: str) -> T:
    """Run one OpenAI call under the shared retry policy; failing for good is a one-line RetryError."""
    return policy.call(fn, retry_on=(*retry_on(), IncompleteBody), classify=classify, what=what)


async def run(policy: RetryPolicy, fn: Callable[[], Awaitable[T]], *, what: str, **try_args) -> T:
    """call(), awaited: `try_args` (check) go to RetryPolicy.run."""
    return await policy.run(fn, retry_on=(*retry_on(), IncompleteBody), classify=classify, what=what, **try_args)


def estimate_tokens(text: str) -> int:
    """A rough token count for the log: ~4 ASCII characters per token, ~1.5 other (Hangul) characters."""
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return round(ascii_chars / 4 + (len(text) - ascii_chars) / 1.5)
