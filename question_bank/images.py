"""Checking and re-encoding uploaded images (no Django import).

An upload is trusted for nothing: not its name, not its declared type, not its metadata.
:func:`sanitize_image`:

1. refuses empty or oversized data (``max_bytes``) before decoding anything;
2. identifies the format from the content with Pillow (never the extension) and accepts only
   PNG, JPEG, GIF, WebP, BMP and TIFF;
3. refuses huge dimensions before decoding the pixels (decompression-bomb guard: each side at most
   ``max_side`` and at most ``max_pixels`` in all);
4. runs ``verify()`` (structural check), then re-opens and fully decodes the image, so a truncated
   or corrupt file is refused;
4a. refuses polyglots: a file that is also something else (bytes after the image's own end for
   PNG, JPEG, GIF, WebP and BMP, such as an appended ZIP or HTML page; a ZIP archive anywhere a zip
   reader would find one; HTML or script markup anywhere, as in GIF/JavaScript polyglots). The
   re-encoding below would drop such a payload anyway; refusing says so to the author and keeps
   the original out of every log and temporary file;
5. applies the EXIF orientation (so the picture is not shown rotated once the EXIF is gone), takes
   the first frame of an animation, and rebuilds a *new* image from the decoded pixels only;
6. encodes that new image as JPEG (quality 90) when the upload was a JPEG photograph, otherwise as
   PNG. Nothing from the original file's metadata (EXIF, XMP, ICC profile, PNG text chunks,
   comments, DICOM-like burned-in tags stored as text chunks) is carried over, because the new
   image object never had any.

Pixel content itself is not inspected: burned-in patient text in the picture is the author's
responsibility (the upload form says so).
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "ImageRejected",
    "SanitizedImage",
    "sanitize_image",
]

ACCEPTED_FORMATS: frozenset[str] = frozenset({"PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"})
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 12_000
JPEG_QUALITY = 90

#: English messages by code; the Django layer translates by code.
MESSAGES: dict[str, str] = {
    "empty": "The file is empty.",
    "too_large": "The file is too large ({size} bytes; the limit is {limit} bytes).",
    "not_an_image": "The file is not an image (its content is not a PNG, JPEG, GIF, WebP, BMP or TIFF picture).",
    "format_not_allowed": "Images in {format} format are not accepted; use PNG or JPEG.",
    "too_many_pixels": "The image is too large ({width}×{height} pixels; the limit is {limit} pixels per side "
    "and {max_pixels} pixels in all).",
    "corrupt": "The image is damaged or incomplete and cannot be read.",
    "polyglot_trailing": "The file holds data after the end of the picture (for example an archive or a web page "
    "appended to it). Save the picture again as a plain PNG or JPEG and upload that.",
    "polyglot_zip": "The file is also a ZIP archive. Save the picture again as a plain PNG or JPEG and upload that.",
    "polyglot_markup": "The file contains web page or script code. Save the picture again as a plain PNG or JPEG "
    "and upload that.",
}

#: Markup that makes a file double as a web page or script (matched case-insensitively).
MARKUP_SIGNATURES: tuple[bytes, ...] = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<body",
    b"<iframe",
    b"<svg",
    b"<object",
    b"<embed",
    b"<?php",
    b"javascript:",
)


class ImageRejected(ValueError):
    """The upload is not an acceptable image; ``code`` and ``params`` allow a translated message."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(MESSAGES[code].format(**params))


@dataclass(frozen=True)
class SanitizedImage:
    data: bytes
    mime: str
    width: int
    height: int
    source_format: str = ""
    extension: str = field(default=".png")


