"""The artefact's picture in the guide: where it comes from, its credit, its WebP renditions, and the pages."""

import gzip
import io
import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from stages.publishing.picture import CACHE, sizes
from tests.fake_heritage import BANGA, FakeHeritage
from tests.publishing.conftest import Catalogue, site_files

VASE = "청자 상감운학문 매병"
JAR = "백자 달항아리"
KOGL = "공공누리 제1유형: 출처표시"


def photo(width: int = 1600, height: int = 1200, seed: int = 1) -> Image.Image:
    """A photo-like picture: a shaded vessel on a cloth backdrop, both 1/f noise as natural images are, with sharp
    inlay and sensor noise; a flat or smooth test picture would make every WebP tiny."""
    rng = np.random.default_rng(seed)

    def pink(alpha: float) -> np.ndarray:
        f = np.hypot(np.fft.rfftfreq(width)[None, :], np.fft.fftfreq(height)[:, None])
        f[0, 0] = 1
        field = np.fft.irfft2((rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f ** alpha,
                              s=(height, width))
        return (field - field.mean()) / field.std()

    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    distance = np.hypot(x - 0.5, y - 0.4)
    picture = np.stack([120 - 60 * distance, 105 - 55 * distance, 90 - 50 * distance], -1) + 14 * pink(0.9)[..., None]
    half_width = 0.07 + 0.2 * np.sin(np.clip((y - 0.2) / 0.75, 0, 1) * np.pi * 0.85) ** 0.7
    vessel = (np.abs(x - 0.5) < half_width) & (y > 0.12) & (y < 0.92)
    shade = 0.5 + 0.5 * np.sqrt(np.clip(1 - ((x - 0.5) / half_width) ** 2, 0, 1))
    glaze = np.stack([115 + 12 * (t := pink(1.1)), 160 + 12 * t, 145 + 10 * t], -1) * shade[..., None]
    inlay = pink(1.4) > 1.8
    glaze[inlay] = [225, 228, 215]
    picture[vessel] = glaze[vessel]
    picture += rng.normal(0, 2.5, picture.shape)
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))


