"""The static site: Jinja2 pages, QR labels and copies of the narrations, written to outputs/guide/ as a whole."""

import contextlib
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup

from stages.core import atomic
from stages.core.cache import Cache, content_key
from stages.core.languages import LANGUAGES
from stages.core.params import GuideParams
from stages.core.paths import GUIDE_DIR
from stages.core.stage_cache import module_version
from stages.publishing import offline
from stages.publishing.stop import Stop
from stages.publishing.strings import UI, duration_text

HERE = Path(__file__).parent
ASSETS = ("guide.css", "guide.js", "finder.js", "player.js", "offline.js")
# Only in a guide of several languages, so that a one-language guide keeps its bytes.
LANGUAGE_ASSETS = ("languages.css", "languages.js")


@dataclass(frozen=True)
class Label:
    stop: Stop
    url: str  # what the QR code holds
    svg: str


@dataclass(frozen=True)
class LanguageLink:
    """A link to one language's version of a page: on the language switch, and on the language-neutral pages."""

    code: str
    name: str  # in the language itself
    href: str
    current: bool = False


@functools.cache
def environment() -> jinja2.Environment:
    """Templates with autoescaping on for every file, whatever its extension; one per process, so that each template
    is compiled once however many languages' pages render it."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["duration"] = _duration
    env.filters["iso_duration"] = iso_duration
    env.filters["seconds"] = lambda value: f"{value:.3f}"
    env.filters["foreign"] = _foreign
    env.filters["lang_attribute"] = _lang_attribute
    env.filters["content_version"] = offline.content_version
    return env


@jinja2.pass_context
def _duration(context: jinja2.runtime.Context, seconds: float) -> str:
    return duration_text(seconds, context["lang"])


@jinja2.pass_context
def _foreign(context: jinja2.runtime.Context, text: str, language: str | None) -> Markup | str:
    """Text in another language than the page's (a Korean name on an English page) marked as such, so that a screen
    reader says it in the right voice (WCAG 3.1.2); as it is when the languages are the same."""
    if language is None or language == context["lang"]:
        return text
    return Markup('<span lang="{}">{}</span>').format(language, text)


@jinja2.pass_context
def _lang_attribute(context: jinja2.runtime.Context, language: str) -> Markup:
    """` lang="…"` for an element whose text is in another language than the page's; nothing when it is the same."""
    return Markup("") if language == context["lang"] else Markup(' lang="{}"').format(language)


def iso_duration(seconds: float) -> str:
    """The same length for <time datetime>, e.g. PT1M47S."""
    minutes, secs = divmod(round(seconds), 60)
    return f"PT{minutes}M{secs}S"


def stop_url(stop: Stop, base_url: str | None) -> str:
    """The stop page's address: under base_url when it is set, else relative to the site's top folder."""
    return f"{base_url or ''}stops/{stop.number}.html"


QR_CACHE = "qr"


def qr_svg(url: str) -> str:
    """An inline SVG QR code sized by CSS; hidden from screen readers, since the label's text says the same.

    Kept in the cache by URL: segno tries all eight masks for each code, about 5 ms, and the guide stage draws every
    stop's label whenever it runs (300 stops: 1.5 s of a one-stop edit).
    """
    cache = Cache(QR_CACHE, ".svg")
    # This file's code is in the key: a code drawn another way by an edited qr_svg is never taken for this one.
    key = content_key({"url": url, "segno": segno.__version__, "code": module_version(__file__)})
    entry = cache.get(key)
    if entry is not None:
        return entry.read_text(encoding="utf-8")
    # Level M survives a scuffed or partly covered label; no fixed size, so the print CSS chooses it.
    svg = segno.make(url, error="m", micro=False).svg_inline(border=2, omitsize=True, svgclass="qr", lineclass=None,
                                                                   dark="#000", light="#fff")
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    cache.put(key, lambda tmp: tmp.write_text(svg, encoding="utf-8"))
    return svg


def editions(stops: list[Stop]) -> dict[str, list[Stop]]:
    """The stops by language, the languages in the order their stops come (the first is params.yaml's first)."""
    by_language: dict[str, list[Stop]] = {}
    for stop in stops:
        by_language.setdefault(stop.language, []).append(stop)
    return by_language


def site_title(guide: GuideParams, language: str, source: str) -> dict[str, str]:
    """guide.title and its language: the museum's own title is taken to be in the first language (`source`), as the
    facts are; the default (Korean) one gives way to the guide's own name in the page's language."""
    if guide.title == GuideParams.model_fields["title"].default:
        return {"title": UI[language].site_title, "title_lang": language}
    return {"title": guide.title, "title_lang": source}


