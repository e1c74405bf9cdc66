"""Validation against published results: the LSAT data (Bock & Lieberman, 1970).

The data are Section VI of the Law School Admission Test: 1000 examinees, 5 items, given
as the 32 response patterns with their frequencies (R package ltm, data set ``LSAT``).

ltm documents, for ``rasch(LSAT, constraint = cbind(ncol(LSAT) + 1, 1))`` (slope fixed at
1, abilities N(0, 1), 21-point Gauss-Hermite quadrature), the difficulties
-2.8720, -1.0630, -0.2576, -1.3881, -2.2188 with standard errors
0.1287, 0.0821, 0.0766, 0.0865, 0.1048 and log-likelihood -2473.054.
"""

from __future__ import annotations

import numpy as np
import pytest

from exams import psychometrics as pm

# pattern (items 1-5) -> number of examinees
LSAT_PATTERNS = {
    "00000": 3, "00001": 6, "00010": 2, "00011": 11, "00100": 1, "00101": 1, "00110": 3, "00111": 4,
    "01000": 1, "01001": 8, "01010": 0, "01011": 16, "01100": 0, "01101": 3, "01110": 2, "01111": 15,
    "10000": 10, "10001": 29, "10010": 14, "10011": 81, "10100": 3, "10101": 28, "10110": 15, "10111": 80,
    "11000": 16, "11001": 56, "11010": 21, "11011": 173, "11100": 11, "11101": 61, "11110": 28, "11111": 298,
}  # fmt: skip

LTM_DIFFICULTY = [-2.8720, -1.0630, -0.2576, -1.3881, -2.2188]
LTM_SE = [0.1287, 0.0821, 0.0766, 0.0865, 0.1048]
LTM_LOGLIK = -2473.054


def lsat() -> np.ndarray:
    rows = [[int(c) for c in pattern] for pattern, count in LSAT_PATTERNS.items() for _ in range(count)]
    return np.array(rows, dtype=float)


def test_the_lsat_table_has_1000_examinees_and_its_published_margins():
    data = lsat()
    assert data.shape == (1000, 5)
    # published item p-values and raw-score distribution (0..5 right: 3, 20, 85, 237, 357, 298)
    assert data.mean(axis=0).tolist() == pytest.approx([0.924, 0.709, 0.553, 0.763, 0.870])
    assert np.bincount(data.sum(axis=1).astype(int)).tolist() == [3, 20, 85, 237, 357, 298]


def test_classical_statistics_of_lsat_match_an_independent_computation():
    stats = pm.test_statistics(lsat())
    # Independently, from the published margins:
    #   sum(pq) = .924*.076 + .709*.291 + .553*.447 + .763*.237 + .870*.130
    #           = .070224 + .206319 + .247191 + .180831 + .113100 = 0.817665
    #   mean = (1*20 + 2*85 + 3*237 + 4*357 + 5*298) / 1000 = 3.819
    #   E[X^2] = (1*20 + 4*85 + 9*237 + 16*357 + 25*298) / 1000 = 15.655
    #   var = 15.655 - 3.819^2 = 1.070239
    #   KR-20 = 5/4 * (1 - 0.817665 / 1.070239) = 0.294997...
    sum_pq = 0.070224 + 0.206319 + 0.247191 + 0.180831 + 0.113100
    variance = 15.655 - 3.819**2
    expected = 5 / 4 * (1 - sum_pq / variance)
    assert stats.mean == pytest.approx(3.819)
    assert stats.sd == pytest.approx(variance**0.5)
    assert stats.kr20 == pytest.approx(expected, abs=1e-9)
    assert stats.kr20 == pytest.approx(0.2950, abs=1e-4)
    assert [item.p for item in pm.analyse_items(lsat())] == pytest.approx([0.924, 0.709, 0.553, 0.763, 0.870])


def test_rasch_mml_reproduces_ltm_on_lsat():
    result = pm.rasch_mml(lsat(), quadrature="gauss-hermite", n_quadrature=21)
    assert result.converged
    b = [item.b for item in result.items]
    se = [item.se for item in result.items]
    # ltm prints four decimals: agree to rounding
    assert b == pytest.approx(LTM_DIFFICULTY, abs=1e-4)
    assert se == pytest.approx(LTM_SE, abs=1e-4)
    assert result.log_likelihood == pytest.approx(LTM_LOGLIK, abs=1e-3)


def test_the_default_quadrature_agrees_with_ltm_on_a_short_test():
    result = pm.rasch_mml(lsat())
    assert [item.b for item in result.items] == pytest.approx(LTM_DIFFICULTY, abs=5e-4)
    assert result.log_likelihood == pytest.approx(LTM_LOGLIK, abs=1e-2)
