"""Our own lossless JSON exchange format (every type, case sets included, images as base64).

::

    {"format": "irexam-questions", "version": 1,
     "questions": [{"content": {...}, "title": "...", "area": "TACE", ...,
                    "media": {"ct-1.png": {"filename": "ct-1.png", "mime": "image/png", "data": "<base64>"}}}]}
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from question_bank.formats.base import FormatError, ImportReport, MediaFile, ParsedQuestion, missing_media
from question_bank.formats.safety import DEFAULT_LIMITS, Limits, check_size, decode_text, sniff_image

__all__ = ["parse_json", "unsupported_json", "write_json"]

FORMAT_NAME = "irexam-questions"
STRING_FIELDS = ("title", "area", "level", "pool", "difficulty", "cognitive", "language", "source_id", "category")


def parse_json(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    check_size(data, limits, filename)
    text, _ = decode_text(data, encoding, filename=filename)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"The JSON is not valid: {exc.msg}.", f"{filename} line {exc.lineno}, column {exc.colno}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise FormatError(f'This is not an export of this platform (expected "format": "{FORMAT_NAME}").', filename)
    if document.get("version") != 1:
        raise FormatError(f"Unsupported version {document.get('version')!r}; this platform reads version 1.", filename)
    items = document.get("questions")
    if not isinstance(items, list):
        raise FormatError('"questions" must be a list.', filename)
    report = ImportReport()
    for index, raw in enumerate(items, 1):
        location = f"questions[{index - 1}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("content"), dict):
            report.problem(f"question {index}", location, "Each question needs a 'content' object.")
            continue
        q = ParsedQuestion(content=raw["content"])
        for name in STRING_FIELDS:
            value = raw.get(name)
            if value is not None:
                setattr(q, name, str(value))
        q.objectives = [str(v) for v in raw.get("objectives") or []]
        q.tags = [str(v) for v in raw.get("tags") or []]
        q.area = q.area or default_area
        ok = True
        for ref, m in (raw.get("media") or {}).items():
            try:
                blob = base64.b64decode(m["data"], validate=True)
            except (KeyError, TypeError, binascii.Error, ValueError):
                report.problem(q.label, f"{location}.media.{ref}", "The image data is not valid base64.")
                ok = False
                continue
            mime = sniff_image(blob)
            if mime is None:
                report.problem(q.label, f"{location}.media.{ref}", "The file is not a PNG, JPEG, GIF or WebP image.")
                ok = False
                continue
            q.media[str(ref)] = MediaFile(filename=str(m.get("filename") or ref), data=blob, mime=mime)
        if ok:
            report.add(q, location, max_items=limits.max_items)
    return report


def unsupported_json(q: ParsedQuestion) -> str | None:
    missing = missing_media(q)
    return f"Image(s) {', '.join(missing)} were not supplied." if missing else None


def write_json(questions: list[ParsedQuestion]) -> bytes:
    out: list[dict[str, Any]] = []
    for q in questions:
        item: dict[str, Any] = {"content": q.content}
        for name in STRING_FIELDS:
            if getattr(q, name):
                item[name] = getattr(q, name)
        item["objectives"] = q.objectives
        item["tags"] = q.tags
        item["media"] = {
            ref: {"filename": m.filename, "mime": m.mime, "data": base64.b64encode(m.data).decode("ascii")}
            for ref, m in q.media.items()
        }
        out.append(item)
    document = {"format": FORMAT_NAME, "version": 1, "questions": out}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
