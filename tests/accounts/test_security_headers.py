"""HTTP security settings: the Content Security Policy, no inline script, HTTPS settings, CSRF."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from exams.services.attempts import attempt_start
from tests.exams.conftest import build_delivery

ROOT = Path(__file__).resolve().parent.parent.parent


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, event handler attributes, inline styles."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.scripts = 0
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self.scripts += 1
            executable = attributes.get("type", "text/javascript") in ("text/javascript", "module", "")
            self._in_inline_script = executable and not attributes.get("src")
        if tag in ("a", "form", "iframe") and any(
            (value or "").strip().lower().startswith("javascript:") for value in attributes.values()
        ):
            self.problems.append(f"<{tag} …javascript:>")

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.fixture
def exam_page(client_as, trainee, other_trainee, officer, proctor):
    delivery = build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer, proctor=proctor)
    attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    response = client_as(trainee).get(reverse("exams:exam_page", args=[attempt.pk]))
    assert response.status_code == 200
    return response


def test_the_exam_page_has_a_strict_policy_and_no_inline_script(exam_page):
    directives = policy(exam_page)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    found = inline_code(exam_page.content.decode())
    assert found.scripts >= 1, "the page loads its script from a static file"
    assert found.problems == []


@pytest.mark.parametrize(
    ("persona", "url_name", "args"),
    [
        (None, "home", []),
        (None, "login", []),
        (None, "password_reset", []),
        ("trainee", "accounts:role_dashboard", ["trainee"]),
        ("officer", "accounts:role_dashboard", ["officer"]),
        ("proctor", "accounts:role_dashboard", ["proctor"]),
        ("instructor", "accounts:role_dashboard", ["instructor"]),
        ("reviewer", "accounts:role_dashboard", ["reviewer"]),
        ("trainee", "accounts:profile", []),
        ("trainee", "accounts:two_factor_setup", []),
        ("officer", "exams:officer_exams", []),
        ("trainee", "exams:my_sittings", []),
    ],
)
def test_pages_send_the_policy_and_carry_no_inline_code(request, client, persona, url_name, args):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy(response)["script-src"]
    assert inline_code(response.content.decode()).problems == []


def test_no_template_has_an_inline_script():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        found = inline_code(path.read_text())
        if found.problems:
            offenders.append(f"{path.relative_to(ROOT)}: {found.problems[:2]}")
    assert offenders == []


def test_the_api_docs_load_their_start_up_code_as_a_script_file(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    found = inline_code(response.content.decode())
    assert [p for p in found.problems if p.startswith("inline <script>")] == []
    assert "'unsafe-inline'" not in policy(response)["script-src"]


def test_other_security_headers(client, db):
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_view_is_exempt_from_csrf():
    """Pages keep CSRF; the API's session authentication enforces it; the answer save has no session
    (its X-Attempt-Token header cannot be sent cross-site without CORS), see docs/security.md."""
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("irexam", "accounts", "curriculum", "question_bank", "exams", "certificates")
        for path in (ROOT / app).rglob("*.py")
        if "csrf_exempt" in path.read_text()
    ]
    assert offenders == []


def _deploy_check(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "HTTPS", "SECURE_HTTPS"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "irexam.settings", "VAR_DIR": str(tmp_path / "var"), **env})
    command = [sys.executable, "manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True)  # noqa: S603


def test_the_deploy_check_is_clean_when_served_over_https(tmp_path):
    result = _deploy_check(tmp_path, HTTPS="1", ALLOWED_HOSTS="exams.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_names_what_is_missing_over_plain_http(tmp_path):
    result = _deploy_check(tmp_path, SITE_URL="http://127.0.0.1:8000")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stdout + result.stderr


def test_https_turns_on_secure_cookies_hsts_and_the_redirect(tmp_path):
    probe = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
        " settings.SECURE_HSTS_SECONDS, settings.SECURE_PROXY_SSL_HEADER, settings.OFFICER_2FA_REQUIRED]))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECURE_HTTPS", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "irexam.settings", "VAR_DIR": str(tmp_path / "var")})
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "SITE_URL": "https://exams.example.org", "DATABASE_URL": "postgres://u@db/irexam"},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    secure_session, secure_csrf, redirect, hsts, proxy_header, two_factor = json.loads(
        out.stdout.strip().splitlines()[-1]
    )
    assert secure_session and secure_csrf and redirect
    assert hsts >= 31536000
    assert proxy_header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert two_factor is True, "production (HTTPS + a database URL) requires officers' second factor by default"
