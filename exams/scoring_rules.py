"""Pure scoring of question responses (no Django).

Implements the rules of ``docs/question-content.md``: every question splits into
*scoring units* worth one point each, and each unit scores in ``[0, 1]``.

- ``sba``/``tf``: 1 if the choice is a key (or an accepted alternative), else 0.
- ``mrq``: ``all_or_nothing`` (default) 1 only for the exact key set;
  ``partial`` = max(0, (correct chosen - wrong chosen) / number of keys).
- ``emq``: one unit per stem, scored like ``sba`` against that stem's key.
- ``order``: ``exact`` (default) 1 only for the exact order; ``adjacent`` =
  (adjacent pairs of the response that are in the correct relative order) / (n - 1).
- ``case``: one unit per stage question, each scored by its own type.

Key decisions from key validation apply per unit (:class:`KeyDecision`): ``drop``
makes the unit count for nobody (its score is ``None``), ``accept`` adds accepted
option ids (sba, tf, emq), ``rekey`` replaces the key.

Responses come from the outside world, so a malformed response never raises: an
unknown option id, a wrong type or a missing field simply scores 0. Content is
expected to have passed ``question_bank/content.py``; content this module cannot
score (unknown type, missing key) raises :class:`ValueError` with a clear message,
as do decisions that do not fit the content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "KeyDecision",
    "KeyAction",
    "chosen_options",
    "score_response",
    "scoring_units",
    "validate_decisions",
]

KeyAction = Literal["keep", "drop", "accept", "rekey"]
_ACTIONS: frozenset[str] = frozenset({"keep", "drop", "accept", "rekey"})
_SIMPLE_TYPES = frozenset({"sba", "tf", "mrq", "order"})
_CASE_QUESTION_TYPES = frozenset({"sba", "mrq", "tf", "order"})


@dataclass(frozen=True)
class KeyDecision:
    """An officer's decision about one scoring unit's key.

    ``key`` holds the accepted extra option ids for ``accept`` and the new key for
    ``rekey`` (for ``order``: the full new order). It must be empty for ``keep``
    and ``drop``.
    """

    action: KeyAction
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            raise ValueError(f"Unknown key decision {self.action!r}; expected one of keep, drop, accept, rekey.")
        if not isinstance(self.key, tuple) or not all(isinstance(k, str) for k in self.key):
            raise ValueError("A key decision's key must be a tuple of option ids (strings).")
        if self.action in ("accept", "rekey") and not self.key:
            raise ValueError(f"A {self.action!r} decision needs at least one option id.")
        if self.action in ("keep", "drop") and self.key:
            raise ValueError(f"A {self.action!r} decision takes no option ids.")


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _Unit:
    """One scoring unit: the question (sub-)content that scores it and where its answer lives."""

    id: str
    type: str
    options: tuple[str, ...]
    key: tuple[str, ...]
    scoring: str


def _option_ids(content: Mapping[str, Any], where: str) -> tuple[str, ...]:
    options = content.get("options")
    if not isinstance(options, list) or not options:
        raise ValueError(f"{where}: 'options' must be a non-empty list.")
    ids: list[str] = []
    for option in options:
        if not isinstance(option, Mapping) or not isinstance(option.get("id"), str):
            raise ValueError(f"{where}: every option needs a string 'id'.")
        ids.append(option["id"])
    if len(set(ids)) != len(ids):
        raise ValueError(f"{where}: option ids must be unique.")
    return tuple(ids)


def _key(value: Any, options: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{where}: 'key' must be a non-empty list of option ids.")
    unknown = [k for k in value if k not in options]
    if unknown:
        raise ValueError(f"{where}: key names unknown option ids {unknown}.")
    return tuple(value)


def _simple_unit(content: Mapping[str, Any], unit_id: str, where: str) -> _Unit:
    qtype = content.get("type")
    options = _option_ids(content, where)
    key = _key(content.get("key"), options, where)
    if qtype == "mrq":
        scoring = content.get("scoring", "all_or_nothing")
        if scoring not in ("all_or_nothing", "partial"):
            raise ValueError(f"{where}: unknown mrq scoring {scoring!r}.")
    elif qtype == "order":
        scoring = content.get("scoring", "exact")
        if scoring not in ("exact", "adjacent"):
            raise ValueError(f"{where}: unknown order scoring {scoring!r}.")
        if sorted(key) != sorted(options):
            raise ValueError(f"{where}: an order key must list every option id once.")
    else:
        scoring = "single"
    return _Unit(id=unit_id, type=str(qtype), options=options, key=key, scoring=scoring)


def _units(content: Mapping[str, Any]) -> list[_Unit]:
    if not isinstance(content, Mapping):
        raise ValueError("Question content must be a JSON object.")
    qtype = content.get("type")
    if qtype in _SIMPLE_TYPES:
        return [_simple_unit(content, "", f"{qtype} question")]
    if qtype == "emq":
        options = _option_ids(content, "emq question")
        stems = content.get("stems")
        if not isinstance(stems, list) or not stems:
            raise ValueError("emq question: 'stems' must be a non-empty list.")
        units = []
        for stem in stems:
            if not isinstance(stem, Mapping) or not isinstance(stem.get("id"), str):
                raise ValueError("emq question: every stem needs a string 'id'.")
            where = f"emq stem {stem['id']!r}"
            key = _key(stem.get("key"), options, where)
            units.append(_Unit(stem["id"], "emq", options, key, "single"))
        _check_unique([u.id for u in units], "emq question: stem ids")
        return units
    if qtype == "case":
        stages = content.get("stages")
        if not isinstance(stages, list) or not stages:
            raise ValueError("case: 'stages' must be a non-empty list.")
        units = []
        for stage in stages:
            questions = stage.get("questions") if isinstance(stage, Mapping) else None
            if not isinstance(questions, list):
                raise ValueError("case: every stage needs a 'questions' list.")
            for question in questions:
                if not isinstance(question, Mapping) or not isinstance(question.get("id"), str):
                    raise ValueError("case: every stage question needs a string 'id'.")
                if question.get("type") not in _CASE_QUESTION_TYPES:
                    raise ValueError(f"case question {question['id']!r}: type must be sba, mrq, tf or order.")
                where = f"case question {question['id']!r}"
                units.append(_simple_unit(question, question["id"], where))
        _check_unique([u.id for u in units], "case: question ids")
        return units
    raise ValueError(f"Unknown question type {qtype!r}.")


def _check_unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} must be unique.")


def scoring_units(content: Mapping[str, Any]) -> list[str]:
    """Return the ids of the content's scoring units, in order.

    ``[""]`` for sba, tf, mrq and order; the stem ids for emq; the stage question
    ids (stage by stage) for a case.
    """
    return [unit.id for unit in _units(content)]


# ----------------------------------------------------------------------- decisions


def _effective_key(unit: _Unit, decision: KeyDecision | None) -> tuple[str, ...]:
    """The key a unit is scored against once a (validated) decision is applied."""
    if decision is None or decision.action in ("keep", "drop"):
        return unit.key
    if decision.action == "rekey":
        return decision.key
    return unit.key + tuple(k for k in decision.key if k not in unit.key)


def _check_decision(unit: _Unit, decision: KeyDecision) -> None:
    label = f"unit {unit.id!r}" if unit.id else "the question"
    unknown = [k for k in decision.key if k not in unit.options]
    if unknown:
        raise ValueError(f"Key decision for {label} names unknown option ids {unknown}.")
    if len(set(decision.key)) != len(decision.key):
        raise ValueError(f"Key decision for {label} repeats an option id.")
    if decision.action == "accept" and unit.type not in ("sba", "tf", "emq"):
        raise ValueError(f"'accept' applies to sba, tf and emq units; {label} is {unit.type}: use 'rekey'.")
    if decision.action == "rekey":
        if unit.type == "order" and sorted(decision.key) != sorted(unit.options):
            raise ValueError(f"Re-keying an order unit ({label}) needs every option id once.")
        if unit.type == "mrq" and len(decision.key) >= len(unit.options):
            raise ValueError(f"An mrq key ({label}) must have fewer ids than there are options.")


def validate_decisions(content: Mapping[str, Any], decisions: Mapping[str, KeyDecision] | None) -> None:
    """Raise :class:`ValueError` if any decision does not fit the content's units."""
    if not decisions:
        return
    units = {unit.id: unit for unit in _units(content)}
    for unit_id, decision in decisions.items():
        if not isinstance(decision, KeyDecision):
            raise ValueError(f"Decision for unit {unit_id!r} is not a KeyDecision.")
        if unit_id not in units:
            raise ValueError(f"Key decision names unknown scoring unit {unit_id!r}.")
        _check_decision(units[unit_id], decision)


