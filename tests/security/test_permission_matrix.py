"""Every URL × every role × own/someone else's object → the declared outcome.

The URLs come from the URLconf (tests/security/matrix.py), the expectations from
tests/security/rules/*.py; a URL without a rule fails ``test_every_url_has_a_rule``. Each URL and
method is one test ("<METHOD> <url name>") that tries every role and names each role that got
the wrong answer. A role the rule does not allow must get a
denied status (401/403/404/405, or a redirect to the login page when anonymous) and, for writes,
leave every row in the database as it was; an allowed role must get through (GET: below 400;
writes: no 5xx and no 401/403) — with an empty body unless the rule gives ``data``.
"""

import json
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.views import APIView

from tests.security.matrix import (
    HOW_TO_ADD,
    METHODS,
    WRITE_METHODS,
    body,
    changed_tables,
    db_fingerprint,
    declared_methods,
    describe,
    endpoints,
    is_allowed,
    is_denied,
    load_rules,
    url_kwargs,
)
from tests.security.roles import ANONYMOUS, OFFICER, OTHER_TRAINEE, PROCTOR, REVIEWER, ROLES, TRAINEE
from tests.security.world import STRANGER_PROCTOR, TRAINEE_MARK

ENDPOINTS = endpoints()
RULES, DUPLICATES = load_rules()


def cases():
    for name in sorted(ENDPOINTS):
        rule = RULES.get(name)
        for method in declared_methods(rule) if rule else ():
            yield pytest.param(name, method, id=f"{method} {name}")


def test_every_url_has_a_rule():
    missing = sorted(set(ENDPOINTS) - set(RULES))
    assert not missing, f"{len(missing)} URL(s) have no permission rule: {missing}. {HOW_TO_ADD}"


def test_every_rule_names_an_existing_url_and_declares_methods():
    stale = sorted(set(RULES) - set(ENDPOINTS))
    assert not stale, f"rules for URL names that no longer exist (remove them): {stale}"
    empty = sorted(name for name, rule in RULES.items() if not declared_methods(rule))
    assert not empty, f"rules that declare no method {METHODS}: {empty}"
    assert not DUPLICATES, f"URL names with a rule in two modules: {DUPLICATES}"


def test_every_api_view_declares_each_method_it_implements():
    """A new handler (say ``delete``) on a DRF view must come with its rule."""
    undeclared = []
    for name, endpoint in ENDPOINTS.items():
        view_class = getattr(endpoint.callback, "view_class", None) or getattr(endpoint.callback, "cls", None)
        if name not in RULES or view_class is None or not issubclass(view_class, APIView):
            continue
        implemented = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)} & set(METHODS)
        missing = implemented - set(declared_methods(RULES[name]))
        if missing:
            undeclared.append(f"{name}: {sorted(missing)}")
    assert not undeclared, f"API views implement methods their rule does not declare: {undeclared}. {HOW_TO_ADD}"


def request(world, name: str, method: str, role: str):
    endpoint, rule = ENDPOINTS[name], RULES[name]
    url = reverse(name, kwargs=url_kwargs(world, endpoint, rule))
    if rule.get("query"):
        url += "?" + urlencode(rule["query"])
    client = world.client(role)
    headers = rule.get("headers", {})
    headers = headers(world) if callable(headers) else headers
    if method == "GET":
        return client.get(url, headers=headers)
    data = body(world, rule, method)
    if endpoint.is_api or method != "POST":
        return client.generic(method, url, json.dumps(data), content_type="application/json", headers=headers)
    return client.post(url, data, headers=headers)


def check(world, name: str, method: str, role: str) -> str | None:
    """What is wrong with ``role``'s request (None when it gets what the rule says)."""
    allowed = role in RULES[name][method]
    before = db_fingerprint() if method in WRITE_METHODS and not allowed else None
    try:
        response = request(world, name, method, role)
    except Exception as exc:  # the test client re-raises a view's exception: a 500
        return f"{method} {name} as {role}: the view raised {exc!r}"
    if allowed:
        if not is_allowed(method, response):
            return f"{method} {name} as {role} should be allowed: {describe(response)}"
        return None
    if not is_denied(role, response):
        return f"{method} {name} as {role} should be denied: {describe(response)}"
    if before is not None:
        changed = changed_tables(before, db_fingerprint())
        if changed:
            return f"{method} {name} as {role} was refused ({response.status_code}) but changed {changed}"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), list(cases()))
