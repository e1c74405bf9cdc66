"""Every write of the certificates app (keyword-only, in transactions, raising ApplicationError).

* :mod:`.issuers` — issuers, their keys (creation, rotation) and status lists;
* :mod:`.issuing` — issuing (one per passing attempt; by sitting in batches; manual) and re-issuing;
* :mod:`.rendering` — the signed credential, the PDF and the VC-JWT of a certificate;
* :mod:`.status` — revocation, suspension, the published status lists and verification caching;
* :mod:`.renewal` — CME credits, renewal per the type's rule, reminders.
"""

from certificates.services.issuers import (
    issuer_create,
    issuer_key_rotate,
    issuer_update,
)
from certificates.services.issuing import (
    certificate_issue,
    certificate_issue_manual,
    certificate_reissue,
    certificate_type_create,
    certificate_type_for_exam,
    certificates_issue_for_sitting,
    issuing_job_run,
    issuing_job_start,
)
from certificates.services.rendering import certificate_jwt, certificate_render, certificates_render
from certificates.services.renewal import (
    certificate_renew,
    cme_credit_add,
    cme_credit_verify,
    renewal_check,
    renewal_reminders_send,
)
from certificates.services.status import (
    certificate_revoke,
    certificate_suspend,
    certificate_unsuspend,
    status_list_credential,
)

__all__ = [
    "issuer_create",
    "issuer_update",
    "issuer_key_rotate",
    "certificate_type_create",
    "certificate_type_for_exam",
    "certificate_issue",
    "certificate_issue_manual",
    "certificate_reissue",
    "certificates_issue_for_sitting",
    "issuing_job_start",
    "issuing_job_run",
    "certificate_render",
    "certificates_render",
    "certificate_jwt",
    "certificate_revoke",
    "certificate_suspend",
    "certificate_unsuspend",
    "status_list_credential",
    "certificate_renew",
    "renewal_check",
    "cme_credit_add",
    "cme_credit_verify",
    "renewal_reminders_send",
]
