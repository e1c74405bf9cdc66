"""Fuzzing: every API operation of our own OpenAPI schema, as every role, through the WSGI app in-process.

schemathesis generates requests from the schema (drf-spectacular's, built in-process); each one is
sent to ``irexam.wsgi.application`` (no server) with the role's API token (plus the trainee's
``X-Attempt-Token`` for answer saves). The first example of each operation and role points its
path parameters at real objects of the permission matrix's world (``tests/security/world.py``:
every object a URL names belongs to the trainee), so requests reach the services and not only the
404 of an unknown id; later examples draw either real or random ids.

Checks on every response: no 5xx, and a documented status answers a body that conforms to its
schema. Failures are collected (no shrinking) and reported together, one line per operation, role
and check, with a curl command that reproduces it.

``FUZZ_ONLY="GET /api/v1/questions/"`` narrows a run to the operations whose label contains it.
Bounded for CI: ``FUZZ_EXAMPLES`` examples per operation and role (default 1, derandomised, so a
run is repeatable) — about 160 operations × 7 roles. The longer run (docs/reliability.md):

    FUZZ_EXAMPLES=5 .venv/bin/python -m pytest tests/test_fuzz_schema.py -m slow
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from exams.services.attempts import attempt_token
from tests.security.conftest import _world_media, world  # noqa: F401  (the matrix's world, reused)
from tests.security.matrix import DEFAULT_KWARGS, endpoints, extra_kwargs, load_rules, url_kwargs
from tests.security.roles import ANONYMOUS, ROLES, TRAINEE

CHECKS = [not_a_server_error, response_schema_conformance]


def _openapi() -> schemathesis.schemas.BaseSchema:
    document = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


@functools.cache
def _schema():
    """Built once per process, on first use (not at collection)."""
    return _openapi()


def _operations() -> list:
    """Every operation, or those whose label contains ``FUZZ_ONLY`` (e.g. "GET /api/v1/questions/")."""
    only = os.environ.get("FUZZ_ONLY", "")
    return [op for op in (result.ok() for result in _schema().get_all_operations()) if only in op.label]


def _real_path_parameters(built) -> dict[str, dict[str, object]]:
    """Schema path ("/api/v1/attempts/{attempt_id}/") → the world's values for its parameters."""
    rules, _duplicates = load_rules()
    resolvers = {**DEFAULT_KWARGS, **extra_kwargs()}
    found = {}
    for name, endpoint in endpoints().items():
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", endpoint.route)
        if not path.startswith("/api/"):
            continue
        try:
            found[path] = url_kwargs(built, endpoint, rules.get(name, {}))
        except (LookupError, AttributeError):
            found[path] = {p: resolvers[p](built) for p in endpoint.params if p in resolvers}
    return found


def _headers(built) -> dict[str, dict[str, str]]:
    headers = {ANONYMOUS: {"Accept-Language": "en"}}
    for role, user in built.users.items():
        token, _created = Token.objects.get_or_create(user=user)
        headers[role] = {"Authorization": f"Token {token.key}", "Accept-Language": "en"}
    headers[TRAINEE]["X-Attempt-Token"] = attempt_token(built.attempt)
    return headers


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: the WSGI app must not close the test's database connection.

    After each request ``close_old_connections`` closes a connection that is inside a transaction
    (the test's); SQLite's in-memory test database ignores that, PostgreSQL's would be lost.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _examples() -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", "1"))


def _fuzz(operation, role: str, headers: dict[str, str], real: dict[str, object], modes, record: Callable) -> None:
    strategy = st.tuples(
        st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes]),
        st.booleans(),
    )

    @settings(
        max_examples=_examples(),
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(drawn) -> None:
        case, random_ids = drawn  # the first (simplest) example of each run points at real objects
        if not random_ids and real and case.path_parameters is not None:
            known = {name: value for name, value in real.items() if name in case.path_parameters}
            case.path_parameters = {**case.path_parameters, **known}
        try:
            # A savepoint per request: as in production (autocommit), a database error in one
            # request must not poison the next (PostgreSQL aborts the whole test transaction).
            with transaction.atomic():
                response = case.call(headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # the app raised through the WSGI handler
            record(operation.label, role, f"{type(exc).__name__}: {exc}", case)
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # one failure, or a group of them, per broken check
            failures = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
            for failure in failures:
                record(operation.label, role, str(failure).strip().splitlines()[0:12], case)

    run()


def _report(failures: dict) -> str:
    lines = [f"{len(failures)} (operation, role, check) failures:"]
    for (label, role, first), (detail, curl) in sorted(failures.items()):
        lines.append(f"- {label} as {role}: {first}\n    {detail}\n    {curl}")
    return "\n".join(lines)


def _run(built, roles, modes) -> dict:
    failures: dict = {}
    headers = _headers(built)
    real = _real_path_parameters(built)

    def record(label, role, detail, case) -> None:
        text = "\n    ".join(detail) if isinstance(detail, list) else detail
        first = text.splitlines()[0][:160] if text else "?"
        key = (label, role, first)
        if key not in failures:
            try:
                curl = case.as_curl_command(headers=headers[role])
            except Exception:  # noqa: BLE001 — the report is still useful without it
                curl = ""
            failures[key] = (text[:1500], curl[:600])

    for operation in _operations():
        for role in roles:
            _fuzz(operation, role, headers[role], real.get(operation.path, {}), modes, record)
    return failures


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_no_operation_answers_a_server_error_or_breaks_its_schema_for_any_role(world):  # noqa: F811
    failures = _run(world, ROLES, [GenerationMode.POSITIVE])
    assert not failures, _report(failures)


@pytest.mark.slow
@pytest.mark.skipif("FUZZ_EXAMPLES" not in os.environ, reason="the longer run: set FUZZ_EXAMPLES (docs/reliability.md)")
@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_longer_fuzz_with_invalid_inputs_too(world):  # noqa: F811
    """Positive and negative (schema-violating) inputs; run with FUZZ_EXAMPLES=5 or more."""
    failures = _run(world, ROLES, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    assert not failures, _report(failures)
