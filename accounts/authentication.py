"""DRF session authentication that also asks officers for their second factor.

With ``OFFICER_2FA_REQUIRED``, an officer whose session has not passed a second factor gets a
403 with ``code: "second_factor_required"`` from every API endpoint that uses the session (the
token exchange asks for the code itself, see ``accounts.api.views.TokenApi``).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions

from .two_factor import needs_second_factor


class SecondFactorRequired(exceptions.PermissionDenied):
    default_detail = _("Officers must confirm their sign-in with their authenticator app first.")
    default_code = "second_factor_required"


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and needs_second_factor(result[0]):
            raise SecondFactorRequired()
        return result


class SecondFactorSessionScheme(SessionScheme):
    """The OpenAPI schema describes this session authentication as the usual cookie scheme."""

    target_class = "accounts.authentication.SessionAuthentication"
    priority = 1
