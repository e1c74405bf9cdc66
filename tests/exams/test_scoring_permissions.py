"""Scoring endpoints and pages: officers only (judges only their own panel); candidates never see statistics."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import Attempt
from exams.services import standard_setting as ss
from exams.services.scoring import sitting_score
from tests.exams.scoring_data import build_scoring_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(officer):
    built = build_scoring_sitting(officer=officer)
    sitting_score(sitting=built.sitting)
    return built


@pytest.fixture
def panel(built, officer, instructor):
    return ss.angoff_panel_create(sitting=built.sitting, paper=built.paper, judges=[instructor], by=officer)


def officer_endpoints(built, panel) -> list[tuple[str, str, dict]]:
    s = built.sitting.pk
    return [
        ("get", reverse("api:scoring_sittings"), {}),
        ("get", reverse("api:scoring_status", args=[s]), {}),
        ("post", reverse("api:scoring_run", args=[s]), {}),
        ("get", reverse("api:scoring_items", args=[s]), {}),
        ("get", reverse("api:scoring_item", args=[s, built.form.pk, 1]), {}),
        ("post", reverse("api:scoring_key_preview", args=[s]), {"version_id": built.versions[1].pk, "action": "drop"}),
        ("get", reverse("api:scoring_key_decisions", args=[s]), {}),
        (
            "post",
            reverse("api:scoring_key_decisions", args=[s]),
            {"version_id": built.versions[1].pk, "action": "drop", "reason": "x"},
        ),
        ("post", reverse("api:scoring_key_validation_close", args=[s]), {}),
        ("get", reverse("api:scoring_cut_scores", args=[s]), {}),
        (
            "post",
            reverse("api:scoring_cut_scores", args=[s]),
            {"paper_id": built.paper.pk, "method": "fixed", "percent": 50, "reason": "x"},
        ),
        ("post", reverse("api:scoring_release", args=[s]), {}),
        ("get", reverse("api:scoring_panels", args=[s]), {}),
        ("post", reverse("api:scoring_panels", args=[s]), {"paper_id": built.paper.pk, "judge_ids": [1]}),
        ("get", reverse("api:scoring_panel", args=[panel.pk]), {}),
        ("post", reverse("api:scoring_panel_action", args=[panel.pk, "close"]), {}),
    ]


@pytest.mark.parametrize("persona", ["trainee", "proctor", "instructor", "reviewer"])
def test_only_officers_reach_the_scoring_api(built, panel, persona, request, api_as):
    client = api_as(request.getfixturevalue(persona))
    for method, url, body in officer_endpoints(built, panel):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (403, 404), (method, url, response.status_code)


def test_anonymous_callers_are_refused_everywhere(built, panel, api_as):
    client = api_as(None)
    for method, url, body in officer_endpoints(built, panel):
        assert getattr(client, method)(url, body, format="json").status_code in (401, 403)


def test_an_officer_reads_the_item_analysis_and_item_detail(built, panel, officer, api_as):
    client = api_as(officer)
    body = client.get(reverse("api:scoring_items", args=[built.sitting.pk])).json()
    assert body["forms"][0]["items"][0]["p"] == pytest.approx(0.75)
    detail = client.get(reverse("api:scoring_item", args=[built.sitting.pk, built.form.pk, 1])).json()
    assert detail["units"][0]["options"]
    status = client.get(reverse("api:scoring_status", args=[built.sitting.pk])).json()
    assert status["scoring_current"] is True and status["n_candidates"] == 4


def test_the_item_analysis_list_takes_a_fixed_number_of_queries(built, officer, api_as, django_assert_num_queries):
    client = api_as(officer)
    url = reverse("api:scoring_items", args=[built.sitting.pk])
    client.get(url)  # warm up (content types, sessions)
    # the sitting, its stored analysis, the current key decisions (the user's roles are cached on
    # the force-authenticated user): the same count for 4 or 10,000 candidates
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200


def test_an_officer_previews_and_confirms_a_key_decision_through_the_api(
    built, officer, api_as, django_capture_on_commit_callbacks
):
    client = api_as(officer)
    body = {"version_id": built.versions[1].pk, "unit_id": "", "action": "accept", "key": ["A"]}
    preview = client.post(reverse("api:scoring_key_preview", args=[built.sitting.pk]), body, format="json")
    assert preview.status_code == 200
    assert preview.json()["attempts_changed"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post(
            reverse("api:scoring_key_decisions", args=[built.sitting.pk]),
            {**body, "reason": "A is defensible"},
            format="json",
        )
    assert confirm.status_code == 201
    assert Attempt.objects.get(pk=built.attempts["c2"].pk).raw_score == pytest.approx(5 + 1 / 3)


def test_a_bad_key_decision_answers_400_with_the_reason(built, officer, api_as):
    body = {"version_id": built.versions[1].pk, "action": "rekey", "key": ["Q"]}
    response = api_as(officer).post(reverse("api:scoring_key_preview", args=[built.sitting.pk]), body, format="json")
    assert response.status_code == 400
    assert "Q" in response.json()["detail"]


def test_a_judge_reaches_only_their_own_panel_sheet(built, panel, instructor, reviewer, api_as):
    own = api_as(instructor)
    url = reverse("api:scoring_my_ratings", args=[panel.pk])
    assert own.put(url, {"ratings": {"1": 60}}, format="json").json() == {"saved": 1}
    assert own.get(url).json()["units"][0]["rating"] == 60
    assert own.get(reverse("api:scoring_my_panels")).json()["results"][0]["id"] == panel.pk
    other = api_as(reviewer)  # an instructor, but not on this panel
    assert other.get(url).status_code == 404
    assert other.put(url, {"ratings": {"1": 60}}, format="json").status_code == 404
    assert other.put(reverse("api:scoring_my_hofstee", args=[panel.pk]), {}, format="json").status_code == 404


def test_candidates_cannot_use_the_judge_endpoints(built, panel, trainee, api_as):
    client = api_as(trainee)
    assert client.get(reverse("api:scoring_my_ratings", args=[panel.pk])).status_code == 403
    assert client.get(reverse("api:scoring_my_panels")).status_code == 403


def test_no_statistic_reaches_the_candidate_side(built, api_as):
    """The candidate's own API answers carry no p-values, point-biserials, difficulties or flags."""
    candidate = built.candidates["c1"]
    client = api_as(candidate)
    text = client.get(reverse("api:my_sittings")).content.decode()
    text += client.get(reverse("api:attempt_detail", args=[built.attempts["c1"].pk])).content.decode()
    for marker in ('"rpb"', '"p_value"', '"flags"', '"b_se"', '"theta"', '"kr20"', '"options": [{"option"'):
        assert marker not in text


