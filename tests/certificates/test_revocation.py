"""Revocation, suspension and expiry show on the public page and JSON within the same request."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from certificates.models import Certificate
from certificates.services import (
    certificate_reissue,
    certificate_revoke,
    certificate_suspend,
    certificate_unsuspend,
)
from irexam.errors import ApplicationError, ConflictError
from tests.certificates.helpers import *  # noqa: F403 - fixtures


def _page_status(client, certificate):
    response = client.get(reverse("certificates:verify_code", args=[certificate.verification_code]))
    assert response.status_code == 200
    return response.content.decode()


def _json_status(api_client, certificate):
    return api_client.get(reverse("api:certificate-verify", args=[certificate.verification_code])).json()["status"]


def test_a_revoked_certificate_shows_so_on_the_next_request(client, api_client, certificate, officer):
    assert 'data-status="valid"' in _page_status(client, certificate)
    assert _json_status(api_client, certificate) == "valid"  # now cached
    certificate_revoke(certificate=certificate, reason="licence withdrawn", by=officer)
    assert 'data-status="revoked"' in _page_status(client, certificate)
    assert _json_status(api_client, certificate) == "revoked"
    event = AuditEvent.objects.get(action="certificates.revoke")
    assert event.data == {"from": "valid", "to": "revoked", "reason": "licence withdrawn"}


def test_an_expired_certificate_shows_so_on_the_page_and_json(client, api_client, certificate):
    assert _json_status(api_client, certificate) == "valid"
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    # expiry is computed at read time; the cached record holds the stored date, so drop it as a date change would
    from certificates.services.status import verification_cache_invalidate

    verification_cache_invalidate(certificate)
    assert 'data-status="expired"' in _page_status(client, certificate)
    assert _json_status(api_client, certificate) == "expired"


def test_expiry_needs_no_write_the_day_it_happens(certificate):
    from certificates.selectors import public_status, verification_lookup

    record = verification_lookup(certificate.verification_code)
    assert public_status(record) == "valid"
    day_after = certificate.valid_until + timedelta(days=1)
    assert public_status(record, today=day_after) == "expired"
    assert certificate.public_status(today=certificate.valid_until) == "valid"


def test_suspension_can_be_lifted_and_each_step_is_recorded(api_client, certificate, officer):
    certificate_suspend(certificate=certificate, reason="inquiry", by=officer)
    assert _json_status(api_client, certificate) == "suspended"
    certificate_unsuspend(certificate=certificate, reason="inquiry closed", by=officer)
    assert _json_status(api_client, certificate) == "valid"
    actions = list(AuditEvent.objects.filter(target_id=str(certificate.pk)).values_list("action", flat=True))
    assert actions[-2:] == ["certificates.suspend", "certificates.unsuspend"]


def test_a_superseded_certificate_points_to_its_successor(api_client, certificate, officer):
    new = certificate_reissue(certificate=certificate, reason="name correction", by=officer)
    body = api_client.get(reverse("api:certificate-verify", args=[certificate.verification_code])).json()
    assert body["status"] == "superseded" and body["superseded_by_code"] == new.verification_code


def test_revoking_needs_a_reason_and_cannot_be_undone(certificate, officer):
    with pytest.raises(ApplicationError):
        certificate_revoke(certificate=certificate, reason="", by=officer)
    certificate_revoke(certificate=certificate, reason="fraud", by=officer)
    with pytest.raises(ConflictError):
        certificate_unsuspend(certificate=certificate, reason="oops", by=officer)
    with pytest.raises(ConflictError):
        certificate_reissue(certificate=certificate, reason="oops", by=officer)


def test_the_status_bits_follow_the_status(certificate, officer):
    from certificates.models import StatusList
    from certificates.status_list import StatusBitstring

    def bit(purpose):
        status_list = StatusList.objects.get(purpose=purpose, sequence=1)
        return StatusBitstring(status_list.size, data=bytes(status_list.bits)).get(certificate.status_index)

    certificate_suspend(certificate=certificate, reason="inquiry", by=officer)
    assert (bit("revocation"), bit("suspension")) == (False, True)
    certificate_revoke(certificate=certificate, reason="upheld", by=officer)
    assert (bit("revocation"), bit("suspension")) == (True, False)
