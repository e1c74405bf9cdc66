"""Score reports: the candidate's own report (page, API, PDF) after release, and nothing before.

Figures are worked out by hand on the sitting of ``tests/exams/scoring_data.py`` (cut 60 %, c5
terminated with one correct answer, so five candidates are scored):

==========  =====  ======  =====  ========
candidate   TACE   ANEU    CORE   overall
==========  =====  ======  =====  ========
c1          4/4    3/3     1/1    8/8     100 %
c2          5/3    2/3     2/3    13/3    54.17 %
c3          2/4    0/3     0/1    2/8     25 %
c4          11/3   3/3     2/3    22/3    91.67 %
c5          1/4    0/3     0/1    1/8     12.5 %
==========  =====  ======  =====  ========

TACE percents 100, 41.67, 50, 91.67, 25: mean 61.67, c1's mid-rank percentile (4 below + ½·1 tied)/5 = 90.
ANEU percents 100, 66.67, 0, 100, 0: mean 53.33, c1's percentile (3 + ½·2)/5 = 80.
CORE-ACC 100, 66.67, 0, 66.67, 0: mean 46.67. Overall mean 56.67, c1 at 90.
"""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from exams.models import Attempt, CandidateResult, CutScore, Exam, Registration, Response
from exams.services import reports
from exams.services.keys import key_validation_close
from exams.services.results import results_release
from exams.services.scoring import scoring_job_start
from question_bank.models import QuestionVersion
from tests.exams.conftest import SECRET_EXPLANATION
from tests.exams.scoring_data import ANSWERS, build_scoring_sitting
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def score(built, officer, capture, *, release: bool = True) -> None:
    Attempt.objects.filter(pk=built.attempts["c5"].pk).update(status=Attempt.Status.TERMINATED)
    CutScore.objects.create(sitting=built.sitting, paper=built.paper, method="fixed", percent=60, decided_by=officer)
    with capture(execute=True):
        scoring_job_start(sitting=built.sitting, by=officer)
    if release:
        key_validation_close(sitting=built.sitting, by=officer)
        results_release(sitting=built.sitting, by=officer)


@pytest.fixture
def scored(officer, django_capture_on_commit_callbacks):
    built = build_scoring_sitting(officer=officer)
    score(built, officer, django_capture_on_commit_callbacks, release=False)
    return built


@pytest.fixture
def released(officer, django_capture_on_commit_callbacks):
    built = build_scoring_sitting(officer=officer)
    score(built, officer, django_capture_on_commit_callbacks)
    return built


@pytest.fixture
def practice(officer, django_capture_on_commit_callbacks):
    built = build_scoring_sitting(officer=officer, code="ir-practice")
    Exam.objects.filter(pk=built.exam.pk).update(purpose=Exam.Purpose.PRACTICE)
    QuestionVersion.objects.filter(pk__in=[v.pk for v in built.versions.values()]).update(pool="practice")
    score(built, officer, django_capture_on_commit_callbacks)
    return built


def report_url(built, name: str, kind: str = "page") -> str:
    registration_id = built.registrations[name].pk
    return {
        "page": reverse("exams:my_report", args=[registration_id]),
        "pdf": reverse("exams:my_report_pdf", args=[registration_id]),
        "api": reverse("api:my_result", args=[registration_id]),
        "api_pdf": reverse("api:my_result_pdf", args=[registration_id]),
    }[kind]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- figures -----------------------------------------------------------------------------------


def test_the_report_has_the_hand_computed_figures_and_cohort_comparison(released):
    report = reports.candidate_report(registration=released.registrations["c1"])
    assert report.passed is True
    assert report.raw_score == pytest.approx(8.0) and report.percent == pytest.approx(100.0)
    assert report.cohort_n == 5
    assert report.cohort_mean == pytest.approx((100 + 100 * 13 / 24 + 25 + 100 * 22 / 24 + 12.5) / 5)
    assert report.percentile == pytest.approx(90.0)
    assert [(p.number, p.raw, p.passed) for p in report.papers] == [(1, 8.0, True)]
    areas = {a.code: a for a in report.areas}
    assert set(areas) == {"TACE", "ANEU", "CORE-ACC"}
    assert areas["TACE"].percent == pytest.approx(100.0)
    assert areas["TACE"].cohort_mean == pytest.approx((100 + 100 * 5 / 12 + 50 + 100 * 11 / 12 + 25) / 5)
    assert areas["TACE"].percentile == pytest.approx(90.0)
    assert areas["ANEU"].cohort_mean == pytest.approx((100 + 200 / 3 + 0 + 100 + 0) / 5)
    assert areas["ANEU"].percentile == pytest.approx(80.0)
    assert areas["CORE-ACC"].cohort_mean == pytest.approx((100 + 200 / 3 + 0 + 200 / 3 + 0) / 5)
    assert report.missed_items == []  # a secure exam never lists items


