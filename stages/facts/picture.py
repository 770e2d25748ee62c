"""The entry's picture: the image the facts name (details["image"], the 국가유산청 imageUrl), fetched by the info stage
and kept beside the info file as outputs/info/<keyword>.jpg (.png, .webp) for the guide; and the credit the sources
file gives a local picture."""

import logging
from pathlib import Path

import requests

from stages.clients.http_status import RETRYABLE, status_kind
from stages.clients.web import Web
from stages.core import atomic
from stages.core.cache import Cache, content_key
from stages.core.errors import PipelineError
from stages.core.info_file import Facts, read_facts
from stages.core.params import Params
from stages.core.paths import PICTURE_SUFFIXES, fetched_picture_path, fetched_picture_paths, info_path
from stages.core.previous_outputs import PreviousOutputs
from stages.core.stage_cache import refreshed
from stages.facts.sources import PICTURE_KEYS, read_source

log = logging.getLogger(__name__)

MAX_BYTES = 30_000_000  # far above any web picture: more is not the entry's picture
# A 4xx other than 429 means there is no picture at that address: an answer, so one warning and no retry.
NO_PICTURE = [status for status in range(400, 500) if status_kind(status) not in RETRYABLE]
# The pictures fetched, by URL, so that a keyword served from the stage cache (or re-run for another keyword's sake)
# gets its picture back without a request.
FETCHED = Cache("info-pictures", ".img")


def picture_suffix(data: bytes) -> str | None:
    """.jpg, .png or .webp by the bytes' signature; None for anything else (an error page sent with status 200)."""
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def credit_record(keyword: str) -> dict[str, str]:
    """The sources file's credit for a local picture (picture_credit, picture_licence), for the record the info stage
    keeps beside its outputs (.keys.json), where the guide reads it: not in the facts, which a narration is written
    from."""
    pins = read_source(keyword).pins
    return {key: value for key in PICTURE_KEYS if (value := getattr(pins, key))}


def keep_picture(params: Params, keyword: str, previous: PreviousOutputs) -> Path | None:
    """Write outputs/info/<keyword>.<suffix> from the picture its facts name, or remove a stale one: from the cache
    by URL, from the last run's outputs in DVC's cache, else fetched. A picture that cannot be had is one warning:
    the facts stand without it."""
    url = read_facts(keyword).details.get("image", "")
    data = None
    if url.startswith(("http://", "https://")):
        key = content_key({"url": url})
        fresh = "info" in refreshed()  # DOCENT_REFRESH=info fetches the picture afresh with the facts
        entry = None if fresh else FETCHED.get(key)
        if entry is not None:
            data = entry.read_bytes()
        else:
            data = (None if fresh else _previous(previous, keyword, url)) or _fetch(params, keyword, url)
            if data is not None:
                FETCHED.put(key, lambda tmp: tmp.write_bytes(data))
    suffix = picture_suffix(data) if data is not None else None
    for other in PICTURE_SUFFIXES:
        if other != suffix:
            fetched_picture_path(keyword, other).unlink(missing_ok=True)
    if suffix is None:
        return None
    path = fetched_picture_path(keyword, suffix)
    atomic.write_bytes(path, data)
    return path


def _fetch(params: Params, keyword: str, url: str) -> bytes | None:
    """The picture at `url`, through the retry policy; None, with one warning, when there is none to be had."""
    with Web(params) as web:
        try:
            response = web.get(url, what=f"info: {keyword}: picture", accept=NO_PICTURE)
        except PipelineError as error:
            log.warning("info: %s: kept the facts without the picture (%s)", keyword, error)
            return None
    problem = _problem(response)
    if problem:
        log.warning("info: %s: kept the facts without the picture: GET %s: %s", keyword, url, problem)
        return None
    return response.content


def _problem(response: requests.Response) -> str | None:
    """Why an answer is not the picture, or None when it is one."""
    if response.status_code >= 300:
        return f"HTTP {response.status_code} {response.reason or ''}".rstrip()
    if len(response.content) > MAX_BYTES:
        return f"{len(response.content)} bytes, more than {MAX_BYTES}"
    if picture_suffix(response.content) is None:
        return f"not a JPEG, PNG or WebP picture ({response.headers.get('content-type', 'no content type')})"
    return None


def _previous(previous: PreviousOutputs, keyword: str, url: str) -> bytes | None:
    """The picture the stage's last run kept, if DVC's cache has it and that run's facts named the same URL."""
    facts = previous.file(info_path(keyword))
    try:
        if facts is None or Facts.from_json(facts.read_text(encoding="utf-8")).details.get("image") != url:
            return None
    except (OSError, ValueError, TypeError, KeyError):
        return None
    found = next((file for path in fetched_picture_paths(keyword) if (file := previous.file(path))), None)
    return found.read_bytes() if found is not None else None
