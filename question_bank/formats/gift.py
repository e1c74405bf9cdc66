"""GIFT (Moodle's plain-text question format) import and export.

Supported: ``// comments`` (with Moodle's ``[id:…]`` and ``[tag:…]`` markers), ``::title::``,
``$CATEGORY:``, ``[markdown]``/``[html]``/``[plain]``/``[moodle]`` text formats, escapes
``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``, multiple choice with one ``=`` key (sba), weighted answers
``~%50%…`` (mrq; positive weights are keys), true/false ``{T}``/``{F}`` (also TRUE/FALSE),
matching ``{=a -> b}`` (emq; ``= -> x`` is a distractor option), answer feedback ``#…`` and
general feedback ``####…``. Short answer, numerical, essay and missing-word-with-short-answer
questions are reported as not supported. Questions are separated by blank lines.
"""

from __future__ import annotations

import re
from typing import Any

from question_bank.formats.base import (
    ImportReport,
    ParsedQuestion,
    join_question_text,
    metadata_from_tags,
    metadata_to_tags,
    split_question_text,
)
from question_bank.formats.htmltext import html_to_markdown, markdown_to_plain, plain_to_markdown
from question_bank.formats.safety import DEFAULT_LIMITS, Limits, check_size, decode_text

__all__ = ["escape_gift", "lossy_gift", "parse_gift", "unsupported_gift", "write_gift"]

SPECIAL = "~=#{}:"
TF_TEXTS = {"T": "True", "F": "False"}


