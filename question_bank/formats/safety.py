"""Defensive reading of untrusted import files: XML, zip packages, text encodings, images.

* XML goes through defusedxml with DTDs, entity declarations and external references all
  refused, so a billion-laughs bomb or an external entity pointing at a local file fails with a
  clear :class:`FormatError` instead of expanding or reading anything.
* Zip packages are checked before anything is extracted: entry count, declared and actual
  uncompressed sizes, compression ratio (zip bombs) and entry names (zip slip: absolute paths,
  ``..``, drive letters). Entries are read into memory, never written to disk.
* Text is decoded as UTF-8 (with or without BOM); otherwise GB18030/GBK is detected with
  charset-normalizer, or the caller names the encoding. A file that declares UTF-8 but is not
  gives an error that says which encoding it looks like.
* Images are sniffed by their magic bytes; anything else (including SVG, which can carry
  scripts) is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import charset_normalizer
import defusedxml
import defusedxml.ElementTree as SafeET

from question_bank.formats.base import FormatError

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "check_size",
    "decode_text",
    "parse_xml",
    "read_zip",
    "sniff_image",
]


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_items: int = 5_000
    max_zip_entries: int = 2_000
    max_total_uncompressed: int = 200 * 1024 * 1024
    max_entry_bytes: int = 25 * 1024 * 1024
    #: uncompressed/compressed above this (for entries over ``ratio_floor`` bytes) is a zip bomb.
    max_ratio: int = 100
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()

CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "cp936"}


def check_size(data: bytes, limits: Limits, filename: str) -> None:
    if len(data) > limits.max_file_bytes:
        raise FormatError(
            f"The file is too large ({len(data):,} bytes; the limit is {limits.max_file_bytes:,}).", filename
        )


# --------------------------------------------------------------------------- text


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def _guess(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    guess = best.encoding if best is not None else None
    if guess in CHINESE_ENCODINGS:
        return "gb18030"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return guess
    # Valid GB18030 containing CJK text is far more likely than the detector's Western guess.
    if re.search(r"[\u4e00-\u9fff]", data.decode("gb18030")):
        return "gb18030"
    return guess


def decode_text(
    data: bytes, encoding: str | None = None, *, filename: str = "", declared: str | None = None
) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding used)``.

    ``encoding`` is the caller's explicit choice; ``declared`` is what the file itself claims
    (an XML declaration). Without either, UTF-8 is tried first, then detection.
    """
    if encoding:
        try:
            codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
            return data.decode(codec), encoding
        except LookupError as exc:
            raise FormatError(f"Unknown text encoding {encoding!r}.", filename) from exc
        except UnicodeDecodeError as exc:
            line, col = _line_col(data, exc.start)
            raise FormatError(
                f"The file is not valid {encoding} (line {line}, column {col}). Choose the encoding it was saved in.",
                filename,
            ) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        guess = _guess(data)
        if declared and declared.lower().replace("_", "-") in ("utf-8", "utf8"):
            hint = f"; it looks like {guess.upper()}" if guess else ""
            raise FormatError(
                f"The file declares UTF-8 but is not valid UTF-8 (line {line}, column {col}){hint}. "
                "Save it as UTF-8, or choose its encoding (for example GB18030) when importing.",
                filename,
            ) from exc
        if guess == "gb18030":
            return data.decode("gb18030"), "gb18030"
        raise FormatError(
            f"The file is not UTF-8 (line {line}, column {col}) and its encoding could not be recognised"
            + (f" (perhaps {guess})" if guess else "")
            + ". Save it as UTF-8 or choose its encoding when importing.",
            filename,
        ) from exc


# --------------------------------------------------------------------------- XML

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")


def parse_xml(data: bytes, *, filename: str = "", encoding: str | None = None) -> Element:
    """Parse untrusted XML safely; raise FormatError with a clear message on any refusal."""
    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    m = _XML_DECL.match(raw)
    declared = m.group(1).decode("ascii") if m else "utf-8"
    if declared.lower().replace("_", "-") in ("utf-16", "utf-16le", "utf-16be"):
        raise FormatError("UTF-16 XML files are not supported; save the file as UTF-8.", filename)
    if encoding is None and declared.lower().replace("_", "-") not in ("utf-8", "utf8"):
        encoding = declared
    text, _ = decode_text(raw, encoding, filename=filename, declared=None if encoding else declared)
    # The text is decoded now; drop the declaration so the parser does not re-apply it.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise FormatError(
            "The XML contains a document type declaration (DTD); DTDs, entities and external entities are "
            "refused for safety (billion-laughs and external-entity attacks).",
            filename,
        ) from exc
    except defusedxml.EntitiesForbidden as exc:
        raise FormatError(
            f"The XML declares the entity {exc.name!r}; entities are refused for safety.", filename
        ) from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise FormatError(
            "The XML refers to an external resource (external entity); this is refused for safety.", filename
        ) from exc
    except ParseError as exc:
        line, col = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise FormatError(
            f"The XML is not well-formed: {reason}.", f"{filename} line {line}, column {col + 1}"
        ) from exc


def local_name(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --------------------------------------------------------------------------- zip


def _unsafe_name(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    parts = name.replace("\\", "/").split("/")
    return any(p == ".." for p in parts)


def read_zip(data: bytes, *, filename: str = "", limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """Read every file of a zip package into memory after checking it is safe to do so.

    Returns ``{normalised path: bytes}`` (directories omitted).
    """
    check_size(data, limits, filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise FormatError("The file is not a valid zip package.", filename) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise FormatError(f"The package has {len(infos)} entries; the limit is {limits.max_zip_entries}.", filename)
        declared_total = 0
        for info in infos:
            if _unsafe_name(info.filename):
                raise FormatError(
                    f"The package entry {info.filename!r} points outside the package (zip slip); refused.", filename
                )
            if info.flag_bits & 0x1:
                raise FormatError(f"The package entry {info.filename!r} is encrypted.", filename)
            declared_total += info.file_size
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise FormatError(
                    f"The package entry {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}"
                    " times its compressed size (a zip bomb?); refused.",
                    filename,
                )
        if declared_total > limits.max_total_uncompressed:
            raise FormatError(
                f"The package would expand to {declared_total:,} bytes; "
                f"the limit is {limits.max_total_uncompressed:,}.",
                filename,
            )
        files: dict[str, bytes] = {}
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            cap = min(limits.max_entry_bytes, limits.max_total_uncompressed - total)
            try:
                with archive.open(info) as fh:
                    # Read one byte past the cap so that a lying header cannot make us read more.
                    content = fh.read(cap + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                NotImplementedError,
                RuntimeError,
                ValueError,
            ) as exc:
                raise FormatError(f"The package entry {info.filename!r} is damaged ({exc}).", filename) from exc
            if len(content) > cap or len(content) > info.file_size:
                raise FormatError(
                    f"The package entry {info.filename!r} is larger than allowed or than its header says; refused.",
                    filename,
                )
            total += len(content)
            files[posixpath.normpath(info.filename.replace("\\", "/"))] = content
        return files


def resolve_in_package(base: str, href: str) -> str | None:
    """Resolve ``href`` relative to the package file ``base``; None when it leaves the package."""
    href = href.split("#", 1)[0].split("?", 1)[0].replace("\\", "/")
    if not href or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) or href.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(href)))
    if path.startswith("../") or path == "..":
        return None
    return path


# --------------------------------------------------------------------------- images

IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def sniff_image(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or WebP image from its magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
