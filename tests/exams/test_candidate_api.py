"""The candidate's delivery API and pages: the contract of docs/exam-delivery-api.md, permissions, query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.delivery import layout_entry
from exams.models import Attempt, AttemptEvent, FormItem, ItemComment, Response, Sitting
from exams.services.attempts import _LAYOUT_CACHE, attempt_start, attempt_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def start(api, delivery, **extra):
    body = {"registration": delivery.registration.pk, "paper": delivery.paper.pk, **extra}
    return api.post(reverse("api:attempt_start"), body, format="json")


@pytest.fixture
def attempt(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


# --- my sittings ---------------------------------------------------------------------------------


def test_my_sittings_lists_the_registration_its_papers_and_whether_they_can_start(api_as, trainee, delivery):
    response = api_as(trainee).get(reverse("api:my_sittings"))
    assert response.status_code == 200
    body = response.json()
    assert "server_now" in body
    [entry] = body["results"]
    assert entry["sitting"]["code"] == delivery.sitting.code
    assert entry["sitting"]["exam"]["code"] == delivery.exam.code
    assert entry["sitting"]["time_zone"] == "Asia/Shanghai"
    [paper] = entry["papers"]
    assert paper == {
        "id": delivery.paper.pk,
        "number": 1,
        "title": paper["title"],
        "duration_minutes": 60,
        "duration_with_accommodation_minutes": 60,
        "item_count": 6,
        "attempt": None,
        "can_start": True,
        "start_warning": "",
    }


def test_my_sittings_shows_only_my_registrations(api_as, other_trainee, trainee, delivery):
    body = api_as(other_trainee).get(reverse("api:my_sittings")).json()
    assert [r["registration"] for r in body["results"]] == [delivery.other_registration.pk]


def test_my_sittings_cannot_start_before_the_window_opens(api_as, trainee, delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(
        opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=1, hours=3)
    )
    [entry] = api_as(trainee).get(reverse("api:my_sittings")).json()["results"]
    assert entry["papers"][0]["can_start"] is False
    assert entry["is_past"] is False


# --- start, state, session -----------------------------------------------------------------------


def test_start_returns_201_with_the_state_and_a_token_then_200_with_the_same_attempt(api_as, trainee, delivery):
    api = api_as(trainee)
    first = start(api, delivery)
    assert first.status_code == 201, first.content
    second = start(api, delivery)
    assert second.status_code == 200
    assert first.json()["attempt"]["id"] == second.json()["attempt"]["id"]
    assert Attempt.objects.count() == 1
    # the second start opened the attempt in a new browser session: the first token stops working
    assert first.json()["token"] != second.json()["token"]


def test_start_refuses_a_wrong_access_code_with_a_clear_message(api_as, trainee, delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(access_code="4711")
    response = start(api_as(trainee), delivery, access_code="1234")
    assert response.status_code == 400
    assert response.json()["code"] == "access_code"
    assert response.json()["detail"]
    assert start(api_as(trainee), delivery, access_code="4711").status_code == 201


def test_start_on_someone_elses_registration_is_404(api_as, other_trainee, delivery):
    response = start(api_as(other_trainee), delivery)
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_the_state_follows_the_contract(api_as, trainee, delivery, attempt):
    response = api_as(trainee).get(reverse("api:attempt_detail", args=[attempt.pk]))
    assert response.status_code == 200
    state = response.json()
    expected_keys = {"id", "status", "server_now", "deadline_at", "seconds_left", "grace_seconds", "started_at"}
    expected_keys |= {"paper", "exam", "items", "responses", "case_stages", "paused"}
    assert expected_keys <= set(state)
    assert state["status"] == "in_progress"
    assert state["grace_seconds"] == 30
    assert 3590 <= state["seconds_left"] <= 3600
    assert state["paper"] == {"number": 1, "title": state["paper"]["title"], "duration_minutes": 60, "item_count": 6}
    assert state["exam"]["code"] == delivery.exam.code
    assert state["server_now"].endswith("Z")
    assert [item["position"] for item in state["items"]] == [1, 2, 3, 4, 5, 6]
    assert [item["type"] for item in state["items"]] == ["sba", "mrq", "tf", "emq", "order", "case"]
    emq = state["items"][3]
    assert [stem["id"] for stem in emq["stems"]] == ["1", "2"]
    case = state["items"][5]
    assert case["stage_count"] == 2
    assert len(case["stages"]) == 1  # later stages are withheld
    assert case["stages"][0]["questions"][0]["options"][0].keys() == {"id", "label", "html"}


def test_the_state_includes_my_responses(api_as, trainee, attempt):
    Response.objects.create(attempt=attempt, position=2, answer={"choices": ["A"]}, flagged=True, seq=4)
    state = api_as(trainee).get(reverse("api:attempt_detail", args=[attempt.pk])).json()
    assert state["responses"] == {"2": {"answer": {"choices": ["A"]}, "flagged": True, "seq": 4}}


def test_the_state_costs_the_same_queries_whatever_the_number_of_items(
    api_as, trainee, delivery, attempt, django_assert_num_queries
):
    api = api_as(trainee)
    url = reverse("api:attempt_detail", args=[attempt.pk])
    api.get(url)
    with django_assert_num_queries(3):  # attempt (+ paper, exam, form, sitting), responses, the form's slots
        api.get(url)  # the paper itself comes from the cache (exams.selectors.form_paper)
    # add six more items (the same versions again) to the form
    layout = list(delivery.form.layout)
    for position in range(7, 13):
        version = delivery.versions[position - 6]
        FormItem.objects.create(form=delivery.form, position=position, version=version, area_id=1)
        layout.append(layout_entry(position, version.content))
    delivery.form.layout = layout
    delivery.form.save(update_fields=["layout"])
    _LAYOUT_CACHE.clear()
    with django_assert_num_queries(4):  # the slots changed: the paper is read again (one join)
        state = api.get(url).json()
    assert len(state["items"]) == 12
    with django_assert_num_queries(3):
        assert api.get(url).json()["items"] == state["items"]


def test_the_session_endpoint_takes_the_attempt_over_and_records_it(api_as, trainee, attempt):
    old_token = attempt_token(attempt)
    response = api_as(trainee).post(reverse("api:attempt_session", args=[attempt.pk]))
    assert response.status_code == 200
    assert response.json()["token"] != old_token
    assert response.json()["attempt"]["id"] == attempt.pk
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.TAKEOVER).count() == 1


# --- stage, events, comments, submit -------------------------------------------------------------


def test_moving_a_case_set_on_reveals_the_next_stage_and_locks_the_first(api_as, trainee, attempt):
    api = api_as(trainee)
    Response.objects.create(attempt=attempt, position=6, answer={"answers": {"q1": {"choice": "A"}}}, seq=1)
    response = api.post(reverse("api:attempt_stage", args=[attempt.pk]), {"position": 6, "stage": 1}, format="json")
    assert response.status_code == 200, response.content
    item = response.json()["item"]
    assert [(s["id"], s["locked"]) for s in item["stages"]] == [("s1", True), ("s2", False)]
    state = api.get(reverse("api:attempt_detail", args=[attempt.pk])).json()
    assert state["case_stages"] == {"6": 1}
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.STAGE).count() == 1


@pytest.mark.parametrize(("position", "stage"), [(6, 2), (6, 0), (1, 1)])
def test_a_stage_move_that_is_not_to_the_next_stage_of_a_case_is_refused(api_as, trainee, attempt, position, stage):
    url = reverse("api:attempt_stage", args=[attempt.pk])
    response = api_as(trainee).post(url, {"position": position, "stage": stage}, format="json")
    assert response.status_code == 400


def test_focus_lost_and_hidden_events_are_recorded(api_as, trainee, attempt):
    api = api_as(trainee)
    url = reverse("api:attempt_events", args=[attempt.pk])
    assert api.post(url, {"kind": "focus_lost", "data": {"ms": 4200}}, format="json").status_code == 204
    assert api.post(url, {"kind": "hidden"}, format="json").status_code == 204
    assert list(AttemptEvent.objects.filter(attempt=attempt).exclude(kind="start").values_list("kind", flat=True)) == [
        "focus_lost",
        "hidden",
    ]
    refused = api.post(url, {"kind": "submit"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "bad_event"


def test_a_comment_goes_to_the_items_version(api_as, trainee, delivery, attempt):
    url = reverse("api:attempt_comments", args=[attempt.pk])
    response = api_as(trainee).post(url, {"position": 3, "text": "This item seems wrong."}, format="json")
    assert response.status_code == 201
    comment = ItemComment.objects.get()
    assert comment.version == delivery.versions[3]
    assert comment.text == "This item seems wrong."
    assert api_as(trainee).post(url, {"position": 3, "text": "  "}, format="json").status_code == 400


def test_submit_needs_confirmation_and_answers_a_receipt_without_a_score(api_as, trainee, attempt):
    api = api_as(trainee)
    Response.objects.create(attempt=attempt, position=1, answer={"choice": "A"}, seq=1)
    Response.objects.create(attempt=attempt, position=2, answer={}, flagged=True, seq=2)
    url = reverse("api:attempt_submit", args=[attempt.pk])
    refused = api.post(url, {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "confirm_required"
    response = api.post(url, {"confirm": True}, format="json")
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["status"] == "submitted"
    assert (receipt["answered"], receipt["total"], receipt["flagged"]) == (1, 6, 1)
    assert receipt["submitted_at"]
    assert not {"score", "raw_score", "percent", "passed"} & set(receipt)
    state = api.get(reverse("api:attempt_detail", args=[attempt.pk])).json()
    assert state["status"] == "submitted"
    assert state["items"] == []
    assert state["receipt"]["answered"] == 1


def test_a_paused_attempt_shows_no_items(api_as, trainee, attempt, proctor):
    from exams.services.attempts import attempt_pause

    attempt_pause(attempt=attempt, by=proctor, reason="fire alarm")
    state = api_as(trainee).get(reverse("api:attempt_detail", args=[attempt.pk])).json()
    assert state["status"] == "paused"
    assert state["paused"] is True
    assert state["items"] == []


def test_the_server_time_needs_no_login(api_client):
    response = api_client.get(reverse("api:time"))
    assert response.status_code == 200
    assert response.json()["server_now"].endswith("Z")


# --- permissions -----------------------------------------------------------------------------------


def attempt_endpoints(attempt_id):
    return [
        ("get", reverse("api:attempt_detail", args=[attempt_id]), None),
        ("post", reverse("api:attempt_session", args=[attempt_id]), {}),
        ("post", reverse("api:attempt_stage", args=[attempt_id]), {"position": 6, "stage": 1}),
        ("post", reverse("api:attempt_events", args=[attempt_id]), {"kind": "hidden"}),
        ("post", reverse("api:attempt_comments", args=[attempt_id]), {"position": 1, "text": "x"}),
        ("post", reverse("api:attempt_submit", args=[attempt_id]), {"confirm": True}),
    ]


def test_another_candidates_attempt_is_404_on_every_endpoint(api_as, other_trainee, attempt):
    api = api_as(other_trainee)
    for method, url, body in attempt_endpoints(attempt.pk):
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 404, (url, response.status_code)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not AttemptEvent.objects.exclude(kind="start").exists()


def test_a_proctor_or_officer_cannot_use_the_candidates_endpoints_on_an_attempt(api_as, proctor, officer, attempt):
    for user in (proctor, officer):
        for method, url, body in attempt_endpoints(attempt.pk):
            assert getattr(api_as(user), method)(url, body, format="json").status_code == 404


def test_signed_out_the_endpoints_refuse(api_client, attempt):
    for method, url, body in attempt_endpoints(attempt.pk):
        assert getattr(api_client, method)(url, body, format="json").status_code in (401, 403)
    assert api_client.get(reverse("api:my_sittings")).status_code in (401, 403)


def test_a_missing_attempt_is_404(api_as, trainee, delivery):
    assert api_as(trainee).get(reverse("api:attempt_detail", args=[987654])).status_code == 404


# --- pages -----------------------------------------------------------------------------------------


def test_my_exams_page_lists_the_sitting_with_a_start_button(client_as, trainee, delivery):
    response = client_as(trainee).get(reverse("exams:my_sittings"))
    assert response.status_code == 200
    html = response.content.decode()
    assert delivery.sitting.code in html
    assert reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk]) in html


def test_my_exams_page_warns_when_the_window_closes_before_the_full_duration(client_as, trainee, delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(closes_at=timezone.now() + timedelta(minutes=30))
    response = client_as(trainee).get(reverse("exams:my_sittings"))
    assert "message-warning" in response.content.decode()


def test_the_start_page_shows_the_rules_and_needs_confirmation(client_as, trainee, delivery):
    client = client_as(trainee)
    url = reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Closed book" in page.content.decode() or "闭卷考试" in page.content.decode()
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert not Attempt.objects.exists()


def test_starting_from_the_start_page_redirects_to_the_exam_page(client_as, trainee, delivery):
    url = reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk])
    response = client_as(trainee).post(url, {"confirm": "yes"})
    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:exam_page", args=[attempt.pk])


def test_the_start_page_asks_for_the_access_code_and_shows_a_wrong_one(client_as, trainee, delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(access_code="4711")
    client = client_as(trainee)
    url = reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk])
    assert 'name="access_code"' in client.get(url).content.decode()
    response = client.post(url, {"confirm": "yes", "access_code": "0000"})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_start_page_of_someone_elses_registration_is_404(client_as, other_trainee, delivery):
    url = reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk])
    assert client_as(other_trainee).get(url).status_code == 404


def test_the_receipt_page_after_submission(client_as, trainee, attempt, api_as):
    api_as(trainee).post(reverse("api:attempt_submit", args=[attempt.pk]), {"confirm": True}, format="json")
    response = client_as(trainee).get(reverse("exams:receipt", args=[attempt.pk]))
    assert response.status_code == 200
    assert response.context["receipt"].total == 6


def test_the_receipt_of_an_attempt_in_progress_sends_the_candidate_back_to_the_exam(client_as, trainee, attempt):
    response = client_as(trainee).get(reverse("exams:receipt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:exam_page", args=[attempt.pk])


def test_someone_elses_receipt_is_404(client_as, other_trainee, attempt):
    assert client_as(other_trainee).get(reverse("exams:receipt", args=[attempt.pk])).status_code == 404


def test_a_finished_attempts_exam_page_redirects_to_the_receipt(client_as, trainee, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    response = client_as(trainee).get(reverse("exams:exam_page", args=[attempt.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:receipt", args=[attempt.pk])
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.AUTO_SUBMITTED


def test_the_system_check_page_loads_its_script(client):
    response = client.get(reverse("exams:system_check"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "exams/system-check.js" in html
    assert reverse("api:time") in html
    assert "<script>" not in html  # no inline scripts


def test_the_candidate_pages_are_for_trainees(client_as, proctor):
    assert client_as(proctor).get(reverse("exams:my_sittings")).status_code == 403


def test_the_trainee_dashboard_shows_my_exams(client_as, trainee, delivery):
    response = client_as(trainee).get(reverse("accounts:role_dashboard", args=["trainee"]))
    assert response.status_code == 200
    assert delivery.exam.title_zh in response.content.decode() or delivery.exam.title_en in response.content.decode()


def test_a_registration_for_a_draft_sitting_is_not_listed(api_as, officer, delivery):
    candidate = UserFactory(username="draftee", roles=["trainee"])
    from exams.models import Registration

    draft = Sitting.objects.create(
        exam=delivery.exam,
        code="draft-sitting",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(hours=2),
        created_by=officer,
    )
    Registration.objects.create(sitting=draft, candidate=candidate, registered_by=officer)
    assert api_as(candidate).get(reverse("api:my_sittings")).json()["results"] == []


def test_the_exam_page_gives_its_script_the_urls_and_takes_nothing_over(client_as, trainee, attempt):
    """GET is side-effect free: a cross-site link or a prefetch must not stop another window saving."""
    nonce = attempt.session_nonce
    response = client_as(trainee).get(reverse("exams:exam_page", args=[attempt.pk]))
    assert response.status_code == 200
    config = response.context["exam_config"]
    assert config["attemptId"] == attempt.pk
    assert config["urls"]["state"] == reverse("api:attempt_detail", args=[attempt.pk])
    assert config["urls"]["session"] == reverse("api:attempt_session", args=[attempt.pk])
    save_url = config["urls"]["save_template"].replace(config["positionPlaceholder"], "3")
    assert save_url == reverse("api:attempt_save_answer", args=[attempt.pk, 3])
    assert "token" not in config  # the script gets it from the session POST
    assert 'id="exam-config"' in response.content.decode()
    assert Attempt.objects.get(pk=attempt.pk).session_nonce == nonce
    assert not AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.TAKEOVER).exists()


def test_the_exam_pages_takeover_post_needs_the_csrf_token_and_then_stops_the_other_window(trainee, attempt):
    """What the page's script does on load: POST the session URL with the page's CSRF token."""
    from django.test import Client

    from exams.services.attempts import attempt_token_read

    first_window_token = attempt_token(attempt)
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    page = client.get(reverse("exams:exam_page", args=[attempt.pk]))
    session_url = page.context["exam_config"]["urls"]["session"]
    assert client.post(session_url, content_type="application/json", data={}).status_code == 403
    assert Attempt.objects.get(pk=attempt.pk).session_nonce == attempt.session_nonce

    csrf = page.context["csrf_token"]
    response = client.post(session_url, content_type="application/json", data={}, headers={"X-CSRFToken": str(csrf)})
    assert response.status_code == 200
    token = response.json()["token"]
    assert token != first_window_token
    assert attempt_token_read(token).nonce == Attempt.objects.get(pk=attempt.pk).session_nonce
    assert attempt_token_read(first_window_token).nonce != Attempt.objects.get(pk=attempt.pk).session_nonce
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.TAKEOVER).count() == 1


def test_someone_elses_exam_page_is_404(client_as, other_trainee, attempt):
    assert client_as(other_trainee).get(reverse("exams:exam_page", args=[attempt.pk])).status_code == 404


def test_an_attempt_with_time_left_after_the_window_closes_can_still_be_resumed(api_as, trainee, delivery, attempt):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    [entry] = api_as(trainee).get(reverse("api:my_sittings")).json()["results"]
    assert entry["is_past"] is False
    assert entry["papers"][0]["can_start"] is True
    assert entry["papers"][0]["attempt"] == {"id": attempt.pk, "status": "in_progress"}
