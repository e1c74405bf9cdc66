"""DICOM pipeline cost on a synthetic CT: load → de-identify → convert (raw, gzip, deflate).

Run: ``python -m bench.dicom_bench [--slices 200] [--size 512]``. Prints seconds per step and the
blob sizes. The target is a 200-slice 512×512 CT converting in a few seconds.

Pure: no Django, no database. The series is synthesized in memory (``synthesize_ct_phantom``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

from question_bank.dicom import convert, deidentify_series, load_series, synthesize_ct_phantom

T = TypeVar("T")


def _timed(label: str, func: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = func()
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()

    print(f"Synthetic CT: {args.slices} slices of {args.size}×{args.size}")
    files = _timed("synthesize (not part of the pipeline)", lambda: synthesize_ct_phantom(args.slices, args.size))
    upload = [(f"IM{k:04d}.dcm", data) for k, data in enumerate(files)]
    print(f"{'DICOM input':<34} {sum(len(d) for d in files) / 1e6:7.1f} MB")

    series = _timed("load_series", lambda: load_series(upload))
    clean, _ = _timed("deidentify_series", lambda: deidentify_series(series))
    for method in (None, "gzip", "deflate"):
        converted = _timed(f"convert (compress={method})", lambda m=method: convert(clean, compress=m))
        print(f"{'  blob size':<34} {len(converted.data) / 1e6:7.1f} MB")
    start = time.perf_counter()
    series = load_series(upload)
    clean, _ = deidentify_series(series)
    convert(clean, compress="gzip")
    print(f"{'whole pipeline (gzip)':<34} {time.perf_counter() - start:7.2f} s")


if __name__ == "__main__":
    main()