def _check_dimensions(width: int, height: int, *, max_side: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0 or width > max_side or height > max_side or width * height > max_pixels:
        raise ImageRejected("too_many_pixels", width=width, height=height, limit=max_side, max_pixels=max_pixels)


def _image_end(data: bytes, fmt: str) -> int | None:
    """Where the image's own data ends (None when the format does not say)."""
    if fmt == "PNG":
        offset = 8
        while offset + 12 <= len(data):
            (length,) = struct.unpack(">I", data[offset : offset + 4])
            chunk_type = data[offset + 4 : offset + 8]
            offset += 12 + length
            if chunk_type == b"IEND":
                return offset
        return None
    if fmt == "JPEG":
        end = data.rfind(b"\xff\xd9")
        return end + 2 if end >= 0 else None
    if fmt == "GIF":
        return len(data.rstrip(b"\x00")) if data.rstrip(b"\x00").endswith(b";") else 0
    if fmt == "WEBP" and len(data) >= 8:
        (riff_size,) = struct.unpack("<I", data[4:8])
        return 8 + riff_size + (riff_size & 1)
    if fmt == "BMP" and len(data) >= 6:
        (file_size,) = struct.unpack("<I", data[2:6])
        return file_size or None
    return None


def _polyglot_code(data: bytes, fmt: str) -> str | None:
    """The rejection code when the file is something else besides an image of ``fmt``; else None."""
    end = _image_end(data, fmt)
    if end == 0 or (end is not None and data[end:].strip(b"\x00\r\n\t ")):
        return "polyglot_trailing"
    if zipfile.is_zipfile(io.BytesIO(data)):
        return "polyglot_zip"
    lowered = data.lower()
    if any(signature in lowered for signature in MARKUP_SIGNATURES):
        return "polyglot_markup"
    if fmt == "GIF" and data[6:8] == b"/*":
        # GIF/JavaScript polyglot: the width bytes open a script comment ("GIF89a/*…*/=code;").
        return "polyglot_markup"
    return None


def _pixels_only(img: Image.Image) -> Image.Image:
    """A new image holding only ``img``'s pixels (no info dict, no palette metadata, no ICC profile)."""
    if img.mode == "P" or img.mode == "PA":
        img = img.convert("RGBA" if ("transparency" in img.info or img.mode == "PA") else "RGB")
    elif img.mode == "CMYK" or img.mode == "YCbCr" or img.mode == "LAB" or img.mode == "HSV":
        img = img.convert("RGB")
    elif img.mode in ("I", "F"):
        img = img.convert("L")
    elif img.mode not in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
        img = img.convert("RGBA")
    return Image.frombytes(img.mode, img.size, img.tobytes())


def sanitize_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> SanitizedImage:
    """Check ``data`` by content and return it re-encoded without metadata; raise :class:`ImageRejected`."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > max_bytes:
        raise ImageRejected("too_large", size=len(data), limit=max_bytes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = (probe.format or "").upper()
                if fmt not in ACCEPTED_FORMATS:
                    raise ImageRejected("format_not_allowed", format=fmt or "?")
                _check_dimensions(*probe.size, max_side=max_side, max_pixels=max_pixels)
                probe.verify()
            polyglot = _polyglot_code(data, fmt)
            if polyglot is not None:
                raise ImageRejected(polyglot)
            with Image.open(io.BytesIO(data)) as img:
                img.seek(0)
                img.load()
                oriented = ImageOps.exif_transpose(img) or img
                _check_dimensions(*oriented.size, max_side=max_side, max_pixels=max_pixels)
                clean = _pixels_only(oriented)
        except ImageRejected:
            raise
        except UnidentifiedImageError:
            raise ImageRejected("not_an_image")
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageRejected("too_many_pixels", width=0, height=0, limit=max_side, max_pixels=max_pixels)
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error):
            raise ImageRejected("corrupt")

    out = io.BytesIO()
    if fmt == "JPEG" and clean.mode in ("RGB", "L"):
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        return SanitizedImage(out.getvalue(), "image/jpeg", clean.width, clean.height, fmt, ".jpg")
    clean.save(out, format="PNG", optimize=True)
    return SanitizedImage(out.getvalue(), "image/png", clean.width, clean.height, fmt, ".png")
