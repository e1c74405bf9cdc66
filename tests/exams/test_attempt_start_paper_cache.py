"""Exam start: the form's candidate-facing paper is built once and cached (exams.selectors.form_paper)."""

from unittest import mock

import pytest
from django.urls import reverse

from exams.models import Attempt, AttemptEvent, FormItem
from exams.selectors import form_paper
from exams.services.attempts import attempt_start

pytestmark = pytest.mark.django_db


def start(api, registration, paper):
    return api.post(reverse("api:attempt_start"), {"registration": registration.pk, "paper": paper.pk}, format="json")


def without_order(items):
    """The items with every option list sorted by id and labels dropped (what does not depend on the candidate)."""

    def options(opts):
        return sorted((o["id"], o["html"]) for o in opts)

    out = []
    for item in items:
        item = dict(item)
        if "options" in item:
            item["options"] = options(item["options"])
        if "stages" in item:
            item["stages"] = [
                {**stage, "questions": [{**q, "options": options(q["options"])} for q in stage["questions"]]}
                for stage in item["stages"]
            ]
        out.append(item)
    return out


def test_the_second_start_on_a_form_reads_no_item_content(
    api_as, trainee, other_trainee, delivery, django_assert_num_queries
):
    first = start(api_as(trainee), delivery.registration, delivery.paper)
    assert first.status_code == 201
    api = api_as(other_trainee)
    # registration, paper, existing attempt, forms; the attempt and its start event (inside a
    # savepoint here: the test's transaction); its responses, the form's slots (no re-read)
    with django_assert_num_queries(10) as captured:
        second = start(api, delivery.other_registration, delivery.paper)
    assert second.status_code == 201
    assert not [q["sql"] for q in captured.captured_queries if '"content"' in q["sql"]]
    # the same paper, each candidate's own option order
    assert without_order(second.json()["attempt"]["items"]) == without_order(first.json()["attempt"]["items"])
    assert second.json()["token"] != first.json()["token"]


def test_case_stages_not_reached_are_withheld_from_the_cached_paper(trainee, delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    paper = form_paper(form=attempt.form)
    case_base = next(item for item in paper if item["type"] == "case")
    assert len(case_base["stages"]) > 1  # the cache holds every stage …
    from exams.selectors import attempt_state

    case_item = next(item for item in attempt_state(attempt=attempt)["items"] if item["type"] == "case")
    assert len(case_item["stages"]) == 1  # … a candidate gets only the stages reached
    assert case_item["stage_count"] == len(case_base["stages"])
    assert "label" not in case_base["stages"][0]["questions"][0]["options"][0]


def test_a_changed_form_never_meets_its_old_paper(trainee, delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    before = form_paper(form=attempt.form)
    # swap the versions of two items of the same layout (the layout itself is unchanged)
    one = FormItem.objects.get(form=delivery.form, position=1)
    sba = delivery.versions[1]
    other_version = type(sba).objects.create(
        question=sba.question,
        number=2,
        status="approved",
        content={**sba.content, "stem": "A different stem for the re-assembled form."},
        level=sba.level,
        pool=sba.pool,
        author=sba.author,
    )
    one.version = other_version
    one.save(update_fields=["version"])
    after = form_paper(form=attempt.form)
    assert "A different stem" in after[0]["stem_html"]
    assert "A different stem" not in before[0]["stem_html"]


def test_a_concurrent_start_returns_the_attempt_that_won(delivery):
    won, created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    assert created
    # the other request saw no attempt yet when it looked (the race): its insert hits the constraint
    real_filter = Attempt.objects.filter
    calls = {"n": 0}

    def first_lookup_misses(*args, **kwargs):
        calls["n"] += 1
        qs = real_filter(*args, **kwargs)
        return qs.none() if calls["n"] == 1 else qs

    with mock.patch.object(Attempt.objects, "filter", side_effect=first_lookup_misses):
        again, created_again = attempt_start(registration=delivery.registration, paper=delivery.paper)
    assert (again.pk, created_again) == (won.pk, False)
    assert AttemptEvent.objects.filter(attempt=won, kind=AttemptEvent.Kind.START).count() == 1
    assert Attempt.objects.filter(registration=delivery.registration).count() == 1


def test_a_new_attempts_state_is_the_same_as_read_back(api_as, trainee, delivery):
    api = api_as(trainee)
    started = start(api, delivery.registration, delivery.paper).json()["attempt"]
    read_back = api.get(reverse("api:attempt_detail", args=[started["id"]])).json()
    for state in (started, read_back):
        state.pop("server_now")
        state.pop("seconds_left")
    assert started == read_back
