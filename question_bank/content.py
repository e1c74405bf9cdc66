"""Validation and helpers for the question content format (docs/question-content.md).

This module imports no Django so the bank, the import/export parsers, delivery and scoring can
all use it, and so it can be tested alone.

Errors are returned as :class:`ContentIssue` values carrying a stable ``code``, an English
``message``, the ``params`` used to build it and the ``path`` of the offending field
(``"stages[1].questions[0].key"``). The Django layer translates by ``code`` with
``MESSAGES[code]`` as the msgid and ``params`` for interpolation.

Choices made where the format page is silent (documented here so every caller agrees):

* Option ids must be consecutive capital letters starting at ``A`` (``A, B, C``); true/false
  options are exactly ``T`` then ``F``.
* Unknown fields are refused rather than silently kept, so a typo cannot hide a key.
* ``stem`` may be empty for sba, mrq, tf and order items (and for questions inside a case stage)
  when the ``lead_in`` alone asks the question; emq themes and case introductions are required.
* The normalised copy has text stripped of surrounding whitespace with line endings as ``\\n``,
  ``scoring`` filled with its default (mrq, order), ``mrq`` keys sorted in option order, and
  ``explanation`` / ``references`` / ``media`` always present.
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CASE_QUESTION_TYPES",
    "MEDIA_REF_RE",
    "MESSAGES",
    "QUESTION_TYPES",
    "SCORING_RULES",
    "ContentError",
    "ContentIssue",
    "iter_text_fields",
    "media_refs",
    "normalised_fingerprint",
    "replace_media_refs",
    "scoring_defaults",
    "strip_for_candidate",
    "validate_content",
]

QUESTION_TYPES: tuple[str, ...] = ("sba", "mrq", "tf", "emq", "order", "case")
CASE_QUESTION_TYPES: tuple[str, ...] = ("sba", "mrq", "tf", "order")

#: Allowed scoring rules per type; the first is the default.
SCORING_RULES: dict[str, tuple[str, ...]] = {
    "mrq": ("all_or_nothing", "partial"),
    "order": ("exact", "adjacent"),
}

#: Option count limits per type (inclusive).
OPTION_LIMITS: dict[str, tuple[int, int]] = {
    "sba": (3, 5),
    "mrq": (3, 10),
    "tf": (2, 2),
    "emq": (4, 26),
    "order": (2, 10),
}

TYPE_NAMES: dict[str, str] = {
    "sba": "single-best-answer",
    "mrq": "multiple-response",
    "tf": "true/false",
    "emq": "extended-matching",
    "order": "ordering",
    "case": "case-set",
}

#: A media reference: our own media id (an integer, a UUID or a safe file-like name).
MEDIA_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: A media image written inside Markdown: ``![alt](media:<ref>)``.
MARKDOWN_MEDIA_RE = re.compile(r"\]\(\s*<?media:([A-Za-z0-9][A-Za-z0-9._-]{0,127})")

MAX_TEXT_LENGTH = 20_000
MAX_REFERENCES = 50
MAX_MEDIA = 20
MAX_STAGES = 20
MAX_STAGE_QUESTIONS = 20
MAX_EMQ_STEMS = 30
#: Media kinds a content media entry may name (``image`` when absent).
MEDIA_KINDS = ("image", "dicom")
#: Window presets a DICOM media entry may choose (the keys of ``question_bank.dicom.WINDOW_PRESETS``).
DICOM_WINDOWS = ("soft_tissue", "lung", "bone", "brain", "liver", "angio")
_ROI_FIELDS = ("frame", "x", "y", "width", "height")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")

#: English message templates by code; ``str.format`` with the issue's params.
MESSAGES: dict[str, str] = {
    "not_an_object": "{field} must be a JSON object.",
    "unknown_type": "Unknown question type {value!r}; expected one of {allowed}.",
    "type_not_allowed_in_case": ("A question inside a case stage must be sba, mrq, tf or order; it is {value!r}."),
    "missing_field": "{field} is required.",
    "unknown_field": "{field} is not a field of a {type_name} item.",
    "not_a_string": "{field} must be text.",
    "empty_text": "{field} must not be empty.",
    "text_too_long": "{field} is too long ({length} characters; the limit is {limit}).",
    "not_a_list": "{field} must be a list.",
    "too_few": "{field}: a {type_name} item needs at least {minimum}; it has {count}.",
    "too_many": "{field}: a {type_name} item allows at most {maximum}; it has {count}.",
    "option_ids_sequence": ("Option ids of a {type_name} item must be {expected} in that order; found {found}."),
    "duplicate_id": "{field}: the id {value!r} is used more than once.",
    "bad_id": "{field}: {value!r} is not a valid id (letters, digits, - and _, at most 32).",
    "unknown_key": "{field}: {value!r} is not one of the option ids ({allowed}).",
    "sba_key_count": "A single-best-answer item needs exactly one key; it has {count}{listing}.",
    "tf_key_count": "A true/false item needs exactly one key, T or F; it has {count}{listing}.",
    "mrq_key_count": (
        "A multiple-response item needs at least one key and fewer keys than options; "
        "it has {count} of {options} options keyed."
    ),
    "emq_key_count": "Extended-matching stem {stem!r} needs exactly one key; it has {count}{listing}.",
    "order_key_permutation": ("The key of an ordering item must list every option id exactly once; {detail}."),
    "duplicate_key": "{field}: the key {value!r} is listed more than once.",
    "unknown_scoring": "{field}: unknown scoring rule {value!r} for a {type_name} item; expected {allowed}.",
    "bad_media_ref": "{field}: {value!r} is not a valid media reference.",
    "duplicate_media": "{field}: the media {value!r} is attached more than once.",
    "bad_media_kind": "{field}: unknown media kind {value!r}; expected image or dicom.",
    "dicom_only_field": "{field} applies only to a DICOM series (kind dicom).",
    "bad_window": "{field}: unknown window preset {value!r}; expected one of {allowed}.",
    "bad_frame": "{field} must be a whole number from 0.",
    "bad_roi": "{field} must be an object with frame, x, y, width and height (pixels, width and height above 0).",
}


@dataclass(frozen=True)
class ContentIssue:
    """One problem found in a content object."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "params": self.params,
            "path": self.path,
        }


