"""Pure form assembly: pick approved items to a blueprint, exactly, or say precisely what is missing.

No Django here: the services feed plain records (:class:`PoolItem`) and blueprint rows
(:class:`Row`) and store what comes back, so this is tested (with Hypothesis) and benchmarked alone.

How a form is filled
--------------------
Each row is split into two *slots*: an image slot (``min_image_items`` items that carry media)
and a general slot (the rest of the row, any eligible item). Filling the slots is a bipartite
b-matching between slots and *items* — an item is a question identity (``PoolItem.group``), so two
versions of one question, or the zh/en translations of one item, never both enter a form, and an
item never serves two rows.

1. Slots are filled greedily, most-constrained rows first (objective/type/level/difficulty/image
   rows before area-only rows; scarcer rows first), each in its preference order (least exposed,
   then a seeded random draw).
2. Any slot the greedy pass left short is completed with augmenting paths (another row gives up
   an item it can replace). When no augmenting path exists the matching is maximum, so the pool
   really cannot satisfy the blueprint: the remaining deficits are the shortfall, never a greedy
   artefact.

Modes
-----
* ``assemble_fixed``: ``k`` parallel forms with identical content (same counts per row). All
  ``k`` forms are first matched jointly with every slot needing ``k`` × its count, which gives
  disjoint forms whenever the pool allows; each row's items are then dealt to the forms in
  serpentine order of difficulty and a few swap passes (within a row, so content stays identical)
  even out the mean difficulty. When the pool is too small for disjoint forms, forms are built one
  after another preferring items not yet used, and the overlap is reported.
* ``assemble_per_candidate``: one form per candidate, each a seeded random draw that prefers the
  least-exposed items; an item is kept out of further forms once it appears in the allowed share
  of forms (``exposure_limit``) unless the blueprint cannot be met otherwise (then reported).

Difficulty is the expected proportion correct (p, higher = easier): a calibrated p when there is
one, else the author's estimate. A row's difficulty window keeps items with
``p_min <= p <= p_max``; items of unknown difficulty cannot be shown to fit a window and are left
out of rows that have one.
"""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AssembledForm",
    "AssemblyError",
    "AssemblyResult",
    "PoolItem",
    "Row",
    "ShortRow",
    "assemble_fixed",
    "assemble_per_candidate",
    "check_supply",
]


class AssemblyError(ValueError):
    """Input that cannot describe an assembly (negative counts, inverted windows, bad form counts)."""


@dataclass(frozen=True)
class PoolItem:
    """One approved version that may enter a form.

    ``group`` is the item's identity: versions sharing it are the same item (another version of the
    same question, or a translation of it). When omitted, ``question_id`` is the identity.
    """

    version_id: int
    question_id: int
    area: Hashable
    level: str = ""
    type: str = "sba"
    objectives: frozenset = frozenset()
    has_media: bool = False
    difficulty: float | None = None
    exposure: int = 0
    group: Hashable | None = None

    @property
    def identity(self) -> Hashable:
        return self.group if self.group is not None else ("q", self.question_id)


@dataclass(frozen=True)
class Row:
    """A blueprint row: ``count`` items of ``area`` (optionally one objective, level, item type).

    ``p_min``/``p_max`` bound the expected proportion correct (hardest / easiest allowed).
    """

    key: Hashable
    area: Hashable
    count: int
    objective: Hashable | None = None
    level: str = ""
    item_type: str = ""
    min_image_items: int = 0
    p_min: float | None = None
    p_max: float | None = None
    order: int = 0
    label: str = ""

    def __post_init__(self) -> None:
        if self.count < 0 or self.min_image_items < 0:
            raise AssemblyError(f"row {self.key!r}: counts cannot be negative")
        if self.min_image_items > self.count:
            raise AssemblyError(
                f"row {self.key!r}: asks for {self.min_image_items} items with images out of {self.count}"
            )
        for bound in (self.p_min, self.p_max):
            if bound is not None and not 0.0 <= bound <= 1.0:
                raise AssemblyError(f"row {self.key!r}: difficulty bounds are proportions between 0 and 1")
        if self.p_min is not None and self.p_max is not None and self.p_min > self.p_max:
            raise AssemblyError(f"row {self.key!r}: the hardest allowed difficulty is above the easiest allowed")

    @property
    def specificity(self) -> int:
        """How many constraints narrow this row beyond its area (more = filled earlier)."""
        return sum(
            (
                self.objective is not None,
                bool(self.level),
                bool(self.item_type),
                self.p_min is not None or self.p_max is not None,
                self.min_image_items > 0,
            )
        )

    def accepts(self, item: PoolItem) -> bool:
        if item.area != self.area:
            return False
        if self.level and item.level != self.level:
            return False
        if self.item_type and item.type != self.item_type:
            return False
        if self.objective is not None and self.objective not in item.objectives:
            return False
        if self.p_min is not None or self.p_max is not None:
            if item.difficulty is None:
                return False
            if self.p_min is not None and item.difficulty < self.p_min:
                return False
            if self.p_max is not None and item.difficulty > self.p_max:
                return False
        return True

    def describe(self) -> str:
        if self.label:
            return self.label
        parts = [str(self.area)]
        if self.objective is not None:
            parts.append(str(self.objective))
        if self.level:
            parts.append(f"level {self.level}")
        if self.item_type:
            parts.append(self.item_type)
        return " · ".join(parts)


