"""The reference IR curriculum as plain data (no Django import).

Transcribed from ``/work/shared/curriculum-reference.md`` (sections 1, 2 and 4.2) so that a data
migration can load it and pure code (blueprints, eligibility rules, tests) can use it directly.

What is here:

* ``GROUPS``: the seven area groups shown in the interface, in display order.
* ``AREAS``: the 20 technique areas of section 1, in the reference order.
* ``OBJECTIVES``: every learning objective of section 2, coded ``{AREA}-{Q|A}-{NN}`` where ``NN`` is
  the 1-based position among that area's objectives of that level, in the order the reference lists
  them. Codes are stable identifiers: append new objectives, never renumber.
* ``REQUIREMENTS``: default case-volume minimums for each level (section 4.2). Every number is a
  platform proposal ([P] in the reference) that exam officers may change; ``source`` says which
  public rule a number is aligned with, if any.
* ``MONTHS``: default minimum months of IR training per level.
* ``PREREQUISITES``: certificates a candidate must already hold.

``validate_reference_data()`` checks the whole set for internal consistency and raises
``ReferenceDataError`` with a precise message; the tests and the loading migration call it.

The area descriptions are deliberately neutral, one sentence each, without numbers: testable facts
belong in questions, with their sources, not here.
"""

from __future__ import annotations

import re
from typing import Final, Literal, TypedDict

Level = Literal["Q", "A"]
Role = Literal["first_operator", "any"]

LEVELS: Final[tuple[Level, ...]] = ("Q", "A")
"""Q = qualifying / access level (准入级); A = advanced level (高级)."""

ROLES: Final[tuple[Role, ...]] = ("first_operator", "any")
"""``first_operator`` = 术者（主刀）; ``any`` = first operator or assistant (助手)."""

SOURCE_PROPOSAL: Final = "proposal (section 4.2)"
SOURCE_MOH_2012: Final = "2012 MoH norm (S60)"
SOURCE_EBIR: Final = "EBIR (S91)"
SOURCES: Final[tuple[str, ...]] = (SOURCE_PROPOSAL, SOURCE_MOH_2012, SOURCE_EBIR)


class Group(TypedDict):
    code: str
    name_zh: str
    name_en: str


class Area(TypedDict):
    code: str
    group: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str


class Objective(TypedDict):
    code: str
    area: str
    level: Level
    text_en: str
    text_zh: str


class Requirement(TypedDict):
    """A case-volume minimum: count logbook entries matching all the filters, compare to min_count.

    ``areas`` empty means any area. ``role`` ``any`` counts first-operator and assistant entries.
    ``min_grade`` is the minimum procedure level (手术分级), or None for no grade filter.
    ``vascular_only`` marks the rule that counts vascular procedures only; its ``areas`` list is
    exactly ``VASCULAR_AREAS``, so code that only reads ``areas`` counts the same entries.
    """

    level: Level
    code: str
    label_zh: str
    label_en: str
    areas: list[str]
    role: Role
    min_grade: int | None
    min_count: int
    vascular_only: bool
    source: str


class MonthsRule(TypedDict):
    level: Level
    min_months: int
    source: str


class Prerequisite(TypedDict):
    level: Level
    requires_certificate_level: Level
    source: str


class ReferenceDataError(ValueError):
    """The reference data is inconsistent (raised by ``validate_reference_data``)."""


# --------------------------------------------------------------------------------------------
# Groups and areas (section 1)
# --------------------------------------------------------------------------------------------

GROUPS: list[Group] = [
    {"code": "core", "name_zh": "核心技能", "name_en": "Core skills"},
    {"code": "oncology", "name_zh": "肿瘤介入", "name_en": "Oncology"},
    {"code": "portal", "name_zh": "门静脉高压", "name_en": "Portal hypertension"},
    {"code": "neuro", "name_zh": "神经介入", "name_en": "Neurointervention"},
    {"code": "vascular", "name_zh": "血管介入", "name_en": "Vascular"},
    {"code": "womens", "name_zh": "妇产介入", "name_en": "Women's health"},
    {"code": "nonvascular", "name_zh": "非血管介入", "name_en": "Non-vascular"},
]