def render(stops: list[Stop], guide: GuideParams) -> dict[str, str]:
    """Every page of the site, by its path inside the site.

    One language: index.html, stops/<n>.html and labels.html, as the guide has always been. Several: each language's
    pages in <lang>/, and index.html and stops/<n>.html become language-neutral pages linking to them.
    """
    by_language = editions(stops)
    if len(by_language) == 1:
        (language, stops), = by_language.items()
        pages = _edition(stops, guide, language, [], folder="")
        pages["labels.html"] = _labels(stops, guide, [language])
        return pages
    env = environment()
    codes = list(by_language)
    first = by_language[codes[0]]
    # The neutral pages are in the first language's words, with the prompt and each link in its own language.
    common = {"lang": codes[0], "ui": UI[codes[0]], **site_title(guide, codes[0], codes[0]), "multilingual": True,
              "switch": [], "prompts": [(code, UI[code].choose) for code in codes]}
    chooser = env.get_template("chooser.html.j2")
    pages = {"index.html": chooser.render(root="", home="", stop=None, choices=_links(codes, "", "index.html"),
                                          **common)}
    for stop in first:
        pages[f"stops/{stop.number}.html"] = chooser.render(
            root="../", home="../", stop=stop, choices=_links(codes, "../", f"stops/{stop.number}.html"), **common)
    for language, edition in by_language.items():
        pages.update(_edition(edition, guide, language, codes, folder=f"{language}/"))
    pages["labels.html"] = _labels(first, guide, codes)
    return pages


def _links(codes: list[str], up: str, page: str, current: str | None = None) -> list[LanguageLink]:
    """The same page in each language; `up` leads from the page's folder to the site's top."""
    return [LanguageLink(code, LANGUAGES[code].native, f"{up}{code}/{page}", code == current) for code in codes]


def _edition(stops: list[Stop], guide: GuideParams, language: str, codes: list[str], folder: str) -> dict[str, str]:
    """One language's index and stop pages, under `folder`; `codes`, the guide's languages, is [] for a
    one-language guide, which has no switch."""
    env = environment()
    up = "../" if folder else ""  # from the language's folder to the site's top
    common = {"lang": language, "ui": UI[language], **site_title(guide, language, codes[0] if codes else language),
              "multilingual": bool(codes), "language_name": LANGUAGES[language].native,
              "numbers": " ".join(str(stop.number) for stop in stops)}  # what the number field may go to
    pages = {f"{folder}index.html": env.get_template("index.html.j2").render(
        root=up, home="", switch=_links(codes, up, "index.html", language), stops=stops, **common)}
    for i, stop in enumerate(stops):
        page = f"stops/{stop.number}.html"
        pages[f"{folder}{page}"] = env.get_template("stop.html.j2").render(
            root=f"../{up}", home="../", switch=_links(codes, f"../{up}", page, language), stop=stop,
            previous=stops[i - 1] if i else None, next=stops[i + 1] if i + 1 < len(stops) else None, **common)
    return pages


def _labels(stops: list[Stop], guide: GuideParams, codes: list[str]) -> str:
    """The labels sheet, one label per stop whatever the languages, in the first language's words."""
    labels = [Label(stop, stop_url(stop, guide.base_url), qr_svg(stop_url(stop, guide.base_url))) for stop in stops]
    return environment().get_template("labels.html.j2").render(
        root="", home="", lang=codes[0], ui=UI[codes[0]], **site_title(guide, codes[0], codes[0]),
        multilingual=len(codes) > 1, switch=[], labels=labels, base_url=guide.base_url,
        hints=[(code, UI[code].label_hint) for code in codes])


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
        by_language = editions(stops)
        for name in ASSETS + (LANGUAGE_ASSETS if len(by_language) > 1 else ()):
            _copy(HERE / "static" / name, staging / "assets" / name)
        for language, edition in by_language.items():
            # Each language's media beside its pages (<lang>/media/), named by number alone: no Hangul in a URL.
            media = staging / language / "media" if len(by_language) > 1 else staging / "media"
            for stop in edition:
                _copy(stop.audio, media / stop.audio_name)
                _copy(stop.subtitles, media / f"{stop.number}.vtt")
        # A picture's renditions, once for every language: pictures/<number>-<width>.webp at the site's top.
        for path, entry in {r.path: r.file for stop in stops if stop.picture for r in stop.picture.files}.items():
            _copy(entry, staging / path)
        # Last: the service worker's version is a hash of every other file of the site.
        codes = list(by_language)
        offline.write(staging, site_title(guide, codes[0], codes[0])["title"], codes[0],
                      codes if len(codes) > 1 else [])  # the language folders: none in a one-language guide
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
