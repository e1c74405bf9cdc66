"""Test data for scoring, key validation, standard setting and results (M).

``build_scoring_sitting`` makes a closed sitting with one paper, one form of the six delivery
items (``tests.exams.conftest.delivery_contents``: sba, mrq, tf, emq, order, case) and four
candidates whose answers are chosen so every score below can be worked out by hand.

Units (8): 1 sba · 2 mrq (partial, key A B D) · 3 tf · 4:1, 4:2 emq stems · 5 order (adjacent)
· 6:q1, 6:q2 case questions. Areas: TACE = positions 1, 2, 6 (4 units); ANEU = 3, 4 (3 units);
CORE-ACC = 5 (1 unit).

=========  =====  =====  ==  =====  =====  =====  =====  =====  =====
candidate  1 sba  2 mrq  3   4:1    4:2    5 ord  6:q1   6:q2   raw
=========  =====  =====  ==  =====  =====  =====  =====  =====  =====
c1         B 1    ABD 1  T1  A 1    B 1    ABCD 1 A 1    A 1    8
c2         A 0    AB 2/3 T1  A 1    C 0    BACD   A* 1   B 0    4 1/3
                                           2/3
c3         B 1    AC 0   F0  -      -      -      B 0    A 1    2
c4         B 1    ABCD   T1  A 1    B 1    ABDC   A 1    A 1    7 1/3
                  2/3                      2/3
=========  =====  =====  ==  =====  =====  =====  =====  =====  =====

(*) c2 moved on from stage s1 with q1 = A and later changed it to B: the locked answer A counts.
A fifth registration has an attempt still in progress: it is not scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.utils import timezone

from accounts.roles import Role
from exams.delivery import layout_entry
from exams.models import Attempt, Exam, Form, FormItem, Paper, Registration, Response, Sitting
from tests.exams.conftest import delivery_contents
from tests.factories import UserFactory

AREAS = {1: "TACE", 2: "TACE", 3: "ANEU", 4: "ANEU", 5: "CORE-ACC", 6: "TACE"}

ANSWERS = {
    "c1": {
        1: {"choice": "B"},
        2: {"choices": ["A", "B", "D"]},
        3: {"choice": "T"},
        4: {"answers": {"1": "A", "2": "B"}},
        5: {"order": ["A", "B", "C", "D"]},
        6: {"answers": {"q1": {"choice": "A"}, "q2": {"choice": "A"}}},
    },
    "c2": {
        1: {"choice": "A"},
        2: {"choices": ["A", "B"]},
        3: {"choice": "T"},
        4: {"answers": {"1": "A", "2": "C"}},
        5: {"order": ["B", "A", "C", "D"]},
        6: {"answers": {"q1": {"choice": "B"}, "q2": {"choice": "B"}}},
    },
    "c3": {
        1: {"choice": "B"},
        2: {"choices": ["A", "C"]},
        3: {"choice": "F"},
        6: {"answers": {"q1": {"choice": "B"}, "q2": {"choice": "A"}}},
    },
    "c4": {
        1: {"choice": "B"},
        2: {"choices": ["A", "B", "C", "D"]},
        3: {"choice": "T"},
        4: {"answers": {"1": "A", "2": "B"}},
        5: {"order": ["A", "B", "D", "C"]},
        6: {"answers": {"q1": {"choice": "A"}, "q2": {"choice": "A"}}},
    },
}
#: c2's case set: stage s1 locked with q1 = A before the answer was changed to B.
CASE_STAGES = {"c2": {"6": {"stage": 1, "locked": {"q1": {"choice": "A"}}}}}

EXPECTED_RAW = {"c1": 8.0, "c2": 4 + 1 / 3, "c3": 2.0, "c4": 7 + 1 / 3}
EXPECTED_AREAS = {
    "c1": {"TACE": 4.0, "ANEU": 3.0, "CORE-ACC": 1.0},
    "c2": {"TACE": 1 + 2 / 3, "ANEU": 2.0, "CORE-ACC": 2 / 3},
    "c3": {"TACE": 2.0, "ANEU": 0.0, "CORE-ACC": 0.0},
    "c4": {"TACE": 3 + 2 / 3, "ANEU": 3.0, "CORE-ACC": 2 / 3},
}
AREA_MAX = {"TACE": 4.0, "ANEU": 3.0, "CORE-ACC": 1.0}


@dataclass
class ScoringSitting:
    exam: Exam
    paper: Paper
    sitting: Sitting
    form: Form
    versions: dict[int, object]
    candidates: dict[str, object]
    registrations: dict[str, Registration]
    attempts: dict[str, Attempt] = field(default_factory=dict)


def _contents() -> list[dict]:
    contents = delivery_contents()
    contents[4]["scoring"] = "adjacent"  # the ordering item gives credit per adjacent pair
    return contents


def _version(content: dict, area_code: str, author, n: int):
    from curriculum.models import TechniqueArea
    from question_bank.models import Question, QuestionVersion

    area = TechniqueArea.objects.get(code=area_code)
    question = Question.objects.create(area=area, created_by=author)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status="approved",
        content=content,
        level="Q",
        pool="secure",
        author=author,
        approved_at=timezone.now(),
    )
    return version, area


def build_scoring_sitting(
    *, officer, pass_rule: str = Exam.PassRule.CONJUNCTIVE, code: str = "ir-score"
) -> ScoringSitting:
    """The hand-computed sitting of the module docstring (status: closed)."""
    now = timezone.now()
    author = UserFactory(username=f"{code}-author", roles=[Role.INSTRUCTOR])
    exam = Exam.objects.create(
        code=code, title_zh="评分测试", title_en="Scoring test", level="Q", pass_rule=pass_rule, created_by=officer
    )
    paper = Paper.objects.create(exam=exam, number=1, title_zh="第一部分", duration_minutes=60, item_count=6)
    sitting = Sitting.objects.create(
        exam=exam,
        code=f"{code}-2026",
        opens_at=now - timedelta(hours=5),
        closes_at=now - timedelta(hours=1),
        status=Sitting.Status.CLOSED,
        created_by=officer,
    )
    form = Form.objects.create(sitting=sitting, paper=paper, label="A", seed=1)
    versions, layout = {}, []
    for position, content in enumerate(_contents(), start=1):
        version, area = _version(content, AREAS[position], author, position)
        FormItem.objects.create(form=form, position=position, version=version, area=area)
        versions[position] = version
        layout.append(layout_entry(position, content))
    form.layout = layout
    form.save(update_fields=["layout"])
    built = ScoringSitting(exam, paper, sitting, form, versions, {}, {})
    for name in [*ANSWERS, "c5"]:
        candidate = UserFactory(username=f"{code}-{name}", roles=[Role.TRAINEE])
        registration = Registration.objects.create(sitting=sitting, candidate=candidate, registered_by=officer)
        status = Attempt.Status.IN_PROGRESS if name == "c5" else Attempt.Status.SUBMITTED
        attempt = Attempt.objects.create(
            registration=registration,
            paper=paper,
            form=form,
            candidate=candidate,
            status=status,
            started_at=now - timedelta(hours=4),
            deadline_at=now - timedelta(hours=3),
            submitted_at=None if name == "c5" else now - timedelta(hours=3),
            case_stages=CASE_STAGES.get(name, {}),
        )
        answers = ANSWERS.get(name, {1: {"choice": "B"}})
        Response.objects.bulk_create(
            [Response(attempt=attempt, position=p, answer=a, seq=p) for p, a in answers.items()]
        )
        built.candidates[name] = candidate
        built.registrations[name] = registration
        built.attempts[name] = attempt
    return built


def build_simulated_sitting(
    *, officer, n_candidates: int = 60, seed: int = 7, code: str = "ir-sim", exam=None, versions=None, shift=0.0
):
    """A closed sitting with two forms of 12 sba items sharing 6 (positions 1-6), Rasch-simulated answers.

    Returns (sitting, paper, forms, versions); ``versions`` (pairs of version and true difficulty) and
    ``exam`` may come from an earlier call, to build a later sitting of the same exam sharing its items.
    ``shift`` moves the candidates' mean ability. Every item has key "A" and options A-D.
    """
    from curriculum.models import TechniqueArea
    from question_bank.models import Question, QuestionVersion

    rng = np.random.default_rng(seed)
    now = timezone.now()
    author = UserFactory(username=f"{code}-author", roles=[Role.INSTRUCTOR])
    if exam is None:
        exam = Exam.objects.create(code=code, title_zh="模拟", level="Q", created_by=officer)
        paper = Paper.objects.create(exam=exam, number=1, title_zh="第一部分", duration_minutes=60, item_count=12)
    else:
        paper = exam.papers.get(number=1)
    sitting = Sitting.objects.create(
        exam=exam,
        code=f"{code}-2026",
        opens_at=now - timedelta(hours=5),
        closes_at=now - timedelta(hours=1),
        status=Sitting.Status.CLOSED,
        created_by=officer,
    )
    area = TechniqueArea.objects.get(code="TACE")
    difficulties = np.linspace(-1.5, 1.5, 18)
    new_versions = []
    for n, b in enumerate(difficulties if versions is None else []):
        content = {
            "type": "sba",
            "stem": f"Simulated item {n + 1}.",
            "lead_in": "Choose the best answer.",
            "options": [{"id": letter, "text": f"Option {letter}"} for letter in "ABCD"],
            "key": ["A"],
        }
        question = Question.objects.create(area=area, created_by=author)
        new_versions.append(
            (
                QuestionVersion.objects.create(
                    question=question,
                    number=1,
                    status="approved",
                    content=content,
                    level="Q",
                    pool="secure",
                    author=author,
                    approved_at=now,
                ),
                float(b),
            )
        )
    versions = versions or new_versions
    forms = []
    for label, extra in (("A", versions[6:12]), ("B", versions[12:18])):
        form = Form.objects.create(sitting=sitting, paper=paper, label=label, seed=1)
        chosen = versions[:6] + extra
        for position, (version, _b) in enumerate(chosen, start=1):
            FormItem.objects.create(form=form, position=position, version=version, area=area)
        form.layout = [layout_entry(p, v.content) for p, (v, _b) in enumerate(chosen, start=1)]
        form.save(update_fields=["layout"])
        forms.append((form, chosen))
    # bulk: no password hashing, three INSERTs for the candidates, their registrations and attempts
    from accounts.models import User

    users = User.objects.bulk_create(
        [User(username=f"{code}-cand-{i}", email=f"{code}-{i}@example.org") for i in range(n_candidates)]
    )
    registrations = Registration.objects.bulk_create(
        [Registration(sitting=sitting, candidate=user, registered_by=officer) for user in users]
    )
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                registration=registration,
                paper=paper,
                form=forms[i % 2][0],
                candidate=registration.candidate,
                status=Attempt.Status.SUBMITTED,
                started_at=now - timedelta(hours=4),
                deadline_at=now - timedelta(hours=3),
                submitted_at=now - timedelta(hours=3),
            )
            for i, registration in enumerate(registrations)
        ]
    )
    responses = []
    for i, attempt in enumerate(attempts):
        _form, chosen = forms[i % 2]
        theta = rng.normal() + shift
        for position, (_version_obj, b) in enumerate(chosen, start=1):
            correct = rng.random() < 1.0 / (1.0 + np.exp(-(theta - b)))
            choice = "A" if correct else "BCD"[int(rng.integers(3))]
            responses.append(Response(attempt=attempt, position=position, answer={"choice": choice}, seq=position))
    Response.objects.bulk_create(responses)
    return sitting, paper, [form for form, _ in forms], versions