@pytest.mark.parametrize("persona", ["trainee", "proctor", "instructor"])
def test_only_officers_open_the_scoring_pages(built, panel, persona, request, client_as):
    client = client_as(request.getfixturevalue(persona))
    s = built.sitting.pk
    for url in (
        reverse("exams:scoring_sittings"),
        reverse("exams:scoring_overview", args=[s]),
        reverse("exams:scoring_items", args=[s]),
        reverse("exams:scoring_item", args=[s, built.form.pk, 1]),
        reverse("exams:scoring_cut_scores", args=[s]),
        reverse("exams:scoring_panels", args=[s]),
        reverse("exams:scoring_panel", args=[panel.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_the_officer_pages_render(built, panel, officer, client_as):
    client = client_as(officer)
    s = built.sitting.pk
    for url in (
        reverse("exams:scoring_sittings"),
        reverse("exams:scoring_overview", args=[s]),
        reverse("exams:scoring_items", args=[s]),
        reverse("exams:scoring_item", args=[s, built.form.pk, 4]),
        reverse("exams:scoring_decisions", args=[s]),
        reverse("exams:scoring_cut_scores", args=[s]),
        reverse("exams:scoring_panels", args=[s]),
        reverse("exams:scoring_panel", args=[panel.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_item_page_previews_before_it_confirms(built, officer, client_as):
    client = client_as(officer)
    url = reverse("exams:scoring_item", args=[built.sitting.pk, built.form.pk, 1])
    response = client.post(url, {"step": "preview", "unit_id": "", "action": "drop", "reason": "ambiguous"})
    assert response.status_code == 200
    assert response.context["impact"]["attempts_changed"] == 4
    assert not built.sitting.key_decisions.exists()


def test_the_judge_page_saves_ratings_and_hofstee_values(built, panel, instructor, client_as):
    client = client_as(instructor)
    url = reverse("exams:my_panel", args=[panel.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"form": "angoff", "rating-1": "55", "rating-2": "40"}).status_code == 302
    values = {"form": "hofstee", "min_cut": "40", "max_cut": "70", "min_fail": "5", "max_fail": "40"}
    assert client.post(url, values).status_code == 302
    sheet = ss.angoff_judge_sheet(panel=panel, judge=instructor)
    assert [u["rating"] for u in sheet["units"][:3]] == [55, 40, None]
    bad = client.post(url, {"form": "angoff", "rating-1": "150"})
    assert bad.status_code == 400