class ContentError(ValueError):
    """Raised by :func:`validate_content`; ``errors`` lists every problem found."""

    def __init__(self, errors: list[ContentIssue]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.path or '(content)'}: {e.message}" for e in self.errors))

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.errors]


def scoring_defaults() -> dict[str, str]:
    """Default scoring rule per type that has one: ``{"mrq": "all_or_nothing", "order": "exact"}``."""
    return {qtype: rules[0] for qtype, rules in SCORING_RULES.items()}


# --------------------------------------------------------------------------- validation


class _Collector:
    def __init__(self) -> None:
        self.issues: list[ContentIssue] = []

    def add(self, code: str, path: str, **params: Any) -> None:
        params.setdefault("field", path or "content")
        message = MESSAGES[code].format(**params)
        self.issues.append(ContentIssue(code=code, message=message, params=params, path=path))


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _listing(ids: Iterable[str]) -> str:
    ids = list(ids)
    return f" ({', '.join(ids)})" if ids else ""


def _norm_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _text(
    c: _Collector,
    obj: Mapping[str, Any],
    name: str,
    path: str,
    *,
    required: bool,
    allow_empty: bool,
) -> str:
    p = _join(path, name)
    if name not in obj or obj[name] is None:
        if required:
            c.add("missing_field", p)
        return ""
    value = obj[name]
    if not isinstance(value, str):
        c.add("not_a_string", p)
        return ""
    value = _norm_text(value)
    if not value and not allow_empty:
        c.add("empty_text", p)
    if len(value) > MAX_TEXT_LENGTH:
        c.add("text_too_long", p, length=len(value), limit=MAX_TEXT_LENGTH)
    return value


def _list(c: _Collector, obj: Mapping[str, Any], name: str, path: str, *, required: bool) -> list[Any]:
    p = _join(path, name)
    if name not in obj or obj[name] is None:
        if required:
            c.add("missing_field", p)
        return []
    value = obj[name]
    if not isinstance(value, list):
        c.add("not_a_list", p)
        return []
    return value


def _check_fields(c: _Collector, obj: Mapping[str, Any], allowed: set[str], path: str, type_name: str) -> None:
    for name in obj:
        if name not in allowed:
            c.add("unknown_field", _join(path, str(name)), type_name=type_name)


