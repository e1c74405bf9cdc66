"""accounts: two-factor enrolment, verification and backup codes; locked sign-ins (HARDEN).

Every signed-in user may enrol (officers must when OFFICER_2FA_REQUIRED; the matrix runs with it
off). Verification without a device redirects to enrolment; new backup codes without this
session's second factor redirect to verification, so nothing is issued.
"""

from tests.security.roles import NOBODY, OFFICER, SIGNED_IN

RULES = {
    "accounts:two_factor_setup": {"GET": SIGNED_IN, "POST": SIGNED_IN, "data": {"code": "000000"}},
    "accounts:two_factor_verify": {"GET": SIGNED_IN, "POST": SIGNED_IN, "data": {"code": "000000"}},
    "accounts:two_factor_backup_codes": {
        "GET": NOBODY,
        "POST": SIGNED_IN,
        "note": "without this session's second factor the POST redirects to verification and issues nothing",
    },
}

# Officers' list of locked sign-ins (django-axes) and the early unlock (audited).
RULES.update(
    {
        "accounts:lockouts": {"GET": {OFFICER}},
        "accounts:lockout_unlock": {"GET": NOBODY, "POST": {OFFICER}, "data": {"username": "nobody-locked"}},
    }
)
