"""Practice mode: pool enforcement, tutor feedback after the save, simulation, adaptive selection,
saving rules, mastery, bookmarks, problem reports, permissions and query counts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Objective, TechniqueArea
from exams.models import BlueprintRow, Exam, Paper, PracticeItem, PracticeSession
from exams.selectors_practice import practice_mastery, practice_versions
from exams.services.practice import practice_answer_save, practice_session_finish, practice_session_start
from irexam.errors import ApplicationError, ConflictError
from question_bank.models import Question, QuestionVersion
from tests.exams.practice_data import PRACTICE_SECRET, SECURE_MARK, make_item, sba
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _mixed_pool():
    """Practice items and every kind of item practice must never serve, all in TACE."""
    allowed = [make_item(n=i) for i in range(1, 6)]
    forbidden = [make_item(pool="secure", content=sba(100 + i, stem=f"{SECURE_MARK} {i}")) for i in range(5)]
    forbidden.append(make_item(status="submitted"))  # not approved
    forbidden.append(make_item(status="draft"))
    retired = make_item()
    Question.objects.filter(pk=retired.question_id).update(is_retired=True)
    forbidden.append(retired)
    # An old practice version whose question's current version is now a secure one.
    old = make_item()
    newer = QuestionVersion.objects.create(
        question=old.question,
        number=2,
        status="approved",
        content=sba(999, stem=f"{SECURE_MARK} current"),
        level="Q",
        pool="secure",
        author=old.author,
    )
    Question.objects.filter(pk=old.question_id).update(current_version=newer, latest_version=newer)
    forbidden += [old, newer]
    # A practice-pool approved version that is not (yet) the question's current one.
    forbidden.append(make_item(current=False))
    return allowed, forbidden


def _save(api, session_id, position, answer, seq):
    url = reverse("api:practice_answer_save", args=[session_id, position])
    return api.put(url, {"answer": answer, "seq": seq}, format="json")


def _start(api, **body):
    body.setdefault("mode", "tutor")
    body.setdefault("count", 5)
    return api.post(reverse("api:practice_sessions"), body, format="json")


# --- the pool ------------------------------------------------------------------------------------


def test_the_practice_selector_keeps_only_current_approved_practice_versions():
    allowed, forbidden = _mixed_pool()
    ids = set(practice_versions().values_list("pk", flat=True))
    assert ids == {v.pk for v in allowed}
    assert not ids & {v.pk for v in forbidden}


@pytest.mark.parametrize("mode", ["tutor", "simulation", "adaptive"])
def test_practice_never_serves_secure_items_in_any_mode(api_as, trainee, mode):
    allowed, _forbidden = _mixed_pool()
    area = TechniqueArea.objects.get(code="TACE")
    api = api_as(trainee)
    for _ in range(3):
        response = _start(api, mode=mode, count=50, areas=[area.pk], level="Q")
        assert response.status_code == 201, response.content
        session = PracticeSession.objects.get(pk=response.json()["id"])
        while session.mode == "adaptive" and not session.is_finished:
            item = PracticeItem.objects.filter(session=session, correct__isnull=True).first()
            practice_answer_save(session=session, position=item.position, answer={"choice": "B"}, seq=item.position)
            session.refresh_from_db()
        served = set(PracticeItem.objects.filter(session=session).values_list("version_id", flat=True))
        assert served <= {v.pk for v in allowed}
        body = json.dumps(api.get(reverse("api:practice_session", args=[session.pk])).json())
        assert SECURE_MARK not in body


def test_an_area_with_only_secure_items_offers_nothing(api_as, trainee):
    make_item(area="TIPS", pool="secure", content=sba(1, stem=SECURE_MARK))
    make_item(area="TACE")
    response = _start(api_as(trainee), areas=[TechniqueArea.objects.get(code="TIPS").pk])
    assert response.status_code == 400
    assert response.json()["code"] == "no_items"


def test_missed_and_bookmark_sources_stay_in_the_practice_pool(trainee):
    version = make_item()
    session = practice_session_start(trainee=trainee, mode="tutor", count=1)
    practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=1)  # wrong
    # The item moves to the secure pool as a new current version: re-practice must not follow it.
    newer = QuestionVersion.objects.create(
        question=version.question, number=2, status="approved", content=sba(5), level="Q", pool="secure",
        author=version.author,
    )  # fmt: skip
    Question.objects.filter(pk=version.question_id).update(current_version=newer)
    with pytest.raises(ApplicationError):
        practice_session_start(trainee=trainee, mode="tutor", count=5, source="missed")


# --- tutor mode: the key only after the save ----------------------------------------------------------


def test_tutor_mode_reveals_the_key_only_after_the_answer_is_saved(api_as, trainee):
    make_item(n=1)
    api = api_as(trainee)
    state = _start(api, count=1).json()
    assert PRACTICE_SECRET not in json.dumps(state)
    assert '"key"' not in json.dumps(state["items"])
    feedback_url = reverse("api:practice_feedback", args=[state["id"], 1])
    refused = api.get(feedback_url)
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_answered"
    assert PRACTICE_SECRET not in refused.content.decode()
    assert _save(api, state["id"], 1, {"choice": "A"}, 1).json()["accepted"] is True
    feedback = api.get(feedback_url).json()
    assert feedback["key"] == {"": ["B"]}
    assert feedback["correct"] is False
    assert PRACTICE_SECRET in feedback["explanation_html"]
    assert feedback["references"] == ["Reference 1"]
    assert feedback["others"]["n"] == 0


def test_feedback_shows_how_others_answered(trainee, other_trainee, api_as):
    make_item(n=1)
    for user, choice in ((other_trainee, "A"), (UserFactory(roles=["trainee"]), "B")):
        session = practice_session_start(trainee=user, mode="tutor", count=1)
        practice_answer_save(session=session, position=1, answer={"choice": choice}, seq=1)
    session = practice_session_start(trainee=trainee, mode="tutor", count=1)
    practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=1)
    others = api_as(trainee).get(reverse("api:practice_feedback", args=[session.pk, 1])).json()["others"]
    assert others == {"n": 2, "correct_rate": 0.5, "options": {"": {"A": 0.5, "B": 0.5}}}


def test_an_answered_tutor_item_is_final(trainee):
    make_item(n=1)
    session = practice_session_start(trainee=trainee, mode="tutor", count=1)
    practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=1)
    with pytest.raises(ConflictError):
        practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=2)
    assert PracticeItem.objects.get(session=session).answer == {"choice": "A"}


def test_saves_are_idempotent_and_ordered_by_sequence_number(trainee):
    make_item(n=1)
    session = practice_session_start(trainee=trainee, mode="simulation", count=1)
    assert practice_answer_save(session=session, position=1, answer={"choice": "C"}, seq=5)["accepted"] is True
    late = practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=3)
    assert late["accepted"] is False and late["seq"] == 5
    again = practice_answer_save(session=session, position=1, answer={"choice": "C"}, seq=5)
    assert again["accepted"] is False
    practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=6)
    item = PracticeItem.objects.get(session=session)
    assert (item.answer, item.seq, item.correct) == ({"choice": "B"}, 6, True)


@pytest.mark.parametrize("seq", [0, -1, True, "1", None])
def test_a_bad_sequence_number_is_refused(api_as, trainee, seq):
    make_item(n=1)
    state = _start(api_as(trainee), count=1).json()
    response = _save(api_as(trainee), state["id"], 1, {"choice": "A"}, seq)
    assert response.status_code == 400


def test_an_answer_that_does_not_fit_is_refused(api_as, trainee):
    make_item(n=1)
    api = api_as(trainee)
    state = _start(api, count=1).json()
    assert _save(api, state["id"], 1, {"choice": "Z"}, 1).status_code == 400
    assert _save(api, state["id"], 9, {"choice": "A"}, 1).status_code == 404


# --- exam simulation ----------------------------------------------------------------------------------


def _secure_exam(officer, rows):
    exam = Exam.objects.create(code="sim-q", title_zh="准入", title_en="Qualifying", level="Q", created_by=officer)
    paper = Paper.objects.create(exam=exam, number=1, title_zh="一", duration_minutes=120, item_count=100)
    for area, count in rows.items():
        BlueprintRow.objects.create(paper=paper, area=TechniqueArea.objects.get(code=area), count=count)
    return exam


def test_simulation_follows_the_blueprint_proportions_and_the_paper_pace(trainee, officer):
    _secure_exam(officer, {"TACE": 75, "TIPS": 25})
    for i in range(10):
        make_item(area="TACE", n=i + 1)
        make_item(area="TIPS", n=i + 50)
    now = timezone.now()
    session = practice_session_start(trainee=trainee, mode="simulation", count=8, level="Q", now=now, seed=3)
    areas = list(PracticeItem.objects.filter(session=session).values_list("area__code", flat=True))
    assert sorted(areas).count("TACE") == 6 and areas.count("TIPS") == 2
    assert session.deadline_at == now + timedelta(seconds=72 * 8)  # 120 minutes for 100 items


def test_simulation_reveals_feedback_only_at_the_end(api_as, trainee):
    make_item(n=1)
    make_item(n=2)
    api = api_as(trainee)
    state = _start(api, mode="simulation", count=2).json()
    assert state["deadline_at"] is not None
    _save(api, state["id"], 1, {"choice": "B"}, 1)
    feedback_url = reverse("api:practice_feedback", args=[state["id"], 1])
    assert api.get(feedback_url).json()["code"] == "not_finished"
    assert "correct" not in api.get(reverse("api:practice_session", args=[state["id"]])).json()["items"][0]
    finished = api.post(reverse("api:practice_finish", args=[state["id"]])).json()
    assert finished["summary"] == {"answered": 1, "correct": 1, "total": 2}
    assert [i["correct"] for i in finished["items"]] == [True, False]  # the unanswered one counts as missed
    assert api.get(feedback_url).json()["key"] == {"": ["B"]}


def test_a_simulation_past_its_deadline_refuses_saves_and_finishes(trainee):
    make_item(n=1)
    start = timezone.now() - timedelta(hours=1)
    session = practice_session_start(trainee=trainee, mode="simulation", count=1, now=start)
    with pytest.raises(ConflictError):
        practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=1)
    session.refresh_from_db()
    assert session.is_finished and session.stop_reason == "time_up"
    assert PracticeItem.objects.get(session=session).correct is False


# --- adaptive -------------------------------------------------------------------------------------------


def test_adaptive_starts_near_zero_and_follows_the_estimate(trainee):
    difficulties = [-3.0, -2.0, -1.0, -0.2, 0.5, 1.0, 2.0, 3.0]
    for i, b in enumerate(difficulties):
        make_item(b=b, n=i + 1)
    # An uncalibrated item: the author's estimate p = 0.8 maps to b = ln(0.2/0.8) ≈ -1.386.
    make_item(estimate=0.8, n=20)
    session = practice_session_start(trainee=trainee, mode="adaptive", count=4)
    first = PracticeItem.objects.get(session=session, position=1)
    assert first.difficulty == pytest.approx(-0.2)
    result = practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=1)  # correct
    session.refresh_from_db()
    assert session.theta > 0
    second = PracticeItem.objects.get(session=session, position=result["next_position"])
    remaining = [b for b in difficulties + [-1.386] if b != -0.2]
    assert abs(second.difficulty - session.theta) == pytest.approx(
        min(abs(b - session.theta) for b in remaining), abs=1e-3
    )
    for position in (2, 3, 4):
        practice_answer_save(session=session, position=position, answer={"choice": "B"}, seq=position)
    session.refresh_from_db()
    assert session.is_finished and session.stop_reason == "length"
    assert PracticeItem.objects.filter(session=session).count() == 4


def test_adaptive_stops_when_the_items_run_out(trainee):
    make_item(b=0.0, n=1)
    make_item(b=1.0, n=2)
    session = practice_session_start(trainee=trainee, mode="adaptive", count=10)
    practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=1)
    practice_answer_save(session=session, position=2, answer={"choice": "A"}, seq=2)
    session.refresh_from_db()
    assert session.stop_reason == "exhausted" and session.is_finished


# --- mastery --------------------------------------------------------------------------------------------


def test_mastery_updates_after_each_answer(api_as, trainee):
    objective = Objective.objects.filter(area__code="TACE").first()
    versions = [make_item(n=i) for i in range(1, 4)]
    for version in versions:
        QuestionVersion.objects.filter(pk=version.pk).update(status="draft")
        version.objectives.add(objective)
        QuestionVersion.objects.filter(pk=version.pk).update(status="approved")
    assert practice_mastery(trainee=trainee).overall.n == 0
    session = practice_session_start(trainee=trainee, mode="tutor", count=3)
    for position, choice in ((1, "B"), (2, "B"), (3, "A")):
        practice_answer_save(session=session, position=position, answer={"choice": choice}, seq=1)
        mastery = practice_mastery(trainee=trainee)
        assert mastery.overall.n == position
    body = api_as(trainee).get(reverse("api:practice_mastery")).json()
    (area,) = body["areas"]
    assert (area["code"], area["n"], area["correct"]) == ("TACE", 3, 2)
    assert area["low"] == pytest.approx(0.2077, abs=1e-3) and area["high"] == pytest.approx(0.9385, abs=1e-3)
    assert area["theta"] is not None and area["theta_se"] > 0
    (row,) = body["objectives"]
    assert (row["code"], row["n"], row["correct"]) == (objective.code, 3, 2)
    assert body["weeks"][-1]["n"] == 3
    qualifying = body["readiness"][0]
    assert qualifying["level"] == "Q" and qualifying["status"] == "not_yet"
    assert qualifying["weakest_areas"][0]["code"] == "TACE"


# --- bookmarks and problem reports -------------------------------------------------------------------


def test_bookmarks_only_for_questions_met_in_practice(api_as, trainee):
    seen = make_item(n=1)
    unseen_secure = make_item(pool="secure", n=2)
    api = api_as(trainee)
    state = _start(api, count=1).json()
    assert api.put(reverse("api:practice_bookmark", args=[unseen_secure.question_id])).status_code == 404
    assert api.put(reverse("api:practice_bookmark", args=[seen.question_id])).json()["bookmarked"] is True
    assert [b["question"] for b in api.get(reverse("api:practice_bookmarks")).json()] == [seen.question_id]
    assert api.get(reverse("api:practice_session", args=[state["id"]])).json()["items"][0]["bookmarked"] is True
    again = _start(api, source="bookmarks", count=5).json()
    assert [i["item"]["stem_html"] for i in again["items"]] == [state["items"][0]["item"]["stem_html"]]
    api.delete(reverse("api:practice_bookmark", args=[seen.question_id]))
    assert api.get(reverse("api:practice_bookmarks")).json() == []


def test_repractising_missed_items(trainee):
    for n in range(1, 4):
        make_item(n=n)
    session = practice_session_start(trainee=trainee, mode="tutor", count=3)
    items = list(PracticeItem.objects.filter(session=session).order_by("position"))
    practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=1)  # missed
    practice_answer_save(session=session, position=2, answer={"choice": "B"}, seq=1)
    again = practice_session_start(trainee=trainee, mode="tutor", count=10, source="missed")
    assert list(PracticeItem.objects.filter(session=again).values_list("version_id", flat=True)) == [
        items[0].version_id
    ]


def test_a_problem_report_reaches_the_items_author_only(api_as, trainee, instructor, reviewer):
    version = make_item(n=1, by=instructor)
    api = api_as(trainee)
    state = _start(api, count=1).json()
    url = reverse("api:practice_problem", args=[state["id"], 1])
    assert api.post(url, {"text": ""}, format="json").status_code == 400
    assert api.post(url, {"text": "Option B and C say the same thing."}, format="json").status_code == 201
    reports = api_as(instructor).get(reverse("api:practice_problem_reports")).json()
    assert [(r["question"], r["text"]) for r in reports] == [
        (str(version.question), "Option B and C say the same thing.")
    ]
    assert api_as(reviewer).get(reverse("api:practice_problem_reports")).json() == []
    resolve = reverse("api:practice_problem_resolve", args=[reports[0]["id"]])
    assert api_as(reviewer).post(resolve, {"reply": "no"}, format="json").status_code == 404
    assert api_as(instructor).post(resolve, {"reply": "Fixed in v2."}, format="json").json()["status"] == "resolved"


# --- permissions ----------------------------------------------------------------------------------------


def test_a_trainee_reaches_only_their_own_sessions(api_as, trainee, other_trainee, instructor):
    make_item(n=1)
    state = _start(api_as(trainee), count=1).json()
    other = api_as(other_trainee)
    for url in (
        reverse("api:practice_session", args=[state["id"]]),
        reverse("api:practice_feedback", args=[state["id"], 1]),
    ):
        assert other.get(url).status_code == 404
    assert _save(other, state["id"], 1, {"choice": "B"}, 1).status_code == 404
    assert other.post(reverse("api:practice_finish", args=[state["id"]])).status_code == 404
    problem = reverse("api:practice_problem", args=[state["id"], 1])
    assert other.post(problem, {"text": "x"}, format="json").status_code == 404
    assert other.get(reverse("api:practice_sessions")).json() == []
    assert api_as(instructor).get(reverse("api:practice_session", args=[state["id"]])).status_code == 403
    assert api_as(None).get(reverse("api:practice_sessions")).status_code in (401, 403)
    assert PracticeItem.objects.get(session_id=state["id"]).seq == 0


def test_instructors_see_only_their_trainees(api_as, trainee, other_trainee, instructor, reviewer):
    make_item(n=1)
    for user in (trainee, other_trainee):
        session = practice_session_start(trainee=user, mode="tutor", count=1)
        practice_answer_save(session=session, position=1, answer={"choice": "A"}, seq=1)
    body = api_as(instructor).get(reverse("api:practice_instructor")).json()
    assert [t["username"] for t in body["trainees"]] == ["trainee"]
    assert body["trainees"][0]["areas"][0]["area"] == "TACE"
    assert body["missed"] == []  # one answer from their trainees: below the minimum of two
    mine = reverse("api:practice_instructor_trainee", args=[trainee.pk])
    assert api_as(instructor).get(mine).json()["overall"]["n"] == 1
    assert (
        api_as(instructor).get(reverse("api:practice_instructor_trainee", args=[other_trainee.pk])).status_code == 404
    )
    assert api_as(trainee).get(reverse("api:practice_instructor")).status_code == 403


def test_instructors_see_the_items_their_trainees_miss_most(api_as, trainee, instructor, centre):
    hard, easy = make_item(n=1), make_item(n=2)
    second = UserFactory(organization=centre, roles=["trainee"])
    for user in (trainee, second):
        session = practice_session_start(trainee=user, mode="tutor", count=2)
        for item in PracticeItem.objects.filter(session=session):
            choice = "A" if item.version_id == hard.pk else "B"
            practice_answer_save(session=session, position=item.position, answer={"choice": choice}, seq=1)
    missed = api_as(instructor).get(reverse("api:practice_instructor")).json()["missed"]
    assert [(m["version_id"], m["wrong"], m["n"]) for m in missed] == [(hard.pk, 2, 2)]
    assert easy.pk not in [m["version_id"] for m in missed]


# --- query counts -------------------------------------------------------------------------------------


def _queries(api, url):
    api.get(url)  # warm the per-process caches (roles) so only the endpoint's own queries count
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx.captured_queries)


def _practise(user, sessions):
    for _ in range(sessions):
        session = practice_session_start(trainee=user, mode="tutor", count=3)
        for item in PracticeItem.objects.filter(session=session):
            practice_answer_save(session=session, position=item.position, answer={"choice": "B"}, seq=1)
        practice_session_finish(session=session)


@pytest.mark.parametrize("name", ["api:practice_sessions", "api:practice_mastery", "api:practice_bookmarks"])
def test_trainee_lists_run_a_constant_number_of_queries(api_as, trainee, name):
    for n in range(1, 4):
        make_item(n=n)
        make_item(area="TIPS", n=n + 10)
    api = api_as(trainee)
    _practise(trainee, 1)
    few = _queries(api, reverse(name))
    _practise(trainee, 4)
    assert _queries(api, reverse(name)) == few


def test_the_session_state_runs_a_constant_number_of_queries(api_as, trainee):
    for n in range(1, 12):
        make_item(n=n)
    api = api_as(trainee)
    small = _start(api, count=1).json()["id"]
    large = _start(api, count=10).json()["id"]
    assert _queries(api, reverse("api:practice_session", args=[small])) == _queries(
        api, reverse("api:practice_session", args=[large])
    )


def test_the_instructor_overview_runs_a_constant_number_of_queries(api_as, trainee, instructor, centre):
    for n in range(1, 4):
        make_item(n=n)
    api = api_as(instructor)
    _practise(trainee, 1)
    few = _queries(api, reverse("api:practice_instructor"))
    for _ in range(3):
        _practise(UserFactory(organization=centre, roles=["trainee"]), 2)
    assert _queries(api, reverse("api:practice_instructor")) == few


def test_a_dicom_series_in_a_practice_item_is_served_to_its_trainee_only(api_as, trainee, other_trainee):
    from tests.question_bank.dicom_data import dicom_content, upload_ct

    series = upload_ct()
    make_item(content=dicom_content(series))
    state = _start(api_as(trainee), count=1).json()
    (media,) = state["items"][0]["item"]["media"]
    assert media["kind"] == "dicom"
    assert api_as(trainee).get(media["manifest_url"]).status_code == 200
    assert api_as(other_trainee).get(media["manifest_url"]).status_code in (403, 404)


def test_an_overdue_simulation_is_finished_before_listing(api_as, trainee):
    make_item(n=1)
    session = practice_session_start(
        trainee=trainee, mode="simulation", count=1, now=timezone.now() - timedelta(hours=2)
    )
    (listed,) = api_as(trainee).get(reverse("api:practice_sessions")).json()
    assert listed["status"] == "finished" and listed["correct_count"] == 0
    session.refresh_from_db()
    assert session.stop_reason == "time_up"
    assert api_as(trainee).get(reverse("api:practice_mastery")).json()["overall"]["n"] == 1  # counted as missed


def test_resending_an_adaptive_answer_does_not_add_another_item(trainee):
    for i, b in enumerate([-1.0, 0.0, 1.0, 2.0]):
        make_item(b=b, n=i + 1)
    session = practice_session_start(trainee=trainee, mode="adaptive", count=4)
    first = practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=1)
    again = practice_answer_save(session=session, position=1, answer={"choice": "B"}, seq=2)  # a retry, newer seq
    assert first["next_position"] == 2 and again["next_position"] is None
    assert PracticeItem.objects.filter(session=session).count() == 2


def test_no_key_explanation_reference_or_statistic_reaches_the_trainee_before_the_save(api_as, trainee):
    from tests.exams.conftest import SECRET_DIFFICULTY, SECRET_EXPLANATION, SECRET_REFERENCE, delivery_contents

    contents = [c for c in delivery_contents() if c["type"] != "case"]
    for n, content in enumerate(contents, start=1):
        make_item(content=content, estimate=SECRET_DIFFICULTY, b=1.2345 + n)
    api = api_as(trainee)
    bodies = []
    for mode in ("tutor", "simulation", "adaptive"):
        state = _start(api, mode=mode, count=len(contents)).json()
        bodies.append(json.dumps(state))
        bodies.append(api.get(reverse("api:practice_session", args=[state["id"]])).content.decode())
        for entry in state["items"]:
            bodies.append(
                api.get(reverse("api:practice_feedback", args=[state["id"], entry["position"]])).content.decode()
            )
    bodies.append(api.get(reverse("api:practice_sessions")).content.decode())
    for body in bodies:
        for secret in (SECRET_EXPLANATION, SECRET_REFERENCE, str(SECRET_DIFFICULTY), "2.2345", '"key"'):
            assert secret not in body


def test_the_problem_report_list_runs_a_constant_number_of_queries(api_as, trainee, instructor):
    from exams.services.practice import practice_problem_report

    def report(n):
        make_item(n=n, by=instructor)
        session = practice_session_start(trainee=trainee, mode="tutor", count=1, source="selection")
        item = PracticeItem.objects.filter(session=session).get()
        practice_problem_report(item=item, reporter=trainee, text=f"Problem {n}")

    report(1)
    api = api_as(instructor)
    few = _queries(api, reverse("api:practice_problem_reports"))
    for n in range(2, 5):
        report(n)
    assert _queries(api, reverse("api:practice_problem_reports")) == few
    assert len(api.get(reverse("api:practice_problem_reports")).json()) == 4
