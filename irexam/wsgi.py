"""WSGI entry point (gunicorn irexam.wsgi), with a fast path for the answer save and verification.

Two Django handlers share the settings, the URLconf and the views; they differ only in their
middleware:

* ``PUT /api/v1/attempts/<id>/responses/<position>/`` (the answer save, the exam-day hot path)
  and ``GET /api/v1/verify/<code>/`` (public certificate verification, read by every employer
  and QR scanner) go to a handler whose middleware list is ``settings.MIDDLEWARE`` without
  ``FAST_PATH_SKIPPED_MIDDLEWARE``;
* every other request goes to the normal handler with the whole list.

The save is authenticated by its signed ``X-Attempt-Token`` header alone, verification is public
(no authentication classes, ``AllowAny``); both answer JSON, read no session, no user and no
cookie but the language, render no page and take no form post. What is skipped, and why it does
nothing for those requests:

* WhiteNoise — serves files under ``STATIC_URL`` only;
* CSP — a ``Content-Security-Policy`` header governs documents (scripts, frames); both
  answer JSON that no browser renders as a page;
* sessions, authentication, django-otp, the officers' 2FA gate, the user-language middleware —
  the view has no authentication classes and ``AllowAny``; the token names the attempt, the
  candidate and the browser session (the 2FA gate and the user-language middleware already
  skip ``/api/``);
* CSRF — the header token is not ambient authority (a cross-site form cannot set
  ``X-Attempt-Token``), and DRF's ``APIView`` is CSRF-exempt unless session authentication is
  used, which this view does not;
* messages — no page is rendered, no message is read or queued;
* django-axes — it watches login attempts (and answers lock-out pages); neither logs anyone in.

Kept (whatever the list holds besides those, in the same order): the proxy client address
(rate limits and audit see the client's address), security headers, locale (error messages in
the client's language from the cookie or Accept-Language), ``CommonMiddleware`` (host check)
and ``X-Frame-Options``. A middleware added to ``settings.MIDDLEWARE`` later runs on the fast
path too unless it is named here.
"""

import os
import re

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")

full_application = get_wsgi_application()  # sets Django up; the handler for everything else

from django.conf import settings  # noqa: E402 - after django.setup()
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.urls import ResolverMatch  # noqa: E402

FAST_PATH_SKIPPED_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "csp.middleware.CSPMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "accounts.middleware.OfficerTwoFactorMiddleware",
        "accounts.middleware.UserLanguageMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)

# The routes of ``api:attempt_save_answer`` (exams/api/urls_candidate.py) and
# ``api:certificate-verify`` (certificates/api/urls.py), with their converters (``int``, ``str``);
# a test checks they agree with the URLconf.
SAVE_ANSWER_PATH = re.compile(r"/api/v1/attempts/(?P<attempt_id>[0-9]+)/responses/(?P<position>[0-9]+)/\Z")
VERIFY_PATH = re.compile(r"/api/v1/verify/(?!credential/)(?P<code>[^/]+)/\Z")
# (method, pattern, a sample path resolved once through the URLconf, the converters)
FAST_ROUTES = (
    ("PUT", SAVE_ANSWER_PATH, "/api/v1/attempts/1/responses/1/", {"attempt_id": int, "position": int}),
    ("GET", VERIFY_PATH, "/api/v1/verify/x/", {"code": str}),
)
FAST_PATHS = tuple((method, pattern) for method, pattern, _sample, _converters in FAST_ROUTES)


class FastResolver:
    """Resolves the fast paths without walking the URLconf (≈ 0.2 ms of a save's CPU otherwise).

    Each route's view, name, namespace and route text come from resolving a sample path through
    the real URLconf once; a request's match is that, with the request's own arguments.
    """

    def __init__(self, routes) -> None:
        from django.urls import resolve

        self.routes = [(pattern, resolve(sample), converters) for _method, pattern, sample, converters in routes]

    def resolve(self, path: str) -> ResolverMatch | None:
        for pattern, template, converters in self.routes:
            found = pattern.match(path)
            if found is not None:
                kwargs = {name: convert(found[name]) for name, convert in converters.items()}
                return ResolverMatch(
                    template.func,
                    (),
                    kwargs,
                    url_name=template.url_name,
                    app_names=template.app_names,
                    namespaces=template.namespaces,
                    route=template.route,
                )
        return None


class MiddlewareSubsetHandler(WSGIHandler):
    """A Django WSGI handler built with the given middleware instead of ``settings.MIDDLEWARE``.

    With a ``resolver``, the paths it knows are resolved by it; any other path by the URLconf.
    """

    def __init__(self, middleware: list[str], resolver: FastResolver | None = None) -> None:
        self.middleware = middleware
        self.resolver = resolver
        super().__init__()  # calls load_middleware()

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; swap it only while the chain is built (once, at import).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full

    def resolve_request(self, request) -> ResolverMatch:
        match = None
        if self.resolver is not None and not hasattr(request, "urlconf"):
            match = self.resolver.resolve(request.path_info)
        if match is None:
            return super().resolve_request(request)
        request.resolver_match = match
        return match


fast_application = MiddlewareSubsetHandler(
    [name for name in settings.MIDDLEWARE if name not in FAST_PATH_SKIPPED_MIDDLEWARE], FastResolver(FAST_ROUTES)
)


def application(environ, start_response):
    """Route the answer save and verification to the minimal handler, everything else to the full one."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    if any(method == fast_method and pattern.match(path) for fast_method, pattern in FAST_PATHS):
        return fast_application(environ, start_response)
    return full_application(environ, start_response)
