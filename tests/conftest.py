"""Shared fixtures: role personas, API clients, and the environment switches.

Personas: ``trainee``, ``other_trainee``, ``instructor``, ``reviewer``,
``second_reviewer``, ``officer``, ``proctor`` — each a user holding that role.
"""

import os
import shutil

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import OrganizationFactory, UserFactory

# Playwright's sync API leaves an event loop running in the test thread; Django would
# then refuse ORM calls there (see shared/browser-testing.md). Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); runs in .ci/run's PostgreSQL pass")
    skip_worker = pytest.mark.skip(
        reason="needs a broker and PostgreSQL (CELERY_BROKER_URL, DATABASE_URL); runs in .ci/run's PostgreSQL pass"
    )
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not (ON_POSTGRES and settings.CELERY_BROKER_URL):
            item.add_marker(skip_worker)
        if "browser" in item.keywords and not shutil.which("chromium"):
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)"))


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process in every test but the real-worker ones, whatever the broker setting."""
    from irexam.celery import app

    if "worker" in request.keywords:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the product's default language (zh-hans).

    A request through LocaleMiddleware leaves its language active on the thread, so without
    this a test's language would depend on the test that ran before it.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs over a second per user on a loaded 2-core machine; tests need no real hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from irexam import ratelimit

    cache.clear()
    ratelimit.local_windows.clear()
    yield


@pytest.fixture
def centre(db):
    return OrganizationFactory(code="centre-test", name_zh="测试培训基地", name_en="Test Training Centre")


@pytest.fixture
def other_centre(db):
    return OrganizationFactory(code="centre-other", name_zh="另一培训基地", name_en="Other Training Centre")


@pytest.fixture
def trainee(db, centre):
    return UserFactory(
        username="trainee",
        organization=centre,
        roles=[Role.TRAINEE],
        display_name_zh="张伟",
        display_name_en="Zhang Wei",
    )


@pytest.fixture
def other_trainee(db, other_centre):
    return UserFactory(
        username="other_trainee",
        organization=other_centre,
        roles=[Role.TRAINEE],
        display_name_zh="李娜",
        display_name_en="Li Na",
    )


@pytest.fixture
def instructor(db, centre):
    return UserFactory(
        username="instructor",
        organization=centre,
        roles=[Role.INSTRUCTOR],
        display_name_zh="王强",
        display_name_en="Wang Qiang",
    )


@pytest.fixture
def reviewer(db, other_centre):
    return UserFactory(username="reviewer", organization=other_centre, roles=[Role.REVIEWER, Role.INSTRUCTOR])


@pytest.fixture
def second_reviewer(db, other_centre):
    return UserFactory(username="reviewer2", organization=other_centre, roles=[Role.REVIEWER])


@pytest.fixture
def officer(db):
    body = OrganizationFactory(code="body-test", kind="body", name_zh="认证委员会", name_en="Board")
    return UserFactory(username="officer", organization=body, roles=[Role.OFFICER])


@pytest.fixture
def proctor(db):
    return UserFactory(username="proctor", roles=[Role.PROCTOR])


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """``api_as(user)`` → an APIClient authenticated as that user."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def client_as(client):
    """``client_as(user)`` → the Django test client, logged in as that user."""

    def make(user):
        client.force_login(user)
        return client

    return make
