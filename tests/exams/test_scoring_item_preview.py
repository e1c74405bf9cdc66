"""The officers' item-analysis pages show the question version candidates saw beside its statistics:
stem and options rendered as on the exam page, the key marked, each option's responses (docs/psychometrics.md)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exams.models import SittingAnalysis
from exams.services import keys
from exams.services.scoring import sitting_score
from question_bank.models import QuestionVersion
from tests.exams.scoring_data import build_scoring_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(officer):
    """The hand-computed sitting of tests/exams/scoring_data.py, scored (4 candidates, 6 items, 8 units)."""
    scored = build_scoring_sitting(officer=officer, code="ir-preview")
    sitting_score(sitting=scored.sitting)
    return scored


def _option_row(html: str, text: str) -> str:
    """The table row of the option whose text is ``text`` (exactly one on the page)."""
    rows = [row for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S) if text in row]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_item_analysis_page_shows_each_item_with_its_key_and_responses(built, officer, client_as):
    response = client_as(officer).get(reverse("exams:scoring_items", args=[built.sitting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # sba: stem and lead-in rendered as Markdown, key B chosen by c1, c3 and c4, A by c2
    assert "<p>A patient with hepatocellular carcinoma is referred for transarterial therapy.</p>" in html
    assert "Which vessel supplies most of the blood to hepatocellular carcinoma?" in html
    key = _option_row(html, "Hepatic artery")
    assert 'class="option-key"' in key and '<span class="badge badge-ok">答案</span>' in key and "3 (75%)" in key
    distractor = _option_row(html, "Portal vein")
    assert "option-key" not in distractor and "1 (25%)" in distractor
    assert "0 (0%)" in _option_row(html, "<p>Hepatic vein</p>")  # chosen by nobody: absent from the analysis
    # emq stems and case stage questions appear too, each unit with its own key
    assert "Retrograde flow into the sac from a lumbar artery." in html
    assert "What is the recommended first treatment?" in html
    assert "option-key" in _option_row(html, "Transarterial chemoembolisation")
    # an ordering unit has no option statistics: the version's key is marked, counts show as "–"
    assert "option-key" in _option_row(html, "Pass the guidewire through the needle")
    # one preview per item (6), not per scoring unit (8)
    assert html.count('class="item-preview-row"') == 6


def test_the_page_shows_the_version_candidates_saw_not_a_later_one(built, officer, client_as):
    first = built.versions[1]
    QuestionVersion.objects.create(
        question=first.question,
        number=2,
        status="approved",
        content={**first.content, "stem": "A rewritten stem nobody sat."},
        level="Q",
        pool="secure",
        author=first.author,
    )
    html = client_as(officer).get(reverse("exams:scoring_items", args=[built.sitting.pk])).content.decode()
    assert "referred for transarterial therapy" in html
    assert "A rewritten stem nobody sat." not in html


def test_the_item_page_shows_the_rendered_item_with_the_key(built, officer, client_as):
    response = client_as(officer).get(reverse("exams:scoring_item", args=[built.sitting.pk, built.form.pk, 2]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Which are components of the Child-Pugh score?" in html
    for text in ("Serum bilirubin", "Serum albumin", "Ascites"):  # mrq key A B D
        assert "option-key" in _option_row(html, text)
    assert "option-key" not in _option_row(html, "Platelet count")


@pytest.mark.parametrize("persona", ["trainee", "instructor", "reviewer", "proctor"])
def test_only_officers_see_the_items_and_their_keys(built, persona, request, client_as):
    client = client_as(request.getfixturevalue(persona))
    for url in (
        reverse("exams:scoring_items", args=[built.sitting.pk]),
        reverse("exams:scoring_item", args=[built.sitting.pk, built.form.pk, 1]),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert b"Hepatic artery" not in response.content


def _analysis_with(built, n_items: int) -> None:
    """Rewrite the stored analysis to ``n_items`` single-unit sba items, each its own question version."""
    data = SittingAnalysis.objects.get(sitting=built.sitting).data
    template = data["forms"][0]["items"][0]
    source = built.versions[1]
    rows = []
    for position in range(1, n_items + 1):
        version = QuestionVersion.objects.create(
            question=source.question,
            number=1000 * n_items + position,
            status="approved",
            content={**source.content, "stem": f"Stem of item {position}."},
            level="Q",
            pool="secure",
            author=source.author,
        )
        rows.append({**template, "position": position, "version_id": version.pk, "label": str(position)})
    data["forms"][0]["items"] = rows
    SittingAnalysis.objects.filter(sitting=built.sitting).update(data=data)


def test_the_page_runs_the_same_queries_for_5_and_20_items(built, officer, client_as):
    client = client_as(officer)
    url = reverse("exams:scoring_items", args=[built.sitting.pk])
    counts = {}
    for n_items in (5, 20):
        _analysis_with(built, n_items)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert f"Stem of item {n_items}." in html
        counts[n_items] = len(queries)
    assert counts[5] == counts[20], counts


def test_a_confirmed_re_key_moves_the_mark(built, officer, client_as):
    keys.key_decision_confirm(
        sitting=built.sitting, version=built.versions[1], unit_id="", action="rekey", key=["A"], reason="x", by=officer
    )
    sitting_score(sitting=built.sitting)  # the rescoring the decision queued
    html = client_as(officer).get(reverse("exams:scoring_items", args=[built.sitting.pk])).content.decode()
    assert "option-key" in _option_row(html, "Portal vein")
    assert "option-key" not in _option_row(html, "Hepatic artery")
