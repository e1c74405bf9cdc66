"""One domain error type for every service, and its translation to HTTP.

Services check first and raise ``ApplicationError`` with a message meant for
the user (already translated, or lazily translatable); the API handler turns it
into a 400 (or the status it carries, e.g. 409 for a conflict) and pages show
the same message.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A refused operation, with a user-facing message and optional details."""

    status_code = 400

    def __init__(self, message: Any, extra: dict | None = None, *, code: str = "invalid", status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.extra = extra or {}
        self.code = code
        if status is not None:
            self.status_code = status


class ConflictError(ApplicationError):
    status_code = 409


def application_error_body(exc: ApplicationError) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON body and extra headers that answer an ``ApplicationError`` (its status is on it)."""
    body = {"detail": str(exc.message), "code": exc.code, "extra": exc.extra}
    retry_after = exc.extra.get("retry_after") if exc.status_code in (429, 503) else None
    headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else {}
    return body, headers


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body, headers = application_error_body(exc)
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, ValidationError):
        exc = drf_exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    return exception_handler(exc, context)
