"""The one table of what an HTTP status means for a retry, shared by the OpenAI providers and the web access."""

from enum import Enum


class StatusKind(Enum):
    AUTH = "auth"  # 401: the credentials were refused
    FORBIDDEN = "forbidden"  # 403: these credentials may not do this
    QUOTA = "quota"  # 429 that says the credit or quota is exhausted
    RATE_LIMIT = "rate_limit"  # 429 otherwise: too many requests for now
    TRANSIENT = "transient"  # 408, 409 (OpenAI's own rule) and every 5xx
    REFUSED = "refused"  # any other 4xx: this request will never succeed


RETRYABLE = frozenset({StatusKind.RATE_LIMIT, StatusKind.TRANSIENT})


def status_kind(status: int, *, quota: bool = False) -> StatusKind:
    """What `status` means; `quota` says whether a 429's body names an exhausted quota."""
    if status == 401:
        return StatusKind.AUTH
    if status == 403:
        return StatusKind.FORBIDDEN
    if status == 429:
        return StatusKind.QUOTA if quota else StatusKind.RATE_LIMIT
    if status in (408, 409) or status >= 500:
        return StatusKind.TRANSIENT
    return StatusKind.REFUSED
