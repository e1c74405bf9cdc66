"""A lost database answers 503 with ``Retry-After``, not 500 (docs/reliability.md).

While PostgreSQL restarts (or a connection breaks), queries raise Django's ``OperationalError``
or ``InterfaceError``; unhandled, they became a 500. ``DatabaseUnavailableMiddleware`` answers
``503 Service Unavailable`` with ``Retry-After: DATABASE_RETRY_AFTER_SECONDS`` instead:

- under ``/api/``, JSON in the API's error shape (``irexam.errors``):
  ``{"detail": "…", "code": "database_unavailable", "extra": {"retry_after": 5}}``;
- elsewhere, the short page ``templates/503.html``.

Two ways in, so every request is covered:

- ``process_exception``: the view raised (DRF views re-raise what their exception handler does
  not answer, so the API's views come here too);
- a middleware further in raised (e.g. the user lookup of ``UserLanguageMiddleware``): Django has
  already turned that into a 500 inside the chain; the ``got_request_exception`` receiver below
  marks the request when the exception was a database one, and ``__call__`` replaces that 500.

It sits right after ``LocaleMiddleware`` in ``settings.MIDDLEWARE`` (so its message is in the
request's language and the security and CSP headers are still added to it) and it is not in
``irexam.wsgi.FAST_PATH_SKIPPED_MIDDLEWARE``: the answer save answers 503 too, and the exam page
retries it. The error is logged (a warning, with its traceback).
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: What ``Retry-After`` says: a PostgreSQL restart or failover takes a few seconds.
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_CODE = "database_unavailable"
#: The exceptions that mean "the database cannot be reached now" (not a bug in the query).
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_irexam_database_unavailable"


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``: JSON under ``/api/``, the 503 page elsewhere; with ``Retry-After``."""
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": _("The database is unavailable for a moment. Please try again in a few seconds."),
                "code": DATABASE_UNAVAILABLE_CODE,
                "extra": {"retry_after": DATABASE_RETRY_AFTER_SECONDS},
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},  # as DRF's JSON renderer (UTF-8, not \u escapes)
        )
    else:
        # Rendered without the request: its context processors could need the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return None
        logger.warning("Database unavailable: %s %s answered 503", request.method, request.path, exc_info=exception)
        return database_unavailable_response(request)


@receiver(got_request_exception, dispatch_uid="irexam.middleware.mark_database_unavailable")
def mark_database_unavailable(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Sent inside Django's ``except`` block for an unhandled exception: mark a database one."""
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
        setattr(request, _MARK, True)