AREAS: list[Area] = [
    {
        "code": "CORE-RAD",
        "group": "core",
        "name_zh": "辐射防护",
        "name_en": "Radiation protection (staff and patient)",
        "description_zh": "介入操作中患者和工作人员电离辐射防护的原则与实践，包括剂量监测与随访。",
        "description_en": (
            "Principles and practice of protecting patients and staff from ionising radiation "
            "during image-guided procedures, including dose monitoring and follow-up."
        ),
    },
    {
        "code": "CORE-CM",
        "group": "core",
        "name_zh": "对比剂及不良反应",
        "name_en": "Contrast media and reactions",
        "description_zh": ("介入操作中碘对比剂、钆对比剂及二氧化碳对比剂的特性、安全使用以及不良反应的预防和处理。"),
        "description_en": (
            "Properties and safe use of iodinated, gadolinium-based and carbon dioxide contrast "
            "agents in interventional procedures, and the prevention and treatment of their "
            "adverse reactions."
        ),
    },
    {
        "code": "CORE-ACC",
        "group": "core",
        "name_zh": "血管入路与闭合",
        "name_en": "Vascular access and closure",
        "description_zh": "经皮动静脉穿刺入路、鞘管选择、止血与血管闭合，以及穿刺部位并发症的处理。",
        "description_en": (
            "Percutaneous arterial and venous access, sheath selection, haemostasis and closure, "
            "and the management of access-site complications."
        ),
    },
    {
        "code": "CORE-SED",
        "group": "core",
        "name_zh": "镇静与镇痛",
        "name_en": "Sedation and analgesia",
        "description_zh": ("介入操作中的镇静与镇痛，包括术前评估、药物使用、监护以及判断何时需要麻醉科支持。"),
        "description_en": (
            "Procedural sedation and analgesia, including patient assessment, drug use, "
            "monitoring and recognising when anaesthetic support is needed."
        ),
    },
    {
        "code": "CORE-IMG",
        "group": "core",
        "name_zh": "影像引导（DSA/CT/超声）",
        "name_en": "Imaging guidance (DSA, CT, US, CBCT)",
        "description_zh": ("应用数字减影血管造影、透视、超声、CT及锥形束CT规划和引导介入操作，并掌握相关影像解剖。"),
        "description_en": (
            "Use of digital subtraction angiography, fluoroscopy, ultrasound, CT and cone-beam CT "
            "to plan and guide interventions, together with the relevant imaging anatomy."
        ),
    },
    {
        "code": "CORE-PSC",
        "group": "core",
        "name_zh": "患者选择、围术期管理与并发症",
        "name_en": "Patient selection, periprocedural care, complications",
        "description_zh": (
            "患者选择与知情同意、围术期管理（包括止凝血管理与感染预防），以及并发症的识别、分级和处理。"
        ),
        "description_en": (
            "Patient selection and consent, periprocedural care including haemostasis and "
            "infection prevention, and the recognition, grading and management of complications."
        ),
    },
    {
        "code": "TACE",
        "group": "oncology",
        "name_zh": "经导管动脉化疗栓塞术（cTACE、DEB-TACE）",
        "name_en": "Transarterial chemoembolisation (conventional and drug-eluting bead)",
        "description_zh": ("经导管向肝肿瘤供血动脉注入化疗药物和栓塞材料，包括常规碘油化疗乳剂栓塞和载药微球栓塞。"),
        "description_en": (
            "Catheter-directed delivery of chemotherapy together with embolic material into the "
            "arteries feeding liver tumours, using a lipiodol emulsion or drug-eluting beads."
        ),
    },
    {
        "code": "ABL",
        "group": "oncology",
        "name_zh": "肿瘤消融（射频/微波消融）",
        "name_en": "Tumour ablation (RFA, MWA)",
        "description_zh": "在影像引导下经皮置入射频或微波消融电极（天线），通过局部加热灭活肿瘤。",
        "description_en": (
            "Image-guided destruction of tumours by heat delivered through percutaneous "
            "radiofrequency or microwave applicators."
        ),
    },
    {
        "code": "SEED",
        "group": "oncology",
        "name_zh": "放射性粒子植入",
        "name_en": "Radioactive (I-125) seed implantation, incl. seed-loaded stents",
        "description_zh": ("在影像引导下将放射性碘粒子永久植入肿瘤内或经载粒子支架置入，进行局部低剂量率持续照射。"),
        "description_en": (
            "Image-guided permanent implantation of radioactive iodine seeds into tumours, or "
            "their delivery on seed-loaded stents, for continuous local low-dose-rate irradiation."
        ),
    },
    {
        "code": "TIPS",
        "group": "portal",
        "name_zh": "经颈静脉肝内门体分流术",
        "name_en": "Transjugular intrahepatic portosystemic shunt",
        "description_zh": "经颈静脉入路在肝静脉与门静脉之间建立肝内支架分流道，以降低门静脉压力。",
        "description_en": (
            "Creation, through jugular venous access, of a stent-lined channel within the liver "
            "between a hepatic vein and the portal vein to decompress portal hypertension."
        ),
    },
    {
        "code": "MT",
        "group": "neuro",
        "name_zh": "急性缺血性脑卒中机械取栓术",
        "name_en": "Mechanical thrombectomy for acute ischaemic stroke",
        "description_zh": ("急性缺血性脑卒中时应用支架取栓装置和/或抽吸导管经血管内清除颅内大血管闭塞的血栓。"),
        "description_en": (
            "Endovascular removal of the thrombus occluding a large cerebral artery in acute "
            "ischaemic stroke, using stent retrievers and/or aspiration catheters."
        ),
    },
    {
        "code": "ANEU",
        "group": "neuro",
        "name_zh": "颅内动脉瘤弹簧圈栓塞",
        "name_en": "Cerebral aneurysm coil embolisation",
        "description_zh": "应用可解脱弹簧圈（可辅以球囊或支架）经血管内闭塞颅内动脉瘤。",
        "description_en": (
            "Endovascular occlusion of intracranial aneurysms with detachable coils, with or "
            "without balloon or stent assistance."
        ),
    },
    {
        "code": "AORTA",
        "group": "vascular",
        "name_zh": "主动脉瘤及夹层腔内修复术（EVAR/TEVAR）",
        "name_en": "Endovascular aortic repair (aneurysm and dissection)",
        "description_zh": "经外周动脉入路置入主动脉覆膜支架，隔绝主动脉瘤或治疗主动脉夹层。",
        "description_en": (
            "Endovascular exclusion of aortic aneurysms and treatment of aortic dissection with "
            "stent-grafts delivered through peripheral arterial access."
        ),
    },
    {
        "code": "PAD",
        "group": "vascular",
        "name_zh": "外周动脉疾病球囊扩张及支架置入",
        "name_en": "Peripheral arterial disease angioplasty and stenting",
        "description_zh": (
            "通过球囊扩张成形术，必要时联合支架置入或药物涂层器械，对狭窄或闭塞的肢体动脉进行腔内血运重建。"
        ),
        "description_en": (
            "Endovascular revascularisation of narrowed or occluded limb arteries by balloon "
            "angioplasty, with stents or drug-coated devices where indicated."
        ),
    },
    {
        "code": "HEME",
        "group": "vascular",
        "name_zh": "出血栓塞（产后出血、创伤等）",
        "name_en": "Haemorrhage embolisation (postpartum, trauma, GI, haemoptysis)",
        "description_zh": "经导管栓塞止血，用于产后出血、创伤出血、消化道出血及咯血等动脉性出血。",
        "description_en": (
            "Transcatheter embolisation to stop arterial bleeding, such as postpartum, traumatic "
            "and gastrointestinal haemorrhage and haemoptysis."
        ),
    },
    {
        "code": "UAE",
        "group": "womens",
        "name_zh": "子宫动脉栓塞术",
        "name_en": "Uterine artery embolisation (fibroids, adenomyosis)",
        "description_zh": "经导管用颗粒栓塞剂栓塞双侧子宫动脉，治疗有症状的子宫肌瘤或子宫腺肌病。",
        "description_en": (
            "Transcatheter particle embolisation of both uterine arteries to treat symptomatic "
            "uterine fibroids or adenomyosis."
        ),
    },
    {
        "code": "DIAL",
        "group": "vascular",
        "name_zh": "血液透析通路介入",
        "name_en": "Dialysis access interventions",
        "description_zh": (
            "对血液透析患者狭窄、血栓形成或成熟不良的自体动静脉内瘘、移植物内瘘及中心静脉进行造影评估和腔内治疗。"
        ),
        "description_en": (
            "Imaging and endovascular treatment of stenosed, thrombosed or immature "
            "arteriovenous fistulas and grafts, and of central veins, in patients on haemodialysis."
        ),
    },
    {
        "code": "VP",
        "group": "nonvascular",
        "name_zh": "椎体成形术/后凸成形术",
        "name_en": "Percutaneous vertebroplasty / kyphoplasty",
        "description_zh": (
            "经皮向骨折或病变椎体内注入骨水泥（后凸成形术先以球囊扩张形成空腔），以缓解疼痛并稳定椎体。"
        ),
        "description_en": (
            "Percutaneous injection of bone cement into a fractured or diseased vertebral body, "
            "after balloon creation of a cavity in kyphoplasty, to relieve pain and stabilise "
            "the vertebra."
        ),
    },
    {
        "code": "BIL",
        "group": "nonvascular",
        "name_zh": "经皮经肝胆道引流及支架",
        "name_en": "Percutaneous biliary drainage and stenting (PTBD)",
        "description_zh": "经皮经肝穿刺进入梗阻或胆漏的胆管，进行外引流或内外引流及胆道支架置入。",
        "description_en": (
            "Percutaneous transhepatic access to obstructed or leaking bile ducts for external "
            "or internal-external drainage and stent placement."
        ),
    },
    {
        "code": "DRN",
        "group": "nonvascular",
        "name_zh": "脓肿及积液引流",
        "name_en": "Abscess and fluid-collection drainage",
        "description_zh": "在影像引导下经皮穿刺抽吸或置管引流脓肿及其他异常积液。",
        "description_en": (
            "Image-guided percutaneous aspiration or catheter drainage of abscesses and other "
            "abnormal fluid collections."
        ),
    },
]

# Areas whose logged procedures count as "vascular" for the EBIR-aligned advanced minimum.
# EBIR (S91) counts procedures of the syllabus chapter "Vascular Diagnosis and Intervention"
# and/or vascular interventional oncology. Decision:
# - included: TACE (vascular interventional oncology), TIPS, MT, ANEU, AORTA, PAD, HEME, UAE, DIAL
#   (all transcatheter vascular procedures), and CORE-ACC, because the procedures a trainee can
#   log under it (closure-device use, femoral pseudoaneurysm thrombin injection or stenting) are
#   vascular interventions in that chapter;
# - excluded: ABL and SEED (percutaneous, non-vascular oncology; seed-loaded stents sit in the
#   oesophagus or bile ducts), VP, BIL, DRN (non-vascular), and CORE-RAD, CORE-CM, CORE-SED,
#   CORE-IMG, CORE-PSC (knowledge areas, not vascular procedure types; CORE-IMG mixes vascular and
#   non-vascular guidance, so its entries cannot be classed as vascular).
VASCULAR_AREAS: Final[tuple[str, ...]] = (
    "CORE-ACC",
    "TACE",
    "TIPS",
    "MT",
    "ANEU",
    "AORTA",
    "PAD",
    "HEME",
    "UAE",
    "DIAL",
)


# --------------------------------------------------------------------------------------------
# Objectives (section 2)
# --------------------------------------------------------------------------------------------

_OBJECTIVE_CODE = re.compile(r"^(?P<area>[A-Z]+(?:-[A-Z]+)?)-(?P<level>[QA])-(?P<nn>\d{2})$")


