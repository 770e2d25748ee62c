"""The guide offline: its service worker, web app manifest and icons, and the list of what a phone may keep.

Two kinds of file, kept two ways (docs/guide.md, Offline):
- the shell (pages, styles, scripts, icons) is kept by version: each build has one, a hash of the site's files,
  written into sw.js, so that a new build's worker replaces the shell whole;
- the tour (every other file: narrations and subtitles, pictures) is saved only when the visitor asks, and kept
  across builds while unchanged. A media/ folder's files are addressed by content, `media/3.mp3?v=<hash8>`, so that a
  changed narration is a new URL a page can never meet a stale copy of; the others (pictures/) by name, with their
  hash in offline.json, by which a new build's worker drops a changed one.
"""

import functools
import hashlib
import io
import json
import re
from pathlib import Path, PurePosixPath

import PIL
from PIL import Image, ImageColor, ImageDraw

from stages.core.atomic import stable_json
from stages.core.cache import Cache, content_key
from stages.core.stage_cache import module_version

STATIC = Path(__file__).parent / "static"
WORKER = "sw.js"  # at the site's top, so that its scope is the whole guide, language folders included
LISTING = "offline.json"
MANIFEST = "manifest.webmanifest"
ICON_SIZES = (192, 512)
MEDIA = "media"  # the folder whose files are addressed by content, in the site's top or in a language's folder
VERSION_LENGTH = 16
ICON_CACHE = "icons"


def icon_path(size: int) -> str:
    return f"assets/icon-{size}.png"


@functools.cache
def _digest(path: Path, *stat: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def digest(path: Path) -> str:
    """A file's sha256; remembered by size and time, so a page and the listing hash a narration once."""
    stat = path.stat()
    return _digest(path.resolve(), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def content_version(path: Path) -> str:
    """The `v` of a media file's URL: 8 hex digits of its sha256, enough to tell one build's narration from the next."""
    return digest(path)[:8]


def size_text(size: int) -> str:
    """A download's size as the save button says it, in SI units as phones count storage: 380 kB, 2.4 MB, 124 MB."""
    # Each unit while its rounded number stays under 1000 (999 kB, then 1.0 MB), one decimal below 10.
    if round(size / 1e3) < 1000:
        return f"{max(1, round(size / 1e3))} kB"
    if round(size / 1e5) < 100:
        return f"{size / 1e6:.1f} MB"
    if round(size / 1e6) < 1000:
        return f"{round(size / 1e6)} MB"
    return f"{size / 1e9:.1f} GB"


def colours(css: str) -> dict[str, str]:
    """guide.css's custom properties that the manifest and icons share with the pages (`--page: #fcfbf7;`)."""
    palette: dict[str, str] = {}
    for name, value in re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\b", css):
        palette.setdefault(name, value)  # the first, :root's, not a later override
    return palette


def manifest(title: str, language: str, palette: dict[str, str]) -> str:
    """The web app manifest: what a phone's "Add to home screen" installs. Addresses are relative to it, the top."""
    icons = [{"src": icon_path(size), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
             for size in ICON_SIZES for purpose in ("any", "maskable")]  # the drawing keeps to the maskable safe zone
    return stable_json({"name": title, "short_name": title, "lang": language, "start_url": "./index.html",
                        "scope": "./", "display": "standalone", "background_color": palette["page"],
                        "theme_color": palette["page"], "icons": icons})


def icon(size: int, palette: dict[str, str]) -> bytes:
    """A play sign on the stop numbers' colours, drawn four times larger and scaled down for smooth edges; no text,
    so no font can change its bytes. Within the middle 60 %, which a maskable icon's circular crop never cuts."""
    big = size * 4
    image = Image.new("RGB", (big, big), palette["text"])
    draw = ImageDraw.Draw(image)
    centre, radius = big / 2, big * 0.3
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), fill=palette["current"])
    side = radius * 0.95  # an equilateral triangle, its centroid on the circle's centre
    draw.polygon([(centre - side * 0.36, centre - side * 0.55), (centre - side * 0.36, centre + side * 0.55),
                  (centre + side * 0.6, centre)], fill=palette["text"])
    # 16 steps from one colour to the other, the ends exact: the edges stay smooth in a third of full colour's bytes.
    ends = [ImageColor.getrgb(palette[name]) for name in ("text", "current")]
    steps = Image.new("P", (1, 1))
    steps.putpalette([round(a + (b - a) * i / 15) for i in range(16) for a, b in zip(*ends)])
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).quantize(palette=steps, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True)
    return out.getvalue()


