"""Fixtures for the exams tests.

Sections (append only; each engineer owns one):

1. Delivery data (K): a small scheduled sitting with approved versions of every delivered type
   (sba, mrq, tf, emq, order, case), one form laid out with ``exams.delivery.layout_entry``, and
   registrations for the ``trainee`` and ``other_trainee`` personas. Explanations, references and
   the difficulty estimate are recognisable strings so leak tests can grep every response for them.
2. Browser fixtures (L): Playwright, added below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from exams.delivery import layout_entry
from exams.models import Exam, Form, FormItem, Paper, Registration, Sitting
from tests.factories import UserFactory

# ---------------------------------------------------------------------------------------------
# 1. Delivery data (K)
# ---------------------------------------------------------------------------------------------

#: Strings that must never reach a candidate. Every item's explanation and references use them.
SECRET_EXPLANATION = "SECRET-EXPLANATION-7f3a"
SECRET_REFERENCE = "SECRET-REFERENCE-91c2"
#: The author's difficulty estimate of every test item (a statistic: never shown to candidates).
SECRET_DIFFICULTY = 0.4321


def _secret(content: dict, n: int) -> dict:
    content["explanation"] = f"{SECRET_EXPLANATION}-{n}: the reasoning behind the key."
    content["references"] = [f"{SECRET_REFERENCE}-{n}"]
    return content


def delivery_contents() -> list[dict]:
    """One content object per delivered type, in form order (positions 1…6)."""
    return [
        _secret(
            {
                "type": "sba",
                "stem": "A patient with hepatocellular carcinoma is referred for transarterial therapy.",
                "lead_in": "Which vessel supplies most of the blood to hepatocellular carcinoma?",
                "options": [
                    {"id": "A", "text": "Portal vein"},
                    {"id": "B", "text": "Hepatic artery"},
                    {"id": "C", "text": "Hepatic vein"},
                    {"id": "D", "text": "Inferior vena cava"},
                ],
                "key": ["B"],
            },
            1,
        ),
        _secret(
            {
                "type": "mrq",
                "stem": "",
                "lead_in": "Which are components of the Child-Pugh score?",
                "options": [
                    {"id": "A", "text": "Serum bilirubin"},
                    {"id": "B", "text": "Serum albumin"},
                    {"id": "C", "text": "Platelet count"},
                    {"id": "D", "text": "Ascites"},
                ],
                "key": ["A", "B", "D"],
                "scoring": "partial",
            },
            2,
        ),
        _secret(
            {
                "type": "tf",
                "stem": "",
                "lead_in": "A type II endoleak fills the aneurysm sac through a branch vessel.",
                "options": [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}],
                "key": ["T"],
            },
            3,
        ),
        _secret(
            {
                "type": "emq",
                "stem": "Endoleak types after endovascular aneurysm repair",
                "lead_in": "For each description choose the endoleak type.",
                "options": [
                    {"id": "A", "text": "Type I"},
                    {"id": "B", "text": "Type II"},
                    {"id": "C", "text": "Type III"},
                    {"id": "D", "text": "Type IV"},
                    {"id": "E", "text": "Type V"},
                ],
                "stems": [
                    {"id": "1", "text": "Flow through an inadequate proximal seal.", "key": ["A"]},
                    {"id": "2", "text": "Retrograde flow into the sac from a lumbar artery.", "key": ["B"]},
                ],
            },
            4,
        ),
        _secret(
            {
                "type": "order",
                "stem": "",
                "lead_in": "Put the steps of the Seldinger technique in order.",
                "options": [
                    {"id": "A", "text": "Puncture the vessel with the needle"},
                    {"id": "B", "text": "Pass the guidewire through the needle"},
                    {"id": "C", "text": "Remove the needle over the wire"},
                    {"id": "D", "text": "Advance the sheath or catheter over the wire"},
                ],
                "key": ["A", "B", "C", "D"],
            },
            5,
        ),
        _secret(
            {
                "type": "case",
                "stem": "A 62-year-old man with cirrhosis has a multinodular hepatocellular carcinoma.",
                "stages": [
                    {
                        "id": "s1",
                        "text": "He is Child-Pugh A, ECOG 0, with no vascular invasion or spread (BCLC stage B).",
                        "questions": [
                            {
                                "id": "q1",
                                "type": "sba",
                                "stem": "",
                                "lead_in": "What is the recommended first treatment?",
                                "options": [
                                    {"id": "A", "text": "Transarterial chemoembolisation"},
                                    {"id": "B", "text": "Best supportive care"},
                                    {"id": "C", "text": "Liver transplantation without downstaging"},
                                ],
                                "key": ["A"],
                            }
                        ],
                    },
                    {
                        "id": "s2",
                        "text": "Within 48 hours of the procedure he has fever, right upper quadrant pain and nausea.",
                        "questions": [
                            {
                                "id": "q2",
                                "type": "sba",
                                "stem": "",
                                "lead_in": "What is the most likely cause?",
                                "options": [
                                    {"id": "A", "text": "Post-embolisation syndrome"},
                                    {"id": "B", "text": "Acute variceal haemorrhage"},
                                    {"id": "C", "text": "Hepatic vein thrombosis"},
                                ],
                                "key": ["A"],
                            }
                        ],
                    },
                ],
            },
            6,
        ),
    ]


@dataclass
class Delivery:
    """Everything a delivery test needs; ``positions`` maps form position → content type."""

    exam: Exam
    paper: Paper
    sitting: Sitting
    form: Form
    registration: Registration
    other_registration: Registration
    versions: dict[int, object] = field(default_factory=dict)

    @property
    def positions(self) -> dict[int, str]:
        return {entry["position"]: entry["type"] for entry in self.form.layout}


def build_delivery(*, candidate, other_candidate, officer, proctor=None, now=None, duration_minutes=60, **sitting_kw):
    """A scheduled sitting open from one hour ago for five hours, one paper, one form of six items."""
    from curriculum.models import TechniqueArea
    from question_bank.models import Question, QuestionVersion

    now = now or timezone.now()
    area = TechniqueArea.objects.get(code="TACE")
    author = UserFactory(username="qb_author", roles=[Role.INSTRUCTOR])
    exam = Exam.objects.create(
        code="ir-q-test",
        title_zh="介入放射学准入考试（测试）",
        title_en="IR qualifying exam (test)",
        level="Q",
        rules_zh="闭卷考试。",
        rules_en="Closed book. No notes or phones.",
        created_by=officer,
    )
    paper = Paper.objects.create(
        exam=exam, number=1, title_zh="第一部分", title_en="Part 1", duration_minutes=duration_minutes, item_count=6
    )
    values = {
        "exam": exam,
        "code": "ir-q-test-2026",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(hours=5),
        "status": Sitting.Status.SCHEDULED,
        "created_by": officer,
        "grace_seconds": 30,
    }
    values.update(sitting_kw)
    sitting = Sitting.objects.create(**values)
    if proctor is not None:
        sitting.proctors.add(proctor)
    form = Form.objects.create(sitting=sitting, paper=paper, label="A", seed=1)
    versions = {}
    layout = []
    for position, content in enumerate(delivery_contents(), start=1):
        question = Question.objects.create(area=area, created_by=author)
        version = QuestionVersion.objects.create(
            question=question,
            number=1,
            status="approved",
            content=content,
            level="Q",
            pool="secure",
            author=author,
            difficulty_estimate=SECRET_DIFFICULTY,
            approved_at=now,
        )
        FormItem.objects.create(form=form, position=position, version=version, area=area)
        versions[position] = version
        layout.append(layout_entry(position, version.content))
    form.layout = layout
    form.save(update_fields=["layout"])
    registration = Registration.objects.create(sitting=sitting, candidate=candidate, registered_by=officer)
    other = Registration.objects.create(sitting=sitting, candidate=other_candidate, registered_by=officer)
    return Delivery(exam, paper, sitting, form, registration, other, versions)


@pytest.fixture
def delivery(trainee, other_trainee, officer, proctor):
    """A sitting open now with the ``trainee`` and ``other_trainee`` registered and ``proctor`` assigned."""
    return build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer, proctor=proctor)


# ---------------------------------------------------------------------------------------------
# 2. Browser fixtures (L) — below this line
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's package) driven by Playwright's sync API.

    Module-scoped rather than session-scoped: while Playwright's sync API is running it leaves an
    event loop marked as running in the test thread, which would break any later test in the
    session that runs async code (``async_to_sync``); stopping it after the module ends keeps the
    rest of the suite unaffected. Starting it costs about half a second.
    """
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    chromium_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium_path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from django.db import connections

    # Django's connections are context-local; once Playwright's loop runs, this thread sees new
    # connection objects without the serialised test data that ``serialized_rollback`` restores
    # after each flush. Hand the serialised data over to them.
    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_api.sync_playwright() as playwright:
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=chromium_path)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_as(browser, live_server, client):
    """``page_as(user, language="en")`` → a fresh browser page signed in as ``user``.

    The session comes from the Django test client's ``force_login``; its cookie is copied into a
    new browser context (so localStorage never leaks between tests). The language cookie fixes the
    page's language, as the candidate's choice would.
    """
    from django.conf import settings

    contexts = []

    def make(user, language: str = "en"):
        client.force_login(user)
        locale = "zh-CN" if language.startswith("zh") else "en-US"
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        # Leaving a page fires its "hidden" report; refuse every request from here on and leave
        # each page while Playwright still serves routes, so no request reaches the live server
        # after the test's database access has ended.
        context.route("**/*", lambda route: route.abort())
        for page in context.pages:
            page.goto("about:blank")
        context.close()
