"""The artefact's picture in the guide: which file shows it, its credit, and its WebP renditions.

A picture in sources/ (<keyword>.jpg, .png or .webp) comes first, credited as its sources file's front matter says
(the info stage records that in outputs/info/.keys.json); else the one the info stage fetched beside the facts
(outputs/info/<keyword>.jpg …), credited to the facts' source under the licence they record. Each is encoded with
Pillow at WIDTHS (never wider than the original, and at most WIDTHS[-1] on either side) and as the index's square
thumbnail; the encodings are kept in the content cache, so a rebuild copies them instead of encoding them again.
"""

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from stages.core.cache import Cache, content_key
from stages.core.info_file import Facts
from stages.core.paths import SOURCES_DIR, fetched_picture_paths, source_path
from stages.core.stage_cache import module_version

log = logging.getLogger(__name__)

WIDTHS = (360, 720, 1280)  # the srcset; a phone 360 CSS px wide at one device pixel per CSS pixel takes the first
THUMBNAIL = 160  # the index's square thumbnail, shown 4rem wide: sharp up to 2.5 device pixels per CSS pixel
QUALITY = 72  # WebP's lossy 0–100: a photo 360 px wide is 10–25 kB, its detail intact at a phone's size
LOCAL_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
FOLDER = "pictures"  # at the site's top: a picture is the same in every language
CACHE = "pictures"
_UNREADABLE = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)  # what Pillow raises for a bad file
_SWAPS_SIDES = {5, 6, 7, 8}  # EXIF orientations that turn the picture a quarter


@dataclass(frozen=True)
class Rendition:
    path: str  # inside the site, e.g. pictures/3-720.webp
    width: int
    height: int
    file: Path  # the cache entry, copied into the site


@dataclass(frozen=True)
class Picture:
    source: Path
    renditions: tuple[Rendition, ...]  # narrowest first
    thumbnail: Rendition
    alt: str  # the title, and the designation when the facts carry one: 청자 상감운학문 매병 (국보)
    credit: str  # who; "" when nobody is named, and the page then credits the guide itself
    licence: str

    @property
    def largest(self) -> Rendition:
        return self.renditions[-1]

    @property
    def files(self) -> tuple[Rendition, ...]:
        return (*self.renditions, self.thumbnail)

    def srcset(self, root: str) -> str:
        return ", ".join(f"{root}{rendition.path} {rendition.width}w" for rendition in self.renditions)


def load_picture(keyword: str, number: int, facts: Facts, record: dict | None) -> Picture | None:
    """Stop `number`'s picture, encoded (or found in the cache); None when it has none, or when its file is not a
    picture Pillow can read (one warning)."""
    local = [path for suffix in LOCAL_SUFFIXES if (path := SOURCES_DIR / f"{keyword}{suffix}").is_file()]
    if local:
        if len(local) > 1:
            log.warning("guide: %s: several pictures; showing %s", keyword, local[0])
        source = local[0]
        record = record if isinstance(record, dict) else {}
        credit, licence = str(record.get("picture_credit", "")), str(record.get("picture_licence", ""))
        if not credit and not licence:
            log.warning("guide: %s: its sources file (%s) names no picture_credit or picture_licence, so its page "
                        "credits the guide; add them to the front matter", source.as_posix(),
                        source_path(keyword).as_posix())
    else:
        source = next((path for path in fetched_picture_paths(keyword) if path.is_file()), None)
        if source is None:
            return None
        credit, licence = ", ".join(facts.attribution) or facts.provider, facts.details.get("image_licence", "")
    try:
        renditions, thumbnail = _encoded(source.read_bytes(), number)
    except _UNREADABLE as error:
        reason = "an unknown format" if isinstance(error, UnidentifiedImageError) else str(error)
        log.warning("guide: %s is not a picture Pillow can read (%s); stop %d has none", source.as_posix(), reason,
                    number)
        return None
    title, designation = facts.title or keyword, facts.details.get("designation", "")
    return Picture(source, renditions, thumbnail, f"{title} ({designation})" if designation else title, credit,
                   licence)


def sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The renditions' sizes for a picture of width × height: WIDTHS narrower than it, and itself fitted into
    WIDTHS[-1] on its longer side; never enlarged."""
    scale = min(1.0, WIDTHS[-1] / max(width, height))
    widest = max(1, round(width * scale))
    return [(w, max(1, round(height * w / width))) for w in sorted({w for w in WIDTHS if w < widest} | {widest})]


def _encoded(data: bytes, number: int) -> tuple[tuple[Rendition, ...], Rendition]:
    """The renditions and thumbnail of one picture: each from the cache, keyed by the picture's bytes, the size, Pillow
    and this code; the picture is decoded only if one of them is missing."""
    cache = Cache(CACHE, ".webp")
    digest = hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as image:  # reads the header only
        width, height = image.size
        if image.getexif().get(ExifTags.Base.Orientation) in _SWAPS_SIDES:
            width, height = height, width
    decoded: list[Image.Image] = []

    def rendition(name: str, size: tuple[int, int], square: bool) -> Rendition:
        key = content_key({"picture": digest, "size": list(size), "square": square, "pillow": PIL.__version__,
                           "code": module_version(__file__)})
        entry = cache.get(key)
        if entry is None:
            if not decoded:
                decoded.append(_decode(data))
            encoded = _encode(decoded[0], size, square)
            entry = cache.put(key, lambda tmp: tmp.write_bytes(encoded))
        return Rendition(f"{FOLDER}/{number}-{name}.webp", *size, entry)

    renditions = tuple(rendition(str(w), (w, h), False) for w, h in sizes(width, height))
    side = min(THUMBNAIL, width, height)
    return renditions, rendition("thumb", (side, side), True)


def _decode(data: bytes) -> Image.Image:
    """The picture upright, in sRGB, as RGB (or RGBA when it has transparency)."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
    mode = "RGBA" if image.has_transparency_data else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        # A camera's Adobe RGB or a scanner's CMYK shown as if it were sRGB looks washed out; the WebP carries no
        # profile (a few kB, as much as the smallest rendition's detail), so the colours are converted instead.
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                                              ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, ValueError, OSError):
            pass  # a profile lcms cannot read: the colours as they are
    return image.convert(mode)


def _encode(image: Image.Image, size: tuple[int, int], square: bool) -> bytes:
    """One rendition as WebP bytes; the same picture always gives the same bytes (no metadata, no timestamps)."""
    if square:
        image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    elif image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=6)
    return out.getvalue()
