"""No response a trainee can get — page, API, error or schema — carries an answer key, an explanation,
a reference, a correctness flag or a statistic before results are released.

tests/exams/test_answer_leak.py walks one delivery by hand; this module walks the URLconf: every
named URL is requested by ``trainee`` (own objects), with ids that do not exist, as
``other_trainee`` on the trainee's objects, and, for each method the permission rules allow a
trainee, with the rule's body, an empty body and a malformed body; then saves after the deadline
and after submission, and the OpenAPI schema. The world's secure items (open and scored sittings)
carry recognisable explanations, references and a difficulty estimate (tests/exams/conftest.py).

Two families of pages legitimately name keys or scores, and are checked only for the secure items'
secret strings: practice mode (tutor feedback on *practice* items) and the candidate's results
after release (the world has one released sitting for the report pages).
"""

import contextlib
import json
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.exams.test_answer_leak import FORBIDDEN_FIELDS, SECRET_STRINGS, field_names
from tests.security.matrix import body, declared_methods, endpoints, load_rules, url_kwargs
from tests.security.roles import OTHER_TRAINEE, TRAINEE

pytestmark = pytest.mark.django_db

ENDPOINTS = endpoints()
RULES, _ = load_rules()

#: URL names whose responses may name keys or scores; their secure-item secrets are still checked.
SCORES_ALLOWED = re.compile(r"^(api:practice_|exams:practice_|exams:my_report|api:my_result)")
#: A forbidden field written as JSON inside a page (an embedded json_script, a data attribute's JSON).
JSON_FIELD = re.compile(r'"({})"\s*:'.format("|".join(sorted(map(re.escape, FORBIDDEN_FIELDS)))))
#: A JSON Web Key Set's "keys" are the issuer's public signing keys, not answer keys.
PUBLIC_KEY_SETS = {"certificates:issuer_jwks"}
#: The lead-in of the world's first delivered item: proof that the walk saw the items themselves.
ITEM_TEXT = "Which vessel supplies most of the blood to hepatocellular carcinoma?"
MISSING_ID = 987654321
JUNK = {"answer": {"choice": "Z" * 300}, "seq": "x", "position": -1, "stage": "x", "kind": "<script>", "text": 7}


def candidate_facing() -> list[str]:
    """URL names a trainee may call with some method (from the permission rules)."""
    return sorted(
        n for n in ENDPOINTS if n in RULES and any(TRAINEE in RULES[n][m] for m in declared_methods(RULES[n]))
    )


class Leaks:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.count = 0
        self.item_text_seen = False

    def check(self, name: str, label: str, response) -> None:
        self.count += 1
        self.seen.add(name)
        if getattr(response, "streaming", False):
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        text = content.decode("utf-8", errors="replace")
        self.item_text_seen = self.item_text_seen or ITEM_TEXT in text
        for secret in SECRET_STRINGS:
            if secret in text:
                self.problems.append(f"{label}: {response.status_code} contains {secret!r}")
        if SCORES_ALLOWED.match(name):
            return
        found = set(JSON_FIELD.findall(text))
        if response.get("Content-Type", "").startswith("application/json") and text.strip():
            with contextlib.suppress(ValueError):
                found |= field_names(json.loads(text)) & FORBIDDEN_FIELDS
        if name in PUBLIC_KEY_SETS:
            found.discard("keys")
        if found:
            self.problems.append(f"{label}: {response.status_code} has the field(s) {sorted(found)}")


def send(world, role: str, method: str, url: str, data, *, api: bool, headers=None):
    """One request in a transaction rolled back afterwards (a logout or a save must not carry over)."""
    client = world.client(role)
    with transaction.atomic():
        try:
            if method == "GET":
                return client.get(url, headers=headers)
            if api or method != "POST":
                payload = data if isinstance(data, str) else json.dumps(data)
                return client.generic(method, url, payload, content_type="application/json", headers=headers)
            return client.post(url, data, headers=headers)
        finally:
            transaction.set_rollback(True)


def with_missing_ids(kwargs: dict) -> dict:
    return {k: (MISSING_ID if isinstance(v, int) else v) for k, v in kwargs.items()}


def test_every_response_a_trainee_can_get_is_free_of_keys_explanations_and_statistics(world):
    leaks = Leaks()
    for name, endpoint in sorted(ENDPOINTS.items()):
        rule = RULES.get(name)
        if rule is None:
            continue  # test_permission_matrix.py fails for it
        kwargs = url_kwargs(world, endpoint, rule)
        urls = {"": reverse(name, kwargs=kwargs)}
        if any(isinstance(v, int) for v in kwargs.values()):
            urls["missing id"] = reverse(name, kwargs=with_missing_ids(kwargs))
        # every URL answers the trainee something (pages, refusals, 404s): GET them all
        for variant, url in urls.items():
            label = f"GET {name} {variant}".strip()
            leaks.check(name, label, send(world, TRAINEE, "GET", url, None, api=endpoint.is_api))
        leaks.check(name, f"GET {name} as other_trainee", send(world, OTHER_TRAINEE, "GET", urls[""], None, api=True))
        # the writes a trainee may make: with the rule's body, no body, a malformed body, and bad ids
        for method in declared_methods(rule):
            if method == "GET" or TRAINEE not in rule[method]:
                continue
            bodies = {"": body(world, rule, method), "empty": {}, "malformed": JUNK}
            if endpoint.is_api:
                bodies["not json"] = "{not json"
            for variant, data in bodies.items():
                label = f"{method} {name} {variant}".strip()
                leaks.check(name, label, send(world, TRAINEE, method, urls[""], data, api=endpoint.is_api))
            for variant, url in urls.items():
                if variant:
                    response = send(world, TRAINEE, method, url, bodies[""], api=endpoint.is_api)
                    leaks.check(name, f"{method} {name} {variant}", response)
            response = send(world, OTHER_TRAINEE, method, urls[""], bodies[""], api=endpoint.is_api)
            leaks.check(name, f"{method} {name} as other_trainee", response)
    assert not leaks.problems, "\n".join(leaks.problems)
    assert leaks.item_text_seen, "no response carried the delivered items: the walk checked nothing that matters"
    unvisited = set(candidate_facing()) - leaks.seen
    assert not unvisited, f"candidate-facing URLs the walk missed: {sorted(unvisited)}"
    assert leaks.count > 5 * len(candidate_facing())


