"""Hooks that higher apps fill in (the curriculum never imports them).

``register_objective_item_counter(fn)``: the question bank registers ``fn(objective_ids) -> {id: n}``
(how many practice items cover each objective) in its ``AppConfig.ready``; curriculum pages show the
counts only when at least one counter is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

ObjectiveItemCounter = Callable[[list[int]], Mapping[int, int]]

_OBJECTIVE_ITEM_COUNTERS: list[ObjectiveItemCounter] = []


def register_objective_item_counter(fn: ObjectiveItemCounter) -> None:
    """Add a counter; registering the same function twice has no effect."""
    if fn not in _OBJECTIVE_ITEM_COUNTERS:
        _OBJECTIVE_ITEM_COUNTERS.append(fn)


def unregister_objective_item_counter(fn: ObjectiveItemCounter) -> None:
    """Remove a counter (tests use this to restore the registry)."""
    if fn in _OBJECTIVE_ITEM_COUNTERS:
        _OBJECTIVE_ITEM_COUNTERS.remove(fn)


def has_objective_item_counter() -> bool:
    return bool(_OBJECTIVE_ITEM_COUNTERS)


def objective_item_counts(objective_ids: Iterable[int]) -> dict[int, int] | None:
    """Items per objective summed over every registered counter, or None when none is registered."""
    if not _OBJECTIVE_ITEM_COUNTERS:
        return None
    ids = list(objective_ids)
    totals = dict.fromkeys(ids, 0)
    for counter in _OBJECTIVE_ITEM_COUNTERS:
        for objective_id, count in counter(ids).items():
            if objective_id in totals:
                totals[objective_id] += int(count)
    return totals