@dataclass(frozen=True)
class ShortRow:
    """A row (or its image requirement) the pool cannot fill.

    ``kind`` is ``"items"`` (the row's count) or ``"images"`` (its minimum of items with images).
    ``available`` counts the distinct eligible items for this row alone; when it is at least
    ``needed`` the row is short because other rows need the same items.
    """

    row: Hashable
    kind: str
    needed: int
    available: int
    short: int
    message: str


@dataclass(frozen=True)
class AssembledForm:
    label: str
    rows: dict[Hashable, tuple[int, ...]]
    positions: tuple[int, ...]
    mean_difficulty: float | None


@dataclass
class AssemblyResult:
    forms: list[AssembledForm] = field(default_factory=list)
    shortfall: list[ShortRow] = field(default_factory=list)
    #: Items (identities) appearing in more than one form of a fixed-form sitting.
    overlap: int = 0
    #: Per-candidate mode: placements beyond the exposure limit the blueprint forced.
    over_exposed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.shortfall


# ---------------------------------------------------------------------------- the matching core


@dataclass
class _Slot:
    row: Row
    kind: str  # "images" or "items"
    need: int
    eligible: list[int]  # identity indices in preference order
    taken: list[int] = field(default_factory=list)


class _Matcher:
    """Greedy fill, then augmenting paths: a maximum b-matching of slots to item identities."""

    def __init__(self, slots: list[_Slot], identity_count: int) -> None:
        self.slots = slots
        self.owner: list[int | None] = [None] * identity_count
        self.eligible_sets = [set(slot.eligible) for slot in slots]

    def run(self) -> bool:
        for index, slot in enumerate(self.slots):
            for ident in slot.eligible:
                if len(slot.taken) >= slot.need:
                    break
                if self.owner[ident] is None:
                    self._give(index, ident)
        for index, slot in enumerate(self.slots):
            while len(slot.taken) < slot.need:
                if not self._augment(index):
                    break
        return all(len(slot.taken) == slot.need for slot in self.slots)

    def _give(self, slot_index: int, ident: int) -> None:
        self.owner[ident] = slot_index
        self.slots[slot_index].taken.append(ident)

    def _augment(self, start: int) -> bool:
        parent: dict[int, tuple[int, int]] = {}
        queue = deque([start])
        seen = {start}
        while queue:
            current = queue.popleft()
            for ident in self.slots[current].eligible:
                holder = self.owner[ident]
                if holder == current:
                    continue
                if holder is None:
                    self._give(current, ident)
                    node = current
                    while node != start:
                        previous, moved = parent[node]
                        self.slots[node].taken.remove(moved)
                        self._give(previous, moved)
                        node = previous
                    return True
                if holder not in seen:
                    seen.add(holder)
                    parent[holder] = (current, ident)
                    queue.append(holder)
        return False


# ---------------------------------------------------------------------------- helpers


