"""What a locked-out login sees (django-axes calls ``lockout_response``; see AXES_* settings).

The page keeps the login form's look and says, in the user's language, how long to wait and
that an officer can unlock the account; the API answers JSON. Both are 429 with Retry-After.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

USERNAME_MAX = 150  # accounts.User.username; axes' own column holds 255


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = max(1, cooloff_seconds() // 60)
    return _(
        "Too many failed login attempts for this account from your address. It is locked for %(minutes)s "
        "minutes; try again later, or ask a credentialing officer to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    message = lockout_message()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(cooloff_seconds())
    patch_cache_control(response, no_store=True)
    return response


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes records, cut to the column's length (a longer one would fail on PostgreSQL)."""
    if credentials:
        value = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return str(value)[:USERNAME_MAX] if value else None