def _objective(code: str, text_en: str, text_zh: str) -> Objective:
    """Build one objective, taking its area and level from its code."""
    match = _OBJECTIVE_CODE.match(code)
    if match is None:
        raise ReferenceDataError(f"Malformed objective code {code!r}; expected AREA-Q-01 or AREA-A-01.")
    level: Level = "Q" if match["level"] == "Q" else "A"
    return {
        "code": code,
        "area": match["area"],
        "level": level,
        "text_en": text_en,
        "text_zh": text_zh,
    }


OBJECTIVES: list[Objective] = [
    # CORE-RAD
    _objective(
        "CORE-RAD-Q-01",
        "State the ALARA principle and apply time, distance (inverse-square law) and shielding "
        "to reduce staff exposure.",
        "阐述ALARA原则，并运用时间、距离（平方反比定律）和屏蔽减少工作人员的受照剂量。",
    ),
    _objective(
        "CORE-RAD-Q-02",
        "Name the occupational dose limits (whole body and eye lens) and the dosimetry an operator must wear.",
        "说出职业照射剂量限值（全身及眼晶状体）以及术者必须佩戴的个人剂量计。",
    ),
    _objective(
        "CORE-RAD-Q-03",
        "List the equipment settings that reduce dose: low pulse rate, collimation, avoiding "
        "magnification, keeping the detector close to the patient and last-image hold.",
        "列出可降低剂量的设备设置：低脉冲频率、准直（缩小照射野）、避免放大模式、使探测器贴近患者以及末帧图像保持。",
    ),
    _objective(
        "CORE-RAD-Q-04",
        "Explain why the patient is the main source of scatter and where staff should stand "
        "(on the image-receptor side when the tube is lateral).",
        "解释为何患者是主要的散射源，以及工作人员应站立的位置（侧位投照时站在影像接收器一侧）。",
    ),
    _objective(
        "CORE-RAD-A-01",
        "Define the patient dose metrics (reference-point air kerma, kerma-area product, peak "
        "skin dose, fluoroscopy time) and the thresholds that trigger follow-up.",
        "定义患者剂量指标（参考点空气比释动能、比释动能面积乘积、峰值皮肤剂量、透视时间）及需要随访的阈值。",
    ),
    _objective(
        "CORE-RAD-A-02",
        "Recognise the skin injury thresholds and organise follow-up after a high-dose procedure.",
        "识别皮肤辐射损伤的剂量阈值，并组织高剂量操作后的患者随访。",
    ),
    _objective(
        "CORE-RAD-A-03",
        "Counsel patients and staff on radiation exposure in pregnancy.",
        "就妊娠期辐射照射问题为患者和工作人员提供咨询。",
    ),
    # CORE-CM
    _objective(
        "CORE-CM-Q-01",
        "Classify iodinated contrast media (ionic or non-ionic, osmolality) and gadolinium-based agents.",
        "对碘对比剂（离子型与非离子型、渗透压）及钆对比剂进行分类。",
    ),
    _objective(
        "CORE-CM-Q-02",
        "Recognise and treat acute allergic-like and physiological contrast reactions (mild, "
        "moderate, severe), including anaphylaxis.",
        "识别并处理急性过敏样反应和生理性对比剂反应（轻度、中度、重度），包括严重过敏反应。",
    ),
    _objective(
        "CORE-CM-Q-03",
        "Identify the risk factors for contrast-associated acute kidney injury and state the eGFR thresholds.",
        "识别对比剂相关急性肾损伤的危险因素，并说明相应的eGFR阈值。",
    ),
    _objective(
        "CORE-CM-Q-04",
        "Manage patients taking metformin and patients with a prior contrast reaction, including premedication.",
        "处理服用二甲双胍的患者及既往有对比剂反应的患者，包括预防用药。",
    ),
    _objective(
        "CORE-CM-A-01",
        "Use CO2 and gadolinium as alternative contrast agents correctly, including knowing "
        "where CO2 must not be used.",
        "正确使用CO2和钆对比剂作为替代对比剂，包括明确CO2的禁用部位。",
    ),
    _objective(
        "CORE-CM-A-02",
        "Manage delayed contrast reactions, thyroid problems related to iodinated contrast and contrast extravasation.",
        "处理迟发性对比剂反应、碘对比剂相关的甲状腺问题及对比剂外渗。",
    ),
    # CORE-ACC
    _objective(
        "CORE-ACC-Q-01",
        "Describe the landmarks for safe common femoral artery puncture (femoral head, inguinal "
        "ligament, femoral bifurcation) and use ultrasound guidance.",
        "描述股总动脉安全穿刺的解剖标志（股骨头、腹股沟韧带、股动脉分叉），并应用超声引导穿刺。",
    ),
    _objective(
        "CORE-ACC-Q-02",
        "Recognise the complications of a high puncture (retroperitoneal haematoma) and of a low "
        "puncture (pseudoaneurysm, arteriovenous fistula).",
        "识别穿刺点过高（腹膜后血肿）和穿刺点过低（假性动脉瘤、动静脉瘘）的并发症。",
    ),
    # The reference reads "French = outer diameter in mm x 3". That holds for catheters, but a
    # sheath's French size names the largest catheter it accepts (its inner diameter), so the
    # objective states both facts correctly instead.
    _objective(
        "CORE-ACC-Q-03",
        "Choose the sheath size (French size is three times the diameter in millimetres; a "
        "sheath is sized by the catheter it accepts, a catheter by its outer diameter) and "
        "achieve haemostasis by compression.",
        "选择鞘管尺寸（French数为直径毫米数的3倍；鞘管按其可通过的导管大小即内径标称，导管按外径标称），并通过压迫止血。",
    ),
    _objective(
        "CORE-ACC-Q-04",
        "Assess suitability for radial access (Barbeau or Allen test) and list its advantages.",
        "评估经桡动脉入路的适用性（Barbeau试验或Allen试验），并列出其优点。",
    ),
    _objective(
        "CORE-ACC-A-01",
        "Select closure devices (collagen plug, suture, clip) knowing their limits, and use the "
        "pre-close technique for large-bore access.",
        "选择血管闭合装置（胶原塞、缝合器、夹闭器）并了解其局限性；大口径入路时应用预缝合（pre-close）技术。",
    ),
    _objective(
        "CORE-ACC-A-02",
        "Treat a femoral pseudoaneurysm by ultrasound-guided thrombin injection, compression, "
        "covered stent or surgery.",
        "采用超声引导下凝血酶注射、压迫、覆膜支架或外科手术治疗股动脉假性动脉瘤。",
    ),
    # CORE-SED
    _objective(
        "CORE-SED-Q-01",
        "Define the sedation continuum (minimal, moderate and deep sedation, general "
        "anaesthesia) and the ASA physical status classification.",
        "定义镇静深度连续谱（轻度镇静、中度镇静、深度镇静、全身麻醉）及ASA身体状况分级。",
    ),
    _objective(
        "CORE-SED-Q-02",
        "Apply the fasting rules and assess the airway before sedation.",
        "执行术前禁食规定，并在镇静前进行气道评估。",
    ),
    _objective(
        "CORE-SED-Q-03",
        "Dose midazolam, fentanyl and their reversal agents (flumazenil, naloxone), and know the "
        "maximum doses of local anaesthetics.",
        "掌握咪达唑仑、芬太尼及其拮抗剂（氟马西尼、纳洛酮）的用法用量，以及局部麻醉药的最大剂量。",
    ),
    _objective(
        "CORE-SED-Q-04",
        "Monitor correctly (SpO2, ECG, blood pressure, capnography) and recognise respiratory depression.",
        "正确实施监护（SpO2、心电图、血压、呼气末二氧化碳监测），并识别呼吸抑制。",
    ),
    _objective(
        "CORE-SED-A-01",
        "Decide when to call anaesthesia: difficult airway, ASA class IV or higher, long "
        "procedures, and general anaesthesia versus conscious sedation for stroke thrombectomy.",
        "判断何时请麻醉科参与：困难气道、ASA IV级及以上、长时间操作，以及卒中取栓时选择全身麻醉还是清醒镇静。",
    ),
    # CORE-IMG
    _objective(
        "CORE-IMG-Q-01",
        "Explain digital subtraction angiography (mask subtraction), roadmapping and the causes "
        "of misregistration artefact.",
        "解释数字减影血管造影（蒙片减影）、路图技术及配准不良伪影的成因。",
    ),
    _objective(
        "CORE-IMG-Q-02",
        "Choose the guidance modality (ultrasound, fluoroscopy, CT, cone-beam CT) for a given target.",
        "针对具体靶点选择引导方式（超声、透视、CT、锥形束CT）。",
    ),
    _objective(
        "CORE-IMG-Q-03",
        "Perform and interpret ultrasound-guided needle placement (in-plane versus out-of-plane).",
        "实施并判读超声引导下穿刺针置入（平面内与平面外技术）。",
    ),
    _objective(
        "CORE-IMG-Q-04",
        "Identify normal vascular anatomy and the common variants relevant to IR, such as hepatic arterial variants.",
        "识别与介入相关的正常血管解剖及常见变异（如肝动脉变异）。",
    ),
    _objective(
        "CORE-IMG-A-01",
        "Use cone-beam CT and image fusion to find tumour feeders and plan complex access, and "
        "interpret CTA, MRA and perfusion imaging for planning.",
        "应用锥形束CT和图像融合寻找肿瘤供血动脉并规划复杂入路，判读CTA、MRA及灌注成像以制订治疗计划。",
    ),
    # CORE-PSC
    _objective(
        "CORE-PSC-Q-01",
        "Run an IR clinic consultation: history, examination, imaging review, indication, alternatives and consent.",
        "开展介入门诊诊疗：病史采集、体格检查、影像复阅、适应证判断、替代方案讨论及知情同意。",
    ),
    _objective(
        "CORE-PSC-Q-02",
        "Apply the periprocedural haemostasis rules: procedural bleeding-risk class, INR and "
        "platelet thresholds, and withholding of anticoagulant and antiplatelet drugs.",
        "执行围术期止凝血管理规则：操作出血风险分级、INR及血小板阈值、抗凝药和抗血小板药的停用。",
    ),
    _objective(
        "CORE-PSC-Q-03",
        "Apply the WHO/IR safety checklist and the rules for antibiotic prophylaxis.",
        "执行WHO/介入手术安全核查表及预防性抗菌药物使用规则。",
    ),
    _objective(
        "CORE-PSC-Q-04",
        "Grade adverse events with a standard classification.",
        "采用标准分类系统对不良事件进行分级。",
    ),
    _objective(
        "CORE-PSC-A-01",
        "Manage major complications (haemorrhage, non-target embolisation, sepsis, vessel "
        "perforation) and lead morbidity review.",
        "处理严重并发症（出血、异位栓塞、脓毒症、血管穿孔），并主持并发症病例讨论。",
    ),
    _objective(
        "CORE-PSC-A-02",
        "Work within a multidisciplinary team (tumour board, stroke team, vascular MDT).",
        "在多学科团队（肿瘤MDT、卒中团队、血管MDT）中协作工作。",
    ),
    # TACE
    _objective(
        "TACE-Q-01",
        "Stage HCC with BCLC (and China's CNLC) and state where TACE fits.",
        "采用BCLC分期（及中国CNLC分期）对肝细胞癌进行分期，并说明TACE适用的分期。",
    ),
    _objective(
        "TACE-Q-02",
        "Score liver function (Child-Pugh, ALBI) and list the contraindications to TACE.",
        "评估肝功能（Child-Pugh分级、ALBI分级），并列出TACE的禁忌证。",
    ),
    _objective(
        "TACE-Q-03",
        "Distinguish cTACE (lipiodol emulsion with drug, followed by embolic agent) from "
        "DEB-TACE (drug-loaded microspheres).",
        "区分cTACE（碘油化疗药物乳剂加栓塞剂）与DEB-TACE（载药微球）。",
    ),
    _objective(
        "TACE-Q-04",
        "Recognise and manage post-embolisation syndrome.",
        "识别并处理栓塞后综合征。",
    ),
    _objective(
        "TACE-A-01",
        "Plan selective/superselective TACE using arterial variants and CBCT, and avoid "
        "non-target embolisation (cystic, gastric, falciform and phrenic collaterals).",
        "结合动脉变异及锥形束CT规划选择性/超选择性TACE，避免异位栓塞（胆囊动脉、胃动脉、肝镰状韧带动脉及膈动脉侧支）。",
    ),
    _objective(
        "TACE-A-02",
        "Assess response (mRECIST/EASL) and decide between repeat TACE and a switch to systemic "
        "therapy (TACE refractoriness or unsuitability).",
        "评估疗效（mRECIST/EASL标准），决定重复TACE还是转为系统治疗（TACE抵抗或不适合TACE）。",
    ),
    _objective(
        "TACE-A-03",
        "Combine TACE with ablation, systemic therapy or immunotherapy, and use TACE for "
        "downstaging or bridging to liver transplantation.",
        "将TACE与消融、系统治疗或免疫治疗联合应用，并应用TACE进行降期治疗或肝移植前的桥接治疗。",
    ),
    # ABL
    _objective(
        "ABL-Q-01",
        "State the indications for percutaneous ablation of HCC (tumour size and number) and of "
        "lesions in other organs (kidney, lung, bone, thyroid).",
        "说明肝细胞癌经皮消融的适应证（肿瘤大小与数目）以及其他器官（肾、肺、骨、甲状腺）病灶消融的适应证。",
    ),
    _objective(
        "ABL-Q-02",
        "Explain the physics of RFA versus MWA (resistive versus dielectric heating) and the heat-sink effect.",
        "解释射频消融与微波消融的物理原理差异（电阻性加热与介电加热）及热沉效应。",
    ),
    _objective(
        "ABL-Q-03",
        "Plan the ablation margin and the post-ablation imaging follow-up.",
        "规划消融安全边界及消融后的影像学随访。",
    ),
    _objective(
        "ABL-Q-04",
        "List the complications of ablation and the high-risk tumour locations.",
        "列出消融的并发症及高危肿瘤部位。",
    ),
    _objective(
        "ABL-A-01",
        "Use adjunctive techniques: hydrodissection, artificial ascites, combined TACE and "
        "ablation, and fusion guidance.",
        "应用辅助技术：液体隔离、人工腹水、TACE联合消融及融合影像引导。",
    ),
    _objective(
        "ABL-A-02",
        "Interpret the evidence comparing ablation with resection.",
        "解读比较消融与手术切除的研究证据。",
    ),
    # SEED
    _objective(
        "SEED-Q-01",
        "State the physical properties of I-125 seeds and the radiation safety rules for handling them.",
        "说明I-125粒子的物理特性及粒子操作的辐射安全规则。",
    ),
    _objective(
        "SEED-Q-02",
        "List the indications (unresectable solid tumours, recurrent tumours, portal vein "
        "tumour thrombus, malignant luminal obstruction treated with seed-loaded stents) and "
        "the contraindications.",
        "列出适应证（不可切除的实体瘤、复发肿瘤、门静脉癌栓、以载粒子支架治疗的恶性管腔梗阻）及禁忌证。",
    ),
    _objective(
        "SEED-Q-03",
        "Use a treatment planning system (TPS) and post-implant dosimetry (D90, V100).",
        "使用治疗计划系统（TPS）并进行植入后剂量学评估（D90、V100）。",
    ),
    _objective(
        "SEED-A-01",
        "Perform CT-guided implantation with templates, including 3D-printed templates, and "
        "manage complications (pneumothorax, seed migration).",
        "在CT引导下借助模板（包括3D打印模板）实施粒子植入，并处理并发症（气胸、粒子移位）。",
    ),
    _objective(
        "SEED-A-02",
        "Know the Chinese trial evidence for seed-loaded stents.",
        "掌握国内关于载粒子支架的临床试验证据。",
    ),
    # TIPS
    _objective(
        "TIPS-Q-01",
        "Define portal hypertension using the HVPG (normal, clinically significant and bleeding thresholds).",
        "以肝静脉压力梯度（HVPG）定义门静脉高压（正常值、临床显著性门静脉高压阈值及出血风险阈值）。",
    ),
    _objective(
        "TIPS-Q-02",
        "Compute and interpret the Child-Pugh and MELD scores, and state the TIPS indications "
        "and absolute and relative contraindications.",
        "计算并解读Child-Pugh和MELD评分，说明TIPS的适应证及绝对和相对禁忌证。",
    ),
    _objective(
        "TIPS-Q-03",
        "Describe the steps of TIPS: jugular access, hepatic vein catheterisation, portal vein "
        "puncture, portography, gradient measurement and covered stent placement.",
        "描述TIPS的操作步骤：颈静脉穿刺、肝静脉插管、门静脉穿刺、门静脉造影、压力梯度测量及覆膜支架置入。",
    ),
    _objective(
        "TIPS-Q-04",
        "Recognise post-TIPS hepatic encephalopathy, liver failure and shunt dysfunction.",
        "识别TIPS术后肝性脑病、肝功能衰竭及分流道功能障碍。",
    ),
    _objective(
        "TIPS-A-01",
        "Select patients for pre-emptive (early) TIPS in acute variceal bleeding.",
        "在急性静脉曲张出血中筛选适合行优先（早期）TIPS的患者。",
    ),
    _objective(
        "TIPS-A-02",
        "Manage gastric varices (TIPS with variceal embolisation versus BRTO), refractory "
        "ascites, portal vein thrombosis and Budd-Chiari syndrome.",
        "处理胃静脉曲张（TIPS联合曲张静脉栓塞与BRTO的选择）、顽固性腹水、门静脉血栓及布加综合征。",
    ),
    _objective(
        "TIPS-A-03",
        "Reduce or occlude a TIPS for refractory hepatic encephalopathy.",
        "针对难治性肝性脑病实施TIPS分流道限流或封堵。",
    ),
    # MT
    _objective(
        "MT-Q-01",
        "Assess stroke severity (NIHSS) and early ischaemic change (ASPECTS), and identify "
        "large-vessel occlusion on CTA.",
        "评估卒中严重程度（NIHSS）和早期缺血改变（ASPECTS），并在CTA上识别大血管闭塞。",
    ),
    _objective(
        "MT-Q-02",
        "State the time windows and eligibility for intravenous thrombolysis and for "
        "thrombectomy (0–6 h, 6–16 h, 6–24 h).",
        "说明静脉溶栓和机械取栓的时间窗及入选标准（0–6小时、6–16小时、6–24小时）。",
    ),
    _objective(
        "MT-Q-03",
        "Name the landmark trials and their selection criteria (MR CLEAN, DAWN, DEFUSE 3).",
        "说出里程碑式临床试验及其入选标准（MR CLEAN、DAWN、DEFUSE 3）。",
    ),
    _objective(
        "MT-Q-04",
        "Define successful reperfusion (mTICI 2b/3) and good functional outcome (mRS 0–2).",
        "定义成功再灌注（mTICI 2b/3级）及良好功能预后（mRS 0–2分）。",
    ),
    _objective(
        "MT-A-01",
        "Select the technique (stent retriever, aspiration or combined; tandem occlusions) and "
        "the anaesthesia strategy.",
        "选择取栓技术（支架取栓、抽吸或联合技术；串联病变的处理）及麻醉策略。",
    ),
    _objective(
        "MT-A-02",
        "Apply the evidence for large-core infarcts and basilar artery occlusion, including the Chinese trials.",
        "应用大核心梗死及基底动脉闭塞的循证证据，包括国内临床试验。",
    ),
    _objective(
        "MT-A-03",
        "Manage complications: symptomatic intracranial haemorrhage, embolisation to a new "
        "territory, dissection and perforation.",
        "处理并发症：症状性颅内出血、新发供血区栓塞、血管夹层及血管穿孔。",
    ),
    # ANEU
    _objective(
        "ANEU-Q-01",
        "Grade aneurysmal subarachnoid haemorrhage (Hunt-Hess, WFNS, Fisher/modified Fisher).",
        "对动脉瘤性蛛网膜下腔出血进行分级（Hunt-Hess分级、WFNS分级、Fisher/改良Fisher分级）。",
    ),
    _objective(
        "ANEU-Q-02",
        "Describe the standard medical management: nimodipine, blood pressure control and the vasospasm window.",
        "描述标准内科治疗：尼莫地平、血压管理及脑血管痉挛的好发时间窗。",
    ),
    _objective(
        "ANEU-Q-03",
        "Know the ISAT results and when coiling or clipping is preferred.",
        "掌握ISAT研究结果，以及何时优先选择弹簧圈栓塞或开颅夹闭。",
    ),
    _objective(
        "ANEU-A-01",
        "Choose the coiling technique (simple, balloon-assisted, stent-assisted) from the "
        "aneurysm geometry, and use flow diversion for unruptured wide-neck aneurysms.",
        "根据动脉瘤形态选择栓塞技术（单纯弹簧圈、球囊辅助、支架辅助），对未破裂宽颈动脉瘤应用血流导向装置。",
    ),
    _objective(
        "ANEU-A-02",
        "Grade aneurysm occlusion (Raymond-Roy) and plan follow-up and retreatment.",
        "对动脉瘤闭塞程度进行分级（Raymond-Roy分级），并制订随访及再治疗计划。",
    ),
    _objective(
        "ANEU-A-03",
        "Manage intraprocedural rupture and thromboembolism.",
        "处理术中动脉瘤破裂及血栓栓塞事件。",
    ),
    # AORTA
    _objective(
        "AORTA-Q-01",
        "State the AAA repair thresholds and the anatomical requirements for EVAR (aortic neck, iliac access).",
        "说明腹主动脉瘤的修复阈值及EVAR的解剖学要求（瘤颈、髂动脉入路）。",
    ),
    _objective(
        "AORTA-Q-02",
        "Classify endoleaks (types I–V) and state which need treatment.",
        "对内漏进行分型（I–V型），并说明哪些需要处理。",
    ),
    _objective(
        "AORTA-Q-03",
        "Classify aortic dissection (Stanford, DeBakey, time phases) and define complicated type B dissection.",
        "对主动脉夹层进行分型（Stanford分型、DeBakey分型及时间分期），并定义复杂型B型夹层。",
    ),
    _objective(
        "AORTA-Q-04",
        "Plan surveillance after EVAR.",
        "制订EVAR术后的随访监测计划。",
    ),
    _objective(
        "AORTA-A-01",
        "Interpret the trials of EVAR versus open repair (EVAR-1, DREAM, OVER), including their long-term results.",
        "解读EVAR与开放手术对比的临床试验（EVAR-1、DREAM、OVER）及其远期结果。",
    ),
    _objective(
        "AORTA-A-02",
        "Plan TEVAR landing zones (Ishimaru zones 0–4), left subclavian artery management and spinal cord protection.",
        "规划TEVAR锚定区（Ishimaru 0–4区）、左锁骨下动脉的处理及脊髓保护。",
    ),
    _objective(
        "AORTA-A-03",
        "Know the advanced options: fenestrated and branched grafts, chimney techniques and EVAR for ruptured AAA.",
        "了解进阶技术：开窗/分支型支架、烟囱技术及破裂腹主动脉瘤的EVAR治疗。",
    ),
    # PAD
    _objective(
        "PAD-Q-01",
        "Diagnose PAD (ABI thresholds) and stage it (Fontaine, Rutherford).",
        "诊断外周动脉疾病（踝肱指数阈值）并进行分期（Fontaine分期、Rutherford分级）。",
    ),
    _objective(
        "PAD-Q-02",
        "Recognise chronic limb-threatening ischaemia and acute limb ischaemia (Rutherford "
        "acute limb ischaemia classes).",
        "识别慢性威胁肢体缺血及急性肢体缺血（Rutherford急性肢体缺血分级）。",
    ),
    _objective(
        "PAD-Q-03",
        "Choose between endovascular and surgical revascularisation using lesion classification "
        "(TASC II, GLASS) and limb staging (WIfI).",
        "依据病变分型（TASC II、GLASS）和肢体分期（WIfI）选择腔内或外科血运重建。",
    ),
    _objective(
        "PAD-Q-04",
        "Describe angioplasty, stenting and post-procedure antiplatelet therapy.",
        "描述球囊扩张成形术、支架置入及术后抗血小板治疗。",
    ),
    _objective(
        "PAD-A-01",
        "Use drug-coated devices and know the paclitaxel safety debate.",
        "应用药物涂层器械，并了解紫杉醇安全性争议。",
    ),
    _objective(
        "PAD-A-02",
        "Apply the trial evidence (BASIL-1, BASIL-2, BEST-CLI).",
        "应用相关临床试验证据（BASIL-1、BASIL-2、BEST-CLI）。",
    ),
    # HEME
    _objective(
        "HEME-Q-01",
        "Define postpartum haemorrhage and list its causes (the 4 Ts).",
        "定义产后出血并列出其病因（“4T”：子宫收缩乏力、软产道损伤、胎盘因素、凝血功能障碍）。",
    ),
    _objective(
        "HEME-Q-02",
        "State the indications for embolisation in postpartum haemorrhage, pelvic and "
        "solid-organ trauma, gastrointestinal bleeding and haemoptysis.",
        "说明产后出血、骨盆及实质脏器创伤、消化道出血和咯血的栓塞治疗指征。",
    ),
    _objective(
        "HEME-Q-03",
        "Choose embolic agents (gelatin sponge, coils, particles, glue) according to the target "
        "and the need for temporary or permanent occlusion.",
        "根据靶血管及临时或永久栓塞的需要选择栓塞材料（明胶海绵、弹簧圈、颗粒、医用胶）。",
    ),
    _objective(
        "HEME-Q-04",
        "State the bleeding-rate detection limits of CTA, catheter angiography and red blood cell scintigraphy.",
        "说明CTA、导管血管造影及红细胞核素显像可检出的最低出血速率。",
    ),
    _objective(
        "HEME-A-01",
        "Manage placenta accreta spectrum, including the controversy over prophylactic balloon occlusion.",
        "处理胎盘植入性疾病，包括预防性球囊阻断的争议。",
    ),
    _objective(
        "HEME-A-02",
        "Grade splenic and hepatic injuries (AAST), choose proximal or distal splenic "
        "embolisation, and integrate embolisation with damage-control resuscitation.",
        "按AAST标准对脾、肝损伤进行分级，选择脾动脉近端或远端栓塞，并将栓塞治疗与损伤控制性复苏相结合。",
    ),
    _objective(
        "HEME-A-03",
        "Perform bronchial artery embolisation safely, avoiding spinal artery branches.",
        "安全实施支气管动脉栓塞，避免栓塞脊髓动脉分支。",
    ),
    # UAE
    _objective(
        "UAE-Q-01",
        "List the indications (symptomatic fibroids, adenomyosis) and contraindications "
        "(pregnancy, active infection, suspected malignancy).",
        "列出适应证（有症状的子宫肌瘤、子宫腺肌病）及禁忌证（妊娠、活动性感染、怀疑恶性肿瘤）。",
    ),
    _objective(
        "UAE-Q-02",
        "Classify fibroids (FIGO 0–8) and assess them on MRI (enhancement, location, pedunculated stalk).",
        "对子宫肌瘤进行分型（FIGO 0–8型），并在MRI上评估（强化、位置、带蒂肌瘤的蒂部）。",
    ),
    _objective(
        "UAE-Q-03",
        "Describe the technique: bilateral selective uterine artery catheterisation, particle "
        "size and embolisation end point.",
        "描述操作技术：双侧子宫动脉选择性插管、栓塞颗粒大小的选择及栓塞终点。",
    ),
    _objective(
        "UAE-Q-04",
        "Manage post-embolisation syndrome and pain.",
        "处理栓塞后综合征及疼痛。",
    ),
    _objective(
        "UAE-A-01",
        "Counsel on fertility and ovarian function after UAE versus myomectomy or hysterectomy, "
        "using trial data (EMMY, REST, FEMME).",
        "结合临床试验数据（EMMY、REST、FEMME），就UAE与肌瘤剔除术或子宫切除术对生育力及卵巢功能的影响提供咨询。",
    ),
    _objective(
        "UAE-A-02",
        "Recognise utero-ovarian anastomoses and fibroid expulsion.",
        "识别子宫-卵巢动脉吻合及肌瘤排出。",
    ),
    # DIAL
    _objective(
        "DIAL-Q-01",
        "Describe the fistula and graft types and where stenoses occur.",
        "描述自体动静脉内瘘和移植物内瘘的类型及狭窄的好发部位。",
    ),
    _objective(
        "DIAL-Q-02",
        "Apply the surveillance and monitoring rules and decide when to treat a stenosis (≥ 50% "
        "with a clinical or physiological abnormality).",
        "执行监测与监护规则，并判断何时治疗狭窄（狭窄≥50%且伴有临床或生理学异常）。",
    ),
    _objective(
        "DIAL-Q-03",
        "Perform fistulography and angioplasty (high-pressure and cutting balloons).",
        "实施内瘘造影及球囊扩张成形术（高压球囊、切割球囊）。",
    ),
    _objective(
        "DIAL-Q-04",
        "Declot thrombosed grafts and fistulas.",
        "对血栓形成的移植物内瘘和自体内瘘进行血栓清除。",
    ),
    _objective(
        "DIAL-A-01",
        "Choose stent-grafts and drug-coated balloons on the basis of trial evidence.",
        "依据临床试验证据选择覆膜支架和药物涂层球囊。",
    ),
    _objective(
        "DIAL-A-02",
        "Treat central venous stenosis and fistula maturation failure.",
        "治疗中心静脉狭窄及内瘘成熟不良。",
    ),
    # VP
    _objective(
        "VP-Q-01",
        "Select patients: painful osteoporotic compression fractures that have not responded to "
        "medical treatment and show bone-marrow oedema on MRI, malignant fractures (myeloma, "
        "metastasis) and aggressive haemangiomas.",
        "选择患者：内科治疗无效且MRI显示骨髓水肿的疼痛性骨质疏松性压缩骨折、恶性病理性骨折（骨髓瘤、转移瘤）及侵袭性椎体血管瘤。",
    ),
    _objective(
        "VP-Q-02",
        "List the contraindications: asymptomatic or improving fracture, infection, "
        "uncorrectable coagulopathy, retropulsion or epidural tumour with cord compression, and "
        "cement allergy.",
        "列出禁忌证：无症状或正在好转的骨折、感染、无法纠正的凝血功能障碍、骨块后移或硬膜外肿瘤伴脊髓受压、骨水泥过敏。",
    ),
    _objective(
        "VP-Q-03",
        "Describe transpedicular access and cement injection under fluoroscopy, and recognise cement leakage.",
        "描述透视下经椎弓根入路及骨水泥注射，并识别骨水泥渗漏。",
    ),
    _objective(
        "VP-A-01",
        "Compare vertebroplasty and kyphoplasty and interpret the sham-controlled trial evidence.",
        "比较椎体成形术与后凸成形术，并解读假手术对照试验的证据。",
    ),
    _objective(
        "VP-A-02",
        "Treat malignant fractures with vertebral augmentation combined with ablation.",
        "对恶性椎体骨折实施椎体强化联合消融治疗。",
    ),
    # BIL
    _objective(
        "BIL-Q-01",
        "State the PTBD indications (failed or unsuitable ERCP, hilar obstruction, cholangitis, "
        "bile leak) and contraindications.",
        "说明PTBD的适应证（ERCP失败或不适合、肝门部梗阻、胆管炎、胆漏）及禁忌证。",
    ),
    _objective(
        "BIL-Q-02",
        "Classify hilar obstruction (Bismuth-Corlette I–IV) and cholangitis severity (Tokyo Guidelines 2018).",
        "对肝门部胆管梗阻进行分型（Bismuth-Corlette I–IV型），并评估急性胆管炎严重程度（东京指南2018）。",
    ),
    _objective(
        "BIL-Q-03",
        "Choose between a right intercostal and a left subxiphoid approach, knowing the pleural and vascular risks.",
        "选择右侧肋间入路或左侧剑突下入路，并了解胸膜及血管损伤风险。",
    ),
    _objective(
        "BIL-Q-04",
        "Manage drainage catheters and recognise haemobilia, sepsis and bile leak.",
        "管理引流管，并识别胆道出血、脓毒症及胆漏。",
    ),
    _objective(
        "BIL-A-01",
        "Place metal stents (uncovered or covered) and plan the drainage of hilar tumours so "
        "that enough liver volume is drained.",
        "置入金属支架（裸支架或覆膜支架），并规划肝门部肿瘤的引流方案以引流足够的肝脏体积。",
    ),
    _objective(
        "BIL-A-02",
        "Perform percutaneous cholecystostomy for high-risk acute cholecystitis.",
        "对高危急性胆囊炎患者实施经皮胆囊造瘘术。",
    ),
    # DRN
    _objective(
        "DRN-Q-01",
        "Select collections for percutaneous drainage, aspiration or antibiotics alone.",
        "判断积液应采用经皮置管引流、穿刺抽吸还是单纯抗菌药物治疗。",
    ),
    _objective(
        "DRN-Q-02",
        "Plan a safe route under ultrasound or CT, avoiding bowel, pleura and vessels.",
        "在超声或CT引导下规划安全的穿刺路径，避开肠管、胸膜及血管。",
    ),
    _objective(
        "DRN-Q-03",
        "Use the Seldinger or trocar technique and choose the catheter size according to fluid viscosity.",
        "采用Seldinger技术或套管针（Trocar）技术置管，并根据液体黏稠度选择引流管尺寸。",
    ),
    _objective(
        "DRN-Q-04",
        "Manage the catheter and decide when to remove it.",
        "管理引流管并判断拔管时机。",
    ),
    _objective(
        "DRN-A-01",
        "Manage fistulae, complex or multiloculated collections, fibrinolytic instillation and "
        "special cases (pancreatic collections, hydatid cyst).",
        "处理瘘管、复杂或多房性积液、腔内纤溶药物灌注及特殊情况（胰腺积液、包虫囊肿）。",
    ),
]