def _media(c: _Collector, obj: Mapping[str, Any], path: str) -> list[dict[str, str]]:
    items = _list(c, obj, "media", path, required=False)
    p = _join(path, "media")
    if len(items) > MAX_MEDIA:
        c.add("too_many", p, type_name="", maximum=MAX_MEDIA, count=len(items))
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        ip = _join(p, i)
        if not isinstance(item, dict):
            c.add("not_an_object", ip)
            continue
        _check_fields(c, item, {"ref", "alt", "caption", "kind", *_DICOM_FIELDS}, ip, "media")
        ref = item.get("ref")
        if not isinstance(ref, str) or not MEDIA_REF_RE.match(ref):
            c.add("bad_media_ref", _join(ip, "ref"), value=ref)
            continue
        if ref in seen:
            c.add("duplicate_media", _join(ip, "ref"), value=ref)
        seen.add(ref)
        entry: dict[str, Any] = {
            "ref": ref,
            "alt": _text(c, item, "alt", ip, required=False, allow_empty=True),
            "caption": _text(c, item, "caption", ip, required=False, allow_empty=True),
        }
        kind = item.get("kind", "image")
        if kind not in MEDIA_KINDS:
            c.add("bad_media_kind", _join(ip, "kind"), value=kind)
        elif kind == "dicom":
            entry["kind"] = "dicom"
            entry.update(_dicom_display(c, item, ip))
        else:
            for name in _DICOM_FIELDS:
                if name in item:
                    c.add("dicom_only_field", _join(ip, name))
        out.append(entry)
    return out