def test_each_role_gets_what_the_rule_says(world, name, method):
    """Every role in turn, each request in a transaction rolled back before the next."""
    problems = []
    for role in ROLES:
        with transaction.atomic():
            problem = check(world, name, method, role)
            transaction.set_rollback(True)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


def proctoring_cases():
    for name in sorted(ENDPOINTS):
        rule = RULES.get(name)
        if rule is None or not ENDPOINTS[name].params:
            continue
        for method in declared_methods(rule):
            if PROCTOR in rule[method] and TRAINEE not in rule[method]:  # proctoring, not public, URLs
                yield pytest.param(name, method, id=f"{method} {name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), list(proctoring_cases()))
def test_a_proctor_of_another_sitting_is_refused(world, name, method):
    """The proctor persona is assigned to the world's sitting; a proctor of no sitting gets nothing.

    No rule names ``stranger_proctor``, so ``check`` expects a refusal that changes nothing.
    """
    with transaction.atomic():
        problem = check(world, name, method, STRANGER_PROCTOR)
        transaction.set_rollback(True)
    assert problem is None, problem


#: Roles with no business knowing the trainee: another trainee, and an instructor of another centre
#: who does not supervise him (the reviewer persona).
STRANGERS = (OTHER_TRAINEE, REVIEWER)


def stranger_cases():
    for name in sorted(ENDPOINTS):
        rule = RULES.get(name)
        for role in STRANGERS:
            if rule and role in rule.get("GET", ()) and ANONYMOUS not in rule["GET"]:
                yield pytest.param(name, role, id=f"{name} as {role}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), list(stranger_cases()))
def test_a_stranger_never_sees_who_the_trainee_is(world, name, role):
    """Pages and lists open to many show each user his own: never the trainee's name or e-mail.

    (Public pages, such as certificate verification, show a holder's name by design.)
    """
    with transaction.atomic():
        response = request(world, name, "GET", role)
        transaction.set_rollback(True)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert TRAINEE_MARK.encode() not in content, f"GET {name} as {role} shows the trainee ({response.status_code})"


@pytest.mark.django_db
def test_the_trainees_mark_is_on_what_he_and_officers_see(world):
    """The witness for the test above: the mark is rendered where the trainee is meant to be seen."""
    for name, role in [("accounts:profile", TRAINEE), ("api:me", TRAINEE), ("api:sitting_registrations", OFFICER)]:
        assert TRAINEE_MARK.encode() in request(world, name, "GET", role).content, (name, role)


def undeclared_post_cases():
    for name in sorted(ENDPOINTS):
        rule = RULES.get(name)
        if rule and "POST" not in rule and rule.get("GET"):
            yield pytest.param(name, id=name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(undeclared_post_cases()))
def test_a_post_the_rule_does_not_declare_changes_nothing(world, name):
    """A view that acts on POST must say so in its rule (and so be tested): an undeclared POST writes
    nothing that a GET of the same URL would not (the exam page's GET takes the attempt over, say).

    Tried by each role that may GET the URL (the others are refused before the view runs).
    """

    def changes(method: str, role: str) -> list[str]:
        with transaction.atomic():
            before = db_fingerprint()
            request(world, name, method, role)
            changed = changed_tables(before, db_fingerprint())
            transaction.set_rollback(True)
        return changed

    problems = []
    for role in sorted(RULES[name]["GET"]):
        try:
            changed = changes("POST", role)
        except Exception as exc:  # a 500
            problems.append(f"undeclared POST {name} as {role}: the view raised {exc!r}")
            continue
        beyond_get = sorted(set(changed) - set(changes("GET", role))) if changed else []
        if beyond_get:
            problems.append(f"undeclared POST {name} as {role} changed {beyond_get}")
    assert not problems, "\n".join(problems)
