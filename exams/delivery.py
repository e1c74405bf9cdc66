"""Pure delivery rules: form layouts, answer validation, option shuffling, candidate payloads.

No Django imports: these functions take plain content dicts (docs/question-content.md)
and return plain data, so they are tested and benchmarked alone. Nothing returned
by ``candidate_item`` may contain a key, an explanation, references or statistics.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from question_bank.content import strip_for_candidate
from question_bank.markdown import render_markdown

CHOICE_TYPES = {"sba", "tf"}
SHUFFLED_TYPES = {"sba", "mrq", "emq", "order"}
MAX_ANSWER_BYTES = 8_000


class AnswerError(ValueError):
    """An answer that does not fit the item (unknown option, wrong shape)."""


def layout_entry(position: int, content: Mapping[str, Any]) -> dict[str, Any]:
    """What a candidate may answer at ``position``: the type and the ids, never the keys."""
    qtype = content["type"]
    entry: dict[str, Any] = {"position": position, "type": qtype}
    if qtype == "case":
        entry["stages"] = [
            {
                "id": stage["id"],
                "questions": [
                    {"id": q["id"], "type": q["type"], "options": [o["id"] for o in q.get("options", [])]}
                    for q in stage.get("questions", [])
                ],
            }
            for stage in content.get("stages", [])
        ]
    else:
        entry["options"] = [o["id"] for o in content.get("options", [])]
        if qtype == "emq":
            entry["stems"] = [stem["id"] for stem in content.get("stems", [])]
    return entry


ANSWER_FIELDS = {"sba": {"choice"}, "tf": {"choice"}, "mrq": {"choices"}, "order": {"order"}, "emq": {"answers"}}
ANSWER_FIELDS["case"] = {"answers", "stage"}


def _check_fields(qtype: str, answer: Mapping[str, Any], where: str) -> None:
    """A wrongly shaped answer is refused, never stored as a blank (that would silently lose it)."""
    unknown = set(answer) - ANSWER_FIELDS.get(qtype, set())
    if unknown:
        raise AnswerError(f"{where}: unexpected field(s) {', '.join(sorted(unknown))} for a {qtype} item")


def _check_simple(qtype: str, options: list[str], answer: Mapping[str, Any], where: str) -> dict[str, Any]:
    _check_fields(qtype, answer, where)
    allowed = set(options)
    if qtype in CHOICE_TYPES:
        choice = answer.get("choice")
        if choice is None:
            return {}
        if not isinstance(choice, str) or choice not in allowed:
            raise AnswerError(f"{where}: {choice!r} is not one of the options")
        return {"choice": choice}
    if qtype == "mrq":
        choices = answer.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(c, str) and c in allowed for c in choices):
            raise AnswerError(f"{where}: choices must be a list of option ids")
        if len(set(choices)) != len(choices):
            raise AnswerError(f"{where}: an option is chosen twice")
        return {"choices": sorted(choices)} if choices else {}
    if qtype == "order":
        order = answer.get("order", [])
        if not isinstance(order, list) or not all(isinstance(c, str) and c in allowed for c in order):
            raise AnswerError(f"{where}: order must be a list of option ids")
        if len(set(order)) != len(order):
            raise AnswerError(f"{where}: a step appears twice")
        return {"order": order} if order else {}
    raise AnswerError(f"{where}: unknown item type {qtype!r}")


def validate_answer(entry: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    """Check an answer against a layout entry; return it normalised (canonical ids), ``{}`` for an omit."""
    if answer is None:
        return {}
    if not isinstance(answer, Mapping):
        raise AnswerError("the answer must be an object")
    qtype = entry["type"]
    where = f"item {entry['position']}"
    if qtype in ("emq", "case"):
        _check_fields(qtype, answer, where)
    if qtype == "emq":
        given = answer.get("answers", {})
        if not isinstance(given, Mapping):
            raise AnswerError(f"{where}: answers must map stem ids to option ids")
        stems, options = set(entry["stems"]), set(entry["options"])
        clean = {}
        for stem_id, choice in given.items():
            if stem_id not in stems:
                raise AnswerError(f"{where}: unknown stem {stem_id!r}")
            if choice is None:
                continue
            if not isinstance(choice, str) or choice not in options:
                raise AnswerError(f"{where}, stem {stem_id}: {choice!r} is not one of the options")
            clean[stem_id] = choice
        return {"answers": clean} if clean else {}
    if qtype == "case":
        given = answer.get("answers", {})
        if not isinstance(given, Mapping):
            raise AnswerError(f"{where}: answers must map question ids to answers")
        questions = {q["id"]: q for stage in entry["stages"] for q in stage["questions"]}
        clean = {}
        for qid, sub in given.items():
            if qid not in questions:
                raise AnswerError(f"{where}: unknown case question {qid!r}")
            if sub is None:
                continue
            if not isinstance(sub, Mapping):
                raise AnswerError(f"{where}, question {qid}: the answer must be an object")
            q = questions[qid]
            value = _check_simple(q["type"], q["options"], sub, f"{where}, question {qid}")
            if value:
                clean[qid] = value
        return {"answers": clean} if clean else {}
    return _check_simple(qtype, entry["options"], answer, where)


def stage_of_question(entry: Mapping[str, Any], question_id: str) -> int | None:
    for index, stage in enumerate(entry.get("stages", [])):
        if any(q["id"] == question_id for q in stage["questions"]):
            return index
    return None


def apply_stage_locks(entry: Mapping[str, Any], answer: Mapping[str, Any], locked: Mapping[str, Any]) -> dict:
    """A case answer as scored: questions of completed stages take their locked (snapshot) answers."""
    if entry["type"] != "case" or not locked:
        return dict(answer)
    merged = dict(answer.get("answers", {}))
    for qid, value in locked.items():
        if value:
            merged[qid] = value
        else:
            merged.pop(qid, None)
    return {"answers": merged} if merged else {}


def shuffle_orders(layout: list[Mapping[str, Any]], rng: random.Random) -> dict[str, list[str]]:
    """Per-candidate display order of options, keyed by position (and ``position:question`` in case sets)."""
    orders: dict[str, list[str]] = {}
    for entry in layout:
        pos = str(entry["position"])
        if entry["type"] == "case":
            for stage in entry["stages"]:
                for q in stage["questions"]:
                    if q["type"] in SHUFFLED_TYPES:
                        ids = list(q["options"])
                        rng.shuffle(ids)
                        orders[f"{pos}:{q['id']}"] = ids
        elif entry["type"] in SHUFFLED_TYPES:
            ids = list(entry["options"])
            rng.shuffle(ids)
            orders[pos] = ids
    return orders


def _ordered(options: list[dict[str, Any]], order: list[str] | None) -> list[dict[str, Any]]:
    if not order:
        return options
    by_id = {o["id"]: o for o in options}
    return [by_id[i] for i in order if i in by_id] + [o for o in options if o["id"] not in set(order)]


def dicom_media(item: Mapping[str, Any], url: str | None) -> dict[str, Any]:
    """A DICOM series as the candidate's page needs it: the viewer's two URLs (under the media URL ``url``)
    and the display choices; the series' header never appears, and its region of interest neither."""
    entry: dict[str, Any] = {
        "kind": "dicom",
        "manifest_url": f"{url}dicom/manifest/" if url else None,
        "data_url": f"{url}dicom/data/" if url else None,
        "alt": item.get("alt", ""),
        "caption": item.get("caption", ""),
    }
    if "window" in item:
        entry["window"] = item["window"]
    if "initial_frame" in item:
        entry["initial_frame"] = item["initial_frame"]
    return entry


