"""Practice test data: approved versions in the practice and the secure pool, with recognisable secrets."""

from __future__ import annotations

from django.utils import timezone

from accounts.roles import Role
from curriculum.models import TechniqueArea
from question_bank.models import ItemStatistic, Question, QuestionVersion
from tests.factories import UserFactory

PRACTICE_SECRET = "PRACTICE-EXPLANATION-5d1e"
SECURE_MARK = "SECURE-ITEM-STEM-0b7c"


def sba(n: int, *, key: str = "B", stem: str = "", explanation: str = "") -> dict:
    return {
        "type": "sba",
        "stem": stem or f"Practice stem {n}.",
        "lead_in": f"Which option is right for question {n}?",
        "options": [{"id": oid, "text": f"Option {oid} of {n}"} for oid in "ABCD"],
        "key": [key],
        "explanation": explanation or f"{PRACTICE_SECRET}-{n}: why {key} is right.",
        "references": [f"Reference {n}"],
    }


def author(username: str = "practice_author"):
    user = QuestionVersion.objects.filter(author__username=username).values_list("author", flat=True).first()
    if user:
        from accounts.models import User

        return User.objects.get(pk=user)
    return UserFactory(username=username, roles=[Role.INSTRUCTOR])


def make_item(
    *,
    area: str = "TACE",
    pool: str = "practice",
    level: str = "Q",
    status: str = "approved",
    content: dict | None = None,
    estimate: float | None = 0.5,
    b: float | None = None,
    by=None,
    n: int = 0,
    current: bool = True,
) -> QuestionVersion:
    """One question with one version; ``current`` makes it the question's current approved version."""
    by = by or author()
    question = Question.objects.create(area=TechniqueArea.objects.get(code=area), created_by=by)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status=status,
        content=content or sba(n or question.pk),
        level=level,
        pool=pool,
        author=by,
        difficulty_estimate=estimate,
        approved_at=timezone.now() if status == "approved" else None,
    )
    question.latest_version = version
    if current and status == "approved":
        question.current_version = version
    question.save()
    if b is not None:
        ItemStatistic.objects.create(
            version=version, unit_id="", source="sitting:1", computed_at=timezone.now(), n=100, b=b
        )
    return version
