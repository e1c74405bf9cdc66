"""Demo exams: the two reference exams of the curriculum reference (sections 3.2 and 3.3), scaled to the bank.

``load_exams_demo(say)`` is the ``load_demo`` step (order 40, after the question bank's demo items):

* the qualifying exam: one paper, 120 single-best-answer items in 150 minutes, with the area
  weights of section 3.2;
* the advanced exam: paper 1, 60 single-best-answer items in 90 minutes (section 3.3 counts);
  paper 2, case-sequential, 120 minutes: one case set in each of the eight fixed areas and two
  "rotating" cases from SEED/UAE/VP/DIAL/BIL/DRN (the areas with case sets in the bank first);
  passing the qualifying exam is a prerequisite, papers combine conjunctively.

Each row asks for min(reference count, approved secure items available) and every reduction is
printed, so the demo works on a small bank. Then one open sitting of the qualifying exam
(now − 1 h to now + 30 days, Asia/Shanghai, two parallel forms, proctor "proctor") with "trainee"
and "trainee2" registered (with an officer's override where the demo trainee is not eligible),
assembled and scheduled. Idempotent: exams and the sitting are matched by code and left as they are.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from curriculum.models import TechniqueArea
from exams.models import Exam, Registration, Sitting
from exams.services import exams as exam_services
from exams.services.assembly import assembly_pool, sitting_assemble
from exams.services.registration import registration_check, registration_create
from irexam.errors import ApplicationError

QUALIFYING_CODE = "ir-qualifying"
ADVANCED_CODE = "ir-advanced"
SITTING_CODE = "ir-qualifying-demo"

# Section 3.2: qualifying exam, items of 120 per area.
QUALIFYING_ITEMS = {
    "CORE-RAD": 8,
    "CORE-CM": 6,
    "CORE-ACC": 7,
    "CORE-SED": 5,
    "CORE-IMG": 6,
    "CORE-PSC": 8,
    "TACE": 8,
    "ABL": 6,
    "SEED": 4,
    "TIPS": 4,
    "MT": 5,
    "ANEU": 4,
    "AORTA": 5,
    "PAD": 7,
    "HEME": 8,
    "UAE": 4,
    "VP": 5,
    "DIAL": 6,
    "BIL": 7,
    "DRN": 7,
}
# Section 3.3: advanced exam paper 1, items of 60 per area.
ADVANCED_PAPER1_ITEMS = {
    "CORE-RAD": 3,
    "CORE-CM": 2,
    "CORE-ACC": 2,
    "CORE-SED": 1,
    "CORE-IMG": 2,
    "CORE-PSC": 3,
    "TACE": 5,
    "ABL": 4,
    "SEED": 2,
    "TIPS": 4,
    "MT": 4,
    "ANEU": 4,
    "AORTA": 5,
    "PAD": 5,
    "HEME": 5,
    "UAE": 2,
    "VP": 2,
    "DIAL": 2,
    "BIL": 2,
    "DRN": 1,
}
# Section 3.3: advanced exam paper 2, one case per fixed area plus two rotating cases.
ADVANCED_FIXED_CASES = ("TACE", "ABL", "TIPS", "MT", "ANEU", "AORTA", "PAD", "HEME")
ADVANCED_ROTATING_AREAS = ("SEED", "UAE", "VP", "DIAL", "BIL", "DRN")
ADVANCED_ROTATING_CASES = 2

DEMO_OVERRIDE_REASON = (
    "演示：考务办公室为试用演示考试而登记。Demo: registered by the exam office so the demo sitting can be tried."
)


def _supply(exam: Exam) -> Counter:
    """Approved items (identities) available per (area code, level, type) for this exam's pool and language."""
    codes = dict(TechniqueArea.objects.values_list("pk", "code"))
    seen: set = set()
    supply: Counter = Counter()
    for item in assembly_pool(exam):
        key = (codes[item.area], item.level, item.type)
        if (key, item.identity) not in seen:
            seen.add((key, item.identity))
            supply[key] += 1
    return supply


def _rows(
    wanted: dict[str, int], supply: Counter, level: str, item_type: str, say: Callable[[str], None], what: str
) -> list[tuple[str, int]]:
    rows, scaled = [], []
    for area, count in wanted.items():
        have = supply[(area, level, item_type)]
        use = min(count, have)
        if use < count:
            scaled.append(f"{area} {count}→{use}")
        if use:
            rows.append((area, use))
    if scaled:
        say(f"exams: {what} scaled to the approved demo bank: {', '.join(scaled)}")
    return rows


def _build(exam: Exam, by: User, papers: list[tuple[dict, list[tuple[str, int]], str, str]], say) -> None:
    areas = {a.code: a for a in TechniqueArea.objects.all()}
    for number, (fields, rows, level, item_type) in enumerate(papers, start=1):
        total = sum(count for _area, count in rows)
        if not total:
            say(f"exams: {exam.code} paper {number} left out: the bank has no approved items for it yet")
            continue
        paper = exam_services.paper_create(exam=exam, by=by, number=number, item_count=total, **fields)
        for order, (area, count) in enumerate(rows):
            exam_services.blueprint_row_create(
                paper=paper, by=by, area=areas[area], level=level, item_type=item_type, count=count, order=order
            )


