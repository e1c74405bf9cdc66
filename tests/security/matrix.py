"""The permission matrix's machinery: URLs from the URLconf, the rules, parameters, verdicts.

Every named URL pattern of ``django.urls.get_resolver()`` is collected (except the allow-list
``SKIPPED`` below) and matched with a rule from ``tests/security/rules/*.py``. The format of a
rule: tests/security/rules/__init__.py.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security import rules as rules_package
from tests.security.roles import ROLES

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = METHODS[1:]

#: URL names left out of the matrix, each with the reason.
SKIPPED_PREFIXES = {
    # Django's own admin: every view checks ``is_staff`` through AdminSite.admin_view, which
    # Django tests; no role of the product is staff. ``admin:index`` stays in the matrix as a
    # witness that no role (and no anonymous user) reaches it.
    "admin:": "Django admin (staff only); admin:index is in the matrix",
}
SKIPPED_EXCEPTIONS = {"admin:index"}

HOW_TO_ADD = (
    "Add a rule for each of these URL names to a module in tests/security/rules/ (your own module is "
    'fine, e.g. rules/exams_practice.py): RULES = {"<namespace:name>": {"GET": {TRAINEE, OFFICER}, '
    '"POST": {OFFICER}}} — the roles allowed per method; every other role must be denied '
    "(401/403/404/405 or, for anonymous, a redirect to the login page). "
    "The format is in tests/security/rules/__init__.py."
)


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    params: tuple[str, ...]
    callback: Any = field(compare=False, repr=False)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _params(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None:
        return list(converters)
    return list(pattern.regex.groupindex)


def _walk(resolver: URLResolver, prefix: str, namespace: str, params: list[str]) -> Iterator[Endpoint]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns, params + _params(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Endpoint(name, prefix + str(entry.pattern), tuple(params + _params(entry.pattern)), entry.callback)


def is_skipped(name: str) -> bool:
    if name in SKIPPED_EXCEPTIONS:
        return False
    return any(name.startswith(prefix) for prefix in SKIPPED_PREFIXES)


def endpoints() -> dict[str, Endpoint]:
    """Every named URL of the project (first pattern wins for a name, as ``reverse`` does)."""
    found: dict[str, Endpoint] = {}
    for endpoint in _walk(get_resolver(), "", "", []):
        if not is_skipped(endpoint.name):
            found.setdefault(endpoint.name, endpoint)
    return found


# ------------------------------------------------------------------------------------- rules


def rule_modules() -> list[Any]:
    return [
        importlib.import_module(f"{rules_package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(rules_package.__path__)
    ]


def load_rules() -> tuple[dict[str, dict], list[str]]:
    """All rules merged, and the names declared by more than one module."""
    merged: dict[str, dict] = {}
    owners: dict[str, str] = {}
    duplicates = []
    for module in rule_modules():
        for name, rule in getattr(module, "RULES", {}).items():
            if name in merged:
                duplicates.append(f"{name} ({owners[name]} and {module.__name__})")
            merged[name] = rule
            owners[name] = module.__name__
    return merged, duplicates


def declared_methods(rule: dict) -> list[str]:
    return [method for method in METHODS if method in rule]


# -------------------------------------------------------------------------------- parameters

#: URL parameter name → value, for the parameters whose meaning does not depend on the URL.
DEFAULT_KWARGS: dict[str, Callable[[Any], Any]] = {
    "attempt_id": lambda w: w.attempt.pk,
    "registration_id": lambda w: w.registration.pk,
    "paper_id": lambda w: w.paper.pk,
    "sitting_id": lambda w: w.sitting.pk,
    "exam_id": lambda w: w.exam.pk,
    "form_id": lambda w: w.form.pk,
    "position": lambda w: 1,
    "panel_id": lambda w: w.panel.pk,
    "job_id": lambda w: w.job.pk,
    "user_id": lambda w: w.trainee.pk,
    "number": lambda w: w.version.number,
    "role": lambda w: "trainee",
    "fmt": lambda w: "csv",
    "uidb64": lambda w: "MQ",
    "token": lambda w: "set-password",
}


def extra_kwargs() -> dict[str, Callable[[Any], Any]]:
    merged: dict[str, Callable[[Any], Any]] = {}
    for module in rule_modules():
        merged.update(getattr(module, "KWARGS", {}))
    return merged


def world_extensions() -> list[Callable[[Any], None]]:
    return [module.extend_world for module in rule_modules() if hasattr(module, "extend_world")]


def _value(world: Any, spec: Any) -> Any:
    if callable(spec):
        return spec(world)
    if isinstance(spec, str) and spec.startswith("="):
        return spec[1:]  # a literal: "=revoke"
    if isinstance(spec, str):
        obj = world
        for part in spec.split("."):
            obj = getattr(obj, part)
        return getattr(obj, "pk", obj)
    return spec


def url_kwargs(world: Any, endpoint: Endpoint, rule: dict) -> dict[str, Any]:
    specific = rule.get("kwargs", {})
    resolvers = {**DEFAULT_KWARGS, **extra_kwargs()}
    values = {}
    for param in endpoint.params:
        if param in specific:
            values[param] = _value(world, specific[param])
        elif param in resolvers:
            values[param] = resolvers[param](world)
        else:
            raise LookupError(
                f"{endpoint.name}: no value for the URL parameter {param!r}. Say which world object it is "
                f'in the rule (e.g. "kwargs": {{"{param}": "attempt"}}) or add KWARGS = {{"{param}": '
                "lambda world: ...}} to your rules module (see tests/security/rules/__init__.py)."
            )
    return values


def body(world: Any, rule: dict, method: str) -> Any:
    data = rule.get("data", {})
    if isinstance(data, dict) and method in data and isinstance(data[method], dict | list):
        data = data[method]
    return _value(world, data) if callable(data) else data


# ----------------------------------------------------------------------------------- verdicts


def is_login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    target = response.get("Location", "").split("?")[0]
    return any(target.endswith(resolve_url(login)) for login in (settings.LOGIN_URL, "admin:login"))


def is_denied(role: str, response) -> bool:
    """401/403/404/405, or a redirect to a login page (the admin sends non-staff users there too)."""
    return response.status_code in (401, 403, 404, 405) or is_login_redirect(response)


def is_allowed(method: str, response) -> bool:
    code = response.status_code
    if is_login_redirect(response) or code in (401, 403):
        return False
    if method == "GET":
        return code < 400
    return code < 500


def describe(response) -> str:
    text = f"{response.status_code}"
    if response.get("Location"):
        text += f" → {response['Location']}"
    content = getattr(response, "content", b"")[:300] if not getattr(response, "streaming", False) else b""
    return f"{text} {content!r}"


# -------------------------------------------------------------------------------- fingerprint

#: Tables a refused request may legitimately touch (sessions are read and refreshed per request).
UNFINGERPRINTED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}


def _tables() -> list[tuple[str, str, str]]:
    found = []
    for model in apps.get_models(include_auto_created=True):  # with the many-to-many tables
        meta = model._meta
        if meta.label_lower not in UNFINGERPRINTED and meta.managed and not meta.proxy:
            found.append((meta.label_lower, meta.db_table, meta.pk.column))
    return found


def db_fingerprint() -> dict[str, str]:
    """A digest of every row of every table (the world is small), keyed by model label."""
    digest = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label, table, pk in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608 - names from models
            digest[label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digest


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def all_roles() -> tuple[str, ...]:
    return ROLES
