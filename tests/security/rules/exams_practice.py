"""exams practice mode (issue 9): the trainee's sessions, answers, feedback, bookmarks, problem reports,
mastery; the instructor's view of their trainees; the author's problem reports.

``world.practice_session`` is ``trainee``'s tutor session whose question 1 is answered (so its
feedback may be read); the question is a practice item authored by ``instructor``, who supervises
``trainee``; ``world.practice_report`` is ``trainee``'s problem report on it.
"""

from tests.security.roles import INSTRUCTOR, REVIEWER, TRAINEE, TRAINEES

SESSION = {"session_id": "practice_session_id"}
ITEM = {"session_id": "practice_session_id", "position": lambda world: 1}


def extend_world(world):
    from django.utils import timezone

    from exams.services.practice import practice_answer_save, practice_problem_report, practice_session_start
    from question_bank.models import Question, QuestionVersion

    question = Question.objects.create(area=world.area, created_by=world.instructor)
    content = {
        "type": "sba",
        "stem": "Practice stem.",
        "lead_in": "Which one?",
        "options": [{"id": "A", "text": "One"}, {"id": "B", "text": "Two"}, {"id": "C", "text": "Three"}],
        "key": ["B"],
        "explanation": "Because.",
    }
    version = QuestionVersion.objects.create(
        question=question, number=1, status="approved", content=content, level="Q", pool="practice",
        author=world.instructor, approved_at=timezone.now(),
    )  # fmt: skip
    Question.objects.filter(pk=question.pk).update(current_version=version, latest_version=version)
    session = practice_session_start(trainee=world.trainee, mode="tutor", count=1, area_ids=[world.area.pk])
    practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=1)
    world.practice_session_id = session.pk
    world.practice_question_id = question.pk
    world.practice_report = practice_problem_report(item=session.items.get(), reporter=world.trainee, text="Typo.")


RULES = {
    "exams:practice_start": {"GET": TRAINEES, "POST": TRAINEES, "note": "an empty form is shown again"},
    "exams:practice_session": {"GET": {TRAINEE}, "kwargs": SESSION},
    "exams:practice_progress": {"GET": TRAINEES},
    "exams:practice_instructor": {"GET": {INSTRUCTOR, REVIEWER}, "note": "reviewer holds the instructor role"},
    "exams:practice_instructor_trainee": {
        "GET": {INSTRUCTOR},
        "kwargs": {"user_id": lambda world: world.trainee.pk},
        "note": "only the trainee's supervisor",
    },
    "exams:practice_reports": {"GET": {INSTRUCTOR, REVIEWER}, "note": "each sees reports on their own items"},
    "exams:practice_report_resolve": {
        "POST": {INSTRUCTOR},
        "kwargs": {"report_id": lambda world: world.practice_report.pk},
        "note": "only the item's author",
    },
    "api:practice_sessions": {"GET": TRAINEES, "POST": TRAINEES, "note": "own sessions; an empty body is a 400"},
    "api:practice_session": {"GET": {TRAINEE}, "kwargs": SESSION},
    "api:practice_answer_save": {"PUT": {TRAINEE}, "kwargs": ITEM},
    "api:practice_feedback": {"GET": {TRAINEE}, "kwargs": ITEM},
    "api:practice_problem": {"POST": {TRAINEE}, "kwargs": ITEM},
    "api:practice_finish": {"POST": {TRAINEE}, "kwargs": SESSION},
    "api:practice_bookmarks": {"GET": TRAINEES},
    "api:practice_bookmark": {
        "PUT": {TRAINEE},
        "DELETE": {TRAINEE},
        "kwargs": {"question_id": "practice_question_id"},
        "note": "only a question the trainee met in practice",
    },
    "api:practice_mastery": {"GET": TRAINEES},
    "api:practice_instructor": {"GET": {INSTRUCTOR, REVIEWER}},
    "api:practice_instructor_trainee": {"GET": {INSTRUCTOR}, "kwargs": {"user_id": lambda world: world.trainee.pk}},
    "api:practice_problem_reports": {"GET": {INSTRUCTOR, REVIEWER}},
    "api:practice_problem_resolve": {
        "POST": {INSTRUCTOR},
        "kwargs": {"report_id": lambda world: world.practice_report.pk},
    },
}
