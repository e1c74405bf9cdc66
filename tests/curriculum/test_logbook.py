"""Logbook entries: validation, identifiers, verification permissions and the API's object checks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.roles import Role
from curriculum.models import LogbookEntry, Supervision
from curriculum.services import logbook_entry_create
from irexam.errors import ApplicationError
from tests.curriculum.helpers import log_entries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def entry_data(**overrides):
    data = {
        "performed_on": YESTERDAY.isoformat(),
        "area": "TACE",
        "grade": 3,
        "role": "first_operator",
        "supervisor": "instructor",
        "complication": "none",
        "note": "超选择插管，碘油沉积良好",
    }
    data.update(overrides)
    return data


def test_a_trainee_logs_a_procedure_that_awaits_verification(api_as, trainee, instructor):
    response = api_as(trainee).post(reverse("api:logbook-entries"), entry_data(), format="json")
    assert response.status_code == 201, response.json()
    entry = LogbookEntry.objects.get()
    assert (entry.trainee, entry.area.code, entry.status, entry.supervisor) == (trainee, "TACE", "pending", instructor)


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("患者 11010519491231002X 术后恢复好", "resident ID"),
        ("家属电话 138-1234-5678", "mobile phone"),
        ("住院号：A123456", "hospital record"),
    ],
)
def test_notes_with_patient_identifiers_are_refused_without_echoing_them(trainee, instructor, note, kind):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        logbook_entry_create(trainee=trainee, **entry_data(note=note))
    message = str(caught.value.message)
    assert kind in message and "character" in message
    assert "1234" not in message and "123456" not in message
    assert not LogbookEntry.objects.exists()


def test_a_future_date_is_refused(api_as, trainee, instructor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = api_as(trainee).post(reverse("api:logbook-entries"), entry_data(performed_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "performed_on" in response.json()["extra"]["errors"]


def test_an_unknown_supervisor_is_refused(api_as, trainee, instructor):
    response = api_as(trainee).post(reverse("api:logbook-entries"), entry_data(supervisor="wangq"), format="json")
    assert response.status_code == 400
    assert "wangq" in response.json()["extra"]["errors"]["supervisor"]


def test_a_supervisor_must_be_an_instructor_of_the_trainee(api_as, trainee, instructor, reviewer, officer):
    # reviewer is an instructor at another centre; officer is no instructor at all
    for username in ("reviewer", "officer"):
        response = api_as(trainee).post(reverse("api:logbook-entries"), entry_data(supervisor=username), format="json")
        assert response.status_code == 400
        assert "supervisor" in response.json()["extra"]["errors"]


def test_an_explicit_assignment_makes_an_instructor_from_another_centre_a_supervisor(api_as, trainee, reviewer):
    Supervision.objects.create(instructor=reviewer, trainee=trainee)
    response = api_as(trainee).post(reverse("api:logbook-entries"), entry_data(supervisor="reviewer"), format="json")
    assert response.status_code == 201


def test_an_unknown_area_and_a_bad_grade_are_refused(trainee, instructor):
    with pytest.raises(ApplicationError) as caught:
        logbook_entry_create(trainee=trainee, **entry_data(area="NOPE", grade=7))
    assert set(caught.value.extra["errors"]) == {"area", "grade"}


def test_only_trainees_log_procedures(api_as, instructor):
    assert api_as(instructor).post(reverse("api:logbook-entries"), entry_data(), format="json").status_code == 403


# Verification permissions ---------------------------------------------------------------


@pytest.fixture
def pending(trainee, instructor):
    return log_entries(trainee, instructor, "TACE", 1, status=LogbookEntry.Status.PENDING)[0]


def test_the_supervising_instructor_verifies_a_pending_entry_and_it_is_audited(api_as, instructor, pending):
    response = api_as(instructor).post(reverse("api:logbook-entry-verify", args=[pending.pk]))
    assert response.status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == ("verified", instructor)
    assert AuditEvent.objects.filter(action="curriculum.logbook_verify", actor=instructor).exists()


def test_a_trainee_never_verifies_their_own_entry_even_as_an_instructor(api_as, centre):
    both = UserFactory(username="both", organization=centre, roles=[Role.TRAINEE, Role.INSTRUCTOR])
    helper = UserFactory(username="helper", organization=centre, roles=[Role.INSTRUCTOR])
    entry = log_entries(both, helper, "TACE", 1, status=LogbookEntry.Status.PENDING)[0]
    response = api_as(both).post(reverse("api:logbook-entry-verify", args=[entry.pk]))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == "pending"


def test_a_trainee_cannot_call_verify_at_all(api_as, trainee, pending):
    assert api_as(trainee).post(reverse("api:logbook-entry-verify", args=[pending.pk])).status_code == 403


def test_an_instructor_of_another_centre_gets_404_for_someone_elses_trainee(api_as, reviewer, pending):
    assert api_as(reviewer).post(reverse("api:logbook-entry-verify", args=[pending.pk])).status_code == 404
    assert api_as(reviewer).get(reverse("api:logbook-entry-detail", args=[pending.pk])).status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_an_outsider_gets_404(api_as, other_trainee, proctor, pending):
    assert api_as(other_trainee).get(reverse("api:logbook-entry-detail", args=[pending.pk])).status_code == 404
    assert api_as(proctor).post(reverse("api:logbook-entry-verify", args=[pending.pk])).status_code == 403


def test_a_rejection_needs_a_reason_and_records_it(api_as, instructor, pending):
    url = reverse("api:logbook-entry-reject", args=[pending.pk])
    assert api_as(instructor).post(url, {"reason": ""}, format="json").status_code == 400
    response = api_as(instructor).post(url, {"reason": "术中我不在场"}, format="json")
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "术中我不在场"
    assert AuditEvent.objects.get(action="curriculum.logbook_reject").data == {"reason": "术中我不在场"}


def test_a_decided_entry_cannot_be_verified_again(api_as, instructor, pending):
    url = reverse("api:logbook-entry-verify", args=[pending.pk])
    assert api_as(instructor).post(url).status_code == 200
    assert api_as(instructor).post(url).status_code == 409


def test_a_rejected_entry_corrected_by_the_trainee_goes_back_to_pending(api_as, trainee, instructor, pending):
    api_as(instructor).post(reverse("api:logbook-entry-reject", args=[pending.pk]), {"reason": "日期有误"})
    url = reverse("api:logbook-entry-detail", args=[pending.pk])
    response = api_as(trainee).patch(url, {"performed_on": YESTERDAY.isoformat()}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert response.json()["rejection_reason"] == ""


def test_a_verified_entry_cannot_be_deleted(api_as, trainee, instructor):
    entry = log_entries(trainee, instructor, "TACE", 1)[0]
    assert api_as(trainee).delete(reverse("api:logbook-entry-detail", args=[entry.pk])).status_code == 409


def test_the_instructor_sees_only_supervised_trainees_entries(api_as, trainee, other_trainee, instructor, reviewer):
    log_entries(trainee, instructor, "TACE", 2, status=LogbookEntry.Status.PENDING)
    log_entries(other_trainee, reviewer, "PAD", 3, status=LogbookEntry.Status.PENDING)
    mine = api_as(instructor).get(reverse("api:logbook-entries"), {"status": "pending"}).json()
    assert mine["count"] == 2
    assert {row["trainee"] for row in mine["results"]} == {"trainee"}
    own = api_as(other_trainee).get(reverse("api:logbook-entries")).json()
    assert own["count"] == 3


def test_the_logbook_list_costs_a_constant_number_of_queries(api_as, trainee, instructor, django_assert_num_queries):
    log_entries(trainee, instructor, "TACE", 5)
    client = api_as(instructor)
    client.get(reverse("api:logbook-entries"))  # warm the role cache of this request path
    log_entries(trainee, instructor, "PAD", 20)
    with django_assert_num_queries(3):  # training-centre check, count, one page with its joins
        response = client.get(reverse("api:logbook-entries"))
    assert response.json()["count"] == 25


# Eligibility endpoint ---------------------------------------------------------------------


def test_eligibility_is_visible_to_the_trainee_and_their_instructor_only(api_as, trainee, instructor, reviewer):
    url = reverse("api:eligibility", args=[trainee.pk, "Q"])
    body = api_as(trainee).get(url).json()
    assert body["eligible"] is False
    assert "Q-TACE" in [row["code"] for row in body["unmet"]]
    assert api_as(instructor).get(url).status_code == 200
    assert api_as(reviewer).get(url).status_code == 404


def test_an_officer_assigns_an_instructor_who_may_then_verify(api_as, officer, other_trainee, instructor):
    entry = log_entries(other_trainee, instructor, "PAD", 1, status=LogbookEntry.Status.PENDING)[0]
    verify = reverse("api:logbook-entry-verify", args=[entry.pk])
    assert api_as(instructor).post(verify).status_code == 404
    url = reverse("api:curriculum-supervisions")
    response = api_as(officer).post(url, {"instructor": "instructor", "trainee": "other_trainee"}, format="json")
    assert response.status_code == 201
    assert AuditEvent.objects.filter(action="curriculum.supervision_assign", actor=officer).exists()
    assert api_as(instructor).post(verify).status_code == 200


def test_only_officers_assign_supervisors(api_as, instructor, trainee):
    url = reverse("api:curriculum-supervisions")
    response = api_as(instructor).post(url, {"instructor": "instructor", "trainee": "trainee"}, format="json")
    assert response.status_code == 403


def test_a_supervisor_must_hold_the_instructor_role(api_as, officer, trainee, other_trainee):
    url = reverse("api:curriculum-supervisions")
    response = api_as(officer).post(url, {"instructor": "other_trainee", "trainee": "trainee"}, format="json")
    assert response.status_code == 400