@transaction.atomic
def _qualifying(officer: User, say: Callable[[str], None]) -> Exam:
    exam = Exam.objects.filter(code=QUALIFYING_CODE).first()
    if exam is not None:
        return exam
    exam = exam_services.exam_create(
        by=officer,
        code=QUALIFYING_CODE,
        title_zh="介入放射学准入考试（演示）",
        title_en="Interventional radiology qualifying exam (demo)",
        level="Q",
        language="zh-hans",
        purpose=Exam.Purpose.SECURE,
        pass_rule=Exam.PassRule.CONJUNCTIVE,
        rules_zh="单选题，每题只有一个最佳答案。考试期间请勿离开考试页面。",
        rules_en="Single best answer items: one best answer each. Do not leave the exam page during the exam.",
    )
    rows = _rows(QUALIFYING_ITEMS, _supply(exam), "Q", "sba", say, "qualifying exam (120 items)")
    paper = {"title_zh": "综合笔试", "title_en": "Written paper", "duration_minutes": 150}
    _build(exam, officer, [(paper, rows, "Q", "sba")], say)
    return exam


@transaction.atomic
def _advanced(officer: User, say: Callable[[str], None]) -> Exam:
    exam = Exam.objects.filter(code=ADVANCED_CODE).first()
    if exam is not None:
        return exam
    exam = exam_services.exam_create(
        by=officer,
        code=ADVANCED_CODE,
        title_zh="介入放射学高级资格考试（演示）",
        title_en="Interventional radiology advanced qualification exam (demo)",
        level="A",
        language="zh-hans",
        purpose=Exam.Purpose.SECURE,
        pass_rule=Exam.PassRule.CONJUNCTIVE,
        requires_certificate_level="Q",
    )
    supply = _supply(exam)
    paper1 = _rows(ADVANCED_PAPER1_ITEMS, supply, "A", "sba", say, "advanced exam paper 1 (60 items)")
    fixed = _rows(dict.fromkeys(ADVANCED_FIXED_CASES, 1), supply, "A", "case", say, "advanced exam paper 2 cases")
    rotating_pool = sorted(ADVANCED_ROTATING_AREAS, key=lambda a: -supply[(a, "A", "case")])
    rotating = [(a, 1) for a in rotating_pool if supply[(a, "A", "case")]][:ADVANCED_ROTATING_CASES]
    if len(rotating) < ADVANCED_ROTATING_CASES:
        say(f"exams: advanced exam paper 2 has {len(rotating)} of {ADVANCED_ROTATING_CASES} rotating cases")
    gcp = {
        "title_zh": "第一部分 综合临床实践",
        "title_en": "Paper 1: general clinical practice",
        "duration_minutes": 90,
    }
    ccs = {"title_zh": "第二部分 病例分析", "title_en": "Paper 2: clinical case scenarios", "duration_minutes": 120}
    papers = [(gcp, paper1, "A", "sba"), (ccs, fixed + rotating, "A", "case")]
    _build(exam, officer, papers, say)
    return exam


def _sitting(exam: Exam, officer: User, say: Callable[[str], None]) -> Sitting | None:
    sitting = Sitting.objects.filter(code=SITTING_CODE).first()
    if sitting is not None:
        return sitting
    if not exam.papers.exists():
        say("exams: no demo sitting: the qualifying exam has no paper (the bank has no approved secure items)")
        return None
    now = timezone.now()
    proctors = list(User.objects.filter(username="proctor"))
    return exam_services.sitting_create(
        exam=exam,
        by=officer,
        code=SITTING_CODE,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=30),
        time_zone="Asia/Shanghai",
        form_mode=Sitting.FormMode.FIXED,
        form_count=2,
        proctors=proctors,
    )


def _register(sitting: Sitting, officer: User, say: Callable[[str], None]) -> None:
    for username in ("trainee", "trainee2"):
        candidate = User.objects.filter(username=username).first()
        if candidate is None:
            say(f"exams: demo user {username} is missing; not registered")
            continue
        if Registration.objects.filter(
            sitting=sitting, candidate=candidate, status=Registration.Status.REGISTERED
        ).exists():
            continue
        check = registration_check(candidate=candidate, sitting=sitting)
        override = "" if check.eligible else DEMO_OVERRIDE_REASON
        registration_create(sitting=sitting, candidate=candidate, by=officer, override_reason=override)
        if override:
            reasons = "; ".join(str(r.message) for r in check.reasons)
            say(f"exams: {username} registered with an officer override (not eligible: {reasons})")
        else:
            say(f"exams: {username} registered (eligible)")


def load_exams_demo(say: Callable[[str], None]) -> None:
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        say("exams: the demo officer is missing (run the accounts step first); no demo exams")
        return
    qualifying = _qualifying(officer, say)
    _advanced(officer, say)
    sitting = _sitting(qualifying, officer, say)
    if sitting is None:
        return
    _register(sitting, officer, say)
    if sitting.assembled_at is None:
        try:
            result = sitting_assemble(sitting=sitting, by=officer, seed=2026)
        except ApplicationError as exc:
            say(f"exams: the demo sitting could not be assembled: {exc.message}")
            return
        notes = [note for paper in result.papers for note in paper.notes]
        say(f"exams: sitting {sitting.code} assembled ({result.form_count} forms)" + "".join(f"; {n}" for n in notes))
    sitting.refresh_from_db()
    if sitting.status == Sitting.Status.DRAFT:
        exam_services.sitting_update(sitting=sitting, by=officer, status=Sitting.Status.SCHEDULED)
    closes = f"{sitting.closes_at:%Y-%m-%d}"
    say(f"exams: {QUALIFYING_CODE} and {ADVANCED_CODE} defined; sitting {sitting.code} open until {closes}")
