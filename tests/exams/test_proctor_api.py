"""The proctor console: who sees which sitting, the live table (constant queries), actions and pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from exams.models import Attempt, AttemptEvent, Registration, Response
from exams.services.attempts import attempt_pause, attempt_record_event, attempt_start, attempt_takeover
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


@pytest.fixture
def other_proctor(db):
    return UserFactory(username="proctor2", roles=[Role.PROCTOR])


def live(api, delivery):
    return api.get(reverse("api:proctor_live", args=[delivery.sitting.pk]))


def row_of(body, username):
    return next(row for row in body["rows"] if row["candidate"]["username"] == username)


# --- sittings and the live table -----------------------------------------------------------------


def test_a_proctor_sees_the_sittings_assigned_to_them(api_as, proctor, other_proctor, officer, delivery):
    [sitting] = api_as(proctor).get(reverse("api:proctor_sittings")).json()["results"]
    assert sitting["code"] == delivery.sitting.code
    assert sitting["candidates"] == 2
    assert sitting["is_open"] is True
    assert api_as(other_proctor).get(reverse("api:proctor_sittings")).json()["results"] == []
    assert len(api_as(officer).get(reverse("api:proctor_sittings")).json()["results"]) == 1


def test_the_live_table_shows_status_answers_time_activity_and_flags(api_as, proctor, trainee, delivery, attempt):
    Response.objects.create(attempt=attempt, position=1, answer={"choice": "A"}, seq=1)
    Response.objects.create(attempt=attempt, position=2, answer={}, seq=2)  # cleared: not answered
    attempt_record_event(attempt=attempt, kind="focus_lost")
    attempt_record_event(attempt=attempt, kind="hidden")
    attempt_record_event(attempt=attempt, kind="offline")
    attempt_takeover(attempt=attempt)

    response = live(api_as(proctor), delivery)
    assert response.status_code == 200
    body = response.json()
    mine = row_of(body, trainee.username)
    assert mine["attempt"] == attempt.pk
    assert mine["status"] == "in_progress"
    assert (mine["answered"], mine["total"]) == (1, 6)
    assert 3500 < mine["seconds_left"] <= 3600
    assert mine["last_activity_at"]
    assert mine["flags"] == {"focus_lost": 2, "offline": 1, "takeovers": 1}
    other = row_of(body, "other_trainee")
    assert other["status"] == "not_started"
    assert other["attempt"] is None


def test_the_live_table_costs_the_same_queries_for_more_candidates(
    api_as, proctor, officer, delivery, attempt, django_assert_num_queries
):
    api = api_as(proctor)
    live(api, delivery)  # the user's roles are read once and cached on the user
    with django_assert_num_queries(4):  # sitting, papers, registrations, attempts with counts
        live(api, delivery)
    for n in range(5):
        candidate = UserFactory(username=f"crowd{n}")
        registration = Registration.objects.create(sitting=delivery.sitting, candidate=candidate, registered_by=officer)
        started, _ = attempt_start(registration=registration, paper=delivery.paper)
        Response.objects.create(attempt=started, position=1, answer={"choice": "B"}, seq=1)
        attempt_record_event(attempt=started, kind="hidden")
    live(api, delivery)
    with django_assert_num_queries(4):
        body = live(api, delivery).json()
    assert len(body["rows"]) == 7


def test_a_paused_candidates_time_left_is_frozen(api_as, proctor, trainee, delivery, attempt):
    attempt_pause(attempt=attempt, by=proctor, now=timezone.now() - timedelta(minutes=10))
    mine = row_of(live(api_as(proctor), delivery).json(), trainee.username)
    assert mine["status"] == "paused"
    assert mine["seconds_left"] > 3600 - 11 * 60  # frozen ten minutes ago


# --- permissions -----------------------------------------------------------------------------------


def proctor_endpoints(delivery, attempt):
    return [
        ("get", reverse("api:proctor_live", args=[delivery.sitting.pk]), None),
        ("post", reverse("api:proctor_pause_all", args=[delivery.sitting.pk]), {}),
        ("post", reverse("api:proctor_resume_all", args=[delivery.sitting.pk]), {}),
        ("post", reverse("api:proctor_pause", args=[attempt.pk]), {"reason": "x"}),
        ("post", reverse("api:proctor_resume", args=[attempt.pk]), {}),
        ("post", reverse("api:proctor_extend", args=[attempt.pk]), {"minutes": 5, "reason": "x"}),
        ("post", reverse("api:proctor_terminate", args=[attempt.pk]), {"reason": "x"}),
        ("get", reverse("api:proctor_attempt_log", args=[attempt.pk]), None),
    ]


def test_a_proctor_not_assigned_to_the_sitting_gets_404_everywhere(api_as, other_proctor, delivery, attempt):
    for method, url, body in proctor_endpoints(delivery, attempt):
        assert getattr(api_as(other_proctor), method)(url, body, format="json").status_code == 404, url
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS


def test_trainees_and_instructors_get_403(api_as, trainee, instructor, delivery, attempt):
    for user in (trainee, instructor):
        for method, url, body in proctor_endpoints(delivery, attempt):
            assert getattr(api_as(user), method)(url, body, format="json").status_code == 403, url
    assert api_as(trainee).get(reverse("api:proctor_sittings")).status_code == 403


def test_an_officer_may_act_on_any_sitting(api_as, officer, delivery, attempt):
    url = reverse("api:proctor_pause", args=[attempt.pk])
    assert api_as(officer).post(url, {"reason": "check"}, format="json").status_code == 200


# --- actions ----------------------------------------------------------------------------------------


def test_pause_resume_extend_and_terminate_one_candidate(api_as, proctor, attempt):
    api = api_as(proctor)
    paused = api.post(reverse("api:proctor_pause", args=[attempt.pk]), {"reason": "unwell"}, format="json")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    resumed = api.post(reverse("api:proctor_resume", args=[attempt.pk]), {}, format="json")
    assert resumed.json()["status"] == "in_progress"
    url = reverse("api:proctor_extend", args=[attempt.pk])
    assert api.post(url, {"minutes": 10, "reason": ""}, format="json").json()["code"] == "reason_required"
    extended = api.post(url, {"minutes": 10, "reason": "computer restarted"}, format="json")
    assert extended.json()["extension_minutes"] == 10
    url = reverse("api:proctor_terminate", args=[attempt.pk])
    assert api.post(url, {"reason": ""}, format="json").status_code == 400
    ended = api.post(url, {"reason": "phone in use"}, format="json")
    assert ended.json()["status"] == "terminated"
    kinds = list(AttemptEvent.objects.filter(attempt=attempt, actor__username="proctor").values_list("kind", flat=True))
    assert kinds == ["pause", "unpause", "extend", "terminate"]


def test_pause_and_resume_everyone(api_as, proctor, delivery, attempt):
    other, _ = attempt_start(registration=delivery.other_registration, paper=delivery.paper)
    api = api_as(proctor)
    paused = api.post(reverse("api:proctor_pause_all", args=[delivery.sitting.pk]), {}, format="json")
    assert paused.json() | {"server_now": None} == {"changed": 2, "skipped": 0, "server_now": None}
    assert set(Attempt.objects.values_list("status", flat=True)) == {"paused"}
    resumed = api.post(reverse("api:proctor_resume_all", args=[delivery.sitting.pk]), {}, format="json")
    assert resumed.json()["changed"] == 2
    assert set(Attempt.objects.values_list("status", flat=True)) == {"in_progress"}
    assert AttemptEvent.objects.filter(kind="pause", data__reason__isnull=False).count() == 2


def test_the_attempt_log_lists_events_newest_first(api_as, proctor, attempt):
    attempt_record_event(attempt=attempt, kind="hidden")
    events = api_as(proctor).get(reverse("api:proctor_attempt_log", args=[attempt.pk])).json()["events"]
    assert [e["kind"] for e in events] == ["hidden", "start"]


# --- pages -----------------------------------------------------------------------------------------


def test_the_console_pages(client_as, proctor, delivery, attempt):
    client = client_as(proctor)
    listing = client.get(reverse("exams:proctor_sittings"))
    assert listing.status_code == 200
    assert delivery.sitting.code in listing.content.decode()
    console = client.get(reverse("exams:proctor_console", args=[delivery.sitting.pk]))
    assert console.status_code == 200
    html = console.content.decode()
    assert "exams/proctor.js" in html
    assert reverse("api:proctor_live", args=[delivery.sitting.pk]) in html
    assert reverse("exams:proctor_action", args=[attempt.pk, "pause"]) in html
    log = client.get(reverse("exams:proctor_attempt_log", args=[attempt.pk]))
    assert log.status_code == 200


def test_the_console_action_forms_work_without_javascript(client_as, proctor, delivery, attempt):
    client = client_as(proctor)
    response = client.post(
        reverse("exams:proctor_action", args=[attempt.pk, "extend"]), {"minutes": "7", "reason": "late"}
    )
    assert response.status_code == 302
    assert Attempt.objects.get(pk=attempt.pk).extension_seconds == 7 * 60
    response = client.post(
        reverse("exams:proctor_action", args=[attempt.pk, "extend"]), {"minutes": "x", "reason": "r"}
    )
    assert response.status_code == 302  # the error is shown as a message on the console
    client.post(reverse("exams:proctor_sitting_action", args=[delivery.sitting.pk, "pause-all"]), {})
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.PAUSED
    client.post(reverse("exams:proctor_action", args=[attempt.pk, "resume"]), {})
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.IN_PROGRESS
    client.post(reverse("exams:proctor_action", args=[attempt.pk, "terminate"]), {"reason": "misconduct"})
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.TERMINATED


def test_console_pages_of_another_sitting_are_404_and_trainees_get_403(
    client, other_proctor, trainee, delivery, attempt
):
    client.force_login(other_proctor)
    assert client.get(reverse("exams:proctor_console", args=[delivery.sitting.pk])).status_code == 404
    assert client.post(reverse("exams:proctor_action", args=[attempt.pk, "pause"])).status_code == 404
    client.force_login(trainee)
    assert client.get(reverse("exams:proctor_sittings")).status_code == 403


def test_the_proctor_dashboard_lists_the_sitting(client_as, proctor, delivery):
    response = client_as(proctor).get(reverse("accounts:role_dashboard", args=["proctor"]))
    assert response.status_code == 200
    assert delivery.sitting.code in response.content.decode()
