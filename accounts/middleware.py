"""Activate a signed-in user's preferred language (after LocaleMiddleware's guess)."""

from django.conf import settings
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