@dataclass
class _Pool:
    """The pool grouped by identity; each identity keeps its members sorted by version id."""

    identities: list[Hashable]
    members: list[list[PoolItem]]
    difficulty: list[float]
    exposure: list[int]

    @classmethod
    def build(cls, items: Iterable[PoolItem]) -> _Pool:
        by_identity: dict[Hashable, list[PoolItem]] = {}
        seen_versions: set[int] = set()
        for item in sorted(items, key=lambda i: i.version_id):
            if item.version_id in seen_versions:
                raise AssemblyError(f"version {item.version_id} appears twice in the pool")
            seen_versions.add(item.version_id)
            by_identity.setdefault(item.identity, []).append(item)
        identities = list(by_identity)
        members = [by_identity[key] for key in identities]
        known = [i.difficulty for group in members for i in group if i.difficulty is not None]
        fallback = sum(known) / len(known) if known else 0.5
        difficulty = []
        for group in members:
            values = [i.difficulty for i in group if i.difficulty is not None]
            difficulty.append(sum(values) / len(values) if values else fallback)
        exposure = [max(i.exposure for i in group) for group in members]
        return cls(identities, members, difficulty, exposure)

    def version_for(self, ident: int, row: Row, images: bool) -> PoolItem:
        for item in self.members[ident]:
            if row.accepts(item) and (item.has_media or not images):
                return item
        raise AssertionError("matched an identity with no eligible version")  # pragma: no cover

    def eligible(self, row: Row, images: bool) -> list[int]:
        """Identities with a version fitting ``row`` (with media when ``images``); computed once per row."""
        cache = self.__dict__.setdefault("_eligible", {})
        key = (row, images)
        if key not in cache:
            cache[key] = [
                index
                for index, group in enumerate(self.members)
                if any(row.accepts(item) and (item.has_media or not images) for item in group)
            ]
        return cache[key]


def _ordered_rows(rows: Sequence[Row], pool: _Pool) -> list[Row]:
    keys = [row.key for row in rows]
    if len(set(keys)) != len(keys):
        raise AssemblyError("blueprint rows need distinct keys")
    supply = {row.key: len(pool.eligible(row, images=False)) for row in rows}
    return sorted(rows, key=lambda r: (-r.specificity, supply[r.key] - r.count, r.order, str(r.key)))


def _slots(rows: list[Row], pool: _Pool, times: int, prefer: list[int]) -> list[_Slot]:
    """Image slots and general slots of each row (in fill order), eligible lists in ``prefer`` order."""
    rank = {ident: position for position, ident in enumerate(prefer)}
    slots = []
    for row in rows:
        for kind, images, need in (
            ("images", True, row.min_image_items),
            ("items", False, row.count - row.min_image_items),
        ):
            if need == 0:
                continue
            eligible = [i for i in pool.eligible(row, images) if i in rank]
            eligible.sort(key=rank.__getitem__)
            slots.append(_Slot(row=row, kind=kind, need=need * times, eligible=eligible))
    return slots


def _shortfall(slots: list[_Slot], pool: _Pool) -> list[ShortRow]:
    """The slots a maximum matching of one form leaves short, with how many items each row could use."""
    out = []
    for slot in slots:
        if len(slot.taken) >= slot.need:
            continue
        images = slot.kind == "images"
        needed = slot.row.min_image_items if images else slot.row.count
        available = len(pool.eligible(slot.row, images))
        short = slot.need - len(slot.taken)
        label = slot.row.describe()
        what = "items with images" if images else "items"
        if available < needed:
            message = f"{label}: needs {needed} {what}, only {available} available (short by {short})"
        else:
            message = (
                f"{label}: needs {needed} {what}; {available} are eligible but other rows need some of them "
                f"(short by {short})"
            )
        out.append(ShortRow(slot.row.key, slot.kind, needed, available, short, message))
    return out


def _form(label: str, rows: Sequence[Row], chosen: dict[Hashable, list[PoolItem]], pool_mean: dict[int, float]):
    """Positions grouped by area (in the blueprint's order), then row order, then version id."""
    area_rank: dict[Hashable, int] = {}
    for row in sorted(rows, key=lambda r: (r.order, str(r.key))):
        area_rank.setdefault(row.area, len(area_rank))
    ordered_rows = sorted(rows, key=lambda r: (area_rank[r.area], r.order, str(r.key)))
    positions: list[int] = []
    row_map: dict[Hashable, tuple[int, ...]] = {}
    for row in ordered_rows:
        versions = sorted(item.version_id for item in chosen.get(row.key, []))
        row_map[row.key] = tuple(versions)
        positions.extend(versions)
    diffs = [pool_mean[v] for v in positions]
    mean = sum(diffs) / len(diffs) if diffs else None
    return AssembledForm(label=label, rows=row_map, positions=tuple(positions), mean_difficulty=mean)


