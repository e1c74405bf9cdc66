"""One of everything a URL parameter can point at, built once per test module.

Every object a candidate owns belongs to ``trainee`` (his registration, attempt, logbook entry,
training period, CME credit, certificate); ``other_trainee`` has the same kinds of objects of his
own, so a URL that shows the trainee's object to ``other_trainee`` is "someone else's object".
Questions, media and imports are the ``instructor``'s; ``reviewer`` (who also holds the instructor
role) is not their author. ``proctor`` is assigned to the open sitting; ``reviewer`` sits on its
Angoff panel.

Rules modules may add objects with ``extend_world(world)`` and parameter resolvers with
``KWARGS`` (see tests/security/rules/__init__.py).
"""

from __future__ import annotations

import base64
from http.cookies import SimpleCookie
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from accounts.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.security.roles import ANONYMOUS, ROLES

STRANGER_PROCTOR = "stranger_proctor"
#: In the trainee's names and e-mail address: a page showing it shows who he is.
TRAINEE_MARK = "tr7c1e"

# A 1×1 PNG, the smallest image the media upload accepts.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


class World(SimpleNamespace):
    """Attribute bag: ``world.attempt``, ``world.users["trainee"]``, ``world.sessions[role]``…"""

    def user(self, role: str):
        return self.users.get(role)

    def client(self, role: str) -> Client:
        """The test client carrying only ``role``'s session cookie (no login per request).

        One client serves every request: a new one would build the middleware again, and
        WhiteNoise scans every static file when it starts.
        """
        client = self.__dict__.setdefault("_client", Client())
        client.cookies = SimpleCookie()
        if role != ANONYMOUS:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client


def _people(world: World) -> None:
    centre = OrganizationFactory(code="centre-test", name_zh="测试培训基地", name_en="Test Training Centre")
    other_centre = OrganizationFactory(code="centre-other", name_zh="另一培训基地", name_en="Other Training Centre")
    body = OrganizationFactory(code="body-test", kind="body", name_zh="认证委员会", name_en="Board")
    world.centre, world.other_centre, world.body = centre, other_centre, body
    world.trainee = UserFactory(
        username="trainee",
        organization=centre,
        roles=[Role.TRAINEE],
        display_name_zh=f"张伟{TRAINEE_MARK}",
        display_name_en=f"Zhang Wei {TRAINEE_MARK}",
        email=f"zhang.wei.{TRAINEE_MARK}@example.org",
    )
    world.other_trainee = UserFactory(username="other_trainee", organization=other_centre, roles=[Role.TRAINEE])
    world.instructor = UserFactory(username="instructor", organization=centre, roles=[Role.INSTRUCTOR])
    world.reviewer = UserFactory(username="reviewer", organization=other_centre, roles=[Role.REVIEWER, Role.INSTRUCTOR])
    world.second_reviewer = UserFactory(username="reviewer2", organization=other_centre, roles=[Role.REVIEWER])
    world.officer = UserFactory(username="officer", organization=body, roles=[Role.OFFICER])
    world.proctor = UserFactory(username="proctor", roles=[Role.PROCTOR])
    world.users = {role: getattr(world, role) for role in ROLES if role != ANONYMOUS}
    # a proctor of no sitting: "someone else's object" for the proctoring URLs
    world.stranger_proctor = UserFactory(username="proctor2", roles=[Role.PROCTOR])


def _curriculum(world: World) -> None:
    from curriculum.models import CaseRequirement, LevelRule, LogbookEntry, Objective, Supervision, TechniqueArea
    from tests.curriculum.helpers import log_entries

    world.area = TechniqueArea.objects.get(code="TACE")
    world.objective = Objective.objects.filter(area=world.area).order_by("code").first()
    world.requirement = CaseRequirement.objects.order_by("code").first()
    world.level_rule = LevelRule.objects.order_by("level").first()
    Supervision.objects.create(instructor=world.instructor, trainee=world.trainee, created_by=world.officer)
    (world.logbook_entry,) = log_entries(world.trainee, world.instructor, "TACE", 1, status=LogbookEntry.Status.PENDING)
    (world.other_logbook_entry,) = log_entries(
        world.other_trainee, world.instructor, "TACE", 1, status=LogbookEntry.Status.PENDING
    )
    from curriculum.models import TrainingPeriod

    world.training_period = TrainingPeriod.objects.create(
        trainee=world.trainee, organization=world.centre, start=world.logbook_entry.performed_on, end=None
    )