def jpeg(image: Image.Image, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def add_picture(catalogue: Catalogue, keyword: str, data: bytes, suffix: str = ".jpg", **credit: str) -> None:
    """sources/<keyword><suffix>, and the credit the info stage records from its sources file's front matter."""
    (catalogue.root / "sources").mkdir(exist_ok=True)
    (catalogue.root / "sources" / f"{keyword}{suffix}").write_bytes(data)
    keys_file = catalogue.root / "outputs/info/.keys.json"
    keys = json.loads(keys_file.read_text(encoding="utf-8")) if keys_file.exists() else {}
    keys[keyword] = {"key": f"info-{keyword}", **credit}
    keys_file.write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")


def figure(html: str) -> str:
    found = re.search(r"<figure class=\"stop-picture\">.*?</figure>", html, re.S)
    assert found, "no figure"
    return found.group(0)


def attribute(tag: str, name: str) -> str:
    found = re.search(rf' {name}="([^"]*)"', tag)
    assert found, f"no {name} in {tag}"
    return found.group(1)


def page(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    return jpeg(photo())


def test_a_local_picture_is_shown_in_three_widths_with_its_credit(catalogue: Catalogue, big_photo):
    catalogue.add(VASE, details={"designation": "국보", "era": "고려"})
    catalogue.add(JAR)
    add_picture(catalogue, VASE, big_photo, picture_credit="국립중앙박물관", picture_licence="CC BY 4.0")
    site = catalogue.build()

    shown = figure(page(site, "stops/1.html"))
    img = re.search(r"<img [^>]*>", shown).group(0)
    assert attribute(img, "srcset") == ("../pictures/1-360.webp 360w, ../pictures/1-720.webp 720w, "
                                        "../pictures/1-1280.webp 1280w")
    assert attribute(img, "sizes") == "(min-width: 42rem) 40rem, calc(100vw - 2rem)"
    assert attribute(img, "src") == "../pictures/1-360.webp"
    assert (attribute(img, "width"), attribute(img, "height")) == ("1280", "960")
    assert attribute(img, "alt") == f"{VASE} (국보)"
    assert "loading=" not in img  # the largest element of the page: fetched at once
    assert "<figcaption>사진: 국립중앙박물관 · CC BY 4.0</figcaption>" in shown
    for width, height in [(360, 270), (720, 540), (1280, 960)]:
        with Image.open(site / f"pictures/1-{width}.webp") as rendition:
            assert (rendition.format, rendition.size) == ("WEBP", (width, height))

    index = page(site, "index.html")
    thumbs = re.findall(r"<img class=\"thumb\"[^>]*>", index)
    assert len(thumbs) == 1 and 'loading="lazy"' in thumbs[0] and 'src="pictures/1-thumb.webp"' in thumbs[0]
    with Image.open(site / "pictures/1-thumb.webp") as thumbnail:
        assert thumbnail.size == (160, 160)
    assert sorted(p.name for p in (site / "pictures").iterdir()) == ["1-1280.webp", "1-360.webp", "1-720.webp",
                                                                     "1-thumb.webp"]


def test_a_stop_without_a_picture_shows_none(catalogue: Catalogue):
    catalogue.add(VASE)
    catalogue.add(JAR)
    add_picture(catalogue, VASE, jpeg(photo(400, 300)), picture_credit="국립중앙박물관")
    site = catalogue.build()
    assert "<figure" in page(site, "stops/1.html")
    without = page(site, "stops/2.html")
    assert "<img" not in without and "<figure" not in without and "pictures/" not in without
    rows = re.findall(r"<li[ >].*?</li>", page(site, "index.html"), re.S)
    assert [("<img" in row, 'href="stops/2.html"' in row) for row in rows] == [(True, False), (False, True)]


def test_a_guide_without_pictures_has_no_picture_folder(catalogue: Catalogue):
    catalogue.add(VASE)
    site = catalogue.build()
    assert not (site / "pictures").exists()
    assert not [name for name, data in site_files(site).items() if name.endswith(".html") and b"<img" in data]


def test_a_local_picture_without_credit_warns_and_credits_the_guide(catalogue: Catalogue, caplog):
    catalogue.languages = ["ko", "en"]
    catalogue.add(VASE)
    add_picture(catalogue, VASE, jpeg(photo(800, 600)))
    with caplog.at_level(logging.WARNING):
        site = catalogue.build()
    warnings = [r.getMessage() for r in caplog.records if "picture_credit" in r.getMessage()]
    assert warnings == [f"guide: sources/{VASE}.jpg: its sources file (sources/{VASE}.md) names no picture_credit "
                        f"or picture_licence, so its page credits the guide; add them to the front matter"]
    assert "<figcaption>사진: 도슨트 오디오 가이드</figcaption>" in page(site, "ko/stops/1.html")
    assert "<figcaption>Photo: Audio guide</figcaption>" in page(site, "en/stops/1.html")
    # One copy of the picture for every language, at the site's top, and each language's pages find it.
    assert not (site / "ko/pictures").exists() and not (site / "en/pictures").exists()
    for name in ("ko/stops/1.html", "en/stops/1.html", "ko/index.html", "en/index.html"):
        urls = [url.split(" ")[0] for found in re.findall(r'(?:src|srcset)="([^"]*pictures/[^"]+)"', page(site, name))
                for url in found.split(", ")]
        assert urls and all((site / name).parent.joinpath(url).resolve().is_file() for url in urls), (name, urls)
    # The alt text is the facts' (Korean) on an English page too, and marked so.
    assert 'alt="청자 상감운학문 매병" lang="ko"' in page(site, "en/stops/1.html")

    catalogue.guide = {"title": "국립박물관 오디오 가이드"}
    assert "<figcaption>사진: 국립박물관 오디오 가이드</figcaption>" in page(catalogue.build(), "ko/stops/1.html")


def test_the_fetched_heritage_picture_is_shown_with_its_kogl_licence(catalogue: Catalogue, monkeypatch):
    """Through the info stage against the fake 국가유산청, then the guide."""
    from stages import info
    from stages.core.params import parse_params

    (catalogue.root / "sources").mkdir()
    (catalogue.root / "sources" / f"{BANGA}.md").write_text(f"# {BANGA}\n", encoding="utf-8")
    with FakeHeritage() as heritage:
        params = parse_params({"keywords": [BANGA], "info": {"provider": "heritage", "heritage_url": heritage.url},
                               "retry": {"max_tries": 2, "initial_wait": 0.001, "max_wait": 0.01}})
        info.run(params, BANGA)
    facts = json.loads((catalogue.root / f"outputs/info/{BANGA}.json").read_text(encoding="utf-8"))
    assert facts["details"]["image_licence"] == KOGL
    fetched = catalogue.root / f"outputs/info/{BANGA}.jpg"
    assert fetched.read_bytes()[:3] == b"\xff\xd8\xff"
    # The narration files of the keyword, as the later stages would write them, keeping the fetched facts.
    facts_file = catalogue.root / f"outputs/info/{BANGA}.json"
    kept = facts_file.read_bytes()
    catalogue.add(BANGA)
    facts_file.write_bytes(kept)

    site = catalogue.build()
    shown = figure(page(site, "stops/1.html"))
    assert f"<figcaption>사진: 국가유산청 · {KOGL}</figcaption>" in shown
    assert 'alt="금동 미륵보살 반가사유상 (국보)"' in shown
    assert 'srcset="../pictures/1-320.webp 320w"' in shown  # the fake's picture is 320 px wide: never enlarged

    # A picture of the museum's own, in sources/, comes before the fetched one.
    add_picture(catalogue, BANGA, jpeg(photo(800, 600)), picture_credit="국립중앙박물관")
    shown = figure(page(catalogue.build(), "stops/1.html"))
    assert "<figcaption>사진: 국립중앙박물관</figcaption>" in shown and "1-720.webp 720w" in shown


@pytest.mark.parametrize(("size", "expected"), [
    ((1600, 1200), [(360, 270), (720, 540), (1280, 960)]),
    ((500, 400), [(360, 288), (500, 400)]),  # never enlarged
    ((300, 200), [(300, 200)]),
    ((1200, 1600), [(360, 480), (720, 960), (960, 1280)]),  # at most 1280 on the longer side
    ((6000, 1000), [(360, 60), (720, 120), (1280, 213)]),
])
def test_rendition_sizes(size, expected):
    assert sizes(*size) == expected


def test_a_camera_picture_turned_by_exif_is_shown_upright(catalogue: Catalogue):
    catalogue.add(VASE)
    add_picture(catalogue, VASE, jpeg(photo(1600, 1200), orientation=6), picture_credit="박물관")  # a quarter turn
    site = catalogue.build()
    img = re.search(r"<img [^>]*>", figure(page(site, "stops/1.html"))).group(0)
    assert (attribute(img, "width"), attribute(img, "height")) == ("960", "1280")
    assert attribute(img, "srcset").endswith("../pictures/1-960.webp 960w")
    with Image.open(site / "pictures/1-360.webp") as rendition:
        assert rendition.size == (360, 480)


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_png_and_webp_pictures_are_read_too_and_transparency_is_kept(catalogue: Catalogue, suffix):
    image = photo(500, 400).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((500, 400)))
    out = io.BytesIO()
    image.save(out, suffix.lstrip(".").upper())
    catalogue.add(VASE)
    add_picture(catalogue, VASE, out.getvalue(), suffix, picture_credit="박물관")
    with Image.open(catalogue.build() / "pictures/1-500.webp") as rendition:
        assert rendition.size == (500, 400) and rendition.mode == "RGBA"


def test_an_unreadable_picture_is_a_warning_and_the_stop_is_published_without_it(catalogue: Catalogue, caplog):
    catalogue.add(VASE)
    add_picture(catalogue, VASE, b"<html>not a picture</html>", picture_credit="박물관")
    with caplog.at_level(logging.WARNING):
        site = catalogue.build()
    assert "<figure" not in page(site, "stops/1.html")
    unreadable = [r.getMessage() for r in caplog.records if "Pillow" in r.getMessage()]
    assert unreadable == [f"guide: sources/{VASE}.jpg is not a picture Pillow can read (an unknown format); stop 1 "
                          "has none"]


def test_the_same_picture_gives_the_same_bytes(catalogue: Catalogue, tmp_path, monkeypatch, big_photo):
    catalogue.add(VASE)
    add_picture(catalogue, VASE, big_photo, picture_credit="박물관")
    first = site_files(catalogue.build())
    # Encoded again from nothing, in an empty cache: the same bytes.
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "another-cache"))
    second = site_files(catalogue.build())
    assert any(name.startswith("pictures/") for name in first)
    assert first == second
    assert len(list((tmp_path / "another-cache" / CACHE).rglob("*.webp"))) == 4


