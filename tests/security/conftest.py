"""The world of the permission matrix and the leak walk: built once per module, rolled back after."""

import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.matrix import world_extensions
from tests.security.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One of everything a URL parameter points at (tests/security/world.py), shared by a module.

    Built inside a transaction that is rolled back when the module ends; each test runs inside
    its own nested transaction (pytest-django), so writes never leak from one test to the next.
    """
    from irexam.celery import app

    media = tmp_path_factory.mktemp("security-media")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers),
            transaction.atomic(),
        ):
            built = build_world(world_extensions())
            built.media_root = media
            yield built
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _world_media(request, settings):
    """Tests that use the world read its media files (the root conftest points MEDIA_ROOT elsewhere)."""
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("world").media_root