def escape_gift(text: str) -> str:
    """Escape GIFT's special characters and write newlines as ``\\n``."""
    text = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def unescape_gift(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "n":
                out.append("\n")
            elif nxt in SPECIAL or nxt == "\\":
                out.append(nxt)
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find_unescaped(text: str, chars: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            return i
        i += 1
    return -1


def _split_unescaped(text: str, sep: str) -> list[str]:
    """Split on an unescaped separator string."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _to_markdown(raw: str, fmt: str, warn: Any) -> str:
    text = unescape_gift(raw).strip()
    if fmt == "markdown":
        return text
    if fmt == "html":
        return html_to_markdown(text, warn=warn)
    return plain_to_markdown(text)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Split the file into (first line number, lines) blocks at blank lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                start = n
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_gift(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    check_size(data, limits, filename)
    text, _ = decode_text(data, encoding, filename=filename)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    report = ImportReport()
    category: str | None = None
    area = default_area
    for index, (line_no, lines) in enumerate(_blocks(text), 1):
        meta_tags: list[str] = []
        source_id: str | None = None
        body_lines = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("//"):
                source_id = next(iter(re.findall(r"\[id:([^\]]+)\]", stripped)), source_id)
                meta_tags += re.findall(r"\[tag:([^\]]+)\]", stripped)
                continue
            if stripped.startswith("$CATEGORY:"):
                category = stripped[len("$CATEGORY:") :].strip()
                report.categories.append(category)
                segments = [
                    s
                    for s in category.split("/")
                    if s.strip() and s.strip() not in ("$course$", "$system$", "$module$", "top")
                ]
                area = segments[-1].strip() if segments else default_area
                continue
            body_lines.append(line)
        if not body_lines:
            continue
        location = f"line {line_no}"
        body = "\n".join(body_lines).strip()
        title = ""
        if body.startswith("::"):
            end = body.find("::", 2)
            if end < 0:
                report.problem(f"question {index}", location, "The title starts with '::' but has no closing '::'.")
                continue
            title = unescape_gift(body[2:end]).strip()
            body = body[end + 2 :].lstrip()
        label = source_id or title or f"question {index}"
        fmt = "moodle"
        m = re.match(r"^\[(markdown|html|plain|moodle)\]", body)
        if m:
            fmt = m.group(1)
            body = body[m.end() :]
        open_at = _find_unescaped(body, "{")
        if open_at < 0:
            report.problem(label, location, "No answer block '{…}' found (a GIFT description is not a question).")
            continue
        close_at = _find_unescaped(body, "}", open_at + 1)
        if close_at < 0:
            report.problem(label, location, "The answer block '{' is not closed with '}'.")
            continue
        before, answers_raw, after = body[:open_at], body[open_at + 1 : close_at], body[close_at + 1 :]
        warnings: list[str] = []
        question_md = _to_markdown(before, fmt, warnings.append)
        if after.strip():
            question_md = f"{question_md} _____ {_to_markdown(after, fmt, warnings.append)}"
        stem, lead_in = split_question_text(question_md)
        q = ParsedQuestion(content={}, title=title, source_id=source_id, area=area, category=category)
        metadata_from_tags(q, meta_tags)
        if q.area is None:
            q.area = area
        content, problem = _answers(answers_raw.strip(), fmt, stem, lead_in, warnings)
        for w in warnings:
            report.warn(label, location, w)
        if problem:
            report.problem(label, location, problem)
            continue
        q.content = content
        report.add(q, location, max_items=limits.max_items)
    return report


def _answers(raw: str, fmt: str, stem: str, lead_in: str, warnings: list[str]) -> tuple[dict[str, Any], str | None]:
    general = ""
    parts = _split_unescaped(raw, "####")
    if len(parts) > 1:
        raw, general = parts[0].strip(), _to_markdown("####".join(parts[1:]), fmt, warnings.append)
    if not raw:
        return {}, "An empty answer block '{}' is an essay question, which cannot be imported."
    if raw.startswith("#"):
        return {}, "Numerical questions ('{#…}') cannot be imported."
    tf_match = re.match(r"^(T|TRUE|F|FALSE)\s*(#.*)?$", raw, re.S | re.I)
    if tf_match:
        key = "T" if tf_match.group(1).upper().startswith("T") else "F"
        explanation = general
        feedback = _split_unescaped(tf_match.group(2) or "", "#")
        notes = [_to_markdown(f, fmt, warnings.append) for f in feedback[1:] if f.strip()]
        if notes:
            warnings.append("True/false feedback was added to the explanation.")
            explanation = "\n\n".join([general, *notes]).strip()
        options = [{"id": "T", "text": TF_TEXTS["T"]}, {"id": "F", "text": TF_TEXTS["F"]}]
        return {
            "type": "tf",
            "stem": stem,
            "lead_in": lead_in,
            "options": options,
            "key": [key],
            "explanation": explanation,
        }, None

    # Tokenise answers: each starts with an unescaped '=' or '~'.
    tokens: list[tuple[str, str]] = []
    i = _find_unescaped(raw, "=~")
    if i != 0:
        return {}, "The answer block must start with '=' or '~' (short-answer and other types cannot be imported)."
    while i >= 0:
        j = _find_unescaped(raw, "=~", i + 1)
        tokens.append((raw[i], raw[i + 1 : j if j >= 0 else len(raw)]))
        i = j
    if tokens and all(kind == "=" for kind, _ in tokens) and all("->" in body for _, body in tokens):
        return _matching(tokens, fmt, stem, lead_in, general, warnings)
    if all(kind == "=" for kind, _ in tokens):
        return {}, "Answers with only '=' are a short-answer question, which cannot be imported."
    options, keys, notes, weighted, negative = [], [], [], False, False
    for n, (kind, body) in enumerate(tokens):
        oid = chr(ord("A") + n)
        parts = _split_unescaped(body, "#")
        text = parts[0].strip()
        weight = None
        wm = re.match(r"^%(-?\d+(?:\.\d+)?)%", text)
        if wm:
            weight = float(wm.group(1))
            text = text[wm.end() :]
            weighted = True
        if kind == "=" or (weight is not None and weight > 0):
            keys.append(oid)
        negative = negative or (weight is not None and weight < 0)
        options.append({"id": oid, "text": _to_markdown(text, fmt, warnings.append)})
        feedback = "#".join(parts[1:]).strip()
        if feedback:
            notes.append(f"**{oid}**: {_to_markdown(feedback, fmt, warnings.append)}")
    explanation = general
    if notes:
        warnings.append("Per-answer feedback was added to the explanation.")
        explanation = "\n\n".join([general, *notes]).strip()
    content: dict[str, Any] = {
        "stem": stem,
        "lead_in": lead_in,
        "options": options,
        "key": keys,
        "explanation": explanation,
    }
    if weighted and not any(kind == "=" for kind, _ in tokens):
        content["type"] = "mrq"
        content["scoring"] = "partial"
        if not negative:
            warnings.append(
                "No negative weights for wrong answers; imported with partial scoring, which subtracts them."
            )
    else:
        content["type"] = "sba"
    return content, None


def _matching(
    tokens: list[tuple[str, str]], fmt: str, stem: str, lead_in: str, general: str, warnings: list[str]
) -> tuple[dict[str, Any], str | None]:
    option_texts: list[str] = []
    pairs: list[tuple[str, str]] = []
    for _, body in tokens:
        left, _, right = body.partition("->")
        right_text = plain_to_markdown(unescape_gift(right).strip())
        left_text = _to_markdown(left, fmt, warnings.append)
        if not right_text:
            return {}, "A matching pair has nothing after '->'."
        if right_text not in option_texts:
            option_texts.append(right_text)
        if left_text:
            pairs.append((left_text, right_text))
    ids = [chr(ord("A") + i) for i in range(len(option_texts))]
    options = [{"id": oid, "text": t} for oid, t in zip(ids, option_texts, strict=False)]
    stems = [{"id": str(n), "text": s, "key": [ids[option_texts.index(a)]]} for n, (s, a) in enumerate(pairs, 1)]
    theme, lead = (stem, lead_in) if stem else (lead_in, "")
    if not lead:
        lead = "Choose the best match for each item."
        warnings.append("No separate lead-in found; a generic one was added.")
    return {
        "type": "emq",
        "stem": theme,
        "lead_in": lead,
        "options": options,
        "stems": stems,
        "explanation": general,
    }, None


# --------------------------------------------------------------------------- export


def unsupported_gift(q: ParsedQuestion) -> str | None:
    qtype = q.content.get("type")
    if qtype == "case":
        return "Case sets cannot be represented in GIFT; use Moodle XML for their questions or JSON."
    if qtype == "order":
        return "Ordering questions cannot be represented in GIFT; use Moodle XML, QTI or JSON."
    if q.media or q.content.get("media") or "](media:" in str(q.content):
        return "GIFT cannot carry images; use Moodle XML or a QTI package."
    return None


def lossy_gift(q: ParsedQuestion) -> list[str]:
    c = q.content
    notes = []
    if c.get("type") == "mrq" and c.get("scoring", "all_or_nothing") == "all_or_nothing":
        notes.append("GIFT cannot express all-or-nothing scoring; the item comes back with partial scoring.")
    if c.get("type") == "emq" and any(markdown_to_plain(o["text"]) != o["text"] for o in c["options"]):
        notes.append("GIFT matching answers are plain text; option formatting is lost.")
    if c.get("references"):
        notes.append("GIFT has no field for references; they are not exported.")
    if c.get("type") == "tf":
        notes.append("True/false option wording is not stored by GIFT.")
    return notes


def write_gift(questions: list[ParsedQuestion]) -> bytes:
    out: list[str] = []
    current_area: object = object()
    for q in questions:
        c = q.content
        if q.area != current_area:
            current_area = q.area
            out.append(f"$CATEGORY: $course$/top/{q.area or 'Default'}\n")
        comment = []
        if q.source_id:
            comment.append(f"[id:{q.source_id}]")
        comment += [f"[tag:{t}]" for t in metadata_to_tags(q, include_area=False)]
        lines = [f"// {' '.join(comment)}"] if comment else []
        if c["type"] == "emq":
            question_text = c["stem"] + ("\n\n" + c["lead_in"] if c.get("lead_in") else "")
        else:
            question_text = join_question_text(c)
        head = f"::{escape_gift(q.title or q.label)}::[markdown]{escape_gift(question_text)} {{"
        lines.append(head)
        if c["type"] in ("sba", "mrq"):
            n = len(c["key"])
            for o in c["options"]:
                if c["type"] == "sba":
                    mark = "=" if o["id"] in c["key"] else "~"
                else:
                    weight = 100 / n if o["id"] in c["key"] else -100 / n
                    mark = f"~%{weight:.5f}".rstrip("0").rstrip(".") + "%"
                lines.append(f"\t{mark}{escape_gift(o['text'])}")
        elif c["type"] == "tf":
            lines[-1] = head + ("T" if c["key"] == ["T"] else "F")
        elif c["type"] == "emq":
            texts = {o["id"]: o["text"] for o in c["options"]}
            used = set()
            for s in c["stems"]:
                used.add(s["key"][0])
                # "->" separates a pair; in the Markdown stem "-\\>" renders the same and does not split.
                stem_text = escape_gift(s["text"].replace("->", "-\\>"))
                lines.append(f"\t={stem_text} -> {escape_gift(markdown_to_plain(texts[s['key'][0]]))}")
            for o in c["options"]:
                if o["id"] not in used:
                    lines.append(f"\t= -> {escape_gift(markdown_to_plain(o['text']))}")
        if c.get("explanation"):
            lines.append(f"\t####{escape_gift(c['explanation'])}")
        lines.append("}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out).encode("utf-8")