_DICOM_FIELDS = ("window", "initial_frame", "roi")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _dicom_display(c: _Collector, item: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The display choices of a DICOM media entry: window preset, initial frame, region of interest.

    Frame and ROI bounds depend on the stored series; the bank checks them against it on save.
    """
    out: dict[str, Any] = {}
    window = item.get("window")
    if window is not None:
        if window not in DICOM_WINDOWS:
            c.add("bad_window", _join(path, "window"), value=window, allowed=", ".join(DICOM_WINDOWS))
        else:
            out["window"] = window
    frame = item.get("initial_frame")
    if frame is not None:
        if not _whole(frame):
            c.add("bad_frame", _join(path, "initial_frame"))
        else:
            out["initial_frame"] = frame
    roi = item.get("roi")
    if roi is not None:
        numbers = isinstance(roi, dict) and set(roi) == set(_ROI_FIELDS)
        numbers = numbers and all(
            isinstance(roi[k], int | float) and not isinstance(roi[k], bool) and roi[k] >= 0 for k in _ROI_FIELDS
        )
        if not numbers or not _whole(roi["frame"]) or roi["width"] <= 0 or roi["height"] <= 0:
            c.add("bad_roi", _join(path, "roi"))
        else:
            out["roi"] = {k: roi[k] for k in _ROI_FIELDS}
    return out


def _references(c: _Collector, obj: Mapping[str, Any], path: str) -> list[str]:
    items = _list(c, obj, "references", path, required=False)
    p = _join(path, "references")
    if len(items) > MAX_REFERENCES:
        c.add("too_many", p, type_name="", maximum=MAX_REFERENCES, count=len(items))
    out: list[str] = []
    for i, item in enumerate(items):
        ip = _join(p, i)
        if not isinstance(item, str):
            c.add("not_a_string", ip)
            continue
        text = _norm_text(item)
        if not text:
            c.add("empty_text", ip)
            continue
        out.append(text)
    return out


def _options(c: _Collector, obj: Mapping[str, Any], qtype: str, path: str) -> list[dict[str, str]]:
    type_name = TYPE_NAMES[qtype]
    p = _join(path, "options")
    items = _list(c, obj, "options", path, required=True)
    lo, hi = OPTION_LIMITS[qtype]
    if "options" in obj and isinstance(obj.get("options"), list):
        if len(items) < lo:
            c.add(
                "too_few",
                p,
                type_name=type_name,
                minimum=f"{lo} options",
                count=len(items),
            )
        elif len(items) > hi:
            c.add(
                "too_many",
                p,
                type_name=type_name,
                maximum=f"{hi} options",
                count=len(items),
            )
    out: list[dict[str, str]] = []
    ids: list[str] = []
    for i, item in enumerate(items):
        ip = _join(p, i)
        if not isinstance(item, dict):
            c.add("not_an_object", ip)
            continue
        _check_fields(c, item, {"id", "text"}, ip, "option")
        oid = item.get("id")
        if not isinstance(oid, str):
            c.add("missing_field" if oid is None else "not_a_string", _join(ip, "id"))
            oid = ""
        text = _text(c, item, "text", ip, required=True, allow_empty=False)
        ids.append(oid)
        out.append({"id": oid, "text": text})
    expected = ["T", "F"] if qtype == "tf" else [chr(ord("A") + i) for i in range(len(ids))]
    if ids and ids != expected:
        dupes = sorted({x for x in ids if ids.count(x) > 1 and x})
        for d in dupes:
            c.add("duplicate_id", p, value=d)
        c.add(
            "option_ids_sequence",
            p,
            type_name=type_name,
            expected=", ".join(expected),
            found=", ".join(x or "?" for x in ids),
        )
    return out


def _key_list(c: _Collector, obj: Mapping[str, Any], path: str, option_ids: list[str]) -> list[str]:
    p = _join(path, "key")
    raw = _list(c, obj, "key", path, required=True)
    keys: list[str] = []
    for i, k in enumerate(raw):
        if not isinstance(k, str):
            c.add("not_a_string", _join(p, i))
            continue
        if option_ids and k not in option_ids:
            c.add("unknown_key", _join(p, i), value=k, allowed=", ".join(option_ids))
            continue
        keys.append(k)
    return keys


def _scoring(c: _Collector, obj: Mapping[str, Any], qtype: str, path: str) -> str:
    rules = SCORING_RULES[qtype]
    value = obj.get("scoring")
    if value is None:
        return rules[0]
    if value not in rules:
        c.add(
            "unknown_scoring",
            _join(path, "scoring"),
            value=value,
            type_name=TYPE_NAMES[qtype],
            allowed=" or ".join(rules),
        )
        return rules[0]
    return str(value)


_COMMON = {"type", "stem", "explanation", "references", "media"}
_ALLOWED_FIELDS: dict[str, set[str]] = {
    "sba": _COMMON | {"lead_in", "options", "key"},
    "tf": _COMMON | {"lead_in", "options", "key"},
    "mrq": _COMMON | {"lead_in", "options", "key", "scoring"},
    "order": _COMMON | {"lead_in", "options", "key", "scoring"},
    "emq": _COMMON | {"lead_in", "options", "stems"},
    "case": _COMMON | {"stages"},
}


def _question(c: _Collector, obj: Any, path: str, *, in_case: bool) -> dict[str, Any]:
    if not isinstance(obj, dict):
        c.add("not_an_object", path)
        return {}
    qtype = obj.get("type")
    allowed_types = CASE_QUESTION_TYPES if in_case else QUESTION_TYPES
    if qtype not in QUESTION_TYPES:
        if "type" not in obj:
            c.add("missing_field", _join(path, "type"))
        else:
            c.add(
                "unknown_type",
                _join(path, "type"),
                value=qtype,
                allowed=", ".join(allowed_types),
            )
        return {}
    if qtype not in allowed_types:
        c.add("type_not_allowed_in_case", _join(path, "type"), value=qtype)
        return {}
    type_name = TYPE_NAMES[qtype]
    allowed = set(_ALLOWED_FIELDS[qtype])
    if in_case:
        allowed.add("id")
    _check_fields(c, obj, allowed, path, type_name)

    out: dict[str, Any] = {"type": qtype}
    if in_case:
        qid = obj.get("id")
        if not isinstance(qid, str) or not ITEM_ID_RE.match(qid):
            if qid is None:
                c.add("missing_field", _join(path, "id"))
            else:
                c.add("bad_id", _join(path, "id"), value=qid)
        out["id"] = qid if isinstance(qid, str) else ""
    stem_optional = qtype in ("sba", "mrq", "tf", "order")
    out["stem"] = _text(c, obj, "stem", path, required=not stem_optional, allow_empty=stem_optional)
    if qtype != "case":
        out["lead_in"] = _text(c, obj, "lead_in", path, required=True, allow_empty=False)

    if qtype in ("sba", "mrq", "tf", "order"):
        options = _options(c, obj, qtype, path)
        option_ids = [o["id"] for o in options if o["id"]]
        out["options"] = options
        keys = _key_list(c, obj, path, option_ids)
        key_path = _join(path, "key")
        raw_count = len(obj["key"]) if isinstance(obj.get("key"), list) else 0
        if qtype == "sba" and isinstance(obj.get("key"), list) and raw_count != 1:
            c.add(
                "sba_key_count",
                key_path,
                count=raw_count,
                listing=_listing(map(str, obj["key"])),
            )
        elif qtype == "tf" and isinstance(obj.get("key"), list) and raw_count != 1:
            c.add(
                "tf_key_count",
                key_path,
                count=raw_count,
                listing=_listing(map(str, obj["key"])),
            )
        elif qtype == "mrq":
            for k in sorted({k for k in keys if keys.count(k) > 1}):
                c.add("duplicate_key", key_path, value=k)
            keys = [oid for oid in option_ids if oid in keys]
            if isinstance(obj.get("key"), list) and (not keys or (option_ids and len(keys) >= len(option_ids))):
                c.add("mrq_key_count", key_path, count=len(keys), options=len(option_ids))
        elif qtype == "order" and isinstance(obj.get("key"), list):
            missing = [oid for oid in option_ids if oid not in keys]
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            details = []
            if missing:
                details.append("missing " + ", ".join(missing))
            if repeated:
                details.append("repeated " + ", ".join(repeated))
            if details:
                c.add("order_key_permutation", key_path, detail="; ".join(details))
        out["key"] = keys
        if qtype in SCORING_RULES:
            out["scoring"] = _scoring(c, obj, qtype, path)
    elif qtype == "emq":
        options = _options(c, obj, qtype, path)
        option_ids = [o["id"] for o in options if o["id"]]
        out["options"] = options
        out["stems"] = _emq_stems(c, obj, path, option_ids)
    else:  # case
        out["stages"] = _stages(c, obj, path)

    out["explanation"] = _text(c, obj, "explanation", path, required=False, allow_empty=True)
    out["references"] = _references(c, obj, path)
    out["media"] = _media(c, obj, path)
    return out


def _emq_stems(c: _Collector, obj: Mapping[str, Any], path: str, option_ids: list[str]) -> list[dict[str, Any]]:
    p = _join(path, "stems")
    items = _list(c, obj, "stems", path, required=True)
    if "stems" in obj and isinstance(obj.get("stems"), list):
        if len(items) < 2:
            c.add(
                "too_few",
                p,
                type_name=TYPE_NAMES["emq"],
                minimum="2 stems",
                count=len(items),
            )
        elif len(items) > MAX_EMQ_STEMS:
            c.add(
                "too_many",
                p,
                type_name=TYPE_NAMES["emq"],
                maximum=f"{MAX_EMQ_STEMS} stems",
                count=len(items),
            )
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        ip = _join(p, i)
        if not isinstance(item, dict):
            c.add("not_an_object", ip)
            continue
        _check_fields(c, item, {"id", "text", "key"}, ip, "extended-matching stem")
        sid = item.get("id")
        if not isinstance(sid, str) or not ITEM_ID_RE.match(sid):
            if sid is None:
                c.add("missing_field", _join(ip, "id"))
            else:
                c.add("bad_id", _join(ip, "id"), value=sid)
            sid = ""
        elif sid in seen:
            c.add("duplicate_id", _join(ip, "id"), value=sid)
        seen.add(sid)
        text = _text(c, item, "text", ip, required=True, allow_empty=False)
        keys = _key_list(c, item, ip, option_ids)
        raw = item.get("key")
        if isinstance(raw, list) and len(raw) != 1:
            c.add(
                "emq_key_count",
                _join(ip, "key"),
                stem=sid or str(i + 1),
                count=len(raw),
                listing=_listing(map(str, raw)),
            )
        out.append({"id": sid, "text": text, "key": keys})
    return out


def _stages(c: _Collector, obj: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    p = _join(path, "stages")
    items = _list(c, obj, "stages", path, required=True)
    if "stages" in obj and isinstance(obj.get("stages"), list):
        if len(items) < 2:
            c.add(
                "too_few",
                p,
                type_name=TYPE_NAMES["case"],
                minimum="2 stages",
                count=len(items),
            )
        elif len(items) > MAX_STAGES:
            c.add(
                "too_many",
                p,
                type_name=TYPE_NAMES["case"],
                maximum=f"{MAX_STAGES} stages",
                count=len(items),
            )
    out: list[dict[str, Any]] = []
    stage_ids: set[str] = set()
    question_ids: set[str] = set()
    for i, stage in enumerate(items):
        sp = _join(p, i)
        if not isinstance(stage, dict):
            c.add("not_an_object", sp)
            continue
        _check_fields(c, stage, {"id", "text", "media", "questions"}, sp, "case stage")
        sid = stage.get("id")
        if not isinstance(sid, str) or not ITEM_ID_RE.match(sid):
            if sid is None:
                c.add("missing_field", _join(sp, "id"))
            else:
                c.add("bad_id", _join(sp, "id"), value=sid)
            sid = ""
        elif sid in stage_ids:
            c.add("duplicate_id", _join(sp, "id"), value=sid)
        stage_ids.add(sid)
        text = _text(c, stage, "text", sp, required=True, allow_empty=False)
        media = _media(c, stage, sp)
        qp = _join(sp, "questions")
        raw_questions = _list(c, stage, "questions", sp, required=True)
        if "questions" in stage and isinstance(stage.get("questions"), list):
            if not raw_questions:
                c.add("too_few", qp, type_name="case stage", minimum="1 question", count=0)
            elif len(raw_questions) > MAX_STAGE_QUESTIONS:
                c.add(
                    "too_many",
                    qp,
                    type_name="case stage",
                    maximum=f"{MAX_STAGE_QUESTIONS} questions",
                    count=len(raw_questions),
                )
        questions = []
        for j, raw in enumerate(raw_questions):
            q = _question(c, raw, _join(qp, j), in_case=True)
            if not q:
                continue
            qid = q.get("id", "")
            if qid and qid in question_ids:
                c.add("duplicate_id", _join(_join(qp, j), "id"), value=qid)
            question_ids.add(qid)
            questions.append(q)
        out.append({"id": sid, "text": text, "media": media, "questions": questions})
    return out


def validate_content(content: dict[str, Any]) -> dict[str, Any]:
    """Validate ``content`` and return a normalised deep copy.

    Raises :class:`ContentError` listing *every* problem found (not just the first).
    """
    c = _Collector()
    if not isinstance(content, dict):
        c.add("not_an_object", "", field="content")
        raise ContentError(c.issues)
    out = _question(c, copy.deepcopy(content), "", in_case=False)
    if c.issues:
        raise ContentError(c.issues)
    return out


# --------------------------------------------------------------------------- helpers


def replace_media_refs(content: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``content`` with media references renamed by ``mapping`` (old ref -> new ref).

    Renames ``media`` list entries and ``![alt](media:<ref>)`` images in every text field; refs not
    in ``mapping`` are left as they are. Importers name media after file names; the bank calls this
    to switch to its own media ids.
    """

    def sub_text(text: str) -> str:
        return MARKDOWN_MEDIA_RE.sub(
            lambda m: m.group(0)[: m.start(1) - m.start(0)] + mapping.get(m.group(1), m.group(1)), text
        )

    def walk(obj: Any, parent_key: str = "") -> Any:
        if isinstance(obj, dict):
            out = {}
            for name, value in obj.items():
                if name == "ref" and parent_key == "media" and isinstance(value, str):
                    out[name] = mapping.get(value, value)
                else:
                    out[name] = walk(value, name)
            return out
        if isinstance(obj, list):
            return [walk(v, parent_key) for v in obj]
        if isinstance(obj, str) and parent_key not in ("type", "id", "key", "scoring"):
            return sub_text(obj)
        return obj

    return walk(content)


def iter_text_fields(content: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield ``(path, text)`` for every Markdown/text field of a (possibly unvalidated) content object."""

    def walk(obj: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(obj, str):
            yield path, obj
        elif isinstance(obj, dict):
            for name, value in obj.items():
                if name in ("type", "id", "key", "scoring", "ref"):
                    continue
                yield from walk(value, _join(path, str(name)))
        elif isinstance(obj, list):
            for i, value in enumerate(obj):
                yield from walk(value, _join(path, i))

    yield from walk(content, "")


def media_refs(content: Mapping[str, Any]) -> list[str]:
    """Every media reference used by ``content``, in first-use order, without duplicates.

    Includes ``media`` lists (stem, stages, stage questions) and ``![alt](media:<ref>)`` images
    written inside any Markdown text field.
    """
    found: dict[str, None] = {}

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            media = obj.get("media")
            if isinstance(media, list):
                for m in media:
                    if isinstance(m, dict) and isinstance(m.get("ref"), str):
                        found.setdefault(m["ref"], None)
            for name, value in obj.items():
                if name == "media":
                    continue
                if isinstance(value, str):
                    for ref in MARKDOWN_MEDIA_RE.findall(value):
                        found.setdefault(ref, None)
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                if isinstance(value, str):
                    for ref in MARKDOWN_MEDIA_RE.findall(value):
                        found.setdefault(ref, None)
                else:
                    walk(value)

    walk(content)
    return list(found)


def _items(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty list (helpers accept unvalidated content)."""
    return value if isinstance(value, list) else []


def _fp_text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def normalised_fingerprint(content: Mapping[str, Any]) -> str:
    """A stable SHA-256 hex digest of the question's wording, for duplicate detection.

    Covers stem, lead-in and option texts (plus emq stem texts and, for a case, stage texts and
    stage questions). Each text is NFKC-normalised, case-folded and has its whitespace collapsed;
    option texts are sorted so that re-ordered options still match. Keys, explanations,
    references and media are ignored.
    """
    parts: list[str] = []

    def add(obj: Mapping[str, Any]) -> None:
        parts.append(_fp_text(obj.get("type")))
        parts.append(_fp_text(obj.get("stem")))
        parts.append(_fp_text(obj.get("lead_in")))
        options = _items(obj.get("options"))
        texts = sorted(_fp_text(o.get("text")) for o in options if isinstance(o, dict))
        parts.append("\x1e".join(texts))
        stems = _items(obj.get("stems"))
        parts.append("\x1e".join(_fp_text(s.get("text")) for s in stems if isinstance(s, dict)))
        for stage in _items(obj.get("stages")):
            if isinstance(stage, dict):
                parts.append(_fp_text(stage.get("text")))
                for q in _items(stage.get("questions")):
                    if isinstance(q, dict):
                        add(q)

    add(content)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _str(value: Any) -> str | None:
    """Strings pass; anything else (a nested object in unvalidated content) becomes None."""
    return value if isinstance(value, str) else None


def _candidate_media(media: Any) -> list[dict[str, Any]]:
    """Media entries for candidates: ref, alt, caption and, for a DICOM series, its kind, window preset and
    initial frame. A region of interest belongs to the explanation and is never copied."""
    out: list[dict[str, Any]] = []
    for m in _items(media):
        if not isinstance(m, dict):
            continue
        entry: dict[str, Any] = {k: _str(m.get(k)) for k in ("ref", "alt", "caption") if k in m}
        if m.get("kind") == "dicom":
            entry["kind"] = "dicom"
            if m.get("window") in DICOM_WINDOWS:
                entry["window"] = m["window"]
            if _whole(m.get("initial_frame")):
                entry["initial_frame"] = m["initial_frame"]
        out.append(entry)
    return out


def strip_for_candidate(content: Mapping[str, Any]) -> dict[str, Any]:
    """The candidate-facing copy of ``content``.

    Built from an allow-list (never by deleting known secret fields), so keys, emq stem keys,
    stage-question keys, explanations, references and any unknown field can never leak; only
    string values are copied. Option order is kept canonical; delivery shuffles it per candidate.
    """

    def pairs(items: Any) -> list[dict[str, str | None]]:
        return [{"id": _str(i.get("id")), "text": _str(i.get("text"))} for i in _items(items) if isinstance(i, dict)]

    def question(obj: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": _str(obj.get("type"))}
        for name in ("id", "stem", "lead_in", "scoring"):
            if name in obj:
                out[name] = _str(obj[name])
        if "options" in obj:
            out["options"] = pairs(obj["options"])
        if "stems" in obj:
            out["stems"] = pairs(obj["stems"])
        if "stages" in obj:
            out["stages"] = [
                {
                    "id": _str(st.get("id")),
                    "text": _str(st.get("text")),
                    "media": _candidate_media(st.get("media")),
                    "questions": [question(q) for q in _items(st.get("questions")) if isinstance(q, dict)],
                }
                for st in _items(obj["stages"])
                if isinstance(st, dict)
            ]
        out["media"] = _candidate_media(obj.get("media"))
        return out

    return question(content)
