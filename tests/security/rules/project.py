"""Project-level URLs (irexam/urls.py): home, health, language, Django's auth views, API root, schema, admin."""

from tests.security.roles import EVERYONE, NOBODY, SIGNED_IN

RULES = {
    "home": {"GET": EVERYONE, "POST": NOBODY, "note": "anonymous: the landing page; signed in: → dashboard"},
    "healthz": {"GET": EVERYONE, "POST": NOBODY},
    "set_language": {"GET": NOBODY, "POST": EVERYONE, "data": {"language": "en"}},
    # Django's authentication views (django.contrib.auth.urls)
    "login": {"GET": EVERYONE, "POST": EVERYONE},
    "logout": {"GET": NOBODY, "POST": EVERYONE},
    "password_change": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "password_change_done": {"GET": SIGNED_IN},
    "password_reset": {"GET": EVERYONE, "POST": EVERYONE},
    "password_reset_done": {"GET": EVERYONE},
    "password_reset_confirm": {"GET": EVERYONE, "POST": EVERYONE, "note": "an invalid link: the page says so"},
    "password_reset_complete": {"GET": EVERYONE},
    # the API's description is public (it holds no data; tests/security/test_leaks.py checks it)
    "api:root": {"GET": EVERYONE},
    "schema": {"GET": EVERYONE},
    "api-docs": {"GET": EVERYONE},
    # Django admin: staff only, and no role of the product is staff
    "admin:index": {"GET": NOBODY, "POST": NOBODY},
}