# ------------------------------------------------------------------------- scoring


def _choice(response: Any) -> str | None:
    if isinstance(response, Mapping):
        choice = response.get("choice")
        if isinstance(choice, str):
            return choice
    return None


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _score_unit(unit: _Unit, key: tuple[str, ...], answer: Any) -> float:
    """Score one unit against ``key``. ``answer`` is the unit's own response part."""
    if unit.type in ("sba", "tf"):
        return 1.0 if _choice(answer) in key else 0.0
    if unit.type == "emq":
        return 1.0 if isinstance(answer, str) and answer in key else 0.0
    if unit.type == "mrq":
        chosen = _string_list(answer.get("choices")) if isinstance(answer, Mapping) else None
        if not chosen:
            return 0.0
        chosen_set = set(chosen)
        key_set = set(key)
        if unit.scoring == "all_or_nothing":
            return 1.0 if chosen_set == key_set else 0.0
        correct = len(chosen_set & key_set)
        wrong = len(chosen_set - key_set)  # unknown ids count as wrong choices
        return max(0.0, (correct - wrong) / len(key_set))
    # order
    order = _string_list(answer.get("order")) if isinstance(answer, Mapping) else None
    if order is None or sorted(order) != sorted(unit.options):
        return 0.0  # an omit, or not a permutation of the options
    if unit.scoring == "exact":
        return 1.0 if tuple(order) == key else 0.0
    position = {option_id: index for index, option_id in enumerate(key)}
    in_order = sum(1 for a, b in zip(order, order[1:], strict=False) if position[a] < position[b])
    return in_order / (len(order) - 1)