def visible_dicom_refs(content: Mapping[str, Any], *, stage_reached: int = 0) -> set[str]:
    """The DICOM series a candidate is shown for this item: the stem's and those of the case stages
    reached so far (later stages are withheld, as in :func:`candidate_item`)."""
    safe = strip_for_candidate(content)
    media = list(safe.get("media", []))
    for index, stage in enumerate(safe.get("stages", [])):
        if index > stage_reached:
            break
        media.extend(stage.get("media", []))
    return {m["ref"] for m in media if m.get("kind") == "dicom" and m.get("ref")}


@lru_cache(maxsize=20_000)
def render_cached(text: str) -> str:
    """Markdown without images, rendered once per process.

    Question versions never change, so an exam start (a whole paper: stems, lead-ins and every
    option) renders from this cache instead of parsing and sanitising some 800 texts again.
    """
    return render_markdown(text)


def candidate_item(
    position: int,
    content: Mapping[str, Any],
    *,
    orders: Mapping[str, list[str]],
    stage_reached: int = 0,
    media_url: Callable[[str], str | None] | None = None,
) -> dict[str, Any]:
    """The item as the candidate sees it: rendered, shuffled, keys stripped, later case stages withheld.

    Options keep their canonical ``id`` (what the answer stores) and get a display ``label``
    (A, B, C… in display order) for the page and the keyboard shortcuts.
    """
    return candidate_item_for(candidate_item_base(position, content, media_url=media_url), orders, stage_reached)