def _bank(world: World) -> None:
    from question_bank import services
    from question_bank.imports import import_job_create
    from tests.question_bank.bank_helpers import make_approved, make_draft

    approved = make_approved(world.instructor, [world.reviewer], area=world.area)
    world.question = approved.question
    world.version = services.version_new_draft(question=world.question, by=world.instructor)
    world.other_question = make_draft(world.instructor, area=world.area, language="zh-hans").question
    world.media = services.media_upload(
        file=SimpleUploadedFile("x.png", PNG, content_type="image/png"), by=world.instructor, filename="x.png"
    )
    csv = b"type,stem,lead_in,option_a,option_b,key\nsba,,Which?,A,B,A\n"
    world.import_job = import_job_create(
        upload=SimpleUploadedFile("q.csv", csv, content_type="text/csv"),
        fmt="csv",
        area=world.area,
        by=world.instructor,
    )


def _delivery(world: World) -> None:
    from exams.models import BlueprintRow
    from exams.services.attempts import attempt_start
    from tests.exams.conftest import build_delivery

    delivery = build_delivery(
        candidate=world.trainee, other_candidate=world.other_trainee, officer=world.officer, proctor=world.proctor
    )
    world.delivery = delivery
    world.exam, world.paper, world.sitting, world.form = delivery.exam, delivery.paper, delivery.sitting, delivery.form
    world.registration, world.other_registration = delivery.registration, delivery.other_registration
    world.attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    world.other_attempt, _ = attempt_start(registration=delivery.other_registration, paper=delivery.paper)
    world.blueprint_row = BlueprintRow.objects.create(paper=delivery.paper, area=world.area, count=6)


def _scoring(world: World) -> None:
    """A closed, scored sitting (tests/exams/scoring_data.py) with a scoring job and an Angoff panel."""
    from exams.models import AngoffPanel, Job
    from exams.services.scoring import JOB_KIND, sitting_score
    from tests.exams.scoring_data import build_scoring_sitting

    scored = build_scoring_sitting(officer=world.officer, code="ir-matrix")
    sitting_score(sitting=scored.sitting)
    world.scored_sitting, world.scored_form = scored.sitting, scored.form
    world.job = Job.objects.create(kind=JOB_KIND, sitting=scored.sitting, created_by=world.officer)
    world.panel = AngoffPanel.objects.create(
        sitting=scored.sitting, paper=scored.paper, form=scored.form, created_by=world.officer
    )
    world.panel.judges.add(world.reviewer)


def _certificates(world: World) -> None:
    from certificates.models import CmeCredit
    from certificates.services import certificate_issue
    from tests.certificates.helpers import make_attempt, make_issuer, make_sitting, make_type

    world.issuer = make_issuer(world.officer)
    world.released_sitting = make_sitting(world.officer, code="cert-2026")
    world.certificate_type = make_type(world.issuer, world.officer, exam=world.released_sitting.exam)
    passing = make_attempt(world.released_sitting, world.trainee, world.officer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        world.certificate = certificate_issue(attempt=passing)
    world.certificate.refresh_from_db()
    world.status_list = world.certificate.status_list
    world.cme_credit = CmeCredit.objects.create(
        holder=world.trainee, credits=2, activity="Embolisation course", date=world.logbook_entry.performed_on
    )


def _point_questions_at_their_versions() -> None:
    """The exams test builders create versions directly; the bank's services would set these pointers."""
    from question_bank.models import Question

    for question in Question.objects.filter(latest_version__isnull=True):
        version = question.versions.order_by("-number").first()
        question.latest_version = question.current_version = version
        question.save(update_fields=["latest_version", "current_version"])


def _sessions(world: World) -> None:
    world.sessions = {}
    for role, user in {**world.users, STRANGER_PROCTOR: world.stranger_proctor}.items():
        client = Client()
        client.force_login(user)
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world(extensions: list[Any] = ()) -> World:
    world = World()
    _people(world)
    _curriculum(world)
    _bank(world)
    _delivery(world)
    _scoring(world)
    _certificates(world)
    for extend in extensions:
        extend(world)
    _point_questions_at_their_versions()
    _sessions(world)
    return world
