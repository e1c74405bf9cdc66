"""Starting an attempt: inside the window, once per registration and paper, with a server-set deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exams import selectors
from exams.models import Attempt, AttemptEvent, Registration, Sitting
from exams.services.attempts import attempt_start, attempt_takeover, attempt_token, attempt_token_read
from irexam.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_starting_sets_the_deadline_to_start_plus_duration(delivery):
    now = timezone.now()
    attempt, created = attempt_start(registration=delivery.registration, paper=delivery.paper, now=now)
    assert created
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.started_at == now
    assert attempt.deadline_at == now + timedelta(minutes=60)
    assert attempt.form == delivery.form


def test_the_deadline_includes_the_candidates_extra_time_in_minutes_and_percent(delivery):
    Registration.objects.filter(pk=delivery.registration.pk).update(extra_time_minutes=10, extra_time_percent=25)
    delivery.registration.refresh_from_db()
    now = timezone.now()
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, now=now)
    # 60 minutes + 10 minutes + 25 % of 60 minutes
    assert attempt.deadline_at == now + timedelta(minutes=85)
    assert attempt.accommodation_seconds == 25 * 60


def test_starting_twice_returns_the_same_attempt(delivery):
    first, created_first = attempt_start(registration=delivery.registration, paper=delivery.paper)
    second, created_second = attempt_start(
        registration=delivery.registration, paper=delivery.paper, now=timezone.now() + timedelta(minutes=5)
    )
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert second.deadline_at == first.deadline_at
    assert Attempt.objects.count() == 1
    assert AttemptEvent.objects.filter(kind=AttemptEvent.Kind.START).count() == 1


def test_starting_records_a_start_event_with_the_deadline(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, ip="10.0.0.7")
    event = AttemptEvent.objects.get(attempt=attempt, kind=AttemptEvent.Kind.START)
    assert event.actor_id == delivery.registration.candidate_id
    assert event.ip_address == "10.0.0.7"
    assert event.data["deadline_at"] == attempt.deadline_at.isoformat()


def test_it_refuses_to_start_before_the_window_opens(delivery):
    before = delivery.sitting.opens_at - timedelta(minutes=1)
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=delivery.paper, now=before)
    assert exc.value.code == "not_open"


def test_it_refuses_to_start_after_the_window_closes(delivery):
    after = delivery.sitting.closes_at
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=delivery.paper, now=after)
    assert exc.value.code == "closed"


def test_it_refuses_to_start_a_sitting_that_is_not_scheduled(delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(status=Sitting.Status.DRAFT)
    delivery.registration.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=delivery.paper)
    assert exc.value.code == "not_open"


def test_a_withdrawn_registration_cannot_start(delivery):
    Registration.objects.filter(pk=delivery.registration.pk).update(status=Registration.Status.WITHDRAWN)
    delivery.registration.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=delivery.paper)
    assert exc.value.code == "withdrawn"


def test_the_access_code_must_match_when_the_sitting_has_one(delivery):
    Sitting.objects.filter(pk=delivery.sitting.pk).update(access_code="K7Q2")
    delivery.registration.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=delivery.paper, access_code="wrong")
    assert exc.value.code == "access_code"
    attempt, created = attempt_start(registration=delivery.registration, paper=delivery.paper, access_code=" K7Q2 ")
    assert created


def test_the_deadline_never_passes_the_window_close_and_the_candidate_is_told_before_starting(delivery):
    now = timezone.now()
    closes = now + timedelta(minutes=20)
    Sitting.objects.filter(pk=delivery.sitting.pk).update(closes_at=closes)
    delivery.registration.refresh_from_db()

    [entry] = selectors.candidate_sittings(candidate=delivery.registration.candidate, now=now)
    warning = entry.papers[0].start_warning
    assert "20" in warning  # the minutes left …
    assert "60" in warning  # … of the paper's 60

    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, now=now)
    assert attempt.deadline_at == closes


def test_no_warning_when_the_whole_duration_fits_in_the_window(delivery):
    [entry] = selectors.candidate_sittings(candidate=delivery.registration.candidate)
    assert entry.papers[0].start_warning == ""
    assert entry.papers[0].can_start


def test_options_are_shuffled_per_candidate_and_stored_as_canonical_ids(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    orders = attempt.option_orders
    # every shuffled position holds a permutation of the canonical ids
    sba_ids = [entry["options"] for entry in delivery.form.layout if entry["position"] == 1][0]
    assert sorted(orders["1"]) == sorted(sba_ids)
    assert sorted(orders["6:q1"]) == ["A", "B", "C"]
    assert "3" not in orders  # true/false keeps T, F

    state = selectors.attempt_state(
        attempt=selectors.attempt_for_candidate(attempt_id=attempt.pk, candidate=attempt.candidate)
    )
    item = next(i for i in state["items"] if i["position"] == 1)
    assert [o["id"] for o in item["options"]] == orders["1"]
    assert [o["label"] for o in item["options"]] == ["A", "B", "C", "D"]


def test_two_candidates_do_not_all_get_the_same_option_order(trainee, other_trainee, officer):
    from tests.exams.conftest import build_delivery

    delivery = build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer)
    # With 4 + 4 + 5 + 4 + 3 + 3 options the chance of identical orders is tiny but not zero:
    # start several registrations and require at least two different orders.
    from tests.factories import UserFactory

    orders = set()
    for n in range(4):
        candidate = UserFactory(username=f"shuffle{n}")
        registration = Registration.objects.create(sitting=delivery.sitting, candidate=candidate, registered_by=officer)
        attempt, _ = attempt_start(registration=registration, paper=delivery.paper)
        orders.add(tuple(tuple(v) for _k, v in sorted(attempt.option_orders.items())))
    assert len(orders) > 1


def test_taking_over_rotates_the_session_and_records_it(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    old = attempt_token_read(attempt_token(attempt))
    attempt = attempt_takeover(attempt=attempt, ip="10.0.0.8")
    new = attempt_token_read(attempt_token(attempt))
    assert old.nonce != new.nonce
    event = AttemptEvent.objects.get(attempt=attempt, kind=AttemptEvent.Kind.TAKEOVER)
    assert event.ip_address == "10.0.0.8"


def test_a_paper_of_another_exam_is_refused(delivery, officer):
    from exams.models import Exam, Paper

    other_exam = Exam.objects.create(code="other", title_zh="其他", level="Q", created_by=officer)
    other_paper = Paper.objects.create(exam=other_exam, number=1, title_zh="一", duration_minutes=10, item_count=1)
    with pytest.raises(ApplicationError) as exc:
        attempt_start(registration=delivery.registration, paper=other_paper)
    assert exc.value.code == "wrong_paper"
