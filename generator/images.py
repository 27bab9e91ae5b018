"""Pictures made for the web at build time with Pillow: a few widths, as WebP and as a fallback format.

Each resized picture is kept in the user's cache folder ($XDG_CACHE_HOME or ~/.cache, then
research-portfolio/images-v1/), named by the source's digest: a rebuild, even a clean one into a new folder
or the one `publish` makes, processes no picture twice, and the project's own folder stays untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from .model import Asset
from .usercache import user_cache, write_whole

WIDTHS = (320, 640, 960, 1440)
CACHE_VERSION = "images-v1"  # bump when the encoder settings below change


def cache_dir() -> Path:
    return user_cache(CACHE_VERSION)


@dataclass(frozen=True, slots=True)
class Variant:
    """One resized copy of a picture."""

    source: str  # asset path, relative to content/
    width: int
    height: int
    ending: str  # "webp", "jpg" or "png"

    @property
    def key(self) -> str:
        return f"{self.source}|{self.width}|{self.ending}"


def fallback_ending(path: str) -> str:
    """Browsers without WebP get PNG for pictures that may be transparent, JPEG for photographs."""
    return "png" if path.lower().endswith((".png", ".gif")) else "jpg"


def variants(asset: Asset) -> list[Variant]:
    """The widths worth making (never wider than the source), in WebP and in the fallback format."""
    widths = [width for width in WIDTHS if width < asset.width] + [min(asset.width, WIDTHS[-1])]
    found = []
    for width in sorted(set(widths)):
        height = max(1, round(asset.height * width / asset.width))
        for ending in ("webp", fallback_ending(asset.path)):
            found.append(Variant(asset.path, width, height, ending))
    return found


def parse_key(key: str) -> tuple[str, int, str]:
    source, width, ending = key.rsplit("|", 2)
    return source, int(width), ending


def render_variant(project: Path, asset: Asset, width: int, ending: str) -> tuple[bytes, bool]:
    """The bytes of one resized picture, and whether they had to be made now (False: from the cache)."""
    cache = cache_dir() / f"{asset.digest}-{width}.{ending}"
    try:
        return cache.read_bytes(), False
    except OSError:
        pass  # not made yet, or no usable cache folder
    from PIL import Image, ImageOps

    with Image.open(project / "content" / asset.path) as source:
        picture = ImageOps.exif_transpose(source)
        picture.load()
    if picture.width != width:
        picture = picture.resize((width, max(1, round(picture.height * width / picture.width))),
                                 Image.Resampling.LANCZOS)
    out = BytesIO()
    if ending == "jpg":
        picture.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    elif ending == "png":
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "WEBP", quality=80, method=4)
    data = out.getvalue()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_whole(cache, data)
    except OSError:
        pass  # no writable cache: the picture is made again next time, nothing worse
    return data, True


def stem(path: str) -> str:
    return PurePosixPath(path).stem
