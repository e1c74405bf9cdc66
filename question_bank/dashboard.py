"""Dashboard panels and navigation of the question bank pages (registered from ``QuestionBankConfig.ready``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from question_bank.models import Question, VersionStatus
from question_bank.selectors import approved_versions, review_queue


def instructor_panel(request: HttpRequest) -> dict:
    """The instructor's own drafts and the versions sent back to them."""
    mine = Question.objects.filter(latest_version__author=request.user, is_retired=False)
    return {
        "drafts": mine.filter(latest_version__status=VersionStatus.DRAFT).count(),
        "changes_requested": mine.filter(latest_version__status=VersionStatus.CHANGES_REQUESTED).count(),
    }


def reviewer_panel(request: HttpRequest) -> dict:
    return {"waiting": review_queue(request.user).count()}


def officer_panel(request: HttpRequest) -> dict:
    return {"approved": approved_versions().count()}


def register_pages() -> None:
    """Navigation entries and dashboard panels for instructors, reviewers and officers."""
    from accounts.dashboards import register_nav, register_panel
    from accounts.roles import Role

    register_nav(Role.INSTRUCTOR, "question_bank:list", _("Question bank"), order=30)
    register_nav(Role.INSTRUCTOR, "question_bank:create", _("New question"), order=31)
    register_nav(Role.REVIEWER, "question_bank:review_queue", _("Review queue"), order=30)
    register_nav(Role.OFFICER, "question_bank:list", _("Question bank"), order=30)
    register_nav(Role.OFFICER, "question_bank:coverage", _("Blueprint coverage"), order=31)

    register_panel(Role.INSTRUCTOR, "question_bank/panels/instructor.html", instructor_panel, order=30)
    register_panel(Role.REVIEWER, "question_bank/panels/reviewer.html", reviewer_panel, order=30)
    register_panel(Role.OFFICER, "question_bank/panels/officer.html", officer_panel, order=30)
