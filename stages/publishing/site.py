"""The static site: Jinja2 pages, QR labels and copies of the narrations, written to outputs/guide/ as a whole."""

import contextlib
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import segno

from stages.core import atomic
from stages.core.cache import Cache, content_key
from stages.core.params import GuideParams
from stages.core.paths import GUIDE_DIR
from stages.core.stage_cache import files_hash
from stages.publishing.stop import Stop

HERE = Path(__file__).parent
ASSETS = ("guide.css", "guide.js")


@dataclass(frozen=True)
class Label:
    stop: Stop
    url: str  # what the QR code holds
    svg: str


def environment() -> jinja2.Environment:
    """Templates with autoescaping on for every file, whatever its extension."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["duration"] = duration_text
    env.filters["iso_duration"] = iso_duration
    env.filters["seconds"] = lambda value: f"{value:.3f}"
    return env


def duration_text(seconds: float) -> str:
    """A length as a visitor reads it, e.g. 1분 47초."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}분 {secs}초" if minutes else f"{secs}초"


def iso_duration(seconds: float) -> str:
    """The same length for <time datetime>, e.g. PT1M47S."""
    minutes, secs = divmod(round(seconds), 60)
    return f"PT{minutes}M{secs}S"


def stop_url(stop: Stop, base_url: str | None) -> str:
    """The stop page's address: under base_url when it is set, else relative to the site's top folder."""
    return f"{base_url or ''}stops/{stop.number}.html"


QR_CACHE = "qr"


@functools.cache
def _this_code() -> str:
    return files_hash([Path(__file__)], HERE)


def qr_svg(url: str) -> str:
    """An inline SVG QR code sized by CSS; hidden from screen readers, since the label's text says the same.

    Kept in the cache by URL: segno tries all eight masks for each code, about 5 ms, and the guide stage draws every
    stop's label whenever it runs (300 stops: 1.5 s of a one-stop edit).
    """
    cache = Cache(QR_CACHE, ".svg")
    # This file's code is in the key: a code drawn another way by an edited qr_svg is never taken for this one.
    key = content_key({"url": url, "segno": segno.__version__, "code": _this_code()})
    entry = cache.get(key)
    if entry is not None:
        return entry.read_text(encoding="utf-8")
    # Level M survives a scuffed or partly covered label; no fixed size, so the print CSS chooses it.
    svg = segno.make(url, error="m", micro=False).svg_inline(border=2, omitsize=True, svgclass="qr", lineclass=None,
                                                                   dark="#000", light="#fff")
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    cache.put(key, lambda tmp: tmp.write_text(svg, encoding="utf-8"))
    return svg


def render(stops: list[Stop], guide: GuideParams) -> dict[str, str]:
    """Every page of the site, by its path inside the site."""
    env = environment()
    common = {"title": guide.title}
    pages = {"index.html": env.get_template("index.html.j2").render(root="", stops=stops, **common)}
    for i, stop in enumerate(stops):
        pages[f"stops/{stop.number}.html"] = env.get_template("stop.html.j2").render(
            root="../", stop=stop, previous=stops[i - 1] if i else None,
            next=stops[i + 1] if i + 1 < len(stops) else None, **common)
    labels = [Label(stop, stop_url(stop, guide.base_url), qr_svg(stop_url(stop, guide.base_url))) for stop in stops]
    pages["labels.html"] = env.get_template("labels.html.j2").render(root="", labels=labels, base_url=guide.base_url,
                                                                     **common)
    return pages


def _write(dest: Path, text: str) -> None:
    # Straight into the staging folder: the folder is swapped in whole, so no file in it needs its own rename.
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")


def _copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)


def write_site(stops: list[Stop], guide: GuideParams, dest: Path = GUIDE_DIR) -> Path:
    """Build the site beside `dest`, then swap it in, so a failed run leaves the previous site whole."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Named like atomic's temp files, so the stage's clean-up finds them after a kill -9 (remove_stale_temps).
    staging = Path(tempfile.mkdtemp(prefix=atomic.temp_prefix(dest), suffix=atomic.TEMP_SUFFIX, dir=dest.parent))
    old = None
    try:
        for name, text in render(stops, guide).items():
            _write(staging / name, text)
        for name in ASSETS:
            _copy(HERE / "static" / name, staging / "assets" / name)
        for stop in stops:
            _copy(stop.audio, staging / "media" / stop.audio_name)
            _copy(stop.subtitles, staging / "media" / f"{stop.number}.vtt")
        staging.chmod(0o755)  # mkdtemp makes 0700; the site is served to everyone
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=atomic.temp_prefix(dest), suffix=atomic.TEMP_SUFFIX, dir=dest.parent))
            dest.replace(old)
        staging.replace(dest)
    finally:
        for leftover in (staging, old):
            if leftover is not None:
                with contextlib.suppress(FileNotFoundError):
                    shutil.rmtree(leftover)
    return dest
