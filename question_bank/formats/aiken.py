"""Aiken import (import only: Aiken has no place for explanations, metadata or images).

::

    Question text (one or more lines)
    A. option        (or "A)")
    B. option
    ANSWER: B

Questions are separated by blank lines (optional). Each becomes a single-best-answer item; the
last paragraph of the question text is the lead-in and anything before it the stem.
"""

from __future__ import annotations

import re

from question_bank.formats.base import ImportReport, ParsedQuestion, split_question_text
from question_bank.formats.htmltext import plain_to_markdown
from question_bank.formats.safety import DEFAULT_LIMITS, Limits, check_size, decode_text

__all__ = ["parse_aiken"]

OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*)$")
ANSWER_RE = re.compile(r"^ANSWER\s*[:：]\s*([A-Z])\s*$", re.I)


def parse_aiken(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    check_size(data, limits, filename)
    text, _ = decode_text(data, encoding, filename=filename)
    report = ImportReport()
    question_lines: list[str] = []
    options: list[tuple[str, str]] = []
    start_line = 1
    index = 0

    def label() -> str:
        return f"question {index}"

    for n, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip()
        if not line and not options:
            if question_lines:
                question_lines.append("")
            continue
        if not line:
            continue
        if not question_lines and not options:
            index += 1
            start_line = n
        answer = ANSWER_RE.match(line)
        option = OPTION_RE.match(line)
        if answer:
            if not options:
                report.problem(label(), f"line {n}", "ANSWER: appears before any option line ('A. …').")
            else:
                _finish(
                    report, question_lines, options, answer.group(1).upper(), start_line, n, index, default_area, limits
                )
            question_lines, options = [], []
        elif option and question_lines:
            expected = chr(ord("A") + len(options))
            if option.group(1) != expected:
                report.problem(label(), f"line {n}", f"Expected option {expected}, found {option.group(1)}.")
            options.append((option.group(1), option.group(2).strip()))
        elif options:
            # Continuation of the previous option's text.
            letter, previous = options[-1]
            options[-1] = (letter, f"{previous} {line}")
        else:
            question_lines.append(line)
    if question_lines or options:
        report.problem(label(), f"line {start_line}", "The question has no 'ANSWER:' line.")
    return report


def _finish(
    report: ImportReport,
    question_lines: list[str],
    options: list[tuple[str, str]],
    key: str,
    start_line: int,
    answer_line: int,
    index: int,
    default_area: str | None,
    limits: Limits,
) -> None:
    location = f"lines {start_line}-{answer_line}"
    letters = [letter for letter, _ in options]
    if key not in letters:
        report.problem(
            f"question {index}",
            f"line {answer_line}",
            f"ANSWER: {key} is not one of the options ({', '.join(letters)}).",
        )
        return
    # Each line is its own paragraph: the last line is the lead-in, earlier lines the stem.
    paragraphs = "\n\n".join(line for line in question_lines if line).strip()
    stem, lead_in = split_question_text(plain_to_markdown(paragraphs))
    content = {
        "type": "sba",
        "stem": stem,
        "lead_in": lead_in,
        "options": [{"id": letter, "text": plain_to_markdown(text)} for letter, text in options],
        "key": [key],
    }
    report.add(
        ParsedQuestion(content=content, title=f"Aiken {index}", area=default_area), location, max_items=limits.max_items
    )
