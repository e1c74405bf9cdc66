"""accounts: dashboards, profile, the API's identity and token endpoints."""

from tests.security.roles import EVERYONE, SIGNED_IN, TRAINEES

RULES = {
    "accounts:dashboard": {"GET": SIGNED_IN, "note": "redirects to the dashboard of the user's role"},
    # role = "trainee": only users holding that role see its dashboard
    "accounts:role_dashboard": {"GET": TRAINEES},
    "accounts:profile": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "api:me": {"GET": SIGNED_IN},
    "api:token": {"POST": EVERYONE, "note": "username and password in the body (400 without)"},
}