def test_a_rebuild_takes_the_renditions_from_the_cache(catalogue: Catalogue, big_photo):
    catalogue.add(VASE)
    add_picture(catalogue, VASE, big_photo, picture_credit="박물관")
    catalogue.build()
    entries = sorted((catalogue.root / ".cache" / CACHE).rglob("*.webp"))
    assert len(entries) == 4
    # Mark every entry: a rebuild that encoded the picture again would publish Pillow's bytes, not these.
    for entry in entries:
        entry.write_bytes(b"from the cache: " + entry.name.encode())
    site = catalogue.build()
    published = {path.read_bytes() for path in (site / "pictures").iterdir()}
    assert published == {b"from the cache: " + entry.name.encode() for entry in entries}
    assert sorted((catalogue.root / ".cache" / CACHE).rglob("*.webp")) == entries

    # Another picture is another key: encoded, not taken from the marked entries.
    add_picture(catalogue, VASE, jpeg(photo(1600, 1200, seed=2)), picture_credit="박물관")
    with Image.open(catalogue.build() / "pictures/1-360.webp") as rendition:
        assert rendition.format == "WEBP"


def test_a_stop_page_with_its_picture_weighs_at_most_60_kb_over_the_wire(catalogue: Catalogue, big_photo):
    """The issue's budget: HTML, CSS, JS and the picture as srcset serves it at 360 px, gzipped (WebP as it is)."""
    catalogue.add(VASE, details={"designation": "국보", "era": "고려"})
    catalogue.add(JAR)
    add_picture(catalogue, VASE, big_photo, picture_credit="국립중앙박물관")
    site = catalogue.build()
    html = page(site, "stops/1.html")
    assets = re.findall(r'(?:href|src)="\.\./(assets/[^"]+\.(?:css|js))"', html)
    assert "assets/guide.css" in assets
    text = [html.encode()] + [(site / asset).read_bytes() for asset in assets]
    picture = (site / "pictures/1-360.webp").read_bytes()
    weight = sum(len(gzip.compress(data, 9)) for data in text) + len(picture)
    assert 5_000 < len(picture) < 40_000  # a photo's detail, not a flat colour
    assert weight <= 60_000, f"{weight} bytes"