def _unit_answers(content: Mapping[str, Any], units: list[_Unit], response: Any) -> dict[str, Any]:
    """Split a response into the part each unit scores (``None`` where absent)."""
    if not isinstance(response, Mapping):
        return {unit.id: None for unit in units}
    qtype = content.get("type")
    if qtype == "emq":
        answers = response.get("answers")
        answers = answers if isinstance(answers, Mapping) else {}
        return {unit.id: answers.get(unit.id) for unit in units}
    if qtype == "case":
        answers = response.get("answers")
        answers = answers if isinstance(answers, Mapping) else {}
        return {unit.id: answers.get(unit.id) for unit in units}
    return {"": response}


def score_response(
    content: Mapping[str, Any],
    response: Mapping[str, Any] | None,
    decisions: Mapping[str, KeyDecision] | None = None,
) -> dict[str, float | None]:
    """Score a response: points per scoring unit in ``[0, 1]``, ``None`` for a dropped unit.

    A missing or empty response is an omit and scores 0 on every unit that counts.
    For a case, every stage question with an answer is scored; the ``stage`` field
    is not consulted (delivery locks earlier stages and never records answers for
    stages not reached).
    """
    units = _units(content)
    validate_decisions(content, decisions)
    decisions = decisions or {}
    answers = _unit_answers(content, units, response)
    scores: dict[str, float | None] = {}
    for unit in units:
        decision = decisions.get(unit.id)
        if decision is not None and decision.action == "drop":
            scores[unit.id] = None
            continue
        scores[unit.id] = _score_unit(unit, _effective_key(unit, decision), answers[unit.id])
    return scores


def chosen_options(content: Mapping[str, Any], response: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    """Option ids the candidate chose, per scoring unit (for distractor analysis).

    Only known option ids are kept, in the order the candidate gave them (an
    ``order`` response gives its whole order). An empty tuple is an omit.
    """
    units = _units(content)
    answers = _unit_answers(content, units, response)
    chosen: dict[str, tuple[str, ...]] = {}
    for unit in units:
        answer = answers[unit.id]
        if unit.type in ("sba", "tf"):
            ids: list[str] = [c] if (c := _choice(answer)) is not None else []
        elif unit.type == "emq":
            ids = [answer] if isinstance(answer, str) else []
        elif unit.type == "mrq":
            ids = (_string_list(answer.get("choices")) if isinstance(answer, Mapping) else None) or []
        else:
            ids = (_string_list(answer.get("order")) if isinstance(answer, Mapping) else None) or []
        seen: list[str] = []
        for option_id in ids:
            if option_id in unit.options and option_id not in seen:
                seen.append(option_id)
        chosen[unit.id] = tuple(seen)
    return chosen
