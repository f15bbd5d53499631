"""Checks of image files: decodable, complete, and in the pixels the detector will see.

Ultralytics reads images through OpenCV, which turns them upright by their EXIF
orientation and drops alpha; the canonical copy bakes the same into its pixels (and
converts grayscale, CMYK and 16-bit to 8-bit RGB), so every later tool sees one
image, and the boxes (taken in the upright picture) match it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from tasks.core import Finding
from tasks.data.near_duplicates import hash_thumbnail, perceptual_hash

MIN_SIDE = 10  # Ultralytics rejects images whose sides are 9 pixels or less
KEPT_FORMATS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "BMP": ".bmp", "WEBP": ".webp", "TIFF": ".tif"}
ORIENTATION_WORDS = {
    2: "mirrored",
    3: "rotated 180°",
    4: "flipped upside down",
    5: "mirrored and rotated 90°",
    6: "rotated 90° clockwise",
    7: "mirrored and rotated 270°",
    8: "rotated 90° anticlockwise",
}
MODE_WORDS = {
    "L": "grayscale",
    "1": "1-bit",
    "P": "palette",
    "CMYK": "CMYK",
    "I;16": "16-bit",
    "I;16B": "16-bit",
    "I;16L": "16-bit",
    "I": "32-bit integer",
    "F": "floating-point",
}


@dataclass
class ImageCheck:
    """What one image is: its hash, upright size, findings, and the pixels to write when they changed."""

    path: str
    sha256: str = ""
    width: int = 0
    height: int = 0
    orientation: int = 1
    dhash: str = ""
    phash: str = ""  # with dhash, tells near-identical pictures (tasks/data/near_duplicates.py)
    suffix: str = ".jpg"
    findings: list[Finding] = field(default_factory=list)
    converts: bool = False  # the copy needs new pixels (mode, orientation, format), not the file's bytes
    converted: Image.Image | None = None  # those pixels, kept only when asked (a dataset of them would fill memory)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def _to_8bit_rgb(image: Image.Image) -> Image.Image:
    """High bit depths are scaled (not clipped) to 8 bits; alpha is dropped, as OpenCV does."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    return image.convert("RGB")


def _mode_note(image: Image.Image, path: str) -> Finding | None:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        return Finding(path, None, f"alpha channel ({image.mode}) dropped, converted to RGB", "note")
    if image.mode != "RGB":
        return Finding(path, None, f"{MODE_WORDS.get(image.mode, image.mode)} image converted to 8-bit RGB", "note")
    return None


def difference_hash(image: Image.Image) -> str:
    """64-bit dHash: near-identical pictures (re-encoded, resized) differ in a few bits."""
    reduced = hash_thumbnail(image)  # integer box shrink first: cheap, and the same hash
    small = np.asarray(reduced.resize((9, 8), Image.Resampling.BOX), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def _decode(data: bytes, check: ImageCheck) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        check.orientation = int(image.getexif().get(0x0112, 1) or 1)
        image.load()
    except (UnidentifiedImageError, ImportError):  # ImportError: Ultralytics' patched Image.open wants pi-heif
        check.findings.append(Finding(check.path, None, "not an image that can be read", "error"))
        return None
    except (OSError, ValueError, SyntaxError) as exc:
        check.findings.append(Finding(check.path, None, f"truncated or corrupt image: {exc}", "error"))
        return None
    return image


def _normalise(image: Image.Image, data: bytes, check: ImageCheck) -> Image.Image:
    """Upright 8-bit RGB; `check.converted` is set when the pixels differ from the file's."""
    changed = False
    is_jpeg = image.format in ("JPEG", "MPO")
    note = _mode_note(image, check.path)
    if note:
        check.findings.append(note)
        image, changed = _to_8bit_rgb(image), True
    if check.orientation in ORIENTATION_WORDS:
        words = ORIENTATION_WORDS[check.orientation]
        reason = f"EXIF orientation {check.orientation} ({words}): pixels turned upright, boxes taken as upright"
        check.findings.append(Finding(check.path, None, reason, "note"))
        image, changed = ImageOps.exif_transpose(image), True
    if is_jpeg and not data.rstrip(b"\0").endswith(b"\xff\xd9"):
        check.findings.append(Finding(check.path, None, "JPEG without end marker (cut short?); re-encoded", "warning"))
        changed = True
    check.converted = image if changed else None
    return image


def inspect_image(path: Path, data: bytes | None = None, keep_pixels: bool = False) -> ImageCheck:
    """Decode once; hash, size, findings and, with `keep_pixels`, the converted pixels when needed."""
    check = ImageCheck(str(path))
    try:
        data = path.read_bytes() if data is None else data
    except OSError as exc:
        check.findings.append(Finding(check.path, None, f"cannot read image: {exc.strerror or exc}", "error"))
        return check
    check.sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        check.findings.append(Finding(check.path, None, "empty file (0 bytes)", "error"))
        return check
    image = _decode(data, check)
    if image is None:
        return check
    fmt = image.format or ""
    check.suffix = KEPT_FORMATS.get(fmt, ".png")
    if fmt not in KEPT_FORMATS:
        check.findings.append(Finding(check.path, None, f"{fmt or 'unknown'} format re-encoded as PNG", "note"))
    elif path.suffix.lower().replace(".jpeg", ".jpg").replace(".tiff", ".tif") != check.suffix:
        check.findings.append(Finding(check.path, None, f"{fmt} content under a {path.suffix} name", "warning"))
    upright = _normalise(image, data, check)
    check.width, check.height = upright.size
    if min(upright.size) < MIN_SIDE:
        check.findings.append(Finding(check.path, None, f"image too small ({check.width}x{check.height})", "error"))
    thumbnail = hash_thumbnail(upright)
    check.dhash, check.phash = difference_hash(thumbnail), perceptual_hash(thumbnail)
    if fmt not in KEPT_FORMATS and check.converted is None:
        check.converted = _to_8bit_rgb(upright)
    check.converts = check.converted is not None
    check.converted = check.converted if keep_pixels else None
    return check


def check_image_file(path: Path) -> list[Finding]:
    """Every problem of one image file (unreadable, truncated, odd mode, EXIF orientation, ...)."""
    return inspect_image(path).findings
