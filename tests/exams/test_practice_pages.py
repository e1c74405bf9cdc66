"""Practice pages: start, the practice page, progress with charts, the instructor's view, problem
reports and the dashboard panels; who may see which."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from curriculum.models import TechniqueArea
from exams.models import ItemProblemReport, PracticeSession
from exams.services.practice import practice_answer_save, practice_problem_report, practice_session_start
from tests.exams.practice_data import PRACTICE_SECRET, make_item

pytestmark = pytest.mark.django_db


def _answered_session(trainee, choice="B"):
    session = practice_session_start(trainee=trainee, mode="tutor", count=1)
    practice_answer_save(session=session, position=1, answer={"choice": choice}, seq=1)
    return session


def test_the_start_page_starts_a_session_and_opens_the_practice_page(client_as, trainee):
    make_item(n=1)
    client = client_as(trainee)
    page = client.get(reverse("exams:practice_start"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    area = TechniqueArea.objects.get(code="TACE")
    response = client.post(
        reverse("exams:practice_start"), {"mode": "tutor", "source": "selection", "count": 5, "areas": [area.pk]}
    )
    session = PracticeSession.objects.get(trainee=trainee)
    assert response.status_code == 302 and response.url == reverse("exams:practice_session", args=[session.pk])
    practice_page = client.get(response.url)
    assert practice_page.status_code == 200
    assert PRACTICE_SECRET not in practice_page.content.decode()


def test_the_start_page_says_when_nothing_qualifies(client_as, trainee):
    make_item(pool="secure", n=1)
    with translation.override("en"):
        response = client_as(trainee).post(
            reverse("exams:practice_start"),
            {"mode": "tutor", "source": "selection", "count": 5},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "There are no practice questions for this choice yet." in response.content.decode()


def test_another_trainees_practice_page_is_not_found(client_as, trainee, other_trainee):
    make_item(n=1)
    session = practice_session_start(trainee=trainee, mode="tutor", count=1)
    assert client_as(other_trainee).get(reverse("exams:practice_session", args=[session.pk])).status_code == 404


def test_the_progress_page_draws_mastery_trend_and_readiness(client_as, trainee):
    make_item(n=1)
    _answered_session(trainee)
    body = client_as(trainee).get(reverse("exams:practice_progress"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<svg" in body and 'class="trend-chart"' in body and 'class="mastery-chart"' in body
    assert reverse("curriculum:area", args=["TACE"]) in body  # weakest area → its objectives


def test_instructors_see_their_trainees_only(client_as, trainee, other_trainee, instructor):
    make_item(n=1)
    _answered_session(trainee)
    _answered_session(other_trainee)
    client = client_as(instructor)
    body = client.get(reverse("exams:practice_instructor")).content.decode()
    assert trainee.display_name in body and other_trainee.display_name not in body
    assert client.get(reverse("exams:practice_instructor_trainee", args=[trainee.pk])).status_code == 200
    assert client.get(reverse("exams:practice_instructor_trainee", args=[other_trainee.pk])).status_code == 404


def test_trainees_cannot_open_instructor_pages(client_as, trainee):
    client = client_as(trainee)
    assert client.get(reverse("exams:practice_instructor")).status_code == 403
    assert client.get(reverse("exams:practice_reports")).status_code == 403


def test_the_author_sees_and_resolves_problem_reports_on_the_dashboard(client_as, trainee, instructor, reviewer):
    make_item(n=1, by=instructor)
    session = _answered_session(trainee)
    practice_problem_report(item=session.items.get(), reporter=trainee, text="The key looks wrong.")
    client = client_as(instructor)
    dashboard = client.get(reverse("accounts:role_dashboard", args=["instructor"])).content.decode()
    assert "The key looks wrong." in dashboard
    assert "The key looks wrong." in client.get(reverse("exams:practice_reports")).content.decode()
    report = ItemProblemReport.objects.get()
    other = client_as(reviewer).post(reverse("exams:practice_report_resolve", args=[report.pk]), {"reply": "x"})
    assert other.status_code == 404
    client = client_as(instructor)
    client.post(reverse("exams:practice_report_resolve", args=[report.pk]), {"reply": "Re-keyed."})
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolution == "Re-keyed."


def test_the_trainee_dashboard_shows_practice(client_as, trainee):
    make_item(n=1)
    _answered_session(trainee)
    body = client_as(trainee).get(reverse("accounts:role_dashboard", args=["trainee"])).content.decode()
    assert reverse("exams:practice_start") in body


def test_the_demo_gives_the_demo_trainee_a_practice_history(trainee, client_as):
    from exams.demo_practice import load_practice_demo

    for n in range(1, 13):
        make_item(n=n, area="TACE" if n % 2 else "TIPS", b=(n - 6) / 3)
    messages = []
    load_practice_demo(messages.append)
    sessions = PracticeSession.objects.filter(trainee=trainee)
    assert sessions.count() == 8 and all(s.is_finished for s in sessions)
    assert {s.mode for s in sessions} == {"tutor", "simulation", "adaptive"}
    load_practice_demo(messages.append)  # idempotent
    assert PracticeSession.objects.filter(trainee=trainee).count() == 8
    body = client_as(trainee).get(reverse("exams:practice_progress")).content.decode()
    assert body.count("<circle") >= 3  # several weeks on the trend chart