def check_supply(pool: Iterable[PoolItem], rows: Sequence[Row]) -> list[ShortRow]:
    """What one form of this blueprint lacks in this pool (empty when a form can be built)."""
    pool_ = _Pool.build(pool)
    ordered = _ordered_rows(rows, pool_)
    slots = _slots(ordered, pool_, 1, list(range(len(pool_.identities))))
    _Matcher(slots, len(pool_.identities)).run()
    return _shortfall(slots, pool_)


def _version_difficulty(pool: _Pool) -> dict[int, float]:
    return {item.version_id: pool.difficulty[i] for i, group in enumerate(pool.members) for item in group}


def _collect(slots: list[_Slot], pool: _Pool) -> dict[Hashable, list[PoolItem]]:
    chosen: dict[Hashable, list[PoolItem]] = {}
    for slot in slots:
        for ident in slot.taken:
            chosen.setdefault(slot.row.key, []).append(pool.version_for(ident, slot.row, slot.kind == "images"))
    return chosen


# ---------------------------------------------------------------------------- fixed parallel forms


def _serpentine(idents: list[int], k: int, difficulty: list[float]) -> list[list[int]]:
    hands: list[list[int]] = [[] for _ in range(k)]
    for n, ident in enumerate(sorted(idents, key=lambda i: (difficulty[i], i))):
        lap, step = divmod(n, k)
        hands[step if lap % 2 == 0 else k - 1 - step].append(ident)
    return hands


def _balance(hands: dict[tuple[int, str], list[list[int]]], k: int, difficulty: list[float], passes: int) -> None:
    """Swap items of one slot between the hardest and easiest forms while it narrows their gap."""

    def totals() -> list[float]:
        sums = [0.0] * k
        for per_form in hands.values():
            for form, idents in enumerate(per_form):
                sums[form] += sum(difficulty[i] for i in idents)
        return sums

    for _ in range(passes):
        sums = totals()
        hi = max(range(k), key=sums.__getitem__)
        lo = min(range(k), key=sums.__getitem__)
        gap = sums[hi] - sums[lo]
        if gap <= 1e-9:
            return
        in_hi = {i for per_form in hands.values() for i in per_form[hi]}
        in_lo = {i for per_form in hands.values() for i in per_form[lo]}
        best: tuple[float, tuple[int, str], int, int] | None = None
        for slot_key, per_form in hands.items():
            for a in per_form[hi]:
                if a in in_lo:
                    continue
                for b in per_form[lo]:
                    if b in in_hi:
                        continue
                    delta = difficulty[a] - difficulty[b]
                    new_gap = abs(gap - 2 * delta)
                    if new_gap < gap - 1e-9 and (best is None or new_gap < best[0]):
                        best = (new_gap, slot_key, a, b)
        if best is None:
            return
        _gap, slot_key, a, b = best
        per_form = hands[slot_key]
        per_form[hi][per_form[hi].index(a)] = b
        per_form[lo][per_form[lo].index(b)] = a


def _preference(pool: _Pool, rng: random.Random, uses: Sequence[int] | None = None) -> list[int]:
    noise = [rng.random() for _ in pool.identities]
    return sorted(
        range(len(pool.identities)),
        key=lambda i: ((uses[i] if uses is not None else 0), pool.exposure[i], noise[i]),
    )