def test_the_weakest_candidate_sits_at_the_bottom_of_the_cohort(released):
    report = reports.candidate_report(registration=released.registrations["c3"])
    assert report.passed is False
    assert report.percentile == pytest.approx(100 * 1.5 / 5)  # c5 below, c3 itself half
    aneu = next(a for a in report.areas if a.code == "ANEU")
    assert aneu.percent == 0.0 and aneu.percentile == pytest.approx(100 * (0 + 0.5 * 2) / 5)


def test_percentile_rank_is_mid_rank():
    assert reports.percentile_rank([10, 20, 20, 30], 20) == pytest.approx(50.0)
    assert reports.percentile_rank([10, 20, 30], 5) == 0.0
    assert reports.percentile_rank([10, 20, 30], 30) == pytest.approx(100 * 2.5 / 3)


# --- access ------------------------------------------------------------------------------------


def test_the_candidate_sees_their_own_report_page_and_api(released, client_as, api_as):
    c1 = released.candidates["c1"]
    with translation.override("en"):
        response = client_as(c1).get(report_url(released, "c1"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Score report" in body and 'id="report-verdict"' in body and "Pass" in body
    assert released.sitting.code in body
    data = api_as(c1).get(report_url(released, "c1", "api")).json()
    assert data["passed"] is True and data["percentile"] == pytest.approx(90.0)
    assert {a["code"] for a in data["areas"]} == {"TACE", "ANEU", "CORE-ACC"}
    assert data["missed_items"] == []


def test_the_exams_list_links_to_the_released_report(released, client_as):
    response = client_as(released.candidates["c1"]).get(reverse("exams:my_sittings"))
    assert report_url(released, "c1") in response.content.decode()


def test_before_release_nothing_is_reachable(scored, client_as, api_as):
    c1 = scored.candidates["c1"]
    for kind in ("page", "pdf"):
        assert client_as(c1).get(report_url(scored, "c1", kind)).status_code == 404
    for kind in ("api", "api_pdf"):
        assert api_as(c1).get(report_url(scored, "c1", kind)).status_code == 404
    assert api_as(c1).get(reverse("api:my_results")).json() == {"results": []}
    assert report_url(scored, "c1") not in client_as(c1).get(reverse("exams:my_sittings")).content.decode()


@pytest.mark.parametrize("kind", ["page", "pdf", "api", "api_pdf"])
def test_another_trainee_gets_404(released, kind, client_as, api_as, other_trainee):
    for intruder in (released.candidates["c2"], other_trainee):
        client = api_as(intruder) if kind.startswith("api") else client_as(intruder)
        assert client.get(report_url(released, "c1", kind)).status_code == 404


@pytest.mark.parametrize("kind", ["page", "pdf", "api", "api_pdf"])
def test_an_instructor_gets_403(released, kind, client_as, api_as, instructor):
    client = api_as(instructor) if kind.startswith("api") else client_as(instructor)
    assert client.get(report_url(released, "c1", kind)).status_code == 403


def test_the_results_list_shows_only_the_candidates_own_released_results(released, api_as):
    rows = api_as(released.candidates["c2"]).get(reverse("api:my_results")).json()["results"]
    assert [(r["registration_id"], r["passed"]) for r in rows] == [(released.registrations["c2"].pk, False)]


# --- practice only: missed items ---------------------------------------------------------------


def test_a_practice_report_lists_the_missed_items_with_key_and_explanation(practice, api_as):
    data = api_as(practice.candidates["c2"]).get(report_url(practice, "c2", "api")).json()
    assert data["practice"] is True
    missed = {item["position"]: item for item in data["missed_items"]}
    assert set(missed) == {1, 2, 4, 5, 6}  # c2's misses; item 3 (tf) was right
    assert missed[1]["units"] == [{"question": "", "key": ["B. Hepatic artery"], "your_answer": ["A. Portal vein"]}]
    assert missed[1]["explanation"].startswith(f"{SECRET_EXPLANATION}-1")
    assert [u["question"] for u in missed[4]["units"]] == ["Retrograde flow into the sac from a lumbar artery."]
    # the case: q1's locked answer A was right, q2 (B) was wrong
    assert [u["key"] for u in missed[6]["units"]] == [["A. Post-embolisation syndrome"]]
    assert api_as(practice.candidates["c1"]).get(report_url(practice, "c1", "api")).json()["missed_items"] == []


def test_a_practice_report_never_lists_secure_pool_items(practice, api_as):
    QuestionVersion.objects.filter(pk=practice.versions[1].pk).update(pool="secure")
    data = api_as(practice.candidates["c2"]).get(report_url(practice, "c2", "api")).json()
    assert 1 not in {item["position"] for item in data["missed_items"]}
    assert f"{SECRET_EXPLANATION}-1:" not in str(data)


def test_a_secure_report_shows_no_item_content_anywhere(released, client_as, api_as):
    c2 = released.candidates["c2"]
    page = client_as(c2).get(report_url(released, "c2")).content.decode()
    api = api_as(c2).get(report_url(released, "c2", "api")).content.decode()
    pdf = pdf_text(client_as(c2).get(report_url(released, "c2", "pdf")).content)
    for text in (page, api, pdf):
        assert SECRET_EXPLANATION not in text
        assert "Hepatic artery" not in text


# --- PDF ---------------------------------------------------------------------------------------


def test_the_pdf_is_in_the_request_language(released, client_as):
    c1, c3 = released.candidates["c1"], released.candidates["c3"]
    CandidateResult.objects.filter(registration=released.registrations["c1"]).update(scaled_score=342.4)
    response = client_as(c1).get(report_url(released, "c1", "pdf"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert c1.display_name_en in text and "342" in text and "Pass" in text and "Score report" in text
    response = client_as(c1).get(report_url(released, "c1", "pdf"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = pdf_text(response.content)
    assert c1.display_name_zh in text and "342" in text and "合格" in text and "成绩报告" in text
    assert "不合格" not in text
    text = pdf_text(client_as(c3).get(report_url(released, "c3", "pdf"), HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert "不合格" in text


def test_the_practice_pdf_has_the_missed_items(practice, client_as):
    c2 = practice.candidates["c2"]
    text = pdf_text(client_as(c2).get(report_url(practice, "c2", "pdf"), HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Hepatic artery" in text and f"{SECRET_EXPLANATION}-1" in text


# --- query counts ------------------------------------------------------------------------------


def test_report_queries_do_not_grow_with_the_cohort(officer, django_capture_on_commit_callbacks, api_as, client_as):
    counts = []
    for code, extra in (("ir-small", 0), ("ir-large", 25)):
        built = build_scoring_sitting(officer=officer, code=code)
        if extra:  # more candidates answering like c1, on the same form
            for i in range(extra):
                user = UserFactory(username=f"{code}-extra-{i}")
                registration = Registration.objects.create(sitting=built.sitting, candidate=user, registered_by=officer)
                attempt = Attempt.objects.create(
                    registration=registration,
                    paper=built.paper,
                    form=built.form,
                    candidate=user,
                    status=Attempt.Status.SUBMITTED,
                    started_at=built.attempts["c1"].started_at,
                    deadline_at=built.attempts["c1"].deadline_at,
                    submitted_at=built.attempts["c1"].deadline_at,
                )
                Response.objects.bulk_create(
                    [Response(attempt=attempt, position=p, answer=a, seq=p) for p, a in ANSWERS["c1"].items()]
                )
        score(built, officer, django_capture_on_commit_callbacks)
        c1 = built.candidates["c1"]
        measured = []
        for client, url in (
            (api_as(c1), report_url(built, "c1", "api")),
            (client_as(c1), report_url(built, "c1")),
            (api_as(c1), reverse("api:my_results")),
        ):
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            measured.append(len(ctx))
        counts.append(measured)
    assert counts[0] == counts[1]


def test_the_practice_report_page_shows_the_missed_items_in_chinese_by_default(practice, client_as):
    body = client_as(practice.candidates["c2"]).get(report_url(practice, "c2")).content.decode()
    assert "答错的试题" in body and "正确答案" in body
    assert "B. Hepatic artery" in body and f"{SECRET_EXPLANATION}-1" in body
    assert "合格分数线" in body