def test_saves_refused_after_the_deadline_or_after_submission_say_nothing_about_the_key(world):
    from exams.models import Attempt
    from exams.services.attempts import attempt_submit, attempt_token

    leaks = Leaks()
    attempt = world.attempt
    url = reverse("api:attempt_save_answer", args=[attempt.pk, 1])
    token = {"X-Attempt-Token": attempt_token(attempt)}

    def save(label, answer, seq):
        data = {"answer": answer, "seq": seq, "flagged": False}
        response = send(world, TRAINEE, "PUT", url, data, api=True, headers=token)
        leaks.check("api:attempt_save_answer", label, response)
        return response

    assert save("save (keyed answer)", {"choice": "B"}, 1).status_code == 200  # the token really saves
    save("save (wrong answer)", {"choice": "A"}, 2)
    save("save (unknown option)", {"choice": "Z"}, 3)
    save("save (wrong shape)", ["B"], 4)
    save("save (position out of range)", {"choice": "B"}, 5)
    past = timezone.now() - timedelta(minutes=10)
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(deadline_at=past)
        save("save after the deadline", {"choice": "B"}, 6)
        state = send(world, TRAINEE, "GET", reverse("api:attempt_detail", args=[attempt.pk]), None, api=True)
        leaks.check("api:attempt_detail", "state after the deadline", state)
        page = send(world, TRAINEE, "GET", reverse("exams:receipt", args=[attempt.pk]), None, api=False)
        leaks.check("exams:receipt", "receipt after the deadline", page)
        transaction.set_rollback(True)
    with transaction.atomic():
        attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
        save("save after submission", {"choice": "B"}, 7)
        for name in ("api:attempt_detail", "api:attempt_submit", "api:attempt_session"):
            method = "GET" if name == "api:attempt_detail" else "POST"
            response = send(world, TRAINEE, method, reverse(name, args=[attempt.pk]), {"confirm": True}, api=True)
            leaks.check(name, f"{method} {name} after submission", response)
        for name in ("exams:receipt", "exams:exam_page", "exams:my_sittings"):
            args = [] if name == "exams:my_sittings" else [attempt.pk]
            leaks.check(
                name, f"{name} after submission", send(world, TRAINEE, "GET", reverse(name, args=args), None, api=False)
            )
        transaction.set_rollback(True)
    assert leaks.count == 15
    assert not leaks.problems, "\n".join(leaks.problems)


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, child in value.items():
            yield path, key, child
            yield from _walk(child, f"{path}/{key}")
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, path)


def _resolve(schema: dict, node, seen: set[str]) -> set[str]:
    """Property names of a response schema, following $ref, allOf/oneOf/anyOf, items and nesting."""
    names: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref not in seen:
            seen.add(ref)
            target = schema
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            names |= _resolve(schema, target, seen)
        for key, child in node.items():
            if key == "properties" and isinstance(child, dict):
                names |= set(child)
            names |= _resolve(schema, child, seen)
    elif isinstance(node, list):
        for child in node:
            names |= _resolve(schema, child, seen)
    return names


def schema_path(route: str) -> str:
    """``api/v1/attempts/<int:attempt_id>/`` → ``/api/v1/attempts/{attempt_id}/``"""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_the_openapi_schema_documents_no_key_or_score_for_candidates_and_no_real_data(world):
    leaks = Leaks()
    url = reverse("schema") + "?format=json"
    for role in ("anonymous", TRAINEE):
        leaks.check("schema", f"schema as {role}", send(world, role, "GET", url, None, api=True))
    assert not [p for p in leaks.problems if "contains" in p], leaks.problems
    schema = json.loads(send(world, TRAINEE, "GET", url, None, api=True).content)
    problems = []
    # the documented responses of every API operation a trainee may call (from the permission rules)
    candidate_paths = {
        schema_path(ENDPOINTS[name].route): name
        for name in candidate_facing()
        if ENDPOINTS[name].is_api and not SCORES_ALLOWED.match(name)
    }
    checked = 0
    for path, operations in schema["paths"].items():
        if path not in candidate_paths:
            continue
        for method, operation in operations.items():
            checked += 1
            names = _resolve(schema, operation.get("responses", {}), set()) & FORBIDDEN_FIELDS
            if names:
                problems.append(f"{method.upper()} {path} ({candidate_paths[path]}) documents {sorted(names)}")
    # examples anywhere in the schema: never real data, and none naming a key or a score
    for place, key, example in _walk(schema):
        if key not in ("example", "examples"):
            continue
        text = json.dumps(example)
        problems += [f"example at {place} contains {s!r}" for s in SECRET_STRINGS if s in text]
        leaked = field_names(example) & FORBIDDEN_FIELDS
        if leaked:
            problems.append(f"example at {place} has {sorted(leaked)}")
    assert checked >= 10, f"only {checked} candidate operations found in the schema"
    assert not problems, "\n".join(problems)