def assemble_fixed(
    pool: Iterable[PoolItem],
    rows: Sequence[Row],
    *,
    forms: int = 2,
    seed: int = 0,
    labels: Sequence[str] | None = None,
    balance_passes: int = 50,
) -> AssemblyResult:
    """``forms`` parallel forms of the blueprint, balanced in mean difficulty; see the module docstring."""
    if forms < 1:
        raise AssemblyError("at least one form is needed")
    if labels is None:
        labels = [chr(ord("A") + i) if i < 26 else f"F{i + 1}" for i in range(forms)]
    labels = list(labels)
    if len(labels) != forms or len(set(labels)) != forms:
        raise AssemblyError("one distinct label per form is needed")
    pool_ = _Pool.build(pool)
    ordered = _ordered_rows(rows, pool_)
    rng = random.Random(seed)  # noqa: S311 - reproducible assembly, not security
    prefer = _preference(pool_, rng)
    version_p = _version_difficulty(pool_)

    single = _slots(ordered, pool_, 1, prefer)
    if not _Matcher(single, len(pool_.identities)).run():
        return AssemblyResult(shortfall=_shortfall(single, pool_))

    joint = _slots(ordered, pool_, forms, prefer)
    result = AssemblyResult()
    if _Matcher(joint, len(pool_.identities)).run():
        hands = {
            (index, slot.kind): _serpentine(slot.taken, forms, pool_.difficulty) for index, slot in enumerate(joint)
        }
    else:
        hands = _sequential_fixed(ordered, pool_, forms, rng)
        per_form_sets: list[set[int]] = [set() for _ in range(forms)]
        for per_form in hands.values():
            for form, idents in enumerate(per_form):
                per_form_sets[form].update(idents)
        counts = Counter(i for s in per_form_sets for i in s)
        result.overlap = sum(1 for n in counts.values() if n > 1)
        result.notes.append(
            f"the pool is too small for {forms} forms without shared items: {result.overlap} items appear in "
            f"more than one form"
        )
    if forms > 1:
        _balance(hands, forms, pool_.difficulty, balance_passes)
    slot_rows = {(index, slot.kind): slot.row for index, slot in enumerate(joint)}
    for form in range(forms):
        chosen: dict[Hashable, list[PoolItem]] = {}
        for slot_key, per_form in hands.items():
            row = slot_rows[slot_key]
            for ident in per_form[form]:
                chosen.setdefault(row.key, []).append(pool_.version_for(ident, row, slot_key[1] == "images"))
        result.forms.append(_form(labels[form], rows, chosen, version_p))
    return result


def _sequential_fixed(
    rows: list[Row], pool: _Pool, forms: int, rng: random.Random
) -> dict[tuple[int, str], list[list[int]]]:
    """Forms one after another, each preferring items the earlier forms did not use."""
    uses = [0] * len(pool.identities)
    hands: dict[tuple[int, str], list[list[int]]] = {}
    for _form_index in range(forms):
        slots = _slots(rows, pool, 1, _preference(pool, rng, uses))
        if not _Matcher(slots, len(pool.identities)).run():  # pragma: no cover - one form was shown feasible
            raise AssemblyError("a form that was feasible could not be rebuilt")
        for index, slot in enumerate(slots):
            hands.setdefault((index, slot.kind), []).append(list(slot.taken))
            for ident in slot.taken:
                uses[ident] += 1
    return hands


# ---------------------------------------------------------------------------- one form per candidate


def assemble_per_candidate(
    pool: Iterable[PoolItem],
    rows: Sequence[Row],
    *,
    labels: Sequence[str],
    exposure_limit: float = 0.5,
    seed: int = 0,
) -> AssemblyResult:
    """One randomly drawn form per label (candidate), preferring the least-exposed items.

    An item may appear in at most ``max(1, floor(exposure_limit × forms))`` forms; a form that
    cannot be built within that limit takes over-exposed items (counted in ``over_exposed``).
    """
    if not 0.0 < exposure_limit <= 1.0:
        raise AssemblyError("the exposure limit is a share of forms between 0 and 1")
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise AssemblyError("one distinct label per form is needed")
    pool_ = _Pool.build(pool)
    ordered = _ordered_rows(rows, pool_)
    version_p = _version_difficulty(pool_)
    rng = random.Random(seed)  # noqa: S311 - reproducible assembly, not security
    shortfall = check_supply([i for group in pool_.members for i in group], rows)
    if shortfall:
        return AssemblyResult(shortfall=shortfall)
    cap = max(1, math.floor(exposure_limit * len(labels)))
    uses = [0] * len(pool_.identities)
    result = AssemblyResult()
    for label in labels:
        prefer = _preference(pool_, rng, uses)
        within = [i for i in prefer if uses[i] < cap]
        slots = _slots(ordered, pool_, 1, within)
        if not _Matcher(slots, len(pool_.identities)).run():
            slots = _slots(ordered, pool_, 1, prefer)
            _Matcher(slots, len(pool_.identities)).run()
            result.over_exposed += sum(1 for slot in slots for i in slot.taken if uses[i] >= cap)
        for slot in slots:
            for ident in slot.taken:
                uses[ident] += 1
        result.forms.append(_form(label, rows, _collect(slots, pool_), version_p))
    if result.over_exposed:
        result.notes.append(
            f"{result.over_exposed} placements exceed the exposure limit (at most {cap} forms per item): "
            f"the pool is small for this many candidates"
        )
    return result
