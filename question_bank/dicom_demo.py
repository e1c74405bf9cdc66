"""The ``load_demo`` step for DICOM items (order 35): a synthetic CT phantom stack and a synthetic DSA run.

The series are made by ``question_bank.dicom`` (no patient data), uploaded through the real service (so
they are de-identified and converted like any upload) and attached to bilingual practice items that say
plainly that the images are synthetic; the questions ask about facts the images illustrate (CT numbers,
window settings, mask subtraction), never a diagnosis. Idempotent: items are matched on their source id
and the series on their pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

AUTHOR = "instructor"
REVIEWER = "reviewer"
AREA = "CORE-IMG"


def _ct_files() -> list[tuple[str, bytes]]:
    from question_bank.dicom import synthesize_ct_phantom

    return [(f"phantom-{k:03d}.dcm", data) for k, data in enumerate(synthesize_ct_phantom(n_slices=40, size=128))]


def _xa_files() -> list[tuple[str, bytes]]:
    from question_bank.dicom import synthesize_xa_cine

    return [("phantom-dsa.dcm", synthesize_xa_cine(frames=24, size=256))]


def _options(texts: list[str]) -> list[dict[str, str]]:
    return [{"id": "ABCDE"[i], "text": text} for i, text in enumerate(texts)]


ITEMS: list[dict[str, Any]] = [
    {
        "id": "DICOM-CT-01",
        "series": _ct_files,
        "window": "soft_tissue",
        "initial_frame": 20,
        "objectives": [],
        "key": ["B"],
        "en": {
            "stem": (
                "The series is a **synthetic CT phantom** (computer-generated, not a patient): an elliptical body "
                "of fat and soft tissue, a bone ring posteriorly and contrast-filled round structures. Scroll "
                "through the slices and try the window presets."
            ),
            "lead_in": "On the Hounsfield scale used by CT, which material is defined as 0 HU?",
            "options": ["Air", "Water", "Fat", "Cortical bone"],
            "alt": "Synthetic axial CT phantom, 40 slices",
            "caption": "Synthetic phantom; values in Hounsfield units",
            "explanation": (
                "CT numbers are defined relative to water (0 HU), with air at −1000 HU. Fat is negative "
                "(about −100 HU) and cortical bone is several hundred to over 1000 HU; the phantom uses "
                "these values."
            ),
        },
        "zh": {
            "stem": (
                "本序列为**合成的 CT 体模**（计算机生成，并非患者图像）：椭圆形体部由脂肪和软组织构成，后方为骨环，"
                "另有充盈对比剂的圆形结构。请逐层浏览并尝试各窗宽窗位预设。"
            ),
            "lead_in": "在 CT 使用的亨氏单位（HU）标尺中，哪种物质被定义为 0 HU？",
            "options": ["空气", "水", "脂肪", "骨皮质"],
            "alt": "合成的轴位 CT 体模，共 40 层",
            "caption": "合成体模；数值单位为 HU",
            "explanation": (
                "CT 值以水为参照定义为 0 HU，空气为 −1000 HU。脂肪为负值（约 −100 HU），骨皮质为数百至 1000 HU 以上；"
                "本体模即采用这些数值。"
            ),
        },
    },
    {
        "id": "DICOM-CT-02",
        "series": _ct_files,
        "window": "soft_tissue",
        "initial_frame": 20,
        "objectives": [],
        "key": ["C"],
        "en": {
            "stem": (
                "The same **synthetic CT phantom** opens in a soft-tissue window (width 400, level 40 HU). "
                "Compare it with the other presets."
            ),
            "lead_in": "Which window setting is usual for showing lung parenchyma?",
            "options": [
                "Narrow width, level near 40 HU",
                "Width about 80, level about 40 HU",
                "Wide width (about 1500), low level (about −600 HU)",
                "Width about 1800, level about 400 HU",
            ],
            "alt": "Synthetic axial CT phantom in a soft-tissue window",
            "caption": "Synthetic phantom",
            "explanation": (
                "Lung windows use a wide width and a negative level (for example W 1500, L −600) so that aerated "
                "lung (around −700 to −900 HU) is shown in greys. W 80/L 40 is a brain window and W 1800/L 400 "
                "a bone window."
            ),
        },
        "zh": {
            "stem": "同一**合成 CT 体模**以软组织窗（窗宽 400，窗位 40 HU）打开。请与其他预设比较。",
            "lead_in": "显示肺实质通常采用哪种窗设置？",
            "options": [
                "窄窗宽，窗位约 40 HU",
                "窗宽约 80，窗位约 40 HU",
                "宽窗宽（约 1500），低窗位（约 −600 HU）",
                "窗宽约 1800，窗位约 400 HU",
            ],
            "alt": "软组织窗下的合成轴位 CT 体模",
            "caption": "合成体模",
            "explanation": (
                "肺窗采用宽窗宽和负窗位（例如窗宽 1500、窗位 −600），使含气肺组织（约 −700 至 −900 HU）以灰阶显示。"
                "窗宽 80/窗位 40 为脑窗，窗宽 1800/窗位 400 为骨窗。"
            ),
        },
    },
    {
        "id": "DICOM-XA-01",
        "series": _xa_files,
        "window": "angio",
        "initial_frame": 0,
        "objectives": ["CORE-IMG-Q-01"],
        "key": ["A"],
        "en": {
            "stem": (
                "The run is a **synthetic angiography cine** (computer-generated, not a patient): contrast fills "
                "a branching vessel tree and washes out. Play it as a cine loop."
            ),
            "lead_in": "In digital subtraction angiography, what is subtracted from each contrast-filled frame?",
            "options": [
                "A mask image acquired before contrast arrives",
                "The previous contrast-filled frame",
                "A fixed image of the detector's dark current only",
                "The average of all frames of the run",
            ],
            "alt": "Synthetic angiography cine, 24 frames",
            "caption": "Synthetic run",
            "explanation": (
                "DSA subtracts a pre-contrast mask image from each contrast frame (after logarithmic "
                "processing), leaving the opacified vessels; patient movement between mask and contrast frames "
                "causes misregistration artefact."
            ),
        },
        "zh": {
            "stem": (
                "本序列为**合成的血管造影电影序列**（计算机生成，并非患者图像）：对比剂充盈分支血管树后廓清。"
                "请以电影方式播放。"
            ),
            "lead_in": "数字减影血管造影（DSA）从每一帧含对比剂图像中减去的是什么？",
            "options": [
                "对比剂到达前采集的蒙片（mask）图像",
                "前一帧含对比剂的图像",
                "仅探测器暗电流的固定图像",
                "整个序列所有帧的平均图像",
            ],
            "alt": "合成血管造影电影序列，共 24 帧",
            "caption": "合成序列",
            "explanation": (
                "DSA 将对比剂注入前采集的蒙片（经对数处理后）从每一帧对比剂图像中减去，仅保留显影的血管；"
                "蒙片与对比剂帧之间的患者移动会造成配准不良伪影。"
            ),
        },
    },
]


def _content(item: dict[str, Any], lang: str, ref: str) -> dict[str, Any]:
    text = item[lang]
    media: dict[str, Any] = {"ref": ref, "kind": "dicom", "alt": text["alt"], "caption": text["caption"]}
    media["window"] = item["window"]
    media["initial_frame"] = item["initial_frame"]
    return {
        "type": "sba",
        "stem": text["stem"],
        "lead_in": text["lead_in"],
        "media": [media],
        "options": _options(text["options"]),
        "key": item["key"],
        "explanation": text["explanation"],
    }


def load_dicom_demo(say: Callable[[str], None]) -> None:
    """Upload the synthetic series once and create the bilingual practice items, approved by ``reviewer``."""
    from accounts.models import User
    from curriculum.models import TechniqueArea
    from question_bank import services
    from question_bank.models import Question
    from question_bank.services_dicom import dicom_series_upload

    users = {u.username: u for u in User.objects.filter(username__in=[AUTHOR, REVIEWER])}
    if len(users) < 2:
        say("question bank DICOM: demo users missing; skipped")
        return
    author, reviewer = users[AUTHOR], users[REVIEWER]
    area = TechniqueArea.objects.get(code=AREA)
    series_by_maker: dict[Any, Any] = {}
    created = 0
    for item in ITEMS:
        sources = {lang: f"demo:{item['id']}:{lang}" for lang in ("zh", "en")}
        if Question.objects.filter(source_id__in=sources.values()).count() == len(sources):
            continue
        maker = item["series"]
        if maker not in series_by_maker:
            series_by_maker[maker] = dicom_series_upload(files=maker(), by=author, window=item["window"])
        ref = str(series_by_maker[maker].pk)
        with transaction.atomic():
            first = None
            for lang, language in (("zh", "zh-hans"), ("en", "en")):
                if Question.objects.filter(source_id=sources[lang]).exists():
                    first = first or Question.objects.get(source_id=sources[lang])
                    continue
                version = services.question_create(
                    author=author,
                    area=area,
                    content=_content(item, lang, ref),
                    level="Q",
                    pool="practice",
                    language=language,
                    objectives=item["objectives"],
                    cognitive_level="recall",
                    tags=["DICOM", "synthetic"],
                    source_id=sources[lang],
                    source_format="demo",
                    translation_of=first,
                )
                services.version_submit(version=version, by=author)
                services.version_review(version=version, reviewer=reviewer, decision="approve")
                first = first or version.question
                created += 1
    say(f"question bank DICOM: {created} questions created ({len(series_by_maker)} synthetic series uploaded)")
