"""HTTP GETs for the online info providers, each made through the one retry policy.

5xx, 429, timeouts and connection errors are retried; any other 4xx ends the call at once, unless the
caller accepts that status as an answer (a 404 that means "no such page").
"""

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

import requests

from stages.clients.http_status import RETRYABLE, status_kind
from stages.clients.retry import Decision, RetryPolicy, server_wait
from stages.core.errors import PipelineError
from stages.core.params import Params

# Wikimedia asks every client to say who it is and how to reach its operator
# (https://meta.wikimedia.org/wiki/User-Agent_policy): "<client>/<version> (<contact>) <library>/<version>".
USER_AGENT = (f"docent-audio-guide/1.0 (keyword-to-narration pipeline for Korean heritage; info stage) "
              f"python-requests/{requests.__version__}")


def user_agent(contact: str | None) -> str:
    """The User-Agent, with the operator's contact (info.contact) when one is set."""
    if not contact:
        return USER_AGENT
    return (f"docent-audio-guide/1.0 ({contact}; keyword-to-narration pipeline for Korean heritage; info stage) "
            f"python-requests/{requests.__version__}")

# The socket-level reason inside requests' long ConnectionError text, e.g. "[Errno 111] Connection refused".
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


class HTTPStatusError(Exception):
    """A response whose status is not an answer the caller accepts."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _connection_reason(error: BaseException) -> str:
    found = _ERRNO.search(str(error))
    if found:
        return found.group(1).strip().lower()
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off mid-answer"
    return f"cannot connect ({type(error).__name__})"


class Web:
    """One requests session with a descriptive User-Agent and params.requests.timeout; use it with `with`."""

    RETRY_ON = (HTTPStatusError, requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError)

    def __init__(self, params: Params, *, sleep: Callable[[float], None] | None = None,
                 hints: Mapping[int, str] | None = None) -> None:
        self.timeout = params.requests.timeout
        self.policy = RetryPolicy(params.retry, sleep=sleep)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(params.info.contact)
        self.hints = dict(hints or {})  # status → what to do about it, added to the one line that ends the call

    def __enter__(self) -> "Web":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.session.close()

    def classify(self, error: BaseException) -> Decision:
        """The one place that says which failures of a GET are worth another try."""
        if isinstance(error, HTTPStatusError):
            response = error.response
            reason = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
            if status_kind(response.status_code) in RETRYABLE:
                return Decision(retry=True, reason=reason, server_wait=server_wait(response.headers))
            return Decision(retry=False, reason=reason + self.hints.get(response.status_code, ""))
        if isinstance(error, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
            return Decision(retry=True, reason=f"no answer within {self.timeout:g} s")
        return Decision(retry=True, reason=_connection_reason(error))

    def get(self, url: str, query: Mapping[str, Any] | None = None, *, what: str,
            accept: Collection[int] = ()) -> requests.Response:
        """GET url?query; a 2xx or an accepted status is returned, anything else retried or raised as one line."""

        def attempt() -> requests.Response:
            response = self.session.get(url, params=query, timeout=self.timeout)
            if 200 <= response.status_code < 300 or response.status_code in accept:
                return response
            raise HTTPStatusError(response)

        try:
            return self.policy.call(attempt, retry_on=self.RETRY_ON, classify=self.classify,
                                    what=f"{what}: GET {url}")
        except requests.RequestException as exc:  # the rest are not worth a retry: a redirect loop, a bad URL
            detail = str(exc).splitlines()[0] if str(exc) else ""
            raise PipelineError(f"{what}: GET {url}: {type(exc).__name__}: {detail}".rstrip(": ")) from None

    def get_json(self, url: str, query: Mapping[str, Any] | None = None, *, what: str,
                 accept: Collection[int] = ()) -> tuple[int, Any]:
        """GET and decode JSON; returns (status, data)."""
        response = self.get(url, query, what=what, accept=accept)
        try:
            return response.status_code, response.json()
        except ValueError:
            raise PipelineError(f"{what}: GET {url}: the answer is not JSON "
                                f"({response.headers.get('content-type', 'no content type')})") from None