# --------------------------------------------------------------------------------------------
# Eligibility defaults (section 4.2). Every number is a platform proposal ([P]) that exam
# officers can change; "source" names the public rule a number is aligned with.
# --------------------------------------------------------------------------------------------

REQUIREMENTS: list[Requirement] = [
    # Qualifying (准入). The 2012 MoH norm asks for >= 100 procedures "as operator under
    # supervision": logged as first operator with a supervisor, hence role first_operator. The
    # proposed sub-minimums are part of that same operator logbook, so they use the same role.
    {
        "level": "Q",
        "code": "Q-TOTAL",
        "label_zh": "在上级医师指导下作为术者完成的介入手术",
        "label_en": "Procedures performed as operator under supervision",
        "areas": [],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 100,
        "vascular_only": False,
        "source": SOURCE_MOH_2012,
    },
    # Not encoded: the proposed sub-minimums "diagnostic angiography 30" and "embolisation of any
    # kind 15". No technique area matches them (diagnostic angiography has no area of its own and
    # embolisation is spread over TACE, HEME, UAE and others), so a logbook entry's area cannot
    # tell whether it counts. They need a procedure-type field on logbook entries first.
    {
        "level": "Q",
        "code": "Q-TACE",
        "label_zh": "作为术者完成的经导管动脉化疗栓塞术（TACE）",
        "label_en": "TACE as operator",
        "areas": ["TACE"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 15,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "Q",
        "code": "Q-DRAIN",
        "label_zh": "作为术者完成的非血管引流（胆道引流及脓肿/积液引流）",
        "label_en": "Non-vascular drainage (biliary and abscess/fluid collection) as operator",
        "areas": ["BIL", "DRN"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 15,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    # The reference proposes "image-guided biopsy/ablation 10". There is no biopsy area (biopsy
    # is listed among possible later areas), so only ablation (ABL) entries count for now.
    {
        "level": "Q",
        "code": "Q-ABL",
        "label_zh": "作为术者完成的肿瘤消融",
        "label_en": "Tumour ablation as operator",
        "areas": ["ABL"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 10,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    # Advanced (高级资格).
    {
        "level": "A",
        "code": "A-TOTAL",
        "label_zh": "作为术者（主刀）完成的介入手术",
        "label_en": "Procedures performed as first operator",
        "areas": [],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 250,
        "vascular_only": False,
        "source": SOURCE_EBIR,
    },
    {
        "level": "A",
        "code": "A-VASCULAR",
        "label_zh": "作为术者（主刀）完成的血管介入手术",
        "label_en": "Vascular procedures performed as first operator",
        "areas": list(VASCULAR_AREAS),
        "role": "first_operator",
        "min_grade": None,
        "min_count": 150,
        "vascular_only": True,
        "source": SOURCE_EBIR,
    },
    {
        "level": "A",
        "code": "A-GRADE3",
        "label_zh": "作为术者（主刀）完成的三级及以上手术",
        "label_en": "Level 3 or higher procedures performed as first operator",
        "areas": [],
        "role": "first_operator",
        "min_grade": 3,
        "min_count": 50,
        "vascular_only": False,
        "source": SOURCE_MOH_2012,
    },
    {
        "level": "A",
        "code": "A-TACE",
        "label_zh": "作为术者（主刀）完成的经导管动脉化疗栓塞术（TACE）",
        "label_en": "TACE as first operator",
        "areas": ["TACE"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 30,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "A",
        "code": "A-ABL",
        "label_zh": "作为术者（主刀）完成的肿瘤消融",
        "label_en": "Tumour ablation as first operator",
        "areas": ["ABL"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 15,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "A",
        "code": "A-TIPS",
        "label_zh": "经颈静脉肝内门体分流术（TIPS，术者或助手）",
        "label_en": "TIPS as first operator or assistant",
        "areas": ["TIPS"],
        "role": "any",
        "min_grade": None,
        "min_count": 5,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "A",
        "code": "A-PAD",
        "label_zh": "作为术者（主刀）完成的外周动脉血运重建",
        "label_en": "Peripheral arterial recanalisation as first operator",
        "areas": ["PAD"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 20,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "A",
        "code": "A-HEME",
        "label_zh": "作为术者（主刀）完成的急诊出血栓塞",
        "label_en": "Emergency haemorrhage embolisation as first operator",
        "areas": ["HEME"],
        "role": "first_operator",
        "min_grade": None,
        "min_count": 10,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    {
        "level": "A",
        "code": "A-AORTA",
        "label_zh": "主动脉腔内修复术（EVAR/TEVAR，术者或助手）",
        "label_en": "EVAR/TEVAR as first operator or assistant",
        "areas": ["AORTA"],
        "role": "any",
        "min_grade": None,
        "min_count": 10,
        "vascular_only": False,
        "source": SOURCE_PROPOSAL,
    },
    # Not encoded: "thrombectomy or aneurysm coiling only for neuro-track candidates" has no
    # number and needs a notion of training track that the platform does not have yet.
]

MONTHS: list[MonthsRule] = [
    # The 2012 MoH norm asks for at least 6 months of systematic training.
    {"level": "Q", "min_months": 6, "source": SOURCE_MOH_2012},
    # The proposal says "at least 3-5 years in IR"; the default takes the lower bound, 36 months.
    {"level": "A", "min_months": 36, "source": SOURCE_PROPOSAL},
]

PREREQUISITES: list[Prerequisite] = [
    # Advanced candidates must hold a valid (not expired, not revoked) qualifying certificate.
    {"level": "A", "requires_certificate_level": "Q", "source": SOURCE_PROPOSAL},
]


# --------------------------------------------------------------------------------------------
# Look-ups and validation
# --------------------------------------------------------------------------------------------

_REQUIREMENT_CODE = re.compile(r"^[QA]-[A-Z0-9]+$")
_GROUP_CODE = re.compile(r"^[a-z]+$")
_AREA_CODE = re.compile(r"^[A-Z]+(?:-[A-Z]+)?$")


def area_codes() -> list[str]:
    """Area codes in reference order."""
    return [area["code"] for area in AREAS]


def get_area(code: str) -> Area:
    """The area with this code; ``KeyError`` naming the code if there is none."""
    for area in AREAS:
        if area["code"] == code:
            return area
    raise KeyError(f"Unknown technique area {code!r}.")


def objectives_for(area: str, level: Level | None = None) -> list[Objective]:
    """Objectives of one area (optionally of one level), in code order."""
    get_area(area)  # fail loudly on a typo instead of returning an empty list
    if level is not None and level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; expected one of {LEVELS}.")
    return [
        objective
        for objective in OBJECTIVES
        if objective["area"] == area and (level is None or objective["level"] == level)
    ]


def requirements_for(level: Level) -> list[Requirement]:
    """Case-volume requirements of one level, in declaration order."""
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; expected one of {LEVELS}.")
    return [requirement for requirement in REQUIREMENTS if requirement["level"] == level]


def validate_reference_data() -> None:
    """Check the whole data set; raise ``ReferenceDataError`` listing every problem found.

    Checks: codes well-formed and unique; every text non-empty in both languages; every area in
    a known group and every group used; objectives numbered 1, 2, ... per area and level in list
    order and grouped by area in area order; every area has a qualifying objective; requirement
    fields valid and their areas known; months and prerequisites cover known levels.
    """
    problems: list[str] = []

    def require_text(owner: str, field: str, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{owner}: {field} is empty.")

    group_codes = [group["code"] for group in GROUPS]
    problems.extend(f"Duplicate group code {c!r}." for c in _duplicates(group_codes))
    for group in GROUPS:
        if not _GROUP_CODE.match(group["code"]):
            problems.append(f"Malformed group code {group['code']!r}.")
        require_text(f"group {group['code']}", "name_zh", group["name_zh"])
        require_text(f"group {group['code']}", "name_en", group["name_en"])

    codes = area_codes()
    problems.extend(f"Duplicate area code {c!r}." for c in _duplicates(codes))
    for area in AREAS:
        owner = f"area {area['code']}"
        if not _AREA_CODE.match(area["code"]):
            problems.append(f"Malformed area code {area['code']!r}.")
        if area["group"] not in group_codes:
            problems.append(f"{owner}: unknown group {area['group']!r}.")
        for field in ("name_zh", "name_en", "description_zh", "description_en"):
            require_text(owner, field, area[field])  # type: ignore[literal-required]
    unused_groups = set(group_codes) - {area["group"] for area in AREAS}
    problems.extend(f"Group {c!r} has no area." for c in sorted(unused_groups))

    problems.extend(_objective_problems(codes))
    problems.extend(_requirement_problems(codes))

    for rule in MONTHS:
        if rule["level"] not in LEVELS:
            problems.append(f"Months rule: unknown level {rule['level']!r}.")
        if not isinstance(rule["min_months"], int) or rule["min_months"] <= 0:
            problems.append(f"Months rule {rule['level']}: min_months must be a positive int.")
        if rule["source"] not in SOURCES:
            problems.append(f"Months rule {rule['level']}: unknown source {rule['source']!r}.")
    problems.extend(f"Duplicate months rule for level {c!r}." for c in _duplicates([r["level"] for r in MONTHS]))
    for prerequisite in PREREQUISITES:
        if prerequisite["level"] not in LEVELS:
            problems.append(f"Prerequisite: unknown level {prerequisite['level']!r}.")
        if prerequisite["requires_certificate_level"] not in LEVELS:
            problems.append(f"Prerequisite: unknown certificate level {prerequisite['requires_certificate_level']!r}.")
        if prerequisite["level"] == prerequisite["requires_certificate_level"]:
            problems.append(f"Prerequisite for {prerequisite['level']!r} requires itself.")

    if problems:
        raise ReferenceDataError("Reference curriculum data is inconsistent:\n- " + "\n- ".join(problems))


def _objective_problems(codes: list[str]) -> list[str]:
    problems = [f"Duplicate objective code {c!r}." for c in _duplicates([o["code"] for o in OBJECTIVES])]
    next_number: dict[tuple[str, str], int] = {}
    area_order = {code: index for index, code in enumerate(codes)}
    last_area_index = -1
    for objective in OBJECTIVES:
        code = objective["code"]
        match = _OBJECTIVE_CODE.match(code)
        if match is None:
            problems.append(f"Malformed objective code {code!r}.")
            continue
        if objective["area"] not in area_order:
            problems.append(f"Objective {code}: unknown area {objective['area']!r}.")
            continue
        if match["area"] != objective["area"] or match["level"] != objective["level"]:
            problems.append(f"Objective {code}: area/level fields disagree with the code.")
        area_index = area_order[objective["area"]]
        if area_index < last_area_index:
            problems.append(f"Objective {code}: objectives are not grouped in area order.")
        last_area_index = max(last_area_index, area_index)
        key = (objective["area"], objective["level"])
        expected = next_number.get(key, 0) + 1
        if int(match["nn"]) != expected:
            problems.append(f"Objective {code}: expected number {expected:02d} at this position.")
        next_number[key] = int(match["nn"])
        for field in ("text_en", "text_zh"):
            value = objective[field]  # type: ignore[literal-required]
            if not isinstance(value, str) or not value.strip():
                problems.append(f"Objective {code}: {field} is empty.")
    problems.extend(f"Area {code} has no qualifying (Q) objective." for code in codes if (code, "Q") not in next_number)
    return problems


def _requirement_problems(codes: list[str]) -> list[str]:
    problems = [f"Duplicate requirement code {c!r}." for c in _duplicates([r["code"] for r in REQUIREMENTS])]
    known = set(codes)
    for requirement in REQUIREMENTS:
        owner = f"requirement {requirement['code']}"
        if not _REQUIREMENT_CODE.match(requirement["code"]):
            problems.append(f"Malformed requirement code {requirement['code']!r}.")
        if requirement["level"] not in LEVELS:
            problems.append(f"{owner}: unknown level {requirement['level']!r}.")
        elif not requirement["code"].startswith(requirement["level"] + "-"):
            problems.append(f"{owner}: code does not start with its level.")
        for field in ("label_zh", "label_en"):
            value = requirement[field]  # type: ignore[literal-required]
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{owner}: {field} is empty.")
        unknown = [area for area in requirement["areas"] if area not in known]
        if unknown:
            problems.append(f"{owner}: unknown areas {unknown}.")
        problems.extend(f"{owner}: area {a!r} listed twice." for a in _duplicates(requirement["areas"]))
        if requirement["role"] not in ROLES:
            problems.append(f"{owner}: unknown role {requirement['role']!r}.")
        min_grade = requirement["min_grade"]
        if min_grade is not None and (isinstance(min_grade, bool) or not isinstance(min_grade, int) or min_grade < 1):
            problems.append(f"{owner}: min_grade must be None or a positive int.")
        min_count = requirement["min_count"]
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count <= 0:
            problems.append(f"{owner}: min_count must be a positive int.")
        if requirement["vascular_only"] and sorted(requirement["areas"]) != sorted(VASCULAR_AREAS):
            problems.append(f"{owner}: a vascular-only rule must list exactly VASCULAR_AREAS.")
        if requirement["source"] not in SOURCES:
            problems.append(f"{owner}: unknown source {requirement['source']!r}.")
    unknown_vascular = [area for area in VASCULAR_AREAS if area not in known]
    if unknown_vascular:
        problems.append(f"VASCULAR_AREAS lists unknown areas {unknown_vascular}.")
    return problems


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
