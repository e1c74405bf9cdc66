"""certificates: public verification and issuer pages, holders' downloads, officers' management.

The certificate and the CME credit are ``trainee``'s; the issuer, type and status list are public.
"""

from tests.security.roles import EVERYONE, NOBODY, OFFICER, SIGNED_IN, TRAINEE

CERT = {"pk": "certificate"}
ISSUER = {"code": "issuer.code"}
HOLDER_OR_OFFICER = {TRAINEE, OFFICER}
REASON = {"reason": "Issued in error"}

RULES = {
    # public
    "certificates:verify": {"GET": EVERYONE},
    "certificates:verify_credential": {"GET": EVERYONE, "POST": EVERYONE},
    "certificates:verify_code": {"GET": EVERYONE, "kwargs": {"code": "certificate.verification_code"}},
    "certificates:issuer_profile": {"GET": EVERYONE, "kwargs": ISSUER},
    "certificates:issuer_profile_json": {"GET": EVERYONE, "kwargs": ISSUER},
    "certificates:issuer_jwks": {"GET": EVERYONE, "kwargs": ISSUER},
    "certificates:status_list": {"GET": EVERYONE, "kwargs": {"pk": "status_list"}},
    "certificates:achievement": {"GET": EVERYONE, "kwargs": {"code": "certificate_type.code"}},
    "api:certificate-verify": {"GET": EVERYONE, "kwargs": {"code": "certificate.verification_code"}},
    "api:certificate-verify-credential": {"POST": EVERYONE, "note": "400 without a credential, for everyone"},
    # holders (every signed-in user has a list of his own; the certificate is the trainee's)
    "certificates:mine": {"GET": SIGNED_IN},
    "certificates:my_cme": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "certificates:pdf": {"GET": HOLDER_OR_OFFICER, "kwargs": CERT},
    "certificates:credential": {"GET": HOLDER_OR_OFFICER, "kwargs": CERT},
    "certificates:jwt": {"GET": HOLDER_OR_OFFICER, "kwargs": CERT},
    "certificates:renew": {"GET": NOBODY, "POST": {TRAINEE}, "kwargs": CERT},
    "api:my-certificates": {"GET": SIGNED_IN},
    "api:certificate-renew": {"POST": {TRAINEE}, "kwargs": CERT},
    "api:cme-credits": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # officers
    "certificates:manage_list": {"GET": {OFFICER}},
    "certificates:manage_issue": {"GET": {OFFICER}, "POST": {OFFICER}},
    "certificates:manage_issuers": {"GET": {OFFICER}, "POST": {OFFICER}},
    "certificates:manage_issuer_rotate": {"GET": NOBODY, "POST": {OFFICER}, "kwargs": ISSUER},
    "certificates:manage_types": {"GET": {OFFICER}, "POST": {OFFICER}},
    "certificates:manage_cme": {"GET": {OFFICER}, "POST": {OFFICER}, "data": {"credit": "junk"}},
    "certificates:manage_sitting": {"GET": {OFFICER}, "POST": {OFFICER}, "kwargs": {"sitting_id": "released_sitting"}},
    "certificates:manage_detail": {"GET": {OFFICER}, "kwargs": CERT},
    "certificates:manage_action": {
        "GET": NOBODY,
        "POST": {OFFICER},
        "kwargs": {**CERT, "action": "=suspend"},
        "data": REASON,
    },
    "api:certificates": {"GET": {OFFICER}},
    "api:certificate-issue": {"POST": {OFFICER}},
    "api:certificate-issuers": {"GET": {OFFICER}, "POST": {OFFICER}},
    "api:certificate-issuer-rotate": {"POST": {OFFICER}, "kwargs": ISSUER},
    "api:certificate-types": {"GET": {OFFICER}},
    "api:cme-credit-verify": {"POST": {OFFICER}, "kwargs": {"pk": "cme_credit"}},
    "api:certificate-sitting-issuing": {
        "GET": {OFFICER},
        "POST": {OFFICER},
        "kwargs": {"sitting_id": "released_sitting"},
    },
    "api:certificate-revoke": {"POST": {OFFICER}, "kwargs": CERT, "data": REASON},
    "api:certificate-suspend": {"POST": {OFFICER}, "kwargs": CERT, "data": REASON},
    "api:certificate-unsuspend": {"POST": {OFFICER}, "kwargs": CERT, "data": REASON},
    "api:certificate-reissue": {"POST": {OFFICER}, "kwargs": CERT, "data": REASON},
}
