"""Item analysis, test statistics, Rasch calibration and equating, checked by hand arithmetic."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from exams import psychometrics as pm

# Tiny table used by several tests (rows = candidates, columns = units q1..q3):
#   c1: 1 0 1  total 2
#   c2: 1 1 1  total 3
#   c3: 0 0 1  total 1
#   c4: 1 1 0  total 2
TINY = np.array([[1, 0, 1], [1, 1, 1], [0, 0, 1], [1, 1, 0]], dtype=float)

# Guttman table: totals 4, 3, 2, 1, 0.
GUTTMAN = np.array([[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=float)


def test_p_values_are_the_mean_score_among_takers():
    assert pm.p_values(TINY).tolist() == pytest.approx([0.75, 0.5, 0.75])
    # not presented (NaN) is left out of the denominator: q1 taken by 3, right by 2
    with_gap = TINY.copy()
    with_gap[3, 0] = np.nan
    assert pm.p_values(with_gap)[0] == pytest.approx(2 / 3)


def test_corrected_point_biserial_correlates_each_unit_with_the_rest_score():
    # q1: x = 1,1,0,1; rest = total - x = 1,2,1,1
    #   cov = mean(x*rest) - mean(x)*mean(rest) = 4/4 - 0.75*1.25 = 0.0625
    #   var(x) = 0.1875, var(rest) = 7/4 - 1.25^2 = 0.1875  -> r = 0.0625 / 0.1875 = 1/3
    # q2: x = 0,1,0,1; rest = 2,2,1,1: cov = 3/4 - 0.5*1.5 = 0 -> r = 0
    # q3: x = 1,1,1,0; rest = 1,2,0,2: cov = 3/4 - 0.75*1.25 = -0.1875,
    #   var(rest) = 9/4 - 1.5625 = 0.6875 -> r = -0.1875 / sqrt(0.1875*0.6875) = -0.52223
    r = pm.corrected_point_biserials(TINY)
    assert r.tolist() == pytest.approx([1 / 3, 0.0, -0.52223], abs=1e-5)


def test_corrected_point_biserial_matches_a_direct_correlation_with_missing_data():
    rng = np.random.default_rng(7)
    scores = (rng.random((60, 8)) < 0.6).astype(float)
    scores[rng.random(scores.shape) < 0.15] = np.nan
    fast = pm.corrected_point_biserials(scores)
    total = np.nansum(scores, axis=1)
    for j in range(scores.shape[1]):
        took = ~np.isnan(scores[:, j])
        x = scores[took, j]
        rest = total[took] - x
        assert fast[j] == pytest.approx(np.corrcoef(x, rest)[0, 1], abs=1e-10)


def test_a_unit_everybody_gets_right_has_no_point_biserial():
    scores = np.column_stack([np.ones(5), GUTTMAN[:, 1]])
    assert math.isnan(pm.corrected_point_biserials(scores)[0])


def test_upper_lower_index_uses_the_top_and_bottom_27_percent():
    # 5 candidates: round(0.27 * 5) = 1 per group: upper = total 4 (all right), lower = total 0 (all wrong)
    assert pm.upper_lower_discrimination(GUTTMAN).tolist() == pytest.approx([1, 1, 1, 1])
    # groups of round(0.4 * 5) = 2: upper = totals 4, 3; lower = totals 1, 0
    #   q1: upper (1+1)/2 - lower (1+0)/2 = 0.5; q2: 1 - 0 = 1; q3: 1 - 0 = 1; q4: 0.5 - 0 = 0.5
    assert pm.upper_lower_discrimination(GUTTMAN, fraction=0.4).tolist() == pytest.approx([0.5, 1, 1, 0.5])


def test_candidates_tied_at_a_group_boundary_share_the_place():
    # totals: a 2, b 1, c 1, d 0; groups of 2: upper = a + half of b and c; lower = d + half of b and c
    #   q1 (a 1, b 1, c 0, d 0): upper (1 + 0.5) / 2 = 0.75, lower (0 + 0.5) / 2 = 0.25 -> D = 0.5
    scores = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=float)
    assert pm.upper_lower_discrimination(scores, fraction=0.5).tolist() == pytest.approx([0.5, 0.5])
    assert pm.upper_lower_discrimination(scores[[2, 0, 3, 1]], fraction=0.5).tolist() == pytest.approx([0.5, 0.5])


def test_kr20_sem_and_histogram_of_a_guttman_table():
    # p = .8 .6 .4 .2 -> sum(pq) = .16 + .24 + .24 + .16 = 0.8
    # totals 4 3 2 1 0: mean 2, variance (4+1+0+1+4)/5 = 2
    # KR-20 = 4/3 * (1 - 0.8/2) = 0.8; SEM = sqrt(2) * sqrt(1 - 0.8) = sqrt(0.4)
    stats = pm.test_statistics(GUTTMAN)
    assert stats.mean == pytest.approx(2.0)
    assert stats.sd == pytest.approx(math.sqrt(2))
    assert stats.kr20 == pytest.approx(0.8)
    assert stats.alpha == pytest.approx(0.8)  # alpha equals KR-20 on 0/1 data
    assert stats.sem == pytest.approx(math.sqrt(0.4))
    assert [(b.lo, b.count) for b in stats.histogram] == [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]


def test_a_negative_reliability_makes_the_sem_equal_the_sd():
    # TINY: sum(pq) = .1875 + .25 + .1875 = .625; totals 2 3 1 2 -> variance 0.5
    # KR-20 = 3/2 * (1 - .625/.5) = -0.375 -> treated as 0 for the SEM
    stats = pm.test_statistics(TINY)
    assert stats.kr20 == pytest.approx(-0.375)
    assert stats.sem == pytest.approx(stats.sd)


def test_cronbach_alpha_handles_partial_credit_and_kr20_refuses_it():
    # item variances: (1, .5, 0) -> 1/6; (.5, .5, 0) -> 1/18; totals 1.5, 1, 0 -> variance 7/18
    # alpha = 2 * (1 - (1/6 + 1/18) / (7/18)) = 2 * (1 - 4/7) = 6/7
    scores = np.array([[1, 0.5], [0.5, 0.5], [0, 0]])
    assert pm.cronbach_alpha(scores) == pytest.approx(6 / 7)
    with pytest.raises(ValueError, match="0/1"):
        pm.kr20(scores)
    stats = pm.test_statistics(scores)
    assert stats.kr20 is None
    assert stats.alpha == pytest.approx(6 / 7)


def test_reliability_uses_candidates_presented_every_unit():
    scores = np.vstack([GUTTMAN, [[np.nan, 1, 0, 1]]])
    stats = pm.test_statistics(scores)
    assert stats.n_candidates == 6
    assert stats.n_complete == 5
    assert stats.kr20 == pytest.approx(0.8)


def test_bad_score_matrices_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        pm.p_values([1, 0, 1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pm.p_values([[1, 2]])


def test_option_statistics_give_choice_shares_and_point_biserials_with_the_rest_score():
    # five takers, key B; rest scores 3 2 2 0 1 (mean 1.6, variance 3.6 - 2.56 = 1.04)
    # A chosen by taker 3 only: cov = 2/5 - .2*1.6 = .08, var .16 -> r = .08 / sqrt(.16*1.04) = .19612
    # B chosen by takers 1, 2: cov = 5/5 - .4*1.6 = .36, var .24 -> r = .36 / sqrt(.24*1.04) = .72058
    # C chosen by taker 4: cov = 0 - .2*1.6 = -.32 -> r = -.32 / sqrt(.16*1.04) = -.78446
    stats = pm.option_statistics(["B", "B", "A", "C", ""], [3, 2, 2, 0, 1], "B")
    by_option = {o.option: o for o in stats}
    assert [o.option for o in stats] == ["A", "B", "C"]
    assert by_option["B"].is_key and not by_option["A"].is_key
    assert by_option["A"].proportion == pytest.approx(0.2)
    assert by_option["B"].proportion == pytest.approx(0.4)
    assert by_option["A"].rpb == pytest.approx(0.19612, abs=1e-5)
    assert by_option["B"].rpb == pytest.approx(0.72058, abs=1e-5)
    assert by_option["C"].rpb == pytest.approx(-0.78446, abs=1e-5)


def test_item_analysis_reports_omits_and_flags_a_possible_miskey():
    # one unit keyed A while the strong candidates chose B (the data of the test above)
    scores = np.array([[0, 1, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 0]], dtype=float)
    choices = np.array(
        [["B", "A", "A", "A"], ["B", "A", "A", "C"], ["A", "A", "C", "A"], ["C", "C", "B", "C"], ["", "A", "B", "C"]]
    )
    items = pm.analyse_items(scores, item_ids=["u1", "u2", "u3", "u4"], choices=choices, keys=["A", "A", "A", "A"])
    first = items[0]
    assert first.id == "u1"
    assert first.n_takers == 5
    assert first.omit_rate == pytest.approx(0.2)
    codes = {flag.code for flag in first.flags}
    assert "possible_miskey" in codes
    assert "too_hard" in codes  # p = 0.2 < 0.30
    assert "option B" in next(f.reason for f in first.flags if f.code == "possible_miskey")


@pytest.mark.parametrize(
    ("p", "rpb", "comments", "expected"),
    [
        (0.25, 0.3, 0, {"too_hard"}),
        (0.97, 0.3, 0, {"too_easy"}),
        (0.6, 0.10, 0, {"low_discrimination"}),
        (0.6, -0.2, 0, {"negative_discrimination"}),
        (0.6, 0.3, pm.MANY_COMMENTS, {"many_comments"}),
        (0.6, 0.3, pm.MANY_COMMENTS - 1, set()),
        (0.30, 0.15, 0, set()),
        (None, None, 0, set()),
    ],
)
def test_flags_follow_the_named_thresholds(p, rpb, comments, expected):
    assert {flag.code for flag in pm.item_flags(p, rpb, n_comments=comments)} == expected


def test_rasch_recovers_simulated_difficulties():
    rng = np.random.default_rng(11)
    truth = np.linspace(-1.5, 1.5, 8)
    theta = rng.normal(size=3000)
    scores = (rng.random((3000, 8)) < 1 / (1 + np.exp(-(theta[:, None] - truth)))).astype(float)
    result = pm.rasch_mml(scores)
    assert result.converged
    b = np.array([item.b for item in result.items])
    se = np.array([item.se for item in result.items])
    assert np.all(np.abs(b - truth) < 4 * se)
    assert np.all((se > 0.02) & (se < 0.1))


def test_rasch_excludes_units_with_p_zero_or_one_and_says_why():
    rng = np.random.default_rng(3)
    scores = (rng.random((200, 4)) < 0.6).astype(float)
    scores[:, 1] = 1.0
    scores[:, 2] = 0.0
    result = pm.rasch_mml(scores, item_ids=["a", "b", "c", "d"])
    by_id = {item.id: item for item in result.items}
    assert by_id["b"].b is None and "p = 1" in by_id["b"].excluded_reason
    assert by_id["c"].b is None and "p = 0" in by_id["c"].excluded_reason
    assert by_id["a"].b is not None and by_id["d"].b is not None
    assert set(result.difficulties()) == {"a", "d"}


def test_rasch_refuses_partial_credit():
    with pytest.raises(ValueError, match="0/1"):
        pm.rasch_mml(np.array([[0.5, 1], [0, 1]]))


def _numerical_hessian(scores, b, quadrature, n_quadrature, h=1e-4):
    def f(x):
        return pm.rasch_log_likelihood(scores, x, quadrature=quadrature, n_quadrature=n_quadrature)

    k = b.size
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h, np.eye(k)[j] * h
            hess[i, j] = (f(b + ei + ej) - f(b + ei - ej) - f(b - ei + ej) + f(b - ei - ej)) / (4 * h * h)
    return hess


@pytest.mark.parametrize(
    ("design", "n_quadrature"),
    [("two forms", 21), ("random gaps", 11)],  # few patterns (grouped) and many patterns (node by node)
)
def test_rasch_standard_errors_come_from_the_observed_information(design, n_quadrature):
    rng = np.random.default_rng(5)
    truth = np.array([-1.0, -0.3, 0.0, 0.4, 1.1])
    theta = rng.normal(size=400)
    scores = (rng.random((400, 5)) < 1 / (1 + np.exp(-(theta[:, None] - truth)))).astype(float)
    if design == "two forms":
        scores[:200, 0] = np.nan
        scores[200:, 4] = np.nan
    else:
        scores[rng.random(scores.shape) < 0.3] = np.nan
    result = pm.rasch_mml(scores, quadrature="gauss-hermite", n_quadrature=n_quadrature)
    b = np.array([item.b for item in result.items])
    se = np.array([item.se for item in result.items])
    numeric = _numerical_hessian(scores, b, "gauss-hermite", n_quadrature)
    assert se == pytest.approx(np.sqrt(np.diag(np.linalg.inv(-numeric))), rel=1e-4)
    # the estimate is a maximum: nudging any difficulty lowers the likelihood
    best = pm.rasch_log_likelihood(scores, b, quadrature="gauss-hermite", n_quadrature=n_quadrature)
    assert best == pytest.approx(result.log_likelihood)
    for j in range(5):
        for delta in (-0.01, 0.01):
            nudged = b.copy()
            nudged[j] += delta
            assert pm.rasch_log_likelihood(scores, nudged, quadrature="gauss-hermite", n_quadrature=n_quadrature) < best


def test_eap_abilities_rise_with_the_raw_score_and_fall_back_to_the_prior():
    b = np.array([-1.0, 0.0, 1.0])
    scores = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1], [np.nan, np.nan, np.nan]])
    abilities = pm.eap_abilities(scores, b)
    assert np.all(np.diff(abilities.theta[:4]) > 0)
    # symmetric difficulties: scores 0 and 3 are mirror images, so are 1 and 2
    assert abilities.theta[0] == pytest.approx(-abilities.theta[3], abs=1e-9)
    assert abilities.theta[1] == pytest.approx(-abilities.theta[2], abs=1e-9)
    assert abilities.theta[4] == pytest.approx(0.0, abs=1e-9)
    assert abilities.sd[4] == pytest.approx(1.0, abs=1e-3)
    assert np.all(abilities.sd[:4] < 1.0)


def test_mean_mean_linking_shifts_by_the_anchor_mean_difference():
    # anchors a, b, c: reference mean 1.0, new mean 0.5 -> intercept 0.5, no drift
    linking = pm.link_rasch({"a": 0.0, "b": 1.0, "c": 2.0, "x": 9.0}, {"a": -0.5, "b": 0.5, "c": 1.5, "d": 3.0})
    assert (linking.slope, linking.intercept, linking.n_anchors) == (1.0, pytest.approx(0.5), 3)
    assert linking.displacement == pytest.approx({"a": 0.0, "b": 0.0, "c": 0.0})
    assert linking.transform([3.0]).tolist() == pytest.approx([3.5])


def test_mean_sigma_linking_matches_means_and_spreads():
    # reference 0, 2 (mean 1, SD 1); new 0, 1 (mean .5, SD .5) -> slope 2, intercept 1 - 2*.5 = 0
    linking = pm.link_rasch({"a": 0.0, "b": 2.0}, {"a": 0.0, "b": 1.0}, method="mean_sigma")
    assert linking.slope == pytest.approx(2.0)
    assert linking.intercept == pytest.approx(0.0)
    with pytest.raises(ValueError, match="at least 1"):
        pm.link_rasch({"a": 0.0}, {"b": 0.0})


def test_scaled_scores_put_the_cut_at_300_and_clip_to_the_range():
    # 300 + 50 * (theta - 0.5)
    scaled = pm.scale_scores([0.5, 1.5, -0.5, -10, 10], theta_cut=0.5)
    assert scaled.tolist() == pytest.approx([300, 350, 250, 100, 500])
    with pytest.raises(ValueError):
        pm.scale_scores([0.0], theta_cut=0.0, slope=0)


def test_raw_scores_map_to_theta_through_the_test_characteristic_curve():
    # two units of difficulty 0: TCC(0) = 2 * 0.5 = 1, so raw 1 -> theta 0
    # raw 0 is moved to 0.5: 2 * logistic(theta) = 0.5 -> theta = ln(1/3)
    assert pm.test_characteristic_curve(0.0, [0.0, 0.0]) == pytest.approx(1.0)
    assert pm.raw_to_theta([1, 0, 2], [0.0, 0.0]).tolist() == pytest.approx([0.0, math.log(1 / 3), -math.log(1 / 3)])
    b = np.array([-2.0, -0.5, 0.3, 1.0, 2.2])
    raw = np.arange(1, 5)
    assert pm.test_characteristic_curve(pm.raw_to_theta(raw, b), b) == pytest.approx(raw)
    with pytest.raises(ValueError, match="Raw scores"):
        pm.raw_to_theta([6], b)


def test_the_whole_report_turns_into_json():
    report = pm.analyse(GUTTMAN, item_ids=list("abcd"), rasch=True, abilities=True)
    data = report.to_dict()
    json.dumps(data, allow_nan=False)  # plain JSON: no NaN, no numpy types
    assert data["test"]["kr20"] == pytest.approx(0.8)
    assert data["rasch"]["items"][0]["b"] is not None
    assert data["items"][0]["id"] == "a"
    assert len(data["abilities"]["theta"]) == 5
    assert pm.to_jsonable({"x": np.float64("nan"), "y": np.int64(3), "z": (np.bool_(True),)}) == {
        "x": None,
        "y": 3,
        "z": [True],
    }


# --------------------------------------------------------------------- CSV glue


def test_analyse_table_reads_zero_one_scores():
    result = pm.analyse_table("q1,q2,q3\n1,0,1\n1,1,1\n0,0,1\n1,1,0\n")
    assert result["n_candidates"] == 4
    assert result["n_items"] == 3
    assert result["kr20"] == pytest.approx(-0.375)
    assert [item["p"] for item in result["items"]] == pytest.approx([0.75, 0.5, 0.75])
    assert set(result["items"][0]) == {"id", "p", "rpb_corrected", "d_upper_lower"}


def test_analyse_table_scores_option_letters_against_a_key():
    text = "q1,q2\nA,b\nA,C\nB,\nA,B\n"
    result = pm.analyse_table(text, key=pm.parse_key_row("A,B"), rasch=True)
    # q1: A A B A -> p = .75; q2: B C (omit) B -> p = .5
    assert [item["p"] for item in result["items"]] == pytest.approx([0.75, 0.5])
    assert {"b", "b_se"} <= set(result["items"][0])
    assert result["rasch"]["excluded"] == {}


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("", None, "empty"),
        ("q1,q2\n", None, "no candidate rows"),
        ("q1,q2\n1,0\n1\n", None, "Line 3 has 1 cells"),
        ("q1,q2\n1,2\n", None, "not 0 or 1"),
        ("q1,q1\n1,0\n", None, "repeats"),
        ("q1,q2\nA,7\n", ["A", "B"], "not an option letter"),
        ("q1,q2\nA,AB\n", ["A", "B"], "not an option letter"),
        ("q1,q2\nA,B\n", ["A"], "key has 1 entries"),
    ],
)
def test_bad_tables_raise_a_clear_table_error(text, key, message):
    with pytest.raises(pm.TableError, match=message):
        pm.analyse_table(text, key=key)


def test_key_rows_must_be_single_letters():
    assert pm.parse_key_row("a, C,B\n") == ["A", "C", "B"]
    with pytest.raises(pm.TableError, match="single letters"):
        pm.parse_key_row("A,CD")
    with pytest.raises(pm.TableError, match="exactly one row"):
        pm.parse_key_row("A,B\nC,D")


# ------------------------------------------------------------------ properties

score_tables = arrays(
    np.float64,
    st.tuples(st.integers(3, 12), st.integers(2, 6)),
    elements=st.sampled_from([0.0, 1.0]),
)


@settings(max_examples=40, deadline=None)
@given(scores=score_tables, seed=st.integers(0, 2**16))
def test_permuting_candidates_leaves_item_statistics_unchanged(scores, seed):
    order = np.random.default_rng(seed).permutation(scores.shape[0])
    a, b = pm.analyse_items(scores), pm.analyse_items(scores[order])
    for x, y in zip(a, b, strict=True):
        assert (x.p, x.n_takers) == (pytest.approx(y.p), y.n_takers)
        assert (x.rpb_corrected is None) == (y.rpb_corrected is None)
        if x.rpb_corrected is not None:
            assert x.rpb_corrected == pytest.approx(y.rpb_corrected, abs=1e-9)
        assert (x.d_upper_lower is None) == (y.d_upper_lower is None)
        if x.d_upper_lower is not None:
            assert x.d_upper_lower == pytest.approx(y.d_upper_lower, abs=1e-9)
    before, after = pm.kr20(scores), pm.kr20(scores[order])
    assert (before is None) == (after is None)
    if before is not None:
        assert before == pytest.approx(after)


@settings(max_examples=30, deadline=None)
@given(scores=score_tables, seed=st.integers(0, 2**16))
def test_permuting_candidates_permutes_their_abilities(scores, seed):
    order = np.random.default_rng(seed).permutation(scores.shape[0])
    b = np.linspace(-1, 1, scores.shape[1])
    a = pm.eap_abilities(scores, b)
    p = pm.eap_abilities(scores[order], b)
    assert p.theta == pytest.approx(a.theta[order])
    assert p.sd == pytest.approx(a.sd[order])


@settings(max_examples=40, deadline=None)
@given(scores=score_tables)
def test_classical_statistics_stay_in_their_ranges(scores):
    for item in pm.analyse_items(scores):
        assert 0 <= item.p <= 1
        assert item.rpb_corrected is None or -1 <= item.rpb_corrected <= 1
        assert item.d_upper_lower is None or -1 <= item.d_upper_lower <= 1
    alpha = pm.cronbach_alpha(scores)
    assert alpha is None or alpha <= 1 + 1e-12


# ------------------------------------------------------------ management command


def test_the_item_analysis_command_prints_json_and_refuses_bad_files(tmp_path):
    from django.core.management import CommandError, call_command

    table = tmp_path / "responses.csv"
    table.write_text("q1,q2\nA,B\nA,C\nB,B\nA,\n", encoding="utf-8")
    key = tmp_path / "key.csv"
    key.write_text("A,B\n", encoding="utf-8")
    out = io.StringIO()
    call_command("item_analysis", str(table), "--key", str(key), "--rasch", "--json", stdout=out)
    data = json.loads(out.getvalue())
    # q1: A A B A -> .75; q2: B C B (omit) -> .5
    assert [item["p"] for item in data["items"]] == pytest.approx([0.75, 0.5])
    assert data["n_candidates"] == 4 and "b_se" in data["items"][0]
    out = io.StringIO()
    call_command("item_analysis", str(table), "--key", "A,B", "--json", stdout=out)
    assert "b" not in json.loads(out.getvalue())["items"][0]
    with pytest.raises(CommandError, match="not 0 or 1"):
        call_command("item_analysis", str(table), "--json")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("item_analysis", str(tmp_path / "missing.csv"), "--json")


def test_grouping_candidates_by_presented_units_and_raw_score_changes_no_rasch_number():
    """The marginal likelihood and EAP abilities, computed candidate by candidate, as the grouped model gives."""
    rng = np.random.default_rng(3)
    theta = rng.normal(size=300)
    b = np.linspace(-1.5, 1.5, 8)
    scores = (rng.random((300, 8)) < 1 / (1 + np.exp(-(theta[:, None] - b)))).astype(float)
    scores[:150, :2] = np.nan  # two forms
    scores[rng.random(300) < 0.2, 5] = np.nan  # and a few more missingness patterns
    nodes, weights = pm._quadrature("rectangular", 61)
    p = 1 / (1 + np.exp(-(nodes[None, :] - b[:, None])))  # units x nodes
    likelihood = np.ones((300, 61))
    for j in range(8):
        seen = ~np.isnan(scores[:, j])
        likelihood[seen] *= np.where(scores[seen, j, None] == 1, p[j], 1 - p[j])
    expected_loglik = float(np.sum(np.log(likelihood @ weights)))
    assert pm.rasch_log_likelihood(scores, b, quadrature="rectangular") == pytest.approx(expected_loglik, abs=1e-8)
    posterior = likelihood * weights / (likelihood @ weights)[:, None]
    estimates = pm.eap_abilities(scores, b, n_quadrature=61)
    assert np.allclose(estimates.theta, posterior @ nodes, atol=1e-12)
    assert np.allclose(estimates.sd, np.sqrt(posterior @ nodes**2 - (posterior @ nodes) ** 2), atol=1e-12)
