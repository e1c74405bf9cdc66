"""Pure form assembly: blueprint exactness, no duplicates, exact shortfall, balance, exposure."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams.assembly import (
    AssemblyError,
    PoolItem,
    Row,
    assemble_fixed,
    assemble_per_candidate,
    check_supply,
)

AREAS = ["TACE", "TIPS"]


def item(vid: int, area: str = "TACE", **kw) -> PoolItem:
    kw.setdefault("question_id", vid)
    return PoolItem(version_id=vid, area=area, **kw)


def satisfies(form, rows, pool_by_version) -> bool:
    """Every row holds exactly its count of eligible items, with its image minimum."""
    for row in rows:
        versions = form.rows[row.key]
        if len(versions) != row.count:
            return False
        items = [pool_by_version[v] for v in versions]
        if not all(row.accepts(i) for i in items):
            return False
        if sum(i.has_media for i in items) < row.min_image_items:
            return False
    return True


def identities(form, pool_by_version) -> list:
    return [pool_by_version[v].identity for v in form.positions]


def feasible_by_brute_force(pool: list[PoolItem], rows: list[Row]) -> bool:
    """Try every assignment of identities to rows (or to none) on a tiny pool."""
    groups: dict = {}
    for i in pool:
        groups.setdefault(i.identity, []).append(i)
    keys = list(groups)
    choices = list(range(len(rows) + 1))  # index len(rows) = unused
    for assignment in itertools.product(choices, repeat=len(keys)):
        ok = True
        for r, row in enumerate(rows):
            chosen = [keys[g] for g, a in enumerate(assignment) if a == r]
            if len(chosen) != row.count:
                ok = False
                break
            # some version of each chosen identity must fit; images: can we reach the minimum?
            fits = [[v for v in groups[k] if row.accepts(v)] for k in chosen]
            if any(not f for f in fits):
                ok = False
                break
            with_media = sum(any(v.has_media for v in f) for f in fits)
            if with_media < row.min_image_items:
                ok = False
                break
        if ok:
            return True
    return False


@st.composite
def scenarios(draw, max_items: int = 7):
    n = draw(st.integers(min_value=0, max_value=max_items))
    pool = []
    for vid in range(1, n + 1):
        pool.append(
            PoolItem(
                version_id=vid,
                question_id=draw(st.integers(min_value=1, max_value=n)),
                area=draw(st.sampled_from(AREAS)),
                level=draw(st.sampled_from(["Q", "A"])),
                type=draw(st.sampled_from(["sba", "case"])),
                objectives=frozenset(draw(st.sets(st.sampled_from(["o1", "o2"]), max_size=2))),
                has_media=draw(st.booleans()),
                difficulty=draw(st.one_of(st.none(), st.floats(min_value=0.1, max_value=0.95))),
            )
        )
    rows = []
    for r in range(draw(st.integers(min_value=1, max_value=3))):
        count = draw(st.integers(min_value=0, max_value=3))
        window = draw(st.booleans())
        rows.append(
            Row(
                key=f"r{r}",
                area=draw(st.sampled_from(AREAS)),
                count=count,
                objective=draw(st.sampled_from([None, "o1"])),
                level=draw(st.sampled_from(["", "Q"])),
                item_type=draw(st.sampled_from(["", "sba"])),
                min_image_items=draw(st.integers(min_value=0, max_value=count)),
                p_min=0.3 if window else None,
                p_max=0.9 if window else None,
                order=r,
            )
        )
    return pool, rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_form_is_built_exactly_when_the_pool_can_satisfy_the_blueprint(scenario):
    pool, rows = scenario
    by_version = {i.version_id: i for i in pool}
    result = assemble_fixed(pool, rows, forms=1, seed=3)
    assert result.ok == feasible_by_brute_force(pool, rows)
    if result.ok:
        (form,) = result.forms
        assert satisfies(form, rows, by_version)
        ids = identities(form, by_version)
        assert len(ids) == len(set(ids)) == sum(r.count for r in rows)
    else:
        assert result.forms == []
        assert all(entry.short > 0 for entry in result.shortfall)
        assert check_supply(pool, rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_items=10), st.integers(min_value=2, max_value=3), st.integers(min_value=0, max_value=99))
def test_every_parallel_form_satisfies_every_row_without_duplicates(scenario, k, seed):
    pool, rows = scenario
    by_version = {i.version_id: i for i in pool}
    result = assemble_fixed(pool, rows, forms=k, seed=seed)
    if not result.ok:
        return
    assert len(result.forms) == k
    for form in result.forms:
        assert satisfies(form, rows, by_version)
        ids = identities(form, by_version)
        assert len(ids) == len(set(ids))
    shared = Counter(i for form in result.forms for i in set(identities(form, by_version)))
    assert result.overlap == sum(1 for n in shared.values() if n > 1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_items=10), st.integers(min_value=1, max_value=6), st.integers(min_value=0, max_value=99))
def test_every_candidate_form_satisfies_every_row_without_duplicates(scenario, n, seed):
    pool, rows = scenario
    by_version = {i.version_id: i for i in pool}
    labels = [f"cand-{i}" for i in range(n)]
    result = assemble_per_candidate(pool, rows, labels=labels, exposure_limit=0.5, seed=seed)
    assert result.ok == (not check_supply(pool, rows))
    if result.ok:
        assert [f.label for f in result.forms] == labels
        for form in result.forms:
            assert satisfies(form, rows, by_version)
            ids = identities(form, by_version)
            assert len(ids) == len(set(ids))


def test_the_shortfall_names_the_row_and_how_many_items_it_lacks():
    pool = [item(i, "TACE", level="A") for i in range(1, 4)] + [item(i, "TIPS") for i in range(10, 20)]
    rows = [
        Row(key=1, area="TACE", level="A", count=5, label="Paper 1 · TACE · advanced"),
        Row(key=2, area="TIPS", count=4),
    ]
    result = assemble_fixed(pool, rows, forms=2)
    assert not result.ok and result.forms == []
    (short,) = result.shortfall
    assert (short.row, short.kind, short.needed, short.available, short.short) == (1, "items", 5, 3, 2)
    assert short.message == "Paper 1 · TACE · advanced: needs 5 items, only 3 available (short by 2)"


def test_the_shortfall_reports_a_missing_image_minimum_separately():
    pool = [item(1, has_media=True)] + [item(i) for i in range(2, 8)]
    rows = [Row(key="r", area="TACE", count=4, min_image_items=2)]
    (short,) = assemble_fixed(pool, rows).shortfall
    assert (short.kind, short.needed, short.available, short.short) == ("images", 2, 1, 1)


def test_rows_competing_for_the_same_items_are_reported_as_competition():
    pool = [item(i, objectives=frozenset({"o1"})) for i in range(1, 4)]
    rows = [Row(key="specific", area="TACE", objective="o1", count=2), Row(key="any", area="TACE", count=2)]
    (short,) = check_supply(pool, rows)
    assert short.short == 1 and short.available == 3
    assert "other rows need some of them" in short.message


def test_specific_rows_are_filled_before_area_rows_so_a_greedy_trap_is_avoided():
    # Only item 1 has the objective; an area-only row listed first must not take it.
    pool = [item(1, objectives=frozenset({"o1"})), item(2), item(3)]
    rows = [Row(key="area", area="TACE", count=2, order=0), Row(key="obj", area="TACE", objective="o1", count=1)]
    result = assemble_fixed(pool, rows, forms=1)
    assert result.ok
    assert result.forms[0].rows["obj"] == (1,)


def test_an_augmenting_path_repairs_a_greedy_choice():
    # Both rows are equally specific; whichever fills first may take the only item the other can use.
    pool = [item(1, level="Q", type="sba"), item(2, level="Q", type="case")]
    rows = [
        Row(key="level", area="TACE", level="Q", count=1, order=0),
        Row(key="type", area="TACE", item_type="sba", count=1, order=1),
    ]
    for seed in range(10):
        result = assemble_fixed(pool, rows, forms=1, seed=seed)
        assert result.ok
        assert result.forms[0].rows == {"level": (2,), "type": (1,)}


def test_versions_of_one_question_and_translations_of_one_item_enter_a_form_once():
    pool = [
        item(1, question_id=1),
        item(2, question_id=1),  # another version of question 1
        item(3, question_id=3, group="g"),
        item(4, question_id=4, group="g"),  # a translation of question 3
        item(5, question_id=5),
    ]
    rows = [Row(key="r", area="TACE", count=3)]
    result = assemble_fixed(pool, rows, forms=1)
    assert result.ok
    assert len(identities(result.forms[0], {i.version_id: i for i in pool})) == 3
    assert assemble_fixed(pool, [Row(key="r", area="TACE", count=4)]).shortfall[0].available == 3


def test_parallel_forms_are_disjoint_when_the_pool_allows_and_balanced_in_difficulty():
    difficulties = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.35, 0.45, 0.55, 0.65]
    pool = [item(i + 1, "TACE" if i < 6 else "TIPS", difficulty=d) for i, d in enumerate(difficulties)]
    rows = [Row(key="t", area="TACE", count=3), Row(key="p", area="TIPS", count=3)]
    result = assemble_fixed(pool, rows, forms=2, seed=7)
    assert result.ok and result.overlap == 0
    a, b = result.forms
    assert not set(a.positions) & set(b.positions)
    assert abs(a.mean_difficulty - b.mean_difficulty) < 0.02
    assert [f.label for f in result.forms] == ["A", "B"]


def test_parallel_forms_share_items_only_when_the_pool_is_too_small_and_say_so():
    pool = [item(i, difficulty=0.5) for i in range(1, 6)]
    result = assemble_fixed(pool, [Row(key="r", area="TACE", count=3)], forms=2)
    assert result.ok
    assert result.overlap == 1  # 6 places, 5 items: exactly one item is shared
    assert "more than one form" in result.notes[0]


def test_positions_are_grouped_by_area_in_blueprint_order():
    pool = [item(i, "TIPS") for i in range(1, 4)] + [item(i, "TACE") for i in range(4, 7)]
    rows = [
        Row(key="tips", area="TIPS", count=2, order=1),
        Row(key="tace", area="TACE", count=2, order=0),
        Row(key="tace-q", area="TACE", level="", item_type="sba", count=1, order=2),
    ]
    form = assemble_fixed(pool, rows, forms=1).forms[0]
    areas = [("TACE" if v >= 4 else "TIPS") for v in form.positions]
    assert areas == ["TACE", "TACE", "TACE", "TIPS", "TIPS"]


def test_assembly_is_deterministic_for_a_seed():
    pool = [item(i, difficulty=i / 40) for i in range(1, 30)]
    rows = [Row(key="r", area="TACE", count=6)]
    first = assemble_fixed(pool, rows, forms=2, seed=11)
    again = assemble_fixed(list(reversed(pool)), rows, forms=2, seed=11)
    assert [f.positions for f in first.forms] == [f.positions for f in again.forms]
    labels = ["a", "b", "c"]
    assert [f.positions for f in assemble_per_candidate(pool, rows, labels=labels, seed=4).forms] == [
        f.positions for f in assemble_per_candidate(pool, rows, labels=labels, seed=4).forms
    ]


def test_per_candidate_forms_respect_the_exposure_limit_when_the_pool_allows():
    pool = [item(i) for i in range(1, 21)]
    rows = [Row(key="r", area="TACE", count=4)]
    labels = [f"cand-{i}" for i in range(10)]
    result = assemble_per_candidate(pool, rows, labels=labels, exposure_limit=0.2, seed=1)
    uses = Counter(v for form in result.forms for v in form.positions)
    assert max(uses.values()) <= 2  # 20% of 10 forms
    assert result.over_exposed == 0


def test_per_candidate_forms_exceed_the_exposure_limit_only_when_forced_and_report_it():
    pool = [item(i) for i in range(1, 6)]
    result = assemble_per_candidate(pool, [Row(key="r", area="TACE", count=4)], labels=["a", "b"], exposure_limit=0.5)
    assert result.ok and len(result.forms) == 2
    assert result.over_exposed == 3  # 8 placements, 5 items each allowed once
    assert result.notes


def test_per_candidate_forms_prefer_items_with_less_prior_exposure():
    pool = [item(i, exposure=10) for i in range(1, 6)] + [item(i, exposure=0) for i in range(6, 9)]
    form = assemble_per_candidate(pool, [Row(key="r", area="TACE", count=3)], labels=["x"]).forms[0]
    assert set(form.positions) == {6, 7, 8}


def test_difficulty_windows_exclude_items_outside_or_of_unknown_difficulty():
    pool = [item(1, difficulty=0.2), item(2, difficulty=0.6), item(3, difficulty=None), item(4, difficulty=0.95)]
    rows = [Row(key="r", area="TACE", count=1, p_min=0.3, p_max=0.9)]
    assert assemble_fixed(pool, rows, forms=1).forms[0].positions == (2,)
    (short,) = check_supply(pool, [Row(key="r", area="TACE", count=2, p_min=0.3, p_max=0.9)])
    assert short.available == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"count": -1},
        {"count": 2, "min_image_items": 3},
        {"count": 1, "p_min": 0.8, "p_max": 0.2},
        {"count": 1, "p_max": 1.5},
    ],
)
def test_impossible_rows_are_refused_with_a_clear_error(kwargs):
    with pytest.raises(AssemblyError):
        Row(key="r", area="TACE", **kwargs)


def test_bad_assembly_parameters_are_refused():
    rows = [Row(key="r", area="TACE", count=1)]
    with pytest.raises(AssemblyError, match="at least one form"):
        assemble_fixed([item(1)], rows, forms=0)
    with pytest.raises(AssemblyError, match="distinct keys"):
        assemble_fixed([item(1)], rows + rows)
    with pytest.raises(AssemblyError, match="twice in the pool"):
        assemble_fixed([item(1), item(1)], rows)
    with pytest.raises(AssemblyError, match="exposure limit"):
        assemble_per_candidate([item(1)], rows, labels=["a"], exposure_limit=0)
