"""Practice API routes (docs/practice.md)."""

from django.urls import path

from exams.api import practice

urlpatterns = [
    path("practice/sessions/", practice.PracticeSessionListApi.as_view(), name="practice_sessions"),
    path("practice/sessions/<int:session_id>/", practice.PracticeSessionDetailApi.as_view(), name="practice_session"),
    path(
        "practice/sessions/<int:session_id>/items/<int:position>/",
        practice.PracticeAnswerSaveApi.as_view(),
        name="practice_answer_save",
    ),
    path(
        "practice/sessions/<int:session_id>/items/<int:position>/feedback/",
        practice.PracticeFeedbackApi.as_view(),
        name="practice_feedback",
    ),
    path(
        "practice/sessions/<int:session_id>/items/<int:position>/problem/",
        practice.PracticeProblemReportApi.as_view(),
        name="practice_problem",
    ),
    path("practice/sessions/<int:session_id>/finish/", practice.PracticeFinishApi.as_view(), name="practice_finish"),
    path("practice/bookmarks/", practice.PracticeBookmarkListApi.as_view(), name="practice_bookmarks"),
    path("practice/bookmarks/<int:question_id>/", practice.PracticeBookmarkApi.as_view(), name="practice_bookmark"),
    path("practice/mastery/", practice.PracticeMasteryApi.as_view(), name="practice_mastery"),
    path("practice/instructor/trainees/", practice.InstructorTraineesApi.as_view(), name="practice_instructor"),
    path(
        "practice/instructor/trainees/<int:user_id>/mastery/",
        practice.InstructorTraineeMasteryApi.as_view(),
        name="practice_instructor_trainee",
    ),
    path("practice/problem-reports/", practice.ProblemReportListApi.as_view(), name="practice_problem_reports"),
    path(
        "practice/problem-reports/<int:report_id>/resolve/",
        practice.ProblemReportResolveApi.as_view(),
        name="practice_problem_resolve",
    ),
]
