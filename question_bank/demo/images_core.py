"""Schematic images for the demo bank, part 1 (core skills, TACE, ablation, seeds, TIPS).

Every drawing is a labelled schematic, never a patient image. Labels inside the images
are letters and numbers only; the item's caption (in each language) explains them.
Drawings are made at twice the output size and scaled down, which gives smooth
(anti-aliased) lines with plain ``ImageDraw``.

``DRAWERS`` maps each media ref used in the demo item files to a function returning
PNG bytes. The module imports no Django.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

__all__ = ["DRAWERS", "HEIGHT", "WIDTH", "dvh_volume", "render"]

WIDTH, HEIGHT = 800, 600
_SCALE = 2  # supersampling factor for anti-aliasing

Point = tuple[float, float]
Colour = tuple[int, int, int]

WHITE: Colour = (255, 255, 255)
BLACK: Colour = (20, 20, 20)
GREY: Colour = (150, 150, 150)
LIGHT_GREY: Colour = (225, 225, 225)
BONE: Colour = (232, 226, 205)
ARTERY: Colour = (200, 40, 40)
VEIN: Colour = (50, 90, 190)
PORTAL: Colour = (120, 60, 160)
LIVER: Colour = (240, 215, 200)
TUMOUR: Colour = (170, 120, 60)
STENT: Colour = (40, 40, 40)
ACCENT: Colour = (0, 130, 90)


class Canvas:
    """An 800×600 drawing surface in output coordinates, rendered at ``_SCALE``×."""

    def __init__(self, background: Colour = WHITE) -> None:
        self.image = Image.new("RGB", (WIDTH * _SCALE, HEIGHT * _SCALE), background)
        self.draw = ImageDraw.Draw(self.image)
        self._fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def _p(self, point: Point) -> tuple[float, float]:
        return (point[0] * _SCALE, point[1] * _SCALE)

    def font(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if size not in self._fonts:
            self._fonts[size] = ImageFont.load_default(size=size * _SCALE)
        return self._fonts[size]

    def line(self, points: Sequence[Point], colour: Colour, width: float) -> None:
        """A polyline with round joints."""
        scaled = [self._p(p) for p in points]
        w = max(1, round(width * _SCALE))
        self.draw.line(scaled, fill=colour, width=w, joint="curve")
        r = w / 2
        # Round caps, and round joins on dense curves (avoids notches at thick joints).
        joints = scaled if w > 8 else (scaled[0], scaled[-1])
        for x, y in joints:
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    def dashed(self, a: Point, b: Point, colour: Colour, width: float, dash: float = 10) -> None:
        length = math.dist(a, b)
        steps = max(1, int(length // dash))
        for i in range(0, steps, 2):
            t0, t1 = i / steps, min(1.0, (i + 1) / steps)
            p0 = (a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0)
            p1 = (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)
            self.line([p0, p1], colour, width)

    def ellipse(
        self,
        box: tuple[float, float, float, float],
        fill: Colour | None = None,
        outline: Colour | None = None,
        width: float = 2,
    ) -> None:
        x0, y0 = self._p((box[0], box[1]))
        x1, y1 = self._p((box[2], box[3]))
        self.draw.ellipse((x0, y0, x1, y1), fill=fill, outline=outline, width=round(width * _SCALE))

    def circle(
        self,
        centre: Point,
        radius: float,
        fill: Colour | None = None,
        outline: Colour | None = None,
        width: float = 2,
    ) -> None:
        cx, cy = centre
        self.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill, outline, width)

    def polygon(
        self,
        points: Sequence[Point],
        fill: Colour | None = None,
        outline: Colour | None = None,
        width: float = 2,
    ) -> None:
        self.draw.polygon([self._p(p) for p in points], fill=fill, outline=outline, width=round(width * _SCALE))

    def rectangle(
        self,
        box: tuple[float, float, float, float],
        fill: Colour | None = None,
        outline: Colour | None = None,
        width: float = 2,
    ) -> None:
        x0, y0 = self._p((box[0], box[1]))
        x1, y1 = self._p((box[2], box[3]))
        self.draw.rectangle((x0, y0, x1, y1), fill=fill, outline=outline, width=round(width * _SCALE))

    def arc(
        self,
        box: tuple[float, float, float, float],
        start: float,
        end: float,
        colour: Colour,
        width: float,
    ) -> None:
        x0, y0 = self._p((box[0], box[1]))
        x1, y1 = self._p((box[2], box[3]))
        self.draw.arc((x0, y0, x1, y1), start, end, fill=colour, width=round(width * _SCALE))

    def arrow(self, a: Point, b: Point, colour: Colour, width: float = 3, head: float = 14) -> None:
        """A straight arrow from ``a`` pointing at ``b``."""
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        base = (b[0] - head * 0.8 * math.cos(angle), b[1] - head * 0.8 * math.sin(angle))
        self.line([a, base], colour, width)
        left = (b[0] - head * math.cos(angle - 0.45), b[1] - head * math.sin(angle - 0.45))
        right = (b[0] - head * math.cos(angle + 0.45), b[1] - head * math.sin(angle + 0.45))
        self.polygon([b, left, right], fill=colour)

    def text(self, at: Point, label: str, size: int = 22, colour: Colour = BLACK) -> None:
        """Text centred on ``at``."""
        self.draw.text(self._p(at), label, fill=colour, font=self.font(size), anchor="mm")

    def tag(self, at: Point, label: str, size: int = 20, colour: Colour = BLACK) -> None:
        """A label in a white disc with an outline, centred on ``at``."""
        radius = size * 0.8
        self.circle(at, radius, fill=WHITE, outline=colour, width=2)
        self.text(at, label, size, colour)

    def png(self) -> bytes:
        out = self.image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        out.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def _curve(points: Sequence[Point], samples: int = 24) -> list[Point]:
    """A smooth Catmull–Rom curve through ``points`` (end points included)."""
    if len(points) < 3:
        return list(points)
    padded = [points[0], *points, points[-1]]
    result: list[Point] = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(samples):
            t = step / samples
            t2, t3 = t * t, t * t * t
            result.append(
                tuple(  # type: ignore[arg-type]
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    result.append(points[-1])
    return result


def _vessel(c: Canvas, points: Iterable[Point], colour: Colour, width: float) -> None:
    c.line(_curve(list(points)), colour, width)


# --------------------------------------------------------------------------- core


def draw_femoral_puncture() -> bytes:
    """Right groin, frontal view: puncture sites A–D relative to the femoral head.

    Image left is the patient's right (lateral); image right is medial. 1 = inguinal
    ligament (anterior superior iliac spine to pubic tubercle), 2 = inferior epigastric
    artery, 3 = femoral head. A = external iliac artery above the ligament, B = common
    femoral artery over the medial third of the femoral head, C = superficial femoral
    artery and D = profunda femoris artery below the bifurcation.
    """
    c = Canvas()
    # Bone: acetabular roof, femoral head, neck, greater trochanter and shaft.
    c.arc((270, 190, 490, 410), 180, 360, GREY, 6)
    c.polygon(
        [(300, 330), (235, 380), (215, 430), (240, 600), (330, 600), (330, 430), (390, 360)],
        fill=BONE,
        outline=GREY,
        width=2,
    )
    c.circle((380, 300), 85, fill=BONE, outline=GREY, width=3)
    c.text((345, 330), "3", 24, GREY)
    # Inguinal ligament.
    c.line([(200, 130), (600, 262)], BLACK, 5)
    c.text((188, 112), "1", 24)
    # External iliac -> common femoral -> bifurcation.
    _vessel(c, [(560, 20), (500, 120), (452, 200), (436, 260), (433, 330), (430, 420)], ARTERY, 16)
    _vessel(c, [(430, 420), (440, 500), (452, 600)], ARTERY, 13)  # superficial femoral
    _vessel(c, [(430, 420), (400, 470), (372, 540), (360, 600)], ARTERY, 12)  # profunda
    # Inferior epigastric artery: from the distal external iliac, curving up medially.
    _vessel(c, [(456, 196), (500, 190), (545, 150), (590, 80), (610, 20)], ARTERY, 6)
    c.text((628, 60), "2", 24)
    # Candidate puncture sites.
    for label, point, offset in (
        ("A", (500, 120), (545, 112)),
        ("B", (434, 315), (490, 318)),
        ("C", (446, 540), (498, 540)),
        ("D", (367, 555), (312, 560)),
    ):
        c.circle(point, 7, fill=BLACK)
        c.line([point, offset], BLACK, 2)
        c.tag(offset, label, 20)
    c.arrow((720, 560), (780, 560), GREY, 3)
    c.text((740, 535), "M", 20, GREY)
    return c.png()


def draw_scatter_lateral() -> bytes:
    """Axial view of a lateral C-arm projection: tube (T) on one side, detector (D) on the other.

    The patient is the main scatter source; scatter is highest on the beam-entrance (tube)
    side. Staff positions: A beside the tube, B beside the detector.
    """
    c = Canvas()
    # Table and patient cross-section.
    c.rectangle((230, 360, 570, 378), fill=LIGHT_GREY, outline=GREY)
    c.ellipse((270, 250, 530, 360), fill=(245, 225, 205), outline=GREY, width=3)
    # Scatter isodose contours, centred near the beam-entrance surface (tube side):
    # the dose rate is highest beside the tube and falls off towards the detector.
    for radius, shade in ((230, 235), (165, 215), (100, 190)):
        c.ellipse(
            (285 - radius, 305 - radius * 0.8, 285 + radius * 0.9, 305 + radius * 0.8),
            outline=(shade, 120, 120),
            width=3,
        )
    # Tube and detector.
    c.rectangle((40, 260, 110, 350), fill=(90, 90, 90), outline=BLACK)
    c.text((75, 305), "T", 28, WHITE)
    c.rectangle((690, 225, 715, 385), fill=(60, 60, 60), outline=BLACK)
    c.text((750, 305), "D", 28)
    # Primary beam.
    c.polygon([(110, 295), (110, 315), (690, 375), (690, 235)], outline=(230, 180, 0), width=2)
    c.arrow((140, 305), (255, 305), (230, 180, 0), 4)
    # Staff positions.
    c.tag((110, 470), "A", 26)
    c.tag((690, 470), "B", 26)
    return c.png()


def draw_us_needle() -> bytes:
    """Ultrasound needle guidance: panel 1 in-plane, panel 2 out-of-plane.

    Top row: the probe seen from above with the needle's path; bottom row: the resulting
    image. In-plane the whole shaft and the tip are seen; out-of-plane the needle is a
    bright dot where the shaft crosses the thin beam, which may not be the tip.
    """
    c = Canvas()
    for index, x0 in enumerate((40, 420)):
        panel = index + 1
        c.tag((x0 + 20, 35), str(panel), 22)
        # Probe footprint seen from above (long axis horizontal).
        c.rectangle((x0 + 90, 70, x0 + 250, 110), fill=(200, 200, 210), outline=BLACK)
        if panel == 1:
            c.line([(x0 + 20, 90), (x0 + 320, 90)], ACCENT, 5)
        else:
            c.line([(x0 + 170, 40), (x0 + 170, 150)], ACCENT, 5)
        # Ultrasound image.
        c.rectangle((x0, 180, x0 + 340, 560), fill=(25, 25, 25), outline=BLACK)
        c.rectangle((x0 + 90, 180, x0 + 250, 190), fill=(200, 200, 210))
        c.circle((x0 + 190, 430), 42, fill=(5, 5, 5), outline=(90, 90, 90), width=2)
        if panel == 1:
            c.line([(x0 + 10, 230), (x0 + 175, 405)], (245, 245, 245), 5)
            c.arrow((x0 + 260, 330), (x0 + 185, 405), ACCENT, 3)
        else:
            c.circle((x0 + 160, 330), 7, fill=(245, 245, 245))
            for k in range(1, 4):
                c.line([(x0 + 152, 330 + 14 * k), (x0 + 168, 330 + 14 * k)], (120, 120, 120), 3)
            c.arrow((x0 + 260, 290), (x0 + 172, 326), ACCENT, 3)
    return c.png()


def draw_hepatic_variant() -> bytes:
    """Replaced right hepatic artery arising from the superior mesenteric artery.

    1 celiac trunk, 2 common hepatic artery, 3 gastroduodenal artery, 4 left hepatic
    artery, 5 splenic artery, 6 left gastric artery, 7 superior mesenteric artery,
    8 the replaced right hepatic artery. Image left is the patient's right.
    """
    c = Canvas()
    # Liver outline (patient's right = image left) and spleen.
    c.polygon(
        [(60, 60), (470, 50), (520, 110), (420, 210), (250, 270), (100, 260), (50, 170)],
        fill=LIVER,
        outline=(190, 150, 130),
        width=2,
    )
    c.ellipse((630, 120, 760, 260), fill=(230, 200, 210), outline=(180, 140, 150))
    # Aorta.
    c.line([(520, 160), (520, 590)], ARTERY, 30)
    # Celiac trunk and branches.
    _vessel(c, [(520, 300), (470, 290), (440, 285)], ARTERY, 12)  # 1
    _vessel(c, [(440, 285), (380, 280), (330, 270)], ARTERY, 10)  # 2 CHA
    _vessel(c, [(330, 270), (325, 330), (335, 400)], ARTERY, 7)  # 3 GDA
    _vessel(c, [(330, 270), (330, 230), (360, 180), (380, 120)], ARTERY, 7)  # proper HA -> 4 LHA
    _vessel(c, [(440, 285), (520, 255), (600, 230), (680, 200)], ARTERY, 9)  # 5 splenic
    _vessel(c, [(445, 282), (450, 240), (470, 200)], ARTERY, 5)  # 6 left gastric
    # Superior mesenteric artery and the replaced right hepatic artery.
    _vessel(c, [(520, 370), (470, 400), (450, 470), (455, 580)], ARTERY, 11)  # 7 SMA
    _vessel(c, [(468, 402), (400, 390), (300, 340), (220, 260), (170, 170)], ARTERY, 7)  # 8
    for label, at in (
        ("1", (470, 320)),
        ("2", (380, 310)),
        ("3", (365, 400)),
        ("4", (410, 120)),
        ("5", (640, 280)),
        ("6", (495, 200)),
        ("7", (415, 530)),
        ("8", (200, 320)),
    ):
        c.tag(at, label, 18)
    c.text((520, 575), "Ao", 16, WHITE)
    return c.png()


# --------------------------------------------------------------------------- TACE


def draw_tace_cystic() -> bytes:
    """Hepatic arterial tree with a right-lobe tumour and three catheter-tip positions.

    1 common hepatic, 2 gastroduodenal, 3 proper hepatic, 4 right hepatic, 5 left hepatic,
    6 cystic artery to the gallbladder (GB). Tip positions: X proper hepatic artery,
    Y right hepatic artery proximal to the cystic artery origin, Z segmental branch
    feeding the tumour (T), beyond the cystic artery origin.
    """
    c = Canvas()
    c.polygon(
        [(40, 50), (560, 40), (640, 110), (500, 230), (300, 300), (80, 290), (30, 170)],
        fill=LIVER,
        outline=(190, 150, 130),
        width=2,
    )
    c.ellipse((250, 250, 330, 350), fill=(200, 225, 170), outline=(120, 150, 90))
    c.text((290, 320), "GB", 18, (80, 110, 60))
    c.circle((150, 130), 55, fill=TUMOUR, outline=(120, 80, 40))
    c.text((150, 130), "T", 26, WHITE)
    _vessel(c, [(720, 470), (620, 440), (520, 420)], ARTERY, 12)  # 1 CHA
    _vessel(c, [(520, 420), (515, 490), (530, 580)], ARTERY, 9)  # 2 GDA
    _vessel(c, [(520, 420), (470, 370), (430, 320)], ARTERY, 9)  # 3 PHA
    _vessel(c, [(430, 320), (440, 240), (480, 160), (520, 90)], ARTERY, 7)  # 5 LHA
    _vessel(c, [(430, 320), (370, 270), (300, 230), (250, 200)], ARTERY, 8)  # 4 RHA
    _vessel(c, [(355, 262), (330, 290), (305, 300)], ARTERY, 4)  # 6 cystic
    _vessel(c, [(250, 200), (210, 170), (185, 150)], ARTERY, 6)  # tumour feeder
    _vessel(c, [(250, 200), (220, 240), (160, 255)], ARTERY, 5)  # other segmental branch
    for label, at in (
        ("1", (640, 480)),
        ("2", (560, 530)),
        ("3", (500, 350)),
        ("4", (320, 200)),
        ("5", (520, 160)),
        ("6", (350, 320)),
    ):
        c.tag(at, label, 16)
    for label, tip, offset in (
        ("X", (462, 362), (420, 430)),
        ("Y", (390, 282), (400, 230)),
        ("Z", (218, 176), (245, 110)),
    ):
        c.circle(tip, 8, fill=BLACK)
        c.line([tip, offset], BLACK, 2)
        c.tag(offset, label, 20, ACCENT)
    return c.png()


# --------------------------------------------------------------------------- ablation


def draw_heat_sink() -> bytes:
    """Ablation beside a large vessel: the zone is indented where flowing blood removes heat.

    T tumour, V large hepatic vein running past the tumour (arrow = flow), N ablation
    applicator, Z ablation zone (red outline), R residual viable tumour next to the vessel.
    """
    c = Canvas()
    c.rectangle((0, 0, 800, 600), fill=LIVER)
    tumour_centre, tumour_radius = (380.0, 300.0), 110.0
    # Ablation zone: an ellipse whose vessel-facing side is pushed in around the tumour's equator.
    zone: list[Point] = []
    for k in range(360):
        angle = 2 * math.pi * k / 360
        x, y = 370 + 175 * math.cos(angle), 300 + 155 * math.sin(angle)
        if math.cos(angle) > 0:
            x -= 100 * math.cos(angle) * math.exp(-(math.sin(angle) ** 2) / 0.12)
        zone.append((x, y))
    # Residual tumour = tumour pixels outside the zone (computed on masks at full resolution).
    size = (WIDTH * _SCALE, HEIGHT * _SCALE)
    tumour_mask = Image.new("L", size, 0)
    cx, cy = tumour_centre
    ImageDraw.Draw(tumour_mask).ellipse(
        [
            (cx - tumour_radius) * _SCALE,
            (cy - tumour_radius) * _SCALE,
            (cx + tumour_radius) * _SCALE,
            (cy + tumour_radius) * _SCALE,
        ],
        fill=255,
    )
    zone_mask = Image.new("L", size, 0)
    ImageDraw.Draw(zone_mask).polygon([(x * _SCALE, y * _SCALE) for x, y in zone], fill=255)
    residual = Image.composite(tumour_mask, Image.new("L", size, 0), zone_mask.point(lambda v: 255 - v))
    c.circle(tumour_centre, tumour_radius, fill=TUMOUR, outline=(120, 80, 40), width=3)
    c.image.paste((120, 55, 15), (0, 0), residual)
    for i in range(0, len(zone), 2):
        c.line([zone[i], zone[(i + 1) % len(zone)]], (180, 20, 20), 3)
    # Vessel running past the tumour, with flow.
    c.rectangle((545, 0, 610, 600), fill=VEIN, outline=(30, 50, 120), width=2)
    c.arrow((577, 470), (577, 130), WHITE, 5, 22)
    # Applicator.
    c.line([(120, 560), (360, 300)], (60, 60, 60), 7)
    c.tag((345, 300), "N", 16)
    for label, at in (("T", (300, 200)), ("V", (660, 300)), ("Z", (210, 110)), ("R", (505, 440))):
        c.tag(at, label, 22)
    c.line([(500, 422), (472, 330)], BLACK, 2)
    return c.png()


# --------------------------------------------------------------------------- seeds

# Cumulative dose-volume histogram used by draw_seed_dvh: V(d) = 100 / (1 + exp((d - D50) / S)),
# d in % of the prescription dose. The constants give V100 = 94 % and D90 = 110 %.
DVH_D50 = 149.6
DVH_SLOPE = 18.04


def dvh_volume(dose_percent: float) -> float:
    """Percent of the target volume receiving at least ``dose_percent`` % of the prescription."""
    return 100.0 / (1.0 + math.exp((dose_percent - DVH_D50) / DVH_SLOPE))


def draw_seed_dvh() -> bytes:
    """Cumulative DVH of a target after seed implantation.

    x axis D = dose in % of the prescription dose (0–200); y axis V = % of the target
    volume receiving at least that dose. Reading lines: P marks V = 90 % (D90 ≈ 110 %);
    Q marks D = 100 % (V100 ≈ 94 %).
    """
    c = Canvas()
    left, right, top, bottom = 110.0, 740.0, 50.0, 510.0

    def to_xy(dose: float, volume: float) -> Point:
        return (left + (right - left) * dose / 200.0, bottom - (bottom - top) * volume / 100.0)

    for v in range(0, 101, 10):
        c.line([to_xy(0, v), to_xy(200, v)], LIGHT_GREY, 1)
    for d in range(0, 201, 25):
        c.line([to_xy(d, 0), to_xy(d, 100)], LIGHT_GREY, 1)
    c.line([(left, top), (left, bottom), (right, bottom)], BLACK, 3)
    for v in range(0, 101, 20):
        c.text((left - 30, to_xy(0, v)[1]), str(v), 18)
    for d in range(0, 201, 50):
        c.text((to_xy(d, 0)[0], bottom + 22), str(d), 18)
    c.text((left + (right - left) / 2, bottom + 60), "D (%)", 22)
    c.text((50, top + (bottom - top) / 2), "V (%)", 22)
    curve = [to_xy(d / 2, dvh_volume(d / 2)) for d in range(0, 401)]
    c.line(curve, (30, 80, 180), 4)
    d90 = DVH_D50 + DVH_SLOPE * math.log(100 / 90 - 1)
    v100 = dvh_volume(100)
    c.dashed(to_xy(0, 90), to_xy(d90, 90), ARTERY, 2)
    c.dashed(to_xy(d90, 90), to_xy(d90, 0), ARTERY, 2)
    c.dashed(to_xy(100, 0), to_xy(100, v100), ACCENT, 2)
    c.dashed(to_xy(100, v100), to_xy(0, v100), ACCENT, 2)
    c.circle(to_xy(d90, 90), 6, fill=ARTERY)
    c.circle(to_xy(100, v100), 6, fill=ACCENT)
    c.tag((to_xy(d90, 90)[0] + 30, to_xy(d90, 90)[1] + 30), "P", 18, ARTERY)
    c.tag((to_xy(100, v100)[0] - 30, to_xy(100, v100)[1] + 32), "Q", 18, ACCENT)
    return c.png()


# --------------------------------------------------------------------------- TIPS


def _draw_tips(short_stent: bool) -> bytes:
    """Frontal schematic of a TIPS (image left = patient's right).

    1 right internal jugular vein, 2 right atrium, 3 inferior vena cava, 4 right hepatic
    vein, 5 right portal vein, 6 main portal vein, 7 splenic vein, 8 superior mesenteric
    vein, S covered stent from the hepatic vein to the portal vein. With ``short_stent``
    the hepatic-vein end stops short of the hepatic vein–IVC junction (segment X).
    """
    c = Canvas()
    c.polygon(
        [(40, 200), (420, 150), (560, 200), (600, 260), (470, 400), (260, 470), (80, 430), (30, 320)],
        fill=LIVER,
        outline=(190, 150, 130),
        width=2,
    )
    # Systemic veins: IJV -> SVC -> RA -> IVC.
    _vessel(c, [(400, 0), (405, 60), (410, 110)], VEIN, 16)
    c.ellipse((360, 100, 470, 175), fill=(150, 170, 225), outline=VEIN, width=3)
    _vessel(c, [(415, 170), (415, 300), (415, 420), (418, 590)], VEIN, 26)
    # Right hepatic vein joining the IVC.
    hv = [(408, 205), (330, 225), (250, 250), (160, 280)]
    _vessel(c, hv, VEIN, 12)
    # Portal system.
    _vessel(c, [(680, 500), (590, 470), (520, 450), (480, 440)], PORTAL, 16)  # splenic
    _vessel(c, [(500, 590), (490, 510), (480, 440)], PORTAL, 16)  # SMV
    _vessel(c, [(480, 440), (400, 410), (340, 380), (300, 355)], PORTAL, 17)  # main PV
    _vessel(c, [(300, 355), (240, 350), (160, 360)], PORTAL, 11)  # right PV
    _vessel(c, [(300, 355), (330, 320), (380, 300)], PORTAL, 9)  # left PV
    # Stent from hepatic vein to right portal vein.
    portal_end = (268, 352)
    if short_stent:
        # Hepatic end stops in the middle of the right hepatic vein.
        stent = [(300, 235), (290, 280), (275, 320), portal_end]
    else:
        # Hepatic end runs up the right hepatic vein to its junction with the IVC.
        stent = [(400, 207), (310, 240), (290, 280), (275, 320), portal_end]
    c.line(_curve(stent), STENT, 14)
    c.line(_curve(stent), (200, 200, 200), 6)
    for label, at in (
        ("1", (450, 40)),
        ("2", (500, 125)),
        ("3", (370, 540)),
        ("4", (170, 240)),
        ("5", (150, 400)),
        ("6", (360, 440)),
        ("7", (640, 440)),
        ("8", (540, 560)),
    ):
        c.tag(at, label, 16)
    c.tag((235, 300), "S", 18, ACCENT)
    if short_stent:
        c.line([(365, 218), (335, 178)], BLACK, 2)
        c.tag((328, 168), "X", 18, ARTERY)
    return c.png()


def draw_tips_tract() -> bytes:
    """A correctly placed covered TIPS stent, hepatic end at the IVC junction."""
    return _draw_tips(short_stent=False)


def draw_tips_short_stent() -> bytes:
    """A TIPS whose hepatic-vein end stops short of the IVC junction (segment X)."""
    return _draw_tips(short_stent=True)


DRAWERS: dict[str, Callable[[], bytes]] = {
    "core-femoral-puncture": draw_femoral_puncture,
    "core-scatter-lateral": draw_scatter_lateral,
    "core-us-needle": draw_us_needle,
    "core-hepatic-variant": draw_hepatic_variant,
    "tace-cystic-artery": draw_tace_cystic,
    "abl-heat-sink": draw_heat_sink,
    "seed-dvh": draw_seed_dvh,
    "tips-tract": draw_tips_tract,
    "tips-short-stent": draw_tips_short_stent,
}


def render(ref: str) -> bytes:
    """PNG bytes of the schematic ``ref``; raises ``KeyError`` with the known refs if it is unknown."""
    try:
        drawer = DRAWERS[ref]
    except KeyError:
        raise KeyError(f"Unknown demo image {ref!r}; known: {', '.join(sorted(DRAWERS))}") from None
    return drawer()
