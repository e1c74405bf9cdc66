"""Schematic images for the demo bank, part 2 (neuro, aortic, peripheral, haemorrhage, women's
health, spine, dialysis access, biliary and drainage areas).

Every drawing is a labelled schematic, never a patient image. Labels inside the images are
Latin letters, numbers and standard abbreviations only; the item's caption (in each language)
explains them. Drawings are made at twice the output size and scaled down, which gives smooth
(anti-aliased) lines with plain ``ImageDraw``.

``DRAWERS`` maps each media ref used in the part-2 item files to a function returning PNG
bytes (800×600). The module imports no Django.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw, ImageFont

__all__ = ["DRAWERS", "HEIGHT", "WIDTH", "render"]

WIDTH, HEIGHT = 800, 600
_SCALE = 2  # supersampling factor for anti-aliasing

Point = tuple[float, float]
Colour = tuple[int, int, int]

WHITE: Colour = (255, 255, 255)
BLACK: Colour = (20, 20, 20)
GREY: Colour = (150, 150, 150)
LIGHT_GREY: Colour = (226, 226, 226)
DSA_BG: Colour = (222, 222, 218)
DSA_VESSEL: Colour = (35, 35, 35)
DSA_FAINT: Colour = (165, 165, 160)
ARTERY: Colour = (205, 60, 55)
ARTERY_DARK: Colour = (140, 25, 25)
VEIN: Colour = (60, 95, 185)
LUMEN: Colour = (240, 180, 175)
GRAFT: Colour = (60, 60, 60)
LEAK: Colour = (230, 120, 0)
BONE: Colour = (236, 228, 205)
BONE_EDGE: Colour = (120, 105, 80)
MUSCLE: Colour = (238, 196, 190)
FIBROID: Colour = (175, 135, 95)
ENDOMETRIUM: Colour = (250, 225, 230)
BILE: Colour = (70, 140, 70)
TUMOUR: Colour = (150, 110, 170)
SKIN: Colour = (245, 222, 200)
NEEDLE: Colour = (30, 30, 30)


class Canvas:
    """An 800×600 drawing surface in output coordinates, rendered at ``_SCALE``× and scaled down."""

    def __init__(self, background: Colour = WHITE) -> None:
        self.image = Image.new("RGB", (WIDTH * _SCALE, HEIGHT * _SCALE), background)
        self.draw = ImageDraw.Draw(self.image)
        self._fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    @staticmethod
    def _p(point: Point) -> tuple[float, float]:
        return (point[0] * _SCALE, point[1] * _SCALE)

    def _font(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if size not in self._fonts:
            self._fonts[size] = ImageFont.load_default(size=size * _SCALE)
        return self._fonts[size]

    def line(self, points: Sequence[Point], colour: Colour, width: float) -> None:
        """A polyline with rounded joints and ends."""
        scaled = [self._p(p) for p in points]
        w = max(1, round(width * _SCALE))
        self.draw.line(scaled, fill=colour, width=w, joint="curve")
        r = w / 2
        for x, y in scaled:
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    def dashed(self, points: Sequence[Point], colour: Colour, width: float, dash: float = 9) -> None:
        """A dashed polyline; the dash pattern runs on across the vertices."""
        w = max(1, round(width * _SCALE))
        on, travelled = True, 0.0
        for a, b in zip(points, points[1:], strict=False):
            length = math.dist(a, b)
            pos = 0.0
            while pos < length:
                step = min(dash - travelled, length - pos)
                if on:
                    t0, t1 = pos / length, (pos + step) / length
                    p0 = (a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0)
                    p1 = (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)
                    self.draw.line([self._p(p0), self._p(p1)], fill=colour, width=w)
                pos += step
                travelled += step
                if travelled >= dash - 1e-9:
                    on, travelled = not on, 0.0

    def polygon(
        self, points: Sequence[Point], fill: Colour | None = None, outline: Colour | None = None, width: float = 2
    ) -> None:
        self.draw.polygon([self._p(p) for p in points], fill=fill)
        if outline is not None:
            self.line([*points, points[0]], outline, width)

    def ellipse(
        self,
        box: tuple[float, float, float, float],
        fill: Colour | None = None,
        outline: Colour | None = None,
        width: float = 2,
    ) -> None:
        x0, y0, x1, y1 = box
        self.draw.ellipse(
            (x0 * _SCALE, y0 * _SCALE, x1 * _SCALE, y1 * _SCALE),
            fill=fill,
            outline=outline,
            width=max(1, round(width * _SCALE)) if outline is not None else 0,
        )

    def circle(
        self, centre: Point, radius: float, fill: Colour | None = None, outline: Colour | None = None, width: float = 2
    ) -> None:
        cx, cy = centre
        self.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill, outline, width)

    def text(self, at: Point, label: str, size: int = 22, colour: Colour = BLACK, anchor: str = "mm") -> None:
        self.draw.text(self._p(at), label, fill=colour, font=self._font(size), anchor=anchor)

    def tag(self, at: Point, label: str, size: int = 20, fill: Colour = WHITE, colour: Colour = BLACK) -> None:
        """A label in a small outlined circle (used for the lettered sites)."""
        r = size * 0.8
        self.circle(at, r, fill=fill, outline=colour, width=2)
        self.text(at, label, size=size, colour=colour)

    def arrow(self, start: Point, end: Point, colour: Colour, width: float = 3, head: float = 14) -> None:
        """A straight arrow from ``start`` to ``end`` (head at ``end``)."""
        self.line([start, end], colour, width)
        angle = math.atan2(end[1] - start[1], end[0] - start[0])
        left = (end[0] - head * math.cos(angle - 0.45), end[1] - head * math.sin(angle - 0.45))
        right = (end[0] - head * math.cos(angle + 0.45), end[1] - head * math.sin(angle + 0.45))
        self.polygon([end, left, right], fill=colour)

    def png(self) -> bytes:
        out = self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        out.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def _curve(points: Sequence[Point], samples: int = 20) -> list[Point]:
    """A smooth Catmull-Rom curve through ``points`` (end points repeated)."""
    if len(points) < 3:
        return list(points)
    pts = [points[0], *points, points[-1]]
    out: list[Point] = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(samples):
            t = s / samples
            t2, t3 = t * t, t * t * t
            x = 0.5 * (
                2 * p1[0]
                + (-p0[0] + p2[0]) * t
                + (2 * p0[0] - 5 * p1[0] + 4 * p2[0] - p3[0]) * t2
                + (-p0[0] + 3 * p1[0] - 3 * p2[0] + p3[0]) * t3
            )
            y = 0.5 * (
                2 * p1[1]
                + (-p0[1] + p2[1]) * t
                + (2 * p0[1] - 5 * p1[1] + 4 * p2[1] - p3[1]) * t2
                + (-p0[1] + 3 * p1[1] - 3 * p2[1] + p3[1]) * t3
            )
            out.append((x, y))
    out.append(points[-1])
    return out


def _arc(centre: Point, radius: float, start_deg: float, end_deg: float, steps: int = 40) -> list[Point]:
    """Points on a circular arc; angles in degrees, 0 = +x, counter-clockwise on screen is negative y."""
    cx, cy = centre
    return [
        (
            cx + radius * math.cos(math.radians(start_deg + (end_deg - start_deg) * i / steps)),
            cy - radius * math.sin(math.radians(start_deg + (end_deg - start_deg) * i / steps)),
        )
        for i in range(steps + 1)
    ]


# --------------------------------------------------------------------------- MT


def _ica_frontal(left: bool) -> bytes:
    """ICA angiogram, frontal view, radiological convention (patient's right on the viewer's left).

    The ICA ascends to its terminus and divides into the ACA (A1 medially, A2 up the midline) and
    the MCA (M1 horizontally laterally). The M1 is cut off at X; the non-filling M1 remainder and
    M2 branches are dashed. ``left`` mirrors the drawing for a left ICA injection (labels stay readable).
    """

    def p(x: float, y: float) -> Point:
        return (WIDTH - x if left else x, y)

    def ps(points: Sequence[tuple[float, float]]) -> list[Point]:
        return [p(x, y) for x, y in points]

    c = Canvas(DSA_BG)
    midline = 470.0
    c.dashed(ps([(midline, 40), (midline, 570)]), GREY, 2, dash=12)
    # Cervical and petrous/cavernous ICA with a siphon-like bend.
    c.line(
        ps(_curve([(300, 590), (305, 500), (290, 440), (320, 400), (300, 360), (330, 330), (335, 300)])), DSA_VESSEL, 13
    )
    terminus = (335.0, 300.0)
    # ACA: A1 runs medially to the midline, A2 ascends along it with cortical branches.
    c.line(ps(_curve([terminus, (390, 285), (440, 270), (462, 255)])), DSA_VESSEL, 8)
    c.line(ps(_curve([(462, 255), (465, 200), (470, 140), (480, 90), (500, 60)])), DSA_VESSEL, 7)
    c.line(ps(_curve([(467, 180), (440, 140), (420, 100)])), DSA_VESSEL, 4)
    c.line(ps(_curve([(476, 110), (510, 80), (545, 75)])), DSA_VESSEL, 4)
    # M1 filling up to the cut-off X, then non-filling vessels dashed.
    cut = (255.0, 298.0)
    c.line(ps([terminus, (300, 298), cut]), DSA_VESSEL, 10)
    c.line(ps([(cut[0] + 2, 288), (cut[0] + 2, 308)]), DSA_VESSEL, 4)  # abrupt square cut-off
    c.dashed(ps([cut, (200, 296), (165, 285)]), DSA_FAINT, 4)
    for branch in ([(165, 285), (130, 240), (110, 170), (100, 110)], [(165, 285), (120, 290), (80, 250), (60, 200)]):
        c.dashed(ps(_curve(branch, 6)), DSA_FAINT, 3)
    # Posterior communicating and anterior choroidal arteries are omitted for clarity.
    c.text(p(255, 265), "X", size=30, colour=(180, 0, 0))
    c.arrow(p(255, 345), p(255, 312), (180, 0, 0), width=3)
    c.text(p(250, 520), "ICA", size=24)
    c.text(p(560, 130), "ACA", size=24)
    return c.png()


def draw_mt_m1() -> bytes:
    """Right ICA injection with an M1 cut-off at X."""
    return _ica_frontal(left=False)


def draw_mt_m1_left() -> bytes:
    """Left ICA injection with an M1 cut-off at X (mirror image of ``mt-m1``)."""
    return _ica_frontal(left=True)


# --------------------------------------------------------------------------- ANEU


def _coil_tangle(c: Canvas, centre: Point, radius: float, seed: int) -> None:
    """Loops of coil inside a circle of ``radius`` (deterministic pseudo-random)."""
    cx, cy = centre
    for k in range(14):
        a = (k * 137.5 + seed * 31) % 360
        r = radius * (0.25 + 0.5 * ((k * 7 + seed) % 10) / 10)
        ox = cx + (radius - r) * 0.8 * math.cos(math.radians(a))
        oy = cy + (radius - r) * 0.8 * math.sin(math.radians(a))
        c.line(_arc((ox, oy), r, 0, 330, 30), (95, 95, 95), 2)


def _aneurysm_panel(c: Canvas, x0: float, label: str, contrast_height: float) -> None:
    """One post-coiling panel: parent artery, sac on a neck, coil mass and residual contrast.

    ``contrast_height`` is the fraction of the sac (from the neck upwards) still filling with contrast.
    """
    cx = x0 + 120
    sac_c, sac_r = (cx, 250.0), 80.0
    neck_y = sac_c[1] + sac_r - 8
    # Parent artery (contrast-filled).
    c.polygon([(x0 + 5, 360), (x0 + 235, 360), (x0 + 235, 410), (x0 + 5, 410)], fill=DSA_VESSEL)
    # Sac outline and neck.
    c.polygon([(cx - 32, neck_y), (cx + 32, neck_y), (cx + 36, 362), (cx - 36, 362)], fill=LIGHT_GREY)
    c.circle(sac_c, sac_r, fill=LIGHT_GREY)
    # Residual contrast from the neck upwards.
    if contrast_height > 0:
        top = 362 - (362 - (sac_c[1] - sac_r)) * contrast_height
        c.polygon([(cx - 36, 362), (cx + 36, 362), (cx + 32, neck_y), (cx - 32, neck_y)], fill=DSA_VESSEL)
        ys = range(int(top), int(neck_y) + 1)
        left, right = [], []
        for y in ys:
            dy = y - sac_c[1]
            if abs(dy) <= sac_r:
                half = math.sqrt(sac_r * sac_r - dy * dy)
                if y > neck_y - 2:
                    half = max(half, 32)
                left.append((cx - half, y))
                right.append((cx + half, y))
        if left:
            c.polygon([*left, *reversed(right)], fill=DSA_VESSEL)
    # Coil mass in the part of the sac that no longer fills.
    coil_top = sac_c[1] - sac_r
    coil_bottom = 362 - (362 - coil_top) * contrast_height if contrast_height > 0 else neck_y + 10
    coil_cy = (coil_top + coil_bottom) / 2
    coil_r = max(20.0, (coil_bottom - coil_top) / 2 - 4)
    _coil_tangle(c, (cx, coil_cy), min(coil_r, sac_r - 6), seed=len(label) + int(contrast_height * 10))
    c.circle(sac_c, sac_r, outline=GREY, width=2)
    c.text((cx, 120), label, size=34)


def draw_aneu_raymond() -> bytes:
    """Three post-coiling appearances, deliberately not in class order.

    A: contrast fills the neck and the lower sac (residual aneurysm, Raymond-Roy 3);
    B: no contrast in neck or sac (complete occlusion, class 1);
    C: contrast only in the neck (residual neck, class 2).
    """
    c = Canvas(WHITE)
    _aneurysm_panel(c, 20, "A", 0.6)
    _aneurysm_panel(c, 280, "B", 0.0)
    _aneurysm_panel(c, 540, "C", 0.12)
    for x in (270, 530):
        c.line([(x, 110), (x, 560)], LIGHT_GREY, 2)
    return c.png()


# --------------------------------------------------------------------------- AORTA


def _evar(leaks: str, labelled: bool) -> bytes:
    """Infrarenal AAA after bifurcated EVAR, showing the endoleaks named in ``leaks``.

    A: junction of the main body and the contralateral limb (type III);
    B: proximal sealing zone below the renal arteries (type Ia);
    C: retrograde flow from a lumbar artery into the sac (type II);
    D: distal sealing zone of an iliac limb (type Ib).
    With ``labelled`` the sites carry their letters.
    """
    c = Canvas(WHITE)
    # Aorta above the sac, renal arteries, sac, iliac arteries.
    c.polygon([(370, 20), (430, 20), (432, 175), (368, 175)], fill=LUMEN, outline=ARTERY_DARK, width=2)
    for side in (-1, 1):
        x = 400 + side * 32
        c.line([(x, 120), (x + side * 120, 105)], ARTERY, 16)
    sac = _curve([(368, 175), (300, 240), (285, 330), (320, 420), (372, 455)], 12)
    sac_r = [(800 - x, y) for x, y in sac]
    c.polygon([*sac, (380, 470), (420, 470), *reversed(sac_r)], fill=(250, 215, 210))
    c.line(sac, ARTERY_DARK, 3)
    c.line(sac_r, ARTERY_DARK, 3)
    for side in (-1, 1):
        c.line([(400 + side * 22, 462), (400 + side * 120, 585)], ARTERY, 40)
        c.line([(400 + side * 22, 462), (400 + side * 120, 585)], LUMEN, 30)
    c.line([(503, 300), (575, 290)], ARTERY, 10)  # a lumbar artery arising from the sac wall
    # Stent-graft: main body, integrated ipsilateral limb, docked contralateral limb.
    body = [(378, 140), (422, 140), (422, 330), (378, 330)]
    c.polygon(body, fill=(200, 200, 205), outline=GRAFT, width=3)
    c.line([(390, 330), (390, 440), (290, 580)], GRAFT, 22)  # patient's right limb (viewer's left)
    c.line([(390, 330), (390, 440), (290, 580)], (200, 200, 205), 14)
    c.line([(412, 300), (412, 440), (510, 580)], GRAFT, 22)  # contralateral limb docked into the gate
    c.line([(412, 300), (412, 440), (510, 580)], (200, 200, 205), 14)
    for y in range(150, 330, 22):  # stent rings
        c.line([(378, y), (400, y + 10), (422, y)], GRAFT, 2)
    # Leak sites (orange) with arrows into the sac.
    if "B" in leaks:  # proximal seal
        c.polygon([(378, 150), (355, 190), (378, 205)], fill=LEAK)
        c.arrow((365, 185), (330, 230), LEAK, 4)
    if "A" in leaks:  # junction of components
        c.circle((427, 322), 9, fill=LEAK)
        c.arrow((433, 328), (470, 365), LEAK, 4)
    if "C" in leaks:  # lumbar artery backflow
        c.arrow((560, 292), (475, 305), LEAK, 4)
    if "D" in leaks:  # distal iliac seal
        c.polygon([(505, 575), (495, 555), (520, 555)], fill=LEAK)
        c.arrow((505, 555), (450, 470), LEAK, 4)
    if labelled:
        tags = {"A": (470, 345), "B": (330, 175), "C": (600, 285), "D": (560, 540)}
        for letter in leaks:
            c.tag(tags[letter], letter)
    return c.png()


def draw_aorta_endoleak() -> bytes:
    """All four lettered sites A–D (types III, Ia, II and Ib)."""
    return _evar("ABCD", labelled=True)


def draw_aorta_endoleak_proximal() -> bytes:
    """A single unlabelled leak at the proximal sealing zone (type Ia), for the EVAR case set."""
    return _evar("B", labelled=False)


def _aortic_arch(c: Canvas, x0: float, label: str, dissected: tuple[float, float]) -> None:
    """A 'candy-cane' aorta (ascending, arch with three branches, descending) for one panel.

    ``dissected`` = (start, end) fractions along the centreline that carry a dissection flap.
    """
    cx, cy, r = x0 + 130, 250.0, 70.0
    ascending = [(cx - r, 520 - i * (520 - cy) / 10) for i in range(11)]
    arch = _arc((cx, cy), r, 180, 0, 30)
    descending = [(cx + r, cy + i * (560 - cy) / 12) for i in range(13)]
    centre = [*ascending, *arch[1:], *descending[1:]]
    # Branches from the arch: innominate, left common carotid, left subclavian.
    for deg in (140, 100, 60):
        bx, by = cx + r * math.cos(math.radians(deg)), cy - r * math.sin(math.radians(deg))
        c.line([(bx, by), (bx + (deg - 100) * -0.25, by - 85)], ARTERY, 14)
    c.line(centre, ARTERY_DARK, 40)
    c.line(centre, LUMEN, 34)
    n = len(centre)
    i0, i1 = round(dissected[0] * (n - 1)), round(dissected[1] * (n - 1))
    seg = centre[i0 : i1 + 1]
    if len(seg) >= 2:
        c.line(seg, (225, 120, 115), 30)  # false lumen shading
        c.line(seg, WHITE, 3)  # intimal flap
    c.text((x0 + 130, 70), label, size=34)


def draw_aorta_stanford() -> bytes:
    """Three dissection extents: 1 ascending + arch + descending; 2 ascending only; 3 distal to the LSA."""
    c = Canvas(WHITE)
    # Centreline fractions: ascending ≈ 0–0.27, arch ≈ 0.27–0.64 (LSA origin ≈ 0.55), descending after.
    _aortic_arch(c, 10, "1", (0.05, 0.97))
    _aortic_arch(c, 275, "2", (0.05, 0.27))
    _aortic_arch(c, 540, "3", (0.62, 0.97))
    for x in (268, 533):
        c.line([(x, 60), (x, 580)], LIGHT_GREY, 2)
    return c.png()


# --------------------------------------------------------------------------- HEME


def draw_heme_uterine() -> bytes:
    """Pelvic arteriogram, frontal view (patient's right on the viewer's left), after delivery.

    Distal aorta, common, external and internal iliac arteries; both uterine arteries (enlarged,
    tortuous) run from the anterior divisions of the internal iliacs to the sides of the uterus.
    A contrast blush (extravasation) arises from branches of the patient's left uterine artery (arrow).
    """
    c = Canvas(DSA_BG)
    c.ellipse((315, 300, 485, 510), outline=DSA_FAINT, width=3)  # uterine outline (parenchymal blush)
    c.line([(400, 0), (400, 110)], DSA_VESSEL, 22)  # distal aorta

    def sx(side: int, dx: float, y: float) -> Point:
        return (400 + side * dx, y)

    for side in (-1, 1):
        c.line([(400, 110), sx(side, 100, 200)], DSA_VESSEL, 16)  # common iliac
        c.line(
            _curve([sx(side, 100, 200), sx(side, 150, 280), sx(side, 195, 400), sx(side, 215, 590)]), DSA_VESSEL, 14
        )  # external iliac
        c.line(_curve([sx(side, 100, 200), sx(side, 97, 250), sx(side, 92, 290)]), DSA_VESSEL, 11)  # internal iliac
        # Uterine artery from the anterior division: descending, transverse towards the cervix,
        # then ascending tortuously along the side of the uterus.
        uterine = [
            sx(side, 92, 290),
            sx(side, 105, 360),
            sx(side, 100, 440),
            sx(side, 78, 480),
            sx(side, 70, 455),
            sx(side, 84, 430),
            sx(side, 70, 400),
            sx(side, 84, 370),
            sx(side, 70, 340),
            sx(side, 80, 315),
        ]
        c.line(_curve(uterine, 8), DSA_VESSEL, 6)
        for y in (445, 385, 330):  # radial branches into the myometrium
            c.line([sx(side, 76, y), sx(side, 40, y - 10)], DSA_VESSEL, 3)
    # Extravasation from branches of the patient's left uterine artery (viewer's right).
    for dx, dy, r in ((448, 400, 18), (438, 416, 14), (458, 420, 13), (446, 385, 11)):
        c.circle((dx, dy), r, fill=(70, 70, 70))
    c.arrow((600, 330), (468, 398), (180, 0, 0), width=3)
    c.text((60, 40), "R", size=28, colour=GREY)
    c.text((740, 40), "L", size=28, colour=GREY)
    return c.png()


# --------------------------------------------------------------------------- UAE


def draw_uae_figo() -> bytes:
    """Coronal uterus with five lettered fibroids.

    A: pedunculated intracavitary (FIGO 0); B: pedunculated subserosal (FIGO 7); C: intramural,
    touching neither endometrium nor serosa (FIGO 4); D: subserosal, < 50% intramural (FIGO 6);
    E: submucosal, ≥ 50% intramural (FIGO 2).
    """
    c = Canvas(WHITE)
    outer = _curve(
        [
            (400, 105),
            (550, 140),
            (585, 270),
            (520, 390),
            (450, 450),
            (440, 560),
            (360, 560),
            (350, 450),
            (280, 390),
            (215, 270),
            (250, 140),
            (400, 105),
        ],
        10,
    )
    c.polygon(outer, fill=MUSCLE, outline=(150, 80, 80), width=3)
    cavity = [(315, 200), (485, 200), (415, 360), (410, 450), (390, 450), (385, 360)]
    c.polygon(_curve([*cavity, cavity[0]], 8), fill=ENDOMETRIUM, outline=(200, 120, 140), width=2)
    # A: FIGO 0, inside the cavity on a stalk.
    c.line([(420, 205), (410, 240)], FIBROID, 6)
    c.circle((405, 262), 26, fill=FIBROID, outline=BLACK, width=2)
    c.text((405, 262), "A", size=22, colour=WHITE)
    # B: FIGO 7, outside the serosa on a stalk.
    c.line([(560, 190), (620, 170)], FIBROID, 8)
    c.circle((650, 160), 36, fill=FIBROID, outline=BLACK, width=2)
    c.text((650, 160), "B", size=24, colour=WHITE)
    # C: FIGO 4, wholly intramural.
    c.circle((520, 280), 26, fill=FIBROID, outline=BLACK, width=2)
    c.text((520, 280), "C", size=22, colour=WHITE)
    # D: FIGO 6, mostly outside the outer contour (less than half intramural).
    c.circle((255, 330), 38, fill=FIBROID, outline=BLACK, width=2)
    c.line(_curve([(221, 270), (230, 310), (258, 360), (280, 390)], 8), (150, 80, 80), 3)
    c.text((240, 335), "D", size=24, colour=WHITE)
    # E: FIGO 2, mostly in the wall, bulging a little into the cavity.
    c.circle((318, 235), 34, fill=FIBROID, outline=BLACK, width=2)
    c.text((310, 230), "E", size=22, colour=WHITE)
    return c.png()


# --------------------------------------------------------------------------- VP


def draw_vp_pedicle() -> bytes:
    """Axial lumbar vertebra (anterior at the top) with a transpedicular needle track.

    1: spinal canal; 2: pedicle; 3: vertebral body. The needle enters posterolaterally, passes
    through the right pedicle and ends in the anterior third of the body.
    """
    c = Canvas(WHITE)
    body = _curve(
        [(250, 300), (260, 170), (400, 120), (540, 170), (550, 300), (470, 330), (400, 318), (330, 330), (250, 300)], 10
    )
    c.polygon(body, fill=BONE, outline=BONE_EDGE, width=3)
    # Pedicles, laminae, spinous and transverse processes.
    for side in (-1, 1):
        px = 400 + side * 105
        c.polygon(
            [(px - 28, 312), (px + 28, 312), (px + 24, 392), (px - 24, 392)], fill=BONE, outline=BONE_EDGE, width=3
        )
        c.polygon(
            [(px - side * 4, 380), (px + side * 150, 372), (px + side * 150, 400), (px, 410)],
            fill=BONE,
            outline=BONE_EDGE,
            width=3,
        )
        c.polygon(
            [(px - 20 * side, 392), (px + 10 * side, 410), (400 + side * 20, 480), (400, 470)],
            fill=BONE,
            outline=BONE_EDGE,
            width=3,
        )
    c.polygon([(380, 470), (420, 470), (412, 570), (388, 570)], fill=BONE, outline=BONE_EDGE, width=3)
    c.circle((400, 380), 55, fill=(215, 230, 245), outline=BONE_EDGE, width=3)  # spinal canal
    # Needle from the patient's right posterolateral skin through the right pedicle (viewer's left).
    start, tip = (202, 560), (376, 165)
    c.line([start, tip], NEEDLE, 6)
    c.circle(tip, 6, fill=NEEDLE)
    c.dashed([(262, 190), (538, 190)], GREY, 2)  # boundary of the anterior third
    c.text((400, 381), "1", size=28)
    c.tag((220, 350), "2")
    c.line([(236, 350), (272, 350)], BLACK, 2)
    c.tag((610, 250), "3")
    c.line([(592, 250), (548, 250)], BLACK, 2)
    c.text((400, 40), "ANT", size=22, colour=GREY)
    c.text((400, 592), "POST", size=18, colour=GREY, anchor="ms")
    return c.png()


# --------------------------------------------------------------------------- DIAL


def draw_dial_avf() -> bytes:
    """Left radiocephalic fistula from wrist (left) to chest (right) with four lettered sites.

    A: radial artery inflow; B: juxta-anastomotic vein; C: forearm cannulation segment of the
    cephalic vein; D: central vein (subclavian–brachiocephalic).
    """
    c = Canvas(WHITE)
    arm = _curve(
        [
            (40, 300),
            (300, 270),
            (520, 240),
            (640, 190),
            (760, 170),
            (780, 420),
            (640, 380),
            (520, 350),
            (300, 350),
            (40, 360),
            (40, 300),
        ],
        10,
    )
    c.polygon(arm, fill=SKIN, outline=(200, 170, 140), width=2)
    # Radial artery along the forearm, anastomosis at the wrist.
    c.line(_curve([(520, 330), (300, 335), (110, 340)]), ARTERY, 10)
    anastomosis = (110.0, 330.0)
    # Cephalic vein arising from the anastomosis, running up the arm to the central veins.
    vein = _curve([anastomosis, (160, 310), (300, 300), (450, 285), (560, 260), (650, 225), (740, 210)])
    c.line(vein, VEIN, 14)
    # A short narrowed segment just beyond the anastomosis (juxta-anastomotic stenosis).
    c.line([(140, 318), (175, 308)], VEIN, 6)
    c.line([(140, 318), (175, 308)], (200, 215, 245), 3)
    c.circle(anastomosis, 9, fill=ARTERY_DARK)
    c.tag((260, 380), "A")
    c.line([(255, 363), (255, 340)], BLACK, 2)
    c.tag((160, 270), "B")
    c.line([(160, 287), (160, 305)], BLACK, 2)
    c.tag((380, 250), "C")
    c.line([(380, 267), (380, 290)], BLACK, 2)
    c.tag((730, 260), "D")
    c.line([(730, 243), (730, 220)], BLACK, 2)
    c.text((70, 420), "WRIST", size=18, colour=GREY)
    c.text((700, 120), "CHEST", size=18, colour=GREY)
    return c.png()


# --------------------------------------------------------------------------- BIL


def draw_bil_bismuth() -> bytes:
    """Biliary confluence in frontal view (patient's right on the viewer's left) with a hilar tumour.

    The tumour involves the confluence and extends up the right hepatic duct into the right
    secondary (sectoral) ducts, sparing the left hepatic duct and its branches: Bismuth-Corlette IIIa.
    """
    c = Canvas(WHITE)
    confluence = (400.0, 300.0)
    c.line([confluence, (400, 420), (395, 560)], BILE, 16)  # common hepatic / common bile duct
    rhd_end, lhd_end = (300.0, 240.0), (520.0, 250.0)
    c.line([confluence, rhd_end], BILE, 13)
    c.line([confluence, lhd_end], BILE, 13)
    right_secondary = [[rhd_end, (220, 150), (170, 90)], [rhd_end, (200, 260), (110, 250)]]
    left_secondary = [
        [lhd_end, (600, 170), (650, 110)],
        [lhd_end, (610, 260), (700, 270)],
        [lhd_end, (560, 330), (620, 380)],
    ]
    for duct in right_secondary + left_secondary:
        c.line(duct, BILE, 9)
        end = duct[-1]
        for da in (-25, 25):
            angle = math.atan2(end[1] - duct[-2][1], end[0] - duct[-2][0]) + math.radians(da)
            c.line([end, (end[0] + 40 * math.cos(angle), end[1] + 40 * math.sin(angle))], BILE, 5)
    tumour = _curve(
        [
            (430, 330),
            (440, 285),
            (380, 265),
            (300, 205),
            (225, 170),
            (195, 215),
            (215, 265),
            (290, 280),
            (370, 335),
            (430, 330),
        ],
        8,
    )
    overlay = Image.new("RGBA", c.image.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).polygon([(x * _SCALE, y * _SCALE) for x, y in tumour], fill=(*TUMOUR, 170))
    c.image.paste(Image.alpha_composite(c.image.convert("RGBA"), overlay).convert("RGB"))
    c.line(tumour, (110, 70, 130), 2)
    c.text((90, 60), "R", size=30, colour=GREY)
    c.text((710, 60), "L", size=30, colour=GREY)
    c.text((360, 520), "CBD", size=20, colour=GREY)
    return c.png()


DRAWERS: dict[str, Callable[[], bytes]] = {
    "mt-m1": draw_mt_m1,
    "mt-m1-left": draw_mt_m1_left,
    "aneu-raymond": draw_aneu_raymond,
    "aorta-endoleak": draw_aorta_endoleak,
    "aorta-endoleak-proximal": draw_aorta_endoleak_proximal,
    "aorta-stanford": draw_aorta_stanford,
    "heme-uterine": draw_heme_uterine,
    "uae-figo": draw_uae_figo,
    "vp-pedicle": draw_vp_pedicle,
    "dial-avf": draw_dial_avf,
    "bil-bismuth": draw_bil_bismuth,
}


def render(ref: str) -> bytes:
    """PNG bytes of the schematic ``ref``; raises ``KeyError`` with the known refs if it is unknown."""
    try:
        drawer = DRAWERS[ref]
    except KeyError:
        raise KeyError(f"Unknown demo image {ref!r}; known: {', '.join(sorted(DRAWERS))}") from None
    return drawer()