def candidate_item_base(
    position: int, content: Mapping[str, Any], *, media_url: Callable[[str], str | None] | None = None
) -> dict[str, Any]:
    """The candidate-independent part of an item: rendered, keys stripped, every stage, canonical order.

    The same for every candidate on a form, so a form's paper is built once and cached
    (``exams.selectors.form_paper``); never send it as it is — ``candidate_item_for`` withholds the
    stages not reached yet and applies the candidate's option order.
    """
    safe = strip_for_candidate(content)

    def html(text: str) -> str:
        text = text or ""
        if "![" not in text:  # no image: the HTML depends on the text alone
            return render_cached(text)
        return render_markdown(text, media_url=media_url)

    def media_list(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items or []:
            url = media_url(item["ref"]) if media_url else None
            if item.get("kind") == "dicom":
                out.append(dicom_media(item, url))
                continue
            out.append({"url": url, "alt": item.get("alt", ""), "caption": item.get("caption", "")})
        return out

    def options_of(question: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{"id": o["id"], "html": html(o.get("text", ""))} for o in question.get("options", [])]

    item: dict[str, Any] = {
        "position": position,
        "type": safe["type"],
        "stem_html": html(safe.get("stem", "")),
        "media": media_list(safe.get("media", [])),
    }
    if safe["type"] == "case":
        item["stages"] = [
            {
                "id": stage["id"],
                "text_html": html(stage.get("text", "")),
                "media": media_list(stage.get("media", [])),
                "questions": [
                    {
                        "id": q["id"],
                        "type": q["type"],
                        "lead_in_html": html(q.get("lead_in", "")),
                        "options": options_of(q),
                    }
                    for q in stage.get("questions", [])
                ],
            }
            for stage in safe.get("stages", [])
        ]
        return item
    item["lead_in_html"] = html(safe.get("lead_in", ""))
    item["options"] = options_of(safe)
    if safe["type"] == "emq":
        item["stems"] = [{"id": s["id"], "html": html(s.get("text", ""))} for s in safe.get("stems", [])]
    return item


def candidate_item_for(
    base: Mapping[str, Any], orders: Mapping[str, list[str]], stage_reached: int = 0
) -> dict[str, Any]:
    """One candidate's copy of a ``candidate_item_base``: their option order and labels, stages up to
    ``stage_reached`` (earlier ones locked). Builds new dicts; the cached base is never changed."""
    labels = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    position = base["position"]

    def options_of(options: list[dict[str, Any]], order_key: str) -> list[dict[str, Any]]:
        ordered = _ordered(options, orders.get(order_key))
        return [{"id": o["id"], "label": labels[i], "html": o["html"]} for i, o in enumerate(ordered)]

    item: dict[str, Any] = {
        "position": position,
        "type": base["type"],
        "stem_html": base["stem_html"],
        "media": base["media"],
    }
    if base["type"] == "case":
        item["stages"] = [
            {
                "id": stage["id"],
                "index": index,
                "locked": index < stage_reached,
                "text_html": stage["text_html"],
                "media": stage["media"],
                "questions": [
                    {
                        "id": q["id"],
                        "type": q["type"],
                        "lead_in_html": q["lead_in_html"],
                        "options": options_of(q["options"], f"{position}:{q['id']}"),
                    }
                    for q in stage["questions"]
                ],
            }
            for index, stage in enumerate(base["stages"][: stage_reached + 1])
        ]
        item["stage_count"] = len(base["stages"])
        return item
    item["lead_in_html"] = base["lead_in_html"]
    item["options"] = options_of(base["options"], str(position))
    if base["type"] == "emq":
        item["stems"] = base["stems"]
    return item
