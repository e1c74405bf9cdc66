"""Activate a signed-in user's preferred language; hold officers at the second factor."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import translation


class UserLanguageMiddleware:
    """Order of precedence: an explicit choice (the language cookie), then the user's
    saved preference, then the browser's Accept-Language, then Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            # API clients choose with Accept-Language; skipping the user lookup keeps the
            # token-authenticated answer-save path free of session and user queries.
            return self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.preferred_language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class OfficerTwoFactorMiddleware:
    """With ``OFFICER_2FA_REQUIRED``, an officer's pages wait for the second factor.

    An officer signed in with a password alone is sent to the verification step (or to
    enrolment when they have no device yet) before any page works, except the two-factor pages
    themselves, logging out and the language switch. The API is guarded by
    ``accounts.authentication.SessionAuthentication`` instead (no redirects there, and the
    answer-save hot path stays free of session and user queries).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            self._open_paths = tuple(
                reverse(name)
                for name in ("accounts:two_factor_verify", "accounts:two_factor_setup", "logout", "set_language")
            )
        return self._open_paths

    def __call__(self, request):
        if not settings.OFFICER_2FA_REQUIRED or request.path.startswith(("/api/", settings.STATIC_URL)):
            return self.get_response(request)
        from .two_factor import has_confirmed_device, needs_second_factor

        if needs_second_factor(request.user) and not request.path.startswith(self.open_paths()):
            target = "accounts:two_factor_verify" if has_confirmed_device(request.user) else "accounts:two_factor_setup"
            return redirect_to_login(request.get_full_path(), reverse(target))
        return self.get_response(request)


class ProxyClientAddressMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, take the client's address from X-Forwarded-For.

    Each proxy appends the address it saw, so with n trusted proxies the client is the n-th entry
    from the right; anything to its left was written by the client and is ignored. The login
    lockout, the rate limits and the audit log then see each client's own address. With 0 (the
    default) the header is ignored: never trust it without a proxy that sets it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = settings.TRUSTED_PROXY_COUNT
        if count:
            hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
            if len(hops) >= count:
                request.META["REMOTE_ADDR"] = hops[-count]
        return self.get_response(request)
