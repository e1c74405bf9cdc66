"""Shared data types and helpers of the import/export parsers (no Django).

A parser turns a file into an :class:`ImportReport`: the questions it could read (each with its
content validated by :func:`question_bank.content.validate_content`) and a :class:`Problem` for
every item it could not, naming the item and the line or element. Writers turn
:class:`ParsedQuestion` values back into bytes; anything a format cannot hold is reported per
item by :func:`check_exportable` before writing, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from question_bank.content import MEDIA_REF_RE, ContentError, media_refs, validate_content

__all__ = [
    "ExportError",
    "FormatError",
    "ImportReport",
    "MediaFile",
    "ParsedQuestion",
    "Problem",
    "join_question_text",
    "metadata_from_tags",
    "metadata_to_tags",
    "split_question_text",
]


@dataclass
class MediaFile:
    """An image carried by an imported file (bytes as found; the app layer checks and stores them)."""

    filename: str
    data: bytes
    mime: str


@dataclass
class ParsedQuestion:
    """One question read from or written to an exchange format.

    ``content`` follows docs/question-content.md. Metadata are plain strings the app layer
    resolves (``area`` may be a code or, from a Moodle category, an area name). ``media`` maps
    every ref used in ``content`` to its file.
    """

    content: dict[str, Any]
    title: str = ""
    area: str | None = None
    objectives: list[str] = field(default_factory=list)
    level: str | None = None
    pool: str | None = None
    tags: list[str] = field(default_factory=list)
    difficulty: str | None = None
    cognitive: str | None = None
    language: str | None = None
    source_id: str | None = None
    media: dict[str, MediaFile] = field(default_factory=dict)
    category: str | None = None

    @property
    def label(self) -> str:
        """How problems name this item: its source id, else its title."""
        return self.source_id or self.title or "(untitled)"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one item (or with the whole file when ``item`` is the file name)."""

    item: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.item} ({self.location}): {self.message}"


@dataclass
class ImportReport:
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: Moodle/GIFT category paths met in the file, in order (``$course$/top/TACE``).
    categories: list[str] = field(default_factory=list)
    _limit_reported: bool = field(default=False, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, item: str, location: str, message: str) -> None:
        self.problems.append(Problem(item, location, message))

    def warn(self, item: str, location: str, message: str) -> None:
        self.warnings.append(Problem(item, location, message))

    def add(self, question: ParsedQuestion, location: str, *, max_items: int | None = None) -> bool:
        """Validate ``question`` and keep it, or record why not. Returns whether it was kept.

        Checks the content, duplicate source ids within the file, and that every media ref used
        has its file.
        """
        item = question.label
        if max_items is not None and len(self.questions) >= max_items:
            if not self._limit_reported:
                self._limit_reported = True
                self.problem(item, location, f"The file has more than {max_items} items; the rest were not read.")
            return False
        try:
            question.content = validate_content(question.content)
        except ContentError as exc:
            for issue in exc.errors:
                where = f"{location}, {issue.path}" if issue.path else location
                self.problem(item, where, issue.message)
            return False
        if question.source_id and any(q.source_id == question.source_id for q in self.questions):
            self.problem(item, location, f"The identifier {question.source_id!r} is used by an earlier item.")
            return False
        missing = [ref for ref in media_refs(question.content) if ref not in question.media]
        if missing:
            self.problem(item, location, f"Image(s) not found in the file: {', '.join(missing)}.")
            return False
        self.questions.append(question)
        return True


class FormatError(Exception):
    """The file as a whole cannot be read (bad XML, unsafe archive, wrong encoding…)."""

    def __init__(self, message: str, location: str = "") -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class ExportError(Exception):
    """Some questions cannot be written in the chosen format; ``problems`` says which and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


# --------------------------------------------------------------------------- text helpers


def split_question_text(markdown: str) -> tuple[str, str]:
    """Split one question text into (stem, lead_in) for formats with a single text field.

    The last paragraph is the lead-in; anything before it is the stem.
    """
    text = markdown.replace("\r\n", "\n").strip()
    parts = re.split(r"\n[ \t]*\n", text)
    if len(parts) == 1:
        return "", text
    return "\n\n".join(p for p in parts[:-1]).strip(), parts[-1].strip()


def join_question_text(content: dict[str, Any]) -> str:
    """The inverse of :func:`split_question_text`."""
    stem = content.get("stem", "").strip()
    lead_in = content.get("lead_in", "").strip()
    return f"{stem}\n\n{lead_in}" if stem else lead_in


def safe_media_ref(filename: str, taken: set[str] | dict[str, Any]) -> str:
    """A media ref derived from ``filename`` that matches MEDIA_REF_RE and is not yet taken."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-") or "image"
    base = base[:100]
    if not MEDIA_REF_RE.match(base):
        base = "img_" + base
    ref, n = base, 2
    while ref in taken:
        ref = f"{n}_{base}"
        n += 1
    return ref


# --------------------------------------------------------------------------- metadata as tags

#: Metadata that formats without their own fields (Moodle, GIFT) carry as ``name:value`` tags.
TAG_FIELDS: tuple[str, ...] = ("area", "level", "pool", "difficulty", "cognitive", "language")


def metadata_to_tags(q: ParsedQuestion, *, include_area: bool = True) -> list[str]:
    tags = list(q.tags)
    for name in TAG_FIELDS:
        if name == "area" and not include_area:
            continue
        value = getattr(q, name)
        if value:
            tags.append(f"{name}:{value}")
    tags.extend(f"objective:{o}" for o in q.objectives)
    return tags


def metadata_from_tags(q: ParsedQuestion, tags: list[str]) -> None:
    """Fill ``q``'s metadata from ``name:value`` tags; other tags stay tags."""
    for tag in tags:
        name, sep, value = tag.partition(":")
        name, value = name.strip().lower(), value.strip()
        if sep and value and name in TAG_FIELDS:
            setattr(q, name, value)
        elif sep and value and name == "objective":
            q.objectives.append(value)
        elif tag.strip():
            q.tags.append(tag.strip())


# --------------------------------------------------------------------------- export helpers

_MIME_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
_MEDIA_LINK = re.compile(r"(\]\(\s*<?)media:([A-Za-z0-9][A-Za-z0-9._-]{0,127})")


def export_filename(ref: str, media: MediaFile) -> str:
    """The file name an exported image gets: its ref, with an extension matching its type."""
    ext = _MIME_EXT.get(media.mime, "")
    return ref if not ext or ref.lower().endswith(ext) or ref.lower().endswith(".jpeg") else ref + ext


def rewrite_media_links(markdown: str, url_for: dict[str, str]) -> str:
    """Replace ``](media:<ref>`` with ``](<url>`` for every ref in ``url_for``."""
    return _MEDIA_LINK.sub(lambda m: m.group(1) + url_for.get(m.group(2), "media:" + m.group(2)), markdown)


def text_with_attachments(text: str, media: list[dict[str, str]]) -> str:
    """Markdown text with the item's attached media appended as inline images.

    For formats with a single text field: attached images become images at the end of the
    question text (they come back as inline images on import).
    """
    images = []
    for m in media:
        alt = m.get("alt", "").replace("]", "\\]")
        title = m.get("caption", "").replace('"', "'")
        images.append(f'![{alt}](media:{m["ref"]} "{title}")' if title else f"![{alt}](media:{m['ref']})")
    return "\n\n".join([text, *images]) if images else text


def missing_media(q: ParsedQuestion) -> list[str]:
    return [ref for ref in media_refs(q.content) if ref not in q.media]
