"""Officer report charts rendered server-side with matplotlib (Agg, no pyplot) to SVG text.

Pure module (no Django): callers pass numbers and already translated labels. Glyphs are written as
SVG paths (``svg.fonttype = "path"``), so Chinese labels show in any browser without a web font; the
CJK font is the TrueType file PDFs use (``irexam.fonts``); without one, labels fall back to DejaVu
Sans (Chinese would show as boxes, so callers keep a translated caption in the HTML as well).

Every chart has stable element ids for tests and styling: ``cut-line`` (the cut score), ``flagged``
and ``unflagged`` (the item scatter's two point sets), ``area-0``, ``area-1``… (the area bars, in the order given).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from functools import lru_cache

from irexam.fonts import cjk_font_candidates

INK = "#1f1a17"
ACCENT = "#2b6cb0"
CUT = "#c53030"
MUTED = "#a0aec0"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _font_family() -> tuple[str, ...]:
    """Register the first usable CJK font with matplotlib; its family name first, DejaVu Sans after."""
    from matplotlib import font_manager

    for path, _index in cjk_font_candidates():
        try:
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        return (name, "DejaVu Sans")
    return ("DejaVu Sans",)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "irexam"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e2e8f0", linewidth=0.8)
    ax.set_axisbelow(True)


def _render(draw) -> str:
    import matplotlib

    with _lock, matplotlib.rc_context({"font.family": list(_font_family()), "font.size": 10, "text.color": INK}):
        figure = draw()
        return _svg(figure)


def score_histogram(
    values: Sequence[float],
    *,
    cut: float | None,
    lo: float,
    hi: float,
    x_label: str,
    y_label: str,
    cut_label: str,
    bins: int = 20,
) -> str:
    """Histogram of scores between ``lo`` and ``hi`` with a vertical cut line (id ``cut-line``)."""

    def draw():
        figure, ax = _figure(7.0, 3.6)
        ax.hist(list(values), bins=bins, range=(lo, hi), color=ACCENT, edgecolor="white")
        if cut is not None:
            line = ax.axvline(cut, color=CUT, linewidth=2, linestyle="--", label=f"{cut_label} {cut:g}")
            line.set_gid("cut-line")
            ax.legend(frameon=False, loc="upper left")
        ax.set_xlim(lo, hi)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        _style(ax)
        return figure

    return _render(draw)


def item_scatter(
    p: Sequence[float | None],
    rpb: Sequence[float | None],
    flagged: Sequence[bool],
    *,
    x_label: str,
    y_label: str,
    flagged_label: str,
    other_label: str,
) -> str:
    """p-value (x) against corrected point-biserial (y); flagged units in red (id ``flagged``)."""

    def draw():
        figure, ax = _figure(7.0, 4.0)
        points = [(x, y, f) for x, y, f in zip(p, rpb, flagged, strict=True) if x is not None and y is not None]
        for is_flagged, colour, label, gid in (
            (False, ACCENT, other_label, "unflagged"),
            (True, CUT, flagged_label, "flagged"),
        ):
            xs = [x for x, _y, f in points if f is is_flagged]
            ys = [y for _x, y, f in points if f is is_flagged]
            collection = ax.scatter(xs, ys, s=28, color=colour, alpha=0.85, label=f"{label} ({len(xs)})")
            collection.set_gid(gid)
        ax.axhline(0.0, color=MUTED, linewidth=1)
        ax.set_xlim(0.0, 1.0)
        ax.set_ylim(-0.5, 1.0)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.legend(frameon=False, loc="lower right")
        _style(ax)
        return figure

    return _render(draw)


def area_bars(
    names: Sequence[str],
    means: Sequence[float],
    p25: Sequence[float],
    p75: Sequence[float],
    *,
    x_label: str,
    band_label: str,
    mean_label: str,
) -> str:
    """Horizontal bars of the cohort's mean percent per area with the interquartile range as a band."""

    def draw():
        figure, ax = _figure(7.0, max(2.4, 0.45 * len(names) + 1.4))
        ys = list(range(len(names)))
        bars = ax.barh(ys, list(means), color=ACCENT, height=0.6, label=mean_label)
        for i, bar in enumerate(bars):
            bar.set_gid(f"area-{i}")
        lower = [max(0.0, m - a) for m, a in zip(means, p25, strict=True)]
        upper = [max(0.0, b - m) for m, b in zip(means, p75, strict=True)]
        ax.errorbar(list(means), ys, xerr=[lower, upper], fmt="none", ecolor=INK, capsize=3, label=band_label)
        ax.set_yticks(ys, list(names))
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(x_label)
        figure.legend(frameon=False, loc="outside lower center", ncol=2)
        _style(ax)
        ax.grid(axis="x", color="#e2e8f0", linewidth=0.8)
        return figure

    return _render(draw)
