"""Moodle XML import and export.

Mapping (see docs/import-formats.md):

* ``category`` questions set the category of the questions after them; the last path segment
  (``$course$/top/TACE`` -> ``TACE``) becomes the item's ``area`` and every path is reported.
* ``multichoice`` single -> sba; multiple -> mrq (``partial`` scoring, keys = positive
  fractions); ``multichoiceset`` (all-or-nothing plugin) -> mrq ``all_or_nothing``;
  ``truefalse`` -> tf; ``matching`` -> emq (sub-questions are stems, answers the options; an
  empty sub-question is a distractor option); ``ordering`` -> order (answers sorted by
  ``fraction``, which the ordering plugin uses as the position).
* ``generalfeedback`` -> explanation; per-answer feedback is added to the explanation.
* Images are ``<file encoding="base64">`` elements referenced as ``@@PLUGINFILE@@/name``.
* Metadata: ``name`` -> title, ``idnumber`` -> source id, tags; ``level:…``, ``pool:…``,
  ``objective:…`` (etc.) tags carry the metadata Moodle has no field for.

Export writes Markdown text (``format="markdown"``) in CDATA, so nothing is lost in conversion.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from question_bank.formats.base import (
    FormatError,
    ImportReport,
    MediaFile,
    ParsedQuestion,
    export_filename,
    join_question_text,
    metadata_from_tags,
    metadata_to_tags,
    missing_media,
    rewrite_media_links,
    safe_media_ref,
    split_question_text,
    text_with_attachments,
)
from question_bank.formats.htmltext import html_to_markdown, markdown_to_plain, plain_to_markdown
from question_bank.formats.safety import DEFAULT_LIMITS, Limits, check_size, parse_xml, sniff_image

__all__ = ["lossy_moodle", "parse_moodle", "unsupported_moodle", "write_moodle"]

SUPPORTED = {"multichoice", "multichoiceset", "truefalse", "matching", "ordering"}
IGNORED = {"category", "description"}
TRUE_WORDS = {"true", "t", "yes", "正确", "对", "是"}
TF_TEXTS = {"T": "True", "F": "False"}


class _Item:
    """Reading state of one Moodle question: its label, location and the images it carries."""

    def __init__(self, report: ImportReport, label: str, location: str) -> None:
        self.report = report
        self.label = label
        self.location = location
        self.media: dict[str, MediaFile] = {}
        self.ok = True

    def problem(self, where: str, message: str) -> None:
        self.report.problem(self.label, f"{self.location}/{where}", message)
        self.ok = False

    def warn(self, where: str, message: str) -> None:
        self.report.warn(self.label, f"{self.location}/{where}", message)

    def text(self, elem: Element | None, where: str) -> str:
        """Markdown from a Moodle text element (``<questiontext format=…><text/><file/></…>``)."""
        if elem is None:
            return ""
        files: dict[str, str] = {}
        for i, f in enumerate(elem.findall("file")):
            name = f.get("name", "")
            try:
                data = base64.b64decode((f.text or "").strip(), validate=True)
            except (binascii.Error, ValueError):
                self.problem(f"{where}/file[{i + 1}]", f"The embedded file {name!r} is not valid base64.")
                continue
            mime = sniff_image(data)
            if mime is None:
                self.problem(
                    f"{where}/file[{i + 1}]", f"The embedded file {name!r} is not a PNG, JPEG, GIF or WebP image."
                )
                continue
            ref = safe_media_ref(name, self.media)
            self.media[ref] = MediaFile(filename=name, data=data, mime=mime)
            files[name] = ref
        raw = elem.findtext("text") or ""
        fmt = elem.get("format", "html")

        def image_ref(src: str, alt: str) -> str | None:
            if src.startswith("@@PLUGINFILE@@/"):
                return files.get(unquote(src[len("@@PLUGINFILE@@/") :]).lstrip("/"))
            return None

        def warn(message: str) -> None:
            self.warn(where, message)

        if fmt == "markdown":

            def link(m: re.Match[str]) -> str:
                ref = image_ref("@@PLUGINFILE@@/" + m.group(1), "")
                return "](media:" + ref if ref else m.group(0)

            return re.sub(r"\]\(\s*@@PLUGINFILE@@/([^)\s\"]+)", link, raw).strip()
        if fmt in ("plain_text", "moodle_auto_format") and "<" not in raw:
            return plain_to_markdown(raw)
        return html_to_markdown(raw, image_ref=image_ref, warn=warn)


def _fraction(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return float("nan")


def _letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


def parse_moodle(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    report = ImportReport()
    check_size(data, limits, filename)
    root = parse_xml(data, filename=filename, encoding=encoding)
    if root.tag != "quiz":
        raise FormatError(f"A Moodle XML file starts with <quiz>, not <{root.tag}>.", filename)
    category: str | None = None
    area = default_area
    for index, qel in enumerate(root.findall("question"), 1):
        qtype = qel.get("type", "")
        location = f"question[{index}]"
        if qtype == "category":
            category = (qel.findtext("category/text") or "").strip()
            report.categories.append(category)
            segments = [s.strip() for s in category.split("/") if s.strip()]
            segments = [s for s in segments if s not in ("$course$", "$system$", "$module$", "$coursecategory$", "top")]
            area = segments[-1] if segments else default_area
            continue
        title = (qel.findtext("name/text") or "").strip()
        source_id = (qel.findtext("idnumber") or "").strip() or None
        label = source_id or title or f"question {index}"
        item = _Item(report, label, location)
        if qtype not in SUPPORTED:
            if qtype == "description":
                report.warn(label, location, "A Moodle 'description' is not a question; it was skipped.")
            else:
                item.problem(
                    "@type",
                    f"The Moodle question type {qtype!r} cannot be imported "
                    f"(supported: {', '.join(sorted(SUPPORTED))}).",
                )
            continue
        q = ParsedQuestion(content={}, title=title, source_id=source_id, area=area, category=category)
        metadata_from_tags(q, [t.findtext("text") or "" for t in qel.findall("tags/tag")])
        if q.area is None:
            q.area = area
        question_text = item.text(qel.find("questiontext"), "questiontext")
        stem, lead_in = split_question_text(question_text)
        explanation = item.text(qel.find("generalfeedback"), "generalfeedback")
        answers = qel.findall("answer")
        feedback_notes: list[str] = []
        content: dict[str, Any]
        if qtype in ("multichoice", "multichoiceset"):
            single = (qel.findtext("single") or "true").strip().lower() == "true" and qtype == "multichoice"
            ids = _letters(len(answers))
            options, keys, negative = [], [], False
            for oid, (i, ans) in zip(ids, enumerate(answers, 1), strict=False):
                options.append({"id": oid, "text": item.text(ans, f"answer[{i}]")})
                f = _fraction(ans.get("fraction"))
                if f != f:
                    item.problem(f"answer[{i}]/@fraction", f"{ans.get('fraction')!r} is not a number.")
                if single:
                    if f >= 100:
                        keys.append(oid)
                    elif f > 0:
                        item.warn(
                            f"answer[{i}]",
                            f"Partial credit ({f:g}%) for option {oid} cannot be kept; it counts as wrong.",
                        )
                elif f > 0:
                    keys.append(oid)
                negative = negative or f < 0
                fb = item.text(ans.find("feedback"), f"answer[{i}]/feedback")
                if fb:
                    feedback_notes.append(f"**{oid}**: {fb}")
            content = {
                "type": "sba" if single else "mrq",
                "stem": stem,
                "lead_in": lead_in,
                "options": options,
                "key": keys,
            }
            if not single:
                content["scoring"] = "all_or_nothing" if qtype == "multichoiceset" else "partial"
                if qtype == "multichoice" and not negative:
                    item.warn(
                        "answer",
                        "Moodle gave no penalty for wrong choices; "
                        "imported with partial scoring, which subtracts them.",
                    )
        elif qtype == "truefalse":
            key = []
            for i, ans in enumerate(answers, 1):
                word = (ans.findtext("text") or "").strip().lower()
                if _fraction(ans.get("fraction")) >= 100:
                    key.append("T" if word in TRUE_WORDS else "F")
                fb = item.text(ans.find("feedback"), f"answer[{i}]/feedback")
                if fb:
                    feedback_notes.append(f"**{'T' if word in TRUE_WORDS else 'F'}**: {fb}")
            options = [{"id": "T", "text": TF_TEXTS["T"]}, {"id": "F", "text": TF_TEXTS["F"]}]
            content = {"type": "tf", "stem": stem, "lead_in": lead_in, "options": options, "key": key}
        elif qtype == "matching":
            option_texts: list[str] = []
            pairs: list[tuple[str, str]] = []
            for i, sub in enumerate(qel.findall("subquestion"), 1):
                sub_text = item.text(sub, f"subquestion[{i}]")
                answer = (sub.findtext("answer/text") or "").strip()
                if not answer:
                    item.problem(f"subquestion[{i}]/answer", "A matching sub-question has no answer.")
                    continue
                if answer not in option_texts:
                    option_texts.append(answer)
                if sub_text:
                    pairs.append((sub_text, answer))
            ids = _letters(len(option_texts))
            options = [{"id": oid, "text": plain_to_markdown(t)} for oid, t in zip(ids, option_texts, strict=False)]
            stems = [
                {"id": str(n), "text": s, "key": [ids[option_texts.index(a)]]} for n, (s, a) in enumerate(pairs, 1)
            ]
            theme, lead = (stem, lead_in) if stem else (lead_in, "")
            if not lead:
                lead = "Choose the best match for each item."
                item.warn("questiontext", "No separate lead-in found; a generic one was added.")
            content = {"type": "emq", "stem": theme, "lead_in": lead, "options": options, "stems": stems}
        else:  # ordering
            positioned = []
            for i, ans in enumerate(answers, 1):
                positioned.append((_fraction(ans.get("fraction")), i, item.text(ans, f"answer[{i}]")))
            ids = _letters(len(positioned))
            options = [{"id": oid, "text": t} for oid, (_, _, t) in zip(ids, positioned, strict=False)]
            by_position = sorted(zip(ids, positioned, strict=False), key=lambda p: (p[1][0], p[1][1]))
            content = {
                "type": "order",
                "stem": stem,
                "lead_in": lead_in,
                "options": options,
                "key": [oid for oid, _ in by_position],
            }
        if feedback_notes:
            explanation = "\n\n".join([explanation, *feedback_notes]).strip()
            item.warn("answer/feedback", "Per-answer feedback was added to the explanation.")
        content["explanation"] = explanation
        q.content = content
        q.media = item.media
        if item.ok:
            report.add(q, location, max_items=limits.max_items)
    return report


# --------------------------------------------------------------------------- export


def unsupported_moodle(q: ParsedQuestion) -> str | None:
    qtype = q.content.get("type")
    if qtype == "case":
        return "Case sets cannot be represented in Moodle XML; export each stage question on its own or use JSON."
    if missing_media(q):
        return f"Image(s) {', '.join(missing_media(q))} were not supplied."
    return None


def lossy_moodle(q: ParsedQuestion) -> list[str]:
    """What changes when ``q`` goes through Moodle XML and back."""
    notes = []
    if q.content.get("media"):
        notes.append("Attached images are written as images at the end of the question text.")
    if q.content.get("type") == "emq" and any(markdown_to_plain(o["text"]) != o["text"] for o in q.content["options"]):
        notes.append("Moodle matching answers are plain text; option formatting is lost.")
    if q.content.get("type") == "tf":
        notes.append("True/false option wording is not stored by Moodle (it shows its own true/false).")
    if q.content.get("type") == "order" and q.content.get("scoring") == "adjacent":
        notes.append("Adjacent-pairs scoring is not kept; the item comes back with exact-order scoring.")
    if q.content.get("references"):
        notes.append("Moodle XML has no field for references; they are not exported.")
    return notes


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_el(tag: str, markdown: str, q: ParsedQuestion, attrs: str = "") -> str:
    refs = [ref for ref in q.media if f"media:{ref}" in markdown]
    names = {ref: export_filename(ref, q.media[ref]) for ref in refs}
    body = rewrite_media_links(markdown, {ref: f"@@PLUGINFILE@@/{name}" for ref, name in names.items()})
    files = "".join(
        f'<file name="{_esc(names[ref])}" path="/" encoding="base64">'
        f"{base64.b64encode(q.media[ref].data).decode()}</file>"
        for ref in refs
    )
    return f'<{tag}{attrs} format="markdown"><text>{_cdata(body)}</text>{files}</{tag}>'


def _fraction_text(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if value else "0"


def write_moodle(questions: list[ParsedQuestion]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    current_area: object = object()
    for q in questions:
        c = q.content
        qtype = c["type"]
        if q.area != current_area:
            current_area = q.area
            path = "$course$/top/" + (q.area or "Default")
            out.append(f'<question type="category"><category><text>{_esc(path)}</text></category></question>')
        moodle_type = {
            "sba": "multichoice",
            "mrq": "multichoice",
            "tf": "truefalse",
            "emq": "matching",
            "order": "ordering",
        }[qtype]
        if qtype == "mrq" and c.get("scoring", "all_or_nothing") == "all_or_nothing":
            moodle_type = "multichoiceset"
        parts = [f'<question type="{moodle_type}">', f"<name><text>{_esc(q.title or q.label)}</text></name>"]
        if qtype == "emq":
            question_text = c["stem"] + ("\n\n" + c["lead_in"] if c.get("lead_in") else "")
        else:
            question_text = join_question_text(c)
        question_text = text_with_attachments(question_text, c.get("media", []))
        parts.append(_text_el("questiontext", question_text, q))
        parts.append(_text_el("generalfeedback", c.get("explanation", ""), q))
        parts.append("<defaultgrade>1</defaultgrade><penalty>0</penalty><hidden>0</hidden>")
        if q.source_id:
            parts.append(f"<idnumber>{_esc(q.source_id)}</idnumber>")
        if qtype in ("sba", "mrq"):
            keys = c["key"]
            wrong = 0.0
            if qtype == "mrq" and moodle_type == "multichoice":
                wrong = -100.0 / len(keys)
            parts.append(f"<single>{'true' if qtype == 'sba' else 'false'}</single>")
            parts.append("<shuffleanswers>true</shuffleanswers><answernumbering>ABCD</answernumbering>")
            for o in c["options"]:
                f = (100.0 / len(keys)) if o["id"] in keys else wrong
                parts.append(_text_el("answer", o["text"], q, f' fraction="{_fraction_text(f)}"'))
        elif qtype == "tf":
            for oid, word in (("T", "true"), ("F", "false")):
                f = 100 if c["key"] == [oid] else 0
                parts.append(f'<answer fraction="{f}" format="moodle_auto_format"><text>{word}</text></answer>')
        elif qtype == "emq":
            parts.append("<shuffleanswers>true</shuffleanswers>")
            used = set()
            texts = {o["id"]: o["text"] for o in c["options"]}
            for s in c["stems"]:
                used.add(s["key"][0])
                parts.append(
                    _text_el("subquestion", s["text"], q).replace(
                        "</subquestion>",
                        f"<answer><text>{_esc(markdown_to_plain(texts[s['key'][0]]))}</text></answer></subquestion>",
                    )
                )
            for o in c["options"]:
                if o["id"] not in used:
                    parts.append(
                        '<subquestion format="markdown"><text></text>'
                        f"<answer><text>{_esc(markdown_to_plain(o['text']))}</text></answer></subquestion>"
                    )
        else:  # order
            position = {oid: i for i, oid in enumerate(c["key"], 1)}
            parts.append(
                "<layouttype>VERTICAL</layouttype><selecttype>ALL</selecttype><gradingtype>ABSOLUTE_POSITION</gradingtype>"
            )
            for o in c["options"]:
                parts.append(_text_el("answer", o["text"], q, f' fraction="{position[o["id"]]}"'))
        tags = metadata_to_tags(q, include_area=False)
        if tags:
            parts.append("<tags>" + "".join(f"<tag><text>{_esc(t)}</text></tag>" for t in tags) + "</tags>")
        parts.append("</question>")
        out.append("".join(parts))
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")
