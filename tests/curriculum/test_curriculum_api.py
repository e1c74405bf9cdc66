"""Curriculum API: reading is open, editing is for officers and audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from curriculum.models import CaseRequirement, Objective, TechniqueArea
from curriculum.registry import register_objective_item_counter, unregister_objective_item_counter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_item_counters(monkeypatch):
    """Start without the question bank's counter, whatever apps are installed."""
    monkeypatch.setattr("curriculum.registry._OBJECTIVE_ITEM_COUNTERS", [])


def test_the_area_list_has_all_20_areas_with_their_objectives(api_client):
    response = api_client.get(reverse("api:curriculum-areas"))
    assert response.status_code == 200
    areas = response.json()
    assert len(areas) == 20
    tace = next(area for area in areas if area["code"] == "TACE")
    assert tace["group"] == "oncology"
    assert [o["code"] for o in tace["objectives"] if o["level"] == "Q"][:2] == ["TACE-Q-01", "TACE-Q-02"]
    assert tace["objectives"][0]["practice_items"] is None


def test_the_area_list_speaks_the_requested_language(api_client):
    zh = api_client.get(reverse("api:curriculum-areas"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = api_client.get(reverse("api:curriculum-areas"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh[0]["name"] == "辐射防护"
    assert en[0]["name"] == "Radiation protection (staff and patient)"


def test_the_area_list_costs_a_constant_number_of_queries(api_client, django_assert_num_queries):
    # areas + group (joined) and one prefetch of objectives
    with django_assert_num_queries(2):
        api_client.get(reverse("api:curriculum-areas"))


def test_practice_item_counts_appear_once_a_counter_is_registered(api_client):
    objective = Objective.objects.get(code="TACE-Q-01")

    def counter(ids):
        return {objective.id: 7}

    register_objective_item_counter(counter)
    try:
        body = api_client.get(reverse("api:curriculum-area-detail", args=["TACE"])).json()
    finally:
        unregister_objective_item_counter(counter)
    counts = {o["code"]: o["practice_items"] for o in body["objectives"]}
    assert counts["TACE-Q-01"] == 7
    assert counts["TACE-Q-02"] == 0


def test_objectives_can_be_filtered_by_area_and_level(api_client):
    body = api_client.get(reverse("api:curriculum-objectives"), {"area": "TIPS", "level": "A"}).json()
    assert body and all(o["code"].startswith("TIPS-A-") for o in body)


@pytest.mark.parametrize("persona", ["trainee", "instructor", "reviewer", "proctor"])
def test_only_officers_change_the_curriculum(api_as, request, persona):
    user = request.getfixturevalue(persona)
    url = reverse("api:curriculum-requirement-detail", args=["Q-TACE"])
    assert api_as(user).patch(url, {"min_count": 1}, format="json").status_code == 403
    assert CaseRequirement.objects.get(code="Q-TACE").min_count == 15


def test_anonymous_users_cannot_change_the_curriculum(api_client):
    url = reverse("api:curriculum-area-detail", args=["TACE"])
    assert api_client.patch(url, {"name_en": "x"}, format="json").status_code in (401, 403)


def test_a_requirement_change_is_audited_with_who_and_what(api_as, officer):
    url = reverse("api:curriculum-requirement-detail", args=["Q-TACE"])
    response = api_as(officer).patch(url, {"min_count": 20, "areas": ["TACE", "ABL"]}, format="json")
    assert response.status_code == 200
    assert response.json()["min_count"] == 20
    event = AuditEvent.objects.get(action="curriculum.requirement_update")
    assert event.actor == officer
    assert event.target_id == str(CaseRequirement.objects.get(code="Q-TACE").pk)
    assert event.data["changes"]["min_count"] == {"from": 15, "to": 20}
    assert event.data["changes"]["areas"] == {"from": ["TACE"], "to": ["ABL", "TACE"]}
    assert event.created_at is not None


def test_an_officer_adds_an_objective_with_the_next_stable_code(api_as, officer):
    response = api_as(officer).post(
        reverse("api:curriculum-objectives"),
        {"area": "TACE", "level": "Q", "text_zh": "新目标", "text_en": "New objective"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["code"] == "TACE-Q-05"
    assert AuditEvent.objects.filter(action="curriculum.objective_create", actor=officer).exists()


def test_an_objective_code_cannot_be_taken_twice(api_as, officer):
    response = api_as(officer).post(
        reverse("api:curriculum-objectives"),
        {"area": "TACE", "level": "Q", "text_zh": "重复", "text_en": "Duplicate", "code": "TACE-Q-01"},
        format="json",
    )
    assert response.status_code == 409


def test_an_officer_edits_an_area_and_deactivating_it_hides_it_from_everyone_else(api_as, api_client, officer):
    url = reverse("api:curriculum-area-detail", args=["SEED"])
    assert api_as(officer).patch(url, {"is_active": False}, format="json").status_code == 200
    assert api_client.get(url).status_code == 404
    assert "SEED" not in [a["code"] for a in api_client.get(reverse("api:curriculum-areas")).json()]
    assert AuditEvent.objects.filter(action="curriculum.area_update").count() == 1


def test_an_officer_changes_the_months_rule(api_as, officer):
    url = reverse("api:curriculum-level-rule-detail", args=["Q"])
    response = api_as(officer).patch(url, {"min_months": 12}, format="json")
    assert response.status_code == 200
    assert response.json()["min_months"] == 12
    assert AuditEvent.objects.filter(action="curriculum.level_rule_update").exists()


def test_a_new_area_can_be_created_by_an_officer(api_as, officer):
    response = api_as(officer).post(
        reverse("api:curriculum-areas"),
        {"code": "BIOPSY", "group": "nonvascular", "name_zh": "经皮穿刺活检", "name_en": "Percutaneous biopsy"},
        format="json",
    )
    assert response.status_code == 201
    assert TechniqueArea.objects.get(code="BIOPSY").order == 21


def test_the_schema_documents_the_curriculum_and_logbook_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in [
        "/api/v1/curriculum/areas/",
        "/api/v1/curriculum/requirements/{code}/",
        "/api/v1/logbook/entries/",
        "/api/v1/logbook/entries/{id}/verify/",
        "/api/v1/logbook/import/",
        "/api/v1/eligibility/{user_id}/{level}/",
    ]:
        assert path in paths, path
