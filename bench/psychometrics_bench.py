"""Timings of the psychometrics on a 10,000 x 150 simulated Rasch cohort.

Run: ``python -m bench.psychometrics_bench [--candidates N] [--items K] [--seed S]``.
Prints seconds per step and how well the calibration recovers the simulated difficulties.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from exams import psychometrics as pm

T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    print(f"{label:<44}{time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    theta = rng.normal(size=args.candidates)
    b = rng.normal(size=args.items)
    scores = (rng.random((args.candidates, args.items)) < 1 / (1 + np.exp(-(theta[:, None] - b)))).astype(float)
    letters = np.array(list("ABCDE"))
    keys = ["A"] * args.items
    choices = np.where(scores == 1, "A", letters[rng.integers(1, 5, size=scores.shape)])
    print(f"{args.candidates} candidates x {args.items} items (simulated Rasch, seed {args.seed})")

    timed("item analysis (p, rpb, D)", lambda: pm.analyse_items(scores))
    timed("item analysis with distractors", lambda: pm.analyse_items(scores, choices=choices, keys=keys))
    timed("KR-20", lambda: pm.kr20(scores))
    timed("test statistics (mean, SD, KR-20, alpha, SEM)", lambda: pm.test_statistics(scores))
    calibration = timed("Rasch MML (rectangular, 61 nodes)", lambda: pm.rasch_mml(scores))
    estimates = np.array([item.b for item in calibration.items])
    timed("Rasch MML (Gauss-Hermite, 41 nodes)", lambda: pm.rasch_mml(scores, quadrature="gauss-hermite"))
    abilities = timed("EAP abilities", lambda: pm.eap_abilities(scores, estimates))
    forms = scores.copy()
    half = args.candidates // 2
    forms[:half, : args.items // 3] = np.nan
    forms[half:, -args.items // 3 :] = np.nan
    timed("Rasch MML, two forms with common items", lambda: pm.rasch_mml(forms))

    print(f"iterations {calibration.iterations}, converged {calibration.converged}")
    print(f"difficulty RMSE vs truth {np.sqrt(np.mean((estimates - b) ** 2)):.4f}")
    print(f"mean difficulty SE {np.mean([item.se for item in calibration.items]):.4f}")
    print(f"corr(EAP, true theta) {np.corrcoef(abilities.theta, theta)[0, 1]:.4f}")


if __name__ == "__main__":
    main()