def cached_icon(size: int, palette: dict[str, str]) -> bytes:
    """icon(), kept in the content cache by its size, colours, Pillow and this code, as the QR codes are: drawing
    both sizes takes 0.15 s, and the guide stage runs for every edited stop."""
    key = content_key({"icon": size, "palette": palette, "pillow": PIL.__version__, "code": module_version(__file__)})
    cache = Cache(ICON_CACHE, ".png")
    entry = cache.get(key)
    if entry is None:
        drawn = icon(size, palette)
        cache.put(key, lambda tmp: tmp.write_bytes(drawn))
        return drawn
    return entry.read_bytes()


def _place(name: str, folders: list[str]) -> tuple[str, bool]:
    """A file's folder ("" for the top, or a language's), and whether it is of the shell (else of the tour)."""
    parts = name.split("/")
    folder = parts[0] if len(parts) > 1 and parts[0] in folders else ""
    inside = parts[1:] if folder else parts
    return folder, name.endswith(".html") or inside[0] == "assets" or name == MANIFEST


def listing(site: Path, folders: list[str]) -> tuple[dict, dict[str, str]]:
    """offline.json's content, and every file's sha256 by name. `folders`: the language folders ([] for a guide in
    one language, whose files are all in the top folder).

    shell: per folder, [name, hash8] of each file to keep by version (the hash lets a new worker carry over a file
    that did not change instead of fetching it again); tour: per folder, [url, bytes, hash8]; save: per folder whose
    index offers to save the tour, its size (the top folder's tour, pictures, is part of every language's).
    """
    files = sorted(p for p in site.rglob("*") if p.is_file())
    digests = {p.relative_to(site).as_posix(): digest(p) for p in files}
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in files}
    shell: dict[str, list] = {folder: [] for folder in ["", *folders]}
    tour: dict[str, list] = {folder: [] for folder in ["", *folders]}
    for name, sha in digests.items():
        if name in (WORKER, LISTING):
            continue
        folder, in_shell = _place(name, folders)
        if in_shell:
            shell[folder].append([name, sha[:8]])
        else:
            url = f"{name}?v={sha[:8]}" if PurePosixPath(name).parent.name == MEDIA else name
            tour[folder].append([url, sizes[name], sha[:8]])
    save = {}
    for folder in folders or [""]:
        total = sum(entry[1] for entry in tour[""]) + (sum(entry[1] for entry in tour[folder]) if folder else 0)
        save[folder] = {"bytes": total, "size": size_text(total)}
    return {"shell": shell, "tour": tour, "save": save}, digests


def site_version(digests: dict[str, str]) -> str:
    """The build's version: a hash of every file's name and content but the worker's, which carries it."""
    return hashlib.sha256(json.dumps(
        {name: sha for name, sha in digests.items() if name not in (WORKER, LISTING)}, sort_keys=True).encode()
    ).hexdigest()[:VERSION_LENGTH]


def write(site: Path, title: str, language: str, folders: list[str]) -> str:
    """Add the offline files to a built site (its pages, assets and media already in place); its version."""
    palette = colours((site / "assets" / "guide.css").read_text(encoding="utf-8"))
    for size in ICON_SIZES:
        (site / icon_path(size)).write_bytes(cached_icon(size, palette))
    (site / MANIFEST).write_text(manifest(title, language, palette), encoding="utf-8")
    content, digests = listing(site, folders)
    # Compact: at 300 stops in 4 languages it lists some 3000 files, and every visitor's phone fetches it once.
    (site / LISTING).write_text(json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                                encoding="utf-8")
    version = site_version(digests)
    worker = (STATIC / WORKER).read_text(encoding="utf-8")
    (site / WORKER).write_text(f"const VERSION = {json.dumps(version)};\n{worker}", encoding="utf-8")
    return version
